/*
 * envelope.h - qmail-queue's envelope format, parsed strictly and bounded.
 *
 * Two forms exist (doc/INTERNALS.md, doc/qmail-queue.8):
 *   client form, on qmail-queue's fd 1:  "F<sender>\0" ("T<rcpt>\0")* "\0"
 *   queue form, in intd/S/N and todo/S/N:
 *             "u<uid>\0p<pid>\0F<sender>\0" ("T<rcpt>\0")*  then end of file
 * An address is any bytes except NUL, at most ENVELOPE_ADDR_MAX of them, as
 * qmail allows (no syntax is imposed: the queue stores what it is given).
 *
 * The streaming parser (envelope_feed) checks bytes as they arrive and keeps
 * no copy of them, so a caller can copy an envelope of any number of
 * recipients through in constant memory. envelope_parse and
 * envelope_parse_queue parse a whole buffer into a struct envelope, which
 * owns its strings (free with envelope_free). Nothing here exits or does
 * I/O; nothing is safe in a signal handler.
 */
#ifndef ENVELOPE_H
#define ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define ENVELOPE_ADDR_MAX 1000

enum envelope_status {
	ENVELOPE_MORE,	    /* valid so far; the final NUL has not come */
	ENVELOPE_DONE,	    /* complete: the final NUL was seen */
	ENVELOPE_TOOLONG,   /* an address is over ENVELOPE_ADDR_MAX bytes */
	ENVELOPE_FORMAT,    /* a record is not F (first) or T, or bad u/p */
	ENVELOPE_TRUNCATED, /* the input ended inside the envelope */
	ENVELOPE_NOMEM
};

struct envelope_parser {
	int state;	/* private */
	size_t addrlen; /* bytes of the address being read */
	size_t nrcpt;	/* complete recipients so far */
};

struct envelope {
	unsigned long uid; /* queue form only, else 0 */
	unsigned long pid; /* queue form only, else 0 */
	struct strbuf sender;
	struct strlist rcpts;
};
#define ENVELOPE_INIT { 0, 0, STRBUF_INIT, STRLIST_INIT }

/* envelope_parser_init: prepares P for the client form */
void envelope_parser_init(struct envelope_parser *p);
/*
 * envelope_feed: checks LEN more bytes of the client form. *USED is set to
 * the bytes that belong to the envelope: all of LEN for MORE, up to and
 * including the final NUL for DONE, up to the offending byte (excluded) for
 * an error. DONE and errors are sticky: later calls consume nothing.
 */
enum envelope_status envelope_feed(struct envelope_parser *p, const void *buf,
    size_t len, size_t *used);
/* envelope_finish: the input has ended: DONE if it was complete, the
 * sticky error if any, else TRUNCATED */
enum envelope_status envelope_finish(const struct envelope_parser *p);

/* envelope_parse: parses the client form from BUF into ENV (replacing its
 * contents); *USED as for envelope_feed; bytes after the final NUL are
 * not looked at. Fails with TRUNCATED when BUF ends early. */
enum envelope_status envelope_parse(struct envelope *env, const void *buf,
    size_t len, size_t *used);
/* envelope_parse_queue: parses a whole queue-form file; DONE on success */
enum envelope_status envelope_parse_queue(struct envelope *env,
    const void *buf, size_t len);
void envelope_free(struct envelope *env);
/* envelope_strerror: returns a short English description of ST */
const char *envelope_strerror(enum envelope_status st);

#endif
