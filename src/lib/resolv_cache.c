/*
 * resolv_cache.c - the caching resolver of dnscache.h.
 *
 * Owns its cache entries, the lookups in flight to the inner resolver and
 * the waiters on them.  An answer from the inner resolver is copied once
 * into an immutable, reference-counted block (the records and their
 * text).  The entry holds one reference and every ready waiter it served
 * holds another, so a hit copies nothing, and an entry can be dropped at
 * any time without touching a waiter: the block goes when its last holder
 * lets go.  Waiters and flights are recycled through small free lists.
 * Out of memory: an answer is not cached, or a query is refused
 * (SPFC_ENOMEM) -- never a crash.  The cache must not be freed from
 * inside one of its callbacks.
 */
#include <spfc/dnscache.h>

#include "hash.h"
#include "name.h"
#include "common/list.h"
#include "resolver_priv.h"

#include <stdlib.h>
#include <string.h>

#define DC_DEFAULT_ENTRIES 20000
#define DC_DEFAULT_BYTES ((size_t)32 << 20)
#define DC_DEFAULT_MAX_TTL 3600
#define DC_DEFAULT_NEG_TTL 60
#define DC_NAME_MAX 255		/* bytes of a key's name */
#define DC_BUCKETS 4096		/* hash buckets of flights and of ids */
/* Entry buckets: the least power of two >= max_entries (chains of one on
 * average when full), within these bounds. */
#define DC_EBUCKETS_MIN 16
#define DC_EBUCKETS_MAX ((size_t)1 << 20)
#define DC_FREE_WAITERS 256	/* waiters kept for reuse */
#define DC_FREE_FLIGHTS 64	/* flights kept for reuse */

/* An answer as cached: immutable once made, in one allocation with its
 * entry (the entry first) holding the records and their text, freed
 * when the last reference goes (the entry holds one).  bytes is
 * the record data st.bytes counts (0 for an answer without records). */
struct block {
	size_t refs;
	void *base;		/* the allocation to free: the block sits after
				   its entry, so a hit reads one place */
	size_t bytes;
	spfc_dns_answer ans;
	spfc_rr rr[];
};

/* The key of a lookup: the name in lower case without a trailing dot,
 * its length, the type, and a hash of all three.  Entries and flights
 * hold the head and the name. */
struct keyhead {
	uint64_t hash;
	size_t len;
	spfc_rrtype type;
};

struct key {
	struct keyhead h;
	char name[DC_NAME_MAX + 1];
};

struct entry {
	struct entry *hnext;			/* hash chain */
	struct sc_list_node lru;		/* most recent first */
	int64_t expires;			/* inner clock, ms */
	struct block *b;			/* one reference */
	struct keyhead kh;
	char name[];				/* kh.len + 1 bytes */
};

struct flight;

struct waiter {
	struct waiter *hnext;		/* id hash */
	struct sc_list_node link;	/* the flight's list, the ready list
					   or the free list */
	struct flight *f;		/* NULL when on the ready list */
	spfc_query_id id;
	spfc_dns_cb cb;
	void *arg;
	struct block *b;		/* ready: the cached answer (a
					   reference) */
};

struct dcache;

struct flight {
	struct flight *hnext;		/* flight hash or the free list */
	struct dcache *d;
	spfc_query_id upstream;
	struct sc_list waiters;
	int hashed;
	struct keyhead kh;
	char name[DC_NAME_MAX + 1];
};

struct dcache {
	spfc_resolver *inner;
	spfc_dnscache_options o;
	struct entry **ebucket;		/* emask + 1 buckets */
	size_t emask;
	struct sc_list lru;
	struct flight *fbucket[DC_BUCKETS];
	struct waiter *wbucket[DC_BUCKETS];
	struct sc_list ready;
	struct sc_list free_waiters;
	struct flight *free_flights;	/* singly linked via hnext */
	size_t nfree_waiters, nfree_flights;
	spfc_query_id last_id;
	size_t nwaiters;
	spfc_dnscache_stats st;
};

/* ---- answers kept ------------------------------------------------------ */

/* A block for answer a, after pre bytes (a multiple of 16) that the
 * caller uses at b->base.  NULL when out of memory. */
static struct block *block_new(const spfc_dns_answer *a, size_t pre)
{
	void *base;
	size_t i, text = 0, bytes;
	struct block *b;
	char *pool;

	for (i = 0; i < a->count; i++)
		text += a->rr[i].text ? a->rr[i].len + 1 : 0;
	bytes = a->count * sizeof(spfc_rr) + text;
	base = malloc(pre + sizeof *b + bytes);
	if (!base)
		return NULL;
	b = (struct block *)(void *)((char *)base + pre);
	b->base = base;
	b->refs = 1;
	b->bytes = bytes;
	b->ans = *a;
	b->ans.rr = NULL;
	if (a->count == 0)
		return b;
	pool = (char *)(b->rr + a->count);
	for (i = 0; i < a->count; i++) {
		b->rr[i] = a->rr[i];
		if (a->rr[i].text) {
			memcpy(pool, a->rr[i].text, a->rr[i].len);
			pool[a->rr[i].len] = '\0';
			b->rr[i].text = pool;
			pool += a->rr[i].len + 1;
		}
	}
	b->ans.rr = b->rr;
	return b;
}

static struct block *block_ref(struct block *b)
{
	b->refs++;
	return b;
}

static void block_unref(struct block *b)
{
	if (b && --b->refs == 0)
		free(b->base);
}

/* ---- keys ------------------------------------------------------------- */

#define DC_ONES 0x0101010101010101ull

/* ASCII lower case of eight bytes at once: exactly the bytes 'A'..'Z'
 * gain 0x20 (as sc_to_lower), no carry crosses a byte. */
static inline uint64_t lower8(uint64_t w)
{
	uint64_t low7 = w & ~(DC_ONES * 0x80);
	uint64_t ge_a = low7 + DC_ONES * (0x80 - 'A');	/* top bit: >= 'A' */
	uint64_t gt_z = low7 + DC_ONES * (0x80 - 'Z' - 1);	/* top bit: > 'Z' */

	return w | ((ge_a & ~gt_z & ~w & DC_ONES * 0x80) >> 2);
}

/* The key of a name, folded and hashed eight bytes at a time.  The last
 * word is the eight bytes ending the name (overlapping the one before),
 * so nothing past the name is read; a name under eight bytes goes byte
 * by byte.  -1 if too long. */
static int make_key(struct key *k, const char *name, spfc_rrtype type)
{
	/* type goes in before strlen(): a 32-bit spill reloaded as 64 bits
	 * after the call stalled the hit path (gcc -O2) */
	uint64_t h = HASH_SEED ^ (uint64_t)type << 32, w;
	size_t n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > DC_NAME_MAX)
		return -1;
	h ^= n;
	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			w = lower8(hash_load8(name + i));
			memcpy(k->name + i, &w, 8);
			h = hash_mix8(h, w);
		}
		w = lower8(hash_load8(name + n - 8));
		memcpy(k->name + n - 8, &w, 8);
		h = hash_mix8(h, w);
	} else {
		for (i = 0, w = 0; i < n; i++) {
			k->name[i] = sc_to_lower(name[i]);
			w = w << 8 | (unsigned char)k->name[i];
		}
		h = hash_mix8(h, w);
	}
	k->name[n] = '\0';
	k->h.hash = hash_finish(h);
	k->h.len = n;
	k->h.type = type;
	return 0;
}

/* Keys (head, name) a and b are equal: the hash first, then the names
 * a word at a time as make_key read them. */
static inline int key_eq(const struct keyhead *a, const char *an,
			 const struct keyhead *b, const char *bn)
{
	size_t n = a->len, i;

	if (a->hash != b->hash || a->type != b->type || n != b->len)
		return 0;
	if (n < 8)
		return memcmp(an, bn, n) == 0;
	for (i = 0; i + 8 < n; i += 8)
		if (hash_load8(an + i) != hash_load8(bn + i))
			return 0;
	return hash_load8(an + n - 8) == hash_load8(bn + n - 8);
}

/* ---- the cache ---------------------------------------------------------- */

static struct entry *lru_entry(struct sc_list_node *n)
{
	return sc_list_entry_or_null(n, struct entry, lru);
}

static struct waiter *waiter_of(struct sc_list_node *n)
{
	return sc_list_entry_or_null(n, struct waiter, link);
}

static void entry_drop(struct dcache *d, struct entry *e)
{
	struct entry **pp = &d->ebucket[e->kh.hash & d->emask];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	sc_list_unlink(&d->lru, &e->lru);
	d->st.entries--;
	d->st.bytes -= e->b->bytes;
	block_unref(e->b);	/* frees e too, unless a waiter holds the block */
}

static struct entry *entry_find(struct dcache *d, const struct keyhead *h,
				const char *name)
{
	struct entry *e = d->ebucket[h->hash & d->emask];

	while (e && !key_eq(&e->kh, e->name, h, name))
		e = e->hnext;
	return e;
}

static void entry_store(struct dcache *d, const struct flight *f,
			const spfc_dns_answer *a)
{
	uint32_t ttl;
	size_t i;
	struct entry *e, **bucket;

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
	e = entry_find(d, &f->kh, f->name);
	if (e)
		entry_drop(d, e);
	{
		size_t pre = (sizeof *e + f->kh.len + 1 + 15) & ~(size_t)15;
		struct block *b = block_new(a, pre);

		if (!b)
			return;
		e = b->base;	/* the entry, then the block, in one allocation */
		e->b = b;
	}
	e->kh = f->kh;
	memcpy(e->name, f->name, f->kh.len + 1);
	e->expires = spfc_resolver_now(d->inner) + (int64_t)ttl * 1000;
	bucket = &d->ebucket[f->kh.hash & d->emask];
	e->hnext = *bucket;
	*bucket = e;
	sc_list_insert_head(&d->lru, &e->lru);
	d->st.entries++;
	d->st.bytes += e->b->bytes;
	while (d->lru.tail && (d->st.entries > d->o.max_entries ||
			       d->st.bytes > d->o.max_bytes)) {
		entry_drop(d, lru_entry(d->lru.tail));
		d->st.evictions++;
	}
}

/* ---- waiters and flights ---------------------------------------------- */

static struct waiter *waiter_get(struct dcache *d)
{
	struct waiter *w = waiter_of(sc_list_pop_head(&d->free_waiters));

	if (!w)
		return calloc(1, sizeof *w);
	d->nfree_waiters--;
	memset(w, 0, sizeof *w);
	return w;
}

/* A waiter off every list goes back for reuse (or is freed) and lets go
 * of its answer. */
static void waiter_put(struct dcache *d, struct waiter *w)
{
	block_unref(w->b);
	if (d->nfree_waiters >= DC_FREE_WAITERS) {
		free(w);
		return;
	}
	sc_list_insert_head(&d->free_waiters, &w->link);
	d->nfree_waiters++;
}

static struct flight *flight_get(struct dcache *d)
{
	struct flight *f = d->free_flights;

	if (!f)
		return malloc(sizeof *f);
	d->free_flights = f->hnext;
	d->nfree_flights--;
	return f;
}

static void flight_put(struct dcache *d, struct flight *f)
{
	if (d->nfree_flights >= DC_FREE_FLIGHTS) {
		free(f);
		return;
	}
	f->hnext = d->free_flights;
	d->free_flights = f;
	d->nfree_flights++;
}

/* Ids are handed out in sequence: consecutive ids in consecutive slots
 * share CPU-cache lines (a scattering hash cost a cache miss on almost
 * every lookup), and the ids in flight at once still spread evenly. */
static size_t id_slot(spfc_query_id id)
{
	return (size_t)id & (DC_BUCKETS - 1);
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

static struct flight *flight_find(struct dcache *d, const struct key *k)
{
	struct flight *f = d->fbucket[k->h.hash & (DC_BUCKETS - 1)];

	while (f && !key_eq(&f->kh, f->name, &k->h, k->name))
		f = f->hnext;
	return f;
}

static void flight_unhash(struct dcache *d, struct flight *f)
{
	struct flight **pp = &d->fbucket[f->kh.hash & (DC_BUCKETS - 1)];

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
	entry_store(d, f, a);
	while ((w = waiter_of(sc_list_pop_head(&f->waiters))) != NULL) {
		id_take(d, w->id);
		w->cb(w->arg, a);	/* may cancel later waiters of f */
		waiter_put(d, w);
	}
	flight_put(d, f);
}

static spfc_status dc_query(void *self, const char *name, spfc_rrtype type,
			    spfc_dns_cb cb, void *arg, spfc_query_id *id)
{
	struct dcache *d = self;
	struct key k;
	struct entry *e;
	struct flight *f;
	struct waiter *w;
	spfc_status st;

	if (make_key(&k, name, type) < 0)
		return SPFC_EINVAL;	/* no name is that long */
	w = waiter_get(d);
	if (!w)
		return SPFC_ENOMEM;
	w->id = ++d->last_id;
	w->cb = cb;
	w->arg = arg;
	e = entry_find(d, &k.h, k.name);
	if (e && e->expires <= spfc_resolver_now(d->inner)) {
		entry_drop(d, e);
		e = NULL;
	}
	if (e) {
		w->b = block_ref(e->b);
		if (d->lru.head != &e->lru) {
			sc_list_unlink(&d->lru, &e->lru);
			sc_list_insert_head(&d->lru, &e->lru);
		}
		sc_list_insert_tail(&d->ready, &w->link);
		d->st.hits++;
		goto done;
	}
	f = flight_find(d, &k);
	if (f) {
		d->st.joined++;
	} else {
		f = flight_get(d);
		if (!f) {
			waiter_put(d, w);
			return SPFC_ENOMEM;
		}
		f->d = d;
		f->upstream = 0;
		sc_list_init(&f->waiters);
		f->hashed = 0;
		f->kh = k.h;
		memcpy(f->name, k.name, k.h.len + 1);
		st = spfc_resolver_query(d->inner, name, type, on_upstream, f,
					 &f->upstream);
		if (st != SPFC_OK) {
			flight_put(d, f);
			waiter_put(d, w);
			return st;
		}
		f->hnext = d->fbucket[k.h.hash & (DC_BUCKETS - 1)];
		d->fbucket[k.h.hash & (DC_BUCKETS - 1)] = f;
		f->hashed = 1;
		d->st.misses++;
	}
	w->f = f;
	sc_list_insert_head(&f->waiters, &w->link);
done:
	id_add(d, w);
	*id = w->id;
	return SPFC_OK;
}

static void dc_cancel(void *self, spfc_query_id id)
{
	struct dcache *d = self;
	struct waiter *w = id_take(d, id);

	if (!w)
		return;
	sc_list_unlink(w->f ? &w->f->waiters : &d->ready, &w->link);
	waiter_put(d, w);
	/* Nobody may wait on a flight any more, but the answer is still
	 * worth keeping (the other MX hosts after a match, a check that
	 * timed out): the lookup goes on and ends in the cache.  The
	 * destructor stops it if the resolver goes first. */
}

static int dc_process(void *self, int64_t until)
{
	struct dcache *d = self;
	struct waiter *w;
	int n = 0;

	if (sc_list_empty(&d->ready))
		return spfc_resolver_process(d->inner, until);
	while ((w = waiter_of(sc_list_pop_head(&d->ready))) != NULL) {
		id_take(d, w->id);
		/* w's reference keeps the answer through the callback, even
		 * if its entry has gone meanwhile */
		w->cb(w->arg, &w->b->ans);
		waiter_put(d, w);
		n++;
	}
	return n;
}

/* A socket of the inner resolver is ready: hand out the hits due, then
 * let the inner resolver read that socket. */
static int dc_process_fd(void *self, int fd, int readable, int writable)
{
	struct dcache *d = self;
	int n = !sc_list_empty(&d->ready) ? dc_process(self, 0) : 0;

	return n + spfc_resolver_process_fd(d->inner, fd, readable, writable);
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

	if (!sc_list_empty(&d->ready))
		return spfc_resolver_now(d->inner);
	return spfc_resolver_next_event(d->inner);
}

static void dc_destroy(void *self)
{
	struct dcache *d = self;
	struct waiter *w;
	struct flight *f;
	size_t i;

	for (i = 0; i < DC_BUCKETS; i++) {
		while ((f = d->fbucket[i]) != NULL) {
			d->fbucket[i] = f->hnext;
			while ((w = waiter_of(sc_list_pop_head(&f->waiters))))
				free(w);
			if (f->upstream)
				spfc_resolver_cancel(d->inner, f->upstream);
			free(f);
		}
	}
	while ((w = waiter_of(sc_list_pop_head(&d->ready))) != NULL) {
		block_unref(w->b);
		free(w);
	}
	while ((w = waiter_of(sc_list_pop_head(&d->free_waiters))) != NULL)
		free(w);
	while ((f = d->free_flights) != NULL) {
		d->free_flights = f->hnext;
		free(f);
	}
	while (d->lru.head)
		entry_drop(d, lru_entry(d->lru.head));
	free(d->ebucket);
	free(d);
}

static const spfc_resolver_ops cache_ops = {
	.name = "dnscache",
	.query = dc_query,
	.cancel = dc_cancel,
	.process = dc_process,
	.process_fd = dc_process_fd,
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
	size_t nb = DC_EBUCKETS_MIN;
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
	while (nb < d->o.max_entries && nb < DC_EBUCKETS_MAX)
		nb <<= 1;
	d->ebucket = calloc(nb, sizeof *d->ebucket);
	if (!d->ebucket) {
		free(d);
		return SPFC_ENOMEM;
	}
	d->emask = nb - 1;
	st = spfc_resolver_new(&cache_ops, d, out);
	if (st != SPFC_OK) {
		free(d->ebucket);
		free(d);
	}
	return st;
}

void spfc_dnscache_stats_get(spfc_resolver *cache, spfc_dnscache_stats *s)
{
	memset(s, 0, sizeof *s);
	if (resolver_ops_of(cache) == &cache_ops)
		*s = ((struct dcache *)resolver_self(cache))->st;
}
