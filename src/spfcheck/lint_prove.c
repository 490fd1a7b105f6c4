/*
 * lint_prove.c - the flat record decided and proven equal.
 *
 * flat_decide(): the networks of the walked tree cut the address space
 * into pieces inside which every term matches all addresses or none; each
 * piece is evaluated over the walked tree as check_host() would
 * (RFC 7208 §4.6.2, §5.2: an include matches only on its record's pass,
 * its own all never ends the parent; redirect= only without all), and the
 * pieces whose result is not the default become the candidate's terms,
 * disjoint, so their order no longer matters.
 *
 * flat_prove(): the library evaluates the original (through the lint's
 * resolver, answers cached) and the candidate (spfc_options.record) and
 * the chain (lint_chain.c, from an in-memory zone) for the first, the
 * last, the one before and the one after of every network of the tree
 * and a fixed sample of other addresses; the first address where they
 * differ is kept.
 *
 * How it fails: trees past FLAT_MAX_NETS networks are not flattened (the
 * cost is pieces x terms); out of memory sets L->nomem.
 */
#include "lint_int.h"

#include <spfc/buf.h>
#include <spfc/dnscache.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FLAT_MAX_NETS 4096	/* networks of a tree flattened */
#define PROVE_SAMPLE 32		/* other addresses per family */
#define PROVE_ALL_NETS 1024	/* networks whose boundaries are all
				   evaluated; past it an even sample, as
				   each check parses the whole tree */
#define NEST_MAX_NODES 262144	/* blocks weighed when nesting */

static size_t nbytes(int family)
{
	return family == 4 ? 4 : 16;
}

static spfc_result qual_result(char q)
{
	switch (q) {
	case '-':
		return SPFC_FAIL;
	case '~':
		return SPFC_SOFTFAIL;
	case '?':
		return SPFC_NEUTRAL;
	default:
		return SPFC_PASS;
	}
}

/* The all term that gives res, its qualifier first. */
const char *qual_all(spfc_result res)
{
	switch (res) {
	case SPFC_FAIL:
		return "-all";
	case SPFC_SOFTFAIL:
		return "~all";
	case SPFC_NEUTRAL:
		return "?all";
	default:
		return "+all";
	}
}

/* ---- Evaluation over the walked tree ------------------------------ */

static spfc_result eval_node(const struct node *nd, const spfc_addr *a,
			     unsigned depth);

static int hosts_match(const struct lterm *t, const spfc_addr *a)
{
	size_t i, k;

	for (i = 0; i < t->nhosts; i++)
		for (k = 0; k < t->hosts[i].naddrs; k++) {
			const spfc_addr *h = &t->hosts[i].addrs[k];

			if (spfc_addr_match(a, h, h->family == 4 ? t->cidr4
								 : t->cidr6))
				return 1;
		}
	return 0;
}

/* 1: t matches a (NULL: an address no network holds), 0: not.  What
 * cannot be flattened (flatten_node reported it: there is no candidate)
 * does not match, so that the networks listed are those of the rest. */
static int term_match(const struct lterm *t, const spfc_addr *a,
		      unsigned depth)
{
	spfc_result r;

	switch (t->type) {
	case SPFC_TERM_ALL:
		return 1;
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6:
		return a && spfc_addr_match(a, &t->addr, t->bits);
	case SPFC_TERM_A:
	case SPFC_TERM_MX:
		return a && hosts_match(t, a);
	case SPFC_TERM_EXISTS:
		return t->target && t->resolved && !t->bad_target &&
		       t->rc == SPFC_DNS_OK;
	case SPFC_TERM_INCLUDE:
		if (!t->child)
			return 0;
		r = eval_node(t->child, a, depth + 1);
		return r == SPFC_PASS;
	default:
		return 0;	/* ptr */
	}
}

static spfc_result eval_node(const struct node *nd, const spfc_addr *a,
			     unsigned depth)
{
	size_t i;

	if (nd->status != N_OK || depth > WALK_MAX_DEPTH)
		return SPFC_PERMERROR;
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i];
		if (t->type >= SPFC_TERM_REDIRECT)
			continue;
		if (term_match(t, a, depth))
			return qual_result(t->qual);
	}
	if (nd->all < 0 && nd->redirect >= 0) {
		const struct lterm *t = &nd->terms[nd->redirect];

		return t->child ? eval_node(t->child, a, depth + 1)
				: SPFC_PERMERROR;
	}
	return SPFC_NEUTRAL;
}

/* ---- The pieces ---------------------------------------------------- */

struct cut {
	unsigned char b[16];
};

static int cut_cmp(const void *pa, const void *pb)
{
	return memcmp(pa, pb, 16);
}

/* x + 1 over nb bytes; 1 when it wrapped to zero. */
static int add1(unsigned char *x, size_t nb)
{
	size_t i = nb;

	while (i > 0)
		if (++x[--i] != 0)
			return 0;
	return 1;
}

/* x - 1 over nb bytes; 1 when it wrapped. */
static int sub1(unsigned char *x, size_t nb)
{
	size_t i = nb;

	while (i > 0)
		if (x[--i]-- != 0)
			return 0;
	return 1;
}

/* Append [lo, hi] with qualifier q to fl->v, joined to the range before
 * when that ends right before lo with the same qualifier. */
static void piece_add(struct lint *L, struct flat *fl, int family,
		      const unsigned char *lo, const unsigned char *hi,
		      char q, int joined)
{
	struct range *r;

	if (joined && fl->n && fl->v[fl->n - 1].q == q &&
	    fl->v[fl->n - 1].family == family) {
		memcpy(fl->v[fl->n - 1].hi, hi, 16);
		return;
	}
	if (lint_grow(L, &fl->v, fl->n, &fl->cap, sizeof *fl->v, 32) < 0)
		return;
	r = &fl->v[fl->n++];
	memset(r, 0, sizeof *r);
	r->family = family;
	memcpy(r->lo, lo, 16);
	memcpy(r->hi, hi, 16);
	r->q = q;
}

static char result_qual(spfc_result r)
{
	return qual_all(r)[0];
}

/* The pieces of one family, evaluated. */
static void decide_family(struct lint *L, struct flat *fl, int family)
{
	size_t nb = nbytes(family), n = 1, i;
	struct cut *c = calloc(2 * fl->nbounds + 1, sizeof *c);
	int joined = 0;

	if (!c) {
		L->nomem = 1;
		return;
	}
	for (i = 0; i < fl->nbounds; i++) {
		const struct range *r = &fl->bounds[i];

		if (r->family != family)
			continue;
		memcpy(c[n++].b, r->lo, 16);
		memcpy(c[n].b, r->hi, 16);
		if (!add1(c[n].b, nb))
			n++;
	}
	qsort(c, n, sizeof *c, cut_cmp);
	for (i = 0; i < n; i++) {
		unsigned char hi[16];
		spfc_addr a;
		spfc_result res;

		if (i + 1 < n && memcmp(c[i].b, c[i + 1].b, 16) == 0)
			continue;	/* the same cut twice */
		memset(hi, 0, sizeof hi);
		if (i + 1 < n) {
			memcpy(hi, c[i + 1].b, 16);
			sub1(hi, nb);
		} else {
			memset(hi, 0xff, nb);
		}
		memset(&a, 0, sizeof a);
		a.family = family;
		memcpy(a.b, c[i].b, nb);
		res = eval_node(L->root, &a, 0);
		if (res == fl->dflt || res == SPFC_PERMERROR ||
		    res == SPFC_TEMPERROR) {	/* errors: fl->no says why */
			joined = 0;
			continue;
		}
		piece_add(L, fl, family, c[i].b, hi, result_qual(res), joined);
		joined = 1;
	}
	free(c);
}

/* ---- Nesting: fewer terms, exceptions first ------------------------ */

/* The pieces are disjoint; a network of one result with exceptions
 * written before it ("-ip4:192.0.2.0/28 ip4:192.0.2.0/24") often takes
 * fewer terms.  Over the tree of CIDR blocks, cost[c] is the fewest terms
 * that give every address of the block its result when what no term of
 * the block matches gets result c; a term for the block itself comes
 * after the terms inside it, so the first match is the innermost. */
#define NRES 4
#define SPLIT NRES

struct bnode {
	unsigned cost[NRES];
	unsigned char choice[NRES];	/* SPLIT or the result of a cover */
	int uni;			/* the block's one result, or -1 */
	size_t l, r;			/* children (not uniform) */
};

struct nester {
	struct lint *L;
	const struct range *pc;		/* the family's pieces, sorted */
	size_t npc, nb;
	int dflt;
	struct bnode *nd;
	size_t n, cap;
	int over;
};

static int res_index(char q)
{
	return q == '+' ? 0 : q == '-' ? 1 : q == '~' ? 2 : 3;
}

static const char res_qual[NRES] = { '+', '-', '~', '?' };

static void block_end(const unsigned char *base, unsigned p, size_t nb,
		      unsigned char *end)
{
	size_t k;

	memcpy(end, base, 16);
	for (k = p; k < nb * 8; k++)
		end[k / 8] |= (unsigned char)(0x80 >> (k % 8));
}

/* The one result of [base, end], or -1. */
static int block_result(const struct nester *ns, const unsigned char *base,
			const unsigned char *end)
{
	size_t lo = 0, hi = ns->npc;

	while (lo < hi) {	/* the first piece ending at or after base */
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(ns->pc[mid].hi, base, ns->nb) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ns->npc || memcmp(ns->pc[lo].lo, end, ns->nb) > 0)
		return ns->dflt;	/* no piece meets the block */
	if (memcmp(ns->pc[lo].lo, base, ns->nb) <= 0 &&
	    memcmp(ns->pc[lo].hi, end, ns->nb) >= 0)
		return res_index(ns->pc[lo].q);
	return -1;
}

static size_t bnode_new(struct nester *ns)
{
	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 256;
		struct bnode *nn;

		if (ncap > NEST_MAX_NODES) {
			ns->over = 1;
			return 0;
		}
		nn = realloc(ns->nd, ncap * sizeof *nn);
		if (!nn) {
			ns->over = 1;
			ns->L->nomem = 1;
			return 0;
		}
		ns->nd = nn;
		ns->cap = ncap;
	}
	memset(&ns->nd[ns->n], 0, sizeof ns->nd[ns->n]);
	return ns->n++;
}

static void weigh(struct bnode *b, const struct bnode *l,
		  const struct bnode *r)
{
	int c, x;

	for (c = 0; c < NRES; c++) {
		b->cost[c] = l->cost[c] + r->cost[c];
		b->choice[c] = SPLIT;
		for (x = 0; x < NRES; x++)
			if (x != c && 1 + l->cost[x] + r->cost[x] < b->cost[c]) {
				b->cost[c] = 1 + l->cost[x] + r->cost[x];
				b->choice[c] = (unsigned char)x;
			}
	}
}

/* The node of block (base, p); its index. */
static size_t build(struct nester *ns, const unsigned char *base, unsigned p)
{
	unsigned char end[16], rb[16];
	size_t i = bnode_new(ns), l, r;
	int u, c;

	if (ns->over)
		return 0;
	block_end(base, p, ns->nb, end);
	u = block_result(ns, base, end);
	ns->nd[i].uni = u;
	if (u >= 0 || p >= ns->nb * 8) {
		for (c = 0; c < NRES; c++)
			ns->nd[i].cost[c] = u == c ? 0 : 1;
		return i;
	}
	memcpy(rb, base, 16);
	rb[p / 8] |= (unsigned char)(0x80 >> (p % 8));
	l = build(ns, base, p + 1);
	r = build(ns, rb, p + 1);
	if (ns->over)
		return 0;
	ns->nd[i].l = l;
	ns->nd[i].r = r;
	weigh(&ns->nd[i], &ns->nd[l], &ns->nd[r]);
	return i;
}

static void emit(struct nester *ns, struct flat *fl, int family, size_t i,
		 const unsigned char *base, unsigned p, int c)
{
	const struct bnode *b = &ns->nd[i];
	unsigned char end[16], rb[16];
	int x;

	block_end(base, p, ns->nb, end);
	if (b->uni >= 0) {
		if (b->uni != c)
			piece_add(ns->L, fl, family, base, end,
				  res_qual[b->uni], 0);
		return;
	}
	x = b->choice[c] == SPLIT ? c : b->choice[c];
	memcpy(rb, base, 16);
	rb[p / 8] |= (unsigned char)(0x80 >> (p % 8));
	emit(ns, fl, family, b->l, base, p + 1, x);
	emit(ns, fl, family, b->r, rb, p + 1, x);
	if (b->choice[c] != SPLIT)
		piece_add(ns->L, fl, family, base, end, res_qual[x], 0);
}

/* fl->v, disjoint, becomes fl->pieces; fl->v the fewest terms (the
 * pieces' own CIDR terms when nesting saves none), or the pieces again
 * past NEST_MAX_NODES. */
static void nest(struct lint *L, struct flat *fl)
{
	unsigned char zero[16];
	size_t i, st;
	int fam;

	fl->pieces = fl->v;
	fl->npieces = fl->n;
	fl->v = NULL;
	fl->n = fl->cap = 0;
	memset(zero, 0, sizeof zero);
	for (fam = 4, st = 0; fam <= 6 && !L->nomem; fam += 2) {
		struct nester ns;
		size_t root;

		memset(&ns, 0, sizeof ns);
		ns.L = L;
		for (i = st; i < fl->npieces && fl->pieces[i].family == fam; i++)
			;
		ns.pc = fl->pieces + st;
		ns.npc = i - st;
		st = i;
		ns.nb = nbytes(fam);
		ns.dflt = res_index(result_qual(fl->dflt));
		root = build(&ns, zero, 0);
		if (!ns.over)	/* ties keep the pieces' own terms */
			emit(&ns, fl, fam, root, zero, 0, ns.dflt);
		else
			for (i = 0; i < ns.npc; i++)
				piece_add(L, fl, fam, ns.pc[i].lo, ns.pc[i].hi,
					  ns.pc[i].q, 0);
		free(ns.nd);
	}
}

/* Replace the gathered networks by the candidate's pieces. */
void flat_decide(struct lint *L, struct flat *fl)
{
	struct voids v;

	/* Past a limit receivers stop with permerror, which no flat record
	 * says. */
	if (L->root->status == N_OK && L->root->total > LOOKUP_LIMIT)
		flat_no(L, fl, L->root->domain, NULL, "more DNS lookups than "
			"the limit of 10: receivers return permerror");
	memset(&v, 0, sizeof v);
	count_voids(L->root, &v);
	if (v.n[0] > VOID_LIMIT || v.n[1] > VOID_LIMIT)
		flat_no(L, fl, L->root->domain, NULL, "more void lookups than "
			"the limit of 2: receivers return permerror");
	fl->bounds = fl->v;
	fl->nbounds = fl->n;
	fl->v = NULL;
	fl->n = fl->cap = 0;
	fl->dflt = SPFC_NEUTRAL;
	if (fl->nbounds > FLAT_MAX_NETS) {
		flat_no(L, fl, L->root->domain, NULL, "more than 4096 "
			"networks");
		return;
	}
	fl->dflt = eval_node(L->root, NULL, 0);
	if (fl->dflt == SPFC_PERMERROR || fl->dflt == SPFC_TEMPERROR)
		fl->dflt = SPFC_NEUTRAL;	/* fl->no says why */
	decide_family(L, fl, 4);
	decide_family(L, fl, 6);
	nest(L, fl);
}

/* ---- The proof ------------------------------------------------------ */

struct alist {
	spfc_addr *a;
	size_t n, cap;
};

static void al_add(struct lint *L, struct alist *al, int family,
		   const unsigned char *b)
{
	if (al->n == al->cap) {
		size_t ncap = al->cap ? al->cap * 2 : 64;
		spfc_addr *na = realloc(al->a, ncap * sizeof *na);

		if (!na) {
			L->nomem = 1;
			return;
		}
		al->a = na;
		al->cap = ncap;
	}
	memset(&al->a[al->n], 0, sizeof al->a[al->n]);
	al->a[al->n].family = family;
	memcpy(al->a[al->n].b, b, nbytes(family));
	al->n++;
}

/* The first, last, one before and one after of [r->lo, r->hi]. */
static void al_edges(struct lint *L, struct alist *al, const struct range *r)
{
	size_t nb = nbytes(r->family);
	unsigned char x[16];

	al_add(L, al, r->family, r->lo);
	al_add(L, al, r->family, r->hi);
	memcpy(x, r->lo, sizeof x);
	if (!sub1(x, nb))
		al_add(L, al, r->family, x);
	memcpy(x, r->hi, sizeof x);
	if (!add1(x, nb))
		al_add(L, al, r->family, x);
}

/* A fixed sample, the same on every run: the ends of each family and
 * addresses of a xorshift sequence. */
static void al_sample(struct lint *L, struct alist *al)
{
	uint32_t s = 0x2545f491u;
	unsigned char x[16];
	int fam, i;
	size_t k;

	for (fam = 4; fam <= 6; fam += 2) {
		memset(x, 0, sizeof x);
		al_add(L, al, fam, x);
		memset(x, 0xff, sizeof x);
		al_add(L, al, fam, x);
		for (i = 0; i < PROVE_SAMPLE; i++) {
			for (k = 0; k < sizeof x; k++) {
				s ^= s << 13;
				s ^= s >> 17;
				s ^= s << 5;
				x[k] = (unsigned char)s;
			}
			if (fam == 6 && i % 2 == 0)
				x[0] = 0x20;	/* where the unicast space is */
			al_add(L, al, fam, x);
		}
	}
}

static int addr_cmp(const void *pa, const void *pb)
{
	const spfc_addr *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family - b->family;
	return memcmp(a->b, b->b, sizeof a->b);
}

static void al_build(struct lint *L, const struct flat *fl, struct alist *al)
{
	size_t i, out = 0;
	size_t step = (fl->nbounds + PROVE_ALL_NETS - 1) / PROVE_ALL_NETS;

	for (i = 0; i < fl->nbounds; i += step ? step : 1)
		al_edges(L, al, &fl->bounds[i]);
	al_sample(L, al);
	if (!al->n)
		return;
	qsort(al->a, al->n, sizeof *al->a, addr_cmp);
	for (i = 1; i < al->n; i++)
		if (addr_cmp(&al->a[out], &al->a[i]) != 0)
			al->a[++out] = al->a[i];
	al->n = out + 1;
}

/* The library's result for the client a, with record (NULL: the
 * published one) as the domain's record. */
static spfc_result eval_lib(struct lint *L, spfc_resolver *r,
			    const spfc_options *o, const spfc_request *req,
			    const spfc_addr *a, const char *record)
{
	spfc_options oo = *o;
	spfc_request rq = *req;
	spfc_check *c = NULL;
	spfc_result res = SPFC_TEMPERROR;

	oo.record = record;
	oo.trace = 0;
	rq.ip = *a;
	if (spfc_check_run(r, &oo, &rq, &c) == SPFC_OK && c)
		res = spfc_check_result(c);
	else
		L->nomem = 1;
	spfc_check_free(c);
	return res;
}

static void proof_note(struct proof *p, const spfc_addr *a,
		       spfc_result orig, spfc_result cand)
{
	p->done = 1;
	p->n++;
	if (p->differs || orig == cand)
		return;
	p->differs = 1;
	p->addr = *a;
	p->orig = orig;
	p->cand = cand;
}

/* A resolver answering the chain's records below the domain. */
static spfc_status chain_zone(const struct chain *ch, spfc_zone **z,
			      spfc_resolver **zr)
{
	size_t i, cuts[RECORD_MAX / STRING_MAX + 2];
	spfc_status st = spfc_zone_new(z);

	for (i = 1; st == SPFC_OK && i < ch->n; i++) {
		const char *strs[sizeof cuts / sizeof cuts[0]];
		size_t lens[sizeof cuts / sizeof cuts[0]], n, k, at = 0;

		n = split_strings(ch->rec[i], ch->len[i], cuts,
				  sizeof cuts / sizeof cuts[0]);
		for (k = 0; k < n; k++) {
			strs[k] = ch->rec[i] + at;
			lens[k] = cuts[k] - at;
			at = cuts[k];
		}
		st = spfc_zone_add_txt(*z, ch->name[i], strs, lens, n);
	}
	if (st == SPFC_OK)
		st = spfc_zone_resolver_new(*z, zr);
	return st;
}

/* Evaluate the original, the candidate and the chain for every address
 * of the list; req NULL: the sender postmaster@domain, HELO the domain. */
void flat_prove(struct lint *L, struct flat *fl, spfc_resolver *r,
		const spfc_options *o, const spfc_request *req)
{
	struct alist al = { NULL, 0, 0 };
	spfc_request dreq;
	spfc_buf sender;
	spfc_resolver *cache = NULL, *zr = NULL;
	spfc_zone *z = NULL;
	size_t i;
	int chain = fl->chain.n > 0;

	if (fl->nno || !fl->record || (!fl->fits && !chain))
		return;	/* nothing to prove */
	spfc_buf_init(&sender, 0);
	if (!req) {
		memset(&dreq, 0, sizeof dreq);
		spfc_buf_adds(&sender, "postmaster@");
		spfc_buf_adds(&sender, L->top);
		dreq.sender = spfc_buf_str(&sender);
		dreq.helo = L->top;
		req = &dreq;
	}
	if (spfc_dnscache_new(r, NULL, &cache) != SPFC_OK ||
	    (chain && chain_zone(&fl->chain, &z, &zr) != SPFC_OK) ||
	    sender.err) {
		L->nomem = 1;
		goto done;
	}
	al_build(L, fl, &al);
	fl->proof.sampled = fl->chain.proof.sampled =
		fl->nbounds > PROVE_ALL_NETS;
	for (i = 0; i < al.n && !L->nomem; i++) {
		const spfc_addr *a = &al.a[i];
		spfc_result orig = eval_lib(L, cache, o, req, a, NULL);

		if (fl->fits)
			proof_note(&fl->proof, a, orig,
				   eval_lib(L, cache, o, req, a, fl->record));
		if (chain)
			proof_note(&fl->chain.proof, a, orig,
				   eval_lib(L, zr, o, req, a,
					    fl->chain.rec[0]));
	}
done:
	free(al.a);
	spfc_resolver_free(zr);
	spfc_zone_free(z);
	spfc_resolver_free(cache);
	spfc_buf_free(&sender);
}

/* ---- Output ----------------------------------------------------------- */

void text_proof(spfc_buf *b, const struct proof *p, const char *what)
{
	char txt[SPFC_ADDR_TEXT_MAX];

	if (!p->done)
		return;
	spfc_buf_adds(b, "  ");
	spfc_buf_adds(b, what);
	if (!p->differs) {
		spfc_buf_adds(b, " is equivalent over ");
		spfc_buf_addu(b, p->n);
		spfc_buf_adds(b, " addresses (evaluated by the library");
		if (p->sampled)
			spfc_buf_adds(b, "; the boundaries of a sample of the "
				      "networks, more than 1024");
		spfc_buf_adds(b, ")\n");
		return;
	}
	spfc_addr_format(&p->addr, txt, sizeof txt);
	spfc_buf_adds(b, " is NOT equivalent: for ");
	spfc_buf_adds(b, txt);
	spfc_buf_adds(b, " the original gives ");
	spfc_buf_adds(b, spfc_result_name(p->orig));
	spfc_buf_adds(b, ", ");
	spfc_buf_adds(b, what);
	spfc_buf_adds(b, " ");
	spfc_buf_adds(b, spfc_result_name(p->cand));
	spfc_buf_addc(b, '\n');
}

void json_proof(struct jw *j, const char *key, const struct proof *p)
{
	if (!p->done) {
		jw_null(j, key);
		return;
	}
	jw_open(j, key, '{');
	jw_num(j, "addresses", p->n);
	jw_bool(j, "sampled", p->sampled);
	jw_bool(j, "equivalent", !p->differs);
	if (p->differs) {
		char txt[SPFC_ADDR_TEXT_MAX];

		spfc_addr_format(&p->addr, txt, sizeof txt);
		jw_open(j, "counterexample", '{');
		jw_str(j, "address", txt);
		jw_str(j, "original", spfc_result_name(p->orig));
		jw_str(j, "candidate", spfc_result_name(p->cand));
		jw_close(j, '}');
	} else {
		jw_null(j, "counterexample");
	}
	jw_close(j, '}');
}
