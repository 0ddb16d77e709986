/*
 * getpw.c - the passwd half of qmail-getpw. See getpw.h.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auto.h"
#include "die.h"
#include "getpw.h"
#include "qlx.h"

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

/* lookup_user: 0 and *PW (NULL: no such user), or QLX_SYS */
static int
lookup_user(const char *name, struct passwd **pw, struct strbuf *why)
{
	errno = 0;
	*pw = getpwnam(name);
	if (*pw == NULL && lookup_failed(errno)) {
		(void)strbuf_printf(why, "unable to look up user %s: %s", name,
				    strerror(errno));
		return QLX_SYS;
	}
	return 0;
}

static bool
is_alias(const struct passwd *pw)
{
	return strcmp(pw->pw_name, auto_users[AU_ALIAS]) == 0;
}

/* home: the home directory qmail uses for PW; NULL on ENOMEM */
static const char *
home(const struct passwd *pw, struct strbuf *buf)
{
	if (!is_alias(pw))
		return pw->pw_dir;
	if (!strbuf_copys(buf, auto_qmail) || !strbuf_appends(buf, "/alias"))
		return NULL;
	return buf->data;
}

/* acceptable: 0 and *OK when PW may receive mail (not root, owns its
 * home), or a QLX code */
static int
acceptable(const struct passwd *pw, bool *ok, struct strbuf *why)
{
	struct strbuf buf = STRBUF_INIT;
	struct stat st;
	const char *dir;
	int code = 0;

	*ok = false;
	if (pw->pw_uid == 0)
		return 0;
	if ((dir = home(pw, &buf)) == NULL)
		return QLX_NOMEM;
	if (stat(dir, &st) == -1) {
		if (errno_is_temp(errno)) {
			(void)strbuf_printf(why, "unable to stat %s: %s", dir,
					    strerror(errno));
			code = QLX_NFS;
		}
	} else {
		*ok = st.st_uid == pw->pw_uid;
	}
	strbuf_free(&buf);
	return code;
}

static bool
put(struct strbuf *out, const char *s)
{
	return strbuf_appends(out, s) && strbuf_appendc(out, '\0');
}

static bool
put_ulong(struct strbuf *out, unsigned long n)
{
	return strbuf_append_ulong(out, n) && strbuf_appendc(out, '\0');
}

int
getpw_lookup(const char *local, struct strbuf *out, struct strbuf *why)
{
	struct strbuf homebuf = STRBUF_INIT;
	char username[GETPW_USERLEN];
	struct passwd *pw = NULL;
	const char *ext, *dash = "-", *dir;
	size_t len, n, i;
	bool ok;
	int code;

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
			if (n > 0) {
				if ((code = lookup_user(username, &pw, why)) !=
				    0)
					return code;
				if (pw != NULL &&
				    (code = acceptable(pw, &ok, why)) != 0)
					return code;
				if (pw != NULL && ok)
					break;
			}
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
		if ((code = lookup_user(auto_users[AU_ALIAS], &pw, why)) != 0)
			return code;
		if (pw == NULL) {
			(void)strbuf_printf(why, "no alias user %s",
					    auto_users[AU_ALIAS]);
			return QLX_NOALIAS;
		}
	}
	code = 0;
	if ((dir = home(pw, &homebuf)) == NULL || !put(out, pw->pw_name) ||
	    !put_ulong(out, (unsigned long)pw->pw_uid) ||
	    !put_ulong(out, (unsigned long)pw->pw_gid) || !put(out, dir) ||
	    !put(out, dash) || !put(out, ext))
		code = QLX_NOMEM;
	strbuf_free(&homebuf);
	return code;
}
