/* outfile.h: output files that are either complete or untouched, and
 * outputs that are not files written as they are.
 *
 * What is at the path decides how it is written:
 *   "-" (or NULL)           stdout, written directly;
 *   /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N
 *                           a duplicate of that descriptor (as the shell
 *                           set it up), never reopened or replaced;
 *   a device, FIFO, socket  opened and written directly (errors such as
 *                           ENOSPC on /dev/full are reported at commit);
 *   a directory             refused;
 *   a regular file, a symlink to one, or nothing yet
 *                           a temporary file (".NAME.XXXXXX") beside the
 *                           file the links lead to; outfile_commit()
 *                           flushes, fsyncs and renames it over that
 *                           file, which keeps its mode (and its owner,
 *                           when run as root); a symlink stays a symlink.
 *                           Where that directory is not writable but the
 *                           file is, the temporary lives in $TMPDIR and is
 *                           copied over the file at commit.
 * So a failed or interrupted run never leaves a half-written file and
 * never destroys the file the user had.
 *
 * Temporary files still open are removed if the process is ended by
 * SIGINT, SIGTERM or SIGHUP (the signal is then re-raised) or exits
 * without committing them. */
#ifndef KVAE_OUTFILE_H
#define KVAE_OUTFILE_H

#include <stdio.h>

#include "core/err.h"

typedef struct outfile outfile;

/* Whether outfile_open(path) would succeed, creating nothing: the path
 * is not a directory, its directory exists and is writable (or the file
 * is), a descriptor alias is open. For programs to call before long work,
 * so that an hour of training does not end in "No such file or
 * directory". 0, or -1 with a message naming the path. */
int outfile_check(const char *path, kv_err *err);

/* Open `path` for writing as above. Returns NULL on failure with a
 * message naming the path. */
outfile *outfile_open(const char *path, kv_err *err);

/* The stream to write to; owned by the outfile. */
FILE *outfile_stream(outfile *out);

/* The name for messages: the path, or "stdout". */
const char *outfile_name(const outfile *out);

/* Finish and free: a file is flushed, fsynced and renamed (or copied)
 * into place; anything else is flushed and closed (stdout flushed
 * only). Returns 0, or -1 with a message (a write error such as a full
 * disk is reported here); on failure the temporary file is removed and
 * the target is as it was. */
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
