/* filekind.h: what a file that is not the expected kind is, from its
 * first bytes, for messages: "vtest.avi: a video file (AVI), not a
 * kvae-seq(5) stream" says more than "field 1 is not a number". */
#ifndef KVAE_FILEKIND_H
#define KVAE_FILEKIND_H

#include <stddef.h>
#include <stdint.h>

/* The longest signature looked at, in bytes. */
#define FILEKIND_HEAD 16

/* A phrase for the format whose signature b (n bytes, the start of a
 * file) carries, such as "a video file (Matroska/WebM)" or "a PNG
 * image"; NULL when none is known. Only signatures that no text file
 * starts with are used, so a CSV stream is never taken for one. */
const char *filekind_describe(const uint8_t *b, size_t n);

#endif
