/* t_durable.c - unit tests for src/lib/durable.c (the mode test and the
 * sync helpers; the write orders are tested end to end in
 * tests/e2e/test_durability.py on a real journaled ext4). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "durable.h"
#include "tap.h"

static char dir[] = "/tmp/t_durable.XXXXXX";

/* expect_one_fsync: the answer durable_one_fsync_commit should give for
 * FD, found independently: statfs says ext2/3/4, and ext4's sysfs entry
 * for the device says "<none>" for its journal, on Linux 4.19 or later */
static int
expect_one_fsync(int fd)
{
	char link[64], target[PATH_MAX], path[PATH_MAX + 64], buf[16] = "";
	struct statfs sfs;
	struct utsname u;
	struct stat st;
	unsigned long ma = 0, mi = 0;
	const char *name;
	ssize_t n;
	FILE *f;

	if (fstatfs(fd, &sfs) == -1 || sfs.f_type != 0xEF53 ||
	    fstat(fd, &st) == -1 || uname(&u) == -1 ||
	    sscanf(u.release, "%lu.%lu", &ma, &mi) != 2 ||
	    ma * 1000 + mi < 4019)
		return 0;
	snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(st.st_dev),
	    minor(st.st_dev));
	if ((n = readlink(link, target, sizeof target - 1)) <= 0)
		return 0;
	target[n] = '\0';
	name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	snprintf(path, sizeof path, "/sys/fs/ext4/%s/journal_task", name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof buf, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strncmp(buf, "<none>", 6) == 0;
}

int
main(void)
{
	char path[64];
	int fd, p[2];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/f", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ok(fd != -1, "temp file");
	ok(write(fd, "hello\n", 6) == 6, "write");

	/* the helpers work on a regular file whatever the mode */
	ok(durable_writeback(fd), "write-back of a file");
	ok(durable_sync(fd, true), "fsync of a file");
	ok(durable_sync(fd, false), "write-back through durable_sync");
	ok(durable_sync_dir(AT_FDCWD, dir), "fsync of a directory");
	ok(!durable_sync_dir(AT_FDCWD, path), "a file is not a directory");
	snprintf(path, sizeof path, "%s/missing", dir);
	ok(!durable_sync_dir(AT_FDCWD, path) && errno == ENOENT,
	   "a missing directory fails with ENOENT");

	/* a pipe can be neither written back nor fsynced: an error, never
	 * a silent success */
	ok(pipe(p) == 0, "pipe");
	ok(!durable_writeback(p[1]), "write-back of a pipe fails");

	/* the mode: /proc is never journaled ext4; the override wins */
	{
		int pfd = open("/proc/self/stat", O_RDONLY);

		ok(pfd != -1 && !durable_journaled(pfd), "/proc: conservative");
		durable_set_override(1);
		ok(durable_journaled(pfd), "override 1: journaled");
		durable_set_override(0);
		ok(!durable_journaled(fd), "override 0: conservative");
		durable_set_override(-1);
		close(pfd);
	}
	/* the answer is the same when asked twice (cached per device) */
	ok(durable_journaled(fd) == durable_journaled(fd), "stable answer");

	/* the one-fsync commit: only where there is no journal, never on
	 * /proc, never under an override */
	{
		int pfd = open("/proc/self/stat", O_RDONLY);

		is_num(durable_one_fsync_commit(fd), expect_one_fsync(fd),
		    "one-fsync commit exactly on ext4 without a journal, "
		    "Linux 4.19+");
		ok(pfd != -1 && !durable_one_fsync_commit(pfd),
		   "no one-fsync commit on /proc");
		durable_set_override(0);
		ok(!durable_one_fsync_commit(fd), "none under override 0");
		durable_set_override(1);
		ok(!durable_one_fsync_commit(fd), "none under override 1");
		durable_set_override(-1);
		printf("# one-fsync commit on %s: %s\n", dir,
		       durable_one_fsync_commit(fd) ? "yes" : "no");
		close(pfd);
	}

	close(p[0]);
	close(p[1]);
	close(fd);
	snprintf(path, sizeof path, "%s/f", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
