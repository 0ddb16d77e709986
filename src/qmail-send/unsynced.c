/*
 * unsynced.c - local deliveries reported as 'k': done, but durable only
 * after a barrier on the queue's file system.
 *
 * qmail-lspawn reports 'k' instead of 'K' when a Maildir delivery on the
 * queue's file system linked its file into new/ without the fsync of new/
 * (maildir.h). The delivery slot is free at once; the success waits here,
 * its job still open (so the message is neither retried nor finished),
 * until one durable_barrier on the queue's file system makes every waiting
 * new/ entry durable: at most UNSYNCED_MS after the first of them, when
 * UNSYNCED_MAX are waiting, or at exit. Only then are their records marked
 * done ('D') and their jobs let go, exactly as a 'K' would have done at
 * once. A crash before that leaves the records 'T': the message is
 * delivered again, a duplicate, never a loss. If a barrier fails it is
 * tried again a second later; when one must happen now (full, exit) and
 * fails, the jobs are let go without the marks, so those recipients are
 * delivered again at their retry time. doc/PERFORMANCE.md "Durability".
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "durable.h"
#include "send.h"

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
unsynced_add(struct send *st, size_t job, off_t mpos)
{
	if (st->nunsynced == UNSYNCED_MAX)
		unsynced_flush(st, true);
	if (st->nunsynced == 0)
		st->unsynced_at = now_ms() + UNSYNCED_MS;
	st->unsynced[st->nunsynced].job = job;
	st->unsynced[st->nunsynced].mpos = mpos;
	st->nunsynced++;
}

void
unsynced_flush(struct send *st, bool now)
{
	bool synced;
	size_t i, n = st->nunsynced;

	if (n == 0 || (!now && now_ms() < st->unsynced_at))
		return;
	synced = durable_barrier(st->queuefd);
	if (!synced) {
		log_begin();
		log_add("warning: unable to sync the queue's file system: ");
		log_add(strerror(errno));
		log_add(now ? "; deliveries will be done again"
			    : "; will try again");
		log_end();
		if (!now) {
			st->unsynced_at = now_ms() + 1000;
			return;
		}
	}
	st->nunsynced = 0;
	for (i = 0; i < n; i++)
		deliver_finish(st, st->unsynced[i].job, st->unsynced[i].mpos,
			       synced);
}

void
unsynced_timeout(const struct send *st, struct timespec *ts)
{
	long long left;

	if (st->nunsynced == 0)
		return;
	left = st->unsynced_at - now_ms();
	if (left < 0)
		left = 0;
	if ((long long)ts->tv_sec * 1000 + ts->tv_nsec / 1000000 > left) {
		ts->tv_sec = (time_t)(left / 1000);
		ts->tv_nsec = (long)(left % 1000) * 1000000;
	}
}
