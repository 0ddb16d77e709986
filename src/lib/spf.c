/*
 * spf.c - RFC 7208 check_host(); see spf.h. Section numbers below are
 * RFC 7208's.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "spf.h"

#define EXPAND_MAX 4096

enum kind {
	K_ALL,
	K_INCLUDE,
	K_A,
	K_MX,
	K_PTR,
	K_IP4,
	K_IP6,
	K_EXISTS,
	K_REDIRECT,
	K_EXP,
	K_OTHER /* an unknown modifier: ignored */
};

struct term {
	enum kind kind;
	char qual;       /* '+', '-', '~', '?' */
	const char *arg; /* domain-spec or network, or NULL */
	size_t arglen;
	unsigned cidr4, cidr6;
	struct ipaddr net;
	const char *text; /* the whole term, for the header */
	size_t textlen;
};

struct record {
	struct term terms[SPF_MAX_TERMS];
	size_t n;
	const struct term *redirect, *exp;
};

struct eval {
	const struct spf_resolver *r;
	const struct spf_query *q;
	struct spf_outcome *out;
	unsigned lookups, voids;
	char local[256], sdomain[256];
};

enum match { M_NO, M_YES, M_TEMP, M_PERM };

static const struct {
	const char *name;
	enum kind kind;
} mechs[] = {
    {"all", K_ALL},
    {"include", K_INCLUDE},
    {"a", K_A},
    {"mx", K_MX},
    {"ptr", K_PTR},
    {"ip4", K_IP4},
    {"ip6", K_IP6},
    {"exists", K_EXISTS},
};

const char *
spf_result_name(enum spf_result r)
{
	static const char *const names[] = {"none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror"};

	return (unsigned)r < sizeof names / sizeof names[0] ? names[r]
							    : "permerror";
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* macro_syntax: true when TEXT[0..LEN) is a valid macro-string (7.1) */
static bool
macro_syntax(const char *t, size_t len, bool exp)
{
	size_t i = 0;

	while (i < len) {
		char c = t[i];

		if (c != '%') {
			/* an explanation (6.2) may hold blanks too */
			if (((unsigned char)c < 0x21 && !(exp && c == ' ')) ||
			    (unsigned char)c > 0x7e)
				return false;
			i++;
			continue;
		}
		if (++i >= len)
			return false;
		c = t[i++];
		if (c == '%' || c == '_' || c == '-')
			continue;
		if (c != '{' || i >= len)
			return false;
		c = (char)(t[i] | 0x20);
		if (strchr("slodiphv", c) == NULL &&
		    !(exp && strchr("crt", c) != NULL))
			return false;
		i++;
		while (i < len && is_digit(t[i]))
			i++;
		if (i < len && (t[i] == 'r' || t[i] == 'R'))
			i++;
		while (i < len && strchr(".-+,/_=", t[i]) != NULL)
			i++;
		if (i >= len || t[i] != '}')
			return false;
		i++;
	}
	return true;
}

/* cidr: "/n" with 0 <= n <= MAX, no leading zeros beyond "0" */
static bool
cidr(const char **p, const char *end, unsigned max, unsigned *out)
{
	const char *s = *p + 1;
	unsigned v = 0;

	if (s >= end || !is_digit(*s) ||
	    (*s == '0' && s + 1 < end && is_digit(s[1])))
		return false;
	for (; s < end && is_digit(*s); s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	*p = s;
	return true;
}

/* parse_term: one term of LEN bytes into T; false on a syntax error */
static bool
parse_term(const char *s, size_t len, struct term *t, struct record *rec)
{
	const char *end = s + len, *p = s, *name;
	size_t i, nlen;

	memset(t, 0, sizeof *t);
	t->text = s;
	t->textlen = len;
	t->qual = '+';
	t->cidr4 = 32;
	t->cidr6 = 128;
	if (strchr("+-~?", *p) != NULL) {
		t->qual = *p++;
	}
	name = p;
	if (p >= end || !is_alpha(*p))
		return false;
	while (p < end && (is_alpha(*p) || is_digit(*p) || *p == '-' ||
			      *p == '_' || *p == '.'))
		p++;
	nlen = (size_t)(p - name);
	if (p < end && *p == '=') {
		/* a modifier: no qualifier */
		if (name != s)
			return false;
		t->arg = p + 1;
		t->arglen = (size_t)(end - p - 1);
		if (nlen == 8 && strncasecmp(name, "redirect", 8) == 0)
			t->kind = K_REDIRECT;
		else if (nlen == 3 && strncasecmp(name, "exp", 3) == 0)
			t->kind = K_EXP;
		else
			t->kind = K_OTHER;
		if (t->kind == K_OTHER)
			return macro_syntax(t->arg, t->arglen, false);
		if (t->arglen == 0 || !macro_syntax(t->arg, t->arglen, false))
			return false;
		if (t->kind == K_REDIRECT) {
			if (rec->redirect != NULL)
				return false;
			rec->redirect = t;
		} else {
			if (rec->exp != NULL)
				return false;
			rec->exp = t;
		}
		return true;
	}
	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (strlen(mechs[i].name) == nlen &&
		    strncasecmp(mechs[i].name, name, nlen) == 0)
			break;
	if (i == sizeof mechs / sizeof mechs[0])
		return false;
	t->kind = mechs[i].kind;
	switch (t->kind) {
	case K_ALL:
		return p == end;
	case K_INCLUDE:
	case K_EXISTS:
		if (p >= end || *p != ':' || p + 1 == end)
			return false;
		t->arg = p + 1;
		t->arglen = (size_t)(end - p - 1);
		return macro_syntax(t->arg, t->arglen, false);
	case K_PTR:
		if (p == end)
			return true;
		if (*p != ':' || p + 1 == end)
			return false;
		t->arg = p + 1;
		t->arglen = (size_t)(end - p - 1);
		return macro_syntax(t->arg, t->arglen, false);
	case K_A:
	case K_MX: {
		const char *q;

		if (p < end && *p == ':') {
			/* the domain-spec ends at a '/' outside a macro */
			bool brace = false;

			for (q = p + 1; q < end; q++) {
				if (*q == '{')
					brace = true;
				else if (*q == '}')
					brace = false;
				else if (*q == '/' && !brace)
					break;
			}
			t->arg = p + 1;
			t->arglen = (size_t)(q - p - 1);
			if (t->arglen == 0 ||
			    !macro_syntax(t->arg, t->arglen, false))
				return false;
			p = q;
		}
		if (p < end && *p == '/' && !(p + 1 < end && p[1] == '/'))
			if (!cidr(&p, end, 32, &t->cidr4))
				return false;
		if (p + 1 < end && p[0] == '/' && p[1] == '/') {
			p++;
			if (!cidr(&p, end, 128, &t->cidr6))
				return false;
		}
		return p == end;
	}
	case K_IP4:
	case K_IP6: {
		char addr[IPADDR_STRLEN];
		const char *q;
		size_t alen;

		if (p >= end || *p != ':')
			return false;
		p++;
		for (q = p; q < end && *q != '/'; q++)
			;
		alen = (size_t)(q - p);
		if (alen == 0 || alen >= sizeof addr)
			return false;
		memcpy(addr, p, alen);
		addr[alen] = '\0';
		if (strchr(addr, '%') != NULL || !ipaddr_parse(&t->net, addr))
			return false;
		if (t->net.family != (t->kind == K_IP4 ? AF_INET : AF_INET6))
			return false;
		p = q;
		if (p < end && !cidr(&p, end, t->kind == K_IP4 ? 32 : 128,
				   t->kind == K_IP4 ? &t->cidr4 : &t->cidr6))
			return false;
		return p == end;
	}
	default:
		return false;
	}
}

/* parse_terms: blank-separated terms; false on any syntax error */
static bool
parse_terms(const char *p, struct record *rec)
{
	const char *start;

	rec->n = 0;
	rec->redirect = rec->exp = NULL;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return true;
		for (start = p; *p != '\0' && *p != ' '; p++)
			;
		if (rec->n == SPF_MAX_TERMS ||
		    !parse_term(
			start, (size_t)(p - start), &rec->terms[rec->n], rec))
			return false;
		rec->n++;
	}
}

/* parse_record: "v=spf1" then terms; false on any syntax error (4.6) */
static bool
parse_record(const char *text, struct record *rec)
{
	if (strncasecmp(text, "v=spf1", 6) != 0 ||
	    (text[6] != '\0' && text[6] != ' '))
		return false;
	return parse_terms(text + 6, rec);
}

bool
spf_record_valid(const char *text)
{
	static struct record rec; /* 12 KB: not on the fuzzer's stack */

	return parse_record(text, &rec);
}

static bool
is_unreserved(unsigned char c)
{
	return is_alpha((char)c) || is_digit((char)c) ||
	       strchr("-._~", c) != NULL;
}

/* ip_macro: %{i} (dotted, or dotted nibbles for IPv6) or %{c} */
static void
ip_macro(char *buf, size_t size, const struct ipaddr *ip, bool human)
{
	size_t i, n = 0;

	if (ip->family == AF_INET || human) {
		ipaddr_format(ip, buf);
		return;
	}
	for (i = 0; i < 16 && n + 4 < size; i++) {
		static const char hex[] = "0123456789abcdef";

		buf[n++] = hex[ip->bytes[i] >> 4];
		buf[n++] = '.';
		buf[n++] = hex[ip->bytes[i] & 15];
		buf[n++] = '.';
	}
	buf[n ? n - 1 : 0] = '\0';
}

/* transform: VALUE split on DELIMS (default '.'), reversed, the rightmost
 * DIGITS parts (0 = all), joined with '.', appended to OUT */
static bool
transform(struct strbuf *out, const char *value, const char *delims,
    unsigned long digits, bool reverse, bool escape)
{
	const char *parts[256];
	size_t plen[256], n = 0, i, first;
	const char *p = value, *s;

	for (;;) {
		for (s = p; *s != '\0' && strchr(delims, *s) == NULL; s++)
			;
		if (n == 256)
			return false;
		parts[n] = p;
		plen[n++] = (size_t)(s - p);
		if (*s == '\0')
			break;
		p = s + 1;
	}
	if (reverse)
		for (i = 0; i < n / 2; i++) {
			const char *tp = parts[i];
			size_t tl = plen[i];

			parts[i] = parts[n - 1 - i];
			plen[i] = plen[n - 1 - i];
			parts[n - 1 - i] = tp;
			plen[n - 1 - i] = tl;
		}
	first = digits && digits < n ? n - digits : 0;
	for (i = first; i < n; i++) {
		size_t k;

		if (i > first && !strbuf_appendc(out, '.'))
			return false;
		for (k = 0; k < plen[i]; k++) {
			unsigned char c = (unsigned char)parts[i][k];

			if (escape && !is_unreserved(c)) {
				if (!strbuf_printf(out, "%%%02X", c))
					return false;
			} else if (!strbuf_appendc(out, (char)c))
				return false;
		}
		if (out->len > EXPAND_MAX)
			return false;
	}
	return true;
}

static bool
expand(struct strbuf *out, const char *t, size_t len, const struct spf_query *q,
    const char *local, const char *sdomain, const char *domain, bool exp)
{
	char ipbuf[IPADDR_STRLEN * 2 + 8], num[32];
	size_t i = 0;

	out->len = 0;
	if (!macro_syntax(t, len, exp) || !strbuf_terminate(out))
		return false;
	while (i < len) {
		char c = t[i], letter;
		const char *value;
		char delims[8] = "";
		size_t dn = 0;
		unsigned long digits = 0;
		bool reverse = false;

		if (c != '%') {
			if (!strbuf_appendc(out, c))
				return false;
			i++;
			continue;
		}
		c = t[++i];
		i++;
		if (c == '%' || c == '_' || c == '-') {
			if (!strbuf_appends(out, c == '%'   ? "%"
						 : c == '_' ? " "
							    : "%20"))
				return false;
			continue;
		}
		letter = t[i++]; /* after '{' */
		while (is_digit(t[i])) {
			digits = digits * 10 + (unsigned long)(t[i++] - '0');
			if (digits > 128)
				return false;
		}
		if (t[i - 1] >= '0' && t[i - 1] <= '9' && digits == 0)
			return false; /* "0" parts */
		if (t[i] == 'r' || t[i] == 'R') {
			reverse = true;
			i++;
		}
		while (t[i] != '}') {
			if (dn < sizeof delims - 1 && !strchr(delims, t[i]))
				delims[dn++] = t[i];
			i++;
		}
		i++;
		if (dn == 0)
			delims[0] = '.';
		switch (letter | 0x20) {
		case 's':
			value = NULL; /* below */
			break;
		case 'l':
			value = local;
			break;
		case 'o':
			value = sdomain;
			break;
		case 'd':
			value = domain;
			break;
		case 'i':
			ip_macro(ipbuf, sizeof ipbuf, &q->ip, false);
			value = ipbuf;
			break;
		case 'c':
			ip_macro(ipbuf, sizeof ipbuf, &q->ip, true);
			value = ipbuf;
			break;
		case 'p':
			value = "unknown";
			break;
		case 'v':
			value = q->ip.family == AF_INET ? "in-addr" : "ip6";
			break;
		case 'h':
			value =
			    q->helo != NULL && q->helo[0] ? q->helo : "unknown";
			break;
		case 'r':
			value = q->receiver != NULL && q->receiver[0]
				    ? q->receiver
				    : "unknown";
			break;
		case 't':
			(void)snprintf(
			    num, sizeof num, "%lld", (long long)time(NULL));
			value = num;
			break;
		default:
			return false;
		}
		if (value == NULL) {
			/* %{s}: local-part "@" domain, transformed whole */
			struct strbuf sv = STRBUF_INIT;
			bool ok = strbuf_printf(&sv, "%s@%s", local, sdomain) &&
				  transform(out, sv.data, delims, digits,
				      reverse, letter >= 'A' && letter <= 'Z');

			strbuf_free(&sv);
			if (!ok)
				return false;
			continue;
		}
		if (!transform(out, value, delims, digits, reverse,
			letter >= 'A' && letter <= 'Z'))
			return false;
	}
	return strbuf_terminate(out);
}

/* split_sender: Q's sender as <local-part> and <domain> (RFC 7208 4.1,
 * 4.3, 2.4): no local part is "postmaster"; no domain (<>, "user@", a
 * bare "user") is the HELO name, and then <> and "user@" are
 * postmaster@HELO while a bare "user" keeps its name */
static void
split_sender(const struct spf_query *q, char *local, size_t llen,
    char *sdomain, size_t dlen)
{
	const char *s = q->sender ? q->sender : "";
	size_t n = strlen(s), at = addr_split(s, n);

	if (at == n || at + 1 == n) {
		(void)snprintf(local, llen, "%s",
		    n > 0 && at == n ? s : "postmaster");
		(void)snprintf(sdomain, dlen, "%s", q->helo ? q->helo : "");
		return;
	}
	if (at == 0)
		(void)snprintf(local, llen, "postmaster");
	else
		(void)snprintf(local, llen, "%.*s", (int)at, s);
	(void)snprintf(sdomain, dlen, "%s", s + at + 1);
}

bool
spf_expand(struct strbuf *out, const char *text, size_t len,
    const struct spf_query *q, const char *domain, bool exp)
{
	char local[256], sdomain[256];

	split_sender(q, local, sizeof local, sdomain, sizeof sdomain);
	return expand(out, text, len, q, local, sdomain, domain, exp);
}

/* domain_ok: a name we can look up: 1..253 chars, labels 1..63 */
static bool
domain_ok(const char *d)
{
	size_t n = strlen(d), label = 0, i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		if (d[i] == '.') {
			if (label == 0 && i + 1 != n)
				return false;
			label = 0;
		} else if (++label > 63 || (unsigned char)d[i] <= ' ')
			return false;
	}
	return true;
}

/* target: the expanded domain-spec of T, or the current DOMAIN; long
 * names lose labels on the left (7.3) */
static bool
target(struct eval *e, const struct term *t, const char *domain, char out[256])
{
	struct strbuf x = STRBUF_INIT;
	const char *p;

	if (t->arg == NULL) {
		(void)snprintf(out, 256, "%s", domain);
		return true;
	}
	if (!expand(&x, t->arg, t->arglen, e->q, e->local, e->sdomain, domain,
		false)) {
		strbuf_free(&x);
		return false;
	}
	p = x.data;
	while (strlen(p) > 253 && strchr(p, '.') != NULL)
		p = strchr(p, '.') + 1;
	(void)snprintf(out, 256, "%s", p);
	strbuf_free(&x);
	return domain_ok(out);
}

static bool
in_net(const struct ipaddr *ip, const struct ipaddr *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (ip->family != net->family)
		return false;
	if (memcmp(ip->bytes, net->bytes, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((ip->bytes[full] ^ net->bytes[full]) & (0xff << (8 - rest)) &
		   0xff) == 0;
}

static void
problem(struct eval *e, const char *what)
{
	if (e->out->problem[0] == '\0')
		(void)snprintf(
		    e->out->problem, sizeof e->out->problem, "%s", what);
}

static enum match
count_lookup(struct eval *e)
{
	if (++e->lookups > SPF_MAX_LOOKUPS) {
		problem(e, "too many DNS lookups");
		return M_PERM;
	}
	return M_NO;
}

static enum match
count_void(struct eval *e)
{
	if (++e->voids > SPF_MAX_VOID) {
		problem(e, "too many void DNS lookups");
		return M_PERM;
	}
	return M_NO;
}

/* has_addr: NAME has an address of the client's family in the net */
static enum match
has_addr(struct eval *e, const char *name, unsigned c4, unsigned c6,
    bool void_counts)
{
	struct ipaddr addrs[64];
	size_t n = 0, i;
	int fam = e->q->ip.family;

	switch (e->r->addrs(e->r->ctx, name, fam, addrs, 64, &n)) {
	case SPF_DNS_TEMP:
		problem(e, "DNS temporary failure");
		return M_TEMP;
	case SPF_DNS_VOID:
		return void_counts ? count_void(e) : M_NO;
	case SPF_DNS_OK:
		break;
	}
	for (i = 0; i < n && i < 64; i++)
		if (in_net(&e->q->ip, &addrs[i], fam == AF_INET ? c4 : c6))
			return M_YES;
	return M_NO;
}

static enum spf_result check_host(
    struct eval *e, const char *domain, unsigned depth);

static enum match
mech(struct eval *e, const struct term *t, const char *domain, unsigned depth)
{
	char name[256];
	struct strlist names = STRLIST_INIT;
	enum match m = M_NO;
	size_t i;

	switch (t->kind) {
	case K_ALL:
		return M_YES;
	case K_IP4:
		return in_net(&e->q->ip, &t->net, t->cidr4) ? M_YES : M_NO;
	case K_IP6:
		return in_net(&e->q->ip, &t->net, t->cidr6) ? M_YES : M_NO;
	default:
		break;
	}
	if (count_lookup(e) == M_PERM)
		return M_PERM;
	if (!target(e, t, domain, name)) {
		problem(e, "bad domain-spec");
		return M_PERM;
	}
	switch (t->kind) {
	case K_INCLUDE:
		switch (check_host(e, name, depth + 1)) {
		case SPF_PASS:
			return M_YES;
		case SPF_FAIL:
		case SPF_SOFTFAIL:
		case SPF_NEUTRAL:
			return M_NO;
		case SPF_TEMPERROR:
			return M_TEMP;
		case SPF_NONE:
			problem(e, "include without an SPF record");
			return M_PERM;
		case SPF_PERMERROR:
			return M_PERM;
		}
		return M_PERM;
	case K_A:
		return has_addr(e, name, t->cidr4, t->cidr6, true);
	case K_EXISTS: {
		struct ipaddr a[1];
		size_t n = 0;

		switch (e->r->addrs(e->r->ctx, name, AF_INET, a, 1, &n)) {
		case SPF_DNS_OK:
			return M_YES;
		case SPF_DNS_VOID:
			return count_void(e);
		case SPF_DNS_TEMP:
			problem(e, "DNS temporary failure");
			return M_TEMP;
		}
		return M_TEMP;
	}
	case K_MX:
		switch (e->r->mx(e->r->ctx, name, &names)) {
		case SPF_DNS_TEMP:
			problem(e, "DNS temporary failure");
			m = M_TEMP;
			break;
		case SPF_DNS_VOID:
			m = count_void(e);
			break;
		case SPF_DNS_OK:
			if (names.len > SPF_MAX_NAMES) {
				problem(e, "too many MX names");
				m = M_PERM;
				break;
			}
			for (i = 0; i < names.len && m == M_NO; i++)
				if (names.items[i][0] != '\0')
					m = has_addr(e, names.items[i],
					    t->cidr4, t->cidr6, false);
			break;
		}
		strlist_free(&names);
		return m;
	case K_PTR:
		/* 5.5: DNS errors here just mean no match */
		if (e->r->ptr(e->r->ctx, &e->q->ip, &names) != SPF_DNS_OK) {
			strlist_free(&names);
			return M_NO;
		}
		for (i = 0; i < names.len && i < SPF_MAX_NAMES && m == M_NO;
		     i++) {
			const char *h = names.items[i];
			size_t hl = strlen(h), nl = strlen(name);

			if (hl > 0 && h[hl - 1] == '.')
				hl--;
			if (!(hl == nl && strncasecmp(h, name, nl) == 0) &&
			    !(hl > nl && h[hl - nl - 1] == '.' &&
				strncasecmp(h + hl - nl, name, nl) == 0))
				continue;
			if (has_addr(e, h, 32, 128, false) == M_YES)
				m = M_YES;
		}
		strlist_free(&names);
		return m;
	default:
		return M_PERM;
	}
}

static enum spf_result
qual_result(char q)
{
	switch (q) {
	case '-':
		return SPF_FAIL;
	case '~':
		return SPF_SOFTFAIL;
	case '?':
		return SPF_NEUTRAL;
	default:
		return SPF_PASS;
	}
}

static void
explain(struct eval *e, const struct record *rec, const char *domain)
{
	struct strlist txt = STRLIST_INIT;
	struct strbuf x = STRBUF_INIT;
	char name[256];

	if (rec->exp == NULL || !target(e, rec->exp, domain, name))
		return;
	if (e->r->txt(e->r->ctx, name, &txt) == SPF_DNS_OK && txt.len == 1 &&
	    expand(&x, txt.items[0], strlen(txt.items[0]), e->q, e->local,
		e->sdomain, domain, true) &&
	    !strbuf_copy(&e->out->explanation, x.data, x.len))
		e->out->explanation.len = 0;
	strlist_free(&txt);
	strbuf_free(&x);
}

static void
decided(struct eval *e, const struct term *t, const char *domain)
{
	(void)snprintf(e->out->mechanism, sizeof e->out->mechanism, "%.*s",
	    (int)(t->textlen > 100 ? 100 : t->textlen), t->text);
	(void)domain;
}

static enum spf_result
check_host(struct eval *e, const char *domain, unsigned depth)
{
	struct strlist txt = STRLIST_INIT;
	static struct record recs[SPF_MAX_DEPTH + 1];
	static struct record local;
	struct record *rec;
	const char *text = NULL;
	enum spf_result res = SPF_NEUTRAL;
	bool local_done = e->q->localrules == NULL || depth > 0;
	size_t i, found = 0;

	if (depth > SPF_MAX_DEPTH) {
		problem(e, "include or redirect loop");
		return SPF_PERMERROR;
	}
	if (!domain_ok(domain))
		return SPF_NONE; /* 4.3 */
	switch (e->r->txt(e->r->ctx, domain, &txt)) {
	case SPF_DNS_TEMP:
		problem(e, "DNS temporary failure");
		return SPF_TEMPERROR;
	case SPF_DNS_VOID:
		if (depth > 0 && count_void(e) == M_PERM)
			return SPF_PERMERROR;
		return SPF_NONE;
	case SPF_DNS_OK:
		break;
	}
	for (i = 0; i < txt.len; i++) {
		const char *t = txt.items[i];

		if (strncasecmp(t, "v=spf1", 6) == 0 &&
		    (t[6] == '\0' || t[6] == ' ')) {
			text = t;
			found++;
		}
	}
	if (found != 1) {
		strlist_free(&txt);
		if (found == 0)
			return SPF_NONE;
		problem(e, "more than one SPF record");
		return SPF_PERMERROR;
	}
	rec = &recs[depth];
	if (!parse_record(text, rec)) {
		(void)snprintf(e->out->problem, sizeof e->out->problem,
		    "syntax error in the SPF record of %.80s", domain);
		strlist_free(&txt);
		return SPF_PERMERROR;
	}
	for (i = 0; i <= rec->n; i++) {
		const struct term *t = i < rec->n ? &rec->terms[i] : NULL;
		enum match m;
		size_t k;

		if (t != NULL && t->kind >= K_REDIRECT)
			continue; /* modifiers */
		if (!local_done && (t == NULL || t->kind == K_ALL)) {
			/* spflocalrules: just before "all" or the end */
			local_done = true;
			if (parse_terms(e->q->localrules, &local))
				for (k = 0; k < local.n; k++) {
					const struct term *lt = &local.terms[k];

					if (lt->kind >= K_REDIRECT)
						continue;
					m = mech(e, lt, domain, depth);
					if (m == M_NO)
						continue;
					if (m == M_YES) {
						decided(e, lt, domain);
						res = qual_result(lt->qual);
					} else
						res = m == M_TEMP
							  ? SPF_TEMPERROR
							  : SPF_PERMERROR;
					goto done;
				}
		}
		if (t == NULL)
			break;
		m = mech(e, t, domain, depth);
		if (m == M_NO)
			continue;
		if (m == M_TEMP) {
			res = SPF_TEMPERROR;
			goto done;
		}
		if (m == M_PERM) {
			res = SPF_PERMERROR;
			goto done;
		}
		decided(e, t, domain);
		res = qual_result(t->qual);
		if (res == SPF_FAIL)
			explain(e, rec, domain);
		goto done;
	}
	if (rec->redirect != NULL) {
		char name[256];

		if (count_lookup(e) == M_PERM) {
			res = SPF_PERMERROR;
			goto done;
		}
		if (!target(e, rec->redirect, domain, name)) {
			problem(e, "bad redirect domain");
			res = SPF_PERMERROR;
			goto done;
		}
		res = check_host(e, name, depth + 1);
		if (res == SPF_NONE) {
			problem(e, "redirect to a domain without SPF");
			res = SPF_PERMERROR;
		}
		goto done;
	}
	(void)snprintf(e->out->mechanism, sizeof e->out->mechanism, "default");
	res = SPF_NEUTRAL;
done:
	strlist_free(&txt);
	return res;
}

enum spf_result
spf_check(const struct spf_resolver *r, const struct spf_query *q,
    struct spf_outcome *out)
{
	struct eval e;
	struct spf_query q2 = *q;

	memset(&e, 0, sizeof e);
	e.r = r;
	e.q = &q2;
	e.out = out;
	out->domain[0] = out->mechanism[0] = out->problem[0] = '\0';
	out->explanation.len = 0;
	split_sender(q, e.local, sizeof e.local, e.sdomain, sizeof e.sdomain);
	/* an IPv4-mapped client is an IPv4 client (5.6) */
	if (q2.ip.family == AF_INET6 &&
	    memcmp(q2.ip.bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(q2.ip.bytes, q2.ip.bytes + 12, 4);
		q2.ip.family = AF_INET;
	}
	(void)snprintf(out->domain, sizeof out->domain, "%s", e.sdomain);
	out->result = check_host(&e, e.sdomain, 0);
	return out->result;
}

void
spf_outcome_free(struct spf_outcome *out)
{
	strbuf_free(&out->explanation);
}
