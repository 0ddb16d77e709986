/*
 * fdpass.h - descriptors passed over a Unix socket (SCM_RIGHTS), for the
 * passwd helper (pwhelper.c) and qmail-queued's clients (qq.c).
 *
 * fdpass_send sends N bytes with NFDS descriptors (at most FDPASS_MAX) in
 * one message, retrying EINTR; it returns what sendmsg returned.
 * fdpass_sendf is the same with FLAGS for sendmsg (MSG_DONTWAIT).
 * fdpass_recv receives at most N bytes and keeps the first WANT passed
 * descriptors (close-on-exec) in FDS; the others are closed. *COUNT is
 * how many came (kept or not), and *CUT is true when the bytes or the
 * control data did not fit (MSG_TRUNC, MSG_CTRUNC: what the kernel could
 * not deliver it closed). It retries EINTR and returns what recvmsg
 * returned; on -1 nothing is kept. FLAGS go to recvmsg (MSG_DONTWAIT).
 * Neither exits nor prints.
 */
#ifndef FDPASS_H
#define FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FDPASS_MAX 4 /* descriptors one message may carry here */

ssize_t fdpass_send(int sock, const void *p, size_t n, const int *fds,
    size_t nfds);
ssize_t fdpass_sendf(int sock, const void *p, size_t n, const int *fds,
    size_t nfds, int flags);
ssize_t fdpass_recv(int sock, void *p, size_t n, int *fds, size_t want,
    size_t *count, bool *cut, int flags);

#endif
