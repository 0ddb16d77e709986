/*
 * checkpw.c - run a checkpassword program with the data on fd 3; see
 * checkpw.h.
 *
 * The data (at most 512 bytes, below PIPE_BUF) is written into the pipe
 * and the write end closed before the fork: an empty pipe takes it in one
 * write that cannot block, and since no write happens after the program
 * starts, a program that exits without reading cannot raise SIGPIPE here.
 * The PATH search and the bounded wait are child.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpw.h"
#include "child.h"

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
	child_exec_path(argv);
	_exit(111);
}

enum checkpw_result
checkpw_run(char *const argv[], const void *data, size_t len,
    unsigned timeout, int *exitcode)
{
	int pi[2], wstat, saved;
	ssize_t w;
	pid_t pid;

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

	if (!child_wait(pid, timeout, &wstat))
		return CHECKPW_TEMP;
	if (!WIFEXITED(wstat))
		return CHECKPW_TEMP;
	if (exitcode != NULL)
		*exitcode = WEXITSTATUS(wstat);
	return checkpw_class(WEXITSTATUS(wstat));
}
