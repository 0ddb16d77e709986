/*
 * idset.c - see idset.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "idset.h"

static size_t
home(unsigned long id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 32) & (cap - 1);
}

static size_t
find(const struct idset *set, unsigned long id)
{
	size_t i = home(id, set->cap);

	while (set->slot[i] != 0 && set->slot[i] != id)
		i = (i + 1) & (set->cap - 1);
	return i;
}

bool
idset_has(const struct idset *set, unsigned long id)
{
	return set->len > 0 && id != 0 && set->slot[find(set, id)] == id;
}

static bool
grow(struct idset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64, i;
	unsigned long *old = set->slot;
	size_t oldcap = set->cap;

	if (cap < set->cap || cap > SIZE_MAX / sizeof *set->slot) {
		errno = EOVERFLOW;
		return false;
	}
	set->slot = calloc(cap, sizeof *set->slot);
	if (set->slot == NULL) {
		set->slot = old;
		return false;
	}
	set->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i] != 0)
			set->slot[find(set, old[i])] = old[i];
	free(old);
	return true;
}

bool
idset_add(struct idset *set, unsigned long id)
{
	size_t i;

	if (id == 0) {
		errno = EINVAL;
		return false;
	}
	if (idset_has(set, id))
		return true;
	if ((set->len + 1) * 2 > set->cap && !grow(set))
		return false;
	i = find(set, id);
	set->slot[i] = id;
	set->len++;
	return true;
}

void
idset_del(struct idset *set, unsigned long id)
{
	size_t i, j, k;

	if (!idset_has(set, id))
		return;
	i = find(set, id);
	set->slot[i] = 0;
	set->len--;
	/* backward shift: move up every entry of the run after I that
	 * would no longer be found with the hole at I */
	for (j = (i + 1) & (set->cap - 1); set->slot[j] != 0;
	     j = (j + 1) & (set->cap - 1)) {
		k = home(set->slot[j], set->cap);
		/* K is cyclically in (I, J]: the entry stays */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		set->slot[i] = set->slot[j];
		set->slot[j] = 0;
		i = j;
	}
}

void
idset_free(struct idset *set)
{
	free(set->slot);
	set->slot = NULL;
	set->cap = set->len = 0;
}
