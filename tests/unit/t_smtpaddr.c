/* t_smtpaddr.c - envelope path parsing and SMTP command splitting. */
#include <string.h>

#include "smtpaddr.h"
#include "smtpcmd.h"
#include "tap.h"

static const struct {
	const char *in;
	bool utf8;
	enum smtpaddr_status want;
	const char *addr; /* when OK */
	bool routing;
} cases[] = {
	{ "<>", false, SMTPADDR_OK, "", false },
	{ "<u@example.com>", false, SMTPADDR_OK, "u@example.com", false },
	{ "  <u@example.com> SIZE=1", false, SMTPADDR_OK, "u@example.com",
	    false },
	{ "u@example.com", false, SMTPADDR_OK, "u@example.com", false },
	{ "<postmaster>", false, SMTPADDR_OK, "postmaster", false },
	{ "<@a.example,@b.example:u@c.example>", false, SMTPADDR_OK,
	    "u@c.example", false },
	{ "<@a.example:u@c.example", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<@a.example u@c.example>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<\"a b\"@example.com>", false, SMTPADDR_OK, "a b@example.com",
	    false },
	{ "<\"u@other\"@example.com>", false, SMTPADDR_OK,
	    "u@other@example.com", true },
	{ "<\"a\\\"b\"@x.example>", false, SMTPADDR_OK, "a\"b@x.example",
	    false },
	{ "<\"a\rb\"@x.example>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u%h@example.com>", false, SMTPADDR_OK, "u%h@example.com", true },
	{ "<h!u@example.com>", false, SMTPADDR_OK, "h!u@example.com", true },
	{ "<u@example.com.>", false, SMTPADDR_OK, "u@example.com", false },
	{ "<u@[127.0.0.1]>", false, SMTPADDR_OK, "u@[127.0.0.1]", false },
	{ "<u@[IPv6:::1]>", false, SMTPADDR_OK, "u@[IPv6:::1]", false },
	{ "<u@[1.2.3]>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@-a.example>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@a-.example>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@a..example>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@a_b.example>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<@example.com>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@example.com", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@example.com>x", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<a b@example.com>", false, SMTPADDR_SYNTAX, NULL, false },
	{ "<\xc3\xa4@example.com>", false, SMTPADDR_8BIT, NULL, false },
	{ "<\xc3\xa4@example.com>", true, SMTPADDR_OK, "\xc3\xa4@example.com",
	    false },
	{ "<\xc3@example.com>", true, SMTPADDR_SYNTAX, NULL, false },
	{ "<u@b\xc3\xbc" "cher.example>", true, SMTPADDR_OK,
	    "u@b\xc3\xbc" "cher.example", false },
	{ "<u@a\xc2\xad" "b.example>", true, SMTPADDR_BADIDN, NULL, false },
};

int
main(void)
{
	struct smtpaddr a = SMTPADDR_INIT;
	char big[700];
	size_t i, rest, arg, alen;
	enum smtpaddr_status st;
	enum smtpcmd cmd;
	struct smtpcmd_mailparams mp;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		st = smtpaddr_parse(&a, cases[i].in, strlen(cases[i].in),
		    cases[i].utf8, &rest);
		if (!is_num(st, cases[i].want, cases[i].in))
			continue;
		if (st != SMTPADDR_OK)
			continue;
		is_str(a.addr.data, cases[i].addr, cases[i].in);
		ok(a.routing == cases[i].routing, "routing flag of %s",
		    cases[i].in);
	}
	memset(big, 'l', sizeof big);
	memcpy(big, "<", 1);
	memcpy(big + 300, "@x.example>", 12);
	is_num(smtpaddr_parse(&a, big, strlen(big), false, &rest),
	    SMTPADDR_TOOLONG, "local part over 256 is too long, not cut");
	smtpaddr_free(&a);

	is_num(smtpcmd_parse("mail FROM:<a>\r\n", 15, &cmd, &arg, &alen),
	    SMTPCMD_OK, "parse MAIL");
	ok(cmd == SMTPCMD_MAIL && arg == 5 && alen == 8, "verb and argument");
	is_num(smtpcmd_parse("NOOP\0x\r\n", 8, &cmd, &arg, &alen), SMTPCMD_NUL,
	    "NUL refused");
	is_num(smtpcmd_parse("NOOP a\rb\r\n", 10, &cmd, &arg, &alen),
	    SMTPCMD_CTRL, "bare CR refused");
	is_num(smtpcmd_parse("\r\n", 2, &cmd, &arg, &alen), SMTPCMD_EMPTY,
	    "empty");
	is_num(smtpcmd_parse("MAILX\n", 6, &cmd, &arg, &alen), SMTPCMD_OK,
	    "unknown verb");
	ok(cmd == SMTPCMD_UNKNOWN, "MAILX is not MAIL");
	is_num(smtpcmd_prefix("from:<x>", 8, "FROM:"), 5, "FROM: prefix");
	is_num(smtpcmd_mail_params(" SIZE=100 BODY=8BITMIME SMTPUTF8", 32,
		   &mp), SMTPCMD_PARAM_OK, "params");
	ok(mp.has_size && mp.size == 100 && mp.smtputf8 &&
		mp.body == SMTPCMD_BODY_8BITMIME, "param values");
	is_num(smtpcmd_mail_params("SIZE=99999999999999999999999", 28, &mp),
	    SMTPCMD_PARAM_SYNTAX, "SIZE overflow");
	is_num(smtpcmd_mail_params("SIZE=1 SIZE=2", 13, &mp),
	    SMTPCMD_PARAM_SYNTAX, "SIZE twice");
	is_num(smtpcmd_mail_params("RET=FULL", 8, &mp), SMTPCMD_PARAM_UNKNOWN,
	    "DSN not offered");
	is_num(smtpcmd_rcpt_params("  ", 2), SMTPCMD_PARAM_OK, "no params");
	is_num(smtpcmd_rcpt_params(" NOTIFY=NEVER", 13), SMTPCMD_PARAM_UNKNOWN,
	    "RCPT params refused");
	return done_testing();
}
