/*
 * hash.h - the pieces of the library's word-at-a-time hashes (the DNS
 * cache's keys, the record cache's texts): load eight bytes, mix a word
 * in, finish.  Not for anything an attacker could exploit beyond a
 * longer hash chain: the tables bound their chains themselves.
 */
#ifndef SPFC_HASH_H
#define SPFC_HASH_H

#include <stdint.h>
#include <string.h>

#define HASH_SEED 0xcbf29ce484222325ull

static inline uint64_t hash_load8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static inline uint64_t hash_mix8(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/* Spread the bits of the last mix over the whole word. */
static inline uint64_t hash_finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

#endif
