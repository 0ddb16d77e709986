/*
 * mbox.h - delivery into an mbox file (qmail-local(8), mbox(5)).
 *
 * mbox_deliver appends to PATH (created 0600 if missing): HEAD (the From_
 * line, Return-Path and Delivered-To lines), then the message from MSGFD
 * (from its current offset) with every line that matches /^>*From / given
 * one more '>', a newline if the last line had none, and a blank line;
 * then fsyncs. The file is locked with both fcntl() and flock() (they are
 * independent on Linux, and MUAs use either); a lock held by someone else
 * for TIMEOUT seconds is a failure. On a write error the file is cut back
 * to where it was, if it was locked. Every failure is temporary for the
 * caller; errno is set. mbox_fromline builds qmail's From_ line. Nothing
 * here exits; not for signal handlers.
 */
#ifndef MBOX_H
#define MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "strbuf.h"

enum mbox_status {
	MBOX_OK,
	MBOX_OPEN,   /* PATH cannot be opened */
	MBOX_LOCKED, /* still locked after TIMEOUT seconds */
	MBOX_READ,   /* reading the message failed */
	MBOX_WRITE,  /* writing or syncing failed */
	MBOX_NOMEM
};

/* mbox_fromline: appends "From SENDER DATE\n" to OUT (MAILER-DAEMON for
 * the empty sender; blanks in SENDER become '-'; DATE as ctime, UTC) */
bool mbox_fromline(struct strbuf *out, const char *sender, time_t when);

/* mbox_needs_quote: true when LINE (LEN bytes) is ">*From " */
bool mbox_needs_quote(const char *line, size_t len);

enum mbox_status mbox_deliver(const char *path, int msgfd, const char *head,
			      size_t headlen, unsigned timeout);

#endif
