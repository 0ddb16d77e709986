/*
 * deliver.c - the two channels: spawner slots, jobs and passes.
 *
 * A pass reads one channel file (local/S/N or remote/S/N) record by record
 * and starts a delivery for every T record, as long as the channel has a
 * free slot; so memory grows with the deliveries under way, never with the
 * size of the queue. A job is one message on one channel: it lives while
 * its pass reads or any of its deliveries runs. When the last reference
 * goes, the job either puts the message back in the channel's priority
 * queue at its next retry time, or (every recipient done) removes the
 * channel file and hands the message to sched.c to be finished.
 *
 * The spawner protocol (doc/INTERNALS.md) is qmail's with 2-byte slots.
 * Requests are queued in a buffer and written when the pipe takes them;
 * replies are parsed byte by byte. A success or a failure marks the
 * record done by writing 'D' over its 'T' in place; a 'k' success does so
 * only after the barrier of unsynced.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "queue.h"
#include "retry.h"
#include "send.h"
#include "spawner.h"

static const char *const chan_dir[CHANNELS] = {"local", "remote"};
static const char *const chan_to[CHANNELS] = {" to local ", " to remote "};
static const unsigned chan_skip[CHANNELS] = {RETRY_SKIP_LOCAL,
					     RETRY_SKIP_REMOTE};

static void
chan_died(struct send *st, int c)
{
	if (!st->chan[c].alive)
		return;
	st->chan[c].alive = false;
	st->flag_exit = true;
	log_str("alert: oh no! lost spawn connection! dying...");
}

static bool
read_ceiling(int fd, unsigned long *ceiling)
{
	unsigned char b[2];

	if (!fd_read_all(fd, b, 2, 0))
		return false;
	*ceiling = (unsigned long)b[0] << 8 | b[1];
	return true;
}

bool
deliver_init(struct send *st)
{
	int c;

	for (c = 0; c < CHANNELS; c++) {
		struct chan *ch = &st->chan[c];

		ch->fdout = c == CHAN_LOCAL ? 1 : 3;
		ch->fdin = c == CHAN_LOCAL ? 2 : 4;
		if (!read_ceiling(ch->fdin, &ch->ceiling))
			return false;
		ch->alive = true;
		if (fcntl(ch->fdout, F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(ch->fdin, F_SETFL, O_NONBLOCK) == -1)
			return false;
	}
	deliver_apply_concurrency(st);
	return true;
}

void
deliver_apply_concurrency(struct send *st)
{
	int c;

	for (c = 0; c < CHANNELS; c++) {
		struct chan *ch = &st->chan[c];
		unsigned long want = st->conf.concurrency[c];
		struct del *d;
		size_t i;

		if (want > ch->ceiling)
			want = ch->ceiling;
		if (want > ch->dcap) {
			d = realloc(ch->d, want * sizeof *d);
			if (d == NULL) {
				log_str("alert: out of memory: concurrency "
					"unchanged");
				continue;
			}
			for (i = ch->dcap; i < want; i++) {
				memset(&d[i], 0, sizeof d[i]);
				d[i].recip = (struct strbuf)STRBUF_INIT;
			}
			ch->d = d;
			ch->dcap = want;
		}
		ch->concurrency = want;
	}
}

bool
deliver_canexit(const struct send *st)
{
	int c;

	for (c = 0; c < CHANNELS; c++)
		if (st->chan[c].alive && st->chan[c].used)
			return false;
	return true;
}

/* ------------------------------------------------------------- jobs */

static size_t
job_alloc(struct send *st)
{
	struct job *jobs;
	size_t *freejobs, n, i;

	if (st->nfree == 0) {
		n = st->njobs ? st->njobs * 2 : 32;
		if ((jobs = realloc(st->jobs, n * sizeof *jobs)) == NULL)
			return SIZE_MAX;
		st->jobs = jobs;
		if ((freejobs = realloc(st->freejobs, n * sizeof *freejobs)) ==
		    NULL)
			return SIZE_MAX;
		st->freejobs = freejobs;
		for (i = n; i-- > st->njobs;) {
			memset(&jobs[i], 0, sizeof jobs[i]);
			jobs[i].sender = (struct strbuf)STRBUF_INIT;
			freejobs[st->nfree++] = i;
		}
		st->njobs = n;
	}
	return st->freejobs[--st->nfree];
}

static bool
job_is_open(const struct send *st, unsigned long id, int c)
{
	size_t j;

	for (j = 0; j < st->njobs; j++)
		if (st->jobs[j].refs && st->jobs[j].id == id &&
		    st->jobs[j].channel == c)
			return true;
	return false;
}

static void
job_close(struct send *st, size_t j)
{
	struct job *job = &st->jobs[j];
	int c = job->channel;
	time_t dt = job->retry;

	if (--job->refs > 0)
		return;
	st->freejobs[st->nfree++] = j;
	if (job->sender.cap > 4096)
		strbuf_free(&job->sender);
	if (job->hiteof && job->numtodo == 0) {
		sched_chan_done(st, c, job->id, job->older);
		return;
	}
	sched_chan(st, c, job->id, dt, false);
}

/* ------------------------------------------------------- deliveries */

static bool
del_avail(const struct send *st, int c)
{
	const struct chan *ch = &st->chan[c];

	return ch->alive && ch->used < ch->concurrency &&
	       ch->out.len - ch->outpos < OUTBUF_MAX;
}

static void markdone(struct send *st, int c, unsigned long id, off_t pos);

/*
 * del_toolong: RECIP, or the VERP sender made from it, does not fit in a
 * spawner request field (doc/INTERNALS.md): the spawner would take the
 * request as a protocol error and quit, and every restart would do it
 * again. No attempt can ever succeed, so the recipient bounces, as an
 * address too long for qmail-queue does.
 */
static void
del_toolong(struct send *st, int c, struct job *job, off_t mpos,
	    const char *recip)
{
	log_begin();
	log_add("warning: msg ");
	log_addnum(job->id);
	log_add(": address too long to deliver: ");
	log_addsafe(recip);
	log_end();
	if (bounces_add(st, job->id, recip,
			"Sorry, this address is too long to deliver (address "
			"too long after rewriting). (#5.1.3)\n"))
		markdone(st, c, job->id, mpos);
	else
		job->numtodo++; /* still T: tried again at the retry time */
}

static void
del_start(struct send *st, int c, size_t j, off_t mpos, const char *recip)
{
	struct chan *ch = &st->chan[c];
	struct job *job = &st->jobs[j];
	size_t i, n, start, sender;
	struct del *d;

	for (n = 0; n < ch->concurrency; n++) {
		i = (ch->hint + n) % ch->concurrency;
		if (!ch->d[i].used)
			break;
	}
	if (n == ch->concurrency)
		return; /* cannot happen: used < concurrency */
	d = &ch->d[i];
	if (!strbuf_copys(&d->recip, recip))
		goto nomem;
	/* compact what the spawner has already taken */
	if (ch->outpos && ch->outpos == ch->out.len)
		ch->out.len = ch->outpos = 0;
	start = ch->out.len;
	if (!strbuf_appendc(&ch->out, (char)(i >> 8)) ||
	    !strbuf_appendc(&ch->out, (char)(i & 255)) ||
	    !queue_path(&st->fn, "mess", job->id) ||
	    !strbuf_append(&ch->out, st->fn.data, st->fn.len + 1)) {
		strbuf_truncate(&ch->out, start);
		goto nomem;
	}
	sender = ch->out.len;
	if (!rewrite_verp_sender(&ch->out, job->sender.data, recip)) {
		strbuf_truncate(&ch->out, start);
		goto nomem;
	}
	if (ch->out.len - sender > SPAWN_FIELD_MAX ||
	    strlen(recip) > SPAWN_FIELD_MAX) {
		strbuf_truncate(&ch->out, start);
		del_toolong(st, c, job, mpos, recip);
		return;
	}
	if (!strbuf_appendc(&ch->out, '\0') ||
	    !strbuf_append(&ch->out, recip, strlen(recip) + 1)) {
		strbuf_truncate(&ch->out, start);
		goto nomem;
	}
	ch->hint = i + 1;
	d->used = true;
	d->job = j;
	d->mpos = mpos;
	d->delid = st->next_delid++;
	job->refs++;
	job->numtodo++;
	ch->used++;
	log_begin();
	log_add("starting delivery ");
	log_addnum(d->delid);
	log_add(": msg ");
	log_addnum(job->id);
	log_add(chan_to[c]);
	log_addsafe(recip);
	log_end();
	log_status(st);
	return;
nomem:
	/* the record stays T and counts as not done, so the job comes back
	 * at its retry time instead of finishing */
	job->numtodo++;
	log_str("warning: out of memory; delivery deferred");
}

static void
markdone(struct send *st, int c, unsigned long id, off_t pos)
{
	int fd;

	if (queue_path(&st->fn, chan_dir[c], id) &&
	    (fd = open(st->fn.data, O_WRONLY | O_CLOEXEC)) != -1) {
		ssize_t w = pwrite(fd, "D", 1, pos);
		close(fd);
		if (w == 1)
			return;
	}
	log_begin();
	log_add("warning: trouble marking ");
	log_add(st->fn.data ? st->fn.data : chan_dir[c]);
	log_add("; message will be delivered twice!");
	log_end();
}

static void
log_result(unsigned long delid, const char *what, const char *text)
{
	log_begin();
	log_add("delivery ");
	log_addnum(delid);
	log_add(what);
	log_addsafe(text);
	log_end();
}

static void
reply_done(struct send *st, int c)
{
	static const char expired[] =
	    "I'm not going to try again; this "
	    "message has been in the queue too long.\n";
	struct chan *ch = &st->chan[c];
	struct reply *r = &ch->reply;
	size_t slot = (size_t)r->head[0] << 8 | r->head[1];
	char status = (char)r->head[2];
	struct del *d;
	struct job *job;
	const char *text;
	bool keep = false; /* the job reference goes to unsynced.c */

	if (!strbuf_terminate(&r->text)) {
		/* cannot even keep the text: defer, the job will retry */
		status = '?';
	}
	text = r->text.data ? r->text.data : "";
	if (slot >= ch->dcap || !ch->d[slot].used) {
		log_str("warning: internal error: delivery report out of "
			"range");
		return;
	}
	d = &ch->d[slot];
	job = &st->jobs[d->job];
	if (status == 'k' && c != CHAN_LOCAL)
		status = '?'; /* only qmail-lspawn says k */
	if (status == 'Z' && job->dying) {
		if (strbuf_appends(&r->text, expired)) {
			status = 'D';
			text = r->text.data;
		}
	}
	switch (status) {
	case 'K':
		log_result(d->delid, ": success: ", text);
		markdone(st, c, job->id, d->mpos);
		job->numtodo--;
		break;
	case 'k':
		/* done once the queue's file system has had a barrier: the
		 * job stays open until then (unsynced.c); a barrier that
		 * failed while it ran may have lost it: delivered again */
		log_result(d->delid, ": success: ", text);
		if (d->delid < st->sync_fail_delid)
			break;
		unsynced_add(st, d->job, d->mpos);
		keep = true;
		break;
	case 'Z':
		log_result(d->delid, ": deferral: ", text);
		break;
	case 'D':
		log_result(d->delid, ": failure: ", text);
		if (bounces_add(st, job->id, d->recip.data, text)) {
			markdone(st, c, job->id, d->mpos);
			job->numtodo--;
		}
		break;
	default:
		log_begin();
		log_add("delivery ");
		log_addnum(d->delid);
		log_add(": report mangled, will defer");
		log_end();
	}
	if (d->recip.cap > 4096)
		strbuf_free(&d->recip);
	d->used = false;
	ch->used--;
	if (!keep)
		job_close(st, d->job);
	log_status(st);
}

void
deliver_finish(struct send *st, size_t j, off_t mpos, bool done)
{
	struct job *job = &st->jobs[j];

	if (done) {
		markdone(st, job->channel, job->id, mpos);
		job->numtodo--;
	}
	job_close(st, j);
}

static void
reply_bytes(struct send *st, int c, const char *buf, size_t n)
{
	struct reply *r = &st->chan[c].reply;
	const char *nul;
	size_t i = 0, take;

	while (i < n) {
		if (r->headlen < 3) {
			r->head[r->headlen++] = (unsigned char)buf[i++];
			continue;
		}
		nul = memchr(buf + i, '\0', n - i);
		take = nul ? (size_t)(nul - (buf + i)) : n - i;
		if (!r->cut) {
			size_t room = REPORT_MAX - r->text.len;
			size_t keep = take < room ? take : room;

			if (!strbuf_append(&r->text, buf + i, keep))
				r->cut = true;
			if (keep < take) {
				strbuf_appends(&r->text, "...");
				r->cut = true;
			}
		}
		i += take;
		if (nul == NULL)
			break;
		i++; /* the NUL */
		reply_done(st, c);
		r->headlen = 0;
		r->text.len = 0;
		r->cut = false;
	}
}

static void
chan_read(struct send *st, int c)
{
	char buf[4096];
	ssize_t r;

	r = read(st->chan[c].fdin, buf, sizeof buf);
	if (r == -1) {
		if (errno != EAGAIN && errno != EINTR)
			chan_died(st, c);
		return;
	}
	if (r == 0) {
		chan_died(st, c);
		return;
	}
	reply_bytes(st, c, buf, (size_t)r);
}

static void
chan_write(struct send *st, int c)
{
	struct chan *ch = &st->chan[c];
	ssize_t w;

	while (ch->alive && ch->outpos < ch->out.len) {
		w = write(ch->fdout, ch->out.data + ch->outpos,
			  ch->out.len - ch->outpos);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				chan_died(st, c);
			return;
		}
		ch->outpos += (size_t)w;
	}
	if (ch->outpos == ch->out.len)
		ch->out.len = ch->outpos = 0;
}

void
deliver_pollfds(struct send *st, struct pollfd *p, size_t *n)
{
	int c;

	for (c = 0; c < CHANNELS; c++) {
		struct chan *ch = &st->chan[c];

		if (!ch->alive)
			continue;
		p[*n].fd = ch->fdin;
		p[*n].events = POLLIN;
		p[*n].revents = 0;
		(*n)++;
		if (ch->outpos < ch->out.len) {
			p[*n].fd = ch->fdout;
			p[*n].events = POLLOUT;
			p[*n].revents = 0;
			(*n)++;
		}
	}
}

void
deliver_io(struct send *st, const struct pollfd *p, size_t n)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		for (c = 0; c < CHANNELS; c++) {
			if (!st->chan[c].alive)
				continue;
			if (p[i].fd == st->chan[c].fdin)
				chan_read(st, c);
			else if (p[i].fd == st->chan[c].fdout)
				chan_write(st, c);
		}
	}
}

/* ----------------------------------------------------------- passes */

static void
pass_end(struct send *st, int c, bool hiteof)
{
	struct pass *pass = &st->chan[c].pass;

	close(pass->fd);
	pass->fd = -1;
	st->jobs[pass->job].hiteof = hiteof;
	pass->id = 0;
	job_close(st, pass->job);
}

static bool
pass_open(struct send *st, int c)
{
	struct chan *ch = &st->chan[c];
	struct pass *pass = &ch->pass;
	struct prioq_elt pe;
	struct job *job;
	time_t birth;
	size_t j, head = 0;
	int fd;

	if (!prioq_min(&ch->pq, &pe) || pe.dt > st->now)
		return false;
	prioq_delmin(&ch->pq);
	/* a second entry for a message whose job is still open: that job
	 * puts the message back when it closes */
	if (job_is_open(st, pe.id, c))
		return true;
	/* every recipient here is done, and the file waits for the message
	 * to be finished (sched.c): a stale entry, no new job on it */
	if (idset_has(&ch->fin, pe.id))
		return true;
	if (!queue_path(&st->fn, chan_dir[c], pe.id))
		goto trouble;
	fd = open(st->fn.data, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT) {
			sched_chan_gone(st, c, pe.id); /* this channel is done */
			return true;
		}
		goto trouble;
	}
	j = job_alloc(st);
	if (j == SIZE_MAX) {
		close(fd);
		goto trouble;
	}
	job = &st->jobs[j];
	iobuf_init_file(&pass->in, fd, pass->buf, sizeof pass->buf);
	/* the head (lib/queue.h); a file without one is of the older
	 * layout, its sender and birth in info/S/N */
	switch (queue_head_read(&pass->in, &job->sender, &birth, &head)) {
	case 1:
		job->older = false;
		break;
	case 0:
		if (queue_info_read(pe.id, &st->fn2, &job->sender, &birth) ==
		    1) {
			job->older = true;
			head = 0;
			break;
		}
		/* fall through */
	default:
		st->freejobs[st->nfree++] = j;
		close(fd);
		queue_path(&st->fn, chan_dir[c], pe.id);
		goto trouble;
	}
	job->refs = 1;
	job->id = pe.id;
	job->channel = c;
	job->numtodo = 0;
	job->hiteof = false;
	job->retry = retry_next(birth, st->now, chan_skip[c]);
	job->dying = retry_expired(birth, st->now, st->conf.lifetime);
	pass->id = pe.id;
	pass->job = j;
	pass->fd = fd;
	pass->mpos = (off_t)head;
	return true;
trouble:
	log_begin();
	log_add("warning: trouble opening ");
	log_add(st->fn.data ? st->fn.data : chan_dir[c]);
	log_add("; will try again later");
	log_end();
	sched_chan(st, c, pe.id, st->now + SLEEP_SYSFAIL, false);
	return true;
}

/* skip_record: reads past the rest of a record longer than RECORD_MAX,
 * adding its bytes to *LEN; memory stays bounded by RECORD_MAX */
static enum io_status
skip_record(struct iobuf *in, size_t *len)
{
	struct strbuf rest = STRBUF_INIT;
	enum io_status s;

	do {
		rest.len = 0;
		s = iobuf_getline(in, &rest, RECORD_MAX, '\0');
		*len += rest.len;
	} while (s == IO_TOOLONG);
	strbuf_free(&rest);
	return s;
}

static void
pass_dochan(struct send *st, int c)
{
	struct pass *pass = &st->chan[c].pass;
	struct strbuf rec = STRBUF_INIT;
	unsigned budget = 1000;
	enum io_status s;
	size_t reclen;

	while (!st->flag_exit && budget-- > 0 && del_avail(st, c)) {
		if (pass->id == 0) {
			if (!pass_open(st, c))
				break;
			continue;
		}
		rec.len = 0;
		s = iobuf_getline(&pass->in, &rec, RECORD_MAX, '\0');
		if (s == IO_EOF && rec.len == 0) {
			pass_end(st, c, true);
			continue;
		}
		/* qmail-todo writes what rewriting gives, which may be longer
		 * than any address a spawner takes: such a record bounces */
		reclen = rec.len;
		if (s == IO_TOOLONG)
			s = skip_record(&pass->in, &reclen);
		if (s != IO_OK) {
			queue_path(&st->fn, chan_dir[c], pass->id);
			log_begin();
			log_add("warning: trouble reading ");
			log_add(st->fn.data ? st->fn.data : chan_dir[c]);
			log_add("; will try again later");
			log_end();
			pass_end(st, c, false);
			continue;
		}
		if (rec.data[0] == 'T' && reclen > rec.len)
			del_toolong(st, c, &st->jobs[pass->job], pass->mpos,
				    rec.data + 1);
		else if (rec.data[0] == 'T')
			del_start(st, c, pass->job, pass->mpos, rec.data + 1);
		else if (rec.data[0] != 'D') {
			queue_path(&st->fn, chan_dir[c], pass->id);
			log_begin();
			log_add("warning: unknown record type in ");
			log_add(st->fn.data ? st->fn.data : chan_dir[c]);
			log_add("!");
			log_end();
			pass_end(st, c, false);
			continue;
		}
		pass->mpos += (off_t)reclen;
	}
	strbuf_free(&rec);
}

void
deliver_passes(struct send *st)
{
	int c;

	for (c = 0; c < CHANNELS; c++) {
		pass_dochan(st, c);
		chan_write(st, c);
	}
}

void
deliver_wakeup(const struct send *st, time_t *wakeup)
{
	struct prioq_elt pe;
	int c;

	if (st->flag_exit)
		return;
	for (c = 0; c < CHANNELS; c++) {
		if (!del_avail(st, c))
			continue;
		if (st->chan[c].pass.id) {
			*wakeup = st->now;
			return;
		}
		if (prioq_min(&st->chan[c].pq, &pe) && pe.dt < *wakeup)
			*wakeup = pe.dt;
	}
}
