/*
 * die.c - the one place where programs exit on error. See die.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

static const char *progname = "qmail";

void
die_init(const char *name)
{
	const char *slash;

	if (name == NULL)
		return;
	slash = strrchr(name, '/');
	progname = slash ? slash + 1 : name;
}

const char *
die_progname(void)
{
	return progname;
}

static void PRINTFLIKE(3, 0)
vsay(const char *level, int err, const char *fmt, va_list ap)
{
	char msg[1024];
	int len;

	len = vsnprintf(msg, sizeof msg, fmt, ap);
	if (len < 0)
		len = 0;
	if (err)
		fprintf(stderr, "%s: %s: %s: %s\n", progname, level, msg,
		    strerror(err));
	else
		fprintf(stderr, "%s: %s: %s\n", progname, level, msg);
	fflush(stderr);
}

#define DIE_BODY(code, level, err)                                             \
	do {                                                                   \
		int saved = (err);                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vsay(level, saved, fmt, ap);                                   \
		va_end(ap);                                                    \
		_exit(code);                                                   \
	} while (0)

void
die_temp(const char *fmt, ...)
{
	DIE_BODY(EXIT_TEMP, "fatal", 0);
}

void
die_temp_sys(const char *fmt, ...)
{
	DIE_BODY(EXIT_TEMP, "fatal", errno);
}

void
die_perm(const char *fmt, ...)
{
	DIE_BODY(EXIT_PERM, "fatal", 0);
}

void
die_perm_sys(const char *fmt, ...)
{
	DIE_BODY(EXIT_PERM, "fatal", errno);
}

void
die_code(int code, const char *fmt, ...)
{
	DIE_BODY(code, "fatal", 0);
}

void
die_nomem(void)
{
	die_temp("out of memory");
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", 0, fmt, ap);
	va_end(ap);
}

void
warn_sys(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsay("warning", saved, fmt, ap);
	va_end(ap);
}

bool
errno_is_temp(int err)
{
	switch (err) {
	/* Only errors that retrying cannot cure. EACCES and EPERM stay
	 * temporary: an administrator fixes modes, and mail must wait. */
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case ENAMETOOLONG:
		return false;
	default:
		return true;
	}
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die_nomem();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		die_nomem();
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		die_nomem();
	return p;
}
