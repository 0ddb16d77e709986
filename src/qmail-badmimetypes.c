/*
 * qmail-badmimetypes - compiles control/badmimetypes into
 * control/badmimetypes.cdb for BADMIMETYPE (qmail-badmimetypes(8)). Keys
 * are the first 9 characters of each line (the base64 of a file type's
 * magic bytes; case matters); the rest of a line is a comment.
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
	if (!ctlcdb_build("control/badmimetypes", "control/badmimetypes.cdb",
		"", MIMESCAN_TYPE_LEN, false, &skipped)) {
		if (errno == ENOENT)
			die_temp("unable to read control/badmimetypes: it does "
				 "not exist");
		die_temp_sys("unable to build control/badmimetypes.cdb");
	}
	if (skipped > 0)
		warn("%zu line(s) of control/badmimetypes too short, skipped",
		    skipped);
	return 0;
}
