/*
 * fuzz_sasl.c - the SMTP AUTH state machines on arbitrary client lines.
 *
 * The first byte picks the allowed mechanisms, the first line is the
 * argument of AUTH and each further line is fed to sasl_step. Checks:
 * every reply is one line starting with 334, 454 or 5xx; SASL_DONE leaves
 * checkpassword data of at most SASL_CRED_MAX bytes that is exactly
 * user\0pass\0 (or user\0digest\0challenge\0 for CRAM-MD5) with a user
 * free of control characters and a 32-hex-digit CRAM-MD5 digest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_reply(const struct strbuf *r)
{
	if (r->len < 4 || memchr(r->data, '\n', r->len) != NULL ||
	    memchr(r->data, '\r', r->len) != NULL ||
	    memchr(r->data, '\0', r->len) != NULL)
		abort();
	if (memcmp(r->data, "334 ", 4) != 0 &&
	    memcmp(r->data, "454 ", 4) != 0 && r->data[0] != '5')
		abort();
}

static void
check_done(const struct sasl *s)
{
	const char *c = s->cred.data;
	size_t i, nuls = 0, want = s->mech == SASL_CRAM_MD5 ? 3 : 2;

	if (s->cred.len == 0 || s->cred.len > SASL_CRED_MAX ||
	    c[s->cred.len - 1] != '\0' || s->user.len == 0)
		abort();
	for (i = 0; i < s->cred.len; i++)
		nuls += c[i] == '\0';
	if (nuls != want || s->cred.len < s->user.len + 1 ||
	    memcmp(c, s->user.data, s->user.len) != 0 ||
	    c[s->user.len] != '\0')
		abort();
	for (i = 0; i < s->user.len; i++)
		if ((unsigned char)s->user.data[i] < 0x20 ||
		    s->user.data[i] == 0x7f)
			abort();
	if (s->mech == SASL_CRAM_MD5) {
		const char *d = c + s->user.len + 1;

		if (strlen(d) != 32 || strspn(d, "0123456789abcdef") != 32)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl s = SASL_INIT;
	const char *p, *end, *nl;
	enum sasl_status st;
	unsigned allowed;

	if (size == 0)
		return 0;
	allowed = data[0] & 7;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	st = sasl_begin(&s, p, (size_t)(nl - p), allowed,
	    "<12345.1700000000@mx.example.org>");
	if (st != SASL_DONE)
		check_reply(&s.reply);
	p = nl < end ? nl + 1 : end;
	while (st == SASL_CONTINUE) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		st = sasl_step(&s, p, (size_t)(nl - p));
		if (st != SASL_DONE)
			check_reply(&s.reply);
		if (nl == end)
			break;
		p = nl + 1;
	}
	if (st == SASL_DONE)
		check_done(&s);
	else if (s.cred.len != 0)
		abort();
	sasl_free(&s);
	return 0;
}
