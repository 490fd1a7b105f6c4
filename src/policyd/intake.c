/*
 * intake.c - a policy request taken in (see intake.h).
 *
 * The order is spf-engine's: Mock; a request over the limits; the
 * attributes; the recipient as shown and Per_User; the address checked;
 * the HELO name checked; the cached instance; skip_addresses and
 * Whitelist.  The rules themselves are decide.c's.
 */
#include "intake.h"

#include <spfc/idn.h>

#include "common/ascii.h"

#include <stdlib.h>
#include <string.h>

/* The attributes a check reads, found in one pass over the request (a
 * repeated name cannot occur: the reader keeps the last value in place). */
enum { A_CLIENT, A_HELO, A_SENDER, A_RECIPIENT, A_INSTANCE, A_QUEUE_ID, A_N };

static int wanted(const char *name)
{
	switch (name[0]) {
	case 'c':
		return strcmp(name, "client_address") == 0 ? A_CLIENT : -1;
	case 'h':
		return strcmp(name, "helo_name") == 0 ? A_HELO : -1;
	case 's':
		return strcmp(name, "sender") == 0 ? A_SENDER : -1;
	case 'r':
		return strcmp(name, "recipient") == 0 ? A_RECIPIENT : -1;
	case 'i':
		return strcmp(name, "instance") == 0 ? A_INSTANCE : -1;
	case 'q':
		return strcmp(name, "queue_id") == 0 ? A_QUEUE_ID : -1;
	default:
		return -1;
	}
}

/* Copies of the wanted values (NULL when absent), all in one block
 * (*block, freed by the caller), followed by room (*room points there)
 * for `extra` bytes and a second copy of client_address, helo_name and
 * sender (the address and HELO name used are copies of those or of
 * fixed texts); *bad is set when a value holds a NUL byte -- no name or
 * address can, and a C string would silently cut it short.  Returns -1
 * when out of memory. */
static int attrs(const struct proto_request *q, char *out[A_N], size_t extra,
		 char **block, size_t *cap, char **room, int *bad)
{
	const struct proto_attr *a[A_N] = { 0 };
	const char *val[A_N] = { 0 };
	size_t len[A_N] = { 0 };
	spfc_buf conv[A_N];
	size_t i, total = extra;
	char *p;
	int k, rc = -1;

	for (i = 0; i < q->nattrs; i++) {
		k = wanted(q->attrs[i].name);
		if (k >= 0)
			a[k] = &q->attrs[i];
	}
	for (k = 0; k < A_N; k++) {
		spfc_buf_init(&conv[k], 0);
		if (!a[k])
			continue;
		val[k] = a[k]->value;
		len[k] = a[k]->vlen;
		if (memchr(val[k], '\0', len[k]))
			*bad = 1;
		/* RFC 8616: the HELO name and the sender's domain in A-label
		 * form, for the checks, the header and the log alike (one
		 * that does not convert stays, and is not a valid domain) */
		if (!sc_is_ascii(val[k], len[k]) &&	/* else no copy */
		    ((k == A_HELO &&
		      spfc_domain_to_ascii(val[k], len[k], &conv[k]) > 0) ||
		     (k == A_SENDER &&
		      spfc_mailbox_to_ascii(val[k], len[k], &conv[k]) > 0))) {
			val[k] = conv[k].data;
			len[k] = conv[k].len;
		}
		total += (len[k] + 1) *
			 (k == A_CLIENT || k == A_HELO || k == A_SENDER ? 2 : 1);
	}
	if (total > *cap) {	/* else the job's block is reused */
		free(*block);
		*cap = 0;
		*block = malloc(total);
		if (!*block)
			goto out;
		*cap = total;
	}
	p = *block;
	for (k = 0; k < A_N; k++) {
		out[k] = NULL;
		if (!a[k])
			continue;
		out[k] = p;
		memcpy(p, val[k], len[k]);
		p[len[k]] = '\0';
		p += len[k] + 1;
	}
	*room = p;
	rc = 0;
out:
	for (k = 0; k < A_N; k++)
		spfc_buf_free(&conv[k]);
	return rc;
}

/* Copy n bytes of s into the room of the block. */
static char *put(char **room, const char *s, size_t n)
{
	char *d = *room;

	memmove(d, s, n);
	d[n] = '\0';
	*room += n + 1;
	return d;
}

int intake_request(struct intake *in, struct decide *d,
		   const struct config *base, const struct proto_request *q,
		   struct cache *cache)
{
	struct decide_req *r = &in->req;
	const struct config *cfg = base;
	enum cache_action ca;
	const char *ctext, *s;
	char *v[A_N], *room = NULL;
	size_t extra, at, n;
	int nul = 0;

	memset(r, 0, sizeof *r);
	if (base->mock) {
		decide_mock(d);
		return 0;
	}
	if (q->malformed) {
		decide_malformed(d, q->why ? q->why : "request over the limits");
		return 0;
	}
	/* room for "none" and "<UNKNOWN>" (recipient), "unknown" (HELO
	 * name) and a copy of Prospective */
	extra = sizeof "none" + sizeof "<UNKNOWN>" + sizeof "unknown" +
		(base->prospective ? strlen(base->prospective) + 1 : 0);
	if (attrs(q, v, extra, &in->block, &in->cap, &room, &nul) < 0)
		return -1;
	r->client_address = v[A_CLIENT];
	r->helo_name = v[A_HELO];
	r->sender = v[A_SENDER];
	r->instance = v[A_INSTANCE];
	r->queue_id = v[A_QUEUE_ID];
	if (nul) {
		decide_malformed(d, "a NUL byte in an attribute value");
		return 0;
	}
	if (!v[A_RECIPIENT] || !*v[A_RECIPIENT])
		v[A_RECIPIENT] = put(&room, "none", 4);
	s = decide_receiver(base, v[A_RECIPIENT], &at, &n);
	if (s) {
		v[A_RECIPIENT] = put(&room, s, strlen(s));
	} else {	/* the address or a part of it, in place */
		memmove(v[A_RECIPIENT], v[A_RECIPIENT] + at, n);
		v[A_RECIPIENT][n] = '\0';
	}
	r->recipient = v[A_RECIPIENT];
	if (base->per_user_path &&
	    config_per_user(base, r->recipient, &in->user) == 1) {
		decide_use_user(d, &in->user);
		cfg = &in->user;
	}
	s = decide_ip(cfg, r->client_address);
	if (!s) {
		decide_no_client(d);
		return 0;
	}
	/* a copy: the settings may be replaced while the job runs (a Per_User
	 * copy lives as long as the job) */
	r->ip = d->peruser && s == cfg->prospective ? s : put(&room, s, strlen(s));
	if (spfc_addr_parse(r->ip, &in->ipaddr) != SPFC_OK) {
		decide_malformed(d, "client_address is not an IP address");
		return 0;
	}
	s = decide_helo(r->helo_name, r->sender);
	r->helo = put(&room, s, strlen(s));
	if (r->instance && cache_get(cache, r->instance, &ca, &ctext) &&
	    decide_cached(d, ca, ctext))
		return 0;
	decide_nets(d, &in->ipaddr);
	return 0;
}

void intake_done(struct intake *in, struct decide *d)
{
	if (d->peruser)
		config_free(&in->user);
	d->peruser = 0;
}
