/*
 * proto.c - the Postfix policy delegation protocol codec of proto.h
 * (Postfix SMTPD_POLICY_README): bytes in, requests out; answers in,
 * bytes out.
 *
 * The reader follows spf-engine 3.0.4's request loop byte for byte where
 * the two can differ: lines end at "\n" only; trailing white space (Python's
 * str.isspace on ASCII: space, \t \n \v \f \r and \x1c-\x1f) is stripped; a
 * line empty after that ends the request; other lines must match
 * `^\s*([^=\s]+)\s*=(.*)$`, anything else is a bad line (counted, skipped);
 * values are lower-cased (ASCII A-Z) except those of protocol_state,
 * protocol_name and queue_id; a repeated name keeps its first place and
 * takes the last value.  Bytes outside ASCII and NUL are ordinary bytes.
 *
 * Memory: a whole line is parsed where it lies (the caller's bytes, or
 * the line buffer when it came in pieces).  Each attribute is stored as
 * "name\0value\0" appended to one byte arena, and the attribute array
 * points into it; a repeated name appends a fresh "name\0value\0" and
 * moves its attribute there (the old copy stays unused until the request
 * ends), so a name is always followed by its value.  The arena and the
 * array belong to the reader and are kept from one request to the next:
 * ending a request only resets their lengths, so once they are big enough
 * for a connection's requests, reading them allocates nothing.  When the
 * arena grows it moves to a new block and the pointers of the attributes
 * stored so far are rebased at once, so they are valid at every moment,
 * the request read so far (proto_reader_request() before completion)
 * included.  After a request that left the arena over ARENA_KEEP bytes or
 * the array over ATTRS_KEEP entries, proto_reader_next() gives that
 * memory back, so an idle connection holds little.
 *
 * How it fails: the limits of proto.h mark the request malformed and the
 * rest of it is skipped up to its empty line; the request is still
 * delivered so the answers stay in step.  Memory is bounded by the limits:
 * the line buffer is allocated once at PROTO_LINE_MAX + 1 bytes and never
 * grows, an over-long line is dropped as it arrives, and attributes are
 * stored only while the request is under PROTO_REQUEST_MAX bytes and
 * PROTO_ATTR_MAX names.  A stored line of n bytes ("\n" excluded) takes at
 * most n + 1 arena bytes (its name and value are at most n - 1 bytes, as
 * the '=' is not kept, plus two NULs), and take_line() counts those n + 1
 * towards PROTO_REQUEST_MAX before storing it, so the arena never passes
 * PROTO_REQUEST_MAX bytes, repeated names included; the array never
 * passes PROTO_ATTR_MAX entries.  Out of memory makes proto_feed() return
 * (size_t)-1; the reader is then only fit for proto_reader_free().
 */
#include "proto.h"

#include "common/ascii.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* proto_request.why */
static const char why_line[] = "line too long";
static const char why_attrs[] = "too many attributes";
static const char why_size[] = "request too large";

/* proto_reader.skipping_line: dropping an over-long line, and whether any
 * of it so far was other than white space (a blank one still ends the
 * request, as its stripped form is empty). */
enum { SKIP_NONE = 0, SKIP_BLANK = 1, SKIP_TEXT = 2 };

/* The attribute array starts at ATTRS_FIRST entries and doubles up to
 * PROTO_ATTR_MAX; the arena starts at ARENA_FIRST bytes and doubles up to
 * ARENA_MAX.  Above the KEEP sizes they are released between requests. */
#define ATTRS_FIRST 16
#define ATTRS_KEEP 64
#define ARENA_FIRST 1024
#define ARENA_KEEP 16384
#define ARENA_MAX PROTO_REQUEST_MAX

/* Byte classes: white space as Python's str.isspace() sees ASCII
 * (spf-engine's rstrip() and the `\s` of its line pattern), and '=' which
 * also ends a name. */
enum { C_SPACE = 1, C_EQ = 2 };

static const unsigned char byte_class[256] = {
	['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\v'] = C_SPACE,
	['\f'] = C_SPACE, ['\r'] = C_SPACE, [0x1c] = C_SPACE,
	[0x1d] = C_SPACE, [0x1e] = C_SPACE, [0x1f] = C_SPACE,
	[' '] = C_SPACE, ['='] = C_EQ,
};

static int is_space(unsigned char c)
{
	return byte_class[c] & C_SPACE;
}

static int all_space(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space((unsigned char)p[i]))
			return 0;
	return 1;
}

/* An attribute is "name\0value\0" in the arena: name points at its start,
 * value just past the name's NUL, so the name's length is known even when
 * the name itself holds a NUL byte. */
static size_t attr_name_len(const struct proto_attr *a)
{
	return (size_t)(a->value - a->name) - 1;
}

static int attr_is(const struct proto_attr *a, const char *name, size_t nlen)
{
	return attr_name_len(a) == nlen && memcmp(a->name, name, nlen) == 0;
}

/* proto_reader.names_seen has a bit per name_hash(): a name whose bit is
 * clear is not stored yet, so most names skip the search for a repeat. */
_Static_assert(sizeof ((struct proto_reader *)0)->names_seen * CHAR_BIT == 256,
	       "names_seen holds 256 bits");

static unsigned name_hash(const char *name, size_t nlen)
{
	const unsigned char *s = (const unsigned char *)name;

	return (unsigned)(nlen * 0x9eu + s[0] * 0x3bu + s[nlen - 1] * 0x17u +
			  s[nlen / 2] * 5u) & 255u;
}

/* spf-engine keeps the case of these values only. */
static int keeps_case(const char *name, size_t nlen)
{
	switch (nlen) {
	case 8:
		return memcmp(name, "queue_id", 8) == 0;
	case 13:
		return memcmp(name, "protocol_name", 13) == 0;
	case 14:
		return memcmp(name, "protocol_state", 14) == 0;
	default:
		return 0;
	}
}

/* Copy n bytes, ASCII A-Z lower-cased, eight at a time: in each byte b of
 * a word, the low seven bits plus 0x80 - 'A' reach 0x80 when b >= 'A',
 * plus 0x80 - 'Z' - 1 when b > 'Z' (neither sum carries into the next
 * byte); their top bits differ for A-Z, kept only where b itself is
 * ASCII, and shifted down to 0x20 they set the lower-case bit. */
static void copy_lower(char *d, const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = ones * 0x80u;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w, low, upper;

		memcpy(&w, s + i, 8);
		low = w & ~high;
		upper = (low + ones * (0x80u - 'A')) ^
			(low + ones * (0x80u - 'Z' - 1));
		upper &= ~w & high;
		w |= upper >> 2;
		memcpy(d + i, &w, 8);
	}
	for (; i < n; i++) {
		d[i] = sc_to_lower(s[i]);
	}
}

static void mark_malformed(struct proto_reader *r, const char *why)
{
	if (!r->req.malformed) {
		r->req.malformed = 1;
		r->req.why = why;
	}
}

/* Start a new request, keeping the memory of the last one. */
static void clear_request(struct proto_reader *r)
{
	r->req.nattrs = 0;
	r->req.bad_lines = 0;
	r->req.malformed = 0;
	r->req.why = NULL;
	r->req_bytes = 0;
	r->complete = 0;
	r->arena_len = 0;
	memset(r->names_seen, 0, sizeof r->names_seen);
}

static void release_attrs(struct proto_reader *r)
{
	free(r->req.attrs);
	r->req.attrs = NULL;
	r->req.nattrs = 0;
	r->attrs_cap = 0;
}

static void release_arena(struct proto_reader *r)
{
	free(r->arena);
	r->arena = NULL;
	r->arena_len = 0;
	r->arena_cap = 0;
}

/* Room for one more attribute.  Returns -1 on out of memory. */
static int attrs_reserve(struct proto_reader *r)
{
	struct proto_attr *na;
	size_t cap;

	if (r->req.nattrs < r->attrs_cap)
		return 0;
	/* nattrs < PROTO_ATTR_MAX here, so cap stays <= PROTO_ATTR_MAX */
	cap = r->attrs_cap ? r->attrs_cap * 2 : ATTRS_FIRST;
	na = realloc(r->req.attrs, cap * sizeof *na);
	if (!na)
		return -1;
	r->req.attrs = na;
	r->attrs_cap = cap;
	return 0;
}

/* Room for n (<= ARENA_MAX - arena_len) more arena bytes.  A bigger arena
 * is a new block: the stored attributes are rebased from the old one
 * before it is freed, so their pointers never dangle.  Returns -1 on out
 * of memory (the arena is then as it was). */
static int arena_reserve(struct proto_reader *r, size_t n)
{
	size_t need = r->arena_len + n, cap, i;
	char *na;

	if (need <= r->arena_cap)
		return 0;
	cap = r->arena_cap ? r->arena_cap : ARENA_FIRST;
	while (cap < need)
		cap *= 2;
	if (cap > ARENA_MAX)
		cap = ARENA_MAX;
	na = malloc(cap);
	if (!na)
		return -1;
	if (r->arena_len)
		memcpy(na, r->arena, r->arena_len);
	for (i = 0; i < r->req.nattrs; i++) {
		struct proto_attr *a = &r->req.attrs[i];

		a->name = na + (a->name - r->arena);
		a->value = na + (a->value - r->arena);
	}
	free(r->arena);
	r->arena = na;
	r->arena_cap = cap;
	return 0;
}

/* Store name=value (lengths bounded by PROTO_LINE_MAX).  Returns -1 on out
 * of memory, else 0 (also when the attribute limit drops it). */
static int store_attr(struct proto_reader *r, const char *name, size_t nlen,
		      const char *val, size_t vlen)
{
	struct proto_attr *a = NULL;
	size_t size = nlen + vlen + 2, i;
	unsigned h = name_hash(name, nlen);
	unsigned char bit = (unsigned char)(1u << (h & 7));
	char *p;

	if (r->names_seen[h >> 3] & bit) {
		for (i = 0; i < r->req.nattrs; i++) {
			if (attr_is(&r->req.attrs[i], name, nlen)) {
				a = &r->req.attrs[i];
				break;
			}
		}
	}
	if (!a && r->req.nattrs >= PROTO_ATTR_MAX) {
		mark_malformed(r, why_attrs);
		return 0;
	}
	/* Never true: take_line() counts at least size bytes of this line
	 * towards PROTO_REQUEST_MAX first (see the top of the file).  Kept
	 * so that the arena's bound does not rest on that count alone. */
	if (size > ARENA_MAX - r->arena_len) {
		mark_malformed(r, why_size);
		return 0;
	}
	if ((!a && attrs_reserve(r) < 0) || arena_reserve(r, size) < 0)
		return -1;
	p = r->arena + r->arena_len;
	r->arena_len += size;
	memcpy(p, name, nlen);
	p[nlen] = '\0';
	if (keeps_case(name, nlen))
		memcpy(p + nlen + 1, val, vlen);
	else
		copy_lower(p + nlen + 1, val, vlen);
	p[size - 1] = '\0';
	if (!a) {
		a = &r->req.attrs[r->req.nattrs++];
		r->names_seen[h >> 3] |= bit;
	}
	a->name = p;
	a->value = p + nlen + 1;
	a->vlen = vlen;
	return 0;
}

/* One whole line p[0..n) (n <= PROTO_LINE_MAX, its "\n" excluded).
 * Returns 1 when it ends the request, 0 when not, -1 on out of memory. */
static int take_line(struct proto_reader *r, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t end = n, i = 0, name, nlen;

	while (end > 0 && is_space(s[end - 1]))
		end--;
	if (end == 0)
		return 1;
	/* n + 1 <= PROTO_LINE_MAX + 1: no overflow before the limit stops
	 * the count growing. */
	if (r->req_bytes <= PROTO_REQUEST_MAX)
		r->req_bytes += n + 1;
	if (r->req_bytes > PROTO_REQUEST_MAX)
		mark_malformed(r, why_size);
	if (r->req.malformed)
		return 0;

	/* s[end - 1] is not white space: this stops before end */
	while (is_space(s[i]))
		i++;
	name = i;
	while (i < end && !(byte_class[s[i]] & (C_SPACE | C_EQ)))
		i++;
	nlen = i - name;
	while (i < end && is_space(s[i]))
		i++;
	if (nlen == 0 || i == end || s[i] != '=') {
		if (r->req.bad_lines < UINT_MAX)
			r->req.bad_lines++;
		return 0;
	}
	i++;
	return store_attr(r, p + name, nlen, p + i, end - i);
}

/* Allocate the line buffer once at its full size, so that it never grows
 * (spfc_buf's doubling would otherwise reach twice PROTO_LINE_MAX). */
static int line_reserve(spfc_buf *b)
{
	if (b->data)
		return 0;
	b->data = malloc(PROTO_LINE_MAX + 1);
	if (!b->data)
		return -1;
	b->data[0] = '\0';
	b->len = 0;
	b->cap = PROTO_LINE_MAX + 1;
	return 0;
}

void proto_reader_init(struct proto_reader *r)
{
	memset(r, 0, sizeof *r);
	spfc_buf_init(&r->line, PROTO_LINE_MAX);
	r->skipping_line = SKIP_NONE;
	clear_request(r);
}

void proto_reader_free(struct proto_reader *r)
{
	clear_request(r);
	release_attrs(r);
	release_arena(r);
	spfc_buf_free(&r->line);
	r->skipping_line = SKIP_NONE;
}

size_t proto_feed(struct proto_reader *r, const char *data, size_t len,
		  int *complete)
{
	size_t pos = 0;

	*complete = 0;
	if (r->complete) {
		*complete = 1;
		return 0;
	}
	while (pos < len) {
		const char *s = data + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t seg = nl ? (size_t)(nl - s) : len - pos;
		int rc;

		pos += seg + (nl ? 1 : 0);
		if (!r->skipping_line && seg > PROTO_LINE_MAX - r->line.len) {
			mark_malformed(r, why_line);
			r->skipping_line =
			    all_space(spfc_buf_str(&r->line), r->line.len) ?
				SKIP_BLANK : SKIP_TEXT;
			spfc_buf_reset(&r->line);
		}
		if (r->skipping_line) {
			if (r->skipping_line == SKIP_BLANK && !all_space(s, seg))
				r->skipping_line = SKIP_TEXT;
			if (!nl)
				break;
			rc = r->skipping_line == SKIP_BLANK;
			r->skipping_line = SKIP_NONE;
		} else if (!nl) {
			if (line_reserve(&r->line) < 0 ||
			    spfc_buf_add(&r->line, s, seg) < 0)
				return (size_t)-1;
			break;
		} else if (r->line.len == 0) {
			rc = take_line(r, s, seg);
		} else {
			if (spfc_buf_add(&r->line, s, seg) < 0)
				return (size_t)-1;
			rc = take_line(r, r->line.data, r->line.len);
			spfc_buf_reset(&r->line);
		}
		if (rc < 0)
			return (size_t)-1;
		if (rc) {
			r->complete = 1;
			*complete = 1;
			return pos;
		}
	}
	return pos;
}

/* Before completion this is the request read so far (for logging a request
 * cut short): the attributes' pointers are kept valid as the arena moves,
 * so there is nothing to fix up here. */
const struct proto_request *proto_reader_request(const struct proto_reader *r)
{
	return &r->req;
}

/* The arena and the array are kept for the next request unless the last
 * one made them large. */
void proto_reader_next(struct proto_reader *r)
{
	clear_request(r);
	if (r->attrs_cap > ATTRS_KEEP)
		release_attrs(r);
	if (r->arena_cap > ARENA_KEEP)
		release_arena(r);
	spfc_buf_reset(&r->line);
	r->skipping_line = SKIP_NONE;
}

int proto_reader_partial(const struct proto_reader *r)
{
	if (r->complete)
		return 0;
	return r->req_bytes > 0 || r->req.malformed || r->skipping_line ||
	       !all_space(spfc_buf_str(&r->line), r->line.len);
}

const char *proto_get(const struct proto_request *q, const char *name)
{
	size_t i, nlen;

	if (!q || !name)
		return NULL;
	nlen = strlen(name);
	for (i = 0; i < q->nattrs; i++)
		if (attr_is(&q->attrs[i], name, nlen))
			return q->attrs[i].value;
	return NULL;
}

/* A NULL action is answered "dunno", the answer that changes nothing. */
void proto_reply(spfc_buf *out, const char *action)
{
	const char *s = action ? action : "dunno";

	spfc_buf_adds(out, "action=");
	while (*s) {
		size_t n = strcspn(s, "\r\n");

		spfc_buf_add(out, s, n);
		s += n;
		if (*s) {
			spfc_buf_addc(out, ' ');
			s++;
		}
	}
	spfc_buf_adds(out, "\n\n");
}
