/*
 * resolver.h - the DNS interface the SPF evaluator asks.
 *
 * What it is for: the evaluator never does DNS itself.  It starts lookups
 * of a name and type through a spfc_resolver and continues when the answer
 * callback runs.  Backends: the c-ares resolver (cares.h) and the in-memory
 * zone resolver (zone.h); a test may write its own with
 * spfc_resolver_new().
 *
 * Contract of every backend:
 *  - query() never runs the callback before it returns; answers are
 *    delivered from process() (or the backend's event-loop glue);
 *  - after cancel(id) the callback of that query never runs;
 *  - the answer and everything it points to is borrowed, valid only during
 *    the callback;
 *  - CNAME chains are followed by the backend (a bounded number of links);
 *    the answer holds only records of the asked type owned by the end of
 *    the chain, never records of other names; a chain that does not reach
 *    the asked type (a loop, a chain past the bound, an end without such
 *    records) is "no data", never a failure;
 *  - record data is bytes with a length: a TXT text may hold a NUL byte,
 *    which is data like any other (never use strlen on it);
 *  - NXDOMAIN and "no data" are kept apart (the void-lookup limit of
 *    RFC 7208 §4.6.4 counts both, but traces and lint tell them apart);
 *  - a server failure, REFUSED, an unparsable answer and a time-out are
 *    SPFC_DNS_SERVFAIL / SPFC_DNS_TIMEOUT, never "no data".
 */
#ifndef SPFC_RESOLVER_H
#define SPFC_RESOLVER_H

#include <spfc/spfc.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum spfc_rrtype {
	SPFC_RR_A = 1,
	SPFC_RR_CNAME = 5,
	SPFC_RR_PTR = 12,
	SPFC_RR_MX = 15,
	SPFC_RR_TXT = 16,
	SPFC_RR_AAAA = 28
} spfc_rrtype;

/* "A", "AAAA", ...; "TYPE?" for others. */
const char *spfc_rrtype_name(spfc_rrtype t);

typedef enum spfc_dns_rcode {
	SPFC_DNS_OK = 0,	/* one or more records of the asked type */
	SPFC_DNS_NODATA,	/* the name exists, no record of that type */
	SPFC_DNS_NXDOMAIN,	/* the name does not exist */
	SPFC_DNS_SERVFAIL,	/* SERVFAIL, REFUSED, garbage, no server */
	SPFC_DNS_TIMEOUT	/* no answer in time */
} spfc_dns_rcode;

/* "ok", "no data", "NXDOMAIN", "server failure", "time-out". */
const char *spfc_dns_rcode_name(spfc_dns_rcode rc);

typedef struct spfc_rr {
	spfc_rrtype type;
	uint32_t ttl;
	unsigned char addr[16];	/* A: 4 bytes, AAAA: 16 bytes */
	unsigned pref;		/* MX preference */
	/* MX exchange, PTR target: the name without its trailing dot.
	 * TXT: the character-strings joined with nothing between them.
	 * NUL-terminated, but may hold any byte: len is the length. */
	const char *text;
	size_t len;
	unsigned nstrings;	/* TXT: number of character-strings */
	size_t maxstring;	/* TXT: length of the longest one */
} spfc_rr;

typedef struct spfc_dns_answer {
	spfc_dns_rcode rcode;
	const spfc_rr *rr;	/* rcode OK: count >= 1 records */
	size_t count;
	uint32_t neg_ttl;	/* NODATA/NXDOMAIN: negative-caching TTL, 0 if unknown */
	size_t wire_size;	/* size of the DNS message, 0 if unknown */
	int truncated;		/* the UDP answer was truncated (TC) */
} spfc_dns_answer;

typedef uint64_t spfc_query_id;	/* 0 is never a valid id */

typedef void (*spfc_dns_cb)(void *arg, const spfc_dns_answer *ans);

/* Event-loop glue: the backend tells which sockets it wants watched.
 * readable/writable 0 and 0: stop watching fd. */
typedef void (*spfc_watch_cb)(void *arg, int fd, int readable, int writable);

typedef struct spfc_resolver_ops {
	const char *name;
	/* Start a lookup; *id identifies it for cancel().  The name has no
	 * trailing dot and may be up to 253 bytes of any printable ASCII. */
	spfc_status (*query)(void *self, const char *name, spfc_rrtype type,
			     spfc_dns_cb cb, void *arg, spfc_query_id *id);
	void (*cancel)(void *self, spfc_query_id id);
	/* Wait for answers and deliver their callbacks; return when at least
	 * one callback ran, nothing is pending, or the clock reaches `until`
	 * (ms, on this resolver's clock).  Returns callbacks delivered. */
	int (*process)(void *self, int64_t until);
	/* The resolver's clock in ms (monotonic; the zone resolver's is
	 * simulated). */
	int64_t (*now)(void *self);
	/* Number of queries not yet answered or cancelled. */
	size_t (*pending)(void *self);
	void (*destroy)(void *self);
	/* Optional event-loop glue (NULL when the backend has no sockets).
	 * watch(): report every socket to watch now and from now on through
	 * cb.  next_event(): the time on this resolver's clock at which
	 * process() has work (answers due, a retry or time-out); INT64_MAX
	 * when nothing is pending.  An event loop calls process(self,
	 * next_event()) when that time comes or a watched socket is ready. */
	void (*watch)(void *self, spfc_watch_cb cb, void *arg);
	int64_t (*next_event)(void *self);
	/* Optional: the event loop saw watched socket fd ready; handle it
	 * and deliver what is due without waiting (the loop already knows
	 * which socket is ready: no poll of every socket).  Returns
	 * callbacks delivered.  Without it: process(self, now()). */
	int (*process_fd)(void *self, int fd, int readable, int writable);
} spfc_resolver_ops;

/* Wrap a backend.  ops must outlive the resolver; self is owned by it and
 * released through ops->destroy.  Caller frees with spfc_resolver_free. */
spfc_status spfc_resolver_new(const spfc_resolver_ops *ops, void *self,
			      spfc_resolver **out);
void spfc_resolver_free(spfc_resolver *r);

spfc_status spfc_resolver_query(spfc_resolver *r, const char *name,
				spfc_rrtype type, spfc_dns_cb cb, void *arg,
				spfc_query_id *id);
void spfc_resolver_cancel(spfc_resolver *r, spfc_query_id id);
int spfc_resolver_process(spfc_resolver *r, int64_t until);
int64_t spfc_resolver_now(spfc_resolver *r);
size_t spfc_resolver_pending(spfc_resolver *r);
/* Event-loop glue (see spfc_resolver_ops): a no-op / INT64_MAX when the
 * backend has none. */
void spfc_resolver_watch(spfc_resolver *r, spfc_watch_cb cb, void *arg);
int64_t spfc_resolver_next_event(spfc_resolver *r);
int spfc_resolver_process_fd(spfc_resolver *r, int fd, int readable,
			     int writable);
/* Queries started through this resolver since it was made. */
uint64_t spfc_resolver_queries(const spfc_resolver *r);

#ifdef __cplusplus
}
#endif
#endif
