/*
 * queue.h - names of things in the queue (doc/INTERNALS.md has the layout).
 *
 * A message is known by the inode number N of its file mess/S/N, where
 * S = N mod auto_split. The split directories are pid, mess, intd, todo,
 * info, local, remote and bounce (pid/T is not named by N: queuewrite.c);
 * lock is flat. Paths are relative to the queue directory (auto_queue),
 * where the queue programs chdir.
 * queue_path writes "DIR/S/N" into OUT (replacing its contents); it fails
 * only on ENOMEM. Nothing here exits or touches the file system.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdbool.h>

#include "strbuf.h"

/* queue_split: returns the subdirectory number of message ID */
unsigned long queue_split(unsigned long id);
/* queue_path: OUT = "DIR/split/ID", NUL-terminated */
bool queue_path(struct strbuf *out, const char *dir, unsigned long id);
/* queue_parse_id: parses a decimal message id from all of S */
bool queue_parse_id(const char *s, unsigned long *id);

#endif
