/*
 * qmail-smtpd - receive mail via SMTP (RFC 5321), s/qmail semantics.
 *
 * Runs under tcpserver as qmaild, one process per connection, talking on
 * fds 0 and 1 and logging to fd 2. doc/qmail-smtpd.8 documents every
 * control file, variable and reply; this file reads the configuration and
 * runs the command loop.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "ctl.h"
#include "mimescan.h"
#include "smtpcmd.h"
#include "smtpd.h"

static const char *
env_or(const char *a, const char *b, const char *dflt)
{
	const char *v = getenv(a);

	if (v == NULL || *v == '\0')
		v = b ? getenv(b) : NULL;
	return (v == NULL || *v == '\0') ? dflt : v;
}

void
smtpd_bad_variable(struct smtpd *s, const char *name)
{
	warn("bad value of %s", name);
	smtpd_log(s, "Reject", "SMTP", "Bad_Variable", name);
	smtpd_die_temp(s, "421 bad configuration (#4.3.0)", "Bad_Variable");
}

unsigned long
smtpd_env_ulong(struct smtpd *s, const char *name, unsigned long dflt,
    unsigned long max)
{
	const char *v = getenv(name);
	unsigned long n;

	if (v == NULL || *v == '\0')
		return dflt;
	if (!scan_ulong(v, &n) || n > max)
		smtpd_bad_variable(s, name);
	return n;
}

static void
ctl_fail(struct smtpd *s, const char *file)
{
	warn("unable to read control/%s", file);
	smtpd_die_temp(
	    s, "421 unable to read controls (#4.3.0)", "Control_Files");
}

static void
read_list(struct smtpd *s, struct strlist *l, const char *file)
{
	char path[64];
	size_t i;

	(void)snprintf(path, sizeof path, "control/%s", file);
	if (ctl_read_lines(l, path) == CTL_ERROR)
		ctl_fail(s, file);
	for (i = 0; i < l->len; i++) {
		char *p;

		for (p = l->items[i]; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	}
}

static void
read_line_default(
    struct smtpd *s, struct strbuf *out, const char *file, const char *dflt)
{
	char path[64];

	(void)snprintf(path, sizeof path, "control/%s", file);
	switch (ctl_read_line(out, path)) {
	case CTL_OK:
		if (out->len == 0 && !strbuf_copys(out, dflt))
			die_nomem(); /* an empty file means the default */
		break;
	case CTL_MISSING:
		if (!strbuf_copys(out, dflt))
			die_nomem();
		break;
	case CTL_ERROR:
		ctl_fail(s, file);
	}
}

/* open_cdb: a cdb named by a variable; missing = NULL with a warning */
static struct cdbx *
open_cdb(struct smtpd *s, const char *file, const char *var)
{
	char path[64];
	struct cdbx *db;

	(void)snprintf(path, sizeof path, "control/%s", file);
	if ((db = cdbx_open(path)) != NULL)
		return db;
	if (errno != ENOENT)
		ctl_fail(s, file);
	warn("%s is set but %s does not exist: that check is off", var, path);
	return NULL;
}

/* content_setup: BADMIMETYPE and BADLOADERTYPE, one character each */
static void
content_setup(struct smtpd *s)
{
	const char *v = getenv("BADMIMETYPE");

	if (v != NULL && strlen(v) == 1 && *v != '-') {
		s->badmimetypes =
		    open_cdb(s, "badmimetypes.cdb", "BADMIMETYPE");
		if (s->badmimetypes != NULL)
			s->mimeflags |= MIMESCAN_TYPE;
		if (*v == '!')
			s->mimeflags |= MIMESCAN_SPACE;
		s->mime_relay_off = *v == '+';
	}
	v = getenv("BADLOADERTYPE");
	if (v != NULL && *v == '+' && v[1] != '\0') {
		s->loader_relay_off = true; /* "+c": c, not for relay clients */
		v++;
	}
	if (v != NULL && strlen(v) == 1 && *v != '-') {
		s->loader_relay_off = s->loader_relay_off || *v == '+';
		s->loader = *v;
		s->badloadertypes =
		    open_cdb(s, "badloadertypes.cdb", "BADLOADERTYPE");
		if (s->badloadertypes != NULL)
			s->loaderflags = MIMESCAN_LOADER;
	}
}

static void
setup(struct smtpd *s, char **checkprogram)
{
	unsigned long n;
	const char *v;

	s->pid = (unsigned long)getpid();
	s->remoteip = env_or("TCPREMOTEIP", "TCP6REMOTEIP", "unknown");
	s->remotehost = env_or("TCPREMOTEHOST", "TCP6REMOTEHOST", "unknown");
	s->remoteinfo = env_or("TCPREMOTEINFO", "TCP6REMOTEINFO", NULL);
	s->localip = env_or("TCPLOCALIP", "TCP6LOCALIP", "unknown");
	s->localport = env_or("TCPLOCALPORT", "TCP6LOCALPORT", "");
	s->relayclient = getenv("RELAYCLIENT");
	s->relay_env = s->relayclient;
	s->remoteinfo_env = s->remoteinfo;
	s->helocheck = getenv("HELOCHECK");
	s->mfdnscheck = getenv("MFDNSCHECK");
	s->localmfcheck = getenv("LOCALMFCHECK");
	s->recipients450 = getenv("RECIPIENTS450") != NULL;

	s->timeout = 1200;
	if (chdir(auto_qmail) == -1)
		smtpd_die_temp(s, "421 unable to chdir (#4.3.0)", "Chdir");
	switch (ctl_read_ulong(&n, "control/timeoutsmtpd", 1, INT_MAX)) {
	case CTL_OK:
		s->timeout = (int)n;
		break;
	case CTL_MISSING:
		break;
	case CTL_ERROR:
		ctl_fail(s, "timeoutsmtpd");
	}
	s->in.timeout = s->out.timeout = s->timeout;

	read_line_default(s, &s->me, "me", "localhost");
	read_line_default(s, &s->greeting, "smtpgreeting", s->me.data);
	read_line_default(s, &s->localiphost, "localiphost", s->me.data);
	read_list(s, &s->rcpthosts, "rcpthosts");
	if (s->rcpthosts.len == 0 &&
	    access("control/morercpthosts.cdb", F_OK) == -1) {
		/* qmail would be an open relay here; we refuse instead */
		s->rcpthosts_missing = true;
		warn("control/rcpthosts is missing or empty: refusing all "
		     "recipients from clients without RELAYCLIENT");
	}
	read_list(s, &s->badmailfrom, "badmailfrom");
	read_list(s, &s->badrcptto, "badrcptto");
	if (s->helocheck != NULL)
		read_list(s, &s->badhelo, "badhelo");
	/* not lower-cased: the lines hold paths and program names */
	if (ctl_read_lines(&s->recipients, "control/recipients") == CTL_ERROR)
		ctl_fail(s, "recipients");
	content_setup(s);
	smtpd_hooks_setup(s);
	switch (ctl_read_ulong(&n, "control/databytes", 0, ULONG_MAX)) {
	case CTL_OK:
		s->databytes = n;
		break;
	case CTL_MISSING:
		break;
	case CTL_ERROR:
		ctl_fail(s, "databytes");
	}
	s->databytes = smtpd_env_ulong(
	    s, "DATABYTES", (unsigned long)s->databytes, ULONG_MAX);
	s->maxrcpt = smtpd_env_ulong(s, "MAXRECIPIENTS", 0, ULONG_MAX);
	s->tarpitcount = smtpd_env_ulong(s, "TARPITCOUNT", 0, ULONG_MAX);
	s->tarpitdelay = smtpd_env_ulong(s, "TARPITDELAY", 0, ULONG_MAX);

	v = getenv("UCSPITLS");
	if (v == NULL || *v == '\0')
		s->ucspitls = TLS_OFFER;
	else if (*v == '!')
		s->ucspitls = TLS_REQUIRE;
	else if (*v == '?')
		s->ucspitls = TLS_CERT;
	else if (*v == '@')
		s->ucspitls = TLS_CERTAUTH;
	else
		s->ucspitls = TLS_OFF;
	v = getenv("SMTPS");
	s->smtps = strcmp(s->localport, "465") == 0 || (v != NULL && *v);
	smtpd_tls_setup(s);
	smtpd_auth_setup(s, checkprogram);
}

bool
smtpd_tls_required(const struct smtpd *s)
{
	return s->ucspitls == TLS_REQUIRE || s->ucspitls == TLS_CERT ||
	    s->ucspitls == TLS_CERTAUTH;
}

/* greet: RFC 5321 4.3.1 lets the client speak only after the greeting.
 * With GREETDELAY=n we wait n seconds first, and any byte that arrived by
 * then is a protocol violation (554 and hang up). Without it, early bytes
 * are simply read as the first commands, as if pipelined. Either way the
 * outcome never depends on timing within the delay. */
static void
greet(struct smtpd *s)
{
	unsigned long delay = smtpd_env_ulong(s, "GREETDELAY", 0, ULONG_MAX);
	struct pollfd p = { 0, POLLIN, 0 };
	char c;
	int r;

	if (delay > 300)
		delay = 300;
	do
		r = delay > 0 ? poll(&p, 1, (int)delay * 1000) : 0;
	while (r == -1 && errno == EINTR);
	if (!s->smtps && delay > 0 && r > 0) {
		if (read(0, &c, 1) == 1) {
			smtpd_log(s, "Reject", "SNTX", "Pregreet", NULL);
			smtpd_reply(s,
			    "554 SMTP protocol violation: client "
				       "sent data before greeting (#5.5.0)");
			smtpd_quit(s, 0);
		}
		smtpd_quit(s, 0); /* EOF before the greeting */
	}
	smtpd_reply(s, "220 %s ESMTP", s->greeting.data);
}

static void
ehlo(struct smtpd *s, const char *arg, size_t len, bool extended)
{
	if (!strbuf_copy(&s->helo, arg, len))
		die_nomem();
	s->seenhelo = true;
	s->ehlo = extended;
	smtpd_reset_transaction(s);
	if (!extended) {
		smtpd_reply(s, "250 %s", s->me.data);
		return;
	}
	smtpd_reply(s, "250-%s", s->me.data);
	smtpd_reply(s, "250-PIPELINING");
	smtpd_reply(s, "250-8BITMIME");
	smtpd_reply(s, "250-SMTPUTF8");
	if (s->tls_available && s->tls == NULL)
		smtpd_reply(s, "250-STARTTLS");
	if (smtpd_auth_offered(s)) {
		struct strbuf a = STRBUF_INIT;

		if (!sasl_ehlo(&a, s->auth.mechs))
			die_nomem();
		smtpd_reply(s, "250-%s", a.data);
		strbuf_free(&a);
	}
	if (s->databytes)
		smtpd_reply(s, "250 SIZE %llu", s->databytes);
	else
		smtpd_reply(s, "250 SIZE");
}

void
smtpd_error(struct smtpd *s)
{
	if (++s->errors >= SMTPD_ERRORS_MAX) {
		smtpd_log(s, "Reject", "SNTX", "Too_Many_Errors", NULL);
		smtpd_reply(s,
		    "421 too many errors, closing connection "
			       "(#4.7.0)");
		smtpd_quit(s, 0);
	}
}

/* skip_line: discards the rest of an overlong line, bounded by the
 * timeout; the caller has replied already */
static void
skip_line(struct smtpd *s)
{
	struct strbuf junk = STRBUF_INIT;
	enum io_status st;

	do {
		junk.len = 0;
		st = iobuf_getline(&s->in, &junk, sizeof s->inbuf, '\n');
	} while (st == IO_TOOLONG);
	strbuf_free(&junk);
	if (st != IO_OK)
		smtpd_quit(s, 0);
}

static void
command(struct smtpd *s, const char *line, size_t len)
{
	enum smtpcmd cmd;
	size_t arg, alen;

	switch (smtpcmd_parse(line, len, &cmd, &arg, &alen)) {
	case SMTPCMD_OK:
		/* only AUTH may be longer (RFC 4954 4: initial response) */
		if (len > SMTPD_LINE_MAX && cmd != SMTPCMD_AUTH) {
			smtpd_log(s, "Reject", "SNTX", "Line_Too_Long", NULL);
			smtpd_reply(s, "500 line too long (#5.5.2)");
			smtpd_error(s);
			return;
		}
		break;
	case SMTPCMD_NUL:
		smtpd_log(s, "Reject", "SNTX", "NUL_In_Command", NULL);
		smtpd_reply(s, "501 NUL byte in command (#5.5.2)");
		smtpd_error(s);
		return;
	case SMTPCMD_CTRL:
		smtpd_reply(s,
		    "501 control character or bare CR in command "
			       "(#5.5.2)");
		smtpd_error(s);
		return;
	case SMTPCMD_EMPTY:
		smtpd_reply(s, "500 empty command (#5.5.2)");
		smtpd_error(s);
		return;
	}
	switch (cmd) {
	case SMTPCMD_HELO:
	case SMTPCMD_EHLO:
		ehlo(s, line + arg, alen, cmd == SMTPCMD_EHLO);
		break;
	case SMTPCMD_MAIL:
		smtpd_mail(s, line + arg, alen);
		break;
	case SMTPCMD_RCPT:
		smtpd_rcpt(s, line + arg, alen);
		break;
	case SMTPCMD_DATA:
		if (alen != 0) {
			smtpd_reply(s, "501 DATA takes no argument (#5.5.4)");
			smtpd_error(s);
			break;
		}
		smtpd_data(s);
		break;
	case SMTPCMD_RSET:
		smtpd_reset_transaction(s);
		smtpd_reply(s, "250 flushed");
		break;
	case SMTPCMD_NOOP:
		smtpd_reply(s, "250 ok");
		break;
	case SMTPCMD_VRFY:
		smtpd_reply(s, "252 send some mail, i'll try my best");
		break;
	case SMTPCMD_HELP:
		smtpd_reply(s, "214 qmail-smtpd: see qmail-smtpd(8)");
		break;
	case SMTPCMD_STARTTLS:
		if (alen != 0) {
			smtpd_reply(s,
			    "501 STARTTLS takes no argument "
				       "(#5.5.4)");
			smtpd_error(s);
			break;
		}
		smtpd_starttls(s);
		break;
	case SMTPCMD_QUIT:
		smtpd_reply(s, "221 %s", s->me.data);
		smtpd_quit(s, 0);
	case SMTPCMD_AUTH:
		smtpd_auth(s, line + arg, alen);
		break;
	case SMTPCMD_EXPN:
	case SMTPCMD_BDAT:
		smtpd_reply(s, "502 unimplemented (#5.5.1)");
		smtpd_error(s);
		break;
	case SMTPCMD_UNKNOWN:
		smtpd_reply(s, "500 unrecognized command (#5.5.1)");
		smtpd_error(s);
		break;
	}
}

int
main(int argc, char **argv)
{
	static struct smtpd s;
	struct strbuf line = STRBUF_INIT;

	die_init(argv[0]);
	smtpd_handoff_helper();
	signal(SIGPIPE, SIG_IGN);
	iobuf_init(&s.in, 0, s.inbuf, sizeof s.inbuf, 1200);
	iobuf_init(&s.out, 1, s.outbuf, sizeof s.outbuf, 1200);
	setup(&s, argc > 1 ? argv + 1 : NULL);
	if (!smtpd_handoff(&s, argv)) {
		if (s.smtps)
			smtpd_smtps(&s);
		greet(&s);
	}
	for (;;) {
		/* flush only when the client waits for us: PIPELINING */
		if (iobuf_buffered(&s.in) == 0 && !smtpd_flush(&s))
			smtpd_quit(&s, 0);
		line.len = 0;
		switch (iobuf_getline(&s.in, &line, SASL_LINE_MAX + 2, '\n')) {
		case IO_OK:
			command(&s, line.data, line.len);
			/* it may have been AUTH PLAIN with a password */
			explicit_bzero(line.data, line.len);
			break;
		case IO_TOOLONG:
			smtpd_log(&s, "Reject", "SNTX", "Line_Too_Long", NULL);
			smtpd_reply(&s, "500 line too long (#5.5.2)");
			(void)smtpd_flush(&s);
			skip_line(&s);
			smtpd_error(&s);
			break;
		case IO_TIMEOUT:
			smtpd_log(&s, "Reject", "SMTP", "Timeout", NULL);
			smtpd_reply(&s, "451 timeout (#4.4.2)");
			smtpd_quit(&s, 0);
		case IO_EOF:
		case IO_ERR:
			smtpd_quit(&s, 0);
		}
	}
}
