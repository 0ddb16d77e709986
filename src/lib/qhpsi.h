/*
 * qhpsi.h - s/qmail's QHPSI virus-scanner hook (qmail-smtpd(8)).
 *
 * QHPSI names a program and its arguments, split on blanks and run
 * without a shell (so nothing a peer sent can reach a shell). The word
 * "%s" is replaced by the name of the spooled message; without one the
 * name comes right after the program (s/qmail 3: "program file ARG1 ARG2
 * ARG3"). QHPSIARG1..3 are appended when set. The program also gets the
 * message on its standard input, its standard output and error go to the
 * caller's log (fd 2), and it is killed after the given timeout.
 *
 * Its exit code decides: 0 clean; QHPSIRC (default 1) a virus; anything
 * else, a crash or a timeout is a scanner failure (temporary). Messages
 * smaller than QHPSIMINSIZE or larger than QHPSIMAXSIZE (bytes; 0 = no
 * limit) are not scanned. The struct owns ARGV (qhpsi_free). Nothing here
 * exits; not for signal handlers.
 */
#ifndef QHPSI_H
#define QHPSI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define QHPSI_ARGS_MAX 32

struct qhpsi {
	char **argv;     /* NULL: no scanner */
	size_t file_arg; /* argv index of the message file name */
	int virus_rc;    /* QHPSIRC */
	unsigned long minsize, maxsize;
	char *buf; /* the words of argv */
};

enum qhpsi_verdict { QHPSI_CLEAN, QHPSI_VIRUS, QHPSI_SKIPPED, QHPSI_ERROR };

/* qhpsi_setup: parses SPEC (QHPSI) and the ARGS (QHPSIARG1..3, NULL when
 * unset); false with errno EINVAL for an empty or oversized spec, ENOMEM */
bool qhpsi_setup(struct qhpsi *q, const char *spec, const char *const args[3]);
/* qhpsi_scan: runs the scanner on the message in FD (SIZE bytes, also
 * named PATH); QHPSI_SKIPPED when the size is outside the limits */
enum qhpsi_verdict qhpsi_scan(const struct qhpsi *q, int fd, const char *path,
    off_t size, unsigned timeout, int *status);
void qhpsi_free(struct qhpsi *q);

#endif
