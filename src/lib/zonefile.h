/*
 * zonefile.h (internal) - what the zone resolver backend asks of the zone.
 *
 * What it is for: the in-memory zone (zone.c) holds names and records;
 * the resolver backend (resolv_zone.c) owns the simulated clock and the
 * queue of pending queries.  This header is the one seam between them:
 * a lookup that applies the zone's rules (case-insensitive names, CNAME
 * following, empty non-terminals, the TIMEOUT and SERVFAIL faults) and
 * says what the answer is.  It knows nothing of clocks or callbacks.
 *
 * The public side of the module is include/spfc/zone.h.
 */
#ifndef SPFC_ZONEFILE_H
#define SPFC_ZONEFILE_H

#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <stddef.h>
#include <stdint.h>

/* CNAME links followed before a lookup gives up with "no data" (a loop
 * or an over-long chain never reaches the asked type; the c-ares backend
 * answers such a chain the same way).  RFC 1034 §3.6.2 asks resolvers to
 * follow chains and to signal loops as errors without fixing a number;
 * 10 is what common resolvers allow (and what SPF libraries assume).  A
 * server failure would be a TempError, and a zone's mistake must not
 * defer mail for good. */
#define SPFC_ZONE_MAX_CNAME 10

/* TTL of records added without one (the API, or a zone-file line with no
 * TTL field), and the negative-caching TTL of NODATA and NXDOMAIN
 * answers (the zone has no SOA to take it from, RFC 2308 §5). */
#define ZONE_DEFAULT_TTL 3600u

typedef struct zone_result {
	int silent;		/* 1: a TIMEOUT fault, the lookup never answers */
	spfc_dns_rcode rcode;	/* when not silent */
	const spfc_rr *rr;	/* rcode OK: count records, borrowed from the
				   zone, valid until the zone is changed; the
				   text they point to lives as long as the zone */
	size_t count;
	uint32_t neg_ttl;	/* NODATA, NXDOMAIN */
	size_t wire_size;	/* an upper estimate of the DNS message size */
} zone_result;

/* Look name up for type in z, following CNAMEs.  Never fails: any name
 * (even NULL-free garbage or one longer than the zone allows) gets an
 * answer. */
void zone_resolve(const spfc_zone *z, const char *name, spfc_rrtype type,
		  zone_result *out);

#endif
