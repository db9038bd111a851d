/* outfile.h: output files that are either complete or untouched.
 *
 * Writing to a named file goes to a temporary file beside it
 * (".NAME.XXXXXX"); outfile_commit() flushes, fsyncs and renames it over
 * NAME, so a failed or interrupted run never leaves a half-written file
 * and never destroys the file the user had. "-" (or NULL) means stdout,
 * written directly.
 *
 * Temporary files still open are removed if the process is ended by
 * SIGINT, SIGTERM or SIGHUP (the signal is then re-raised) or exits
 * without committing them. */
#ifndef KVAE_OUTFILE_H
#define KVAE_OUTFILE_H

#include <stdio.h>

#include "core/err.h"

typedef struct outfile outfile;

/* Open `path` for writing ("-" or NULL: stdout). Returns NULL on failure
 * with a message naming the path. */
outfile *outfile_open(const char *path, kv_err *err);

/* The stream to write to; owned by the outfile. */
FILE *outfile_stream(outfile *out);

/* The name for messages: the path, or "stdout". */
const char *outfile_name(const outfile *out);

/* Flush, fsync and rename into place (files), or flush (stdout), then
 * free. Returns 0, or -1 with a message (a write error such as a full
 * disk is reported here); on failure the temporary file is removed. */
int outfile_commit(outfile *out, kv_err *err);

/* Throw the output away: remove the temporary file, free. Stdout is only
 * flushed. Safe with NULL. */
void outfile_abort(outfile *out);

/* Open an input path for reading: "-" or NULL is stdin. Returns NULL with
 * a message "PATH: strerror" on failure. */
FILE *infile_open(const char *path, kv_err *err);

/* The name of an input for messages: the path, or "stdin". */
const char *infile_name(const char *path);

/* Whether `path` names stdin/stdout ("-" or NULL). */
int path_is_std(const char *path);

#endif
