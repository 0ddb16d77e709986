/*
 * qmail-send - schedules deliveries, retries and bounces (qmail-send(8)).
 *
 * Started by qmail-start as qmails with the fds of doc/INTERNALS.md: the
 * log on fd 0, qmail-lspawn on 1/2, qmail-rspawn on 3/4, qmail-clean on
 * 5/6, qmail-todo on 7/8. One loop: wait in ppoll() for a spawner reply,
 * a message from qmail-todo, a writable spawner pipe, a signal or the next
 * due time; then read replies, take new messages, start deliveries and
 * finish messages. Signals are blocked except inside ppoll(), so a signal
 * is never lost between a check and the wait.
 *
 * Signals: HUP rereads locals, virtualdomains and the concurrency files
 * (and tells qmail-todo); ALRM makes every queued message due now; TERM
 * stops new deliveries, waits for those under way, stores the schedule
 * and exits 0. Exit 111 when it cannot start (controls, queue directory,
 * lock, spawners); the reason goes to the log, since fd 2 is a pipe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auto.h"
#include "send.h"
#include "spawner.h"

#define SLEEP_FUZZ  1
#define MAX_POLLFDS 10

static volatile sig_atomic_t got_term, got_alrm, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGTERM)
		got_term = 1;
	else if (sig == SIGALRM)
		got_alrm = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
}

static _Noreturn void
cannot_start(const char *why)
{
	log_begin();
	log_add("alert: cannot start: ");
	log_add(why);
	log_end();
	_exit(111);
}

static void
signals_setup(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGALRM);
	sigdelset(waitmask, SIGHUP);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
}

pid_t
helper_fork(int *to, int *from, int keep)
{
	int req[2], rep[2];
	pid_t pid, parent;

	if (pipe2(req, O_CLOEXEC) == -1)
		return -1;
	if (pipe2(rep, O_CLOEXEC) == -1) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		sigset_t none;

		/* never outlives qmail-send: requests it buffered must not
		 * run while a new qmail-send reuses the names */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(111);
		/* qmail-send decides when it ends: end of file on fd 0 */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_IGN;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGALRM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(req[0], 0) == -1 || dup2(rep[1], 1) == -1)
			_exit(111);
		/* not the spawner, clean and todo pipes */
		spawn_close_others_except(keep);
		return 0;
	}
	close(req[0]);
	close(rep[1]);
	if (pid == -1) {
		close(req[1]);
		close(rep[0]);
		return -1;
	}
	*to = req[1];
	*from = rep[0];
	return pid;
}

static void
lock_mutex(void)
{
	struct flock fl;
	int fd;

	fd = open("lock/sendmutex", O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		cannot_start("unable to open mutex");
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == -1)
		cannot_start("qmail-send is already running");
	/* the lock is held until exit: fd stays open */
}

static void
handle_flags(struct send *st)
{
	if (got_term) {
		got_term = 0;
		if (!st->flag_exit) {
			st->flag_exit = true;
			todo_tell(st, 'X');
			log_status(st);
		}
	}
	if (got_alrm) {
		got_alrm = 0;
		sched_run_now(st);
	}
	if (got_hup) {
		got_hup = 0;
		conf_reread(st);
	}
}

/* send_free: releases everything, so that a leak checker sees none */
static void
send_free(struct send *st)
{
	size_t i;
	int c;

	for (c = 0; c < CHANNELS; c++) {
		struct chan *ch = &st->chan[c];

		for (i = 0; i < ch->dcap; i++)
			strbuf_free(&ch->d[i].recip);
		free(ch->d);
		strbuf_free(&ch->out);
		strbuf_free(&ch->reply.text);
		prioq_free(&ch->pq);
		idset_free(&ch->mem);
		idset_free(&ch->fin);
		if (ch->pass.id)
			close(ch->pass.fd);
	}
	for (i = 0; i < st->njobs; i++)
		strbuf_free(&st->jobs[i].sender);
	free(st->jobs);
	free(st->freejobs);
	prioq_free(&st->pqdone);
	prioq_free(&st->pqfail);
	idset_free(&st->finishing);
	idset_free(&st->older);
	if (st->rescan_dir != NULL)
		closedir(st->rescan_dir);
	strbuf_free(&st->todo_buf);
	strbuf_free(&st->fn);
	strbuf_free(&st->fn2);
	conf_free(&st->conf);
	close(st->queuefd);
}

int
main(void)
{
	struct pollfd p[MAX_POLLFDS];
	struct timespec ts;
	struct send st;
	sigset_t waitmask;
	time_t wakeup;
	size_t n;
	int fd;

	memset(&st, 0, sizeof st);
	st.next_delid = 1;
	clean_init(&st);
	reqpipe_init(&st.remover, -1, -1); /* remover_init starts it */
	signals_setup(&waitmask);
	/* fds 0-8 are qmail-send's own: the qmail-queue (or QMAILQUEUE
	 * filter) it runs for a bounce must not hold the spawner, clean and
	 * todo pipes (qq_start gives the child its own fds 0 and 1) */
	for (fd = 0; fd <= 8; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	umask(077);
	if (chdir(auto_qmail) == -1)
		cannot_start("unable to switch to home directory");
	if (!conf_load(&st.conf, true))
		cannot_start("unable to read controls");
	if (chdir(auto_queue) == -1)
		cannot_start("unable to switch to queue directory");
	lock_mutex();
	st.queuefd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st.queuefd == -1)
		cannot_start("unable to open the queue directory");
	unsynced_init(&st); /* without it qmail-send syncs by itself */
	remover_init(&st); /* without it qmail-send unlinks by itself */
	st.now = time(NULL);
	if (!deliver_init(&st))
		cannot_start("hath the daemon spawn no fire?");
	sched_start(&st);
	st.cleanup_time = st.now;
	st.rescan_time = st.now + SCHED_RESCAN; /* sched_start was one */
	log_status(&st);
	todo_init(&st);

	while (!st.flag_exit || !deliver_canexit(&st)) {
		st.now = time(NULL);
		handle_flags(&st);
		wakeup = st.now + SLEEP_FOREVER;
		n = 0;
		deliver_pollfds(&st, p, &n);
		todo_pollfd(&st, p, &n);
		clean_pollfd(&st, p, &n);
		remover_pollfd(&st, p, &n);
		unsynced_pollfd(&st, p, &n);
		deliver_wakeup(&st, &wakeup);
		sched_wakeup(&st, &wakeup);
		ts.tv_sec = wakeup <= st.now ? 0 : wakeup - st.now + SLEEP_FUZZ;
		ts.tv_nsec = 0;
		unsynced_timeout(&st, &ts);
		if (ppoll(p, n, &ts, &waitmask) == -1) {
			if (errno != EINTR)
				log_str("warning: trouble in poll");
			continue;
		}
		st.now = time(NULL);
		deliver_io(&st, p, n);
		unsynced_io(&st, p, n);
		unsynced_flush(&st, false);
		todo_io(&st, p, n);
		clean_io(&st, p, n);
		remover_io(&st, p, n);
		handle_flags(&st);
		deliver_passes(&st);
		sched_do(&st);
	}
	unsynced_flush(&st, true);
	todo_tell(&st, 'X');
	remover_drain(&st);
	clean_drain(&st);
	sched_finish(&st);
	send_free(&st);
	log_str("status: exiting");
	return 0;
}
