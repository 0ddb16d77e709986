/*
 * queue.h - names of things in the queue (doc/INTERNALS.md has the layout).
 *
 * A message is known by the inode number N of its file mess/S/N, where
 * S = N mod auto_split. The split directories are pid, mess, intd, todo,
 * info, local, remote and bounce (pid/T is not named by N: queuewrite.c);
 * lock is flat. Paths are relative to the queue directory (auto_queue),
 * where the queue programs chdir.
 * queue_path writes "DIR/S/N" into OUT (replacing its contents); it fails
 * only on ENOMEM.
 *
 * A channel file (local/S/N, remote/S/N) begins with the message's head:
 * "F<sender>\0" then "B<birth>\0", the birth in decimal seconds since the
 * epoch; then one record per recipient ("T<rcpt>\0", 'D' once done). Both
 * channel files of a message carry the same head. A file that does not
 * begin with 'F' is of the older layout (qmail's), whose sender is in
 * info/S/N and whose birth is that file's mtime. Nothing here exits;
 * only queue_head_of opens files (relative to the current directory, the
 * queue).
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdbool.h>
#include <time.h>

#include "iobuf.h"
#include "strbuf.h"

#define QUEUE_SENDER_MAX 1000 /* qmail-queue's limit for an address */

/* queue_split: returns the subdirectory number of message ID */
unsigned long queue_split(unsigned long id);
/* queue_path: OUT = "DIR/split/ID", NUL-terminated */
bool queue_path(struct strbuf *out, const char *dir, unsigned long id);
/* queue_parse_id: parses a decimal message id from all of S */
bool queue_parse_id(const char *s, unsigned long *id);

/* lock/trigger carries hints, one byte each. queue_trigger_byte: the byte
 * for a message ID just linked into todo/: 0x80 plus its split directory,
 * or 0 (qmail's byte: look everywhere) when the split is over 128.
 * queue_trigger_dir: the directory byte B hints at into *S; false when
 * B asks for a look everywhere: 0, any other byte below 0x80 (what an
 * admin's "echo > lock/trigger" writes), or a directory past the split
 * (anyone may write to the fifo). */
#define QUEUE_TRIGGER_DIRS 128 /* the most directories a byte can name */
unsigned char queue_trigger_byte(unsigned long id);
bool queue_trigger_dir(unsigned char b, unsigned long *s);

/* queue_head_put: queues the head for SENDER (LEN bytes, no NUL) and
 * BIRTH on OUT; false on a write error */
bool queue_head_put(struct iobuf *out, const char *sender, size_t len,
    time_t birth);
/* queue_head_read: reads the head at the start of IN: 1 with SENDER (no
 * F, NUL-terminated, len without the NUL), *BIRTH and *USED (its bytes in
 * the file); 0 when IN does not begin with 'F' (the older layout, or
 * empty; nothing is taken); -1 on a malformed head (errno EINVAL) or a
 * read error */
int queue_head_read(struct iobuf *in, struct strbuf *sender, time_t *birth,
    size_t *used);

/* queue_head_of: the head of message ID from its first channel file
 * (local/S/N, else remote/S/N), as queue_head_read: 1 read; 0 the older
 * layout or no channel file at all (look in info/S/N); -1 with errno, and
 * PATH naming the file in trouble */
int queue_head_of(unsigned long id, struct strbuf *path,
    struct strbuf *sender, time_t *birth);

/* queue_info_read: the older layout's info/S/N of message ID ("F<sender>\0",
 * the birth its mtime; the record at most QUEUE_INFO_MAX bytes, room for
 * qmail's own longer addresses): 1 read, -1 with errno (EINVAL: not an
 * info file) and PATH naming it */
#define QUEUE_INFO_MAX 1100
int queue_info_read(unsigned long id, struct strbuf *path,
    struct strbuf *sender, time_t *birth);
/* queue_sender_of: queue_head_of, and for the older layout
 * queue_info_read: 1 or -1 as those */
int queue_sender_of(unsigned long id, struct strbuf *path,
    struct strbuf *sender, time_t *birth);

#endif
