/*
 * remover.c - qmail-send's own unlinks of local/S/N, remote/S/N and
 * (the older layout) info/S/N, done by a child (qmail-remover: same
 * user, only its two pipes) so that the main loop does not wait on them.
 *
 * Each unlink frees the file's block, and on ext4 without a journal
 * mounted with `discard` the kernel discards it before unlink returns: a
 * device round trip per file. Done inline, a burst of
 * finished messages held qmail-send away from its deliveries for tens of
 * milliseconds at a time (doc/PERFORMANCE.md). The child takes "PATH\0"
 * requests on fd 0 and answers each, in order, with '+' (gone, or was not
 * there) or '!' (unlink failed) on fd 1; it ends at end of file.
 *
 * What follows an unlink happens when its answer comes, exactly as it did
 * after the inline unlink: a channel file's removal goes to
 * sched_chan_removed (the last one of a finished message lets mess/S/N
 * go); info/'s (the older layout) lets mess/S/N go (clean_mess); a
 * failure is logged and tried again later. Without the child (it could
 * not be started, or died) the unlink is done inline again.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iobuf.h"
#include "queue.h"
#include "send.h"

#define RM_INFO CHANNELS /* the ring's "what" for info/S/N */

static const char *const rm_dir[CHANNELS + 1] = {"local", "remote", "info"};

/* remover: the child's loop */
static _Noreturn void
remover(void)
{
	char buf[4096];
	size_t have = 0;

	(void)prctl(PR_SET_NAME, "qmail-remover");
	for (;;) {
		char *nul;
		ssize_t r = read(0, buf + have, sizeof buf - have);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(0);
		have += (size_t)r;
		while ((nul = memchr(buf, '\0', have)) != NULL) {
			size_t len = (size_t)(nul - buf) + 1;
			char c = unlink(buf) == 0 || errno == ENOENT ? '+'
								     : '!';

			if (write(1, &c, 1) != 1)
				_exit(0);
			memmove(buf, buf + len, have - len);
			have -= len;
		}
		if (have == sizeof buf)
			_exit(111); /* no request is that long */
	}
}

void
remover_init(struct send *st)
{
	int to = -1, from = -1;

	st->remover_pid = helper_fork(&to, &from, -1);
	if (st->remover_pid == 0)
		remover();
	reqpipe_init(&st->remover, to, from);
}

/* removed: what follows the unlink of WHAT's file of ID; OK is its
 * outcome (a reqpipe_answer_fn) */
static void
removed(struct send *st, unsigned long id, int what, bool ok)
{
	if (!ok) {
		if (queue_path(&st->fn2, rm_dir[what], id)) {
			log_begin();
			log_add("warning: unable to unlink ");
			log_add(st->fn2.data);
			log_add("; will try again later");
			log_end();
		}
		if (what == RM_INFO)
			sched_done_add(st, id, st->now + SLEEP_SYSFAIL);
		else {
			/* not finished after all: a pass reads the file
			 * again (no longer finished meanwhile), and
			 * messdone starts over */
			idset_del(&st->finishing, id);
			idset_del(&st->chan[what].fin, id);
			sched_chan(st, what, id, st->now + SLEEP_SYSFAIL,
				   false);
		}
		return;
	}
	if (what == RM_INFO)
		clean_mess(st, id);
	else
		sched_chan_removed(st, what, id);
}

/* unlink_now: WHAT's file of ID goes inline; then as removed */
static void
unlink_now(struct send *st, unsigned long id, int what)
{
	removed(st, id, what, queue_path(&st->fn2, rm_dir[what], id) &&
		(unlink(st->fn2.data) == 0 || errno == ENOENT));
}

/* remover_gone: no more unlinks by the child; WARN when it went away
 * (not at qmail-send's exit) */
static void
remover_gone(struct send *st, bool warn)
{
	unsigned long id;
	int what;

	if (st->remover.to == -1)
		return;
	if (warn)
		log_str("warning: the queue remover is gone; qmail-send "
			"unlinks by itself");
	reqpipe_close(&st->remover);
	/* it is dead or at end of file (its requests are closed): reaped
	 * at once */
	if (st->remover_pid > 0) {
		while (waitpid(st->remover_pid, NULL, 0) == -1 &&
		       errno == EINTR)
			;
		st->remover_pid = -1;
	}
	/* what it was asked and did not answer is done inline */
	while (reqpipe_pop(&st->remover, &id, &what))
		unlink_now(st, id, what);
}

/* request: WHAT's file of ID goes, now or when the child answers */
static void
request(struct send *st, unsigned long id, int what)
{
	if (st->remover.to != -1 &&
	    !reqpipe_room(st, &st->remover, removed))
		remover_gone(st, true);
	if (st->remover.to != -1) {
		if (!queue_path(&st->fn2, rm_dir[what], id)) {
			removed(st, id, what, false); /* out of memory: later */
			return;
		}
		if (reqpipe_ask(&st->remover, st->fn2.data, st->fn2.len + 1,
				id, what))
			return;
		remover_gone(st, true);
	}
	unlink_now(st, id, what);
}

void
remove_chan(struct send *st, int c, unsigned long id)
{
	request(st, id, c);
}

void
remove_info(struct send *st, unsigned long id)
{
	request(st, id, RM_INFO);
}

bool
remove_pending(const struct send *st, unsigned long id)
{
	return reqpipe_has(&st->remover, id);
}

void
remover_pollfd(const struct send *st, struct pollfd *p, size_t *n)
{
	reqpipe_pollfd(&st->remover, p, n);
}

void
remover_io(struct send *st, const struct pollfd *p, size_t n)
{
	if (reqpipe_ready(&st->remover, p, n) &&
	    !reqpipe_take(st, &st->remover, false, removed))
		remover_gone(st, true);
}

void
remover_drain(struct send *st)
{
	while (st->remover.n > 0 && st->remover.to != -1)
		if (!reqpipe_take(st, &st->remover, true, removed))
			remover_gone(st, true);
	remover_gone(st, false); /* end of file: the child exits */
}
