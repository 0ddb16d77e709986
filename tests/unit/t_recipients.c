/* t_recipients.c - control/recipients: every line form against a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdbx.h"
#include "ctl.h"
#include "recipients.h"
#include "tap.h"

static const char *keys[] = {":u@example.com", ":list-@example.com",
    ":root@localhost", ":x@sub.example.org", ":legacy@other.example"};

static const struct {
	const char *lines; /* control/recipients, '\n'-separated */
	const char *addr;
	enum recipients_result want;
} cases[] = {
    {"", "anybody@anywhere.example", RECIPIENTS_PASS},
    {"example.com:r.cdb", "u@example.com", RECIPIENTS_CDB},
    {"example.com:r.cdb", "U@Example.COM", RECIPIENTS_CDB},
    {"example.com:r.cdb", "v@example.com", RECIPIENTS_NOTFOUND},
    {"example.com:r.cdb", "list-bounce-123@example.com",
	RECIPIENTS_CDB}, /* VERP prefix */
    {"example.com:r.cdb", "u@badexample.com", RECIPIENTS_NOTFOUND},
    {"example.org:r.cdb", "x@sub.example.org", RECIPIENTS_CDB},
    {"@example.org:r.cdb", "x@sub.example.org", RECIPIENTS_NOTFOUND},
    {"@sub.example.org:r.cdb", "x@sub.example.org", RECIPIENTS_CDB},
    {"*:r.cdb", "root", RECIPIENTS_CDB}, /* unqualified: @localhost */
    {"*:r.cdb", "u@example.com", RECIPIENTS_CDB},
    {"!wild.example", "whoever@wild.example", RECIPIENTS_WILD},
    {"!wild.example", "whoever@sub.wild.example", RECIPIENTS_NOTFOUND},
    {"example.com:r.cdb\n!*", "v@example.com", RECIPIENTS_NOTFOUND},
    {"example.com:r.cdb\n!*", "v@elsewhere.example", RECIPIENTS_PASS},
    {"!*\nexample.com:r.cdb", "v@example.com", RECIPIENTS_PASS},
    {"r.cdb", "legacy@other.example", RECIPIENTS_CDB},
    {"example.com:r.cdb\nr.cdb", "legacy@example.com",
	RECIPIENTS_NOTFOUND}, /* a named domain is authoritative */
    {"example.com:missing.cdb", "u@example.com", RECIPIENTS_TEMP},
    {"other.example:missing.cdb", "u@example.com", RECIPIENTS_NOTFOUND},
    {"pam.example|./check.sh", "ok@pam.example", RECIPIENTS_PAM},
    {"pam.example|./check.sh", "no@pam.example", RECIPIENTS_NOTFOUND},
    {"pam.example|./check.sh", "list-x@pam.example", RECIPIENTS_PAM},
    {"pam.example|./check.sh\n*:r.cdb", "u@example.com", RECIPIENTS_CDB},
    {"*|/bin/true", "any@where.example", RECIPIENTS_PAM},
    {"*|/bin/false\n!where.example", "any@where.example", RECIPIENTS_WILD},
    {"*|./temp.sh\n*:r.cdb", "u@example.com", RECIPIENTS_TEMP},
    {"*|  ./check.sh   extra  args", "ok@pam.example", RECIPIENTS_PAM},
    {"*|/nonexistent/program", "u@example.com", RECIPIENTS_TEMP},
};

static void
script(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	fputs(text, f);
	fclose(f);
	chmod(name, 0755);
}

int
main(void)
{
	char dir[] = "/tmp/t_recipients.XXXXXX";
	struct cdbx_make *mk;
	size_t i, k;

	if (mkdtemp(dir) == NULL || chdir(dir) == -1)
		return 2;
	mk = cdbx_make_start("r.cdb");
	for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
		cdbx_make_add(mk, keys[k], strlen(keys[k]), "", 0);
	ok(cdbx_make_finish(mk), "cdb built");
	script("check.sh",
	    "#!/bin/sh\n"
	    "a=$(tr '\\0' '\\n' <&3 | head -n 1)\n"
	    "case $a in ok@pam.example|list-@pam.example) "
	    "exit 0;; esac\nexit 1\n");
	script("temp.sh", "#!/bin/sh\nexit 111\n");

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strlist lines = STRLIST_INIT;

		ctl_split_lines(&lines, cases[i].lines, strlen(cases[i].lines));
		if (!is_num(recipients_check(&lines, cases[i].addr, 10),
			cases[i].want, cases[i].addr))
			printf("#   lines: %s\n", cases[i].lines);
		strlist_free(&lines);
	}
	is_str(recipients_name(RECIPIENTS_CDB), "Recipients_Cdb", "log name");
	unlink("r.cdb");
	unlink("check.sh");
	unlink("temp.sh");
	if (chdir("/") == 0)
		rmdir(dir);
	return done_testing();
}
