/*
 * netstring.h - reading netstrings (http://cr.yp.to/proto/netstrings.txt)
 * from a peer, with a cap: "LEN:BYTES," where LEN is decimal.
 *
 * netstring_feed is a pure byte-at-a-time decoder (the fuzzer drives it);
 * netstring_get reads one netstring from an iobuf through it. The caller
 * chooses MAX, the longest string it accepts; a length field with more
 * digits than MAX has, a length above MAX, a byte other than a digit
 * before ':' or anything but ',' after the string is garbage. Leading
 * zeros are tolerated within that digit count (QMTP peers have sent
 * them). The string goes to a caller-owned strbuf, NUL-terminated. Nothing
 * here exits; not for signal handlers.
 */
#ifndef NETSTRING_H
#define NETSTRING_H

#include <stdbool.h>
#include <stddef.h>

#include "iobuf.h"
#include "strbuf.h"

enum netstring_status {
	NETSTRING_MORE,	   /* feed: go on */
	NETSTRING_DONE,	   /* a whole netstring is in the output */
	NETSTRING_GARBAGE, /* malformed or longer than the cap */
	NETSTRING_EOF,	   /* get: the input ended first */
	NETSTRING_TIMEOUT, /* get: no data within the iobuf's timeout */
	NETSTRING_IOERR	   /* an I/O error or ENOMEM (errno set) */
};

struct netstring {
	size_t max;	    /* the cap */
	size_t maxdigits;   /* digits in MAX */
	size_t len;	    /* the length read so far, or still to read */
	size_t digits;
	int state;	    /* private */
	struct strbuf *out;
};

/* netstring_start: starts decoding into OUT (emptied) with cap MAX */
void netstring_start(struct netstring *ns, struct strbuf *out, size_t max);
/* netstring_feed: takes byte C; returns MORE, DONE, GARBAGE or IOERR.
 * After DONE or GARBAGE, call netstring_start before feeding again. */
enum netstring_status netstring_feed(struct netstring *ns, unsigned char c);
/* netstring_get: reads one netstring of at most MAX bytes into OUT */
enum netstring_status netstring_get(struct iobuf *in, struct strbuf *out,
    size_t max);

#endif
