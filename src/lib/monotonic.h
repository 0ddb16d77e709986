/*
 * monotonic.h - the time for deadlines and waits: CLOCK_MONOTONIC in
 * milliseconds, which no change of the wall clock moves.
 */
#ifndef MONOTONIC_H
#define MONOTONIC_H

long long monotonic_ms(void);

#endif
