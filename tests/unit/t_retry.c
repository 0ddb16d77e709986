/* t_retry.c - unit tests for the retry schedule (src/lib/retry.c) and
 * the priority queue (src/lib/prioq.c). */
#include <stdlib.h>

#include "prioq.h"
#include "retry.h"
#include "tap.h"

static void
test_isqrt(void)
{
	static const struct {
		unsigned long long x;
		unsigned long want;
	} cases[] = {
	    {0, 0},
	    {1, 1},
	    {3, 1},
	    {4, 2},
	    {99, 9},
	    {100, 10},
	    {604800, 777},
	    {4294967295ULL, 65535},
	    {4294967296ULL, 65536},
	    {18446744073709551615ULL, 4294967295UL},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_num((long long)retry_isqrt(cases[i].x),
		       (long long)cases[i].want, "isqrt");
}

/* qmail's schedule: local at 100, 400, 900, 1600...; remote at 400,
 * 1600, 3600, 6400... seconds after birth */
static void
test_schedule(void)
{
	static const struct {
		const char *name;
		time_t birth, now;
		unsigned skip;
		time_t want;
	} cases[] = {
	    {"local, first attempt", 1000, 1000, RETRY_SKIP_LOCAL, 1100},
	    {"local, at 100 s", 1000, 1100, RETRY_SKIP_LOCAL, 1400},
	    {"local, at 400 s", 1000, 1400, RETRY_SKIP_LOCAL, 1900},
	    {"local, at 900 s", 1000, 1900, RETRY_SKIP_LOCAL, 2600},
	    {"local, late ALRM retry", 1000, 1050, RETRY_SKIP_LOCAL,
	     1000 + 17 * 17},
	    {"remote, first attempt", 0, 0, RETRY_SKIP_REMOTE, 400},
	    {"remote, at 400 s", 0, 400, RETRY_SKIP_REMOTE, 1600},
	    {"remote, at 1600 s", 0, 1600, RETRY_SKIP_REMOTE, 3600},
	    {"remote, at 3600 s", 0, 3600, RETRY_SKIP_REMOTE, 6400},
	    {"birth in the future", 5000, 1000, RETRY_SKIP_LOCAL, 5100},
	    {"a week old, local", 0, 604800, RETRY_SKIP_LOCAL, 787 * 787},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_num((long long)retry_next(cases[i].birth, cases[i].now,
					     cases[i].skip),
		       (long long)cases[i].want, cases[i].name);
}

static void
test_expired(void)
{
	ok(!retry_expired(0, 604800, 604800), "exactly at lifetime: not yet");
	ok(retry_expired(0, 604801, 604800), "one second past");
	ok(retry_expired(100, 102, 1), "short lifetime");
	ok(!retry_expired(100, 100, 0), "lifetime 0, same second");
	ok(retry_expired(100, 101, 0), "lifetime 0, next second");
}

static void
test_prioq(void)
{
	static const struct prioq_elt in[] = {{50, 5}, {10, 1}, {30, 3},
					      {10, 0}, {70, 7}, {20, 2},
					      {60, 6}, {40, 4}};
	struct prioq pq = PRIOQ_INIT;
	struct prioq_elt e;
	unsigned long prev_id;
	time_t prev;
	size_t i, n;
	int sorted = 1;

	ok(!prioq_min(&pq, &e), "empty queue has no minimum");
	prioq_delmin(&pq); /* harmless */
	for (i = 0; i < sizeof in / sizeof in[0]; i++)
		prioq_insert(&pq, &in[i]);
	is_num((long long)pq.len, 8, "eight elements");
	prioq_min(&pq, &e);
	is_num((long long)e.dt, 10, "min time");
	is_num((long long)e.id, 0, "ties broken by id");
	prev = 0;
	prev_id = 0;
	for (n = 0; prioq_min(&pq, &e); n++) {
		if (e.dt < prev || (e.dt == prev && n && e.id < prev_id))
			sorted = 0;
		prev = e.dt;
		prev_id = e.id;
		prioq_delmin(&pq);
	}
	ok(sorted && n == 8, "elements come out in order");

	/* many elements with random times, then ALRM */
	srand(1);
	n = 0;
	for (i = 0; i < 10000; i++) {
		struct prioq_elt r = {rand() % 1000, i + 1};
		n += prioq_insert(&pq, &r);
	}
	is_num((long long)n, 10000, "10000 inserted");
	prev = 0;
	sorted = 1;
	for (i = 0; i < 5000; i++) {
		prioq_min(&pq, &e);
		if (e.dt < prev)
			sorted = 0;
		prev = e.dt;
		prioq_delmin(&pq);
	}
	ok(sorted, "10000 random elements: first half in order");
	prioq_set_all(&pq, 7);
	prev_id = 0;
	sorted = 1;
	while (prioq_min(&pq, &e)) {
		if (e.dt != 7 || e.id < prev_id)
			sorted = 0;
		prev_id = e.id;
		prioq_delmin(&pq);
	}
	ok(sorted, "set_all: every element due, in id order");
	prioq_free(&pq);
	is_num((long long)pq.len, 0, "freed");
}

int
main(void)
{
	test_isqrt();
	test_schedule();
	test_expired();
	test_prioq();
	return done_testing();
}
