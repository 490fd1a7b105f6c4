/*
 * resolv_cache.c - the caching resolver of dnscache.h.
 *
 * Owns its cache entries, the lookups in flight to the inner resolver and
 * the waiters on them.  Answers are copied into one allocation each (the
 * records and their text), so an entry can be dropped at any time without
 * touching a waiter.  Out of memory: an answer is not cached, or a query
 * is refused (SPFC_ENOMEM) -- never a crash.  The cache must not be
 * freed from inside one of its callbacks.
 */
#include <spfc/dnscache.h>

#include "name.h"

#include <stdlib.h>
#include <string.h>

#define DC_DEFAULT_ENTRIES 20000
#define DC_DEFAULT_BYTES ((size_t)32 << 20)
#define DC_DEFAULT_MAX_TTL 3600
#define DC_DEFAULT_NEG_TTL 60
#define DC_NAME_MAX 255		/* bytes of a key's name */
#define DC_BUCKETS 4096		/* hash buckets (entries, flights, ids) */

/* A copied answer: one block holding the records and their text. */
struct copy {
	spfc_dns_answer ans;
	size_t bytes;
	void *block;
};

struct entry {
	struct entry *hnext, *prev, *next;	/* hash chain, LRU list */
	char name[DC_NAME_MAX + 1];
	spfc_rrtype type;
	int64_t expires;			/* inner clock, ms */
	struct copy c;
};

struct flight;

struct waiter {
	struct waiter *hnext;		/* id hash */
	struct waiter *next, *prev;	/* the flight's list or the ready list */
	struct flight *f;		/* NULL when on the ready list */
	spfc_query_id id;
	spfc_dns_cb cb;
	void *arg;
	struct copy c;			/* ready: the cached answer */
};

struct dcache;

struct flight {
	struct flight *hnext;
	struct dcache *d;
	char name[DC_NAME_MAX + 1];
	spfc_rrtype type;
	spfc_query_id upstream;
	struct waiter *waiters;		/* doubly linked via next/prev */
	int hashed;
};

struct dcache {
	spfc_resolver *inner;
	spfc_dnscache_options o;
	struct entry *ebucket[DC_BUCKETS];
	struct entry *lru_head, *lru_tail;
	struct flight *fbucket[DC_BUCKETS];
	struct waiter *wbucket[DC_BUCKETS];
	struct waiter *ready_head, *ready_tail;
	spfc_query_id last_id;
	size_t nwaiters;
	spfc_dnscache_stats st;
};

/* ---- answers copied ---------------------------------------------------- */

static int copy_answer(struct copy *dst, const spfc_dns_answer *a)
{
	size_t i, text = 0, size;
	spfc_rr *rr;
	char *pool;

	memset(dst, 0, sizeof *dst);
	dst->ans = *a;
	dst->ans.rr = NULL;
	if (a->count == 0)
		return 0;
	for (i = 0; i < a->count; i++)
		text += a->rr[i].text ? a->rr[i].len + 1 : 0;
	size = a->count * sizeof(spfc_rr) + text;
	dst->block = malloc(size);
	if (!dst->block)
		return -1;
	rr = dst->block;
	pool = (char *)(rr + a->count);
	for (i = 0; i < a->count; i++) {
		rr[i] = a->rr[i];
		if (a->rr[i].text) {
			memcpy(pool, a->rr[i].text, a->rr[i].len);
			pool[a->rr[i].len] = '\0';
			rr[i].text = pool;
			pool += a->rr[i].len + 1;
		}
	}
	dst->ans.rr = rr;
	dst->bytes = size;
	return 0;
}

static void copy_free(struct copy *c)
{
	free(c->block);
	c->block = NULL;
}

/* ---- keys ------------------------------------------------------------- */

static size_t hash_key(const char *name, spfc_rrtype type)
{
	size_t h = 1469598103934665603ull ^ (size_t)type;

	for (; *name; name++)
		h = (h ^ (unsigned char)ascii_lower(*name)) * 1099511628211ull;
	return h & (DC_BUCKETS - 1);
}

/* The key form of a name: lower case, no trailing dot.  -1 if too long. */
static int make_key(char *out, const char *name)
{
	size_t n = strlen(name), i;

	n = name_strip_dot(name, n);
	if (n > DC_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = ascii_lower(name[i]);
	out[n] = '\0';
	return 0;
}

/* ---- the cache ---------------------------------------------------------- */

static void lru_unlink(struct dcache *d, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		d->lru_head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		d->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_front(struct dcache *d, struct entry *e)
{
	e->prev = NULL;
	e->next = d->lru_head;
	if (d->lru_head)
		d->lru_head->prev = e;
	d->lru_head = e;
	if (!d->lru_tail)
		d->lru_tail = e;
}

static void entry_drop(struct dcache *d, struct entry *e)
{
	struct entry **pp = &d->ebucket[hash_key(e->name, e->type)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	lru_unlink(d, e);
	d->st.entries--;
	d->st.bytes -= e->c.bytes;
	copy_free(&e->c);
	free(e);
}

static struct entry *entry_find(struct dcache *d, const char *key,
				spfc_rrtype type)
{
	struct entry *e = d->ebucket[hash_key(key, type)];

	while (e && (e->type != type || strcmp(e->name, key) != 0))
		e = e->hnext;
	return e;
}

static void entry_store(struct dcache *d, const char *key, spfc_rrtype type,
			const spfc_dns_answer *a)
{
	uint32_t ttl;
	size_t i;
	struct entry *e;

	switch (a->rcode) {
	case SPFC_DNS_OK:
		ttl = d->o.max_ttl;
		for (i = 0; i < a->count; i++)
			if (a->rr[i].ttl < ttl)
				ttl = a->rr[i].ttl;
		break;
	case SPFC_DNS_NODATA:
	case SPFC_DNS_NXDOMAIN:
		ttl = a->neg_ttl && a->neg_ttl < d->o.neg_ttl ? a->neg_ttl : d->o.neg_ttl;
		break;
	default:
		return;	/* time-outs and failures are never kept */
	}
	if (ttl == 0)
		return;
	e = entry_find(d, key, type);
	if (e)
		entry_drop(d, e);
	e = calloc(1, sizeof *e);
	if (!e)
		return;
	if (copy_answer(&e->c, a) < 0) {
		free(e);
		return;
	}
	memcpy(e->name, key, strlen(key) + 1);
	e->type = type;
	e->expires = spfc_resolver_now(d->inner) + (int64_t)ttl * 1000;
	e->hnext = d->ebucket[hash_key(key, type)];
	d->ebucket[hash_key(key, type)] = e;
	lru_front(d, e);
	d->st.entries++;
	d->st.bytes += e->c.bytes;
	while (d->lru_tail && (d->st.entries > d->o.max_entries ||
			       d->st.bytes > d->o.max_bytes)) {
		entry_drop(d, d->lru_tail);
		d->st.evictions++;
	}
}

/* ---- waiters ------------------------------------------------------------ */

static size_t id_slot(spfc_query_id id)
{
	return (size_t)(id * 11400714819323198485ull >> 52) & (DC_BUCKETS - 1);
}

static void id_add(struct dcache *d, struct waiter *w)
{
	size_t s = id_slot(w->id);

	w->hnext = d->wbucket[s];
	d->wbucket[s] = w;
	d->nwaiters++;
}

static struct waiter *id_take(struct dcache *d, spfc_query_id id)
{
	struct waiter **pp = &d->wbucket[id_slot(id)], *w;

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->hnext;
	w = *pp;
	if (w) {
		*pp = w->hnext;
		d->nwaiters--;
	}
	return w;
}

static void list_unlink(struct waiter **head, struct waiter **tail,
			struct waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		*head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else if (tail)
		*tail = w->prev;
	w->next = w->prev = NULL;
}

static void flight_unhash(struct dcache *d, struct flight *f)
{
	struct flight **pp = &d->fbucket[hash_key(f->name, f->type)];

	if (!f->hashed)
		return;
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	f->hashed = 0;
}

/* The inner resolver answered a lookup in flight: keep the answer, then
 * hand it to every waiter.  The flight leaves the hash first, so a
 * callback that asks again starts afresh (or hits the cache). */
static void on_upstream(void *arg, const spfc_dns_answer *a)
{
	struct flight *f = arg;
	struct dcache *d = f->d;
	struct waiter *w;

	flight_unhash(d, f);
	f->upstream = 0;
	entry_store(d, f->name, f->type, a);
	while ((w = f->waiters) != NULL) {
		list_unlink(&f->waiters, NULL, w);
		id_take(d, w->id);
		w->cb(w->arg, a);	/* may cancel later waiters of f */
		free(w);
	}
	free(f);
}

static spfc_status dc_query(void *self, const char *name, spfc_rrtype type,
			    spfc_dns_cb cb, void *arg, spfc_query_id *id)
{
	struct dcache *d = self;
	char key[DC_NAME_MAX + 1];
	struct entry *e;
	struct flight *f;
	struct waiter *w;
	spfc_status st;

	if (make_key(key, name) < 0)
		return SPFC_EINVAL;	/* no name is that long */
	w = calloc(1, sizeof *w);
	if (!w)
		return SPFC_ENOMEM;
	w->id = ++d->last_id;
	w->cb = cb;
	w->arg = arg;
	e = entry_find(d, key, type);
	if (e && e->expires <= spfc_resolver_now(d->inner)) {
		entry_drop(d, e);
		e = NULL;
	}
	if (e) {
		if (copy_answer(&w->c, &e->c.ans) < 0) {
			free(w);
			return SPFC_ENOMEM;
		}
		lru_unlink(d, e);
		lru_front(d, e);
		w->prev = d->ready_tail;
		if (d->ready_tail)
			d->ready_tail->next = w;
		else
			d->ready_head = w;
		d->ready_tail = w;
		d->st.hits++;
		goto done;
	}
	for (f = d->fbucket[hash_key(key, type)]; f; f = f->hnext)
		if (f->type == type && strcmp(f->name, key) == 0)
			break;
	if (f) {
		d->st.joined++;
	} else {
		f = calloc(1, sizeof *f);
		if (!f) {
			free(w);
			return SPFC_ENOMEM;
		}
		f->d = d;
		memcpy(f->name, key, strlen(key) + 1);
		f->type = type;
		st = spfc_resolver_query(d->inner, name, type, on_upstream, f,
					 &f->upstream);
		if (st != SPFC_OK) {
			free(f);
			free(w);
			return st;
		}
		f->hnext = d->fbucket[hash_key(key, type)];
		d->fbucket[hash_key(key, type)] = f;
		f->hashed = 1;
		d->st.misses++;
	}
	w->f = f;
	w->next = f->waiters;
	if (f->waiters)
		f->waiters->prev = w;
	f->waiters = w;
done:
	id_add(d, w);
	*id = w->id;
	return SPFC_OK;
}

static void dc_cancel(void *self, spfc_query_id id)
{
	struct dcache *d = self;
	struct waiter *w = id_take(d, id);
	struct flight *f;

	if (!w)
		return;
	f = w->f;
	if (!f) {
		list_unlink(&d->ready_head, &d->ready_tail, w);
		copy_free(&w->c);
		free(w);
		return;
	}
	list_unlink(&f->waiters, NULL, w);
	free(w);
	/* Nobody waits any more, but the answer is still worth keeping (the
	 * other MX hosts after a match, a check that timed out): the lookup
	 * goes on and ends in the cache.  The destructor stops it if the
	 * resolver goes first. */
}

static int dc_process(void *self, int64_t until)
{
	struct dcache *d = self;
	struct waiter *w;
	int n = 0;

	if (!d->ready_head)
		return spfc_resolver_process(d->inner, until);
	while ((w = d->ready_head) != NULL) {
		list_unlink(&d->ready_head, &d->ready_tail, w);
		id_take(d, w->id);
		w->cb(w->arg, &w->c.ans);
		copy_free(&w->c);
		free(w);
		n++;
	}
	return n;
}

static int64_t dc_now(void *self)
{
	struct dcache *d = self;

	return spfc_resolver_now(d->inner);
}

static size_t dc_pending(void *self)
{
	struct dcache *d = self;

	return d->nwaiters;
}

static void dc_watch(void *self, spfc_watch_cb cb, void *arg)
{
	struct dcache *d = self;

	spfc_resolver_watch(d->inner, cb, arg);
}

static int64_t dc_next_event(void *self)
{
	struct dcache *d = self;

	if (d->ready_head)
		return spfc_resolver_now(d->inner);
	return spfc_resolver_next_event(d->inner);
}

static void dc_destroy(void *self)
{
	struct dcache *d = self;
	size_t i;

	for (i = 0; i < DC_BUCKETS; i++) {
		while (d->fbucket[i]) {
			struct flight *f = d->fbucket[i];
			d->fbucket[i] = f->hnext;
			while (f->waiters) {
				struct waiter *w = f->waiters;
				f->waiters = w->next;
				free(w);
			}
			if (f->upstream)
				spfc_resolver_cancel(d->inner, f->upstream);
			free(f);
		}
	}
	while (d->ready_head) {
		struct waiter *w = d->ready_head;
		d->ready_head = w->next;
		copy_free(&w->c);
		free(w);
	}
	while (d->lru_head)
		entry_drop(d, d->lru_head);
	free(d);
}

static const spfc_resolver_ops cache_ops = {
	.name = "dnscache",
	.query = dc_query,
	.cancel = dc_cancel,
	.process = dc_process,
	.now = dc_now,
	.pending = dc_pending,
	.destroy = dc_destroy,
	.watch = dc_watch,
	.next_event = dc_next_event,
};

spfc_status spfc_dnscache_new(spfc_resolver *inner,
			      const spfc_dnscache_options *o,
			      spfc_resolver **out)
{
	struct dcache *d = calloc(1, sizeof *d);
	spfc_status st;

	*out = NULL;
	if (!d)
		return SPFC_ENOMEM;
	d->inner = inner;
	if (o)
		d->o = *o;
	if (!d->o.max_entries)
		d->o.max_entries = DC_DEFAULT_ENTRIES;
	if (!d->o.max_bytes)
		d->o.max_bytes = DC_DEFAULT_BYTES;
	if (!d->o.max_ttl)
		d->o.max_ttl = DC_DEFAULT_MAX_TTL;
	if (!d->o.neg_ttl)
		d->o.neg_ttl = DC_DEFAULT_NEG_TTL;
	st = spfc_resolver_new(&cache_ops, d, out);
	if (st != SPFC_OK)
		free(d);
	return st;
}

void spfc_dnscache_stats_get(spfc_resolver *cache, spfc_dnscache_stats *s)
{
	memset(s, 0, sizeof *s);
	if (spfc_resolver_ops_of(cache) == &cache_ops)
		*s = ((struct dcache *)spfc_resolver_self(cache))->st;
}
