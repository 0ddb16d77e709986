/*
 * qmail-getpw - finds the user who controls a local part
 * (qmail-lookup_user(8)).
 *
 *   qmail-getpw local
 *
 * Prints user\0uid\0gid\0home\0dash\0ext\0 on stdout. The longest prefix
 * of LOCAL that ends at the end or before a '-' and names a passwd user
 * wins, if that user is not root (uid 0) and owns the home directory; the
 * rest after the '-' is the extension. No match: the alias user, with the
 * whole local part as extension and dash "-". The alias user's home is
 * always <conf-qmail>/alias, so that instances never share a mailbox.
 * Runs as qmailp, started by qmail-lspawn. Exit codes: 0, and the QLX
 * codes of qlx.h (all temporary for qmail-lspawn).
 */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auto.h"
#include "die.h"
#include "iobuf.h"
#include "qlx.h"
#include "strbuf.h"

#define GETPW_USERLEN 32

/* lookup_failed: getpwnam returned NULL; true if that is an error
 * rather than "no such user" */
static bool
lookup_failed(int err)
{
	switch (err) {
	case EIO:
	case EINTR:
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case EAGAIN:
	case ERANGE:
	case ETXTBSY:
		return true;
	default:
		return false;
	}
}

static struct passwd *
lookup_user(const char *name)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL && lookup_failed(errno))
		die_code(QLX_SYS, "unable to look up user %s", name);
	return pw;
}

static bool
is_alias(const struct passwd *pw)
{
	return strcmp(pw->pw_name, auto_users[AU_ALIAS]) == 0;
}

/* home: the home directory qmail uses for PW */
static const char *
home(const struct passwd *pw, struct strbuf *buf)
{
	if (!is_alias(pw))
		return pw->pw_dir;
	xstrbuf_copys(buf, auto_qmail);
	xstrbuf_appends(buf, "/alias");
	return buf->data;
}

/* acceptable: PW may receive mail: not root, and owns its home */
static bool
acceptable(const struct passwd *pw)
{
	struct strbuf buf = STRBUF_INIT;
	struct stat st;
	const char *dir;
	bool ok;

	if (pw->pw_uid == 0)
		return false;
	dir = home(pw, &buf);
	if (stat(dir, &st) == -1) {
		if (errno_is_temp(errno))
			die_code(QLX_NFS, "unable to stat %s", dir);
		ok = false;
	} else {
		ok = st.st_uid == pw->pw_uid;
	}
	strbuf_free(&buf);
	return ok;
}

int
main(int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT, homebuf = STRBUF_INIT;
	char username[GETPW_USERLEN];
	struct passwd *pw = NULL;
	const char *local, *ext, *dash = "-";
	size_t len, n, i;

	die_init("qmail-getpw");
	if (argc != 2)
		die_perm("usage: qmail-getpw local");
	local = argv[1];
	len = strlen(local);
	/* from the whole local part down to its shortest '-' prefix */
	for (n = len;; n--) {
		if (n < sizeof username && (n == len || local[n] == '-')) {
			for (i = 0; i < n; i++)
				username[i] =
				    (local[i] >= 'A' && local[i] <= 'Z')
					? (char)(local[i] - 'A' + 'a')
					: local[i];
			username[n] = '\0';
			if (n > 0 && (pw = lookup_user(username)) != NULL &&
			    acceptable(pw))
				break;
			pw = NULL;
		}
		if (n == 0)
			break;
	}
	if (pw != NULL) {
		ext = local + n;
		dash = "";
		if (*ext) {
			ext++;
			dash = "-";
		}
	} else {
		ext = local;
		pw = lookup_user(auto_users[AU_ALIAS]);
		if (pw == NULL)
			die_code(QLX_NOALIAS, "no alias user %s",
				 auto_users[AU_ALIAS]);
	}
	xstrbuf_appends(&out, pw->pw_name);
	xstrbuf_appendc(&out, '\0');
	xstrbuf_append_ulong(&out, (unsigned long)pw->pw_uid);
	xstrbuf_appendc(&out, '\0');
	xstrbuf_append_ulong(&out, (unsigned long)pw->pw_gid);
	xstrbuf_appendc(&out, '\0');
	xstrbuf_appends(&out, home(pw, &homebuf));
	xstrbuf_appendc(&out, '\0');
	xstrbuf_appends(&out, dash);
	xstrbuf_appendc(&out, '\0');
	xstrbuf_appends(&out, ext);
	xstrbuf_appendc(&out, '\0');
	if (!fd_write_all(1, out.data, out.len))
		die_code(QLX_SYS, "unable to write output");
	strbuf_free(&out);
	strbuf_free(&homebuf);
	return 0;
}
