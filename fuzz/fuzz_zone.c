/*
 * fuzz_zone.c - libFuzzer target for the zone-file reader and the zone
 * resolver (src/lib/zone.c, src/lib/resolv_zone.c; format in
 * docs/zone-format.md).
 *
 * The input is zone-file text, any bytes.  It is loaded twice, with a
 * roomy and with a tiny bounded why buffer: the status is the same, the
 * roomy one never reaches its bound, the tiny one keeps its bound (its
 * sticky error set when the message would pass it) and a prefix of the
 * message, which reads "line N: ..." in printable ASCII on failure;
 * nothing is appended on success.
 * Then the first and last field of every line (owner names and targets),
 * their parents and case and trailing-dot variants are looked up for
 * every type, directly (zone_resolve) and through the resolver:
 *  - an "ok" answer has records of the asked type only, count >= 1, and
 *    TXT/MX/PTR/CNAME text that is NUL-terminated at len; a TXT record has
 *    1..n strings of at most 255 bytes and at most 65535 bytes of RDATA
 *    (RFC 1035 §3.3, §3.2.1);
 *  - names match case-insensitively and with or without a trailing dot;
 *  - the resolver never answers inside query(), answers every query once
 *    with what zone_resolve says, never answers a cancelled query, keeps
 *    only TIMEOUT queries pending, and moves its clock to `until` when
 *    those are all that is left.
 *
 * How it fails: abort() on any broken rule; out of memory ends the input's
 * run quietly.
 */
#include "zonefile.h"

#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the checks use, from docs/zone-format.md and RFC 1035. */
#define FUZZ_ERR_MAX 600	/* > ZONE_ERR_MAX (512) in src/lib/zone_parse.c */
#define FUZZ_ERR_TINY 7		/* a bound too small for any message */
#define FUZZ_TXT_STRING_MAX 255	/* RFC 1035 §3.3 */
#define FUZZ_RDATA_MAX 65535	/* RFC 1035 §3.2.1 */
#define FUZZ_NAME_MAX 1024	/* names in the zone-file format */
#define FUZZ_NAMES 24		/* names looked up per input */
#define FUZZ_WIRE_HEADER 12	/* RFC 1035 §4.1.1 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const spfc_rrtype types[] = {SPFC_RR_A, SPFC_RR_AAAA, SPFC_RR_MX,
				    SPFC_RR_TXT, SPFC_RR_PTR, SPFC_RR_CNAME};
#define NTYPES (sizeof types / sizeof types[0])

struct q {
	int answered;
	int cancelled;
	zone_result want;
};

struct qs {
	struct q v[FUZZ_NAMES * NTYPES];
	int in_query;		/* query() is running */
};

static struct qs *cur;

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static void check_result(const zone_result *r, spfc_rrtype type)
{
	size_t i;

	if (r->silent) {
		if (r->rcode != SPFC_DNS_TIMEOUT)
			abort();
		return;
	}
	if (r->wire_size < FUZZ_WIRE_HEADER)
		abort();
	if (r->rcode != SPFC_DNS_OK) {
		if (r->count || r->rcode > SPFC_DNS_TIMEOUT)
			abort();
		return;
	}
	if (!r->count || !r->rr)
		abort();
	for (i = 0; i < r->count; i++) {
		const spfc_rr *rr = &r->rr[i];

		if (rr->type != type)
			abort();
		switch (type) {
		case SPFC_RR_TXT:
			if (!rr->text || rr->text[rr->len] != '\0' ||
			    rr->nstrings == 0 ||
			    rr->maxstring > FUZZ_TXT_STRING_MAX ||
			    rr->maxstring > rr->len ||
			    rr->len + rr->nstrings > FUZZ_RDATA_MAX ||
			    (size_t)rr->nstrings * FUZZ_TXT_STRING_MAX <
				    rr->len)
				abort();
			break;
		case SPFC_RR_MX:
		case SPFC_RR_PTR:
		case SPFC_RR_CNAME:
			if (!rr->text || rr->text[rr->len] != '\0' ||
			    strlen(rr->text) != rr->len ||
			    rr->len > FUZZ_NAME_MAX || !printable(rr->text))
				abort();
			if (type == SPFC_RR_MX && rr->pref > 65535)
				abort();
			break;
		default:
			break;
		}
	}
}

static int same_result(const zone_result *a, const zone_result *b)
{
	return a->silent == b->silent && a->rcode == b->rcode &&
	       a->count == b->count && a->rr == b->rr;
}

static void on_answer(void *arg, const spfc_dns_answer *ans)
{
	struct q *q = arg;
	size_t i;

	if (cur->in_query || q->answered || q->cancelled || q->want.silent)
		abort();
	q->answered = 1;
	if (ans->rcode != q->want.rcode || ans->count != q->want.count)
		abort();
	for (i = 0; i < ans->count; i++) {
		const spfc_rr *a = &ans->rr[i], *b = &q->want.rr[i];

		if (a->type != b->type || a->ttl != b->ttl ||
		    memcmp(a->addr, b->addr, sizeof a->addr) != 0 ||
		    a->pref != b->pref || a->len != b->len ||
		    a->nstrings != b->nstrings ||
		    a->maxstring != b->maxstring ||
		    (a->len && memcmp(a->text, b->text, a->len) != 0))
			abort();
	}
}

/* Collect the first and last field of each line (up to FUZZ_NAMES). */
static size_t collect(const char *text, size_t len, spfc_buf *names,
		      size_t max)
{
	size_t off = 0, n = 0;

	while (off < len && n + 2 <= max) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - text) : len, i = off, s;

		while (i < end && (text[i] == ' ' || text[i] == '\t'))
			i++;
		s = i;
		while (i < end && text[i] != ' ' && text[i] != '\t' &&
		       text[i] != '\r')
			i++;
		if (i > s && text[s] != '#' && i - s <= FUZZ_NAME_MAX) {
			spfc_buf_add(&names[n++], text + s, i - s);
			/* the last field (a target name, maybe) */
			while (end > i && (text[end - 1] == ' ' ||
					   text[end - 1] == '\t' ||
					   text[end - 1] == '\r'))
				end--;
			s = end;
			while (s > i && text[s - 1] != ' ' && text[s - 1] != '\t')
				s--;
			if (end > s && end - s <= FUZZ_NAME_MAX)
				spfc_buf_add(&names[n++], text + s, end - s);
		}
		off = (nl ? (size_t)(nl - text) : len) + 1;
	}
	return n;
}

static void variants(const spfc_zone *z, const char *name)
{
	size_t len = strlen(name), i, t;
	char *v = malloc(len + 2);
	zone_result a, b;

	if (!v)
		return;
	for (t = 0; t < NTYPES; t++) {
		zone_resolve(z, name, types[t], &a);
		check_result(&a, types[t]);
		/* case-insensitive */
		for (i = 0; i <= len; i++) {
			char c = name[i];
			v[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A')
			       : c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a')
						      : c;
		}
		zone_resolve(z, v, types[t], &b);
		if (!same_result(&a, &b))
			abort();
		/* with or without one trailing dot */
		if (len && name[len - 1] != '.') {
			memcpy(v, name, len);
			v[len] = '.';
			v[len + 1] = '\0';
			zone_resolve(z, v, types[t], &b);
			if (!same_result(&a, &b))
				abort();
		}
	}
	free(v);
}

static void lookups(spfc_zone *z, spfc_buf *names, size_t n,
		    unsigned cancel_mask)
{
	static struct qs qs;
	spfc_resolver *r = NULL;
	spfc_query_id ids[FUZZ_NAMES * NTYPES];
	size_t i, t, k = 0, silent = 0, expected = 0, got = 0;
	int64_t before;

	memset(&qs, 0, sizeof qs);
	cur = &qs;
	if (spfc_zone_resolver_new(z, &r) != SPFC_OK)
		return;
	for (i = 0; i < n; i++) {
		const char *name = spfc_buf_str(&names[i]);

		variants(z, name);
		for (t = 0; t < NTYPES; t++, k++) {
			zone_resolve(z, name, types[t], &qs.v[k].want);
			qs.in_query = 1;
			if (spfc_resolver_query(r, name, types[t], on_answer,
						&qs.v[k], &ids[k]) != SPFC_OK) {
				qs.in_query = 0;
				goto done;
			}
			qs.in_query = 0;
			if (ids[k] == 0)
				abort();
			if (cancel_mask & (1u << (k % 32))) {
				qs.v[k].cancelled = 1;
				spfc_resolver_cancel(r, ids[k]);
			} else if (qs.v[k].want.silent) {
				silent++;
			} else {
				expected++;
			}
		}
	}
	if (spfc_resolver_pending(r) != silent + expected)
		abort();
	while (spfc_resolver_pending(r) > silent) {
		int d = spfc_resolver_process(r, INT64_MAX);

		if (d <= 0)
			abort();
		got += (size_t)d;
	}
	if (got != expected)
		abort();
	for (i = 0; i < k; i++)
		if (qs.v[i].answered !=
		    (!qs.v[i].cancelled && !qs.v[i].want.silent))
			abort();
	/* only silent queries are left: the clock jumps to `until` */
	before = spfc_resolver_now(r);
	if (spfc_resolver_process(r, before + 1000) != 0 ||
	    spfc_resolver_pending(r) != silent)
		abort();
	if (silent && spfc_resolver_now(r) != before + 1000)
		abort();
	if (spfc_resolver_queries(r) != k)
		abort();
done:
	spfc_resolver_free(r);	/* silent queries go without a callback */
	cur = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	spfc_zone *z = NULL, *z2 = NULL;
	spfc_buf err, tiny;
	spfc_status st, st2;
	spfc_buf names[FUZZ_NAMES + FUZZ_NAMES / 2];
	size_t i, n, all;

	spfc_buf_init(&err, FUZZ_ERR_MAX);
	spfc_buf_init(&tiny, FUZZ_ERR_TINY);
	if (spfc_zone_new(&z) != SPFC_OK || spfc_zone_new(&z2) != SPFC_OK)
		goto out;
	st = spfc_zone_load(z, text, size, &err);
	st2 = spfc_zone_load(z2, text, size, &tiny);
	if (st == SPFC_ENOMEM || st2 == SPFC_ENOMEM)
		goto out;
	/* a bounded why changes the words kept, never the status */
	if (st != st2 || err.err)
		abort();
	if (tiny.len > FUZZ_ERR_TINY || (err.len > FUZZ_ERR_TINY && !tiny.err))
		abort();
	if (strncmp(spfc_buf_str(&err), spfc_buf_str(&tiny), tiny.len) != 0)
		abort();
	switch (st) {
	case SPFC_OK:
		if (err.len || tiny.len || tiny.err)
			abort();
		break;
	case SPFC_ESYNTAX:
	case SPFC_ELIMIT:
		if (strncmp(spfc_buf_str(&err), "line ", 5) != 0 ||
		    !printable(spfc_buf_str(&err)))
			abort();
		break;
	default:
		abort();
	}

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		spfc_buf_init(&names[i], FUZZ_NAME_MAX + 2);
	n = collect(text, size, names, FUZZ_NAMES);
	/* parents: empty non-terminals exist */
	all = n;
	for (i = 0; i < n && all < sizeof names / sizeof names[0]; i++) {
		const char *s = spfc_buf_str(&names[i]);
		const char *dot = strchr(s, '.');

		if (dot && dot[1])
			spfc_buf_adds(&names[all++], dot + 1);
	}
	for (i = 0; i < all; i++)
		if (names[i].err)
			spfc_buf_reset(&names[i]);
	/* at most FUZZ_NAMES lookups of each type */
	lookups(z, names, all < FUZZ_NAMES ? all : FUZZ_NAMES,
		size ? (unsigned)data[size - 1] * 0x01010101u : 0);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		spfc_buf_free(&names[i]);
out:
	spfc_buf_free(&err);
	spfc_buf_free(&tiny);
	spfc_zone_free(z);
	spfc_zone_free(z2);
	return 0;
}
