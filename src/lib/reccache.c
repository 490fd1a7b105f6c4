/*
 * reccache.c - the parsed-record cache of reccache.h: a direct-mapped
 * table of RECCACHE_SLOTS reference-counted records kept with the
 * resolver.
 */
#include "reccache.h"

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

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
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

	*out = NULL;
	if (len > RECCACHE_TEXT_MAX || !(rc = cache_of(r))) {
		st = record_parse(txt, len, out, why);
		if (*out)
			(*out)->refs = 1;
		return st;
	}
	h = hash(txt, len);
	s = &rc->slot[h % RECCACHE_SLOTS];
	if (s->rec && s->h == h && s->rec->len == len &&
	    memcmp(s->rec->text, txt, len) == 0) {
		s->rec->refs++;
		*out = s->rec;
		return SPFC_OK;
	}
	st = record_parse(txt, len, out, why);
	if (st != SPFC_OK)
		return st;
	(*out)->refs = 1;
	if ((*out)->nterms > RECCACHE_TERMS_MAX)
		return SPFC_OK;
	if (s->rec) {
		rc->bytes -= rec_bytes(s->rec);
		reccache_release(s->rec);
		s->rec = NULL;
	}
	if (rc->bytes + rec_bytes(*out) > RECCACHE_BYTES)
		return SPFC_OK;
	rc->bytes += rec_bytes(*out);
	s->h = h;
	s->rec = *out;
	s->rec->refs++;
	return SPFC_OK;
}
