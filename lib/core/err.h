/* err.h: the one error type every libkvae function fills.
 *
 * A library function that can fail takes a `kv_err *` last, returns 0 on
 * success and a non-zero code on failure, and on failure leaves in
 * err->msg a message that names the place: "file:line: what went wrong".
 * The program prefixes its own name and prints it once (see cli.h).
 * A NULL `kv_err *` is allowed: the message is then dropped. */
#ifndef KVAE_ERR_H
#define KVAE_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define KV_ERR_MSG_MAX 1024

typedef struct kv_err {
	char msg[KV_ERR_MSG_MAX];
} kv_err;

/* Input quoted in a message, safe for a terminal: printable ASCII as
 * is, a backslash and every other byte (escape sequences, UTF-8 too) as
 * \\ or \xNN, cut after `max` input bytes with "..." added. Writes
 * into buf (size bytes, at least 8) and returns it. */
const char *kv_quote(char *buf, size_t size, const char *s, size_t max);

/* The size of a buffer that holds any quote of at most MAX bytes. */
#define KV_QUOTE_SIZE(max) (4 * (max) + 4)

/* The message setters proper (a NULL err drops the message). */
void kv_err_vset(kv_err *err, const char *fmt, va_list ap);
void kv_err_vprefix(kv_err *err, const char *fmt, va_list ap);

/* Set the message (printf-style); returns -1 so callers can
 * `return kv_errf(err, ...)`. Defined here, not in err.c, so that every
 * caller's compiler (and the clang static analyser) sees that the value
 * is always -1 and follows only the failure path after it. */
static inline __attribute__((format(printf, 2, 3))) int
kv_errf(kv_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kv_err_vset(err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Put "prefix: " in front of the current message (e.g. a file name the
 * inner function did not know); returns -1, as kv_errf. */
static inline __attribute__((format(printf, 2, 3))) int
kv_err_prefix(kv_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kv_err_vprefix(err, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
