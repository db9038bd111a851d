/* codec.c: ME predictive image coder and the .mek container; see codec.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "mek/codec.h"
#include "mek/rangecoder.h"

#define FRAC 12			/* fractional bits of coefficients */
#define COEF_MAX (8 << FRAC)	/* |coefficient| <= 8 */
#define BIAS_MAX ((int64_t)1 << 40)
#define NCTX 19			/* bit lengths 0..18 of the gradient sum */
#define NB_BITS 5		/* residual bit length 0..17 in a 5-bit tree */
#define NB_MAX 17
#define HEADER_FIXED 24
#define MAX_COEF (MEK_MAX_ORDER + 3)
#define NBIAS (NCTX * 27)	/* bias contexts: gradient x sign pattern */
#define NCLASS 32		/* neighbourhood classes (context()) */
#define NCODE (NCTX * (NCLASS + 1))	/* coding contexts */
/* What a class of its own costs beyond its header bytes, in bits: its
 * contexts start from nothing. Measured on scikit-image's images: 256
 * lets noise-level gains through (camera +0.5%), 1024 drops a class of
 * cell's that saves 11 kbit (the estimate is crude), 2048 moon's; 512 to
 * 768 is best. */
#define CLASS_COST_BITS 768
#define NCODEBIAS (NBIAS * (NCLASS + 1))	/* bias contexts x class group */

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

/* A channel's model: the predictor of every class not in mask, and one
 * of its own for each class in it (fit_model decides which pay). */
typedef struct chmodel {
	predictor glob;
	uint32_t mask;			/* bit k: class k has cls[k] */
	predictor cls[NCLASS];
} chmodel;

/* A class with its own predictor also gets its own coding contexts:
 * its residuals (often all zero, for copied pixels) have statistics of
 * their own. 0 is shared by every other class. */
static int
code_group(const chmodel *cm, int cls)
{
	return cm->mask >> cls & 1 ? cls + 1 : 0;
}

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

/* The gradient context of an activity: its bit length, capped. */
static int
activity_ctx(uint32_t act)
{
	int b = bitlen(act);
	return b < NCTX ? b : NCTX - 1;
}

/* What the coder knows of a pixel's neighbourhood before coding it. */
typedef struct nbctx {
	uint32_t act;	/* activity |N-NW| + |W-NW| + |NE-N| */
	int grad;	/* its bit length, < NCTX */
	int bias;	/* grad with the signs of the three, < NBIAS */
	int cls;	/* equality pattern, < NCLASS */
} nbctx;

/* The neighbourhood of (cy, cx): the gradient context, the bias context
 * and the class, the equality pattern of W=NW, N=NW, N=NE, W=WW, N=NN.
 * Equal neighbours are how resampled, replicated or posterised images
 * show their structure (in a 2x2-upsampled image each of the four
 * phases has its own pattern, and in three of them the pixel is a copy
 * of W or N); each class may get its own predictor. */
static nbctx
context(const plane *cur, long cy, long cx, int32_t mid)
{
	int32_t W = fetch(cur, cy, cx - 1, cy, cx, mid);
	int32_t N = fetch(cur, cy - 1, cx, cy, cx, mid);
	int32_t NW = fetch(cur, cy - 1, cx - 1, cy, cx, mid);
	int32_t NE = fetch(cur, cy - 1, cx + 1, cy, cx, mid);
	int32_t WW = fetch(cur, cy, cx - 2, cy, cx, mid);
	int32_t NN = fetch(cur, cy - 2, cx, cy, cx, mid);
	uint32_t g = (uint32_t)(abs(N - NW) + abs(W - NW) + abs(NE - N));
	nbctx k;

	k.act = g;
	k.grad = activity_ctx(g);
	k.bias = k.grad * 27 + 9 * sign3(N - NW) + 3 * sign3(W - NW) +
	    sign3(NE - N);
	k.cls = (W == NW) | (N == NW) << 1 | (N == NE) << 2 | (W == WW) << 3 |
	    (N == NN) << 4;
	return k;
}

typedef struct models {
	int zero_flag, error_ctx;	/* version >= 2 */
	int nb_bits, nb_max;		/* the bit-length tree's depth, range */
	rc_prob zero[NCODE];
	rc_prob nb[NCODE][1 << NB_BITS];
	rc_prob hi[NCODE][NB_MAX + 1];
	rc_prob mant[NB_MAX + 1][NB_MAX + 1];
	int32_t bias_sum[NCODEBIAS], bias_count[NCODEBIAS];	/* error statistics */
} models;

/* Version 2 sizes the bit-length tree to the image: |q| <= maxval, so
 * u < 2^bitlen(2 maxval) (8-bit: lengths 0..9, a 4-level tree; every
 * level is a decision paid on every sample, however certain). */
static void
models_init(models *m, unsigned version, uint32_t maxval)
{
	m->zero_flag = m->error_ctx = version >= 2;
	m->nb_max = version >= 2 ? bitlen(2 * maxval) : NB_MAX;
	m->nb_bits = version >= 2 ? bitlen((uint32_t)m->nb_max) : NB_BITS;
	rc_probs_init(m->zero, NCODE);
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

/* u = zigzag(q): (version 2) whether it is 0, with a model per context
 * (one decision, so a residual that is always 0, a copied pixel's, costs
 * 0.011 bits and not 5 times that); then its bit length through a tree
 * per context, the bit below the leading one with a model per (context,
 * length), the rest with a model per (length, position). */
static void
encode_residual(rc_encoder *e, models *m, int ctx, uint32_t u)
{
	int nb = bitlen(u);

	if (m->zero_flag) {
		rc_encode_bit(e, &m->zero[ctx], u != 0);
		if (u == 0)
			return;
	}
	rc_encode_tree(e, m->nb[ctx], m->nb_bits, (uint32_t)nb);
	for (int b = nb - 2; b >= 0; b--) {
		rc_prob *p = b == nb - 2 ? &m->hi[ctx][nb] : &m->mant[nb][b];
		rc_encode_bit(e, p, (u >> b) & 1);
	}
}

static int
decode_residual(rc_decoder *d, models *m, int ctx, uint32_t *u)
{
	if (m->zero_flag && !rc_decode_bit(d, &m->zero[ctx])) {
		*u = 0;
		return 0;
	}
	int nb = (int)rc_decode_tree(d, m->nb[ctx], m->nb_bits);

	if (nb > m->nb_max || (m->zero_flag && nb == 0))
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
	const plane *prev, const int32_t *orig, const chmodel *cm,
	unsigned order, int32_t maxval, int32_t near, kv_err *err)
{
	/* v: gather fills the first order (+3) entries, as many as cm's
	 * predictors read; zeroed once so that no entry is ever unset */
	int32_t v[MAX_COEF] = { 0 }, mid = (maxval + 1) / 2;
	int32_t step = 2 * near + 1;
	long w = cur->w;
	/* (version 2) the reconstruction errors of this row and the row
	 * above: |error| at W and N joins the activity of the coding context,
	 * as CALIC's error energy, for where the predictor is doing badly */
	int32_t *erows = calloc(2 * (size_t)w, sizeof *erows);

	if (!erows)
		return kv_errf(err, "out of memory");
	for (long y = 0; y < cur->h; y++) {
		int32_t *ecur = erows + (y & 1) * w, *eup = erows + (~y & 1) * w;
		for (long x = 0; x < w; x++) {
			gather(v, cur, prev, y, x, order, mid);
			nbctx k = context(cur, y, x, mid);
			if (m->error_ctx)
				k.grad = activity_ctx(k.act + (uint32_t)abs(eup[x]) +
				    (uint32_t)(x > 0 ? abs(ecur[x - 1]) : 0));
			int grp = code_group(cm, k.cls);
			int ctx = k.grad + NCTX * grp, bc = k.bias + NBIAS * grp;
			const predictor *pr = cm->mask >> k.cls & 1 ?
			    &cm->cls[k.cls] : &cm->glob;
			int32_t pred = predict(pr, v, maxval) +
			    bias_correction(m, bc);
			pred = pred < 0 ? 0 : pred > maxval ? maxval : pred;
			int32_t q;
			uint32_t u;
			if (enc) {
				int32_t e = orig[y * w + x] - pred;
				q = e >= 0 ? (e + near) / step :
				    -((near - e) / step);
				u = q >= 0 ? 2u * (uint32_t)q :
				    2u * (uint32_t)(-q) - 1;
				encode_residual(enc, m, ctx, u);
			} else if (decode_residual(dec, m, ctx, &u) != 0) {
				free(erows);
				return kv_errf(err, "corrupt payload at row %ld, "
				    "column %ld", y + 1, x + 1);
			} else
				q = u & 1 ? -(int32_t)((u + 1) / 2) :
				    (int32_t)(u / 2);
			int64_t r = (int64_t)pred + (int64_t)q * step;
			r = r < 0 ? 0 : r > maxval ? maxval : r;
			cur->v[y * w + x] = (int32_t)r;
			ecur[x] = (int32_t)(r - pred);
			bias_update(m, bc, (int32_t)(r - pred));
		}
	}
	free(erows);
	return 0;
}

/* Sums over the samples of one class for its normal equations, of the
 * samples less the plane's means (so centring them on the class's own
 * means afterwards loses little precision). M is lower triangular. */
typedef struct lsacc {
	double n, st, sv[MAX_COEF], b[MAX_COEF], M[MAX_COEF * MAX_COEF];
} lsacc;

static void
lsacc_add(lsacc *a, const double *d, double t, unsigned n)
{
	a->n++;
	a->st += t;
	for (unsigned j = 0; j < n; j++) {
		a->sv[j] += d[j];
		a->b[j] += d[j] * t;
		for (unsigned k = 0; k <= j; k++)
			a->M[j * n + k] += d[j] * d[k];
	}
}

static void
lsacc_merge(lsacc *a, const lsacc *b)
{
	a->n += b->n;
	a->st += b->st;
	for (unsigned j = 0; j < MAX_COEF; j++) {
		a->sv[j] += b->sv[j];
		a->b[j] += b->b[j];
	}
	for (unsigned j = 0; j < MAX_COEF * MAX_COEF; j++)
		a->M[j] += b->M[j];
}

/* The predictor of the samples summed in a: the normal equations of the
 * neighbourhood about the class's means, solved by Cholesky (with a tiny
 * ridge, which also settles neighbours that are always equal in a class
 * by sharing the weight between them); no samples or a degenerate system
 * fall back to "predict W". shift_t, shift_v: the means taken off. */
static void
solve_predictor(predictor *pr, const lsacc *a, unsigned n, double shift_t,
	const double *shift_v)
{
	double M[MAX_COEF * MAX_COEF], b[MAX_COEF], mv[MAX_COEF] = { 0 };
	double mt = a->n > 0 ? a->st / a->n : 0, tr = 0;

	for (unsigned j = 0; j < n; j++)
		mv[j] = a->n > 0 ? a->sv[j] / a->n : 0;
	for (unsigned j = 0; j < n; j++) {
		b[j] = a->b[j] - a->n * mv[j] * mt;
		for (unsigned k = 0; k <= j; k++)
			M[j * n + k] = a->M[j * n + k] - a->n * mv[j] * mv[k];
		tr += M[j * n + j];
	}
	for (unsigned j = 0; j < n; j++) {
		M[j * n + j] += 1e-9 * tr / n + 1e-9;
		for (unsigned k = 0; k < j; k++)
			M[k * n + j] = M[j * n + k];
	}
	gsl_matrix_view Mv = gsl_matrix_view_array(M, n, n);
	gsl_vector_view bv = gsl_vector_view_array(b, n);
	double x[MAX_COEF];
	gsl_vector_view xv = gsl_vector_view_array(x, n);
	int ok = a->n > 0 && tr > 0 &&
	    gsl_linalg_cholesky_decomp1(&Mv.matrix) == 0 &&
	    gsl_linalg_cholesky_solve(&Mv.matrix, &bv.vector, &xv.vector) == 0;
	for (unsigned j = 0; ok && j < n; j++)
		ok = isfinite(x[j]);
	pr->n = n;
	double bias = mt + shift_t;
	for (unsigned j = 0; j < n; j++) {
		double c = ok ? x[j] : (j == 0 ? 1 : 0);
		long q = lround(c * (1 << FRAC));
		q = q > COEF_MAX ? COEF_MAX : q < -COEF_MAX ? -COEF_MAX : q;
		pr->coef[j] = (int32_t)q;
		bias -= (double)q / (1 << FRAC) * (mv[j] + shift_v[j]);
	}
	bias = bias > 0x1p28 ? 0x1p28 : bias < -0x1p28 ? -0x1p28 : bias;
	pr->bias = (int64_t)llround(bias * (1 << FRAC));
}

/* What the residuals of one class cost, roughly, with a coder that knew
 * their statistics: the entropy of their bit lengths in each gradient
 * context plus the bits below the leading one. */
typedef struct rescost {
	double count[NCTX][NB_MAX + 1], raw;
} rescost;

static void
rescost_add(rescost *rc, int grad, int32_t e)
{
	uint32_t u = e >= 0 ? 2u * (uint32_t)e : 2u * (uint32_t)(-e) - 1;
	int nb = bitlen(u);

	rc->count[grad][nb]++;
	rc->raw += nb > 1 ? nb - 1 : 0;
}

static void
rescost_merge(rescost *a, const rescost *b)
{
	for (int g = 0; g < NCTX; g++)
		for (int i = 0; i <= NB_MAX; i++)
			a->count[g][i] += b->count[g][i];
	a->raw += b->raw;
}

/* The bits of rc's residuals coded with the bit-length statistics of
 * model (rc's own: their entropy; a pool's: what sharing costs them). */
static double
rescost_bits(const rescost *rc, const rescost *model)
{
	double bits = rc->raw;

	for (int g = 0; g < NCTX; g++) {
		double n = 0;
		for (int b = 0; b <= NB_MAX; b++)
			n += model->count[g][b] + 0.5;
		for (int b = 0; b <= NB_MAX; b++)
			if (rc->count[g][b] > 0)
				bits -= rc->count[g][b] *
				    log2((model->count[g][b] + 0.5) / n);
	}
	return bits;
}

/* Fit the model of one plane from the original samples (every sample,
 * or an even subsample of about 2^18 of them): the predictor of the
 * whole plane, then one per neighbourhood class. A class keeps its own
 * predictor (and its own coding contexts) where the bits it saves, by
 * rescost (its residuals with its own predictor and statistics against
 * the shared predictor's in the shared contexts; the gradient contexts
 * without the coder's error terms), exceed its header bytes and
 * CLASS_COST_BITS; the shared predictor is then refit on the
 * classes left. With classes 0, the shared predictor alone. Returns -1
 * when memory runs out. */
static int
fit_model(chmodel *cm, const plane *cur, const plane *prev, unsigned order,
	int32_t maxval, int classes, kv_err *err)
{
	unsigned n = order + (prev ? 3 : 0);
	/* an odd step, so that a subsample of an even-width image still
	 * visits every column phase */
	long npix = cur->w * cur->h, step = (npix - 1) / 262144 | 1;
	double mean_c = 0, mean_p = 0, shift_v[MAX_COEF];
	int32_t v[MAX_COEF], mid = (maxval + 1) / 2;
	lsacc *acc = calloc(NCLASS + 1, sizeof *acc), *all = acc + NCLASS;
	rescost *sg = calloc(2 * NCLASS + 1, sizeof *sg), *sk = sg + NCLASS,
	    *pool = sk + NCLASS;

	if (!acc || !sg) {
		free(acc);
		free(sg);
		return kv_errf(err, "out of memory");
	}
	for (long i = 0; i < npix; i++) {
		mean_c += cur->v[i];
		if (prev)
			mean_p += prev->v[i];
	}
	mean_c /= (double)npix;
	mean_p /= (double)npix;
	for (unsigned i = 0; i < n; i++)
		shift_v[i] = i < order ? mean_c : mean_p;
	for (long i = 0; i < npix; i += step) {
		long y = i / cur->w, x = i % cur->w;
		double d[MAX_COEF];
		gather(v, cur, prev, y, x, order, mid);
		for (unsigned j = 0; j < n; j++)
			d[j] = v[j] - shift_v[j];
		lsacc_add(&acc[context(cur, y, x, mid).cls], d,
		    cur->v[i] - mean_c, n);
	}
	for (unsigned k = 0; k < NCLASS; k++)
		lsacc_merge(all, &acc[k]);
	solve_predictor(&cm->glob, all, n, mean_c, shift_v);
	for (unsigned k = 0; k < NCLASS; k++)
		solve_predictor(&cm->cls[k], &acc[k], n, mean_c, shift_v);

	for (long i = 0; i < npix; i += step) {
		long y = i / cur->w, x = i % cur->w;
		nbctx k = context(cur, y, x, mid);
		gather(v, cur, prev, y, x, order, mid);
		rescost_add(&sg[k.cls], k.grad,
		    cur->v[i] - predict(&cm->glob, v, maxval));
		rescost_add(&sk[k.cls], k.grad,
		    cur->v[i] - predict(&cm->cls[k.cls], v, maxval));
	}
	/* A class of its own is coded with statistics of its own, the rest
	 * with the pool's: two rounds, the second against the pool the
	 * first left. */
	cm->mask = 0;
	for (int round = 0; classes && round < 2; round++) {
		memset(pool, 0, sizeof *pool);
		for (unsigned k = 0; k < NCLASS; k++)
			if (!(cm->mask >> k & 1))
				rescost_merge(pool, &sg[k]);
		cm->mask = 0;
		for (unsigned k = 0; k < NCLASS; k++) {
			double gain = step * (rescost_bits(&sg[k], pool) -
			    rescost_bits(&sk[k], &sk[k]));
			if (gain > CLASS_COST_BITS + 8 * (8 + 4 * n))
				cm->mask |= 1u << k;
		}
	}
	memset(all, 0, sizeof *all);
	for (unsigned k = 0; k < NCLASS; k++)
		if (!(cm->mask >> k & 1))
			lsacc_merge(all, &acc[k]);
	if (cm->mask && all->n > 0)
		solve_predictor(&cm->glob, all, n, mean_c, shift_v);
	free(acc);
	free(sg);
	return 0;
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

/* Header bytes of one channel's model, version 2: the class mask, the
 * shared predictor, then each class's own in class order; a predictor
 * is an int64 bias and n int32 coefficients. Version 1 had no mask. */
static size_t
chmodel_bytes(uint32_t mask, unsigned n, unsigned version)
{
	return (version >= 2 ? 4 : 0) +
	    (size_t)(1 + __builtin_popcount(mask)) * (8 + 4 * n);
}

static uint8_t *
put_predictor(uint8_t *p, const predictor *pr)
{
	put_le(p, (uint64_t)pr->bias, 8);
	p += 8;
	for (unsigned j = 0; j < pr->n; j++, p += 4)
		put_le(p, (uint32_t)pr->coef[j], 4);
	return p;
}

static uint8_t *
put_chmodel(uint8_t *p, const chmodel *cm)
{
	put_le(p, cm->mask, 4);
	p = put_predictor(p + 4, &cm->glob);
	for (unsigned k = 0; k < NCLASS; k++)
		if (cm->mask >> k & 1)
			p = put_predictor(p, &cm->cls[k]);
	return p;
}

/* Read a predictor of n coefficients at p (bounds checked by the
 * caller): channel c's shared one (cls < 0) or class cls's; fails on a
 * value no encoder writes. */
static int
get_predictor(predictor *pr, const uint8_t *p, unsigned n, unsigned c,
	int cls, kv_err *err)
{
	char what[48];

	if (cls < 0)
		snprintf(what, sizeof what, "channel %u", c + 1);
	else
		snprintf(what, sizeof what, "channel %u class %d", c + 1, cls);
	pr->bias = (int64_t)get_le(p, 8);
	pr->n = n;
	if (pr->bias > BIAS_MAX || pr->bias < -BIAS_MAX)
		return kv_errf(err, "bad .mek model: %s bias out of range",
		    what);
	for (unsigned j = 0; j < n; j++) {
		pr->coef[j] = (int32_t)(uint32_t)get_le(p + 8 + 4 * j, 4);
		if (pr->coef[j] > COEF_MAX || pr->coef[j] < -COEF_MAX)
			return kv_errf(err, "bad .mek model: %s coefficient %u "
			    "out of range", what, j + 1);
	}
	return 0;
}

/* The models of all channels from the header at p (version 1: no masks,
 * each a lone shared predictor); lengths were checked by the caller. */
static int
get_models(chmodel *cm, const uint8_t *p, unsigned C, unsigned order,
	unsigned version, kv_err *err)
{
	for (unsigned c = 0; c < C; c++) {
		unsigned n = order + (c ? 3 : 0);
		cm[c].mask = version >= 2 ? (uint32_t)get_le(p, 4) : 0;
		p += version >= 2 ? 4 : 0;
		if (get_predictor(&cm[c].glob, p, n, c, -1, err) != 0)
			return -1;
		p += 8 + 4 * n;
		for (int k = 0; k < NCLASS; k++) {
			if (!(cm[c].mask >> k & 1))
				continue;
			if (get_predictor(&cm[c].cls[k], p, n, c, k, err) != 0)
				return -1;
			p += 8 + 4 * n;
		}
	}
	return 0;
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
		pl[i] = (plane){ calloc((size_t)(w * h), sizeof(int32_t)), w, h };
		if (!pl[i].v) {
			free_planes(pl, c);
			return kv_errf(err, "out of memory for a %ldx%ld image",
			    w, h);
		}
	}
	return 0;
}

/* Fit every channel's model (with classes or not) and code the image:
 * the payload in *payload (malloc'd), *plen bytes, the models' header
 * bytes in *mb. m is scratch, rec receives the reconstruction. */
static int
encode_image(uint8_t **payload, size_t *plen, size_t *mb, chmodel *cm,
	models *m, const plane *orig, plane *rec, unsigned C, unsigned order,
	int32_t maxval, int32_t near, int classes, kv_err *err)
{
	rc_encoder enc;

	models_init(m, MEK_VERSION, (uint32_t)maxval);
	rc_encoder_init(&enc);
	*mb = 0;
	for (unsigned c = 0; c < C; c++) {
		if (fit_model(&cm[c], &orig[c], c ? &orig[c - 1] : NULL, order,
		    maxval, classes, err) != 0) {
			rc_encoder_free(&enc);
			return -1;
		}
		*mb += chmodel_bytes(cm[c].mask, cm[c].glob.n, MEK_VERSION);
		if (code_plane(&enc, NULL, m, &rec[c], c ? &rec[c - 1] : NULL,
		    orig[c].v, &cm[c], order, maxval, near, err) != 0) {
			rc_encoder_free(&enc);
			return -1;
		}
	}
	return rc_encoder_finish(&enc, payload, plen, err);
}

int
mek_compress(uint8_t **out, size_t *len, const media_image *img,
	const mek_params *par, kv_err *err)
{
	unsigned C = img->channels, order = par->order;
	long w = img->width, h = img->height;
	plane orig[MEK_MAX_CHANNELS], rec[MEK_MAX_CHANNELS];
	chmodel *cm = NULL, *try = NULL;
	models *m = NULL;
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
	m = malloc(sizeof *m);
	cm = calloc(C, sizeof *cm);
	try = calloc(C, sizeof *try);
	if (!m || !cm || !try) {
		kv_errf(err, "out of memory");
		goto out;
	}
	/* With E > 0 the classes are fit on the original samples but met
	 * on the reconstruction, where a copy within E of its block may no
	 * longer equal it: the model without classes is tried too, and the
	 * smaller file kept. */
	size_t mb = 0;
	for (int classes = 1; classes >= (par->max_error ? 0 : 1); classes--) {
		uint8_t *pl;
		size_t n, b;
		if (encode_image(&pl, &n, &b, try, m, orig, rec, C, order,
		    (int32_t)img->maxval, (int32_t)par->max_error, classes,
		    err) != 0)
			goto out;
		if (payload && mb + plen <= b + n) {
			free(pl);
			continue;
		}
		free(payload);
		payload = pl;
		plen = n;
		mb = b;
		chmodel *t = cm;
		cm = try;
		try = t;
	}

	size_t total = HEADER_FIXED + mb + 8 + plen + 4;
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
	for (unsigned c = 0; c < C; c++)
		p = put_chmodel(p, &cm[c]);
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
	free(cm);
	free(try);
	free_planes(orig, C);
	free_planes(rec, C);
	return rc;
}

/* Check the fixed header, walk the models' lengths and check the file's
 * length and checksum: on success the payload is *plen bytes at offset
 * *payload_at (the models start at HEADER_FIXED). */
static int
check_file(const uint8_t *buf, size_t len, size_t *plen, size_t *payload_at,
	kv_err *err)
{
	if (len < 8 || !mek_is_mek(buf, len))
		return kv_errf(err, "not a .mek file (bad magic)");
	if (len < HEADER_FIXED)
		return kv_errf(err, "truncated .mek header (%zu of %d bytes)",
		    len, HEADER_FIXED);
	unsigned version = buf[8];
	if (version < 1 || version > MEK_VERSION)
		return kv_errf(err, ".mek version %u is not supported (this "
		    "program reads versions 1 to %d)", version, MEK_VERSION);
	unsigned C = buf[9], order = buf[22];
	uint32_t maxval = (uint32_t)get_le(buf + 10, 2);
	uint32_t w = (uint32_t)get_le(buf + 12, 4), h = (uint32_t)get_le(buf + 16, 4);
	if (check_dims(w, h, C, maxval, get_le(buf + 20, 2), order, err) != 0)
		return kv_err_prefix(err, "bad .mek header");
	if (buf[23] != 0)
		return kv_errf(err, "bad .mek header: reserved byte is %u",
		    buf[23]);
	size_t pos = HEADER_FIXED;
	for (unsigned c = 0; c < C; c++) {
		uint32_t mask = 0;
		if (version >= 2 && pos + 4 <= len)
			mask = (uint32_t)get_le(buf + pos, 4);
		pos += chmodel_bytes(mask, order + (c ? 3 : 0), version);
		if (pos + 8 > len)
			return kv_errf(err, "truncated .mek file (or a damaged "
			    "header): %zu bytes, the header alone needs %zu or "
			    "more", len, pos + 8);
	}
	uint64_t n = get_le(buf + pos, 8);
	uint64_t want = pos + 8 + n + 4;
	if (n > len || want != len)
		return kv_errf(err, want > len || n > len ?
		    "truncated .mek file (or a damaged header): %zu bytes, "
		    "the header says %llu" :
		    ".mek file has trailing data (or a damaged header): %zu "
		    "bytes, the header says %llu", len,
		    (unsigned long long)want);
	/* Every sample costs at least one decision of >= 0.011 bits (no
	 * model goes above 4065/4096): a payload far too short for the
	 * image is refused before anything is allocated. */
	if (n * 1024 + 64 < (uint64_t)w * h * C)
		return kv_errf(err, "payload of %llu bytes is too short for a "
		    "%ux%ux%u image: the .mek file is corrupted",
		    (unsigned long long)n, w, h, C);
	if (mek_crc32(buf, len - 4) != get_le(buf + len - 4, 4))
		return kv_errf(err, "checksum mismatch: the .mek file is "
		    "corrupted");
	*plen = (size_t)n;
	*payload_at = pos + 8;
	return 0;
}

int
mek_decompress(media_image *img, const uint8_t *buf, size_t len, kv_err *err)
{
	size_t plen = 0, payload_at = 0;

	if (check_file(buf, len, &plen, &payload_at, err) != 0)
		return -1;
	unsigned version = buf[8], C = buf[9], order = buf[22];
	uint32_t maxval = (uint32_t)get_le(buf + 10, 2);
	uint32_t w = (uint32_t)get_le(buf + 12, 4), h = (uint32_t)get_le(buf + 16, 4);
	uint32_t near = (uint32_t)get_le(buf + 20, 2);
	chmodel *cm = malloc(C * sizeof *cm);
	if (!cm)
		return kv_errf(err, "out of memory");
	if (get_models(cm, buf + HEADER_FIXED, C, order, version, err) != 0) {
		free(cm);
		return -1;
	}
	plane rec[MEK_MAX_CHANNELS];
	models *m = malloc(sizeof *m);
	uint16_t *pix = malloc((size_t)w * h * C * sizeof *pix);
	if (!m || !pix || alloc_planes(rec, C, w, h, err) != 0) {
		free(m);
		free(pix);
		free(cm);
		return kv_errf(err, "out of memory for a %ux%u image", w, h);
	}
	models_init(m, version, maxval);
	rc_decoder dec;
	rc_decoder_init(&dec, buf + payload_at, plen);
	int rc = 0;
	for (unsigned c = 0; c < C && rc == 0; c++)
		rc = code_plane(NULL, &dec, m, &rec[c], c ? &rec[c - 1] : NULL,
		    NULL, &cm[c], order, (int32_t)maxval, (int32_t)near, err);
	if (rc == 0 && rc_decoder_overrun(&dec) > 0)
		rc = kv_errf(err, "the payload ends %zu bytes early: the .mek "
		    "file is corrupted", rc_decoder_overrun(&dec));
	if (rc == 0)
		for (size_t i = 0; i < (size_t)w * h; i++)
			for (unsigned c = 0; c < C; c++)
				pix[i * C + c] = (uint16_t)rec[c].v[i];
	free_planes(rec, C);
	free(m);
	free(cm);
	if (rc != 0) {
		free(pix);
		return -1;
	}
	*img = (media_image){ w, h, C, maxval, pix };
	return 0;
}
