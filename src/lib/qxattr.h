/*
 * qxattr.h - the envelope record that qmail-queue attaches to a message
 * file as the extended attribute "user.qmail", on file systems where one
 * fsync of that file is the whole commit (doc/INTERNALS.md "qmail-queue:
 * the write order", doc/PERFORMANCE.md "Durability").
 *
 * The value (little-endian integers):
 *    0  "QMQ1"
 *    4  boot id (16 bytes; zeros when unknown) of the boot that wrote it
 *   20  N, the message's inode number          (8)
 *   28  the message's length in bytes           (8)
 *   36  SipHash-2-4 of the message's bytes      (8)
 *   44  SipHash-2-4 of bytes 0..43 and 52..end  (8)
 *   52  the envelope in queue form (envelope.h): u, p, F, T records,
 *       each ending in NUL
 * It is at most QXATTR_MAX bytes, which fits one ext4 block. The two
 * hashes let qmail-todo tell, after a crash, whether everything reached
 * the disk. META.env points into the caller's buffer. Nothing here
 * allocates except qxattr_encode (into a strbuf), nothing exits, and
 * nothing is for signal handlers.
 */
#ifndef QXATTR_H
#define QXATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "siphash.h"
#include "strbuf.h"

#define QXATTR_NAME "user.qmail"
#define QXATTR_HEAD 52
#define QXATTR_MAX  4000

struct qxattr {
	unsigned char boot[16];
	uint64_t id;	   /* N */
	uint64_t msglen;   /* bytes of the message file */
	uint64_t msghash;  /* qxattr_msg_* over those bytes */
	const char *env;   /* queue-form records */
	size_t envlen;
};

/* qxattr_msg_init: starts the hash of a message's bytes */
void qxattr_msg_init(struct siphash *h);
/* qxattr_encode: OUT = the value for META; false when it would be over
 * QXATTR_MAX bytes (errno E2BIG) or on ENOMEM */
bool qxattr_encode(struct strbuf *out, const struct qxattr *meta);
/* qxattr_decode: parses LEN bytes at VALUE into META; false when the
 * value is malformed, its hash does not match, or the envelope part is
 * empty or does not end in NUL */
bool qxattr_decode(struct qxattr *meta, const void *value, size_t len);
/* qxattr_boot_id: OUT = this boot's id (/proc/sys/kernel/random/boot_id);
 * false, with OUT all zeros, when it cannot be read */
bool qxattr_boot_id(unsigned char out[16]);
/* qxattr_boot_known: whether B is a boot id, not all zeros */
bool qxattr_boot_known(const unsigned char b[16]);
/* qxattr_same_boot: whether A and B name one known boot */
bool qxattr_same_boot(const unsigned char a[16], const unsigned char b[16]);
/* qxattr_set: attaches LEN bytes at VALUE to FD's file; false (errno)
 * on failure, e.g. ENOTSUP, E2BIG, ENOSPC */
bool qxattr_set(int fd, const void *value, size_t len);
/* qxattr_get: reads FD's value into BUF (QXATTR_MAX bytes); returns its
 * length, 0 when the file has none (or the file system has no xattrs),
 * -1 (errno) on any other failure; a value over QXATTR_MAX is ERANGE */
ssize_t qxattr_get(int fd, unsigned char *buf);
/* qxattr_check_message: reads FD's file from offset 0 and returns 1 when
 * its length and hash are META's, 0 when not, -1 (errno) on a read error */
int qxattr_check_message(int fd, const struct qxattr *meta);

#endif
