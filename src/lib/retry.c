/*
 * retry.c - qmail's retry schedule. See retry.h.
 */
#include "retry.h"

unsigned long
retry_isqrt(unsigned long long x)
{
	unsigned long long lo = 0, hi = 1ULL << 32, mid;

	/* largest r with r*r <= x; r < 2^32 because x < 2^64 */
	while (lo + 1 < hi) {
		mid = lo + (hi - lo) / 2;
		if (mid * mid <= x)
			lo = mid;
		else
			hi = mid;
	}
	return (unsigned long)lo;
}

time_t
retry_next(time_t birth, time_t now, unsigned skip)
{
	unsigned long long n, sq;
	time_t next;

	n = now > birth ? retry_isqrt((unsigned long long)(now - birth)) : 0;
	n += skip;
	sq = n * n;
	if (__builtin_add_overflow(birth, (time_t)sq, &next))
		return now + 86400;
	return next;
}

bool
retry_expired(time_t birth, time_t now, unsigned long lifetime)
{
	time_t end;

	if (__builtin_add_overflow(birth, (time_t)lifetime, &end))
		return false;
	return now > end;
}
