/* report.c: the per-frame lines, progress and summary of report.h. */
#include "ssim/report.h"

#include <stdarg.h>

void
ssim_report_start(ssim_report *r, FILE *fp, const ssim_plan *pl,
	enum ssim_format format, int db, int lines, int quiet)
{
	r->fp = fp;
	r->pl = pl;
	r->format = format;
	r->db = db;
	r->lines = lines;
	progress_start(&r->prog, "frames", 0, quiet || !lines);
	if (!lines || format != SSIM_FORMAT_CSV)
		return;
	fputs("frame", fp);
	for (int c = 0; c < pl->nch; c++)
		fprintf(fp, ",%c", pl->name[c]);
	fputs(pl->nch > 1 ? ",All\n" : "\n", fp);
}

static double
shown(int db, double v)
{
	return db ? ssim_db(v) : v;
}

/* The line of pair n. */
static void
print_line(const ssim_report *r, int64_t n, const double *score)
{
	const ssim_plan *pl = r->pl;
	FILE *fp = r->fp;
	const char *f = r->db ? ",%.6f" : ",%.8f";

	if (r->format == SSIM_FORMAT_FFMPEG) {
		/* ffmpeg's stats_file line, "%f" throughout. */
		fprintf(fp, "n:%lld ", (long long)n);
		for (int c = 0; c < pl->nch; c++)
			fprintf(fp, "%c:%f ", pl->name[c], score[c]);
		fprintf(fp, "All:%f (%f)\n", score[pl->nch],
		    ssim_db(score[pl->nch]));
		return;
	}
	fprintf(fp, "%lld", (long long)n);
	for (int c = 0; c < pl->nch; c++)
		fprintf(fp, f, shown(r->db, score[c]));
	if (pl->nch > 1)
		fprintf(fp, f, shown(r->db, score[pl->nch]));
	fputc('\n', fp);
}

int
ssim_report_frame(void *ctx, int64_t n, const double *score, kv_err *err)
{
	ssim_report *r = ctx;

	(void)err;
	if (r->lines)
		print_line(r, n, score);
	progress_update(&r->prog, (size_t)n);
	return 0;
}

void
ssim_report_end(ssim_report *r)
{
	if (r->prog.tty && !r->prog.quiet)
		progress_end(&r->prog);
}

void
ssim_report_mean(FILE *fp, const ssim_plan *pl, const ssim_totals *t,
	int db)
{
	double all = t->sum[pl->nch] / (double)t->frames;

	fprintf(fp, db ? "%.6f\n" : "%.8f\n", shown(db, all));
}

/* printf at buf + *len, advancing *len; the text is cut to fit. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len += (size_t)k < size - *len ? (size_t)k : size - *len - 1;
}

void
ssim_report_summary(char *buf, size_t size, const ssim_plan *pl,
	const ssim_totals *t)
{
	double n = (double)t->frames, all = t->sum[pl->nch] / n;
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	append(buf, size, &len, "%zu frame%s, mean", t->frames,
	    t->frames == 1 ? "" : "s");
	for (int c = 0; c < pl->nch; c++)
		append(buf, size, &len, " %c %.6f", pl->name[c], t->sum[c] / n);
	if (pl->nch > 1)
		append(buf, size, &len, " All %.6f", all);
	append(buf, size, &len, " (%.3f dB), min %.6f (frame %zu)",
	    ssim_db(all), t->min_all, t->min_frame);
}
