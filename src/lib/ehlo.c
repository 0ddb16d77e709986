/*
 * ehlo.c - the extensions in an EHLO reply. See ehlo.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ehlo.h"

/* true when the keyword at KW is NAME, ended by a space or the line end */
static bool
keyword_is(const char *kw, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(kw, name, n) == 0 &&
	    (kw[n] == '\n' || kw[n] == ' ');
}

/* the mechanisms in "AUTH mech mech..." from P up to END */
static void
parse_auth(struct ehlo *e, const char *p, const char *end)
{
	size_t n;

	while (p < end) {
		n = strcspn(p, " \n");
		if (n == 8 && strncasecmp(p, "CRAM-MD5", 8) == 0)
			e->auth_cram = true;
		else if (n == 5 && strncasecmp(p, "LOGIN", 5) == 0)
			e->auth_login = true;
		else if (n == 5 && strncasecmp(p, "PLAIN", 5) == 0)
			e->auth_plain = true;
		p += n;
		if (p < end)
			p++;
	}
}

void
ehlo_parse(struct ehlo *e, const char *text)
{
	const char *line = text, *end, *kw;
	bool first = true;

	memset(e, 0, sizeof *e);
	for (; line && *line; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			break;
		/* the first line names the host; "250-" or "250 " leads
		 * every line, so a keyword needs more than four bytes */
		if (first || (size_t)(end - line) < 4) {
			first = false;
			continue;
		}
		kw = line + 4;
		if (keyword_is(kw, "PIPELINING"))
			e->pipelining = true;
		else if (keyword_is(kw, "8BITMIME"))
			e->eightbitmime = true;
		else if (keyword_is(kw, "SMTPUTF8"))
			e->smtputf8 = true;
		else if (keyword_is(kw, "SIZE")) {
			e->size_offered = true;
			/* digits only: strtoul would skip the '\n' and read
			 * the next line's code; an overlong number saturates
			 * at ULONG_MAX, in effect no limit */
			if (kw[4] == ' ' && kw[5] >= '0' && kw[5] <= '9')
				e->size_limit = strtoul(kw + 5, NULL, 10);
		} else if (keyword_is(kw, "STARTTLS"))
			e->starttls = true;
		else if (strncasecmp(kw, "AUTH", 4) == 0 &&
		    (kw[4] == ' ' || kw[4] == '='))
			parse_auth(e, kw + 5, end);
	}
}
