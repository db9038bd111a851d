/* kernels.c: SSIM, its ffmpeg variant, downsampling and MS-SSIM.
 *
 * The windowed SSIM is separable: four local moments (x, y, x^2 + y^2,
 * xy; the formula needs only the sum of the variances) are filtered
 * along each row, then down the columns, in single precision on samples
 * centred on the pair's mean (see "the fast windowed SSIM" for why that
 * is accurate enough). Each thread takes a band of output rows and keeps
 * a ring of the last `win` horizontally filtered rows. Row means are
 * summed in double in row order afterwards, so the result does not
 * depend on the number of threads. */
#include "ssim/ssim.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Hot loops get AVX-512 and AVX2 clones, chosen at run time. No fused
 * multiply-adds anywhere (-std=c11 leaves contraction off): every clone
 * and every build (the sanitizer one too) then gives the same bits, and
 * the SSIM formula stays exactly 1 for equal inputs. Without them the
 * windowed kernels were 7% slower here. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
	!defined(__SANITIZE_ADDRESS__)
#define KERNEL __attribute__((optimize("O3"), target_clones("arch=x86-64-v4", \
	"arch=x86-64-v3", "default"), noinline))
#else
#define KERNEL __attribute__((noinline))
#endif

static const double ms_weights[SSIM_MS_SCALES] = {
	0.0448, 0.2856, 0.3001, 0.2363, 0.1333	/* Wang et al. 2003 */
};

void
ssim_preset(ssim_params *p, enum ssim_preset preset)
{
	*p = (ssim_params){ .window = SSIM_GAUSSIAN, .win_size = 11,
	    .sigma = 1.5, .k1 = 0.01, .k2 = 0.03, .downsample = 1 };
	if (preset == SSIM_SKIMAGE) {
		p->window = SSIM_UNIFORM;
		p->win_size = 7;
		p->sample_cov = 1;
	} else if (preset == SSIM_FFMPEG) {
		p->window = SSIM_BLOCK8;
		p->win_size = 8;
	}
}

double
ssim_db(double s)
{
	return s >= 1 ? INFINITY : 10 * log10(1 / (1 - s));
}

/* ---- samples ---- */

static inline double
sample_at(const ssim_image *im, int x, int y)
{
	const char *row = (const char *)im->data + (ptrdiff_t)y * im->stride;

	switch (im->type) {
	case SSIM_U8:
		return ((const uint8_t *)row)[x];
	case SSIM_U16:
		return ((const uint16_t *)row)[x];
	case SSIM_F32:
		return ((const float *)row)[x];
	default:
		return ((const double *)row)[x];
	}
}

/* ---- settings and sizes ---- */

static int
ceil_div(int n, int f)
{
	return (n + f - 1) / f;
}

int
ssim_downsample_factor(const ssim_params *p, int width, int height)
{
	int m = width < height ? width : height;
	long f;

	if (p->downsample != SSIM_DOWNSAMPLE_AUTO)
		return p->downsample;
	f = lround(m / 256.0);
	return f > 1 ? (int)f : 1;
}

static int
min_size(const ssim_params *p)
{
	return p->window == SSIM_BLOCK8 ? 8 : p->win_size;
}

int
ssim_check(const ssim_params *p, int width, int height, kv_err *err)
{
	int f, w, h, need = min_size(p);

	if (p->window != SSIM_BLOCK8 && (p->win_size < 3 ||
	    p->win_size % 2 == 0))
		return kv_errf(err, "window size %d: must be odd and at least 3",
		    p->win_size);
	if (p->window == SSIM_GAUSSIAN && !(p->sigma > 0))
		return kv_errf(err, "sigma %g: must be positive", p->sigma);
	if (p->window == SSIM_BLOCK8 && (p->ms_ssim || p->downsample != 1))
		return kv_errf(err, "the ffmpeg window works on the stored "
		    "integer samples: no MS-SSIM or downsampling with it");
	if (p->downsample < 0)
		return kv_errf(err, "downsampling factor %d", p->downsample);
	f = ssim_downsample_factor(p, width, height);
	w = ceil_div(width, f);
	h = ceil_div(height, f);
	if (!p->ms_ssim) {
		if (w < need || h < need)
			return kv_errf(err, "%dx%d%s is smaller than the %dx%d "
			    "window", w, h, f > 1 ? " (downsampled)" : "", need,
			    need);
		return 0;
	}
	for (int s = 0; s < SSIM_MS_SCALES; s++) {
		if (w < need || h < need) {
			int least = need;
			for (int k = 1; k < SSIM_MS_SCALES; k++)
				least = 2 * least - 1;
			return kv_errf(err, "%dx%d is too small for MS-SSIM: "
			    "it needs at least %dx%d (%d scales, %dx%d window)",
			    width, height, least * f, least * f,
			    SSIM_MS_SCALES, need, need);
		}
		w = ceil_div(w, 2);
		h = ceil_div(h, 2);
	}
	return 0;
}

void
ssim_map_size(const ssim_params *p, int width, int height, int *mw,
	int *mh)
{
	int f = ssim_downsample_factor(p, width, height);
	int w = ceil_div(width, f), h = ceil_div(height, f);

	if (p->ms_ssim) {
		*mw = *mh = 0;
	} else if (p->window == SSIM_BLOCK8) {
		*mw = width / 4 - 1;
		*mh = height / 4 - 1;
	} else {
		*mw = w - p->win_size + 1;
		*mh = h - p->win_size + 1;
	}
}

/* The 1-D window: Gaussian exp(-d^2 / 2 sigma^2) or flat, sum 1. The
 * 2-D window is the outer product (so it sums to 1 as well). */
static void
window_weights(const ssim_params *p, double *w)
{
	int n = p->win_size, r = n / 2;
	double sum = 0;

	for (int i = 0; i < n; i++) {
		double d = i - r;
		w[i] = p->window == SSIM_GAUSSIAN ?
		    exp(-d * d / (2 * p->sigma * p->sigma)) : 1.0;
		sum += w[i];
	}
	for (int i = 0; i < n; i++)
		w[i] /= sum;
}

struct consts {
	double C1, C2, cov_norm;
};

static struct consts
constants(const ssim_params *p, double L)
{
	double np = (double)p->win_size * p->win_size;

	return (struct consts){ .C1 = (p->k1 * L) * (p->k1 * L),
	    .C2 = (p->k2 * L) * (p->k2 * L),
	    .cov_norm = p->sample_cov ? np / (np - 1) : 1.0 };
}

/* SSIM and its contrast-structure part from the local moments. */
static inline void
ssim_from_moments(const struct consts *c, double mx, double my, double exx,
	double eyy, double exy, double *s, double *cs)
{
	double vx = c->cov_norm * (exx - mx * mx);
	double vy = c->cov_norm * (eyy - my * my);
	double vxy = c->cov_norm * (exy - mx * my);
	double a1 = 2 * mx * my + c->C1, a2 = 2 * vxy + c->C2;
	double b1 = mx * mx + my * my + c->C1, b2 = vx + vy + c->C2;

	*s = a1 * a2 / (b1 * b2);
	*cs = a2 / b2;
}

/* ---- the fast windowed SSIM ---- */

/* Single precision on centred samples. The variances come from
 * E[x^2] - E[x]^2, whose rounding error is about eps E[x^2]; with the
 * samples centred on the pair's mean (rounded to an integer for integer
 * samples, so that 8-bit squares and products stay exact) E[x^2] is the
 * local spread, not the brightness, and the mean score agrees with the
 * double reference to a few 1e-8 (measured on the Einstein set and on
 * 8-, 10- and 16-bit test images; test_ssim.c holds it to 2e-7).
 *
 * The kernels work on vectors of 16 floats (GCC vector extensions: one
 * AVX-512 register, two AVX2 ones, four SSE ones in the clones), over
 * rows padded to a multiple of 16 columns, so there are no tails. */

#define NMOM 4		/* x, y, x^2 + y^2, xy (all centred) */
#define VL 16		/* floats per vector */

typedef float vf __attribute__((vector_size(VL * sizeof(float))));
/* The same, for loads and stores at any float boundary. */
typedef float vf_u __attribute__((vector_size(VL * sizeof(float)),
	aligned(sizeof(float)), may_alias));

/* (macros: a function returning a vector would change the ABI of the
 * baseline clone) */
#define vload(p) (*(const vf_u *)(p))
#define vstore(p, v) (*(vf_u *)(p) = (v))

static int
round_up(int n, int m)
{
	return (n + m - 1) / m * m;
}

struct fconsts {
	float w[64];
	float c;		/* the centre subtracted from every sample */
	float C1, C2, k;	/* k: the covariance normalisation */
};

/* The mean of both planes over a sample of rows, as the centre: the
 * same for (x, y) and (y, x), and independent of the thread count. */
static double
pair_centre(const ssim_image *X, const ssim_image *Y)
{
	int step = X->height / 16 > 0 ? X->height / 16 : 1;
	double s = 0, n = 0;

	for (int y = 0; y < X->height; y += step) {
		if (X->type == SSIM_U8) {
			/* the same sum, exact in integers, faster */
			const uint8_t *a = (const uint8_t *)X->data +
			    (ptrdiff_t)y * X->stride;
			const uint8_t *b = (const uint8_t *)Y->data +
			    (ptrdiff_t)y * Y->stride;
			uint32_t t = 0;
			for (int x = 0; x < X->width; x++)
				t += (uint32_t)a[x] + b[x];
			s += t;
		} else {
			for (int x = 0; x < X->width; x++)
				s += sample_at(X, x, y) + sample_at(Y, x, y);
		}
		n += 2.0 * X->width;
	}
	s /= n;
	return X->type == SSIM_U8 || X->type == SSIM_U16 ? nearbyint(s) : s;
}

/* The centred samples of a row of both planes and their moments:
 * m0 = a - c, m1 = b - c, m2 = m0^2 + m1^2, m3 = m0 m1, for samples of
 * type T, centred in type D. One kernel per type, on restrict
 * pointers, so that each vectorises. */
#define MOMENTS_ROW(NAME, T, D) \
KERNEL static void \
NAME(float *restrict m0, float *restrict m1, float *restrict m2, \
	float *restrict m3, const T *restrict a, const T *restrict b, int w, \
	D c) \
{ \
	for (int i = 0; i < w; i++) { \
		float u = (float)((D)a[i] - c), v = (float)((D)b[i] - c); \
		m0[i] = u; \
		m1[i] = v; \
		m2[i] = u * u + v * v; \
		m3[i] = u * v; \
	} \
}
/* Integer samples minus an integer centre are exact in float; doubles
 * are centred in double, as the centre may not be a float. */
MOMENTS_ROW(moments_u16, uint16_t, float)
MOMENTS_ROW(moments_f32, float, float)
MOMENTS_ROW(moments_f64, double, double)

/* 8-bit samples, VL at a time (the same arithmetic as moments_u8):
 * nv vectors of both rows. */
KERNEL static void
moments_u8v(float *restrict m0, float *restrict m1, float *restrict m2,
	float *restrict m3, const uint8_t *restrict a,
	const uint8_t *restrict b, int nv, float c)
{
	for (int i = 0; i < nv * VL; i += VL) {
#pragma GCC unroll 16
		for (int j = i; j < i + VL; j++) {
			float u = (float)a[j] - c, v = (float)b[j] - c;
			m0[j] = u;
			m1[j] = v;
			m2[j] = u * u + v * v;
			m3[j] = u * v;
		}
	}
}

/* The moments of row y, columns x0 .. x0 + w - 1, into m[0..3]; the
 * columns from w to `pad` are filled too (finite; what they hold does
 * not reach the windows of the strip). 8-bit rows go by whole vectors,
 * reading past w where the row goes on; others by samples, then zeros. */
static void
load_moments(float *const *m, const ssim_image *X, const ssim_image *Y,
	int y, int x0, int w, double c, int pad)
{
	size_t size = X->type == SSIM_U8 ? 1 : X->type == SSIM_U16 ? 2 :
	    X->type == SSIM_F32 ? 4 : 8;
	const char *ra = (const char *)X->data + (ptrdiff_t)y * X->stride +
	    x0 * size;
	const char *rb = (const char *)Y->data + (ptrdiff_t)y * Y->stride +
	    x0 * size;

	if (X->type == SSIM_U8) {
		int nv = round_up(pad, VL) / VL, avail = X->width - x0;
		int direct = avail / VL < nv ? avail / VL : nv;
		moments_u8v(m[0], m[1], m[2], m[3], (const uint8_t *)ra,
		    (const uint8_t *)rb, direct, (float)c);
		if (direct < nv) {
			/* the row's last samples, then zeros */
			uint8_t ta[4 * VL] = { 0 }, tb[4 * VL] = { 0 };
			int o = direct * VL, rest = avail - o;
			if (rest > (nv - direct) * VL)
				rest = (nv - direct) * VL;
			memcpy(ta, ra + o, (size_t)rest);
			memcpy(tb, rb + o, (size_t)rest);
			moments_u8v(m[0] + o, m[1] + o, m[2] + o, m[3] + o, ta,
			    tb, nv - direct, (float)c);
		}
		return;
	}
	switch (X->type) {
	case SSIM_U16:
		moments_u16(m[0], m[1], m[2], m[3], (const uint16_t *)ra,
		    (const uint16_t *)rb, w, (float)c);
		break;
	case SSIM_F32:
		moments_f32(m[0], m[1], m[2], m[3], (const float *)ra,
		    (const float *)rb, w, (float)c);
		break;
	default:
		moments_f64(m[0], m[1], m[2], m[3], (const double *)ra,
		    (const double *)rb, w, c);
	}
	for (int k = 0; k < NMOM; k++)
		memset(m[k] + w, 0, (size_t)(pad - w) * sizeof(float));
}

/* The strips: each thread scores SW output columns at a time, row by
 * row, keeping a ring of the last n rows of moments filtered along x;
 * all of its buffers stay in the L1 cache (see struct band). */
#define SW 128

/* Along a row, all four moments at once (four independent chains, so
 * they overlap), ow a multiple of VL, with the taps folded: the window
 * is symmetric (w[k] = w[n-1-k], n odd), so each pair of samples is
 * added before it is weighted, which halves the multiplies:
 *   o_m[x] = w[h] i_m[x + h] + sum_{k<h} w[k] (i_m[x + k] + i_m[x + n-1-k]),
 * x < ow, h = n / 2. n is a constant where inlined, so the taps unroll
 * into registers. */
static inline __attribute__((always_inline)) void
hfilter_n(float *const *out, const float *const *in, const float *restrict w,
	int n, int ow)
{
	float *o0 = out[0], *o1 = out[1], *o2 = out[2], *o3 = out[3];
	const float *i0 = in[0], *i1 = in[1], *i2 = in[2], *i3 = in[3];
	int h = n / 2;

	for (int x = 0; x < ow; x += VL) {
		vf s0 = w[h] * vload(i0 + h + x), s1 = w[h] * vload(i1 + h + x);
		vf s2 = w[h] * vload(i2 + h + x), s3 = w[h] * vload(i3 + h + x);
#pragma GCC unroll 32
		for (int k = 0; k < h; k++) {
			int a = k + x, b = n - 1 - k + x;
			s0 += w[k] * (vload(i0 + a) + vload(i0 + b));
			s1 += w[k] * (vload(i1 + a) + vload(i1 + b));
			s2 += w[k] * (vload(i2 + a) + vload(i2 + b));
			s3 += w[k] * (vload(i3 + a) + vload(i3 + b));
		}
		vstore(o0 + x, s0);
		vstore(o1 + x, s1);
		vstore(o2 + x, s2);
		vstore(o3 + x, s3);
	}
}

/* The windows of the presets (11 and 7 taps) get their own unrolled
 * copies; other sizes take the generic loop. */
KERNEL static void
hfilter(float *const *out, const float *const *in, const float *restrict w,
	int n, int ow)
{
	if (n == 11)
		hfilter_n(out, in, w, 11, ow);
	else if (n == 7)
		hfilter_n(out, in, w, 7, ow);
	else
		hfilter_n(out, in, w, n, ow);
}

/* Lane sum of *v in double, lanes in order (by pointer: a vector
 * argument would change the ABI of the baseline clone). */
static inline __attribute__((always_inline)) double
lane_sum(const vf *v)
{
	double s = 0;

	for (int j = 0; j < VL; j++)
		s += (*v)[j];
	return s;
}

/* One strip row of windows: the row-filtered moments of n ring rows
 * (rows[j] + m SW: moment m of row j) filtered down the columns, folded
 * as along x, then the SSIM (and, when cs is not NULL, the
 * contrast-structure part) of each window, without a store in between.
 * pw (a multiple of VL) windows are computed into s (and cs), the first
 * cw of them summed into *sum_s and *sum_cs (per lane in float over the
 * at most SW / VL vectors, then the lanes in double; a fixed order).
 * The variances enter as one sum, k (E[x^2 + y^2] - (mx^2 + my^2)): for
 * equal inputs that is exactly twice the covariance, and the luminance
 * numerator and denominator are equal too, so the score is exactly 1.
 * No fused multiply-adds here: they would round the two sides
 * differently. */
static inline __attribute__((always_inline)) void
vscore_n(float *restrict s, float *restrict cs, const float *const *rows,
	const struct fconsts *fc, int n, int unit_k, int pw, int cw,
	double *sum_s, double *sum_cs)
{
	const float *restrict w = fc->w;
	float c = fc->c, C1 = fc->C1, C2 = fc->C2, k = fc->k;
	vf acc = { 0 }, acc_cs = { 0 };
	int h = n / 2, x;

	for (x = 0; x < pw; x += VL) {
		vf e[NMOM];
#pragma GCC unroll 4
		for (int m = 0; m < NMOM; m++) {
			ptrdiff_t o = (ptrdiff_t)m * SW + x;
			vf t = w[h] * vload(rows[h] + o);
#pragma GCC unroll 32
			for (int j = 0; j < h; j++)
				t += w[j] * (vload(rows[j] + o) +
				    vload(rows[n - 1 - j] + o));
			e[m] = t;
		}
		vf mx = e[0], my = e[1], esq = e[2], exy = e[3];
		vf ax = mx + c, ay = my + c;
		vf vsum = esq - (mx * mx + my * my);
		vf vxy = exy - mx * my;
		if (!unit_k) {
			vsum = k * vsum;
			vxy = k * vxy;
		}
		vf a1 = 2 * ax * ay + C1, a2 = 2 * vxy + C2;
		vf b1 = ax * ax + ay * ay + C1, b2 = vsum + C2;
		vf sv = a1 * a2 / (b1 * b2);
		vstore(s + x, sv);
		if (x + VL <= cw)
			acc += sv;
		if (cs != NULL) {
			vf csv = a2 / b2;
			vstore(cs + x, csv);
			if (x + VL <= cw)
				acc_cs += csv;
		}
	}
	*sum_s += lane_sum(&acc);
	if (cs != NULL)
		*sum_cs += lane_sum(&acc_cs);
	for (x = cw / VL * VL; x < cw; x++) {
		*sum_s += s[x];
		if (cs != NULL)
			*sum_cs += cs[x];
	}
}

/* The presets' windows get their own unrolled copies (the population
 * variances of wang without the multiply by k = 1, which changes no
 * bit); other sizes take the generic loop. */
KERNEL static void
vscore(float *restrict s, float *restrict cs, const float *const *rows,
	const struct fconsts *fc, int n, int pw, int cw, double *sum_s,
	double *sum_cs)
{
	if (n == 11 && fc->k == 1)
		vscore_n(s, cs, rows, fc, 11, 1, pw, cw, sum_s, sum_cs);
	else if (n == 7)
		vscore_n(s, cs, rows, fc, 7, 0, pw, cw, sum_s, sum_cs);
	else
		vscore_n(s, cs, rows, fc, n, 0, pw, cw, sum_s, sum_cs);
}

/* Per-thread buffers for one strip of SW output columns: a ring of the
 * last n rows of moments filtered along x (row y in slot y % n, its
 * four moments one after the other, SW each), one input row of moments
 * (SW + n - 1 columns, padded), and the scores. At SW = 128 and n = 11
 * all of it takes 26 KB and stays in the L1 cache. */
struct band {
	float *mem;
	int n;
	float *ring;		/* n slots of NMOM x SW */
	float *in[NMOM];	/* round_up(SW + n - 1, VL) */
	float *s, *cs;		/* SW */
};

static int
band_alloc(struct band *b, int n)
{
	int iw = round_up(SW + n - 1, VL);
	size_t per = (size_t)n * NMOM * SW + NMOM * (size_t)iw + 2 * SW;
	float *p;

	if ((b->mem = p = malloc(per * sizeof *p)) == NULL)
		return -1;
	b->n = n;
	b->ring = p;
	p += (size_t)n * NMOM * SW;
	for (int m = 0; m < NMOM; m++) {
		b->in[m] = p;
		p += iw;
	}
	b->s = p;
	p += SW;
	b->cs = p;
	return 0;
}

static float *
ring_row(const struct band *b, int y)
{
	return b->ring + (size_t)(y % b->n) * NMOM * SW;
}

/* Input row y, columns x0 .. x0 + cw + n - 2: its moments, filtered
 * along x into its ring slot. */
static void
band_add_row(struct band *b, const ssim_image *X, const ssim_image *Y,
	int y, int x0, int cw, const struct fconsts *fc)
{
	float *slot = ring_row(b, y), *out[NMOM];
	int pw = round_up(cw, VL);

	for (int m = 0; m < NMOM; m++)
		out[m] = slot + (size_t)m * SW;
	load_moments(b->in, X, Y, y, x0, cw + b->n - 1, fc->c, pw + b->n - 1);
	hfilter(out, (const float *const *)b->in, fc->w, b->n, pw);
}

/* Output row r, columns x0 .. x0 + cw - 1, whose input rows r..r+n-1
 * are in the ring: filter down the columns, score; add to the row sums,
 * fill the map row. */
static void
band_score_row(struct band *b, int r, int x0, int cw,
	const struct fconsts *fc, double *sum_s, double *sum_cs,
	double *map_row)
{
	const float *rows[64];
	int pw = round_up(cw, VL);

	for (int j = 0; j < b->n; j++)
		rows[j] = ring_row(b, r + j);
	vscore(b->s, sum_cs ? b->cs : NULL, rows, fc, b->n, pw, cw, sum_s,
	    sum_cs);
	if (map_row != NULL)
		for (int x = 0; x < cw; x++)
			map_row[x0 + x] = b->s[x];
}

/* Output rows [r0, r1), strip by strip: row sums of SSIM and CS (added
 * strip by strip, left to right), and the map rows. */
static void
band_run(struct band *b, const ssim_image *X, const ssim_image *Y,
	const struct fconsts *fc, int r0, int r1, double *row_s,
	double *row_cs, double *map)
{
	int n = b->n, ow = X->width - n + 1;

	for (int r = r0; r < r1; r++) {
		row_s[r] = 0;
		if (row_cs != NULL)
			row_cs[r] = 0;
	}
	for (int x0 = 0; x0 < ow; x0 += SW) {
		int cw = ow - x0 < SW ? ow - x0 : SW;
		for (int y = r0; y < r0 + n - 1; y++)
			band_add_row(b, X, Y, y, x0, cw, fc);
		for (int r = r0; r < r1; r++) {
			band_add_row(b, X, Y, r + n - 1, x0, cw, fc);
			band_score_row(b, r, x0, cw, fc, &row_s[r],
			    row_cs ? &row_cs[r] : NULL,
			    map ? map + (size_t)r * ow : NULL);
		}
	}
}

static void
fast_consts(const ssim_params *p, const ssim_image *X, const ssim_image *Y,
	double L, struct fconsts *fc)
{
	struct consts c = constants(p, L);
	double w[64];

	window_weights(p, w);
	for (int i = 0; i < p->win_size; i++)
		fc->w[i] = (float)w[i];
	fc->c = (float)pair_centre(X, Y);
	fc->C1 = (float)c.C1;
	fc->C2 = (float)c.C2;
	fc->k = (float)c.cov_norm;
}

/* Mean SSIM and mean CS over the valid windows (gaussian, uniform). */
static int
window_ssim(const ssim_params *p, const ssim_image *X, const ssim_image *Y,
	double L, double *mean_s, double *mean_cs, double *map, kv_err *err)
{
	int n = p->win_size, ow = X->width - n + 1, oh = X->height - n + 1;
	struct fconsts fc;
	double *row_s, *row_cs, ts = 0, tcs = 0;
	int failed = 0;

	if (n > 63)
		return kv_errf(err, "window size %d: at most 63", n);
	fast_consts(p, X, Y, L, &fc);
	/* zeroed, though the threads' bands cover [0, oh) between them */
	row_s = calloc(2 * (size_t)oh, sizeof *row_s);
	if (row_s == NULL)
		return kv_errf(err, "out of memory");
	row_cs = mean_cs ? row_s + oh : NULL;
#pragma omp parallel reduction(|:failed)
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		int r0 = (int)((long long)oh * t / nt);
		int r1 = (int)((long long)oh * (t + 1) / nt);
		struct band b;
		if (r0 < r1) {
			if (band_alloc(&b, n) != 0) {
				failed = 1;
			} else {
				band_run(&b, X, Y, &fc, r0, r1, row_s, row_cs,
				    map);
				free(b.mem);
			}
		}
	}
	if (failed) {
		free(row_s);
		return kv_errf(err, "out of memory");
	}
	for (int r = 0; r < oh; r++) {
		ts += row_s[r];
		tcs += row_cs ? row_cs[r] : 0;
	}
	free(row_s);
	*mean_s = ts / ((double)ow * oh);
	if (mean_cs != NULL)
		*mean_cs = tcs / ((double)ow * oh);
	return 0;
}

/* ---- the reference windowed SSIM ---- */

static void
window_ssim_ref(const ssim_params *p, const ssim_image *X,
	const ssim_image *Y, double L, double *mean_s, double *mean_cs,
	double *map)
{
	int n = p->win_size, ow = X->width - n + 1, oh = X->height - n + 1;
	struct consts c = constants(p, L);
	double w[64], ts = 0, tcs = 0;

	window_weights(p, w);
	for (int i = 0; i < oh; i++) {
		for (int j = 0; j < ow; j++) {
			double mx = 0, my = 0, exx = 0, eyy = 0, exy = 0, s, cs;
			for (int a = 0; a < n; a++) {
				for (int b = 0; b < n; b++) {
					double wt = w[a] * w[b];
					double x = sample_at(X, j + b, i + a);
					double y = sample_at(Y, j + b, i + a);
					mx += wt * x;
					my += wt * y;
					exx += wt * x * x;
					eyy += wt * y * y;
					exy += wt * x * y;
				}
			}
			ssim_from_moments(&c, mx, my, exx, eyy, exy, &s, &cs);
			if (map != NULL)
				map[(size_t)i * ow + j] = s;
			ts += s;
			tcs += cs;
		}
	}
	*mean_s = ts / ((double)ow * oh);
	*mean_cs = tcs / ((double)ow * oh);
}

/* ---- ffmpeg's 8x8 windows at stride 4 ---- */

/* One window from the sums of its 64 samples, as ffmpeg's ssim_end1:
 * integer moments, float arithmetic for 8-bit samples, double above. */
static float
block8_end(int64_t s1, int64_t s2, int64_t ss, int64_t s12, int max,
	double k1, double k2)
{
	int64_t c1 = (int64_t)(k1 * k1 * max * max * 64 + .5);
	int64_t c2 = (int64_t)(k2 * k2 * max * max * 64 * 63 + .5);
	int64_t vars = ss * 64 - s1 * s1 - s2 * s2;
	int64_t covar = s12 * 64 - s1 * s2;

	if (max <= 255)
		return (float)(2 * s1 * s2 + c1) * (float)(2 * covar + c2) /
		    ((float)(s1 * s1 + s2 * s2 + c1) * (float)(vars + c2));
	return (float)((double)(2 * s1 * s2 + c1) * (double)(2 * covar + c2) /
	    ((double)(s1 * s1 + s2 * s2 + c1) * (double)(vars + c2)));
}

/* Add one row pair into the column sums (s1, s2, ss, s12) of n columns.
 * 32-bit sums hold 8-bit samples (an 8x8 window's ss <= 8.4e6). */
#define COLUMN_SUMS(NAME, T, ACC) \
static inline __attribute__((always_inline)) void \
NAME(ACC *restrict c1, ACC *restrict c2, ACC *restrict css, \
	ACC *restrict c12, const T *restrict a, const T *restrict b, int n) \
{ \
	for (int x = 0; x < n; x++) { \
		ACC u = a[x], v = b[x]; \
		c1[x] += u; \
		c2[x] += v; \
		css[x] += u * u + v * v; \
		c12[x] += u * v; \
	} \
}
COLUMN_SUMS(column_sums_u8, uint8_t, int32_t)
COLUMN_SUMS(column_sums_u16, uint16_t, int64_t)

/* Sums over the 4x4 blocks of block row `by`: (s1, s2, ss, s12), for
 * samples of type T: first down the 4 rows for every column (vectorised),
 * then across each block's 4 columns. `col` holds 4 * 4 * nbx ACCs. */
#define BLOCK_SUMS(T, ACC, COLSUMS) do { \
	int w4 = 4 * nbx; \
	ACC *c1 = col, *c2 = c1 + w4, *css = c2 + w4, *c12 = css + w4; \
	memset(col, 0, 4 * (size_t)w4 * sizeof(ACC)); \
	for (int y = 4 * by; y < 4 * by + 4; y++) \
		COLSUMS(c1, c2, css, c12, (const T *)((const char *)X->data + \
		    (ptrdiff_t)y * X->stride), (const T *)((const char *) \
		    Y->data + (ptrdiff_t)y * Y->stride), w4); \
	for (int bx = 0; bx < nbx; bx++) { \
		int x = 4 * bx; \
		sums[bx][0] = c1[x] + c1[x + 1] + c1[x + 2] + c1[x + 3]; \
		sums[bx][1] = c2[x] + c2[x + 1] + c2[x + 2] + c2[x + 3]; \
		sums[bx][2] = css[x] + css[x + 1] + css[x + 2] + css[x + 3]; \
		sums[bx][3] = c12[x] + c12[x + 1] + c12[x + 2] + c12[x + 3]; \
	} \
} while (0)

KERNEL static void
block_sums(const ssim_image *X, const ssim_image *Y, int by, int nbx,
	int64_t (*sums)[4], void *col)
{
	if (X->type == SSIM_U8)
		BLOCK_SUMS(uint8_t, int32_t, column_sums_u8);
	else
		BLOCK_SUMS(uint16_t, int64_t, column_sums_u16);
}

/* One window row: windows over block rows r, r+1 (sums a and b). Its
 * sum is kept in float, as ffmpeg's ssim_endn. */
static float
block8_row(int64_t (*a)[4], int64_t (*b)[4], int nwx, int max,
	const ssim_params *p, double *map_row)
{
	float sum = 0;

	for (int i = 0; i < nwx; i++) {
		int64_t v[4];
		for (int k = 0; k < 4; k++)
			v[k] = a[i][k] + a[i + 1][k] + b[i][k] + b[i + 1][k];
		float s = block8_end(v[0], v[1], v[2], v[3], max, p->k1, p->k2);
		if (map_row != NULL)
			map_row[i] = s;
		sum += s;
	}
	return sum;
}

/* 8-bit samples with k1, k2 <= 1: every sum and constant fits 32 bits
 * (a window's 64 ss <= 5.4e8, c2 <= 2.7e8), so the block sums and the
 * windows run on int32 vectors. The float arithmetic is block8_end's
 * (ffmpeg's ssim_end1) in the same order, so the scores are the same to
 * the bit. Block sums are stored per moment: sums[m][bx]. */
KERNEL static void
block_sums_u8(const ssim_image *X, const ssim_image *Y, int by, int nbx,
	int32_t *const *sums, int32_t *col)
{
	int w4 = 4 * nbx;
	int32_t *c1 = col, *c2 = c1 + w4, *css = c2 + w4, *c12 = css + w4;
	int32_t *restrict o0 = sums[0], *restrict o1 = sums[1];
	int32_t *restrict o2 = sums[2], *restrict o3 = sums[3];

	memset(col, 0, 4 * (size_t)w4 * sizeof *col);
	for (int y = 4 * by; y < 4 * by + 4; y++)
		column_sums_u8(c1, c2, css, c12, (const uint8_t *)X->data +
		    (ptrdiff_t)y * X->stride, (const uint8_t *)Y->data +
		    (ptrdiff_t)y * Y->stride, w4);
	for (int bx = 0; bx < nbx; bx++) {
		int x = 4 * bx;
		o0[bx] = c1[x] + c1[x + 1] + c1[x + 2] + c1[x + 3];
		o1[bx] = c2[x] + c2[x + 1] + c2[x + 2] + c2[x + 3];
		o2[bx] = css[x] + css[x + 1] + css[x + 2] + css[x + 3];
		o3[bx] = c12[x] + c12[x + 1] + c12[x + 2] + c12[x + 3];
	}
}

/* The nwx windows over block rows with sums a and b, into out. */
KERNEL static void
block8_windows_u8(float *restrict out, const int32_t *const *a,
	const int32_t *const *b, int nwx, int32_t c1, int32_t c2)
{
	const int32_t *restrict a0 = a[0], *restrict a1 = a[1];
	const int32_t *restrict a2 = a[2], *restrict a3 = a[3];
	const int32_t *restrict b0 = b[0], *restrict b1 = b[1];
	const int32_t *restrict b2 = b[2], *restrict b3 = b[3];

	for (int i = 0; i < nwx; i++) {
		int32_t s1 = a0[i] + a0[i + 1] + b0[i] + b0[i + 1];
		int32_t s2 = a1[i] + a1[i + 1] + b1[i] + b1[i + 1];
		int32_t ss = a2[i] + a2[i + 1] + b2[i] + b2[i + 1];
		int32_t s12 = a3[i] + a3[i + 1] + b3[i] + b3[i + 1];
		int32_t vars = ss * 64 - s1 * s1 - s2 * s2;
		int32_t covar = s12 * 64 - s1 * s2;
		out[i] = (float)(2 * s1 * s2 + c1) * (float)(2 * covar + c2) /
		    ((float)(s1 * s1 + s2 * s2 + c1) * (float)(vars + c2));
	}
}

/* One thread's window rows [r0, r1) of an 8-bit pair: row sums in float
 * in window order, as ffmpeg's ssim_endn. Returns 0 or -1 (memory). */
static int
block8_rows_u8(const ssim_image *X, const ssim_image *Y, int r0, int r1,
	int32_t c1, int32_t c2, double *row, double *map)
{
	int nbx = X->width / 4, nwx = nbx - 1;
	/* two rows of block sums (4 moments each), column sums, windows */
	int32_t *mem = malloc((8 * (size_t)nbx + 16 * (size_t)nbx) *
	    sizeof *mem + (size_t)nwx * sizeof(float));
	int32_t *s0[4], *s1[4], *col;
	float *win;

	if (mem == NULL)
		return -1;
	for (int m = 0; m < 4; m++) {
		s0[m] = mem + (size_t)m * nbx;
		s1[m] = mem + (size_t)(4 + m) * nbx;
	}
	col = mem + 8 * (size_t)nbx;
	win = (float *)(col + 16 * (size_t)nbx);
	block_sums_u8(X, Y, r0, nbx, s0, col);
	for (int r = r0; r < r1; r++) {
		float sum = 0;
		block_sums_u8(X, Y, r + 1, nbx, s1, col);
		block8_windows_u8(win, (const int32_t *const *)s0,
		    (const int32_t *const *)s1, nwx, c1, c2);
		for (int i = 0; i < nwx; i++)
			sum += win[i];
		row[r] = sum;
		if (map != NULL)
			for (int i = 0; i < nwx; i++)
				map[(size_t)r * nwx + i] = win[i];
		for (int m = 0; m < 4; m++) {
			int32_t *t = s0[m];
			s0[m] = s1[m];
			s1[m] = t;
		}
	}
	free(mem);
	return 0;
}

/* The same for any depth, on int64 sums. */
static int
block8_rows(const ssim_params *p, const ssim_image *X, const ssim_image *Y,
	int max, int r0, int r1, double *row, double *map)
{
	int nbx = X->width / 4, nwx = nbx - 1;
	/* two rows of block sums, then the column sums' scratch */
	int64_t (*base)[4] = malloc(6 * (size_t)nbx * sizeof *base);
	int64_t (*s0)[4] = base, (*s1)[4], (*tmp)[4];
	void *col;

	if (base == NULL)
		return -1;
	s1 = base + nbx;
	col = base + 2 * nbx;
	block_sums(X, Y, r0, nbx, s0, col);
	for (int r = r0; r < r1; r++) {
		block_sums(X, Y, r + 1, nbx, s1, col);
		row[r] = block8_row(s0, s1, nwx, max, p,
		    map ? map + (size_t)r * nwx : NULL);
		tmp = s0; s0 = s1; s1 = tmp;
	}
	free(base);
	return 0;
}

static int
block8_ssim(const ssim_params *p, const ssim_image *X, const ssim_image *Y,
	int max, double *mean, double *map, kv_err *err)
{
	int nbx = X->width / 4, nby = X->height / 4;
	int nwx = nbx - 1, nwy = nby - 1, failed = 0;
	/* zeroed, though the threads' bands cover [0, nwy) between them */
	double *row = calloc((size_t)nwy, sizeof *row), total = 0;
	int64_t c1 = (int64_t)(p->k1 * p->k1 * max * max * 64 + .5);
	int64_t c2 = (int64_t)(p->k2 * p->k2 * max * max * 64 * 63 + .5);
	int narrow = X->type == SSIM_U8 && max <= 255 && c1 <= 4161600 &&
	    c2 <= 262175040;	/* k1, k2 <= 1 */

	if (row == NULL)
		return kv_errf(err, "out of memory");
#pragma omp parallel reduction(|:failed)
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		int r0 = (int)((long long)nwy * t / nt);
		int r1 = (int)((long long)nwy * (t + 1) / nt);
		if (r0 < r1)
			failed = narrow ? block8_rows_u8(X, Y, r0, r1,
			    (int32_t)c1, (int32_t)c2, row, map) :
			    block8_rows(p, X, Y, max, r0, r1, row, map);
	}
	for (int r = 0; r < nwy; r++)
		total += row[r];
	free(row);
	if (failed)
		return kv_errf(err, "out of memory");
	*mean = total / ((double)nwx * nwy);
	return 0;
}

/* Every 8x8 window summed on its own. */
static void
block8_ssim_ref(const ssim_params *p, const ssim_image *X,
	const ssim_image *Y, int max, double *mean, double *map)
{
	int nwx = X->width / 4 - 1, nwy = X->height / 4 - 1;
	double total = 0;

	for (int i = 0; i < nwy; i++) {
		float rs = 0;
		for (int j = 0; j < nwx; j++) {
			int64_t s1 = 0, s2 = 0, ss = 0, s12 = 0;
			for (int y = 4 * i; y < 4 * i + 8; y++) {
				for (int x = 4 * j; x < 4 * j + 8; x++) {
					int64_t a = (int64_t)sample_at(X, x, y);
					int64_t b = (int64_t)sample_at(Y, x, y);
					s1 += a;
					s2 += b;
					ss += a * a + b * b;
					s12 += a * b;
				}
			}
			float s = block8_end(s1, s2, ss, s12, max, p->k1, p->k2);
			if (map != NULL)
				map[(size_t)i * nwx + j] = s;
			rs += s;
		}
		total += rs;
	}
	*mean = total / ((double)nwx * nwy);
}

/* ---- downsampling and the driver ---- */

ssim_image
ssim_downsample(const ssim_image *x, int f, double *out)
{
	int w = x->width, h = x->height, ow = ceil_div(w, f), oh = ceil_div(h, f);
	int lo = -((f - 1) / 2);	/* imfilter 'same': centre floor((f+1)/2) */

#pragma omp parallel for schedule(static)
	for (int i = 0; i < oh; i++) {
		for (int j = 0; j < ow; j++) {
			double s = 0;
			for (int a = 0; a < f; a++) {
				int y = i * f + lo + a;
				y = y < 0 ? -y - 1 : y >= h ? 2 * h - y - 1 : y;
				for (int b = 0; b < f; b++) {
					int xx = j * f + lo + b;
					xx = xx < 0 ? -xx - 1 :
					    xx >= w ? 2 * w - xx - 1 : xx;
					s += sample_at(x, xx, y);
				}
			}
			out[(size_t)i * ow + j] = s / ((double)f * f);
		}
	}
	return (ssim_image){ .data = out, .stride = (ptrdiff_t)ow * (ptrdiff_t)sizeof *out,
	    .width = ow, .height = oh, .type = SSIM_F64 };
}

static int
check_pair(const ssim_params *p, const ssim_image *x, const ssim_image *y,
	double L, kv_err *err)
{
	if (x->width != y->width || x->height != y->height)
		return kv_errf(err, "sizes differ: %dx%d and %dx%d", x->width,
		    x->height, y->width, y->height);
	if (!(L > 0))
		return kv_errf(err, "data range %g: must be positive", L);
	if (p->window == SSIM_BLOCK8) {
		if (x->type != y->type || (x->type != SSIM_U8 &&
		    x->type != SSIM_U16))
			return kv_errf(err, "the ffmpeg window needs integer "
			    "samples (8 to 16 bits)");
		if (L != floor(L) || L > 65535)
			return kv_errf(err, "the ffmpeg window needs an integer "
			    "data range up to 65535");
	}
	return ssim_check(p, x->width, x->height, err);
}

/* Single- or multi-scale score of an already downsampled pair. */
static int
score_scales(const ssim_params *p, const ssim_image *x, const ssim_image *y,
	double L, double *score, double *map, kv_err *err)
{
	ssim_image cx = *x, cy = *y;
	double *buf = NULL, s = 0, cs = 0, prod = 1;
	size_t n = (size_t)ceil_div(x->width, 2) * ceil_div(x->height, 2);

	if (!p->ms_ssim) {
		if (window_ssim(p, x, y, L, &s, NULL, map, err) != 0)
			return -1;
		*score = s;
		return 0;
	}
	/* Two pairs of half-size buffers, used in turn. */
	buf = malloc(4 * n * sizeof *buf);
	if (buf == NULL)
		return kv_errf(err, "out of memory");
	for (int k = 0; k < SSIM_MS_SCALES; k++) {
		if (window_ssim(p, &cx, &cy, L, &s, &cs, NULL, err) != 0) {
			free(buf);
			return -1;
		}
		/* Negative means would give complex powers; clamp at 0. */
		if (k < SSIM_MS_SCALES - 1) {
			double *o = buf + (size_t)(k % 2) * 2 * n;
			prod *= pow(cs > 0 ? cs : 0, ms_weights[k]);
			cx = ssim_downsample(&cx, 2, o);
			cy = ssim_downsample(&cy, 2, o + n);
		} else {
			prod *= pow(s > 0 ? s : 0, ms_weights[k]);
		}
	}
	free(buf);
	*score = prod;
	return 0;
}

int
ssim_compute(const ssim_params *p, const ssim_image *x, const ssim_image *y,
	double L, double *score, double *map, kv_err *err)
{
	int f;
	double *buf;
	size_t n;
	int rc;

	if (check_pair(p, x, y, L, err) != 0)
		return -1;
	if (p->window == SSIM_BLOCK8)
		return block8_ssim(p, x, y, (int)L, score, map, err);
	f = ssim_downsample_factor(p, x->width, x->height);
	if (f == 1)
		return score_scales(p, x, y, L, score, map, err);
	n = (size_t)ceil_div(x->width, f) * ceil_div(x->height, f);
	buf = malloc(2 * n * sizeof *buf);
	if (buf == NULL)
		return kv_errf(err, "out of memory");
	ssim_image dx = ssim_downsample(x, f, buf);
	ssim_image dy = ssim_downsample(y, f, buf + n);
	rc = score_scales(p, &dx, &dy, L, score, map, err);
	free(buf);
	return rc;
}

int
ssim_compute_ref(const ssim_params *p, const ssim_image *x,
	const ssim_image *y, double L, double *score, double *map,
	kv_err *err)
{
	double cs;

	if (p->ms_ssim || p->downsample != 1)
		return kv_errf(err, "the reference is single-scale, no "
		    "downsampling");
	if (check_pair(p, x, y, L, err) != 0)
		return -1;
	if (p->window == SSIM_BLOCK8)
		block8_ssim_ref(p, x, y, (int)L, score, map);
	else
		window_ssim_ref(p, x, y, L, score, &cs, map);
	return 0;
}
