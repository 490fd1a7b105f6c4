/*
 * reccache.c - the parsed-record cache of reccache.h: a table of
 * RECCACHE_SLOTS reference-counted records in sets of RECCACHE_WAYS
 * (least recently used out first), kept with the resolver.
 */
#include "reccache.h"

#include "hash.h"
#include "resolver_priv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t h;
	struct record *rec;
};

struct reccache {
	struct slot slot[RECCACHE_SLOTS];
	size_t bytes;		/* of the records held */
};

/* What a parsed record costs, for the byte bound. */
static size_t rec_bytes(const struct record *r)
{
	return sizeof *r + r->len + 1 + r->nterms * sizeof *r->terms;
}

static void reccache_free(void *p)
{
	struct reccache *rc = p;
	size_t i;

	for (i = 0; i < RECCACHE_SLOTS; i++)
		if (rc->slot[i].rec)
			reccache_release(rc->slot[i].rec);
	free(rc);
}

static struct reccache *cache_of(spfc_resolver *r)
{
	struct reccache *rc = resolver_aux(r);

	if (!rc) {
		rc = calloc(1, sizeof *rc);
		if (rc)
			resolver_set_aux(r, rc, reccache_free);
	}
	return rc;
}

/* A hash of the text eight bytes at a time (a record is some hundred
 * bytes: byte at a time, the hash was most of a hit's cost). */
static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = HASH_SEED ^ n, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		h = hash_mix8(h, hash_load8(s + i));
	if (i < n) {
		w = 0;
		memcpy(&w, s + i, n - i);
		h = hash_mix8(h, w);
	}
	return hash_finish(h);
}

void reccache_release(struct record *rec)
{
	if (!rec)
		return;
	if (rec->refs > 1)
		rec->refs--;
	else
		record_free(rec);
}

spfc_status reccache_parse(spfc_resolver *r, const char *txt, size_t len,
			   struct record **out, spfc_buf *why)
{
	struct reccache *rc;
	struct slot *s;
	spfc_status st;
	uint64_t h;
	size_t i;

	*out = NULL;
	if (len > RECCACHE_TEXT_MAX || !(rc = cache_of(r))) {
		st = record_parse(txt, len, out, why);
		if (*out)
			(*out)->refs = 1;
		return st;
	}
	h = hash(txt, len);
	/* RECCACHE_WAYS slots per set, the most recently used first */
	s = &rc->slot[(h % (RECCACHE_SLOTS / RECCACHE_WAYS)) * RECCACHE_WAYS];
	for (i = 0; i < RECCACHE_WAYS; i++) {
		if (s[i].rec && s[i].h == h && s[i].rec->len == len &&
		    memcmp(s[i].rec->text, txt, len) == 0) {
			struct slot hit = s[i];
			memmove(s + 1, s, i * sizeof *s);
			s[0] = hit;
			hit.rec->refs++;
			*out = hit.rec;
			return SPFC_OK;
		}
	}
	st = record_parse(txt, len, out, why);
	if (st != SPFC_OK)
		return st;
	(*out)->refs = 1;
	if ((*out)->nterms > RECCACHE_TERMS_MAX)
		return SPFC_OK;
	if (s[RECCACHE_WAYS - 1].rec) {	/* the least recently used goes */
		rc->bytes -= rec_bytes(s[RECCACHE_WAYS - 1].rec);
		reccache_release(s[RECCACHE_WAYS - 1].rec);
	}
	memmove(s + 1, s, (RECCACHE_WAYS - 1) * sizeof *s);
	s[0].rec = NULL;
	if (rc->bytes + rec_bytes(*out) > RECCACHE_BYTES)
		return SPFC_OK;
	rc->bytes += rec_bytes(*out);
	s[0].h = h;
	s[0].rec = *out;
	s[0].rec->refs++;
	return SPFC_OK;
}
