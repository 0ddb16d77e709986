/*
 * checkpw.c - run a checkpassword program with the data on fd 3; see
 * checkpw.h.
 *
 * The data (at most 512 bytes, below PIPE_BUF) is written into the pipe
 * and the write end closed before the fork: an empty pipe takes it in one
 * write that cannot block, and since no write happens after the program
 * starts, a program that exits without reading cannot raise SIGPIPE here.
 * Waiting polls waitpid(WNOHANG) with a short, growing sleep instead of
 * using SIGCHLD or SIGALRM, which belong to the calling program.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"

#define FD_AUTH 3

enum checkpw_result
checkpw_class(int exitcode)
{
	switch (exitcode) {
	case 0:
		return CHECKPW_OK;
	case 1:
		return CHECKPW_BAD;
	case 2:
		return CHECKPW_MISUSE;
	default:
		return CHECKPW_TEMP;
	}
}

/* exec_path: execv ARGV[0], or each PATH entry / ARGV[0]; returns on
 * failure. Runs in the child after fork, so it must not allocate. */
static void
exec_path(char *const argv[])
{
	const char *path, *p, *colon;
	char buf[PATH_MAX];
	size_t dlen, nlen = strlen(argv[0]);
	int saved = ENOENT;

	if (strchr(argv[0], '/') != NULL) {
		execv(argv[0], argv);
		return;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		dlen = colon ? (size_t)(colon - p) : strlen(p);
		if (dlen == 0) { /* an empty entry is the current directory */
			buf[0] = '.';
			dlen = 1;
		} else if (dlen < sizeof buf) {
			memcpy(buf, p, dlen);
		}
		if (dlen + 1 + nlen < sizeof buf) {
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, argv[0], nlen + 1);
			execv(buf, argv);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		if (colon == NULL)
			break;
	}
	errno = saved;
}

static _Noreturn void
child(char *const argv[], int rfd)
{
	struct sigaction sa;
	sigset_t none;
	int nul;

	/* the caller's ignored or blocked signals survive exec */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (rfd == FD_AUTH) {
		if (fcntl(rfd, F_SETFD, 0) == -1)
			_exit(111);
	} else if (dup2(rfd, FD_AUTH) == -1) {
		_exit(111);
	}
	/* fd 3 is taken, so /dev/null lands on 0, 1, 2 or above 3 */
	if ((nul = open("/dev/null", O_RDWR)) == -1)
		_exit(111);
	if (dup2(nul, 0) == -1 || dup2(nul, 1) == -1)
		_exit(111);
	if (nul > 2)
		close(nul);
	exec_path(argv);
	_exit(111);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum checkpw_result
checkpw_run(char *const argv[], const void *data, size_t len,
    unsigned timeout, int *exitcode)
{
	int pi[2], wstat, saved;
	long long deadline;
	struct timespec nap = { 0, 1000000 };
	ssize_t w;
	pid_t pid, r;

	if (exitcode != NULL)
		*exitcode = -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0' ||
	    len > CHECKPW_MAX) {
		errno = EINVAL;
		return CHECKPW_MISUSE;
	}
	if (pipe2(pi, O_CLOEXEC) == -1)
		return CHECKPW_TEMP;
	do
		w = len ? write(pi[1], data, len) : 0;
	while (w == -1 && errno == EINTR);
	saved = errno;
	close(pi[1]);
	if (w != (ssize_t)len) {
		close(pi[0]);
		errno = w == -1 ? saved : EIO;
		return CHECKPW_TEMP;
	}
	if ((pid = fork()) == -1) {
		saved = errno;
		close(pi[0]);
		errno = saved;
		return CHECKPW_TEMP;
	}
	if (pid == 0)
		child(argv, pi[0]);
	close(pi[0]);

	deadline = now_ms() + (long long)timeout * 1000;
	for (;;) {
		r = waitpid(pid, &wstat, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return CHECKPW_TEMP;
		if (timeout != 0 && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &wstat, 0) == -1 && errno == EINTR)
				;
			errno = ETIMEDOUT;
			return CHECKPW_TEMP;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2;
	}
	if (!WIFEXITED(wstat))
		return CHECKPW_TEMP;
	if (exitcode != NULL)
		*exitcode = WEXITSTATUS(wstat);
	return checkpw_class(WEXITSTATUS(wstat));
}
