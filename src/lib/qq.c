/*
 * qq.c - qmail-queue's exit codes and client. See qq.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auto.h"
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

bool
qq_start(struct qq *qq)
{
	posix_spawn_file_actions_t fa;
	int msgpipe[2], envpipe[2], err;
	const char *prog;
	char path[4096], *argv[2];

	memset(qq, 0, sizeof *qq);
	qq->pid = -1;
	prog = getenv("QMAILQUEUE");
	if (prog == NULL || *prog == '\0') {
		size_t n = strlen(auto_qmail);
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
	do
		r = waitpid(qq->pid, &status, 0);
	while (r == -1 && errno == EINTR);
	if (r == -1 || !WIFEXITED(status))
		return QQ_EXIT_BUG;
	return WEXITSTATUS(status);
}
