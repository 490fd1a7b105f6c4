/*
 * cache.c - a bounded LRU map from instance id to decision (cache.h).
 *
 * Each entry is one allocation holding its key and text; chains compare
 * the stored hash before the key.  Out of memory on insert: the entry is
 * simply not cached (the next recipient is checked again), never a crash.
 */
#include "cache.h"

#include "common/list.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *hnext;		/* hash chain */
	struct sc_list_node lru;	/* most recent first */
	enum cache_action action;
	size_t h;			/* hash of the key */
	char *text;			/* in kt, after the key */
	char kt[];			/* key '\0' text '\0' */
};

struct cache {
	struct entry **bucket;
	size_t nbucket;			/* a power of two */
	struct sc_list lru;
	size_t n, max;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

struct cache *cache_new(size_t max_entries)
{
	struct cache *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->max = max_entries ? max_entries : CACHE_MAX_ENTRIES;
	c->nbucket = 64;
	while (c->nbucket < c->max)
		c->nbucket *= 2;
	c->bucket = calloc(c->nbucket, sizeof *c->bucket);
	if (!c->bucket) {
		free(c);
		return NULL;
	}
	return c;
}

static struct entry *lru_entry(struct sc_list_node *n)
{
	return sc_list_entry(n, struct entry, lru);
}

static struct entry **find(struct cache *c, const char *key, size_t h)
{
	struct entry **pp = &c->bucket[h & (c->nbucket - 1)];

	while (*pp && ((*pp)->h != h || strcmp((*pp)->kt, key) != 0))
		pp = &(*pp)->hnext;
	return pp;
}

/* Remove the entry *pp points at (its place in its chain). */
static void drop_at(struct cache *c, struct entry **pp)
{
	struct entry *e = *pp;

	*pp = e->hnext;
	sc_list_unlink(&c->lru, &e->lru);
	free(e);
	c->n--;
}

static void drop(struct cache *c, struct entry *e)
{
	struct entry **pp = &c->bucket[e->h & (c->nbucket - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	drop_at(c, pp);
}

void cache_put(struct cache *c, const char *instance, enum cache_action a,
	       const char *text)
{
	struct entry **pp, *e;
	size_t kn, tn, h;

	if (!instance || (kn = strnlen(instance, CACHE_KEY_MAX + 1)) > CACHE_KEY_MAX)
		return;
	tn = text ? strnlen(text, CACHE_TEXT_MAX) : 0;
	h = hash(instance);
	/* filled before an old entry goes: text may be that entry's own */
	e = malloc(sizeof *e + kn + tn + 2);
	if (!e)
		return;
	memcpy(e->kt, instance, kn + 1);
	e->text = e->kt + kn + 1;
	if (tn)
		memcpy(e->text, text, tn);
	e->text[tn] = '\0';
	e->action = a;
	e->h = h;
	sc_list_node_init(&e->lru);
	pp = find(c, e->kt, h);
	if (*pp)
		drop_at(c, pp);	/* replaced by the new entry */
	pp = &c->bucket[h & (c->nbucket - 1)];
	e->hnext = *pp;
	*pp = e;
	sc_list_insert_head(&c->lru, &e->lru);
	c->n++;
	while (c->n > c->max)
		drop(c, lru_entry(c->lru.tail));
}

int cache_get(struct cache *c, const char *instance, enum cache_action *a,
	      const char **text)
{
	struct entry *e;

	if (!instance || strnlen(instance, CACHE_KEY_MAX + 1) > CACHE_KEY_MAX)
		return 0;
	e = *find(c, instance, hash(instance));
	if (!e)
		return 0;
	sc_list_unlink(&c->lru, &e->lru);
	sc_list_insert_head(&c->lru, &e->lru);
	*a = e->action;
	*text = e->text;
	return 1;
}

size_t cache_count(const struct cache *c)
{
	return c->n;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	while (c->lru.head)
		drop(c, lru_entry(c->lru.head));
	free(c->bucket);
	free(c);
}
