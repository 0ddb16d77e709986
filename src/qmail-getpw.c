/*
 * qmail-getpw - finds the user who controls a local part
 * (qmail-getpw(8)).
 *
 *   qmail-getpw local
 *
 * Prints user\0uid\0gid\0home\0dash\0ext\0 on stdout. The rules are in
 * lib/getpw.h (qmail-lspawn runs the same code as qmailp in a child of
 * its own, without exec). For direct use and for tests; runs as any
 * unprivileged user. Exit codes: 0, and the QLX codes of qlx.h (all
 * temporary for qmail-lspawn).
 */
#include "die.h"
#include "getpw.h"
#include "iobuf.h"
#include "qlx.h"
#include "strbuf.h"

int
main(int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	int code;

	die_init("qmail-getpw");
	if (argc != 2)
		die_perm("usage: qmail-getpw local");
	code = getpw_lookup(argv[1], &out, &why);
	if (code == QLX_NOMEM)
		die_code(code, "out of memory");
	if (code != 0)
		die_code(code, "%s", why.data ? why.data : "lookup failed");
	if (!fd_write_all(1, out.data, out.len))
		die_code(QLX_SYS, "unable to write output");
	strbuf_free(&out);
	strbuf_free(&why);
	return 0;
}
