/* cli.h: what every program in cmd/ shares: its name in diagnostics, exit
 * codes, --help/--version, and parsing of option arguments.
 *
 * Exit codes: 0 success, 1 bad input or failed operation, 2 usage error.
 * Diagnostics go to stderr as "prog: message"; data never does. */
#ifndef KVAE_CLI_H
#define KVAE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Record the program's name for diagnostics, switch GSL's aborting
 * error handler off (every GSL return code is checked instead), and
 * ignore SIGXFSZ (a write past `ulimit -f` then fails with a message).
 * Call first in main(). */
void cli_init(const char *progname);

/* The name given to cli_init. */
const char *cli_progname(void);

/* Print "prog: message" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "prog: err->msg" and exit 1. */
void cli_fail(const kv_err *err) __attribute__((noreturn));

/* Print "prog: message" and exit 1. */
void cli_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Print "prog: message" and a hint to run --help, exit 2. */
void cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Print "prog (kvae-tools) VERSION" on stdout and exit 0. */
void cli_print_version(void) __attribute__((noreturn));

/* Print `text` on stdout and exit 0 (for --help). */
void cli_print_help(const char *text) __attribute__((noreturn));

/* The end of every getopt_long switch: 'h' prints `usage` and exits 0,
 * 'V' prints the version and exits 0, anything else is a usage error
 * (exit 2). */
void cli_standard_option(int c, const char *usage) __attribute__((noreturn));

/* An --output-format argument: SEQ_CSV or SEQ_BIN (seq.h); anything else
 * is a usage error naming the value. */
int cli_parse_format(const char *arg);

/* Option arguments. Each parses the whole of `arg` (leading/trailing
 * blanks refused), checks the bounds, and on failure exits 2 with a
 * message naming the option: "prog: --head: 'x' is not a whole number". */
long long cli_parse_int(const char *opt, const char *arg,
	long long min, long long max);
double cli_parse_double(const char *opt, const char *arg,
	double min, double max);

/* Same as the above but returning 0 on success and -1 on failure with a
 * message in err, for parsers that must not exit (tests, fuzzing). */
int cli_int_arg(const char *opt, const char *arg, long long min,
	long long max, long long *out, kv_err *err);
int cli_double_arg(const char *opt, const char *arg, double min,
	double max, double *out, kv_err *err);

/* A half-open record range "A:B" (either end may be empty: "10:", ":60",
 * negative ends count from the end of the sequence, as in Python). */
typedef struct cli_range {
	long long start;	/* as given; valid when has_start */
	long long stop;		/* as given; valid when has_stop */
	int has_start, has_stop;
} cli_range;

int cli_range_arg(const char *opt, const char *arg, cli_range *out,
	kv_err *err);

/* Resolve a range against a sequence length: [*lo, *hi) within [0, n). */
void cli_range_resolve(const cli_range *r, size_t n, size_t *lo, size_t *hi);

/* A column list "1,3-5" (1-based, as cut(1)). On success *cols holds
 * *ncols 0-based indices in the order given (malloc'd, caller frees).
 * At most `max_index` (1-based) is accepted. */
int cli_columns_arg(const char *opt, const char *arg, size_t max_index,
	size_t **cols, size_t *ncols, kv_err *err);

#endif
