/*
 * dnscache.h - a caching resolver in front of another resolver.
 *
 * What it is for: one answer cache shared by every check in a process
 * (policyd-spf in listen mode runs thousands of checks over the same
 * include chains).  It is itself a spfc_resolver wrapping an inner one:
 * answers with records are kept for their TTL (capped by max_ttl), "no
 * data" and NXDOMAIN for min(negative TTL, neg_ttl); time-outs and server
 * failures are never kept.  Identical lookups in flight at once share one
 * query to the inner resolver; a lookup whose last waiter cancelled runs
 * on and fills the cache.  Memory is bounded: at most max_entries
 * answers and max_bytes of record data, least recently used dropped first.
 */
#ifndef SPFC_DNSCACHE_H
#define SPFC_DNSCACHE_H

#include <spfc/resolver.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spfc_dnscache_options {
	size_t max_entries;	/* 0: 20000 */
	size_t max_bytes;	/* 0: 32 MiB */
	uint32_t max_ttl;	/* seconds; 0: 3600 */
	uint32_t neg_ttl;	/* seconds; 0: 60 */
} spfc_dnscache_options;

typedef struct spfc_dnscache_stats {
	uint64_t hits;		/* answered from the cache */
	uint64_t misses;	/* sent to the inner resolver */
	uint64_t joined;	/* joined an identical lookup in flight */
	uint64_t entries;	/* answers held now */
	uint64_t bytes;		/* record data held now */
	uint64_t evictions;
} spfc_dnscache_stats;

/* Wrap inner (borrowed; it must outlive the cache).  The cache's clock,
 * process() and event-loop glue are the inner resolver's.  Caller frees
 * with spfc_resolver_free (the inner resolver is not freed). */
spfc_status spfc_dnscache_new(spfc_resolver *inner,
			      const spfc_dnscache_options *o,
			      spfc_resolver **out);

/* Counters of a resolver made by spfc_dnscache_new (zeros otherwise). */
void spfc_dnscache_stats_get(spfc_resolver *cache, spfc_dnscache_stats *s);

#ifdef __cplusplus
}
#endif
#endif
