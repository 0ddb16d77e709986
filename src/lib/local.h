/*
 * local.h - qmail-local's delivery core (qmail-local(8), dot-qmail(5),
 * qmail-command(8)).
 *
 * local_deliver does one delivery: checks the home directory, looks for a
 * Delivered-To loop, finds the .qmail file, and carries out its lines
 * (Maildir, mbox, program, forward). It never exits: it returns the exit
 * code qmail-local must use (0 delivered, 100 permanent, 111 temporary,
 * QLX_NOMAILBOX for -a, QLX_UNSYNCED: below) and appends the report
 * ("did F+W+P", or the reason for the failure) to OUT. Programs write their own output straight to
 * fds 1 and 2. It changes the process's working directory to the home
 * directory and starts children, so a caller runs it in a process of its
 * own that already runs as the user: bin/qmail-local, or qmail-lspawn's
 * delivery child after prot_drop (doc/INTERNALS.md, "Spawner to
 * delivery"). Programs get the process's environ plus qmail-command(8)'s
 * variables.
 *
 * With SYNC_LATER set (qmail-lspawn), a Maildir delivery on the file
 * system SYNC_DEV leaves the fsync of new/ out (maildir.h), and a
 * delivery that did so and otherwise succeeded returns QLX_UNSYNCED
 * instead of 0: the caller must have a durable_barrier done on that file
 * system before it counts the delivery as done. A delivery that fails
 * permanently after such a Maildir line does that barrier itself (the
 * caller marks a permanent failure done at once), and becomes a
 * temporary failure if it fails.
 */
#ifndef LOCAL_H
#define LOCAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "maildir.h"
#include "strbuf.h"

struct local_args {
	bool doit;           /* false with -n: only say what would be done */
	bool alias_fallback; /* -a: exit QLX_NOMAILBOX instead of 5.1.1 */
	const char *user;
	const char *home;
	const char *local;
	const char *dash;
	const char *ext;
	const char *host;
	const char *sender;
	const char *defaultdelivery;
	int msgfd; /* the message, seekable */
	bool sync_later; /* a barrier on SYNC_DEV will follow (above) */
	dev_t sync_dev;
};

/* one delivery's state, shared by local.c and deliver.c */
struct local_state {
	const struct local_args *a;
	struct strbuf *out;
	struct strbuf recipient; /* local@host */
	struct strbuf dtline;    /* "Delivered-To: local@host\n" */
	struct strbuf rpline;    /* "Return-Path: <sender>\n" */
	struct strbuf ufline;    /* "From sender date\n" */
	struct strbuf newsender; /* envelope sender for forwards */
	const char *dflt;        /* DEFAULT, or NULL */
	char **envp;             /* for programs */
	unsigned long files, forwards, programs;
	pid_t qp;  /* qmail-queue's pid for forwards */
	bool stop; /* a program exited 99 */
	struct maildir_later later; /* Maildir new/ left to a barrier */
};

/* local_deliver: delivers; returns the exit code, report in OUT */
int local_deliver(const struct local_args *a, struct strbuf *out);

/* localdeliver.c: each returns 0 or the exit code, with text in st->out */
int local_maildir(struct local_state *st, const char *path);
int local_mbox(struct local_state *st, const char *path);
int local_program(struct local_state *st, const char *command);
int local_forward(struct local_state *st, char *const *rcpts, size_t n);
/* local_env: builds st->envp (the environment plus qmail-command(8)'s
 * variables); false on ENOMEM */
bool local_env(struct local_state *st);
/* local_env_free: frees st->envp */
void local_env_free(struct local_state *st);
/* local_fail: appends a formatted line to st->out; returns CODE */
int local_fail(struct local_state *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
