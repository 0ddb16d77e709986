/*
 * tlsdest.h - s/qmail's control/tlsdestinations and control/domaincerts,
 * parsed strictly and looked up (doc/qmail-remote.8 is the reference).
 *
 * tlsdestinations: one rule per line, "key:value".
 *   key    "-" anonymous TLS if offered (the default without a rule),
 *          "*" TLS if offered, and then the certificate must verify,
 *          "-*" "+*" "~*" "=*" mandatory TLS for every destination:
 *              anonymous, verified, verified + name (wildcards allowed),
 *              verified + exact name;
 *          "!dest" never STARTTLS, "-dest" "dest" "~dest" "=dest" the
 *          mandatory forms for one destination, "%dest" pinning.
 *   dest   a host name, ".suffix" (every name below it; not for "%" and
 *          "="), an IPv4 address or "[IPv6 address]".
 *   value  [cafile|=fingerprint][|ciphers[|[verifydepth][;port][|sender
 *          domain]]], or the shortcut [cafile];port. A fingerprint is the
 *          hex SHA-1/224/256/512 digest of the certificate (by length).
 * The first rule that applies wins, in s/qmail's order of kinds: "!", "%",
 * "=", "~", plain, "-" (each exact, then ever shorter suffixes), then the
 * general keys. A rule naming a sender domain applies only to that one.
 *
 * domaincerts: "domain:certfile[|keyfile[|password]]" keyed by the
 * sender's domain, ".suffix" or the default "*".
 *
 * A malformed line anywhere makes the file invalid (the caller fails
 * temporarily). Results are copied into fixed-size fields of the caller's
 * struct. Nothing here allocates or exits.
 */
#ifndef TLSDEST_H
#define TLSDEST_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

#define TLSDEST_FIELD_MAX 255
#define TLSDEST_FP_MAX	  128

enum tlsdest_level {
	TLSDEST_NEVER = -1,	/* "!dest": no STARTTLS */
	TLSDEST_DEFAULT = 0,	/* no rule: STARTTLS if offered, unverified */
	TLSDEST_ANON = 1,	/* "-": the same, said explicitly */
	TLSDEST_VERIFY = 2,	/* "*": if offered, the chain must verify */
	TLSDEST_MUST_ANON = 3,	/* "-*", "-dest": required, unverified */
	TLSDEST_MUST_CERT = 4,	/* "+*", "dest": required, chain verified */
	TLSDEST_MUST_WILD = 5,	/* "~*", "~dest": + name, wildcards ok */
	TLSDEST_MUST_NAME = 6,	/* "=*", "=dest": + exact name */
	TLSDEST_PIN = 7		/* "%dest", "=fingerprint": required, pinned */
};

struct tlsdest {
	enum tlsdest_level level;
	char cafile[TLSDEST_FIELD_MAX + 1];  /* "": system store; ends in
						'/': a CA directory */
	char ciphers[TLSDEST_FIELD_MAX + 1]; /* "": the built-in list */
	char fingerprint[TLSDEST_FP_MAX + 1]; /* lower-case hex, PIN only */
	unsigned verifydepth;		     /* 0: OpenSSL's default */
	unsigned long port;		     /* 0: not set */
	char sender_domain[TLSDEST_FIELD_MAX + 1]; /* "": every sender */
};

struct domaincert {
	char certfile[TLSDEST_FIELD_MAX + 1];
	char keyfile[TLSDEST_FIELD_MAX + 1];  /* "": in certfile */
	char password[TLSDEST_FIELD_MAX + 1]; /* "": key not encrypted */
};

enum tlsdest_status { TLSDEST_NONE, TLSDEST_FOUND, TLSDEST_INVALID };

/* tlsdest_parse_line: parses one tlsdestinations LINE into OUT, with the
 * destination (without prefix or brackets) in DEST (may be NULL, else
 * TLSDEST_FIELD_MAX + 1 bytes; "*" or "" for the general keys); false on
 * malformed input */
bool tlsdest_parse_line(const char *line, struct tlsdest *out, char *dest);
/* tlsdest_check: true when every line parses; else *BAD = first bad one */
bool tlsdest_check(const struct strlist *lines, size_t *bad);
/* tlsdest_lookup: the rule for destination HOST (lower-case, no brackets)
 * and the sender's domain SENDER_DOMAIN; TLSDEST_NONE leaves OUT as the
 * default (level TLSDEST_DEFAULT, no fields) */
enum tlsdest_status tlsdest_lookup(const struct strlist *lines,
    const char *host, const char *sender_domain, struct tlsdest *out);
/* fingerprint_alg: the digest name for a hex fingerprint of LEN digits
 * ("sha1", "sha224", "sha256", "sha512"), NULL for any other length */
const char *tlsdest_fingerprint_alg(size_t len);

/* domaincert_parse: parses "certfile[|keyfile[|password]]" */
bool domaincert_parse(const char *value, struct domaincert *out);
/* domaincerts_check: as tlsdest_check, for control/domaincerts */
bool domaincerts_check(const struct strlist *lines, size_t *bad);
/* domaincert_lookup: the entry for the sender's DOMAIN, or "*" */
enum tlsdest_status domaincert_lookup(const struct strlist *lines,
    const char *domain, struct domaincert *out);

#endif
