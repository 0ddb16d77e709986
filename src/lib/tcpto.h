/*
 * tcpto.h - queue/lock/tcpto: the peers whose connects timed out lately.
 *
 * qmail's idea: when a connect to an address times out, qmail-remote
 * records it; after two such timeouts (at least TCPTO_BURST seconds
 * apart, so a burst of parallel deliveries counts once) it skips that
 * address for about an hour (TCPTO_WINDOW plus up to 33 minutes chosen by
 * pid, so not every process retries at once) instead of waiting for
 * timeoutconnect again. A successful connect clears the address's count.
 *
 * The file holds up to TCPTO_SLOTS records of TCPTO_RECLEN bytes:
 *   0      family: 0 (free slot, all other bytes zero), 4 or 6
 *   1      timeouts counted, 0..TCPTO_MAXERR (0: the slot is reusable)
 *   2..7   zero
 *   8..15  time of the last counted timeout, seconds, big-endian
 *   16..31 the address (IPv4: 4 bytes, then zeros)
 * Parsing is strict: a length that is not a whole number of records or is
 * over the limit, or any record breaking these rules, makes the whole
 * file malformed. qmail-remote then starts afresh (the file only saves
 * time); qmail-tcpto reports it. Writers hold flock(LOCK_EX).
 *
 * Functions return false with errno set; nothing exits. Not for signal
 * handlers.
 */
#ifndef TCPTO_H
#define TCPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipaddr.h"

#define TCPTO_SLOTS  64
#define TCPTO_RECLEN 32
#define TCPTO_MAXLEN (TCPTO_SLOTS * TCPTO_RECLEN)
#define TCPTO_MAXERR 10
#define TCPTO_BURST  120  /* seconds: timeouts closer than this count once */
#define TCPTO_WINDOW 3840 /* seconds: minimum time an address is skipped */

struct tcpto_entry {
	struct ipaddr addr; /* family 0: a free slot */
	unsigned errors;
	uint64_t when;
};

struct tcpto {
	struct tcpto_entry slot[TCPTO_SLOTS];
	size_t len; /* slots in use in the file (free ones included) */
};

/* tcpto_parse: decodes the file's LEN bytes at BUF into OUT; false (errno
 * EPROTO) when malformed, OUT then empty */
bool tcpto_parse(struct tcpto *out, const unsigned char *buf, size_t len);
/* tcpto_format: encodes T into BUF (TCPTO_MAXLEN bytes); returns the
 * length */
size_t tcpto_format(const struct tcpto *t, unsigned char *buf);
/* tcpto_blocked: true when IP has timed out twice or more and the last
 * time is less than WINDOW seconds before NOW */
bool tcpto_blocked(const struct tcpto *t, const struct ipaddr *ip,
    uint64_t now, uint64_t window);
/* tcpto_errors: the count recorded for IP (0 when none) */
unsigned tcpto_errors(const struct tcpto *t, const struct ipaddr *ip);
/* tcpto_note: records a connect to IP that timed out (TIMEDOUT) or
 * succeeded, at NOW; returns true when T changed */
bool tcpto_note(struct tcpto *t, const struct ipaddr *ip, bool timedout,
    uint64_t now);

/* tcpto_read: reads PATH into OUT; a missing file is an empty table;
 * false on a read error or (errno EPROTO) a malformed file */
bool tcpto_read(struct tcpto *out, const char *path);
/* tcpto_update: under an exclusive lock, reads PATH (a malformed file
 * counts as empty), notes IP as tcpto_note does and writes it back when
 * it changed; false on an I/O error */
bool tcpto_update(const char *path, const struct ipaddr *ip, bool timedout,
    uint64_t now);
/* tcpto_clear: under an exclusive lock, forgets every record (qmail-tcpok) */
bool tcpto_clear(const char *path);

#endif
