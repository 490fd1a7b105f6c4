/*
 * resolv_zone.c - the zone resolver: the spfc_resolver_ops backend that
 * answers lookups from a spfc_zone on a simulated clock.
 *
 * What it owns: the pending queries.  A query is resolved against the
 * zone when it starts (a snapshot: later changes to the zone do not alter
 * it) and is then either "ready" -- due one round trip later,
 * SPFC_ZONE_RTT_MS on the clock -- or "silent" (a TIMEOUT fault): it never
 * answers and stays pending until cancelled or the resolver is freed.
 * Ready queries are due in the order they started (the clock never goes
 * back), so they wait in one FIFO list; an id hash finds a query to
 * cancel.  The clock starts at 0 and moves only in process().
 *
 * How it fails: query() returns SPFC_EINVAL for a NULL name or callback,
 * SPFC_ENOMEM when memory runs out (nothing is queued then).  Callbacks
 * may start and cancel queries, and even free the resolver, while
 * process() delivers: the delivery loop re-reads the live list after
 * every callback and the resolver is released once the loop unwinds.
 */
#include "zonefile.h"
#include "common/list.h"

#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Buckets of the id hash at first; it doubles as queries accumulate. */
#define ZRES_BUCKETS_MIN 64

struct zquery {
	struct sc_list_node link;	/* in the ready or the silent list */
	struct zquery *hnext;		/* id hash chain */
	spfc_query_id id;
	int64_t due;			/* ready: when it answers */
	int silent;
	spfc_dns_cb cb;
	void *arg;
	spfc_dns_answer ans;
	spfc_rr rr[];			/* ans.rr: copies of the zone's
					   records (their text is the zone's) */
};

struct qlist {
	struct sc_list l;
	size_t n;
};

struct zres {
	spfc_zone *z;		/* borrowed */
	int64_t now;
	spfc_query_id last_id;
	struct qlist ready, silent;
	struct zquery **bucket;
	size_t nbucket;		/* a power of two */
	size_t nid;		/* queries in the hash */
	unsigned depth;		/* nesting of process() deliveries */
	int dead;		/* destroy() ran during a delivery */
};

/* ---- Lists and the id hash ---------------------------------------- */

static void list_push(struct qlist *l, struct zquery *q)
{
	sc_list_insert_tail(&l->l, &q->link);
	l->n++;
}

static void list_unlink(struct qlist *l, struct zquery *q)
{
	sc_list_unlink(&l->l, &q->link);
	l->n--;
}

/* The first query of l, or NULL. */
static struct zquery *list_first(const struct qlist *l)
{
	return sc_list_entry_or_null(l->l.head, struct zquery, link);
}

static size_t id_slot(const struct zres *r, spfc_query_id id)
{
	return (size_t)(id & (spfc_query_id)(r->nbucket - 1));
}

/* Make room for one more id; -1 when out of memory. */
static int id_reserve(struct zres *r)
{
	size_t n, i;
	struct zquery **b;

	if (r->nid < r->nbucket)
		return 0;
	n = r->nbucket ? r->nbucket * 2 : ZRES_BUCKETS_MIN;
	if (n > SIZE_MAX / sizeof *b)
		return -1;
	b = calloc(n, sizeof *b);
	if (!b)
		return -1;
	for (i = 0; i < r->nbucket; i++) {
		struct zquery *q = r->bucket[i], *next;
		for (; q; q = next) {
			size_t s = (size_t)(q->id & (spfc_query_id)(n - 1));
			next = q->hnext;
			q->hnext = b[s];
			b[s] = q;
		}
	}
	free(r->bucket);
	r->bucket = b;
	r->nbucket = n;
	return 0;
}

static void id_insert(struct zres *r, struct zquery *q)
{
	size_t s = id_slot(r, q->id);

	q->hnext = r->bucket[s];
	r->bucket[s] = q;
	r->nid++;
}

/* Unhook the query with this id from the hash and return it, or NULL. */
static struct zquery *id_take(struct zres *r, spfc_query_id id)
{
	struct zquery **pp;

	if (!r->nbucket)
		return NULL;
	for (pp = &r->bucket[id_slot(r, id)]; *pp; pp = &(*pp)->hnext) {
		struct zquery *q = *pp;
		if (q->id == id) {
			*pp = q->hnext;
			r->nid--;
			return q;
		}
	}
	return NULL;
}

/* ---- The ops ------------------------------------------------------ */

static spfc_status zr_query(void *self, const char *name, spfc_rrtype type,
			    spfc_dns_cb cb, void *arg, spfc_query_id *id)
{
	struct zres *r = self;
	struct zquery *q;
	zone_result res;

	if (id)
		*id = 0;
	if (!name || !cb || r->dead)
		return SPFC_EINVAL;
	zone_resolve(r->z, name, type, &res);
	if (res.count > (SIZE_MAX - sizeof *q) / sizeof(spfc_rr))
		return SPFC_ENOMEM;
	q = calloc(1, sizeof *q + res.count * sizeof(spfc_rr));
	if (!q)
		return SPFC_ENOMEM;
	if (id_reserve(r) < 0) {
		free(q);
		return SPFC_ENOMEM;
	}
	if (res.count)
		memcpy(q->rr, res.rr, res.count * sizeof(spfc_rr));
	q->ans.rcode = res.rcode;
	q->ans.rr = res.count ? q->rr : NULL;
	q->ans.count = res.count;
	q->ans.neg_ttl = res.neg_ttl;
	q->ans.wire_size = res.wire_size;
	q->id = ++r->last_id;
	q->cb = cb;
	q->arg = arg;
	q->silent = res.silent;
	if (q->silent) {
		list_push(&r->silent, q);
	} else {
		q->due = r->now > INT64_MAX - SPFC_ZONE_RTT_MS
				 ? INT64_MAX
				 : r->now + SPFC_ZONE_RTT_MS;
		list_push(&r->ready, q);
	}
	id_insert(r, q);
	if (id)
		*id = q->id;
	return SPFC_OK;
}

static void zr_cancel(void *self, spfc_query_id id)
{
	struct zres *r = self;
	struct zquery *q = id_take(r, id);

	if (!q)
		return;
	list_unlink(q->silent ? &r->silent : &r->ready, q);
	free(q);
}

/* Free every query without calling back. */
static void drop_all(struct zres *r)
{
	struct qlist *lists[2] = {&r->ready, &r->silent};
	size_t i;

	for (i = 0; i < 2; i++) {
		struct zquery *q;
		while ((q = list_first(lists[i])) != NULL) {
			list_unlink(lists[i], q);
			free(q);
		}
	}
	free(r->bucket);
	r->bucket = NULL;
	r->nbucket = 0;
	r->nid = 0;
}

static int zr_process(void *self, int64_t until)
{
	struct zres *r = self;
	struct zquery *q;
	int64_t due;
	int delivered = 0;

	if (r->dead)
		return 0;
	q = list_first(&r->ready);
	if (!q || q->due > until) {
		if (until > r->now)
			r->now = until;
		return 0;
	}
	due = q->due;
	if (due > r->now)
		r->now = due;
	r->depth++;
	while (!r->dead && delivered < INT_MAX &&
	       (q = list_first(&r->ready)) != NULL &&
	       q->due <= due) {
		list_unlink(&r->ready, q);
		id_take(r, q->id);
		q->cb(q->arg, &q->ans);
		free(q);
		delivered++;
	}
	r->depth--;
	if (r->dead && r->depth == 0)
		free(r);
	return delivered;
}

static int64_t zr_now(void *self)
{
	const struct zres *r = self;

	return r->now;
}

static size_t zr_pending(void *self)
{
	const struct zres *r = self;

	return r->ready.n + r->silent.n;
}

static int64_t zr_next_event(void *self)
{
	const struct zres *r = self;

	const struct zquery *q = list_first(&r->ready);

	return q ? q->due : INT64_MAX;
}

static void zr_destroy(void *self)
{
	struct zres *r = self;

	if (!r)
		return;
	drop_all(r);
	if (r->depth) {
		/* Inside a callback: process() frees r when it unwinds. */
		r->dead = 1;
		return;
	}
	free(r);
}

static const spfc_resolver_ops zone_ops = {
	.name = "zone",
	.query = zr_query,
	.cancel = zr_cancel,
	.process = zr_process,
	.now = zr_now,
	.pending = zr_pending,
	.destroy = zr_destroy,
	.next_event = zr_next_event,
};

spfc_status spfc_zone_resolver_new(spfc_zone *z, spfc_resolver **out)
{
	struct zres *r;
	spfc_status st;

	if (!out)
		return SPFC_EINVAL;
	*out = NULL;
	if (!z)
		return SPFC_EINVAL;
	r = calloc(1, sizeof *r);
	if (!r)
		return SPFC_ENOMEM;
	r->z = z;
	st = spfc_resolver_new(&zone_ops, r, out);
	if (st != SPFC_OK)
		free(r);
	return st;
}
