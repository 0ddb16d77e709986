/*
 * kept.c - a spawner's kept processes. See kept.h and doc/INTERNALS.md
 * ("Kept delivery processes").
 *
 * The spawner's side keeps a small table; it forks a worker only from
 * kept_start and lets one go by closing its socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "kept.h"
#include "monotonic.h"
#include "spawner.h"

#define JOB_MAX (KEPT_FIELDS * (SPAWN_FIELD_MAX + 1))
#define DEAD	SIGKILL /* the wait status of a worker that died */

void
kept_init(struct kept_pool *p, unsigned max, unsigned uses, long long idle_ms,
	  void (*serve)(void *, const void *, int), void *ctx)
{
	unsigned i;

	memset(p, 0, sizeof *p);
	for (i = 0; i < KEPT_MAX; i++)
		p->k[i].sock = -1;
	p->max = max > KEPT_MAX ? KEPT_MAX : max;
	p->uses = uses;
	p->idle_ms = idle_ms;
	p->serve = serve;
	p->ctx = ctx;
}

/* let_go: closes K's socket; the worker leaves at end of file */
static void
let_go(struct kept *k)
{
	if (k->sock != -1)
		close(k->sock);
	free(k->key);
	memset(k, 0, sizeof *k);
	k->sock = -1;
}

/* quiet: an idle worker has said nothing and not hung up since its last
 * answer */
static bool
quiet(const struct kept *k)
{
	struct pollfd pfd = {k->sock, POLLIN, 0};

	return poll(&pfd, 1, 0) == 0;
}

/* begin: forks a worker for KEY into the free entry K */
static bool
begin(struct kept_pool *p, struct kept *k, const void *key, size_t keylen,
      const void *arg)
{
	int sv[2];
	pid_t pid;

	if ((k->key = malloc(keylen + 1)) == NULL)
		return false;
	memcpy(k->key, key, keylen);
	k->keylen = keylen;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
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
	if (pid == 0) {
		close(sv[0]);
		p->serve(p->ctx, arg, sv[1]);
		_exit(111); /* serve must not return */
	}
	close(sv[1]);
	k->pid = pid;
	k->sock = sv[0];
	k->busy = false;
	k->uses = 0;
	return true;
}

static bool
send_job(struct kept *k, const char *const *field, unsigned nfield,
	 int msgfd, int outfd)
{
	char buf[JOB_MAX];
	int fds[2] = {msgfd, outfd};
	size_t len = 0, l;
	unsigned i;

	if (nfield > KEPT_FIELDS)
		return false;
	for (i = 0; i < nfield; i++) {
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
kept_start(struct kept_pool *p, const void *key, size_t keylen,
	   const void *arg, const char *const *field, unsigned nfield,
	   int msgfd, int outfd)
{
	struct kept *k = NULL, *spare = NULL, *oldest = NULL, *e;
	unsigned i;

	for (i = 0; i < p->max; i++) {
		e = &p->k[i];
		if (e->pid == 0) {
			if (spare == NULL)
				spare = e;
		} else if (e->busy) {
			continue;
		} else if (k == NULL && e->keylen == keylen &&
			   memcmp(e->key, key, keylen) == 0) {
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
		if (spare == NULL || !begin(p, spare, key, keylen, arg))
			return -1;
		k = spare;
	}
	if (!send_job(k, field, nfield, msgfd, outfd)) {
		let_go(k);
		return -1;
	}
	k->busy = true;
	return k->sock;
}

int
kept_done(struct kept_pool *p, int sock)
{
	struct kept *k = NULL;
	unsigned char c[2];
	unsigned i;
	ssize_t r;

	for (i = 0; i < p->max; i++)
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
	if (++k->uses >= p->uses)
		let_go(k);
	return c[0] << 8; /* an exit status, as wait() reports it */
}

int
kept_tick(struct kept_pool *p)
{
	long long now = monotonic_ms(), left, next = -1;
	unsigned i;

	for (i = 0; i < p->max; i++) {
		struct kept *k = &p->k[i];

		if (k->pid == 0 || k->busy)
			continue;
		left = k->idle_since + p->idle_ms - now;
		if (left <= 0) {
			let_go(k);
			continue;
		}
		if (next == -1 || left < next)
			next = left;
	}
	return next > 60000 ? 60000 : (int)next;
}

bool
kept_worker_init(struct kept_worker *w, int sock)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* the spawner's 0, 1 and 2 are qmail-send's pipes, its other
	 * descriptors the other deliveries' (the spawner's own pipe goes in
	 * spawn_child_setup) */
	if (null == -1 || !spawn_child_setup(null, null))
		return false;
	spawn_close_others_except(sock);
	signal(SIGPIPE, SIG_IGN);
	w->sock = sock;
	w->null = open("/dev/null", O_RDWR | O_CLOEXEC);
	return w->null != -1;
}

int
kept_job(struct kept_worker *w, char *buf, size_t cap, const char **field,
	 unsigned nfield)
{
	size_t count, pos, i;
	int fds[2];
	bool cut;
	ssize_t n;

	n = fdpass_recv(w->sock, buf, cap, fds, 2, &count, &cut, 0);
	if (n <= 0) {
		for (i = 0; i < count && i < 2; i++)
			close(fds[i]);
		return 0;
	}
	if (cut || count != 2)
		goto bad;
	for (i = 0, pos = 0; i < nfield; i++) {
		const char *nul = memchr(buf + pos, '\0', (size_t)n - pos);

		if (nul == NULL)
			goto bad;
		field[i] = buf + pos;
		pos = (size_t)(nul - buf) + 1;
	}
	/* both are >= 3 (0, 1 and 2 are open): no dup2 clobbers the other */
	if (pos != (size_t)n || dup2(fds[0], 0) == -1 || dup2(fds[1], 1) == -1 ||
	    dup2(1, 2) == -1)
		goto bad;
	close(fds[0]);
	close(fds[1]);
	return 1;
bad:
	for (i = 0; i < count && i < 2; i++)
		close(fds[i]);
	return -1;
}

bool
kept_answer(struct kept_worker *w, int code)
{
	unsigned char c = (unsigned char)code;

	if (dup2(w->null, 0) == -1 || dup2(w->null, 1) == -1 ||
	    dup2(w->null, 2) == -1)
		return false;
	return write(w->sock, &c, 1) == 1;
}
