/*
 * reqpipe.c - a helper that answers qmail-send's requests in order, one
 * byte each ('+' done, anything else not), without qmail-send waiting:
 * qmail-clean for mess/ (clean.c) and qmail-remover for qmail-send's own
 * unlinks (remover.c). Each request is remembered (id and kind) until its
 * answer comes; at most REQPIPE_MAX are outstanding, far less than a pipe
 * holds in either direction, so neither side can block the other. Dying
 * helpers are the caller's business: these functions only report them.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "iobuf.h"
#include "send.h"

void
reqpipe_init(struct reqpipe *rp, int to, int from)
{
	rp->to = to;
	rp->from = from;
	rp->head = rp->n = 0;
}

void
reqpipe_close(struct reqpipe *rp)
{
	if (rp->to != -1)
		close(rp->to);
	if (rp->from != -1)
		close(rp->from);
	rp->to = rp->from = -1;
}

bool
reqpipe_take(struct send *st, struct reqpipe *rp, bool wait,
	     reqpipe_answer_fn *fn)
{
	char buf[REQPIPE_MAX];
	ssize_t r;

	if (rp->n == 0 || rp->from == -1)
		return true;
	if (!wait) {
		struct pollfd p = {rp->from, POLLIN, 0};

		if (poll(&p, 1, 0) <= 0)
			return true;
	}
	do
		r = read(rp->from, buf, rp->n);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return false;
	for (ssize_t i = 0; i < r; i++) {
		unsigned long id;
		int what;

		if (reqpipe_pop(rp, &id, &what)) /* always: r <= n */
			fn(st, id, what, buf[i] == '+');
	}
	return true;
}

bool
reqpipe_room(struct send *st, struct reqpipe *rp, reqpipe_answer_fn *fn)
{
	return rp->n < REQPIPE_MAX || reqpipe_take(st, rp, true, fn);
}

bool
reqpipe_ask(struct reqpipe *rp, const char *req, size_t len,
	    unsigned long id, int what)
{
	size_t tail;

	if (rp->to == -1 || rp->n == REQPIPE_MAX ||
	    !fd_write_all(rp->to, req, len))
		return false;
	tail = (rp->head + rp->n) % REQPIPE_MAX;
	rp->q[tail].id = id;
	rp->q[tail].what = what;
	rp->n++;
	return true;
}

bool
reqpipe_pop(struct reqpipe *rp, unsigned long *id, int *what)
{
	if (rp->n == 0)
		return false;
	*id = rp->q[rp->head].id;
	*what = rp->q[rp->head].what;
	rp->head = (rp->head + 1) % REQPIPE_MAX;
	rp->n--;
	return true;
}

bool
reqpipe_has(const struct reqpipe *rp, unsigned long id)
{
	for (size_t i = 0; i < rp->n; i++)
		if (rp->q[(rp->head + i) % REQPIPE_MAX].id == id)
			return true;
	return false;
}

void
reqpipe_pollfd(const struct reqpipe *rp, struct pollfd *p, size_t *n)
{
	if (rp->n == 0 || rp->from == -1)
		return;
	p[*n].fd = rp->from;
	p[*n].events = POLLIN;
	p[*n].revents = 0;
	(*n)++;
}

bool
reqpipe_ready(const struct reqpipe *rp, const struct pollfd *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rp->from != -1 && p[i].fd == rp->from && p[i].revents)
			return true;
	return false;
}
