/*
 * policy.c - envelope policy matchers. See policy.h and qmail-smtpd(8).
 */
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "wildmat.h"

static bool
is_wild_line(const char *line)
{
	return line[0] == '!' || wildmat_is_pattern(line);
}

/* special badmailfrom forms, ignored by the generic matcher */
static bool
is_special_line(const char *line)
{
	size_t n = strlen(line);

	if (line[0] == '?' || line[0] == '~')
		return true;
	return line[0] == '@' && n > 1 &&
	    (line[n - 1] == '+' || line[n - 1] == '-' || line[n - 1] == '=');
}

enum policy_hit
policy_list_match(const struct strlist *lines, const char *text)
{
	const char *at = strrchr(text, '@');
	enum policy_hit wild = POLICY_NONE;
	size_t i;

	for (i = 0; i < lines->len; i++) {
		const char *l = lines->items[i];

		if (is_special_line(l) || is_wild_line(l))
			continue;
		if (strcmp(l, text) == 0)
			return POLICY_EXACT;
		if (at != NULL && l[0] == '@' && strcmp(l, at) == 0)
			return POLICY_DOMAIN;
	}
	for (i = 0; i < lines->len; i++) {
		const char *l = lines->items[i];

		if (l[0] == '?' || l[0] == '~' || !is_wild_line(l))
			continue;
		if (l[0] == '!') {
			if (wildmat(l + 1, text))
				wild = POLICY_NONE;
		} else if (wildmat(l, text)) {
			wild = POLICY_WILDMAT;
		}
	}
	return wild;
}

bool
policy_domain_tail(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (d == 0 || h < d)
		return false;
	if (strcmp(host + (h - d), domain) != 0)
		return false;
	return h == d || host[h - d - 1] == '.';
}

/* has_line: true when LINES holds PREFIX followed by BODY and SUFFIX */
static bool
has_line(const struct strlist *lines, const char *prefix, const char *body,
    size_t blen, const char *suffix)
{
	size_t i, p = strlen(prefix), s = strlen(suffix);

	for (i = 0; i < lines->len; i++) {
		const char *l = lines->items[i];
		size_t n = strlen(l);

		if (n == p + blen + s && memcmp(l, prefix, p) == 0 &&
		    memcmp(l + p, body, blen) == 0 &&
		    memcmp(l + p + blen, suffix, s) == 0)
			return true;
	}
	return false;
}

enum policy_verdict
policy_badmailfrom(
    const struct strlist *lines, const struct policy_sender *ps, char *form)
{
	const char *sender = ps->sender, *at, *dom, *host;
	size_t dlen;

	*form = ' ';
	if (sender[0] == '\0')
		return POLICY_PASS;
	if (has_line(lines, "?", sender, strlen(sender), "")) {
		*form = '?';
		return POLICY_SKIP;
	}
	host = ps->remotehost[0] ? ps->remotehost : "unknown";
	at = strrchr(sender, '@');
	dom = at ? at + 1 : "";
	dlen = strlen(dom);
	if (at != NULL && dlen > 0) {
		if (!ps->relayclient && has_line(lines, "@", dom, dlen, "+")) {
			*form = '+';
			return POLICY_REJECT;
		}
		if (strcmp(host, "unknown") == 0 &&
		    has_line(lines, "@", dom, dlen, "-")) {
			*form = '-';
			return POLICY_REJECT;
		}
		if (!policy_domain_tail(host, dom) &&
		    has_line(lines, "@", dom, dlen, "=")) {
			*form = '=';
			return POLICY_REJECT;
		}
		if (!policy_domain_tail(host, dom)) {
			/* ~suffix: mail from this MTA family must carry
			 * their domain */
			const char *s = host;

			while (s != NULL) {
				if (has_line(lines, "~", s, strlen(s), "")) {
					*form = '~';
					return POLICY_REJECT;
				}
				s = strchr(s, '.');
				if (s != NULL)
					s++;
			}
		}
	}
	switch (policy_list_match(lines, sender)) {
	case POLICY_EXACT:
		*form = 'a';
		return POLICY_REJECT;
	case POLICY_DOMAIN:
		*form = '@';
		return POLICY_REJECT;
	case POLICY_WILDMAT:
		*form = '*';
		return POLICY_REJECT;
	case POLICY_NONE:
		break;
	}
	return POLICY_PASS;
}

bool
policy_rcpthosts(const struct strlist *hosts, const char *domain)
{
	const char *s;
	size_t i;

	for (i = 0; i < hosts->len; i++) {
		const char *l = hosts->items[i];

		if (strcmp(l, domain) == 0)
			return true;
		if (l[0] != '.')
			continue;
		for (s = strchr(domain, '.'); s != NULL; s = strchr(s + 1, '.'))
			if (strcmp(l, s) == 0)
				return true;
	}
	return false;
}

enum cdbx_status
policy_morercpthosts(struct cdbx *db, const char *domain)
{
	struct strbuf val = STRBUF_INIT;
	enum cdbx_status st;
	const char *s;

	st = cdbx_find(db, domain, strlen(domain), &val);
	for (s = strchr(domain, '.'); st == CDBX_NOTFOUND && s != NULL;
	     s = strchr(s + 1, '.'))
		st = cdbx_find(db, s, strlen(s), &val);
	strbuf_free(&val);
	return st;
}

enum policy_verdict
policy_localmf(const struct policy_mav *m)
{
	const char *at = strrchr(m->sender, '@');
	char dom[256];
	size_t i, n;

	if (m->sender[0] == '\0')
		return POLICY_PASS;
	if (strcmp(m->check, "=") == 0 || strcmp(m->check, "?") == 0) {
		const char *want =
		    m->check[0] == '=' ? m->authuser : m->certmail;

		return want != NULL && strcasecmp(want, m->sender) == 0
		    ? POLICY_PASS
		    : POLICY_REJECT;
	}
	if (at == NULL)
		return POLICY_PASS; /* qmail qualifies it with our name */
	n = strlen(at + 1);
	if (n == 0 || n >= sizeof dom)
		return POLICY_REJECT;
	for (i = 0; i <= n; i++)
		dom[i] =
		    (char)(at[1 + i] >= 'A' && at[1 + i] <= 'Z' ? at[1 + i] + 32
								: at[1 + i]);
	if (strlen(m->check) > 1 && strcasecmp(m->check, dom) == 0)
		return POLICY_PASS;
	return m->local_domain(m->ctx, dom) ? POLICY_PASS : POLICY_REJECT;
}
