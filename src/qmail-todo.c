/*
 * qmail-todo - preprocesses newly queued messages for qmail-send.
 *
 * Started by qmail-start as qmails, with qmail-send's bytes on fd 7, its
 * own messages to qmail-send on fd 8, and a qmail-clean of its own on fds
 * 5 (requests) and 6 (answers). The protocol and the steps are in
 * doc/INTERNALS.md ("qmail-todo: preprocessing", "qmail-send <->
 * qmail-todo"). For every todo/S/N it writes local/S/N and/or remote/S/N,
 * each with the message's head (sender and birth, lib/queue.h) and its
 * recipients (routed by control/locals and virtualdomains, see
 * lib/rewrite.h), makes them durable, tells qmail-send, waits for its '+',
 * and only then has qmail-clean remove todo/S/N and intd/S/N. A crash at
 * any point makes the message be done again: a duplicate, never a loss.
 * "Durable" depends on the file system (durable.h, doc/PERFORMANCE.md
 * "Durability"): fsync each file; on ext4 with a journal, write each file
 * to the disk without a flush; on ext2/ext4 without a journal, write
 * nothing yet: the messages since the last checkpoint are made durable
 * together by one durable_barrier (two flushes) at most CHECKPOINT_MS
 * after the first of them, or when PENDING_MAX are waiting, or at exit,
 * and only then are their todo/ entries removed. Until then qmail-send
 * delivers them (from the page cache) but does not remove them (it waits
 * for todo/S/N to go), and a scan skips them.
 *
 * todo/ is scanned when qmail-send says S, every SLEEP_TODO seconds,
 * and whenever lock/trigger fires (at most once per SCAN_GAP_MS): then
 * only the todo/S its bytes name (queue_trigger_dir), unless one asks
 * for all or the last scan of all is FULL_SCAN_MS old. Log lines go to
 * qmail-send as L records.
 * Exit: 0 on X from qmail-send or when it goes away; 111 when it cannot
 * start (controls, queue directory) or a pipe is broken.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "ctl.h"
#include "die.h"
#include "durable.h"
#include "iobuf.h"
#include "monotonic.h"
#include "queue.h"
#include "qxattr.h"
#include "rewrite.h"
#include "strbuf.h"

#define FD_FROMSEND  7
#define FD_TOSEND    8
#define FD_TOCLEAN   5
#define FD_FROMCLEAN 6
#define SLEEP_TODO   1500
#define RECORD_MAX   1100 /* an address is at most 1000 bytes */
#define LOG_MAX      1000
#define PENDING_MAX   1024 /* messages waiting for one checkpoint */
#define PENDING_SLOTS 4096 /* the hash set of their ids: a power of 2 */
#define CHECKPOINT_MS 500
#define RELINK_AFTER  60 /* s: a live qmail-queue links mess/S/N sooner */
#define SCAN_GAP_MS   5  /* between scans a trigger asks for: see main */
#define TRIGGER_FULL  4096 /* bytes drained at once: the fifo may have
			    * been full, and a hint lost: look everywhere */
#define FULL_SCAN_MS  10000 /* a trigger after this long without a scan
			     * of all todo/ asks for one: see scan */

struct todo {
	struct rewrite rw;
	int trigger;
	int queuefd;		 /* the queue directory, for durable_barrier */
	enum durable_kind kind;	 /* durable_kind(queue) */
	/* DURABLE_BARRIER: preprocessed, told, not yet durable */
	unsigned long pending[PENDING_MAX];
	size_t npending;
	unsigned long pending_set[PENDING_SLOTS]; /* 0: empty */
	long long checkpoint_at; /* monotonic ms, when npending > 0 */
	size_t unanswered;	/* D records qmail-send has not yet taken */
	bool send_gone;		/* qmail-send's pipe broke or ended */
	unsigned char boot[16]; /* this boot's id (qxattr.h), or zeros */
	time_t btime;		/* when this boot began, or 0 */
	unsigned char value[QXATTR_MAX]; /* an envelope record */
	bool flag_reread;
	/* what the next scan reads: every todo/S if look_all, else those
	 * the trigger's bytes named (queue_trigger_dir) */
	bool look_all;
	bool look[QUEUE_TRIGGER_DIRS];
	long long full_at; /* monotonic ms of the last scan of all */
	bool flag_exit;
};

static void send_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void checkpoint(struct todo *t);
static void wait_answers(struct todo *t);

/* the state lost_send checkpoints; set once in main */
static struct todo *the_todo;

/* lost_send: a write to qmail-send failed, so it is gone or going: the
 * messages it took ('+') and that wait for a checkpoint are made durable
 * first (else a restart would prepare and deliver them again), then exit
 * 111. A failure inside that checkpoint's own log line ends up here
 * again and just exits. */
static _Noreturn void
lost_send(void)
{
	static bool once;
	int err = errno;

	if (!once && the_todo != NULL) {
		once = true;
		the_todo->send_gone = true;
		checkpoint(the_todo);
	}
	errno = err;
	die_temp_sys("lost connection to qmail-send");
}

static void
send_log(const char *fmt, ...)
{
	char line[LOG_MAX + 2];
	va_list ap;
	int n;

	line[0] = 'L';
	va_start(ap, fmt);
	n = vsnprintf(line + 1, LOG_MAX, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= LOG_MAX)
		n = LOG_MAX - 1;
	line[n + 1] = '\0';
	/* a sender with a NUL cannot exist; cut at one anyway */
	if (!fd_write_all(FD_TOSEND, line, strlen(line) + 1))
		lost_send();
}

/* log_safe: as qmail's logsafe, so that an envelope sender cannot forge
 * or garble log lines: '%' and bytes outside '!'..'~' become '_' */
static void
log_safe(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 ||
		    *s == '%')
			*s = '_';
}

static void
reread(struct todo *t)
{
	struct rewrite fresh;
	const char *failed;

	rewrite_init(&fresh);
	if (rewrite_load(&fresh, auto_qmail, &failed) != CTL_OK) {
		send_log("alert: qmail-todo: unable to reread %s", failed);
		rewrite_free(&fresh);
		return;
	}
	rewrite_free(&t->rw);
	t->rw = fresh;
}

/* handle_byte: one byte from qmail-send; returns true for '+', which
 * answers the oldest D not yet answered */
static bool
handle_byte(struct todo *t, char c)
{
	switch (c) {
	case '+':
		if (t->unanswered == 0)
			die_temp("protocol error: qmail-send sent + unasked");
		t->unanswered--;
		return true;
	case 'H':
		t->flag_reread = true;
		break;
	case 'X':
		t->flag_exit = true;
		break;
	case 'S':
		break;
	default:
		die_temp("protocol error: qmail-send sent byte %d",
			 (unsigned char)c);
	}
	return false;
}

static size_t
pending_slot(const struct todo *t, unsigned long id)
{
	size_t i = (size_t)(id * 2654435761UL) & (PENDING_SLOTS - 1);

	while (t->pending_set[i] != 0 && t->pending_set[i] != id)
		i = (i + 1) & (PENDING_SLOTS - 1);
	return i;
}

static bool
is_pending(const struct todo *t, unsigned long id)
{
	return t->npending > 0 && t->pending_set[pending_slot(t, id)] == id;
}

/* pending_add: ID waits for the next checkpoint (there is room: scan
 * processes no message while PENDING_MAX wait) */
static void
pending_add(struct todo *t, unsigned long id)
{
	if (t->npending >= PENDING_MAX)
		die_temp("bug: no room for a pending message");
	if (t->npending == 0)
		t->checkpoint_at = monotonic_ms() + CHECKPOINT_MS;
	t->pending[t->npending++] = id;
	t->pending_set[pending_slot(t, id)] = id;
}

/* clean_ask: writes one request to qmail-clean, "DIR/S/ID" (todo/,
 * mess/ or link/, doc/INTERNALS.md) */
static void
clean_ask(struct strbuf *fn, const char *dir, unsigned long id)
{
	if (!queue_path(fn, dir, id) ||
	    !fd_write_all(FD_TOCLEAN, fn->data, fn->len + 1))
		die_temp_sys("lost connection to qmail-clean");
}

/* clean_answer: the next answer byte from qmail-clean */
static char
clean_answer(void)
{
	char answer;

	for (;;) {
		ssize_t r = read(FD_FROMCLEAN, &answer, 1);
		if (r == 1)
			return answer;
		if (r == -1 && errno == EINTR)
			continue;
		die_temp("lost connection to qmail-clean");
	}
}

/* clean_one: one request to qmail-clean; returns its answer */
static char
clean_one(const char *dir, unsigned long id)
{
	struct strbuf fn = STRBUF_INIT;

	clean_ask(&fn, dir, id);
	strbuf_free(&fn);
	return clean_answer();
}

/* clean_todo: has qmail-clean remove todo/S/N and intd/S/N for each of
 * IDS[0..N), the requests written ahead of the answers, a pipe's worth at
 * a time */
static void
clean_todo(const unsigned long *ids, size_t n)
{
	struct strbuf fn = STRBUF_INIT;
	size_t i, j, k;

	for (i = 0; i < n; i = j) {
		for (j = i; j < n && j - i < 128; j++)
			clean_ask(&fn, "todo", ids[j]);
		for (k = i; k < j; k++)
			if (clean_answer() != '+' &&
			    queue_path(&fn, "todo", ids[k]))
				send_log("warning: qmail-clean unable to "
					 "clean up %s", fn.data);
	}
	strbuf_free(&fn);
}

/* checkpoint: makes the pending messages' files durable with one
 * durable_barrier, then removes their todo/ entries. A failure is not
 * tried again: syncfs reports a write-back error once, and what failed
 * to be written is no longer dirty, so a second syncfs could succeed
 * without writing it. qmail-todo stops instead (qmail-send follows, and
 * the supervisor starts both again); the todo/ entries stay, and the
 * next start prepares those messages again from them: a duplicate of
 * what was delivered meanwhile, never a loss. */
static void
checkpoint(struct todo *t)
{
	if (t->npending == 0)
		return;
	wait_answers(t);
	if (!durable_barrier(t->queuefd)) {
		int err = errno;

		t->npending = 0; /* lost_send must not try again */
		send_log("alert: unable to sync the queue: %s; qmail-todo "
			 "stops, its last messages will be prepared again",
			 strerror(err));
		errno = err;
		die_temp_sys("unable to sync the queue");
	}
	clean_todo(t->pending, t->npending);
	t->npending = 0;
	memset(t->pending_set, 0, sizeof t->pending_set);
}

/* checkpoint_due: a checkpoint when its time has come */
static void
checkpoint_due(struct todo *t)
{
	if (t->npending > 0 &&
	    (t->npending >= PENDING_MAX || monotonic_ms() >= t->checkpoint_at))
		checkpoint(t);
}

/* read_send: reads what qmail-send has sent; WAIT blocks for one byte.
 * Returns true when a '+' came. Exits when qmail-send is gone. */
static bool
read_send(struct todo *t, bool wait)
{
	char buf[64];
	bool plus = false;
	ssize_t r;
	int i;

	for (;;) {
		if (!wait) {
			struct pollfd p = {FD_FROMSEND, POLLIN, 0};
			if (poll(&p, 1, 0) <= 0)
				return plus;
		}
		r = read(FD_FROMSEND, buf, wait ? 1 : sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			die_temp_sys("cannot read from qmail-send");
		if (r == 0) {
			/* qmail-send went away: nothing is lost; what is
			 * pending is made durable so a restart does not redo
			 * it (its next start finds them in local/ and
			 * remote/, taken or not) */
			t->send_gone = true;
			checkpoint(t);
			_exit(0);
		}
		for (i = 0; i < r; i++)
			if (handle_byte(t, buf[i]))
				plus = true;
		if (wait)
			return plus;
	}
}

/* wait_answers: blocks until qmail-send has taken every D sent (or is
 * gone: then read_send does not return) */
static void
wait_answers(struct todo *t)
{
	while (t->unanswered > 0 && !t->send_gone)
		read_send(t, true);
}

static void
unlink_stale(const char *dir, unsigned long id, struct strbuf *fn)
{
	if (queue_path(fn, dir, id) && unlink(fn->data) == -1 &&
	    errno != ENOENT)
		send_log("warning: unable to unlink %s", fn->data);
}

/* unlink_prepared: removes what an earlier preparation of ID (before a
 * crash) may have left: local/, remote/, and info/ of the older layout */
static void
unlink_prepared(unsigned long id, struct strbuf *fn)
{
	unlink_stale("local", id, fn);
	unlink_stale("remote", id, fn);
	unlink_stale("info", id, fn);
}

struct chanfile {
	int fd;
	struct iobuf out;
	char buf[4096];
};

/* chan_open: creates DIR/S/ID and queues its head (lib/queue.h) */
static bool
chan_open(struct chanfile *ch, const char *dir, unsigned long id,
	  const struct strbuf *sender, time_t birth, struct strbuf *fn)
{
	if (!queue_path(fn, dir, id))
		return false;
	ch->fd = open(fn->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ch->fd == -1) {
		send_log("warning: unable to create %s", fn->data);
		return false;
	}
	iobuf_init_file(&ch->out, ch->fd, ch->buf, sizeof ch->buf);
	return queue_head_put(&ch->out, sender->data, sender->len, birth);
}

static bool
chan_put(struct chanfile *ch, const char *dir, unsigned long id,
	 const struct strbuf *sender, time_t birth, const struct strbuf *rcpt,
	 struct strbuf *fn)
{
	if (ch->fd == -1 && !chan_open(ch, dir, id, sender, birth, fn))
		return false;
	return iobuf_put(&ch->out, "T", 1) &&
	       iobuf_put(&ch->out, rcpt->data, rcpt->len) &&
	       iobuf_put(&ch->out, "", 1);
}

/* settle: the per-file step of T's durability mode for FD (see the top) */
static bool
settle(const struct todo *t, int fd)
{
	switch (t->kind) {
	case DURABLE_BARRIER:
		return true; /* the checkpoint's durable_barrier */
	case DURABLE_JOURNALED:
		return durable_writeback(fd);
	default:
		return fsync(fd) == 0;
	}
}

static bool
chan_finish(const struct todo *t, struct chanfile *ch, const char *dir,
	    unsigned long id, struct strbuf *fn)
{
	if (ch->fd == -1)
		return true;
	if (!iobuf_flush(&ch->out) || !settle(t, ch->fd)) {
		if (queue_path(fn, dir, id))
			send_log("warning: trouble writing to %s", fn->data);
		return false;
	}
	return true;
}

/* boot_time: when this boot began (the wall clock less the time since
 * boot), or 0 */
static time_t
boot_time(void)
{
	struct timespec now, up;

	if (clock_gettime(CLOCK_REALTIME, &now) == -1 ||
	    clock_gettime(CLOCK_BOOTTIME, &up) == -1 || now.tv_sec <= up.tv_sec)
		return 0;
	return now.tv_sec - up.tv_sec;
}

enum record_verdict {
	RECORD_OK,	/* use the record's envelope */
	RECORD_WAIT,	/* qmail-queue is still at it: look again later */
	RECORD_DAMAGED, /* a crash cut it short before it was accepted */
	RECORD_TROUBLE	/* logged; look again at the next scan */
};

/*
 * check_record: todo/S/ID is a message file with an envelope record of
 * LEN bytes in t->value (qmail-queue's commit_record). From an earlier
 * boot it may be what a crash left of a commit that never finished, so
 * the record and the message are checked against each other; a message
 * of this boot is whole (the page cache saw every write). mess/S/ID is
 * linked after the commit without a flush: a crash can lose it, and then
 * qmail-clean links it again.
 */
static enum record_verdict
check_record(struct todo *t, unsigned long id, int fd, ssize_t len,
	     struct qxattr *meta, struct stat *st)
{
	struct strbuf fn = STRBUF_INIT;
	struct stat sb;
	bool ours;
	int r;

	if (fstat(fd, st) == -1)
		return RECORD_TROUBLE;
	if (!qxattr_decode(meta, t->value, (size_t)len)) {
		/* records are set whole, before todo/S/ID exists: a bad one
		 * from an earlier boot is a crash's, else a mystery */
		if (t->btime != 0 && st->st_ctime < t->btime - 60)
			return RECORD_DAMAGED;
		send_log("alert: unreadable envelope record on todo "
			 "msg %lu; left alone", id);
		return RECORD_TROUBLE;
	}
	if (meta->id != id) {
		/* a whole record of another file: a copied queue, or a stale
		 * block; when in doubt, touch nothing */
		send_log("alert: envelope record on todo msg %lu names msg "
			 "%llu; left alone", id, (unsigned long long)meta->id);
		return RECORD_TROUBLE;
	}
	ours = qxattr_same_boot(meta->boot, t->boot);
	if (!ours) {
		/* a crash's leftover if the size or the hash differs; the
		 * size costs no read */
		if ((uint64_t)st->st_size != meta->msglen)
			return RECORD_DAMAGED;
		r = qxattr_check_message(fd, meta);
		if (r == 0)
			return RECORD_DAMAGED;
		if (r < 0) {
			send_log("warning: unable to read todo msg %lu", id);
			return RECORD_TROUBLE;
		}
	} else if ((uint64_t)st->st_size != meta->msglen) {
		send_log("alert: todo msg %lu is not the size its record "
			 "says; left alone", id);
		return RECORD_TROUBLE;
	}
	if (!queue_path(&fn, "mess", id))
		return RECORD_TROUBLE;
	r = stat(fn.data, &sb);
	strbuf_free(&fn);
	/* with a checkpoint, it makes mess/S/ID durable before todo/S/ID
	 * goes; else qmail-clean's link request fsyncs mess/S */
	if (r == 0 && t->kind == DURABLE_BARRIER)
		return RECORD_OK;
	if (r == -1 && errno != ENOENT)
		return RECORD_TROUBLE;
	/* qmail-queue links it after its fsync: a record of this boot, or
	 * of an unknown one (no /proc there) made since this boot began */
	if (r == -1 && time(NULL) < st->st_ctime + RELINK_AFTER &&
	    (ours || (!qxattr_boot_known(meta->boot) &&
		      t->btime != 0 && st->st_ctime >= t->btime)))
		return RECORD_WAIT;
	if (clean_one("link", id) != '+') {
		send_log("warning: qmail-clean unable to link mess msg %lu",
			 id);
		return RECORD_TROUBLE;
	}
	return RECORD_OK;
}

/* discard_damaged: removes what a crash left of an unfinished commit;
 * todo/S/ID last, as its inode (the id) stays taken until then */
static void
discard_damaged(unsigned long id)
{
	struct strbuf fn = STRBUF_INIT;

	send_log("warning: todo msg %lu was cut short by a crash before "
		 "it was accepted; removed", id);
	unlink_prepared(id, &fn);
	strbuf_free(&fn);
	if (clean_one("mess", id) != '+' || clean_one("todo", id) != '+')
		send_log("warning: qmail-clean unable to remove msg %lu", id);
}

/* source: where a message's envelope records come from: todo/S/N
 * itself (qmail's layout) or the record on it (MEM, MEMLEN) */
struct source {
	struct iobuf in;
	const char *mem;
	size_t memlen, mempos;
};

/* source_next: the next NUL-ended record into REC, NUL included, as
 * iobuf_getline returns it */
static enum io_status
source_next(struct source *src, struct strbuf *rec)
{
	const char *p, *end;
	size_t n;

	if (src->mem == NULL)
		return iobuf_getline(&src->in, rec, RECORD_MAX, '\0');
	if (src->mempos >= src->memlen)
		return IO_EOF;
	p = src->mem + src->mempos;
	end = memchr(p, '\0', src->memlen - src->mempos);
	if (end == NULL)
		return IO_EOF; /* qxattr_decode: never; partial otherwise */
	n = (size_t)(end - p) + 1;
	if (n > RECORD_MAX)
		return IO_TOOLONG;
	src->mempos += n;
	return strbuf_copy(rec, p, n) ? IO_OK : IO_ERR;
}

/* process: preprocesses todo/S/ID; false leaves it for a later scan
 * (true too when todo/S/ID is gone) */
static bool
process(struct todo *t, unsigned long id)
{
	struct strbuf fn = STRBUF_INIT, rec = STRBUF_INIT, addr = STRBUF_INIT,
		      sender = STRBUF_INIT;
	struct chanfile ch[2];
	struct source src = {.mem = NULL};
	struct qxattr meta;
	char inbuf[4096], msg[40];
	unsigned long uid = 0, pid = 0;
	struct stat st;
	bool ok = false, have_sender = false;
	time_t birth = time(NULL);
	ssize_t reclen;
	int fd, c, i;

	for (c = 0; c < 2; c++)
		ch[c].fd = -1;
	if (!queue_path(&fn, "todo", id))
		goto out;
	if ((fd = open(fn.data, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			ok = true; /* gone: a checkpoint during the scan */
		else
			send_log("warning: unable to open %s", fn.data);
		goto out;
	}
	if ((reclen = qxattr_get(fd, t->value)) < 0) {
		send_log("warning: unable to read the record of %s: %s",
			 fn.data, strerror(errno));
		goto closein;
	}
	if (reclen > 0) {
		switch (check_record(t, id, fd, reclen, &meta, &st)) {
		case RECORD_OK:
			break;
		case RECORD_DAMAGED:
			close(fd);
			fd = -1;
			discard_damaged(id);
			goto out;
		default:
			goto closein;
		}
		src.mem = meta.env;
		src.memlen = meta.envlen;
	} else {
		struct stat self;

		/* qmail's layout: todo/S/ID is the envelope file, never the
		 * message (inode ID), which without its record would be
		 * parsed as an envelope at every scan */
		if (fstat(fd, &self) == -1 || self.st_ino == (ino_t)id) {
			send_log("alert: todo msg %lu is the message without "
				 "its envelope record; left alone", id);
			goto closein;
		}
		iobuf_init(&src.in, fd, inbuf, sizeof inbuf, 0);
		if (!queue_path(&fn, "mess", id) || stat(fn.data, &st) == -1) {
			send_log("warning: unable to stat %s", fn.data);
			goto closein;
		}
	}
	unlink_prepared(id, &fn);
	send_log("new msg %lu", id);
	for (;;) {
		rec.len = 0;
		enum io_status s = source_next(&src, &rec);
		if (s == IO_EOF && rec.len == 0)
			break;
		if (s != IO_OK) {
			queue_path(&fn, "todo", id);
			send_log("warning: trouble reading %s", fn.data);
			goto closein;
		}
		rec.len--; /* the NUL */
		if (rec.len == 0)
			continue; /* a client-form terminator: harmless */
		switch (rec.data[0]) {
		case 'u':
		case 'p':
			if (!strbuf_terminate(&rec) ||
			    !scan_ulong(rec.data + 1,
					rec.data[0] == 'u' ? &uid : &pid))
				goto badrecord;
			break;
		case 'F':
			/* qmail-queue takes no longer address */
			if (have_sender || rec.len - 1 > QUEUE_SENDER_MAX ||
			    !strbuf_copy(&sender, rec.data + 1, rec.len - 1))
				goto badrecord;
			have_sender = true;
			strbuf_terminate(&rec);
			log_safe(rec.data + 1);
			send_log("info msg %lu: bytes %llu from <%s> qp %lu "
				 "uid %lu",
				 id, (unsigned long long)st.st_size,
				 rec.data + 1, pid, uid);
			break;
		case 'T':
			if (!have_sender)
				goto badrecord;
			switch (rewrite_addr(&t->rw, rec.data + 1, rec.len - 1,
					     &addr)) {
			case REWRITE_LOCAL:
				c = 0;
				break;
			case REWRITE_REMOTE:
				c = 1;
				break;
			default:
				send_log("warning: out of memory");
				goto closein;
			}
			if (!chan_put(&ch[c], c ? "remote" : "local", id,
				      &sender, birth, &addr, &fn))
				goto closein;
			break;
		default:
			goto badrecord;
		}
	}
	if (!have_sender)
		goto badrecord;
	/* no recipient at all: the head alone, in local/, which qmail-send
	 * finishes at once (qmail wrote info/ alone) */
	if (ch[0].fd == -1 && ch[1].fd == -1 &&
	    !chan_open(&ch[0], "local", id, &sender, birth, &fn))
		goto closein;
	/*
	 * Journaled: the files are written to the disk but not flushed. The
	 * unlink of todo/S/N comes after this, so any journal commit that
	 * makes it durable also holds these files and flushes their data
	 * first (doc/INTERNALS.md); until then a crash redoes the message.
	 */
	if (!chan_finish(t, &ch[0], "local", id, &fn) ||
	    !chan_finish(t, &ch[1], "remote", id, &fn))
		goto closein;
	close(fd);
	fd = -1;
	/* tell qmail-send. Its '+' must come before todo/S/N goes (so that
	 * it knows the message before a scan could miss it); with a
	 * checkpoint to come, that wait is the checkpoint's, and the next
	 * message is prepared meanwhile instead of one message per turn of
	 * qmail-send's loop (answers come in order, at most PENDING_MAX
	 * outstanding: far less than a pipe holds) */
	i = snprintf(msg, sizeof msg, "D%c%lu",
		     ch[0].fd == -1 ? 'R' : ch[1].fd != -1 ? 'B' : 'L', id);
	if (!fd_write_all(FD_TOSEND, msg, (size_t)i + 1))
		lost_send();
	t->unanswered++;
	if (t->kind == DURABLE_BARRIER)
		pending_add(t, id);
	else {
		wait_answers(t);
		clean_todo(&id, 1);
	}
	ok = true;
	goto out;
badrecord:
	queue_path(&fn, "todo", id);
	send_log("warning: unknown record type in %s", fn.data);
closein:
	if (fd != -1)
		close(fd);
out:
	for (c = 0; c < 2; c++)
		if (ch[c].fd != -1)
			close(ch[c].fd);
	strbuf_free(&fn);
	strbuf_free(&sender);
	strbuf_free(&rec);
	strbuf_free(&addr);
	return ok;
}

/* drain_trigger: empties lock/trigger, noting the directories its bytes
 * name for the next scan (an unknown byte, or a fifo that may have been
 * full, asks for all of them) */
static void
drain_trigger(struct todo *t)
{
	unsigned char buf[256];
	unsigned long s;
	size_t total = 0;
	ssize_t r, i;

	while ((r = read(t->trigger, buf, sizeof buf)) > 0) {
		total += (size_t)r;
		for (i = 0; i < r; i++) {
			if (queue_trigger_dir(buf[i], &s))
				t->look[s] = true;
			else
				t->look_all = true;
		}
	}
	if (total >= TRIGGER_FULL)
		t->look_all = true;
}

/* scan: one pass over todo/, or over the directories the trigger named
 * (struct todo); stops early on X from qmail-send; a checkpoint follows
 * any message after which one is due (checkpoint_due: its time, or
 * PENDING_MAX waiting). A hint can be lost (a qmail-queue killed between
 * its commit and its trigger, a byte for one directory that should have
 * named another), and a message can be left for later (process false):
 * so a triggered scan reads everything once FULL_SCAN_MS have passed
 * since the last such scan, a delay that bounds both while mail comes
 * in; otherwise SLEEP_TODO does, as in qmail. */
static void
scan(struct todo *t)
{
	char dir[64];
	struct dirent *d;
	unsigned long s, id, split = auto_split ? auto_split : 1;
	long long now = monotonic_ms();
	bool all;
	DIR *dp;

	all = t->look_all || split > QUEUE_TRIGGER_DIRS ||
	    now - t->full_at >= FULL_SCAN_MS;
	t->look_all = false;
	if (all) {
		memset(t->look, 0, sizeof t->look);
		t->full_at = now;
	}
	for (s = 0; s < split; s++) {
		if (!all) {
			if (!t->look[s])
				continue;
			t->look[s] = false;
		}
		snprintf(dir, sizeof dir, "todo/%lu", s);
		if ((dp = opendir(dir)) == NULL) {
			send_log("warning: unable to open %s", dir);
			continue;
		}
		while ((d = readdir(dp)) != NULL) {
			if (!queue_parse_id(d->d_name, &id) ||
			    queue_split(id) != s || is_pending(t, id))
				continue;
			process(t, id);
			checkpoint_due(t);
			read_send(t, false);
			if (t->flag_reread) {
				t->flag_reread = false;
				reread(t);
			}
			if (t->flag_exit)
				break;
		}
		closedir(dp);
		if (t->flag_exit)
			break;
	}
}


int
main(int argc, char **argv)
{
	struct todo t;
	const char *failed;
	struct pollfd p[2];
	time_t next_scan, now;
	long long scanned_at = 0; /* monotonic ms */
	bool want_scan = true;
	int timeout;

	(void)argc;
	die_init(argv[0] ? argv[0] : "qmail-todo");
	signal(SIGPIPE, SIG_IGN);
	/* qmail-send decides when we stop (X, or end of file): a signal to
	 * the whole process group must not kill us with messages waiting
	 * for a checkpoint */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	umask(077);
	memset(&t, 0, sizeof t);
	the_todo = &t;
	rewrite_init(&t.rw);
	if (rewrite_load(&t.rw, auto_qmail, &failed) != CTL_OK)
		die_temp("cannot read %s", failed);
	if (chdir(auto_queue) == -1)
		die_temp_sys("cannot chdir to %s", auto_queue);
	t.queuefd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t.queuefd == -1)
		die_temp_sys("cannot open %s", auto_queue);
	t.kind = durable_kind(t.queuefd);
	/* the checkpoint stands in for the fsyncs of local/ and
	 * remote/ only where syncfs reports their write-back errors */
	if (t.kind == DURABLE_BARRIER && !durable_barrier_reports_errors())
		t.kind = DURABLE_FSYNC;
	(void)qxattr_boot_id(t.boot);
	t.btime = boot_time();
	/* O_RDWR: a fifo with a writer of our own never reports EOF */
	t.trigger = open("lock/trigger", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t.trigger == -1)
		die_temp_sys("cannot open lock/trigger");
	/* wait for S: qmail-send has scanned the queue and takes D now */
	for (;;) {
		char c;
		ssize_t r = read(FD_FROMSEND, &c, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			t.flag_exit = true; /* qmail-send is gone */
		else if (c == 'S')
			break;
		else
			handle_byte(&t, c);
		if (t.flag_exit)
			break;
	}
	next_scan = 0;
	while (!t.flag_exit) {
		long long gap;

		if (t.flag_reread) {
			t.flag_reread = false;
			reread(&t);
		}
		now = time(NULL);
		/* a scan reads every entry of the directories it reads,
		 * those waiting for the checkpoint too: under a steady
		 * inflow a scan per trigger read the same hundreds of
		 * entries for each message, so triggers within SCAN_GAP_MS
		 * of a scan wait for the next */
		gap = scanned_at + SCAN_GAP_MS - monotonic_ms();
		if ((want_scan && gap <= 0) || now >= next_scan) {
			if (now >= next_scan) {
				next_scan = now + SLEEP_TODO;
				t.look_all = true;
			}
			want_scan = false;
			scanned_at = monotonic_ms();
			drain_trigger(&t);
			scan(&t);
			continue;
		}
		checkpoint_due(&t);
		p[0].fd = FD_FROMSEND;
		p[0].events = POLLIN;
		p[1].fd = t.trigger;
		/* a trigger already seen stays readable until the scan */
		p[1].events = want_scan ? 0 : POLLIN;
		timeout = (int)(next_scan - now) * 1000;
		if (want_scan && gap < timeout)
			timeout = (int)gap;
		if (t.npending > 0) {
			long long left = t.checkpoint_at - monotonic_ms();

			if (left < timeout)
				timeout = left < 0 ? 0 : (int)left;
		}
		if (poll(p, 2, timeout) == -1) {
			if (errno != EINTR)
				die_temp_sys("poll");
			continue;
		}
		if (p[0].revents)
			read_send(&t, false);
		if (p[1].revents & POLLIN)
			want_scan = true;
	}
	checkpoint(&t); /* X: what is pending becomes durable, then done */
	rewrite_free(&t.rw);
	return 0;
}
