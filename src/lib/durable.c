/*
 * durable.c - see durable.h; the argument is doc/PERFORMANCE.md
 * "Durability".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#endif

#include "auto.h"
#include "ctl.h"
#include "durable.h"

#define EXT4_MAGIC 0xEF53 /* also ext2 and ext3: the journal test decides */

static int override = -1;
static int conservative = -1; /* control/conservativesync, once */
static bool cached;
static dev_t cached_dev;
static enum durable_kind cached_answer;
static bool cached_one_fsync;

void
durable_set_override(int mode)
{
	override = mode;
}

static bool
forced_conservative(void)
{
	char path[PATH_MAX];
	unsigned long v = 0;
	int n;

	if (conservative != -1)
		return conservative;
	n = snprintf(path, sizeof path, "%s/control/conservativesync",
		     auto_qmail);
	if (n < 0 || (size_t)n >= sizeof path)
		conservative = 1;
	else
		switch (ctl_read_ulong(&v, path, 0, 1)) {
		case CTL_OK:
			conservative = v == 1;
			break;
		case CTL_MISSING:
			conservative = 0;
			break;
		default: /* unreadable or invalid: when in doubt, fsync */
			conservative = 1;
		}
	return conservative;
}

#ifdef __linux__
/* ext4_journal: /sys/fs/ext4/<dev>/journal_task is "<none>" without a
 * journal and the pid of jbd2 with one; <dev> is the basename of
 * /sys/dev/block/MAJOR:MINOR (ext4 names itself after the block device).
 * Returns 1 (a journal), 0 (ext4's driver, no journal) or -1 (unknown:
 * no /sys, or the ext2 driver, which has no such file) */
static int
ext4_journal(dev_t dev)
{
	char link[64], target[PATH_MAX], path[PATH_MAX], buf[32];
	const char *name;
	ssize_t n;
	int fd, len;

	snprintf(link, sizeof link, "/sys/dev/block/%u:%u", major(dev),
		 minor(dev));
	n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return -1;
	target[n] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	len = snprintf(path, sizeof path, "/sys/fs/ext4/%s/journal_task", name);
	if (len < 0 || (size_t)len >= sizeof path)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	if (buf[0] >= '0' && buf[0] <= '9')
		return 1;
	return strncmp(buf, "<none>", 6) == 0 ? 0 : -1;
}

/* kernel_at_least: whether uname's release is MAJOR.MINOR or later */
static bool
kernel_at_least(unsigned long want_major, unsigned long want_minor)
{
	struct utsname u;
	unsigned long ma = 0, mi = 0;

	if (uname(&u) == -1 || sscanf(u.release, "%lu.%lu", &ma, &mi) != 2)
		return false;
	return ma > want_major || (ma == want_major && mi >= want_minor);
}
#endif

/* fs_kind: FD's file system, cached per device */
static enum durable_kind
fs_kind(int fd)
{
#ifdef __linux__
	struct statfs sfs;
	struct stat st;
	int saved = errno;
	enum durable_kind answer = DURABLE_FSYNC;

	if (override != -1)
		return override == 1 ? DURABLE_JOURNALED : DURABLE_FSYNC;
	if (forced_conservative())
		return DURABLE_FSYNC;
	if (fstat(fd, &st) == -1) {
		errno = saved;
		return DURABLE_FSYNC;
	}
	if (cached && st.st_dev == cached_dev)
		return cached_answer;
	cached_one_fsync = false;
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == EXT4_MAGIC) {
		int journal = ext4_journal(st.st_dev);

		answer = journal == 1 ? DURABLE_JOURNALED : DURABLE_BARRIER;
		/* 4.19: ext4_add_entry marks every new name (NEWENTRY), so
		 * that fsync writes its directory; older kernels did not on
		 * every path */
		cached_one_fsync = journal == 0 && kernel_at_least(4, 19);
	}
	cached = true;
	cached_dev = st.st_dev;
	cached_answer = answer;
	errno = saved;
	return answer;
#else
	(void)fd;
	return override == 1 ? DURABLE_JOURNALED : DURABLE_FSYNC;
#endif
}

bool
durable_one_fsync_commit(int fd)
{
#ifdef __linux__
	return fs_kind(fd) == DURABLE_BARRIER && cached_one_fsync;
#else
	(void)fd;
	return false;
#endif
}

bool
durable_journaled(int fd)
{
	return fs_kind(fd) == DURABLE_JOURNALED;
}

enum durable_kind
durable_kind(int fd)
{
	return fs_kind(fd);
}

bool
durable_barrier(int fd)
{
	/* syncfs writes every dirty page, inode and buffer of the file
	 * system and waits for them, but on ext2/ext4 without a journal it
	 * flushes the cache before its last wait for the buffer cache
	 * (sync_filesystem: sync_fs(wait) comes before sync_blockdev), so
	 * the directory and inode blocks written last may still sit in the
	 * disk's cache: the fsync after it flushes once more */
	if (syncfs(fd) == -1)
		return false;
	return fsync(fd) == 0;
}

bool
durable_barrier_reports_errors(void)
{
#ifdef __linux__
	return kernel_at_least(5, 8);
#else
	return false;
#endif
}

void
durable_start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}

bool
durable_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
	/* all three flags: WB_SYNC_ALL writeback of the whole file, waited
	 * for; no cache flush and no metadata (the covering commit has it) */
	for (;;) {
		if (sync_file_range(fd, 0, 0,
				    SYNC_FILE_RANGE_WAIT_BEFORE |
					SYNC_FILE_RANGE_WRITE |
					SYNC_FILE_RANGE_WAIT_AFTER) == 0)
			return true;
		if (errno != EINTR)
			break;
	}
	if (errno != ENOSYS && errno != EINVAL && errno != ESPIPE)
		return false;
#endif
	return fsync(fd) == 0; /* no writeback-only call: pay a flush */
}

bool
durable_sync(int fd, bool sync)
{
	return sync ? fsync(fd) == 0 : durable_writeback(fd);
}

bool
durable_sync_dir(int dfd, const char *path)
{
	int fd = openat(dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int saved;

	if (fd == -1)
		return false;
	if (fsync(fd) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return false;
	}
	close(fd);
	return true;
}
