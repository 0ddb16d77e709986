/*
 * qmail-newu - compiles users/assign into users/cdb (qmail-newu(8)).
 *
 *   qmail-newu
 *
 * Reads <conf-qmail>/users/assign (qmail-users(5)) and writes users/cdb
 * through users/cdb.tmp, fsynced and renamed into place, so that
 * qmail-lspawn sees the old or the new database, never a mix. A file that
 * does not end with the `.` line, or has a malformed line, is refused and
 * the old users/cdb stays. Exit: 0 done, 100 malformed assign file, 111
 * any system error.
 */
#include <errno.h>
#include <unistd.h>

#include "auto.h"
#include "cdbx.h"
#include "ctl.h"
#include "die.h"
#include "strbuf.h"
#include "users.h"

static bool
add(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	return cdbx_make_add(ctx, key, klen, val, vlen);
}

int
main(void)
{
	struct strbuf text = STRBUF_INIT;
	struct cdbx_make *mk;
	const char *why;
	size_t lineno;

	die_init("qmail-newu");
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to chdir to %s", auto_qmail);
	switch (ctl_read_file(&text, "users/assign")) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		die_temp("unable to read users/assign: file does not exist");
	case CTL_ERROR:
		die_temp_sys("unable to read users/assign");
	}
	mk = cdbx_make_start("users/cdb");
	if (mk == NULL)
		die_temp_sys("unable to create users/cdb.tmp");
	switch (users_parse(text.data ? text.data : "", text.len, add, mk,
			    &lineno, &why)) {
	case USERS_PARSE_OK:
		break;
	case USERS_PARSE_SYNTAX:
		cdbx_make_abort(mk);
		die_perm("users/assign line %zu: %s; users/cdb not changed",
			 lineno, why);
	case USERS_PARSE_NOMEM:
		cdbx_make_abort(mk);
		die_nomem();
	case USERS_PARSE_ADD:
		cdbx_make_abort(mk);
		die_temp_sys("unable to write users/cdb.tmp");
	}
	if (!cdbx_make_finish(mk))
		die_temp_sys("unable to move users/cdb.tmp to users/cdb");
	return 0;
}
