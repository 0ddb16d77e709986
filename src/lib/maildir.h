/*
 * maildir.h - delivery into a Maildir (maildir(5), qmail-local(8)).
 *
 * maildir_deliver writes HEAD (the Return-Path and Delivered-To lines)
 * and then the message read from MSGFD (from its current offset) into
 * DIR/tmp/NAME, fsyncs it (on ext4 with a journal only writes it to the
 * disk: durable.h), links it to DIR/new/NAME, removes the tmp name and
 * fsyncs DIR/new, so that an exit 0 means the message is on disk.
 * With a struct maildir_later whose DEV is the file system of DIR/new,
 * and where that file system's durable_kind is not DURABLE_FSYNC, the
 * fsync of DIR/new is left out and DEFERRED set: the delivery is then
 * durable only after a durable_barrier on that file system, which the
 * caller must have done before it counts the delivery as done
 * (qmail-lspawn's deliveries: qmail-send's barrier, doc/PERFORMANCE.md
 * "Durability"). FD, -1 at first, then keeps a descriptor of the first
 * such DIR/new for the caller's own barrier (the caller closes it).
 * NAME is unique: seconds, microseconds, pid and a per-process counter,
 * then the host name with '/' and ':' escaped as maildir(5) says.
 * On failure the tmp file is removed and the result says which step
 * failed, with errno set; every failure is temporary for the caller.
 * Nothing here exits; not for signal handlers.
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>

#include "strbuf.h"

enum maildir_status {
	MAILDIR_OK,
	MAILDIR_NODIR, /* DIR (or DIR/tmp) cannot be opened */
	MAILDIR_READ,  /* reading the message failed */
	MAILDIR_WRITE, /* creating, writing, syncing or linking failed */
	MAILDIR_NOMEM
};

/* maildir_later: leave DIR/new's fsync to a barrier on DEV's file system */
struct maildir_later {
	dev_t dev;     /* in: the file system the barrier will be done on */
	bool deferred; /* out: set when a DIR/new was not fsynced */
	int fd;        /* in/out: -1, then the first such DIR/new */
};

/* maildir_name: OUT = a unique file name for a message delivered at TV by
 * process PID, with COUNTER distinguishing deliveries of one process */
bool maildir_name(struct strbuf *out, const struct timeval *tv, pid_t pid,
		  unsigned long counter, const char *host);

/* maildir_deliver: delivers as above; NAME (may be NULL) gets the name;
 * LATER may be NULL (always fsync DIR/new) */
enum maildir_status maildir_deliver(const char *dir, int msgfd,
				    const char *head, size_t headlen,
				    struct strbuf *name,
				    struct maildir_later *later);

#endif
