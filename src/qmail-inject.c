/*
 * qmail-inject - prepares a message and queues it (qmail-inject(8)).
 *
 * Reads a message on stdin. The header is parsed (src/lib/header.c) and
 * kept in memory, bounded; the addresses of the sender and recipient
 * fields are qualified with defaulthost, defaultdomain and plusdomain
 * (src/lib/addr.c); Date, Message-ID and From are added when missing; Bcc,
 * Resent-Bcc, Return-Path and Content-Length are removed. Only when the
 * whole header is known to be good, and there is a recipient, is
 * qmail-queue started: bad input never queues anything. The body is then
 * copied as it is. Exit codes: 0, 100 (bad input or a permanent qq
 * refusal), 111 (temporary: qq, memory, control files).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "auto.h"
#include "ctl.h"
#include "die.h"
#include "header.h"
#include "iobuf.h"
#include "qq.h"
#include "strbuf.h"

/* header field types qmail-inject knows (qmail's hfield.c) */
enum htype {
	H_OTHER,
	H_SENDER,
	H_FROM,
	H_REPLYTO,
	H_TO,
	H_CC,
	H_BCC,
	H_DATE,
	H_MESSAGEID,
	H_R_SENDER,
	H_R_FROM,
	H_R_REPLYTO,
	H_R_TO,
	H_R_CC,
	H_R_BCC,
	H_R_DATE,
	H_R_MESSAGEID,
	H_RETURNRECEIPTTO,
	H_ERRORSTO,
	H_APPARENTLYTO,
	H_RETURNPATH,
	H_CONTENTLENGTH,
	H_MAILFOLLOWUPTO,
	H_NUM
};

static const char *const htype_names[H_NUM] = {
	[H_SENDER] = "sender",
	[H_FROM] = "from",
	[H_REPLYTO] = "reply-to",
	[H_TO] = "to",
	[H_CC] = "cc",
	[H_BCC] = "bcc",
	[H_DATE] = "date",
	[H_MESSAGEID] = "message-id",
	[H_R_SENDER] = "resent-sender",
	[H_R_FROM] = "resent-from",
	[H_R_REPLYTO] = "resent-reply-to",
	[H_R_TO] = "resent-to",
	[H_R_CC] = "resent-cc",
	[H_R_BCC] = "resent-bcc",
	[H_R_DATE] = "resent-date",
	[H_R_MESSAGEID] = "resent-message-id",
	[H_RETURNRECEIPTTO] = "return-receipt-to",
	[H_ERRORSTO] = "errors-to",
	[H_APPARENTLYTO] = "apparently-to",
	[H_RETURNPATH] = "return-path",
	[H_CONTENTLENGTH] = "content-length",
	[H_MAILFOLLOWUPTO] = "mail-followup-to",
};

enum recip_strategy { RECIP_DEFAULT, RECIP_ARGS, RECIP_HEADER, RECIP_BOTH };

struct inject {
	/* QMAILINJECT flags */
	bool name_comment, delete_sender, delete_from, delete_msgid;
	bool verp_recip, verp_mess;
	const char *mailhost, *mailrhost, *mailuser, *mailruser;
	struct strbuf idhost;
	struct addr_defaults defaults;
	struct strbuf defaulthost, defaultdomain, plusdomain;
	struct strlist mft; /* QMAILMFTFILE: mailing lists */
	bool have_mft;

	bool queue;    /* false with -n: print the message */
	bool use_args; /* recipients from the arguments */
	bool use_head; /* recipients from the header */
	bool sender_set;
	struct strbuf sender;

	bool seen[H_NUM];
	struct strlist saved;	/* header fields to print, in order */
	struct strlist rcpt;	/* from the arguments */
	struct strlist head;	/* To, Cc, Bcc, Apparently-To */
	struct strlist resent;	/* Resent-To, Resent-Cc, Resent-Bcc */
	struct strlist tocc;	/* To and Cc, for Mail-Followup-To */
	const struct strlist *hrcpt; /* head or resent: the ones used */
	time_t start;

	struct qq qq;
	struct iobuf out;
	char outbuf[4096];
};

static void
put(struct inject *in, const void *p, size_t n)
{
	if (in->queue)
		qq_put(&in->qq, p, n);
	else if (!iobuf_put(&in->out, p, n))
		die_temp_sys("unable to write output");
}

static void
puts_(struct inject *in, const char *s)
{
	put(in, s, strlen(s));
}

static void
die_addr(enum addr_status st, const char *what, const char *text)
{
	if (st == ADDR_NOMEM)
		die_nomem();
	die_perm("%s: %s: %.200s", what, addr_strerror(st), text);
}

static enum htype
htype_of(const char *field, size_t len)
{
	int t;

	for (t = 1; t < H_NUM; t++)
		if (header_name_is(field, len, htype_names[t]))
			return (enum htype)t;
	return H_OTHER;
}

/* control file NAME, else control/me, else the literal default, as
 * qmail's control_rldef; ENV overrides all */
static void
read_default(struct strbuf *out, const char *name, const char *me,
    const char *env)
{
	const char *v = getenv(env);
	char path[128];

	if (v != NULL) {
		xstrbuf_copys(out, v);
		return;
	}
	snprintf(path, sizeof path, "control/%s", name);
	switch (ctl_read_line(out, path)) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		xstrbuf_copys(out, me ? me : name);
		break;
	case CTL_ERROR:
		die_temp("unable to read %s", path);
	}
	xstrbuf_terminate(out);
	if (memchr(out->data, '\0', out->len) != NULL)
		die_temp("unable to read %s: NUL byte", path);
}

static void
read_controls(struct inject *in)
{
	struct strbuf me = STRBUF_INIT;
	const char *mft = getenv("QMAILMFTFILE");
	bool have_me = false;

	if (mft != NULL) {
		/* relative to where we were started, so read before chdir */
		switch (ctl_read_lines(&in->mft, mft)) {
		case CTL_OK:
			in->have_mft = true;
			break;
		case CTL_MISSING:
			break;
		case CTL_ERROR:
			die_temp("unable to read %s", mft);
		}
	}
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to switch to %s", auto_qmail);
	switch (ctl_read_line(&me, "control/me")) {
	case CTL_OK:
		have_me = me.len > 0;
		break;
	case CTL_MISSING:
		break;
	case CTL_ERROR:
		die_temp("unable to read control/me");
	}
	xstrbuf_terminate(&me);
	read_default(&in->defaultdomain, "defaultdomain",
	    have_me ? me.data : NULL, "QMAILDEFAULTDOMAIN");
	read_default(&in->defaulthost, "defaulthost",
	    have_me ? me.data : NULL, "QMAILDEFAULTHOST");
	read_default(&in->plusdomain, "plusdomain", have_me ? me.data : NULL,
	    "QMAILPLUSDOMAIN");
	read_default(&in->idhost, "idhost", have_me ? me.data : NULL,
	    "QMAILIDHOST");
	in->defaults.defaulthost = in->defaulthost.data;
	in->defaults.defaultdomain = in->defaultdomain.data;
	in->defaults.plusdomain = in->plusdomain.data;
	strbuf_free(&me);
}

/* checks a value that goes into the header verbatim */
static void
check_text(const char *what, const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			die_perm("%s contains a control character", what);
}

/* A = USER[@HOST], qualified */
static void
make_addr(struct inject *in, struct addr *a, const char *user,
    const char *host)
{
	enum addr_status st;

	xstrbuf_copys(&a->text, user);
	a->at = a->text.len;
	if (host != NULL) {
		xstrbuf_appendc(&a->text, '@');
		xstrbuf_appends(&a->text, host);
	}
	if (a->text.len > ADDR_MAX)
		die_addr(ADDR_TOOLONG, "sender", a->text.data);
	if ((st = addr_qualify(a, &in->defaults)))
		die_addr(st, "sender", a->text.data);
}

static void
set_sender(struct inject *in, const struct addr *a, bool verp)
{
	xstrbuf_copys(&in->sender, "");
	xstrbuf_append(&in->sender, a->text.data, a->text.len);
	if (verp)
		xstrbuf_appends(&in->sender, "-@[]");
	xstrbuf_terminate(&in->sender);
	in->sender_set = true;
}

/*
 * Rewrites the addresses of FIELD in place: each address is replaced by its
 * qualified, quoted form; display names, comments and folding stay. The
 * unquoted addresses are appended to LIST1 and LIST2 (either may be NULL).
 * MAYFAIL: a field that does not parse is left alone (a recipient field
 * whose recipients are not used).
 */
static void
rewrite(struct inject *in, struct strbuf *field, enum htype type,
    struct strlist *list1, struct strlist *list2, bool mayfail)
{
	struct addr_list al = ADDR_LIST_INIT;
	struct strbuf outf = STRBUF_INIT;
	enum addr_status st;
	size_t v, i;

	v = header_value(field->data, field->len);
	st = addr_parse_list(&al, field->data + v, field->len - v);
	if (st == ADDR_NOMEM)
		die_nomem();
	if (st != ADDR_OK) {
		addr_list_free(&al);
		if (mayfail)
			return;
		die_perm("unable to parse this header field (%s): %.300s",
		    addr_strerror(st), field->data);
	}
	for (i = 0; i < al.len; i++) {
		struct addr_item *it = &al.items[i];

		if ((st = addr_qualify(&it->addr, &in->defaults)))
			die_addr(st, "header address", it->addr.text.data);
		if (type == H_RETURNPATH) {
			if (!in->sender_set)
				set_sender(in, &it->addr, in->verp_recip);
			continue;
		}
		if (it->addr.text.len == 0)
			continue; /* <> is nobody */
		if (list1)
			xstrlist_pushs(list1, it->addr.text.data);
		if (list2)
			xstrlist_pushs(list2, it->addr.text.data);
	}
	xstrbuf_append(&outf, field->data, v);
	if (!addr_list_format(&outf, field->data + v, field->len - v, &al))
		die_nomem();
	strbuf_free(field);
	*field = outf;
	addr_list_free(&al);
}

static void
do_field(struct inject *in, struct strbuf *field)
{
	enum htype type = htype_of(field->data, field->len);

	if ((in->delete_from && type == H_FROM) ||
	    (in->delete_msgid && type == H_MESSAGEID) ||
	    (in->delete_sender && type == H_RETURNPATH))
		return;
	in->seen[type] = true;
	switch (type) {
	case H_TO:
	case H_CC:
		rewrite(in, field, type, &in->head, &in->tocc,
		    !in->use_head);
		break;
	case H_BCC:
	case H_APPARENTLYTO:
		rewrite(in, field, type, &in->head, NULL, !in->use_head);
		break;
	case H_R_TO:
	case H_R_CC:
	case H_R_BCC:
		rewrite(in, field, type, &in->resent, NULL, !in->use_head);
		break;
	case H_RETURNPATH:
	case H_SENDER:
	case H_FROM:
	case H_REPLYTO:
	case H_RETURNRECEIPTTO:
	case H_ERRORSTO:
	case H_R_SENDER:
	case H_R_FROM:
	case H_R_REPLYTO:
		rewrite(in, field, type, NULL, NULL, false);
		break;
	default:
		break;
	}
	if (type == H_BCC || type == H_R_BCC || type == H_RETURNPATH ||
	    type == H_CONTENTLENGTH)
		return;
	xstrlist_pushs(&in->saved, field->data);
}

static void
default_sender(struct inject *in)
{
	struct strbuf user = STRBUF_INIT;
	struct addr a = ADDR_INIT;

	xstrbuf_copys(&user, in->mailruser);
	if (in->verp_mess) {
		xstrbuf_appendc(&user, '-');
		xstrbuf_append_ulong(&user, (unsigned long)in->start);
		xstrbuf_appendc(&user, '.');
		xstrbuf_append_ulong(&user, (unsigned long)getpid());
	}
	if (in->verp_recip)
		xstrbuf_appendc(&user, '-');
	xstrbuf_terminate(&user);
	make_addr(in, &a, user.data, in->mailrhost);
	set_sender(in, &a, in->verp_recip);
	addr_free(&a);
	strbuf_free(&user);
}

static void
put_date(struct inject *in, const char *prefix)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct strbuf f = STRBUF_INIT;
	struct tm tm;

	if (gmtime_r(&in->start, &tm) == NULL)
		die_temp("unable to format the date");
	/* qmail's form: "Date: 26 Sep 1995 04:46:53 -0000" */
	if (!strbuf_printf(&f, "%sDate: %d %s %d %02d:%02d:%02d -0000\n",
		prefix, tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
		tm.tm_hour, tm.tm_min, tm.tm_sec))
		die_nomem();
	put(in, f.data, f.len);
	strbuf_free(&f);
}

static void
put_msgid(struct inject *in, const char *prefix)
{
	struct strbuf f = STRBUF_INIT;
	struct tm tm;

	if (gmtime_r(&in->start, &tm) == NULL)
		die_temp("unable to format the date");
	if (!strbuf_printf(&f,
		"%sMessage-ID: <%04d%02d%02d%02d%02d%02d.%lu.qmail@%s>\n",
		prefix, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned long)getpid(),
		in->idhost.data))
		die_nomem();
	put(in, f.data, f.len);
	strbuf_free(&f);
}

static void
put_from(struct inject *in, const char *prefix)
{
	const char *name = getenv("QMAILNAME");
	struct strbuf f = STRBUF_INIT;
	struct addr a = ADDR_INIT;
	const char *p;

	if (name == NULL)
		name = getenv("MAILNAME");
	if (name == NULL)
		name = getenv("NAME");
	make_addr(in, &a, in->mailuser, in->mailhost);
	xstrbuf_appends(&f, prefix);
	xstrbuf_appends(&f, "From: ");
	if (name != NULL && !in->name_comment) {
		xstrbuf_appendc(&f, '"');
		for (p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				xstrbuf_appendc(&f, '\\');
			xstrbuf_appendc(&f, *p);
		}
		xstrbuf_appends(&f, "\" <");
	}
	if (!addr_quote(&f, &a))
		die_nomem();
	if (name != NULL && !in->name_comment)
		xstrbuf_appendc(&f, '>');
	if (name != NULL && in->name_comment) {
		xstrbuf_appends(&f, " (");
		for (p = name; *p; p++) {
			if (*p == '(' || *p == ')' || *p == '\\')
				xstrbuf_appendc(&f, '\\');
			xstrbuf_appendc(&f, *p);
		}
		xstrbuf_appendc(&f, ')');
	}
	xstrbuf_appendc(&f, '\n');
	put(in, f.data, f.len);
	strbuf_free(&f);
	addr_free(&a);
}

static void
put_mft(struct inject *in)
{
	struct strbuf f = STRBUF_INIT;
	size_t i, j;
	bool hit = false;

	if (!in->have_mft || in->seen[H_MAILFOLLOWUPTO])
		return;
	for (i = 0; i < in->tocc.len && !hit; i++)
		for (j = 0; j < in->mft.len && !hit; j++)
			hit = strcasecmp(in->tocc.items[i],
				  in->mft.items[j]) == 0;
	if (!hit)
		return;
	xstrbuf_appends(&f, "Mail-Followup-To: ");
	for (i = 0; i < in->tocc.len; i++) {
		struct addr a = ADDR_INIT;

		if (addr_set(&a, in->tocc.items[i],
			strlen(in->tocc.items[i])) != ADDR_OK ||
		    !addr_quote(&f, &a))
			die_nomem();
		addr_free(&a);
		if (i + 1 < in->tocc.len)
			xstrbuf_appends(&f, ",\n  ");
	}
	xstrbuf_appendc(&f, '\n');
	put(in, f.data, f.len);
	strbuf_free(&f);
}

static void
finish_header(struct inject *in)
{
	bool resent = in->seen[H_R_SENDER] || in->seen[H_R_FROM] ||
	    in->seen[H_R_REPLYTO] || in->seen[H_R_TO] || in->seen[H_R_CC] ||
	    in->seen[H_R_BCC] || in->seen[H_R_DATE] ||
	    in->seen[H_R_MESSAGEID];
	const struct strlist *hl = resent ? &in->resent : &in->head;
	size_t i, n = 0;

	if (!in->sender_set)
		default_sender(in);
	if (in->use_args)
		n += in->rcpt.len;
	if (in->use_head)
		n += hl->len;
	if (in->queue) {
		/* everything is known and good: only now start the queue */
		if (n == 0)
			die_perm("no recipients");
		if (!qq_start(&in->qq))
			die_temp_sys("unable to run qmail-queue");
	} else {
		struct strbuf f = STRBUF_INIT;
		struct addr a = ADDR_INIT;
		enum addr_status st;

		if ((st = addr_set(&a, in->sender.data, in->sender.len)))
			die_addr(st, "sender", in->sender.data);
		xstrbuf_appends(&f, "Return-Path: <");
		if (!addr_quote(&f, &a))
			die_nomem();
		xstrbuf_appends(&f, ">\n");
		put(in, f.data, f.len);
		strbuf_free(&f);
		addr_free(&a);
	}
	if (resent) {
		if (!in->seen[H_R_DATE])
			put_date(in, "Resent-");
		if (!in->seen[H_R_MESSAGEID])
			put_msgid(in, "Resent-");
		if (!in->seen[H_R_FROM])
			put_from(in, "Resent-");
		if (!in->seen[H_R_TO] && !in->seen[H_R_CC])
			puts_(in, "Resent-Cc: recipient list not shown: ;\n");
	} else {
		if (!in->seen[H_DATE])
			put_date(in, "");
		if (!in->seen[H_MESSAGEID])
			put_msgid(in, "");
		if (!in->seen[H_FROM])
			put_from(in, "");
		if (!in->seen[H_TO] && !in->seen[H_CC])
			puts_(in, "Cc: recipient list not shown: ;\n");
		put_mft(in);
	}
	for (i = 0; i < in->saved.len; i++)
		puts_(in, in->saved.items[i]);
	in->hrcpt = hl;
}

static void
queue_message(struct inject *in)
{
	struct strlist all = STRLIST_INIT;
	const struct qq_code *c;
	size_t i;
	int code;

	if (!in->queue) {
		if (!iobuf_flush(&in->out))
			die_temp_sys("unable to write output");
		return;
	}
	if (in->use_args)
		for (i = 0; i < in->rcpt.len; i++)
			xstrlist_pushs(&all, in->rcpt.items[i]);
	if (in->use_head)
		for (i = 0; i < in->hrcpt->len; i++)
			xstrlist_pushs(&all, in->hrcpt->items[i]);
	code = qq_finish(&in->qq, in->sender.data, all.items, all.len);
	strlist_free(&all);
	if (code == 0)
		return;
	c = qq_lookup(code);
	if (c->class == QQ_PERM)
		die_perm("%s", c->reason);
	die_temp("%s", c->reason);
}

/* copies the rest of the message: LINE (the separator, or with
 * FIRST_IN_BODY the first body line after an added empty line), then what
 * is left of IN */
static void
copy_body(struct inject *in, struct iobuf *inbuf, const struct strbuf *line,
    bool first_in_body)
{
	char chunk[8192];
	char last;

	if (first_in_body)
		put(in, "\n", 1); /* qmail-inject starts the body so */
	put(in, line->data, line->len);
	last = line->len ? line->data[line->len - 1] : '\n';
	for (;;) {
		ssize_t r = iobuf_read(inbuf, chunk, sizeof chunk);
		size_t got;

		if (r == 0)
			break;
		if (r < 0)
			die_temp_sys("unable to read the message");
		got = (size_t)r;
		put(in, chunk, got);
		last = chunk[got - 1];
	}
	if (last != '\n')
		put(in, "\n", 1); /* as qmail's getln-based copy */
}

/* reads the header and body from fd 0 */
static void
read_message(struct inject *in)
{
	struct header h = HEADER_INIT;
	struct strbuf line = STRBUF_INIT, field = STRBUF_INIT;
	enum header_status hs = HEADER_MORE;
	struct iobuf inbuf;
	char buf[8192];
	bool body = false;

	iobuf_init(&inbuf, 0, buf, sizeof buf, 0);
	for (;;) {
		enum io_status st;

		strbuf_truncate(&line, 0);
		st = iobuf_getline(&inbuf, &line, HEADER_LINE_MAX, '\n');
		if (st == IO_ERR || st == IO_TIMEOUT)
			die_temp_sys("unable to read the message");
		if (st == IO_EOF && line.len == 0)
			break;
		if (st == IO_TOOLONG) {
			/* a long line may still be the first body line */
			if (line.data[0] == ' ' || line.data[0] == '\t' ||
			    header_field_valid(line.data, line.len) ||
			    memcmp(line.data, "From ", 5) == 0)
				die_perm("%s (more than %lu bytes)",
				    header_strerror(HEADER_ERR_LINE),
				    HEADER_LINE_MAX);
			hs = HEADER_END;
			h.body_line = true;
			body = true;
			break;
		}
		hs = header_line(&h, line.data, line.len, &field);
		if (hs == HEADER_ERROR)
			break;
		if (hs == HEADER_FIELD)
			do_field(in, &field);
		if (hs == HEADER_END)
			break;
		if (st == IO_EOF)
			break;
	}
	if (hs == HEADER_ERROR) {
		if (h.error == HEADER_ERR_NOMEM)
			die_nomem();
		die_perm("%s", header_strerror(h.error));
	}
	if (header_finish(&h, &field))
		do_field(in, &field);
	if (h.error == HEADER_ERR_NOMEM)
		die_nomem();
	finish_header(in);
	if (hs == HEADER_END)
		copy_body(in, &inbuf, &line, body || h.body_line);
	strbuf_free(&line);
	strbuf_free(&field);
	header_free(&h);
}

static void
usage(void)
{
	die_perm("usage: qmail-inject [ -nNaAhH ] [ -f sender ] "
		 "[ recipient ... ]");
}

static const char *
env_first(const char *a, const char *b, const char *c, const char *d)
{
	const char *v = getenv(a);

	if (v == NULL && b)
		v = getenv(b);
	if (v == NULL && c)
		v = getenv(c);
	if (v == NULL && d)
		v = getenv(d);
	return v;
}

int
main(int argc, char **argv)
{
	static struct inject in;
	enum recip_strategy strategy = RECIP_DEFAULT;
	const char *opts, *fopt = NULL;
	enum addr_status ast;
	int opt, i;

	die_init("qmail-inject");
	signal(SIGPIPE, SIG_IGN);
	in.start = time(NULL);
	in.queue = true;
	for (opts = getenv("QMAILINJECT"); opts && *opts; opts++)
		switch (*opts) {
		case 'c': in.name_comment = true; break;
		case 's': in.delete_sender = true; break;
		case 'f': in.delete_from = true; break;
		case 'i': in.delete_msgid = true; break;
		case 'r': in.verp_recip = true; break;
		case 'm': in.verp_mess = true; break;
		default: break;
		}
	in.mailhost = env_first("QMAILHOST", "MAILHOST", NULL, NULL);
	in.mailrhost = env_first("QMAILSHOST", NULL, NULL, NULL);
	if (in.mailrhost == NULL)
		in.mailrhost = in.mailhost;
	in.mailuser = env_first("QMAILUSER", "MAILUSER", "USER", "LOGNAME");
	if (in.mailuser == NULL)
		in.mailuser = "anonymous";
	in.mailruser = env_first("QMAILSUSER", NULL, NULL, NULL);
	if (in.mailruser == NULL)
		in.mailruser = in.mailuser;
	check_text("the user name", in.mailuser);
	check_text("the sender user name", in.mailruser);
	if (in.mailhost)
		check_text("the host name", in.mailhost);
	if (in.mailrhost)
		check_text("the sender host name", in.mailrhost);
	if ((opts = env_first("QMAILNAME", "MAILNAME", "NAME", NULL)))
		check_text("the full name", opts);

	opterr = 0; /* usage() says it */
	while ((opt = getopt(argc, argv, "aAhHnNf:")) != -1)
		switch (opt) {
		case 'a': strategy = RECIP_ARGS; break;
		case 'A': strategy = RECIP_DEFAULT; break;
		case 'h': strategy = RECIP_HEADER; break;
		case 'H': strategy = RECIP_BOTH; break;
		case 'n': in.queue = false; break;
		case 'N': in.queue = true; break;
		case 'f': fopt = optarg; break;
		default: usage();
		}
	argc -= optind;
	argv += optind;
	if (strategy == RECIP_DEFAULT)
		strategy = argc > 0 ? RECIP_ARGS : RECIP_HEADER;
	in.use_args = strategy != RECIP_HEADER;
	in.use_head = strategy != RECIP_ARGS;

	read_controls(&in);
	check_text("defaulthost", in.defaulthost.data);
	check_text("defaultdomain", in.defaultdomain.data);
	check_text("plusdomain", in.plusdomain.data);
	check_text("idhost", in.idhost.data);

	if (fopt != NULL) {
		struct addr a = ADDR_INIT;

		if ((ast = addr_set(&a, fopt, strlen(fopt))) ||
		    (ast = addr_qualify(&a, &in.defaults)))
			die_addr(ast, "bad sender address", fopt);
		set_sender(&in, &a, false);
		addr_free(&a);
	}
	for (i = 0; in.use_args && i < argc; i++) {
		struct addr a = ADDR_INIT;

		if ((ast = addr_set(&a, argv[i], strlen(argv[i]))) ||
		    (ast = addr_qualify(&a, &in.defaults)))
			die_addr(ast, "unable to parse address", argv[i]);
		if (a.text.len == 0)
			die_perm("unable to parse address: empty address");
		xstrlist_pushs(&in.rcpt, a.text.data);
		addr_free(&a);
	}
	if (!in.queue)
		iobuf_init(&in.out, 1, in.outbuf, sizeof in.outbuf, 0);
	read_message(&in);
	queue_message(&in);
	return 0;
}
