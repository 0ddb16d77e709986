/* t_smtputf8.c - unit tests for SMTPUTF8 address classes and header
 * detection (src/lib/smtputf8.c). */
#include <string.h>

#include "smtputf8.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		const char *name, *in;
		enum smtputf8_class want;
		const char *ascii;
	} addrs[] = {
		{ "ascii", "a@example.test", SMTPUTF8_ASCII, "a@example.test" },
		{ "empty (bounce)", "", SMTPUTF8_ASCII, "" },
		{ "ascii kept as is", "A@Example.TEST", SMTPUTF8_ASCII,
		    "A@Example.TEST" },
		{ "domain only", "a@b\xc3\xbc" "cher.test", SMTPUTF8_DOMAIN,
		    "a@xn--bcher-kva.test" },
		{ "domain only, local part case kept",
		    "Ab@b\xc3\xbc" "cher.TEST", SMTPUTF8_DOMAIN,
		    "Ab@xn--bcher-kva.test" },
		{ "local part", "j\xc3\xb6rg@example.test", SMTPUTF8_NEEDED,
		    "" },
		{ "both", "j\xc3\xb6rg@b\xc3\xbc" "cher.test", SMTPUTF8_NEEDED,
		    "" },
		{ "no domain", "j\xc3\xb6rg", SMTPUTF8_NEEDED, "" },
		{ "domain not IDNA2008 (upper-case U-label)",
		    "a@B\xc3\x9c" "CHER.test", SMTPUTF8_NEEDED, "" },
		{ "latin-1, not UTF-8", "j\xf6rg@example.test",
		    SMTPUTF8_INVALID, "" },
		{ "overlong UTF-8", "a@\xc0\xae" "example.test",
		    SMTPUTF8_INVALID, "" },
		{ "@ in local part: last @ splits", "a@b@b\xc3\xbc" "cher.test",
		    SMTPUTF8_DOMAIN, "a@b@xn--bcher-kva.test" },
	};
	static const struct {
		const char *name, *in;
		int want;
	} headers[] = {
		{ "ascii", "Subject: hi\n\nbody \xc3\xa9\n", 0 },
		{ "utf-8 subject", "Subject: caf\xc3\xa9\n\nbody\n", 1 },
		{ "utf-8 subject, CRLF", "Subject: caf\xc3\xa9\r\n\r\nx\r\n", 1 },
		{ "latin-1 subject", "Subject: caf\xe9\n\nbody\n", 0 },
		{ "8-bit body only, CRLF", "A: b\r\n\r\n\xc3\xa9\r\n", 0 },
		{ "no body", "Subject: caf\xc3\xa9\n", 1 },
		{ "no header", "\ncaf\xc3\xa9\n", 0 },
		{ "empty", "", 0 },
	};
	struct strbuf out = STRBUF_INIT;
	enum smtputf8_class c;
	size_t i;

	for (i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
		c = smtputf8_address(addrs[i].in, &out);
		is_num(c, addrs[i].want, addrs[i].name);
		if (c == SMTPUTF8_ASCII || c == SMTPUTF8_DOMAIN)
			is_str(out.data ? out.data : "", addrs[i].ascii,
			    addrs[i].name);
	}
	for (i = 0; i < sizeof headers / sizeof headers[0]; i++)
		is_num(smtputf8_header(headers[i].in, strlen(headers[i].in)),
		    headers[i].want, headers[i].name);
	strbuf_free(&out);
	return done_testing();
}
