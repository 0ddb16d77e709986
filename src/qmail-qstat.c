/*
 * qmail-qstat - counts the messages in the queue, as qmail's qmail-qstat:
 *
 *   messages in queue: <files in mess/S/>
 *   messages in queue but not yet preprocessed: <files in todo/S/>
 *
 * mess/ and todo/ are mode 0750, owner qmailq, group qmail: run as root
 * (the program then becomes qmails:qmail before reading), or as a member
 * of group qmail. Exit 0, or 111 when a directory cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "prot.h"
#include "strbuf.h"

static void
die_queue(const char *what)
{
	if (errno == EACCES || errno == EPERM)
		die_temp("cannot read %s: permission denied (run qmail-qstat "
			 "as root or as a member of group %s)",
		    what, auto_groups[AG_QMAIL]);
	die_temp_sys("cannot read %s", what);
}

/* count: the entries in DIR/0 .. DIR/(split-1), as qmail's find counted */
static unsigned long
count(const char *name)
{
	struct strbuf dir = STRBUF_INIT;
	unsigned long split, n = 0;

	for (split = 0; split < auto_split; split++) {
		DIR *dp;

		xstrbuf_copys(&dir, name);
		xstrbuf_appendc(&dir, '/');
		xstrbuf_append_ulong(&dir, split);
		if ((dp = opendir(dir.data)) == NULL)
			die_queue(dir.data);
		for (;;) {
			const struct dirent *d;

			errno = 0;
			if ((d = readdir(dp)) == NULL)
				break;
			if (strcmp(d->d_name, ".") != 0 &&
			    strcmp(d->d_name, "..") != 0)
				n++;
		}
		if (errno != 0)
			die_queue(dir.data);
		closedir(dp);
	}
	strbuf_free(&dir);
	return n;
}

int
main(int argc, char **argv)
{
	unsigned long mess, todo;

	die_init("qmail-qstat");
	if (argc > 1)
		die_perm("usage: %s", argv[0] ? argv[0] : "qmail-qstat");
	if (chdir(auto_queue) == -1)
		die_queue(auto_queue);
	if (geteuid() == 0 &&
	    !prot_drop_user(auto_users[AU_QMAILS], auto_groups[AG_QMAIL]))
		die_temp_sys("cannot become %s", auto_users[AU_QMAILS]);
	mess = count("mess");
	todo = count("todo");
	printf("messages in queue: %lu\n", mess);
	printf("messages in queue but not yet preprocessed: %lu\n", todo);
	if (fflush(stdout) == EOF || ferror(stdout))
		die_temp_sys("cannot write");
	return 0;
}
