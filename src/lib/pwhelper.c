/*
 * pwhelper.c - see pwhelper.h.
 */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdpass.h"
#include "getpw.h"
#include "iobuf.h"
#include "monotonic.h"
#include "prot.h"
#include "pwhelper.h"
#include "qlx.h"
#include "spawner.h"

static void
answer(int fd, int code, const struct strbuf *text)
{
	char c = (char)code;

	if (fd_write_all(fd, &c, 1) && text->len > 0)
		(void)fd_write_all(fd, text->data, text->len);
	close(fd);
}

static _Noreturn void
serve(int sock)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char local[PWHELPER_LOCAL_MAX + 1];
	size_t count;
	ssize_t r;
	int fd, code;
	bool cut;

	for (;;) {
		/* the first descriptor is where to answer; others are closed */
		r = fdpass_recv(sock, local, sizeof local - 1, &fd, 1, &count,
		    &cut, 0);
		if (r == 0)
			_exit(0); /* qmail-lspawn is gone */
		if (r < 0)
			_exit(111);
		if (count == 0)
			continue; /* nowhere to answer */
		strbuf_truncate(&out, 0);
		strbuf_truncate(&why, 0);
		if (cut || memchr(local, '\0', (size_t)r) != NULL) {
			answer(fd, QLX_USAGE, &why);
			continue;
		}
		local[r] = '\0';
		code = getpw_lookup(local, &out, &why);
		answer(fd, code, code == 0 ? &out : &why);
	}
}

int
pwhelper_start(uid_t uid, gid_t gid)
{
	int sv[2], null;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	pid = fork();
	if (pid == -1) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		errno = err;
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		signal(SIGPIPE, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* nothing of the spawner's but fd 2: not its request pipe,
		 * not its answers to qmail-send */
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1)
			_exit(111);
		spawn_close_others_except(sv[1]);
		if (!prot_drop(uid, gid))
			_exit(111);
		serve(sv[1]);
	}
	close(sv[1]);
	return sv[0];
}

enum pwhelper_result
pwhelper_lookup(int sock, const char *local, int timeout, int *code,
		struct strbuf *text)
{
	return pwhelper_ask(sock, local, (timeout < 1 ? 1 : timeout) * 1000,
			    false, code, text);
}

enum pwhelper_result
pwhelper_ask(int sock, const char *local, int timeout_ms, bool nowait,
	     int *code, struct strbuf *text)
{
	char buf[PWHELPER_ANSWER_MAX + 2];
	size_t len = strlen(local), got = 0;
	struct pollfd pfd;
	long long deadline;
	ssize_t r = -1;
	int pi[2];

	if (sock < 0 || len == 0 || len > PWHELPER_LOCAL_MAX)
		return PWHELPER_UNUSABLE;
	if (pipe2(pi, O_CLOEXEC) == -1)
		return PWHELPER_UNUSABLE;
	r = fdpass_sendf(sock, local, len, &pi[1], 1, nowait ? MSG_DONTWAIT : 0);
	close(pi[1]);
	if (r != (ssize_t)len) {
		close(pi[0]);
		/* a full socket: the helper is far behind */
		return nowait && r == -1 && errno == EAGAIN ? PWHELPER_STUCK
							   : PWHELPER_UNUSABLE;
	}
	deadline = monotonic_ms() + timeout_ms;
	for (;;) {
		long long left = deadline - monotonic_ms();

		/* an answer comes in one write: one wait covers nearly all;
		 * a signal only shortens the wait, never restarts it */
		if (left <= 0) {
			close(pi[0]);
			return PWHELPER_STUCK;
		}
		pfd.fd = pi[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left > 60000 ? 60000 : (int)left) <= 0)
			continue;
		r = read(pi[0], buf + got, sizeof buf - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof buf)
			break; /* longer than any answer: unusable */
	}
	close(pi[0]);
	if (r < 0 || got == 0 || got == sizeof buf)
		return PWHELPER_UNUSABLE;
	*code = (unsigned char)buf[0];
	strbuf_truncate(text, 0);
	return strbuf_append(text, buf + 1, got - 1) ? PWHELPER_ANSWERED
						     : PWHELPER_UNUSABLE;
}
