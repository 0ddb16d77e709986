/*
 * sendmail - the sendmail interface to qmail-inject (sendmail(8)).
 *
 * As qmail's sendmail: the options programs pass to sendmail are accepted
 * and those with no meaning for qmail are ignored; then qmail-inject runs
 * with -H (-t: recipients from the header and the arguments) or -a (only
 * the arguments), -f for the sender, and -F as QMAILNAME. -bp (and the name
 * mailq) runs qmail-qread; -bs runs qmail-smtpd as qmail does; the name
 * newaliases and -bi say that qmail has no alias database. Options are
 * parsed here rather than with getopt so that sendmail's many forms
 * (-oi, -oem, -odi, -N never, -R hdrs, -q30m, clustered -ti) all work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "strbuf.h"

static void
usage(void)
{
	die_perm("usage: sendmail [ -t ] [ -f sender ] [ -F fullname ] "
		 "[ -i ] [ -oi ] [ -bp | -bs ] [ recipient ... ]");
}

static _Noreturn void
run(const char *prog, char **argv)
{
	struct strbuf path = STRBUF_INIT;

	xstrbuf_copys(&path, auto_qmail);
	xstrbuf_appends(&path, "/bin/");
	xstrbuf_appends(&path, prog);
	argv[0] = path.data;
	execv(path.data, argv);
	if (errno == ENOENT)
		die_temp("%s is not installed", path.data);
	die_temp_sys("unable to run %s", path.data);
}

static _Noreturn void
mailq(void)
{
	char *argv[] = { NULL, NULL };

	run("qmail-qread", argv);
}

static _Noreturn void
smtpd(void)
{
	char *argv[] = { NULL, NULL };

	/* qmail's sendmail -bs: a local SMTP session, trusted as local */
	if (getenv("PROTO") == NULL) {
		if (setenv("RELAYCLIENT", "", 1) || setenv("DATABYTES", "0", 1) ||
		    setenv("PROTO", "TCP", 1) ||
		    setenv("TCPLOCALIP", "127.0.0.1", 1) ||
		    setenv("TCPLOCALHOST", "localhost", 1) ||
		    setenv("TCPREMOTEIP", "127.0.0.1", 1) ||
		    setenv("TCPREMOTEHOST", "localhost", 1) ||
		    setenv("TCPREMOTEINFO", "sendmail-bs", 1))
			die_nomem();
	}
	run("qmail-smtpd", argv);
}

static _Noreturn void
newaliases(void)
{
	die_perm("alias databases are not used in qmail; edit "
		 "~alias/.qmail-* instead");
}

int
main(int argc, char **argv)
{
	const char *sender = NULL, *name;
	bool header = false;
	char **qargv;
	size_t nq = 0;
	int i;

	die_init("sendmail");
	name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	if (strcmp(name, "mailq") == 0)
		mailq();
	if (strcmp(name, "newaliases") == 0)
		newaliases();

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *value;
		char opt;

		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		/* a cluster of flags, until one that takes an argument */
		for (a++; (opt = *a) != '\0'; a++) {
			if (strchr("fFbrBCLNROVXhpAeo", opt) == NULL) {
				switch (opt) {
				case 't': header = true; continue;
				case 'i': /* what an absurd concept (qmail) */
				case 'v': case 'x': case 'm': case 'n':
				case 'U': case 'G': case 'I':
					continue;
				case 'E': case 'J':
					/* Sony NEWS-OS: an optional argument
					 * follows; skip it, as qmail does */
					while (a[1] != '\0')
						a++;
					continue;
				case 'q':
					/* queue runs: qmail-send retries on
					 * its own schedule */
					return 0;
				default:
					usage();
				}
			}
			/* the option's argument: the rest, or the next arg */
			if (a[1] != '\0')
				value = a + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else
				usage();
			switch (opt) {
			case 'f':
			case 'r': /* old synonym of -f */
				sender = value;
				break;
			case 'F':
				/* qmail sets MAILNAME, which QMAILNAME would
				 * override; the option should win */
				if (setenv("QMAILNAME", value, 1) == -1)
					die_nomem();
				break;
			case 'b':
				switch (value[0]) {
				case 'm': break; /* deliver mail: the default */
				case 'p': mailq();
				case 's': smtpd();
				case 'i': newaliases();
				default: usage();
				}
				break;
			case 'o':
			case 'e': /* -oi, -oem, -odi, -oQ...: one mode only */
			default:  /* -B -C -L -N -R -O -V -X -h -p -A */
				break;
			}
			break;
		}
	}

	qargv = xmalloc(((size_t)(argc - i) + 6) * sizeof *qargv);
	qargv[nq++] = NULL; /* set by run() */
	qargv[nq++] = header ? "-H" : "-a";
	if (sender != NULL) {
		qargv[nq++] = "-f";
		qargv[nq++] = (char *)sender;
	}
	qargv[nq++] = "--";
	for (; i < argc; i++)
		qargv[nq++] = argv[i];
	qargv[nq] = NULL;
	run("qmail-inject", qargv);
}
