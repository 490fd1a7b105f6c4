/*
 * lint_drift.c - --against NAME|RECORD: a published flat record (the SPF
 * record at NAME, or one given as text, with every record it includes)
 * compared with what the linted tree authorizes now.
 *
 * Both sides are walked by the same walk (lint_walk.c) and reduced to
 * the same map: for every IPv4 and IPv6 address, the qualifier of the
 * term that matches it first in evaluation order, as disjoint ranges,
 * each with the record whose term decides it.  An include matches where
 * its record passes and nowhere else (RFC 7208 §5.2: its fail is "no
 * match"), its all never ends the parent; the top record's all, or
 * neutral without one (§4.7), decides the rest; redirect= hands the
 * rest to the target (§6.1).  Where the maps give different qualifiers
 * there is drift: addresses added (the tree now decides them by a term,
 * the published record by its all), removed (the other way round),
 * qualifier changes (both by terms) and a changed all.
 *
 * Terms that match by more than the client's address (ptr, exists or
 * targets with macros) are listed as not compared and match nothing
 * here.  What receivers would get an error from (a failed lookup, an
 * include target without a usable record, a term past the walk's bound)
 * leaves the drift not decided, as does a published NAME without a
 * record.
 *
 * How it fails: at most DRIFT_PIECES_MAX ranges a side (then not
 * decided), DRIFT_LINES_MAX changes and DRIFT_NOTES_MAX notes kept, the
 * rest counted; out of memory sets L->nomem.
 */
#include "lint_drift.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Addresses as numbers --------------------------------------- */


static struct u128 u_of(const unsigned char *b, int family)
{
	struct u128 v = {0, 0};
	size_t i;

	if (family == 4) {
		for (i = 0; i < 4; i++)
			v.l = v.l << 8 | b[i];
		return v;
	}
	for (i = 0; i < 8; i++)
		v.h = v.h << 8 | b[i];
	for (i = 8; i < 16; i++)
		v.l = v.l << 8 | b[i];
	return v;
}

void drift_u_bytes(struct u128 v, int family, unsigned char *b)
{
	size_t i;

	memset(b, 0, 16);
	if (family == 4) {
		for (i = 0; i < 4; i++)
			b[i] = (unsigned char)(v.l >> (24 - 8 * i));
		return;
	}
	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(v.h >> (56 - 8 * i));
		b[i + 8] = (unsigned char)(v.l >> (56 - 8 * i));
	}
}

static struct u128 u_max(int family)
{
	struct u128 v = {family == 4 ? 0 : UINT64_MAX,
			 family == 4 ? UINT32_MAX : UINT64_MAX};

	return v;
}

static int u_cmp(struct u128 a, struct u128 b)
{
	if (a.h != b.h)
		return a.h < b.h ? -1 : 1;
	return a.l < b.l ? -1 : a.l > b.l;
}

static struct u128 u_inc(struct u128 v)
{
	if (++v.l == 0)
		v.h++;
	return v;
}

static struct u128 u_dec(struct u128 v)
{
	if (v.l-- == 0)
		v.h--;
	return v;
}

/* The first and last address of a/bits. */
static void net_bounds(const spfc_addr *a, unsigned bits, struct u128 *lo,
		       struct u128 *hi)
{
	unsigned width = a->family == 4 ? 32 : 128;
	unsigned host = bits >= width ? 0 : width - bits;
	struct u128 v = u_of(a->b, a->family), m = {0, 0};

	if (host >= 64) {
		m.l = UINT64_MAX;
		m.h = host == 128 ? UINT64_MAX : ((uint64_t)1 << (host - 64)) - 1;
	} else if (host > 0) {
		m.l = ((uint64_t)1 << host) - 1;
	}
	lo->h = v.h & ~m.h;
	lo->l = v.l & ~m.l;
	hi->h = v.h | m.h;
	hi->l = v.l | m.l;
}

/* ---- The maps ------------------------------------------------------ */

struct mapper {
	struct lint *L;		/* for L->nomem */
	struct drift *d;
	int published;
	size_t prio;
	size_t made;		/* pieces made for this side */
	int full;		/* past DRIFT_PIECES_MAX */
};

static void note(struct mapper *m, const struct node *nd,
		 const struct lterm *t, const char *why, int error)
{
	struct drift *d = m->d;
	struct dnote *n;

	if (error)
		d->nerrors++;
	if (d->nnotes == DRIFT_NOTES_MAX) {
		d->more_notes++;
		return;
	}
	n = &d->notes[d->nnotes++];
	n->published = m->published;
	n->error = error;
	n->nd = nd;
	n->t = t;
	n->why = why;
}

static void piece_add(struct mapper *m, struct pieces *ps, int family,
		      struct u128 lo, struct u128 hi, char qual, int by_all,
		      const struct node *via, size_t prio)
{
	struct piece *p;

	if (m->made == DRIFT_PIECES_MAX) {
		if (!m->full)
			note(m, NULL, NULL, "more address ranges than the "
			     "comparison takes", 1);
		m->full = 1;
		return;
	}
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap ? ps->cap * 2 : 16;
		struct piece *nv = realloc(ps->v, ncap * sizeof *nv);

		if (!nv) {
			m->L->nomem = 1;
			return;
		}
		ps->v = nv;
		ps->cap = ncap;
	}
	m->made++;
	p = &ps->v[ps->n++];
	p->family = family;
	p->lo = lo;
	p->hi = hi;
	p->qual = qual;
	p->by_all = by_all;
	p->via = via;
	p->prio = prio;
}

static void net_add(struct mapper *m, struct pieces *ps, const spfc_addr *a,
		    unsigned bits, char qual, const struct node *via,
		    size_t prio)
{
	struct u128 lo, hi;

	net_bounds(a, bits, &lo, &hi);
	piece_add(m, ps, a->family, lo, hi, qual, 0, via, prio);
}

/* Every address, IPv4 and IPv6. */
static void all_add(struct mapper *m, struct pieces *ps, char qual,
		    int by_all, const struct node *via, size_t prio)
{
	struct u128 zero = {0, 0};

	piece_add(m, ps, 4, zero, u_max(4), qual, by_all, via, prio);
	piece_add(m, ps, 6, zero, u_max(6), qual, by_all, via, prio);
}

static int piece_cmp(const void *pa, const void *pb)
{
	const struct piece *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family - b->family;
	return u_cmp(a->lo, b->lo);
}

struct pos {
	int family;
	struct u128 v;
};

static int pos_cmp(const void *pa, const void *pb)
{
	const struct pos *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family - b->family;
	return u_cmp(a->v, b->v);
}

/* A min-heap of piece indexes by evaluation order: the term that comes
 * first decides. */
static int heap_less(const struct piece *v, size_t a, size_t b)
{
	return v[a].prio != v[b].prio ? v[a].prio < v[b].prio : a < b;
}

static void heap_push(size_t *h, size_t *n, const struct piece *v, size_t x)
{
	size_t i = (*n)++;

	while (i > 0 && heap_less(v, x, h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static void heap_pop(size_t *h, size_t *n, const struct piece *v)
{
	size_t i = 0, x = h[--*n];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && heap_less(v, h[c + 1], h[c]))
			c++;
		if (!heap_less(v, h[c], x))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = x;
}

/* Append [lo, hi] decided by p to out, merged into the last range when
 * adjacent and decided alike. */
static void emit(struct mapper *m, struct pieces *out, const struct piece *p,
		 struct u128 lo, struct u128 hi)
{
	struct piece *last = out->n ? &out->v[out->n - 1] : NULL;

	if (last && last->family == p->family && last->qual == p->qual &&
	    last->by_all == p->by_all && last->via == p->via &&
	    u_cmp(u_inc(last->hi), lo) == 0) {
		last->hi = hi;
		return;
	}
	piece_add(m, out, p->family, lo, hi, p->qual, p->by_all, p->via, 0);
}

/* First match: the overlapping pieces of in (sorted here) become the
 * disjoint ranges of out, each decided by the piece of the earliest
 * term covering it. */
static void resolve(struct mapper *m, struct pieces *in, struct pieces *out)
{
	struct pos *ps;
	size_t *heap, np = 0, nh = 0, i, j = 0, k;

	if (!in->n)
		return;
	qsort(in->v, in->n, sizeof *in->v, piece_cmp);
	ps = malloc(2 * in->n * sizeof *ps);
	heap = malloc(in->n * sizeof *heap);
	if (!ps || !heap) {
		m->L->nomem = 1;
		goto done;
	}
	for (i = 0; i < in->n; i++) {
		const struct piece *p = &in->v[i];

		ps[np].family = p->family;
		ps[np++].v = p->lo;
		if (u_cmp(p->hi, u_max(p->family)) < 0) {
			ps[np].family = p->family;
			ps[np++].v = u_inc(p->hi);
		}
	}
	qsort(ps, np, sizeof *ps, pos_cmp);
	for (i = 0, k = 0; i < np; i++)
		if (k == 0 || pos_cmp(&ps[k - 1], &ps[i]) != 0)
			ps[k++] = ps[i];
	np = k;
	for (i = 0; i < np; i++) {
		struct u128 end;

		if (i > 0 && ps[i].family != ps[i - 1].family)
			nh = 0;
		while (j < in->n && in->v[j].family == ps[i].family &&
		       u_cmp(in->v[j].lo, ps[i].v) <= 0)
			heap_push(heap, &nh, in->v, j++);
		while (nh && u_cmp(in->v[heap[0]].hi, ps[i].v) < 0)
			heap_pop(heap, &nh, in->v);
		if (!nh)
			continue;
		end = i + 1 < np && ps[i + 1].family == ps[i].family
			      ? u_dec(ps[i + 1].v)
			      : u_max(ps[i].family);
		emit(m, out, &in->v[heap[0]], ps[i].v, end);
	}
done:
	free(ps);
	free(heap);
}

static void map_node(struct mapper *m, const struct node *nd, int top,
		     struct pieces *out);

static const char *not_walked(const struct lterm *t)
{
	return t->bad_target ? "the target is not a domain name"
			     : "not looked up (past the walk's bound)";
}

static void map_hosts(struct mapper *m, const struct node *nd,
		      const struct lterm *t, struct pieces *items, size_t prio)
{
	size_t i, k;

	if (!t->target) {
		note(m, nd, t, "depends on the client or sender (macros)", 0);
		return;
	}
	if (t->bad_target)
		return;		/* a void lookup: matches nothing */
	if (!t->resolved) {
		note(m, nd, t, not_walked(t), 1);
		return;
	}
	if (rc_failed(t->rc) || rc_failed(t->rc6) || t->nmx > MX_LIMIT) {
		note(m, nd, t, "its lookups failed: receivers return an error",
		     1);
		return;
	}
	for (i = 0; i < t->nhosts; i++) {
		const struct host *h = &t->hosts[i];

		if (h->namelen && (rc_failed(h->rc4) || rc_failed(h->rc6))) {
			note(m, nd, t, "an address lookup failed: receivers "
			     "return an error", 1);
			return;
		}
		for (k = 0; k < h->naddrs; k++)
			net_add(m, items, &h->addrs[k],
				h->addrs[k].family == 4 ? t->cidr4 : t->cidr6,
				t->qual, nd, prio);
	}
}

/* exists without macros matches every address or none. */
static void map_exists(struct mapper *m, const struct node *nd,
		       const struct lterm *t, struct pieces *items,
		       size_t prio)
{
	if (!t->target) {
		note(m, nd, t, "depends on the client or sender (macros)", 0);
	} else if (t->bad_target) {
		return;
	} else if (!t->resolved) {
		note(m, nd, t, not_walked(t), 1);
	} else if (rc_failed(t->rc)) {
		note(m, nd, t, "its lookup failed: receivers return an error",
		     1);
	} else if (!rc_void(t->rc)) {
		all_add(m, items, t->qual, 0, nd, prio);
	}
}

/* An include matches where its record passes (RFC 7208 §5.2). */
static void map_include(struct mapper *m, const struct node *nd,
			const struct lterm *t, struct pieces *items,
			size_t prio)
{
	struct pieces sub = {NULL, 0, 0};
	size_t i;

	if (!t->target) {
		note(m, nd, t, "depends on the client or sender (macros)", 0);
		return;
	}
	if (!t->child) {
		note(m, nd, t, not_walked(t), 1);
		return;
	}
	map_node(m, t->child, 0, &sub);
	for (i = 0; i < sub.n; i++)
		if (sub.v[i].qual == '+')
			piece_add(m, items, sub.v[i].family, sub.v[i].lo,
				  sub.v[i].hi, t->qual, 0, sub.v[i].via, prio);
	free(sub.v);
}

/* The rest goes to the redirect= target, its all included (§6.1). */
static void map_redirect(struct mapper *m, const struct node *nd, int top,
			 struct pieces *items)
{
	const struct lterm *t = &nd->terms[nd->redirect];
	struct pieces sub = {NULL, 0, 0};
	size_t i, prio = ++m->prio;

	if (!t->target) {
		note(m, nd, t, "the target depends on the client or sender "
		     "(macros): the rest cannot be compared", 1);
		return;
	}
	if (!t->child) {
		note(m, nd, t, not_walked(t), 1);
		return;
	}
	map_node(m, t->child, top, &sub);
	for (i = 0; i < sub.n; i++)
		piece_add(m, items, sub.v[i].family, sub.v[i].lo, sub.v[i].hi,
			  sub.v[i].qual, sub.v[i].by_all, sub.v[i].via, prio);
	free(sub.v);
}

/* One reached term; 1 when it is the all that ends the record. */
static int map_term(struct mapper *m, const struct node *nd,
		    const struct lterm *t, struct pieces *items)
{
	size_t prio = ++m->prio;

	switch (t->type) {
	case SPFC_TERM_ALL:
		all_add(m, items, t->qual, 1, nd, prio);
		return 1;
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6:
		net_add(m, items, &t->addr, t->bits, t->qual, nd, prio);
		break;
	case SPFC_TERM_A:
	case SPFC_TERM_MX:
		map_hosts(m, nd, t, items, prio);
		break;
	case SPFC_TERM_EXISTS:
		map_exists(m, nd, t, items, prio);
		break;
	case SPFC_TERM_INCLUDE:
		map_include(m, nd, t, items, prio);
		break;
	case SPFC_TERM_PTR:
		note(m, nd, t, "depends on the client's reverse DNS", 0);
		break;
	default:
		break;
	}
	return 0;
}

static const char *broken_words(enum nstatus s)
{
	return s == N_MULTIPLE ? "more than one SPF record"
	       : s == N_SYNTAX ? "the record does not parse"
			       : status_words(s);
}

/* The map of nd's record: disjoint ranges in out.  top: the record that
 * ends the check, whose missing all gives neutral (RFC 7208 §4.7). */
static void map_node(struct mapper *m, const struct node *nd, int top,
		     struct pieces *out)
{
	struct pieces items = {NULL, 0, 0};
	size_t i;
	int ended = 0;

	if (nd->status != N_OK) {
		note(m, nd, NULL, broken_words(nd->status), 1);
		return;
	}
	for (i = 0; i < nd->nterms && !ended; i++) {
		const struct lterm *t = &nd->terms[i];

		if (t->reached && t->type < SPFC_TERM_REDIRECT)
			ended = map_term(m, nd, t, &items);
	}
	if (!ended && nd->redirect >= 0)
		map_redirect(m, nd, top, &items);
	else if (!ended && top)
		all_add(m, &items, '?', 1, nd, ++m->prio);
	resolve(m, &items, out);
	free(items.v);
}

/* ---- The comparison ------------------------------------------------ */

static void line_add(struct lint *L, struct drift *d, enum dkind kind,
		     int family, struct u128 lo, struct u128 hi, char was,
		     char now, const struct node *via)
{
	struct dline *last = d->nlines ? &d->lines[d->nlines - 1] : NULL;

	if (last && last->kind == kind && last->family == family &&
	    last->was == was && last->now == now && last->via == via &&
	    u_cmp(u_inc(last->hi), lo) == 0) {
		last->hi = hi;
		return;
	}
	if (d->nlines == DRIFT_LINES_MAX) {
		d->more_lines++;
		return;
	}
	if (lint_grow(L, &d->lines, d->nlines, &d->caplines, sizeof *d->lines,
		      16) < 0)
		return;
	last = &d->lines[d->nlines++];
	last->kind = kind;
	last->family = family;
	last->lo = lo;
	last->hi = hi;
	last->was = was;
	last->now = now;
	last->via = via;
}

/* a: the tree's piece, b: the published one, over [lo, hi]. */
static void differ(struct lint *L, struct drift *d, const struct piece *a,
		   const struct piece *b, struct u128 lo, struct u128 hi)
{
	if (a->qual == b->qual)
		return;
	if (a->by_all && b->by_all) {
		if (!d->all_changed) {
			d->all_changed = 1;
			d->all_was = b->qual;
			d->all_now = a->qual;
		}
		return;
	}
	line_add(L, d, a->by_all ? D_REMOVED : b->by_all ? D_ADDED : D_CHANGED,
		 a->family, lo, hi, b->qual, a->qual, a->by_all ? b->via : a->via);
}

static void compare(struct lint *L, struct drift *d)
{
	size_t i = 0, j = 0;

	while (i < d->now.n && j < d->pub.n) {
		const struct piece *a = &d->now.v[i], *b = &d->pub.v[j];
		struct u128 lo, hi;
		int c;

		if (a->family != b->family) {
			if (a->family < b->family)
				i++;
			else
				j++;
			continue;
		}
		lo = u_cmp(a->lo, b->lo) > 0 ? a->lo : b->lo;
		hi = u_cmp(a->hi, b->hi) < 0 ? a->hi : b->hi;
		if (u_cmp(lo, hi) <= 0)
			differ(L, d, a, b, lo, hi);
		c = u_cmp(a->hi, b->hi);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
}

/* ---- The published side ------------------------------------------- */

static int is_record_text(const char *s)
{
	return sc_prefix_nocase(s, strlen(s), "v=spf1");
}

int drift_arg(const char *against)
{
	size_t n = strlen(against);

	if (is_record_text(against)) {
		if (n > RECORD_MAX || !spfc_record_is_spf(against, n)) {
			complain("--against wants a domain name or an SPF "
				 "record (v=spf1 and its terms), not", against);
			return -1;
		}
		return 0;
	}
	n = sc_strip_dot(against, n);
	if (!spfc_name_valid(against, n)) {
		complain("--against wants the domain name that publishes the "
			 "flat record, or the record itself, not", against);
		return -1;
	}
	return 0;
}

/* The published record(s), walked by a lint of their own (their
 * findings are not reported: they are not the record linted). */
static struct node *walk_published(struct lint *L, struct drift *d)
{
	struct lint *P = &d->P;
	struct node *nd;

	P->r = L->r;
	P->budget_ms = L->budget_ms;
	P->top = d->name;
	if (!d->literal)
		return walk(P, d->name, VIA_TOP, 0, 0);
	nd = calloc(1, sizeof *nd);
	if (!nd || !(nd->domain = dupn(d->name, strlen(d->name)))) {
		free(nd);
		return NULL;
	}
	nd->how = VIA_TOP;
	nd->all = nd->redirect = nd->exp = -1;
	nd->record = d->against;
	nd->len = strlen(d->against);
	nd->nstrings = 1;
	P->path[0] = nd->domain;
	walk_record(P, nd, 0);
	return nd;
}

void drift_run(struct lint *L, const char *against)
{
	struct drift *d = calloc(1, sizeof *d);
	struct mapper m;
	const char *name;

	if (!d) {
		L->nomem = 1;
		return;
	}
	L->drift = d;
	d->against = against;
	d->literal = is_record_text(against);
	name = d->literal ? L->top : against;
	d->name = dupn(name, sc_strip_dot(name, strlen(name)));
	if (!d->name || !(d->P.root = walk_published(L, d))) {
		L->nomem = 1;
		return;
	}
	if (d->P.nomem)
		L->nomem = 1;
	memset(&m, 0, sizeof m);
	m.L = L;
	m.d = d;
	map_node(&m, L->root, 1, &d->now);
	memset(&m, 0, sizeof m);
	m.L = L;
	m.d = d;
	m.published = 1;
	map_node(&m, d->P.root, 1, &d->pub);
	compare(L, d);
}

int drift_exit(const struct drift *d)
{
	if (d->nerrors)
		return LINT_EXIT_ERROR;
	return d->nlines || d->more_lines || d->all_changed ? LINT_EXIT_WARNING
							    : LINT_EXIT_CLEAN;
}

void drift_free(struct drift *d)
{
	struct lint *P;
	size_t i;

	if (!d)
		return;
	P = &d->P;
	node_free(P->root);
	for (i = 0; i < P->nf; i++) {
		free(P->f[i].domain);
		free(P->f[i].term);
		free(P->f[i].msg);
	}
	free(P->f);
	for (i = 0; i < P->ncache; i++) {
		if (!P->cache[i]->done)
			spfc_resolver_cancel(P->r, P->cache[i]->id);
		answer_free(P->cache[i]);
	}
	free(P->cache);
	free(d->now.v);
	free(d->pub.v);
	free(d->lines);
	free(d->name);
	free(d);
}

