/* fuzz_spf.c - the SPF record parser, macro expander and evaluator, the
 * mailfromrules line parser and the policy-server answer parser. The
 * input's lines are the TXT records every name resolves to (so include
 * and redirect recurse into fuzzer data), and MX/PTR answers name them.
 * Must terminate quickly and stay within bounds on any input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl.h"
#include "mfrules.h"
#include "postgrey.h"
#include "spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct strlist *records;

static enum spf_dns
f_txt(void *ctx, const char *name, struct strlist *out)
{
	size_t i;

	(void)ctx;
	(void)name;
	for (i = 0; i < records->len; i++)
		(void)strlist_pushs(out, records->items[i]);
	return out->len ? SPF_DNS_OK : SPF_DNS_VOID;
}

static enum spf_dns
f_addrs(void *ctx, const char *name, int family, struct ipaddr *out, size_t max,
    size_t *n)
{
	(void)ctx;
	*n = 0;
	if (max == 0 || strlen(name) % 3 == 0)
		return strlen(name) % 2 ? SPF_DNS_TEMP : SPF_DNS_VOID;
	(void)ipaddr_parse(&out[0], family == AF_INET ? "192.0.2.1" : "::1");
	*n = 1;
	return SPF_DNS_OK;
}

static enum spf_dns
f_names(void *ctx, const char *name, struct strlist *out)
{
	size_t i;

	(void)ctx;
	(void)name;
	for (i = 0; i < records->len && i < 12; i++)
		(void)strlist_pushs(out, records->items[i]);
	return out->len ? SPF_DNS_OK : SPF_DNS_VOID;
}

static enum spf_dns
f_ptr(void *ctx, const struct ipaddr *ip, struct strlist *out)
{
	(void)ip;
	return f_names(ctx, "x", out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spf_resolver r = {
	    f_txt, f_addrs, f_names, f_ptr, NULL};
	struct strlist lines = STRLIST_INIT, keys = STRLIST_INIT;
	struct strbuf x = STRBUF_INIT;
	struct spf_outcome out;
	struct spf_query q;
	const char *why;
	char *buf;
	size_t i;

	if (size > 4096 || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	(void)postgrey_parse_reply(buf, size);
	if (!ctl_split_lines(&lines, buf, strlen(buf)))
		goto done;
	records = &lines;
	for (i = 0; i < lines.len; i++) {
		(void)spf_record_valid(lines.items[i]);
		(void)mfrules_parse(lines.items[i], &keys, &x, &why);
	}
	memset(&q, 0, sizeof q);
	memset(&out, 0, sizeof out);
	(void)ipaddr_parse(&q.ip, size & 1 ? "192.0.2.1" : "2001:db8::1");
	q.sender = lines.len > 1 ? lines.items[1] : "u@example.com";
	q.helo = "helo.example";
	q.receiver = "mx.example";
	q.localrules = size & 2 ? "ip4:10.0.0.0/8 a:%{d2}" : NULL;
	(void)spf_check(&r, &q, &out);
	if (lines.len > 0)
		(void)spf_expand(&x, lines.items[0], strlen(lines.items[0]), &q,
		    "example.com", true);
	spf_outcome_free(&out);
done:
	strlist_free(&lines);
	strlist_free(&keys);
	strbuf_free(&x);
	free(buf);
	return 0;
}
