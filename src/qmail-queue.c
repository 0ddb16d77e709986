/*
 * qmail-queue - puts one message into the queue, with qmail's interface.
 *
 * The message comes on fd 0 and the envelope on fd 1 ("F<sender>\0", then
 * "T<rcpt>\0" per recipient, then "\0"; src/lib/envelope.h). The work is
 * src/lib/queuewrite.c, which qmail-queued's workers share; the exit codes
 * are qmail's (src/lib/qq.h, doc/qmail-queue.8).
 *
 * Installed setuid qmailq (4711), so the caller is not trusted: the
 * environment is cleared, the umask, signal mask and signal dispositions
 * are reset, a closed fd 2 is reopened on /dev/null (else a queue file
 * could become stderr), and nothing is read from the environment or the
 * current directory. The caller's real uid goes into the Received line and
 * the envelope. The 24-hour alarm (52) removes nothing; qmail-clean and
 * qmail-send clean such leftovers after 36 hours.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "qq.h"
#include "queuewrite.h"

#define DEATH	  86400 /* must stay below qmail-send's 36-hour cleanup */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif

static void
sigalrm(int sig)
{
	(void)sig;
	_exit(QQ_EXIT_TIMEOUT); /* no clean-up in a handler; 36-hour rule */
}

#ifndef UNDER_SANITIZER
static void
sigbug(int sig)
{
	(void)sig;
	_exit(QQ_EXIT_BUG);
}
#endif

static void
set_signal(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
}

/* distrust: undoes what the caller could have set up for us */
static void
distrust(void)
{
	static const int ignored[] = { SIGPIPE, SIGHUP, SIGINT, SIGQUIT,
		SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ };
	sigset_t none;
	size_t i;
	int fd;

	/* fds 0 and 1 carry the input; without them there is nothing to
	 * read. A closed fd 2 would let a queue file become stderr. */
	if (fcntl(0, F_GETFD) == -1 || fcntl(1, F_GETFD) == -1)
		_exit(QQ_EXIT_READ);
	if (fcntl(2, F_GETFD) == -1) {
		fd = open("/dev/null", O_WRONLY);
		if (fd != 2)
			_exit(QQ_EXIT_BUG);
	}
	if (clearenv() != 0)
		_exit(QQ_EXIT_BUG);
	umask(033);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		set_signal(ignored[i], SIG_IGN);
	set_signal(SIGTERM, SIG_DFL);
	set_signal(SIGALRM, sigalrm);
#ifndef UNDER_SANITIZER
	set_signal(SIGILL, sigbug);
	set_signal(SIGABRT, sigbug);
	set_signal(SIGFPE, sigbug);
	set_signal(SIGBUS, sigbug);
	set_signal(SIGSEGV, sigbug);
#endif
}

int
main(void)
{
	const char *why = NULL;
	unsigned long id = 0;
	int code, err = 0;

	distrust();
	die_init("qmail-queue"); /* not argv[0]: the caller chose that */
	if (chdir(auto_queue) == -1)
		die_code(QQ_EXIT_QUEUEDIR, "cannot chdir to the queue: %s",
		    strerror(errno));
	alarm(DEATH);
	code = queue_write(0, 1, getuid(), getpid(), &id, &why, &err);
	if (code != QQ_EXIT_OK) {
		if (err) /* 0 for envelope errors: queuewrite.h */
			die_code(code, "%s: %s", why, strerror(err));
		die_code(code, "%s", why);
	}
	queue_trigger(id);
	_exit(QQ_EXIT_OK);
}
