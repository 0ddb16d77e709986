/*
 * bounce.h - composing bounces in qmail's format (QSBMF).
 *
 * qmail-send collects one report per failed recipient in bounce/S/N with
 * bounce_append_report, and when the message is done builds the bounce:
 *   bounce_head       Date, From, To, Subject, and the opening paragraph
 *   (the collected reports)
 *   bounce_separator  "--- Below this line is a copy of the message." and
 *                     the Return-Path line
 *   (the original message, cut after bouncemaxbytes)
 * The kind depends on the original envelope sender: a normal sender gets a
 * bounce (envelope sender ""), the empty sender a double bounce (sender
 * "#@[]", to doublebounceto), and "#@[]" a triple bounce, which is
 * dropped. Everything is appended to caller-owned strbufs; functions
 * return false on ENOMEM and never exit.
 */
#ifndef BOUNCE_H
#define BOUNCE_H

#include <stdbool.h>
#include <time.h>

#include "strbuf.h"

enum bounce_kind { BOUNCE_SINGLE, BOUNCE_DOUBLE, BOUNCE_TRIPLE };

/* bounce_classify: returns the kind of bounce for envelope SENDER (after
 * bounce_unverp) */
enum bounce_kind bounce_classify(const char *sender);
/* bounce_unverp: copies SENDER to OUT, reducing "owner-@host-@[]" to
 * "owner-@host" as qmail does before bouncing */
bool bounce_unverp(struct strbuf *out, const char *sender);
/* bounce_append_report: appends "<recip>:\n" and REPORT as one paragraph
 * (newlines in RECIP become '_', blank lines in REPORT become "/") */
bool bounce_append_report(struct strbuf *out, const char *recip,
			  const char *report);
/* bounce_quote: appends ADDR with its local part quoted as RFC 822 needs
 * (qmail's quote2) */
bool bounce_quote(struct strbuf *out, const char *addr);
/* bounce_date: appends "Date: 9 Feb 2024 10:22:33 -0000\n" for T (UTC) */
bool bounce_date(struct strbuf *out, time_t t);
/* bounce_head: appends the header and the opening paragraph; FROM is
 * bouncefrom, HOST bouncehost, TO the bounce recipient */
bool bounce_head(struct strbuf *out, enum bounce_kind kind, const char *from,
		 const char *host, const char *to, time_t now);
/* bounce_separator: appends the separator and "Return-Path: <SENDER>" */
bool bounce_separator(struct strbuf *out, enum bounce_kind kind,
		      const char *sender);

#endif
