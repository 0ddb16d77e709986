/*
 * qmail-recipients - compiles users/recipients into users/recipients.cdb,
 * the fastforward-compatible cdb of existing addresses that
 * control/recipients names (qmail-recipients(8)). Keys are ":" plus the
 * lower-cased address.
 *
 * The cdb is written next to its final name and renamed into place, so
 * qmail-smtpd sees the old or the new list, never half of one. Lines too
 * short for a key are skipped with a warning. Exit 0 on success, 111 on
 * any error (the old cdb stays then).
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auto.h"
#include "ctlcdb.h"
#include "die.h"

int
main(int argc, char **argv)
{
	size_t skipped = 0;

	(void)argc;
	die_init(argv[0]);
	umask(022);
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to chdir to %s", auto_qmail);
	if (!ctlcdb_build("users/recipients", "users/recipients.cdb", ":", 0,
		true, &skipped)) {
		if (errno == ENOENT)
			die_temp("unable to read users/recipients: it does not "
				 "exist");
		die_temp_sys("unable to build users/recipients.cdb");
	}
	if (skipped > 0)
		warn("%zu line(s) of users/recipients too short, skipped",
		    skipped);
	return 0;
}
