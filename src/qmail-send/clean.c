/*
 * clean.c - qmail-send's side of the pipe to its qmail-clean (fds 5 and
 * 6): the removal of mess/S/N once a message is finished, or a leftover
 * of a killed qmail-queue is found (doc/INTERNALS.md, "qmail-send ->
 * qmail-clean").
 *
 * Requests are written as they come and answered in order; the answers
 * are read when they arrive (clean_io), so the main loop never waits on
 * qmail-clean's unlinks (each frees blocks, and with the discard mount
 * option ext4 without a journal discards them synchronously). At most
 * CLEAN_MAX requests are outstanding (far less than the pipe holds); the
 * next one first waits for the oldest answer. A '!' (or 'x') is logged:
 * the file stays, and the cleanup pass removes it after 36 hours, as
 * qmail-send did when it waited. A broken pipe ends qmail-send as before.
 */
#include <errno.h>
#include <unistd.h>

#include "iobuf.h"
#include "queue.h"
#include "send.h"

#define FD_TOCLEAN   5
#define FD_FROMCLEAN 6

static void
clean_died(struct send *st)
{
	if (!st->flag_exit)
		log_str("alert: oh no! lost qmail-clean connection! dying...");
	st->flag_exit = true;
	st->clean_dead = true;
	st->clean_n = 0;
}

/* answers: takes the answers in BUF[0..LEN), oldest request first */
static void
answers(struct send *st, const char *buf, size_t len)
{
	for (size_t i = 0; i < len && st->clean_n > 0; i++) {
		unsigned long id = st->clean_ids[st->clean_head];

		st->clean_head = (st->clean_head + 1) % CLEAN_MAX;
		st->clean_n--;
		if (buf[i] != '+' && queue_path(&st->fn2, "mess", id)) {
			log_begin();
			log_add("warning: qmail-clean unable to clean up ");
			log_add(st->fn2.data);
			log_end();
		}
	}
}

/* read_answers: reads what has come; WAIT blocks for at least one */
static void
read_answers(struct send *st, bool wait)
{
	char buf[CLEAN_MAX];
	ssize_t r;

	if (st->clean_n == 0 || st->clean_dead)
		return;
	if (!wait) {
		struct pollfd p = {FD_FROMCLEAN, POLLIN, 0};

		if (poll(&p, 1, 0) <= 0)
			return;
	}
	do
		r = read(FD_FROMCLEAN, buf, st->clean_n);
	while (r == -1 && errno == EINTR);
	if (r <= 0) {
		clean_died(st);
		return;
	}
	answers(st, buf, (size_t)r);
}

void
clean_mess(struct send *st, unsigned long id)
{
	size_t tail;

	if (st->clean_dead)
		return;
	if (st->clean_n == CLEAN_MAX)
		read_answers(st, true);
	if (st->clean_dead || !queue_path(&st->fn2, "mess", id))
		return;
	if (!fd_write_all(FD_TOCLEAN, st->fn2.data, st->fn2.len + 1)) {
		clean_died(st);
		return;
	}
	tail = (st->clean_head + st->clean_n) % CLEAN_MAX;
	st->clean_ids[tail] = id;
	st->clean_n++;
}

void
clean_pollfd(const struct send *st, struct pollfd *p, size_t *n)
{
	if (st->clean_n == 0 || st->clean_dead)
		return;
	p[*n].fd = FD_FROMCLEAN;
	p[*n].events = POLLIN;
	p[*n].revents = 0;
	(*n)++;
}

void
clean_io(struct send *st, const struct pollfd *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].fd == FD_FROMCLEAN && p[i].revents) {
			read_answers(st, false);
			return;
		}
}

void
clean_drain(struct send *st)
{
	while (st->clean_n > 0 && !st->clean_dead)
		read_answers(st, true);
}
