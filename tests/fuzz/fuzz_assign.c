/*
 * fuzz_assign.c - libFuzzer target for the users/assign parser
 * (src/lib/users.c).
 *
 * The input is a users/assign file. Every record the parser hands out must
 * decode as qmail-lspawn will decode it (six fields once the final \0 is
 * added), have a key starting with '!' (or be the empty wildchars key),
 * and stay inside the input's size; a violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
	size_t size;
	size_t records;
};

static bool
check(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct check *c = ctx;
	struct users_entry e = USERS_ENTRY_INIT;
	char *copy;

	c->records++;
	if (klen > c->size + 1 || vlen > c->size)
		abort();
	if (klen == 0)
		return true; /* the wildchars */
	if (key[0] != '!')
		abort();
	copy = malloc(vlen + 1);
	if (copy == NULL)
		return false;
	memcpy(copy, val, vlen);
	copy[vlen] = '\0';
	if (!users_decode(&e, copy, vlen + 1))
		abort();
	if (e.uid == 0 || e.home[0] != '/')
		abort();
	users_entry_free(&e);
	free(copy);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check c = {size, 0};
	enum users_parse_status st;
	const char *why;
	size_t line;

	st = users_parse((const char *)data, size, check, &c, &line, &why);
	if (st == USERS_PARSE_SYNTAX && why == NULL)
		abort();
	if (st == USERS_PARSE_OK && c.records == 0)
		abort(); /* the wildchars key is always written */
	return 0;
}
