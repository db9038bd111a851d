/* sniff.h: what an input holds, from its first bytes.
 *
 * The bytes are looked at once, through core/input.h, so that a pipe or
 * FIFO keeps them for the reader chosen (see input.h). A stream behind
 * `tail -f` may hold only a short first line for a long time: a text
 * input is decided as soon as its first line is complete, and nothing
 * waits for more bytes than it needs to decide.
 *
 * Formats of subsystems above media (the .mek image codec) are
 * recognised by a check the caller passes in, so that media does not
 * depend on them. */
#ifndef KVAE_SNIFF_H
#define KVAE_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/input.h"

enum sniff_kind {
	SNIFF_MORE = 0,		/* sniff_bytes: undecided, read more */
	SNIFF_SEQ_TEXT,		/* a CSV kvae-seq(5) stream, or empty */
	SNIFF_SEQ_BIN,		/* a binary kvae-seq(5) stream */
	SNIFF_PNM,		/* a binary PGM/PPM image (P5/P6) */
	SNIFF_MEK,		/* what the caller's check recognises (.mek) */
	SNIFF_AUDIO,		/* a sound file libsndfile reads */
	SNIFF_Y4M,		/* YUV4MPEG2 video (a text header) */
	SNIFF_MEDIA		/* anything else: for libavformat */
};

/* The most bytes looked at. */
#define SNIFF_HEAD 16

/* A caller's recognizer: whether buf (len bytes, the first of the input)
 * starts a format of its own. */
typedef int sniff_check_fn(const uint8_t *buf, size_t len);

/* The kind of an input that starts with the n bytes of b (only the
 * first SNIFF_HEAD count), or SNIFF_MORE when the input has not ended
 * (at_eof 0) and more bytes could change the answer: fewer than
 * SNIFF_HEAD, unless they are text holding a whole line. In order:
 * PGM/PPM, the caller's format (`check`, may be NULL), a sound file's
 * signature (WAV, RF64, Wave64, AIFF, AU, FLAC, CAF, Ogg), the seq
 * binary magic, Y4M; then printable text (or nothing) is a CSV stream
 * and anything else media. */
int sniff_bytes(const uint8_t *b, size_t n, int at_eof,
	sniff_check_fn *check);

/* The kind of `in`, peeking at its first bytes (kept in the input for
 * the reader). A regular file named by a path is audio exactly when
 * libsndfile opens it (which knows more formats than the signatures
 * above); other inputs are audio by their signature. Returns the kind,
 * or -1 with a message naming the input on a read error. */
int sniff_input(kv_input *in, sniff_check_fn *check, kv_err *err);

#endif
