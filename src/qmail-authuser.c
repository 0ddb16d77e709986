/*
 * qmail-authuser - a checkpassword program for users/authuser (s/qmail).
 *
 *   qmail-authuser subprogram [args ...]
 *
 * Reads at most 512 bytes on descriptor 3: user\0password\0 or, for
 * CRAM-MD5, user\0hexdigest\0challenge\0 (the last \0 may be missing, and
 * qmail-popup-style callers send a challenge with clear passwords too).
 * Looks the user up in users/authuser under conf-qmail (see authuser.h and
 * doc/qmail-authuser.8) and on success execs SUBPROGRAM with AUTHUSER set
 * (and USER, HOME, SHELL, the user's uid and home directory for "!").
 * Exit codes, as checkpassword's: 1 bad credentials (no sleep: the caller
 * sleeps), 2 misuse, 111 temporary trouble, including an unreadable or
 * invalid users/authuser. The buffer holding the password is wiped before
 * the exec.
 */
#include <crypt.h>
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auto.h"
#include "authuser.h"
#include "ctl.h"
#include "die.h"
#include "digest.h"
#include "iobuf.h"
#include "prot.h"

#define FD_AUTH	     3
#define AUTH_MAX     512
#define READ_TIMEOUT 60
#define AUTHFILE     "users/authuser"

enum { EXIT_OK = 0, EXIT_BAD = 1, EXIT_MISUSE = 2 };

static char authbuf[AUTH_MAX + 1];

static _Noreturn void
finish(int code)
{
	explicit_bzero(authbuf, sizeof authbuf);
	close(FD_AUTH);
	_exit(code);
}

/* read_auth: reads fd 3 to EOF into authbuf; returns the length */
static size_t
read_auth(void)
{
	size_t len = 0;
	ssize_t r;

	for (;;) {
		if (!fd_wait(FD_AUTH, false, READ_TIMEOUT)) {
			if (errno == EBADF || errno == EINVAL)
				finish(EXIT_MISUSE);
			warn_sys("cannot read descriptor 3");
			finish(EXIT_TEMP);
		}
		r = read(FD_AUTH, authbuf + len, sizeof authbuf - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			if (errno == EBADF)
				finish(EXIT_MISUSE);
			warn_sys("cannot read descriptor 3");
			finish(EXIT_TEMP);
		}
		if (r == 0)
			return len;
		len += (size_t)r;
		if (len > AUTH_MAX)
			finish(EXIT_MISUSE);
	}
}

static bool
is_temp_lookup_errno(int err)
{
	/* getpwnam(3): 0, ENOENT, ESRCH, EBADF, EPERM mean "no such user" */
	return err != 0 && err != ENOENT && err != ESRCH && err != EBADF &&
	    err != EPERM;
}

/* check_unix: crypt(3) against the passwd or shadow entry of NAME */
static int
check_unix(const char *name, const char *pass, struct passwd **pwout)
{
	struct passwd *pw;
	struct spwd *sp;
	const char *stored, *hashed;
	size_t len;

	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		if (is_temp_lookup_errno(errno)) {
			warn_sys("cannot look up user %s", name);
			return EXIT_TEMP;
		}
		return EXIT_BAD;
	}
	stored = pw->pw_passwd;
	errno = 0;
	if ((sp = getspnam(name)) != NULL) {
		stored = sp->sp_pwdp;
	} else if (errno == EACCES) {
		warn("cannot read the shadow password of %s: permission "
		     "denied",
		    name);
		return EXIT_TEMP;
	} else if (is_temp_lookup_errno(errno)) {
		warn_sys("cannot look up the shadow password of %s", name);
		return EXIT_TEMP;
	}
	/* no password, or a locked one ("!", "*", "x" without shadow) */
	if (stored == NULL || *stored == '\0' || *pass == '\0')
		return EXIT_BAD;
	hashed = crypt(pass, stored);
	if (hashed == NULL || hashed[0] == '*')
		return EXIT_BAD;
	len = strlen(stored);
	if (strlen(hashed) != len || !digest_equal(hashed, stored, len))
		return EXIT_BAD;
	*pwout = pw;
	return EXIT_OK;
}

/* user_env: for "!": the user's environment, identity and home */
static void
user_env(const struct passwd *pw)
{
	if (pw->pw_uid == 0) {
		warn("refusing to run the subprogram as root for %s",
		    pw->pw_name);
		finish(EXIT_BAD);
	}
	if (setenv("USER", pw->pw_name, 1) == -1 ||
	    setenv("HOME", pw->pw_dir, 1) == -1 ||
	    setenv("SHELL", pw->pw_shell, 1) == -1)
		finish(EXIT_TEMP);
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid) {
		if (!prot_drop(pw->pw_uid, pw->pw_gid)) {
			warn_sys("cannot become user %s", pw->pw_name);
			finish(EXIT_TEMP);
		}
	}
	if (chdir(pw->pw_dir) == -1) {
		warn_sys("cannot chdir to %s", pw->pw_dir);
		finish(EXIT_TEMP);
	}
}

int
main(int argc, char **argv)
{
	struct strlist lines = STRLIST_INIT;
	struct authuser_entry entry;
	struct passwd *pw = NULL;
	const char *user, *response, *challenge, *nul;
	size_t len, ulen, rlen, clen;
	char name[AUTH_MAX + 1];
	int code;

	die_init("qmail-authuser");
	if (argc < 2)
		finish(EXIT_MISUSE);
	len = read_auth();
	close(FD_AUTH);

	/* user\0response\0[challenge[\0]] */
	user = authbuf;
	if ((nul = memchr(user, '\0', len)) == NULL)
		finish(EXIT_MISUSE);
	ulen = (size_t)(nul - user);
	response = nul + 1;
	if ((nul = memchr(response, '\0', len - ulen - 1)) == NULL)
		finish(EXIT_MISUSE);
	rlen = (size_t)(nul - response);
	challenge = nul + 1;
	/* authbuf has a spare byte, so the challenge is always terminated */
	clen = strlen(challenge);

	if (chdir(auto_qmail) == -1) {
		warn_sys("cannot chdir to %s", auto_qmail);
		finish(EXIT_TEMP);
	}
	switch (ctl_read_lines(&lines, AUTHFILE)) {
	case CTL_OK:
		break;
	case CTL_MISSING:
		warn("%s/%s does not exist: nobody can authenticate",
		    auto_qmail, AUTHFILE);
		finish(EXIT_BAD);
	case CTL_ERROR:
		warn_sys("cannot read %s/%s", auto_qmail, AUTHFILE);
		finish(EXIT_TEMP);
	}

	switch (authuser_lookup(&lines, user, &entry)) {
	case AUTHUSER_FOUND:
		break;
	case AUTHUSER_NOTFOUND:
	case AUTHUSER_DISABLED:
		finish(EXIT_BAD);
	}

	switch (entry.method) {
	case AUTHUSER_UNIX:
	case AUTHUSER_UNIX_ENV:
		memcpy(name, user, authuser_localpart(user));
		name[authuser_localpart(user)] = '\0';
		code = check_unix(name, response, &pw);
		break;
	case AUTHUSER_CLEAR:
	case AUTHUSER_MD5:
	case AUTHUSER_SHA1:
	case AUTHUSER_SHA256:
		switch (authuser_verify(&entry, response, rlen, challenge,
		    clen)) {
		case AUTHUSER_GOOD:
			code = EXIT_OK;
			break;
		case AUTHUSER_BAD:
			code = EXIT_BAD;
			break;
		default:
			warn("cannot compute a digest");
			code = EXIT_TEMP;
			break;
		}
		break;
	case AUTHUSER_UNSUPPORTED:
		warn("%s: entry %.*s: password method %s not supported",
		    AUTHFILE, (int)entry.keylen, entry.key, entry.secret);
		code = EXIT_TEMP;
		break;
	default:
		warn("%s: entry %.*s: invalid password field", AUTHFILE,
		    (int)entry.keylen, entry.key);
		code = EXIT_TEMP;
		break;
	}
	if (code != EXIT_OK)
		finish(code);

	if (setenv("AUTHUSER", user, 1) == -1)
		finish(EXIT_TEMP);
	if (entry.method == AUTHUSER_UNIX_ENV)
		user_env(pw);
	explicit_bzero(authbuf, sizeof authbuf);
	explicit_bzero(name, sizeof name);
	execvp(argv[1], argv + 1);
	warn_sys("cannot run %s", argv[1]);
	finish(EXIT_TEMP);
}
