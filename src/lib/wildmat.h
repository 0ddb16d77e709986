/*
 * wildmat.h - shell-style pattern matching for control files (badmailfrom,
 * badrcptto, badhelo), as s/qmail's wildmat.
 *
 * '*' matches any string, '?' one byte, "[set]" one byte of a set with
 * ranges ("a-z") and a leading '!' or '^' to negate, '\' quotes the next
 * byte. A '[' without a closing ']' is literal. Matching is byte-wise and
 * case-sensitive (callers lower-case both sides) and takes O(len(pattern)
 * * len(text)) time in the worst case: it never backtracks exponentially,
 * because patterns come from files but texts come from the network.
 * Pure functions: no allocation, safe anywhere.
 */
#ifndef WILDMAT_H
#define WILDMAT_H

#include <stdbool.h>

/* wildmat: true when all of TEXT matches PATTERN */
bool wildmat(const char *pattern, const char *text);
/* wildmat_is_pattern: true when S contains '*', '?' or '[' */
bool wildmat_is_pattern(const char *s);

#endif
