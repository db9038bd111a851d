/* feed.h: bytes fed to a test through a pipe or a FIFO by a writer
 * thread, as `prog <(cat file)` or `cat file >fifo & prog fifo` would:
 * inputs that cannot be read twice or seeked. Header-only, for the unit
 * tests of modules that read inputs. */
#ifndef KVAE_FEED_H
#define KVAE_FEED_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct feed {
	pthread_t th;
	const unsigned char *buf;
	size_t len;
	int rfd, wfd;		/* pipe: both ends; FIFO: -1 until opened */
	char fifo[256];		/* FIFO: its path; else empty */
	char path[300];		/* what the reader opens */
} feed;

static void *
feed_write(void *arg)
{
	feed *f = arg;
	size_t done = 0;

	if (f->fifo[0] != '\0')
		f->wfd = open(f->fifo, O_WRONLY);
	while (f->wfd >= 0 && done < f->len) {
		ssize_t n = write(f->wfd, f->buf + done, f->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* the reader went away */
		done += (size_t)n;
	}
	if (f->wfd >= 0)
		close(f->wfd);
	return NULL;
}

/* Feed len bytes of buf (kept by the caller until feed_end) through a
 * new pipe: f->path names its read end ("/dev/fd/N"). 0 or -1. */
static int __attribute__((unused))
feed_pipe(feed *f, const void *buf, size_t len)
{
	int p[2];

	memset(f, 0, sizeof *f);
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) != 0)
		return -1;
	f->rfd = p[0];
	f->wfd = p[1];
	f->buf = buf;
	f->len = len;
	snprintf(f->path, sizeof f->path, "/dev/fd/%d", p[0]);
	return pthread_create(&f->th, NULL, feed_write, f) == 0 ? 0 : -1;
}

/* Feed len bytes of buf through a FIFO made at `path` (the writer opens
 * it, so the reader's open does not block for long). 0 or -1. */
static int __attribute__((unused))
feed_fifo(feed *f, const char *path, const void *buf, size_t len)
{
	memset(f, 0, sizeof *f);
	signal(SIGPIPE, SIG_IGN);
	unlink(path);
	if (mkfifo(path, 0600) != 0)
		return -1;
	f->rfd = -1;
	f->wfd = -1;
	f->buf = buf;
	f->len = len;
	snprintf(f->fifo, sizeof f->fifo, "%s", path);
	snprintf(f->path, sizeof f->path, "%s", path);
	return pthread_create(&f->th, NULL, feed_write, f) == 0 ? 0 : -1;
}

/* After the reader is done (and has closed what it opened): close the
 * test's read end, so a writer still blocked gets EPIPE, and wait for
 * it. A FIFO whose reader never opened it is opened here once so the
 * writer's open returns. */
static void __attribute__((unused))
feed_end(feed *f)
{
	if (f->rfd >= 0)
		close(f->rfd);
	if (f->fifo[0] != '\0') {
		int fd = open(f->fifo, O_RDONLY | O_NONBLOCK);
		if (fd >= 0)
			close(fd);
	}
	pthread_join(f->th, NULL);
	if (f->fifo[0] != '\0')
		unlink(f->fifo);
}

/* A whole file's bytes (malloc'd, caller frees), *len of them; NULL on
 * failure. */
static __attribute__((unused)) unsigned char *
feed_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b = NULL;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)) != NULL &&
	    fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(fp);
	if (b != NULL)
		*len = (size_t)n;
	return b;
}

#endif
