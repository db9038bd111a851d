/* test_outfile: what outfile_open does to each kind of thing at a path
 * (regular file, symlink, dangling symlink, FIFO, device, directory,
 * descriptor alias), and what outfile_check says before any work. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/outfile.h"

static char dir[] = "/tmp/test_outfile.XXXXXX";

static const char *
at(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

static int
holds(const char *path, const char *text)
{
	char buf[256] = { 0 };
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Write `text` to path through an outfile; commit or abort. */
static int
write_through(const char *path, const char *text, int commit, kv_err *err)
{
	outfile *out = outfile_open(path, err);

	if (out == NULL)
		return -1;
	fputs(text, outfile_stream(out));
	if (!commit) {
		outfile_abort(out);
		return 0;
	}
	return outfile_commit(out, err);
}

/* Files in dir whose names start with "." (temporaries left behind). */
static int
leftovers(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void
regular_files(void)
{
	struct stat st, before;
	kv_err err;
	mode_t mask = umask(022);

	int rc = write_through(at("new"), "one\n", 1, &err);
	memset(&st, 0, sizeof st);
	stat(at("new"), &st);
	CHECK(rc == 0 && holds(at("new"), "one\n") &&
	    (st.st_mode & 0777) == 0644,
	    "a new file is written, mode 0644 under umask 022 (got %o)",
	    (unsigned)(st.st_mode & 0777));
	umask(mask);

	put(at("secret"), "old\n", 0600);
	stat(at("secret"), &before);
	rc = write_through(at("secret"), "new\n", 1, &err);
	stat(at("secret"), &st);
	CHECK(rc == 0 && holds(at("secret"), "new\n") &&
	    (st.st_mode & 07777) == 0600 && st.st_ino != before.st_ino,
	    "a mode-600 file is replaced by a new inode and keeps mode 600 "
	    "(got %o)", (unsigned)(st.st_mode & 07777));

	CHECK(write_through(at("secret"), "half", 0, &err) == 0 &&
	    holds(at("secret"), "new\n") && leftovers() == 0,
	    "an aborted write leaves the file as it was and no temporary");
}

static void
links(void)
{
	struct stat st;
	kv_err err;

	put(at("real"), "old\n", 0640);
	symlink("real", at("link"));
	CHECK(write_through(at("link"), "via link\n", 1, &err) == 0 &&
	    lstat(at("link"), &st) == 0 && S_ISLNK(st.st_mode) &&
	    holds(at("real"), "via link\n") && stat(at("real"), &st) == 0 &&
	    (st.st_mode & 0777) == 0640,
	    "a symlink stays a symlink; the file it names is replaced and "
	    "keeps mode 640");

	symlink("sub/../made", at("dangling"));
	mkdir(at("sub"), 0755);
	CHECK(write_through(at("dangling"), "made\n", 1, &err) == 0 &&
	    lstat(at("dangling"), &st) == 0 && S_ISLNK(st.st_mode) &&
	    holds(at("made"), "made\n"),
	    "a dangling symlink is written through: its target is created");
}

static void
specials(void)
{
	struct stat st;
	kv_err err;
	char buf[64] = { 0 };
	int fds[2];

	/* A FIFO with a reader (our own read-write descriptor). */
	mkfifo(at("fifo"), 0644);
	int rd = open(at("fifo"), O_RDWR | O_NONBLOCK);
	int rc = write_through(at("fifo"), "through the fifo\n", 1, &err);
	ssize_t n = read(rd, buf, sizeof buf - 1);
	close(rd);
	CHECK(rc == 0 && n == 17 && strcmp(buf, "through the fifo\n") == 0 &&
	    stat(at("fifo"), &st) == 0 && S_ISFIFO(st.st_mode),
	    "a FIFO is written, not replaced (read %zd bytes)", n);

	CHECK(write_through("/dev/null", "nothing\n", 1, &err) == 0 &&
	    stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode),
	    "/dev/null is written and stays a device");

	rc = write_through("/dev/full", "x\n", 1, &err);
	CHECK(rc != 0 && strstr(err.msg, "/dev/full") != NULL &&
	    strstr(err.msg, strerror(ENOSPC)) != NULL &&
	    stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode),
	    "/dev/full fails at commit: %s", rc ? err.msg : "(no error)");

	if (pipe(fds) == 0) {
		char alias[32];
		snprintf(alias, sizeof alias, "/dev/fd/%d", fds[1]);
		rc = write_through(alias, "aliased\n", 1, &err);
		memset(buf, 0, sizeof buf);
		close(fds[1]);
		n = read(fds[0], buf, sizeof buf - 1);
		close(fds[0]);
		CHECK(rc == 0 && strcmp(buf, "aliased\n") == 0,
		    "%s writes to that descriptor (read %zd bytes)", alias, n);
	}

	mkdir(at("adir"), 0755);
	rc = write_through(at("adir"), "x\n", 1, &err);
	CHECK(rc != 0 && strstr(err.msg, "is a directory") != NULL,
	    "a directory is refused: %s", rc ? err.msg : "(no error)");
}

static void
checks_before_work(void)
{
	struct stat st;
	kv_err err;
	int rc;

	CHECK(outfile_check(at("later"), &err) == 0 &&
	    stat(at("later"), &st) != 0 && leftovers() == 0,
	    "check of a new file in a writable directory passes and creates "
	    "nothing");
	rc = outfile_check("/nonexistent-dir/m.kvae", &err);
	CHECK(rc != 0 && strstr(err.msg, "/nonexistent-dir/m.kvae") != NULL,
	    "check of a file in a missing directory fails: %s",
	    rc ? err.msg : "(no error)");
	rc = outfile_check(at("adir"), &err);
	CHECK(rc != 0 && strstr(err.msg, "is a directory") != NULL,
	    "check of a directory fails: %s", rc ? err.msg : "(no error)");
	CHECK(outfile_check("/dev/null", &err) == 0 &&
	    outfile_check("-", &err) == 0 &&
	    outfile_check("/dev/stdout", &err) == 0,
	    "check of /dev/null, - and /dev/stdout passes");
	rc = outfile_check("/dev/fd/987", &err);
	CHECK(rc != 0, "check of a closed descriptor alias fails: %s",
	    rc ? err.msg : "(no error)");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	regular_files();
	links();
	specials();
	checks_before_work();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_done();
}
