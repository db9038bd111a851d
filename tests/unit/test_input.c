/* test_input: an input opened once gives back the bytes peeked at, then
 * the rest, in order, from a regular file, a pipe and a FIFO; only a
 * regular file named by a path is reopenable; errors name the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "feed.h"
#include "core/input.h"

static char dir[] = "/tmp/test_input.XXXXXX";

#define LEN 200000	/* more than a pipe's buffer */

static unsigned char data[LEN];

/* Peek `peek` bytes, then read the whole input back in chunks of
 * `chunk` bytes (0: input_readall); compare with data. */
static void
peek_then_read(const char *what, const char *path, size_t peek, size_t chunk,
	int reopenable)
{
	kv_err err = { "" };
	kv_input *in = input_open(path, &err);
	unsigned char *got = malloc(LEN + 1);
	size_t n = 0, hlen;
	long rc;

	CHECK(in != NULL, "%s: opens: %s", what, err.msg);
	if (in == NULL) {
		free(got);
		return;
	}
	CHECK(input_reopenable(in) == reopenable, "%s: reopenable %d, want %d",
	    what, input_reopenable(in), reopenable);
	rc = input_peek(in, peek, &err);
	const unsigned char *head = input_head(in, &hlen);
	size_t want = peek < INPUT_PEEK_MAX ? peek : INPUT_PEEK_MAX;
	CHECK(rc >= (long)want && rc <= INPUT_PEEK_MAX && (size_t)rc == hlen &&
	    memcmp(head, data, hlen) == 0, "%s: peek %zu: %ld bytes (at "
	    "least %zu, at most %d), the input's first", what, peek, rc, want,
	    INPUT_PEEK_MAX);
	CHECK(input_peek(in, 1, &err) == rc, "%s: a smaller peek reads "
	    "nothing more", what);
	if (chunk == 0) {
		unsigned char *all = NULL;
		CHECK(input_readall(in, LEN, &all, &n, &err) == 0,
		    "%s: readall: %s", what, err.msg);
		if (n == LEN)
			memcpy(got, all, LEN);
		free(all);
	} else {
		while ((rc = input_read(in, got + n, chunk < LEN + 1 - n ?
		    chunk : LEN + 1 - n, &err)) > 0)
			n += (size_t)rc;
		CHECK(rc == 0, "%s: read to the end: %s", what, err.msg);
	}
	CHECK(n == LEN && memcmp(got, data, LEN) == 0, "%s: peeked bytes "
	    "then the rest: %zu bytes, want %d, same bytes", what, n, LEN);
	CHECK(input_peek(in, 10, &err) < 0 && strstr(err.msg, "bug") != NULL,
	    "%s: no peeking after reading: %s", what, err.msg);
	input_close(in);
	free(got);
}

int
main(void)
{
	char path[256], fifo[256];
	kv_err err = { "" };
	feed f;

	if (mkdtemp(dir) == NULL)
		return 1;
	for (size_t i = 0; i < LEN; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	snprintf(path, sizeof path, "%s/data", dir);
	FILE *fp = fopen(path, "wb");
	fwrite(data, 1, LEN, fp);
	fclose(fp);

	peek_then_read("regular file", path, 16, 1000, 1);
	peek_then_read("regular file, readall", path, 3, 0, 1);
	peek_then_read("regular file, peek beyond INPUT_PEEK_MAX", path,
	    INPUT_PEEK_MAX + 50, 333, 1);

	feed_pipe(&f, data, LEN);
	peek_then_read("pipe", f.path, 16, 4096, 0);
	feed_end(&f);
	feed_pipe(&f, data, LEN);
	peek_then_read("pipe, readall", f.path, 1, 0, 0);
	feed_end(&f);
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	feed_fifo(&f, fifo, data, LEN);
	peek_then_read("FIFO", fifo, 10, 777, 0);
	feed_end(&f);
	feed_fifo(&f, fifo, data, LEN);
	peek_then_read("FIFO, readall", fifo, 12, 0, 0);
	feed_end(&f);

	/* readall takes exactly max bytes, refuses more, naming the input */
	kv_input *in = input_open(path, &err);
	unsigned char *b;
	size_t n;
	CHECK(input_readall(in, 1000, &b, &n, &err) != 0 &&
	    strstr(err.msg, "data: larger than 1000 bytes") != NULL,
	    "readall over max: %s", err.msg);
	input_close(in);

	/* stdin: named so, never reopenable, not closed */
	in = input_open("-", &err);
	CHECK(in != NULL && strcmp(input_name(in), "stdin") == 0 &&
	    input_path(in) == NULL && !input_reopenable(in) &&
	    input_fd(in) == STDIN_FILENO, "\"-\" is stdin");
	input_close(in);
	CHECK(fcntl(STDIN_FILENO, F_GETFD) != -1, "stdin still open after "
	    "input_close");

	/* a missing file */
	snprintf(path, sizeof path, "%s/missing", dir);
	CHECK(input_open(path, &err) == NULL &&
	    strstr(err.msg, "missing: No such file") != NULL,
	    "missing file: %s", err.msg);

	/* a directory: the read fails, naming it */
	in = input_open(dir, &err);
	CHECK(in != NULL && input_peek(in, 1, &err) < 0 &&
	    strstr(err.msg, "Is a directory") != NULL, "directory: %s",
	    err.msg);
	input_close(in);

	snprintf(path, sizeof path, "%s/data", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}
