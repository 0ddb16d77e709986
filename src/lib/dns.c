/*
 * dns.c - MX and address lookups with bounded parsing. See dns.h.
 */
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns.h"

#define ANSWER_MAX 65536

/* the chain of names an answer for QNAME may use: QNAME and CNAME
 * targets, each owned by the record that introduced it */
struct chain {
	char names[DNS_MAX_CNAME + 1][DNS_NAME_MAX];
	size_t len;
};

static bool
name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/* ignore one trailing dot on either side */
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool
chain_has(const struct chain *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->len; i++)
		if (name_eq(c->names[i], name))
			return true;
	return false;
}

/*
 * Walks the answer section: first collects the CNAME chain starting at
 * QNAME (in any order of records), then calls back for records of TYPE
 * owned by a name in the chain. Returns -1 on a malformed message.
 */
typedef bool (*record_fn)(const ns_msg *msg, const ns_rr *rr, void *arg);

static int
walk_answer(const unsigned char *answer, size_t len, const char *qname,
    int type, record_fn fn, void *arg)
{
	struct chain *c;
	ns_msg msg;
	ns_rr rr;
	int i, count, changed, stored = 0;

	if (len > ANSWER_MAX || strlen(qname) >= DNS_NAME_MAX ||
	    ns_initparse(answer, (int)len, &msg) == -1)
		return -1;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return -1;
	memcpy(c->names[0], qname, strlen(qname) + 1);
	c->len = 1;
	count = ns_msg_count(msg, ns_s_an);
	do {
		changed = 0;
		for (i = 0; i < count && c->len <= DNS_MAX_CNAME; i++) {
			char target[DNS_NAME_MAX];

			if (ns_parserr(&msg, ns_s_an, i, &rr) == -1) {
				free(c);
				return -1;
			}
			if (ns_rr_type(rr) != ns_t_cname ||
			    ns_rr_class(rr) != ns_c_in ||
			    !chain_has(c, ns_rr_name(rr)))
				continue;
			if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
				ns_rr_rdata(rr), target, sizeof target) < 0) {
				free(c);
				return -1;
			}
			if (chain_has(c, target))
				continue;
			memcpy(c->names[c->len++], target, strlen(target) + 1);
			changed = 1;
		}
	} while (changed && c->len <= DNS_MAX_CNAME);
	for (i = 0; i < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1) {
			free(c);
			return -1;
		}
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in ||
		    !chain_has(c, ns_rr_name(rr)))
			continue;
		if (!fn(&msg, &rr, arg))
			break;
		stored++;
	}
	free(c);
	return stored;
}

struct mx_arg {
	struct dns_mx *out;
	size_t max, len;
	bool bad;
};

static bool
take_mx(const ns_msg *msg, const ns_rr *rr, void *arg)
{
	struct mx_arg *a = arg;
	const unsigned char *rd = ns_rr_rdata(*rr);

	if (a->len == a->max)
		return false;
	if (ns_rr_rdlen(*rr) < 3) {
		a->bad = true;
		return false;
	}
	a->out[a->len].pref = (unsigned)rd[0] << 8 | rd[1];
	if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), rd + 2,
		a->out[a->len].name, DNS_NAME_MAX) < 0) {
		a->bad = true;
		return false;
	}
	a->len++;
	return true;
}

int
dns_parse_mx(const unsigned char *answer, size_t len, const char *qname,
    struct dns_mx *out, size_t max)
{
	struct mx_arg a = { out, max, 0, false };

	if (walk_answer(answer, len, qname, ns_t_mx, take_mx, &a) == -1 ||
	    a.bad)
		return -1;
	return (int)a.len;
}

struct addr_arg {
	struct ipaddr *out;
	size_t max, len;
	int type;
};

static bool
take_addr(const ns_msg *msg, const ns_rr *rr, void *arg)
{
	struct addr_arg *a = arg;
	size_t want = a->type == ns_t_a ? 4 : 16;

	(void)msg;
	if (a->len == a->max)
		return false;
	if (ns_rr_rdlen(*rr) != want)
		return true; /* skip a record of the wrong size */
	memset(&a->out[a->len], 0, sizeof a->out[a->len]);
	a->out[a->len].family = a->type == ns_t_a ? AF_INET : AF_INET6;
	memcpy(a->out[a->len].bytes, ns_rr_rdata(*rr), want);
	a->len++;
	return true;
}

int
dns_parse_addrs(const unsigned char *answer, size_t len, const char *qname,
    int type, struct ipaddr *out, size_t max)
{
	struct addr_arg a = { out, max, 0, type };

	if (walk_answer(answer, len, qname, type, take_addr, &a) == -1)
		return -1;
	return (int)a.len;
}

/* runs one query; *LEN is the answer's length. DNS_HARD covers both
 * NXDOMAIN and "no records of that type" (NODATA): *NXDOMAIN tells them
 * apart. */
static enum dns_status
query(const char *name, int type, unsigned char *answer, size_t *len,
    bool *nxdomain)
{
	int r;

	*nxdomain = false;
	errno = 0;
	r = res_query(name, ns_c_in, type, answer, ANSWER_MAX);
	if (r < 0) {
		switch (h_errno) {
		case HOST_NOT_FOUND:
			*nxdomain = true;
			return DNS_HARD;
		case NO_DATA:
			return DNS_HARD;
		default:
			/* TRY_AGAIN, NO_RECOVERY, no server reachable:
			 * when in doubt, retry later */
			return DNS_SOFT;
		}
	}
	*len = (size_t)r > ANSWER_MAX ? ANSWER_MAX : (size_t)r;
	return DNS_OK;
}

static enum dns_status
host_addrs_type(const char *host, unsigned pref, int type,
    struct dns_peers *out, unsigned char *answer)
{
	struct ipaddr addrs[DNS_MAX_ADDRS];
	enum dns_status st;
	size_t len, i;
	bool nx;
	int n;

	st = query(host, type, answer, &len, &nx);
	if (st != DNS_OK)
		return st;
	n = dns_parse_addrs(answer, len, host, type, addrs, DNS_MAX_ADDRS);
	if (n < 0)
		return DNS_SOFT; /* a broken answer may be a passing fault */
	for (i = 0; i < (size_t)n && out->len < DNS_MAX_ADDRS; i++) {
		struct dns_peer *p = &out->items[out->len++];

		p->addr = addrs[i];
		p->pref = pref;
		memcpy(p->name, host, strlen(host) + 1);
	}
	return n > 0 ? DNS_OK : DNS_HARD;
}

enum dns_status
dns_host_addrs(const char *host, unsigned pref, struct dns_peers *out)
{
	unsigned char *answer;
	enum dns_status s6, s4;

	if (strlen(host) >= DNS_NAME_MAX)
		return DNS_HARD;
	if ((answer = malloc(ANSWER_MAX)) == NULL)
		return DNS_SOFT;
	s6 = host_addrs_type(host, pref, ns_t_aaaa, out, answer);
	s4 = host_addrs_type(host, pref, ns_t_a, out, answer);
	free(answer);
	if (s6 == DNS_OK || s4 == DNS_OK)
		return DNS_OK;
	if (s6 == DNS_SOFT || s4 == DNS_SOFT)
		return DNS_SOFT;
	return DNS_HARD;
}

static int
cmp_mx(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* shuffles runs of equal preference (Fisher-Yates within each run) */
static void
shuffle_equal(struct dns_mx *mx, size_t n)
{
	size_t start = 0, end, i, j;
	struct dns_mx tmp;

	while (start < n) {
		for (end = start + 1; end < n && mx[end].pref == mx[start].pref;
		    end++)
			;
		for (i = end - 1; i > start; i--) {
			j = start + arc4random_uniform((uint32_t)(i - start + 1));
			tmp = mx[i];
			mx[i] = mx[j];
			mx[j] = tmp;
		}
		start = end;
	}
}

enum dns_status
dns_mx_addrs(const char *domain, struct dns_peers *out)
{
	struct dns_mx *mx;
	unsigned char *answer;
	enum dns_status st;
	size_t len, i;
	bool nx, soft = false;
	int n;

	out->len = 0;
	if (strlen(domain) >= DNS_NAME_MAX || *domain == '\0')
		return DNS_HARD;
	if ((answer = malloc(ANSWER_MAX)) == NULL)
		return DNS_SOFT;
	if ((mx = calloc(DNS_MAX_MX, sizeof *mx)) == NULL) {
		free(answer);
		return DNS_SOFT;
	}
	st = query(domain, ns_t_mx, answer, &len, &nx);
	n = 0;
	if (st == DNS_OK) {
		n = dns_parse_mx(answer, len, domain, mx, DNS_MAX_MX);
		if (n < 0)
			st = DNS_SOFT;
	}
	free(answer);
	if (st == DNS_SOFT || (st == DNS_HARD && nx)) {
		free(mx);
		return st;
	}
	if (n == 0) {
		/* no MX: the domain is its own MX (RFC 5321 5.1) */
		free(mx);
		return dns_host_addrs(domain, 0, out);
	}
	qsort(mx, (size_t)n, sizeof *mx, cmp_mx);
	/* RFC 7505: a single MX "." means the domain takes no mail */
	if (n == 1 && mx[0].name[0] == '\0') {
		free(mx);
		return DNS_NULLMX;
	}
	shuffle_equal(mx, (size_t)n);
	for (i = 0; i < (size_t)n && out->len < DNS_MAX_ADDRS; i++) {
		if (mx[i].name[0] == '\0')
			continue;
		if (dns_host_addrs(mx[i].name, mx[i].pref, out) == DNS_SOFT)
			soft = true;
	}
	free(mx);
	if (out->len > 0)
		return DNS_OK;
	return soft ? DNS_SOFT : DNS_HARD;
}

/* The lookups SPF needs (lib/spf.c): TXT, plain address lists, MX names
 * and PTR names. Each returns DNS_OK with at least one record, DNS_HARD
 * for NXDOMAIN or no records, DNS_SOFT for a failure. */

struct txt_arg {
	struct strlist *out;
	bool bad;
};

static bool
take_txt(const ns_msg *msg, const ns_rr *rr, void *arg)
{
	struct txt_arg *a = arg;
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr), i = 0;
	struct strbuf s = STRBUF_INIT;

	(void)msg;
	/* more records than we keep: refused, not cut short (a record past
	 * the limit could be a second "v=spf1", a permerror) */
	if (a->out->len >= DNS_MAX_TXT) {
		a->bad = true;
		return false;
	}
	/* one or more <length><bytes> strings, concatenated (RFC 7208
	 * 3.3); a NUL would cut the text short: refuse it */
	while (i < len) {
		size_t n = rd[i++];

		if (n > len - i || memchr(rd + i, '\0', n) != NULL ||
		    !strbuf_append(&s, rd + i, n)) {
			strbuf_free(&s);
			a->bad = true;
			return false;
		}
		i += n;
	}
	if (!strbuf_terminate(&s) || !strlist_push(a->out, s.data, s.len)) {
		strbuf_free(&s);
		a->bad = true;
		return false;
	}
	strbuf_free(&s);
	return true;
}

int
dns_parse_txt(const unsigned char *answer, size_t len, const char *qname,
    struct strlist *out)
{
	struct txt_arg a = { out, false };

	if (walk_answer(answer, len, qname, ns_t_txt, take_txt, &a) == -1 ||
	    a.bad)
		return -1;
	return (int)out->len;
}

enum dns_status
dns_txt(const char *name, struct strlist *out)
{
	unsigned char *answer;
	enum dns_status st;
	size_t len;
	bool nx;
	int n = 0;

	if (strlen(name) >= DNS_NAME_MAX || *name == '\0')
		return DNS_HARD;
	if ((answer = malloc(ANSWER_MAX)) == NULL)
		return DNS_SOFT;
	st = query(name, ns_t_txt, answer, &len, &nx);
	if (st == DNS_OK && (n = dns_parse_txt(answer, len, name, out)) < 0)
		st = DNS_SOFT;
	free(answer);
	return st == DNS_OK && n == 0 ? DNS_HARD : st;
}

enum dns_status
dns_addrs(const char *name, int family, struct ipaddr *out, size_t max,
    size_t *n)
{
	int type = family == AF_INET ? ns_t_a : ns_t_aaaa;
	unsigned char *answer;
	enum dns_status st;
	size_t len;
	bool nx;
	int r = 0;

	*n = 0;
	if (strlen(name) >= DNS_NAME_MAX || *name == '\0')
		return DNS_HARD;
	if ((answer = malloc(ANSWER_MAX)) == NULL)
		return DNS_SOFT;
	st = query(name, type, answer, &len, &nx);
	if (st == DNS_OK &&
	    (r = dns_parse_addrs(answer, len, name, type, out, max)) < 0)
		st = DNS_SOFT;
	free(answer);
	if (st != DNS_OK)
		return st;
	*n = (size_t)r;
	return r > 0 ? DNS_OK : DNS_HARD;
}

enum dns_status
dns_mx_names(const char *domain, struct strlist *out)
{
	struct dns_mx *mx;
	unsigned char *answer;
	enum dns_status st;
	size_t len;
	bool nx;
	int n = 0, i;

	if (strlen(domain) >= DNS_NAME_MAX || *domain == '\0')
		return DNS_HARD;
	answer = malloc(ANSWER_MAX);
	mx = calloc(DNS_MAX_MX, sizeof *mx);
	if (answer == NULL || mx == NULL) {
		free(answer);
		free(mx);
		return DNS_SOFT;
	}
	st = query(domain, ns_t_mx, answer, &len, &nx);
	if (st == DNS_OK &&
	    (n = dns_parse_mx(answer, len, domain, mx, DNS_MAX_MX)) < 0)
		st = DNS_SOFT;
	for (i = 0; st == DNS_OK && i < n; i++)
		if (!strlist_pushs(out, mx[i].name))
			st = DNS_SOFT;
	free(answer);
	free(mx);
	return st == DNS_OK && n == 0 ? DNS_HARD : st;
}

struct ptr_arg {
	struct strlist *out;
	bool bad;
};

static bool
take_ptr(const ns_msg *msg, const ns_rr *rr, void *arg)
{
	struct ptr_arg *a = arg;
	char name[DNS_NAME_MAX];

	if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), ns_rr_rdata(*rr),
		name, sizeof name) < 0 ||
	    !strlist_pushs(a->out, name)) {
		a->bad = true;
		return false;
	}
	return a->out->len < DNS_MAX_MX;
}

enum dns_status
dns_ptr(const struct ipaddr *ip, struct strlist *out)
{
	static const char hex[] = "0123456789abcdef";
	char q[DNS_NAME_MAX];
	unsigned char *answer;
	struct ptr_arg a = { out, false };
	enum dns_status st;
	size_t len, n = 0;
	bool nx;
	int i;

	if (ip->family == AF_INET)
		n = (size_t)snprintf(q, sizeof q, "%u.%u.%u.%u.in-addr.arpa",
		    ip->bytes[3], ip->bytes[2], ip->bytes[1], ip->bytes[0]);
	else {
		for (i = 15; i >= 0; i--) {
			q[n++] = hex[ip->bytes[i] & 15];
			q[n++] = '.';
			q[n++] = hex[ip->bytes[i] >> 4];
			q[n++] = '.';
		}
		memcpy(q + n, "ip6.arpa", sizeof "ip6.arpa");
	}
	if ((answer = malloc(ANSWER_MAX)) == NULL)
		return DNS_SOFT;
	st = query(q, ns_t_ptr, answer, &len, &nx);
	if (st == DNS_OK &&
	    (walk_answer(answer, len, q, ns_t_ptr, take_ptr, &a) == -1 ||
		a.bad))
		st = DNS_SOFT;
	free(answer);
	return st == DNS_OK && out->len == 0 ? DNS_HARD : st;
}
