/*
 * local.c - qmail-local's delivery core: home checks, the Delivered-To
 * loop check, the .qmail search and the walk over its lines. See local.h.
 * Used by bin/qmail-local and, in process, by qmail-lspawn.
 * The order of the steps and the texts are qmail-local's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "durable.h"
#include "dotqmail.h"
#include "iobuf.h"
#include "local.h"
#include "mbox.h"
#include "qlx.h"

#define DOTQMAIL_MAX    (1024UL * 1024) /* a bigger .qmail is an error */
#define HEADER_LINE_MAX 8192            /* longer lines cannot match */

int
local_fail(struct local_state *st, int code, const char *fmt, ...)
{
	struct strbuf line = STRBUF_INIT;
	va_list ap;
	int n;
	char *p = NULL;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n >= 0 && strbuf_append(&line, p, (size_t)n))
		(void)strbuf_append(st->out, line.data, line.len);
	else
		(void)strbuf_appends(st->out, "Out of memory. (#4.3.0)");
	(void)strbuf_appendc(st->out, '\n');
	free(p);
	strbuf_free(&line);
	return code;
}

static int
nomem(struct local_state *st)
{
	return local_fail(st, 111, "Out of memory. (#4.3.0)");
}

static int
check_home(struct local_state *st)
{
	struct stat sb;

	if (stat(".", &sb) == -1)
		return local_fail(st, 111,
				  "Unable to stat home directory: %s. (#4.3.0)",
				  strerror(errno));
	if (sb.st_mode & S_IWOTH)
		return local_fail(
		    st, 111, "Uh-oh: home directory is writable. (#4.7.0)");
	if (sb.st_mode & S_ISVTX) {
		if (st->a->doit)
			return local_fail(
			    st, 111,
			    "Home directory is sticky: user is editing his "
			    ".qmail file. (#4.2.1)");
		(void)local_fail(st, 0, "Warning: home directory is sticky.");
	}
	return 0;
}

/* header_lines: RECIPIENT, DTLINE, RPLINE and UFLINE */
static bool
header_lines(struct local_state *st)
{
	const struct local_args *a = st->a;
	size_t i, start;

	if (!strbuf_copys(&st->recipient, a->local) ||
	    !strbuf_appendc(&st->recipient, '@') ||
	    !strbuf_appends(&st->recipient, a->host))
		return false;
	if (!strbuf_copys(&st->dtline, "Delivered-To: ") ||
	    !strbuf_append(&st->dtline, st->recipient.data, st->recipient.len))
		return false;
	for (i = 0; i < st->dtline.len; i++)
		if (st->dtline.data[i] == '\n')
			st->dtline.data[i] = '_';
	if (!strbuf_appendc(&st->dtline, '\n'))
		return false;

	if (!strbuf_copys(&st->rpline, "Return-Path: <"))
		return false;
	start = st->rpline.len;
	if (!addr_quote_str(&st->rpline, a->sender, strlen(a->sender)))
		return false;
	for (i = start; i < st->rpline.len; i++)
		if (st->rpline.data[i] == '\n')
			st->rpline.data[i] = '_';
	if (!strbuf_appends(&st->rpline, ">\n"))
		return false;
	return mbox_fromline(&st->ufline, a->sender, time(NULL));
}

/* bouncexf: 100 if the header already has our Delivered-To line */
static int
bouncexf(struct local_state *st)
{
	struct strbuf line = STRBUF_INIT;
	char buf[8192];
	struct iobuf in;
	enum io_status r;
	int code = 0;

	if (lseek(st->a->msgfd, 0, SEEK_SET) == -1)
		return local_fail(st, 111,
				  "Unable to rewind message. (#4.3.0)");
	iobuf_init(&in, st->a->msgfd, buf, sizeof buf, 0);
	for (;;) {
		line.len = 0;
		r = iobuf_getline(&in, &line, HEADER_LINE_MAX, '\n');
		if (r == IO_ERR || r == IO_TIMEOUT) {
			code = local_fail(
			    st, 111, "Unable to read message: %s. (#4.3.0)",
			    strerror(errno));
			break;
		}
		if (r == IO_EOF)
			break;
		if (r == IO_TOOLONG) {
			/* cannot be our line: skip the rest of it */
			do {
				line.len = 0;
				r = iobuf_getline(&in, &line, HEADER_LINE_MAX,
						  '\n');
			} while (r == IO_TOOLONG);
			if (r != IO_OK)
				break;
			continue;
		}
		if (line.len <= 1)
			break; /* end of header */
		if (line.len == st->dtline.len &&
		    memcmp(line.data, st->dtline.data, line.len) == 0) {
			code = local_fail(
			    st, 100,
			    "This message is looping: it already has my "
			    "Delivered-To line. (#5.4.6)");
			break;
		}
	}
	strbuf_free(&line);
	return code;
}

/* newsender: the forwarding sender, with -owner files (dot-qmail(5)) */
static int
newsender(struct local_state *st)
{
	const struct local_args *a = st->a;
	int r;

	if (!strbuf_copys(&st->newsender, a->sender))
		return nomem(st);
	if (*a->sender == '\0' || strcmp(a->sender, "#@[]") == 0)
		return 0;
	r = dotqmail_exists(AT_FDCWD, a->dash, a->ext, "-owner");
	if (r == 0)
		return 0;
	if (r == 1)
		r = dotqmail_exists(AT_FDCWD, a->dash, a->ext,
				    "-owner-default");
	if (r == -1)
		return local_fail(st, 111,
				  "Unable to open .qmail%s%s-owner: "
				  "%s. (#4.3.0)",
				  a->dash, a->ext, strerror(errno));
	if (!strbuf_copys(&st->newsender, a->local) ||
	    !strbuf_appends(&st->newsender, r ? "-owner-@" : "-owner@") ||
	    !strbuf_appends(&st->newsender, a->host) ||
	    (r && !strbuf_appends(&st->newsender, "-@[]")))
		return nomem(st);
	return 0;
}

static int
read_dotqmail(struct local_state *st, int fd, const char *name,
	      struct strbuf *text)
{
	char buf[4096];
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof buf);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return local_fail(st, 111,
					  "Unable to read %s: %s. "
					  "(#4.3.0)",
					  name, strerror(errno));
		if (r == 0)
			return 0;
		if (text->len + (size_t)r > DOTQMAIL_MAX)
			return local_fail(st, 111,
					  "Uh-oh: %s is too long. "
					  "(#4.2.1)",
					  name);
		if (!strbuf_append(text, buf, (size_t)r))
			return nomem(st);
	}
}

static int
say(struct local_state *st, const char *what, const char *arg)
{
	if (!strbuf_appends(st->out, what) || !strbuf_appends(st->out, arg) ||
	    !strbuf_appendc(st->out, '\n'))
		return nomem(st);
	return 0;
}

/* walk: carries out the lines of DQ; forwards are collected and sent
 * last, in one message, as qmail-local does */
static int
walk(struct local_state *st, const struct dotqmail *dq, bool forwardonly)
{
	const struct local_args *a = st->a;
	char **rcpts;
	size_t i, nrcpt = 0;
	int code = 0;

	rcpts = calloc(dq->n + 1, sizeof *rcpts);
	if (rcpts == NULL)
		return nomem(st);
	for (i = 0; i < dq->n && code == 0 && !st->stop; i++) {
		const struct dq_line *l = &dq->lines[i];

		switch (l->type) {
		case DQ_BLANK:
		case DQ_COMMENT:
		case DQ_IGNORE:
			break;
		case DQ_LIST:
			forwardonly = true;
			break;
		case DQ_MAILDIR:
		case DQ_MBOX:
			st->files++;
			if (forwardonly) {
				code = local_fail(
				    st, 111,
				    "Uh-oh: .qmail has "
				    "file delivery but has x bit set. "
				    "(#4.7.0)");
				break;
			}
			if (!a->doit)
				code = say(st,
					   l->type == DQ_MAILDIR ? "maildir "
								 : "mbox ",
					   l->arg);
			else if (l->type == DQ_MAILDIR)
				code = local_maildir(st, l->arg);
			else
				code = local_mbox(st, l->arg);
			break;
		case DQ_PROGRAM:
			st->programs++;
			if (forwardonly) {
				code = local_fail(
				    st, 111,
				    "Uh-oh: .qmail has "
				    "prog delivery but has x bit set. "
				    "(#4.7.0)");
				break;
			}
			if (!a->doit)
				code = say(st, "program ", l->arg);
			else
				code = local_program(st, l->arg);
			break;
		case DQ_FORWARD:
			st->forwards++;
			if (!a->doit)
				code = say(st, "forward ", l->arg);
			else
				rcpts[nrcpt++] = l->arg;
			break;
		}
	}
	if (code == 0 && nrcpt > 0)
		code = local_forward(st, rcpts, nrcpt);
	free(rcpts);
	return code;
}

static int
run(struct local_state *st)
{
	const struct local_args *a = st->a;
	struct dq_candidates cands = DQ_CANDIDATES_INIT;
	struct dotqmail dq = DOTQMAIL_INIT;
	struct strbuf text = STRBUF_INIT;
	bool forwardonly = false;
	const char *name = NULL;
	size_t which = 0;
	int code, fd = -1;

	if (chdir(a->home) == -1)
		return local_fail(st, 111,
				  "Unable to switch to %s: %s. "
				  "(#4.3.0)",
				  a->home, strerror(errno));
	if ((code = check_home(st)) != 0)
		return code;
	if (!header_lines(st))
		return nomem(st);
	if (a->doit && (code = bouncexf(st)) != 0)
		return code;
	if (!dotqmail_candidates(&cands, a->dash, a->ext))
		return nomem(st);
	switch (dotqmail_find(AT_FDCWD, &cands, &fd, &forwardonly, &which)) {
	case DQ_FOUND:
		name = cands.items[which].name;
		if (cands.items[which].is_default)
			st->dflt = a->ext + cands.items[which].default_off;
		break;
	case DQ_NONE:
		if (*a->dash == '\0')
			break;
		code = a->alias_fallback
			   ? QLX_NOMAILBOX
			   : local_fail(st, 100,
					"Sorry, no mailbox here by that "
					"name. (#5.1.1)");
		goto out;
	case DQ_ERROR:
		code = local_fail(st, 111, "Unable to open %s: %s. (#4.3.0)",
				  cands.items[which].name, strerror(errno));
		goto out;
	case DQ_WRITABLE:
		code = local_fail(st, 111,
				  "Uh-oh: .qmail file is writable. (#4.7.0)");
		goto out;
	}
	if ((code = newsender(st)) != 0)
		goto out;
	if (fd != -1) {
		code = read_dotqmail(st, fd, name, &text);
		if (code != 0)
			goto out;
	}
	if (text.len == 0) {
		/* no .qmail, or an empty one: the default delivery */
		if (!strbuf_copys(&text, a->defaultdelivery)) {
			code = nomem(st);
			goto out;
		}
		forwardonly = false;
	}
	switch (dotqmail_parse(&dq, text.data, text.len)) {
	case DQ_PARSE_OK:
		break;
	case DQ_PARSE_BLANK_FIRST:
		code = local_fail(st, 111,
				  "Uh-oh: first line of .qmail file "
				  "is blank. (#4.2.1)");
		goto out;
	case DQ_PARSE_NOMEM:
		code = nomem(st);
		goto out;
	}
	if (!local_env(st)) {
		code = nomem(st);
		goto out;
	}
	code = walk(st, &dq, forwardonly);
	if (code == 0 && !strbuf_printf(st->out, "did %lu+%lu+%lu\n", st->files,
					st->forwards, st->programs))
		code = nomem(st);
	if (code == 0 && st->qp > 0 &&
	    !strbuf_printf(st->out, "qp %ld\n", (long)st->qp))
		code = nomem(st);
out:
	if (fd != -1)
		close(fd);
	dotqmail_free(&dq);
	dotqmail_candidates_free(&cands);
	strbuf_free(&text);
	return code;
}

/* settle_unsynced: CODE of a delivery that left a Maildir's new/ to a
 * barrier (local.h): success says so; a temporary failure is delivered
 * again anyway; any other result is counted at once by the caller, so
 * the barrier is done here first */
static int
settle_unsynced(struct local_state *st, int code)
{
	if (code == 0)
		return QLX_UNSYNCED;
	if (code == 111 || durable_barrier(st->later.fd))
		return code;
	return local_fail(st, 111, "Unable to sync the maildir: %s. (#4.3.0)",
			  strerror(errno));
}

int
local_deliver(const struct local_args *a, struct strbuf *out)
{
	struct local_state st;
	int code;

	memset(&st, 0, sizeof st);
	st.a = a;
	st.out = out;
	st.later.dev = a->sync_dev;
	st.later.fd = -1;
	code = run(&st);
	if (st.later.deferred)
		code = settle_unsynced(&st, code);
	if (st.later.fd != -1)
		close(st.later.fd);
	local_env_free(&st);
	strbuf_free(&st.recipient);
	strbuf_free(&st.dtline);
	strbuf_free(&st.rpline);
	strbuf_free(&st.ufline);
	strbuf_free(&st.newsender);
	return code;
}
