/* cli.c: diagnostics, exit codes and option-argument parsing shared by
 * every program. */
#include "common/cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "core/outfile.h"
#include "core/threads.h"
#include "stream/seq.h"

#ifndef KVAE_VERSION
#define KVAE_VERSION "unknown"
#endif

static const char *progname = "kvae";
static int failed;	/* a failure was reported: exit status already 1 */
static void (*fail_exit)(int) = exit;

/* Weak: a program that uses GSL links it and gets its handler turned
 * off here; one that does not (ssim) is not linked with GSL at all, and
 * so not with OpenBLAS, whose idle thread would otherwise spin on
 * sched_yield for its first 0.1 s. */
#pragma weak gsl_set_error_handler_off

/* At exit: whatever went to stdout must have arrived. One place for
 * every program, so that `prog > /dev/full` fails whichever path wrote
 * (a report, --print-model, a stream), as coreutils' close_stdout does.
 * A stdout the shell closed (EBADF) with nothing written is no error,
 * and after a reported failure the one message is enough. */
static void
close_stdout(void)
{
	int had_error = ferror(stdout);

	errno = 0;
	if (fclose(stdout) != 0 || had_error) {
		if ((errno == EBADF && !had_error) || failed)
			return;
		fprintf(stderr, "%s: stdout: %s\n", progname,
		    errno ? strerror(errno) : "write error");
		_exit(CLI_FAIL);
	}
}

void
cli_init(const char *name)
{
	progname = name;
	atexit(close_stdout);
	if (gsl_set_error_handler_off != NULL)
		gsl_set_error_handler_off();
	/* Past a file-size limit, let write(2) fail with EFBIG so the output
	 * is abandoned with a message, instead of dying silently. */
	signal(SIGXFSZ, SIG_IGN);
}

void
cli_set_fail_exit(void (*fn)(int status))
{
	fail_exit = fn != NULL ? fn : exit;
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
	failed = 1;
	fprintf(stderr, "%s: %s\n", progname, err->msg);
	fail_exit(CLI_FAIL);
	exit(CLI_FAIL);
}

void
cli_die(const char *fmt, ...)
{
	va_list ap;

	failed = 1;
	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
	fail_exit(CLI_FAIL);
	exit(CLI_FAIL);
}

void
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	failed = 1;
	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	fail_exit(CLI_USAGE);
	exit(CLI_USAGE);
}

void
cli_print_version(void)
{
	printf("%s (kvae-tools) %s\n", progname, KVAE_VERSION);
	exit(CLI_OK);	/* close_stdout reports a failed write */
}

void
cli_print_help(const char *text)
{
	fputs(text, stdout);
	exit(CLI_OK);	/* close_stdout reports a failed write */
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

void
cli_check_output(const char *path)
{
	kv_err err;

	if (path != NULL && outfile_check(path, &err) != 0)
		cli_fail(&err);
}

int
cli_parse_format(const char *arg)
{
	int format = seq_format_parse(arg);

	if (format == 0)
		cli_usage_error("--output-format: '%s' is not csv or bin", arg);
	return format;
}

long long
cli_parse_int(const char *opt, const char *arg, long long min, long long max)
{
	kv_err err;
	long long v;

	if (optarg_int(opt, arg, min, max, &v, &err) != 0)
		cli_usage_error("%s", err.msg);
	return v;
}

double
cli_parse_double(const char *opt, const char *arg, double min, double max)
{
	kv_err err;
	double v;

	if (optarg_double(opt, arg, min, max, &v, &err) != 0)
		cli_usage_error("%s", err.msg);
	return v;
}

void
cli_threads(const char *arg)
{
	threads_set((int)cli_parse_int("--threads", arg, 1, 1024));
}

int
cli_parse_int_list(const char *opt, const char *arg, int *out, int max,
	int min, int lim)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int n = 0;

	if (copy == NULL)
		cli_die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			cli_usage_error("%s: at most %d values", opt, max);
		out[n++] = (int)cli_parse_int(opt, tok, min, lim);
	}
	free(copy);
	if (n == 0)
		cli_usage_error("%s: give a list, e.g. 16,32,64", opt);
	return n;
}
