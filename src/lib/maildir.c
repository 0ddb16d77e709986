/*
 * maildir.c - delivery into a Maildir. See maildir.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "iobuf.h"
#include "maildir.h"

static unsigned long deliveries; /* this process's counter */

bool
maildir_name(struct strbuf *out, const struct timeval *tv, pid_t pid,
	     unsigned long counter, const char *host)
{
	const char *p;

	out->len = 0;
	if (!strbuf_printf(
		out, "%lu.M%06luP%luQ%lu.", (unsigned long)tv->tv_sec,
		(unsigned long)tv->tv_usec, (unsigned long)pid, counter))
		return false;
	if (host == NULL || *host == '\0')
		host = "localhost";
	for (p = host; *p; p++) {
		bool ok;

		if (*p == '/')
			ok = strbuf_appends(out, "\\057");
		else if (*p == ':')
			ok = strbuf_appends(out, "\\072");
		else
			ok = strbuf_appendc(out, *p);
		if (!ok)
			return false;
	}
	return true;
}

static bool
copy(int from, int to, const char *head, size_t headlen, bool *readerr)
{
	char buf[65536];
	ssize_t r;

	*readerr = false;
	if (!fd_write_all(to, head, headlen))
		return false;
	for (;;) {
		r = read(from, buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			*readerr = true;
			return false;
		}
		if (r == 0)
			return true;
		if (!fd_write_all(to, buf, (size_t)r))
			return false;
	}
}

/* sync_new: makes DIR/new durable after the link, or leaves that to the
 * caller's barrier where LATER allows it (maildir.h); false (errno set)
 * on failure */
static bool
sync_new(int dfd, struct maildir_later *later)
{
	struct stat sb;
	int fd = openat(dfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int saved;

	if (fd == -1)
		return false;
	/* new/ itself: it may be a symbolic link to another file system */
	if (later != NULL && fstat(fd, &sb) == 0 && sb.st_dev == later->dev &&
	    durable_kind(fd) != DURABLE_FSYNC) {
		later->deferred = true;
		if (later->fd == -1)
			later->fd = fd;
		else
			close(fd);
		return true;
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		saved = errno;
		close(fd);
		errno = saved;
		return false;
	}
	return close(fd) == 0 || errno == EINTR;
}

enum maildir_status
maildir_deliver(const char *dir, int msgfd, const char *head, size_t headlen,
		struct strbuf *name, struct maildir_later *later)
{
	struct strbuf uniq = STRBUF_INIT, tmp = STRBUF_INIT;
	struct strbuf new = STRBUF_INIT;
	enum maildir_status st = MAILDIR_WRITE;
	char host[256];
	struct timeval tv;
	bool readerr;
	int dfd, fd = -1, tries, saved;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1)
		return MAILDIR_NODIR;
	if (gethostname(host, sizeof host) == -1)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	for (tries = 0; tries < 5; tries++) {
		gettimeofday(&tv, NULL);
		if (!maildir_name(&uniq, &tv, getpid(), ++deliveries, host) ||
		    !strbuf_copys(&tmp, "tmp/") ||
		    !strbuf_append(&tmp, uniq.data, uniq.len)) {
			st = MAILDIR_NOMEM;
			goto out;
		}
		fd = openat(dfd, tmp.data,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		st = (errno == ENOENT || errno == ENOTDIR) ? MAILDIR_NODIR
							   : MAILDIR_WRITE;
		goto out;
	}
	if (!copy(msgfd, fd, head, headlen, &readerr)) {
		st = readerr ? MAILDIR_READ : MAILDIR_WRITE;
		goto unlink;
	}
	/*
	 * Journaled file system: write the data to the disk but do not flush;
	 * the fsync of new/ below commits the journal, and that commit holds
	 * the inode, the new/ entry and (flushed before it) this data. Else
	 * the file gets its own fsync. doc/PERFORMANCE.md "Durability".
	 */
	if (!durable_sync(fd, !durable_journaled(fd)))
		goto unlink;
	if (close(fd) == -1) { /* NFS reports write errors here */
		fd = -1;
		goto unlink;
	}
	fd = -1;
	if (!strbuf_copys(&new, "new/") ||
	    !strbuf_append(&new, uniq.data, uniq.len)) {
		st = MAILDIR_NOMEM;
		goto unlink;
	}
	if (linkat(dfd, tmp.data, dfd, new.data, 0) == -1)
		goto unlink;
	(void)unlinkat(dfd, tmp.data, 0);
	if (!sync_new(dfd, later)) {
		/* the link may not be durable: undo it and fail */
		saved = errno;
		(void)unlinkat(dfd, new.data, 0);
		errno = saved;
		goto out;
	}
	if (name != NULL && !strbuf_copy(name, uniq.data, uniq.len)) {
		st = MAILDIR_NOMEM;
		goto out;
	}
	st = MAILDIR_OK;
	goto out;
unlink:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dfd, tmp.data, 0);
	errno = saved;
out:
	saved = errno;
	close(dfd);
	strbuf_free(&uniq);
	strbuf_free(&tmp);
	strbuf_free(&new);
	errno = saved;
	return st;
}
