/*
 * siphash.c - see siphash.h. Written from the paper's description:
 * 2 compression rounds per 8-byte word, 4 finalisation rounds, the last
 * word holding the remaining bytes and the length mod 256 in its top byte.
 */
#include <string.h>

#include "siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

uint64_t
siphash_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
sipround(uint64_t *v0, uint64_t *v1, uint64_t *v2, uint64_t *v3)
{
	*v0 += *v1;
	*v1 = ROTL(*v1, 13);
	*v1 ^= *v0;
	*v0 = ROTL(*v0, 32);
	*v2 += *v3;
	*v3 = ROTL(*v3, 16);
	*v3 ^= *v2;
	*v0 += *v3;
	*v3 = ROTL(*v3, 21);
	*v3 ^= *v0;
	*v2 += *v1;
	*v1 = ROTL(*v1, 17);
	*v1 ^= *v2;
	*v2 = ROTL(*v2, 32);
}

static void
compress(struct siphash *h, uint64_t m)
{
	h->v3 ^= m;
	sipround(&h->v0, &h->v1, &h->v2, &h->v3);
	sipround(&h->v0, &h->v1, &h->v2, &h->v3);
	h->v0 ^= m;
}

void
siphash_init(struct siphash *h, const unsigned char key[16])
{
	uint64_t k0 = siphash_le64(key), k1 = siphash_le64(key + 8);

	h->v0 = k0 ^ 0x736f6d6570736575ULL;
	h->v1 = k1 ^ 0x646f72616e646f6dULL;
	h->v2 = k0 ^ 0x6c7967656e657261ULL;
	h->v3 = k1 ^ 0x7465646279746573ULL;
	h->total = 0;
	h->ntail = 0;
}

void
siphash_update(struct siphash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	h->total += len;
	if (h->ntail > 0) {
		size_t take = 8 - h->ntail < len ? 8 - h->ntail : len;

		memcpy(h->tail + h->ntail, p, take);
		h->ntail += take;
		p += take;
		len -= take;
		if (h->ntail < 8)
			return;
		compress(h, siphash_le64(h->tail));
		h->ntail = 0;
	}
	for (; len >= 8; p += 8, len -= 8)
		compress(h, siphash_le64(p));
	memcpy(h->tail, p, len);
	h->ntail = len;
}

uint64_t
siphash_final(const struct siphash *h)
{
	struct siphash s = *h;
	uint64_t b = (uint64_t)(s.total & 0xff) << 56;
	size_t i;

	for (i = 0; i < s.ntail; i++)
		b |= (uint64_t)s.tail[i] << (8 * i);
	compress(&s, b);
	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(&s.v0, &s.v1, &s.v2, &s.v3);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t
siphash(const unsigned char key[16], const void *data, size_t len)
{
	struct siphash h;

	siphash_init(&h, key);
	siphash_update(&h, data, len);
	return siphash_final(&h);
}
