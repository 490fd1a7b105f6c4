/*
 * zone.c - the in-memory zone: names with their records in a hash table,
 * the zone-file parser (format: docs/zone-format.md), and the lookup the
 * zone resolver answers from (zone_resolve, see zonefile.h).
 *
 * What it owns: copies of every name and record added; the text of a
 * record is allocated once and never moved, so answers may borrow it for
 * as long as the zone lives.
 *
 * How it fails: an add returns SPFC_EINVAL for an unusable name or record
 * (bytes outside printable ASCII, a name too long, a TXT string over 255
 * bytes, a second CNAME at a name), SPFC_ELIMIT past a size bound below,
 * SPFC_ENOMEM when memory runs out (the zone may then hold part of the
 * change: an empty ancestor, say).  Loading fails with SPFC_ESYNTAX or
 * SPFC_ELIMIT and "line N: what is wrong" in err, and SPFC_EIO when a file
 * cannot be read; records of the lines before the bad one stay added.
 */
#include "zonefile.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include "common/ascii.h"
#include "common/idtab.h"
#include "common/number.h"
#include "common/printable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names: any printable ASCII up to this many bytes.  Longer than DNS
 * allows (RFC 1035 §2.3.4: 255 octets, labels 63) on purpose, so that
 * tests can hold hostile names such as the RFC 7208 suite's 64-byte
 * label. */
#define ZONE_NAME_MAX 1024
/* RFC 1035 §3.3: a <character-string> is at most 255 octets. */
#define ZONE_TXT_STRING_MAX 255
/* RFC 1035 §3.2.1: RDLENGTH is 16 bits, so the RDATA of one TXT record
 * (each string with its length octet) is at most 65535 octets. */
#define ZONE_RDATA_MAX 65535
/* RFC 1035 §3.3.9: the MX PREFERENCE is a 16-bit integer. */
#define ZONE_PREF_MAX 65535u
/* RFC 2181 §8: a TTL is at most 2^31 - 1. */
#define ZONE_TTL_MAX 2147483647u
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
/* Zone-file bounds (ours): a line holds a TXT record of 64 KiB written
 * plainly; a file is read whole into memory, up to this size. */
#define ZONE_LINE_MAX 70000
#define ZONE_FILE_MAX ((size_t)64 << 20)
/* Bytes of an offending token quoted in an error message. */
#define ZONE_ERR_TOKEN_MAX 40
/* Bound of an error message under construction. */
#define ZONE_ERR_MAX 512
/* Reading a file: bytes per read. */
#define ZONE_READ_CHUNK 16384

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

/* Length of name without one trailing dot. */
static size_t strip_dot(const char *s, size_t len)
{
	return len > 0 && s[len - 1] == '.' ? len - 1 : len;
}

/* Printable ASCII (space included: the API may add any name the resolver
 * may be asked; the zone-file format cannot express a space). */
static int name_bytes_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!sc_is_print((unsigned char)s[i]))
			return 0;
	return 1;
}

/* An owner name (after strip_dot): 1..ZONE_NAME_MAX printable bytes. */
static int owner_ok(const char *s, size_t len)
{
	return len >= 1 && len <= ZONE_NAME_MAX && name_bytes_ok(s, len);
}

/* A target (MX exchange, PTR, CNAME), after strip_dot; the root (empty)
 * only where allow_root says so (RFC 7505 null MX). */
static int target_ok(const char *s, size_t len, int allow_root)
{
	if (len == 0)
		return allow_root;
	return owner_ok(s, len);
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

/* Add a copy of rr (its text is copied too) at name (validated, without
 * its trailing dot). */
static spfc_status add_rr(spfc_zone *z, const char *name, size_t len,
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
	len = strip_dot(name, strnlen(name, ZONE_NAME_MAX + 2));
	return owner_ok(name, len) ? len : (size_t)-1;
}

static void rr_init(spfc_rr *rr, spfc_rrtype type)
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
		rr_init(&rr, SPFC_RR_A);
		memcpy(rr.addr, a->b, 4);
	} else if (a->family == 6) {
		rr_init(&rr, SPFC_RR_AAAA);
		memcpy(rr.addr, a->b, 16);
	} else {
		return SPFC_EINVAL;
	}
	return add_rr(z, name, len, &rr);
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
	tlen = strip_dot(target, strnlen(target, ZONE_NAME_MAX + 2));
	if (!target_ok(target, tlen, type != SPFC_RR_CNAME))
		return SPFC_EINVAL;
	if (pref > ZONE_PREF_MAX)
		return SPFC_EINVAL;
	rr_init(&rr, type);
	rr.ttl = ttl;
	rr.pref = pref;
	rr.text = target;
	rr.len = tlen;
	return add_rr(z, name, len, &rr);
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
	rr_init(&rr, SPFC_RR_TXT);
	rr.text = spfc_buf_str(&joined);
	rr.len = joined.len;
	rr.nstrings = (unsigned)n;
	rr.maxstring = longest;
	st = add_rr(z, name, len, &rr);
	spfc_buf_free(&joined);
	return st;
}

spfc_status spfc_zone_add_empty(spfc_zone *z, const char *name)
{
	size_t len = api_name(name);
	struct znode *n;

	if (!z || len == (size_t)-1)
		return SPFC_EINVAL;
	n = get(z, name, len);
	if (!n)
		return SPFC_ENOMEM;
	n->data = 1;
	return mark_ancestors(z, name, len);
}

spfc_status spfc_zone_mark(spfc_zone *z, const char *name, spfc_zone_fault f)
{
	size_t len = api_name(name);
	struct znode *n;

	if (!z || len == (size_t)-1 ||
	    (f != SPFC_ZONE_TIMEOUT && f != SPFC_ZONE_SERVFAIL))
		return SPFC_EINVAL;
	n = get(z, name, len);
	if (!n)
		return SPFC_ENOMEM;
	n->fault = (unsigned char)f;
	return SPFC_OK;
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
	len = strip_dot(name, strnlen(name, ZONE_NAME_MAX + 2));
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

/* ---- The zone-file parser ---------------------------------------- */

/* One line of the file, read field by field. */
struct cursor {
	const char *p;
	size_t n, i;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct cursor *c)
{
	while (c->i < c->n && is_blank(c->p[c->i]))
		c->i++;
}

/* The next blank-separated field; 0 at the end of the line. */
static int next_field(struct cursor *c, const char **f, size_t *flen)
{
	size_t start;

	skip_blanks(c);
	if (c->i >= c->n)
		return 0;
	start = c->i;
	while (c->i < c->n && !is_blank(c->p[c->i]))
		c->i++;
	*f = c->p + start;
	*flen = c->i - start;
	return 1;
}

/* A keyword (upper case in the table) in any case. */
static int field_is(const char *f, size_t flen, const char *kw)
{
	return sc_eq_nocase(f, flen, kw, strlen(kw));
}

static int all_digits(const char *f, size_t flen)
{
	size_t i;

	for (i = 0; i < flen; i++)
		if (!sc_is_digit(f[i]))
			return 0;
	return flen > 0;
}

/* Quote a token into an error message: clipped, '"' and '\\' escaped
 * with a backslash, other bytes outside printable ASCII as '?'. */
static void add_token(spfc_buf *why, const char *f, size_t flen)
{
	size_t n = flen < ZONE_ERR_TOKEN_MAX ? flen : ZONE_ERR_TOKEN_MAX;

	spfc_buf_addc(why, '"');
	sc_printable(why, f, n, SC_PRINT_REPLACE | SC_PRINT_QUOTE);
	if (n < flen)
		spfc_buf_adds(why, "...");
	spfc_buf_addc(why, '"');
}

static spfc_status fail(spfc_buf *why, spfc_status st, const char *what,
			const char *f, size_t flen)
{
	spfc_buf_adds(why, what);
	if (f) {
		spfc_buf_addc(why, ' ');
		add_token(why, f, flen);
	}
	return st;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An escape after a backslash at c->i - 1: \DDD, \xHH, or \ before a
 * character that is not a letter or digit (RFC 1035 §5.1). */
static spfc_status parse_escape(struct cursor *c, spfc_buf *out,
				spfc_buf *why)
{
	const char *p = c->p + c->i;
	size_t left = c->n - c->i;
	unsigned long long v;

	if (left == 0)
		return fail(why, SPFC_ESYNTAX, "backslash at end of line",
			    NULL, 0);
	if (sc_is_digit(p[0])) {
		if (left < 3 || sc_parse_uint(p, 3, 0, 255, &v) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "bad escape (\\DDD is 000 to 255):", p - 1,
				    left < 3 ? left + 1 : 4);
		spfc_buf_addc(out, (char)(unsigned char)v);
		c->i += 3;
		return SPFC_OK;
	}
	if (p[0] == 'x' || p[0] == 'X') {
		if (left < 3 || hex_value(p[1]) < 0 || hex_value(p[2]) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "bad escape (\\xHH needs two hex digits):",
				    p - 1, left < 3 ? left + 1 : 4);
		spfc_buf_addc(out, (char)(unsigned char)(hex_value(p[1]) * 16 +
							 hex_value(p[2])));
		c->i += 3;
		return SPFC_OK;
	}
	if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
	    (unsigned char)p[0] < 0x20 || (unsigned char)p[0] == 0x7f)
		return fail(why, SPFC_ESYNTAX, "unknown escape", p - 1, 2);
	spfc_buf_addc(out, p[0]);
	c->i += 1;
	return SPFC_OK;
}

/* One TXT character-string, quoted or a bare word, appended to out. */
static spfc_status parse_string(struct cursor *c, spfc_buf *out,
				spfc_buf *why)
{
	int quoted = c->p[c->i] == '"';
	size_t start = c->i;
	spfc_status st;

	if (quoted)
		c->i++;
	for (;;) {
		unsigned char ch;
		if (c->i >= c->n) {
			if (quoted)
				return fail(why, SPFC_ESYNTAX,
					    "unterminated string",
					    c->p + start, c->n - start);
			return SPFC_OK;
		}
		ch = (unsigned char)c->p[c->i];
		if (quoted && ch == '"') {
			c->i++;
			if (c->i < c->n && !is_blank(c->p[c->i]))
				return fail(why, SPFC_ESYNTAX,
					    "no blank after closing quote at",
					    c->p + c->i, c->n - c->i);
			return SPFC_OK;
		}
		if (!quoted && is_blank((char)ch))
			return SPFC_OK;
		if (!quoted && ch == '"')
			return fail(why, SPFC_ESYNTAX, "quote inside word",
				    c->p + start, c->i - start + 1);
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(why, SPFC_ESYNTAX,
				    "control byte in string (write it as "
				    "\\DDD)",
				    NULL, 0);
		c->i++;
		if (ch == '\\') {
			st = parse_escape(c, out, why);
			if (st != SPFC_OK)
				return st;
		} else {
			spfc_buf_addc(out, (char)ch);
		}
	}
}

static spfc_status load_txt(spfc_zone *z, const char *name, size_t len,
			    uint32_t ttl, struct cursor *c, spfc_buf *why)
{
	spfc_buf text;
	spfc_rr rr;
	size_t longest = 0, strings = 0;
	spfc_status st = SPFC_OK;

	/* Room for one string past the record bound, so that an over-long
	 * string is reported as such. */
	spfc_buf_init(&text, ZONE_RDATA_MAX + ZONE_TXT_STRING_MAX + 1);
	for (;;) {
		size_t before = text.len, slen;
		skip_blanks(c);
		if (c->i >= c->n)
			break;
		st = parse_string(c, &text, why);
		if (st != SPFC_OK)
			goto done;
		if (text.err == SPFC_ENOMEM) {
			st = fail(why, SPFC_ENOMEM, "out of memory", NULL, 0);
			goto done;
		}
		slen = text.len - before;
		if (text.err || slen > ZONE_TXT_STRING_MAX) {
			st = fail(why, SPFC_ELIMIT,
				  "TXT string longer than 255 bytes", NULL, 0);
			goto done;
		}
		strings++;
		if (slen > longest)
			longest = slen;
		if (text.len + strings > ZONE_RDATA_MAX) {
			st = fail(why, SPFC_ELIMIT,
				  "TXT record longer than 65535 bytes", NULL,
				  0);
			goto done;
		}
	}
	if (strings == 0) {
		st = fail(why, SPFC_ESYNTAX, "TXT needs at least one string",
			  NULL, 0);
		goto done;
	}
	rr_init(&rr, SPFC_RR_TXT);
	rr.ttl = ttl;
	rr.text = spfc_buf_str(&text);
	rr.len = text.len;
	rr.nstrings = (unsigned)strings;
	rr.maxstring = longest;
	st = add_rr(z, name, len, &rr);
	if (st == SPFC_ENOMEM)
		fail(why, st, "out of memory", NULL, 0);
	else if (st == SPFC_ELIMIT)
		fail(why, st, "too many TXT records at one name", NULL, 0);
done:
	spfc_buf_free(&text);
	return st;
}

static spfc_status expect_end(struct cursor *c, spfc_buf *why)
{
	const char *f;
	size_t flen;

	if (next_field(c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "unexpected", f, flen);
	return SPFC_OK;
}

/* The status of add_rr for a zone-file line, with its message. */
static spfc_status added(spfc_status st, spfc_rrtype type, spfc_buf *why)
{
	switch (st) {
	case SPFC_OK:
		return st;
	case SPFC_ENOMEM:
		return fail(why, st, "out of memory", NULL, 0);
	case SPFC_ELIMIT:
		spfc_buf_adds(why, "too many ");
		spfc_buf_adds(why, spfc_rrtype_name(type));
		return fail(why, st, " records at one name", NULL, 0);
	default:
		if (type == SPFC_RR_CNAME)
			return fail(why, SPFC_ESYNTAX,
				    "a name has at most one CNAME", NULL, 0);
		return fail(why, SPFC_ESYNTAX, "record refused", NULL, 0);
	}
}

enum ltype { L_A, L_AAAA, L_MX, L_PTR, L_CNAME, L_TXT, L_EMPTY, L_TIMEOUT,
	     L_SERVFAIL, L_UNKNOWN };

static enum ltype line_type(const char *f, size_t flen)
{
	static const struct sc_id types[] = {
		{"A", L_A}, {"AAAA", L_AAAA}, {"MX", L_MX}, {"PTR", L_PTR},
		{"CNAME", L_CNAME}, {"TXT", L_TXT}, {"EMPTY", L_EMPTY},
		{"TIMEOUT", L_TIMEOUT}, {"SERVFAIL", L_SERVFAIL},
	};
	int t;

	if (sc_id_lookup(types, SC_ID_COUNT(types), f, flen, &t) < 0)
		return L_UNKNOWN;
	return (enum ltype)t;
}

static spfc_status load_addr(spfc_zone *z, const char *name, size_t len,
			     uint32_t ttl, int family, struct cursor *c,
			     spfc_buf *why)
{
	char text[SPFC_ADDR_TEXT_MAX];
	const char *f;
	size_t flen;
	spfc_addr a;
	spfc_rr rr;
	spfc_status st;

	if (!next_field(c, &f, &flen))
		return fail(why, SPFC_ESYNTAX,
			    family == 4 ? "A needs an address"
					: "AAAA needs an address",
			    NULL, 0);
	if (flen >= sizeof text)
		goto bad;
	memcpy(text, f, flen);
	text[flen] = '\0';
	if (spfc_addr_parse(text, &a) != SPFC_OK || a.family != family)
		goto bad;
	st = expect_end(c, why);
	if (st != SPFC_OK)
		return st;
	rr_init(&rr, family == 4 ? SPFC_RR_A : SPFC_RR_AAAA);
	rr.ttl = ttl;
	memcpy(rr.addr, a.b, family == 4 ? 4 : 16);
	return added(add_rr(z, name, len, &rr), rr.type, why);
bad:
	return fail(why, SPFC_ESYNTAX,
		    family == 4 ? "bad IPv4 address" : "bad IPv6 address", f,
		    flen);
}

static spfc_status load_target(spfc_zone *z, const char *name, size_t len,
			       uint32_t ttl, spfc_rrtype type,
			       struct cursor *c, spfc_buf *why)
{
	const char *f;
	size_t flen;
	unsigned long long pref = 0;
	spfc_rr rr;
	spfc_status st;

	if (type == SPFC_RR_MX) {
		if (!next_field(c, &f, &flen))
			return fail(why, SPFC_ESYNTAX,
				    "MX needs a preference and an exchange",
				    NULL, 0);
		if (sc_parse_uint(f, flen, 0, ZONE_PREF_MAX, &pref) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "bad MX preference (0 to 65535)", f, flen);
	}
	if (!next_field(c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "missing target name", NULL, 0);
	flen = strip_dot(f, flen);
	if (!target_ok(f, flen, type != SPFC_RR_CNAME))
		return fail(why, SPFC_ESYNTAX, "bad target name", f, flen);
	st = expect_end(c, why);
	if (st != SPFC_OK)
		return st;
	rr_init(&rr, type);
	rr.ttl = ttl;
	rr.pref = (unsigned)pref;
	rr.text = f;
	rr.len = flen;
	return added(add_rr(z, name, len, &rr), type, why);
}

/* One line (without its end-of-line bytes). */
static spfc_status load_line(spfc_zone *z, const char *line, size_t n,
			     spfc_buf *why)
{
	struct cursor c = {line, n, 0};
	const char *name, *f;
	size_t len, flen;
	unsigned long long ttl = ZONE_DEFAULT_TTL;
	enum ltype t;
	struct znode *node;
	spfc_status st;

	if (!next_field(&c, &name, &len) || name[0] == '#')
		return SPFC_OK;
	if (!next_field(&c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "missing type after name", name,
			    len);
	if (all_digits(f, flen)) {
		if (sc_parse_uint(f, flen, 0, ZONE_TTL_MAX, &ttl) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "TTL out of range (0 to 2147483647)", f,
				    flen);
		if (!next_field(&c, &f, &flen))
			return fail(why, SPFC_ESYNTAX, "missing type after TTL",
				    NULL, 0);
	}
	if (field_is(f, flen, "IN") && !next_field(&c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "missing type after class",
			    NULL, 0);
	t = line_type(f, flen);
	if (t == L_UNKNOWN)
		return fail(why, SPFC_ESYNTAX, "unknown type", f, flen);
	len = strip_dot(name, len);
	if (!owner_ok(name, len))
		return fail(why, SPFC_ESYNTAX, "bad name", name, len);
	switch (t) {
	case L_A:
		return load_addr(z, name, len, (uint32_t)ttl, 4, &c, why);
	case L_AAAA:
		return load_addr(z, name, len, (uint32_t)ttl, 6, &c, why);
	case L_MX:
		return load_target(z, name, len, (uint32_t)ttl, SPFC_RR_MX,
				   &c, why);
	case L_PTR:
		return load_target(z, name, len, (uint32_t)ttl, SPFC_RR_PTR,
				   &c, why);
	case L_CNAME:
		return load_target(z, name, len, (uint32_t)ttl, SPFC_RR_CNAME,
				   &c, why);
	case L_TXT:
		return load_txt(z, name, len, (uint32_t)ttl, &c, why);
	case L_EMPTY:
	case L_TIMEOUT:
	case L_SERVFAIL:
		st = expect_end(&c, why);
		if (st != SPFC_OK)
			return st;
		node = get(z, name, len);
		if (!node)
			return fail(why, SPFC_ENOMEM, "out of memory", NULL, 0);
		if (t == L_TIMEOUT)
			node->fault = SPFC_ZONE_TIMEOUT;
		else if (t == L_SERVFAIL)
			node->fault = SPFC_ZONE_SERVFAIL;
		else
			node->data = 1;
		if (t == L_EMPTY && mark_ancestors(z, name, len) != SPFC_OK)
			return fail(why, SPFC_ENOMEM, "out of memory", NULL, 0);
		return SPFC_OK;
	case L_UNKNOWN:
		break;
	}
	return fail(why, SPFC_ESYNTAX, "unknown type", f, flen);
}

/* Copy msg into err (size errsize), cut to fit, NUL-terminated. */
static void set_err(char *err, size_t errsize, const char *msg)
{
	size_t n;

	if (!err || errsize == 0)
		return;
	n = strlen(msg);
	if (n >= errsize)
		n = errsize - 1;
	memcpy(err, msg, n);
	err[n] = '\0';
}

spfc_status spfc_zone_load(spfc_zone *z, const char *text, size_t len,
			   char *err, size_t errsize)
{
	spfc_buf why, msg;
	size_t off = 0, lineno = 0;
	spfc_status st = SPFC_OK;

	set_err(err, errsize, "");
	if (!z || (!text && len))
		return SPFC_EINVAL;
	spfc_buf_init(&why, ZONE_ERR_MAX);
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - off;

		lineno++;
		if (end > ZONE_FILE_MAX) {
			st = fail(&why, SPFC_ELIMIT,
				  "zone text longer than 64 MiB", NULL, 0);
			break;
		}
		if (n > 0 && text[end - 1] == '\r')
			n--;
		if (n > ZONE_LINE_MAX) {
			st = fail(&why, SPFC_ELIMIT,
				  "line longer than 70000 bytes", NULL, 0);
			break;
		}
		if (memchr(text + off, '\0', n)) {
			st = fail(&why, SPFC_ESYNTAX, "NUL byte in line", NULL,
				  0);
			break;
		}
		st = load_line(z, text + off, n, &why);
		if (st != SPFC_OK)
			break;
		off = end + 1;
	}
	if (st != SPFC_OK) {
		spfc_buf_init(&msg, ZONE_ERR_MAX);
		spfc_buf_adds(&msg, "line ");
		spfc_buf_addu(&msg, lineno);
		spfc_buf_adds(&msg, ": ");
		spfc_buf_adds(&msg, spfc_buf_str(&why));
		set_err(err, errsize, spfc_buf_str(&msg));
		spfc_buf_free(&msg);
	}
	spfc_buf_free(&why);
	return st;
}

/* err = what ": " path ": " strerror(errnum) */
static void io_err(char *err, size_t errsize, const char *what,
		   const char *path, int errnum)
{
	char reason[128];
	spfc_buf msg;

	if (!err || errsize == 0)
		return;
	if (strerror_r(errnum, reason, sizeof reason) != 0)
		set_err(reason, sizeof reason, "unknown error");
	spfc_buf_init(&msg, ZONE_ERR_MAX);
	spfc_buf_adds(&msg, what);
	spfc_buf_adds(&msg, " ");
	add_token(&msg, path, strlen(path));
	spfc_buf_adds(&msg, ": ");
	spfc_buf_adds(&msg, reason);
	set_err(err, errsize, spfc_buf_str(&msg));
	spfc_buf_free(&msg);
}

spfc_status spfc_zone_load_file(spfc_zone *z, const char *path, char *err,
				size_t errsize)
{
	char chunk[ZONE_READ_CHUNK];
	spfc_buf data;
	FILE *fp;
	size_t got;
	spfc_status st;

	set_err(err, errsize, "");
	if (!z || !path)
		return SPFC_EINVAL;
	fp = fopen(path, "rb");
	if (!fp) {
		io_err(err, errsize, "cannot open", path, errno);
		return SPFC_EIO;
	}
	/* One byte past the bound, so that spfc_zone_load reports the line
	 * that passes it. */
	spfc_buf_init(&data, ZONE_FILE_MAX + 1);
	while (data.len <= ZONE_FILE_MAX &&
	       (got = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		size_t room = ZONE_FILE_MAX + 1 - data.len;
		spfc_buf_add(&data, chunk, got < room ? got : room);
		if (data.err)
			break;
	}
	if (data.err) {
		st = (spfc_status)data.err;
		set_err(err, errsize, spfc_strerror(st));
	} else if (ferror(fp)) {
		io_err(err, errsize, "cannot read", path, errno);
		st = SPFC_EIO;
	} else {
		st = spfc_zone_load(z, data.data, data.len, err, errsize);
	}
	fclose(fp);
	spfc_buf_free(&data);
	return st;
}
