/* t_postgrey.c - POSTGREY: the server spec, the request text (no
 * attribute injection) and the answer parser, as tables. The TCP side is
 * tested end to end against a Python policy server. */
#include <stdio.h>
#include <string.h>

#include "postgrey.h"
#include "tap.h"

static const struct {
	const char *spec;
	bool ok;
	const char *ip;
	unsigned port;
} specs[] = {
    {"127.0.0.1;10023", true, "127.0.0.1", 10023},
    {"127.0.0.1", true, "127.0.0.1", 10023},
    {"::1;60000", true, "::1", 60000},
    {"fe80::1%lo;10023", true, "fe80::1%1", 10023},
    {"127.0.0.1;", false, NULL, 0},
    {"127.0.0.1;0", false, NULL, 0},
    {"127.0.0.1;70000", false, NULL, 0},
    {"127.0.0.1;12a", false, NULL, 0},
    {"localhost;10023", false, NULL, 0},
    {";10023", false, NULL, 0},
    {"", false, NULL, 0},
};

static const struct {
	const char *reply;
	enum postgrey_action want;
} replies[] = {
    {"action=DUNNO\n\n", POSTGREY_PASS},
    {"action=dunno\n\n", POSTGREY_PASS},
    {"action=PREPEND X-Greylist: delayed 61 seconds\n\n", POSTGREY_PASS},
    {"action=DEFER_IF_PERMIT Greylisted, see http://x/\n\n",
	POSTGREY_GREYLISTED},
    {"action=defer_if_permit\n\n", POSTGREY_GREYLISTED},
    {"action=450 4.2.0 try later\n\n", POSTGREY_GREYLISTED},
    {"action=550 no\n\n", POSTGREY_PASS},
    {"action=REJECT\n\n", POSTGREY_PASS},
    {"foo=bar\naction=DEFER\n\n", POSTGREY_GREYLISTED},
    {"action=DEFER_IF_PERMIT\n", POSTGREY_ERROR},
    {"action=DEFER_IF_PERMIT", POSTGREY_ERROR},
    {"\n", POSTGREY_ERROR},
    {"", POSTGREY_ERROR},
    {"action=\n\n", POSTGREY_ERROR},
};

int
main(void)
{
	struct postgrey_query q = {"10.0.0.1", "mx.example",
	    "helo\nrecipient=evil@x", "s@x.example", "r@y.example", "ESMTP", 2};
	struct strbuf req = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct ipaddr ip;
		unsigned port = 0;
		char text[IPADDR_STRLEN];
		bool r = postgrey_parse_spec(specs[i].spec, &ip, &port);

		ok(r == specs[i].ok, "spec '%s'", specs[i].spec);
		if (!r || !specs[i].ok)
			continue;
		ipaddr_format(&ip, text);
		is_str(text, specs[i].ip, "address");
		is_num(port, specs[i].port, "port");
	}
	for (i = 0; i < sizeof replies / sizeof replies[0]; i++) {
		char name[32];

		(void)snprintf(name, sizeof name, "reply %zu", i);
		is_num(postgrey_parse_reply(
			   replies[i].reply, strlen(replies[i].reply)),
		    replies[i].want, name);
	}
	ok(postgrey_request(&req, &q), "request built");
	(void)strbuf_terminate(&req);
	ok(strncmp(req.data, "request=smtpd_access_policy\n", 28) == 0,
	    "request first");
	ok(strstr(req.data, "\nclient_address=10.0.0.1\n") != NULL,
	    "client_address");
	ok(strstr(req.data, "\nsender=s@x.example\nrecipient=r@y.example\n") !=
		NULL,
	    "sender, recipient");
	ok(strstr(req.data, "\nhelo_name=helo?recipient=evil@x\n") != NULL,
	    "newline in HELO neutralised");
	ok(strstr(req.data, "\nrecipient=evil") == NULL, "no injection");
	ok(req.len >= 2 && strcmp(req.data + req.len - 2, "\n\n") == 0,
	    "ends with an empty line");
	strbuf_free(&req);
	return done_testing();
}
