/*
 * sched.c - the in-memory schedule of qmail-send.
 *
 * Each channel has a priority queue of (next attempt, message); pqdone
 * holds messages whose channels may all be finished, pqfail messages to
 * look at again after a system error. At start local/ and remote/ (and
 * info/, for messages of the older layout) are scanned once
 * (sched_start); after that the queue directories are never rescanned:
 * new messages come from qmail-todo, and the schedule is kept in memory.
 * At exit each waiting message's next attempt is stored as the mtime of
 * its channel file (sched_finish), as qmail does.
 *
 * A channel's queue holds only messages due within SCHED_HORIZON, at most
 * SCHED_CAP (sched_chan); any other is "spilled": its next attempt goes
 * to the mtime of its channel file at once, and it waits on disk. A pass
 * over local/ and remote/ (rescan_step, BATCH entries per loop, every
 * SCHED_RESCAN seconds, sooner when a due message found no room, and at
 * once on ALRM) loads the messages that have come due. A message whose
 * todo/ entry exists is left alone: qmail-todo is writing its files or
 * has told us already. So qmail-send's memory and its work per loop stay
 * bounded however many messages wait for a dead host.
 *
 * Finishing a message (messdone). A channel file carries the message's
 * head (sender, birth: lib/queue.h), so it is what keeps a message alive,
 * as info/S/N did in qmail's layout. A channel whose recipients are all
 * done is kept (chan[c].fin) while it may be the last: when another
 * channel file is still going, the finished one goes at once; when none
 * is, and todo/S/N is gone, the bounce (if any) is injected, then the
 * channel files go, and the last answer (sched_chan_removed) has
 * qmail-clean remove mess/S/N; for the older layout info/S/N goes before
 * mess/S/N. So mess/S/N, and with it the inode number N, stays taken
 * while any file names N. The periodic cleanup walks mess/, a few
 * entries per loop, for leftovers of a killed qmail-queue or of a crash
 * older than 36 hours that no file names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "auto.h"
#include "queue.h"
#include "send.h"

#define BATCH        100

static const char *const chan_dir[CHANNELS] = {"local", "remote"};

void
sched_insert(struct send *st, struct prioq *pq, unsigned long id, time_t dt)
{
	struct prioq_elt e = {dt, id};

	(void)st;

	/* forgetting a message would stall it until the next restart:
	 * wait for memory instead, as qmail does */
	while (!prioq_insert(pq, &e)) {
		log_str("alert: out of memory, sleeping...");
		sleep(10);
	}
}

void
sched_done_add(struct send *st, unsigned long id, time_t dt)
{
	sched_insert(st, &st->pqdone, id, dt);
}

/* spill_time: stores DT as the mtime of channel C's file of ID */
static void
spill_time(struct send *st, int c, unsigned long id, time_t dt)
{
	struct utimbuf ut;

	if (!queue_path(&st->fn2, chan_dir[c], id))
		return;
	ut.actime = ut.modtime = dt;
	if (utime(st->fn2.data, &ut) == -1 && errno != ENOENT) {
		log_begin();
		log_add("warning: unable to utime ");
		log_add(st->fn2.data);
		log_add("; message will be retried too soon");
		log_end();
	}
}

void
sched_chan(struct send *st, int c, unsigned long id, time_t dt, bool on_disk)
{
	struct chan *ch = &st->chan[c];

	if (dt <= st->now + SCHED_HORIZON &&
	    (idset_has(&ch->mem, id) || ch->mem.len < SCHED_CAP) &&
	    idset_add(&ch->mem, id)) {
		sched_insert(st, &ch->pq, id, dt);
		return;
	}
	/* on disk until a pass finds it due (idset_add can only fail for
	 * memory: then too) */
	if (dt <= st->now + SCHED_HORIZON)
		st->rescan_soon = true;
	idset_del(&ch->mem, id);
	if (!on_disk)
		spill_time(st, c, id, dt);
}

void
sched_chan_gone(struct send *st, int c, unsigned long id)
{
	idset_del(&st->chan[c].mem, id);
	idset_del(&st->chan[c].fin, id);
}

void
sched_chan_done(struct send *st, int c, unsigned long id, bool older)
{
	if (!idset_add(&st->chan[c].fin, id) ||
	    (older && !idset_add(&st->older, id))) {
		/* out of memory: a pass reads the file again later */
		idset_del(&st->chan[c].fin, id);
		sched_chan(st, c, id, st->now + SLEEP_SYSFAIL, false);
		return;
	}
	sched_done_add(st, id, st->now);
}

void
sched_chan_removed(struct send *st, int c, unsigned long id)
{
	int k;

	sched_chan_gone(st, c, id);
	if (!idset_has(&st->finishing, id)) {
		/* a finished channel went while another was going, which
		 * may have finished meanwhile */
		sched_done_add(st, id, st->now);
		return;
	}
	for (k = 0; k < CHANNELS; k++)
		if (idset_has(&st->chan[k].fin, id))
			return; /* the last answer finishes the message */
	idset_del(&st->finishing, id);
	if (idset_has(&st->older, id)) {
		idset_del(&st->older, id);
		remove_info(st, id); /* then clean_mess (remover.c) */
	} else
		clean_mess(st, id);
}

static void
warn_file(const char *what, const struct strbuf *fn, const char *tail)
{
	log_begin();
	log_add(what);
	log_add(fn->data ? fn->data : "?");
	log_add(tail);
	log_end();
}

/* exists: 1 yes, 0 no, -1 error (logged) */
static int
exists(struct send *st, const char *dir, unsigned long id)
{
	struct stat sb;

	if (!queue_path(&st->fn, dir, id))
		return -1;
	if (stat(st->fn.data, &sb) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	warn_file("warning: unable to stat ", &st->fn, "");
	return -1;
}

void
sched_add(struct send *st, unsigned long id)
{
	struct stat sb;
	bool any = false;
	int c;

	switch (exists(st, "todo", id)) {
	case 1:
		/* at start: qmail-todo will do it again and tell us. Later
		 * (a retry from pqfail) it may have told us already and be
		 * waiting for its checkpoint: then the channel files wait on
		 * disk until a pass (rescan_step) finds them, todo/S/N gone */
		return;
	case -1:
		goto fail;
	}
	for (c = 0; c < CHANNELS; c++) {
		if (!queue_path(&st->fn, chan_dir[c], id))
			goto fail;
		if (stat(st->fn.data, &sb) == 0) {
			sched_chan(st, c, id, sb.st_mtime, true);
			any = true;
		} else if (errno != ENOENT) {
			warn_file("warning: unable to stat ", &st->fn,
				  "; will try again later");
			goto fail;
		}
	}
	if (!any)
		sched_done_add(st, id, st->now);
	return;
fail:
	sched_insert(st, &st->pqfail, id, st->now + SLEEP_SYSFAIL);
}

/* start_scan: sched_add for every message in DIR/S that none of the
 * directories in SKIP (NULL-ended) names too: each message once */
static void
start_scan(struct send *st, const char *dir, unsigned long s,
	   const char *const *skip)
{
	char path[64];
	struct dirent *d;
	unsigned long id;
	const char *const *k;
	DIR *dp;

	snprintf(path, sizeof path, "%s/%lu", dir, s);
	while ((dp = opendir(path)) == NULL) {
		log_begin();
		log_add("alert: unable to opendir ");
		log_add(path);
		log_add(", sleeping...");
		log_end();
		sleep(10);
	}
	while ((d = readdir(dp)) != NULL) {
		if (!queue_parse_id(d->d_name, &id) || queue_split(id) != s)
			continue;
		for (k = skip; *k != NULL; k++)
			if (exists(st, *k, id) == 1)
				break; /* counted there (trouble: here too) */
		if (*k == NULL)
			sched_add(st, id);
	}
	closedir(dp);
}

void
sched_start(struct send *st)
{
	static const char *const none[] = {NULL};
	static const char *const not_local[] = {"local", NULL};
	static const char *const not_chan[] = {"local", "remote", NULL};
	unsigned long s;

	for (s = 0; s < (auto_split ? auto_split : 1); s++) {
		start_scan(st, "local", s, none);
		start_scan(st, "remote", s, not_local);
		start_scan(st, "info", s, not_chan); /* the older layout */
	}
}

void
sched_finish(struct send *st)
{
	struct prioq_elt pe;
	struct utimbuf ut;
	int c;

	for (c = 0; c < CHANNELS; c++)
		while (prioq_min(&st->chan[c].pq, &pe)) {
			prioq_delmin(&st->chan[c].pq);
			if (!queue_path(&st->fn, chan_dir[c], pe.id))
				continue;
			ut.actime = ut.modtime = pe.dt;
			if (utime(st->fn.data, &ut) == -1 && errno != ENOENT)
				warn_file("warning: unable to utime ", &st->fn,
					  "; message will be retried too soon");
		}
}

void
sched_run_now(struct send *st)
{
	int c;

	for (c = 0; c < CHANNELS; c++)
		prioq_set_all(&st->chan[c].pq, st->now);
	/* and those waiting on disk: a pass that takes them all as due */
	st->rescan_all = true;
	st->rescan_time = st->now;
	if (st->rescan_running) {
		if (st->rescan_dir != NULL)
			closedir(st->rescan_dir);
		st->rescan_dir = NULL;
		st->rescan_running = false;
	}
}

static void
messdone(struct send *st, unsigned long id)
{
	bool left[CHANNELS], going = false, any = false;
	int c;

	/* an unlink of its files is under way: its answer comes back to
	 * sched_chan_removed, or (info/) finishes the message */
	if (remove_pending(st, id))
		return;

	for (c = 0; c < CHANNELS; c++) {
		int e = exists(st, chan_dir[c], id);

		if (e == -1)
			goto fail;
		left[c] = e == 1;
		if (left[c] && !idset_has(&st->chan[c].fin, id))
			going = true;
		any = any || left[c];
	}
	if (going) {
		/* the channel still going holds the head: a finished one
		 * can go now (its answer brings us back here) */
		for (c = 0; c < CHANNELS; c++)
			if (left[c] && idset_has(&st->chan[c].fin, id))
				remove_chan(st, c, id);
		idset_del(&st->older, id);
		return;
	}
	/* the older layout: info/S/N alone left; else already finished */
	if (!any)
		switch (exists(st, "info", id)) {
		case 0:
			return;
		case -1:
			goto fail;
		}
	switch (exists(st, "todo", id)) {
	case 1:
		/* qmail-todo has not cleaned todo/ yet (or will redo the
		 * message): look again soon */
		sched_done_add(st, id, st->now + 1);
		return;
	case -1:
		goto fail;
	}
	if (any && !idset_add(&st->finishing, id))
		goto fail;
	if (!bounces_inject(st, id)) {
		idset_del(&st->finishing, id);
		goto fail;
	}
	log_begin();
	log_add("end msg ");
	log_addnum(id);
	log_end();
	if (!any) {
		remove_info(st, id); /* then clean_mess (remover.c) */
		return;
	}
	for (c = 0; c < CHANNELS; c++)
		if (left[c])
			remove_chan(st, c, id); /* then sched_chan_removed */
	return;
fail:
	sched_done_add(st, id, st->now + SLEEP_SYSFAIL);
}

/* cleanup_step: looks at a few entries of mess/ for old leftovers */
static void
cleanup_step(struct send *st)
{
	struct dirent *d;
	struct stat sb;
	unsigned long id;
	char dir[64];
	int n;

	if (!st->cleanup_running) {
		if (st->now < st->cleanup_time)
			return;
		st->cleanup_running = true;
		st->cleanup_split = 0;
		st->cleanup_dir = NULL;
	}
	for (n = 0; n < BATCH; n++) {
		if (st->cleanup_dir == NULL) {
			if (st->cleanup_split >=
			    (auto_split ? auto_split : 1)) {
				st->cleanup_running = false;
				st->cleanup_time = st->now + SLEEP_CLEANUP;
				return;
			}
			snprintf(dir, sizeof dir, "mess/%lu",
				 st->cleanup_split++);
			if ((st->cleanup_dir = opendir(dir)) == NULL)
				continue;
		}
		if ((d = readdir(st->cleanup_dir)) == NULL) {
			closedir(st->cleanup_dir);
			st->cleanup_dir = NULL;
			continue;
		}
		if (!queue_parse_id(d->d_name, &id))
			continue;
		if (!queue_path(&st->fn, "mess", id) ||
		    stat(st->fn.data, &sb) == -1)
			continue; /* probably qmail-queue removed it */
		if (st->now <= sb.st_mtime + OSSIFIED)
			continue;
		/* any file naming N keeps it (trouble too) */
		if (exists(st, "local", id) != 0 ||
		    exists(st, "remote", id) != 0 ||
		    exists(st, "info", id) != 0 || exists(st, "todo", id) != 0)
			continue;
		clean_mess(st, id);
	}
}

/* rescan_load: a channel file met by a pass: loads it when it is due and
 * not known already */
static void
rescan_load(struct send *st, int c, unsigned long id)
{
	struct chan *ch = &st->chan[c];
	struct stat sb;

	if (idset_has(&ch->mem, id))
		return;
	if (ch->mem.len >= SCHED_CAP) {
		/* full: no stat of every further file; a pass comes again
		 * once there is room (it may find nothing due: harmless) */
		st->rescan_soon = true;
		return;
	}
	if (!queue_path(&st->fn, chan_dir[c], id) ||
	    stat(st->fn.data, &sb) == -1)
		return; /* gone meanwhile, or trouble: the next pass */
	if (!st->rescan_all && sb.st_mtime > st->now + SCHED_HORIZON)
		return;
	/* qmail-todo is writing it, or has told us and not yet removed
	 * todo/S/N (its checkpoint): look again soon */
	if (exists(st, "todo", id) != 0) {
		st->rescan_skipped = true;
		return;
	}
	sched_chan(st, c, id, st->rescan_all ? st->now : sb.st_mtime, true);
}

/* rescan_wanted: a due message found no room, and there is room now */
static bool
rescan_wanted(const struct send *st)
{
	int c;

	if (!st->rescan_soon)
		return false;
	for (c = 0; c < CHANNELS; c++)
		if (st->chan[c].mem.len >= SCHED_CAP / 2)
			return false;
	return true;
}

/* next_backoff: the wait before the next pass after one that skipped a
 * message: 1, 2, 4 ... s, at most SCHED_RESCAN */
static time_t
next_backoff(time_t backoff)
{
	if (backoff == 0)
		return 1;
	return backoff * 2 > SCHED_RESCAN ? SCHED_RESCAN : backoff * 2;
}

/* rescan_step: BATCH entries of the pass over local/ and remote/ */
static void
rescan_step(struct send *st)
{
	struct dirent *d;
	unsigned long id;
	char dir[64];
	int n;

	if (!st->rescan_running) {
		if (st->now < st->rescan_time && !rescan_wanted(st))
			return;
		st->rescan_running = true;
		st->rescan_soon = false;
		st->rescan_chan = 0;
		st->rescan_split = 0;
		st->rescan_dir = NULL;
	}
	for (n = 0; n < BATCH; n++) {
		if (st->rescan_dir == NULL) {
			if (st->rescan_split >= (auto_split ? auto_split : 1)) {
				st->rescan_split = 0;
				st->rescan_chan++;
			}
			if (st->rescan_chan >= CHANNELS) {
				st->rescan_running = false;
				/* ALRM's pass is over: a message it skipped
				 * (todo/S/N still there) is new and due by
				 * its mtime anyway */
				st->rescan_all = false;
				if (st->rescan_skipped) {
					st->rescan_backoff =
					    next_backoff(st->rescan_backoff);
					st->rescan_time =
					    st->now + st->rescan_backoff;
				} else {
					st->rescan_backoff = 0;
					st->rescan_time = st->now + SCHED_RESCAN;
				}
				st->rescan_skipped = false;
				return;
			}
			snprintf(dir, sizeof dir, "%s/%lu",
				 chan_dir[st->rescan_chan], st->rescan_split++);
			st->rescan_dir = opendir(dir);
			continue;
		}
		if ((d = readdir(st->rescan_dir)) == NULL) {
			closedir(st->rescan_dir);
			st->rescan_dir = NULL;
			continue;
		}
		if (queue_parse_id(d->d_name, &id) &&
		    queue_split(id) == st->rescan_split - 1)
			rescan_load(st, st->rescan_chan, id);
	}
}

void
sched_do(struct send *st)
{
	struct prioq_elt pe;
	int n;

	for (n = 0;
	     n < BATCH && prioq_min(&st->pqfail, &pe) && pe.dt <= st->now;
	     n++) {
		prioq_delmin(&st->pqfail);
		sched_add(st, pe.id);
	}
	for (n = 0; n < BATCH && !st->flag_exit &&
		    prioq_min(&st->pqdone, &pe) && pe.dt <= st->now;
	     n++) {
		prioq_delmin(&st->pqdone);
		messdone(st, pe.id);
	}
	if (!st->flag_exit) {
		cleanup_step(st);
		rescan_step(st);
	}
}

void
sched_wakeup(const struct send *st, time_t *wakeup)
{
	struct prioq_elt pe;

	if (prioq_min(&st->pqfail, &pe) && pe.dt < *wakeup)
		*wakeup = pe.dt;
	if (st->flag_exit)
		return;
	if (prioq_min(&st->pqdone, &pe) && pe.dt < *wakeup)
		*wakeup = pe.dt;
	if (st->cleanup_running)
		*wakeup = st->now;
	else if (st->cleanup_time < *wakeup)
		*wakeup = st->cleanup_time;
	if (st->rescan_running || rescan_wanted(st))
		*wakeup = st->now;
	else if (st->rescan_time < *wakeup)
		*wakeup = st->rescan_time;
}
