/*
 * qq.h - qmail-queue's exit codes, and the client side of its interface.
 *
 * The interface is qmail's (doc/qmail-queue.8): the message on fd 0, the
 * envelope on fd 1 as "F<sender>\0" then "T<rcpt>\0"... then "\0". The exit
 * code table below is the only copy; qmail-queue itself and every caller
 * use it to turn a code into a class (temporary or permanent), an enhanced
 * status code and a reason for the client.
 *
 * The client runs $QMAILQUEUE if set. Otherwise it hands the message to a
 * worker of qmail-queued through the socket auto_queue/qq.sock (the
 * protocol is in src/qmail-queued.c), and runs auto_qmail/bin/qmail-queue
 * when no worker answers within QQ_DAEMON_WAIT_S. The caller must ignore SIGPIPE (qmail-queue may exit early), writes the
 * message with qq_put, names the envelope with qq_from/qq_to and collects
 * the exit code with qq_finish. Functions return false on a local error
 * (errno set); qq_finish returns the code to report.
 */
#ifndef QQ_H
#define QQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "iobuf.h"
#include "strbuf.h"

enum qq_class { QQ_OK, QQ_PERM, QQ_TEMP };

struct qq_code {
	int code;
	enum qq_class class;
	const char *status; /* RFC 3463 enhanced status code */
	const char *reason;
};

enum {
	QQ_EXIT_OK = 0,
	QQ_EXIT_TOOLONG = 11,
	QQ_EXIT_REFUSED = 31,
	QQ_EXIT_VIRUS = 32, /* s/qmail: QHPSI found a virus */
	QQ_EXIT_NOMEM = 51,
	QQ_EXIT_TIMEOUT = 52,
	QQ_EXIT_WRITE = 53,
	QQ_EXIT_READ = 54,
	QQ_EXIT_CONFIG = 55,
	QQ_EXIT_NETWORK = 56,
	QQ_EXIT_HOME = 61,
	QQ_EXIT_QUEUEDIR = 62,
	QQ_EXIT_PID = 63,
	QQ_EXIT_MESS = 64,
	QQ_EXIT_INTD = 65,
	QQ_EXIT_TODO = 66,
	QQ_EXIT_TEMPREFUSED = 71,
	QQ_EXIT_BUG = 81,
	QQ_EXIT_ENVELOPE = 91,
	QQ_EXIT_NOEXEC = 120
};

/* qq_lookup: returns the table entry for CODE; unknown codes and codes for
 * crashes come back as a temporary "unknown failure" entry */
const struct qq_code *qq_lookup(int code);

#define QQ_DAEMON_WAIT_S 2

struct qq {
	pid_t pid;   /* qmail-queue's, or the qmail-queued worker's */
	int sock;    /* to the worker; -1 when qmail-queue was started */
	int envfd;
	struct iobuf msg;
	char msgbuf[8192];
	bool broken; /* a write failed; qq_finish will report it */
	int error;   /* errno of the first failure */
};

/* qq_start: reaches a qmail-queued worker or starts qmail-queue
 * (QMAILQUEUE if set); false (errno set) if no pipe could be made or the
 * program could not be started */
bool qq_start(struct qq *qq);
/* qq_put: appends N bytes of message */
void qq_put(struct qq *qq, const void *p, size_t n);
void qq_puts(struct qq *qq, const char *s);
/* qq_finish: ends the message, sends the envelope (sender, NRCPT
 * recipients), waits, and returns qmail-queue's exit code; a crash or an
 * unwritable pipe gives a temporary code */
int qq_finish(struct qq *qq, const char *sender, char *const *rcpts,
    size_t nrcpt);
/* qq_abort: gives up on the message: closes both pipes without an
 * envelope, so qmail-queue exits without queueing, and waits for it;
 * returns its exit code (for the log) */
int qq_abort(struct qq *qq);

#endif
