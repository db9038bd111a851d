/* seq.c: reading and writing kvae-seq(5) streams.
 *
 * Input goes through our own buffer over read(2) rather than stdio so
 * that we know exactly when the next read would wait (to flush the
 * output first, see seq_reader_flush_on_wait) and can bound line length
 * before allocating. */
#include "stream/seq.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/filekind.h"
#include "core/outfile.h"
#include "stream/numfmt.h"
#include "stream/numparse.h"

#define INBUF_SIZE ((size_t)1 << 16)

/* Events from the encoding-specific readers; SEQ_BREAK there means "a
 * boundary was seen", which seq_read() reports only after records. */
struct seq_reader {
	int fd;
	int own_fd;
	char *name;
	FILE *flush_fp;

	unsigned char *in;	/* input buffer */
	size_t in_pos, in_len;
	int in_eof;

	seq_layout layout;	/* of the chosen columns */
	size_t ncols;		/* dim, or 2 dim with variances */
	const seqcols *cols;	/* the column choice while opening, or NULL */
	size_t in_dim;		/* columns of the input, before the choice */
	int in_has_var;
	size_t in_ncols;	/* fields (values) of an input record */
	size_t *colmap;		/* ncols input indices, or NULL: all */
	size_t seq_index;	/* sequence the last event belongs to */
	size_t seq_records;	/* records returned in the current sequence */
	size_t record_no;	/* records read in the whole stream */
	int break_due;		/* a boundary is waiting to be reported */

	double *vals;		/* ncols values: the record being decoded */
	int have_first;		/* vals holds the first record, read ahead */

	/* CSV */
	char *line;
	size_t line_cap;
	size_t line_no;
	char **fields;
	size_t fields_cap;
	char **hdr;		/* the header's fields, or NULL */
	size_t hdr_n;

	/* binary */
	int scalar_now;		/* scalar size of the current sequence */
	unsigned char *rec;	/* one encoded record */
	size_t rec_cap;
};

/* ---- input buffer ---- */

/* Make at least `want` bytes available (fewer only at end of input).
 * Returns the number available, or -1 on a read error. */
static long
in_fill(seq_reader *r, size_t want, kv_err *err)
{
	ssize_t n;

	if (r->in_len - r->in_pos >= want || r->in_eof)
		return (long)(r->in_len - r->in_pos);
	memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
	r->in_len -= r->in_pos;
	r->in_pos = 0;
	while (r->in_len < want && !r->in_eof) {
		if (r->flush_fp != NULL)
			fflush(r->flush_fp);
		n = read(r->fd, r->in + r->in_len, INBUF_SIZE - r->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kv_errf(err, "%s: %s", r->name, strerror(errno));
		if (n == 0)
			r->in_eof = 1;
		r->in_len += (size_t)n;
	}
	return (long)(r->in_len - r->in_pos);
}

/* Make 8 bytes available to compare with SEQ_MAGIC, but stop early when
 * the bytes so far already differ from it: waiting for 8 bytes would
 * stall a stream whose next record is shorter and not yet written. */
static long
in_fill_magic(seq_reader *r, kv_err *err)
{
	for (;;) {
		size_t avail = r->in_len - r->in_pos;
		if (avail >= 8 || r->in_eof ||
		    memcmp(r->in + r->in_pos, SEQ_MAGIC, avail) != 0)
			return (long)avail;
		if (in_fill(r, avail + 1, err) < 0)
			return -1;
	}
}

static int
at_magic(const seq_reader *r)
{
	return r->in_len - r->in_pos >= 8 &&
	    memcmp(r->in + r->in_pos, SEQ_MAGIC, 8) == 0;
}

/* Read one line (without its '\n', and without a '\r' before it) into
 * r->line. Returns 1, 0 at end of input, or -1. */
static int
read_line(seq_reader *r, kv_err *err)
{
	size_t len = 0;

	for (;;) {
		long avail = in_fill(r, 1, err);
		unsigned char *start, *nl;
		size_t take;

		if (avail < 0)
			return -1;
		if (avail == 0) {
			if (len == 0)
				return 0;
			break;
		}
		start = r->in + r->in_pos;
		nl = memchr(start, '\n', (size_t)avail);
		take = nl ? (size_t)(nl - start) : (size_t)avail;
		if (len + take + 1 > SEQ_MAX_LINE)
			return kv_errf(err, "%s:%zu: line longer than %zu bytes",
			    r->name, r->line_no + 1, SEQ_MAX_LINE);
		if (len + take + 1 > r->line_cap) {
			size_t cap = r->line_cap ? r->line_cap : 256;
			char *grown;
			while (cap < len + take + 1)
				cap *= 2;
			grown = realloc(r->line, cap);
			if (grown == NULL)
				return kv_errf(err, "%s:%zu: out of memory",
				    r->name, r->line_no + 1);
			r->line = grown;
			r->line_cap = cap;
		}
		memcpy(r->line + len, start, take);
		len += take;
		r->in_pos += take + (nl != NULL);
		if (nl != NULL)
			break;
	}
	if (len > 0 && r->line[len - 1] == '\r')
		len--;
	r->line[len] = '\0';
	r->line_no++;
	return 1;
}

/* Fix the input's columns (in_dim of them, named by `names` or not, with
 * variances or not), apply the column choice and allocate the record
 * scratch. */
static int
choose_columns(seq_reader *r, char *const *names, size_t in_dim,
	int has_var, kv_err *err)
{
	size_t dim = in_dim, *idx = NULL;
	char where[1024];

	r->in_dim = in_dim;
	r->in_has_var = has_var;
	r->in_ncols = has_var ? 2 * in_dim : in_dim;
	if (r->layout.format == SEQ_CSV)
		snprintf(where, sizeof where, "%s:%zu", r->name, r->line_no);
	else
		snprintf(where, sizeof where, "%s", r->name);
	if (r->cols != NULL) {
		if (seqcols_resolve(r->cols, names, in_dim, where, &idx, &dim,
		    err) != 0)
			return -1;
		if (dim > SEQ_MAX_DIM) {
			free(idx);
			return kv_errf(err, "%s: %zu columns chosen, at most %u "
			    "allowed", where, dim, SEQ_MAX_DIM);
		}
	}
	r->layout.dim = dim;
	r->layout.has_var = has_var;
	r->ncols = has_var ? 2 * dim : dim;
	r->vals = malloc(r->ncols * sizeof *r->vals);
	if (idx != NULL)
		r->colmap = malloc(r->ncols * sizeof *r->colmap);
	if (names != NULL)
		r->layout.names = calloc(dim, sizeof *r->layout.names);
	if (r->vals == NULL || (idx != NULL && r->colmap == NULL) ||
	    (names != NULL && r->layout.names == NULL))
		goto oom;
	for (size_t i = 0; idx != NULL && i < dim; i++) {
		r->colmap[i] = idx[i];
		if (has_var)
			r->colmap[dim + i] = in_dim + idx[i];
	}
	for (size_t i = 0; names != NULL && i < dim; i++)
		if ((r->layout.names[i] = strdup(names[idx ? idx[i] : i])) ==
		    NULL)
			goto oom;
	free(idx);
	return 0;
oom:
	free(idx);
	return kv_errf(err, "%s: out of memory (%zu columns)", where, dim);
}

/* The input index of chosen value i. */
static size_t
input_index(const seq_reader *r, size_t i)
{
	return r->colmap != NULL ? r->colmap[i] : i;
}

/* ---- CSV ---- */

/* Parse a trimmed field: 1 a number (or missing) in *v, 0 not a number. */
static int
parse_number(const char *s, double *v)
{
	char *end;

	if (*s == '\0') {
		*v = NAN;
		return 1;
	}
	/* as strtod: "nan", "-NaN", "nan(...)" are NaN too */
	*v = numparse_double(s, &end);
	if (end == s || *end != '\0')
		return 0;
	if (isnan(*v))
		*v = NAN;	/* one NaN: payloads carry no meaning here */
	return 1;
}

/* Unquote the field that begins at the opening quote *p, in place, as
 * RFC 4180 has it ("" inside is one quote); spaces and tabs may follow
 * the closing quote. Sets *p past the field (at its comma or the end)
 * and returns the field, or NULL with a message. */
static char *
unquote(seq_reader *r, char **p, size_t field, kv_err *err)
{
	char *in = *p + 1, *start = in, *out = in;

	for (;;) {
		if (*in == '\0') {
			kv_errf(err, "%s:%zu: field %zu: a quoted field has no "
			    "closing quote (a quoted field cannot span lines)",
			    r->name, r->line_no, field);
			return NULL;
		}
		if (*in == '"' && in[1] != '"')
			break;
		if (*in == '"')
			in++;
		*out++ = *in++;
	}
	in++;
	while (*in == ' ' || *in == '\t')
		in++;
	if (*in != ',' && *in != '\0') {
		kv_errf(err, "%s:%zu: field %zu: text after the closing quote of "
		    "a quoted field", r->name, r->line_no, field);
		return NULL;
	}
	*out = '\0';	/* out < in: the closing quote is behind us */
	*p = in;
	return start;
}

/* End the field that starts at `field` before the blanks ahead of `end`. */
static void
trim_end(char *field, char *end)
{
	while (end > field && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
}

/* Split r->line at commas into r->fields (trimmed; quoted fields
 * unquoted). Returns the count, or 0 with a message. */
static size_t
split_fields(seq_reader *r, kv_err *err)
{
	size_t n = 0;
	char *p = r->line;

	for (;;) {
		char *field, end;
		int quoted;
		if (n == r->fields_cap) {
			size_t cap = r->fields_cap ? 2 * r->fields_cap : 16;
			char **grown = realloc(r->fields, cap * sizeof *grown);
			if (grown == NULL) {
				kv_errf(err, "%s:%zu: out of memory", r->name,
				    r->line_no);
				return 0;
			}
			r->fields = grown;
			r->fields_cap = cap;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		quoted = *p == '"';
		if (quoted) {
			if ((field = unquote(r, &p, n + 1, err)) == NULL)
				return 0;
		} else {
			field = p;
			p += strcspn(p, ",\"");
			if (*p == '"') {
				char q[KV_QUOTE_SIZE(40)];
				p[strcspn(p, ",")] = '\0';
				kv_errf(err, "%s:%zu: field %zu: '%s' has a quote "
				    "inside (quote the whole field: \"a \"\"b\"\"\")",
				    r->name, r->line_no, n + 1,
				    kv_quote(q, sizeof q, field, 40));
				return 0;
			}
		}
		end = *p;
		if (!quoted)	/* trailing blanks; the leading ones are past */
			trim_end(field, p);
		*p = '\0';
		r->fields[n++] = field;
		if (end == '\0')
			return n;
		p++;
	}
}

static int
is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

static int
is_comment(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '#';
}

/* A header line: no field reads as a number, and not every field is
 * empty (an empty name is allowed: pandas writes one for its index). */
static int
is_header(char **fields, size_t n)
{
	double v;
	int named = 0;

	for (size_t i = 0; i < n; i++) {
		if (fields[i][0] == '\0')
			continue;
		if (parse_number(fields[i], &v))
			return 0;
		named = 1;
	}
	return named;
}

/* Take the header's names; variances when the second half of the names
 * is "var_" followed by the first half's. */
static int
take_header(seq_reader *r, char **fields, size_t n, kv_err *err)
{
	size_t half = n / 2, dim = n;
	int has_var = n % 2 == 0;

	for (size_t i = 0; has_var && i < half; i++)
		has_var = strncmp(fields[half + i], "var_", 4) == 0 &&
		    strcmp(fields[half + i] + 4, fields[i]) == 0;
	if (has_var)
		dim = half;
	r->hdr = calloc(n, sizeof *r->hdr);
	if (r->hdr == NULL)
		return kv_errf(err, "%s:%zu: out of memory", r->name,
		    r->line_no);
	r->hdr_n = n;
	for (size_t i = 0; i < n; i++)
		if ((r->hdr[i] = strdup(fields[i])) == NULL)
			return kv_errf(err, "%s:%zu: out of memory", r->name,
			    r->line_no);
	return choose_columns(r, fields, dim, has_var, err);
}

static int
same_header(const seq_reader *r, char **fields, size_t n)
{
	if (r->hdr == NULL || n != r->hdr_n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i], r->hdr[i]) != 0)
			return 0;
	return 1;
}

/* For a field that is not a number on the first record after a header:
 * a hint naming the columns of that record that are numbers, as
 * positions to choose (kvae-cat --columns), in buf ("" when none). */
static const char *
columns_hint(const seq_reader *r, char **fields, size_t n, char *buf,
	size_t size)
{
	size_t len, base, i = 0, j;
	double v;

	buf[0] = '\0';
	if (r->hdr == NULL || r->record_no > 0 || r->in_has_var)
		return buf;
	len = base = (size_t)snprintf(buf, size, " (to leave out columns "
	    "that are not numbers: kvae-cat --columns ");
	while (i < n) {
		char item[48];
		if (!parse_number(fields[i], &v)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && parse_number(fields[j + 1], &v); j++)
			;
		if (j == i)
			snprintf(item, sizeof item, "%zu", i + 1);
		else if (j + 1 == n)
			snprintf(item, sizeof item, "%zu-", i + 1);
		else
			snprintf(item, sizeof item, "%zu-%zu", i + 1, j + 1);
		if (len + strlen(item) + 3 >= size) {
			buf[0] = '\0';	/* too long to help */
			return buf;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len > base ? "," : "", item);
		i = j + 1;
	}
	if (len == base)
		buf[0] = '\0';
	else
		snprintf(buf + len, size - len, ")");
	return buf;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The common line, once the columns are known and all are kept: numbers
 * unquoted, finite or NaN, as many as the input has. Parsed straight from
 * the line into r->vals. Returns 1 when the whole line was such; 0 sends
 * it down the general path, which reads everything else and reports
 * what is wrong. */
static int
csv_plain_record(seq_reader *r)
{
	const char *p = r->line;

	if (r->ncols == 0 || r->colmap != NULL)
		return 0;
	for (size_t i = 0; i < r->in_ncols; i++) {
		char *end;
		double v;
		p = skip_blanks(p);
		v = numparse_double(p, &end);
		if (end == p || isinf(v))
			return 0;
		p = skip_blanks(end);
		if (*p != (i + 1 < r->in_ncols ? ',' : '\0'))
			return 0;
		p++;
		r->vals[i] = isnan(v) ? NAN : v;
	}
	return 1;
}

/* Next CSV event into vals (ncols values). */
static int
csv_next(seq_reader *r, kv_err *err)
{
	for (;;) {
		int rc = read_line(r, err);
		size_t n;

		if (rc <= 0)
			return rc < 0 ? -1 : SEQ_EOF;
		if (is_blank(r->line))
			return SEQ_BREAK;
		if (is_comment(r->line))
			continue;
		if (csv_plain_record(r))
			return SEQ_RECORD;
		if ((n = split_fields(r, err)) == 0)
			return -1;
		if (n > 2 * (size_t)SEQ_MAX_DIM)
			return kv_errf(err, "%s:%zu: %zu fields, at most %u "
			    "allowed", r->name, r->line_no, n,
			    2 * SEQ_MAX_DIM);
		if (r->ncols == 0 && is_header(r->fields, n)) {
			if (take_header(r, r->fields, n, err) != 0)
				return -1;
			continue;
		}
		if (r->ncols == 0) {
			if (choose_columns(r, NULL, n, 0, err) != 0)
				return -1;
		} else if (same_header(r, r->fields, n) && is_header(r->fields,
		    n)) {
			/* A repeated header (cat a.csv b.csv) starts a new
			 * sequence, as a new binary header does. */
			return SEQ_BREAK;
		}
		if (n != r->in_ncols)
			return kv_errf(err, "%s:%zu: %zu fields, expected %zu",
			    r->name, r->line_no, n, r->in_ncols);
		for (size_t i = 0; i < r->ncols; i++) {
			char q[KV_QUOTE_SIZE(40)], hint[200];
			size_t f = input_index(r, i);
			if (!parse_number(r->fields[f], &r->vals[i]))
				return kv_errf(err, "%s:%zu: field %zu: '%s' is "
				    "not a number%s", r->name, r->line_no, f + 1,
				    kv_quote(q, sizeof q, r->fields[f], 40),
				    columns_hint(r, r->fields, n, hint,
				    sizeof hint));
			if (isinf(r->vals[i]))
				return kv_errf(err, "%s:%zu: field %zu: '%s' is "
				    "not finite (a missing value is nan or an "
				    "empty field)", r->name, r->line_no, f + 1,
				    kv_quote(q, sizeof q, r->fields[f], 40));
		}
		return SEQ_RECORD;
	}
}

/* ---- binary ---- */

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_le64(const unsigned char *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put_le64(unsigned char *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Parse and check the header at the input position (16 bytes available)
 * and consume it. The first header sets the layout; later ones must
 * agree with it in dim and variances. */
/* Read the names that follow a header with SEQ_FLAG_NAMES (the header
 * consumed): a uint32 byte count, then dim names each ended by a NUL.
 * *block gets the bytes and *names dim pointers into it (both malloc'd,
 * also on failure: free them). */
static int
bin_names(seq_reader *r, size_t seqno, uint32_t dim, char **block,
	char ***names, kv_err *err)
{
	long avail = in_fill(r, 4, err);
	uint32_t len;
	size_t got = 0, k = 0;

	if (avail < 0)
		return -1;
	if (avail < 4)
		return kv_errf(err, "%s: sequence %zu: truncated column names",
		    r->name, seqno + 1);
	len = get_le32(r->in + r->in_pos);
	r->in_pos += 4;
	if (len < dim || len > SEQ_MAX_NAMES)
		return kv_errf(err, "%s: sequence %zu: column names of %lu "
		    "bytes, expected %lu to %zu", r->name, seqno + 1,
		    (unsigned long)len, (unsigned long)dim, SEQ_MAX_NAMES);
	*block = malloc(len);
	*names = calloc(dim, sizeof **names);
	if (*block == NULL || *names == NULL)
		return kv_errf(err, "%s: out of memory", r->name);
	while (got < len) {
		size_t take;
		if ((avail = in_fill(r, 1, err)) < 0)
			return -1;
		if (avail == 0)
			return kv_errf(err, "%s: sequence %zu: truncated column "
			    "names (%zu of %lu bytes)", r->name, seqno + 1, got,
			    (unsigned long)len);
		take = (size_t)avail < len - got ? (size_t)avail : len - got;
		memcpy(*block + got, r->in + r->in_pos, take);
		r->in_pos += take;
		got += take;
	}
	if ((*block)[len - 1] != '\0')
		return kv_errf(err, "%s: sequence %zu: column names do not end "
		    "in a NUL byte", r->name, seqno + 1);
	for (char *p = *block; p < *block + len; p += strlen(p) + 1) {
		if (k == dim)
			return kv_errf(err, "%s: sequence %zu: more than %lu "
			    "column names", r->name, seqno + 1,
			    (unsigned long)dim);
		(*names)[k++] = p;
	}
	if (k != dim)
		return kv_errf(err, "%s: sequence %zu: %zu column names for dim "
		    "%lu", r->name, seqno + 1, k, (unsigned long)dim);
	return 0;
}

/* Keep a copy of the first header's names, to compare later ones. */
static int
keep_names(seq_reader *r, char **names, size_t dim, kv_err *err)
{
	if ((r->hdr = calloc(dim, sizeof *r->hdr)) == NULL)
		return kv_errf(err, "%s: out of memory", r->name);
	r->hdr_n = dim;
	for (size_t i = 0; i < dim; i++)
		if ((r->hdr[i] = strdup(names[i])) == NULL)
			return kv_errf(err, "%s: out of memory", r->name);
	return 0;
}

/* Later sections' names, where both have them, must be the first's. */
static int
same_names(const seq_reader *r, size_t seqno, char **names, kv_err *err)
{
	for (size_t i = 0; r->hdr != NULL && names != NULL && i < r->hdr_n;
	    i++)
		if (names[i] != NULL && strcmp(names[i], r->hdr[i]) != 0) {
			char a[KV_QUOTE_SIZE(40)], b[KV_QUOTE_SIZE(40)];
			return kv_errf(err, "%s: sequence %zu: column %zu is "
			    "named '%s', the stream began with '%s'", r->name,
			    seqno + 1, i + 1, kv_quote(a, sizeof a, names[i],
			    40), kv_quote(b, sizeof b, r->hdr[i], 40));
		}
	return 0;
}

/* Parse and consume the header at r->in_pos (16 bytes available) and,
 * when it has them, the column names after it. */
static int
bin_header(seq_reader *r, kv_err *err)
{
	const unsigned char *h = r->in + r->in_pos;
	unsigned version = h[8], scalar = h[9];
	unsigned flags = (unsigned)h[10] | (unsigned)h[11] << 8;
	uint32_t dim = get_le32(h + 12);
	int has_var = (flags & SEQ_FLAG_VARIANCES) != 0;
	size_t seqno = r->seq_index + (r->record_no > 0);
	char *block = NULL, **names = NULL;
	int rc = -1;

	if (version != SEQ_VERSION)
		return kv_errf(err, "%s: sequence %zu: binary version %u, this "
		    "program reads version %d", r->name, seqno + 1, version,
		    SEQ_VERSION);
	if (scalar != SEQ_F32 && scalar != SEQ_F64)
		return kv_errf(err, "%s: sequence %zu: scalar size %u, expected "
		    "4 or 8", r->name, seqno + 1, scalar);
	if (flags & ~(SEQ_FLAG_VARIANCES | SEQ_FLAG_NAMES))
		return kv_errf(err, "%s: sequence %zu: unknown flags 0x%04x",
		    r->name, seqno + 1, flags);
	if (dim == 0 || dim > SEQ_MAX_DIM)
		return kv_errf(err, "%s: sequence %zu: dim %lu, expected 1 to "
		    "%u", r->name, seqno + 1, (unsigned long)dim, SEQ_MAX_DIM);
	r->in_pos += SEQ_HEADER_SIZE;
	if ((flags & SEQ_FLAG_NAMES) && bin_names(r, seqno, dim, &block,
	    &names, err) != 0)
		goto done;
	if (r->ncols == 0) {
		r->layout.scalar = (int)scalar;
		if (choose_columns(r, names, dim, has_var, err) != 0 ||
		    (names != NULL && keep_names(r, names, dim, err) != 0))
			goto done;
	} else if (dim != r->in_dim || has_var != r->in_has_var) {
		kv_errf(err, "%s: sequence %zu: dim %lu%s, the stream "
		    "began with dim %zu%s", r->name, seqno + 1,
		    (unsigned long)dim, has_var ? " with variances" : "",
		    r->in_dim, r->in_has_var ? " with variances" : "");
		goto done;
	} else if (same_names(r, seqno, names, err) != 0) {
		goto done;
	}
	r->scalar_now = (int)scalar;
	rc = 0;
done:
	free(block);
	free(names);
	return rc;
}

static double
decode_scalar(const unsigned char *p, int scalar)
{
	double v;

	if (scalar == SEQ_F32) {
		uint32_t bits = get_le32(p);
		float f;
		memcpy(&f, &bits, sizeof f);
		v = f;
	} else {
		uint64_t bits = get_le64(p);
		memcpy(&v, &bits, sizeof v);
	}
	return isnan(v) ? NAN : v;
}

/* Next binary event into vals. */
static int
bin_next(seq_reader *r, kv_err *err)
{
	size_t bytes = r->in_ncols * (size_t)r->scalar_now;
	long avail = in_fill_magic(r, err);
	size_t got = 0;

	if (avail < 0)
		return -1;
	if (avail == 0)
		return SEQ_EOF;
	if (at_magic(r)) {
		if ((avail = in_fill(r, SEQ_HEADER_SIZE, err)) < 0)
			return -1;
		if (avail < SEQ_HEADER_SIZE)
			return kv_errf(err, "%s: truncated header after record "
			    "%zu", r->name, r->record_no);
		if (bin_header(r, err) != 0)
			return -1;
		return SEQ_BREAK;
	}
	if (bytes > r->rec_cap) {
		unsigned char *grown = realloc(r->rec, bytes);
		if (grown == NULL)
			return kv_errf(err, "%s: out of memory", r->name);
		r->rec = grown;
		r->rec_cap = bytes;
	}
	while (got < bytes) {
		size_t take;
		avail = in_fill(r, 1, err);
		if (avail < 0)
			return -1;
		if (avail == 0)
			return kv_errf(err, "%s: record %zu: truncated (%zu of "
			    "%zu bytes)", r->name, r->record_no + 1, got, bytes);
		take = (size_t)avail < bytes - got ? (size_t)avail : bytes - got;
		memcpy(r->rec + got, r->in + r->in_pos, take);
		r->in_pos += take;
		got += take;
	}
	for (size_t i = 0; i < r->ncols; i++) {
		size_t f = input_index(r, i);
		r->vals[i] = decode_scalar(r->rec + f * (size_t)r->scalar_now,
		    r->scalar_now);
		if (isinf(r->vals[i]))
			return kv_errf(err, "%s: record %zu: value %zu is "
			    "infinite (a missing value is NaN)", r->name,
			    r->record_no + 1, f + 1);
	}
	return SEQ_RECORD;
}

/* ---- reader ---- */

static int
next_raw(seq_reader *r, kv_err *err)
{
	int rc = r->layout.format == SEQ_CSV ? csv_next(r, err) :
	    bin_next(r, err);

	if (rc == SEQ_RECORD)
		r->record_no++;
	return rc;
}

static void
split_record(const seq_reader *r, double *x, double *var)
{
	const double *vals = r->vals;
	size_t dim = r->layout.dim;

	memcpy(x, vals, dim * sizeof *x);
	if (var == NULL)
		return;
	if (r->layout.has_var)
		memcpy(var, vals + dim, dim * sizeof *var);
	else
		for (size_t i = 0; i < dim; i++)
			var[i] = NAN;
}

int
seq_read(seq_reader *r, double *x, double *var, kv_err *err)
{
	int rc;

	if (r->have_first) {
		r->have_first = 0;
		r->seq_records = 1;
		split_record(r, x, var);
		return SEQ_RECORD;
	}
	for (;;) {
		if (r->break_due) {
			r->break_due = 0;
			r->seq_records = 0;
			r->seq_index++;
			return SEQ_BREAK;
		}
		rc = next_raw(r, err);
		if (rc == SEQ_RECORD) {
			r->seq_records++;
			split_record(r, x, var);
			return SEQ_RECORD;
		}
		if (rc < 0)
			return -1;
		if (r->seq_records > 0)
			r->break_due = 1;
		else if (rc == SEQ_EOF)
			return SEQ_EOF;
	}
}

/* Read up to the first record; an empty stream is an error. */
static int
read_first(seq_reader *r, kv_err *err)
{
	int rc;

	do
		rc = next_raw(r, err);
	while (rc == SEQ_BREAK);
	if (rc < 0)
		return -1;
	if (rc == SEQ_EOF)
		return kv_errf(err, "%s: %s", r->name, r->ncols > 0 ?
		    "no records after the header" : "empty stream: no records");
	r->have_first = 1;
	return 0;
}

/* Detect the encoding and read up to the first record of a reader whose
 * fd, name and input buffer are set. Closes r on failure. */
static seq_reader *
open_common(seq_reader *r, kv_err *err)
{
	long avail = in_fill_magic(r, err);

	if (avail < 0)
		goto fail;
	if (at_magic(r)) {
		r->layout.format = SEQ_BIN;
		if (in_fill(r, SEQ_HEADER_SIZE, err) < SEQ_HEADER_SIZE) {
			kv_errf(err, "%s: truncated header", r->name);
			goto fail;
		}
		if (bin_header(r, err) != 0)
			goto fail;
	} else {
		const char *kind = filekind_describe(r->in + r->in_pos,
		    r->in_len - r->in_pos);
		if (kind != NULL) {
			kv_errf(err, "%s: %s, not a kvae-seq(5) stream",
			    r->name, kind);
			goto fail;
		}
		r->layout.format = SEQ_CSV;
		r->layout.scalar = SEQ_F64;
	}
	if (read_first(r, err) != 0)
		goto fail;
	return r;
fail:
	seq_reader_close(r);
	return NULL;
}

/* A reader with its name and input buffer, reading stdin. */
static seq_reader *
reader_new(const char *name, kv_err *err)
{
	seq_reader *r = calloc(1, sizeof *r);

	if (r == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	r->fd = STDIN_FILENO;
	r->name = strdup(name);
	r->in = malloc(INBUF_SIZE);
	if (r->name == NULL || r->in == NULL) {
		kv_errf(err, "%s: out of memory", name);
		seq_reader_close(r);
		return NULL;
	}
	return r;
}

seq_reader *
seq_reader_open(const char *path, kv_err *err)
{
	return seq_reader_open_columns(path, NULL, err);
}

seq_reader *
seq_reader_open_columns(const char *path, const seqcols *cols, kv_err *err)
{
	seq_reader *r = reader_new(infile_name(path), err);

	if (r == NULL)
		return NULL;
	if (!path_is_std(path)) {
		r->fd = open(path, O_RDONLY);
		if (r->fd < 0) {
			kv_errf(err, "%s: %s", path, strerror(errno));
			seq_reader_close(r);
			return NULL;
		}
		r->own_fd = 1;
	}
	r->cols = cols;
	r = open_common(r, err);
	if (r != NULL)
		r->cols = NULL;
	return r;
}

seq_reader *
seq_reader_open_fd(int fd, const char *name, const void *head, size_t n,
	kv_err *err)
{
	seq_reader *r;

	if (n > INBUF_SIZE) {
		kv_errf(err, "%s: %zu bytes read ahead exceed the reader's "
		    "buffer", name, n);
		return NULL;
	}
	if ((r = reader_new(name, err)) == NULL)
		return NULL;
	r->fd = fd;
	if (n > 0)
		memcpy(r->in, head, n);
	r->in_len = n;
	return open_common(r, err);
}

const seq_layout *
seq_reader_layout(const seq_reader *r)
{
	return &r->layout;
}

void
seq_reader_flush_on_wait(seq_reader *r, FILE *fp)
{
	r->flush_fp = fp;
}

const char *
seq_reader_place(const seq_reader *r, char *buf, size_t size)
{
	if (r->layout.format == SEQ_CSV)
		snprintf(buf, size, "%s:%zu", r->name, r->line_no);
	else
		snprintf(buf, size, "%s: record %zu", r->name, r->record_no);
	return buf;
}

size_t
seq_reader_sequence_index(const seq_reader *r)
{
	return r->seq_index;
}

void
seq_reader_close(seq_reader *r)
{
	if (r == NULL)
		return;
	if (r->own_fd)
		close(r->fd);
	if (r->layout.names != NULL)
		for (size_t i = 0; i < r->layout.dim; i++)
			free(r->layout.names[i]);
	free(r->layout.names);
	free(r->name);
	free(r->in);
	free(r->vals);
	free(r->colmap);
	for (size_t i = 0; r->hdr != NULL && i < r->hdr_n; i++)
		free(r->hdr[i]);
	free(r->hdr);
	free(r->line);
	free(r->fields);
	free(r->rec);
	free(r);
}

/* ---- whole sequences ---- */

int
seq_buf_push(seq_buf *b, const double *x, const double *var, kv_err *err)
{
	if (b->T == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		double *nx = realloc(b->x, cap * b->dim * sizeof *nx);
		if (nx == NULL)
			return kv_errf(err, "out of memory (%zu records)", cap);
		b->x = nx;
		if (var != NULL || b->var != NULL) {
			double *nv = realloc(b->var, cap * b->dim * sizeof *nv);
			if (nv == NULL)
				return kv_errf(err, "out of memory (%zu records)",
				    cap);
			b->var = nv;
		}
		b->cap = cap;
	}
	memcpy(b->x + b->T * b->dim, x, b->dim * sizeof *x);
	if (b->var != NULL) {
		double *dst = b->var + b->T * b->dim;
		if (var != NULL)
			memcpy(dst, var, b->dim * sizeof *var);
		else
			for (size_t i = 0; i < b->dim; i++)
				dst[i] = NAN;
	}
	b->T++;
	return 0;
}

int
seq_read_sequence(seq_reader *r, seq_buf *b, kv_err *err)
{
	size_t dim = r->layout.dim;
	double *x = malloc(2 * dim * sizeof *x), *var = x + dim;
	int rc;

	if (x == NULL)
		return kv_errf(err, "%s: out of memory", r->name);
	if (b->dim != dim) {
		seq_buf_free(b);
		b->dim = dim;
	}
	b->T = 0;
	while ((rc = seq_read(r, x, var, err)) == SEQ_RECORD)
		if (seq_buf_push(b, x, r->layout.has_var ? var : NULL, err)) {
			rc = -1;
			break;
		}
	free(x);
	if (rc < 0)
		return -1;
	return b->T > 0;
}

void
seq_buf_free(seq_buf *b)
{
	free(b->x);
	free(b->var);
	b->x = b->var = NULL;
	b->T = b->cap = 0;
}

/* ---- writer ---- */

#define CSV_TEXT_SIZE ((size_t)1 << 16)

struct seq_writer {
	FILE *fp;
	char *name;
	seq_layout layout;
	int header_written;	/* CSV */
	int seq_open;		/* a record was written since the last break */
	int break_due;		/* a break to write before the next record */
	unsigned char *rec;	/* binary scratch */
	char *text;		/* CSV scratch, CSV_TEXT_SIZE bytes */
	size_t records;		/* written so far, for messages */
};

seq_layout
seq_layout_output(const seq_layout *in, int format, int scalar)
{
	seq_layout out = *in;

	if (format != 0)
		out.format = format;
	if (scalar != 0)
		out.scalar = scalar;
	if (out.scalar == 0)
		out.scalar = SEQ_F64;
	return out;
}

int
seq_format_parse(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return SEQ_CSV;
	if (strcmp(s, "bin") == 0 || strcmp(s, "binary") == 0)
		return SEQ_BIN;
	return 0;
}

static int
copy_names(seq_writer *w, const seq_layout *layout, kv_err *err)
{
	w->layout.names = calloc(layout->dim, sizeof *w->layout.names);
	if (w->layout.names == NULL)
		return kv_errf(err, "%s: out of memory", w->name);
	for (size_t i = 0; i < layout->dim; i++)
		if ((w->layout.names[i] = strdup(layout->names[i])) == NULL)
			return kv_errf(err, "%s: out of memory", w->name);
	return 0;
}

seq_writer *
seq_writer_open(FILE *fp, const char *name, const seq_layout *layout,
	kv_err *err)
{
	seq_writer *w = calloc(1, sizeof *w);
	size_t ncols = layout->dim * (layout->has_var ? 2 : 1);

	if (w == NULL || (w->name = strdup(name)) == NULL ||
	    (w->rec = malloc(ncols * 8)) == NULL ||
	    (layout->format == SEQ_CSV &&
	    (w->text = malloc(CSV_TEXT_SIZE)) == NULL)) {
		kv_errf(err, "%s: out of memory", name);
		if (w != NULL) {
			free(w->name);
			free(w->rec);
			free(w);
		}
		return NULL;
	}
	w->fp = fp;
	w->layout = *layout;
	w->layout.names = NULL;
	if (w->layout.scalar == 0)
		w->layout.scalar = SEQ_F64;
	if (layout->names != NULL && copy_names(w, layout, err) != 0) {
		seq_writer_close(w, NULL);
		return NULL;
	}
	return w;
}

/* The shortest text of v that reads back to it at the stream's scalar
 * type, into p (NUMFMT_MAX bytes); returns its length. */
static int
format_value(char *p, double v, int scalar)
{
	return scalar == SEQ_F32 ? numfmt_float(p, (float)v) :
	    numfmt_double(p, v);
}

int
seq_format_number(char *buf, size_t size, double v, int scalar)
{
	char text[NUMFMT_MAX];
	int len = format_value(text, v, scalar);

	if (size > 0)
		snprintf(buf, size, "%s", text);
	return len;
}

/* Whether a CSV header can carry `name`: it must not be empty, read as
 * a number or hold a line break. */
static int
csv_name_ok(const char *name)
{
	double v;

	return name[0] != '\0' && !parse_number(name, &v) &&
	    strpbrk(name, "\r\n") == NULL;
}

/* One header field: prefix and name, quoted when a reader would
 * otherwise split, trim or skip it. */
static void
csv_name(FILE *fp, const char *prefix, const char *name, int first)
{
	size_t len = strlen(name);
	int quote = strpbrk(name, ",\"") != NULL || (prefix[0] == '\0' &&
	    (name[0] == ' ' || name[0] == '\t' || (first && name[0] == '#')))
	    || name[len - 1] == ' ' || name[len - 1] == '\t';

	if (!quote) {
		fprintf(fp, "%s%s", prefix, name);
		return;
	}
	fputc('"', fp);
	fputs(prefix, fp);
	for (const char *c = name; *c != '\0'; c++) {
		if (*c == '"')
			fputc('"', fp);
		fputc(*c, fp);
	}
	fputc('"', fp);
}

/* The header: the layout's names, or x1, x2, ... where there are none
 * (or a name the header cannot carry: empty, a number, a line break). */
static void
csv_header(seq_writer *w)
{
	const seq_layout *l = &w->layout;

	for (int pass = 0; pass < (l->has_var ? 2 : 1); pass++)
		for (size_t i = 0; i < l->dim; i++) {
			const char *prefix = pass == 1 ? "var_" : "";
			if (pass + i > 0)
				fputc(',', w->fp);
			if (l->names != NULL && csv_name_ok(l->names[i]))
				csv_name(w->fp, prefix, l->names[i], pass + i == 0);
			else
				fprintf(w->fp, "%sx%zu", prefix, i + 1);
		}
	fputc('\n', w->fp);
}

/* A record's line, put together in w->text and written in pieces of
 * at most CSV_TEXT_SIZE: one stdio call per piece, not per field. */
static void
csv_record(seq_writer *w, const double *x, const double *var)
{
	char *p = w->text, *full = w->text + CSV_TEXT_SIZE - NUMFMT_MAX - 2;
	size_t dim = w->layout.dim, ncols = w->layout.has_var ? 2 * dim : dim;

	for (size_t i = 0; i < ncols; i++) {
		double v = i < dim ? x[i] : var ? var[i - dim] : NAN;
		if (p > full) {
			fwrite_unlocked(w->text, 1, (size_t)(p - w->text), w->fp);
			p = w->text;
		}
		if (i > 0)
			*p++ = ',';
		p += format_value(p, v, w->layout.scalar);
	}
	*p++ = '\n';
	fwrite_unlocked(w->text, 1, (size_t)(p - w->text), w->fp);
}

/* The header and, when the layout has them, the column names. */
static void
bin_header_write(seq_writer *w)
{
	unsigned char h[SEQ_HEADER_SIZE], n[4];
	const seq_layout *l = &w->layout;
	unsigned flags = (l->has_var ? SEQ_FLAG_VARIANCES : 0) |
	    (l->names != NULL ? SEQ_FLAG_NAMES : 0);
	size_t len = 0;

	memcpy(h, SEQ_MAGIC, 8);
	h[8] = SEQ_VERSION;
	h[9] = (unsigned char)l->scalar;
	h[10] = (unsigned char)flags;
	h[11] = 0;
	put_le32(h + 12, (uint32_t)l->dim);
	fwrite(h, 1, sizeof h, w->fp);
	if (l->names == NULL)
		return;
	for (size_t i = 0; i < l->dim; i++)
		len += strlen(l->names[i]) + 1;
	put_le32(n, (uint32_t)len);
	fwrite(n, 1, sizeof n, w->fp);
	for (size_t i = 0; i < l->dim; i++)
		fwrite(l->names[i], 1, strlen(l->names[i]) + 1, w->fp);
}

/* Encode one value; NaN always as the quiet NaN with no payload, so a
 * record can never begin with the magic (see kvae-seq(5)). */
static void
encode_scalar(unsigned char *p, double v, int scalar)
{
	if (scalar == SEQ_F32) {
		float f = (float)v;
		uint32_t bits;
		memcpy(&bits, &f, sizeof bits);
		put_le32(p, isnan(v) ? 0x7fc00000u : bits);
	} else {
		uint64_t bits;
		memcpy(&bits, &v, sizeof bits);
		put_le64(p, isnan(v) ? 0x7ff8000000000000u : bits);
	}
}

static void
bin_record(seq_writer *w, const double *x, const double *var)
{
	size_t dim = w->layout.dim, sz = (size_t)w->layout.scalar;

	for (size_t i = 0; i < dim; i++)
		encode_scalar(w->rec + i * sz, x[i], w->layout.scalar);
	for (size_t i = 0; w->layout.has_var && i < dim; i++)
		encode_scalar(w->rec + (dim + i) * sz, var ? var[i] : NAN,
		    w->layout.scalar);
	/* a writer's stream is its own: no lock taken per record */
	fwrite_unlocked(w->rec, sz, dim * (w->layout.has_var ? 2 : 1), w->fp);
}

/* A value no reader would take back: infinite, or finite but beyond
 * float32's range in a float32 stream (it would be stored as inf). */
static int
unwritable(double v, int scalar)
{
	return isinf(v) || (scalar == SEQ_F32 && isinf((float)v));
}

static int
refuse_value(const seq_writer *w, const char *what, size_t i, double v,
	kv_err *err)
{
	return kv_errf(err, "%s: record %zu: %s %zu is %g, which %s", w->name,
	    w->records + 1, what, i + 1, v, isinf(v) ? "a stream cannot "
	    "hold (a missing value is NaN)" : "is beyond float32's range");
}

static int
check_writable(const seq_writer *w, const double *x, const double *var,
	kv_err *err)
{
	int scalar = w->layout.scalar;

	for (size_t i = 0; i < w->layout.dim; i++)
		if (unwritable(x[i], scalar))
			return refuse_value(w, "value", i, x[i], err);
	for (size_t i = 0; w->layout.has_var && var && i < w->layout.dim; i++)
		if (unwritable(var[i], scalar))
			return refuse_value(w, "variance", i, var[i], err);
	return 0;
}

int
seq_write(seq_writer *w, const double *x, const double *var, kv_err *err)
{
	if (check_writable(w, x, var, err) != 0)
		return -1;
	w->records++;
	if (w->layout.format == SEQ_CSV) {
		if (w->break_due)
			fputc('\n', w->fp);
		w->break_due = 0;
		if (!w->header_written && (w->layout.names != NULL ||
		    w->layout.has_var))
			csv_header(w);
		w->header_written = 1;
		csv_record(w, x, var);
	} else {
		if (!w->seq_open)
			bin_header_write(w);
		bin_record(w, x, var);
	}
	w->seq_open = 1;
	if (ferror(w->fp))
		return kv_errf(err, "%s: %s", w->name, strerror(errno));
	return 0;
}

int
seq_write_break(seq_writer *w, kv_err *err)
{
	if (!w->seq_open)
		return 0;
	/* Written lazily, with the next record, so that the stream does not
	 * end in a blank line or a lone header. */
	w->seq_open = 0;
	w->break_due = 1;
	(void)err;
	return 0;
}

int
seq_writer_close(seq_writer *w, kv_err *err)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	if (fflush(w->fp) != 0 || ferror(w->fp))
		rc = kv_errf(err, "%s: %s", w->name, strerror(errno));
	if (w->layout.names != NULL)
		for (size_t i = 0; i < w->layout.dim; i++)
			free(w->layout.names[i]);
	free(w->layout.names);
	free(w->name);
	free(w->rec);
	free(w->text);
	free(w);
	return rc;
}
