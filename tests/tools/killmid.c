/* killmid: run a command and SIGKILL it the moment it has written to its
 * temporary output file, so a test knows the program died in the middle
 * of writing (not before it started, not after it finished).
 *
 * Usage: killmid NAME COMMAND [ARG]...
 *
 * The command runs under ptrace, every thread of it. When a write
 * system call (write, writev, pwrite64, pwritev, pwritev2) to a file
 * whose name starts with ".NAME." (outfile.h's temporary beside NAME)
 * returns and the file holds at least MIN bytes (env KILLMID_BYTES,
 * default 1), the command is killed before it runs another instruction,
 * and the temporary's path is printed. Stopping the command at the
 * system call makes this deterministic: watching the directory from
 * outside (inotify) lost the race to a program that writes its output in
 * one go and renames it at once, more often on a loaded machine.
 *
 * Exit status: 0 when it was killed mid-write, 3 when the command ended
 * on its own first (its status is printed), 4 after 120 s without such
 * a write, 2 on a usage or system error. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_THREADS 1024

/* Threads stopped inside a write to the temporary: their tid and the
 * file's path, checked when the call returns. */
static struct {
	pid_t tid;
	char path[PATH_MAX];
} writing[MAX_THREADS];

static volatile sig_atomic_t timed_out;

static void
on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int
tmp_name(const char *file, const char *name)
{
	size_t n = strlen(name);

	return file[0] == '.' && strncmp(file + 1, name, n) == 0 &&
	    file[n + 1] == '.';
}

static int
is_write(uint64_t nr)
{
	return nr == SYS_write || nr == SYS_writev || nr == SYS_pwrite64 ||
	    nr == SYS_pwritev || nr == SYS_pwritev2;
}

static int
slot_of(pid_t tid)
{
	for (int i = 0; i < MAX_THREADS; i++)
		if (writing[i].tid == tid)
			return i;
	return -1;
}

/* At a write's entry: is thread tid writing fd to the temporary? Then
 * remember the file's path for the exit. */
static void
note_entry(pid_t tid, int fd, const char *name)
{
	char link[64], path[PATH_MAX];
	ssize_t n;
	const char *base;
	int i;

	snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)tid, fd);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0)
		return;
	path[n] = '\0';
	base = strrchr(path, '/');
	if (!tmp_name(base ? base + 1 : path, name) || (i = slot_of(0)) < 0)
		return;
	writing[i].tid = tid;
	memcpy(writing[i].path, path, (size_t)n + 1);
}

/* At a system call's exit: did thread tid just finish writing the
 * temporary up to at least min bytes? */
static const char *
written(pid_t tid, long long min)
{
	int i = slot_of(tid);
	struct stat st;

	if (i < 0)
		return NULL;
	writing[i].tid = 0;
	if (stat(writing[i].path, &st) != 0 || st.st_size < min)
		return NULL;
	return writing[i].path;
}

static pid_t
start(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
			perror("killmid: ptrace");
			_exit(2);
		}
		raise(SIGSTOP);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	return pid;
}

/* Kill the command and wait for every thread of it: the leader's end is
 * reported only after the other (traced) threads have been waited for. */
static void
reap(pid_t pid)
{
	int status;
	pid_t tid;

	kill(pid, SIGKILL);
	while ((tid = waitpid(-1, &status, __WALL)) > 0 || errno == EINTR)
		if (tid == pid && (WIFEXITED(status) || WIFSIGNALED(status)))
			break;
}

static int
ended(const char *prog, int status)
{
	fprintf(stderr, "killmid: %s ended first (status %d)\n", prog,
	    WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
	return 3;
}

int
main(int argc, char **argv)
{
	const char *env = getenv("KILLMID_BYTES");
	long long min = env ? atoll(env) : 1;
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	int status;
	pid_t pid, tid;

	if (argc < 3) {
		fprintf(stderr, "usage: killmid NAME COMMAND [ARG]...\n");
		return 2;
	}
	sigaction(SIGALRM, &sa, NULL);
	if ((pid = start(argv + 2)) < 0 ||
	    waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		fprintf(stderr, "killmid: cannot start %s under ptrace\n",
		    argv[2]);
		return 2;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(
	    PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
	    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
	ptrace(PTRACE_SYSCALL, pid, NULL, NULL);
	alarm(120);
	while ((tid = waitpid(-1, &status, __WALL)) != 0) {
		int sig = 0;

		if (tid < 0) {
			if (errno == EINTR && !timed_out)
				continue;
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == pid)
				return ended(argv[2], status);
			continue;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;
			const char *path;

			ptrace(PTRACE_GET_SYSCALL_INFO, tid,
			    (void *)sizeof si, &si);
			if (si.op == PTRACE_SYSCALL_INFO_ENTRY &&
			    is_write(si.entry.nr))
				note_entry(tid, (int)si.entry.args[0], argv[1]);
			else if (si.op == PTRACE_SYSCALL_INFO_EXIT &&
			    (path = written(tid, min)) != NULL) {
				reap(pid);
				printf("%s\n", path);
				return 0;
			}
		} else if (status >> 16 == 0 && WSTOPSIG(status) != SIGSTOP &&
		    WSTOPSIG(status) != SIGTRAP) {
			sig = WSTOPSIG(status);	/* the program's own signal */
		}
		ptrace(PTRACE_SYSCALL, tid, NULL, (void *)(long)sig);
	}
	reap(pid);
	fprintf(stderr, "killmid: no write to .%s.* in 120 s\n", argv[1]);
	return 4;
}
