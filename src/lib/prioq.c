/*
 * prioq.c - binary min-heap of (time, id). See prioq.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "prioq.h"

/* earlier: ties are broken by id so that the order is deterministic */
static bool
earlier(const struct prioq_elt *a, const struct prioq_elt *b)
{
	if (a->dt != b->dt)
		return a->dt < b->dt;
	return a->id < b->id;
}

bool
prioq_insert(struct prioq *pq, const struct prioq_elt *e)
{
	struct prioq_elt *p;
	size_t i, parent, cap, bytes;

	if (pq->len == pq->cap) {
		cap = pq->cap ? pq->cap : 64;
		if (pq->cap && __builtin_mul_overflow(cap, 2, &cap)) {
			errno = ENOMEM;
			return false;
		}
		if (__builtin_mul_overflow(cap, sizeof *p, &bytes)) {
			errno = ENOMEM;
			return false;
		}
		if ((p = realloc(pq->p, bytes)) == NULL)
			return false;
		pq->p = p;
		pq->cap = cap;
	}
	i = pq->len++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!earlier(e, &pq->p[parent]))
			break;
		pq->p[i] = pq->p[parent];
		i = parent;
	}
	pq->p[i] = *e;
	return true;
}

bool
prioq_min(const struct prioq *pq, struct prioq_elt *e)
{
	if (pq->len == 0)
		return false;
	*e = pq->p[0];
	return true;
}

void
prioq_delmin(struct prioq *pq)
{
	struct prioq_elt last;
	size_t i, child;

	if (pq->len == 0)
		return;
	last = pq->p[--pq->len];
	i = 0;
	for (;;) {
		child = 2 * i + 1;
		if (child >= pq->len)
			break;
		if (child + 1 < pq->len &&
		    earlier(&pq->p[child + 1], &pq->p[child]))
			child++;
		if (!earlier(&pq->p[child], &last))
			break;
		pq->p[i] = pq->p[child];
		i = child;
	}
	if (pq->len)
		pq->p[i] = last;
}

void
prioq_set_all(struct prioq *pq, time_t dt)
{
	size_t i;

	/* with equal times the order is by id alone: rebuild the heap */
	for (i = 0; i < pq->len; i++)
		pq->p[i].dt = dt;
	if (pq->len < 2)
		return;
	for (i = pq->len / 2; i-- > 0;) {
		struct prioq_elt x = pq->p[i];
		size_t j = i, child;

		for (;;) {
			child = 2 * j + 1;
			if (child >= pq->len)
				break;
			if (child + 1 < pq->len &&
			    earlier(&pq->p[child + 1], &pq->p[child]))
				child++;
			if (!earlier(&pq->p[child], &x))
				break;
			pq->p[j] = pq->p[child];
			j = child;
		}
		pq->p[j] = x;
	}
}

void
prioq_free(struct prioq *pq)
{
	free(pq->p);
	pq->p = NULL;
	pq->len = pq->cap = 0;
}
