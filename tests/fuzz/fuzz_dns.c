/*
 * fuzz_dns.c - the DNS answer parsers (dns_parse_mx, dns_parse_addrs) on
 * arbitrary bytes, as the answer to a question for "example.com".
 *
 * The seed corpus (tests/fuzz/corpus/dns) is written by
 * make-dns-corpus.py: real answers, and hostile ones with compression
 * loops, truncated records, huge counts and CNAME loops.
 *
 * Checks: a result is -1 or at most the room given; every MX host name is
 * NUL-terminated within DNS_NAME_MAX and printable ASCII (it ends up in
 * queries and messages); addresses have the family asked for; a parse
 * into less room gives a prefix of the parse into more.
 */
#include <arpa/nameser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QNAME "example.com"

static void
check_mx(const uint8_t *data, size_t size)
{
	static struct dns_mx mx[DNS_MAX_MX], few[2];
	int n, m, i;
	size_t k;

	n = dns_parse_mx(data, size, QNAME, mx, DNS_MAX_MX);
	if (n < -1 || n > DNS_MAX_MX)
		abort();
	for (i = 0; i < n; i++) {
		if (memchr(mx[i].name, '\0', DNS_NAME_MAX) == NULL ||
		    mx[i].pref > 65535)
			abort();
		for (k = 0; mx[i].name[k]; k++)
			if (mx[i].name[k] < 0x21 || mx[i].name[k] > 0x7e)
				abort();
	}
	m = dns_parse_mx(data, size, QNAME, few, 2);
	if (m < -1 || m > 2)
		abort();
	if (n >= 0) {
		if (m != (n < 2 ? n : 2))
			abort();
		for (i = 0; i < m; i++)
			if (few[i].pref != mx[i].pref ||
			    strcmp(few[i].name, mx[i].name) != 0)
				abort();
	}
}

static void
check_addrs(const uint8_t *data, size_t size, int type, int family)
{
	static struct ipaddr addrs[DNS_MAX_ADDRS];
	int n, i;

	n = dns_parse_addrs(data, size, QNAME, type, addrs, DNS_MAX_ADDRS);
	if (n < -1 || n > DNS_MAX_ADDRS)
		abort();
	for (i = 0; i < n; i++)
		if (addrs[i].family != family)
			abort();
	if (dns_parse_addrs(data, size, QNAME, type, addrs, 0) > 0)
		abort();
}

/* check_txt: dns_parse_txt keeps at most DNS_MAX_TXT NUL-free strings */
static void
check_txt(const uint8_t *data, size_t size)
{
	struct strlist txt = STRLIST_INIT;
	int n = dns_parse_txt(data, size, QNAME, &txt);

	if (n < -1 || n > DNS_MAX_TXT || (n >= 0 && (size_t)n != txt.len))
		abort();
	strlist_free(&txt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_mx(data, size);
	check_txt(data, size);
	check_addrs(data, size, ns_t_a, AF_INET);
	check_addrs(data, size, ns_t_aaaa, AF_INET6);
	return 0;
}
