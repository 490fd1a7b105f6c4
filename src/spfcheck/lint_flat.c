/*
 * lint_flat.c - flatten: the networks of every term the walked tree
 * evaluates (lint_prove.c turns them into the candidate's terms), what
 * cannot be flattened, and the candidate record with its size against
 * RFC 7208 §3.4.
 *
 * How it fails: out of memory sets L->nomem; a tree that cannot be
 * flattened is reported in fl->no, never an error.
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- The networks and the candidate ------------------------------ */

static void flat_ttl(struct flat *fl, uint32_t ttl)
{
	if (!fl->has_ttl || ttl < fl->ttl)
		fl->ttl = ttl;
	fl->has_ttl = 1;
}

void flat_no(struct lint *L, struct flat *fl, const char *domain,
		    const struct lterm *t, const char *why)
{
	struct finding *f;

	if (lint_grow(L, &fl->no, fl->nno, &fl->capno, sizeof *fl->no, 8) < 0)
		return;
	f = &fl->no[fl->nno];
	memset(f, 0, sizeof *f);
	if (finding_fill(L, f, domain, t ? t->text : "", t ? t->len : 0,
			 t ? t->pos : 0, dupn(why, strlen(why))) == 0)
		fl->nno++;
}

static void flat_add(struct lint *L, struct flat *fl, const spfc_addr *a,
		     unsigned bits)
{
	if (lint_grow(L, &fl->v, fl->n, &fl->cap, sizeof *fl->v, 32) < 0)
		return;
	net_range(a, bits, &fl->v[fl->n++]);
}

static void flat_hosts(struct lint *L, struct flat *fl, const struct lterm *t)
{
	size_t i, k;

	for (i = 0; i < t->nhosts; i++)
		for (k = 0; k < t->hosts[i].naddrs; k++) {
			const spfc_addr *a = &t->hosts[i].addrs[k];

			flat_add(L, fl, a, a->family == 4 ? t->cidr4 : t->cidr6);
		}
	if (t->has_ttl)
		flat_ttl(fl, t->ttl);
}

/* A term whose target is missing: why. */
static const char *no_target(const struct lterm *t)
{
	return t->target ? "not looked up"
			 : "depends on the client or sender (macros)";
}

/* exists without macros does not depend on the client: it matches every
 * address or none, as its lookup answered. */
static void flat_exists(struct lint *L, struct flat *fl,
			const struct node *nd, const struct lterm *t)
{
	if (!t->target || !t->resolved || t->bad_target)
		flat_no(L, fl, nd->domain, t, no_target(t));
	else if (rc_failed(t->rc))
		flat_no(L, fl, nd->domain, t, "its lookup failed");
	else if (t->has_ttl)
		flat_ttl(fl, t->ttl);
}

/* Gather the networks of every term the tree evaluates, whatever its
 * qualifier (lint_prove.c decides what each address gets), and what
 * cannot be flattened. */
void flatten_node(struct lint *L, struct flat *fl, const struct node *nd,
		  int top)
{
	size_t i;

	if (nd->status != N_OK) {
		flat_no(L, fl, nd->domain, NULL, "no usable SPF record");
		return;
	}
	flat_ttl(fl, nd->ttl);
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i];

		if (!t->reached || t->type >= SPFC_TERM_REDIRECT)
			continue;
		if (t->type == SPFC_TERM_ALL) {
			if (top)
				fl->final = t;
			return;	/* ends this record; redirect= is ignored */
		}
		switch (t->type) {
		case SPFC_TERM_IP4:
		case SPFC_TERM_IP6:
			flat_add(L, fl, &t->addr, t->bits);
			break;
		case SPFC_TERM_A:
		case SPFC_TERM_MX:
			if (!t->target || !t->resolved || t->bad_target)
				flat_no(L, fl, nd->domain, t, no_target(t));
			else if (rc_failed(t->rc) || rc_failed(t->rc6) ||
				 t->nmx > MX_LIMIT)
				flat_no(L, fl, nd->domain, t, "its lookups "
					"failed");
			else
				flat_hosts(L, fl, t);
			break;
		case SPFC_TERM_INCLUDE:
			if (!t->child)
				flat_no(L, fl, nd->domain, t, no_target(t));
			else
				flatten_node(L, fl, t->child, 0);
			break;
		case SPFC_TERM_PTR:
			flat_no(L, fl, nd->domain, t, "depends on the client's "
				"reverse DNS");
			break;
		case SPFC_TERM_EXISTS:
			flat_exists(L, fl, nd, t);
			break;
		default:
			break;
		}
	}
	if (nd->all < 0 && nd->redirect >= 0) {
		const struct lterm *t = &nd->terms[nd->redirect];

		if (!t->child) {
			flat_no(L, fl, nd->domain, t, no_target(t));
			return;
		}
		if (top)
			fl->redirected = 1;
		flatten_node(L, fl, t->child, top);
	}
}

/* x + 1 over nb bytes; 1 when it wrapped to zero. */
static int inc(unsigned char *x, size_t nb)
{
	size_t i = nb;

	while (i > 0) {
		i--;
		if (++x[i] != 0)
			return 0;
	}
	return 1;
}

/* Append the CIDR networks that cover [r->lo, r->hi] exactly, as
 * " ip4:..." / " ip6:..." terms (after the range's qualifier when qual
 * and it is not +); a single address without its /32 or /128 unless
 * full. */
void range_terms(const struct range *r, spfc_buf *b, int full, int qual)
{
	size_t nb = fam_bytes(r->family), width = nb * 8, p, k;
	unsigned char lo[16], end[16];
	char txt[SPFC_ADDR_TEXT_MAX], num[24];

	memcpy(lo, r->lo, sizeof lo);
	for (;;) {
		for (p = 0; p <= width; p++) {
			int ok = 1;

			memcpy(end, lo, sizeof end);
			for (k = p; k < width && ok; k++) {
				unsigned char m = (unsigned char)(0x80 >> (k % 8));

				if (lo[k / 8] & m)
					ok = 0;
				end[k / 8] |= m;
			}
			if (ok && memcmp(end, r->hi, nb) <= 0)
				break;
		}
		{
			spfc_addr a;

			memset(&a, 0, sizeof a);
			a.family = r->family;
			memcpy(a.b, lo, nb);
			spfc_addr_format(&a, txt, sizeof txt);
		}
		spfc_buf_addc(b, ' ');
		if (qual && r->q != '+')
			spfc_buf_addc(b, r->q);
		spfc_buf_adds(b, r->family == 4 ? "ip4:" : "ip6:");
		spfc_buf_adds(b, txt);
		if (p != width || full) {
			spfc_buf_addc(b, '/');
			spfc_buf_adds(b, utoa(p, num));
		}
		if (memcmp(end, r->hi, nb) >= 0)
			break;
		memcpy(lo, end, sizeof lo);
		if (inc(lo, nb))
			break;
	}
}

/* Split text into character-strings of at most 255 bytes, each ending
 * after a space where it must be cut.  Returns the number of strings;
 * cuts[] (if not NULL) receives the end of each. */
size_t split_strings(const char *s, size_t len, size_t *cuts,
		     size_t maxcuts)
{
	size_t st = 0, n = 0;

	while (len - st > STRING_MAX) {
		size_t k = st + STRING_MAX;

		while (k > st && s[k - 1] != ' ')
			k--;
		if (k == st)
			k = st + STRING_MAX;	/* no space: cut anyway */
		if (cuts && n < maxcuts)
			cuts[n] = k;
		n++;
		st = k;
	}
	if (cuts && n < maxcuts)
		cuts[n] = len;
	return n + 1;
}

/* Build the candidate record and its size in a TXT answer at the
 * linted domain, next to the other TXT records there. */
void flat_candidate(struct lint *L, struct flat *fl)
{
	spfc_buf b, nets;
	size_t i, answer, per;
	const struct answer *a = cache_find(L, L->top, SPFC_RR_TXT);
	const struct node *root = L->root;

	spfc_buf_init(&b, OUT_MAX);
	spfc_buf_init(&nets, OUT_MAX);
	for (i = 0; i < fl->n; i++)
		range_terms(&fl->v[i], &nets, 0, 1);
	spfc_buf_adds(&b, "v=spf1");
	spfc_buf_add(&b, spfc_buf_str(&nets), nets.len);
	if (fl->final && qual_all(fl->dflt)[0] == fl->final->qual) {
		spfc_buf_addc(&b, ' ');
		spfc_buf_add(&b, fl->final->text, fl->final->len);
	} else if (fl->dflt != SPFC_NEUTRAL) {
		spfc_buf_addc(&b, ' ');
		spfc_buf_adds(&b, qual_all(fl->dflt));
	}
	if (!fl->redirected && root->exp >= 0) {
		spfc_buf_addc(&b, ' ');
		spfc_buf_add(&b, root->terms[root->exp].text,
			     root->terms[root->exp].len);
	}
	if (b.err || nets.err) {
		L->nomem = 1;	/* or past OUT_MAX: no report either way */
	} else {
		fl->len = b.len;
		fl->nstrings = split_strings(b.data, b.len, NULL, 0);
		fl->record = spfc_buf_take(&b);
		if (!fl->record)
			L->nomem = 1;
		answer = WIRE_HEADER + sc_strip_dot(L->top, strlen(L->top)) + 2 +
			 WIRE_QFIXED + WIRE_RRFIXED + fl->len + fl->nstrings;
		for (i = 0; a && a->rcode == SPFC_DNS_OK && i < a->count; i++)
			if (!spfc_record_is_spf(a->rr[i].text, a->rr[i].len))
				answer += WIRE_RRFIXED + a->rr[i].len +
					  a->rr[i].nstrings;
		fl->answer = answer;
		fl->fits = answer <= UDP_MAX;
	}
	/* Records of "v=spf1 <nets> ~all" at a name as long as the domain
	 * plus "_spfNN.", within the RFC 7208 §3.4 advice of 450 bytes. */
	per = ADVISED_MAX - sc_strip_dot(L->top, strlen(L->top)) - 7 -
	      strlen("v=spf1 ~all");
	fl->includes = (unsigned)((nets.len + per - 1) / per);
	spfc_buf_free(&b);
	spfc_buf_free(&nets);
}

void flat_free(struct flat *fl)
{
	size_t i;

	for (i = 0; i < fl->nno; i++) {
		free(fl->no[i].domain);
		free(fl->no[i].term);
		free(fl->no[i].msg);
	}
	free(fl->no);
	free(fl->v);
	free(fl->bounds);
	free(fl->pieces);
	free(fl->record);
	chain_free(&fl->chain);
}

/* ---- Pieces of the flatten output (text and JSON) -------------------- */

void range_list(const struct flat *fl, int family, spfc_buf *b,
		int full)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (fl->v[i].family == family && !full)
			range_terms(&fl->v[i], b, full, 1);
	/* full (JSON): the networks of each result, disjoint */
	for (i = 0; full && i < fl->npieces; i++)
		if (fl->pieces[i].family == family)
			range_terms(&fl->pieces[i], b, full, 1);
}

/* The candidate record as quoted character-strings. */
void quoted_strings(const struct flat *fl, spfc_buf *b,
		    const char *sep)
{
	size_t cuts[RECORD_MAX / STRING_MAX + 2], n, i, st = 0;

	n = split_strings(fl->record, fl->len, cuts,
			  sizeof cuts / sizeof cuts[0]);
	if (n > sizeof cuts / sizeof cuts[0])
		n = sizeof cuts / sizeof cuts[0];	/* never: it fits */
	for (i = 0; i < n; i++) {
		if (i)
			spfc_buf_adds(b, sep);
		spfc_buf_addc(b, '"');
		spfc_buf_add(b, fl->record + st, cuts[i] - st);
		spfc_buf_addc(b, '"');
		st = cuts[i];
	}
}
