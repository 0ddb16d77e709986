/*
 * addr.h - mail addresses: RFC 5322 header address lists and RFC 5321
 * envelope addresses, as qmail handles them.
 *
 * An address is kept unquoted, as it travels in the envelope (qmail-queue's
 * "T<rcpt>\0"): struct addr holds "local@domain" with the local part's
 * quotes and backslashes removed, and the offset of the '@' that separates
 * the domain (text.len when there is no domain). <> is the empty address.
 * Every address is at most ADDR_MAX bytes (qmail-queue's limit).
 *
 * The parser is meant for hostile input: it uses memory bounded by a small
 * multiple of its input, never recurses, and rejects control characters
 * (an address with a NUL or a newline could not be written to an envelope).
 * Memory in struct addr and struct addr_list is owned by the structure;
 * free it with addr_free / addr_list_free. Functions return an enum
 * addr_status (ADDR_OK or the reason) and never exit. Not for signal
 * handlers.
 */
#ifndef ADDR_H
#define ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define ADDR_MAX 1000

enum addr_status {
	ADDR_OK,
	ADDR_SYNTAX,  /* not an address or address list */
	ADDR_TOOLONG, /* an address is longer than ADDR_MAX */
	ADDR_CONTROL, /* a control character (NUL, CR, LF...) in an address */
	ADDR_NOMEM    /* out of memory (errno ENOMEM) */
};

struct addr {
	struct strbuf text; /* local@domain, unquoted; empty for <> */
	size_t at;	    /* offset of the domain's '@'; text.len if none */
};
#define ADDR_INIT { STRBUF_INIT, 0 }

struct addr_item {
	struct addr addr;
	size_t start, end; /* the bytes of the address in the parsed text */
	bool angle;	   /* it was written <like@this> */
	bool split;	   /* no comma before it ("a b" is two addresses in
			      qmail): a writer puts one after the previous */
};

struct addr_list {
	struct addr_item *items;
	size_t len, cap;
};
#define ADDR_LIST_INIT { NULL, 0, 0 }

/* Where qmail-inject qualifies addresses (qmail-control(5) names). */
struct addr_defaults {
	const char *defaulthost;   /* added to an address without a domain */
	const char *defaultdomain; /* added to a domain without a dot */
	const char *plusdomain;	   /* replaces a domain's trailing '+' */
};

/* addr_parse_list: appends the addresses of an RFC 5322 address list (a
 * header field body: display names, comments, quoted local parts, groups,
 * <angle addresses>, obsolete source routes, which are dropped) to OUT;
 * fails on a syntax error, leaving OUT with the addresses before it */
enum addr_status addr_parse_list(struct addr_list *out, const char *s,
    size_t len);
/* addr_list_format: appends S (LEN bytes, the text LIST was parsed from)
 * to OUT with each address replaced by its current, quoted form (after
 * addr_qualify, say); names, comments and folding stay, and a comma is
 * added before a "split" address. False on ENOMEM. */
bool addr_list_format(struct strbuf *out, const char *s, size_t len,
    const struct addr_list *list);
/* addr_set: A = the unquoted address S ("local@domain", the last '@'
 * separates the domain; a surrounding <> is removed); fails on control
 * characters or length */
enum addr_status addr_set(struct addr *a, const char *s, size_t len);
/* addr_qualify: completes A as qmail-inject does: "user" gets
 * @defaulthost, "host+" gets .plusdomain instead of the '+', a host
 * without a dot gets .defaultdomain; a trailing '.' or '@' is dropped; <>
 * and "x@[]" are left alone. Fails with ADDR_TOOLONG or ADDR_NOMEM,
 * leaving A unchanged. */
enum addr_status addr_qualify(struct addr *a, const struct addr_defaults *d);
/* addr_quote: appends A to OUT with the local part quoted if it needs it
 * (RFC 5322 dot-atom or quoted-string); false on ENOMEM */
bool addr_quote(struct strbuf *out, const struct addr *a);
/* addr_quote_local: appends LOCAL (LEN bytes) quoted if needed; inside
 * quotes '"', '\\', CR and LF get a backslash (qmail's quote.c) */
bool addr_quote_local(struct strbuf *out, const char *local, size_t len);
/* addr_quote_str: addr_quote of the address S (LEN bytes) as it stands
 * (the local part is what precedes the last '@'), without an addr: for
 * envelope addresses in Return-Path lines and bounces */
bool addr_quote_str(struct strbuf *out, const char *s, size_t len);
/* addr_unquote_local: appends the unquoted form of S (a dot-atom or a
 * quoted-string, LEN bytes) to OUT; ADDR_SYNTAX if S is neither */
enum addr_status addr_unquote_local(struct strbuf *out, const char *s,
    size_t len);
/* addr_split: returns the offset of the last '@' in S, or LEN if none */
size_t addr_split(const char *s, size_t len);
/* addr_strerror: returns a short text for STATUS */
const char *addr_strerror(enum addr_status status);
void addr_free(struct addr *a);
void addr_list_free(struct addr_list *list);

#endif
