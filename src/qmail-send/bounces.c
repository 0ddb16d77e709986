/*
 * bounces.c - failure reports and bounce injection for qmail-send.
 *
 * A permanent failure is appended to bounce/S/N and fsynced before the
 * recipient is marked done, so a crash can repeat a delivery but never
 * lose a bounce. When the message is finished, bounces_inject turns the
 * reports into one QSBMF bounce (lib/bounce.h) and queues it with
 * qmail-queue (lib/qq.h): to the sender, or, for a message from <>, to
 * doublebounceto as a double bounce; a bounce of a double bounce (sender
 * #@[]) is dropped and logged. Only after qmail-queue accepted it is
 * bounce/S/N removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce.h"
#include "qq.h"
#include "queue.h"
#include "send.h"

bool
bounces_add(struct send *st, unsigned long id, const char *recip,
	    const char *report)
{
	struct strbuf text = STRBUF_INIT;
	bool ok = false;
	int fd = -1;

	if (!bounce_append_report(
		&text, rewrite_strip_vdom(&st->conf.rw, recip), report) ||
	    !queue_path(&st->fn2, "bounce", id))
		goto out;
	fd =
	    open(st->fn2.data, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1 || !fd_write_all(fd, text.data, text.len) ||
	    fsync(fd) == -1)
		goto out;
	ok = true;
out:
	if (fd != -1)
		close(fd);
	if (!ok)
		log_str("alert: unable to append to bounce message; "
			"the recipient will be tried again");
	strbuf_free(&text);
	return ok;
}

/* copy_file: sends the file at PATH to qmail-queue; at most MAX bytes
 * (0: all), cut at the end of a line */
static bool
copy_file(struct qq *qq, const char *path, unsigned long max)
{
	char buf[8192];
	unsigned long total = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (max && total + (unsigned long)r > max) {
			size_t keep = (size_t)(max - total);

			while (keep > 0 && buf[keep - 1] != '\n')
				keep--;
			qq_put(qq, buf, keep);
			r = 0;
			break;
		}
		qq_put(qq, buf, (size_t)r);
		total += (unsigned long)r;
	}
	close(fd);
	return r == 0;
}

bool
bounces_inject(struct send *st, unsigned long id)
{
	struct strbuf sender = STRBUF_INIT, raw = STRBUF_INIT,
		      head = STRBUF_INIT, bfn = STRBUF_INIT, mfn = STRBUF_INIT;
	enum bounce_kind kind;
	struct stat sb;
	struct qq qq;
	const char *to, *from;
	char *rcpts[1];
	bool ok = false;
	time_t birth;
	int code;

	if (!queue_path(&bfn, "bounce", id) || !queue_path(&mfn, "mess", id)) {
		log_str("warning: out of memory, will try later");
		goto out;
	}
	if (stat(bfn.data, &sb) == -1) {
		ok = errno == ENOENT; /* nothing to bounce */
		if (!ok) {
			log_begin();
			log_add("warning: unable to stat ");
			log_add(bfn.data);
			log_end();
		}
		goto out;
	}
	if (queue_sender_of(id, &st->fn2, &raw, &birth) != 1 ||
	    !bounce_unverp(&sender, raw.data)) {
		log_begin();
		log_add("warning: unable to read info for msg ");
		log_addnum(id);
		log_end();
		goto out;
	}
	kind = bounce_classify(sender.data);
	if (kind == BOUNCE_TRIPLE) {
		log_begin();
		log_add("triple bounce: discarding ");
		log_add(bfn.data);
		log_end();
	} else if (kind == BOUNCE_DOUBLE && st->conf.doublebounceto.len == 0) {
		log_begin();
		log_add("double bounce: discarding ");
		log_add(bfn.data);
		log_end();
	} else {
		to = kind == BOUNCE_SINGLE ? sender.data
					   : st->conf.doublebounceto.data;
		from = kind == BOUNCE_SINGLE ? "" : "#@[]";
		if (!bounce_head(&head, kind, st->conf.bouncefrom.data,
				 st->conf.bouncehost.data, to, st->now)) {
			log_str("warning: out of memory, will try later");
			goto out;
		}
		if (!qq_start(&qq)) {
			log_str("warning: unable to start qmail-queue, will "
				"try later");
			goto out;
		}
		qq_put(&qq, head.data, head.len);
		if (!copy_file(&qq, bfn.data, 0))
			qq.broken = true;
		head.len = 0;
		if (!bounce_separator(&head, kind, sender.data))
			qq.broken = true;
		else
			qq_put(&qq, head.data, head.len);
		if (!copy_file(&qq, mfn.data, st->conf.bouncemaxbytes))
			qq.broken = true;
		rcpts[0] = (char *)to;
		code = qq_finish(&qq, from, rcpts, 1);
		if (code != 0) {
			log_begin();
			log_add("warning: trouble injecting bounce message, "
				"will try later: ");
			log_add(qq_lookup(code)->reason);
			log_end();
			goto out;
		}
		log_begin();
		log_add("bounce msg ");
		log_addnum(id);
		log_add(" qp ");
		log_addnum((unsigned long)qq.pid);
		log_end();
	}
	if (unlink(bfn.data) == -1) {
		log_begin();
		log_add("warning: unable to unlink ");
		log_add(bfn.data);
		log_end();
		goto out;
	}
	ok = true;
out:
	strbuf_free(&sender);
	strbuf_free(&raw);
	strbuf_free(&head);
	strbuf_free(&bfn);
	strbuf_free(&mfn);
	return ok;
}
