/* t_siphash.c - SipHash-2-4 against the reference vectors (key 00..0f,
 * message 00..len-1), and the incremental form against the one-shot one
 * for every split of a 100-byte input. */
#include <stdint.h>

#include "siphash.h"
#include "tap.h"

static const struct {
	size_t len;
	uint64_t want;
} vectors[] = {
	{0, 0x726fdb47dd0e0e31ULL},
	{1, 0x74f839c593dc67fdULL},
	{2, 0x0d6c8009d9a94f5aULL},
	{3, 0x85676696d7fb7e2dULL},
	{4, 0xcf2794e0277187b7ULL},
	{5, 0x18765564cd99a68dULL},
	{6, 0xcbc9466e58fee3ceULL},
	{7, 0xab0200f58b01d137ULL},
	{8, 0x93f5f5799a932462ULL},
	{9, 0x9e0082df0ba9e4b0ULL},
	{15, 0xa129ca6149be45e5ULL},
};

int
main(void)
{
	unsigned char key[16], msg[100];
	size_t i, a, b;
	int bad = 0;

	for (i = 0; i < sizeof key; i++)
		key[i] = (unsigned char)i;
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
		ok(siphash(key, msg, vectors[i].len) == vectors[i].want,
		   "reference vector, %zu bytes", vectors[i].len);
	for (a = 0; a <= sizeof msg; a++)
		for (b = a; b <= sizeof msg; b += 7) {
			struct siphash h;

			siphash_init(&h, key);
			siphash_update(&h, msg, a);
			siphash_update(&h, msg + a, b - a);
			siphash_update(&h, msg + b, sizeof msg - b);
			if (siphash_final(&h) != siphash(key, msg, sizeof msg))
				bad++;
		}
	ok(bad == 0, "incremental equals one-shot for every split (%d bad)",
	   bad);
	return done_testing();
}
