/*
 * qmail-start - starts the queue: qmail-send and its helpers, with pipes.
 *
 *   qmail-start defaultdelivery [logger [arg ...]]
 *
 * Run as root in the qmail home. It looks up the qmail users and groups
 * (conf-users, conf-groups) at run time, builds the pipes of
 * doc/INTERNALS.md ("Processes") and starts:
 *   qmail-lspawn defaultdelivery  as root
 *   qmail-rspawn                  as qmailr
 *   qmail-clean (two)             as qmailq, one for qmail-send, one for
 *                                 qmail-todo
 *   qmail-todo                    as qmails
 *   qmail-queued                  as qmailq, which leaves when its
 *                                 parent, qmail-send, does
 *   the logger, if given          as qmaill, group nofiles, reading the log
 * and then becomes qmail-send (as qmails) itself, so that a supervisor's
 * signals reach qmail-send. Without a logger, qmail-send's log (its fd 0)
 * is qmail-start's standard output. Every child holds only its own pipe
 * ends, so each of them sees end of file when qmail-send is gone.
 * Exit: 111 when anything cannot be set up (nothing has started then,
 * except children that will see their pipes close and exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "prot.h"

/* pipe ends are kept at or above this fd, so that moving the child's ends
 * to 0..8 never overwrites one that is still needed */
#define FD_HIGH 20

struct ident {
	uid_t uid;
	gid_t gid;
};

struct fdmap {
	int target;
	int source;
};

static int
high(int fd)
{
	int h;

	if (fd >= FD_HIGH)
		return fd;
	h = fcntl(fd, F_DUPFD_CLOEXEC, FD_HIGH);
	if (h == -1)
		die_temp_sys("cannot dup a pipe");
	close(fd);
	return h;
}

static void
make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) == -1)
		die_temp_sys("cannot create a pipe");
	p[0] = high(p[0]);
	p[1] = high(p[1]);
}

static void
lookup(struct ident *id, const char *user, const char *group)
{
	gid_t pwgid;

	if (!prot_user(user, &id->uid, &pwgid))
		die_temp_sys("cannot look up user %s", user);
	if (!prot_group(group, &id->gid))
		die_temp_sys("cannot look up group %s", group);
}

/* install: moves each source fd to its target; the originals are
 * close-on-exec and disappear at exec */
static void
install(const struct fdmap *map, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (dup2(map[i].source, map[i].target) == -1)
			_exit(EXIT_TEMP);
}

static void
become(const struct ident *id)
{
	if (id != NULL && !prot_drop(id->uid, id->gid)) {
		warn_sys("cannot drop privileges");
		_exit(EXIT_TEMP);
	}
}

static void
run(char *const *argv)
{
	execv(argv[0], argv);
	warn_sys("cannot run %s", argv[0]);
	_exit(EXIT_TEMP);
}

static char *
program(const char *name)
{
	size_t n = strlen(auto_qmail) + strlen(name) + 6;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/bin/%s", auto_qmail, name);
	return p;
}

static void
start(const struct ident *id, const struct fdmap *map, size_t n,
      char *const *argv)
{
	switch (fork()) {
	case -1:
		die_temp_sys("cannot fork");
	case 0:
		signal(SIGPIPE, SIG_DFL);
		install(map, n);
		become(id);
		run(argv);
	default:
		break;
	}
}

int
main(int argc, char **argv)
{
	struct ident qmails, qmailq, qmailr, qmaill;
	int tolspawn[2], fromlspawn[2], torspawn[2], fromrspawn[2];
	int toclean[2], fromclean[2], totodo[2], fromtodo[2];
	int toclean2[2], fromclean2[2], logpipe[2];
	char *lspawn[3], *rspawn[2], *clean[2], *todo[2], *send[2];
	char *queued[2];

	die_init("qmail-start");
	if (argc < 2 || argv[1][0] == '\0')
		die_perm("usage: qmail-start defaultdelivery [logger arg ...]");
	if (chdir(auto_qmail) == -1)
		die_temp_sys("cannot chdir to %s", auto_qmail);
	lookup(&qmails, auto_users[AU_QMAILS], auto_groups[AG_QMAIL]);
	lookup(&qmailq, auto_users[AU_QMAILQ], auto_groups[AG_QMAIL]);
	lookup(&qmailr, auto_users[AU_QMAILR], auto_groups[AG_QMAIL]);
	lookup(&qmaill, auto_users[AU_QMAILL], auto_groups[AG_NOFILES]);

	lspawn[0] = program("qmail-lspawn");
	lspawn[1] = argv[1];
	lspawn[2] = NULL;
	rspawn[0] = program("qmail-rspawn");
	clean[0] = program("qmail-clean");
	todo[0] = program("qmail-todo");
	send[0] = program("qmail-send");
	queued[0] = program("qmail-queued");
	rspawn[1] = clean[1] = todo[1] = send[1] = queued[1] = NULL;

	/* the log: a logger reads a pipe; else qmail-start's stdout */
	if (argc > 2) {
		make_pipe(logpipe);
		switch (fork()) {
		case -1:
			die_temp_sys("cannot fork");
		case 0: {
			struct fdmap m[] = {{0, logpipe[0]}};
			install(m, 1);
			become(&qmaill);
			execvp(argv[2], argv + 2);
			warn_sys("cannot run logger %s", argv[2]);
			_exit(EXIT_TEMP);
		}
		default:
			break;
		}
		close(logpipe[0]);
	} else {
		logpipe[1] = fcntl(1, F_DUPFD_CLOEXEC, FD_HIGH);
		if (logpipe[1] == -1)
			die_temp_sys("cannot dup standard output");
	}

	make_pipe(tolspawn);
	make_pipe(fromlspawn);
	make_pipe(torspawn);
	make_pipe(fromrspawn);
	make_pipe(toclean);
	make_pipe(fromclean);
	make_pipe(totodo);
	make_pipe(fromtodo);
	make_pipe(toclean2);
	make_pipe(fromclean2);

	{
		struct fdmap m[] = {{0, tolspawn[0]}, {1, fromlspawn[1]}};
		start(NULL, m, 2, lspawn);
	}
	{
		struct fdmap m[] = {{0, torspawn[0]}, {1, fromrspawn[1]}};
		start(&qmailr, m, 2, rspawn);
	}
	{
		struct fdmap m[] = {{0, toclean[0]}, {1, fromclean[1]}};
		start(&qmailq, m, 2, clean);
	}
	{
		struct fdmap m[] = {{0, toclean2[0]}, {1, fromclean2[1]}};
		start(&qmailq, m, 2, clean);
	}
	{
		struct fdmap m[] = {{5, toclean2[1]},
				    {6, fromclean2[0]},
				    {7, totodo[0]},
				    {8, fromtodo[1]}};
		start(&qmails, m, 4, todo);
	}
	start(&qmailq, NULL, 0, queued);
	{
		struct fdmap m[] = {
		    {0, logpipe[1]},   {1, tolspawn[1]},   {2, fromlspawn[0]},
		    {3, torspawn[1]},  {4, fromrspawn[0]}, {5, toclean[1]},
		    {6, fromclean[0]}, {7, totodo[1]},     {8, fromtodo[0]}};
		/* qmail-send's errors have no stderr of their own: fd 2 is a
		 * pipe; it reports everything through its log */
		install(m, 9);
		if (!prot_drop(qmails.uid, qmails.gid)) {
			dprintf(0,
				"alert: cannot start: unable to drop "
				"privileges: %s\n",
				strerror(errno));
			return EXIT_TEMP;
		}
		execv(send[0], send);
		/* fd 2 is a pipe now: the log is the only place to complain */
		dprintf(0, "alert: cannot start: unable to run %s: %s\n",
			send[0], strerror(errno));
	}
	return EXIT_TEMP;
}
