/* err.h: the one error type every libkvae function fills.
 *
 * A library function that can fail takes a `kv_err *` last, returns 0 on
 * success and a non-zero code on failure, and on failure leaves in
 * err->msg a message that names the place: "file:line: what went wrong".
 * The program prefixes its own name and prints it once (see cli.h).
 * A NULL `kv_err *` is allowed: the message is then dropped. */
#ifndef KVAE_ERR_H
#define KVAE_ERR_H

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

/* The message setters proper: a NULL err drops the message. */
void kv_err_set(kv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kv_err_set_prefix(kv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The failure code every kv_errf returns. A function of its own so that
 * an unused kv_errf(...) statement is not a comma expression "with no
 * effect" to the compiler. */
static inline int
kv_err_failed(void)
{
	return -1;
}

/* Set the message (printf-style) and give -1, so callers can
 * `return kv_errf(err, ...)`. A macro, not a function, so that every
 * caller's compiler, and the clang static analyser (which does not
 * follow calls into variadic functions), sees the value is always -1
 * and follows only the failure path after it. */
#define kv_errf(err, ...) (kv_err_set((err), __VA_ARGS__), kv_err_failed())

/* Put "prefix: " in front of the current message (e.g. a file name the
 * inner function did not know); gives -1, as kv_errf. */
#define kv_err_prefix(err, ...) \
	(kv_err_set_prefix((err), __VA_ARGS__), kv_err_failed())

#endif
