/*
 * spawner.h - the spawner side of the qmail-send <-> spawner protocol.
 *
 * doc/INTERNALS.md ("qmail-send <-> spawners") is the contract: the
 * spawner announces its ceiling in 2 bytes, reads requests (2-byte slot,
 * message file, sender, recipient, each \0-terminated), runs deliveries
 * concurrently as child processes (or hands them to processes the caller
 * keeps, spawn_ops.done) and answers each with slot, K/k/Z/D, text and \0
 * (k: a Maildir success whose new/ waits for qmail-send's barrier).
 * qmail-lspawn and qmail-rspawn differ only in how they start a delivery
 * and how they turn its exit status and output into a reply; they pass
 * those functions in struct spawn_ops.
 *
 * The caller chdirs to the queue directory first (message file names are
 * relative to it). spawn_run installs a SIGCHLD handler and ignores
 * SIGPIPE; it owns every descriptor it opens. It returns 0 after EOF on
 * the request pipe once every delivery under way has been answered, and
 * -1 on a protocol or I/O error (a message was written to stderr) after
 * finishing the deliveries it could still answer. Nothing here exits; not
 * safe in a signal handler.
 */
#ifndef SPAWNER_H
#define SPAWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

#define SPAWN_FIELD_MAX  1024  /* message file, sender, recipient */
#define SPAWN_TEXT_MAX   4000  /* reply text after the status byte */
#define SPAWN_OUTPUT_MAX 16384 /* delivery output kept for the report */
#define SPAWN_SLOTS_MAX  65535 /* the 2-byte slot limit */

struct spawn_request {
	unsigned slot;
	const char *message; /* mess/S/N, relative to the queue directory */
	const char *sender;
	const char *recipient;
};

struct spawn_ops {
	/*
	 * start: forks the delivery of the message on MSGFD to REQ's
	 * recipient, with the child's stdout and stderr on OUTFD; returns
	 * the child's pid, or -1 (errno set). Both descriptors are
	 * close-on-exec; the child dup2()s them. The parent closes them.
	 * Or hands the delivery to a process that is already running and
	 * returns 0 with *DONEFD set: the delivery is over when DONEFD is
	 * readable (or hung up), and done says how it ended.
	 */
	pid_t (*start)(void *ctx, const struct spawn_request *req, int msgfd,
		       int outfd, int *donefd);
	/*
	 * report: appends the status byte (K, k, Z or D) and the text for a
	 * child that ended with wait status WSTAT after writing OUTPUT
	 * (LEN bytes, NUL-terminated, at most SPAWN_OUTPUT_MAX; TRUNCATED
	 * when it wrote more); false on ENOMEM.
	 */
	bool (*report)(void *ctx, int wstat, const char *output, size_t len,
		       bool truncated, struct strbuf *reply);
	const char *name; /* for error messages */
	/*
	 * done: for a delivery that start handed over (returned 0), reads
	 * how it ended from DONEFD once that is readable; returns a wait
	 * status for report. NULL when start always forks.
	 */
	int (*done)(void *ctx, int donefd);
	/*
	 * tick: called before the spawner waits; returns the longest wait
	 * in ms (-1: no limit). NULL: no limit.
	 */
	int (*tick)(void *ctx);
};

/* spawn_std_fds: opens /dev/null on whichever of 0, 1 and 2 is closed,
 * so that no pipe or file a spawner opens can land there */
void spawn_std_fds(void);

/* spawn_ceiling: returns the most deliveries this process can run at
 * once (descriptor limit, raised to the hard limit, and the slot limit) */
unsigned spawn_ceiling(void);

/* spawn_run: serves requests from INFD, replies on OUTFD, with at most
 * CEILING concurrent deliveries; 0 on clean EOF, -1 on error */
int spawn_run(const struct spawn_ops *ops, void *ctx, unsigned ceiling,
	      int infd, int outfd);

/* spawn_parse: parses one request from BUF; returns 1 and sets REQ and
 * *USED when complete, 0 when more bytes are needed, -1 when malformed
 * (a field over SPAWN_FIELD_MAX). REQ points into BUF. */
int spawn_parse(const char *buf, size_t len, struct spawn_request *req,
		size_t *used);

/* spawn_child_setup: in a forked child: default signal dispositions and
 * MSGFD on 0, OUTFD on 1 and 2; false (errno set) on failure */
bool spawn_child_setup(int msgfd, int outfd);

/* spawn_close_others: closes every descriptor above 2. For a delivery
 * that runs in a fork of the spawner without an exec: it would otherwise
 * hold the spawner's pipes and the other deliveries' messages and output
 * pipes (an exec closes them: they are close-on-exec). */
void spawn_close_others(void);
/* spawn_close_others_except: the same, but KEEP stays open (if >= 3) */
void spawn_close_others_except(int keep);

/* spawn_finish_text: cuts REPLY (status byte + text) at the first NUL
 * and to SPAWN_TEXT_MAX bytes of text, marking a cut with "..." */
void spawn_finish_text(struct strbuf *reply, bool truncated);

#endif
