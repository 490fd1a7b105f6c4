/*
 * name.h - domain names as bytes: ASCII case folding, validation for the
 * RFC 7208 rules, subdomain tests, reverse names and §7.3 truncation.
 *
 * Owns nothing; every function works on caller memory with explicit
 * lengths.  Knows nothing of DNS transport or SPF records.
 */
#ifndef SPFC_NAME_H
#define SPFC_NAME_H

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include "common/ascii.h"

#include <stddef.h>

#define NAME_MAX_LEN 253	/* RFC 1035 §2.3.4, RFC 7208 §4.3, §7.3 */
#define NAME_MAX_LABEL 63	/* RFC 1035 §2.3.4 */


/* RFC 7208 §4.3: a usable <domain> for check_host(): at least two labels,
 * each 1..63 bytes, at most 253 bytes (a trailing dot is ignored), only
 * printable ASCII (a space may come from a %_ macro). */
int name_valid_domain(const char *s, size_t len);

/* A name we may put in a query: 1..253 bytes of printable ASCII, labels
 * 1..63 bytes (trailing dot ignored). */
int name_queryable(const char *s, size_t len);

/* 1 when name equals domain or ends in "." + domain (labels aligned,
 * case-insensitive, trailing dots ignored). */
int name_is_subdomain(const char *name, size_t nlen, const char *domain,
		      size_t dlen);

/* RFC 7208 §7.3: drop leftmost labels until at most 253 bytes remain. */
void name_truncate(spfc_buf *b);

/* The reverse-lookup name of an address: "4.3.2.1.in-addr.arpa" or the
 * 32 nibbles + "ip6.arpa". */
void name_reverse(const spfc_addr *a, spfc_buf *out);

#endif
