/*
 * qmail-badloadertypes - compiles control/badloadertypes into
 * control/badloadertypes.cdb for BADLOADERTYPE (qmail-badloadertypes(8)).
 * Keys are the first 5 characters of each line (base64 loader signatures,
 * which all start with the character BADLOADERTYPE names); the rest of a
 * line is a comment.
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
#include "mimescan.h"

int
main(int argc, char **argv)
{
	size_t skipped = 0;

	(void)argc;
	die_init(argv[0]);
	umask(022);
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to chdir to %s", auto_qmail);
	if (!ctlcdb_build("control/badloadertypes",
		"control/badloadertypes.cdb", "", MIMESCAN_LOADER_LEN, false,
		&skipped)) {
		if (errno == ENOENT)
			die_temp("unable to read control/badloadertypes: it "
				 "does not exist");
		die_temp_sys("unable to build control/badloadertypes.cdb");
	}
	if (skipped > 0)
		warn("%zu line(s) of control/badloadertypes too short, skipped",
		    skipped);
	return 0;
}
