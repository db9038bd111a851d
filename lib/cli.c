/* cli.c: diagnostics, exit codes and option-argument parsing shared by
 * every program. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "seq.h"

#ifndef KVAE_VERSION
#define KVAE_VERSION "unknown"
#endif

static const char *progname = "kvae";

/* Weak: a program that uses GSL links it and gets its handler turned
 * off here; one that does not (ssim) is not linked with GSL at all, and
 * so not with OpenBLAS, whose idle thread would otherwise spin on
 * sched_yield for its first 0.1 s. */
#pragma weak gsl_set_error_handler_off

void
cli_init(const char *name)
{
	progname = name;
	if (gsl_set_error_handler_off != NULL)
		gsl_set_error_handler_off();
	/* Past a file-size limit, let write(2) fail with EFBIG so the output
	 * is abandoned with a message, instead of dying silently. */
	signal(SIGXFSZ, SIG_IGN);
}

const char *
cli_progname(void)
{
	return progname;
}

static void
vwarn_line(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
}

void
cli_fail(const kv_err *err)
{
	fprintf(stderr, "%s: %s\n", progname, err->msg);
	exit(CLI_FAIL);
}

void
cli_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
	exit(CLI_FAIL);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(CLI_USAGE);
}

void
cli_print_version(void)
{
	printf("%s (kvae-tools) %s\n", progname, KVAE_VERSION);
	exit(fflush(stdout) == 0 ? CLI_OK : CLI_FAIL);
}

void
cli_print_help(const char *text)
{
	fputs(text, stdout);
	exit(fflush(stdout) == 0 ? CLI_OK : CLI_FAIL);
}

void
cli_standard_option(int c, const char *usage)
{
	if (c == 'h')
		cli_print_help(usage);
	if (c == 'V')
		cli_print_version();
	cli_usage_error("unknown option");
}

int
cli_parse_format(const char *arg)
{
	int format = seq_format_parse(arg);

	if (format == 0)
		cli_usage_error("--output-format: '%s' is not csv or bin", arg);
	return format;
}

int
cli_int_arg(const char *opt, const char *arg, long long min, long long max,
	long long *out, kv_err *err)
{
	char *end;
	long long v;

	if (arg == NULL || *arg == '\0' || isspace((unsigned char)*arg))
		return kv_errf(err, "%s: '%s' is not a whole number", opt,
		    arg ? arg : "");
	errno = 0;
	v = strtoll(arg, &end, 10);
	if (*end != '\0')
		return kv_errf(err, "%s: '%s' is not a whole number", opt, arg);
	if (errno == ERANGE || v < min || v > max)
		return kv_errf(err, "%s: %s is out of range [%lld, %lld]", opt,
		    arg, min, max);
	*out = v;
	return 0;
}

int
cli_double_arg(const char *opt, const char *arg, double min, double max,
	double *out, kv_err *err)
{
	char *end;
	double v;

	if (arg == NULL || *arg == '\0' || isspace((unsigned char)*arg))
		return kv_errf(err, "%s: '%s' is not a number", opt,
		    arg ? arg : "");
	errno = 0;
	v = strtod(arg, &end);
	if (*end != '\0' || isnan(v))
		return kv_errf(err, "%s: '%s' is not a number", opt, arg);
	if (errno == ERANGE || !(v >= min && v <= max))
		return kv_errf(err, "%s: %s is out of range [%g, %g]", opt, arg,
		    min, max);
	*out = v;
	return 0;
}

long long
cli_parse_int(const char *opt, const char *arg, long long min, long long max)
{
	kv_err err;
	long long v;

	if (cli_int_arg(opt, arg, min, max, &v, &err) != 0)
		cli_usage_error("%s", err.msg);
	return v;
}

double
cli_parse_double(const char *opt, const char *arg, double min, double max)
{
	kv_err err;
	double v;

	if (cli_double_arg(opt, arg, min, max, &v, &err) != 0)
		cli_usage_error("%s", err.msg);
	return v;
}

/* Parse one end of a range: empty means absent. */
static int
range_end(const char *opt, const char *s, size_t len, long long *v, int *has,
	kv_err *err)
{
	char buf[32];

	*has = 0;
	if (len == 0)
		return 0;
	if (len >= sizeof buf)
		return kv_errf(err, "%s: '%.*s' is not a whole number", opt,
		    (int)len, s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (cli_int_arg(opt, buf, -(1LL << 62), 1LL << 62, v, err) != 0)
		return -1;
	*has = 1;
	return 0;
}

int
cli_range_arg(const char *opt, const char *arg, cli_range *out, kv_err *err)
{
	const char *colon = strchr(arg, ':');

	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		return kv_errf(err, "%s: '%s' is not a range START:STOP", opt,
		    arg);
	if (range_end(opt, arg, (size_t)(colon - arg), &out->start,
	    &out->has_start, err) != 0)
		return -1;
	return range_end(opt, colon + 1, strlen(colon + 1), &out->stop,
	    &out->has_stop, err);
}

/* Python-style index clamp into [0, n]. */
static size_t
clamp_index(long long i, size_t n)
{
	if (i < 0)
		i += (long long)n;
	if (i < 0)
		return 0;
	if ((unsigned long long)i > n)
		return n;
	return (size_t)i;
}

void
cli_range_resolve(const cli_range *r, size_t n, size_t *lo, size_t *hi)
{
	*lo = r->has_start ? clamp_index(r->start, n) : 0;
	*hi = r->has_stop ? clamp_index(r->stop, n) : n;
	if (*hi < *lo)
		*hi = *lo;
}

/* Parse a positive decimal at *p, advancing it; 0 on failure. */
static size_t
column_number(const char **p, size_t max_index)
{
	size_t v = 0;

	if (!isdigit((unsigned char)**p))
		return 0;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (size_t)(**p - '0');
		if (v > max_index)
			return 0;
		(*p)++;
	}
	return v;
}

int
cli_columns_arg(const char *opt, const char *arg, size_t max_index,
	size_t **cols, size_t *ncols, kv_err *err)
{
	const char *p = arg;
	size_t *list = NULL, n = 0, cap = 0, a, b, c;

	for (;;) {
		a = column_number(&p, max_index);
		b = a;
		if (a != 0 && *p == '-') {
			p++;
			b = column_number(&p, max_index);
		}
		if (a == 0 || b == 0 || b < a || (*p != ',' && *p != '\0')) {
			free(list);
			return kv_errf(err, "%s: '%s' is not a column list like "
			    "1,3-5 with columns 1 to %zu", opt, arg, max_index);
		}
		for (c = a; c <= b; c++) {
			if (n == cap) {
				size_t *grown;
				cap = cap ? 2 * cap : 8;
				grown = realloc(list, cap * sizeof *list);
				if (grown == NULL) {
					free(list);
					return kv_errf(err, "%s: out of memory",
					    opt);
				}
				list = grown;
			}
			list[n++] = c - 1;
		}
		if (*p == '\0')
			break;
		p++;
	}
	*cols = list;
	*ncols = n;
	return 0;
}
