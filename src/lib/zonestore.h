/*
 * zonestore.h (internal) - what the zone-file parser (zone_parse.c) asks
 * of the in-memory zone (zone.c): the name rules and the adds, by name
 * and length, without the public API's NUL-terminated names.
 *
 * Names given here are checked already (zone_owner_ok) and have no
 * trailing dot.  The public side of the module is include/spfc/zone.h.
 */
#ifndef SPFC_ZONESTORE_H
#define SPFC_ZONESTORE_H

#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <stddef.h>

/* RFC 1035 §3.3: a <character-string> is at most 255 octets. */
#define ZONE_TXT_STRING_MAX 255
/* RFC 1035 §3.2.1: RDLENGTH is 16 bits, so the RDATA of one TXT record
 * (each string with its length octet) is at most 65535 octets. */
#define ZONE_RDATA_MAX 65535
/* RFC 1035 §3.3.9: the MX PREFERENCE is a 16-bit integer. */
#define ZONE_PREF_MAX 65535u

/* An owner name (after name_strip_dot): 1..ZONE_NAME_MAX printable
 * bytes. */
int zone_owner_ok(const char *s, size_t len);

/* A target (MX exchange, PTR, CNAME), after name_strip_dot; the root
 * (empty) only where allow_root says so (RFC 7505 null MX). */
int zone_target_ok(const char *s, size_t len, int allow_root);

/* A record of type with the default TTL and nothing else. */
void zone_rr_init(spfc_rr *rr, spfc_rrtype type);

/* Add a copy of rr (its text is copied too) at name.  SPFC_EINVAL for a
 * second CNAME, SPFC_ELIMIT past the records of one type a name may hold,
 * SPFC_ENOMEM. */
spfc_status zone_add_rr(spfc_zone *z, const char *name, size_t len,
			const spfc_rr *rr);

/* name exists, with no records of its own (EMPTY); SPFC_ENOMEM. */
spfc_status zone_add_empty(spfc_zone *z, const char *name, size_t len);

/* Lookups of name fail with f (TIMEOUT or SERVFAIL); SPFC_ENOMEM. */
spfc_status zone_mark(spfc_zone *z, const char *name, size_t len,
		      spfc_zone_fault f);

#endif
