/*
 * idset.h - a set of message ids (unsigned long, never 0): open
 * addressing with linear probing, grown by doubling at half load and
 * deleted from by backward shift, so no tombstones pile up. qmail-send
 * uses one per channel to know which messages its in-memory schedule
 * holds. The set owns its table (free with idset_free); idset_add fails
 * only on ENOMEM or overflow and then leaves the set unchanged. Nothing
 * here exits; not for signal handlers.
 */
#ifndef IDSET_H
#define IDSET_H

#include <stdbool.h>
#include <stddef.h>

struct idset {
	unsigned long *slot; /* 0: empty */
	size_t cap;	     /* a power of 2, or 0 */
	size_t len;
};
#define IDSET_INIT {NULL, 0, 0}

/* idset_has: whether ID (not 0) is in SET */
bool idset_has(const struct idset *set, unsigned long id);
/* idset_add: adds ID (not 0); true when it is in SET afterwards */
bool idset_add(struct idset *set, unsigned long id);
/* idset_del: removes ID if present */
void idset_del(struct idset *set, unsigned long id);
void idset_free(struct idset *set);

#endif
