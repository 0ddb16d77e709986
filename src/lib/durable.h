/*
 * durable.h - how many flushes a step needs: the file-system test behind
 * the write orders of doc/INTERNALS.md and doc/PERFORMANCE.md "Durability".
 *
 * On ext4 with a journal, one fsync commits the whole running journal
 * transaction, and the commit record is written with a cache flush before
 * it. So data that has been written back (durable_writeback: written to
 * the device, no flush) before a metadata change is durable once any
 * commit holding that change is, and commits reach the disk in order. There
 * a step that ends in an fsync needs no fsync of its own files before it:
 * durable_writeback is enough. Everywhere else (no journal, xfs, btrfs,
 * NFS, tmpfs, a failed test) every file is fsynced as before, except
 * that on ext2/ext4 a process that makes many files durable at once may
 * use one durable_barrier for all: qmail-todo without a journal, and
 * qmail-send for the Maildir deliveries on the queue's file system.
 *
 * durable_journaled answers for FD's file system; the answer is cached per
 * device for the life of the process. On ext2/ext3/ext4 whose journal
 * cannot be seen in /sys (no /sys in a container), the answer is
 * DURABLE_BARRIER: safe there, as syncfs and fsync are reliable on them.
 * control/conservativesync set to 1 (read once per process, under
 * auto_qmail) forces the per-file fsyncs
 * everywhere. Nothing here exits or allocates; not for signal handlers.
 */
#ifndef DURABLE_H
#define DURABLE_H

#include <stdbool.h>

enum durable_kind {
	DURABLE_FSYNC,	   /* fsync every file: any doubt, conservativesync */
	DURABLE_JOURNALED, /* ext4 with a journal: one commit per step */
	DURABLE_BARRIER	   /* ext2/ext4 without a journal: durable_barrier */
};

/* durable_kind: what FD's file system allows (see above); DURABLE_FSYNC
 * when control/conservativesync is 1 or on any doubt */
enum durable_kind durable_kind(int fd);

/* durable_one_fsync_commit: whether FD's file system is ext4's driver
 * without a journal (positively: journal_task reads "<none>") on Linux
 * 4.19 or later, not conservativesync: there an fsync of a file also
 * writes the directory of its newest name, so qmail-queue may commit a
 * message with one fsync (qxattr.h). False on any doubt, and for the ext2
 * driver, which ties neither that directory nor an xattr block to the
 * file's fsync. */
bool durable_one_fsync_commit(int fd);

/* durable_journaled: durable_kind(FD) == DURABLE_JOURNALED */
bool durable_journaled(int fd);

/* durable_barrier: makes everything written on FD's file system before
 * the call durable (syncfs, then an fsync of FD for the flush that the
 * last metadata writes of syncfs may lack); two flushes, whatever was
 * written. Only where durable_kind is not DURABLE_FSYNC, i.e. ext2/ext4
 * (with a journal, syncfs waits for the commit of the running
 * transaction, whose commit record carries the flush): elsewhere syncfs
 * promises less (FUSE, some network file systems). False (errno set) on
 * failure. */
bool durable_barrier(int fd);

/* durable_barrier_reports_errors: whether durable_barrier sees a failed
 * write-back of any file on the file system (syncfs reports one since
 * Linux 5.8; before, only the fsync of its own FD counted). A caller
 * that lets one barrier replace the fsyncs of other files needs it. */
bool durable_barrier_reports_errors(void);

/* durable_writeback: writes FD's dirty data to the device and waits for
 * it, without a cache flush; false (errno set) when that failed */
bool durable_writeback(int fd);
/* durable_start_writeback: starts writing FD's dirty pages to the disk
 * and returns at once; only a head start for a later fsync or
 * durable_writeback, so its failure is ignored */
void durable_start_writeback(int fd);

/* durable_sync: fsync of FD when SYNC, else durable_writeback(FD) */
bool durable_sync(int fd, bool sync);

/* durable_sync_dir: fsync of the directory PATH (relative to DFD, which
 * may be AT_FDCWD); false (errno set) on failure */
bool durable_sync_dir(int dfd, const char *path);

/* durable_set_override: tests only; -1 = decide, 0 = never journaled,
 * 1 = journaled whatever the file system */
void durable_set_override(int mode);

#endif
