/* seq.h: latent sequence streams, kvae-seq(5).
 *
 * A stream holds one or more sequences; a sequence is a run of records;
 * a record is `dim` numbers, optionally followed by `dim` variances.
 * Missing values are NaN. Two encodings, detected on input:
 *
 *   CSV     one record a line, fields separated by commas and quoted as
 *           RFC 4180 has it ("a,b", "" for a quote; a quoted field may
 *           not span lines); an optional header line of column names
 *           (variance columns named "var_NAME"; a name may be empty, as
 *           pandas' index column is); "nan" or an empty field is
 *           missing; a blank line ends a sequence; '#' starts a comment
 *           line.
 *   binary  a 16-byte header (SEQ_MAGIC, version, scalar size, flags,
 *           dim), with SEQ_FLAG_NAMES the column names (uint32 byte
 *           count, dim NUL-ended names), then little-endian records;
 *           a new header starts a new sequence, so `cat a.bin b.bin` is
 *           a stream of two sequences.
 *
 * Values are doubles in memory whatever the encoding. Readers stream:
 * they hand out one record at a time and keep O(dim) memory. */
#ifndef KVAE_SEQ_H
#define KVAE_SEQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "stream/select.h"

enum seq_format { SEQ_CSV = 1, SEQ_BIN = 2 };
enum seq_scalar { SEQ_F32 = 4, SEQ_F64 = 8 };	/* bytes per scalar */

/* Results of seq_read(). */
enum { SEQ_EOF = 0, SEQ_RECORD = 1, SEQ_BREAK = 2 };

#define SEQ_MAGIC "KV\xd1\x7fSQ\xf4\x7f"	/* 8 bytes, see kvae-seq(5) */
#define SEQ_HEADER_SIZE 16
#define SEQ_VERSION 1
#define SEQ_FLAG_VARIANCES 0x0001u
#define SEQ_FLAG_NAMES 0x0002u			/* column names follow */
#define SEQ_MAX_DIM (1u << 20)			/* columns */
#define SEQ_MAX_LINE ((size_t)64 << 20)		/* bytes in one CSV line */
#define SEQ_MAX_NAMES ((size_t)64 << 20)	/* bytes of binary names */

/* What the records of a stream look like. */
typedef struct seq_layout {
	size_t dim;		/* values per record */
	int has_var;		/* dim variances follow the values */
	int format;		/* SEQ_CSV or SEQ_BIN */
	int scalar;		/* SEQ_F32 or SEQ_F64 (CSV input: SEQ_F64) */
	char **names;		/* dim column names, or NULL */
} seq_layout;

typedef struct seq_reader seq_reader;

/* Open `path` ("-" or NULL: stdin), detect its encoding and read up to
 * the first record so that the layout is known. An empty stream (no
 * records) is an error. Returns NULL on failure. */
seq_reader *seq_reader_open(const char *path, kv_err *err);

/* The same, keeping only the columns `cols` chooses (NULL: all), in its
 * order, each with its variance and name. The choice is resolved when the
 * header (or, without one, the first record) is read, so fields of
 * columns not chosen are never parsed: a date column can be left out.
 * The layout describes the chosen columns. cols is not kept. */
seq_reader *seq_reader_open_columns(const char *path, const seqcols *cols,
	kv_err *err);

/* The same on an open descriptor (not owned, not closed) of which the
 * first n bytes were already read (by a caller that looked at them to
 * see what the input holds): they are given back in `head` and read
 * first. `name` is for messages. n is at most 64 KiB. */
seq_reader *seq_reader_open_fd(int fd, const char *name, const void *head,
	size_t n, kv_err *err);

/* The stream's layout; owned by the reader. */
const seq_layout *seq_reader_layout(const seq_reader *r);

/* Flush `fp` whenever the reader is about to wait for more input, so a
 * tool behind `tail -f` passes each record on as soon as it has it
 * without a flush per record when input comes in bulk. */
void seq_reader_flush_on_wait(seq_reader *r, FILE *fp);

/* Read the next event: SEQ_RECORD (x, and var unless NULL, filled with
 * dim values each; var is all-NaN when the stream has none), SEQ_BREAK
 * (the current sequence ended; reported once after every sequence,
 * including the last), SEQ_EOF, or -1 with a message naming the file and
 * line or record. Empty sequences are skipped. */
int seq_read(seq_reader *r, double *x, double *var, kv_err *err);

/* Where the last record read came from, for messages: "FILE:LINE" (CSV)
 * or "FILE: record N" (binary), written into buf. */
const char *seq_reader_place(const seq_reader *r, char *buf, size_t size);

/* 0-based index of the current sequence. */
size_t seq_reader_sequence_index(const seq_reader *r);

/* Close (stdin is left open) and free. Safe with NULL. */
void seq_reader_close(seq_reader *r);

/* A whole sequence in memory. */
typedef struct seq_buf {
	size_t T;		/* records */
	size_t dim;
	size_t cap;		/* records allocated */
	double *x;		/* (T, dim) */
	double *var;		/* (T, dim) or NULL when the stream has none */
} seq_buf;

/* Read the next whole sequence into b (reusing its memory). Returns 1
 * with a sequence, 0 at end of stream, -1 on failure. */
int seq_read_sequence(seq_reader *r, seq_buf *b, kv_err *err);

/* Append one record to b (growing it); var may be NULL. 0 or -1. */
int seq_buf_push(seq_buf *b, const double *x, const double *var,
	kv_err *err);

void seq_buf_free(seq_buf *b);

typedef struct seq_writer seq_writer;

/* Start writing a stream of the given layout to fp (not owned; `name` is
 * for messages). CSV gets a header line when layout->names is set or the
 * records carry variances. Copies the names. */
seq_writer *seq_writer_open(FILE *fp, const char *name,
	const seq_layout *layout, kv_err *err);

/* Write one record; var is ignored unless the layout has variances (NULL
 * then writes NaN variances). 0 or -1. */
int seq_write(seq_writer *w, const double *x, const double *var,
	kv_err *err);

/* End the current sequence: the next record starts a new one (the blank
 * line or binary header is written with that record, so a stream never
 * ends in one). Does nothing when no record was written since. */
int seq_write_break(seq_writer *w, kv_err *err);

/* Flush and free the writer (the FILE stays open). 0 or -1 on a write
 * error. Safe with NULL. */
int seq_writer_close(seq_writer *w, kv_err *err);

/* The layout to write when reading `in`: the same, with the format and
 * scalar type replaced where the arguments are non-zero; names are
 * shared with `in`, not copied. */
seq_layout seq_layout_output(const seq_layout *in, int format, int scalar);

/* Parse "csv" / "bin" (also "binary") for --output-format: returns
 * SEQ_CSV, SEQ_BIN or 0 when unknown. */
int seq_format_parse(const char *s);

/* Shortest decimal text that reads back to exactly v (as a double, or as
 * a float when scalar is SEQ_F32); "nan" for NaN. Returns the length. */
int seq_format_number(char *buf, size_t size, double v, int scalar);

#endif
