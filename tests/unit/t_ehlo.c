/* t_ehlo.c - unit tests for the EHLO reply reader (src/lib/ehlo.c). */
#include <limits.h>
#include <string.h>

#include "ehlo.h"
#include "tap.h"

/* the flags of struct ehlo as letters, for one comparison per case:
 * P pipelining, 8 8bitmime, U smtputf8, T starttls, S size, C L A the
 * AUTH mechanisms CRAM-MD5, LOGIN, PLAIN */
static void
flags(const struct ehlo *e, char *out)
{
	char *p = out;

	if (e->pipelining)
		*p++ = 'P';
	if (e->eightbitmime)
		*p++ = '8';
	if (e->smtputf8)
		*p++ = 'U';
	if (e->starttls)
		*p++ = 'T';
	if (e->size_offered)
		*p++ = 'S';
	if (e->auth_cram)
		*p++ = 'C';
	if (e->auth_login)
		*p++ = 'L';
	if (e->auth_plain)
		*p++ = 'A';
	*p = '\0';
}

int
main(void)
{
	static const struct {
		const char *name, *in, *want;
		unsigned long size;
	} cases[] = {
		{ "empty", "", "", 0 },
		{ "greeting only", "250 peer\n", "", 0 },
		{ "keyword on first line ignored", "250-PIPELINING\n250 x\n",
		    "", 0 },
		{ "all", "250-peer\n250-PIPELINING\n250-8BITMIME\n"
		    "250-SMTPUTF8\n250-STARTTLS\n250-SIZE 1000\n"
		    "250 AUTH PLAIN LOGIN CRAM-MD5\n", "P8UTSCLA", 1000 },
		{ "case-insensitive", "250-peer\n250-pipelining\n"
		    "250 smtputf8\n", "PU", 0 },
		{ "keyword must end", "250-peer\n250-PIPELININGX\n"
		    "250-SMTPUTF8X\n250 SIZEX 5\n", "", 0 },
		{ "parameters after a space", "250-peer\n250-8BITMIME x\n"
		    "250 STARTTLS y\n", "8T", 0 },
		{ "SIZE without limit", "250-peer\n250 SIZE\n", "S", 0 },
		{ "SIZE not digits", "250-peer\n250-SIZE \n250 x\n", "S", 0 },
		{ "SIZE huge saturates", "250-peer\n"
		    "250 SIZE 99999999999999999999999999\n", "S", ULONG_MAX },
		{ "AUTH= form", "250-peer\n250 AUTH=LOGIN\n", "L", 0 },
		{ "AUTH unknown mechs", "250-peer\n250 AUTH GSSAPI XOAUTH2 "
		    "PLAINX\n", "", 0 },
		{ "AUTH alone", "250-peer\n250 AUTH\n", "", 0 },
		{ "short lines", "250-peer\n25\n250\n250 \n", "", 0 },
		{ "last line cut (no newline)", "250-peer\n250-SMTPUTF8\n"
		    "250 PIPELINING", "U", 0 },
	};
	struct ehlo e;
	char got[16];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ehlo_parse(&e, cases[i].in);
		flags(&e, got);
		is_str(got, cases[i].want, cases[i].name);
		is_num((long long)e.size_limit, (long long)cases[i].size,
		    cases[i].name);
	}
	ehlo_parse(&e, NULL);
	flags(&e, got);
	is_str(got, "", "NULL text");
	/* a second parse forgets the first (EHLO again after STARTTLS) */
	ehlo_parse(&e, "250-peer\n250 STARTTLS\n");
	ehlo_parse(&e, "250-peer\n250 PIPELINING\n");
	flags(&e, got);
	is_str(got, "P", "reset between replies");
	return done_testing();
}
