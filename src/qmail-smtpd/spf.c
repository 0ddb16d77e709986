/*
 * spf.c - SPF (RFC 7208, lib/spf.c) at RCPT with s/qmail's SPF levels:
 *   0 off; 1 Received-SPF and SPFRESULT only; 2 also 451 on a DNS
 *   failure (temperror); 3 also 550 for fail; 4 also softfail;
 *   5 also neutral; 6 also none and permerror.
 * Split horizon: only for clients without RELAYCLIENT, after the
 * recipient checks (so unknown recipients cost no DNS), evaluated once
 * per transaction. control/spflocalrules holds mechanisms tried before
 * "all"; control/spfexplain the refusal text when the domain has no exp=.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "qq.h"
#include "smtpd.h"
#include "spf.h"

#define SPF_DEFAULT_EXPLAIN                                                    \
	"See https://www.open-spf.org/Why?s=%{S}&ip=%{C}&r=%{R}"

static _Noreturn void
bad_spf_control(struct smtpd *s, const char *file)
{
	warn("unable to read or parse control/%s", file);
	smtpd_die_temp(
	    s, "421 unable to read controls (#4.3.0)", "Control_Files");
}

void
smtpd_spf_setup(struct smtpd *s)
{
	struct strbuf rec = STRBUF_INIT;

	s->spf = (unsigned)smtpd_env_ulong(s, "SPF", 0, 6);
	if (s->spf == 0)
		return;
	switch (ctl_read_line(&s->spflocalrules, "control/spflocalrules")) {
	case CTL_OK:
	case CTL_MISSING:
		break;
	case CTL_ERROR:
		bad_spf_control(s, "spflocalrules");
	}
	if (s->spflocalrules.len > 0) {
		/* a syntax error here would make every check permerror */
		if (!strbuf_printf(&rec, "v=spf1 %s", s->spflocalrules.data))
			die_nomem();
		if (!spf_record_valid(rec.data))
			bad_spf_control(s, "spflocalrules");
		strbuf_free(&rec);
	}
	if (ctl_read_line(&s->spfexplain, "control/spfexplain") == CTL_ERROR)
		bad_spf_control(s, "spfexplain");
	if (s->spfexplain.len == 0 &&
	    !strbuf_copys(&s->spfexplain, SPF_DEFAULT_EXPLAIN))
		die_nomem(); /* missing or empty: the default */
}

static const char *
cond_name(enum spf_result r)
{
	static const char *const names[] = {"None", "Neutral", "Pass", "Fail",
	    "SoftFail", "TempError", "PermError"};

	return names[r];
}

/* header: the RFC 7208 9.1 Received-SPF field, peer text made safe */
static void
header(struct smtpd *s, const struct spf_query *q, const struct spf_outcome *o)
{
	struct strbuf *h = &s->spf_header;
	const char *who = q->sender[0] ? q->sender : o->domain;

	h->len = 0;
	(void)strbuf_printf(
	    h, "Received-SPF: %s (", spf_result_name(o->result));
	smtpd_safe(h, s->me.data, 255);
	(void)strbuf_appends(h, ": ");
	switch (o->result) {
	case SPF_PASS:
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		(void)strbuf_appends(h, "domain of ");
		smtpd_safe(h, who, 300);
		(void)strbuf_appends(h, o->result == SPF_PASS ? " designates "
					: o->result == SPF_NEUTRAL
					    ? " neither permits nor "
					      "denies "
					    : " does not designate ");
		smtpd_safe(h, s->remoteip, 64);
		(void)strbuf_appends(h,
		    o->result == SPF_NEUTRAL ? ")" : " as permitted sender)");
		break;
	case SPF_NONE:
		(void)strbuf_appends(h, "domain of ");
		smtpd_safe(h, who, 300);
		(void)strbuf_appends(
		    h, " does not designate permitted sender hosts)");
		break;
	case SPF_TEMPERROR:
	case SPF_PERMERROR:
		(void)strbuf_appends(h, "error in processing: ");
		smtpd_safe(h, o->problem[0] ? o->problem : "unknown", 128);
		(void)strbuf_appendc(h, ')');
		break;
	}
	(void)strbuf_appends(h, "\n\tclient-ip=");
	smtpd_safe(h, s->remoteip, 64);
	(void)strbuf_appends(h, "; envelope-from=\"");
	smtpd_safe(h, q->sender, 300);
	(void)strbuf_appends(h, "\"; helo=");
	smtpd_safe(h, q->helo[0] ? q->helo : "unknown", 255);
	(void)strbuf_appends(h, ";\n\treceiver=");
	smtpd_safe(h, s->me.data, 255);
	(void)strbuf_appends(h, "; identity=");
	(void)strbuf_appends(h, q->sender[0] ? "mailfrom" : "helo");
	if (o->mechanism[0] != '\0') {
		(void)strbuf_appends(h, "; mechanism=");
		smtpd_safe(h, o->mechanism, 100);
	}
	(void)strbuf_appendc(h, '\n');
	(void)strbuf_terminate(h);
}

/* refusal: the 550 text: the domain's exp=, else control/spfexplain */
static void
refuse(struct smtpd *s, const struct spf_query *q, struct spf_outcome *o,
    const char *rcpt)
{
	struct strbuf x = STRBUF_INIT, safe = STRBUF_INIT;
	const char *p;

	smtpd_log(s, "Reject", "SPF", cond_name(o->result), rcpt);
	if (o->result == SPF_FAIL && o->explanation.len > 0) {
		if (!strbuf_copy(&x, o->explanation.data, o->explanation.len))
			die_nomem();
	} else if (!spf_expand(&x, s->spfexplain.data, s->spfexplain.len, q,
		       o->domain, true)) {
		x.len = 0;
	}
	(void)strbuf_terminate(&x);
	for (p = x.data ? x.data : ""; *p && safe.len < 300; p++)
		(void)strbuf_appendc(&safe,
		    (unsigned char)*p < ' ' || (unsigned char)*p > 126 ? '?'
								       : *p);
	(void)strbuf_terminate(&safe);
	smtpd_reply(s, "550 sorry, SPF %s: %s (#5.7.1)",
	    spf_result_name(o->result), safe.data ? safe.data : "");
	strbuf_free(&x);
	strbuf_free(&safe);
}

bool
smtpd_spf_refused(struct smtpd *s, const char *rcpt)
{
	static struct spf_outcome o;
	struct spf_query q;
	enum spf_result r;

	/* never for a relay client (the caller's test): then spf_done stays
	 * false and smtpd_spf_header unsets SPFRESULT */
	if (s->spf == 0)
		return false;
	memset(&q, 0, sizeof q);
	q.sender = s->mailfrom.data ? s->mailfrom.data : "";
	q.helo = s->helo.data ? s->helo.data : "";
	q.receiver = s->me.data;
	q.localrules = s->spflocalrules.len ? s->spflocalrules.data : NULL;
	if (!s->spf_done) {
		const unsigned char *c;
		bool ascii = true;

		for (c = (const unsigned char *)q.sender; *c; c++)
			if (*c > 126)
				ascii = false;
		o.result = SPF_NONE;
		o.domain[0] = o.mechanism[0] = o.problem[0] = '\0';
		o.explanation.len = 0;
		/* a client we cannot name, or an internationalized sender
		 * (no A-labels here): nothing to check */
		if (ipaddr_parse(&q.ip, s->remoteip) && ascii)
			(void)spf_check(&spf_dns_resolver, &q, &o);
		s->spf_done = true;
		s->spf_result = (int)o.result;
		header(s, &q, &o);
		if (setenv("SPFRESULT", spf_result_name(o.result), 1) == -1)
			die_nomem();
	}
	r = (enum spf_result)s->spf_result;
	if (r == SPF_TEMPERROR && s->spf >= 2) {
		smtpd_log(s, "Reject", "SPF", "TempError", rcpt);
		smtpd_reply(s, "451 SPF lookup failure (#4.4.3)");
		return true;
	}
	if ((r == SPF_FAIL && s->spf >= 3) ||
	    (r == SPF_SOFTFAIL && s->spf >= 4) ||
	    (r == SPF_NEUTRAL && s->spf >= 5) ||
	    ((r == SPF_NONE || r == SPF_PERMERROR) && s->spf >= 6)) {
		refuse(s, &q, &o, rcpt);
		return true;
	}
	if (s->spf_header.len > 0 && rcpt != NULL && s->rcpts.len == 0)
		smtpd_log(s, "Accept", "SPF", cond_name(r), rcpt);
	return false;
}

void
smtpd_spf_header(struct smtpd *s, struct qq *qq)
{
	if (!s->spf_done) {
		(void)unsetenv("SPFRESULT");
		return;
	}
	qq_put(qq, s->spf_header.data, s->spf_header.len);
}
