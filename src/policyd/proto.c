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
 * How it fails: the limits of proto.h mark the request malformed and the
 * rest of it is skipped up to its empty line; the request is still
 * delivered so the answers stay in step.  Memory is bounded by the limits:
 * the line buffer is allocated once at PROTO_LINE_MAX + 1 bytes and never
 * grows, an over-long line is dropped as it arrives, and attributes are
 * stored only while the request is under PROTO_REQUEST_MAX bytes and
 * PROTO_ATTR_MAX names.  Out of memory makes proto_feed() return
 * (size_t)-1; the reader is then only fit for proto_reader_free().
 */
#include "proto.h"

#include <limits.h>
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

/* The first size of the attribute array; it doubles up to PROTO_ATTR_MAX. */
#define ATTRS_FIRST 16

/* White space as Python's str.isspace() sees ASCII (spf-engine's rstrip()
 * and the `\s` of its line pattern). */
static int is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int all_space(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space((unsigned char)p[i]))
			return 0;
	return 1;
}

/* Each attribute is one allocation "name\0value\0": name points at its
 * start, value just past the name's NUL, so the name's length is known
 * even when the name itself holds a NUL byte. */
static size_t attr_name_len(const struct proto_attr *a)
{
	return (size_t)(a->value - a->name) - 1;
}

static int attr_is(const struct proto_attr *a, const char *name, size_t nlen)
{
	return attr_name_len(a) == nlen && memcmp(a->name, name, nlen) == 0;
}

static int name_is(const char *name, size_t nlen, const char *lit)
{
	size_t n = strlen(lit);

	return nlen == n && memcmp(name, lit, n) == 0;
}

/* spf-engine keeps the case of these values only. */
static int keeps_case(const char *name, size_t nlen)
{
	return name_is(name, nlen, "protocol_state") ||
	       name_is(name, nlen, "protocol_name") ||
	       name_is(name, nlen, "queue_id");
}

/* The allocated size of an attribute array holding n (> 0) entries. */
static size_t attrs_cap(size_t n)
{
	size_t cap = ATTRS_FIRST;

	while (cap < n)
		cap *= 2;
	return cap;
}

static void mark_malformed(struct proto_reader *r, const char *why)
{
	if (!r->req.malformed) {
		r->req.malformed = 1;
		r->req.why = why;
	}
}

static void clear_request(struct proto_reader *r)
{
	size_t i;

	for (i = 0; i < r->req.nattrs; i++)
		free(r->req.attrs[i].name);
	free(r->req.attrs);
	r->req.attrs = NULL;
	r->req.nattrs = 0;
	r->req.bad_lines = 0;
	r->req.malformed = 0;
	r->req.why = NULL;
	r->req_bytes = 0;
	r->complete = 0;
}

/* Store name=value (lengths bounded by PROTO_LINE_MAX).  Returns -1 on out
 * of memory, else 0 (also when the attribute limit drops it). */
static int store_attr(struct proto_reader *r, const char *name, size_t nlen,
		      const char *val, size_t vlen)
{
	struct proto_attr *a = NULL;
	char *p, *v;
	size_t i;

	for (i = 0; i < r->req.nattrs; i++) {
		if (attr_is(&r->req.attrs[i], name, nlen)) {
			a = &r->req.attrs[i];
			break;
		}
	}
	if (!a && r->req.nattrs >= PROTO_ATTR_MAX) {
		mark_malformed(r, why_attrs);
		return 0;
	}
	p = malloc(nlen + vlen + 2);
	if (!p)
		return -1;
	memcpy(p, name, nlen);
	p[nlen] = '\0';
	v = p + nlen + 1;
	if (vlen)
		memcpy(v, val, vlen);
	v[vlen] = '\0';
	if (!keeps_case(name, nlen)) {
		for (i = 0; i < vlen; i++)
			if (v[i] >= 'A' && v[i] <= 'Z')
				v[i] = (char)(v[i] - 'A' + 'a');
	}
	if (!a) {
		size_t n = r->req.nattrs;

		if (n == 0 || (n >= ATTRS_FIRST && attrs_cap(n) == n)) {
			size_t cap = n ? n * 2 : ATTRS_FIRST;
			struct proto_attr *na;

			na = realloc(r->req.attrs, cap * sizeof *na);
			if (!na) {
				free(p);
				return -1;
			}
			r->req.attrs = na;
		}
		a = &r->req.attrs[n];
		r->req.nattrs = n + 1;
	} else {
		free(a->name);
	}
	a->name = p;
	a->value = v;
	a->vlen = vlen;
	return 0;
}

/* One whole line p[0..n) (n <= PROTO_LINE_MAX, its "\n" excluded).
 * Returns 1 when it ends the request, 0 when not, -1 on out of memory. */
static int take_line(struct proto_reader *r, const char *p, size_t n)
{
	size_t end = n, i = 0, name, nlen;

	while (end > 0 && is_space((unsigned char)p[end - 1]))
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

	while (i < end && is_space((unsigned char)p[i]))
		i++;
	name = i;
	while (i < end && p[i] != '=' && !is_space((unsigned char)p[i]))
		i++;
	nlen = i - name;
	while (i < end && is_space((unsigned char)p[i]))
		i++;
	if (nlen == 0 || i == end || p[i] != '=') {
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
 * cut short). */
const struct proto_request *proto_reader_request(const struct proto_reader *r)
{
	return &r->req;
}

void proto_reader_next(struct proto_reader *r)
{
	clear_request(r);
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
