/*
 * reccache.h - parsed SPF records shared between checks.
 *
 * What it is for: a busy daemon sees the same few hundred records (the
 * big providers' includes above all) over and over; parsing each once
 * and sharing the parsed, immutable form saves the parse and its
 * allocations on every check.  The cache belongs to the resolver the
 * checks share (one event loop, one thread), made on first use and
 * freed with it.
 *
 * Bounded: RECCACHE_SLOTS records and RECCACHE_BYTES bytes in all, each
 * at most RECCACHE_TEXT_MAX bytes of text and RECCACHE_TERMS_MAX terms (a
 * larger record is parsed for its check alone); a text hashes to a set of
 * RECCACHE_WAYS slots, whose least recently used record is dropped for a
 * new one, and a record that would pass the byte bound is not kept.
 * Records are reference counted: one dropped from the cache stays valid
 * for the checks still using it.  Only records that parsed are
 * kept; the text is compared byte for byte, so a changed record in DNS
 * is a new entry.  Out of memory: records are simply not shared.
 */
#ifndef SPFC_RECCACHE_H
#define SPFC_RECCACHE_H

#include "recparse.h"

#include <spfc/resolver.h>

#define RECCACHE_SLOTS 1024
#define RECCACHE_WAYS 2
#define RECCACHE_BYTES (128 * 1024)
#define RECCACHE_TEXT_MAX 1024
#define RECCACHE_TERMS_MAX 64

/* record_parse through the cache of resolver r: *out holds a reference,
 * given back with reccache_release(). */
spfc_status reccache_parse(spfc_resolver *r, const char *txt, size_t len,
			   struct record **out, spfc_buf *why);
void reccache_release(struct record *rec);

#endif
