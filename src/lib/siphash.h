/*
 * siphash.h - SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output,
 * one-shot and incremental.
 *
 * Used as a checksum, not as a MAC: the queue stores the hash of a message
 * and of its envelope record (qxattr.h) so that qmail-todo can tell, after
 * a crash, whether every byte reached the disk. The key is a constant of
 * the caller's choosing. The state is a plain struct on the caller's side;
 * nothing here allocates, fails or exits, and it is safe anywhere.
 */
#ifndef SIPHASH_H
#define SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash {
	uint64_t v0, v1, v2, v3;
	uint64_t total;	    /* bytes fed so far */
	unsigned char tail[8];
	size_t ntail;	    /* bytes in tail, 0..7 */
};

/* siphash_init: starts a hash under the 16-byte KEY */
void siphash_init(struct siphash *h, const unsigned char key[16]);
/* siphash_update: feeds LEN bytes at DATA */
void siphash_update(struct siphash *h, const void *data, size_t len);
/* siphash_final: returns the hash of everything fed */
uint64_t siphash_final(const struct siphash *h);
/* siphash_le64: the little-endian 64-bit number at P (SipHash's word
 * order, also used by the records that store its results) */
uint64_t siphash_le64(const unsigned char *p);
/* siphash: one-shot hash of LEN bytes at DATA under KEY */
uint64_t siphash(const unsigned char key[16], const void *data, size_t len);

#endif
