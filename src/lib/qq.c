/*
 * qq.c - qmail-queue's exit codes and client. See qq.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auto.h"
#include "fdpass.h"
#include "qq.h"

extern char **environ;

static const struct qq_code qq_codes[] = {
	/* code	class     status   reason given to the client */
	{ 0, QQ_OK, "2.0.0", "ok" },
	{ 11, QQ_PERM, "5.1.3", "envelope address too long for qq" },
	{ 31, QQ_PERM, "5.3.0", "mail server permanently rejected message" },
	/* s/qmail's content refusals (QHPSI and friends) */
	{ 32, QQ_PERM, "5.7.1", "virus or banned content found" },
	{ 33, QQ_PERM, "5.7.1", "message considered as spam" },
	{ 34, QQ_PERM, "5.3.4", "message contains a bad MIME attachment" },
	{ 51, QQ_TEMP, "4.3.0", "qq out of memory" },
	{ 52, QQ_TEMP, "4.3.0", "qq timeout" },
	{ 53, QQ_TEMP, "4.3.0", "qq write error or disk full" },
	{ 54, QQ_TEMP, "4.3.0", "qq read error" },
	{ 55, QQ_TEMP, "4.3.0", "qq unable to read configuration" },
	{ 56, QQ_TEMP, "4.3.0", "qq trouble making network connection" },
	{ 61, QQ_TEMP, "4.3.0", "qq trouble in home directory" },
	{ 62, QQ_TEMP, "4.3.0", "qq trouble creating files in queue" },
	{ 63, QQ_TEMP, "4.3.0", "qq trouble creating files in queue" },
	{ 64, QQ_TEMP, "4.3.0", "qq trouble creating files in queue" },
	{ 65, QQ_TEMP, "4.3.0", "qq trouble creating files in queue" },
	{ 66, QQ_TEMP, "4.3.0", "qq trouble creating files in queue" },
	{ 71, QQ_TEMP, "4.3.0", "mail server temporarily rejected message" },
	{ 72, QQ_TEMP, "4.4.1", "connection to mail server timed out" },
	{ 73, QQ_TEMP, "4.4.1", "connection to mail server rejected" },
	{ 74, QQ_TEMP, "4.4.2", "communication with mail server failed" },
	{ 81, QQ_TEMP, "4.3.0", "qq internal bug" },
	{ 91, QQ_TEMP, "4.3.0", "qq envelope format error" },
	{ 115, QQ_PERM, "5.1.3", "envelope address too long for qq" },
	{ 120, QQ_TEMP, "4.3.0", "unable to exec qq" },
};

static const struct qq_code qq_unknown_temp = { -1, QQ_TEMP, "4.3.0",
	"temporary qq failure" };
static const struct qq_code qq_unknown_perm = { -1, QQ_PERM, "5.3.0",
	"permanent qq failure" };

const struct qq_code *
qq_lookup(int code)
{
	size_t i;

	for (i = 0; i < sizeof qq_codes / sizeof qq_codes[0]; i++)
		if (qq_codes[i].code == code)
			return &qq_codes[i];
	/* qmail-queue(8): 11-40 are permanent, everything else temporary */
	if (code >= 11 && code <= 40)
		return &qq_unknown_perm;
	return &qq_unknown_temp;
}

/* daemon_connect: a connection to a qmail-queued worker that has greeted
 * us ("k" and its pid), in blocking mode; -1 if there is none in time */
static int
daemon_connect(pid_t *pid)
{
	struct sockaddr_un sa;
	unsigned char hello[5];
	size_t n = strlen(auto_queue);
	int32_t wpid;
	int fd;

	if (n + sizeof "/qq.sock" > sizeof sa.sun_path)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, auto_queue, n);
	memcpy(sa.sun_path + n, "/qq.sock", sizeof "/qq.sock");
	/* nonblocking connect: a full backlog fails at once instead of
	 * waiting; then blocking, for fd_wait and the pipes' writers */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    fcntl(fd, F_SETFL, 0) == -1 ||
	    !fd_read_all(fd, hello, sizeof hello, QQ_DAEMON_WAIT_S) ||
	    hello[0] != 'k') {
		close(fd);
		return -1;
	}
	memcpy(&wpid, hello + 1, sizeof wpid);
	*pid = (pid_t)wpid;
	return fd;
}

/* daemon_start: the message and envelope pipes handed to a worker */
static bool
daemon_start(struct qq *qq)
{
	int msgpipe[2], envpipe[2], fds[2];
	pid_t pid;
	int sock = daemon_connect(&pid);

	if (sock == -1)
		return false;
	if (pipe2(msgpipe, O_CLOEXEC) == -1) {
		close(sock);
		return false;
	}
	if (pipe2(envpipe, O_CLOEXEC) == -1) {
		close(msgpipe[0]);
		close(msgpipe[1]);
		close(sock);
		return false;
	}
	fds[0] = msgpipe[0];
	fds[1] = envpipe[0];
	if (fdpass_send(sock, "q", 1, fds, 2) != 1) {
		close(msgpipe[0]);
		close(msgpipe[1]);
		close(envpipe[0]);
		close(envpipe[1]);
		close(sock);
		return false;
	}
	close(msgpipe[0]);
	close(envpipe[0]);
	qq->sock = sock;
	qq->pid = pid;
	qq->envfd = envpipe[1];
	iobuf_init(&qq->msg, msgpipe[1], qq->msgbuf, sizeof qq->msgbuf, 0);
	return true;
}

/* daemon_code: the worker's answer; a worker that died gives a
 * temporary code, as a crashed qmail-queue does */
static int
daemon_code(struct qq *qq)
{
	unsigned char code;
	ssize_t r;

	do
		r = read(qq->sock, &code, 1);
	while (r == -1 && errno == EINTR);
	close(qq->sock);
	qq->sock = -1;
	return r == 1 ? code : QQ_EXIT_BUG;
}

bool
qq_start(struct qq *qq)
{
	posix_spawn_file_actions_t fa;
	int msgpipe[2], envpipe[2], err;
	const char *prog;
	char path[4096], *argv[2];

	memset(qq, 0, sizeof *qq);
	qq->pid = -1;
	qq->sock = -1;
	prog = getenv("QMAILQUEUE");
	if (prog == NULL || *prog == '\0') {
		size_t n = strlen(auto_qmail);

		if (daemon_start(qq))
			return true;
		if (n + sizeof "/bin/qmail-queue" > sizeof path) {
			errno = ENAMETOOLONG;
			return false;
		}
		memcpy(path, auto_qmail, n);
		memcpy(path + n, "/bin/qmail-queue", sizeof "/bin/qmail-queue");
		prog = path;
	}
	if (pipe2(msgpipe, O_CLOEXEC) == -1)
		return false;
	if (pipe2(envpipe, O_CLOEXEC) == -1) {
		close(msgpipe[0]);
		close(msgpipe[1]);
		return false;
	}
	/* posix_spawn (a vfork-like clone in glibc and musl): no copy of
	 * the caller's page tables and no copy-on-write faults after it,
	 * on the path of every queued message. The read ends become fds 0
	 * and 1; every other pipe end is close-on-exec. An exec failure
	 * comes back as the result, like a failed fork. */
	err = posix_spawn_file_actions_init(&fa);
	if (err == 0) {
		if ((err = posix_spawn_file_actions_adddup2(&fa, msgpipe[0],
							    0)) == 0 &&
		    (err = posix_spawn_file_actions_adddup2(&fa, envpipe[0],
							    1)) == 0) {
			argv[0] = (char *)prog;
			argv[1] = NULL;
			err = posix_spawn(&qq->pid, prog, &fa, NULL, argv,
					  environ);
		}
		posix_spawn_file_actions_destroy(&fa);
	}
	if (err != 0) {
		qq->pid = -1;
		close(msgpipe[0]);
		close(msgpipe[1]);
		close(envpipe[0]);
		close(envpipe[1]);
		errno = err;
		return false;
	}
	close(msgpipe[0]);
	close(envpipe[0]);
	qq->envfd = envpipe[1];
	iobuf_init(&qq->msg, msgpipe[1], qq->msgbuf, sizeof qq->msgbuf, 0);
	return true;
}

void
qq_put(struct qq *qq, const void *p, size_t n)
{
	if (qq->broken)
		return;
	if (!iobuf_put(&qq->msg, p, n)) {
		qq->broken = true;
		qq->error = errno;
	}
}

void
qq_puts(struct qq *qq, const char *s)
{
	qq_put(qq, s, strlen(s));
}

static bool
env_add(struct strbuf *env, char kind, const char *addr)
{
	return strbuf_appendc(env, kind) && strbuf_appends(env, addr) &&
	    strbuf_appendc(env, '\0');
}

int
qq_finish(struct qq *qq, const char *sender, char *const *rcpts,
    size_t nrcpt)
{
	struct strbuf env = STRBUF_INIT;
	bool envok;
	int status;
	size_t i;
	pid_t r;

	if (!qq->broken && !iobuf_flush(&qq->msg)) {
		qq->broken = true;
		qq->error = errno;
	}
	close(qq->msg.fd);
	envok = env_add(&env, 'F', sender);
	for (i = 0; envok && i < nrcpt; i++)
		envok = env_add(&env, 'T', rcpts[i]);
	envok = envok && strbuf_appendc(&env, '\0');
	/* Write the envelope even after a message write error: qmail-queue
	 * is waiting for it or already gone. Its exit code is what counts. */
	if (envok && !qq->broken)
		envok = fd_write_all(qq->envfd, env.data, env.len);
	close(qq->envfd);
	strbuf_free(&env);
	if (qq->sock != -1) {
		status = daemon_code(qq);
		if (status == 0 && (qq->broken || !envok))
			return QQ_EXIT_WRITE; /* never claim ok */
		return status;
	}
	do
		r = waitpid(qq->pid, &status, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return QQ_EXIT_BUG;
	if (!WIFEXITED(status))
		return QQ_EXIT_BUG; /* crashed: temporary, like qmail */
	if (WEXITSTATUS(status) == 0 && (qq->broken || !envok))
		return QQ_EXIT_WRITE; /* cannot happen, but never claim ok */
	return WEXITSTATUS(status);
}

int
qq_abort(struct qq *qq)
{
	int status;
	pid_t r;

	/* no flush: half a message and no envelope is what qmail-queue
	 * must refuse (it only queues after the envelope's final \0) */
	close(qq->msg.fd);
	close(qq->envfd);
	if (qq->sock != -1)
		return daemon_code(qq);
	do
		r = waitpid(qq->pid, &status, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1 || !WIFEXITED(status))
		return QQ_EXIT_BUG;
	return WEXITSTATUS(status);
}
