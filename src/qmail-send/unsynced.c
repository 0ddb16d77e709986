/*
 * unsynced.c - local deliveries reported as 'k': done, but durable only
 * after a barrier on the queue's file system.
 *
 * qmail-lspawn reports 'k' instead of 'K' when a Maildir delivery on the
 * queue's file system linked its file into new/ without the fsync of new/
 * (maildir.h). The delivery slot is free at once; the success waits here,
 * its job still open (so the message is neither retried nor finished),
 * until one durable_barrier on the queue's file system (syncfs, then
 * fsync) makes every new/ entry linked before it durable. Only then are
 * their records marked done ('D') and their jobs let go, as a 'K' would
 * have done at once. A barrier starts at most UNSYNCED_MS after the first
 * success that waits, and at exit.
 *
 * The barrier runs in a child of qmail-send (the syncer, same user, only
 * the queue directory open), so that the scheduler never waits for a
 * syncfs, which writes every dirty page of the file system: qmail-send
 * writes one byte and goes on; the syncer answers with the barrier's
 * errno, 0 for success. A success counts for the entries that were
 * waiting when the byte was written, not for later ones. When the
 * syncer is gone, when UNSYNCED_MAX are waiting, and at exit, qmail-send
 * does the barrier itself.
 *
 * A failed barrier is not tried again for the same entries: syncfs
 * reports a write-back error once (per open file: the syncer has its own
 * open of the queue directory, so that its errors and qmail-send's are
 * both seen), and the pages that failed are no longer dirty, so a second
 * syncfs could succeed without having written them. So a failure lets go
 * of every waiting entry without the marks, and of every 'k' of a
 * delivery started before the failure was seen (it may have linked its
 * file before the failed write-back); those recipients are delivered
 * again at their retry time: a duplicate, never a loss. A crash before
 * the barrier has the same effect.
 * doc/PERFORMANCE.md "Durability".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "durable.h"
#include "monotonic.h"
#include "send.h"

/* due_at: when the next barrier is due (entries are waiting): the
 * oldest waiting success plus UNSYNCED_MS */
static long long
due_at(const struct send *st)
{
	return st->unsynced[0].at + UNSYNCED_MS;
}

/* barrier_errno: 0 after a durable_barrier of FD, else its errno */
static int
barrier_errno(int fd)
{
	return durable_barrier(fd) ? 0 : errno ? errno : EIO;
}

/* syncer: the child's loop; one barrier of the queue directory QFD per
 * byte on fd 0, its errno (an int) back on fd 1; stderr stays qmail-send's.
 * Ends at end of file. */
static _Noreturn void
syncer(int qfd)
{
	char c;
	int err;

	(void)prctl(PR_SET_NAME, "qmail-syncer");
	for (;;) {
		ssize_t r = read(0, &c, 1);

		if (r == -1 && errno == EINTR)
			continue;
		if (r != 1)
			_exit(0);
		err = barrier_errno(qfd);
		if (write(1, &err, sizeof err) != (ssize_t)sizeof err)
			_exit(0);
	}
}

void
unsynced_init(struct send *st)
{
	int qfd;
	pid_t pid;

	st->syncer_to = st->syncer_from = -1;
	st->syncer_pid = -1;
	/* an open of its own: syncfs reports an error once per open file */
	if ((qfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	pid = helper_fork(&st->syncer_to, &st->syncer_from, qfd);
	if (pid == 0)
		syncer(qfd);
	close(qfd);
	st->syncer_pid = pid;
}

/* finish: the first N waiting entries are marked done (a barrier that
 * started after them succeeded); a failed barrier (ERR) lets go of every
 * waiting entry instead, and of the 'k' reports still to come from
 * deliveries started before now (deliver.c) */
static void
finish(struct send *st, size_t n, int err)
{
	size_t i;

	if (err != 0) {
		log_begin();
		log_add("warning: unable to sync the queue's file system: ");
		log_add(strerror(err));
		log_add("; deliveries will be done again");
		log_end();
		n = st->nunsynced;
		st->sync_fail_delid = st->next_delid;
	}
	for (i = 0; i < n; i++)
		deliver_finish(st, st->unsynced[i].job, st->unsynced[i].mpos,
			       err == 0);
	memmove(st->unsynced, st->unsynced + n,
		(st->nunsynced - n) * sizeof st->unsynced[0]);
	st->nunsynced -= n;
}

/* syncer_gone: no more barriers from the child; WAIT when it is known
 * to be ending (end of file, EPIPE), so that it is reaped */
static void
syncer_gone(struct send *st, bool wait)
{
	if (st->syncer_to != -1)
		close(st->syncer_to);
	if (st->syncer_from != -1)
		close(st->syncer_from);
	st->syncer_to = st->syncer_from = -1;
	st->sync_inflight = false;
	st->sync_covered = 0;
	if (st->syncer_pid > 0 &&
	    waitpid(st->syncer_pid, NULL, wait ? 0 : WNOHANG) ==
		st->syncer_pid)
		st->syncer_pid = -1;
}

/* barrier_here: the barrier in this process, for every waiting entry */
static void
barrier_here(struct send *st)
{
	int err = barrier_errno(st->queuefd);

	/* a reply still to come covers nothing any more */
	st->sync_covered = 0;
	finish(st, st->nunsynced, err);
}

void
unsynced_add(struct send *st, size_t job, off_t mpos)
{
	if (st->nunsynced == UNSYNCED_MAX)
		barrier_here(st);
	st->unsynced[st->nunsynced].job = job;
	st->unsynced[st->nunsynced].mpos = mpos;
	st->unsynced[st->nunsynced].at = monotonic_ms();
	st->nunsynced++;
}

void
unsynced_flush(struct send *st, bool now)
{
	char c = 'B';

	if (now) {
		if (st->nunsynced > 0)
			barrier_here(st);
		syncer_gone(st, false); /* end of file: the syncer exits */
		return;
	}
	if (st->nunsynced == 0 || st->sync_inflight ||
	    monotonic_ms() < due_at(st))
		return;
	if (st->syncer_to != -1 && write(st->syncer_to, &c, 1) == 1) {
		st->sync_inflight = true;
		st->sync_covered = st->nunsynced;
		return;
	}
	syncer_gone(st, true);
	barrier_here(st);
}

void
unsynced_pollfd(const struct send *st, struct pollfd *p, size_t *n)
{
	if (st->syncer_from == -1)
		return;
	p[*n].fd = st->syncer_from;
	p[*n].events = POLLIN;
	p[*n].revents = 0;
	(*n)++;
}

void
unsynced_io(struct send *st, const struct pollfd *p, size_t n)
{
	size_t i, covered;
	ssize_t r;
	int err;

	for (i = 0; i < n; i++)
		if (p[i].fd == st->syncer_from && st->syncer_from != -1 &&
		    p[i].revents)
			break;
	if (i == n)
		return;
	r = read(st->syncer_from, &err, sizeof err);
	covered = st->sync_covered;
	st->sync_inflight = false;
	st->sync_covered = 0;
	if (r != (ssize_t)sizeof err) {
		/* the syncer died, perhaps in the middle of a barrier */
		log_str("warning: the queue syncer is gone; qmail-send syncs "
			"by itself");
		syncer_gone(st, true);
		if (st->nunsynced > 0)
			barrier_here(st);
		return;
	}
	/* an error counts even for a reply that covers nothing any more:
	 * it was the one report of it */
	if (err != 0 || covered > 0)
		finish(st, covered, err);
}

void
unsynced_timeout(const struct send *st, struct timespec *ts)
{
	long long left;

	if (st->nunsynced == 0 || st->sync_inflight)
		return;
	left = due_at(st) - monotonic_ms();
	if (left < 0)
		left = 0;
	if ((long long)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 > left) {
		ts->tv_sec = (time_t)(left / 1000);
		ts->tv_nsec = (long)(left % 1000) * 1000000;
	}
}
