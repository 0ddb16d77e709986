/* t_maildir.c - unit tests for Maildir delivery (src/lib/maildir.c). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "maildir.h"
#include "tap.h"

static char dir[] = "/tmp/t_maildir.XXXXXX";

static void
test_names(void)
{
	static const struct {
		const char *host, *want;
	} cases[] = {
	    {"mx.example", "1700000000.M000042P123Q7.mx.example"},
	    {"a/b:c", "1700000000.M000042P123Q7.a\\057b\\072c"},
	    {"", "1700000000.M000042P123Q7.localhost"},
	};
	struct timeval tv = {1700000000, 42};
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ok(maildir_name(&a, &tv, 123, 7, cases[i].host), "name %zu", i);
		is_str(a.data, cases[i].want, cases[i].host);
	}
	/* the same second, microsecond and pid: the counter separates */
	maildir_name(&a, &tv, 123, 1, "h");
	maildir_name(&b, &tv, 123, 2, "h");
	ok(strcmp(a.data, b.data) != 0, "counter makes names unique");
	maildir_name(&b, &tv, 124, 1, "h");
	ok(strcmp(a.data, b.data) != 0, "pid makes names unique");
	strbuf_free(&a);
	strbuf_free(&b);
}

static size_t
count(const char *sub, char names[][256], size_t max)
{
	char path[256];
	struct dirent *d;
	size_t n = 0;
	DIR *dh;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	if ((dh = opendir(path)) == NULL)
		return 0;
	while ((d = readdir(dh)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if (n < max)
			snprintf(names[n], 256, "%s", d->d_name);
		n++;
	}
	closedir(dh);
	return n;
}

static void
test_deliver(void)
{
	static const char msg[] = "Subject: t\n\nbody\n";
	static const char head[] = "Return-Path: <a@b>\nDelivered-To: c@d\n";
	char path[1200], names[4][256], buf[256];
	struct strbuf name = STRBUF_INIT;
	struct stat st;
	int mfd, fd, i;
	ssize_t n;

	snprintf(path, sizeof path, "%s/msg", dir);
	mfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(write(mfd, msg, sizeof msg - 1) == sizeof msg - 1, "message");
	unlink(path);

	is_num(maildir_deliver(dir, mfd, head, sizeof head - 1, NULL, NULL),
	       MAILDIR_NODIR, "no tmp/: not a Maildir");
	for (i = 0; i < 3; i++) {
		static const char *const subs[] = {"tmp", "new", "cur"};

		snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
		mkdir(path, 0700);
	}
	for (i = 0; i < 3; i++) {
		lseek(mfd, 0, SEEK_SET);
		is_num(maildir_deliver(dir, mfd, head, sizeof head - 1, &name,
				       NULL),
		       MAILDIR_OK, "deliver");
	}
	is_num((long long)count("new", names, 4), 3, "three in new/");
	is_num((long long)count("tmp", names, 4), 0, "tmp/ is empty");
	count("new", names, 4);
	ok(strcmp(names[0], names[1]) && strcmp(names[1], names[2]) &&
	       strcmp(names[0], names[2]),
	   "three different names");
	snprintf(path, sizeof path, "%s/new/%s", dir, name.data);
	fd = open(path, O_RDONLY);
	ok(fd != -1, "the returned name is in new/");
	n = read(fd, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf,
	       "Return-Path: <a@b>\nDelivered-To: c@d\nSubject: t\n\n"
	       "body\n",
	       "content");
	fstat(fd, &st);
	is_num(st.st_mode & 0777, 0600, "mode 0600");
	close(fd);
	is_num(maildir_deliver("/nonexistent/Maildir", mfd, head, 0, NULL,
			       NULL),
	       MAILDIR_NODIR, "missing Maildir");
	close(mfd);
	count("new", names, 4);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/new/%s", dir, names[i]);
		unlink(path);
	}
	strbuf_free(&name);
}

/* deliver_later: one delivery with LATER into D; returns its status */
static enum maildir_status
deliver_later(const char *d, int mfd, struct maildir_later *later)
{
	static const char head[] = "Delivered-To: c@d\n";

	lseek(mfd, 0, SEEK_SET);
	later->deferred = false;
	return maildir_deliver(d, mfd, head, sizeof head - 1, NULL, later);
}

/* test_later: new/'s fsync is left to the caller only on the file system
 * it names (that of new/ itself) and only where durable_kind allows a
 * barrier; durable_set_override decides that here, whatever /tmp is */
static void
test_later(void)
{
	struct maildir_later later;
	char path[1200], other[1200], names[8][256];
	struct stat st, nst;
	int mfd, i, fd;

	snprintf(path, sizeof path, "%s/msg2", dir);
	mfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(write(mfd, "x\n", 2) == 2, "message");
	unlink(path);
	snprintf(path, sizeof path, "%s/new", dir);
	ok(stat(path, &nst) == 0, "stat new/");
	later.dev = nst.st_dev;
	later.fd = -1;

	durable_set_override(1); /* a file system that allows a barrier */
	is_num(deliver_later(dir, mfd, &later), MAILDIR_OK, "deliver, later");
	ok(later.deferred, "new/ left to the barrier");
	ok(later.fd != -1 && fstat(later.fd, &st) == 0 &&
	       st.st_ino == nst.st_ino && st.st_dev == nst.st_dev,
	   "the descriptor kept is new/'s");
	fd = later.fd;
	is_num(deliver_later(dir, mfd, &later), MAILDIR_OK, "deliver again");
	ok(later.deferred && later.fd == fd, "the first descriptor stays");

	later.dev = nst.st_dev + 1; /* the barrier is for another one */
	is_num(deliver_later(dir, mfd, &later), MAILDIR_OK, "other device");
	ok(!later.deferred, "another file system: new/ fsynced here");
	later.dev = nst.st_dev;

	durable_set_override(0); /* a file system where only fsync counts */
	is_num(deliver_later(dir, mfd, &later), MAILDIR_OK, "deliver, fsync");
	ok(!later.deferred, "conservative: new/ fsynced here");
	durable_set_override(-1);
	close(later.fd);

	/* new/ a symbolic link to another file system: its own device */
	snprintf(other, sizeof other, "/dev/shm/t_maildir.%ld", (long)getpid());
	if (mkdir(other, 0700) == 0) {
		char sub[1300], md[1300], cmd[2700];

		snprintf(md, sizeof md, "%s/md2", dir);
		mkdir(md, 0700);
		for (i = 0; i < 2; i++) {
			static const char *const subs[] = {"tmp", "new"};
			char link[1400];

			snprintf(sub, sizeof sub, "%s/%s", other, subs[i]);
			mkdir(sub, 0700);
			snprintf(link, sizeof link, "%s/%s", md, subs[i]);
			ok(symlink(sub, link) == 0, "symlink %s", subs[i]);
		}
		ok(stat(other, &st) == 0, "stat /dev/shm");
		if (st.st_dev != nst.st_dev) {
			durable_set_override(1);
			later.fd = -1;
			is_num(deliver_later(md, mfd, &later), MAILDIR_OK,
			       "deliver through symlinks");
			ok(!later.deferred && later.fd == -1,
			   "new/ elsewhere: fsynced, not left to the barrier");
			durable_set_override(-1);
		}
		snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", other, md);
		ok(system(cmd) == 0, "clean up");
	}
	is_num((long long)count("new", names, 8), 4, "four in new/");
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/new/%.255s", dir, names[i]);
		unlink(path);
	}
	close(mfd);
}

int
main(void)
{
	char path[256];
	int i;

	if (mkdtemp(dir) == NULL)
		return 2;
	test_names();
	test_deliver();
	test_later();
	for (i = 0; i < 3; i++) {
		static const char *const subs[] = {"tmp", "new", "cur"};

		snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
		rmdir(path);
	}
	rmdir(dir);
	return done_testing();
}
