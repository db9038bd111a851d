/* killmid: run a command and SIGKILL it the moment it writes to its
 * temporary output file, so a test knows the program died in the middle
 * of writing (not before it started, not after it finished).
 *
 * Usage: killmid NAME COMMAND [ARG]...
 *
 * Watches the current directory (inotify) for writes to a file whose
 * name starts with ".NAME." (outfile.h's temporary beside NAME). After
 * the first write of at least MIN bytes in total (env KILLMID_BYTES,
 * default 1) it kills the command. Exit status: 0 when it was killed
 * mid-write, 3 when the command ended on its own first (its status is
 * printed), 4 after 120 s without such a write, 2 on a usage or system
 * error. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

static int
tmp_name(const char *file, const char *name)
{
	size_t n = strlen(name);

	return file[0] == '.' && strncmp(file + 1, name, n) == 0 &&
	    file[n + 1] == '.';
}

int
main(int argc, char **argv)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
	    __attribute__((aligned(8)));
	const char *env = getenv("KILLMID_BYTES");
	long long min = env ? atoll(env) : 1;
	int fd, status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: killmid NAME COMMAND [ARG]...\n");
		return 2;
	}
	if ((fd = inotify_init1(IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(fd, ".", IN_MODIFY) < 0) {
		perror("killmid: inotify");
		return 2;
	}
	if ((pid = fork()) == 0) {
		close(fd);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	for (int waited = 0; waited < 120000; waited += 10) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t len;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "killmid: %s ended first (status %d)\n",
			    argv[2], WIFEXITED(status) ? WEXITSTATUS(status) :
			    128 + WTERMSIG(status));
			return 3;
		}
		if (poll(&p, 1, 10) <= 0)
			continue;
		while ((len = read(fd, buf, sizeof buf)) > 0)
			for (char *q = buf; q < buf + len;) {
				struct inotify_event *e = (void *)q;
				struct stat st;
				q += sizeof *e + e->len;
				if (e->len == 0 || !tmp_name(e->name, argv[1]) ||
				    stat(e->name, &st) != 0 || st.st_size < min)
					continue;
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				printf("%s\n", e->name);
				return 0;
			}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fprintf(stderr, "killmid: no write to .%s.* in 120 s\n", argv[1]);
	return 4;
}
