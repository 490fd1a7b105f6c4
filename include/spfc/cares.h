/*
 * cares.h - the real DNS resolver, on c-ares.
 *
 * What it is for: the production backend of resolver.h.  Uses the system
 * resolver configuration (/etc/resolv.conf) or an explicit server list,
 * retries over TCP when a UDP answer is truncated, and keeps NXDOMAIN and
 * "no data" apart.  This header does not include ares.h; only the backend's
 * .c file does.
 */
#ifndef SPFC_CARES_H
#define SPFC_CARES_H

#include <spfc/buf.h>
#include <spfc/resolver.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spfc_cares_options {
	/* "HOST[:PORT][,HOST[:PORT]...]" (IPv6 as [addr]:port), or NULL for
	 * /etc/resolv.conf. */
	const char *servers;
	int timeout_ms;		/* per try; 0: 2000 */
	int tries;		/* 0: 2 */
} spfc_cares_options;

/* Caller frees with spfc_resolver_free.  SPFC_EINVAL for an option or a
 * server list that does not parse; SPFC_ERESOLVER when c-ares cannot be
 * initialised; the reason is appended to why (may be NULL). */
spfc_status spfc_cares_resolver_new(const spfc_cares_options *o,
				    spfc_resolver **out, spfc_buf *why);

#ifdef __cplusplus
}
#endif
#endif
