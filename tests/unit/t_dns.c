/* t_dns.c - the DNS answer parsers (src/lib/dns.c) on the packets of
 * tests/fuzz/corpus/dns, written by tests/fuzz/make-dns-corpus.py: what
 * each well-formed or hostile answer must give. Runs from the top of the
 * tree (tests/run.py does). */
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "tap.h"

#define CORPUS "tests/fuzz/corpus/dns/"
#define QNAME  "example.com"

static size_t
load(const char *name, unsigned char *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s%s", CORPUS, name);
	if ((f = fopen(path, "rb")) == NULL) {
		ok(0, "open %s", path);
		return 0;
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
test_mx(void)
{
	static const struct {
		const char *file;
		int want; /* records, or -1: malformed */
		unsigned pref;
		const char *first; /* the first name, when want > 0 */
	} cases[] = {
		{ "mx-two", 2, 10, "mx1.example.com" },
		{ "a-two", 0, 0, NULL },
		{ "null-mx", 1, 0, "" },
		{ "nodata", 0, 0, NULL },
		{ "nxdomain", 0, 0, NULL },
		{ "header-only", 0, 0, NULL },
		{ "empty", -1, 0, NULL },
		{ "short-header", -1, 0, NULL },
		{ "cname-chain", 1, 5, "mx.example.org" },
		{ "cname-chain-reversed", 1, 5, "mx.example.org" },
		{ "cname-loop", 1, 1, "mx.example.net" },
		{ "cname-too-long", 0, 0, NULL },
		{ "other-owner", 1, 10, "mx.example.com" },
		{ "class-ch", 0, 0, NULL },
		{ "ptr-loop-owner", -1, 0, NULL },
		{ "ptr-loop-target", -1, 0, NULL },
		{ "ptr-loop-pair", -1, 0, NULL },
		{ "ptr-past-end", -1, 0, NULL },
		{ "ptr-into-header", -1, 0, NULL },
		{ "label-type-01", -1, 0, NULL },
		{ "rdlen-past-end", -1, 0, NULL },
		{ "cut-in-rdata", -1, 0, NULL },
		{ "cut-in-fixed", -1, 0, NULL },
		{ "mx-rdlen-2", -1, 0, NULL },
		{ "mx-target-past-rdata", -1, 0, NULL },
		{ "huge-ancount", -1, 0, NULL },
		{ "huge-all-counts", -1, 0, NULL },
		{ "mx-many", DNS_MAX_MX, 0, "mx0x.example.com" },
		{ "mx-target-runs-on", -1, 0, NULL },
		{ "mx-odd-bytes", 2, 10, "a\\010b\\013c.d\\.e\\\\" },
		{ "mx-name-over-255", -1, 0, NULL },
		{ "owner-case", 1, 10, "mx.example.com" },
		{ "trailing-garbage", -1, 0, NULL },
		{ "servfail", 0, 0, NULL },
	};
	static unsigned char buf[65536];
	static struct dns_mx mx[DNS_MAX_MX];
	size_t i, len;
	int n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = load(cases[i].file, buf, sizeof buf);
		n = dns_parse_mx(buf, len, QNAME, mx, DNS_MAX_MX);
		is_num(n, cases[i].want, cases[i].file);
		if (cases[i].want > 0 && n > 0) {
			is_num(mx[0].pref, cases[i].pref, cases[i].file);
			is_str(mx[0].name, cases[i].first, cases[i].file);
		}
	}
	len = load("mx-odd-bytes", buf, sizeof buf);
	if (dns_parse_mx(buf, len, QNAME, mx, DNS_MAX_MX) == 2)
		is_str(mx[1].name, "\\000\\001\\127.example.com",
		    "control bytes in a name come out escaped");
	len = load("mx-max-name", buf, sizeof buf);
	n = dns_parse_mx(buf, len, QNAME, mx, DNS_MAX_MX);
	is_num(n, 1, "a 255-byte name of escapes fits");
	if (n == 1)
		is_num((long long)strlen(mx[0].name), 3 * 63 * 4 + 61 * 4 + 3,
		    "its escaped length");
	len = load("mx-two", buf, sizeof buf);
	is_num(dns_parse_mx(buf, len, "other.example", mx, DNS_MAX_MX), 0,
	    "records for another question are not taken");
	is_num(dns_parse_mx(buf, len, "EXAMPLE.COM.", mx, DNS_MAX_MX), 2,
	    "case and a trailing dot do not matter");
}

static void
test_addrs(void)
{
	static const struct {
		const char *file;
		int type;
		int want;
	} cases[] = {
		{ "a-two", ns_t_a, 2 },
		{ "a-two", ns_t_aaaa, 0 },
		{ "aaaa-one", ns_t_aaaa, 1 },
		{ "aaaa-one", ns_t_a, 0 },
		{ "cname-chain", ns_t_a, 1 },
		{ "other-owner", ns_t_a, 0 },
		{ "class-ch", ns_t_a, 0 },
		{ "ptr-loop-target", ns_t_a, 0 },
		{ "a-wrong-size", ns_t_a, 1 },
		{ "aaaa-as-a", ns_t_aaaa, 0 },
		{ "a-many", ns_t_a, DNS_MAX_ADDRS },
		{ "huge-ancount", ns_t_a, -1 },
		{ "owner-case", ns_t_a, 1 },
		{ "truncated-tc", ns_t_a, 1 },
		{ "empty", ns_t_a, -1 },
	};
	static unsigned char buf[65536];
	struct ipaddr addrs[DNS_MAX_ADDRS];
	char name[128];
	size_t i, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = load(cases[i].file, buf, sizeof buf);
		snprintf(name, sizeof name, "%s %s", cases[i].file,
		    cases[i].type == ns_t_a ? "A" : "AAAA");
		is_num(dns_parse_addrs(buf, len, QNAME, cases[i].type, addrs,
			   DNS_MAX_ADDRS),
		    cases[i].want, name);
	}
	len = load("a-wrong-size", buf, sizeof buf);
	if (dns_parse_addrs(buf, len, QNAME, ns_t_a, addrs, DNS_MAX_ADDRS) == 1)
		ok(addrs[0].bytes[3] == 3, "the right-sized record is kept");
}

/* txt_answer: a TXT answer for QNAME with N records "t0", "t1"...;
 * returns its length */
static size_t
txt_answer(unsigned char *p, size_t n)
{
	static const unsigned char head[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0,
	    0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o',
	    'm', 0, 0, 16, 0, 1};
	size_t len = sizeof head, i;

	memcpy(p, head, sizeof head);
	p[6] = (unsigned char)(n >> 8);
	p[7] = (unsigned char)n;
	for (i = 0; i < n; i++) {
		int t = snprintf((char *)p + len + 13, 8, "t%zu", i);
		static const unsigned char rr[] = {0xc0, 12, 0, 16, 0, 1, 0, 0,
		    1, 0};

		memcpy(p + len, rr, sizeof rr);
		p[len + 10] = 0;
		p[len + 11] = (unsigned char)(t + 1); /* rdlength */
		p[len + 12] = (unsigned char)t;	      /* the string's length */
		len += 13 + (size_t)t;
	}
	return len;
}

static void
test_txt(void)
{
	static unsigned char buf[65536];
	struct strlist txt = STRLIST_INIT;
	size_t len;

	len = txt_answer(buf, 2);
	is_num(dns_parse_txt(buf, len, QNAME, &txt), 2, "two TXT records");
	if (txt.len == 2)
		is_str(txt.items[1], "t1", "the second one");
	strlist_free(&txt);
	len = txt_answer(buf, DNS_MAX_TXT);
	is_num(dns_parse_txt(buf, len, QNAME, &txt), DNS_MAX_TXT,
	    "DNS_MAX_TXT records are kept");
	strlist_free(&txt);
	/* one more is refused, not cut short: a record past the limit
	 * could change the SPF result */
	len = txt_answer(buf, DNS_MAX_TXT + 1);
	is_num(dns_parse_txt(buf, len, QNAME, &txt), -1,
	    "DNS_MAX_TXT + 1 records are refused");
	strlist_free(&txt);
}

int
main(void)
{
	test_mx();
	test_addrs();
	test_txt();
	return done_testing();
}
