/* input.c: inputs opened once, peeked at, then read; see input.h. */
#include "core/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/outfile.h"

struct kv_input {
	int fd;
	int own_fd;
	char *path;		/* NULL: stdin */
	char *name;
	int regular;		/* fstat says S_ISREG */
	int eof;		/* read(2) returned 0 */
	int reading;		/* input_read was called: no more peeks */
	uint8_t head[INPUT_PEEK_MAX];
	size_t head_pos, head_len;	/* head[head_pos, head_len) unread */
};

int
input_path_once(const char *path)
{
	struct stat st;

	if (path_is_std(path))
		return 1;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode);
}

kv_input *
input_open(const char *path, kv_err *err)
{
	kv_input *in = calloc(1, sizeof *in);
	struct stat st;

	if (in == NULL) {
		kv_errf(err, "%s: out of memory", infile_name(path));
		return NULL;
	}
	in->fd = STDIN_FILENO;
	in->name = strdup(infile_name(path));
	if (!path_is_std(path))
		in->path = strdup(path);
	if (in->name == NULL || (!path_is_std(path) && in->path == NULL)) {
		kv_errf(err, "%s: out of memory", infile_name(path));
		goto fail;
	}
	if (in->path != NULL) {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			kv_errf(err, "%s: %s", path, strerror(errno));
			goto fail;
		}
		in->own_fd = 1;
	}
	in->regular = fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode);
	return in;
fail:
	input_close(in);
	return NULL;
}

const char *
input_path(const kv_input *in)
{
	return in->path;
}

const char *
input_name(const kv_input *in)
{
	return in->name;
}

int
input_fd(const kv_input *in)
{
	return in->fd;
}

int
input_reopenable(const kv_input *in)
{
	return in->path != NULL && in->regular;
}

/* One read(2) into buf, retried on EINTR; sets in->eof on 0. */
static long
read_fd(kv_input *in, void *buf, size_t n, kv_err *err)
{
	ssize_t got;

	if (in->eof || n == 0)
		return 0;
	do
		got = read(in->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return kv_errf(err, "%s: %s", in->name, strerror(errno));
	if (got == 0)
		in->eof = 1;
	return (long)got;
}

long
input_peek(kv_input *in, size_t want, kv_err *err)
{
	if (in->reading)
		return kv_errf(err, "%s: peeking after reading (a bug)",
		    in->name);
	if (want > INPUT_PEEK_MAX)
		want = INPUT_PEEK_MAX;
	while (in->head_len < want && !in->eof) {
		long got = read_fd(in, in->head + in->head_len,
		    INPUT_PEEK_MAX - in->head_len, err);
		if (got < 0)
			return -1;
		in->head_len += (size_t)got;
	}
	return (long)in->head_len;
}

const uint8_t *
input_head(const kv_input *in, size_t *len)
{
	*len = in->head_len - in->head_pos;
	return in->head + in->head_pos;
}

int
input_at_eof(const kv_input *in)
{
	return in->eof;
}

long
input_read(kv_input *in, void *buf, size_t n, kv_err *err)
{
	size_t have = in->head_len - in->head_pos;

	in->reading = 1;
	if (have > 0) {
		size_t take = have < n ? have : n;
		memcpy(buf, in->head + in->head_pos, take);
		in->head_pos += take;
		return (long)take;
	}
	return read_fd(in, buf, n, err);
}

int
input_readall(kv_input *in, size_t max, uint8_t **buf, size_t *len,
	kv_err *err)
{
	size_t n = 0, cap = max < 65536 ? max : 65536;
	uint8_t *b = malloc(cap + 1);

	if (b == NULL)
		return kv_errf(err, "%s: out of memory", in->name);
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				/* exactly max bytes, or more? (b has room
				 * for one byte past cap) */
				long more = input_read(in, b + n, 1, err);
				if (more == 0)
					break;
				free(b);
				if (more < 0)
					return -1;
				return kv_errf(err, "%s: larger than %zu bytes",
				    in->name, max);
			}
			cap = cap * 2 > max ? max : cap * 2;
			uint8_t *nb = realloc(b, cap + 1);
			if (nb == NULL) {
				free(b);
				return kv_errf(err, "%s: out of memory",
				    in->name);
			}
			b = nb;
		}
		long got = input_read(in, b + n, cap - n, err);
		if (got < 0) {
			free(b);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

void
input_close(kv_input *in)
{
	if (in == NULL)
		return;
	if (in->own_fd)
		close(in->fd);
	free(in->path);
	free(in->name);
	free(in);
}
