/*
 * qlx.h - exit codes between qmail-lspawn, its delivery child, qmail-getpw
 * and qmail-local (qmail's qlx.h, plus one code of ours).
 *
 * qmail-local itself exits 0 (delivered), 100 (permanent) or 111
 * (temporary); qmail-lspawn's child exits with these QLX codes when it
 * fails before or instead of running qmail-local, and qmail-getpw exits
 * with some of them. qmail-lspawn turns every code except 0, 100 and
 * QLX_UNSYNCED into a temporary failure (doc/qmail-lspawn.8 has the
 * texts). Header only.
 */
#ifndef QLX_H
#define QLX_H

enum {
	QLX_UNSYNCED = 97,  /* delivered; a Maildir's new/ is durable only
			       after qmail-send's barrier (local.h) */
	QLX_NOMAILBOX = 98, /* qmail-local -a: no .qmail for the extension;
			       qmail-lspawn retries as the alias user */
	QLX_BUG = 101,
	QLX_ROOT = 102,    /* refused to deliver as root */
	QLX_NFS = 103,     /* temporary error reading a home directory */
	QLX_NOALIAS = 104, /* no alias user */
	QLX_CDB = 105,     /* users/cdb unreadable or corrupt */
	QLX_SYS = 106,     /* fork, pipe, wait... failed */
	QLX_NOMEM = 107,
	/* 108-110 were qmail's "cannot run qmail-local/qmail-getpw": nothing
	 * is exec'd now (delivery without exec), so they are reserved */
	QLX_USAGE = 112 /* internal error: bad record, bad arguments */
};

#endif
