/*
 * qmail-tcpok - clears queue/lock/tcpto, so qmail-remote tries every
 * address again at once (after a network outage, say).
 *
 * Takes the same exclusive lock as qmail-remote. Exit 0; 111 when the
 * file cannot be opened or truncated. See doc/qmail-tcpok.8.
 */
#include "auto.h"
#include "die.h"
#include "strbuf.h"
#include "tcpto.h"

int
main(int argc, char **argv)
{
	struct strbuf path = STRBUF_INIT;

	(void)argv;
	die_init("qmail-tcpok");
	if (argc > 1)
		die_perm("usage: qmail-tcpok");
	xstrbuf_appends(&path, auto_queue);
	xstrbuf_appends(&path, "/lock/tcpto");
	if (!tcpto_clear(path.data))
		die_temp_sys("cannot clear %s", path.data);
	return 0;
}
