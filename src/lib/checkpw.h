/*
 * checkpw.h - running a checkpassword-compatible program.
 *
 * The checkpassword interface (cr.yp.to/checkpwd/interface.html, and
 * s/qmail's qmail-authuser): the program reads at most CHECKPW_MAX bytes on
 * descriptor 3 until EOF, e.g. user\0pass\0 or user\0digest\0challenge\0,
 * and exits 0 when they are good (usually after exec'ing its subprogram),
 * 1 when they are bad, 2 when it was misused, anything else (111) on a
 * temporary problem. checkpw_run runs ARGV directly with execv, searching
 * PATH like execvp but never falling back to /bin/sh, with the data on a
 * pipe at fd 3, stdin and stdout on /dev/null (they are the SMTP
 * connection in qmail-smtpd, perhaps under TLS) and stderr inherited. It
 * waits at most TIMEOUT seconds (0: no limit), then kills the program.
 * The caller must not reap children from a SIGCHLD handler meanwhile.
 * Nothing exits; not for signal handlers.
 */
#ifndef CHECKPW_H
#define CHECKPW_H

#include <stddef.h>

#define CHECKPW_MAX 512

enum checkpw_result {
	CHECKPW_OK,	/* exit 0: the credentials are good */
	CHECKPW_BAD,	/* exit 1: bad credentials (SMTP 535) */
	CHECKPW_MISUSE, /* exit 2, or bad arguments to checkpw_run */
	CHECKPW_TEMP	/* 111, any other exit, a signal, a timeout, or a
			   local failure (errno set): SMTP 454 */
};

/* checkpw_class: the class of a checkpassword exit code */
enum checkpw_result checkpw_class(int exitcode);
/*
 * checkpw_run: runs ARGV (NULL-terminated, ARGV[0] a path or a name looked
 * up in PATH) with DATA (LEN <= CHECKPW_MAX bytes) on fd 3. *EXITCODE (if
 * not NULL) gets the exit code, or -1 when the program did not exit by
 * itself. CHECKPW_MISUSE with errno EINVAL when ARGV is empty or LEN too
 * big; CHECKPW_TEMP with errno set when pipe or fork failed.
 */
enum checkpw_result checkpw_run(char *const argv[], const void *data,
    size_t len, unsigned timeout, int *exitcode);

#endif
