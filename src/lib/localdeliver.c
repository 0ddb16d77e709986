/*
 * localdeliver.c - qmail-local's four kinds of delivery and the environment of
 * programs (qmail-command(8)). See local.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "local.h"
#include "maildir.h"
#include "mbox.h"
#include "qq.h"

#define MBOX_LOCK_TIMEOUT 30

extern char **environ;

static const char *const our_vars[] = {
    "SENDER",  "NEWSENDER", "RECIPIENT", "USER",   "HOME",  "LOCAL", "EXT",
    "EXT2",    "EXT3",      "EXT4",      "HOST",   "HOST2", "HOST3", "HOST4",
    "DEFAULT", "UFLINE",    "RPLINE",    "DTLINE", NULL};

static bool
ours(const char *entry)
{
	size_t n = strcspn(entry, "=");
	int i;

	for (i = 0; our_vars[i]; i++)
		if (strlen(our_vars[i]) == n &&
		    memcmp(entry, our_vars[i], n) == 0)
			return true;
	return false;
}

static bool
put(struct strlist *env, const char *name, const char *value, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	bool ok;

	ok = strbuf_appends(&sb, name) && strbuf_appendc(&sb, '=') &&
	     strbuf_append(&sb, value, len) &&
	     strlist_push(env, sb.data, sb.len);
	strbuf_free(&sb);
	return ok;
}

static bool
puts_(struct strlist *env, const char *name, const char *value)
{
	return put(env, name, value, strlen(value));
}

/* prefix_before_dot: length of HOST up to its last '.' within N bytes,
 * or N when there is none (qmail's byte_rchr) */
static size_t
before_dot(const char *host, size_t n)
{
	size_t i = n;

	while (i > 0)
		if (host[--i] == '.')
			return i;
	return n;
}

static const char *
after_dash(const char *x)
{
	x += strcspn(x, "-");
	return *x ? x + 1 : x;
}

bool
local_env(struct local_state *st)
{
	const struct local_args *a = st->a;
	struct strlist env = STRLIST_INIT;
	const char *x;
	char **envp;
	size_t i, n;

	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		if (!ours(environ[i]) && !strlist_pushs(&env, environ[i]))
			goto fail;
	if (!puts_(&env, "SENDER", a->sender) ||
	    !put(&env, "NEWSENDER",
		 st->newsender.data ? st->newsender.data : "",
		 st->newsender.len) ||
	    !put(&env, "RECIPIENT", st->recipient.data, st->recipient.len) ||
	    !puts_(&env, "USER", a->user) || !puts_(&env, "HOME", a->home) ||
	    !puts_(&env, "LOCAL", a->local) || !puts_(&env, "HOST", a->host))
		goto fail;
	x = a->ext;
	if (!puts_(&env, "EXT", x) || !puts_(&env, "EXT2", x = after_dash(x)) ||
	    !puts_(&env, "EXT3", x = after_dash(x)) ||
	    !puts_(&env, "EXT4", after_dash(x)))
		goto fail;
	n = before_dot(a->host, strlen(a->host));
	if (!put(&env, "HOST2", a->host, n))
		goto fail;
	n = before_dot(a->host, n);
	if (!put(&env, "HOST3", a->host, n))
		goto fail;
	n = before_dot(a->host, n);
	if (!put(&env, "HOST4", a->host, n))
		goto fail;
	if (st->dflt != NULL && !puts_(&env, "DEFAULT", st->dflt))
		goto fail;
	if (!put(&env, "UFLINE", st->ufline.data, st->ufline.len) ||
	    !put(&env, "RPLINE", st->rpline.data, st->rpline.len) ||
	    !put(&env, "DTLINE", st->dtline.data, st->dtline.len))
		goto fail;
	envp = reallocarray(env.items, env.len + 1, sizeof *envp);
	if (envp == NULL)
		goto fail;
	envp[env.len] = NULL;
	st->envp = envp;
	return true;
fail:
	strlist_free(&env);
	return false;
}

void
local_env_free(struct local_state *st)
{
	size_t i;

	if (st->envp == NULL)
		return;
	for (i = 0; st->envp[i]; i++)
		free(st->envp[i]);
	free(st->envp);
	st->envp = NULL;
}

static int
rewind_message(struct local_state *st)
{
	if (lseek(st->a->msgfd, 0, SEEK_SET) == -1)
		return local_fail(st, 111,
				  "Unable to rewind message. (#4.3.0)");
	return 0;
}

int
local_maildir(struct local_state *st, const char *path)
{
	struct strbuf head = STRBUF_INIT;
	enum maildir_status r;
	int code;

	if ((code = rewind_message(st)) != 0)
		return code;
	if (!strbuf_append(&head, st->rpline.data, st->rpline.len) ||
	    !strbuf_append(&head, st->dtline.data, st->dtline.len)) {
		strbuf_free(&head);
		return local_fail(st, 111, "Out of memory. (#4.3.0)");
	}
	r = maildir_deliver(path, st->a->msgfd, head.data, head.len, NULL,
			    st->a->sync_later ? &st->later : NULL);
	strbuf_free(&head);
	switch (r) {
	case MAILDIR_OK:
		return 0;
	case MAILDIR_NODIR:
		return local_fail(st, 111,
				  "Unable to chdir to maildir: %s. "
				  "(#4.2.1)",
				  strerror(errno));
	case MAILDIR_READ:
		return local_fail(st, 111,
				  "Unable to read message: %s. "
				  "(#4.3.0)",
				  strerror(errno));
	case MAILDIR_NOMEM:
		return local_fail(st, 111, "Out of memory. (#4.3.0)");
	case MAILDIR_WRITE:
	default:
		return local_fail(st, 111,
				  "Temporary error on maildir "
				  "delivery: %s. (#4.3.0)",
				  strerror(errno));
	}
}

int
local_mbox(struct local_state *st, const char *path)
{
	struct strbuf head = STRBUF_INIT;
	enum mbox_status r;
	int code;

	if ((code = rewind_message(st)) != 0)
		return code;
	if (!strbuf_append(&head, st->ufline.data, st->ufline.len) ||
	    !strbuf_append(&head, st->rpline.data, st->rpline.len) ||
	    !strbuf_append(&head, st->dtline.data, st->dtline.len)) {
		strbuf_free(&head);
		return local_fail(st, 111, "Out of memory. (#4.3.0)");
	}
	r = mbox_deliver(path, st->a->msgfd, head.data, head.len,
			 MBOX_LOCK_TIMEOUT);
	strbuf_free(&head);
	switch (r) {
	case MBOX_OK:
		return 0;
	case MBOX_OPEN:
		return local_fail(st, 111, "Unable to open %s: %s. (#4.2.1)",
				  path, strerror(errno));
	case MBOX_LOCKED:
		return local_fail(st, 111,
				  "File has been locked for 30 "
				  "seconds straight. (#4.3.0)");
	case MBOX_READ:
		return local_fail(st, 111,
				  "Unable to read message: %s. "
				  "(#4.3.0)",
				  strerror(errno));
	case MBOX_NOMEM:
		return local_fail(st, 111, "Out of memory. (#4.3.0)");
	case MBOX_WRITE:
	default:
		return local_fail(st, 111, "Unable to write %s: %s. (#4.3.0)",
				  path, strerror(errno));
	}
}

int
local_program(struct local_state *st, const char *command)
{
	char *args[4];
	int code, wstat;
	pid_t pid;

	if ((code = rewind_message(st)) != 0)
		return code;
	pid = fork();
	if (pid == -1)
		return local_fail(st, 111, "Unable to fork: %s. (#4.3.0)",
				  strerror(errno));
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (st->a->msgfd != 0 && dup2(st->a->msgfd, 0) == -1)
			_exit(111);
		args[0] = "/bin/sh";
		args[1] = "-c";
		args[2] = (char *)command;
		args[3] = NULL;
		execve(args[0], args, st->envp);
		dprintf(2, "Unable to run /bin/sh: %s. (#4.3.0)\n",
			strerror(errno));
		_exit(111);
	}
	while (waitpid(pid, &wstat, 0) == -1)
		if (errno != EINTR)
			return local_fail(st, 111,
					  "Unable to wait for child: "
					  "%s. (#4.3.0)",
					  strerror(errno));
	if (!WIFEXITED(wstat))
		return local_fail(st, 111, "Aack, child crashed. (#4.3.0)");
	switch (WEXITSTATUS(wstat)) {
	case 0:
		return 0;
	case 99:
		st->stop = true;
		return 0;
	case 100:
	case 64:
	case 65:
	case 70:
	case 76:
	case 77:
	case 78:
	case 112:
		return 100;
	default:
		return 111;
	}
}

int
local_forward(struct local_state *st, char *const *rcpts, size_t n)
{
	const struct qq_code *c;
	char buf[65536];
	struct qq qq;
	bool readerr = false;
	ssize_t r;
	int code;

	if ((code = rewind_message(st)) != 0)
		return code;
	if (!qq_start(&qq))
		return local_fail(st, 111, "Unable to fork: %s. (#4.3.0)",
				  strerror(errno));
	st->qp = qq.pid;
	qq_put(&qq, st->dtline.data, st->dtline.len);
	for (;;) {
		r = read(st->a->msgfd, buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			readerr = r == -1;
			break;
		}
		qq_put(&qq, buf, (size_t)r);
	}
	if (readerr) {
		/* no envelope: qmail-queue must not queue half a message */
		qq.broken = true;
		qq.error = errno;
	}
	code = qq_finish(&qq, st->newsender.data ? st->newsender.data : "",
			 rcpts, n);
	if (readerr)
		return local_fail(st, 111,
				  "Unable to read message: %s. "
				  "(#4.3.0)",
				  strerror(qq.error));
	if (code == 0)
		return 0;
	c = qq_lookup(code);
	return local_fail(st, c->class == QQ_PERM ? 100 : 111,
			  "Unable to forward message: %s (#%s).", c->reason,
			  c->status);
}
