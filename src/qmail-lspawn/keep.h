/*
 * keep.h - qmail-lspawn's kept delivery processes (doc/INTERNALS.md,
 * "Kept delivery processes").
 *
 * A kept process (kept.h) is forked by qmail-lspawn for one identity
 * (user, uid, gid, home), becomes that user once, exactly as a delivery
 * child does, and then runs qmail-local's delivery code for one delivery
 * to that identity after another, so that a busy mailbox costs no fork
 * and exit per message. A job's fields are local, dash, ext, domain and
 * sender; the answer is the delivery's exit code. At most KEEP_MAX are
 * kept; one is let go after KEEP_IDLE_MS idle, after KEEP_USES
 * deliveries, or when it answers anything unexpected. The root side
 * never blocks on a kept process; nothing here exits except the kept
 * process itself.
 */
#ifndef KEEP_H
#define KEEP_H

#include <stdbool.h>
#include <sys/types.h>

#include "kept.h"
#include "local.h"
#include "users.h"

#define KEEP_MAX     16    /* kept processes at once */
#define KEEP_IDLE_MS 10000 /* an idle one is let go after this */
#define KEEP_USES    1000  /* deliveries before one is let go */

struct keep_pool {
	struct kept_pool kept; /* keyed by identity: uid, gid, user, home */
	/* what every delivery shares (defaultdelivery, doit, msgfd 0, the
	 * barrier); the per-delivery fields are filled in from each job */
	struct local_args base;
};

/* keep_init: an empty pool; BASE is filled in by the caller afterwards */
void keep_init(struct keep_pool *p);
/* keep_become: what a delivery process does before qmail-local's code,
 * the kept one and qmail-lspawn's delivery child alike: refuses uid 0
 * and a relative HOME, becomes UID:GID with no other group (prot_drop),
 * checks that no uid 0 is left, umask 077; returns 0, or the exit code */
int keep_become(uid_t uid, gid_t gid, const char *home);

/* keep_start: hands the delivery of the message on MSGFD to LOCAL@DOMAIN
 * from SENDER, whose user U names (its identity, dash and ext), to an
 * idle kept process of that identity, or to a new one; OUTFD is the
 * report pipe. Returns that process's socket (the delivery is over when
 * it is readable: kept_done), or -1 when the delivery should be forked
 * as before (all kept processes busy, or a failure). */
int keep_start(struct keep_pool *p, const struct users_entry *u,
	       const char *local, const char *domain, const char *sender,
	       int msgfd, int outfd);

/* kept_done and kept_tick (kept.h) on the kept member do the rest */

#endif
