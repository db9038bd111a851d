/* test_seq_fd: seq_reader_open_fd reads the bytes a caller already took
 * from the descriptor (given back as `head`) and then the rest: CSV and
 * binary, the head cut anywhere (inside the binary magic, a header, a
 * line, a number), on a pipe; the descriptor stays open. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "feed.h"
#include "stream/seq.h"

#define DIM 2
#define T 40

/* The test stream (two sequences of T records) encoded as `format`. */
static char *
encode(int format, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);
	seq_layout l = { .dim = DIM, .format = format, .scalar = SEQ_F64 };
	kv_err err;
	seq_writer *w = seq_writer_open(fp, "mem", &l, &err);
	double x[DIM];

	for (int s = 0; s < 2; s++) {
		for (int t = 0; t < T; t++) {
			x[0] = s + t / 3.0;
			x[1] = t == 5 ? NAN : -t * 1e-3;
			seq_write(w, x, NULL, &err);
		}
		seq_write_break(w, &err);
	}
	seq_writer_close(w, &err);
	fclose(fp);
	return buf;
}

/* Take `cut` bytes off a pipe carrying buf, open the reader with them,
 * read everything; 0 when all values and boundaries are the test's. */
static int
read_cut(const char *buf, size_t len, size_t cut, char *msg, size_t msglen)
{
	unsigned char head[64];
	kv_err err = { "" };
	feed f;
	size_t got = 0, recs = 0, breaks = 0, bad = 0;
	double x[DIM];
	int rc;

	feed_pipe(&f, buf, len);
	while (got < cut) {
		ssize_t n = read(f.rfd, head + got, cut - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	seq_reader *r = seq_reader_open_fd(f.rfd, "pipe", head, got, &err);
	if (r == NULL) {
		snprintf(msg, msglen, "%s", err.msg);
		feed_end(&f);
		return -1;
	}
	while ((rc = seq_read(r, x, NULL, &err)) > 0) {
		if (rc == SEQ_BREAK) {
			breaks++;
			continue;
		}
		size_t s = recs / T, t = recs % T;
		double w0 = s + t / 3.0, w1 = t == 5 ? NAN : -(double)t * 1e-3;
		bad += !(x[0] == w0 && (isnan(w1) ? isnan(x[1]) : x[1] == w1));
		recs++;
	}
	seq_reader_close(r);
	int open_still = fcntl(f.rfd, F_GETFD) != -1;
	feed_end(&f);
	snprintf(msg, msglen, "%zu records, %zu breaks, %zu wrong, fd %s%s%s",
	    recs, breaks, bad, open_still ? "open" : "closed",
	    rc < 0 ? ": " : "", rc < 0 ? err.msg : "");
	return rc == 0 && recs == 2 * T && breaks == 2 && bad == 0 &&
	    open_still ? 0 : -1;
}

int
main(void)
{
	static const size_t cuts[] = { 0, 1, 5, 8, 12, 16, 17, 30 };
	char msg[1200];

	for (int format = SEQ_CSV; format <= SEQ_BIN; format++) {
		size_t len;
		char *buf = encode(format, &len);
		for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
			int rc = read_cut(buf, len, cuts[i], msg, sizeof msg);
			CHECK(rc == 0, "%s, first %zu bytes given back: %s",
			    format == SEQ_CSV ? "CSV" : "binary", cuts[i], msg);
		}
		free(buf);
	}

	/* an empty input, and a head too large for the reader */
	kv_err err = { "" };
	int p[2];
	if (pipe(p) != 0)
		return 1;
	close(p[1]);
	CHECK(seq_reader_open_fd(p[0], "empty", NULL, 0, &err) == NULL &&
	    strstr(err.msg, "empty: empty stream") != NULL, "empty: %s",
	    err.msg);
	static char big[70000];
	memset(big, '1', sizeof big);
	CHECK(seq_reader_open_fd(p[0], "big", big, sizeof big, &err) == NULL &&
	    strncmp(err.msg, "big: ", 5) == 0, "a head over 64 KiB: %s",
	    err.msg);
	close(p[0]);
	return check_done();
}
