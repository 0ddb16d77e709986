/*
 * conf.c - qmail-send's control files (doc/qmail-control.5).
 *
 * Read at start, and again on HUP: locals, virtualdomains (and the other
 * routing files, see lib/rewrite.h), concurrencylocal and
 * concurrencyremote. A file that cannot be read or parsed keeps the old
 * settings on HUP and prevents the start, never a guess.
 */
#include <limits.h>
#include <string.h>

#include "auto.h"
#include "ctl.h"
#include "send.h"

#define DEF_LIFETIME       604800
#define DEF_BOUNCEMAXBYTES 0 /* s/qmail: no limit unless the file says so */
#define LIFETIME_MAX       (1UL << 30)

static bool
path(struct strbuf *p, const char *name)
{
	p->len = 0;
	return strbuf_appends(p, auto_qmail) &&
	       strbuf_appends(p, "/control/") && strbuf_appends(p, name);
}

static bool
read_ulong(unsigned long *out, const char *name, unsigned long def,
	   unsigned long max, struct strbuf *p)
{
	if (!path(p, name))
		return false;
	switch (ctl_read_ulong(out, p->data, 0, ULONG_MAX)) {
	case CTL_OK:
		if (*out > max)
			*out = max;
		return true;
	case CTL_MISSING:
		*out = def;
		return true;
	default:
		log_begin();
		log_add("alert: unable to read control/");
		log_add(name);
		log_end();
		return false;
	}
}

/* read_rldef: qmail's control_rldef: the first line, else me (when
 * FLAGME and control/me exists), else DEF */
static bool
read_rldef(struct strbuf *out, const char *name, const struct strbuf *me,
	   const char *def, struct strbuf *p)
{
	if (!path(p, name))
		return false;
	switch (ctl_read_line(out, p->data)) {
	case CTL_OK:
		return strbuf_terminate(out);
	case CTL_MISSING:
		if (me != NULL && me->len)
			return strbuf_copy(out, me->data, me->len);
		return strbuf_copys(out, def);
	default:
		log_begin();
		log_add("alert: unable to read control/");
		log_add(name);
		log_end();
		return false;
	}
}

static bool
read_concurrency(unsigned long conc[CHANNELS], struct strbuf *p)
{
	return read_ulong(&conc[CHAN_LOCAL], "concurrencylocal", 10, SLOT_MAX,
			  p) &&
	       read_ulong(&conc[CHAN_REMOTE], "concurrencyremote", 20, SLOT_MAX,
			  p);
}

bool
conf_load(struct conf *conf, bool initial)
{
	struct strbuf p = STRBUF_INIT, me = STRBUF_INIT, dbhost = STRBUF_INIT;
	const char *failed;
	bool ok = false;

	(void)initial;
	memset(conf, 0, sizeof *conf);
	rewrite_init(&conf->rw);
	if (!path(&p, "me") || ctl_read_line(&me, p.data) == CTL_ERROR) {
		log_str("alert: unable to read control/me");
		goto out;
	}
	if (rewrite_load(&conf->rw, auto_qmail, &failed) != CTL_OK) {
		log_begin();
		log_add("alert: unable to read ");
		log_add(failed);
		log_end();
		goto out;
	}
	if (!read_ulong(&conf->lifetime, "queuelifetime", DEF_LIFETIME,
			LIFETIME_MAX, &p) ||
	    !read_concurrency(conf->concurrency, &p) ||
	    !read_ulong(&conf->bouncemaxbytes, "bouncemaxbytes",
			DEF_BOUNCEMAXBYTES, ULONG_MAX, &p) ||
	    !read_rldef(&conf->bouncefrom, "bouncefrom", NULL, "MAILER-DAEMON",
			&p) ||
	    !read_rldef(&conf->bouncehost, "bouncehost", &me, "bouncehost",
			&p) ||
	    !read_rldef(&dbhost, "doublebouncehost", &me, "doublebouncehost",
			&p) ||
	    !read_rldef(&conf->doublebounceto, "doublebounceto", NULL,
			"postmaster", &p))
		goto out;
	/* s/qmail: an empty first line (or "@") discards double bounces */
	if (conf->doublebounceto.len == 0 ||
	    conf->doublebounceto.data[0] == '@')
		conf->doublebounceto.len = 0;
	else if (!strbuf_appendc(&conf->doublebounceto, '@') ||
		 !strbuf_append(&conf->doublebounceto, dbhost.data, dbhost.len))
		goto out;
	if (!strbuf_terminate(&conf->doublebounceto) ||
	    !strbuf_terminate(&conf->bouncefrom) ||
	    !strbuf_terminate(&conf->bouncehost))
		goto out;
	ok = true;
out:
	if (!ok)
		conf_free(conf);
	strbuf_free(&p);
	strbuf_free(&me);
	strbuf_free(&dbhost);
	return ok;
}

void
conf_free(struct conf *conf)
{
	rewrite_free(&conf->rw);
	strbuf_free(&conf->bouncefrom);
	strbuf_free(&conf->bouncehost);
	strbuf_free(&conf->doublebounceto);
}

void
conf_reread(struct send *st)
{
	struct rewrite fresh;
	struct strbuf p = STRBUF_INIT;
	unsigned long conc[CHANNELS];
	const char *failed;

	rewrite_init(&fresh);
	if (rewrite_load(&fresh, auto_qmail, &failed) != CTL_OK) {
		log_begin();
		log_add("alert: unable to reread ");
		log_add(failed);
		log_end();
		rewrite_free(&fresh);
	} else {
		rewrite_free(&st->conf.rw);
		st->conf.rw = fresh;
	}
	if (read_concurrency(conc, &p)) {
		st->conf.concurrency[CHAN_LOCAL] = conc[CHAN_LOCAL];
		st->conf.concurrency[CHAN_REMOTE] = conc[CHAN_REMOTE];
		deliver_apply_concurrency(st);
	}
	strbuf_free(&p);
	todo_tell(st, 'H');
	log_status(st);
}
