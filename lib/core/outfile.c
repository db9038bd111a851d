/* outfile.c: atomic output files (temporary file, fsync, rename) and the
 * matching input opener. */
#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How an output reaches its path. */
enum out_how {
	OUT_STDOUT,	/* "-": the process's stdout */
	OUT_DIRECT,	/* a device, FIFO, socket or /dev/std*: written as is */
	OUT_RENAME,	/* a regular file: temporary beside it, renamed over */
	OUT_COPY	/* a regular file in a directory we may not write:
			   temporary in $TMPDIR, copied over it at commit */
};

struct outfile {
	FILE *fp;
	char *path;	/* as given, for messages; NULL for stdout */
	char *target;	/* RENAME/COPY: the file the links lead to */
	char *tmp;	/* RENAME/COPY: temporary path while open */
	int slot;	/* index in the cleanup table, or -1 */
	enum out_how how;
	int existed;	/* the target existed: keep its attributes */
	struct stat old;
};

/* Temporary files to remove on a fatal signal or an exit without commit.
 * Fixed size so that the signal handler touches no heap structures. */
#define MAX_OPEN_OUTFILES 16
static char *volatile pending[MAX_OPEN_OUTFILES];
static int handlers_installed;

static void outfile_free(outfile *out);

static void
remove_pending(void)
{
	for (int i = 0; i < MAX_OPEN_OUTFILES; i++)
		if (pending[i] != NULL)
			unlink(pending[i]);
}

static void
on_fatal_signal(int sig)
{
	remove_pending();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	if (handlers_installed)
		return;
	handlers_installed = 1;
	atexit(remove_pending);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction old;
		/* Leave signals the caller chose to ignore ignored. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

int
path_is_std(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0;
}

const char *
infile_name(const char *path)
{
	return path_is_std(path) ? "stdin" : path;
}

FILE *
infile_open(const char *path, kv_err *err)
{
	FILE *fp;

	if (path_is_std(path))
		return stdin;
	fp = fopen(path, "rb");
	if (fp == NULL)
		kv_errf(err, "%s: %s", path, strerror(errno));
	return fp;
}

/* "dir/.base.XXXXXX" beside `path`. */
static char *
temp_name_for(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t len = strlen(path) + 10;
	char *tmp = malloc(len);

	if (tmp != NULL)
		snprintf(tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, path,
		    path + dirlen);
	return tmp;
}

/* "$TMPDIR/.kvae-out.XXXXXX", for a target whose directory we may not
 * write (the contents are copied over the target at commit). */
static char *
temp_name_elsewhere(void)
{
	const char *dir = getenv("TMPDIR");
	size_t len;
	char *tmp;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	len = strlen(dir) + 32;
	if ((tmp = malloc(len)) != NULL)
		snprintf(tmp, len, "%s/.kvae-out.XXXXXX", dir);
	return tmp;
}

static int
claim_slot(char *tmp)
{
	for (int i = 0; i < MAX_OPEN_OUTFILES; i++)
		if (pending[i] == NULL) {
			pending[i] = tmp;
			return i;
		}
	return -1;
}

/* A name for an open descriptor: /dev/stdout, /dev/stderr, /dev/fd/N,
 * /proc/self/fd/N. Its number, or -1. Written through a duplicate of
 * that descriptor, as the shell set it up (its offset, its O_APPEND),
 * never reopened or replaced. */
static int
descriptor_alias(const char *path)
{
	const char *num = NULL;
	char *end;
	long fd;

	if (strcmp(path, "/dev/stdout") == 0)
		return 1;
	if (strcmp(path, "/dev/stderr") == 0)
		return 2;
	if (strncmp(path, "/dev/fd/", 8) == 0)
		num = path + 8;
	else if (strncmp(path, "/proc/self/fd/", 14) == 0)
		num = path + 14;
	if (num == NULL || *num < '0' || *num > '9')
		return -1;
	fd = strtol(num, &end, 10);
	return *end == '\0' && fd <= INT_MAX ? (int)fd : -1;
}

/* Follow `path` through symbolic links to the name of the file they
 * finally name (which need not exist yet: a dangling link is written
 * through to its target). malloc'd; NULL with errno set. */
static char *
follow_links(const char *path)
{
	char *cur = strdup(path);

	for (int hops = 0; cur != NULL && hops < 40; hops++) {
		struct stat st;
		char link[PATH_MAX], *next;
		ssize_t n;

		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		if ((n = readlink(cur, link, sizeof link - 1)) < 0) {
			free(cur);
			return NULL;
		}
		link[n] = '\0';
		const char *slash = strrchr(cur, '/');
		size_t dirlen = link[0] != '/' && slash ?
		    (size_t)(slash - cur) + 1 : 0;
		next = malloc(dirlen + (size_t)n + 1);
		if (next != NULL) {
			memcpy(next, cur, dirlen);
			memcpy(next + dirlen, link, (size_t)n + 1);
		}
		free(cur);
		cur = next;
	}
	if (cur != NULL) {
		free(cur);
		errno = ELOOP;
	}
	return NULL;
}

/* Give the temporary file what the replaced one had (mode, and owner
 * where we may), or what a plain create would (0666 less the umask). */
static void
take_attributes(int fd, const outfile *out)
{
	if (out->existed) {
		if (fchmod(fd, out->old.st_mode & 07777) != 0)
			return;
		if (geteuid() == 0 && fchown(fd, out->old.st_uid,
		    out->old.st_gid) == 0)
			fchmod(fd, out->old.st_mode & 07777);	/* chown
					   cleared set-id bits */
		return;
	}
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
}

/* Open out->fp on a temporary file beside the target, or (when its
 * directory is not writable but the target is) in $TMPDIR, to be
 * copied over the target at commit. */
static int
open_temporary(outfile *out, kv_err *err)
{
	int fd, e;

	out->tmp = temp_name_for(out->target);
	if (out->tmp == NULL)
		return kv_errf(err, "%s: out of memory", out->path);
	out->slot = claim_slot(out->tmp);
	if (out->slot < 0)
		return kv_errf(err, "%s: too many output files open",
		    out->path);
	fd = mkstemp(out->tmp);
	e = errno;
	if (fd < 0 && out->existed && (e == EACCES || e == EPERM ||
	    e == EROFS) && access(out->target, W_OK) == 0) {
		pending[out->slot] = NULL;
		free(out->tmp);
		if ((out->tmp = temp_name_elsewhere()) == NULL)
			return kv_errf(err, "%s: out of memory", out->path);
		pending[out->slot] = out->tmp;
		out->how = OUT_COPY;
		fd = mkstemp(out->tmp);
		e = errno;
	}
	if (fd < 0) {
		pending[out->slot] = NULL;
		out->slot = -1;
		return kv_errf(err, "%s: %s", out->path, strerror(e));
	}
	take_attributes(fd, out);
	if ((out->fp = fdopen(fd, "wb")) == NULL) {
		e = errno;
		close(fd);
		unlink(out->tmp);
		return kv_errf(err, "%s: %s", out->path, strerror(e));
	}
	return 0;
}

/* Open a device, FIFO, socket or descriptor alias for writing as it
 * is. */
static int
open_direct(outfile *out, int alias, kv_err *err)
{
	int fd = alias >= 0 ? fcntl(alias, F_DUPFD_CLOEXEC, 3) :
	    open(out->path, O_WRONLY | O_CLOEXEC);

	out->how = OUT_DIRECT;
	if (fd < 0)
		return kv_errf(err, "%s: %s", out->path, strerror(errno));
	if ((out->fp = fdopen(fd, "wb")) == NULL) {
		int e = errno;
		close(fd);
		return kv_errf(err, "%s: %s", out->path, strerror(e));
	}
	return 0;
}

/* What is at `path`, and so how it is written: directly, or through a
 * temporary file renamed over the file the links lead to. */
static int
plan(outfile *out, int *alias, kv_err *err)
{
	struct stat st;

	out->how = OUT_RENAME;
	if ((*alias = descriptor_alias(out->path)) >= 0) {
		out->how = OUT_DIRECT;
		return 0;
	}
	if (stat(out->path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return kv_errf(err, "%s: is a directory", out->path);
		if (!S_ISREG(st.st_mode)) {
			out->how = OUT_DIRECT;
			return 0;
		}
		out->existed = 1;
		out->old = st;
	} else if (errno != ENOENT) {
		return kv_errf(err, "%s: %s", out->path, strerror(errno));
	}
	if ((out->target = follow_links(out->path)) == NULL)
		return kv_errf(err, "%s: %s", out->path, strerror(errno));
	return 0;
}

int
outfile_check(const char *path, kv_err *err)
{
	outfile out = { .path = (char *)path, .slot = -1 };
	char *dir, *slash;
	int alias, rc = 0;

	if (path_is_std(path))
		return 0;
	if (plan(&out, &alias, err) != 0)
		return -1;
	if (out.how == OUT_DIRECT)
		return alias < 0 || fcntl(alias, F_GETFD) != -1 ? 0 :
		    kv_errf(err, "%s: %s", path, strerror(errno));
	if ((dir = strdup(out.target)) == NULL) {
		free(out.target);
		return kv_errf(err, "%s: out of memory", path);
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else
		slash[slash == dir] = '\0';	/* "/x" keeps "/" */
	if (access(dir, W_OK | X_OK) != 0 &&
	    !(out.existed && access(out.target, W_OK) == 0))
		rc = kv_errf(err, "%s: %s", path, strerror(errno));
	free(dir);
	free(out.target);
	return rc;
}

outfile *
outfile_open(const char *path, kv_err *err)
{
	outfile *out = calloc(1, sizeof *out);
	int alias;

	if (out == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	out->slot = -1;
	if (path_is_std(path)) {
		out->fp = stdout;
		out->how = OUT_STDOUT;
		return out;
	}
	install_handlers();
	if ((out->path = strdup(path)) == NULL) {
		kv_errf(err, "%s: out of memory", path);
		outfile_free(out);
		return NULL;
	}
	if (plan(out, &alias, err) != 0 ||
	    (out->how == OUT_DIRECT ? open_direct(out, alias, err) :
	    open_temporary(out, err)) != 0) {
		outfile_free(out);
		return NULL;
	}
	return out;
}

FILE *
outfile_stream(outfile *out)
{
	return out->fp;
}

const char *
outfile_name(const outfile *out)
{
	return out->path ? out->path : "stdout";
}

static void
outfile_free(outfile *out)
{
	if (out->slot >= 0)
		pending[out->slot] = NULL;
	free(out->path);
	free(out->target);
	free(out->tmp);
	free(out);
}

/* Copy the finished temporary file over the target in place (OUT_COPY):
 * the target keeps its inode, mode and owner. */
static int
copy_over(outfile *out, kv_err *err)
{
	char buf[1 << 16];
	size_t n;
	int fd = open(out->target, O_WRONLY | O_TRUNC | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return kv_errf(err, "%s: %s", out->path, strerror(errno));
	rewind(out->fp);
	while (rc == 0 && (n = fread(buf, 1, sizeof buf, out->fp)) > 0)
		for (size_t off = 0; rc == 0 && off < n; ) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w < 0 && errno != EINTR)
				rc = kv_errf(err, "%s: %s", out->path,
				    strerror(errno));
			off += w > 0 ? (size_t)w : 0;
		}
	if (rc == 0 && (ferror(out->fp) || fsync(fd) != 0))
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
	return rc;
}

int
outfile_commit(outfile *out, kv_err *err)
{
	int rc = 0;

	switch (out->how) {
	case OUT_STDOUT:
		if (fflush(out->fp) != 0 || ferror(out->fp))
			rc = kv_errf(err, "stdout: %s", strerror(errno));
		free(out);
		return rc;
	case OUT_DIRECT:
		if (fflush(out->fp) != 0 || ferror(out->fp))
			rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		if (fclose(out->fp) != 0 && rc == 0)
			rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		outfile_free(out);
		return rc;
	case OUT_RENAME:
	case OUT_COPY:
		break;
	}
	if (fflush(out->fp) != 0 || ferror(out->fp) ||
	    fsync(fileno(out->fp)) != 0) {
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		outfile_abort(out);
		return rc;
	}
	if (out->how == OUT_COPY) {
		rc = copy_over(out, err);
		outfile_abort(out);	/* the temporary goes either way */
		return rc;
	}
	if (fclose(out->fp) != 0) {
		out->fp = NULL;
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		outfile_abort(out);
		return rc;
	}
	out->fp = NULL;
	if (rename(out->tmp, out->target) != 0) {
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		unlink(out->tmp);
	}
	outfile_free(out);
	return rc;
}

void
outfile_abort(outfile *out)
{
	if (out == NULL)
		return;
	switch (out->how) {
	case OUT_STDOUT:
		fflush(out->fp);
		free(out);
		return;
	case OUT_DIRECT:
		if (out->fp != NULL)
			fclose(out->fp);
		break;
	case OUT_RENAME:
	case OUT_COPY:
		if (out->fp != NULL)
			fclose(out->fp);
		if (out->tmp != NULL && out->slot >= 0)
			unlink(out->tmp);
		break;
	}
	outfile_free(out);
}
