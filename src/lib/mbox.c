/*
 * mbox.c - delivery into an mbox file. See mbox.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "iobuf.h"
#include "mbox.h"

#define LINE_CHUNK 65536

bool
mbox_fromline(struct strbuf *out, const char *sender, time_t when)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
					     "May", "Jun", "Jul", "Aug",
					     "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;
	const char *p;

	if (!strbuf_appends(out, "From "))
		return false;
	if (*sender == '\0') {
		if (!strbuf_appends(out, "MAILER-DAEMON"))
			return false;
	} else {
		for (p = sender; *p; p++) {
			char c = *p;

			if (c == ' ' || c == '\t' || c == '\n')
				c = '-';
			if (!strbuf_appendc(out, c))
				return false;
		}
	}
	if (gmtime_r(&when, &tm) == NULL)
		return false;
	/* qmail's myctime: day of month with a leading zero */
	return strbuf_printf(out, " %s %s %02d %02d:%02d:%02d %d\n",
			     days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec,
			     tm.tm_year + 1900);
}

bool
mbox_needs_quote(const char *line, size_t len)
{
	while (len > 0 && *line == '>') {
		line++;
		len--;
	}
	return len >= 5 && memcmp(line, "From ", 5) == 0;
}

/* lock: fcntl and flock, retried for TIMEOUT seconds; false with
 * errno EAGAIN on timeout. A file system without locks is not fatal,
 * as in qmail: *LOCKED then says whether a lock is held. */
static bool
lock(int fd, unsigned timeout, bool *locked)
{
	struct flock fl;
	unsigned long waited = 0;
	bool have_fcntl = false, have_flock = false;
	const struct timespec tenth = {0, 100000000};

	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (;;) {
		if (!have_fcntl) {
			if (fcntl(fd, F_SETLK, &fl) == 0)
				have_fcntl = true;
			else if (errno != EAGAIN && errno != EACCES &&
				 errno != EINTR)
				have_fcntl = true; /* unsupported: go on */
		}
		if (have_fcntl && !have_flock) {
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				have_flock = true;
			else if (errno != EWOULDBLOCK && errno != EINTR)
				have_flock = true;
		}
		if (have_fcntl && have_flock)
			break;
		if (waited >= (unsigned long)timeout * 10) {
			errno = EAGAIN;
			return false;
		}
		nanosleep(&tenth, NULL);
		waited++;
	}
	*locked = true;
	return true;
}

static enum mbox_status
write_message(struct iobuf *out, int msgfd)
{
	char inbuf[8192];
	struct iobuf in;
	struct strbuf line = STRBUF_INIT;
	enum mbox_status st = MBOX_OK;
	enum io_status r;
	bool linestart = true, lastnl = true;

	iobuf_init(&in, msgfd, inbuf, sizeof inbuf, 0);
	for (;;) {
		line.len = 0;
		r = iobuf_getline(&in, &line, LINE_CHUNK, '\n');
		if (r == IO_ERR || r == IO_TIMEOUT) {
			st = MBOX_READ;
			break;
		}
		if (line.len == 0)
			break; /* EOF */
		if (linestart && mbox_needs_quote(line.data, line.len) &&
		    !iobuf_put(out, ">", 1)) {
			st = MBOX_WRITE;
			break;
		}
		if (!iobuf_put(out, line.data, line.len)) {
			st = MBOX_WRITE;
			break;
		}
		lastnl = line.data[line.len - 1] == '\n';
		/* a chunk of an overlong line is not a line start */
		linestart = r != IO_TOOLONG;
		if (r == IO_EOF)
			break;
	}
	strbuf_free(&line);
	if (st != MBOX_OK)
		return st;
	if (!lastnl && !iobuf_put(out, "\n", 1))
		return MBOX_WRITE;
	if (!iobuf_put(out, "\n", 1) || !iobuf_flush(out))
		return MBOX_WRITE;
	return MBOX_OK;
}

enum mbox_status
mbox_deliver(const char *path, int msgfd, const char *head, size_t headlen,
	     unsigned timeout)
{
	char outbuf[8192];
	struct iobuf out;
	enum mbox_status st;
	bool locked = false;
	off_t pos;
	int fd, saved;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC,
		  0600);
	if (fd == -1)
		return MBOX_OPEN;
	/* O_NONBLOCK only so that a fifo cannot hang us at open */
	(void)fcntl(fd, F_SETFL, O_APPEND);
	if (!lock(fd, timeout, &locked)) {
		saved = errno;
		close(fd);
		errno = saved;
		return MBOX_LOCKED;
	}
	pos = lseek(fd, 0, SEEK_END);
	iobuf_init(&out, fd, outbuf, sizeof outbuf, 0);
	if (!iobuf_put(&out, head, headlen))
		st = MBOX_WRITE;
	else
		st = write_message(&out, msgfd);
	if (st == MBOX_OK && fsync(fd) == -1)
		st = MBOX_WRITE;
	saved = errno;
	if (st != MBOX_OK && locked && pos != (off_t)-1 &&
	    ftruncate(fd, pos) == -1) {
		/* nothing more can be done: the mbox keeps a partial tail */
	}
	if (close(fd) == -1 && st == MBOX_OK) {
		saved = errno;
		st = MBOX_WRITE;
	}
	errno = saved;
	return st;
}
