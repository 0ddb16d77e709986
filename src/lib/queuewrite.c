/*
 * queuewrite.c - one message into the queue (queuewrite.h).
 *
 * Two commits exist: qmail's files (intd/S/N linked to todo/S/N)
 * everywhere, and, on ext4 without a journal, the envelope as a record on
 * the message file, whose one fsync as todo/S/N commits it
 * (commit_record). Every step returns false after fail() has recorded the
 * exit code, the description and errno; queue_write then removes what
 * was created, unless the commit has been made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "durable.h"
#include "envelope.h"
#include "iobuf.h"
#include "prot.h"
#include "qq.h"
#include "queue.h"
#include "queuewrite.h"
#include "qxattr.h"
#include "strbuf.h"

#define PID_TRIES 9

struct job {
	pid_t pid;
	uid_t uid;
	time_t start;
	unsigned long id; /* N: the inode number of the message file */
	struct strbuf pidfn, messfn, intdfn, todofn, tododir;
	int msgin, envin; /* where the message and the envelope come from */
	int messfd, intdfd;
	enum durable_kind kind; /* the queue's file system (durable.h) */
	bool one_fsync;		/* durable_one_fsync_commit */
	struct siphash hash;	/* of the message file's bytes */
	uint64_t msglen;
	struct strbuf env;	/* the queue-form envelope, until spilled */
	struct iobuf envout;	/* into intd/S/N once spilled */
	char envbuf[8192];
	bool made_pid, made_mess, made_intd, made_todo;
	bool committed;		/* nothing may be removed any more */
	int code;		/* the failure: exit code, text, errno */
	const char *why;
	int err;
};

/* fail: records a failure with the current errno; returns false */
static bool
fail(struct job *j, int code, const char *why)
{
	j->code = code;
	j->why = why;
	j->err = errno;
	return false;
}

static bool
fail_nomem(struct job *j)
{
	errno = 0;
	return fail(j, QQ_EXIT_NOMEM, "out of memory");
}

/* discard: frees the space of FD's file and removes PATH; truncating
 * first brings the space back even if the unlink fails, and whatever is
 * left is removed by qmail-send after 36 hours */
static void
discard(int fd, const char *path)
{
	(void)!ftruncate(fd, 0); /* "!": glibc marks it warn_unused_result */
	(void)unlink(path);
}

/* cleanup: removes this message's files (qmail's order: intd, mess). Once
 * todo/S/N names the message file nothing is truncated: only the names
 * go, as a reader may have opened it. */
static void
cleanup(struct job *j)
{
	if (j->made_intd)
		discard(j->intdfd, j->intdfn.data);
	if (j->made_todo) {
		(void)unlink(j->todofn.data);
		if (j->made_pid)
			(void)unlink(j->pidfn.data);
		return;
	}
	if (j->made_mess)
		discard(j->messfd, j->messfn.data);
	if (j->made_pid)
		discard(j->messfd, j->pidfn.data);
}

/* is_user: whether UID is the qmail user ROLE. Found uids are kept for
 * the life of the process (a qmail-queued worker queues many messages;
 * qmail-start is restarted when the qmail users change); a failed lookup
 * is tried again next time, and only changes the wording of the
 * Received line. */
static bool
is_user(uid_t uid, int role)
{
	static uid_t known[AU_COUNT];
	static bool found[AU_COUNT];

	if (!found[role])
		found[role] = prot_user(auto_users[role], &known[role], NULL);
	return found[role] && known[role] == uid;
}

/* received: qmail's line, "Received: (qmail 1234 invoked by uid 1000);
 * 26 Sep 1995 04:46:54 -0000" */
static bool
received(struct strbuf *out, const struct job *j)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	bool okay;

	if (gmtime_r(&j->start, &tm) == NULL) {
		errno = EOVERFLOW;
		return false;
	}
	okay = strbuf_appends(out, "Received: (qmail ") &&
	    strbuf_append_ulong(out, (unsigned long)j->pid) &&
	    strbuf_appends(out, " invoked ");
	if (is_user(j->uid, AU_ALIAS))
		okay = okay && strbuf_appends(out, "by alias");
	else if (is_user(j->uid, AU_QMAILD))
		okay = okay && strbuf_appends(out, "from network");
	else if (is_user(j->uid, AU_QMAILS))
		okay = okay && strbuf_appends(out, "for bounce");
	else
		okay = okay && strbuf_appends(out, "by uid ") &&
		    strbuf_append_ulong(out, (unsigned long)j->uid);
	return okay &&
	    strbuf_printf(out, "); %d %s %d %02d:%02d:%02d -0000\n",
		tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
		tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
open_excl(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
}

/* pid_open: creates pid/T/<pid>.<time>.<n> exclusively; its inode is N.
 * T turns with every message a process writes: a new file takes its inode
 * from its directory's block group, and setup puts each pid/T in a group
 * of its own, so the message inodes, made and deleted at the queue's
 * rate, come from conf-split groups instead of one (ext4 without a
 * journal walks a group's recently deleted inodes at every creation:
 * doc/PERFORMANCE.md "Queue directories in block groups of their own").
 * A queue made before pid/T existed has only pid/: then that. */
static bool
pid_open(struct job *j)
{
	static unsigned long turn;
	static bool flat; /* found no pid/T: stays so for this process */
	unsigned long seq, t = (unsigned long)j->pid + turn++;
	struct stat st;

	t %= auto_split ? auto_split : 1;
	for (seq = 1; seq <= PID_TRIES; seq++) {
		j->pidfn.len = 0;
		if (!(flat ? strbuf_printf(&j->pidfn, "pid/%lu.%lld.%lu",
			       (unsigned long)j->pid, (long long)j->start, seq)
			   : strbuf_printf(&j->pidfn, "pid/%lu/%lu.%lld.%lu", t,
			       (unsigned long)j->pid, (long long)j->start, seq)))
			return fail_nomem(j);
		j->messfd = open_excl(j->pidfn.data);
		if (j->messfd != -1)
			break;
		if (errno == ENOENT && !flat) {
			flat = true;
			seq--;
		}
	}
	if (j->messfd == -1)
		return fail(j, QQ_EXIT_PID, "cannot create a file in queue/pid");
	j->made_pid = true;
	if (fstat(j->messfd, &st) == -1)
		return fail(j, QQ_EXIT_PID, "cannot stat the pid file");
	j->id = (unsigned long)st.st_ino;
	j->kind = durable_kind(j->messfd);
	j->one_fsync = durable_one_fsync_commit(j->messfd);
	if (!queue_path(&j->messfn, "mess", j->id) ||
	    !queue_path(&j->intdfn, "intd", j->id) ||
	    !queue_path(&j->todofn, "todo", j->id) ||
	    !strbuf_copys(&j->tododir, "todo/") ||
	    !strbuf_append_ulong(&j->tododir, queue_split(j->id)))
		return fail_nomem(j);
	return true;
}

/* put_message: writes N bytes of the message file, and hashes them when
 * the record commit may need it (nowhere else is the hash used) */
static bool
put_message(struct job *j, struct iobuf *out, const void *p, size_t n)
{
	if (j->one_fsync) {
		siphash_update(&j->hash, p, n);
		j->msglen += n;
	}
	return iobuf_put(out, p, n);
}

/* write_message: the Received line and the message, copied to the pid
 * file; made durable by the commit */
static bool
write_message(struct job *j)
{
	static char inbuf[65536], outbuf[65536];
	struct strbuf line = STRBUF_INIT;
	struct iobuf in, out;
	bool okay;

	if (!received(&line, j)) {
		strbuf_free(&line);
		return fail_nomem(j);
	}
	qxattr_msg_init(&j->hash);
	iobuf_init(&in, j->msgin, inbuf, sizeof inbuf, 0);
	iobuf_init_file(&out, j->messfd, outbuf, sizeof outbuf);
	okay = put_message(j, &out, line.data, line.len);
	strbuf_free(&line);
	if (!okay)
		return fail(j, QQ_EXIT_WRITE, "cannot write the message");
	for (;;) {
		ssize_t r = iobuf_fill(&in);

		if (r == 0)
			break;
		if (r < 0)
			return fail(j, QQ_EXIT_READ, "cannot read the message");
		if (!put_message(j, &out, in.buf + in.pos, in.len - in.pos))
			return fail(j, QQ_EXIT_WRITE,
			    "cannot write the message");
		in.pos = in.len;
	}
	if (!iobuf_flush(&out))
		return fail(j, QQ_EXIT_WRITE, "cannot write the message");
	/* the data's writes go out while the envelope is read and the
	 * commit prepared; the commit's sync then waits for less */
	durable_start_writeback(j->messfd);
	return true;
}

/* spill: from now on the envelope goes to intd/S/N, starting with what
 * was kept in memory */
static bool
spill(struct job *j)
{
	j->intdfd = open_excl(j->intdfn.data);
	if (j->intdfd == -1)
		return fail(j, QQ_EXIT_INTD, "cannot create the envelope file");
	j->made_intd = true;
	iobuf_init_file(&j->envout, j->intdfd, j->envbuf, sizeof j->envbuf);
	if (!iobuf_put(&j->envout, j->env.data, j->env.len))
		return fail(j, QQ_EXIT_WRITE, "cannot write the envelope");
	j->env.len = 0;
	return true;
}

/* put_envelope: N more bytes of the queue-form envelope: kept in memory
 * while they may still fit the xattr record, else written to intd/S/N */
static bool
put_envelope(struct job *j, const void *p, size_t n)
{
	size_t keep = j->one_fsync ? QXATTR_MAX - QXATTR_HEAD : 0;

	if (j->intdfd == -1 && n <= keep && j->env.len <= keep - n) {
		if (!strbuf_append(&j->env, p, n))
			return fail_nomem(j);
		return true;
	}
	if (j->intdfd == -1 && !spill(j))
		return false;
	if (!iobuf_put(&j->envout, p, n))
		return fail(j, QQ_EXIT_WRITE, "cannot write the envelope");
	return true;
}

/* read_envelope: u<uid>\0p<pid>\0 then the records, checked as they come
 * (put_envelope) */
static bool
read_envelope(struct job *j)
{
	static char inbuf[8192];
	struct envelope_parser parser;
	enum envelope_status st;
	struct strbuf head = STRBUF_INIT;
	struct iobuf in;
	size_t used;
	bool okay;

	if (!strbuf_appendc(&head, 'u') ||
	    !strbuf_append_ulong(&head, (unsigned long)j->uid) ||
	    !strbuf_append(&head, "\0p", 2) ||
	    !strbuf_append_ulong(&head, (unsigned long)j->pid) ||
	    !strbuf_appendc(&head, '\0')) {
		strbuf_free(&head);
		return fail_nomem(j);
	}
	iobuf_init(&in, j->envin, inbuf, sizeof inbuf, 0);
	okay = put_envelope(j, head.data, head.len);
	strbuf_free(&head);
	if (!okay)
		return false;
	envelope_parser_init(&parser);
	for (;;) {
		ssize_t r = iobuf_fill(&in);

		if (r < 0)
			return fail(j, QQ_EXIT_READ,
			    "cannot read the envelope");
		if (r == 0) {
			st = envelope_finish(&parser);
			/* qmail: an envelope cut short is a read error */
			errno = 0;
			if (st == ENVELOPE_TRUNCATED)
				return fail(j, QQ_EXIT_READ,
				    "envelope ended early");
			return fail(j, QQ_EXIT_BUG, "envelope parser state");
		}
		st = envelope_feed(&parser, in.buf + in.pos, in.len - in.pos,
		    &used);
		/* the final NUL ends the client form; the file has none */
		if (!put_envelope(j, in.buf + in.pos,
			st == ENVELOPE_DONE ? used - 1 : used))
			return false;
		in.pos = in.len;
		errno = 0;
		if (st == ENVELOPE_DONE)
			return true;
		if (st == ENVELOPE_TOOLONG)
			return fail(j, QQ_EXIT_TOOLONG,
			    envelope_strerror(st));
		if (st != ENVELOPE_MORE)
			return fail(j, QQ_EXIT_ENVELOPE,
			    envelope_strerror(st));
	}
}

/* rename_to: gives the message file the name NEWFN (mess/ or todo/)
 * instead of its pid/ name, and makes messfd a descriptor opened through
 * NEWFN. An fsync on ext4 without a journal writes the directory of the
 * file's newest name (ext4_sync_parent, through the first alias of the
 * inode); holding the new name open keeps its dentry, so that directory
 * is NEWFN's. */
static bool
rename_to(struct job *j, const char *newfn, bool *made, int code)
{
	int fd;

	if (link(j->pidfn.data, newfn) == -1)
		return fail(j, code, "cannot link the message file");
	*made = true;
	fd = open(newfn, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return fail(j, code, "cannot open the message file");
	close(j->messfd);
	j->messfd = fd;
	if (unlink(j->pidfn.data) == -1)
		return fail(j, QQ_EXIT_PID, "cannot unlink the pid file");
	j->made_pid = false;
	return true;
}

/*
 * commit_record: ext4 without a journal (durable_one_fsync_commit), the
 * envelope small enough:
 * it goes into the message file's "user.qmail" record (qxattr.h), the
 * file's only name becomes todo/S/N, and one fsync makes the data, the
 * inode with its record and the todo/S entry durable: the commit. Then
 * mess/S/N is linked, without a flush: after a crash qmail-todo restores
 * it from todo/S/N. *DONE is false when the record cannot be set (no user
 * xattrs, no room): the caller falls back to commit_files.
 */
static bool
commit_record(struct job *j, bool *done)
{
	struct strbuf value = STRBUF_INIT;
	struct qxattr meta;

	*done = false;
	(void)qxattr_boot_id(meta.boot); /* unknown: zeros, always checked */
	meta.id = j->id;
	meta.msglen = j->msglen;
	meta.msghash = siphash_final(&j->hash);
	meta.env = j->env.data;
	meta.envlen = j->env.len;
	if (!qxattr_encode(&value, &meta)) {
		strbuf_free(&value);
		return errno == ENOMEM ? fail_nomem(j) : true;
	}
	if (!qxattr_set(j->messfd, value.data, value.len)) {
		strbuf_free(&value);
		return true;
	}
	strbuf_free(&value);
	*done = true;
	/* qmail-todo may see todo/S/N from here, but leaves it alone while
	 * mess/S/N is missing (a live qmail-queue links it) */
	if (!rename_to(j, j->todofn.data, &j->made_todo, QQ_EXIT_TODO))
		return false;
	if (fsync(j->messfd) == -1)
		return fail(j, QQ_EXIT_WRITE, "cannot sync the message");
	j->committed = true;
	(void)!link(j->todofn.data, j->messfn.data); /* else qmail-todo does */
	return true;
}

/*
 * commit_files: qmail's layout: the message file becomes mess/S/N, the
 * envelope intd/S/N, and the link of intd/S/N to todo/S/N is the commit,
 * made durable by an fsync of todo/S. Each file is fsynced before the
 * link, or only written back on ext4 with a journal, where the one fsync
 * commits them all (doc/INTERNALS.md).
 */
static bool
commit_files(struct job *j)
{
	bool sync = j->kind != DURABLE_JOURNALED;

	if (!rename_to(j, j->messfn.data, &j->made_mess, QQ_EXIT_MESS))
		return false;
	if (!durable_sync(j->messfd, sync))
		return fail(j, QQ_EXIT_WRITE, "cannot write the message");
	if (j->intdfd == -1 && !spill(j))
		return false;
	if (!iobuf_flush(&j->envout) || !durable_sync(j->intdfd, sync))
		return fail(j, QQ_EXIT_WRITE, "cannot write the envelope");
	if (link(j->intdfn.data, j->todofn.data) == -1)
		return fail(j, QQ_EXIT_TODO,
		    "cannot link the message into todo");
	/*
	 * From here qmail-todo may be working on the message, so mess and
	 * intd must stay. If the link cannot be made durable, take it back
	 * (best effort) and fail: at worst the message is delivered and the
	 * client retries, a duplicate but never a loss.
	 */
	j->committed = true;
	if (!durable_sync_dir(AT_FDCWD, j->tododir.data)) {
		int err = errno;

		(void)unlink(j->todofn.data);
		errno = err;
		return fail(j, QQ_EXIT_WRITE, "cannot sync the todo directory");
	}
	return true;
}

static bool
run(struct job *j)
{
	bool done = false;

	if (!pid_open(j) || !write_message(j) || !read_envelope(j))
		return false;
	if (j->one_fsync && j->intdfd == -1 && !commit_record(j, &done))
		return false;
	return done || commit_files(j);
}

int
queue_write(int msgfd, int envfd, uid_t uid, pid_t pid, unsigned long *id,
    const char **why, int *err)
{
	struct job j = { .pid = pid, .uid = uid, .msgin = msgfd,
		.envin = envfd, .messfd = -1, .intdfd = -1,
		.pidfn = STRBUF_INIT, .messfn = STRBUF_INIT,
		.intdfn = STRBUF_INIT, .todofn = STRBUF_INIT,
		.tododir = STRBUF_INIT, .env = STRBUF_INIT };
	int code = QQ_EXIT_OK;

	j.start = time(NULL);
	if (!run(&j)) {
		if (!j.committed)
			cleanup(&j);
		code = j.code;
		*why = j.why;
		*err = j.err;
	}
	*id = j.id;
	if (j.messfd != -1)
		close(j.messfd);
	if (j.intdfd != -1)
		close(j.intdfd);
	strbuf_free(&j.pidfn);
	strbuf_free(&j.messfn);
	strbuf_free(&j.intdfn);
	strbuf_free(&j.todofn);
	strbuf_free(&j.tododir);
	strbuf_free(&j.env);
	return code;
}

void
queue_trigger(unsigned long id)
{
	int fd = open("lock/trigger", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	unsigned char b = queue_trigger_byte(id);
	ssize_t r;

	if (fd == -1)
		return;
	r = write(fd, &b, 1);
	(void)r;
	close(fd);
}
