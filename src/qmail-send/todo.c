/*
 * todo.c - qmail-send's side of the pipe to qmail-todo (fds 7 and 8).
 *
 * qmail-todo sends "D<type><N>\0" for each preprocessed message and
 * "L<text>\0" log lines (doc/INTERNALS.md). A D puts the message in the
 * schedule, due now, and is answered with '+', after which qmail-todo may
 * remove todo/S/N. Single bytes go the other way: S (started), H
 * (reread controls), X (exit). A record longer than TODO_RECORD_MAX, an
 * unknown record or the end of the pipe means qmail-todo is broken:
 * qmail-send logs an alert and exits after the deliveries under way, so
 * that a supervisor restarts the whole set.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "queue.h"
#include "send.h"

#define TODO_RECORD_MAX 1100

static void
todo_died(struct send *st, const char *why)
{
	if (st->todo_alive && !st->flag_exit) {
		log_begin();
		log_add("alert: oh no! lost qmail-todo connection (");
		log_add(why);
		log_add(")! dying...");
		log_end();
	}
	st->todo_alive = false;
	st->flag_exit = true;
}

void
todo_init(struct send *st)
{
	st->todo_in = 8;
	st->todo_out = 7;
	st->todo_alive = true;
	fcntl(st->todo_in, F_SETFL, O_NONBLOCK);
	todo_tell(st, 'S');
}

void
todo_tell(struct send *st, char c)
{
	if (st->todo_alive && !fd_write_all(st->todo_out, &c, 1))
		todo_died(st, "write failed");
}

static void
todo_record(struct send *st, char *rec, size_t len)
{
	unsigned long id;
	int c;

	if (len >= 1 && rec[0] == 'L') {
		/* qmail-todo made the line safe; make sure it is one line
		 * without control characters whatever it sent */
		for (size_t i = 1; i < len; i++)
			if ((unsigned char)rec[i] < 32 || rec[i] == 127)
				rec[i] = '_';
		log_begin();
		log_add(rec + 1);
		log_end();
		return;
	}
	if (len < 3 || rec[0] != 'D' || !strchr("LRBX", rec[1]) ||
	    !queue_parse_id(rec + 2, &id)) {
		todo_died(st, "protocol error");
		return;
	}
	for (c = 0; c < CHANNELS; c++)
		if (rec[1] == 'B' || rec[1] == (c == CHAN_LOCAL ? 'L' : 'R'))
			sched_chan(st, c, id, st->now, false);
	if (rec[1] == 'X')
		sched_done_add(st, id, st->now);
	todo_tell(st, '+');
}

void
todo_pollfd(struct send *st, struct pollfd *p, size_t *n)
{
	if (!st->todo_alive)
		return;
	p[*n].fd = st->todo_in;
	p[*n].events = POLLIN;
	p[*n].revents = 0;
	(*n)++;
}

void
todo_io(struct send *st, const struct pollfd *p, size_t n)
{
	char buf[4096];
	size_t i, start;
	ssize_t r;
	char *nul;

	for (i = 0; i < n; i++)
		if (p[i].fd == st->todo_in && p[i].revents)
			break;
	if (i == n || !st->todo_alive)
		return;
	r = read(st->todo_in, buf, sizeof buf);
	if (r == -1) {
		if (errno != EAGAIN && errno != EINTR)
			todo_died(st, "read failed");
		return;
	}
	if (r == 0) {
		todo_died(st, "end of input");
		return;
	}
	if (!strbuf_append(&st->todo_buf, buf, (size_t)r)) {
		todo_died(st, "out of memory");
		return;
	}
	start = 0;
	while (st->todo_alive &&
	       (nul = memchr(st->todo_buf.data + start, '\0',
			     st->todo_buf.len - start)) != NULL) {
		size_t len = (size_t)(nul - (st->todo_buf.data + start));

		todo_record(st, st->todo_buf.data + start, len);
		start += len + 1;
	}
	memmove(st->todo_buf.data, st->todo_buf.data + start,
		st->todo_buf.len - start);
	strbuf_truncate(&st->todo_buf, st->todo_buf.len - start);
	if (st->todo_buf.len > TODO_RECORD_MAX)
		todo_died(st, "record too long");
}
