/* cli.h: what every program in cmd/ shares: its name in diagnostics, exit
 * codes, --help/--version, and parsing of option arguments.
 *
 * Exit codes: 0 success, 1 bad input or failed operation, 2 usage error.
 * Diagnostics go to stderr as "prog: message"; data never does. */
#ifndef KVAE_CLI_H
#define KVAE_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/optarg.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Record the program's name for diagnostics, switch GSL's aborting
 * error handler off (every GSL return code is checked instead), and
 * ignore SIGXFSZ (a write past `ulimit -f` then fails with a message).
 * Call first in main(). */
void cli_init(const char *progname);

/* How cli_fail, cli_die and cli_usage_error end the program: fn(status)
 * instead of exit(status) (NULL: exit again). One rank of an MPI job
 * ends the whole job (dist_abort). */
void cli_set_fail_exit(void (*fn)(int status));

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

/* Before long work: exit 1 with the reason unless an output can be
 * written at `path` (outfile_check: its directory exists and is
 * writable, it is not a directory). NULL (an output not asked for) and
 * "-" pass. */
void cli_check_output(const char *path);

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

/* --threads=N, the same in every program: N from 1 to 1024 becomes the
 * process's thread count (core/threads.h: OpenMP loops and oneDNN,
 * FFmpeg's decoders, ssim's scorers, helper threads; 1 keeps the whole
 * program on one thread). Without the option the count follows
 * OMP_NUM_THREADS. A bad N exits 2: "prog: --threads: '0' is ...". */
void cli_threads(const char *arg);

/* A comma-separated list of 1 .. max whole numbers in [min, lim] into
 * out ("16,32,64"); returns how many. Exits 2 naming the option. */
int cli_parse_int_list(const char *opt, const char *arg, int *out, int max,
	int min, int lim);

#endif
