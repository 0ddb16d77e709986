/* t_idset.c - the id set against a plain array model, with deletions
 * that exercise the backward shift across the table's wrap. */
#include <stdlib.h>

#include "idset.h"
#include "tap.h"

#define N 20000

int
main(void)
{
	static unsigned char model[N + 1];
	struct idset s = IDSET_INIT;
	unsigned long x = 12345, id;
	int i, bad = 0;
	size_t len = 0;

	ok(!idset_has(&s, 5), "empty set has nothing");
	ok(!idset_add(&s, 0), "0 is refused");
	for (i = 0; i < 200000; i++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		id = (x >> 33) % N + 1;
		if ((x >> 20) & 1) {
			if (!idset_add(&s, id))
				bad++;
			if (!model[id])
				len++;
			model[id] = 1;
		} else {
			idset_del(&s, id);
			if (model[id])
				len--;
			model[id] = 0;
		}
		if (i % 1000 == 0)
			for (id = 1; id <= N; id++)
				if (idset_has(&s, id) != model[id])
					bad++;
	}
	ok(bad == 0, "200000 random adds and deletes match the model");
	ok(s.len == len, "length matches the model");
	for (id = 1; id <= N; id++)
		idset_del(&s, id);
	ok(s.len == 0, "everything deleted");
	for (id = 1; id <= N; id++)
		if (idset_has(&s, id))
			bad++;
	ok(bad == 0, "nothing left");
	/* ids that collide: multiples of the table size land near each
	 * other only by the hash; add many, delete every other one */
	for (id = 1; id <= 4096; id++)
		idset_add(&s, id * 4096);
	for (id = 2; id <= 4096; id += 2)
		idset_del(&s, id * 4096);
	for (id = 1; id <= 4096; id++)
		if (idset_has(&s, id * 4096) != (id % 2 == 1))
			bad++;
	ok(bad == 0, "every other one of 4096 deleted, the rest found");
	idset_add(&s, ~0UL);
	ok(idset_has(&s, ~0UL), "the largest id");
	idset_free(&s);
	ok(!idset_has(&s, 1), "freed set is empty");
	return done_testing();
}
