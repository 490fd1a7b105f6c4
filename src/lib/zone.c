/*
 * zone.c - the in-memory zone: names with their records in a hash table,
 * the adds of the public API and of the zone-file parser (zone_parse.c,
 * through zonestore.h), and the lookup the zone resolver answers from
 * (zone_resolve, see zonefile.h).
 *
 * What it owns: copies of every name and record added; the text of a
 * record is allocated once and never moved, so answers may borrow it for
 * as long as the zone lives.
 *
 * How it fails: an add returns SPFC_EINVAL for an unusable name or record
 * (bytes outside printable ASCII, a name too long, a TXT string over 255
 * bytes, a second CNAME at a name), SPFC_ELIMIT past a size bound below,
 * SPFC_ENOMEM when memory runs out (the zone may then hold part of the
 * change: an empty ancestor, say).
 */
#include "zonefile.h"
#include "zonestore.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include "name.h"

#include "common/ascii.h"

#include <stdlib.h>
#include <string.h>

/* Names: any printable ASCII up to this many bytes.  Longer than DNS
 * allows (RFC 1035 §2.3.4: 255 octets, labels 63) on purpose, so that
 * tests can hold hostile names such as the RFC 7208 suite's 64-byte
 * label. */
#define ZONE_NAME_MAX 1024
/* Records of one type at one name: a DNS message travels in at most
 * 65535 octets (RFC 1035 §4.2.2), and the smallest answer record (an A
 * with a compressed owner) takes 16 of them. */
#define ZONE_RRSET_MAX 4096
/* RFC 1035 §4.1.1: the fixed DNS header; §4.1.2: QTYPE + QCLASS;
 * §4.1.3: TYPE, CLASS, TTL, RDLENGTH; §4.1.4: a compression pointer. */
#define WIRE_HEADER 12
#define WIRE_QFIXED 4
#define WIRE_RRFIXED 10
#define WIRE_POINTER 2
enum { SET_A, SET_AAAA, SET_MX, SET_TXT, SET_PTR, SET_CNAME, NSETS };

struct rrset {
	spfc_rr *rr;
	size_t n, cap;
};

struct znode {
	char *name;		/* as first added, without its trailing dot */
	size_t len;
	uint32_t hash;
	unsigned char data;	/* has records, or was added EMPTY */
	unsigned char ent;	/* an ancestor of a name with data */
	unsigned char fault;	/* 0 or a spfc_zone_fault */
	struct rrset set[NSETS];
};

struct spfc_zone {
	struct znode **slot;	/* open addressing, linear probing */
	size_t cap;		/* a power of two, or 0 */
	size_t count;
};

/* ---- Names ------------------------------------------------------- */

/* FNV-1a over the lower-cased bytes. */
static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)sc_to_lower(s[i]);
		h *= 16777619u;
	}
	return h;
}

/* Printable ASCII (space included: the API may add any name the resolver
 * may be asked; the zone-file format cannot express a space). */
static int name_bytes_ok(const char *s, size_t len)
{
	return sc_all_bytes(s, len, sc_is_print);
}

int zone_owner_ok(const char *s, size_t len)
{
	return len >= 1 && len <= ZONE_NAME_MAX && name_bytes_ok(s, len);
}

int zone_target_ok(const char *s, size_t len, int allow_root)
{
	if (len == 0)
		return allow_root;
	return zone_owner_ok(s, len);
}

/* ---- The table --------------------------------------------------- */

static struct znode *find(const spfc_zone *z, const char *name, size_t len)
{
	uint32_t h;
	size_t i;

	if (!z->cap)
		return NULL;
	h = name_hash(name, len);
	for (i = h & (z->cap - 1); z->slot[i]; i = (i + 1) & (z->cap - 1)) {
		const struct znode *n = z->slot[i];
		if (n->hash == h && sc_eq_nocase(n->name, n->len, name, len))
			return z->slot[i];
	}
	return NULL;
}

static int grow_table(spfc_zone *z)
{
	size_t cap = z->cap ? z->cap * 2 : 64, i, j;
	struct znode **slot;

	if (cap > SIZE_MAX / sizeof *slot)
		return -1;
	slot = calloc(cap, sizeof *slot);
	if (!slot)
		return -1;
	for (i = 0; i < z->cap; i++) {
		struct znode *n = z->slot[i];
		if (!n)
			continue;
		for (j = n->hash & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = n;
	}
	free(z->slot);
	z->slot = slot;
	z->cap = cap;
	return 0;
}

/* Find or create the node of name (already validated). */
static struct znode *get(spfc_zone *z, const char *name, size_t len)
{
	struct znode *n = find(z, name, len);
	size_t i;

	if (n)
		return n;
	/* Keep the load factor at or below one half. */
	if ((z->count + 1) * 2 > z->cap && grow_table(z) < 0)
		return NULL;
	n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->name = malloc(len + 1);
	if (!n->name) {
		free(n);
		return NULL;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	n->len = len;
	n->hash = name_hash(name, len);
	for (i = n->hash & (z->cap - 1); z->slot[i]; i = (i + 1) & (z->cap - 1))
		;
	z->slot[i] = n;
	z->count++;
	return n;
}

/* Every ancestor of name exists from now on (an empty non-terminal). */
static spfc_status mark_ancestors(spfc_zone *z, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		struct znode *a;
		if (name[i] != '.')
			continue;
		a = get(z, name + i + 1, len - i - 1);
		if (!a)
			return SPFC_ENOMEM;
		a->ent = 1;
	}
	return SPFC_OK;
}

static int set_of(spfc_rrtype t)
{
	switch (t) {
	case SPFC_RR_A: return SET_A;
	case SPFC_RR_AAAA: return SET_AAAA;
	case SPFC_RR_MX: return SET_MX;
	case SPFC_RR_TXT: return SET_TXT;
	case SPFC_RR_PTR: return SET_PTR;
	case SPFC_RR_CNAME: return SET_CNAME;
	}
	return -1;
}

spfc_status zone_add_rr(spfc_zone *z, const char *name, size_t len,
			const spfc_rr *rr)
{
	int s = set_of(rr->type);
	struct znode *n;
	struct rrset *set;
	spfc_rr copy = *rr;
	char *text = NULL;

	if (s < 0)
		return SPFC_EINVAL;
	n = get(z, name, len);
	if (!n)
		return SPFC_ENOMEM;
	set = &n->set[s];
	if (s == SET_CNAME && set->n)
		return SPFC_EINVAL;
	if (set->n >= ZONE_RRSET_MAX)
		return SPFC_ELIMIT;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 2;
		spfc_rr *p = realloc(set->rr, cap * sizeof *p);
		if (!p)
			return SPFC_ENOMEM;
		set->rr = p;
		set->cap = cap;
	}
	if (rr->text) {
		text = malloc(rr->len + 1);
		if (!text)
			return SPFC_ENOMEM;
		memcpy(text, rr->text, rr->len);
		text[rr->len] = '\0';
	}
	copy.text = text;
	set->rr[set->n++] = copy;
	n->data = 1;
	return mark_ancestors(z, name, len);
}

/* ---- The public store -------------------------------------------- */

spfc_status spfc_zone_new(spfc_zone **out)
{
	if (!out)
		return SPFC_EINVAL;
	*out = calloc(1, sizeof **out);
	return *out ? SPFC_OK : SPFC_ENOMEM;
}

void spfc_zone_free(spfc_zone *z)
{
	size_t i, s, k;

	if (!z)
		return;
	for (i = 0; i < z->cap; i++) {
		struct znode *n = z->slot[i];
		if (!n)
			continue;
		for (s = 0; s < NSETS; s++) {
			for (k = 0; k < n->set[s].n; k++)
				free((char *)n->set[s].rr[k].text);
			free(n->set[s].rr);
		}
		free(n->name);
		free(n);
	}
	free(z->slot);
	free(z);
}

/* The owner name of an API call: its length without the trailing dot, or
 * (size_t)-1 when it is unusable. */
static size_t api_name(const char *name)
{
	size_t len;

	if (!name)
		return (size_t)-1;
	len = sc_strip_dot(name, strnlen(name, ZONE_NAME_MAX + 2));
	return zone_owner_ok(name, len) ? len : (size_t)-1;
}

void zone_rr_init(spfc_rr *rr, spfc_rrtype type)
{
	memset(rr, 0, sizeof *rr);
	rr->type = type;
	rr->ttl = ZONE_DEFAULT_TTL;
}

spfc_status spfc_zone_add_addr(spfc_zone *z, const char *name,
			       const spfc_addr *a)
{
	size_t len = api_name(name);
	spfc_rr rr;

	if (!z || !a || len == (size_t)-1)
		return SPFC_EINVAL;
	if (a->family == 4) {
		zone_rr_init(&rr, SPFC_RR_A);
		memcpy(rr.addr, a->b, 4);
	} else if (a->family == 6) {
		zone_rr_init(&rr, SPFC_RR_AAAA);
		memcpy(rr.addr, a->b, 16);
	} else {
		return SPFC_EINVAL;
	}
	return zone_add_rr(z, name, len, &rr);
}

/* MX, PTR, CNAME: a record whose data is one target name. */
static spfc_status add_target(spfc_zone *z, const char *name,
			      spfc_rrtype type, unsigned pref,
			      const char *target, uint32_t ttl)
{
	size_t len = api_name(name), tlen;
	spfc_rr rr;

	if (!z || !target || len == (size_t)-1)
		return SPFC_EINVAL;
	tlen = sc_strip_dot(target, strnlen(target, ZONE_NAME_MAX + 2));
	if (!zone_target_ok(target, tlen, type != SPFC_RR_CNAME))
		return SPFC_EINVAL;
	if (pref > ZONE_PREF_MAX)
		return SPFC_EINVAL;
	zone_rr_init(&rr, type);
	rr.ttl = ttl;
	rr.pref = pref;
	rr.text = target;
	rr.len = tlen;
	return zone_add_rr(z, name, len, &rr);
}

spfc_status spfc_zone_add_mx(spfc_zone *z, const char *name, unsigned pref,
			     const char *exchange)
{
	return add_target(z, name, SPFC_RR_MX, pref, exchange,
			  ZONE_DEFAULT_TTL);
}

spfc_status spfc_zone_add_ptr(spfc_zone *z, const char *name,
			      const char *target)
{
	return add_target(z, name, SPFC_RR_PTR, 0, target, ZONE_DEFAULT_TTL);
}

spfc_status spfc_zone_add_cname(spfc_zone *z, const char *name,
				const char *target)
{
	return add_target(z, name, SPFC_RR_CNAME, 0, target,
			  ZONE_DEFAULT_TTL);
}

spfc_status spfc_zone_add_txt(spfc_zone *z, const char *name,
			      const char *const *strings, const size_t *lens,
			      size_t n)
{
	size_t len = api_name(name), i, total = 0, longest = 0;
	spfc_buf joined;
	spfc_rr rr;
	spfc_status st;

	if (!z || len == (size_t)-1 || n == 0 || !strings || !lens)
		return SPFC_EINVAL;
	for (i = 0; i < n; i++) {
		if (lens[i] > ZONE_TXT_STRING_MAX || (lens[i] && !strings[i]))
			return SPFC_EINVAL;
		total += 1 + lens[i];
		if (total > ZONE_RDATA_MAX)
			return SPFC_ELIMIT;
		if (lens[i] > longest)
			longest = lens[i];
	}
	spfc_buf_init(&joined, ZONE_RDATA_MAX);
	for (i = 0; i < n; i++)
		if (lens[i])
			spfc_buf_add(&joined, strings[i], lens[i]);
	if (joined.err) {
		st = (spfc_status)joined.err;
		spfc_buf_free(&joined);
		return st;
	}
	zone_rr_init(&rr, SPFC_RR_TXT);
	rr.text = spfc_buf_str(&joined);
	rr.len = joined.len;
	rr.nstrings = (unsigned)n;
	rr.maxstring = longest;
	st = zone_add_rr(z, name, len, &rr);
	spfc_buf_free(&joined);
	return st;
}

spfc_status zone_add_empty(spfc_zone *z, const char *name, size_t len)
{
	struct znode *n = get(z, name, len);

	if (!n)
		return SPFC_ENOMEM;
	n->data = 1;
	return mark_ancestors(z, name, len);
}

spfc_status spfc_zone_add_empty(spfc_zone *z, const char *name)
{
	size_t len = api_name(name);

	if (!z || len == (size_t)-1)
		return SPFC_EINVAL;
	return zone_add_empty(z, name, len);
}

spfc_status zone_mark(spfc_zone *z, const char *name, size_t len,
		      spfc_zone_fault f)
{
	struct znode *n = get(z, name, len);

	if (!n)
		return SPFC_ENOMEM;
	n->fault = (unsigned char)f;
	return SPFC_OK;
}

spfc_status spfc_zone_mark(spfc_zone *z, const char *name, spfc_zone_fault f)
{
	size_t len = api_name(name);

	if (!z || len == (size_t)-1 ||
	    (f != SPFC_ZONE_TIMEOUT && f != SPFC_ZONE_SERVFAIL))
		return SPFC_EINVAL;
	return zone_mark(z, name, len, f);
}

/* ---- Lookup ------------------------------------------------------ */

/* Octets of a name in DNS wire form, uncompressed. */
static size_t wire_name(size_t len)
{
	return len ? len + 2 : 1;
}

/* RDLENGTH of a record, as a server would send it (names uncompressed,
 * so this errs on the large side). */
static size_t wire_rdata(const spfc_rr *rr)
{
	switch (rr->type) {
	case SPFC_RR_A: return 4;
	case SPFC_RR_AAAA: return 16;
	case SPFC_RR_MX: return 2 + wire_name(rr->len);
	case SPFC_RR_TXT: return rr->len + rr->nstrings;
	case SPFC_RR_PTR:
	case SPFC_RR_CNAME: return wire_name(rr->len);
	}
	return 0;
}

void zone_resolve(const spfc_zone *z, const char *name, spfc_rrtype type,
		  zone_result *out)
{
	const struct znode *n;
	size_t len, k;
	unsigned links = 0;
	int s = set_of(type);

	memset(out, 0, sizeof *out);
	len = sc_strip_dot(name, strnlen(name, ZONE_NAME_MAX + 2));
	out->wire_size = WIRE_HEADER + wire_name(len) + WIRE_QFIXED;
	for (;;) {
		n = len <= ZONE_NAME_MAX ? find(z, name, len) : NULL;
		if (!n || !n->set[SET_CNAME].n || type == SPFC_RR_CNAME)
			break;
		if (links == SPFC_ZONE_MAX_CNAME) {
			/* a loop or an over-long chain: it never reaches
			 * the type, so the name has no data of it (as the
			 * c-ares backend answers) -- a zone's mistake, not
			 * a server failure */
			out->rcode = SPFC_DNS_NODATA;
			out->neg_ttl = ZONE_DEFAULT_TTL;
			return;
		}
		links++;
		name = n->set[SET_CNAME].rr[0].text;
		len = n->set[SET_CNAME].rr[0].len;
		out->wire_size += WIRE_POINTER + WIRE_RRFIXED + wire_name(len);
	}
	if (n && s >= 0 && n->set[s].n) {
		out->rcode = SPFC_DNS_OK;
		out->rr = n->set[s].rr;
		out->count = n->set[s].n;
		for (k = 0; k < out->count; k++)
			out->wire_size += WIRE_POINTER + WIRE_RRFIXED +
					  wire_rdata(&out->rr[k]);
		return;
	}
	if (n && n->fault == SPFC_ZONE_TIMEOUT) {
		out->silent = 1;
		out->rcode = SPFC_DNS_TIMEOUT;
		return;
	}
	if (n && n->fault == SPFC_ZONE_SERVFAIL) {
		out->rcode = SPFC_DNS_SERVFAIL;
		return;
	}
	out->rcode = n && (n->data || n->ent) ? SPFC_DNS_NODATA
					      : SPFC_DNS_NXDOMAIN;
	out->neg_ttl = ZONE_DEFAULT_TTL;
}
