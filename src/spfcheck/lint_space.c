/*
 * lint_space.c - the authorized space: how many IPv4 and IPv6 addresses
 * get pass from the walked tree, per include and in total, the warning
 * when it is very large (--space-v4, --space-v6) and the finding for an
 * include of a shared sender (a list of include domains any customer of
 * a shared service can send from: DATADIR/spfc/shared-senders.txt and
 * --shared-list FILE).
 *
 * The pass set of a record is built in evaluation order (RFC 7208 §4.6.2):
 * a term's matches count as pass only where no earlier term matched, so
 * "-ip4:X/28 +ip4:X/24" leaves the /28 out; an include matches where its
 * record passes (§5.2: its fail is "no match", never the parent's fail);
 * redirect= adds its record's pass where nothing matched.  Terms whose
 * matches the walk cannot know (exists, ptr, macros, failed lookups) are
 * taken to match nothing and counted in "uncounted".
 *
 * How it fails: out of memory sets L->nomem; a list file that cannot be
 * read or holds a line that is no domain name is a usage error; the lists
 * are bounded (SHARED_MAX names, SHARED_LINE_MAX bytes a line).
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/spfc.h>

#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SPFC_SHARED_LIST
#define SPFC_SHARED_LIST "/usr/local/share/spfc/shared-senders.txt"
#endif

#define SHARED_MAX 10000	/* names of all lists together */
#define SHARED_LINE_MAX 1024	/* bytes of one line of a list */
#define BRINGERS_MAX 5		/* terms named in a large-space warning */
#define SPACE_INC_MAX 200	/* includes listed with their space */

/* ---- Counts up to 2^128 ------------------------------------------- */

struct cnt {
	uint64_t hi, lo;
	int full;		/* exactly 2^128: every IPv6 address */
};

static void cnt_add(struct cnt *c, const struct cnt *d)
{
	uint64_t lo = c->lo + d->lo, carry = lo < c->lo;
	uint64_t hi = c->hi + d->hi;
	int out = hi < c->hi;

	hi += carry;
	out |= hi < carry;
	c->hi = hi;
	c->lo = lo;
	if (c->full || d->full || out) {
		c->full = 1;	/* disjoint ranges pass 2^128 only there */
		c->hi = c->lo = 0;
	}
}

static int cnt_cmp(const struct cnt *a, const struct cnt *b)
{
	if (a->full != b->full)
		return a->full ? 1 : -1;
	if (a->hi != b->hi)
		return a->hi > b->hi ? 1 : -1;
	if (a->lo != b->lo)
		return a->lo > b->lo ? 1 : -1;
	return 0;
}

static int cnt_zero(const struct cnt *c)
{
	return !c->full && !c->hi && !c->lo;
}

static uint64_t be64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* hi - lo + 1 of a range. */
static void range_cnt(const struct range *r, struct cnt *c)
{
	memset(c, 0, sizeof *c);
	if (r->family == 4) {
		c->lo = be64(r->hi, 4) - be64(r->lo, 4) + 1;
		return;
	}
	{
		uint64_t hh = be64(r->hi, 8), hl = be64(r->hi + 8, 8);
		uint64_t lh = be64(r->lo, 8), ll = be64(r->lo + 8, 8);
		uint64_t dl = hl - ll, dh = hh - lh - (hl < ll);

		c->lo = dl + 1;
		c->hi = dh + (c->lo == 0);
		if (c->lo == 0 && c->hi == 0)
			c->full = 1;
	}
}

/* 1 when c > 2^k. */
static int cnt_over(const struct cnt *c, unsigned k)
{
	if (c->full)
		return k < 128;
	if (k >= 128)
		return 0;
	if (k >= 64)
		return c->hi > ((uint64_t)1 << (k - 64)) ||
		       (c->hi == ((uint64_t)1 << (k - 64)) && c->lo);
	return c->hi || c->lo > ((uint64_t)1 << k);
}

/* k when c is 2^k, else -1. */
static int cnt_log2(const struct cnt *c)
{
	uint64_t v;
	int k = 0;

	if (c->full)
		return 128;
	if ((c->hi && c->lo) || (!c->hi && !c->lo))
		return -1;
	v = c->hi ? c->hi : c->lo;
	if (v & (v - 1))
		return -1;
	while (v >>= 1)
		k++;
	return c->hi ? k + 64 : k;
}

/* Exact decimal text of c. */
static void cnt_dec(spfc_buf *b, const struct cnt *c)
{
	char tmp[48];
	size_t n = 0;
	uint64_t hi = c->hi, lo = c->lo;

	if (c->full) {
		spfc_buf_adds(b, "340282366920938463463374607431768211456");
		return;
	}
	do {
		/* (hi:lo) / 10 in 32-bit steps */
		uint64_t parts[4] = {hi >> 32, hi & 0xffffffffu, lo >> 32,
				     lo & 0xffffffffu}, rem = 0;
		int i;

		for (i = 0; i < 4; i++) {
			uint64_t cur = rem << 32 | parts[i];

			parts[i] = cur / 10;
			rem = cur % 10;
		}
		hi = parts[0] << 32 | parts[1];
		lo = parts[2] << 32 | parts[3];
		tmp[n++] = (char)('0' + rem);
	} while ((hi || lo) && n < sizeof tmp);
	while (n)
		spfc_buf_addc(b, tmp[--n]);
}

/* IPv6: exact below one /64, "2^N" for a power of two, else in /64s. */
static void cnt_v6(spfc_buf *b, const struct cnt *c)
{
	int k = cnt_log2(c);

	if (!c->full && !c->hi) {
		spfc_buf_addu(b, c->lo);
		spfc_buf_adds(b, c->lo == 1 ? " IPv6 address" : " IPv6 addresses");
	} else if (k >= 64) {
		spfc_buf_adds(b, "2^");
		spfc_buf_addu(b, (unsigned)k);
		spfc_buf_adds(b, " IPv6 addresses (2^");
		spfc_buf_addu(b, (unsigned)k - 64);
		spfc_buf_adds(b, " /64s)");
	} else {
		spfc_buf_adds(b, c->lo ? "more than " : "");
		spfc_buf_addu(b, c->hi);
		spfc_buf_adds(b, " IPv6 /64s");
	}
}

static void cnt_v4(spfc_buf *b, const struct cnt *c)
{
	spfc_buf_addu(b, c->lo);	/* at most 2^32 */
	spfc_buf_adds(b, c->lo == 1 ? " IPv4 address" : " IPv4 addresses");
}

/* ---- Address sets ------------------------------------------------- */

struct aset {
	struct range *v;
	size_t n, cap;
};

static void aset_free(struct aset *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int aset_push(struct lint *L, struct aset *s, const struct range *r)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct range *nv = realloc(s->v, ncap * sizeof *nv);

		if (!nv) {
			L->nomem = 1;
			return -1;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = *r;
	return 0;
}

static int rcmp(const struct range *a, const unsigned char *x,
		const unsigned char *y)
{
	return memcmp(x, y, fam_bytes(a->family));
}

static int range_order(const void *pa, const void *pb)
{
	const struct range *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family - b->family;
	c = rcmp(a, a->lo, b->lo);
	return c ? c : rcmp(a, a->hi, b->hi);
}

/* x + 1 (or x - 1 when down); 1 when it wrapped. */
static int step(unsigned char *x, size_t nb, int down)
{
	size_t i = nb;

	while (i > 0) {
		i--;
		if (down ? x[i]-- != 0 : ++x[i] != 0)
			return 0;
	}
	return 1;
}

/* Sort and merge overlapping and adjacent ranges. */
static void aset_norm(struct aset *s)
{
	size_t i, out = 0;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof *s->v, range_order);
	for (i = 1; i < s->n; i++) {
		struct range *cur = &s->v[out], *nx = &s->v[i];
		size_t nb = fam_bytes(cur->family);
		unsigned char next[16];
		int wrap;

		memcpy(next, cur->hi, sizeof next);
		wrap = step(next, nb, 0);
		if (nx->family == cur->family &&
		    (wrap || memcmp(nx->lo, next, nb) <= 0)) {
			if (memcmp(nx->hi, cur->hi, nb) > 0)
				memcpy(cur->hi, nx->hi, sizeof cur->hi);
			continue;
		}
		s->v[++out] = *nx;
	}
	s->n = out + 1;
}

/* Append to out the part of r that no range of sub (normalized) holds. */
static void range_minus(struct lint *L, const struct range *r,
			const struct aset *sub, struct aset *out)
{
	struct range cur = *r;
	size_t i, nb = fam_bytes(r->family);

	for (i = 0; i < sub->n; i++) {
		const struct range *x = &sub->v[i];

		if (x->family != r->family ||
		    memcmp(x->hi, cur.lo, nb) < 0)
			continue;
		if (memcmp(x->lo, cur.hi, nb) > 0)
			break;
		if (memcmp(x->lo, cur.lo, nb) > 0) {
			struct range left = cur;

			memcpy(left.hi, x->lo, sizeof left.hi);
			step(left.hi, nb, 1);
			if (aset_push(L, out, &left) < 0)
				return;
		}
		if (memcmp(x->hi, cur.hi, nb) >= 0)
			return;
		memcpy(cur.lo, x->hi, sizeof cur.lo);
		step(cur.lo, nb, 0);
	}
	aset_push(L, out, &cur);
}

/* dst += (add \ minus); minus normalized. */
static void aset_add_minus(struct lint *L, struct aset *dst,
			   const struct aset *add, const struct aset *minus)
{
	size_t i;

	for (i = 0; i < add->n; i++)
		range_minus(L, &add->v[i], minus, dst);
	aset_norm(dst);
}

static void aset_union(struct lint *L, struct aset *dst,
		       const struct aset *add)
{
	size_t i;

	for (i = 0; i < add->n; i++)
		if (aset_push(L, dst, &add->v[i]) < 0)
			return;
	aset_norm(dst);
}

static void aset_count(const struct aset *s, struct cnt *c4,
		       struct cnt *c6)
{
	size_t i;
	struct cnt c;

	memset(c4, 0, sizeof *c4);
	memset(c6, 0, sizeof *c6);
	for (i = 0; i < s->n; i++) {
		range_cnt(&s->v[i], &c);
		cnt_add(s->v[i].family == 4 ? c4 : c6, &c);
	}
}

/* ---- The pass set of the tree ------------------------------------- */

struct space_inc {
	const struct node *in;	/* the record holding the term */
	const struct lterm *t;
	unsigned depth;
	struct cnt n4, n6;
};

/* What a term of the linted record adds to pass. */
struct bring {
	const struct lterm *t;
	struct cnt n4, n6;
};

struct space {
	unsigned v4, v6;	/* the thresholds, as prefix lengths */
	char **shared;		/* the shared senders' include domains */
	size_t nshared, capshared;
	struct cnt n4, n6;	/* the whole tree */
	unsigned uncounted;	/* terms whose matches the walk cannot know */
	struct space_inc *inc;
	size_t ninc, capinc;
	size_t moreinc;		/* includes past SPACE_INC_MAX */
	struct bring *bring;	/* the root's terms that add to pass */
	size_t nbring, capbring;
};

static void node_pass(struct lint *L, struct space *S, const struct node *nd,
		      unsigned depth, struct aset *pass, int root);

/* A place for include t in the list, in tree order (its own includes
 * come after it); -1 when none. */
static long note_inc(struct lint *L, struct space *S, const struct node *nd,
		     const struct lterm *t, unsigned depth)
{
	struct space_inc *e;

	if (S->ninc >= SPACE_INC_MAX) {
		S->moreinc++;
		return -1;
	}
	if (S->ninc == S->capinc) {
		size_t ncap = S->capinc ? S->capinc * 2 : 8;
		struct space_inc *nv = realloc(S->inc, ncap * sizeof *nv);

		if (!nv) {
			L->nomem = 1;
			return -1;
		}
		S->inc = nv;
		S->capinc = ncap;
	}
	e = &S->inc[S->ninc];
	memset(e, 0, sizeof *e);
	e->in = nd;
	e->t = t;
	e->depth = depth;
	return (long)S->ninc++;
}

/* What term t matches, when the walk can tell; -1 when it cannot. */
static int term_match(struct lint *L, struct space *S, const struct node *nd,
		      const struct lterm *t, unsigned depth, struct aset *m)
{
	struct range r;
	size_t i, k;
	long at;

	switch (t->type) {
	case SPFC_TERM_ALL:
		memset(&r, 0, sizeof r);
		r.family = 4;
		memset(r.hi, 0xff, 4);
		aset_push(L, m, &r);
		r.family = 6;
		memset(r.hi, 0xff, 16);
		aset_push(L, m, &r);
		return 0;
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6:
		net_range(&t->addr, t->bits, &r);
		aset_push(L, m, &r);
		return 0;
	case SPFC_TERM_A:
	case SPFC_TERM_MX:
		if (!t->target || !t->resolved || t->bad_target ||
		    rc_failed(t->rc) || rc_failed(t->rc6) || t->nmx > MX_LIMIT)
			return t->bad_target ? 0 : -1;
		for (i = 0; i < t->nhosts; i++)
			for (k = 0; k < t->hosts[i].naddrs; k++) {
				const spfc_addr *a = &t->hosts[i].addrs[k];

				net_range(a, a->family == 4 ? t->cidr4 : t->cidr6, &r);
				if (aset_push(L, m, &r) < 0)
					return 0;
			}
		aset_norm(m);
		return 0;
	case SPFC_TERM_INCLUDE:
		if (!t->child || t->child->status != N_OK)
			return -1;
		at = note_inc(L, S, nd, t, depth);
		node_pass(L, S, t->child, depth + 1, m, 0);
		if (at >= 0)
			aset_count(m, &S->inc[at].n4, &S->inc[at].n6);
		return 0;
	default:
		return -1;	/* exists, ptr */
	}
}

/* Note what term t of the linted record adds to pass: m \ covered. */
static void note_bring(struct lint *L, struct space *S, const struct lterm *t,
		       const struct aset *m, const struct aset *covered)
{
	struct aset add = {0};
	struct bring *e;

	aset_add_minus(L, &add, m, covered);
	if (!add.n || L->nomem) {
		aset_free(&add);
		return;
	}
	if (lint_grow(L, &S->bring, S->nbring, &S->capbring, sizeof *S->bring,
		      8) < 0) {
		aset_free(&add);
		return;
	}
	e = &S->bring[S->nbring++];
	e->t = t;
	aset_count(&add, &e->n4, &e->n6);
	aset_free(&add);
}

static void node_pass(struct lint *L, struct space *S, const struct node *nd,
		      unsigned depth, struct aset *pass, int root)
{
	struct aset covered = {0}, m = {0};
	size_t i;

	for (i = 0; i < nd->nterms && !L->nomem; i++) {
		const struct lterm *t = &nd->terms[i];

		if (!t->reached || t->type >= SPFC_TERM_REDIRECT)
			continue;
		m.n = 0;
		if (term_match(L, S, nd, t, depth, &m) < 0) {
			S->uncounted++;
			continue;
		}
		if (root && t->qual == '+')
			note_bring(L, S, t, &m, &covered);
		if (t->qual == '+')
			aset_add_minus(L, pass, &m, &covered);
		aset_union(L, &covered, &m);
		if (t->type == SPFC_TERM_ALL)
			break;
	}
	if (nd->all < 0 && nd->redirect >= 0 && !L->nomem) {
		const struct lterm *t = &nd->terms[nd->redirect];

		if (t->child && t->child->status == N_OK) {
			m.n = 0;
			node_pass(L, S, t->child, depth + 1, &m, 0);
			if (root)
				note_bring(L, S, t, &m, &covered);
			aset_add_minus(L, pass, &m, &covered);
		} else {
			S->uncounted++;
		}
	}
	aset_free(&covered);
	aset_free(&m);
}

/* ---- The list of shared senders ------------------------------------ */

static int shared_has(const struct space *S, const char *name)
{
	size_t i, n = sc_strip_dot(name, strlen(name));

	for (i = 0; i < S->nshared; i++)
		if (sc_eq_nocase(S->shared[i], strlen(S->shared[i]), name, n))
			return 1;
	return 0;
}

static int shared_add(struct lint *L, struct space *S, const char *s,
		      size_t n)
{
	char *p;

	if (S->nshared == S->capshared) {
		size_t ncap = S->capshared ? S->capshared * 2 : 32;
		char **nv = realloc(S->shared, ncap * sizeof *nv);

		if (!nv) {
			L->nomem = 1;
			return -1;
		}
		S->shared = nv;
		S->capshared = ncap;
	}
	p = dupn(s, n);
	if (!p) {
		L->nomem = 1;
		return -1;
	}
	S->shared[S->nshared++] = p;
	return 0;
}

/* One line of a list: a domain, or blank, or a # comment (a domain may
 * be followed by one).  -1 after complaining. */
static int shared_line(struct lint *L, struct space *S, const char *file,
		       char *line, unsigned long no)
{
	char *s = line, *e;
	char where[SHARED_LINE_MAX + 32];

	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s; *e && *e != '#' && *e != ' ' && *e != '\t' &&
		    *e != '\n' && *e != '\r'; e++)
		;
	if (e == s)
		return 0;
	if (S->nshared >= SHARED_MAX) {
		complain("the shared-sender lists hold too many names:", file);
		return -1;
	}
	if (!spfc_name_valid(s, sc_strip_dot(s, (size_t)(e - s)))) {
		snprintf(where, sizeof where, "%.*s (line %lu of %.256s)",
			 (int)(e - s), s, no, file);
		complain("the shared-sender list holds a line that is no "
			 "domain name", where);
		return -1;
	}
	return shared_add(L, S, s, sc_strip_dot(s, (size_t)(e - s)));
}

/* Read a list; a missing default list is no list. */
static int shared_load(struct lint *L, struct space *S, const char *file,
		       int optional)
{
	FILE *f = fopen(file, "r");
	char line[SHARED_LINE_MAX];
	unsigned long no = 0;
	int rc = 0;

	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		complain("cannot read the shared-sender list", file);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f)) {
		no++;
		if (!strchr(line, '\n') && !feof(f)) {
			complain("a line too long in the shared-sender list",
				 file);
			rc = -1;
			break;
		}
		rc = shared_line(L, S, file, line, no);
	}
	if (rc == 0 && ferror(f)) {
		complain("cannot read the shared-sender list", file);
		rc = -1;
	}
	fclose(f);
	return L->nomem ? -1 : rc;
}

/* ---- The entry points ---------------------------------------------- */

void lint_space_defaults(struct lint_space_opts *o)
{
	memset(o, 0, sizeof *o);
	o->v4 = SPACE_V4_DEFAULT;
	o->v6 = SPACE_V6_DEFAULT;
}

int lint_space_arg(struct lint_space_opts *o, const char *opt,
		   const char *arg)
{
	char *end;
	unsigned long v;
	int v6 = strcmp(opt, "space-v6") == 0;

	o->given = 1;
	if (strcmp(opt, "shared-list") == 0) {
		if (o->nlists == LINT_SHARED_LISTS_MAX) {
			complain("too many --shared-list files; at most 8", NULL);
			return -1;
		}
		o->lists[o->nlists++] = arg;
		return 0;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || *arg == '-' || *arg == '+' ||
	    v > (v6 ? 128u : 32u)) {
		complain(v6 ? "--space-v6 wants a prefix length from 0 to 128, not"
			    : "--space-v4 wants a prefix length from 0 to 32, not",
			 arg);
		return -1;
	}
	if (v6)
		o->v6 = (int)v;
	else
		o->v4 = (int)v;
	return 0;
}

int space_load(struct lint *L, const struct lint_space_opts *o)
{
	struct space *S = calloc(1, sizeof *S);
	const char *def = getenv("SPFCHECK_SHARED_LIST");
	size_t i;

	if (!S) {
		L->nomem = 1;
		return -1;
	}
	L->space = S;
	S->v4 = o ? (unsigned)o->v4 : SPACE_V4_DEFAULT;
	S->v6 = o ? (unsigned)o->v6 : SPACE_V6_DEFAULT;
	if (!def)
		def = SPFC_SHARED_LIST;
	if (*def && shared_load(L, S, def, 1) < 0)
		return -1;
	for (i = 0; o && i < o->nlists; i++)
		if (shared_load(L, S, o->lists[i], 0) < 0)
			return -1;
	return 0;
}

/* Includes and redirects of a shared sender, anywhere in the tree. */
static void shared_findings(struct lint *L, const struct space *S,
			    const struct node *nd)
{
	size_t i;

	for (i = 0; nd && i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i];

		if (!t->reached || (t->type != SPFC_TERM_INCLUDE &&
				    t->type != SPFC_TERM_REDIRECT))
			continue;
		if (t->target && shared_has(S, t->target))
			finding(L, SEV_INFO, nd->domain, t, t->target,
				" is on the list of shared senders: every "
				"customer of that service can send mail that "
				"passes as this domain; rely on DKIM and DMARC "
				"alignment for it, or use a sending domain of "
				"its own");
		shared_findings(L, S, t->child);
	}
}

/* The order of the terms in a large-space warning: more first, then
 * as written. */
static int bring_before(const struct bring *a, const struct bring *b,
			int v6)
{
	int c = cnt_cmp(v6 ? &a->n6 : &a->n4, v6 ? &b->n6 : &b->n4);

	return c > 0 || (c == 0 && a < b);
}

/* The term of the linted record after prev (NULL: the first) in that
 * order, adding to pass for the family; NULL when none. */
static const struct bring *biggest(const struct space *S, int v6,
				   const struct bring *prev)
{
	const struct bring *best = NULL;
	size_t i;

	for (i = 0; i < S->nbring; i++) {
		const struct bring *e = &S->bring[i];

		if (cnt_zero(v6 ? &e->n6 : &e->n4))
			continue;
		if (prev && !bring_before(prev, e, v6))
			continue;
		if (!best || bring_before(e, best, v6))
			best = e;
	}
	return best;
}

static void large_finding(struct lint *L, const struct space *S, int v6)
{
	spfc_buf b;
	size_t i;
	char num[24];
	const struct bring *last = NULL;

	spfc_buf_init(&b, 0);
	if (v6)
		cnt_v6(&b, &S->n6);
	else
		cnt_v4(&b, &S->n4);
	spfc_buf_adds(&b, " get pass, more than a /");
	spfc_buf_adds(&b, utoa(v6 ? S->v6 : S->v4, num));
	spfc_buf_adds(&b, v6 ? " of IPv6 (--space-v6)" : " of IPv4 (--space-v4)");
	for (i = 0; i < BRINGERS_MAX; i++) {
		const struct bring *e = biggest(S, v6, i ? last : NULL);

		if (!e)
			break;
		last = e;
		spfc_buf_adds(&b, i ? ", " : "; from ");
		spfc_buf_add(&b, e->t->text, e->t->len);
		spfc_buf_adds(&b, " (");
		if (v6)
			cnt_v6(&b, &e->n6);
		else
			cnt_v4(&b, &e->n4);
		spfc_buf_addc(&b, ')');
	}
	if (b.err)
		L->nomem = 1;
	else
		finding(L, SEV_WARNING, L->root->domain, NULL,
			spfc_buf_str(&b));
	spfc_buf_free(&b);
}

void space_run(struct lint *L)
{
	struct space *S = L->space;
	struct aset pass = {0};

	if (!S || L->root->status != N_OK)
		return;
	node_pass(L, S, L->root, 0, &pass, 1);
	aset_count(&pass, &S->n4, &S->n6);
	aset_free(&pass);
	if (L->nomem)
		return;
	shared_findings(L, S, L->root);
	if (cnt_over(&S->n4, 32 - S->v4))
		large_finding(L, S, 0);
	if (cnt_over(&S->n6, 128 - S->v6))
		large_finding(L, S, 1);
}

void space_free(struct lint *L)
{
	struct space *S = L->space;
	size_t i;

	if (!S)
		return;
	for (i = 0; i < S->nshared; i++)
		free(S->shared[i]);
	free(S->shared);
	free(S->inc);
	free(S->bring);
	free(S);
	L->space = NULL;
}

/* ---- Output --------------------------------------------------------- */

static void space_pair(spfc_buf *b, const struct cnt *c4,
		       const struct cnt *c6)
{
	cnt_v4(b, c4);
	spfc_buf_adds(b, ", ");
	cnt_v6(b, c6);
}

void space_text(spfc_buf *b, const struct lint *L)
{
	const struct space *S = L->space;
	size_t i;

	if (!S || L->root->status != N_OK)
		return;
	spfc_buf_adds(b, "pass space: ");
	space_pair(b, &S->n4, &S->n6);
	if (S->uncounted) {
		spfc_buf_adds(b, " (");
		spfc_buf_addu(b, S->uncounted);
		spfc_buf_adds(b, S->uncounted == 1
				 ? " term whose matches depend on the client "
				   "is not counted)"
				 : " terms whose matches depend on the client "
				   "are not counted)");
	}
	spfc_buf_addc(b, '\n');
	for (i = 0; i < S->ninc; i++) {
		const struct space_inc *e = &S->inc[i];

		indent(b, 2 + 2 * e->depth);
		add_safe(b, e->t->text, e->t->len);
		if (e->depth) {
			spfc_buf_adds(b, " (in ");
			add_safes(b, e->in->domain);
			spfc_buf_addc(b, ')');
		}
		spfc_buf_adds(b, ": ");
		space_pair(b, &e->n4, &e->n6);
		spfc_buf_addc(b, '\n');
	}
	if (S->moreinc) {
		spfc_buf_adds(b, "  ... and ");
		spfc_buf_addu(b, S->moreinc);
		spfc_buf_adds(b, " more includes\n");
	}
}

static void json_cnt(struct jw *j, const char *key, const struct cnt *c)
{
	spfc_buf d;

	spfc_buf_init(&d, 0);
	cnt_dec(&d, c);
	jw_str(j, key, d.err ? "" : spfc_buf_str(&d));
	if (d.err && !j->b->err)
		j->b->err = d.err;
	spfc_buf_free(&d);
}

/* "pass_space": IPv4 counts as numbers, IPv6 as exact decimal strings
 * (they pass 2^53). */
void space_json(struct jw *j, const struct lint *L)
{
	const struct space *S = L->space;
	size_t i;

	if (!S || L->root->status != N_OK)
		return;
	jw_open(j, "pass_space", '{');
	jw_num(j, "ipv4", S->n4.lo);
	json_cnt(j, "ipv6", &S->n6);
	jw_num(j, "uncounted_terms", S->uncounted);
	jw_num(j, "threshold_v4", S->v4);
	jw_num(j, "threshold_v6", S->v6);
	jw_open(j, "includes", '[');
	for (i = 0; i < S->ninc; i++) {
		const struct space_inc *e = &S->inc[i];

		jw_open(j, NULL, '{');
		jw_str(j, "domain", e->in->domain);
		jw_strn(j, "term", e->t->text, e->t->len);
		jw_num(j, "depth", e->depth);
		jw_num(j, "ipv4", e->n4.lo);
		json_cnt(j, "ipv6", &e->n6);
		jw_close(j, '}');
	}
	jw_close(j, ']');
	jw_close(j, '}');
}
