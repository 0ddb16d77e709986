/*
 * keep.c - qmail-lspawn's kept delivery processes. See keep.h and
 * doc/INTERNALS.md ("Kept delivery processes").
 *
 * The root side keeps a small table; it forks a kept process only from
 * keep_start and lets one go by closing its socket (the process reads end
 * of file and leaves; the spawner's waitpid(-1) reaps it). The kept side,
 * serve, becomes the user before it reads its first job and holds nothing
 * of qmail-lspawn but its socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdpass.h"
#include "iobuf.h"
#include "keep.h"
#include "local.h"
#include "monotonic.h"
#include "prot.h"
#include "qlx.h"
#include "spawner.h"
#include "strbuf.h"

#define JOB_FIELDS 5 /* local, dash, ext, domain, sender */
#define JOB_MAX    (JOB_FIELDS * (SPAWN_FIELD_MAX + 1))
#define DEAD       SIGKILL /* the wait status of a process that died */

static bool
same_identity(const struct keeper *k, const struct users_entry *u)
{
	return k->uid == u->uid && k->gid == u->gid &&
	       strcmp(k->user, u->user) == 0 && strcmp(k->home, u->home) == 0;
}

/* let_go: closes K's socket; the process leaves at end of file */
static void
let_go(struct keeper *k)
{
	if (k->sock != -1)
		close(k->sock);
	free(k->user);
	free(k->home);
	memset(k, 0, sizeof *k);
	k->sock = -1;
}

/* quiet: an idle process has said nothing and not hung up since its
 * last answer */
static bool
quiet(const struct keeper *k)
{
	struct pollfd pfd = {k->sock, POLLIN, 0};

	return poll(&pfd, 1, 0) == 0;
}

int
keep_become(uid_t uid, gid_t gid, const char *home)
{
	if (uid == 0)
		return QLX_ROOT;
	if (*home != '/')
		return QLX_USAGE;
	if (!prot_drop(uid, gid))
		return QLX_USAGE;
	if (getuid() == 0 || geteuid() == 0)
		return QLX_ROOT;
	umask(077); /* what bin/qmail-local's main does first */
	return 0;
}

/* serve: the kept process; never returns */
static _Noreturn void
serve(const struct keep_pool *p, const struct users_entry *u, int sock)
{
	const char *field[JOB_FIELDS];
	struct strbuf out = STRBUF_INIT;
	struct local_args a;
	char buf[JOB_MAX];
	unsigned char c;
	unsigned uses, i;
	int fds[2], null, code;
	size_t count, pos;
	bool cut;
	ssize_t n;

	/* qmail-lspawn's 0, 1 and 2 are qmail-send's pipes, its other
	 * descriptors the other deliveries': none of them stays (the
	 * spawner's own pipe goes in spawn_child_setup) */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null == -1 || !spawn_child_setup(null, null))
		_exit(QLX_SYS);
	spawn_close_others_except(sock);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null == -1)
		_exit(QLX_SYS);
	if ((code = keep_become(u->uid, u->gid, u->home)) != 0)
		_exit(code);
	a = p->base;
	a.user = u->user;
	a.home = u->home;
	for (uses = 0; uses < KEEP_USES; uses++) {
		n = fdpass_recv(sock, buf, sizeof buf, fds, 2, &count, &cut, 0);
		if (n <= 0)
			_exit(0); /* let go */
		if (cut || count != 2)
			_exit(QLX_BUG);
		for (i = 0, pos = 0; i < JOB_FIELDS; i++) {
			const char *nul = memchr(buf + pos, '\0', (size_t)n - pos);

			if (nul == NULL)
				_exit(QLX_BUG);
			field[i] = buf + pos;
			pos = (size_t)(nul - buf) + 1;
		}
		if (pos != (size_t)n || !spawn_child_setup(fds[0], fds[1]))
			_exit(QLX_BUG);
		close(fds[0]);
		close(fds[1]);
		signal(SIGPIPE, SIG_IGN);
		a.local = field[0];
		a.dash = field[1];
		a.ext = field[2];
		a.host = field[3];
		a.sender = field[4];
		out.len = 0;
		code = local_deliver(&a, &out);
		if (out.len > 0 && !fd_write_all(1, out.data, out.len) &&
		    (code == 0 || code == QLX_UNSYNCED))
			code = 111;
		/* the message and the pipe go before the answer; nothing of
		 * this delivery stays, not even the home directory */
		if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
		    dup2(null, 2) == -1 || chdir("/") == -1)
			_exit(QLX_SYS);
		c = (unsigned char)code;
		if (write(sock, &c, 1) != 1)
			_exit(0);
	}
	_exit(0);
}

/* begin: forks a kept process for J's identity into the free entry K */
static bool
begin(struct keep_pool *p, struct keeper *k, const struct users_entry *u)
{
	int sv[2];
	pid_t pid;

	k->user = strdup(u->user);
	k->home = strdup(u->home);
	if (k->user == NULL || k->home == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		let_go(k);
		return false;
	}
	pid = fork();
	if (pid == -1) {
		close(sv[0]);
		close(sv[1]);
		let_go(k);
		return false;
	}
	if (pid == 0)
		serve(p, u, sv[1]);
	close(sv[1]);
	k->pid = pid;
	k->sock = sv[0];
	k->uid = u->uid;
	k->gid = u->gid;
	k->busy = false;
	k->uses = 0;
	return true;
}

static bool
send_job(struct keeper *k, const char *const field[JOB_FIELDS], int msgfd,
	 int outfd)
{
	char buf[JOB_MAX];
	int fds[2] = {msgfd, outfd};
	size_t len = 0, l;
	unsigned i;

	for (i = 0; i < JOB_FIELDS; i++) {
		l = strlen(field[i]);
		if (l > SPAWN_FIELD_MAX || len + l + 1 > sizeof buf)
			return false;
		memcpy(buf + len, field[i], l + 1);
		len += l + 1;
	}
	return fdpass_sendf(k->sock, buf, len, fds, 2, MSG_DONTWAIT) ==
	       (ssize_t)len;
}

int
keep_start(struct keep_pool *p, const struct users_entry *u,
	   const char *local, const char *domain, const char *sender,
	   int msgfd, int outfd)
{
	const char *const field[JOB_FIELDS] = {local, u->dash, u->ext, domain,
					       sender};
	struct keeper *k = NULL, *spare = NULL, *oldest = NULL, *e;
	unsigned i;

	for (i = 0; i < KEEP_MAX; i++) {
		e = &p->k[i];
		if (e->pid == 0) {
			if (spare == NULL)
				spare = e;
		} else if (e->busy) {
			continue;
		} else if (k == NULL && same_identity(e, u)) {
			k = e;
		} else if (oldest == NULL ||
			   e->idle_since < oldest->idle_since) {
			oldest = e;
		}
	}
	if (k != NULL && !quiet(k)) {
		let_go(k);
		spare = k;
		k = NULL;
	}
	if (k == NULL) {
		if (spare == NULL && oldest != NULL) {
			let_go(oldest);
			spare = oldest;
		}
		if (spare == NULL || !begin(p, spare, u))
			return -1;
		k = spare;
	}
	if (!send_job(k, field, msgfd, outfd)) {
		let_go(k);
		return -1;
	}
	k->busy = true;
	return k->sock;
}

int
keep_done(struct keep_pool *p, int sock)
{
	struct keeper *k = NULL;
	unsigned char c[2];
	unsigned i;
	ssize_t r;

	for (i = 0; i < KEEP_MAX; i++)
		if (p->k[i].pid != 0 && p->k[i].sock == sock && p->k[i].busy)
			k = &p->k[i];
	if (k == NULL)
		return DEAD;
	do
		r = recv(sock, c, sizeof c, MSG_DONTWAIT);
	while (r == -1 && errno == EINTR);
	if (r != 1) {
		let_go(k);
		return DEAD;
	}
	k->busy = false;
	k->idle_since = monotonic_ms();
	if (++k->uses >= KEEP_USES)
		let_go(k);
	return c[0] << 8; /* an exit status, as wait() reports it */
}

int
keep_tick(struct keep_pool *p)
{
	long long now = monotonic_ms(), left, next = -1;
	unsigned i;

	for (i = 0; i < KEEP_MAX; i++) {
		struct keeper *k = &p->k[i];

		if (k->pid == 0 || k->busy)
			continue;
		left = k->idle_since + KEEP_IDLE_MS - now;
		if (left <= 0) {
			let_go(k);
			continue;
		}
		if (next == -1 || left < next)
			next = left;
	}
	return next > 60000 ? 60000 : (int)next;
}
