/*
 * qmail-rspawn - runs remote deliveries for qmail-send (qmail-rspawn(8)).
 *
 *   qmail-rspawn
 *
 * Speaks the spawner protocol of doc/INTERNALS.md on fds 0 and 1 (see
 * spawner.h). For each request it runs `qmail-remote host sender recipient`
 * with the message on fd 0: qmail-remote's code (linked in) in a process
 * it keeps for the recipients' domain and the sender's (kept.h,
 * remote_serve: the SMTP session stays open between deliveries), in a
 * forked child when all of those are busy (remote_main; both without an
 * exec, doc/PERFORMANCE.md "Relay without exec"), or the program
 * $QMAILREMOTE names. It folds the report
 * (qmail-remote(8): one r/h/s report per recipient, then K/Z/D for the
 * message, each ending in \0) into one reply, as qmail's qmail-rspawn
 * does. When qmail-remote cannot be run,
 * crashes, exits non-zero or says nothing parseable, the reply is Z: a
 * broken installation must never bounce mail. Runs as qmailr.
 * Exit: 0 after EOF on fd 0, 111 on a protocol or system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "kept.h"
#include "qmail-remote/remote.h"
#include "spawner.h"
#include "strbuf.h"

#define KEPT_REMOTE	     32	   /* kept processes at once */
#define KEPT_REMOTE_IDLE_MS  2000  /* an idle one (and its session) goes */
#define KEPT_REMOTE_USES     1000  /* deliveries before one is let go */

struct rspawn {
	char *remote; /* $QMAILREMOTE, or NULL: qmail-remote's code here */
	struct kept_pool pool;
};

/* serve: a kept process (kept.h) */
static void
serve(void *ctx, const void *arg, int sock)
{
	(void)ctx;
	(void)arg;
	remote_serve(sock);
}

/* kept_key: KEY = the recipients' domain and the sender's, lower-cased;
 * a kept process checks the rest of what routes a delivery itself */
static bool
kept_key(struct strbuf *key, const struct spawn_request *req)
{
	const char *at = strrchr(req->sender, '@');

	if (!strbuf_appends(key, strrchr(req->recipient, '@') + 1) ||
	    !strbuf_append(key, "", 1) ||
	    !strbuf_appends(key, at != NULL ? at + 1 : ""))
		return false;
	strbuf_lower(key);
	return true;
}

static pid_t
start(void *ctx, const struct spawn_request *req, int msgfd, int outfd,
      int *donefd)
{
	struct rspawn *rs = ctx;
	struct strbuf key = STRBUF_INIT;
	const char *field[3];
	char *args[5];
	pid_t pid;

	*donefd = -1;
	if (rs->remote == NULL && kept_key(&key, req)) {
		field[0] = strrchr(req->recipient, '@') + 1;
		field[1] = req->sender;
		field[2] = req->recipient;
		*donefd = kept_start(&rs->pool, key.data, key.len, NULL, field,
				     3, msgfd, outfd);
	}
	strbuf_free(&key);
	if (*donefd != -1)
		return 0;
	pid = fork();
	if (pid != 0)
		return pid;
	if (!spawn_child_setup(msgfd, outfd))
		_exit(111);
	args[0] = rs->remote ? rs->remote : (char *)"qmail-remote";
	args[1] = strrchr(req->recipient, '@') + 1; /* spawner.c checked */
	args[2] = (char *)req->sender;
	args[3] = (char *)req->recipient;
	args[4] = NULL;
	if (rs->remote == NULL) {
		spawn_close_others();
		remote_main(4, args); /* ends the child */
	}
	execv(args[0], args);
	dprintf(1, "Unable to run %s: %s. (#4.3.0)", rs->remote,
		strerror(errno));
	_exit(111);
}

/* fold: qmail-rspawn's reading of qmail-remote's output S (LEN bytes,
 * NUL-terminated by the caller): the recipient report decides, and the
 * message report's text is added when it is at least as bad */
static bool
fold(const char *s, size_t len, struct strbuf *reply)
{
	int result = -2, orr; /* 1 K, 0 Z, -1 D, -2 none */
	size_t j = 0, k;

	for (k = 0; k < len; k++)
		if (s[k] == '\0') {
			if (s[j] == 'K') {
				result = 1;
				break;
			}
			if (s[j] == 'Z') {
				result = 0;
				break;
			}
			if (s[j] == 'D') {
				result = -1;
				break;
			}
			j = k + 1;
		}
	switch (s[0]) {
	case 'r':
		orr = result;
		break;
	case 's':
		orr = 0;
		break;
	case 'h':
		orr = -1;
		break;
	case 'K':
	case 'Z':
	case 'D':
		orr = result;
		break;
	default:
		orr = -2;
		break;
	}
	if (orr == -2 || (s[0] == 'r' && result == -2)) {
		/* garbage, or a recipient report with no message report */
		return strbuf_appends(reply, "Zqmail-remote produced "
					     "unparseable output. (#4.3.0)\n");
	}
	if (!strbuf_appendc(reply, orr == 1 ? 'K' : orr == 0 ? 'Z' : 'D'))
		return false;
	if (!strbuf_appends(reply, s + 1))
		return false;
	/* K/Z/D first: that one report is the whole text */
	if (s[0] == 'K' || s[0] == 'Z' || s[0] == 'D')
		return true;
	k = strlen(s) + 1;
	if (result <= orr && k < len &&
	    (s[k] == 'K' || s[k] == 'Z' || s[k] == 'D'))
		return strbuf_appends(reply, s + k + 1);
	return true;
}

static int
done(void *ctx, int donefd)
{
	return kept_done(&((struct rspawn *)ctx)->pool, donefd);
}

static int
tick(void *ctx)
{
	return kept_tick(&((struct rspawn *)ctx)->pool);
}

static bool
report(void *ctx, int wstat, const char *output, size_t len, bool truncated,
       struct strbuf *reply)
{
	(void)ctx;
	if (!WIFEXITED(wstat))
		return strbuf_appends(reply, "Zqmail-remote crashed. "
					     "(#4.3.0)\n");
	if (WEXITSTATUS(wstat) != 0) {
		/* qmail says D for codes other than 111; we never bounce
		 * because of a missing or broken qmail-remote */
		if (!strbuf_appends(reply, "ZUnable to run qmail-remote, "
					   "will retry: "))
			return false;
		if (len == 0)
			return strbuf_appends(reply, "no output. (#4.3.0)\n");
		if (!strbuf_append(reply, output, len))
			return false;
		spawn_finish_text(reply, truncated);
		return true;
	}
	if (len == 0)
		return strbuf_appends(reply, "Zqmail-remote produced no "
					     "output. (#4.3.0)\n");
	if (!fold(output, len, reply))
		return false;
	spawn_finish_text(reply, false);
	return true;
}

int
main(int argc, char **argv)
{
	static const struct spawn_ops ops = {start, report, "qmail-rspawn", done,
					     tick};
	struct rspawn rs;
	const char *env;

	(void)argv;
	die_init("qmail-rspawn");
	if (argc != 1)
		die_perm("usage: qmail-rspawn");
	spawn_std_fds();
	memset(&rs, 0, sizeof rs);
	kept_init(&rs.pool, KEPT_REMOTE, KEPT_REMOTE_USES, KEPT_REMOTE_IDLE_MS,
		  serve, NULL);
	env = getenv("QMAILREMOTE");
	if (env != NULL && *env != '\0')
		rs.remote = (char *)env;
	if (chdir(auto_queue) == -1)
		die_temp_sys("unable to chdir to %s", auto_queue);
	if (spawn_run(&ops, &rs, spawn_ceiling(), 0, 1) != 0)
		return EXIT_TEMP;
	return 0;
}
