/*
 * spawner.c - the spawner side of the qmail-send <-> spawner protocol.
 * See spawner.h and doc/INTERNALS.md.
 *
 * One process, one poll loop: the request pipe, one output pipe per
 * delivery, and a self-pipe that the SIGCHLD handler writes to. A delivery
 * is answered when its child has been reaped; whatever it wrote is in the
 * pipe by then, so the pipe is drained without blocking and closed. A
 * grandchild that keeps the pipe open cannot hold the reply back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iobuf.h"
#include "spawner.h"

struct slot {
	bool busy;
	pid_t pid;     /* 0: handed over (donefd) */
	int donefd;    /* spawn_ops.start's completion descriptor, or -1 */
	int fd; /* read end of the output pipe, -1 once closed */
	bool truncated;
	struct strbuf out;
};

struct spawner {
	const struct spawn_ops *ops;
	void *ctx;
	unsigned ceiling;
	int infd, outfd;
	struct slot *slots;
	unsigned *active; /* busy slot numbers, in no order */
	size_t nactive;
	struct strbuf in;
	bool eof;       /* no more requests */
	bool failed;    /* protocol or I/O error seen */
	bool replyfail; /* cannot write replies: stop at once */
};

static int selfpipe[2] = {-1, -1};

static void
on_sigchld(int sig)
{
	int saved = errno;
	char c = 0;
	ssize_t r;

	(void)sig;
	r = write(selfpipe[1], &c, 1); /* full pipe: a wakeup is pending */
	(void)r;
	errno = saved;
}

void
spawn_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

unsigned
spawn_ceiling(void)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;

		if (want.rlim_max == RLIM_INFINITY ||
		    want.rlim_max > SPAWN_SLOTS_MAX + 64)
			want.rlim_cur = SPAWN_SLOTS_MAX + 64;
		else
			want.rlim_cur = want.rlim_max;
		if (want.rlim_cur > rl.rlim_cur &&
		    setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = want.rlim_cur;
	}
	n = rl.rlim_cur;
	/* one pipe per delivery, plus a message file while starting one,
	 * the protocol pipes, the self-pipe and some slack */
	if (n == RLIM_INFINITY || n > SPAWN_SLOTS_MAX + 32)
		return SPAWN_SLOTS_MAX;
	if (n <= 33)
		return 1;
	return (unsigned)(n - 32);
}

int
spawn_parse(const char *buf, size_t len, struct spawn_request *req,
	    size_t *used)
{
	const char *field[3];
	size_t pos = 2, window;
	const char *nul;
	int i;

	if (len < 2)
		return 0;
	for (i = 0; i < 3; i++) {
		window = len - pos;
		if (window > SPAWN_FIELD_MAX + 1)
			window = SPAWN_FIELD_MAX + 1;
		nul = memchr(buf + pos, '\0', window);
		if (nul == NULL)
			return (len - pos > SPAWN_FIELD_MAX) ? -1 : 0;
		field[i] = buf + pos;
		pos = (size_t)(nul - buf) + 1;
	}
	req->slot =
	    ((unsigned)(unsigned char)buf[0] << 8) | (unsigned char)buf[1];
	req->message = field[0];
	req->sender = field[1];
	req->recipient = field[2];
	*used = pos;
	return 1;
}

void
spawn_finish_text(struct strbuf *reply, bool truncated)
{
	const char *nul;
	size_t textlen;

	if (reply->len == 0)
		return;
	/* the reply ends at its \0: text after a NUL cannot be sent */
	nul = memchr(reply->data + 1, '\0', reply->len - 1);
	if (nul != NULL)
		strbuf_truncate(reply, (size_t)(nul - reply->data));
	textlen = reply->len - 1;
	if (textlen > SPAWN_TEXT_MAX ||
	    (truncated && textlen > SPAWN_TEXT_MAX - 3)) {
		strbuf_truncate(reply, 1 + SPAWN_TEXT_MAX - 3);
		truncated = true;
	}
	if (truncated)
		(void)strbuf_appends(reply, "...");
}

bool
spawn_child_setup(int msgfd, int outfd)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* an ignored signal stays ignored across exec: a delivery's
	 * programs get the defaults */
	if (sigaction(SIGCHLD, &sa, NULL) == -1 ||
	    sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return false;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		return false;
	if (selfpipe[0] != -1) {
		close(selfpipe[0]);
		close(selfpipe[1]);
		selfpipe[0] = selfpipe[1] = -1;
	}
	/* the spawner keeps 0, 1 and 2 open, so MSGFD and OUTFD are >= 3
	 * and these dup2s cannot clobber each other */
	if (dup2(msgfd, 0) == -1 || dup2(outfd, 1) == -1 || dup2(1, 2) == -1)
		return false;
	return true;
}

/* close_range_from: closes FROM..TO (TO inclusive, ~0U for all) */
static void
close_range_from(unsigned from, unsigned to)
{
	long max;
	unsigned fd;

	if (from > to)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, from, to, 0U) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1L << 20)
		max = 1L << 20;
	for (fd = from; fd < (unsigned)max && fd <= to; fd++)
		close((int)fd);
}

void
spawn_close_others(void)
{
	close_range_from(3, ~0U);
}

void
spawn_close_others_except(int keep)
{
	if (keep < 3) {
		close_range_from(3, ~0U);
		return;
	}
	close_range_from(3, (unsigned)keep - 1);
	close_range_from((unsigned)keep + 1, ~0U);
}

static void
complain(struct spawner *sp, const char *what)
{
	fprintf(stderr, "%s: fatal: %s\n", sp->ops->name, what);
}

static void
complain_sys(struct spawner *sp, const char *what)
{
	fprintf(stderr, "%s: fatal: %s: %s\n", sp->ops->name, what,
		strerror(errno));
}

/* reply: writes slot, REPLY (status + text) and \0 */
static void
reply(struct spawner *sp, unsigned slot, const char *text, size_t len)
{
	struct strbuf msg = STRBUF_INIT;
	char head[2];

	if (sp->replyfail)
		return;
	head[0] = (char)(slot >> 8);
	head[1] = (char)(slot & 0xff);
	if (!strbuf_append(&msg, head, 2) || !strbuf_append(&msg, text, len) ||
	    !strbuf_appendc(&msg, '\0')) {
		complain(sp, "out of memory");
		sp->replyfail = sp->failed = true;
	} else if (!fd_write_all(sp->outfd, msg.data, msg.len)) {
		complain_sys(sp, "unable to write reply");
		sp->replyfail = sp->failed = true;
	}
	strbuf_free(&msg);
}

static void
reply_str(struct spawner *sp, unsigned slot, const char *text)
{
	reply(sp, slot, text, strlen(text));
}

/* message_name_ok: mess/S/N and nothing else */
static bool
message_name_ok(const char *name)
{
	const char *p;
	int parts = 0;

	if (strncmp(name, "mess/", 5) != 0)
		return false;
	for (p = name + 5;;) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		parts++;
		if (*p == '\0')
			return parts == 2;
		if (*p != '/' || parts == 2)
			return false;
		p++;
	}
}

static void
start(struct spawner *sp, const struct spawn_request *req)
{
	struct slot *s = &sp->slots[req->slot];
	int msgfd, pi[2], donefd = -1;
	char text[256];
	pid_t pid;

	if (!message_name_ok(req->message)) {
		reply_str(
		    sp, req->slot,
		    "ZUnable to open message file: illegal name. (#4.3.0)\n");
		return;
	}
	if (strchr(req->recipient, '@') == NULL) {
		reply_str(sp, req->slot,
			  "DSorry, address must include host name. (#5.1.3)\n");
		return;
	}
	msgfd = open(req->message, O_RDONLY | O_CLOEXEC);
	if (msgfd == -1) {
		snprintf(text, sizeof text,
			 "ZUnable to open message file: %s. (#4.3.0)\n",
			 strerror(errno));
		reply_str(sp, req->slot, text);
		return;
	}
	if (pipe2(pi, O_CLOEXEC) == -1) {
		snprintf(text, sizeof text,
			 "ZUnable to create pipe: %s. (#4.3.0)\n",
			 strerror(errno));
		close(msgfd);
		reply_str(sp, req->slot, text);
		return;
	}
	(void)fcntl(pi[0], F_SETFL, O_NONBLOCK);
	pid = sp->ops->start(sp->ctx, req, msgfd, pi[1], &donefd);
	if (pid == 0 && (donefd == -1 || sp->ops->done == NULL)) {
		pid = -1; /* a broken start: nothing would end the delivery */
		errno = EINVAL;
	}
	if (pid == -1) {
		snprintf(text, sizeof text, "ZUnable to fork: %s. (#4.3.0)\n",
			 strerror(errno));
		close(pi[0]);
	}
	close(pi[1]);
	close(msgfd);
	if (pid == -1) {
		reply_str(sp, req->slot, text);
		return;
	}
	s->busy = true;
	s->pid = pid;
	s->donefd = pid == 0 ? donefd : -1;
	s->fd = pi[0];
	s->truncated = false;
	s->out.len = 0;
	sp->active[sp->nactive++] = req->slot;
}

/* take: appends N bytes of output to S, keeping at most the limit */
static void
take(struct slot *s, const char *p, size_t n)
{
	size_t room = SPAWN_OUTPUT_MAX - s->out.len;

	if (n > room) {
		n = room;
		s->truncated = true;
	}
	if (n > 0 && !strbuf_append(&s->out, p, n))
		s->truncated = true;
}

/* drain: reads what S's pipe holds now; false at EOF or error */
static bool
drain(struct slot *s, size_t limit)
{
	char buf[4096];
	ssize_t r;
	size_t total = 0;

	while (total < limit) {
		r = read(s->fd, buf, sizeof buf);
		if (r > 0) {
			take(s, buf, (size_t)r);
			total += (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		return false;
	}
	return true;
}

static void
finish(struct spawner *sp, size_t index, int wstat)
{
	unsigned slotno = sp->active[index];
	struct slot *s = &sp->slots[slotno];
	struct strbuf text = STRBUF_INIT;

	if (s->fd != -1) {
		(void)drain(s, SPAWN_OUTPUT_MAX + 8192);
		close(s->fd);
		s->fd = -1;
	}
	(void)strbuf_terminate(&s->out);
	if (!sp->ops->report(sp->ctx, wstat, s->out.data ? s->out.data : "",
			     s->out.len, s->truncated, &text) ||
	    text.len == 0) {
		(void)strbuf_copys(&text, "ZOut of memory in spawner. "
					  "(#4.3.0)\n");
	}
	spawn_finish_text(&text, false);
	if (text.len == 0)
		reply_str(sp, slotno, "ZOut of memory in spawner. (#4.3.0)\n");
	else
		reply(sp, slotno, text.data, text.len);
	strbuf_free(&text);
	s->busy = false;
	s->pid = -1;
	s->donefd = -1;
	if (s->out.cap > 2 * SPAWN_TEXT_MAX)
		strbuf_free(&s->out);
	s->out.len = 0;
	sp->active[index] = sp->active[--sp->nactive];
}

static void
reap(struct spawner *sp)
{
	int wstat;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, &wstat, WNOHANG)) > 0) {
		for (i = 0; i < sp->nactive; i++)
			if (sp->slots[sp->active[i]].pid == pid)
				break; /* pid 0 (handed over) never matches */
		if (i < sp->nactive)
			finish(sp, i, wstat);
	}
}

static void
read_requests(struct spawner *sp)
{
	struct spawn_request req;
	char buf[4096];
	size_t used, off = 0;
	ssize_t r;
	int st;

	r = read(sp->infd, buf, sizeof buf);
	if (r == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		complain_sys(sp, "unable to read requests");
		sp->eof = sp->failed = true;
		return;
	}
	if (r == 0) {
		if (sp->in.len > 0) {
			complain(sp, "protocol error: truncated request");
			sp->failed = true;
		}
		sp->eof = true;
		return;
	}
	if (!strbuf_append(&sp->in, buf, (size_t)r)) {
		complain(sp, "out of memory");
		sp->eof = sp->failed = true;
		return;
	}
	while ((st = spawn_parse(sp->in.data + off, sp->in.len - off, &req,
				 &used)) == 1) {
		off += used;
		if (req.slot >= sp->ceiling || sp->slots[req.slot].busy) {
			complain(sp, "protocol error: bad or busy slot");
			sp->eof = sp->failed = true;
			return;
		}
		start(sp, &req);
		if (sp->replyfail)
			return;
	}
	if (st == -1) {
		complain(sp, "protocol error: request field too long");
		sp->eof = sp->failed = true;
		return;
	}
	if (off > 0) {
		memmove(sp->in.data, sp->in.data + off, sp->in.len - off);
		strbuf_truncate(&sp->in, sp->in.len - off);
	}
}

static bool
setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(selfpipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return false;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	/* qmail-send decides when a spawner ends (end of file on its
	 * requests, after the deliveries under way): a TERM to the whole
	 * process group (systemd stopping the unit) must not cut them off */
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return false;
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	return sigaction(SIGCHLD, &sa, NULL) == 0;
}

/* handed_over: finishes the handed-over deliveries whose completion
 * descriptor poll marked in PFD[BASE..N) (slot numbers in WHO) */
static void
handed_over(struct spawner *sp, const struct pollfd *pfd, const unsigned *who,
	    size_t base, size_t n)
{
	size_t i, j;

	for (i = base; i < n; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (j = 0; j < sp->nactive; j++)
			if (sp->active[j] == who[i - base])
				break;
		if (j == sp->nactive || sp->slots[who[i - base]].donefd == -1)
			continue;
		finish(sp, j,
		       sp->ops->done(sp->ctx, sp->slots[who[i - base]].donefd));
	}
}

static int
loop(struct spawner *sp)
{
	struct pollfd *pfd;
	unsigned *who;
	size_t n, i, base, dbase;
	char buf[64];
	int wait;

	pfd = calloc(2 * (size_t)sp->ceiling + 2, sizeof *pfd);
	who = calloc((size_t)sp->ceiling + 1, sizeof *who);
	if (pfd == NULL || who == NULL) {
		free(pfd);
		free(who);
		complain(sp, "out of memory");
		return -1;
	}
	while (!sp->replyfail && !(sp->eof && sp->nactive == 0)) {
		n = 0;
		pfd[n].fd = selfpipe[0];
		pfd[n++].events = POLLIN;
		if (!sp->eof) {
			pfd[n].fd = sp->infd;
			pfd[n++].events = POLLIN;
		}
		base = n;
		for (i = 0; i < sp->nactive; i++) {
			pfd[n].fd = sp->slots[sp->active[i]].fd; /* -1: skip */
			pfd[n].revents = 0;
			pfd[n++].events = POLLIN;
		}
		dbase = n;
		for (i = 0; i < sp->nactive; i++) {
			if (sp->slots[sp->active[i]].donefd == -1)
				continue;
			who[n - dbase] = sp->active[i];
			pfd[n].fd = sp->slots[sp->active[i]].donefd;
			pfd[n].revents = 0;
			pfd[n++].events = POLLIN;
		}
		wait = sp->ops->tick ? sp->ops->tick(sp->ctx) : -1;
		if (poll(pfd, n, wait) == -1) {
			if (errno == EINTR)
				continue;
			complain_sys(sp, "poll");
			sp->failed = true;
			break;
		}
		/* output first: the active list changes when deliveries
		 * end or requests start */
		for (i = base; i < dbase; i++) {
			struct slot *s = &sp->slots[sp->active[i - base]];

			if (pfd[i].fd == -1 ||
			    !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!drain(s, 65536)) {
				close(s->fd);
				s->fd = -1;
			}
		}
		handed_over(sp, pfd, who, dbase, n);
		if (pfd[0].revents & POLLIN) {
			while (read(selfpipe[0], buf, sizeof buf) > 0)
				;
			reap(sp);
		}
		if (!sp->eof && pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			read_requests(sp);
	}
	free(who);
	free(pfd);
	return sp->failed ? -1 : 0;
}

int
spawn_run(const struct spawn_ops *ops, void *ctx, unsigned ceiling, int infd,
	  int outfd)
{
	struct spawner sp;
	unsigned char head[2];
	unsigned i;
	int r;

	memset(&sp, 0, sizeof sp);
	sp.ops = ops;
	sp.ctx = ctx;
	sp.ceiling = ceiling ? ceiling : 1;
	if (sp.ceiling > SPAWN_SLOTS_MAX)
		sp.ceiling = SPAWN_SLOTS_MAX;
	sp.infd = infd;
	sp.outfd = outfd;
	if (!setup_signals()) {
		complain_sys(&sp, "unable to set up signals");
		return -1;
	}
	sp.slots = calloc(sp.ceiling, sizeof *sp.slots);
	sp.active = calloc(sp.ceiling, sizeof *sp.active);
	if (sp.slots == NULL || sp.active == NULL) {
		complain(&sp, "out of memory");
		free(sp.slots);
		free(sp.active);
		return -1;
	}
	for (i = 0; i < sp.ceiling; i++) {
		sp.slots[i].fd = -1;
		sp.slots[i].pid = -1;
		sp.slots[i].donefd = -1;
	}
	head[0] = (unsigned char)(sp.ceiling >> 8);
	head[1] = (unsigned char)(sp.ceiling & 0xff);
	if (!fd_write_all(outfd, head, 2)) {
		complain_sys(&sp, "unable to write the ceiling");
		r = -1;
	} else {
		r = loop(&sp);
	}
	for (i = 0; i < sp.ceiling; i++) {
		if (sp.slots[i].fd != -1)
			close(sp.slots[i].fd);
		strbuf_free(&sp.slots[i].out);
	}
	free(sp.slots);
	free(sp.active);
	strbuf_free(&sp.in);
	return r;
}
