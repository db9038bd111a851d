/* input.h: an input opened once, whose first bytes can be looked at
 * before the reader that suits them is chosen.
 *
 * A pipe, a FIFO or a terminal gives its bytes only once: a program that
 * reads the start of such an input to see what it holds cannot open it
 * again for the real reader. A kv_input keeps the bytes it was asked to
 * peek at and hands them out again, then the rest, to whichever reader
 * comes next: through input_read (for a read callback: libsndfile's
 * virtual I/O, an AVIOContext), as the whole input in memory
 * (input_readall), or as the descriptor and the peeked bytes for a
 * reader that takes both (seq_reader_open_fd).
 *
 * Only a regular file named by a path may be opened again by that path
 * (input_reopenable): readers that need to seek can then use the path. */
#ifndef KVAE_INPUT_H
#define KVAE_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct kv_input kv_input;

/* The most bytes input_peek keeps. */
#define INPUT_PEEK_MAX 4096

/* Open `path` ("-" or NULL: stdin, which is used but never closed).
 * Reads nothing yet. Returns NULL with "PATH: strerror" on failure. */
kv_input *input_open(const char *path, kv_err *err);

/* Whether `path` gives its bytes only once: "-" (stdin), or an existing
 * FIFO, pipe (such as <(cmd)), socket or device. Such an input must be
 * opened once with input_open and its head looked at through that
 * kv_input, never opened again by its name. 0 for a regular file, a
 * directory or a name that does not exist (a pattern, a glob). */
int input_path_once(const char *path);

/* The path as given, or NULL for stdin. */
const char *input_path(const kv_input *in);

/* The name for messages: the path, or "stdin". */
const char *input_name(const kv_input *in);

/* The descriptor (owned by the input). Bytes already peeked are no
 * longer in it: see input_head. */
int input_fd(const kv_input *in);

/* Whether the input is a regular file named by a path, so that a reader
 * may open that path again and seek in it (not stdin, not a FIFO, a pipe
 * such as <(cmd), a socket or a terminal). */
int input_reopenable(const kv_input *in);

/* Make at least `want` bytes (at most INPUT_PEEK_MAX) available at the
 * head, reading more only when fewer are there; fewer at the end of the
 * input. Returns the number available, or -1 with "NAME: strerror". Only
 * before the first input_read. */
long input_peek(kv_input *in, size_t want, kv_err *err);

/* The bytes peeked so far and not yet read (*len of them). */
const uint8_t *input_head(const kv_input *in, size_t *len);

/* Whether the end of the input has been seen while peeking. */
int input_at_eof(const kv_input *in);

/* Read up to n bytes: first the peeked ones, then from the descriptor.
 * Returns the count (0 at the end), or -1 with "NAME: strerror". */
long input_read(kv_input *in, void *buf, size_t n, kv_err *err);

/* Read everything not yet read (peeked bytes included) into *buf
 * (malloc'd, caller frees, one zero byte past the end), *len bytes.
 * Fails with "NAME: larger than MAX bytes" on more than max bytes, or
 * on a read error. */
int input_readall(kv_input *in, size_t max, uint8_t **buf, size_t *len,
	kv_err *err);

/* Close (stdin stays open) and free. Safe with NULL. */
void input_close(kv_input *in);

#endif
