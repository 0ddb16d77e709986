/*
 * bounce.c - qmail's bounce format. See bounce.h.
 */
#include <string.h>

#include "addr.h"
#include "bounce.h"

enum bounce_kind
bounce_classify(const char *sender)
{
	if (strcmp(sender, "#@[]") == 0)
		return BOUNCE_TRIPLE;
	if (*sender == '\0')
		return BOUNCE_DOUBLE;
	return BOUNCE_SINGLE;
}

bool
bounce_unverp(struct strbuf *out, const char *sender)
{
	size_t len = strlen(sender);

	out->len = 0;
	if (len >= 4 && strcmp(sender + len - 4, "-@[]") == 0)
		return strbuf_append(out, sender, len - 4) &&
		       strbuf_terminate(out);
	return strbuf_append(out, sender, len) && strbuf_terminate(out);
}

bool
bounce_append_report(struct strbuf *out, const char *recip, const char *report)
{
	size_t start = out->len, pos, rlen = strlen(report);

	if (!strbuf_appendc(out, '<') || !strbuf_appends(out, recip))
		goto fail;
	for (pos = start; pos < out->len; pos++)
		if (out->data[pos] == '\n')
			out->data[pos] = '_';
	if (!strbuf_appends(out, ">:\n") || !strbuf_append(out, report, rlen))
		goto fail;
	if (rlen && report[rlen - 1] != '\n' && !strbuf_appendc(out, '\n'))
		goto fail;
	/* a blank line would end the paragraph early: "\n\n" -> "\n/" */
	for (pos = out->len - 2; pos > start; pos--)
		if (out->data[pos] == '\n' && out->data[pos - 1] == '\n')
			out->data[pos] = '/';
	if (!strbuf_appendc(out, '\n'))
		goto fail;
	return true;
fail:
	strbuf_truncate(out, start);
	return false;
}

bool
bounce_quote(struct strbuf *out, const char *addr)
{
	return addr_quote_str(out, addr, strlen(addr));
}

bool
bounce_date(struct strbuf *out, time_t t)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return strbuf_appends(out, "Date: 1 Jan 1970 00:00:00 -0000\n");
	return strbuf_printf(out, "Date: %d %s %d %02d:%02d:%02d -0000\n",
			     tm.tm_mday, months[tm.tm_mon % 12],
			     tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			     tm.tm_sec);
}

bool
bounce_head(struct strbuf *out, enum bounce_kind kind, const char *from,
	    const char *host, const char *to, time_t now)
{
	bool ok;

	/* FROM (control/bouncefrom) is a local part, quoted whole */
	ok = bounce_date(out, now) && strbuf_appends(out, "From: ") &&
	     addr_quote_local(out, from, strlen(from)) &&
	     strbuf_appendc(out, '@') && strbuf_appends(out, host) &&
	     strbuf_appends(out, "\nTo: ") && bounce_quote(out, to) &&
	     strbuf_appends(out, "\nSubject: failure notice\n\n"
				 "Hi. This is the qmail-send program at ") &&
	     strbuf_appends(out, host);
	if (ok && kind == BOUNCE_SINGLE)
		ok = strbuf_appends(
		    out,
		    ".\n"
		    "I'm afraid I wasn't able to deliver your message to the "
		    "following addresses.\n"
		    "This is a permanent error; I've given up. Sorry it didn't "
		    "work out.\n\n");
	else if (ok)
		ok = strbuf_appends(
		    out,
		    ".\n"
		    "I tried to deliver a bounce message to this address, but "
		    "the bounce bounced!\n\n");
	return ok;
}

bool
bounce_separator(struct strbuf *out, enum bounce_kind kind, const char *sender)
{
	return strbuf_appends(
		   out,
		   kind == BOUNCE_SINGLE
		       ? "--- Below this line is a copy of the message.\n\n"
		       : "--- Below this line is the original bounce.\n\n") &&
	       strbuf_appends(out, "Return-Path: <") &&
	       bounce_quote(out, sender) && strbuf_appends(out, ">\n");
}
