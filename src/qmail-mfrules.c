/*
 * qmail-mfrules - compiles control/mailfromrules into
 * control/mailfromrules.cdb for qmail-smtpd's LOCALMFCHECK=!
 * (qmail-mfrules(8); the format is in lib/mfrules.h).
 *
 * The cdb is written to mailfromrules.cdb.tmp and renamed into place, so
 * qmail-smtpd sees the old or the new rules, never half of them. Exit 0
 * on success, 100 for a malformed line (named on stderr; nothing is
 * replaced), 111 for any other error.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auto.h"
#include "cdbx.h"
#include "ctl.h"
#include "die.h"
#include "mfrules.h"

int
main(int argc, char **argv)
{
	struct strlist lines = STRLIST_INIT;
	struct strbuf value = STRBUF_INIT;
	struct cdbx_make *mk;
	const char *why = NULL;
	size_t i, k;

	(void)argc;
	die_init(argv[0]);
	umask(022);
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to chdir to %s", auto_qmail);
	switch (ctl_read_lines(&lines, "control/mailfromrules")) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		die_temp("control/mailfromrules does not exist");
	case CTL_ERROR:
		die_temp_sys("unable to read control/mailfromrules");
	}
	if ((mk = cdbx_make_start("control/mailfromrules.cdb")) == NULL)
		die_temp_sys("unable to create control/mailfromrules.cdb.tmp");
	for (i = 0; i < lines.len; i++) {
		struct strlist keys = STRLIST_INIT;

		if (!mfrules_parse(lines.items[i], &keys, &value, &why)) {
			cdbx_make_abort(mk);
			die_perm("unable to parse this line: %s: %s",
			    lines.items[i], why);
		}
		for (k = 0; k < keys.len; k++)
			if (!cdbx_make_add(mk, keys.items[k],
				strlen(keys.items[k]), value.data, value.len)) {
				cdbx_make_abort(mk);
				die_temp_sys("unable to write "
					     "control/mailfromrules.cdb.tmp");
			}
		strlist_free(&keys);
	}
	if (!cdbx_make_finish(mk))
		die_temp_sys("unable to write control/mailfromrules.cdb");
	strlist_free(&lines);
	strbuf_free(&value);
	return 0;
}
