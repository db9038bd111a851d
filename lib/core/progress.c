/* progress.c: the progress reporter, the only part of libkvae that
 * writes to stderr. */
#include "core/progress.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
progress_start(progress *p, const char *label, size_t total, int quiet)
{
	p->label = label;
	p->total = total;
	p->done = 0;
	p->quiet = quiet;
	p->tty = isatty(STDERR_FILENO);
	p->interval = p->tty ? 0.1 : 10.0;
	p->t_start = p->t_last = now_seconds();
	p->extra[0] = '\0';
}

void
progress_note(progress *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->extra, sizeof p->extra, fmt, ap);
	va_end(ap);
}

static void
print_line(const progress *p, double t, const char *end)
{
	double elapsed = t - p->t_start;
	double rate = elapsed > 0 ? (double)p->done / elapsed : 0;

	fprintf(stderr, "%s%s: %s %zu", p->tty ? "\r" : "", program_invocation_short_name,
	    p->label, p->done);
	if (p->total > 0)
		fprintf(stderr, "/%zu (%.0f%%)", p->total,
		    100.0 * (double)p->done / (double)p->total);
	fprintf(stderr, ", %.1f/s, %.0fs", rate, elapsed);
	if (p->extra[0] != '\0')
		fprintf(stderr, ", %s", p->extra);
	fputs(p->tty ? "\033[K" : "", stderr);
	fputs(end, stderr);
	fflush(stderr);
}

void
progress_update(progress *p, size_t done)
{
	double t;

	p->done = done;
	if (p->quiet)
		return;
	t = now_seconds();
	if (t - p->t_last < p->interval)
		return;
	p->t_last = t;
	print_line(p, t, p->tty ? "" : "\n");
}

void
progress_end(progress *p)
{
	if (p->quiet)
		return;
	print_line(p, now_seconds(), "\n");
}
