/*
 * child.c - see child.h.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "monotonic.h"

void
child_exec_path(char *const argv[])
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

bool
child_wait(pid_t pid, unsigned timeout, int *wstat)
{
	struct timespec nap = {0, 1000000};
	long long deadline = monotonic_ms() + (long long)timeout * 1000;
	pid_t r;

	for (;;) {
		r = waitpid(pid, wstat, WNOHANG);
		if (r == pid)
			return true;
		if (r == -1 && errno != EINTR)
			return false;
		if (timeout != 0 && monotonic_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, wstat, 0) == -1 && errno == EINTR)
				;
			errno = ETIMEDOUT;
			return false;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2;
	}
}
