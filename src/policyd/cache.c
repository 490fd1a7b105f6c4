/*
 * cache.c - a bounded LRU map from instance id to decision (cache.h).
 *
 * Out of memory on insert: the entry is simply not cached (the next
 * recipient is checked again), never a crash.
 */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *hnext;		/* hash chain */
	struct entry *prev, *next;	/* LRU list, most recent first */
	enum cache_action action;
	char *key;
	char *text;
};

struct cache {
	struct entry **bucket;
	size_t nbucket;			/* a power of two */
	struct entry *head, *tail;
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

static void lru_unlink(struct cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void lru_front(struct cache *c, struct entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static struct entry **find(struct cache *c, const char *key)
{
	struct entry **pp = &c->bucket[hash(key) & (c->nbucket - 1)];

	while (*pp && strcmp((*pp)->key, key) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

static void drop(struct cache *c, struct entry *e)
{
	struct entry **pp = find(c, e->key);

	*pp = e->hnext;
	lru_unlink(c, e);
	free(e->key);
	free(e->text);
	free(e);
	c->n--;
}

static char *clip(const char *s)
{
	size_t n = s ? strnlen(s, CACHE_TEXT_MAX) : 0;
	char *p = malloc(n + 1);

	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void cache_put(struct cache *c, const char *instance, enum cache_action a,
	       const char *text)
{
	struct entry **pp, *e;
	char *t;

	if (!instance || strnlen(instance, CACHE_KEY_MAX + 1) > CACHE_KEY_MAX)
		return;
	t = clip(text);
	if (!t)
		return;
	pp = find(c, instance);
	if (*pp) {
		e = *pp;
		free(e->text);
		e->text = t;
		e->action = a;
		lru_unlink(c, e);
		lru_front(c, e);
		return;
	}
	e = calloc(1, sizeof *e);
	if (!e || !(e->key = clip(instance))) {
		free(e);
		free(t);
		return;
	}
	e->text = t;
	e->action = a;
	*pp = e;
	lru_front(c, e);
	c->n++;
	while (c->n > c->max)
		drop(c, c->tail);
}

int cache_get(struct cache *c, const char *instance, enum cache_action *a,
	      const char **text)
{
	struct entry *e;

	if (!instance || strnlen(instance, CACHE_KEY_MAX + 1) > CACHE_KEY_MAX)
		return 0;
	e = *find(c, instance);
	if (!e)
		return 0;
	lru_unlink(c, e);
	lru_front(c, e);
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
	while (c->head)
		drop(c, c->head);
	free(c->bucket);
	free(c);
}
