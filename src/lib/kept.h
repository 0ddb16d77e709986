/*
 * kept.h - a spawner's kept processes: workers forked once and handed
 * one delivery after another, so that a busy destination costs no fork
 * and exit per message (doc/INTERNALS.md, "Kept delivery processes").
 *
 * qmail-lspawn keeps one per mailbox identity (qmail-lspawn/keep.c),
 * qmail-rspawn one per remote destination with its SMTP session open
 * (qmail-rspawn.c). The pool is the spawner's side: a small table of
 * workers, each with a KEY saying what it is for. kept_start hands a job
 * (one SOCK_SEQPACKET datagram of \0-terminated fields, with the message
 * and the report pipe as SCM_RIGHTS) to an idle worker with the same key,
 * or forks a new one; the worker answers with one byte, the delivery's
 * exit code. A worker is let go (its socket closed: it reads end of file
 * and leaves; the spawner's waitpid(-1) reaps it) after the pool's idle
 * time, after its number of uses, when the table is full and another key
 * needs room, or when it answers anything unexpected. The spawner never
 * blocks on a worker. Nothing here exits except the worker itself.
 */
#ifndef KEPT_H
#define KEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KEPT_MAX    32 /* workers in one pool, at most */
#define KEPT_FIELDS 8  /* fields in one job, at most */

struct kept {
	pid_t pid; /* 0: a free entry */
	int sock;  /* the spawner's end */
	bool busy;
	char *key;
	size_t keylen;
	unsigned uses;
	long long idle_since; /* monotonic ms */
};

struct kept_pool {
	struct kept k[KEPT_MAX];
	unsigned max;	  /* entries in use of k, at most KEPT_MAX */
	unsigned uses;	  /* deliveries before a worker is let go */
	long long idle_ms; /* an idle worker is let go after this */
	/*
	 * serve: runs in the new worker, forked for ARG (kept_start's), with
	 * SOCK its end of the socket (close-on-exec); it must not return.
	 * Everything else the spawner had open is still open in it.
	 */
	void (*serve)(void *ctx, const void *arg, int sock);
	void *ctx;
};

/* kept_init: an empty pool of MAX workers (at most KEPT_MAX) */
void kept_init(struct kept_pool *p, unsigned max, unsigned uses,
	       long long idle_ms, void (*serve)(void *, const void *, int),
	       void *ctx);

/* kept_start: hands the job of NFIELD strings FIELD (each at most
 * SPAWN_FIELD_MAX bytes), with MSGFD and OUTFD, to an idle worker whose
 * key is KEY (KEYLEN bytes), or to one forked for it with ARG. Returns
 * that worker's socket (the job is over when it is readable: kept_done),
 * or -1 when the delivery should be forked as before (every entry busy,
 * or a failure). */
int kept_start(struct kept_pool *p, const void *key, size_t keylen,
	       const void *arg, const char *const *field, unsigned nfield,
	       int msgfd, int outfd);

/* kept_done: how the job handed to the worker on SOCK ended, as a wait
 * status (the exit code it answered, or SIGKILL's status when it died or
 * answered nonsense, which also lets it go) */
int kept_done(struct kept_pool *p, int sock);

/* kept_tick: lets go of workers idle for the pool's idle time; returns
 * the ms until the next one is due (at most 60000), or -1 when none is
 * idle */
int kept_tick(struct kept_pool *p);

/*
 * The worker's side, in serve. kept_worker_init, once: the spawner's
 * descriptors go (every one but SOCK), 0, 1 and 2 become /dev/null, the
 * signal dispositions are reset (spawn_child_setup) and SIGPIPE is
 * ignored; false on failure. kept_job waits for the next job: returns 1
 * with the NFIELD fields in FIELD (pointing into BUF, CAP bytes), the
 * message on 0 and the report pipe on 1 and 2; 0 when the spawner let go
 * of it (end of file); -1 on a malformed job or a failure. kept_answer:
 * /dev/null goes back on 0, 1 and 2 (nothing of the job stays open),
 * then the exit code CODE goes to the spawner; false when either fails.
 */
struct kept_worker {
	int sock;
	int null; /* /dev/null */
};
bool kept_worker_init(struct kept_worker *w, int sock);
int kept_job(struct kept_worker *w, char *buf, size_t cap,
	     const char **field, unsigned nfield);
bool kept_answer(struct kept_worker *w, int code);

#endif
