/* readall.h: read a whole input into memory. */
#ifndef KVAE_READALL_H
#define KVAE_READALL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

/* Read `path` ("-" or NULL: stdin) to its end. On success *buf
 * (malloc'd, caller frees; one zero byte past the end) and *len hold it.
 * Fails with "NAME: strerror" or on more than max bytes. */
int readall_path(const char *path, size_t max, uint8_t **buf, size_t *len,
	kv_err *err);

/* The same from an open stream (not closed); name is for messages. */
int readall_stream(FILE *fp, const char *name, size_t max, uint8_t **buf,
	size_t *len, kv_err *err);

#endif
