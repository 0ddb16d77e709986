/*
 * qmail-lspawn - runs local deliveries for qmail-send (qmail-lspawn(8)).
 *
 *   qmail-lspawn defaultdelivery
 *
 * Speaks the spawner protocol of doc/INTERNALS.md on fds 0 and 1 (see
 * spawner.h). For each recipient local@domain it finds the controlling user
 * in users/cdb (qmail-users(5)) or, failing that, with qmail-getpw's code
 * run as qmailp in its passwd helper (a bounded wait here; the delivery
 * child looks again when that gave no answer), then runs qmail-local's
 * delivery code as that user, never as root, in the forked delivery child: no exec
 * on the way (doc/INTERNALS.md, "Spawner to delivery program"). When the
 * user's home has no .qmail file for an extension address, the delivery is
 * retried as the alias user with the whole local part as extension (seed
 * 002; qmail-local -a exits QLX_NOMAILBOX for that). A delivery whose user
 * the root side can name at once, with no such retry possible, goes to a
 * kept process of that user instead of a new child (keep.h). Runs as root.
 * Exit: 0 after EOF on fd 0, 111 on a protocol or system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auto.h"
#include "cdbx.h"
#include "die.h"
#include "durable.h"
#include "getpw.h"
#include "iobuf.h"
#include "keep.h"
#include "local.h"
#include "monotonic.h"
#include "prot.h"
#include "pwhelper.h"
#include "qlx.h"
#include "spawner.h"
#include "strbuf.h"
#include "users.h"

#define GETPW_OUTPUT_MAX 4096
#define QUICK_WAIT_MS    200   /* the root side's wait for the helper */
#define QUICK_OFF_MS     60000 /* and its pause after no answer */

struct lspawn {
	uid_t qmailp_uid;
	gid_t nofiles_gid;
	int pwsock; /* the passwd helper (pwhelper.h), or -1 */
	char *userscdb;             /* auto_qmail/users/cdb */
	long long quick_off_until; /* monotonic ms: no quick lookups */
	struct keep_pool pool; /* kept delivery processes (keep.h), and in
				  pool.base what every delivery shares */
};

/* say: writes a line to the delivery's output (the reply text) */
static void
say(const char *fmt, const char *arg)
{
	dprintf(1, fmt, arg);
}

static char *
qmail_path(const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	if (!strbuf_appends(&sb, auto_qmail) || !strbuf_appendc(&sb, '/') ||
	    !strbuf_appends(&sb, rel))
		_exit(QLX_NOMEM);
	return sb.data;
}

/* cdb_lookup: users/cdb's answer for LOCAL; USERS_NOTFOUND also when
 * there is no users/cdb; on USERS_ERROR, *WHY says which step failed */
static enum users_status
cdb_lookup(const struct lspawn *ls, const char *local, struct users_entry *e,
	   const char **why)
{
	enum users_status st;
	struct cdbx *db;

	*why = "Unable to open users/cdb: %s.\n";
	db = cdbx_open(ls->userscdb);
	if (db == NULL)
		return errno == ENOENT ? USERS_NOTFOUND : USERS_ERROR;
	st = users_lookup(db, local, e);
	cdbx_close(db);
	*why = "users/cdb is unreadable or corrupt: %s.\n";
	return st;
}

/* lookup_cdb: users/cdb in the delivery child; true when found, exits on
 * a file that cannot be read */
static bool
lookup_cdb(const struct lspawn *ls, const char *local, struct users_entry *e)
{
	const char *why;

	switch (cdb_lookup(ls, local, e, &why)) {
	case USERS_FOUND:
		return true;
	case USERS_NOTFOUND:
		return false;
	case USERS_ERROR:
		break;
	}
	say(why, strerror(errno));
	_exit(QLX_CDB);
}

/* finish_getpw: ends the delivery child after a failed passwd lookup with
 * CODE, as qmail-lspawn treated qmail-getpw's exit codes */
static _Noreturn void
finish_getpw(int code)
{
	switch (code) {
	case QLX_NFS:
	case QLX_NOALIAS:
	case QLX_NOMEM:
	case QLX_USAGE:
		_exit(code);
	default:
		_exit(QLX_SYS);
	}
}

/* lookup_getpw: the passwd lookup of qmail-getpw(8), as qmailp:nofiles as
 * qmail-getpw ran, minus its exec: asked of the long-lived helper
 * (pwhelper.h), or, when that cannot answer, in a forked child; exits on
 * failure. The six fields come back over a pipe either way, and the root
 * side parses them strictly, as it parsed qmail-getpw's output. */
static void
lookup_getpw(const struct lspawn *ls, const char *local, struct users_entry *e)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	char buf[512];
	int pi[2], wstat, code;
	ssize_t r;
	pid_t pid;

	switch (pwhelper_lookup(ls->pwsock, local, PWHELPER_TIMEOUT, &code,
				&out)) {
	case PWHELPER_ANSWERED:
		if (code != 0) {
			if (out.len > 0)
				say("qmail-getpw: %s\n", out.data);
			finish_getpw(code);
		}
		goto decode;
	case PWHELPER_STUCK:
		say("qmail-getpw: %s\n", "no answer from the passwd helper");
		finish_getpw(QLX_NFS); /* temporary: a stuck lookup */
	case PWHELPER_UNUSABLE:
		break;
	}
	if (pipe(pi) == -1)
		_exit(QLX_SYS);
	pid = fork();
	if (pid == -1)
		_exit(QLX_SYS);
	if (pid == 0) {
		/* as qmail-getpw had it: the pipe on fd 1, errors on fd 2 */
		close(pi[0]);
		if (dup2(pi[1], 1) == -1)
			_exit(QLX_SYS);
		close(pi[1]);
		if (!prot_drop(ls->qmailp_uid, ls->nofiles_gid))
			_exit(QLX_USAGE);
		code = getpw_lookup(local, &out, &why);
		if (code != 0) {
			/* the text ends up in the delivery's report */
			if (why.len > 0)
				dprintf(2, "qmail-getpw: %s\n", why.data);
			_exit(code);
		}
		_exit(fd_write_all(1, out.data, out.len) ? 0 : QLX_SYS);
	}
	close(pi[1]);
	for (;;) {
		r = read(pi[0], buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out.len + (size_t)r > GETPW_OUTPUT_MAX)
			break;
		if (!strbuf_append(&out, buf, (size_t)r))
			_exit(QLX_NOMEM);
	}
	close(pi[0]);
	while (waitpid(pid, &wstat, 0) == -1)
		if (errno != EINTR)
			_exit(QLX_SYS);
	if (!WIFEXITED(wstat))
		_exit(QLX_SYS);
	if ((code = WEXITSTATUS(wstat)) != 0)
		finish_getpw(code);
decode:
	if (!users_decode(e, out.data ? out.data : "", out.len))
		_exit(QLX_USAGE);
	strbuf_free(&out);
}

/* run_local: becomes UID:GID and runs qmail-local's delivery code in this
 * process; never returns. The privilege boundary is the same as when
 * qmail-lspawn exec'd qmail-local: prot_drop first, then the checks that
 * no root identity is left, and only then the user's files are read. */
static _Noreturn void
run_local(const struct lspawn *ls, const char *user, uid_t uid, gid_t gid,
	  const char *home, const char *local, const char *dash,
	  const char *ext, const char *domain, const char *sender,
	  bool fallback)
{
	struct strbuf out = STRBUF_INIT;
	struct local_args a = ls->pool.base;
	int code;

	spawn_close_others();
	if ((code = keep_become(uid, gid, home)) != 0)
		_exit(code);
	signal(SIGPIPE, SIG_IGN); /* as bin/qmail-local's main */
	a.alias_fallback = fallback;
	a.user = user;
	a.home = home;
	a.local = local;
	a.dash = dash;
	a.ext = ext;
	a.host = domain;
	a.sender = sender;
	code = local_deliver(&a, &out);
	if (out.len > 0 && !fd_write_all(1, out.data, out.len) &&
	    (code == 0 || code == QLX_UNSYNCED))
		code = 111;
	_exit(code);
}

/* deliver: the delivery child, still root; returns its exit code. KNOWN
 * is the root side's own answer for the user (quick_lookup), or NULL:
 * look it up here. */
static int
deliver(const struct lspawn *ls, const struct spawn_request *req,
	const struct users_entry *known)
{
	struct users_entry e = USERS_ENTRY_INIT;
	const char *at, *domain;
	char *local, *home;
	uid_t uid;
	gid_t gid;
	int wstat;
	pid_t pid;

	at = strrchr(req->recipient, '@');
	if (at == NULL)
		return QLX_USAGE; /* spawner.c refused it already */
	domain = at + 1;
	local = strndup(req->recipient, (size_t)(at - req->recipient));
	if (local == NULL)
		return QLX_NOMEM;
	if (*local == '\0')
		return 0; /* qmail: <@domain> is delivered to nowhere */
	if (chdir(auto_qmail) == -1)
		return QLX_SYS;
	if (known != NULL)
		e = *known; /* this child's copy: never freed */
	else if (!lookup_cdb(ls, local, &e))
		lookup_getpw(ls, local, &e);
	/* an extension without a .qmail file may belong to the alias user;
	 * plain users and the alias user itself need no second try */
	if (*e.dash == '\0' || strcmp(e.user, auto_users[AU_ALIAS]) == 0)
		run_local(ls, e.user, e.uid, e.gid, e.home, local, e.dash,
			  e.ext, domain, req->sender, false);
	pid = fork();
	if (pid == -1)
		return QLX_SYS;
	if (pid == 0)
		run_local(ls, e.user, e.uid, e.gid, e.home, local, e.dash,
			  e.ext, domain, req->sender, true);
	while (waitpid(pid, &wstat, 0) == -1)
		if (errno != EINTR)
			return QLX_SYS;
	if (!WIFEXITED(wstat)) {
		say("%s", "Aack, qmail-local crashed. (#4.3.0)\n");
		return 111;
	}
	if (WEXITSTATUS(wstat) != QLX_NOMAILBOX)
		return WEXITSTATUS(wstat);
	if (!prot_user(auto_users[AU_ALIAS], &uid, &gid))
		return errno == ENOENT ? QLX_NOALIAS : QLX_SYS;
	home = qmail_path("alias");
	run_local(ls, auto_users[AU_ALIAS], uid, gid, home, local, "-", local,
		  domain, req->sender, false);
}

/* quick_lookup: the root side's own lookup: users/cdb, then the passwd
 * helper, waiting at most QUICK_WAIT_MS and never for a full socket; true
 * only for a clean answer. Anything else is left to the delivery child,
 * which looks again and reports as it always did. */
static bool
quick_lookup(struct lspawn *ls, const char *local, struct users_entry *e)
{
	struct strbuf out = STRBUF_INIT;
	const char *why;
	bool ok = false;
	int code;

	switch (cdb_lookup(ls, local, e, &why)) {
	case USERS_FOUND:
		return true;
	case USERS_ERROR:
		return false;
	case USERS_NOTFOUND:
		break;
	}
	if (ls->pwsock == -1 || monotonic_ms() < ls->quick_off_until)
		return false;
	switch (pwhelper_ask(ls->pwsock, local, QUICK_WAIT_MS, true, &code,
			     &out)) {
	case PWHELPER_ANSWERED:
		ok = code == 0 &&
		     users_decode(e, out.data ? out.data : "", out.len);
		break;
	case PWHELPER_STUCK: /* the children wait for it, not the spawner */
		ls->quick_off_until = monotonic_ms() + QUICK_OFF_MS;
		break;
	case PWHELPER_UNUSABLE:
		break;
	}
	strbuf_free(&out);
	return ok;
}

/* start: the user is looked up once, here; a delivery that can go to a
 * kept process (keep.h) goes there: the user is known and no alias
 * fallback can follow (no extension, or the alias user's). Every other
 * one runs in a child, which gets the answer (or looks itself when
 * there was none). */
static pid_t
start(void *ctx, const struct spawn_request *req, int msgfd, int outfd,
      int *donefd)
{
	struct users_entry e = USERS_ENTRY_INIT;
	struct lspawn *ls = ctx;
	const char *at = strrchr(req->recipient, '@');
	char *local = NULL;
	bool known = false;
	pid_t pid = 0;

	*donefd = -1;
	if (at != NULL && at != req->recipient &&
	    (local = strndup(req->recipient, (size_t)(at - req->recipient))))
		known = quick_lookup(ls, local, &e);
	if (known && e.uid != 0 && *e.home == '/' &&
	    (*e.dash == '\0' || strcmp(e.user, auto_users[AU_ALIAS]) == 0))
		*donefd = keep_start(&ls->pool, &e, local, at + 1, req->sender,
				     msgfd, outfd);
	if (*donefd == -1)
		pid = fork();
	if (pid == 0 && *donefd == -1) {
		if (!spawn_child_setup(msgfd, outfd))
			_exit(QLX_SYS);
		spawn_close_others_except(ls->pwsock);
		_exit(deliver(ls, req, known ? &e : NULL));
	}
	users_entry_free(&e);
	free(local);
	return pid;
}

static int
done(void *ctx, int donefd)
{
	return kept_done(&((struct lspawn *)ctx)->pool.kept, donefd);
}

static int
tick(void *ctx)
{
	return kept_tick(&((struct lspawn *)ctx)->pool.kept);
}

static bool
report(void *ctx, int wstat, const char *output, size_t len, bool truncated,
       struct strbuf *reply)
{
	const char *text = NULL;
	char status = 'Z';

	(void)ctx;
	if (!WIFEXITED(wstat)) {
		text = "qmail-local crashed.\n";
	} else {
		switch (WEXITSTATUS(wstat)) {
		case 0:
			status = 'K';
			break;
		case QLX_UNSYNCED:
			status = 'k'; /* success once qmail-send's barrier is
					 done (doc/INTERNALS.md) */
			break;
		case 100:
			status = 'D';
			break;
		case QLX_CDB:
			text = "Trouble reading users/cdb in qmail-lspawn.\n";
			break;
		case QLX_NOMEM:
			text = "Out of memory in qmail-lspawn.\n";
			break;
		case QLX_SYS:
			text = "Temporary failure in qmail-lspawn.\n";
			break;
		case QLX_NOALIAS:
			text = "Unable to find alias user!\n";
			break;
		case QLX_ROOT:
			text = "Not allowed to perform deliveries as root.\n";
			break;
		case QLX_USAGE:
		case QLX_BUG:
		case QLX_NOMAILBOX:
			text = "Internal qmail-lspawn bug.\n";
			break;
		case QLX_NFS:
			text = "NFS failure in qmail-local.\n";
			break;
		default:
			break; /* 111 and anything else: temporary */
		}
	}
	if (!strbuf_appendc(reply, status))
		return false;
	if (text != NULL && !strbuf_appends(reply, text))
		return false;
	if (!strbuf_append(reply, output, len))
		return false;
	spawn_finish_text(reply, truncated);
	return true;
}

int
main(int argc, char **argv)
{
	static const struct spawn_ops ops = {start, report, "qmail-lspawn", done,
					     tick};
	struct lspawn ls;
	struct stat sb;
	gid_t pwgid;
	int qfd;

	die_init("qmail-lspawn");
	if (argc != 2 || argv[1][0] == '\0')
		die_perm("usage: qmail-lspawn defaultdelivery");
	spawn_std_fds();
	memset(&ls, 0, sizeof ls);
	keep_init(&ls.pool);
	ls.pool.base.doit = true;
	ls.pool.base.defaultdelivery = argv[1];
	ls.pool.base.msgfd = 0;
	if (!prot_user(auto_users[AU_QMAILP], &ls.qmailp_uid, &pwgid))
		die_temp_sys("unable to find user %s", auto_users[AU_QMAILP]);
	if (!prot_group(auto_groups[AG_NOFILES], &ls.nofiles_gid))
		die_temp_sys("unable to find group %s",
			     auto_groups[AG_NOFILES]);
	if (chdir(auto_queue) == -1)
		die_temp_sys("unable to chdir to %s", auto_queue);
	/* the delivery processes inherit durable.c's answer for the queue's
	 * file system, so they need not work it out again; Maildirs there
	 * leave new/ to qmail-send's barrier (local.h) */
	qfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ls.pool.base.sync_later = qfd != -1 && fstat(qfd, &sb) == 0 &&
				  durable_kind(qfd) != DURABLE_FSYNC &&
				  durable_barrier_reports_errors();
	ls.pool.base.sync_dev = ls.pool.base.sync_later ? sb.st_dev : 0;
	if (qfd != -1)
		close(qfd);
	/* no helper: every lookup forks, as before */
	ls.pwsock = pwhelper_start(ls.qmailp_uid, ls.nofiles_gid);
	ls.userscdb = qmail_path("users/cdb");
	/* the delivery children need not read the time zone each: gmtime
	 * reads it on first use (the mbox From_ line) */
	tzset();
	if (spawn_run(&ops, &ls, spawn_ceiling(), 0, 1) != 0)
		return EXIT_TEMP;
	return 0;
}
