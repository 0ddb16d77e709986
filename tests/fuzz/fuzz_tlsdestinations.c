/*
 * fuzz_tlsdestinations.c - control/tlsdestinations and control/domaincerts
 * parsing and lookup on arbitrary lines.
 *
 * The input is split into lines; every line is parsed as a rule, the whole
 * is checked as both files, and a few destinations and sender domains are
 * looked up. Checks: fields are NUL-terminated within their arrays, the
 * level is in range, a port is 1..65535, a pinned rule has a fingerprint
 * of a known digest length and any other rule none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tlsdest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct tlsdest *t)
{
	if (memchr(t->cafile, '\0', sizeof t->cafile) == NULL ||
	    memchr(t->ciphers, '\0', sizeof t->ciphers) == NULL ||
	    memchr(t->fingerprint, '\0', sizeof t->fingerprint) == NULL ||
	    memchr(t->sender_domain, '\0', sizeof t->sender_domain) == NULL ||
	    t->level < TLSDEST_NEVER || t->level > TLSDEST_PIN ||
	    t->port > 65535 || t->verifydepth > 100)
		abort();
	if ((t->level == TLSDEST_PIN) !=
	    (tlsdest_fingerprint_alg(strlen(t->fingerprint)) != NULL))
		abort();
}

static void
check_cert(const struct domaincert *d)
{
	if (memchr(d->certfile, '\0', sizeof d->certfile) == NULL ||
	    memchr(d->keyfile, '\0', sizeof d->keyfile) == NULL ||
	    memchr(d->password, '\0', sizeof d->password) == NULL ||
	    d->certfile[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *hosts[] = { "mx.example.com", "example.com",
		"127.0.0.1", "2001:db8::1", "" };
	static const char *senders[] = { "", "example.com", "a.test" };
	struct strlist lines = STRLIST_INIT;
	struct tlsdest t;
	struct domaincert d;
	char dest[TLSDEST_FIELD_MAX + 1];
	size_t i, j, bad;

	if (!ctl_split_lines(&lines, (const char *)data, size))
		return 0;
	for (i = 0; i < lines.len; i++) {
		const char *colon = strchr(lines.items[i], ':');

		if (tlsdest_parse_line(lines.items[i], &t, dest)) {
			check(&t);
			if (memchr(dest, '\0', sizeof dest) == NULL)
				abort();
		}
		if (colon && domaincert_parse(colon + 1, &d))
			check_cert(&d);
	}
	if (tlsdest_check(&lines, &bad))
		for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
			for (j = 0; j < sizeof senders / sizeof senders[0];
			     j++)
				if (tlsdest_lookup(&lines, hosts[i],
					senders[j], &t) != TLSDEST_INVALID)
					check(&t);
	if (domaincerts_check(&lines, &bad))
		for (j = 0; j < sizeof senders / sizeof senders[0]; j++)
			if (domaincert_lookup(&lines, senders[j], &d) ==
			    TLSDEST_FOUND)
				check_cert(&d);
	strlist_free(&lines);
	return 0;
}
