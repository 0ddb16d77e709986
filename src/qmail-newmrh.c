/*
 * qmail-newmrh - compiles control/morercpthosts into
 * control/morercpthosts.cdb for qmail-smtpd (qmail-newmrh(8)).
 *
 * Lines are lower-cased; blank lines and '#' comments are skipped. The
 * cdb is written to morercpthosts.cdb.tmp and renamed into place, so
 * qmail-smtpd sees the old or the new list, never half of one. A missing
 * morercpthosts gives an empty cdb. Exit 0 on success, 111 on any error
 * (nothing is replaced then).
 */
#include <sys/stat.h>
#include <unistd.h>

#include "auto.h"
#include "cdbx.h"
#include "ctl.h"
#include "die.h"

int
main(int argc, char **argv)
{
	struct strlist hosts = STRLIST_INIT;
	struct cdbx_make *mk;
	size_t i;
	char *p;

	(void)argc;
	die_init(argv[0]);
	umask(022);
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to chdir to %s", auto_qmail);
	if (ctl_read_lines(&hosts, "control/morercpthosts") == CTL_ERROR)
		die_temp_sys("unable to read control/morercpthosts");
	if ((mk = cdbx_make_start("control/morercpthosts.cdb")) == NULL)
		die_temp_sys("unable to create control/morercpthosts.cdb.tmp");
	for (i = 0; i < hosts.len; i++) {
		for (p = hosts.items[i]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		if (!cdbx_make_add(mk, hosts.items[i], (size_t)(p -
			hosts.items[i]), "", 0)) {
			cdbx_make_abort(mk);
			die_temp_sys("unable to write "
				     "control/morercpthosts.cdb.tmp");
		}
	}
	if (!cdbx_make_finish(mk))
		die_temp_sys("unable to write control/morercpthosts.cdb");
	strlist_free(&hosts);
	return 0;
}
