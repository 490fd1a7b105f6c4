/*
 * intake.h - one policy request taken in: its attributes copied, checked,
 * and shaped by the rules (decide.h) into the request the decision reads.
 *
 * What it is for: the attributes a check reads (client_address,
 * helo_name, sender, recipient, instance, queue_id) found in one pass and
 * copied into one block owned by the caller; the checks no rule makes (a
 * NUL byte in a value, a client_address that is no IP address); Mock,
 * Per_User (reading the file), the instance cache lookup, skip_addresses
 * and Whitelist, in spf-engine's order.  Knows nothing of libuv, DNS or
 * the wire format (proto.h reads it).
 *
 * How it fails: a request that cannot be evaluated is decided by
 * decide_malformed() (dunno, logged); out of memory is returned.
 */
#ifndef POLICYD_INTAKE_H
#define POLICYD_INTAKE_H

#include <spfc/spfc.h>

#include "cache.h"
#include "config.h"
#include "decide.h"
#include "proto.h"

#include <stddef.h>

struct intake {
	struct decide_req req;	/* the strings point into block (or into
				   user, or are constants) */
	spfc_addr ipaddr;	/* req.ip parsed */
	struct config user;	/* Per_User copy, when d->peruser */
	char *block;		/* the request's strings, kept for reuse */
	size_t cap;		/* its size */
};

/* Take q in under base (borrowed; a copy of what outlives it is made):
 * fills in->req and prepares d (decide_reset already called with
 * &in->req); looks the instance up in cache.  Returns 0 -- the decision
 * may then be made already (d->stage == DS_DONE) -- or -1 when out of
 * memory.  Release in->user with intake_done() when d->peruser. */
int intake_request(struct intake *in, struct decide *d,
		   const struct config *base, const struct proto_request *q,
		   struct cache *cache);
/* Free what the request held, except the block (kept for reuse). */
void intake_done(struct intake *in, struct decide *d);

#endif
