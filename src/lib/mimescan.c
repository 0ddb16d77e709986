/*
 * mimescan.c - BADMIMETYPE/BADLOADERTYPE scanning; see mimescan.h.
 *
 * The line bookkeeping follows s/qmail's qmail-smtpd put(): line numbers
 * of the last "Content-Transfer-Encoding: base64" header line, of the
 * last blank line and of the first line of the current base64 block.
 */
#include <string.h>
#include <strings.h>

#include "mimescan.h"

void
mimescan_init(struct mimescan *m, unsigned flags, char loader,
    mimescan_lookup_fn *lookup, void *ctx)
{
	memset(m, 0, sizeof *m);
	m->flags = flags;
	m->loader = loader;
	m->lookup = lookup;
	m->ctx = ctx;
	m->verdict = MIMESCAN_OK;
}

/* is_b64_header: "Content-Transfer-Encoding:" [blanks] "base64" */
static bool
is_b64_header(const char *l, size_t len)
{
	static const char name[] = "content-transfer-encoding:";
	size_t n = sizeof name - 1, i;

	if (len < n || strncasecmp(l, name, n) != 0)
		return false;
	for (i = n; i < len && (l[i] == ' ' || l[i] == '\t'); i++)
		;
	return len - i >= 6 && strncasecmp(l + i, "base64", 6) == 0;
}

static void
bad(struct mimescan *m, enum mimescan_verdict v, const char *p, size_t n)
{
	m->verdict = v;
	if (n >= sizeof m->found)
		n = sizeof m->found - 1;
	memcpy(m->found, p, n);
	m->found[n] = '\0';
}

/* ask: LOOKUP, with an error turned into the verdict; true when listed */
static bool
ask(struct mimescan *m, enum mimescan_kind kind, const char *key, size_t len)
{
	int r = m->lookup(m->ctx, kind, key, len);

	if (r < 0)
		bad(m, MIMESCAN_ERROR, key, len);
	return r > 0;
}

static void
end_of_line(struct mimescan *m)
{
	const char *l = m->line;
	size_t len = m->len, i;

	m->lineno++;
	if (len == 0) {
		m->blank = m->lineno;
		m->base = 0;
	}
	if (is_b64_header(l, len))
		m->b64 = m->lineno;
	if (m->b64 && m->lineno == m->blank + 1 && len > MIMESCAN_TYPE_LEN)
		m->base = m->lineno;
	if (len > 0 && l[0] == '-')
		m->b64 = m->base = 0;
	if (m->base == 0)
		return;
	m->base64 = true;
	if ((m->flags & MIMESCAN_TYPE) && m->base == m->lineno) {
		if (ask(m, MIMESCAN_KIND_TYPE, l, MIMESCAN_TYPE_LEN)) {
			bad(m, MIMESCAN_BADTYPE, l, MIMESCAN_TYPE_LEN);
			return;
		}
		if (m->verdict != MIMESCAN_OK)
			return;
	}
	for (i = 0; i < len; i++) {
		if ((m->flags & MIMESCAN_SPACE) &&
		    (l[i] == ' ' || l[i] == '\t')) {
			bad(m, MIMESCAN_BADTYPE, l,
			    len < MIMESCAN_TYPE_LEN ? len : MIMESCAN_TYPE_LEN);
			return;
		}
		if ((m->flags & MIMESCAN_LOADER) && l[i] == m->loader &&
		    len - i >= MIMESCAN_LOADER_LEN) {
			if (ask(m, MIMESCAN_KIND_LOADER, l + i,
				MIMESCAN_LOADER_LEN)) {
				bad(m, MIMESCAN_BADLOADER, l + i,
				    MIMESCAN_LOADER_LEN);
				return;
			}
			if (m->verdict != MIMESCAN_OK)
				return;
		}
	}
}

void
mimescan_feed(struct mimescan *m, const char *p, size_t n)
{
	const char *nl;
	size_t take;

	while (n > 0 && m->verdict == MIMESCAN_OK && m->flags != 0) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) : n;
		if (take > sizeof m->line - m->len)
			take = sizeof m->line - m->len; /* keep the start */
		memcpy(m->line + m->len, p, take);
		m->len += take;
		if (nl == NULL)
			return;
		end_of_line(m);
		m->len = 0;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}
