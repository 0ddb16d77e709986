/* t_netstring.c - unit tests for the netstring reader
 * (src/lib/netstring.c). */
#include <string.h>
#include <unistd.h>

#include "netstring.h"
#include "tap.h"

/* reads one netstring with cap MAX from IN through a pipe */
static enum netstring_status
get_text(const char *in, size_t max, struct strbuf *out)
{
	char buf[64];
	struct iobuf io;
	int fds[2];
	enum netstring_status st;
	size_t len = strlen(in);

	if (pipe(fds) == -1)
		return NETSTRING_IOERR;
	if (write(fds[1], in, len) != (ssize_t)len)
		return NETSTRING_IOERR;
	close(fds[1]);
	iobuf_init(&io, fds[0], buf, sizeof buf, 5);
	st = netstring_get(&io, out, max);
	close(fds[0]);
	return st;
}

int
main(void)
{
	static const struct {
		const char *name, *in;
		size_t max;
		enum netstring_status st;
		const char *want;
	} cases[] = {
		{ "simple", "3:Kok,", 1000, NETSTRING_DONE, "Kok" },
		{ "empty string", "0:,", 1000, NETSTRING_DONE, "" },
		{ "at the cap", "4:abcd,", 4, NETSTRING_DONE, "abcd" },
		{ "over the cap", "5:abcde,", 4, NETSTRING_GARBAGE, NULL },
		{ "cap 1000", "1000:", 1000, NETSTRING_EOF, NULL },
		{ "1001 over 1000", "1001:", 1000, NETSTRING_GARBAGE, NULL },
		{ "leading zeros within the digit count", "0003:Kok,", 1000,
		    NETSTRING_DONE, "Kok" },
		{ "too many digits", "00003:Kok,", 1000, NETSTRING_GARBAGE,
		    NULL },
		{ "no digits", ":x,", 1000, NETSTRING_GARBAGE, NULL },
		{ "not a digit", "3x:Kok,", 1000, NETSTRING_GARBAGE, NULL },
		{ "missing comma", "3:Kok;", 1000, NETSTRING_GARBAGE, NULL },
		{ "short string", "3:K", 1000, NETSTRING_EOF, NULL },
		{ "eof in length", "3", 1000, NETSTRING_EOF, NULL },
		{ "eof in string", "3:Ko", 1000, NETSTRING_EOF, NULL },
		{ "eof before comma", "3:Kok", 1000, NETSTRING_EOF, NULL },
		{ "nothing", "", 1000, NETSTRING_EOF, NULL },
		{ "huge length no overflow", "99999999999999999999999:",
		    (size_t)-1, NETSTRING_GARBAGE, NULL },
	};
	struct strbuf out = STRBUF_INIT;
	struct netstring ns;
	enum netstring_status st;
	const char *p;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		st = get_text(cases[i].in, cases[i].max, &out);
		is_num(st, cases[i].st, cases[i].name);
		if (st == NETSTRING_DONE)
			is_str(out.data ? out.data : "", cases[i].want,
			    cases[i].name);
	}
	/* the decoder alone: two netstrings back to back, with a NUL */
	netstring_start(&ns, &out, 10);
	for (p = "2:a"; *p; p++)
		(void)netstring_feed(&ns, (unsigned char)*p);
	(void)netstring_feed(&ns, 0);
	is_num(netstring_feed(&ns, ','), NETSTRING_DONE, "feed: done");
	is_num((long long)out.len, 2, "feed: NUL kept");
	is_num(netstring_feed(&ns, '1'), NETSTRING_GARBAGE,
	    "feed: nothing after done");
	netstring_start(&ns, &out, 10);
	is_num((long long)out.len, 0, "start empties the output");
	strbuf_free(&out);
	return done_testing();
}
