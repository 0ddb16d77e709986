/*
 * prioq.h - a binary min-heap of (time, message id) pairs.
 *
 * qmail-send keeps one per channel, ordered by the time a message is next
 * due, plus queues for finished and failed messages. An element is 16 bytes
 * on LP64, so a million queued messages cost 16 MB per channel. The heap
 * owns its array (free with prioq_free). prioq_insert fails only on ENOMEM
 * or overflow and then leaves the heap unchanged; nothing here exits and
 * nothing is safe in a signal handler.
 */
#ifndef PRIOQ_H
#define PRIOQ_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct prioq_elt {
	time_t dt;
	unsigned long id;
};

struct prioq {
	struct prioq_elt *p;
	size_t len;
	size_t cap;
};
#define PRIOQ_INIT                                                             \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* prioq_insert: adds E; false (errno ENOMEM) when no memory */
bool prioq_insert(struct prioq *pq, const struct prioq_elt *e);
/* prioq_min: copies the earliest element to E; false when empty */
bool prioq_min(const struct prioq *pq, struct prioq_elt *e);
/* prioq_delmin: removes the earliest element (no-op when empty) */
void prioq_delmin(struct prioq *pq);
/* prioq_set_all: sets every element's time to DT (heap order holds) */
void prioq_set_all(struct prioq *pq, time_t dt);
void prioq_free(struct prioq *pq);

#endif
