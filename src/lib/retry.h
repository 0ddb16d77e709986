/*
 * retry.h - qmail's retry schedule.
 *
 * A message born at BIRTH is next tried at
 *     birth + (floor(sqrt(now - birth)) + skip)^2
 * with skip RETRY_SKIP_LOCAL (10) or RETRY_SKIP_REMOTE (20): local attempts
 * at 100, 400, 900, 1600... seconds after birth, remote ones at 400, 1600,
 * 3600, 6400... A message older than the queue lifetime gets one more
 * attempt, in which a temporary failure counts as permanent. Pure
 * functions: no I/O, no allocation, safe anywhere.
 */
#ifndef RETRY_H
#define RETRY_H

#include <stdbool.h>
#include <time.h>

enum { RETRY_SKIP_LOCAL = 10, RETRY_SKIP_REMOTE = 20 };

/* retry_isqrt: returns floor(sqrt(X)) for X >= 0 (0 for X < 0) */
unsigned long retry_isqrt(unsigned long long x);
/* retry_next: returns the next attempt time after an attempt at NOW */
time_t retry_next(time_t birth, time_t now, unsigned skip);
/* retry_expired: true when a message born at BIRTH is past LIFETIME
 * seconds at NOW (its next temporary failure is final) */
bool retry_expired(time_t birth, time_t now, unsigned long lifetime);

#endif
