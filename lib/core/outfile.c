/* outfile.c: atomic output files (temporary file, fsync, rename) and the
 * matching input opener. */
#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct outfile {
	FILE *fp;
	char *path;	/* NULL for stdout */
	char *tmp;	/* temporary path while open */
	int slot;	/* index in the cleanup table, -1 for stdout */
};

/* Temporary files to remove on a fatal signal or an exit without commit.
 * Fixed size so that the signal handler touches no heap structures. */
#define MAX_OPEN_OUTFILES 16
static char *volatile pending[MAX_OPEN_OUTFILES];
static int handlers_installed;

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

outfile *
outfile_open(const char *path, kv_err *err)
{
	outfile *out = calloc(1, sizeof *out);
	int fd;

	if (out == NULL) {
		kv_errf(err, "out of memory");
		return NULL;
	}
	out->slot = -1;
	if (path_is_std(path)) {
		out->fp = stdout;
		return out;
	}
	install_handlers();
	out->path = strdup(path);
	out->tmp = temp_name_for(path);
	if (out->path == NULL || out->tmp == NULL)
		goto nomem;
	out->slot = claim_slot(out->tmp);
	if (out->slot < 0) {
		kv_errf(err, "%s: too many output files open", path);
		goto fail;
	}
	fd = mkstemp(out->tmp);
	if (fd < 0) {
		kv_errf(err, "%s: %s", path, strerror(errno));
		pending[out->slot] = NULL;
		goto fail;
	}
	/* mkstemp makes 0600; give the file the mode a plain create would. */
	{
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	out->fp = fdopen(fd, "wb");
	if (out->fp == NULL) {
		kv_errf(err, "%s: %s", path, strerror(errno));
		close(fd);
		outfile_abort(out);
		return NULL;
	}
	return out;
nomem:
	kv_errf(err, "%s: out of memory", path);
fail:
	free(out->path);
	free(out->tmp);
	free(out);
	return NULL;
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
	free(out->tmp);
	free(out);
}

int
outfile_commit(outfile *out, kv_err *err)
{
	int rc = 0;

	if (out->path == NULL) {
		if (fflush(out->fp) != 0 || ferror(out->fp))
			rc = kv_errf(err, "stdout: %s", strerror(errno));
		free(out);
		return rc;
	}
	if (fflush(out->fp) != 0 || ferror(out->fp) ||
	    fsync(fileno(out->fp)) != 0) {
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		outfile_abort(out);
		return rc;
	}
	if (fclose(out->fp) != 0) {
		out->fp = NULL;
		rc = kv_errf(err, "%s: %s", out->path, strerror(errno));
		outfile_abort(out);
		return rc;
	}
	out->fp = NULL;
	if (rename(out->tmp, out->path) != 0) {
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
	if (out->path == NULL) {
		fflush(out->fp);
		free(out);
		return;
	}
	if (out->fp != NULL)
		fclose(out->fp);
	unlink(out->tmp);
	outfile_free(out);
}
