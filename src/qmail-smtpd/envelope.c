/*
 * envelope.c - MAIL FROM and RCPT TO with s/qmail's policy checks.
 *
 * Split horizon: the HELO checks, the routing check, rcpthosts and the
 * tarpit apply only to clients without RELAYCLIENT; badmailfrom,
 * badrcptto and the recipient limits apply to everybody. As in s/qmail,
 * a bad sender is remembered at MAIL and refused at each RCPT, so that
 * the log line names the recipient too. Order (qmail-smtpd(8)):
 *   non-relay: HELO present -> badhelo -> HELO '=' / DNS -> MFDNSCHECK
 *              -> routing characters -> rcpthosts -> tarpit -> recipients
 *   relay:     LOCALMFCHECK -> append $RELAYCLIENT
 *   all:       badmailfrom -> badrcptto -> MAXRECIPIENTS
 * AUTH and a verified client certificate make a client a relay client.
 */
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dns.h"
#include "idn.h"
#include "policy.h"
#include "recipients.h"
#include "smtpcmd.h"
#include "smtpd.h"

void
smtpd_reset_transaction(struct smtpd *s)
{
	s->seenmail = false;
	s->mail_utf8 = false;
	s->bmf_reject = s->bmf_skip = false;
	s->mf_dnsbad = s->mav_reject = false;
	s->spf_done = false;
	s->spf_header.len = 0;
	s->bmf_form = ' ';
	s->mailfrom.len = 0;
	(void)strbuf_terminate(&s->mailfrom);
	strlist_free(&s->rcpts);
	s->rcpt_tries = 0;
}

static void
lower(char *p)
{
	for (; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
}

static void
addr_error(struct smtpd *s, enum smtpaddr_status st, bool sender)
{
	switch (st) {
	case SMTPADDR_OK:
		break;
	case SMTPADDR_SYNTAX:
		smtpd_reply(s,
		    sender ? "501 bad sender address syntax "
			     "(#5.1.7)"
			   : "501 bad recipient address syntax "
					"(#5.1.3)");
		break;
	case SMTPADDR_TOOLONG:
		smtpd_reply(
		    s, "553 address too long (#5.1.%d)", sender ? 7 : 3);
		break;
	case SMTPADDR_8BIT:
		smtpd_reply(s,
		    "553 non-ASCII address requires SMTPUTF8 "
			       "(#5.6.7)");
		break;
	case SMTPADDR_BADIDN:
		smtpd_reply(s,
		    "553 invalid internationalized domain "
		    "(#5.1.%d)",
		    sender ? 7 : 2);
		break;
	case SMTPADDR_NOMEM:
		smtpd_die_temp(
		    s, "421 out of memory (#4.3.0)", "Out_Of_Memory");
	}
}

static bool rcpthosts_ok(struct smtpd *s, const char *domain);

static bool
local_domain(void *ctx, const char *domain)
{
	return rcpthosts_ok(ctx, domain);
}

/* mfdns: MFDNSCHECK for SENDER (domain at AT): MX, else A/AAAA, through
 * res_query. DNS_SOFT and DNS_HARD/DNS_NULLMX are the caller's business */
static enum dns_status
mfdns(const struct smtpaddr *a)
{
	static struct dns_peers peers; /* 70 KB: not on the stack */
	struct strbuf ace = STRBUF_INIT;
	const char *d = smtpaddr_domain(a);
	enum dns_status st;

	if (a->literal || a->at >= a->addr.len)
		return DNS_OK; /* nothing to look up */
	if (a->utf8) {
		if (!idn_domain_to_ascii(d, &ace)) {
			strbuf_free(&ace);
			return DNS_HARD;
		}
		d = ace.data;
	}
	st = dns_mx_addrs(d, &peers);
	strbuf_free(&ace);
	return st;
}

void
smtpd_mail(struct smtpd *s, const char *arg, size_t len)
{
	struct smtpaddr a = SMTPADDR_INIT;
	struct smtpcmd_mailparams mp;
	struct policy_sender ps;
	enum smtpaddr_status st;
	size_t pre, rest;

	if (s->seenmail) {
		smtpd_reply(s, "503 nested MAIL command (#5.5.1)");
		return;
	}
	if (smtpd_tls_required(s) && s->tls == NULL) {
		smtpd_log(s, "Reject", "TLS", "Required", NULL);
		smtpd_reply(s,
		    "530 must issue a STARTTLS command first "
			       "(#5.7.0)");
		return;
	}
	if (s->auth.required && !s->authenticated) {
		smtpd_log(s, "Reject", "AUTH", "Missing", NULL);
		smtpd_reply(s, "530 authentication required (#5.7.0)");
		return;
	}
	if ((pre = smtpcmd_prefix(arg, len, "FROM:")) == 0) {
		smtpd_reply(s, "501 syntax: MAIL FROM:<address> (#5.5.4)");
		return;
	}
	/* the parameters decide whether non-ASCII is allowed: find
	 * SMTPUTF8 first by parsing once leniently */
	st = smtpaddr_parse(&a, arg + pre, len - pre, true, &rest);
	if (st != SMTPADDR_OK) {
		addr_error(s, st, true);
		goto out;
	}
	switch (smtpcmd_mail_params(arg + pre + rest, len - pre - rest, &mp)) {
	case SMTPCMD_PARAM_OK:
		break;
	case SMTPCMD_PARAM_SYNTAX:
		smtpd_reply(s, "501 bad MAIL parameter (#5.5.4)");
		goto out;
	case SMTPCMD_PARAM_UNKNOWN:
		smtpd_reply(s, "555 unsupported MAIL parameter (#5.5.4)");
		goto out;
	}
	if (!mp.smtputf8 && a.utf8) {
		addr_error(s, SMTPADDR_8BIT, true);
		goto out;
	}
	if (mp.has_size && s->databytes && mp.size > s->databytes) {
		smtpd_log(s, "Reject", "SIZE", "Too_Big", NULL);
		smtpd_reply_text(s, "552", "REPLY_MAXSIZE",
		    "sorry, that message size exceeds my databytes limit "
		    "(#5.3.4)");
		goto out;
	}
	if (!strbuf_copy(&s->mailfrom, a.addr.data, a.addr.len))
		die_nomem();
	s->seenmail = true;
	s->mail_utf8 = mp.smtputf8;

	/* badmailfrom: evaluated now, refused at RCPT (s/qmail) */
	if (s->badmailfrom.len > 0 && a.addr.len > 0) {
		struct strbuf low = STRBUF_INIT, host = STRBUF_INIT;
		enum policy_verdict v;

		if (!strbuf_copy(&low, a.addr.data, a.addr.len) ||
		    !strbuf_copys(&host, s->remotehost))
			die_nomem();
		lower(low.data);
		lower(host.data);
		ps.sender = low.data;
		ps.remotehost = host.data;
		ps.relayclient = s->relayclient != NULL;
		v = policy_badmailfrom(&s->badmailfrom, &ps, &s->bmf_form);
		s->bmf_reject = v == POLICY_REJECT;
		s->bmf_skip = v == POLICY_SKIP;
		strbuf_free(&low);
		strbuf_free(&host);
	}
	/* MFDNSCHECK: split horizon, and a "?" badmailfrom line skips it */
	if (s->mfdnscheck != NULL && s->relayclient == NULL && !s->bmf_skip &&
	    a.addr.len > 0) {
		switch (mfdns(&a)) {
		case DNS_OK:
			break;
		case DNS_SOFT:
			/* never 5xx for a DNS hiccup: the sender retries */
			smtpd_log(s, "Reject", "ORIG", "DNS_Temp", NULL);
			smtpd_reply(s, "451 DNS temporary failure (#4.4.3)");
			smtpd_reset_transaction(s);
			goto out;
		case DNS_HARD:
		case DNS_NULLMX:
			s->mf_dnsbad = true; /* refused at RCPT */
			break;
		}
	}
	if (s->localmfcheck != NULL && s->relayclient != NULL &&
	    s->mfrules != NULL) {
		bool temp;

		/* LOCALMFCHECK=!: control/mailfromrules.cdb */
		s->mav_reject = smtpd_mfrules(s, a.addr.data, &temp) ==
		    POLICY_REJECT;
		if (temp) {
			smtpd_log(s, "Reject", "ORIG", "Mailfromrules_Temp",
			    NULL);
			smtpd_reply(s,
			    "451 unable to read controls (#4.3.0)");
			smtpd_reset_transaction(s);
			goto out;
		}
	} else if (s->localmfcheck != NULL && s->relayclient != NULL) {
		struct policy_mav m = {s->localmfcheck, a.addr.data,
		    s->authmech != NULL && strcmp(s->authmech, "cert") != 0
			? s->authuser.data
			: NULL,
		    s->certmail.len > 0 ? s->certmail.data : NULL, local_domain,
		    s};

		s->mav_reject = policy_localmf(&m) == POLICY_REJECT;
	}
	smtpd_reply(s, "250 ok");
out:
	smtpaddr_free(&a);
}

/* dns_exists: true when NAME has an A/AAAA (MX false) or MX record */
static bool
dns_exists(const char *name, bool mx)
{
	struct addrinfo hints, *res;
	unsigned char answer[512];

	if (mx)
		return res_query(name, C_IN, T_MX, answer, sizeof answer) > 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return false;
	freeaddrinfo(res);
	return true;
}

/* helo_refused: the HELOCHECK tests; true after replying */
static bool
helo_refused(struct smtpd *s, const char *rcpt)
{
	const char *hc = s->helocheck;
	struct strbuf low = STRBUF_INIT;
	bool single, bad = false, nodns = false;
	const char *cond = "Bad_Helo";
	size_t i;

	if (hc == NULL)
		return false;
	single = hc[0] != '\0' && hc[1] == '\0';
	if (single && (!s->seenhelo || s->helo.len == 0)) {
		smtpd_log(s, "Reject", "HELO", "Missing_Helo", rcpt);
		smtpd_reply_text(s, "553", "REPLY_HELO",
		    "sorry, HELO/EHLO greeting required (#5.7.1)");
		return true;
	}
	if (strcmp(hc, "!") == 0)
		return false;
	if (!strbuf_copy(&low, s->helo.data ? s->helo.data : "", s->helo.len))
		die_nomem();
	lower(low.data);
	for (i = 0; i < s->badhelo.len; i++) {
		/* "name!" lines: refused, and no DNS lookups for them */
		const char *l = s->badhelo.items[i];
		size_t n = strlen(l);

		if (n > 1 && l[n - 1] == '!' && n - 1 == low.len &&
		    memcmp(l, low.data, low.len) == 0)
			bad = nodns = true;
	}
	if (!bad && policy_list_match(&s->badhelo, low.data) != POLICY_NONE)
		bad = true;
	if (!bad && strcmp(hc, "=") == 0 &&
	    strcasecmp(s->helo.data ? s->helo.data : "", s->remotehost) != 0) {
		bad = true;
		cond = "Helo_Mismatch";
	}
	if (!bad && !nodns && (strcmp(hc, "A") == 0 || strcmp(hc, "M") == 0) &&
	    !dns_exists(low.data, hc[0] == 'M')) {
		bad = true;
		cond = "Helo_DNS";
	}
	strbuf_free(&low);
	if (!bad)
		return false;
	smtpd_log(s, "Reject", "HELO", cond, rcpt);
	smtpd_reply_text(s, "553", "REPLY_HELO",
	    "sorry, your HELO/EHLO greeting is not acceptable (#5.7.1)");
	return true;
}

static bool
rcpthosts_ok(struct smtpd *s, const char *domain)
{
	struct cdbx *db;
	enum cdbx_status st;

	if (s->rcpthosts_missing)
		return false;
	if (policy_rcpthosts(&s->rcpthosts, domain))
		return true;
	if ((db = cdbx_open("control/morercpthosts.cdb")) == NULL) {
		if (errno == ENOENT)
			return false;
		smtpd_die_temp(
		    s, "421 unable to read controls (#4.3.0)", "Morercpthosts");
	}
	st = policy_morercpthosts(db, domain);
	cdbx_close(db);
	if (st == CDBX_ERROR)
		smtpd_die_temp(
		    s, "421 unable to read controls (#4.3.0)", "Morercpthosts");
	return st == CDBX_FOUND;
}

/* localiphost: box@[our.ip] becomes box@localiphost (qmail) */
static void
localiphost(struct smtpd *s, struct smtpaddr *a)
{
	const char *d = smtpaddr_domain(a);
	size_t n = strlen(s->localip);

	if (!a->literal || d[0] != '[')
		return;
	d++;
	if (strncasecmp(d, "IPv6:", 5) == 0)
		d += 5;
	if (strncmp(d, s->localip, n) != 0 || strcmp(d + n, "]") != 0)
		return;
	strbuf_truncate(&a->addr, a->at + 1);
	if (!strbuf_appends(&a->addr, s->localiphost.data))
		die_nomem();
	a->literal = false;
}

static void
tarpit(struct smtpd *s)
{
	if (s->relayclient != NULL || s->tarpitcount == 0 ||
	    s->rcpt_tries <= s->tarpitcount)
		return;
	if (s->tarpitdelay == 999) {
		/* "notorious": this client is not worth a conversation */
		smtpd_log(s, "Reject", "RCPT", "Tarpit_Drop", NULL);
		smtpd_reply(s,
		    "421 too many recipients, closing connection "
			       "(#4.7.0)");
		smtpd_quit(s, 0);
	}
	if (s->tarpitdelay > 0) {
		(void)smtpd_flush(s);
		sleep((unsigned)(s->tarpitdelay > 600 ? 600 : s->tarpitdelay));
	}
}

void
smtpd_rcpt(struct smtpd *s, const char *arg, size_t len)
{
	struct smtpaddr a = SMTPADDR_INIT;
	struct strbuf low = STRBUF_INIT;
	enum recipients_result accept = RECIPIENTS_PASS;
	enum smtpaddr_status st;
	const char *rcpt;
	size_t pre, rest;

	if (!s->seenmail) {
		smtpd_reply(s, "503 MAIL first (#5.5.1)");
		return;
	}
	if ((pre = smtpcmd_prefix(arg, len, "TO:")) == 0) {
		smtpd_reply(s, "501 syntax: RCPT TO:<address> (#5.5.4)");
		return;
	}
	s->rcpt_tries++;
	st = smtpaddr_parse(&a, arg + pre, len - pre, s->mail_utf8, &rest);
	if (st == SMTPADDR_OK && a.addr.len == 0)
		st = SMTPADDR_SYNTAX; /* <> is no recipient */
	if (st != SMTPADDR_OK) {
		addr_error(s, st, false);
		goto out;
	}
	if (smtpcmd_rcpt_params(arg + pre + rest, len - pre - rest) !=
	    SMTPCMD_PARAM_OK) {
		smtpd_reply(s, "555 unsupported RCPT parameter (#5.5.4)");
		goto out;
	}
	localiphost(s, &a);
	rcpt = a.addr.data;
	if (!strbuf_copy(&low, a.addr.data, a.addr.len))
		die_nomem();
	lower(low.data);

	if (s->relayclient == NULL) {
		if (helo_refused(s, rcpt))
			goto invalid;
		if (s->mf_dnsbad) {
			smtpd_log(s, "Reject", "ORIG", "DNS_MF", rcpt);
			smtpd_reply_text(s, "553", "REPLY_SENDEREXIST",
			    "sorry, your envelope sender domain must exist "
			    "(#5.1.8)");
			goto invalid;
		}
		if (a.routing) {
			/* u%h@ours, h!u@ours, "u@h"@ours: never a relay */
			smtpd_log(s, "Reject", "RCPT", "Routing", rcpt);
			smtpd_reply(s,
			    "553 sorry, source routing is not "
				       "allowed here (#5.7.1)");
			goto invalid;
		}
		if (a.at < a.addr.len &&
		    !rcpthosts_ok(s, low.data + a.at + 1)) {
			smtpd_log(s, "Reject", "RCPT",
			    s->rcpthosts_missing ? "No_Rcpthosts"
						 : "Failed_Rcpthosts",
			    rcpt);
			smtpd_reply_text(s, "553", "REPLY_NOGATEWAY",
			    "sorry, that domain isn't in my list of allowed "
			    "rcpthosts (#5.7.1)");
			goto invalid;
		}
		if (s->tarpitcount && s->invalid_rcpts >= s->tarpitcount) {
			smtpd_log(s, "Reject", "RCPT", "Tarpitting", rcpt);
			if (s->tarpitdelay == 999) {
				smtpd_reply(s,
				    "421 too many invalid "
					       "recipients (#4.7.0)");
				smtpd_quit(s, 0);
			}
			smtpd_reply(s,
			    "553 too many invalid recipients "
				       "(#5.7.1)");
			goto out;
		}
		accept = recipients_check(
		    &s->recipients, rcpt, (unsigned)s->timeout);
		if (accept == RECIPIENTS_TEMP) {
			smtpd_log(s, "Reject", "RCPT", "Recipients_Temp", rcpt);
			warn_sys("control/recipients: lookup failed for a "
				 "recipient");
			smtpd_reply(s,
			    "451 temporary problem checking the "
			    "recipient (#4.3.0)");
			goto out;
		}
		if (accept == RECIPIENTS_NOTFOUND) {
			smtpd_log(s, "Reject", "RCPT", "Failed_Rcptto", rcpt);
			smtpd_reply_text(s, s->recipients450 ? "450" : "550",
			    "REPLY_MAILBOX",
			    s->recipients450
				? "sorry, no mailbox by that name (#4.1.1)"
				: "sorry, no mailbox by that name (#5.1.1)");
			goto invalid;
		}
	} else {
		if (s->mav_reject) {
			smtpd_log(
			    s, "Reject", "ORIG", "Invalid_Mailfrom", rcpt);
			smtpd_reply_text(s, "553", "REPLYMAV",
			    "sorry, this envelope sender is not allowed for "
			    "you (#5.7.1)");
			goto invalid;
		}
		if (*s->relayclient != '\0') {
		if (!strbuf_appends(&a.addr, s->relayclient))
			die_nomem();
		rcpt = a.addr.data;
	}
	}
	if (s->bmf_reject) {
		char cond[32];

		(void)snprintf(cond, sizeof cond, "Bad_Mailfrom%s%c",
		    s->bmf_form == ' ' ? "" : "_", s->bmf_form);
		smtpd_log(s, "Reject", "ORIG", cond, rcpt);
		smtpd_reply_text(s, "553", "REPLY_BADMAILFROM",
		    "sorry, your envelope sender is in my badmailfrom list "
		    "(#5.7.1)");
		goto invalid;
	}
	if (s->badrcptto.len > 0 &&
	    policy_list_match(&s->badrcptto, low.data) != POLICY_NONE) {
		smtpd_log(s, "Reject", "RCPT", "Bad_Rcptto", rcpt);
		smtpd_reply_text(s, "553", "REPLY_BADRCPTTO",
		    "sorry, your envelope recipient is in my badrcptto list "
		    "(#5.7.1)");
		goto invalid;
	}
	if ((s->maxrcpt && s->rcpts.len >= s->maxrcpt) ||
	    s->rcpts.len >= SMTPD_RCPT_MAX) {
		smtpd_log(s, "Reject", "RCPT", "Max_Recipients", rcpt);
		smtpd_reply(s, "452 sorry, too many recipients (#4.5.3)");
		goto out;
	}
	/* s/qmail: SPF after the recipient checks; here also after the
	 * local refusals, which cost no DNS query. Greylisting last: only
	 * mail we would take is greylisted */
	if (s->relayclient == NULL && smtpd_spf_refused(s, rcpt))
		goto out;
	if (s->relayclient == NULL && smtpd_postgrey_refused(s, rcpt))
		goto out;
	tarpit(s);
	if (!strlist_push(&s->rcpts, a.addr.data, a.addr.len))
		die_nomem();
	if (s->relayclient == NULL)
		smtpd_log(s, "Accept", "RCPT", recipients_name(accept), rcpt);
	else if (s->authenticated)
		smtpd_log(s, "Accept", "AUTH", s->authmech, rcpt);
	else
		smtpd_log(s, "Accept", "RCPT", "Relayclient", rcpt);
	smtpd_reply(s, "250 ok");
	goto out;
invalid:
	s->invalid_rcpts++;
	tarpit(s);
out:
	strbuf_free(&low);
	smtpaddr_free(&a);
}
