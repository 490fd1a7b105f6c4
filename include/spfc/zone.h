/*
 * zone.h - the in-memory zone resolver.
 *
 * What it is for: answering SPF lookups from data held in memory -- for the
 * RFC 7208 conformance suite, the fuzzers, `--zone FILE` and the demo.  It
 * is the one deliberate stand-in for DNS.  Its clock is simulated: a
 * name marked "timeout" never answers, and process() advances the clock
 * straight to `until` when only such queries are pending, so time-out
 * tests take no real time.  Every query answers after one simulated
 * round trip (SPFC_ZONE_RTT_MS), so the clock also counts round trips.
 *
 * The zone-file format is described in docs/zone-format.md.
 */
#ifndef SPFC_ZONE_H
#define SPFC_ZONE_H

#include <spfc/buf.h>
#include <spfc/resolver.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPFC_ZONE_RTT_MS 1

typedef struct spfc_zone spfc_zone;

spfc_status spfc_zone_new(spfc_zone **out);
void spfc_zone_free(spfc_zone *z);

/* Parse zone-file text and add its records.  On SPFC_ESYNTAX or
 * SPFC_ELIMIT, "line N: what is wrong" is appended to why (may be NULL);
 * nothing is appended on success. */
spfc_status spfc_zone_load(spfc_zone *z, const char *text, size_t len,
			   spfc_buf *why);
/* Read the file whole and load it as above; SPFC_EIO, with the reason
 * appended to why, when it cannot be opened or read. */
spfc_status spfc_zone_load_file(spfc_zone *z, const char *path,
				spfc_buf *why);

/* Add records programmatically.  Names are matched case-insensitively,
 * with or without a trailing dot.  Data is copied. */
spfc_status spfc_zone_add_addr(spfc_zone *z, const char *name,
			       const spfc_addr *a); /* A or AAAA by family */
spfc_status spfc_zone_add_mx(spfc_zone *z, const char *name, unsigned pref,
			     const char *exchange);
spfc_status spfc_zone_add_ptr(spfc_zone *z, const char *name,
			      const char *target);
spfc_status spfc_zone_add_cname(spfc_zone *z, const char *name,
				const char *target);
/* A TXT record of n character-strings (each up to 255 bytes, any bytes). */
spfc_status spfc_zone_add_txt(spfc_zone *z, const char *name,
			      const char *const *strings, const size_t *lens,
			      size_t n);
/* Make the name exist with no records (NODATA instead of NXDOMAIN). */
spfc_status spfc_zone_add_empty(spfc_zone *z, const char *name);

typedef enum spfc_zone_fault {
	SPFC_ZONE_TIMEOUT = 1,	/* lookups of types the name has no record
				   of never answer */
	SPFC_ZONE_SERVFAIL = 2	/* ... answer SERVFAIL */
} spfc_zone_fault;
spfc_status spfc_zone_mark(spfc_zone *z, const char *name, spfc_zone_fault f);

/* A resolver answering from z.  z is borrowed and must outlive it.
 * Caller frees with spfc_resolver_free. */
spfc_status spfc_zone_resolver_new(spfc_zone *z, spfc_resolver **out);

#ifdef __cplusplus
}
#endif
#endif
