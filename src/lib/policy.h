/*
 * policy.h - s/qmail's envelope policy matchers (qmail-smtpd(8)):
 * rcpthosts/morercpthosts, badmailfrom in its seven forms, badrcptto and
 * badhelo lists with wildmat lines.
 *
 * Lists are the lines of a control file as ctl_read_lines returns them;
 * callers lower-case the lines and the texts first (matching is on bytes).
 * A line is a wildmat line when it starts with '!' (negated) or contains
 * '*', '?' or '['; wildmat lines are evaluated in file order and the last
 * one that matches decides ("least to most significant"). Pure functions
 * over caller-owned data, except policy_morercpthosts which reads a cdb;
 * nothing allocates (beyond a bounded key buffer) or exits.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cdbx.h"
#include "strbuf.h"

enum policy_hit {
	POLICY_NONE,	/* nothing matched (or a '!' line matched last) */
	POLICY_EXACT,	/* a plain line equal to the text */
	POLICY_DOMAIN,	/* an "@domain" line equal to the text's domain */
	POLICY_WILDMAT	/* a wildmat line matched last */
};

/* policy_list_match: looks TEXT up in LINES: exact line, then "@domain"
 * lines against the part after TEXT's last '@', then wildmat lines;
 * special badmailfrom lines (?x, ~x, @d+ @d- @d=) never match here */
enum policy_hit policy_list_match(
    const struct strlist *lines, const char *text);

enum policy_verdict {
	POLICY_PASS,	/* no objection */
	POLICY_SKIP,	/* "?addr": accept, skip the other sender checks */
	POLICY_REJECT
};

struct policy_sender {
	const char *sender;	/* lower-case envelope sender, not empty */
	const char *remotehost;	/* lower-case TCPREMOTEHOST, "unknown" if
				   the client has no DNS name */
	bool relayclient;	/* RELAYCLIENT is set */
};

/* policy_badmailfrom: evaluates all seven badmailfrom forms in s/qmail's
 * order (?, +, -, =, ~, plain/@domain, wildmat); *FORM is the log
 * condition: '?', '+', '-', '=', '~', '@' (domain), 'a' (address) or '*'
 * (wildmat), ' ' when nothing matched */
enum policy_verdict policy_badmailfrom(
    const struct strlist *lines, const struct policy_sender *ps, char *form);

/* policy_rcpthosts: true when DOMAIN is listed in HOSTS, exactly or under
 * a ".suffix" line (qmail's rcpthosts) */
bool policy_rcpthosts(const struct strlist *hosts, const char *domain);
/* policy_morercpthosts: the same lookup in an open morercpthosts cdb */
enum cdbx_status policy_morercpthosts(struct cdbx *db, const char *domain);
/* policy_domain_tail: true when HOST is DOMAIN or ends in ".DOMAIN" */
bool policy_domain_tail(const char *host, const char *domain);

/* LOCALMFCHECK (mail address verification for relay clients) */
struct policy_mav {
	const char *check; /* the LOCALMFCHECK value */
	const char *sender; /* the envelope sender, any case */
	const char *authuser; /* AUTHUSER after SMTP AUTH, or NULL */
	const char *certmail; /* the client certificate's e-mail, or NULL */
	/* local_domain: true when DOMAIN (lower case) is in rcpthosts or
	   morercpthosts */
	bool (*local_domain)(void *ctx, const char *domain);
	void *ctx;
};

/* policy_localmf: POLICY_PASS when the sender may be used: "<>" and
 * unqualified senders always; "=" the sender is AUTHUSER; "?" the sender
 * is the certificate's e-mail; a string of two or more characters the
 * sender's domain is that string, or else (and for any other value) the
 * domain is one of ours. POLICY_REJECT otherwise. */
enum policy_verdict policy_localmf(const struct policy_mav *m);

#endif
