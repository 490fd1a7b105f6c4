/*
 * lint_dns.c - the DNS of the walk: a cache of owned answers, asked
 * through the resolver and driven synchronously, one round of lookups at
 * a time within the time budget.
 *
 * How it fails: past CACHE_MAX distinct lookups, or out of memory, a
 * lookup gives no answer (NULL) and the walk reports what it could not
 * look at.
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void on_answer(void *arg, const spfc_dns_answer *ans)
{
	struct answer *a = arg;
	size_t i;

	a->done = 1;
	a->L->pending--;
	a->rcode = ans->rcode;
	a->neg_ttl = ans->neg_ttl;
	a->wire_size = ans->wire_size;
	a->truncated = ans->truncated;
	if (ans->rcode != SPFC_DNS_OK || ans->count == 0) {
		if (ans->rcode == SPFC_DNS_OK)
			a->rcode = SPFC_DNS_NODATA;
		return;
	}
	a->rr = calloc(ans->count, sizeof *a->rr);
	if (!a->rr) {
		a->L->nomem = 1;
		a->rcode = SPFC_DNS_SERVFAIL;
		return;
	}
	for (i = 0; i < ans->count; i++) {
		const spfc_rr *s = &ans->rr[i];
		struct dnsrr *d = &a->rr[a->count];

		if (s->type != a->type)
			continue;
		d->type = s->type;
		d->ttl = s->ttl;
		memcpy(d->addr, s->addr, sizeof d->addr);
		d->pref = s->pref;
		d->len = s->text ? s->len : 0;
		d->nstrings = s->nstrings;
		d->maxstring = s->maxstring;
		d->text = dupn(s->text ? s->text : "", d->len);
		if (!d->text) {
			a->L->nomem = 1;
			continue;
		}
		a->count++;
	}
	if (a->count == 0)
		a->rcode = SPFC_DNS_NODATA;
}

struct answer *cache_find(struct lint *L, const char *name,
			  spfc_rrtype type)
{
	size_t i;

	for (i = 0; i < L->ncache; i++)
		if (L->cache[i]->type == type &&
		    sc_streq_nocase(L->cache[i]->name, name))
			return L->cache[i];
	return NULL;
}

/* Start a lookup of name (a queryable name) unless it is cached.  NULL
 * only when out of memory; an answer that cannot be asked (the cache is
 * full, the resolver refuses) is a finished SERVFAIL. */
struct answer *dns_start(struct lint *L, const char *name,
			 spfc_rrtype type)
{
	struct answer *a = cache_find(L, name, type);

	if (a)
		return a;
	if (L->ncache == L->capcache) {
		size_t ncap = L->capcache ? L->capcache * 2 : 32;
		struct answer **nc = realloc(L->cache, ncap * sizeof *nc);

		if (!nc) {
			L->nomem = 1;
			return NULL;
		}
		L->cache = nc;
		L->capcache = ncap;
	}
	a = calloc(1, sizeof *a);
	if (!a || !(a->name = dupn(name, strlen(name)))) {
		free(a);
		L->nomem = 1;
		return NULL;
	}
	a->L = L;
	a->type = type;
	L->cache[L->ncache++] = a;
	if (L->ncache > CACHE_MAX) {
		L->cache_full = 1;
		a->done = 1;
		a->rcode = SPFC_DNS_SERVFAIL;
		return a;
	}
	L->pending++;
	if (spfc_resolver_query(L->r, name, type, on_answer, a, &a->id) !=
	    SPFC_OK) {
		L->pending--;
		a->done = 1;
		a->rcode = SPFC_DNS_SERVFAIL;
	}
	return a;
}

/* Deliver answers until every started lookup is in or the round's
 * budget is spent; what is still pending then is a time-out. */
void dns_drive(struct lint *L)
{
	int64_t deadline = spfc_resolver_now(L->r) + L->budget_ms;
	size_t i;

	while (L->pending > 0 && spfc_resolver_now(L->r) < deadline)
		spfc_resolver_process(L->r, deadline);
	if (L->pending == 0)
		return;
	for (i = 0; i < L->ncache; i++) {
		struct answer *a = L->cache[i];

		if (a->done)
			continue;
		spfc_resolver_cancel(L->r, a->id);
		a->done = 1;
		a->rcode = SPFC_DNS_TIMEOUT;
	}
	L->pending = 0;
}

/* One lookup, answered. */
struct answer *dns_lookup(struct lint *L, const char *name,
			  spfc_rrtype type)
{
	struct answer *a = dns_start(L, name, type);

	if (a && !a->done)
		dns_drive(L);
	return a;
}

void answer_free(struct answer *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->count; i++)
		free(a->rr[i].text);
	free(a->rr);
	free(a->name);
	free(a);
}

int rc_void(spfc_dns_rcode rc)
{
	return rc == SPFC_DNS_NXDOMAIN || rc == SPFC_DNS_NODATA;
}

int rc_failed(spfc_dns_rcode rc)
{
	return rc == SPFC_DNS_SERVFAIL || rc == SPFC_DNS_TIMEOUT;
}

/* Note a TTL the term's data depends on; UINT32_MAX: unknown. */
void term_ttl(struct lterm *t, uint32_t ttl)
{
	if (ttl == UINT32_MAX)
		return;
	if (!t->has_ttl || ttl < t->ttl)
		t->ttl = ttl;
	t->has_ttl = 1;
}

/* The TTL an answer is good for: its records' shortest, or the negative
 * caching TTL; UINT32_MAX when the resolver does not know it. */
uint32_t answer_ttl(const struct answer *a)
{
	uint32_t ttl = UINT32_MAX;
	size_t i;

	if (a->rcode != SPFC_DNS_OK)
		return a->neg_ttl ? a->neg_ttl : UINT32_MAX;
	for (i = 0; i < a->count; i++)
		if (a->rr[i].ttl < ttl)
			ttl = a->rr[i].ttl;
	return ttl;
}
