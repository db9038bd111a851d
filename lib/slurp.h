/* slurp.h: read a whole input into memory. */
#ifndef KVAE_SLURP_H
#define KVAE_SLURP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* Read `path` ("-" or NULL: stdin) to its end. On success *buf
 * (malloc'd, caller frees; one zero byte past the end) and *len hold it.
 * Fails with "NAME: strerror" or on more than max bytes. */
int slurp_path(const char *path, size_t max, uint8_t **buf, size_t *len,
	kv_err *err);

/* The same from an open stream (not closed); name is for messages. */
int slurp_stream(FILE *fp, const char *name, size_t max, uint8_t **buf,
	size_t *len, kv_err *err);

#endif
