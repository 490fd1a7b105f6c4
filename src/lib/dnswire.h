/*
 * dnswire.h (internal) - the reader of DNS answer messages that the
 * c-ares backend (resolv_cares.c) turns into spfc_dns_answer records.
 *
 * What it is for: c-ares sends the queries and hands back the raw answer;
 * everything in the answer is read here, with explicit bounds, and not by
 * c-ares's own parsers, which merge records of any owner into the record
 * set (a TXT or MX record of another name would change the result).  Only
 * records owned by the end of the question name's CNAME chain are taken.
 * A module of its own, without c-ares, so that a unit test
 * (tests/dns/test_wire.c) and a fuzz target (fuzz/fuzz_dnswire.c) can
 * feed it crafted messages; it knows nothing of sockets or queries.
 *
 * The CNAME chain is built by owner, not by the order of the records:
 * from the question name, the CNAME record owned by the current name (the
 * first one when there are several) gives the next name.  The chain is
 * "broken" -- a loop or too long -- when a target is already in the chain
 * (or among the names of a chain followed before in the same lookup,
 * `prior`), or when it would pass `max_links` links.  A broken chain has
 * no end: no record is taken and the lookup is "no data".
 *
 * Names in the records (MX exchange, PTR target) are given in the
 * presentation form c-ares's ares_expand_name() uses: labels joined by
 * '.', a byte outside printable ASCII as \DDD, and '"', '.', ';', '\',
 * '(', ')', '@', '$' inside a label preceded by '\'.  The root is the
 * empty name.  A PTR target may hold only letters, digits, "-", "_",
 * "/", "*" and "." (c-ares's rule for host names; the message is
 * malformed otherwise).
 * TXT data is the record's character-strings joined, as bytes with a
 * length: a NUL byte is data like any other.  A TXT record with an empty
 * RDATA (no character-string at all, which RFC 1035 does not allow) is
 * skipped, as c-ares skipped it.
 */
#ifndef SPFC_DNSWIRE_H
#define SPFC_DNSWIRE_H

#include <spfc/buf.h>
#include <spfc/resolver.h>

#include <stddef.h>
#include <stdint.h>

/* RFC 1035 §2.3.4: a name is at most 255 octets in wire form. */
#define WIRE_NAME_MAX 255
/* Our bound on the CNAME links of one lookup (in its answers taken
 * together).  Resolvers stop well before (unbound after 11 restarts,
 * BIND after 16); a longer chain is a broken zone. */
#define WIRE_CHAIN_MAX 16

typedef struct wire_name {
	size_t len;			/* wire form, the root label included */
	unsigned char b[WIRE_NAME_MAX];
} wire_name;

typedef struct wire_answer {
	unsigned rcode;			/* RCODE of the header */
	int truncated;			/* TC bit */
	unsigned ancount;
	/* The chain: chain[0] is the question name, chain[nchain - 1] its
	 * end (the question name when it has no CNAME). */
	wire_name chain[WIRE_CHAIN_MAX + 1];
	size_t nchain;
	int broken;			/* a loop, or more than max_links */
	uint32_t chain_ttl;		/* smallest TTL of the chain's CNAMEs,
					   UINT32_MAX when there is none */
	uint32_t neg_ttl;		/* RFC 2308 §5 from the authority
					   section's SOA, 0 when there is none */
	size_t ntype;			/* records of the asked type owned by the
					   end (empty TXT RDATA included) */
	spfc_rr *rr;			/* the records taken (malloc'd, count) */
	size_t count;
} wire_answer;

/* Read the answer msg[0..len) to a question of type (A, AAAA, MX, TXT or
 * PTR; any other type takes no records).  prior[0..nprior): the names of
 * a chain followed before in this lookup; max_links: the links this
 * answer may add (at most WIRE_CHAIN_MAX).  Record texts are appended to
 * text, each followed by a NUL byte; rr[i].text points into text once
 * the call returns (text must not grow after that).  Returns 0; -1 when
 * the message is malformed (header, question, a record of the answer
 * section, the target of a CNAME, the RDATA of a record taken); -2 when
 * out of memory or text reached its bound.  On failure nothing is left allocated in *w. */
int wire_read_answer(const unsigned char *msg, size_t len, unsigned type,
		     const wire_name *prior, size_t nprior, size_t max_links,
		     wire_answer *w, spfc_buf *text);

/* Append the wire name as text c-ares's ares_query() reads back to the
 * same labels ('.' and '\' inside a label escaped).  -1 when it cannot
 * be written (the root, a NUL byte in a label) or out of memory. */
int wire_name_query_text(const wire_name *n, spfc_buf *out);

/* Check a name from the evaluator (printable ASCII, labels of 1..63
 * bytes, at most 253 characters, one trailing dot allowed) and append the
 * text c-ares's ares_query() reads for it: '\' escaped, since c-ares
 * takes it as an escape.  SPFC_EINVAL for a name DNS cannot carry (NULL
 * included), SPFC_ENOMEM when out is at its bound or out of memory. */
spfc_status wire_text_query(const char *name, spfc_buf *out);

#endif
