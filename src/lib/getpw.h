/*
 * getpw.h - the user who controls a local part, from the passwd database
 * (qmail-getpw(8)).
 *
 * The longest prefix of LOCAL that ends at its end or before a '-' and
 * names a passwd user wins, if that user is not root and owns the home
 * directory; what follows the '-' is the extension. No match: the alias
 * user, home <conf-qmail>/alias, dash "-", the whole local part as
 * extension. Used by bin/qmail-getpw and by qmail-lspawn in a child that
 * runs as qmailp; both must run unprivileged (the home directory test is
 * a stat as the caller). Uses getpwnam, so not thread-safe nor for signal
 * handlers. Never exits.
 */
#ifndef GETPW_H
#define GETPW_H

#include "strbuf.h"

/* getpw_lookup: returns 0 and appends user\0uid\0gid\0home\0dash\0ext\0
 * to OUT; or a QLX code of qlx.h (QLX_SYS, QLX_NFS, QLX_NOALIAS,
 * QLX_NOMEM) with the reason in WHY */
int getpw_lookup(const char *local, struct strbuf *out, struct strbuf *why);

#endif
