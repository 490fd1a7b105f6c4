/*
 * cache.h - the per-`instance` answer cache of policyd-spf.
 *
 * What it is for: Postfix sends one request per recipient with the same
 * `instance` for one message; spf-engine checks once per message and then
 * answers later recipients from what it decided.  This
 * cache keeps that decision, bounded (policyd-spf(8), DIFFERENCES 4): at most
 * CACHE_MAX_ENTRIES instances, least recently used dropped first, each
 * text at most CACHE_TEXT_MAX bytes -- memory stays flat over any number
 * of messages.  Knows nothing of SPF or of the protocol.
 */
#ifndef POLICYD_CACHE_H
#define POLICYD_CACHE_H

#include <stddef.h>

#define CACHE_MAX_ENTRIES 16384	/* messages remembered (listen mode) */
#define CACHE_SPAWN_ENTRIES 32	/* ... by one spawned process: it serves
					   one smtpd process, whose requests
					   come one message at a time, so
					   only the current instance is ever
					   asked for again */
#define CACHE_CONN_ENTRIES CACHE_SPAWN_ENTRIES /* ... by one client
					   connection (conn.h), in either
					   mode: one smtpd process each */
#define CACHE_KEY_MAX 256	/* bytes of an instance id */
#define CACHE_TEXT_MAX 2048	/* bytes of a stored answer text */

/* What was decided for the message (spf-engine's result[3]). */
enum cache_action {
	CA_PREPEND,	/* a header was prepended: later recipients: dunno */
	CA_DUNNO,
	CA_REJECT,	/* replayed with its text */
	CA_DEFER,
	CA_RESULT_ONLY	/* a restriction class, replayed */
};

struct cache;

struct cache *cache_new(size_t max_entries);
void cache_free(struct cache *c);

/* Remember (or replace) the decision for an instance; text is copied
 * (clipped to CACHE_TEXT_MAX).  Keys over CACHE_KEY_MAX are not cached. */
void cache_put(struct cache *c, const char *instance, enum cache_action a,
	       const char *text);

/* The decision for an instance: 1 and *a, *text (borrowed until the next
 * cache call) when known; 0 otherwise. */
int cache_get(struct cache *c, const char *instance, enum cache_action *a,
	      const char **text);

size_t cache_count(const struct cache *c);

#endif
