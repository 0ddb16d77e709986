/*
 * keep.c - qmail-lspawn's kept delivery processes on the kept.h pool.
 * See keep.h and doc/INTERNALS.md ("Kept delivery processes").
 *
 * A kept process's key is its identity; serve, the kept side, becomes the
 * user before it reads its first job and holds nothing of qmail-lspawn
 * but its socket.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iobuf.h"
#include "keep.h"
#include "local.h"
#include "prot.h"
#include "qlx.h"
#include "spawner.h"
#include "strbuf.h"

#define JOB_FIELDS 5 /* local, dash, ext, domain, sender */
#define JOB_MAX    (JOB_FIELDS * (SPAWN_FIELD_MAX + 1))

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

/* serve: the kept process for identity ARG (a struct users_entry);
 * never returns */
static void
serve(void *ctx, const void *arg, int sock)
{
	const struct keep_pool *p = ctx;
	const struct users_entry *u = arg;
	const char *field[JOB_FIELDS];
	struct strbuf out = STRBUF_INIT;
	struct kept_worker w;
	struct local_args a;
	char buf[JOB_MAX];
	int code;

	if (!kept_worker_init(&w, sock))
		_exit(QLX_SYS);
	if ((code = keep_become(u->uid, u->gid, u->home)) != 0)
		_exit(code);
	a = p->base;
	a.user = u->user;
	a.home = u->home;
	for (;;) {
		switch (kept_job(&w, buf, sizeof buf, field, JOB_FIELDS)) {
		case 1:
			break;
		case 0:
			_exit(0); /* let go */
		default:
			_exit(QLX_BUG);
		}
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
		/* nothing of this delivery stays, not even the home
		 * directory */
		if (chdir("/") == -1 || !kept_answer(&w, code))
			_exit(0);
	}
}

void
keep_init(struct keep_pool *p)
{
	kept_init(&p->kept, KEEP_MAX, KEEP_USES, KEEP_IDLE_MS, serve, p);
}

int
keep_start(struct keep_pool *p, const struct users_entry *u,
	   const char *local, const char *domain, const char *sender,
	   int msgfd, int outfd)
{
	const char *const field[JOB_FIELDS] = {local, u->dash, u->ext, domain,
					       sender};
	struct strbuf key = STRBUF_INIT;
	char ids[64];
	int sock = -1;

	snprintf(ids, sizeof ids, "%lu:%lu:", (unsigned long)u->uid,
		 (unsigned long)u->gid);
	if (strbuf_appends(&key, ids) && strbuf_appends(&key, u->user) &&
	    strbuf_append(&key, "", 1) && strbuf_appends(&key, u->home))
		sock = kept_start(&p->kept, key.data, key.len, u, field,
				  JOB_FIELDS, msgfd, outfd);
	strbuf_free(&key);
	return sock;
}
