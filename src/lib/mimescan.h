/*
 * mimescan.h - s/qmail's BADMIMETYPE and BADLOADERTYPE content checks on
 * a message as it streams by (qmail-smtpd(8)).
 *
 * The scanner sees the decoded message (LF line ends) in pieces of any
 * size and keeps only the current line (at most MIMESCAN_LINE_MAX bytes;
 * the rest of a longer line is not looked at). A base64 block is the
 * first line after the blank line that ends a header (of the message or
 * of a MIME part) containing "Content-Transfer-Encoding: base64", and the
 * lines after it up to the next blank line or MIME boundary ('-' first).
 *   MIMESCAN_TYPE:   the first MIMESCAN_TYPE_LEN characters of a block
 *                    (the encoded file magic) are looked up;
 *   MIMESCAN_SPACE:  a blank or tab inside a block is refused (irregular
 *                    base64 that hides content from scanners);
 *   MIMESCAN_LOADER: every MIMESCAN_LOADER_LEN characters of a block
 *                    that start with the loader character are looked up.
 * LOOKUP(CTX, kind, key, len) returns 1 for a listed key, 0 for not
 * listed, -1 on an error (which makes the verdict MIMESCAN_ERROR). The
 * first bad find decides; scanning stops then. Nothing allocates or exits.
 */
#ifndef MIMESCAN_H
#define MIMESCAN_H

#include <stdbool.h>
#include <stddef.h>

#define MIMESCAN_LINE_MAX   1024
#define MIMESCAN_TYPE_LEN   9
#define MIMESCAN_LOADER_LEN 5

/* MIMESCAN_BASE64 only notes whether a base64 block was seen (BASE64) */
enum {
	MIMESCAN_TYPE = 1,
	MIMESCAN_SPACE = 2,
	MIMESCAN_LOADER = 4,
	MIMESCAN_BASE64 = 8
};

enum mimescan_verdict {
	MIMESCAN_OK,
	MIMESCAN_BADTYPE, /* listed in badmimetypes, or irregular base64 */
	MIMESCAN_BADLOADER, /* listed in badloadertypes */
	MIMESCAN_ERROR /* LOOKUP failed */
};

enum mimescan_kind { MIMESCAN_KIND_TYPE, MIMESCAN_KIND_LOADER };

typedef int mimescan_lookup_fn(
    void *ctx, enum mimescan_kind kind, const char *key, size_t len);

struct mimescan {
	unsigned flags;
	char loader; /* first character of every loader signature */
	mimescan_lookup_fn *lookup;
	void *ctx;
	enum mimescan_verdict verdict;
	char found[MIMESCAN_TYPE_LEN + 1]; /* the offending text, for logs */
	bool base64; /* a base64 block was seen */
	unsigned long lineno, b64, blank, base;
	size_t len;
	char line[MIMESCAN_LINE_MAX];
};

/* mimescan_init: starts a message with the checks in FLAGS */
void mimescan_init(struct mimescan *m, unsigned flags, char loader,
    mimescan_lookup_fn *lookup, void *ctx);
/* mimescan_feed: scans N more bytes of the decoded message */
void mimescan_feed(struct mimescan *m, const char *p, size_t n);

#endif
