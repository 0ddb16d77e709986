/*
 * qmail-showctl - prints the build-time settings and every control file
 * with the value the programs will use (qmail-showctl(8)).
 *
 * Each known control file is printed with its effective value: the file's
 * value, or "(Default.)" and the default, which for many files is the value
 * of control/me (qmail's control_rldef rule). Files in control/ that no
 * program reads are listed with a warning: they are usually typos. Exit 0;
 * 111 if the qmail home directory or control/ cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "ctl.h"
#include "die.h"
#include "strbuf.h"

enum kind {
	K_LINE, /* one value; DEF is the default, or NULL for control/me */
	K_NUM,	/* a number; DEF is the default */
	K_LIST, /* one entry per line; DEF is printed when missing */
	K_FILE	/* read by a library (cdb, PEM): present or not */
};

struct ctl_desc {
	const char *name;
	enum kind kind;
	const char *def;
	const char *text; /* K_LINE, K_NUM: before the value; else the
			     description of the file */
};

static const struct ctl_desc known[] = {
	{ "me", K_LINE, "", "My name is " },
	{ "defaultdomain", K_LINE, NULL, "Default domain name is " },
	{ "defaulthost", K_LINE, NULL, "Default host name is " },
	{ "plusdomain", K_LINE, NULL, "Plus domain name is " },
	{ "idhost", K_LINE, NULL, "Message-ID host name is " },
	{ "envnoathost", K_LINE, NULL, "Presumed domain name is " },
	{ "locals", K_LIST, "Messages for me are delivered locally.",
	    "Messages for these domains are delivered locally:" },
	{ "virtualdomains", K_LIST, "No virtual domains.",
	    "Virtual domains (longest match wins):" },
	{ "percenthack", K_LIST, "The percent hack is not allowed.",
	    "The percent hack is allowed for:" },
	{ "rcpthosts", K_LIST,
	    "SMTP clients may send messages to any recipient.",
	    "SMTP clients may send messages to recipients at:" },
	{ "morercpthosts", K_LIST, "No effect.",
	    "SMTP clients may also send to (compile with "
	    "qmail-newmrh):" },
	{ "morercpthosts.cdb", K_FILE, NULL,
	    "Compiled form of morercpthosts." },
	{ "recipients", K_LIST, "All recipients in rcpthosts are accepted.",
	    "Recipient databases checked by qmail-smtpd:" },
	{ "badmailfrom", K_LIST, "Any MAIL FROM is allowed.",
	    "MAIL FROM is refused for:" },
	{ "badrcptto", K_LIST, "Any RCPT TO is allowed.",
	    "RCPT TO is refused for:" },
	{ "badhelo", K_LIST, "Any HELO host name is allowed.",
	    "HELO is refused for:" },
	{ "authsenders", K_LIST, "No authenticated senders routes.",
	    "Authenticated senders routes:" },
	{ "smtproutes", K_LIST, "No artificial SMTP routes.",
	    "SMTP routes:" },
	{ "qmtproutes", K_LIST, "No QMTP routes.", "QMTP routes:" },
	{ "domainips", K_LIST, "Connections use the default local address.",
	    "Local addresses by destination domain:" },
	{ "tlsdestinations", K_LIST,
	    "TLS is used when the remote server offers it.",
	    "TLS requirements by destination:" },
	{ "domaincerts", K_LIST, "qmail-remote sends no client certificate.",
	    "Client certificates by sender domain:" },
	{ "concurrencylocal", K_NUM, "10",
	    "Local concurrency is " },
	{ "concurrencyremote", K_NUM, "20", "Remote concurrency is " },
	{ "queuelifetime", K_NUM, "604800",
	    "Message lifetime in the queue is (seconds) " },
	{ "bouncefrom", K_LINE, "MAILER-DAEMON", "Bounce user name is " },
	{ "bouncehost", K_LINE, NULL, "Bounce host name is " },
	{ "doublebouncehost", K_LINE, NULL,
	    "2B recipient host: " },
	{ "doublebounceto", K_LINE, "postmaster",
	    "2B recipient user (empty: double bounces are discarded): " },
	{ "bouncemaxbytes", K_NUM, "0",
	    "Bytes of the message kept in a bounce (0: all) are " },
	{ "helohost", K_LINE, NULL, "SMTP client HELO host name is " },
	{ "smtpgreeting", K_LINE, NULL, "SMTP greeting: 220 " },
	{ "localiphost", K_LINE, NULL, "Local IP address becomes " },
	{ "databytes", K_NUM, "0",
	    "SMTP DATA limit (0: none) is " },
	{ "timeoutconnect", K_NUM, "60",
	    "SMTP client connection timeout is (seconds) " },
	{ "timeoutremote", K_NUM, "1200",
	    "SMTP client data timeout is (seconds) " },
	{ "timeoutsmtpd", K_NUM, "1200",
	    "SMTP server data timeout is (seconds) " },
	{ "servercert.pem", K_FILE, NULL,
	    "TLS certificate and key of qmail-smtpd." },
	{ "clientcert.pem", K_FILE, NULL,
	    "TLS client certificate of qmail-remote." },
};

static const char *
me_or(const struct strbuf *me, bool have_me, const char *literal)
{
	return have_me ? me->data : literal;
}

/* show_unreadable: the line (and warning) for a file that cannot be read */
static void
show_unreadable(const char *name, const char *path)
{
	printf("%s: (Error.) Unable to read it; programs fail temporarily.\n",
	    name);
	warn("unable to read %s", path);
}

static void
show_line(const struct ctl_desc *d, const struct strbuf *me, bool have_me)
{
	struct strbuf v = STRBUF_INIT;
	char path[256];

	snprintf(path, sizeof path, "control/%s", d->name);
	switch (ctl_read_line(&v, path)) {
	case CTL_OK:
		xstrbuf_terminate(&v);
		printf("%s: %s%s.\n", d->name, d->text, v.data);
		break;
	case CTL_MISSING:
		if (strcmp(d->name, "me") == 0)
			printf("me: (Missing.) Every default that falls back "
			       "to me is the file's own name instead.\n");
		else
			printf("%s: (Default.) %s%s.\n", d->name, d->text,
			    d->def ? d->def : me_or(me, have_me, d->name));
		break;
	case CTL_ERROR:
		show_unreadable(d->name, path);
		break;
	}
	strbuf_free(&v);
}

static void
show_num(const struct ctl_desc *d)
{
	unsigned long n;
	char path[256];

	snprintf(path, sizeof path, "control/%s", d->name);
	switch (ctl_read_ulong(&n, path, 0, (unsigned long)-1)) {
	case CTL_OK:
		printf("%s: %s%lu.\n", d->name, d->text, n);
		break;
	case CTL_MISSING:
		printf("%s: (Default.) %s%s.\n", d->name, d->text, d->def);
		break;
	case CTL_ERROR:
		printf("%s: (Error.) Unreadable or not a number; programs "
		       "fail temporarily.\n", d->name);
		warn("%s is unreadable or not a number", path);
		break;
	}
}

/*
 * prints one line of a list; in the files that hold credentials
 * ("key:relay|user|password", "key:certfile|keyfile|password") everything
 * after the second '|' of the value is a password and is not shown: this
 * output gets pasted into bug reports
 */
static void
show_entry(const struct ctl_desc *d, const char *line)
{
	static const char *const secret_files[] = { "authsenders",
		"smtproutes", "qmtproutes", "domaincerts" };
	const char *p;
	size_t i;

	for (i = 0; i < sizeof secret_files / sizeof secret_files[0]; i++)
		if (strcmp(d->name, secret_files[i]) == 0)
			break;
	if (i < sizeof secret_files / sizeof secret_files[0] &&
	    (p = strchr(line, ':')) != NULL && (p = strchr(p, '|')) != NULL &&
	    (p = strchr(p + 1, '|')) != NULL) {
		printf("  %.*s|(password not shown)\n", (int)(p - line), line);
		return;
	}
	printf("  %s\n", line);
}

static void
show_list(const struct ctl_desc *d, const struct strbuf *me, bool have_me)
{
	struct strlist l = STRLIST_INIT;
	char path[256];
	size_t i;

	snprintf(path, sizeof path, "control/%s", d->name);
	switch (ctl_read_lines(&l, path)) {
	case CTL_OK:
		printf("%s: %s\n", d->name, d->text);
		for (i = 0; i < l.len; i++)
			show_entry(d, l.items[i]);
		if (l.len == 0)
			printf("  (empty)\n");
		break;
	case CTL_MISSING:
		if (strcmp(d->name, "locals") == 0)
			printf("locals: (Default.) Messages for %s are "
			       "delivered locally.\n",
			    me_or(me, have_me, "me"));
		else
			printf("%s: (Default.) %s\n", d->name, d->def);
		break;
	case CTL_ERROR:
		show_unreadable(d->name, path);
		break;
	}
	strlist_free(&l);
}

static void
show_file(const struct ctl_desc *d)
{
	char path[256];

	snprintf(path, sizeof path, "control/%s", d->name);
	if (access(path, F_OK) == 0)
		printf("%s: %s Present.\n", d->name, d->text);
	else
		printf("%s: (Default.) %s Absent.\n", d->name, d->text);
}

static const struct ctl_desc *
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(known[i].name, name) == 0)
			return &known[i];
	return NULL;
}

static void
show_build(void)
{
	size_t i;

	printf("qmail home directory: %s.\n", auto_qmail);
	printf("queue directory: %s.\n", auto_queue);
	printf("subdirectory split: %lu.\n", auto_split);
	printf("default delivery: %s.\n", auto_defaultdelivery);
	printf("user ids:");
	for (i = 0; auto_users[i] != NULL; i++) {
		struct passwd *pw = getpwnam(auto_users[i]);

		if (pw)
			printf(" %s=%lu", auto_users[i],
			    (unsigned long)pw->pw_uid);
		else
			printf(" %s=(missing)", auto_users[i]);
	}
	printf(".\ngroup ids:");
	for (i = 0; auto_groups[i] != NULL; i++) {
		struct group *gr = getgrnam(auto_groups[i]);

		if (gr)
			printf(" %s=%lu", auto_groups[i],
			    (unsigned long)gr->gr_gid);
		else
			printf(" %s=(missing)", auto_groups[i]);
	}
	printf(".\n");
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	struct strbuf me = STRBUF_INIT;
	struct strlist unknown = STRLIST_INIT;
	struct dirent *de;
	bool have_me = false;
	DIR *dir;
	size_t i;

	die_init("qmail-showctl");
	show_build();
	if (chdir(auto_qmail) == -1)
		die_temp_sys("unable to switch to %s", auto_qmail);
	switch (ctl_read_line(&me, "control/me")) {
	case CTL_OK:
		have_me = true;
		break;
	case CTL_MISSING:
		break;
	case CTL_ERROR:
		warn("unable to read control/me");
		break;
	}
	xstrbuf_terminate(&me);
	if ((dir = opendir("control")) == NULL)
		die_temp_sys("unable to list %s/control", auto_qmail);
	printf("\ncontrol files (%s/control):\n\n", auto_qmail);
	fflush(stdout);
	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		const struct ctl_desc *d = &known[i];

		switch (d->kind) {
		case K_LINE: show_line(d, &me, have_me); break;
		case K_NUM: show_num(d); break;
		case K_LIST: show_list(d, &me, have_me); break;
		case K_FILE: show_file(d); break;
		}
		fflush(stdout);
	}
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || find(de->d_name) != NULL)
			continue;
		xstrlist_pushs(&unknown, de->d_name);
	}
	if (errno != 0)
		die_temp_sys("unable to list %s/control", auto_qmail);
	closedir(dir);
	if (unknown.len)
		qsort(unknown.items, unknown.len, sizeof *unknown.items,
		    cmp_names);
	for (i = 0; i < unknown.len; i++) {
		printf("%s: I have no idea what this file does.\n",
		    unknown.items[i]);
		fflush(stdout);
		warn("unknown control file: control/%s", unknown.items[i]);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die_temp_sys("unable to write output");
	strlist_free(&unknown);
	strbuf_free(&me);
	return 0;
}
