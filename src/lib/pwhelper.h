/*
 * pwhelper.h - qmail-lspawn's passwd lookups (getpw.h) in one long-lived
 * process that runs as qmailp:nofiles, instead of a fork per delivery.
 *
 * The helper is forked once; it keeps only its end of a SOCK_SEQPACKET
 * socket pair (and /dev/null on 0 and 1, the spawner's fd 2 for its own
 * complaints). A delivery child (root, before it becomes the user) sends
 * one datagram: the local part, with the write end of a fresh pipe passed
 * as SCM_RIGHTS; the helper answers into that pipe and closes it. So
 * concurrent deliveries never read each other's answers, and the helper
 * reads nothing but bounded datagrams. The answer is one byte, the
 * getpw_lookup code (0 or a QLX code), then its output (user\0uid\0gid\0
 * home\0dash\0ext\0) or the reason. The passwd database is read on every
 * lookup, as before: nothing is cached. When the helper is gone or
 * misbehaves, pwhelper_lookup says so and the caller does the lookup the
 * old way (a forked child); when it does not answer in time, the caller
 * defers the delivery. Never exits the caller; not thread-safe.
 */
#ifndef PWHELPER_H
#define PWHELPER_H

#include <stdbool.h>
#include <sys/types.h>

#include "strbuf.h"

#define PWHELPER_LOCAL_MAX  1024 /* the longest local part sent */
#define PWHELPER_ANSWER_MAX 4096 /* the longest answer read */
#define PWHELPER_TIMEOUT 120 /* s: qmail-lspawn's wait for one answer */

/* pwhelper_start: forks the helper as UID:GID; returns the caller's end of
 * the socket (close-on-exec), or -1 (errno set) */
int pwhelper_start(uid_t uid, gid_t gid);

enum pwhelper_result {
	PWHELPER_ANSWERED, /* *CODE and TEXT hold the answer */
	PWHELPER_UNUSABLE, /* not asked, or the answer was too long or cut
			      short: do the lookup another way */
	PWHELPER_STUCK     /* no answer within TIMEOUT s: the helper is
			      stuck (a hung home directory, a slow NSS
			      source); a fork would hang the same way, so
			      the delivery should be deferred */
};

/* pwhelper_lookup: asks the helper on SOCK about LOCAL and waits at most
 * TIMEOUT seconds (at least 1) for the answer: *CODE is getpw_lookup's
 * code and TEXT (replaced) its output or reason */
enum pwhelper_result pwhelper_lookup(int sock, const char *local,
				     int timeout, int *code,
				     struct strbuf *text);
/* pwhelper_ask: the same with the wait in ms; with NOWAIT the question is
 * not even sent when the socket is full (PWHELPER_STUCK): for a caller
 * that must never block, qmail-lspawn's root side */
enum pwhelper_result pwhelper_ask(int sock, const char *local,
				  int timeout_ms, bool nowait, int *code,
				  struct strbuf *text);

#endif
