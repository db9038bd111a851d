/* mek.c: ME predictive image coder and the .mek container; see mek.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "mek.h"
#include "rangecoder.h"

#define FRAC 12			/* fractional bits of coefficients */
#define COEF_MAX (8 << FRAC)	/* |coefficient| <= 8 */
#define BIAS_MAX ((int64_t)1 << 40)
#define NCTX 19			/* bit lengths 0..18 of the gradient sum */
#define NB_BITS 5		/* residual bit length 0..17 in a 5-bit tree */
#define NB_MAX 17
#define HEADER_FIXED 24
#define MAX_COEF (MEK_MAX_ORDER + 3)
#define NBIAS (NCTX * 27)	/* bias contexts: gradient x sign pattern */

/* Causal neighbours (dy, dx) in the plane, in the order `order` takes
 * them: W, N, NW, NE, WW, NN, NWW, NNE, NNW, NEE, NNWW, NNEE. */
static const int neigh[MEK_MAX_ORDER][2] = {
	{ 0, -1 }, { -1, 0 }, { -1, -1 }, { -1, 1 }, { 0, -2 }, { -2, 0 },
	{ -1, -2 }, { -2, 1 }, { -2, -1 }, { -1, 2 }, { -2, -2 }, { -2, 2 },
};
/* In the previous channel's plane (all decoded already): here, W, N. */
static const int xneigh[3][2] = { { 0, 0 }, { 0, -1 }, { -1, 0 } };

typedef struct predictor {
	unsigned n;			/* coefficients */
	int32_t coef[MAX_COEF];		/* scaled by 2^FRAC */
	int64_t bias;			/* scaled by 2^FRAC */
} predictor;

/* A reconstructed plane, or the one being reconstructed. */
typedef struct plane {
	int32_t *v;		/* (h, w) */
	long w, h;
} plane;

/* The sample at (y, x) as the decoder sees it while at (cy, cx): outside
 * the image or not yet decoded, a causal stand-in (the row above's first
 * sample, the current row's W, the row's edge, or mid). */
static int32_t
fetch(const plane *p, long y, long x, long cy, long cx, int32_t mid)
{
	if (y < 0) {
		if (cy == 0)
			return cx > 0 ? p->v[cx - 1] : mid;
		y = 0;
	}
	if (y == cy) {	/* causal offsets on this row have x < cx */
		if (x < 0)
			return cy > 0 ? p->v[(cy - 1) * p->w] : mid;
		return p->v[y * p->w + x];
	}
	x = x < 0 ? 0 : x >= p->w ? p->w - 1 : x;
	return p->v[y * p->w + x];
}

/* A whole decoded plane: clamp into it. */
static int32_t
fetch_full(const plane *p, long y, long x)
{
	y = y < 0 ? 0 : y >= p->h ? p->h - 1 : y;
	x = x < 0 ? 0 : x >= p->w ? p->w - 1 : x;
	return p->v[y * p->w + x];
}

/* The predictor's inputs at (cy, cx): order spatial neighbours, then 3
 * from the previous plane when there is one. Returns their count. */
static unsigned
gather(int32_t *v, const plane *cur, const plane *prev, long cy, long cx,
	unsigned order, int32_t mid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < order; i++)
		v[n++] = fetch(cur, cy + neigh[i][0], cx + neigh[i][1], cy, cx,
		    mid);
	if (prev)
		for (unsigned i = 0; i < 3; i++)
			v[n++] = fetch_full(prev, cy + xneigh[i][0],
			    cx + xneigh[i][1]);
	return n;
}

static int32_t
predict(const predictor *pr, const int32_t *v, int32_t maxval)
{
	int64_t acc = pr->bias + ((int64_t)1 << (FRAC - 1));

	for (unsigned i = 0; i < pr->n; i++)
		acc += (int64_t)pr->coef[i] * v[i];
	/* floor division by 2^FRAC without relying on >> of negatives */
	int64_t q = acc >= 0 ? acc >> FRAC : -((-acc + (1 << FRAC) - 1) >> FRAC);
	return q < 0 ? 0 : q > maxval ? maxval : (int32_t)q;
}

static int
bitlen(uint32_t u)
{
	return u ? 32 - __builtin_clz(u) : 0;
}

static int
sign3(int32_t d)
{
	return d < 0 ? 0 : d == 0 ? 1 : 2;
}

/* The coding context: bit length of |N-NW| + |W-NW| + |NE-N|; and in
 * *bias_ctx that with the signs of the three differences, for the bias
 * correction. */
static int
context(const plane *cur, long cy, long cx, int32_t mid, int *bias_ctx)
{
	int32_t W = fetch(cur, cy, cx - 1, cy, cx, mid);
	int32_t N = fetch(cur, cy - 1, cx, cy, cx, mid);
	int32_t NW = fetch(cur, cy - 1, cx - 1, cy, cx, mid);
	int32_t NE = fetch(cur, cy - 1, cx + 1, cy, cx, mid);
	uint32_t g = (uint32_t)(abs(N - NW) + abs(W - NW) + abs(NE - N));
	int b = bitlen(g);
	b = b < NCTX ? b : NCTX - 1;
	*bias_ctx = b * 27 + 9 * sign3(N - NW) + 3 * sign3(W - NW) +
	    sign3(NE - N);
	return b;
}

typedef struct models {
	rc_prob nb[NCTX][1 << NB_BITS];
	rc_prob hi[NCTX][NB_MAX + 1];
	rc_prob mant[NB_MAX + 1][NB_MAX + 1];
	int32_t bias_sum[NBIAS], bias_count[NBIAS];	/* error statistics */
} models;

static void
models_init(models *m)
{
	rc_probs_init(&m->nb[0][0], sizeof m->nb / sizeof(rc_prob));
	rc_probs_init(&m->hi[0][0], sizeof m->hi / sizeof(rc_prob));
	rc_probs_init(&m->mant[0][0], sizeof m->mant / sizeof(rc_prob));
	memset(m->bias_sum, 0, sizeof m->bias_sum);
	memset(m->bias_count, 0, sizeof m->bias_count);
}

/* The mean reconstruction error seen in a bias context, rounded: what
 * the linear predictor gets wrong there on average (JPEG-LS's C[Q]). */
static int32_t
bias_correction(const models *m, int bc)
{
	int32_t s = m->bias_sum[bc], n = m->bias_count[bc];
	if (n == 0)
		return 0;
	return s >= 0 ? (s + n / 2) / n : -((-s + n / 2) / n);
}

static void
bias_update(models *m, int bc, int32_t e)
{
	m->bias_sum[bc] += e;
	if (++m->bias_count[bc] == 256) {	/* forget slowly */
		m->bias_sum[bc] /= 2;
		m->bias_count[bc] /= 2;
	}
}

/* u = zigzag(q): bit length through a tree per context, the bit below
 * the leading one with a model per (context, length), the rest with a
 * model per (length, position). */
static void
encode_residual(rc_encoder *e, models *m, int ctx, uint32_t u)
{
	int nb = bitlen(u);

	rc_encode_tree(e, m->nb[ctx], NB_BITS, (uint32_t)nb);
	for (int b = nb - 2; b >= 0; b--) {
		rc_prob *p = b == nb - 2 ? &m->hi[ctx][nb] : &m->mant[nb][b];
		rc_encode_bit(e, p, (u >> b) & 1);
	}
}

static int
decode_residual(rc_decoder *d, models *m, int ctx, uint32_t *u)
{
	int nb = (int)rc_decode_tree(d, m->nb[ctx], NB_BITS);

	if (nb > NB_MAX)
		return -1;
	uint32_t v = nb ? 1 : 0;
	for (int b = nb - 2; b >= 0; b--) {
		rc_prob *p = b == nb - 2 ? &m->hi[ctx][nb] : &m->mant[nb][b];
		v = (v << 1) | (uint32_t)rc_decode_bit(d, p);
	}
	*u = v;
	return 0;
}

/* Code one plane, encoding (enc) or decoding (dec): the same loop, so
 * both sides predict from the same reconstructed samples. When encoding,
 * `orig` holds the plane's samples; `cur` receives the reconstruction. */
static int
code_plane(rc_encoder *enc, rc_decoder *dec, models *m, plane *cur,
	const plane *prev, const int32_t *orig, const predictor *pr,
	unsigned order, int32_t maxval, int32_t near, kv_err *err)
{
	int32_t v[MAX_COEF], mid = (maxval + 1) / 2, step = 2 * near + 1;

	for (long y = 0; y < cur->h; y++)
		for (long x = 0; x < cur->w; x++) {
			int bc;
			gather(v, cur, prev, y, x, order, mid);
			int ctx = context(cur, y, x, mid, &bc);
			int32_t pred = predict(pr, v, maxval) +
			    bias_correction(m, bc);
			pred = pred < 0 ? 0 : pred > maxval ? maxval : pred;
			int32_t q;
			uint32_t u;
			if (enc) {
				int32_t e = orig[y * cur->w + x] - pred;
				q = e >= 0 ? (e + near) / step :
				    -((near - e) / step);
				u = q >= 0 ? 2u * (uint32_t)q :
				    2u * (uint32_t)(-q) - 1;
				encode_residual(enc, m, ctx, u);
			} else {
				if (decode_residual(dec, m, ctx, &u) != 0)
					return kv_errf(err, "corrupt payload at "
					    "row %ld, column %ld", y + 1, x + 1);
				q = u & 1 ? -(int32_t)((u + 1) / 2) :
				    (int32_t)(u / 2);
			}
			int64_t r = (int64_t)pred + (int64_t)q * step;
			r = r < 0 ? 0 : r > maxval ? maxval : r;
			cur->v[y * cur->w + x] = (int32_t)r;
			bias_update(m, bc, (int32_t)(r - pred));
		}
	return 0;
}

/* Fit the predictor of one plane from the original samples: normal
 * equations of the mean-removed neighbourhood, Cholesky (with a tiny
 * ridge); a flat or degenerate plane falls back to "predict W". */
static void
fit_predictor(predictor *pr, const plane *cur, const plane *prev,
	unsigned order, int32_t maxval)
{
	unsigned n = order + (prev ? 3 : 0);
	long npix = cur->w * cur->h, step = npix / 262144 + 1;
	double M[MAX_COEF * MAX_COEF] = { 0 }, b[MAX_COEF] = { 0 };
	double mean_c = 0, mean_p = 0, mean_v[MAX_COEF];
	int32_t v[MAX_COEF], mid = (maxval + 1) / 2;

	for (long i = 0; i < npix; i++) {
		mean_c += cur->v[i];
		if (prev)
			mean_p += prev->v[i];
	}
	mean_c /= (double)npix;
	mean_p /= (double)npix;
	for (unsigned i = 0; i < n; i++)
		mean_v[i] = i < order ? mean_c : mean_p;
	for (long i = 0; i < npix; i += step) {
		long y = i / cur->w, x = i % cur->w;
		gather(v, cur, prev, y, x, order, mid);
		double t = cur->v[i] - mean_c, d[MAX_COEF];
		for (unsigned j = 0; j < n; j++)
			d[j] = v[j] - mean_v[j];
		for (unsigned j = 0; j < n; j++) {
			b[j] += d[j] * t;
			for (unsigned k = 0; k <= j; k++)
				M[j * n + k] += d[j] * d[k];
		}
	}
	double tr = 0;
	for (unsigned j = 0; j < n; j++)
		tr += M[j * n + j];
	for (unsigned j = 0; j < n; j++) {
		M[j * n + j] += 1e-9 * tr / n + 1e-9;
		for (unsigned k = 0; k < j; k++)
			M[k * n + j] = M[j * n + k];
	}
	gsl_matrix_view Mv = gsl_matrix_view_array(M, n, n);
	gsl_vector_view bv = gsl_vector_view_array(b, n);
	double a[MAX_COEF];
	gsl_vector_view av = gsl_vector_view_array(a, n);
	int ok = tr > 0 && gsl_linalg_cholesky_decomp1(&Mv.matrix) == 0 &&
	    gsl_linalg_cholesky_solve(&Mv.matrix, &bv.vector, &av.vector) == 0;
	for (unsigned j = 0; ok && j < n; j++)
		ok = isfinite(a[j]);
	pr->n = n;
	double bias = mean_c;
	for (unsigned j = 0; j < n; j++) {
		double c = ok ? a[j] : (j == 0 ? 1 : 0);
		long q = lround(c * (1 << FRAC));
		q = q > COEF_MAX ? COEF_MAX : q < -COEF_MAX ? -COEF_MAX : q;
		pr->coef[j] = (int32_t)q;
		bias -= (double)q / (1 << FRAC) * mean_v[j];
	}
	pr->bias = (int64_t)llround(bias * (1 << FRAC));
}

uint32_t
mek_crc32(const uint8_t *p, size_t n)
{
	uint32_t table[256], c = 0xFFFFFFFFu;

	for (uint32_t i = 0; i < 256; i++) {
		uint32_t t = i;
		for (int k = 0; k < 8; k++)
			t = t & 1 ? 0xEDB88320u ^ (t >> 1) : t >> 1;
		table[i] = t;
	}
	for (size_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

int
mek_is_mek(const uint8_t *buf, size_t len)
{
	return len >= 8 && memcmp(buf, MEK_MAGIC, 8) == 0;
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static size_t
model_bytes(unsigned channels, unsigned order)
{
	return channels * 8 + 4 * (channels * order + 3 * (channels - 1));
}

static int
check_dims(uint64_t w, uint64_t h, uint64_t c, uint64_t maxval,
	uint64_t near, uint64_t order, kv_err *err)
{
	if (w < 1 || h < 1)
		return kv_errf(err, "image size %llux%llu is empty",
		    (unsigned long long)w, (unsigned long long)h);
	if (c < 1 || c > MEK_MAX_CHANNELS)
		return kv_errf(err, "%llu channels (1..%d supported)",
		    (unsigned long long)c, MEK_MAX_CHANNELS);
	if (w * h * c > MEK_MAX_SAMPLES)
		return kv_errf(err, "image %llux%llux%llu is too large",
		    (unsigned long long)w, (unsigned long long)h,
		    (unsigned long long)c);
	if (maxval < 1 || maxval > 65535)
		return kv_errf(err, "maxval %llu outside 1..65535",
		    (unsigned long long)maxval);
	if (near > maxval / 2)
		return kv_errf(err, "max error %llu exceeds maxval/2 = %llu",
		    (unsigned long long)near, (unsigned long long)maxval / 2);
	if (order < 1 || order > MEK_MAX_ORDER)
		return kv_errf(err, "order %llu outside 1..%d",
		    (unsigned long long)order, MEK_MAX_ORDER);
	return 0;
}

static void
free_planes(plane *pl, unsigned c)
{
	for (unsigned i = 0; i < c; i++)
		free(pl[i].v);
}

static int
alloc_planes(plane *pl, unsigned c, long w, long h, kv_err *err)
{
	memset(pl, 0, c * sizeof *pl);
	for (unsigned i = 0; i < c; i++) {
		pl[i] = (plane){ malloc((size_t)(w * h) * sizeof(int32_t)), w, h };
		if (!pl[i].v) {
			free_planes(pl, c);
			return kv_errf(err, "out of memory for a %ldx%ld image",
			    w, h);
		}
	}
	return 0;
}

int
mek_compress(uint8_t **out, size_t *len, const mek_image *img,
	const mek_params *par, kv_err *err)
{
	unsigned C = img->channels, order = par->order;
	long w = img->width, h = img->height;
	plane orig[MEK_MAX_CHANNELS], rec[MEK_MAX_CHANNELS];
	predictor pr[MEK_MAX_CHANNELS];
	models *m = NULL;
	rc_encoder enc;
	uint8_t *payload = NULL, *file = NULL;
	size_t plen = 0;
	int rc = -1;

	if (check_dims(img->width, img->height, C, img->maxval,
	    par->max_error, order, err) != 0)
		return -1;
	if (alloc_planes(orig, C, w, h, err) != 0)
		return -1;
	if (alloc_planes(rec, C, w, h, err) != 0) {
		free_planes(orig, C);
		return -1;
	}
	for (long i = 0; i < w * h; i++)
		for (unsigned c = 0; c < C; c++) {
			uint16_t s = img->pix[(size_t)i * C + c];
			if (s > img->maxval) {
				kv_errf(err, "sample %u at row %ld, column %ld, "
				    "channel %u exceeds maxval %u", s, i / w + 1,
				    i % w + 1, c + 1, img->maxval);
				goto out;
			}
			orig[c].v[i] = s;
		}
	if (!(m = malloc(sizeof *m))) {
		kv_errf(err, "out of memory");
		goto out;
	}
	models_init(m);
	rc_encoder_init(&enc);
	for (unsigned c = 0; c < C; c++) {
		fit_predictor(&pr[c], &orig[c], c ? &orig[c - 1] : NULL, order,
		    (int32_t)img->maxval);
		code_plane(&enc, NULL, m, &rec[c], c ? &rec[c - 1] : NULL,
		    orig[c].v, &pr[c], order, (int32_t)img->maxval,
		    (int32_t)par->max_error, err);
	}
	if (rc_encoder_finish(&enc, &payload, &plen, err) != 0)
		goto out;

	size_t mb = model_bytes(C, order), total = HEADER_FIXED + mb + 8 +
	    plen + 4;
	if (!(file = malloc(total))) {
		kv_errf(err, "out of memory");
		goto out;
	}
	memcpy(file, MEK_MAGIC, 8);
	file[8] = MEK_VERSION;
	file[9] = (uint8_t)C;
	put_le(file + 10, img->maxval, 2);
	put_le(file + 12, img->width, 4);
	put_le(file + 16, img->height, 4);
	put_le(file + 20, par->max_error, 2);
	file[22] = (uint8_t)order;
	file[23] = 0;
	uint8_t *p = file + HEADER_FIXED;
	for (unsigned c = 0; c < C; c++) {
		put_le(p, (uint64_t)pr[c].bias, 8);
		p += 8;
		for (unsigned j = 0; j < pr[c].n; j++, p += 4)
			put_le(p, (uint32_t)pr[c].coef[j], 4);
	}
	put_le(p, plen, 8);
	memcpy(p + 8, payload, plen);
	put_le(p + 8 + plen, mek_crc32(file, total - 4), 4);
	*out = file;
	*len = total;
	file = NULL;
	rc = 0;
out:
	free(file);
	free(payload);
	free(m);
	free_planes(orig, C);
	free_planes(rec, C);
	return rc;
}

int
mek_decompress(mek_image *img, const uint8_t *buf, size_t len, kv_err *err)
{
	if (len < 8 || !mek_is_mek(buf, len))
		return kv_errf(err, "not a .mek file (bad magic)");
	if (len < HEADER_FIXED)
		return kv_errf(err, "truncated .mek header (%zu of %d bytes)",
		    len, HEADER_FIXED);
	if (buf[8] != MEK_VERSION)
		return kv_errf(err, ".mek version %u is not supported (this "
		    "program reads version %d)", buf[8], MEK_VERSION);
	unsigned C = buf[9], order = buf[22];
	uint32_t maxval = (uint32_t)get_le(buf + 10, 2);
	uint32_t w = (uint32_t)get_le(buf + 12, 4), h = (uint32_t)get_le(buf + 16, 4);
	uint32_t near = (uint32_t)get_le(buf + 20, 2);
	if (check_dims(w, h, C, maxval, near, order, err) != 0)
		return kv_err_prefix(err, "bad .mek header");
	if (buf[23] != 0)
		return kv_errf(err, "bad .mek header: reserved byte is %u",
		    buf[23]);
	size_t mb = model_bytes(C, order);
	if (len < HEADER_FIXED + mb + 8)
		return kv_errf(err, "truncated .mek file: %zu bytes, the header "
		    "alone needs %zu", len, HEADER_FIXED + mb + 8);
	uint64_t plen = get_le(buf + HEADER_FIXED + mb, 8);
	uint64_t want = HEADER_FIXED + mb + 8 + plen + 4;
	if (plen > len || want != len)
		return kv_errf(err, want > len || plen > len ?
		    "truncated .mek file: %zu bytes, the header says %llu" :
		    ".mek file has trailing data: %zu bytes, the header says "
		    "%llu", len, (unsigned long long)want);
	/* Every sample costs at least 5 tree decisions of >= 0.011 bits
	 * (no model goes above 4065/4096): a payload far too short for the
	 * image is refused before anything is allocated. */
	if (plen * 128 + 64 < (uint64_t)w * h * C)
		return kv_errf(err, "payload of %llu bytes is too short for a "
		    "%ux%ux%u image: the .mek file is corrupted",
		    (unsigned long long)plen, w, h, C);
	if (mek_crc32(buf, len - 4) != get_le(buf + len - 4, 4))
		return kv_errf(err, "checksum mismatch: the .mek file is "
		    "corrupted");

	predictor pr[MEK_MAX_CHANNELS];
	const uint8_t *p = buf + HEADER_FIXED;
	for (unsigned c = 0; c < C; c++) {
		pr[c].bias = (int64_t)get_le(p, 8);
		p += 8;
		pr[c].n = order + (c ? 3 : 0);
		if (pr[c].bias > BIAS_MAX || pr[c].bias < -BIAS_MAX)
			return kv_errf(err, "bad .mek model: channel %u bias out "
			    "of range", c + 1);
		for (unsigned j = 0; j < pr[c].n; j++, p += 4) {
			pr[c].coef[j] = (int32_t)(uint32_t)get_le(p, 4);
			if (pr[c].coef[j] > COEF_MAX || pr[c].coef[j] < -COEF_MAX)
				return kv_errf(err, "bad .mek model: channel %u "
				    "coefficient %u out of range", c + 1, j + 1);
		}
	}
	plane rec[MEK_MAX_CHANNELS];
	models *m = malloc(sizeof *m);
	uint16_t *pix = malloc((size_t)w * h * C * sizeof *pix);
	if (!m || !pix || alloc_planes(rec, C, w, h, err) != 0) {
		free(m);
		free(pix);
		return kv_errf(err, "out of memory for a %ux%u image", w, h);
	}
	models_init(m);
	rc_decoder dec;
	rc_decoder_init(&dec, p + 8, (size_t)plen);
	int rc = 0;
	for (unsigned c = 0; c < C && rc == 0; c++)
		rc = code_plane(NULL, &dec, m, &rec[c], c ? &rec[c - 1] : NULL,
		    NULL, &pr[c], order, (int32_t)maxval, (int32_t)near, err);
	if (rc == 0 && rc_decoder_overrun(&dec) > 0)
		rc = kv_errf(err, "the payload ends %zu bytes early: the .mek "
		    "file is corrupted", rc_decoder_overrun(&dec));
	if (rc == 0)
		for (size_t i = 0; i < (size_t)w * h; i++)
			for (unsigned c = 0; c < C; c++)
				pix[i * C + c] = (uint16_t)rec[c].v[i];
	free_planes(rec, C);
	free(m);
	if (rc != 0) {
		free(pix);
		return -1;
	}
	*img = (mek_image){ w, h, C, maxval, pix };
	return 0;
}
