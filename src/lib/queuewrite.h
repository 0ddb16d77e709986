/*
 * queuewrite.h - puts one message into the queue: the work of qmail-queue,
 * shared by the setuid program and by the workers of qmail-queued.
 *
 * The message comes from MSGFD and the envelope from ENVFD ("F<sender>\0",
 * then "T<rcpt>\0" per recipient, then "\0"; envelope.h), both read to
 * their end. The current directory must be the queue. UID is the caller's
 * (for the Received line and the envelope), PID the process that names the
 * files and the Received line. The write order, and why each fsync is
 * there, is doc/INTERNALS.md "qmail-queue: the write order".
 *
 * queue_write returns QQ_EXIT_OK (0) only once the message is durable and
 * linked into todo/, with *ID the message's number (meaningful only
 * then); otherwise a qq.h exit code, with *WHY set to a short
 * static description and *ERR to the errno behind it (0 if none: always
 * for a bad or too long envelope, where errno means nothing). Until
 * the commit every failure removes what was created. Nothing here exits,
 * prints or handles signals; the 24-hour limit is the caller's (an alarm
 * that kills the process leaves files that qmail-clean and qmail-send
 * remove after 36 hours). Not reentrant: one message at a time per
 * process (two 64 KB static buffers).
 */
#ifndef QUEUEWRITE_H
#define QUEUEWRITE_H

#include <sys/types.h>

int queue_write(int msgfd, int envfd, uid_t uid, pid_t pid,
    unsigned long *id, const char **why, int *err);

/* queue_trigger: wakes qmail-todo through lock/trigger (relative to the
 * queue directory) for message ID, just queued: the byte names its todo/
 * directory (queue_trigger_byte); nothing happens if nobody listens */
void queue_trigger(unsigned long id);

#endif
