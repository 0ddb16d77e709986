/*
 * qmail-local - delivers one message to one local recipient
 * (qmail-local(8)).
 *
 *   qmail-local [-nNa] [--] user homedir local dash ext domain sender
 *       defaultdelivery
 *
 * Runs as the user (whoever runs it dropped privileges already), with the
 * message on fd 0, which must be seekable. Writes a report on fd 1 and
 * exits 0 (delivered), 100 (permanent failure) or 111 (temporary); with
 * -a, 98 when an extension address has no .qmail file (qmail-lspawn then
 * asks the alias user). The work is in lib/local.c and lib/localdeliver.c,
 * which qmail-lspawn also calls in process; this program is for direct
 * use (and for tests).
 */
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "iobuf.h"
#include "local.h"
#include "strbuf.h"

static _Noreturn void
usage(void)
{
	die_perm("usage: qmail-local [ -nNa ] user homedir local dash ext "
		 "domain sender defaultdelivery");
}

int
main(int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT;
	struct local_args a;
	int opt, code;

	die_init("qmail-local");
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	a.doit = true;
	a.alias_fallback = false;
	while ((opt = getopt(argc, argv, "nNa")) != -1)
		switch (opt) {
		case 'n':
			a.doit = false;
			break;
		case 'N':
			a.doit = true;
			break;
		case 'a':
			a.alias_fallback = true;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 8)
		usage();
	a.user = argv[0];
	a.home = argv[1];
	a.local = argv[2];
	a.dash = argv[3];
	a.ext = argv[4];
	a.host = argv[5];
	a.sender = argv[6];
	a.defaultdelivery = argv[7];
	a.msgfd = 0;
	a.sync_later = false; /* no one to do a barrier: fsync new/ */
	a.sync_dev = 0;
	if (a.home[0] != '/')
		usage();
	code = local_deliver(&a, &out);
	if (out.len > 0 && !fd_write_all(1, out.data, out.len) && code == 0)
		code = 111;
	strbuf_free(&out);
	return code;
}
