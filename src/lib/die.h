/*
 * die.h - how programs report errors and exit.
 *
 * Library code never calls these (except the x-prefixed allocation wrappers,
 * which short-lived programs use). A program sets its name once with
 * die_init() and then exits through die_temp (111) or die_perm (100), which
 * print "NAME: fatal: MESSAGE" on stderr. die_*_sys append strerror(errno).
 * warn() prints "NAME: warning: MESSAGE" and returns. None of these is safe
 * in a signal handler. The exit codes are documented in doc/exit-codes.md.
 */
#ifndef DIE_H
#define DIE_H

#include <stdbool.h>
#include <stddef.h>

enum { EXIT_PERM = 100, EXIT_TEMP = 111 };

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

/* die_init: remembers the program name used in messages */
void die_init(const char *progname);
/* die_progname: returns the name given to die_init, or "qmail" */
const char *die_progname(void);

_Noreturn void die_temp(const char *fmt, ...) PRINTFLIKE(1, 2);
_Noreturn void die_temp_sys(const char *fmt, ...) PRINTFLIKE(1, 2);
_Noreturn void die_perm(const char *fmt, ...) PRINTFLIKE(1, 2);
_Noreturn void die_perm_sys(const char *fmt, ...) PRINTFLIKE(1, 2);
/* die_code: exits with CODE after printing the message */
_Noreturn void die_code(int code, const char *fmt, ...) PRINTFLIKE(2, 3);
_Noreturn void die_nomem(void);
void warn(const char *fmt, ...) PRINTFLIKE(1, 2);
void warn_sys(const char *fmt, ...) PRINTFLIKE(1, 2);

/* errno_is_temp: returns true unless errno is known to be permanent */
bool errno_is_temp(int err);

/* xmalloc, xrealloc, xstrdup: as libc, but die_nomem() on failure */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
