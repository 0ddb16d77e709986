/* t_spf.c - the SPF evaluator (RFC 7208) against a fake resolver: record
 * syntax, macro expansion (the examples of RFC 7208 7.4), every mechanism
 * and modifier, the lookup and void limits, and spflocalrules. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "spf.h"
#include "tap.h"

enum { TXT, A, AAAA, MX, PTR, TEMP };

static const struct rr {
	const char *name;
	int type;
	const char *value;
} zone[] = {
    {"pass.example", TXT, "v=spf1 ip4:192.0.2.0/24 -all"},
    {"pass.example", TXT, "some other text"},
    {"fail.example", TXT, "v=spf1 -all exp=exp.fail.example"},
    {"exp.fail.example", TXT, "%{i} is not one of %{d}'s servers"},
    {"soft.example", TXT, "v=spf1 ~all"},
    {"neutral.example", TXT, "v=spf1 ?all"},
    {"empty.example", TXT, "v=spf1"},
    {"none.example", TXT, "hello world"},
    {"two.example", TXT, "v=spf1 -all"},
    {"two.example", TXT, "v=spf1 +all"},
    {"syntax.example", TXT, "v=spf1 foo:bar -all"},
    {"temp.example", TEMP, NULL},
    {"inc.example", TXT, "v=spf1 include:pass.example -all"},
    {"incnone.example", TXT, "v=spf1 include:nothing.example -all"},
    {"inctemp.example", TXT, "v=spf1 include:temp.example -all"},
    {"a.example", TXT, "v=spf1 a -all"},
    {"a.example", A, "192.0.2.10"},
    {"a.example", AAAA, "2001:db8::10"},
    {"acidr.example", TXT, "v=spf1 a:a.example/24//64 -all"},
    {"mx.example", TXT, "v=spf1 mx -all"},
    {"mx.example", MX, "mx1.mx.example"},
    {"mx1.mx.example", A, "192.0.2.20"},
    {"ptr.example", TXT, "v=spf1 ptr -all"},
    {"30.2.0.192.in-addr.arpa", PTR, "host.ptr.example"},
    {"host.ptr.example", A, "192.0.2.30"},
    {"31.2.0.192.in-addr.arpa", PTR, "liar.ptr.example"},
    {"liar.ptr.example", A, "192.0.2.99"},
    {"exists.example", TXT, "v=spf1 exists:%{ir}.%{l}._spf.%{d} -all"},
    {"5.2.0.192.user._spf.exists.example", A, "127.0.0.2"},
    {"redir.example", TXT, "v=spf1 redirect=pass.example"},
    {"redirnone.example", TXT, "v=spf1 redirect=nothing.example"},
    {"loop.example", TXT, "v=spf1 include:loop.example -all"},
    {"many.example", TXT,
	"v=spf1 a:n.example a:n.example a:n.example a:n.example a:n.example "
	"a:n.example a:n.example a:n.example a:n.example a:n.example "
	"a:n.example -all"},
    {"ten.example", TXT,
	"v=spf1 a:n.example a:n.example a:n.example a:n.example a:n.example "
	"a:n.example a:n.example a:n.example a:n.example ip4:192.0.2.1 "
	"mx:n.example -all"},
    {"n.example", A, "10.0.0.1"},
    {"void.example", TXT, "v=spf1 a:v1.example a:v2.example a:v3.example -all"},
    {"twovoid.example", TXT, "v=spf1 a:v1.example a:v2.example ?all"},
    {"six.example", TXT, "v=spf1 ip6:2001:db8::/32 -all"},
    {"manymx.example", TXT, "v=spf1 mx -all"},
    {"manymx.example", MX, "m1.example"},
    {"manymx.example", MX, "m2.example"},
    {"manymx.example", MX, "m3.example"},
    {"manymx.example", MX, "m4.example"},
    {"manymx.example", MX, "m5.example"},
    {"manymx.example", MX, "m6.example"},
    {"manymx.example", MX, "m7.example"},
    {"manymx.example", MX, "m8.example"},
    {"manymx.example", MX, "m9.example"},
    {"manymx.example", MX, "m10.example"},
    {"manymx.example", MX, "m11.example"},
    {"unknownmod.example", TXT, "v=spf1 foo=%{d}bar ip4:192.0.2.5 -all"},
    {"case.example", TXT, "V=SPF1 IP4:192.0.2.5 -ALL"},
};

static const struct rr *
find(const char *name, int type, size_t start)
{
	size_t i;

	for (i = start; i < sizeof zone / sizeof zone[0]; i++)
		if (strcasecmp(zone[i].name, name) == 0 &&
		    (zone[i].type == type || zone[i].type == TEMP))
			return &zone[i];
	return NULL;
}

static enum spf_dns
each(const char *name, int type, struct strlist *out)
{
	const struct rr *r;
	size_t start = 0;

	while ((r = find(name, type, start)) != NULL) {
		if (r->type == TEMP)
			return SPF_DNS_TEMP;
		(void)strlist_pushs(out, r->value);
		start = (size_t)(r - zone) + 1;
	}
	return out->len ? SPF_DNS_OK : SPF_DNS_VOID;
}

static unsigned queries;

static enum spf_dns
f_txt(void *ctx, const char *name, struct strlist *out)
{
	(void)ctx;
	queries++;
	return each(name, TXT, out);
}

static enum spf_dns
f_addrs(void *ctx, const char *name, int family, struct ipaddr *out, size_t max,
    size_t *n)
{
	struct strlist l = STRLIST_INIT;
	enum spf_dns st;
	size_t i;

	(void)ctx;
	queries++;
	*n = 0;
	st = each(name, family == AF_INET ? A : AAAA, &l);
	for (i = 0; i < l.len && *n < max; i++)
		if (ipaddr_parse(&out[*n], l.items[i]))
			(*n)++;
	strlist_free(&l);
	return st;
}

static enum spf_dns
f_mx(void *ctx, const char *name, struct strlist *out)
{
	(void)ctx;
	queries++;
	return each(name, MX, out);
}

static enum spf_dns
f_ptr(void *ctx, const struct ipaddr *ip, struct strlist *out)
{
	char q[64];

	(void)ctx;
	queries++;
	if (ip->family != AF_INET)
		return SPF_DNS_VOID;
	(void)snprintf(q, sizeof q, "%u.%u.%u.%u.in-addr.arpa", ip->bytes[3],
	    ip->bytes[2], ip->bytes[1], ip->bytes[0]);
	return each(q, PTR, out);
}

static const struct spf_resolver fake = {f_txt, f_addrs, f_mx, f_ptr, NULL};

static const struct {
	const char *ip, *sender, *helo, *local;
	enum spf_result want;
	const char *mech; /* the deciding term, or NULL */
} checks[] = {
    {"192.0.2.5", "u@pass.example", "h", NULL, SPF_PASS, "ip4:192.0.2.0/24"},
    {"198.51.100.1", "u@pass.example", "h", NULL, SPF_FAIL, "-all"},
    {"::ffff:192.0.2.5", "u@pass.example", "h", NULL, SPF_PASS, NULL},
    {"192.0.2.5", "", "pass.example", NULL, SPF_PASS, NULL},
    {"198.51.100.1", "", "pass.example", NULL, SPF_FAIL, NULL},
    {"192.0.2.5", "u@fail.example", "h", NULL, SPF_FAIL, "-all"},
    {"192.0.2.5", "u@soft.example", "h", NULL, SPF_SOFTFAIL, "~all"},
    {"192.0.2.5", "u@neutral.example", "h", NULL, SPF_NEUTRAL, "?all"},
    {"192.0.2.5", "u@empty.example", "h", NULL, SPF_NEUTRAL, "default"},
    {"192.0.2.5", "u@none.example", "h", NULL, SPF_NONE, NULL},
    {"192.0.2.5", "u@nxdomain.example", "h", NULL, SPF_NONE, NULL},
    {"192.0.2.5", "u@two.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@syntax.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@temp.example", "h", NULL, SPF_TEMPERROR, NULL},
    {"192.0.2.5", "u@inc.example", "h", NULL, SPF_PASS, "include:pass.example"},
    {"198.51.100.1", "u@inc.example", "h", NULL, SPF_FAIL, "-all"},
    {"192.0.2.5", "u@incnone.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@inctemp.example", "h", NULL, SPF_TEMPERROR, NULL},
    {"192.0.2.10", "u@a.example", "h", NULL, SPF_PASS, "a"},
    {"192.0.2.11", "u@a.example", "h", NULL, SPF_FAIL, NULL},
    {"2001:db8::10", "u@a.example", "h", NULL, SPF_PASS, "a"},
    {"192.0.2.200", "u@acidr.example", "h", NULL, SPF_PASS, NULL},
    {"2001:db8::ffff", "u@acidr.example", "h", NULL, SPF_PASS, NULL},
    {"2001:db9::10", "u@acidr.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.20", "u@mx.example", "h", NULL, SPF_PASS, "mx"},
    {"192.0.2.21", "u@mx.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.30", "u@ptr.example", "h", NULL, SPF_PASS, "ptr"},
    {"192.0.2.31", "u@ptr.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.5", "user@exists.example", "h", NULL, SPF_PASS, NULL},
    {"192.0.2.6", "user@exists.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.5", "u@redir.example", "h", NULL, SPF_PASS, NULL},
    {"198.51.100.1", "u@redir.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.5", "u@redirnone.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@loop.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@many.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.1", "u@ten.example", "h", NULL, SPF_PASS, "ip4:192.0.2.1"},
    {"192.0.2.2", "u@ten.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.5", "u@void.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@twovoid.example", "h", NULL, SPF_NEUTRAL, NULL},
    {"2001:db8:1::1", "u@six.example", "h", NULL, SPF_PASS, NULL},
    {"192.0.2.5", "u@six.example", "h", NULL, SPF_FAIL, NULL},
    {"192.0.2.5", "u@manymx.example", "h", NULL, SPF_PERMERROR, NULL},
    {"192.0.2.5", "u@unknownmod.example", "h", NULL, SPF_PASS, NULL},
    {"192.0.2.5", "u@case.example", "h", NULL, SPF_PASS, NULL},
    /* spflocalrules: tried just before "all" */
    {"203.0.113.7", "u@fail.example", "h", "ip4:203.0.113.0/24", SPF_PASS,
	"ip4:203.0.113.0/24"},
    {"203.0.113.7", "u@fail.example", "h", NULL, SPF_FAIL, NULL},
    {"203.0.113.7", "u@pass.example", "h", "?ip4:203.0.113.0/24", SPF_NEUTRAL,
	NULL},
    {"203.0.113.7", "u@none.example", "h", "ip4:203.0.113.0/24", SPF_NONE,
	NULL},
};

static const struct {
	const char *macro, *want;
} macros[] = {
    {"%{s}", "strong-bad@email.example.com"},
    {"%{o}", "email.example.com"},
    {"%{d}", "email.example.com"},
    {"%{d4}", "email.example.com"},
    {"%{d3}", "email.example.com"},
    {"%{d2}", "example.com"},
    {"%{d1}", "com"},
    {"%{dr}", "com.example.email"},
    {"%{d2r}", "example.email"},
    {"%{l}", "strong-bad"},
    {"%{l-}", "strong.bad"},
    {"%{lr}", "strong-bad"},
    {"%{lr-}", "bad.strong"},
    {"%{l1r-}", "strong"},
    {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
    {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
    {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	"bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
    {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	"3.2.0.192.in-addr.strong.lp._spf.example.com"},
    {"%{d2}.trusted-domains.example.net",
	"example.com.trusted-domains.example.net"},
    {"%{S}", "strong-bad%40email.example.com"},
    {"%%%_%-", "% %20"},
    {"%{h}", "mx.helo.example"},
};

static const struct {
	const char *record;
	bool valid;
} records[] = {
    {"v=spf1", true},
    {"v=spf1 -all", true},
    {"V=SPF1 ?ALL", true},
    {"v=spf1  a/24//64 mx:x.example/16 ip6:::1/128 ptr include:x.example "
     "exp=e.example foo=bar",
	true},
    {"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}.x.example", true},
    {"v=spf1 a//64 mx//0", true},
    {"v=spf1 a://64", false},
    {"v=spf10", false},
    {"v=spf1 ip4:1.2.3.4/33", false},
    {"v=spf1 a/", false},
    {"v=spf1 a/024", false},
    {"v=spf1 a//129", false},
    {"v=spf1 redirect=a.example redirect=b.example", false},
    {"v=spf1 exp=a.example exp=b.example", false},
    {"v=spf1 include", false},
    {"v=spf1 include:", false},
    {"v=spf1 +redirect=x.example", false},
    {"v=spf1 redirect=", false},
    {"v=spf1 %{x}", false},
    {"v=spf1 exists:%{z}.example", false},
    {"v=spf1 exists:%{c}.example", false},
    {"v=spf1 ip4:::1", false},
    {"v=spf1 ip6:1.2.3.4", false},
    {"v=spf1 a:%{d", false},
    {"v=spf1 all:x", false},
    {"v=spf1 -", false},
    {"v=spf1 foo:bar", false},
    {"spf1 -all", false},
};

int
main(void)
{
	struct spf_outcome out;
	struct spf_query q;
	size_t i;

	memset(&out, 0, sizeof out);
	for (i = 0; i < sizeof records / sizeof records[0]; i++)
		ok(spf_record_valid(records[i].record) == records[i].valid,
		    "record '%s'", records[i].record);
	memset(&q, 0, sizeof q);
	(void)ipaddr_parse(&q.ip, "192.0.2.3");
	q.sender = "strong-bad@email.example.com";
	q.helo = "mx.helo.example";
	for (i = 0; i < sizeof macros / sizeof macros[0]; i++) {
		struct strbuf x = STRBUF_INIT;

		ok(spf_expand(&x, macros[i].macro, strlen(macros[i].macro), &q,
		       "email.example.com", false),
		    "expand %s", macros[i].macro);
		is_str(x.data, macros[i].want, macros[i].macro);
		strbuf_free(&x);
	}
	{
		struct strbuf x = STRBUF_INIT;
		const char *m = "%{ir}.%{v}._spf.%{d2}";

		(void)ipaddr_parse(&q.ip, "2001:db8::cb01");
		ok(spf_expand(&x, m, strlen(m), &q, "email.example.com", false),
		    "expand IPv6");
		is_str(x.data,
		    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1."
		    "0.0.2.ip6._spf.example.com",
		    "IPv6 %{ir}");
		ok(!spf_expand(&x, "%{c}", 4, &q, "d", false), "%s",
		    "c macro only in exp");
		ok(spf_expand(&x, "%{c}", 4, &q, "d", true), "%s",
		    "c macro in exp");
		is_str(x.data, "2001:db8::cb01", "%{c}");
		strbuf_free(&x);
	}
	{
		/* the sender as spf_check sees it (RFC 7208 4.3, 2.4) */
		static const struct {
			const char *sender, *want;
		} senders[] = {
			{"", "postmaster@mx.helo.example"},
			{"user@", "postmaster@mx.helo.example"},
			{"user", "user@mx.helo.example"},
			{"@dom.example", "postmaster@dom.example"},
			{"a@b@dom.example", "a@b@dom.example"},
		};
		struct strbuf x = STRBUF_INIT;

		for (i = 0; i < sizeof senders / sizeof senders[0]; i++) {
			q.sender = senders[i].sender;
			ok(spf_expand(&x, "%{l}@%{o}", 9, &q, "d", false),
			    "expand sender '%s'", senders[i].sender);
			is_str(x.data, senders[i].want, senders[i].sender);
		}
		q.sender = "strong-bad@email.example.com";
		strbuf_free(&x);
	}
	for (i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		memset(&q, 0, sizeof q);
		ok(ipaddr_parse(&q.ip, checks[i].ip), "ip %s", checks[i].ip);
		q.sender = checks[i].sender;
		q.helo = checks[i].helo;
		q.receiver = "mx.receiver.example";
		q.localrules = checks[i].local;
		queries = 0;
		if (!is_num(spf_check(&fake, &q, &out), checks[i].want,
			checks[i].sender))
			printf("#   ip %s problem '%s'\n", checks[i].ip,
			    out.problem);
		if (checks[i].mech != NULL)
			is_str(out.mechanism, checks[i].mech, "mechanism");
		ok(queries <= 40, "bounded DNS work (%u)", queries);
	}
	/* the explanation of a fail comes from exp= */
	memset(&q, 0, sizeof q);
	(void)ipaddr_parse(&q.ip, "192.0.2.5");
	q.sender = "u@fail.example";
	q.helo = "h";
	(void)spf_check(&fake, &q, &out);
	(void)strbuf_terminate(&out.explanation);
	is_str(out.explanation.data,
	    "192.0.2.5 is not one of fail.example's servers", "exp=");
	spf_outcome_free(&out);
	return done_testing();
}
