/*
 * qmail-queued - qmail-queue without a process start per message.
 *
 * Started by qmail-start as qmailq, next to qmail-send; it ends when its
 * parent (qmail-send) does. It listens on the socket qq.sock in the queue
 * directory and keeps a pool of worker processes, each of which takes
 * one connection at a time and queues the message with qmail-queue's own
 * code (src/lib/queuewrite.c). The client is src/lib/qq.c (qq_start),
 * used by every program that queues mail; without the socket, or without
 * an answer from a worker within 2 seconds, the client runs bin/qmail-queue
 * as before. The protocol, on a Unix stream socket:
 *   1. a worker accepts and writes "k" and its pid (4 bytes, host order);
 *   2. the client sends one byte with two descriptors (SCM_RIGHTS): the
 *      read ends of its message pipe and its envelope pipe, which it then
 *      feeds as it would feed qmail-queue's fds 0 and 1;
 *   3. the worker queues the message as the client's real uid
 *      (SO_PEERCRED, the uid qmail-queue would see), and writes one byte:
 *      qmail-queue's exit code for it. 0 only when the message is durable.
 * Anyone may connect (the socket is 0666, as bin/qmail-queue is 4711).
 *
 * The pool: workers tell the master when they become busy and idle
 * (8-byte notes on a pipe); the master forks workers so that SPARE_MIN
 * are idle, up to WORKERS_MAX in all, and when more than SPARE_MAX have
 * been idle at every look for TRIM_AFTER seconds, asks one a second to
 * leave (SIGUSR1); a load that comes and goes keeps its workers. A worker that is asked to leave, or gets
 * TERM, finishes its message first. Exit: 0 after a stop, 111 when it
 * cannot start.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "fdpass.h"
#include "iobuf.h"
#include "qq.h"
#include "queuewrite.h"

#define SOCKNAME    "qq.sock"
#define SPARE_MIN   2
#define SPARE_MAX   8
#define WORKERS_MAX 400
#define TRIM_AFTER  10
#define DEATH	    86400 /* as qmail-queue: below the 36-hour cleanup */
#define FDS_WAIT_S  10 /* for the descriptors after the greeting */

struct note {
	int32_t pid;
	int32_t busy;
};

struct worker {
	pid_t pid;
	bool busy, leaving;
};

static struct worker workers[WORKERS_MAX];
static size_t nworkers;
static volatile sig_atomic_t stop, leave;
static volatile sig_atomic_t client = -1; /* for the alarm's answer */

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void
on_leave(int sig)
{
	(void)sig;
	leave = 1;
}

static void
on_child(int sig)
{
	(void)sig; /* only interrupts poll */
}

/* on_alarm: a message that took 24 hours: answer 52 and go, leaving its
 * files to the 36-hour cleanup, as qmail-queue does */
static void
on_alarm(int sig)
{
	unsigned char code = QQ_EXIT_TIMEOUT;
	ssize_t r;

	(void)sig;
	if (client != -1)
		r = write(client, &code, 1);
	(void)r;
	_exit(QQ_EXIT_TIMEOUT);
}

static void
catch(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: accept and poll return EINTR */
	(void)sigaction(sig, &sa, NULL);
}

static void
tell(int notefd, bool busy)
{
	struct note n = { (int32_t)getpid(), busy };

	/* 8 bytes: one atomic pipe write; the master is gone if it fails */
	if (write(notefd, &n, sizeof n) != sizeof n)
		leave = 1;
}

/* take_fds: the client's byte with exactly two descriptors */
static bool
take_fds(int c, int fds[2])
{
	size_t count, kept;
	ssize_t r;
	char byte;
	bool cut;

	/* fd_wait retries EINTR: a signal (leave) must not drop a client
	 * already greeted */
	if (!fd_wait(c, false, FDS_WAIT_S))
		return false;
	r = fdpass_recv(c, &byte, 1, fds, 2, &count, &cut, MSG_DONTWAIT);
	if (r == 1 && count == 2 && !cut)
		return true;
	for (kept = count < 2 ? count : 2; kept > 0; kept--)
		close(fds[kept - 1]);
	return false;
}

/* serve: one client, from the greeting to the answer */
static void
serve(int c)
{
	unsigned char hello[5], code;
	struct ucred cred;
	socklen_t len = sizeof cred;
	const char *why = NULL;
	int32_t pid = (int32_t)getpid();
	unsigned long id = 0;
	int fds[2], err = 0;

	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return;
	hello[0] = 'k';
	memcpy(hello + 1, &pid, 4);
	if (!fd_write_all(c, hello, sizeof hello))
		return;
	if (!take_fds(c, fds))
		return;
	client = c;
	alarm(DEATH);
	code = (unsigned char)queue_write(fds[0], fds[1], cred.uid, getpid(),
	    &id, &why, &err);
	alarm(0);
	client = -1;
	close(fds[0]);
	close(fds[1]);
	if (code == QQ_EXIT_OK)
		queue_trigger(id);
	else if (code != QQ_EXIT_READ) /* READ: the client gave up */
		warn("uid %lu: %s%s%s", (unsigned long)cred.uid, why,
		    err ? ": " : "", err ? strerror(err) : "");
	(void)fd_write_all(c, &code, 1);
}

static _Noreturn void
worker(int listenfd, int notefd, pid_t master, const sigset_t *mask)
{
	catch(SIGTERM, on_leave);
	catch(SIGUSR1, on_leave);
	catch(SIGALRM, on_alarm);
	signal(SIGCHLD, SIG_DFL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* the handlers are ours now: what came since the fork counts */
	sigprocmask(SIG_SETMASK, mask, NULL);
	while (!leave && getppid() == master) {
		int c = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC);

		if (c == -1) {
			/* EAGAIN: the 1-second receive timeout, to look at
			 * leave; anything unexpected: do not spin */
			if (errno != EINTR && errno != EAGAIN &&
			    errno != ECONNABORTED)
				sleep(1);
			continue;
		}
		tell(notefd, true);
		serve(c);
		close(c);
		if (!leave)
			tell(notefd, false);
	}
	_exit(0);
}

static void
spawn(int listenfd, int notefds[2])
{
	sigset_t all, old;
	pid_t master = getpid(), pid;

	/* no signal reaches the child before its own handlers are set */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(notefds[0]);
		worker(listenfd, notefds[1], master, &old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		warn_sys("cannot fork a worker");
		return;
	}
	workers[nworkers].pid = pid;
	workers[nworkers].busy = false;
	workers[nworkers].leaving = false;
	nworkers++;
}

static struct worker *
find(pid_t pid)
{
	size_t i;

	for (i = 0; i < nworkers; i++)
		if (workers[i].pid == pid)
			return &workers[i];
	return NULL;
}

static void
reap(bool block)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, block ? 0 : WNOHANG)) > 0 ||
	    (pid == -1 && errno == EINTR)) {
		if (pid == -1)
			continue;
		struct worker *w;

		w = find(pid);
		if (WIFSIGNALED(st))
			warn("worker %ld killed by signal %d", (long)pid,
			    WTERMSIG(st));
		if (w != NULL)
			*w = workers[--nworkers];
	}
}

static void
read_notes(int fd)
{
	struct note n[64];
	ssize_t r;

	while ((r = read(fd, n, sizeof n)) > 0) {
		size_t i;

		for (i = 0; i < (size_t)r / sizeof n[0]; i++) {
			struct worker *w = find((pid_t)n[i].pid);

			if (w != NULL)
				w->busy = n[i].busy != 0;
		}
	}
}

/* balance: at least SPARE_MIN idle workers, WORKERS_MAX in all; one
 * fewer a second while more than SPARE_MAX have been idle since *EXCESS
 * (0: not now) for TRIM_AFTER seconds */
static void
balance(int listenfd, int notefds[2], time_t *excess, time_t *trimmed)
{
	time_t now = time(NULL);
	size_t i, idle = 0;

	for (i = 0; i < nworkers; i++)
		if (!workers[i].busy && !workers[i].leaving)
			idle++;
	for (; idle < SPARE_MIN && nworkers < WORKERS_MAX; idle++)
		spawn(listenfd, notefds);
	if (idle <= SPARE_MAX) {
		*excess = 0;
		return;
	}
	if (*excess == 0)
		*excess = now;
	if (now - *excess < TRIM_AFTER || now == *trimmed)
		return;
	for (i = 0; i < nworkers; i++)
		if (!workers[i].busy && !workers[i].leaving) {
			workers[i].leaving = true;
			(void)kill(workers[i].pid, SIGUSR1);
			*trimmed = now;
			return;
		}
}

static int
listen_on(const char *name, ino_t *ino)
{
	struct sockaddr_un sa;
	struct timeval tv = { 1, 0 };
	struct stat st;
	int fd;
	mode_t old;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, strlen(name) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die_temp_sys("cannot create a socket");
	/* a second qmail-start (whose qmail-send will fail its lock) must
	 * not take the socket of a running qmail-queued */
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		die_temp("another qmail-queued listens on %s/%s", auto_queue,
		    name);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		die_temp_sys("cannot create a socket");
	(void)unlink(name); /* a previous run's, nobody listening */
	old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1)
		die_temp_sys("cannot bind %s/%s", auto_queue, name);
	umask(old);
	if (listen(fd, 128) == -1)
		die_temp_sys("cannot listen on %s", name);
	/* the workers' accept returns every second to look at `leave` */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1)
		die_temp_sys("cannot set a socket timeout");
	if (stat(name, &st) == -1)
		die_temp_sys("cannot stat %s", name);
	*ino = st.st_ino;
	return fd;
}

int
main(void)
{
	int listenfd, notefds[2], null;
	pid_t parent = getppid();
	time_t excess = 0, trimmed = 0;
	struct stat st;
	ino_t ino;
	size_t i;

	die_init("qmail-queued");
	/* HUP and INT, as qmail-send's other helpers: a signal to the whole
	 * group (systemctl kill -s HUP) must not cut a message short; the
	 * workers inherit this */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	catch(SIGTERM, on_stop);
	catch(SIGCHLD, on_child);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* qmail-send gone already (init took us over), or before the
	 * death signal was asked for */
	if (parent == 1 || getppid() != parent)
		return 0;
	/* fds 0 and 1 on /dev/null, and 2 open (else a socket could
	 * become stderr, and a warning would go to a client) */
	do
		null = open("/dev/null", O_RDWR);
	while (null != -1 && null < 2);
	if (null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1)
		_exit(EXIT_TEMP);
	if (null > 2)
		close(null);
	umask(033); /* qmail-queue's: the queue files are 0644 */
	if (chdir(auto_queue) == -1)
		die_temp_sys("cannot chdir to %s", auto_queue);
	if (pipe2(notefds, O_CLOEXEC) == -1 ||
	    fcntl(notefds[0], F_SETFL, O_NONBLOCK) == -1)
		die_temp_sys("cannot create a pipe");
	listenfd = listen_on(SOCKNAME, &ino);

	while (!stop && getppid() == parent) {
		struct pollfd p = { notefds[0], POLLIN, 0 };

		reap(false);
		read_notes(notefds[0]);
		balance(listenfd, notefds, &excess, &trimmed);
		(void)poll(&p, 1, 1000);
	}

	/* stop: no new clients (unless a new qmail-queued took the name
	 * already); the workers finish what they have and leave */
	if (stat(SOCKNAME, &st) == 0 && st.st_ino == ino)
		(void)unlink(SOCKNAME);
	close(listenfd);
	for (i = 0; i < nworkers; i++)
		(void)kill(workers[i].pid, SIGTERM);
	reap(true);
	return 0;
}
