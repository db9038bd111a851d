/* denoise.c: the ME filter over signals and image planes; see
 * denoise.h. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_eigen.h>

#include "mefilter/ar_em.h"
#include "mefilter/denoise.h"

/* A model that sees no signal: predicts and outputs the mean. */
static void
flat_model(mekf_model *m, double mean, size_t p, double noise_var)
{
	memset(m, 0, sizeof *m);
	m->p = p;
	m->mean = mean;
	m->noise_var = noise_var;
}

/* The mean of a block of `nrun` runs (run j at x + j*run_stride, n
 * samples stride apart) and the number of samples present; -1 when
 * none is. */
static int
block_mean(double *mean, size_t *count, const double *x, size_t nrun,
	size_t run_stride, size_t n, size_t stride)
{
	double sum = 0;

	*count = 0;
	for (size_t j = 0; j < nrun; j++)
		for (size_t t = 0; t < n; t++) {
			double v = x[j * run_stride + t * stride];
			if (!isnan(v)) {
				sum += v;
				(*count)++;
			}
		}
	if (*count == 0)
		return -1;
	*mean = sum / (double)*count;
	return 0;
}

/* The smallest eigenvalue of the (p+1) x (p+1) Toeplitz matrix of
 * r[0..p], or -1 if it cannot be computed. */
static double
toeplitz_min_eigenvalue(const double *r, size_t p)
{
	size_t n = p + 1;
	double M[(MEKF_MAX_ORDER + 1) * (MEKF_MAX_ORDER + 1)];
	gsl_matrix_view Mv = gsl_matrix_view_array(M, n, n);
	gsl_vector *ev = gsl_vector_alloc(n);
	gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(n);
	double lo = -1;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			M[i * n + j] = r[i > j ? i - j : j - i];
	if (ev && ws && gsl_eigen_symm(&Mv.matrix, ev, ws) == 0)
		lo = gsl_vector_min(ev);
	gsl_vector_free(ev);
	gsl_eigen_symm_free(ws);
	return lo;
}

/* The model of one block of runs; a flat model when the block's
 * variance does not exceed the noise. Otherwise the noise variance is
 * capped at 0.95 times the smallest eigenvalue of the block's (p+1)-lag
 * autocorrelation matrix: white noise adds its variance to every
 * eigenvalue, so it cannot exceed the smallest, and below it the signal's
 * autocorrelation stays positive definite. With samples missing, a lag
 * that few pairs of present samples estimate, or an estimate that is not
 * positive definite, hands the block to EM (ar_em.h), which also
 * re-estimates an estimated noise variance (`fit_noise`). */
static int
block_model(mekf_model *m, const double *x, size_t nrun, size_t run_stride,
	size_t n, size_t stride, size_t p, double noise_var, int fit_noise,
	kv_err *err)
{
	double r[MEKF_EM_START_LAG + 1], mean;
	size_t npairs[MEKF_EM_START_LAG + 1], nobs;
	size_t maxlag = p;

	if (block_mean(&mean, &nobs, x, nrun, run_stride, n, stride) != 0) {
		flat_model(m, 0, p, noise_var);	/* all missing */
		return 0;
	}
	if (nobs < nrun * n)	/* lags past p for EM's start */
		maxlag = p > MEKF_EM_START_LAG ? p : MEKF_EM_START_LAG;
	mekf_autocorr_runs(r, npairs, x, nrun, run_stride, n, stride, mean,
	    maxlag);
	if (!(r[0] > noise_var)) {
		flat_model(m, mean, p, noise_var);
		return 0;
	}
	int estimable = 1;
	for (size_t k = 1; k <= p; k++)
		estimable &= mekf_lag_estimable(npairs[k], nobs);
	double lo = estimable ? toeplitz_min_eigenvalue(r, p) : -1;
	if (nobs < nrun * n && !(lo > 0)) {
		return mekf_fit_gaps(m, r, npairs, maxlag, nobs, x, nrun,
		    run_stride, n, stride, mean, p, noise_var, fit_noise, err);
	}
	if (lo >= 0 && noise_var > 0.95 * lo)
		noise_var = 0.95 * lo;
	return mekf_fit_autocorr(m, r, mean, p, noise_var, err);
}

/* Filter or smooth n samples with model m: the steady-state filter
 * (state carried in `state`), or lgssm.h's exact filter or smoother
 * (a sequence of their own). *var (or NULL) gets the mean error
 * variance of the output. */
static int
run_line(const mekf_model *m, int mode, double *x, size_t n, size_t stride,
	double *state, double *var, kv_err *err)
{
	if (mode == MEKF_STEADY) {
		mekf_filter(m, x, n, stride, state);
		if (var)
			*var = m->P_filt_ss;
		return 0;
	}
	return mekf_lgssm_run(m, mode, x, n, stride, var, err);
}

/* Scale: the filter is linear in the data, so denoise(c x) must be
 * c denoise(x). The autocorrelation of data near 1e200 (or 1e-200)
 * overflows (underflows) in double, so the data are brought to a
 * magnitude near 1 by a power of two, which is exact, filtered, and
 * brought back; the report sees the model in the data's units. */
typedef struct scaled {
	double s;		/* the data were multiplied by s */
	mekf_report_fn *report;
	void *user;
} scaled;

/* A power of two s with max |x| * s in [0.5, 1) over the finite samples
 * of `nrun` runs (as block_mean's); 1 when there is none or all are 0. */
static double
data_scale(const double *x, size_t nrun, size_t run_stride, size_t n,
	size_t stride)
{
	double hi = 0;
	int e;

	for (size_t j = 0; j < nrun; j++)
		for (size_t t = 0; t < n; t++) {
			double v = fabs(x[j * run_stride + t * stride]);
			if (isfinite(v) && v > hi)
				hi = v;
		}
	if (!(hi > 0))
		return 1;
	frexp(hi, &e);
	return ldexp(1, -e);
}

static void
rescale(double *x, size_t nrun, size_t run_stride, size_t n, size_t stride,
	double s)
{
	if (s == 1)
		return;
	for (size_t j = 0; j < nrun; j++)
		for (size_t t = 0; t < n; t++)
			x[j * run_stride + t * stride] *= s;
}

/* The report of a model fitted to data scaled by sc->s, in the data's
 * units: means by 1/s, variances and autocorrelations by 1/s^2 (which
 * may overflow, as the data's own variance would). */
static void
report_unscaled(const mekf_model *m, const char *pass, size_t block,
	size_t first, size_t count, void *user)
{
	const scaled *sc = user;
	double u = 1 / sc->s;
	mekf_model mu = *m;

	mu.mean *= u;
	mu.noise_var = mu.noise_var * u * u;
	for (size_t i = 0; i <= m->p && i <= MEKF_MAX_ORDER; i++)
		mu.r[i] = mu.r[i] * u * u;
	mu.err_var = mu.err_var * u * u;
	mu.P_pred_ss = mu.P_pred_ss * u * u;
	mu.P_filt_ss = mu.P_filt_ss * u * u;
	sc->report(&mu, pass, block, first, count, sc->user);
}

static int denoise_signal(double *x, size_t n, size_t stride,
	const mekf_opts *o, mekf_report_fn *report, void *user, kv_err *err);
static int denoise_plane(double *x, size_t w, size_t h, const mekf_opts *o,
	mekf_report_fn *report, void *user, kv_err *err);

int
mekf_denoise_signal(double *x, size_t n, size_t stride, const mekf_opts *o,
	mekf_report_fn *report, void *user, kv_err *err)
{
	scaled sc = { data_scale(x, 1, 0, n, stride), report, user };
	mekf_opts os = *o;
	int rc;

	if (os.noise_var >= 0)
		os.noise_var = os.noise_var * sc.s * sc.s;
	rescale(x, 1, 0, n, stride, sc.s);
	rc = denoise_signal(x, n, stride, &os, report ? report_unscaled : NULL,
	    &sc, err);
	rescale(x, 1, 0, n, stride, 1 / sc.s);
	return rc;
}

int
mekf_denoise_plane(double *x, size_t w, size_t h, const mekf_opts *o,
	mekf_report_fn *report, void *user, kv_err *err)
{
	scaled sc = { data_scale(x, h, w, w, 1), report, user };
	mekf_opts os = *o;
	int rc;

	if (os.noise_var >= 0)
		os.noise_var = os.noise_var * sc.s * sc.s;
	rescale(x, h, w, w, 1, sc.s);
	rc = denoise_plane(x, w, h, &os, report ? report_unscaled : NULL, &sc,
	    err);
	rescale(x, h, w, w, 1, 1 / sc.s);
	return rc;
}

static int
denoise_signal(double *x, size_t n, size_t stride, const mekf_opts *o,
	mekf_report_fn *report, void *user, kv_err *err)
{
	size_t p = o->order, block = o->block ? o->block : n;
	double noise = o->noise_var >= 0 ? o->noise_var :
	    mekf_noise_var_mad(x, n, stride);
	double state[MEKF_MAX_ORDER] = { 0 };
	mekf_model m;

	if (p < 1 || p > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu is outside 1..%d", p,
		    MEKF_MAX_ORDER);
	if (n <= p)
		return kv_errf(err, "%zu samples are too few for order %zu", n,
		    p);
	for (size_t b = 0, first = 0; first < n; b++, first += block) {
		size_t count = n - first < block ? n - first : block;
		/* a short last block joins the model of the one before */
		if (b > 0 && count <= p) {
			if (run_line(&m, o->mode, x + first * stride, count,
			    stride, state, NULL, err) != 0)
				return kv_err_prefix(err, "block %zu", b + 1);
			continue;
		}
		if (block_model(&m, x + first * stride, 1, 0, count, stride, p,
		    noise, o->noise_var < 0, err) != 0)
			return kv_err_prefix(err, "block %zu (samples %zu-%zu)",
			    b + 1, first, first + count - 1);
		if (report)
			report(&m, "signal", b, first, count, user);
		if (run_line(&m, o->mode, x + first * stride, count, stride,
		    state, NULL, err) != 0)
			return kv_err_prefix(err, "block %zu", b + 1);
	}
	return 0;
}

/* One pass over the lines of a plane: `nline` lines of `len` samples;
 * line i starts at x + i*line_stride, samples `stride` apart. Returns
 * the mean error variance of the output in *err_var. */
static int
plane_pass(double *x, size_t nline, size_t line_stride, size_t len,
	size_t stride, const mekf_opts *o, double noise_var, const char *pass,
	double *err_var, mekf_report_fn *report, void *user, kv_err *err)
{
	size_t p = o->order, block = o->block ? o->block : nline, nb = 0;
	double total = 0;
	mekf_model m;

	if (len <= p)
		return kv_errf(err, "%s of %zu samples are too short for order "
		    "%zu", pass, len, p);
	int fit_noise = noise_var < 0;
	if (noise_var < 0)
		noise_var = mekf_noise_var_mad_runs(x, nline, line_stride, len,
		    stride);
	for (size_t b = 0, first = 0; first < nline; b++, first += block) {
		size_t count = nline - first < block ? nline - first : block;
		double *bx = x + first * line_stride;
		if (block_model(&m, bx, count, line_stride, len, stride, p,
		    noise_var, fit_noise, err) != 0)
			return kv_err_prefix(err, "%s %zu-%zu", pass, first + 1,
			    first + count);
		if (report)
			report(&m, pass, b, first, count, user);
		for (size_t i = 0; i < count; i++) {
			/* start each line at its first sample, not the mean */
			double state[MEKF_MAX_ORDER], y0 = bx[i * line_stride];
			double v;
			for (size_t j = 0; j < p; j++)
				state[j] = isnan(y0) ? 0 : y0 - m.mean;
			if (run_line(&m, o->mode, bx + i * line_stride, len,
			    stride, state, &v, err) != 0)
				return kv_err_prefix(err, "%s %zu", pass,
				    first + i + 1);
			total += v;
			nb++;
		}
	}
	*err_var = total / (double)nb;
	return 0;
}

static int
denoise_plane(double *x, size_t w, size_t h, const mekf_opts *o,
	mekf_report_fn *report, void *user, kv_err *err)
{
	double noise = o->noise_var, ev = 0;

	if (o->order < 1 || o->order > MEKF_MAX_ORDER)
		return kv_errf(err, "order %zu is outside 1..%d", o->order,
		    MEKF_MAX_ORDER);
	if (o->direction & MEKF_ROWS) {
		if (plane_pass(x, h, w, w, 1, o, noise, "rows", &ev, report,
		    user, err) != 0)
			return -1;
		/* What is left is the rows' error: not white across the
		 * columns, so its variance is only an upper bound, capped
		 * like any other. */
		noise = ev;
	}
	if (o->direction & MEKF_COLS)
		if (plane_pass(x, w, 1, h, w, o, noise, "cols", &ev, report,
		    user, err) != 0)
			return -1;
	return 0;
}
