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
 * NFS, tmpfs, a failed test) every file is fsynced as before.
 *
 * durable_journaled answers for FD's file system; the answer is cached per
 * device for the life of the process. control/conservativesync set to 1
 * (read once per process, under auto_qmail) forces the per-file fsyncs
 * everywhere. Nothing here exits or allocates; not for signal handlers.
 */
#ifndef DURABLE_H
#define DURABLE_H

#include <stdbool.h>

/* durable_journaled: returns true when FD is on ext4 with a journal and
 * control/conservativesync is not 1; false on any doubt */
bool durable_journaled(int fd);

/* durable_writeback: writes FD's dirty data to the device and waits for
 * it, without a cache flush; false (errno set) when that failed */
bool durable_writeback(int fd);

/* durable_sync: fsync of FD when SYNC, else durable_writeback(FD) */
bool durable_sync(int fd, bool sync);

/* durable_sync_dir: fsync of the directory PATH (relative to DFD, which
 * may be AT_FDCWD); false (errno set) on failure */
bool durable_sync_dir(int dfd, const char *path);

/* durable_set_override: tests only; -1 = decide, 0 = never journaled,
 * 1 = journaled whatever the file system */
void durable_set_override(int mode);

#endif
