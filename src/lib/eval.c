/*
 * eval.c - check_host() of RFC 7208 §4-§6 as a resumable state machine.
 *
 * What it owns: the check object, its frames (one per include level), the
 * lookups in flight and the trace.  It asks the resolver interface
 * (resolver.h) for DNS and continues from the answer callbacks; it never
 * blocks, except in the spfc_check_run() wrapper which drives the
 * resolver.  Independent lookups (the addresses of the MX hosts, the PTR
 * validation) are in flight together.
 *
 * How it fails: every outcome is one of the seven SPF results.  DNS
 * failures and the time budget give TempError, syntax and limit breaches
 * PermError, out of memory TempError ("out of memory").  The library
 * never logs or exits.
 */
#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "macro.h"
#include "name.h"
#include "reccache.h"
#include "recparse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVAL_MAX_DEPTH 32	  /* frames; the lookup limit binds first */
#define EVAL_FRAME_CHUNK 2	  /* frames per allocation (the first inline) */
#define EVAL_ARENA_CHUNK 1024	  /* bytes of a check's first string chunk
				     (allocated with the check) */
#define EVAL_LOOKUPS_INLINE 2	  /* lookups allocated with the check */
#define EVAL_TRACE_MAX 65536	  /* bytes of trace kept */
#define EVAL_IDENTITY_MAX 1024	  /* sender / HELO bytes accepted */
#define EVAL_PROBLEM_MAX 512	  /* bytes of a problem text */
#define EVAL_DEFAULT_LIMIT SPFC_LOOKUP_LIMIT  /* RFC 7208 §4.6.4, spfc.h */
#define EVAL_DEFAULT_VOIDS SPFC_VOID_LIMIT
#define EVAL_DEFAULT_TIMEOUT SPFC_TIMEOUT_MS

enum purpose { L_FETCH, L_ADDR, L_MX, L_MXHOST, L_PTR, L_PTRVAL, L_EXP };
enum verdict { V_MATCH, V_NOMATCH, V_WAIT, V_DONE };
enum fstate { F_FETCH, F_FETCH_WAIT, F_TERMS, F_CHILD };
enum phase { PH_TERMS, PH_EXP, PH_DONE };

struct lookup {
	struct spfc_check *c;
	spfc_query_id id;
	enum purpose purpose;
	size_t index;
	spfc_rrtype type;
	struct lookup *next, *prev;
};

/* Progress of the term being evaluated in a frame. */
struct work {
	int counted;		/* lookup counted against the limit */
	int started;		/* queries issued */
	const char *target;	/* expanded domain */
	int matched;
	int isvoid;		/* the lookup was NXDOMAIN / no data */
	spfc_result err;	/* TempError / PermError found by a handler */
	spfc_dns_rcode errrc;	/* the DNS outcome behind a TempError */
	const char *errname;	/* the name whose lookup failed */
	spfc_rrtype errtype;
	char **names;		/* MX hosts */
	size_t nnames;
};

struct frame {
	const char *domain;	/* in the arena or the check's strings */
	struct record *rec;
	size_t pos;
	enum fstate state;
	int include;		/* this frame evaluates an include: */
	int via_redirect;	/* reached through redirect= */
	/* answer to the record fetch */
	spfc_dns_rcode fetch_rc;
	unsigned nspf;
	const char *spf;	/* the record's text: spf_len bytes, any of
				   them NUL (a NUL follows too) */
	size_t spf_len;
	struct work w;
};

struct ptrdata {
	int state;		/* 0 not started, 1 running, 2 done */
	int void_counted;	/* its void lookup was counted */
	spfc_dns_rcode rc;
	char **names;
	int *valid;
	size_t n;
};

struct spfc_check {
	spfc_resolver *res;
	spfc_options opt;
	char *receiver, *default_exp, *record;
	spfc_addr ip, ip_orig;
	spfc_scope scope;
	char *sender, *local, *sdomain, *helo;
	int64_t deadline;
	int64_t start_sec;

	/* frame i is fchunk[i / EVAL_FRAME_CHUNK][i % EVAL_FRAME_CHUNK]:
	 * chunks never move, so a frame pointer stays valid while deeper
	 * frames are pushed; most checks need only the inline chunk. */
	struct frame *fchunk[EVAL_MAX_DEPTH / EVAL_FRAME_CHUNK];
	struct frame frame0[EVAL_FRAME_CHUNK];
	size_t depth;
	enum phase phase;
	struct ptrdata ptr;

	struct lookup *live;
	size_t outstanding;
	unsigned lookups, voids, queries;

	/* exp= */
	int exp_started;
	char *exp_domain;
	char *exp_text;		/* the TXT text fetched (any bytes) */
	size_t exp_len;
	int exp_checked;

	/* outcome */
	int nomem;		/* a handler ran out of memory */
	int notified;		/* the callback has run */
	int done;
	spfc_result result;
	const char *explanation, *mechanism, *problem, *domain;
	const char *top_record;	/* the checked domain's own record */
	spfc_buf trace;

	/* Every string and array the check makes lives in its arena and
	 * goes with the check (no frees one by one); finished lookups wait
	 * on the spare list for the next ask(). */
	struct achunk *arena, *arena0;	/* arena0: the inline first chunk */
	struct lookup *spare;
	struct lookup lookup0[EVAL_LOOKUPS_INLINE];
	spfc_buf xbuf;		/* expand()'s output, reused */

	spfc_check_cb cb;
	void *cbarg;
	char strs[];		/* helo, sender, local, sdomain, options' */
};

struct achunk {
	struct achunk *next;
	size_t cap, used;
	char data[];
};

static void run(struct spfc_check *c);

static struct frame *frame_at(struct spfc_check *c, size_t i)
{
	return &c->fchunk[i / EVAL_FRAME_CHUNK][i % EVAL_FRAME_CHUNK];
}

/* ---- small helpers ------------------------------------------------ */

/* n bytes from the check's arena, aligned for any object; NULL when out
 * of memory. */
static void *arena_alloc(struct spfc_check *c, size_t n)
{
	struct achunk *k = c->arena;
	void *p;

	n = (n + 7) & ~(size_t)7;	/* pointers and ints: 8 is enough */
	if (!k || k->cap - k->used < n) {
		size_t cap = n > EVAL_ARENA_CHUNK ? n : EVAL_ARENA_CHUNK;
		if (k && cap < 2 * k->cap && n <= 2 * k->cap)
			cap = 2 * k->cap;	/* chunks grow: few per check */
		k = malloc(sizeof *k + cap);
		if (!k)
			return NULL;
		k->next = c->arena;
		k->cap = cap;
		k->used = 0;
		c->arena = k;
	}
	p = k->data + k->used;
	k->used += n;
	return p;
}

static void *arena_zalloc(struct spfc_check *c, size_t n)
{
	void *p = arena_alloc(c, n);

	if (p)
		memset(p, 0, n);
	return p;
}

static char *dupn(struct spfc_check *c, const char *s, size_t n)
{
	char *p = arena_alloc(c, n + 1);

	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *dups(struct spfc_check *c, const char *s)
{
	return dupn(c, s, strlen(s));
}

/* Append bytes made safe for display: printable ASCII as is, others
 * \xHH. */
static void add_safe(spfc_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			spfc_buf_addc(b, (char)ch);
		} else {
			spfc_buf_adds(b, "\\x");
			spfc_buf_addc(b, hex[ch >> 4]);
			spfc_buf_addc(b, hex[ch & 0xf]);
		}
	}
}

static int tracing(const struct spfc_check *c)
{
	return c->opt.trace && !c->trace.err;
}

/* Start a trace line indented by the include depth. */
static spfc_buf *tr(struct spfc_check *c)
{
	size_t i;

	for (i = 1; i < c->depth; i++)
		spfc_buf_adds(&c->trace, "  ");
	return &c->trace;
}

static void tr_end(struct spfc_check *c)
{
	spfc_buf_addc(&c->trace, '\n');
}

static void trace_line(struct spfc_check *c, const char *a, const char *b,
		       size_t blen, const char *d)
{
	if (!tracing(c))
		return;
	spfc_buf_adds(tr(c), a);
	if (b)
		add_safe(&c->trace, b, blen);
	if (d)
		spfc_buf_adds(&c->trace, d);
	tr_end(c);
}

/* ---- lookups ------------------------------------------------------ */

static void on_answer(void *arg, const spfc_dns_answer *ans);

static void unlink_lookup(struct spfc_check *c, struct lookup *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		c->live = l->next;
	if (l->next)
		l->next->prev = l->prev;
	c->outstanding--;
}

static void lookup_put(struct spfc_check *c, struct lookup *l)
{
	l->next = c->spare;
	c->spare = l;
}

static void cancel_all(struct spfc_check *c)
{
	while (c->live) {
		struct lookup *l = c->live;
		unlink_lookup(c, l);
		spfc_resolver_cancel(c->res, l->id);
		lookup_put(c, l);
	}
}

/* Start a query; returns 0, or -1 when the resolver refused (the caller
 * treats that as a server failure). */
static int ask(struct spfc_check *c, const char *name, spfc_rrtype type,
	       enum purpose p, size_t index)
{
	struct lookup *l = c->spare;

	if (l)
		c->spare = l->next;
	else if (!(l = malloc(sizeof *l)))
		return -1;
	memset(l, 0, sizeof *l);
	l->c = c;
	l->purpose = p;
	l->index = index;
	l->type = type;
	if (spfc_resolver_query(c->res, name, type, on_answer, l, &l->id) !=
	    SPFC_OK) {
		lookup_put(c, l);
		return -1;
	}
	c->queries++;
	l->next = c->live;
	if (c->live)
		c->live->prev = l;
	c->live = l;
	c->outstanding++;
	if (tracing(c)) {
		spfc_buf_adds(tr(c), "  lookup ");
		spfc_buf_adds(&c->trace, spfc_rrtype_name(type));
		spfc_buf_addc(&c->trace, ' ');
		add_safe(&c->trace, name, strlen(name));
		tr_end(c);
	}
	return 0;
}

/* ---- finishing ---------------------------------------------------- */

/* A term's work is done (its strings stay in the arena). */
static void free_work(struct work *w)
{
	memset(w, 0, sizeof *w);
}

static void free_frame(struct frame *f)
{
	reccache_release(f->rec);
	memset(f, 0, sizeof *f);
}

static void finish(struct spfc_check *c, spfc_result r)
{
	size_t i;

	if (c->done)
		return;
	cancel_all(c);
	c->done = 1;
	c->phase = PH_DONE;
	c->result = r;
	if (r == SPFC_FAIL && !c->explanation && c->default_exp)
		c->explanation = c->default_exp;
	for (i = 0; i < c->depth; i++)
		free_frame(frame_at(c, i));
	c->depth = 0;
	if (tracing(c)) {
		spfc_buf_adds(&c->trace, "result: ");
		spfc_buf_adds(&c->trace, spfc_result_name(r));
		if (c->mechanism) {
			spfc_buf_adds(&c->trace, " (mechanism ");
			add_safe(&c->trace, c->mechanism, strlen(c->mechanism));
			spfc_buf_addc(&c->trace, ')');
		}
		if (c->problem) {
			spfc_buf_adds(&c->trace, " (");
			spfc_buf_adds(&c->trace, c->problem);
			spfc_buf_addc(&c->trace, ')');
		}
		spfc_buf_adds(&c->trace, "\nlookups: ");
		spfc_buf_addu(&c->trace, c->lookups);
		spfc_buf_addc(&c->trace, '/');
		spfc_buf_addu(&c->trace, c->opt.lookup_limit);
		spfc_buf_adds(&c->trace, ", void lookups: ");
		spfc_buf_addu(&c->trace, c->voids);
		spfc_buf_addc(&c->trace, '/');
		spfc_buf_addu(&c->trace, c->opt.void_limit);
		spfc_buf_adds(&c->trace, ", DNS queries: ");
		spfc_buf_addu(&c->trace, c->queries);
		spfc_buf_addc(&c->trace, '\n');
	}
}

/* Run the callback once the check is done; the callback may free c, so
 * callers touch nothing after this. */
static void notify(struct spfc_check *c)
{
	if (c->done && !c->notified) {
		c->notified = 1;
		if (c->cb)
			c->cb(c, c->cbarg);
	}
}

/* End with an error result and a problem text built from up to three
 * pieces (the middle one sanitized, it may come from DNS). */
static void fail_with(struct spfc_check *c, spfc_result r, const char *a,
		      const char *b, size_t blen, const char *d)
{
	spfc_buf p;

	spfc_buf_init(&p, EVAL_PROBLEM_MAX);
	spfc_buf_adds(&p, a);
	if (b)
		add_safe(&p, b, blen);
	if (d)
		spfc_buf_adds(&p, d);
	c->problem = dups(c, spfc_buf_str(&p));
	spfc_buf_free(&p);
	c->mechanism = NULL;
	finish(c, r);
}

static void dns_error(struct spfc_check *c, spfc_dns_rcode rc,
		      spfc_rrtype type, const char *name)
{
	spfc_buf p;

	spfc_buf_init(&p, EVAL_PROBLEM_MAX);
	spfc_buf_adds(&p, rc == SPFC_DNS_TIMEOUT ? "DNS time-out on "
						 : "DNS server failure on ");
	spfc_buf_adds(&p, spfc_rrtype_name(type));
	spfc_buf_adds(&p, " lookup of ");
	fail_with(c, SPFC_TEMPERROR, spfc_buf_str(&p), name, strlen(name), "");
	spfc_buf_free(&p);
}

static void oom(struct spfc_check *c)
{
	fail_with(c, SPFC_TEMPERROR, "out of memory", NULL, 0, NULL);
}

/* ---- answer handlers ---------------------------------------------- */

static struct frame *top(struct spfc_check *c)
{
	return frame_at(c, c->depth - 1);
}

static int addr_matches(const struct spfc_check *c, const spfc_dns_answer *a,
			unsigned bits)
{
	size_t i;
	spfc_addr x;

	for (i = 0; i < a->count; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (rr->type != SPFC_RR_A && rr->type != SPFC_RR_AAAA)
			continue;
		memset(&x, 0, sizeof x);
		x.family = rr->type == SPFC_RR_A ? 4 : 6;
		memcpy(x.b, rr->addr, x.family == 4 ? 4 : 16);
		if (spfc_addr_match(&c->ip, &x, bits))
			return 1;
	}
	return 0;
}

static unsigned term_bits(const struct spfc_check *c, const struct term *t)
{
	return c->ip.family == 4 ? t->cidr4 : t->cidr6;
}

static void trace_answer(struct spfc_check *c, const struct lookup *l,
			 const spfc_dns_answer *a)
{
	size_t i;
	char tmp[SPFC_ADDR_TEXT_MAX];
	spfc_addr x;

	if (!tracing(c))
		return;
	spfc_buf_adds(tr(c), "  answer ");
	spfc_buf_adds(&c->trace, spfc_rrtype_name(l->type));
	spfc_buf_adds(&c->trace, ": ");
	if (a->rcode != SPFC_DNS_OK) {
		spfc_buf_adds(&c->trace, spfc_dns_rcode_name(a->rcode));
		tr_end(c);
		return;
	}
	for (i = 0; i < a->count && i < 32; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (i)
			spfc_buf_adds(&c->trace, ", ");
		switch (rr->type) {
		case SPFC_RR_A:
		case SPFC_RR_AAAA:
			memset(&x, 0, sizeof x);
			x.family = rr->type == SPFC_RR_A ? 4 : 6;
			memcpy(x.b, rr->addr, x.family == 4 ? 4 : 16);
			spfc_addr_format(&x, tmp, sizeof tmp);
			spfc_buf_adds(&c->trace, tmp);
			break;
		case SPFC_RR_MX:
			spfc_buf_addu(&c->trace, rr->pref);
			spfc_buf_addc(&c->trace, ' ');
			add_safe(&c->trace, rr->text, rr->len);
			break;
		case SPFC_RR_TXT:
			spfc_buf_addc(&c->trace, '"');
			add_safe(&c->trace, rr->text, rr->len > 400 ? 400 : rr->len);
			spfc_buf_adds(&c->trace, rr->len > 400 ? "...\"" : "\"");
			break;
		default:
			add_safe(&c->trace, rr->text, rr->len);
		}
	}
	if (a->count > 32)
		spfc_buf_adds(&c->trace, ", ...");
	tr_end(c);
}

/* Note the first failed lookup of a term (a TempError once all answers
 * are in, unless the term matched anyway). */
static void lookup_failed(struct work *w, spfc_dns_rcode rc, spfc_rrtype type,
			  const char *name)
{
	if (w->err)
		return;
	w->err = SPFC_TEMPERROR;
	w->errrc = rc;
	w->errtype = type;
	w->errname = name;	/* a target or MX name: as long as the check */
}

static void on_fetch(struct spfc_check *c, const spfc_dns_answer *a)
{
	struct frame *f = top(c);
	size_t i;

	f->fetch_rc = a->rcode;
	if (a->rcode != SPFC_DNS_OK)
		return;
	for (i = 0; i < a->count; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (rr->type != SPFC_RR_TXT || !record_is_spf(rr->text, rr->len))
			continue;
		if (f->nspf++ == 0) {
			f->spf = dupn(c, rr->text, rr->len);
			f->spf_len = rr->len;
		}
	}
}

static void on_mx(struct spfc_check *c, const spfc_dns_answer *a)
{
	struct work *w = &top(c)->w;
	size_t i, n = 0;

	if (a->rcode == SPFC_DNS_SERVFAIL || a->rcode == SPFC_DNS_TIMEOUT) {
		lookup_failed(w, a->rcode, SPFC_RR_MX, w->target);
		return;
	}
	if (a->rcode != SPFC_DNS_OK) {
		w->isvoid = 1;
		return;
	}
	if (a->count > c->opt.mx_limit) {
		w->err = SPFC_PERMERROR;
		return;
	}
	w->names = arena_zalloc(c, a->count * sizeof *w->names);
	if (!w->names) {
		c->nomem = 1;
		return;
	}
	for (i = 0; i < a->count; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (rr->type != SPFC_RR_MX || !name_queryable(rr->text, rr->len))
			continue;	/* null MX or a name no query can hold
					   (a NUL byte among them) */
		w->names[n] = dupn(c, rr->text, rr->len);
		if (!w->names[n]) {
			c->nomem = 1;
			return;
		}
		n++;
	}
	w->nnames = n;
	for (i = 0; i < n; i++)
		if (ask(c, w->names[i], c->ip.family == 4 ? SPFC_RR_A : SPFC_RR_AAAA,
			L_MXHOST, i) < 0)
			lookup_failed(w, SPFC_DNS_SERVFAIL,
				      c->ip.family == 4 ? SPFC_RR_A : SPFC_RR_AAAA,
				      w->names[i]);
}

static void on_ptr(struct spfc_check *c, const spfc_dns_answer *a)
{
	struct ptrdata *p = &c->ptr;
	size_t i, n = 0;

	p->rc = a->rcode;
	if (a->rcode != SPFC_DNS_OK)
		return;	/* §5.5: a DNS error means no match */
	p->names = arena_zalloc(c, a->count * sizeof *p->names);
	p->valid = arena_zalloc(c, a->count * sizeof *p->valid);
	if (!p->names || !p->valid) {
		c->nomem = 1;
		return;
	}
	for (i = 0; i < a->count && n < c->opt.ptr_limit; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (rr->type != SPFC_RR_PTR || !name_queryable(rr->text, rr->len))
			continue;	/* a NUL byte is not queryable either */
		p->names[n] = dupn(c, rr->text, name_strip_dot(rr->text, rr->len));
		if (!p->names[n]) {
			c->nomem = 1;
			return;
		}
		n++;
	}
	p->n = n;
	for (i = 0; i < n; i++)
		ask(c, p->names[i], c->ip.family == 4 ? SPFC_RR_A : SPFC_RR_AAAA,
		    L_PTRVAL, i);	/* a refused query: name not validated */
}

static void on_exp(struct spfc_check *c, const spfc_dns_answer *a)
{
	size_t i, n = 0;
	const spfc_rr *one = NULL;

	if (a->rcode != SPFC_DNS_OK)
		return;
	for (i = 0; i < a->count; i++) {
		if (a->rr[i].type == SPFC_RR_TXT) {
			n++;
			one = &a->rr[i];
		}
	}
	/* The text with its length: a NUL byte in it is a syntax error of
	 * the explanation (macro_check), which then is not used (§6.2). */
	if (n == 1) {
		c->exp_text = dupn(c, one->text, one->len);
		c->exp_len = one->len;
	}
}

static void on_answer(void *arg, const spfc_dns_answer *a)
{
	struct lookup *l = arg;
	struct spfc_check *c = l->c;
	struct work *w;

	unlink_lookup(c, l);
	trace_answer(c, l, a);
	switch (l->purpose) {
	case L_FETCH:
		on_fetch(c, a);
		break;
	case L_ADDR:
		w = &top(c)->w;
		if (a->rcode == SPFC_DNS_OK) {
			const struct term *t = &top(c)->rec->terms[top(c)->pos];
			w->matched = t->type == SPFC_TERM_EXISTS ||
				     addr_matches(c, a, term_bits(c, t));
		} else if (a->rcode == SPFC_DNS_NXDOMAIN || a->rcode == SPFC_DNS_NODATA) {
			w->isvoid = 1;
		} else {
			lookup_failed(w, a->rcode, l->type, w->target);
		}
		break;
	case L_MX:
		on_mx(c, a);
		break;
	case L_MXHOST:
		w = &top(c)->w;
		if (a->rcode == SPFC_DNS_OK) {
			const struct term *t = &top(c)->rec->terms[top(c)->pos];
			if (addr_matches(c, a, term_bits(c, t))) {
				w->matched = 1;
				cancel_all(c);	/* the rest cannot change it */
			}
		} else if (a->rcode == SPFC_DNS_SERVFAIL || a->rcode == SPFC_DNS_TIMEOUT) {
			lookup_failed(w, a->rcode, l->type, w->names[l->index]);
		}
		break;
	case L_PTR:
		on_ptr(c, a);
		break;
	case L_PTRVAL:
		if (a->rcode == SPFC_DNS_OK && l->index < c->ptr.n &&
		    addr_matches(c, a, c->ip.family == 4 ? 32u : 128u))
			c->ptr.valid[l->index] = 1;
		break;
	case L_EXP:
		on_exp(c, a);
		break;
	}
	lookup_put(c, l);
	if (!c->done && c->outstanding == 0)
		run(c);
}

/* ---- %{p} and ptr ---------------------------------------------------- */

static int count_void(struct spfc_check *c);

/* The validated PTR names, for the ptr mechanism and %{p}: 1 when known,
 * 0 while the lookups run, -1 when the check ended.  With `counts`, a PTR
 * lookup that found nothing is a void lookup (once per check), as pyspf
 * counts it; the exp= text does not count (§6.2). */
static int need_ptr(struct spfc_check *c, int counts)
{
	spfc_buf name;

	if (c->ptr.state == 1) {
		if (c->outstanding)
			return 0;
		c->ptr.state = 2;
	}
	if (c->ptr.state == 0) {
		c->ptr.state = 1;
		spfc_buf_init(&name, 128);
		name_reverse(&c->ip, &name);
		if (ask(c, spfc_buf_str(&name), SPFC_RR_PTR, L_PTR, 0) < 0)
			c->ptr.rc = SPFC_DNS_SERVFAIL;
		spfc_buf_free(&name);
		if (c->outstanding)
			return 0;
		c->ptr.state = 2;
	}
	if (counts && !c->ptr.void_counted &&
	    (c->ptr.rc == SPFC_DNS_NXDOMAIN || c->ptr.rc == SPFC_DNS_NODATA)) {
		c->ptr.void_counted = 1;
		if (count_void(c) < 0)
			return -1;
	}
	return 1;
}

/* §7.3 "p": the domain itself if validated, else a validated subdomain,
 * else any validated name, else "unknown". */
static const char *pick_pname(const struct spfc_check *c, const char *domain)
{
	size_t i;
	size_t dl = strlen(domain);

	for (i = 0; i < c->ptr.n; i++)
		if (c->ptr.valid[i] && name_eq(c->ptr.names[i], strlen(c->ptr.names[i]),
					       domain, name_strip_dot(domain, dl)))
			return c->ptr.names[i];
	for (i = 0; i < c->ptr.n; i++)
		if (c->ptr.valid[i] &&
		    name_is_subdomain(c->ptr.names[i], strlen(c->ptr.names[i]),
				      domain, dl))
			return c->ptr.names[i];
	for (i = 0; i < c->ptr.n; i++)
		if (c->ptr.valid[i])
			return c->ptr.names[i];
	return "unknown";
}

/* Expand a macro-string for `domain`; NULL on overflow. */
static char *expand(struct spfc_check *c, const char *s, size_t n,
		    const char *domain, unsigned flags)
{
	struct macro_env env;

	memset(&env, 0, sizeof env);
	env.sender = c->sender;
	env.local = c->local;
	env.sdomain = c->sdomain;
	env.domain = domain;
	env.ip = &c->ip;
	env.helo = c->helo;
	env.receiver = c->receiver;
	env.pname = c->ptr.state == 2 ? pick_pname(c, domain) : "unknown";
	env.now = c->start_sec;
	spfc_buf_reset(&c->xbuf);
	if (macro_expand(s, n, &env, flags, &c->xbuf) < 0)
		return NULL;
	return dupn(c, c->xbuf.data, c->xbuf.len);
}

/* ---- frames ---------------------------------------------------------- */

static int push_frame(struct spfc_check *c, const char *domain, int include)
{
	struct frame *f;

	if (c->depth >= EVAL_MAX_DEPTH) {
		fail_with(c, SPFC_PERMERROR, "include nesting too deep", NULL, 0, NULL);
		return -1;
	}
	if (!c->fchunk[c->depth / EVAL_FRAME_CHUNK]) {
		c->fchunk[c->depth / EVAL_FRAME_CHUNK] =
		    malloc(EVAL_FRAME_CHUNK * sizeof(struct frame));
		if (!c->fchunk[c->depth / EVAL_FRAME_CHUNK]) {
			oom(c);
			return -1;
		}
	}
	f = frame_at(c, c->depth);
	memset(f, 0, sizeof *f);
	f->domain = domain;	/* a target or c->domain: as long as the check */
	f->include = include;
	f->state = F_FETCH;
	c->depth++;
	return 0;
}

static spfc_result qual_result(char q)
{
	switch (q) {
	case '-': return SPFC_FAIL;
	case '~': return SPFC_SOFTFAIL;
	case '?': return SPFC_NEUTRAL;
	}
	return SPFC_PASS;
}

static void start_exp(struct spfc_check *c);

/* The frame on top has its result r. */
static void frame_result(struct spfc_check *c, spfc_result r)
{
	struct frame *f = top(c);

	if (r == SPFC_NONE && f->via_redirect) {
		fail_with(c, SPFC_PERMERROR, "redirect= target has no SPF record: ",
			  f->domain, strlen(f->domain), NULL);
		return;
	}
	if (r == SPFC_TEMPERROR || r == SPFC_PERMERROR) {
		finish(c, r);
		return;
	}
	if (f->include) {
		struct frame *p;
		const char *dom = f->domain;
		if (r == SPFC_NONE) {
			fail_with(c, SPFC_PERMERROR, "include: target has no SPF record: ",
				  dom, strlen(dom), NULL);
			return;
		}
		trace_line(c, "include result: ", spfc_result_name(r),
			   strlen(spfc_result_name(r)), NULL);
		free_frame(f);
		c->depth--;
		p = top(c);
		p->state = F_TERMS;
		p->w.matched = r == SPFC_PASS;
		p->w.started = 2;	/* the child's verdict is in */
		return;
	}
	/* The top-level frame decided. */
	c->result = r;
	if ((r == SPFC_FAIL || (r == SPFC_SOFTFAIL && c->opt.exp_softfail)) &&
	    f->rec && f->rec->exp >= 0) {
		start_exp(c);
		return;
	}
	finish(c, r);
}

/* Record fetched: select and parse. */
static void frame_fetched(struct spfc_check *c)
{
	struct frame *f = top(c);
	spfc_buf why;
	spfc_status st;

	switch (f->fetch_rc) {
	case SPFC_DNS_SERVFAIL:
	case SPFC_DNS_TIMEOUT:
		dns_error(c, f->fetch_rc, SPFC_RR_TXT, f->domain);
		return;
	case SPFC_DNS_NXDOMAIN:
	case SPFC_DNS_NODATA:
		trace_line(c, "no SPF record at ", f->domain, strlen(f->domain), NULL);
		frame_result(c, SPFC_NONE);
		return;
	case SPFC_DNS_OK:
		break;
	}
	if (f->nspf == 0) {
		trace_line(c, "no SPF record at ", f->domain, strlen(f->domain), NULL);
		frame_result(c, SPFC_NONE);
		return;
	}
	if (f->nspf > 1) {
		fail_with(c, SPFC_PERMERROR, "two or more SPF records found at ",
			  f->domain, strlen(f->domain), NULL);
		return;
	}
	if (!f->spf) {
		oom(c);
		return;
	}
	spfc_buf_init(&why, EVAL_PROBLEM_MAX);
	st = reccache_parse(c->res, f->spf, f->spf_len, &f->rec, &why);
	if (st == SPFC_ENOMEM) {
		spfc_buf_free(&why);
		oom(c);
		return;
	}
	if (st != SPFC_OK) {
		fail_with(c, SPFC_PERMERROR, spfc_buf_str(&why), NULL, 0, NULL);
		spfc_buf_free(&why);
		return;
	}
	spfc_buf_free(&why);
	if (c->depth == 1 && !f->via_redirect && !c->top_record)
		c->top_record = f->spf;
	if (tracing(c)) {
		spfc_buf_adds(tr(c), "record of ");
		add_safe(&c->trace, f->domain, strlen(f->domain));
		spfc_buf_adds(&c->trace, ": ");
		add_safe(&c->trace, f->spf, f->spf_len);
		tr_end(c);
	}
	f->state = F_TERMS;
	f->pos = 0;
}

/* Count a DNS-querying term (§4.6.4); 0 or -1 (check finished). */
static int count_lookup(struct spfc_check *c)
{
	if (++c->lookups > c->opt.lookup_limit) {
		spfc_buf p;
		spfc_buf_init(&p, 64);
		spfc_buf_adds(&p, "too many DNS lookups (limit ");
		spfc_buf_addu(&p, c->opt.lookup_limit);
		spfc_buf_addc(&p, ')');
		fail_with(c, SPFC_PERMERROR, spfc_buf_str(&p), NULL, 0, NULL);
		spfc_buf_free(&p);
		return -1;
	}
	return 0;
}

static int count_void(struct spfc_check *c)
{
	if (++c->voids > c->opt.void_limit) {
		spfc_buf p;
		spfc_buf_init(&p, 64);
		spfc_buf_adds(&p, "void lookup limit of ");
		spfc_buf_addu(&p, c->opt.void_limit);
		spfc_buf_adds(&p, " exceeded");
		fail_with(c, SPFC_PERMERROR, spfc_buf_str(&p), NULL, 0, NULL);
		spfc_buf_free(&p);
		return -1;
	}
	return 0;
}

/* The target of a term: its expanded domain-spec or the frame's domain.
 * V_WAIT while %{p} is being resolved; V_DONE when the check ended. */
static enum verdict term_target(struct spfc_check *c, struct frame *f,
				const struct term *t)
{
	if (f->w.target)
		return V_MATCH;
	if (!t->spec) {
		f->w.target = f->domain;
	} else {
		if (t->spec_uses_p) {
			int r = need_ptr(c, 1);
			if (r <= 0)
				return r == 0 ? V_WAIT : V_DONE;
		}
		f->w.target = expand(c, t->spec, t->spec_len, f->domain, MACRO_DOMAIN);
	}
	if (!f->w.target) {
		fail_with(c, SPFC_PERMERROR, "macro expansion too long in ",
			  t->text, t->text_len, NULL);
		return V_DONE;
	}
	return V_MATCH;
}

static enum verdict eval_term(struct spfc_check *c, struct frame *f)
{
	const struct term *t = &f->rec->terms[f->pos];
	struct work *w = &f->w;
	enum verdict v;
	size_t i;

	switch (t->type) {
	case SPFC_TERM_ALL:
		return V_MATCH;
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6:
		if (c->ip.family != (t->type == SPFC_TERM_IP4 ? 4 : 6))
			return V_NOMATCH;
		return spfc_addr_match(&c->ip, &t->addr, term_bits(c, t))
			       ? V_MATCH : V_NOMATCH;
	case SPFC_TERM_A:
	case SPFC_TERM_MX:
	case SPFC_TERM_PTR:
	case SPFC_TERM_EXISTS:
	case SPFC_TERM_INCLUDE:
		break;
	default:
		return V_NOMATCH;	/* modifiers are not evaluated here */
	}
	if (!w->counted) {
		w->counted = 1;
		if (count_lookup(c) < 0)
			return V_DONE;
	}
	if (t->type == SPFC_TERM_PTR) {
		/* The PTR data first (it may also be needed by %{p}). */
		int r = need_ptr(c, 1);
		if (r == 0)
			return V_WAIT;
		if (r < 0)
			return V_DONE;
		v = term_target(c, f, t);
		if (v != V_MATCH)
			return v;
		for (i = 0; i < c->ptr.n; i++)
			if (c->ptr.valid[i] &&
			    name_is_subdomain(c->ptr.names[i], strlen(c->ptr.names[i]),
					      w->target, strlen(w->target)))
				return V_MATCH;
		return V_NOMATCH;
	}
	v = term_target(c, f, t);
	if (v != V_MATCH)
		return v;
	if (!w->started) {
		w->started = 1;
		if (!name_queryable(w->target, strlen(w->target))) {
			trace_line(c, "  not a usable domain name: ", w->target,
				   strlen(w->target), NULL);
			if (t->type == SPFC_TERM_INCLUDE) {
				fail_with(c, SPFC_PERMERROR, "include: target is not a domain name: ",
					  w->target, strlen(w->target), NULL);
				return V_DONE;
			}
			w->isvoid = 1;
			w->started = 2;
		} else if (t->type == SPFC_TERM_INCLUDE) {
			if (push_frame(c, w->target, 1) < 0)
				return V_DONE;
			f->state = F_CHILD;
			return V_WAIT;
		} else {
			spfc_rrtype ty = t->type == SPFC_TERM_MX ? SPFC_RR_MX
					 : (t->type == SPFC_TERM_EXISTS || c->ip.family == 4)
						 ? SPFC_RR_A : SPFC_RR_AAAA;
			if (ask(c, w->target, ty, t->type == SPFC_TERM_MX ? L_MX : L_ADDR, 0) < 0) {
				dns_error(c, SPFC_DNS_SERVFAIL, ty, w->target);
				return V_DONE;
			}
			return V_WAIT;
		}
	}
	/* All answers are in. */
	if (t->type == SPFC_TERM_INCLUDE)
		return w->matched ? V_MATCH : V_NOMATCH;
	if (w->err == SPFC_PERMERROR) {
		fail_with(c, SPFC_PERMERROR, "too many MX records for ", w->target,
			  strlen(w->target), NULL);
		return V_DONE;
	}
	if (w->matched)
		return V_MATCH;
	if (w->err) {
		dns_error(c, w->errrc, w->errtype, w->errname ? w->errname : "?");
		return V_DONE;
	}
	if (w->isvoid && count_void(c) < 0)
		return V_DONE;
	return V_NOMATCH;
}

/* No term matched: redirect= or the default Neutral (§4.7). */
static void frame_end(struct spfc_check *c, struct frame *f)
{
	const struct term *t;
	char *target;

	if (f->rec->redirect < 0) {
		if (!f->include && c->depth == 1) {
			c->mechanism = "default";
		}
		frame_result(c, SPFC_NEUTRAL);
		return;
	}
	t = &f->rec->terms[f->rec->redirect];
	if (!f->w.counted) {
		f->w.counted = 1;
		if (count_lookup(c) < 0)
			return;
	}
	if (t->spec_uses_p && need_ptr(c, 1) <= 0)
		return;	/* resumes when the PTR data is in, or ended */
	target = expand(c, t->spec, t->spec_len, f->domain, MACRO_DOMAIN);
	if (!target) {
		fail_with(c, SPFC_PERMERROR, "macro expansion too long in ",
			  t->text, t->text_len, NULL);
		return;
	}
	trace_line(c, "redirect to ", target, strlen(target), NULL);
	if (!name_valid_domain(target, strlen(target))) {
		fail_with(c, SPFC_PERMERROR, "redirect= target is not a domain name: ",
			  target, strlen(target), NULL);
		return;
	}
	/* The target's record replaces this one (§6.1). */
	reccache_release(f->rec);
	f->rec = NULL;
	f->spf = NULL;
	f->nspf = 0;
	free_work(&f->w);
	f->domain = target;
	f->via_redirect = 1;
	f->state = F_FETCH;
}

static void step_frame(struct spfc_check *c)
{
	struct frame *f = top(c);
	const struct term *t;
	enum verdict v;

	switch (f->state) {
	case F_FETCH:
		if (tracing(c)) {
			spfc_buf_adds(tr(c), "check_host(");
			add_safe(&c->trace, f->domain, strlen(f->domain));
			spfc_buf_adds(&c->trace, ")");
			tr_end(c);
		}
		if (f->include && !name_valid_domain(f->domain, strlen(f->domain))) {
			frame_result(c, SPFC_NONE);
			return;
		}
		f->state = F_FETCH_WAIT;
		if (c->depth == 1 && c->record && !f->via_redirect) {
			/* The caller's own policy stands in for the lookup. */
			f->fetch_rc = SPFC_DNS_OK;
			f->nspf = record_is_spf(c->record, strlen(c->record)) ? 1 : 0;
			f->spf = c->record;
			f->spf_len = strlen(c->record);
			return;
		}
		if (ask(c, f->domain, SPFC_RR_TXT, L_FETCH, 0) < 0)
			dns_error(c, SPFC_DNS_SERVFAIL, SPFC_RR_TXT, f->domain);
		return;
	case F_FETCH_WAIT:
		frame_fetched(c);
		return;
	case F_CHILD:	/* not reached: the child frame is on top */
		return;
	case F_TERMS:
		break;
	}
	while (f->pos < f->rec->nterms && !term_is_mechanism(&f->rec->terms[f->pos]))
		f->pos++;
	if (f->pos >= f->rec->nterms) {
		frame_end(c, f);
		return;
	}
	t = &f->rec->terms[f->pos];
	if (tracing(c) && !f->w.counted && !f->w.started)
		trace_line(c, "term ", t->text, t->text_len, NULL);
	v = eval_term(c, f);
	switch (v) {
	case V_WAIT:
	case V_DONE:
		return;
	case V_MATCH:
		trace_line(c, "  match: ", t->text, t->text_len, NULL);
		if (!f->include && c->depth == 1) {
			c->mechanism = dupn(c, t->text, t->text_len);
		}
		frame_result(c, qual_result(t->qual));
		return;
	case V_NOMATCH:
		free_work(&f->w);
		f->pos++;
		return;
	}
}

/* ---- exp= ------------------------------------------------------------ */

static void start_exp(struct spfc_check *c)
{
	c->phase = PH_EXP;
}

static void step_exp(struct spfc_check *c)
{
	struct frame *f = top(c);
	const struct term *t = &f->rec->terms[f->rec->exp];
	int uses_p = 0;
	char *text;

	if (!c->exp_started) {
		if (t->spec_uses_p && !need_ptr(c, 0))
			return;
		c->exp_started = 1;
		c->exp_domain = expand(c, t->spec, t->spec_len, f->domain, MACRO_DOMAIN);
		if (!c->exp_domain || !name_queryable(c->exp_domain, strlen(c->exp_domain)) ||
		    ask(c, c->exp_domain, SPFC_RR_TXT, L_EXP, 0) < 0)
			finish(c, c->result);
		return;
	}
	if (!c->exp_text ||
	    macro_check(c->exp_text, c->exp_len, MACRO_EXP, &uses_p, NULL) < 0) {
		finish(c, c->result);
		return;
	}
	if (uses_p && !need_ptr(c, 0))
		return;
	text = expand(c, c->exp_text, c->exp_len, f->domain, MACRO_EXP);
	if (text) {
		c->explanation = text;
	}
	finish(c, c->result);
}

static void run(struct spfc_check *c)
{
	while (!c->done && c->outstanding == 0) {
		if (c->nomem)
			oom(c);
		else if (c->phase == PH_EXP)
			step_exp(c);
		else
			step_frame(c);
	}
	notify(c);	/* nothing after this: c may be gone */
}

/* ---- public API ------------------------------------------------------ */

void spfc_options_init(spfc_options *o)
{
	memset(o, 0, sizeof *o);
	o->lookup_limit = EVAL_DEFAULT_LIMIT;
	o->void_limit = EVAL_DEFAULT_VOIDS;
	o->mx_limit = EVAL_DEFAULT_LIMIT;
	o->ptr_limit = EVAL_DEFAULT_LIMIT;
	o->timeout_ms = EVAL_DEFAULT_TIMEOUT;
}

/* Bytes a name or address may hold: no NUL (implied), CR or LF, and a
 * bounded length. */
static int identity_ok(const char *s)
{
	size_t i;

	if (!s)
		return 1;
	for (i = 0; s[i]; i++)
		if (s[i] == '\r' || s[i] == '\n' || i >= EVAL_IDENTITY_MAX)
			return 0;
	return 1;
}

spfc_status spfc_check_new(spfc_resolver *r, const spfc_options *o,
			   const spfc_request *req, spfc_check **out)
{
	struct spfc_check *c;
	const char *helo = req->helo ? req->helo : "";
	const char *at;

	*out = NULL;
	if (!identity_ok(req->sender) || !identity_ok(req->helo) ||
	    (req->ip.family != 4 && req->ip.family != 6) ||
	    (o && !identity_ok(o->receiver)))
		return SPFC_EINVAL;
	/* §4.3: the sender, postmaster@helo when null; a missing local-part
	 * becomes "postmaster".  The check's own strings live in one block
	 * after it. */
	{
		int pm = req->scope == SPFC_SCOPE_HELO || !req->sender || !*req->sender;
		const char *snd = pm ? NULL : req->sender;
		size_t lhelo = strlen(helo);
		size_t lsnd = pm ? sizeof "postmaster@" - 1 + lhelo : strlen(snd);
		size_t lrcv = o && o->receiver ? strlen(o->receiver) + 1 : 0;
		size_t lexp = o && o->default_exp ? strlen(o->default_exp) + 1 : 0;
		size_t lrec = o && o->record ? strlen(o->record) + 1 : 0;
		size_t total = 2 * (lhelo + 1) + 2 * (lsnd + 1) + lrcv + lexp + lrec +
			       sizeof "postmaster";
		size_t at0 = (sizeof *c + total + 7) & ~(size_t)7;
		char *p;
		int i;

		c = calloc(1, at0 + sizeof(struct achunk) + EVAL_ARENA_CHUNK);
		if (!c)
			return SPFC_ENOMEM;
		c->arena = c->arena0 = (struct achunk *)(void *)((char *)c + at0);
		c->arena0->cap = EVAL_ARENA_CHUNK;
		for (i = 0; i < EVAL_LOOKUPS_INLINE; i++)
			lookup_put(c, &c->lookup0[i]);
		p = c->strs;
		c->helo = memcpy(p, helo, lhelo + 1);
		p += lhelo + 1;
		c->sender = p;
		if (pm) {
			memcpy(p, "postmaster@", sizeof "postmaster@" - 1);
			memcpy(p + sizeof "postmaster@" - 1, helo, lhelo + 1);
		} else {
			memcpy(p, snd, lsnd + 1);
		}
		p += lsnd + 1;
		at = strrchr(c->sender, '@');
		c->local = p;
		if (at && at != c->sender) {
			memcpy(p, c->sender, (size_t)(at - c->sender));
			p[at - c->sender] = '\0';
			p += at - c->sender + 1;
		} else {
			memcpy(p, "postmaster", sizeof "postmaster");
			p += sizeof "postmaster";
		}
		{
			const char *d = at ? at + 1 : c->sender;
			size_t n = name_strip_dot(d, strlen(d));

			c->sdomain = p;
			memcpy(p, d, n);
			p[n] = '\0';
			p += n + 1;
		}
		if (lrcv) {
			c->receiver = memcpy(p, o->receiver, lrcv);
			p += lrcv;
		}
		if (lexp) {
			c->default_exp = memcpy(p, o->default_exp, lexp);
			p += lexp;
		}
		if (lrec)
			c->record = memcpy(p, o->record, lrec);
	}
	c->fchunk[0] = c->frame0;
	c->res = r;
	if (o)
		c->opt = *o;
	else
		spfc_options_init(&c->opt);
	if (c->opt.timeout_ms <= 0)
		c->opt.timeout_ms = EVAL_DEFAULT_TIMEOUT;
	spfc_buf_init(&c->trace, EVAL_TRACE_MAX);
	spfc_buf_init(&c->xbuf, MACRO_MAX_OUT);
	c->ip_orig = req->ip;
	c->ip = req->ip;
	spfc_addr_unmap(&c->ip);
	c->scope = req->scope;
	c->opt.receiver = c->receiver;
	c->opt.default_exp = c->default_exp;
	c->opt.record = c->record;
	c->domain = c->sdomain;	/* in strs, as long as the check */
	*out = c;
	return SPFC_OK;
}

void spfc_check_start(spfc_check *c, spfc_check_cb cb, void *arg)
{
	c->cb = cb;
	c->cbarg = arg;
	c->deadline = spfc_resolver_now(c->res) + c->opt.timeout_ms;
	c->start_sec = (int64_t)time(NULL);
	if (tracing(c)) {
		char ip[SPFC_ADDR_TEXT_MAX];
		spfc_addr_format(&c->ip, ip, sizeof ip);
		spfc_buf_adds(&c->trace, "identity: ");
		spfc_buf_adds(&c->trace, c->scope == SPFC_SCOPE_HELO ? "helo" : "mailfrom");
		spfc_buf_adds(&c->trace, ", client-ip: ");
		spfc_buf_adds(&c->trace, ip);
		spfc_buf_adds(&c->trace, ", sender: ");
		add_safe(&c->trace, c->sender, strlen(c->sender));
		spfc_buf_adds(&c->trace, ", helo: ");
		add_safe(&c->trace, c->helo, strlen(c->helo));
		spfc_buf_addc(&c->trace, '\n');
	}
	if (!name_valid_domain(c->domain, strlen(c->domain))) {
		fail_with(c, SPFC_NONE, "not a valid domain name: ", c->domain,
			  strlen(c->domain), NULL);
		notify(c);
		return;
	}
	push_frame(c, c->domain, 0);
	run(c);
}

int64_t spfc_check_deadline(const spfc_check *c)
{
	return c->deadline;
}

void spfc_check_expire(spfc_check *c)
{
	spfc_buf p;

	if (c->done)
		return;
	if (c->phase == PH_EXP) {	/* the result stands; no explanation */
		finish(c, c->result);
		notify(c);
		return;
	}
	spfc_buf_init(&p, 80);
	spfc_buf_adds(&p, "DNS time budget of ");
	spfc_buf_addu(&p, (unsigned long long)c->opt.timeout_ms);
	spfc_buf_adds(&p, " ms exhausted");
	fail_with(c, SPFC_TEMPERROR, spfc_buf_str(&p), NULL, 0, NULL);
	spfc_buf_free(&p);
	notify(c);
}

int spfc_check_done(const spfc_check *c)
{
	return c->done;
}

void spfc_check_free(spfc_check *c)
{
	size_t i;

	if (!c)
		return;
	cancel_all(c);
	for (i = 0; i < c->depth; i++)
		free_frame(frame_at(c, i));
	for (i = 1; i < EVAL_MAX_DEPTH / EVAL_FRAME_CHUNK; i++)
		free(c->fchunk[i]);
	while (c->spare) {
		struct lookup *l = c->spare;
		c->spare = l->next;
		uintptr_t a = (uintptr_t)l, b = (uintptr_t)c->lookup0;
		if (a < b || a >= b + sizeof c->lookup0)	/* not inline */
			free(l);
	}
	while (c->arena) {
		struct achunk *k = c->arena;
		c->arena = k->next;
		if (k != c->arena0)
			free(k);
	}
	spfc_buf_free(&c->xbuf);
	spfc_buf_free(&c->trace);
	free(c);
}

spfc_status spfc_check_run(spfc_resolver *r, const spfc_options *o,
			   const spfc_request *req, spfc_check **out)
{
	spfc_status st = spfc_check_new(r, o, req, out);
	spfc_check *c = *out;

	if (st != SPFC_OK)
		return st;
	spfc_check_start(c, NULL, NULL);
	while (!c->done) {
		int64_t now = spfc_resolver_now(r);
		if (now >= c->deadline) {
			spfc_check_expire(c);
			break;
		}
		if (spfc_resolver_process(r, c->deadline) == 0 &&
		    spfc_resolver_pending(r) == 0 && !c->done &&
		    spfc_resolver_now(r) < c->deadline) {
			fail_with(c, SPFC_TEMPERROR, "resolver stalled", NULL, 0, NULL);
			break;
		}
	}
	return SPFC_OK;
}

spfc_result spfc_check_result(const spfc_check *c) { return c->result; }
const char *spfc_check_explanation(const spfc_check *c)
{
	return c->explanation ? c->explanation : "";
}
const char *spfc_check_mechanism(const spfc_check *c)
{
	return c->mechanism ? c->mechanism : "";
}
const char *spfc_check_problem(const spfc_check *c)
{
	return c->problem ? c->problem : "";
}
const char *spfc_check_domain(const spfc_check *c) { return c->domain; }
const char *spfc_check_record(const spfc_check *c)
{
	return c->top_record ? c->top_record : "";
}
const char *spfc_check_sender(const spfc_check *c) { return c->sender; }
const char *spfc_check_helo(const spfc_check *c) { return c->helo; }
const spfc_addr *spfc_check_ip(const spfc_check *c) { return &c->ip_orig; }
spfc_scope spfc_check_scope(const spfc_check *c) { return c->scope; }
unsigned spfc_check_lookups(const spfc_check *c) { return c->lookups; }
unsigned spfc_check_voids(const spfc_check *c) { return c->voids; }
unsigned spfc_check_queries(const spfc_check *c) { return c->queries; }
const char *spfc_check_trace(const spfc_check *c)
{
	return spfc_buf_str(&c->trace);
}
