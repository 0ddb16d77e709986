/*
 * qmail-clean - removes queue files that qmail-send and qmail-todo may not
 * remove themselves (they run as qmails; mess/, intd/ and todo/ belong to
 * qmailq).
 *
 * Started by qmail-start as qmailq, with requests on fd 0 and answers on
 * fd 1 (doc/INTERNALS.md, "qmail-send -> qmail-clean"):
 *   mess/S/N\0  unlink intd/S/N (if present), then mess/S/N
 *   todo/S/N\0  unlink intd/S/N, then todo/S/N
 *   link/S/N\0  link todo/S/N to mess/S/N (done if it exists), then
 *               fsync mess/S: qmail-todo asks for it when a crash lost
 *               the mess/ name of a message committed as todo/S/N alone
 * answered by '+' (done, or nothing to do), '!' (failed; retry later) or
 * 'x' (malformed request). It also removes files in pid/ and pid/T/
 * older than 36 hours, which a killed qmail-queue left behind, at start
 * and then at most once an hour. It exits 0 at end of input, 111 on a read or write error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
#include "queue.h"
#include "strbuf.h"

#define REQUEST_MAX  100
#define OSSIFIED     129600 /* 36 hours: longer than qmail-queue's 24 h */
#define PID_INTERVAL 3600

/* clean_dir: removes the regular files in DIR ("pid" or "pid/T")
 * untouched for 36 hours */
static void
clean_dir(const char *name, time_t now)
{
	struct dirent *d;
	struct stat st;
	char path[300];
	size_t nlen = strlen(name), len;
	DIR *dir;

	if ((dir = opendir(name)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		len = strlen(d->d_name);
		if (nlen + 1 + len + 1 > sizeof path)
			continue;
		memcpy(path, name, nlen);
		path[nlen] = '/';
		memcpy(path + nlen + 1, d->d_name, len + 1);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    now > st.st_atime + OSSIFIED)
			unlink(path);
	}
	closedir(dir);
}

/* clean_pid_dir: pid/ itself (a queue made before pid/T) and each pid/T */
static void
clean_pid_dir(time_t now)
{
	char name[32];
	unsigned long t;

	clean_dir("pid", now);
	for (t = 0; t < auto_split; t++) {
		snprintf(name, sizeof name, "pid/%lu", t);
		clean_dir(name, now);
	}
}

enum request { REQ_MESS, REQ_TODO, REQ_LINK };

/* parse: REQ must be "mess/S/N", "todo/S/N" or "link/S/N" with
 * S = N mod split */
static bool
parse(const char *req, size_t len, enum request *what, unsigned long *id)
{
	char split[32], num[32];
	const char *slash;
	unsigned long s;
	size_t slen, nlen;

	if (len < 9)
		return false;
	if (memcmp(req, "mess/", 5) == 0)
		*what = REQ_MESS;
	else if (memcmp(req, "todo/", 5) == 0)
		*what = REQ_TODO;
	else if (memcmp(req, "link/", 5) == 0)
		*what = REQ_LINK;
	else
		return false;
	slash = memchr(req + 5, '/', len - 5);
	if (slash == NULL)
		return false;
	slen = (size_t)(slash - (req + 5));
	nlen = len - 5 - slen - 1;
	if (slen == 0 || slen >= sizeof split || nlen == 0 ||
	    nlen >= sizeof num)
		return false;
	memcpy(split, req + 5, slen);
	split[slen] = '\0';
	memcpy(num, slash + 1, nlen);
	num[nlen] = '\0';
	if (!scan_ulong(split, &s) || !queue_parse_id(num, id))
		return false;
	/* "007" is not the name of anything in the queue */
	if ((split[0] == '0' && slen > 1) || num[0] == '0')
		return false;
	return s == queue_split(*id);
}

static bool
unlink_ok(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT;
}

/* relink: gives todo/S/N's message file back its mess/S/N name */
static char
relink(unsigned long id)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
	char ret = '!';

	if (queue_path(&from, "todo", id) && queue_path(&to, "mess", id) &&
	    (link(from.data, to.data) == 0 || errno == EEXIST)) {
		/* the directory is mess/S: cut the name at its last '/' */
		*strrchr(to.data, '/') = '\0';
		if (durable_sync_dir(AT_FDCWD, to.data))
			ret = '+';
	}
	strbuf_free(&from);
	strbuf_free(&to);
	return ret;
}

static char
clean(enum request what, unsigned long id)
{
	struct strbuf path = STRBUF_INIT;
	char ret = '!';

	if (what == REQ_LINK)
		return relink(id);
	if (!queue_path(&path, "intd", id) || !unlink_ok(path.data))
		goto out;
	if (!queue_path(&path, what == REQ_MESS ? "mess" : "todo", id) ||
	    !unlink_ok(path.data))
		goto out;
	ret = '+';
out:
	strbuf_free(&path);
	return ret;
}

int
main(int argc, char **argv)
{
	struct strbuf req = STRBUF_INIT;
	struct iobuf in;
	char inbuf[1024];
	time_t last, now;
	unsigned long id;
	enum request what;
	char answer;

	(void)argc;
	die_init(argv[0] ? argv[0] : "qmail-clean");
	signal(SIGPIPE, SIG_IGN);
	/* qmail-send or qmail-todo decides when it ends (end of file): a
	 * TERM to the whole process group must not cut them off */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	umask(077);
	if (chdir(auto_queue) == -1)
		die_temp_sys("cannot chdir to %s", auto_queue);
	last = time(NULL);
	clean_pid_dir(last);
	iobuf_init(&in, 0, inbuf, sizeof inbuf, 0);
	for (;;) {
		req.len = 0;
		switch (iobuf_getline(&in, &req, REQUEST_MAX + 1, '\0')) {
		case IO_OK:
			break;
		case IO_EOF:
			if (req.len)
				die_temp("request truncated by end of input");
			strbuf_free(&req);
			return 0;
		case IO_TOOLONG:
			die_temp("request longer than %d bytes", REQUEST_MAX);
		default:
			die_temp_sys("cannot read requests");
		}
		if (parse(req.data, req.len - 1, &what, &id))
			answer = clean(what, id);
		else
			answer = 'x';
		if (!fd_write_all(1, &answer, 1))
			die_temp_sys("cannot write answer");
		now = time(NULL);
		if (now > last + PID_INTERVAL || now < last) {
			clean_pid_dir(now);
			last = now;
		}
	}
}
