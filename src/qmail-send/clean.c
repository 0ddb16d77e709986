/*
 * clean.c - qmail-send's side of the pipe to its qmail-clean (fds 5 and
 * 6): the removal of mess/S/N once a message is finished, or a leftover
 * of a killed qmail-queue is found (doc/INTERNALS.md, "qmail-send ->
 * qmail-clean").
 *
 * Requests are written as they come and answered in order; the answers
 * are read when they arrive (clean_io, reqpipe.c), so the main loop never
 * waits on qmail-clean's unlinks (each frees blocks, and with the discard
 * mount option ext4 without a journal discards them synchronously). A
 * '!' (or 'x') is logged: the file stays, and the cleanup pass removes it
 * after 36 hours, as qmail-send did when it waited. A broken pipe ends
 * qmail-send as before.
 */
#include "queue.h"
#include "send.h"

#define FD_TOCLEAN   5
#define FD_FROMCLEAN 6

/* answered: one of qmail-clean's answers; a failure leaves the file to
 * the cleanup pass */
static void
answered(struct send *st, unsigned long id, int what, bool ok)
{
	(void)what;
	if (!ok && queue_path(&st->fn2, "mess", id)) {
		log_begin();
		log_add("warning: qmail-clean unable to clean up ");
		log_add(st->fn2.data);
		log_end();
	}
}

static void
clean_died(struct send *st)
{
	if (!st->flag_exit)
		log_str("alert: oh no! lost qmail-clean connection! dying...");
	st->flag_exit = true;
	st->clean.to = st->clean.from = -1; /* qmail-start's fds: kept */
	st->clean.n = 0;
}

void
clean_init(struct send *st)
{
	reqpipe_init(&st->clean, FD_TOCLEAN, FD_FROMCLEAN);
}

void
clean_mess(struct send *st, unsigned long id)
{
	if (st->clean.to == -1)
		return;
	if (!reqpipe_room(st, &st->clean, answered)) {
		clean_died(st);
		return;
	}
	if (queue_path(&st->fn2, "mess", id) &&
	    !reqpipe_ask(&st->clean, st->fn2.data, st->fn2.len + 1, id, 0))
		clean_died(st);
}

void
clean_pollfd(const struct send *st, struct pollfd *p, size_t *n)
{
	reqpipe_pollfd(&st->clean, p, n);
}

void
clean_io(struct send *st, const struct pollfd *p, size_t n)
{
	if (reqpipe_ready(&st->clean, p, n) &&
	    !reqpipe_take(st, &st->clean, false, answered))
		clean_died(st);
}

void
clean_drain(struct send *st)
{
	while (st->clean.n > 0)
		if (!reqpipe_take(st, &st->clean, true, answered))
			clean_died(st);
}
