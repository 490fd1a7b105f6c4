/*
 * eval.c - check_host() of RFC 7208 §4-§6 as a resumable state machine.
 *
 * What it owns: the check's frames (one per include level) and the
 * lookups in flight; the check object itself is eval_check.c's, the
 * events it reports and the trace built from them eval_event.c's
 * (eval_int.h).  It asks the resolver interface (resolver.h) for DNS and
 * continues from the answer callbacks; it never blocks.  Independent
 * lookups (the addresses of the MX hosts, the PTR validation) are in
 * flight together.
 *
 * How it fails: every outcome is one of the seven SPF results.  DNS
 * failures and the time budget give TempError, syntax and limit breaches
 * PermError, out of memory TempError ("out of memory").  The library
 * never logs or exits.
 */
#include "eval_int.h"

#include <spfc/idn.h>

#include "common/ascii.h"
#include "macro.h"
#include "name.h"
#include "reccache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- lookups ------------------------------------------------------ */

static void on_answer(void *arg, const spfc_dns_answer *ans);
static void emit_limit(struct spfc_check *c, spfc_limit which);

static void unlink_lookup(struct spfc_check *c, struct lookup *l)
{
	sc_list_unlink(&c->live, &l->node);
	c->outstanding--;
}

void eval_lookup_put(struct spfc_check *c, struct lookup *l)
{
	sc_list_insert_head(&c->spare, &l->node);
}

void eval_cancel_all(struct spfc_check *c)
{
	while (!sc_list_empty(&c->live)) {
		struct lookup *l = sc_list_entry(c->live.head, struct lookup, node);

		unlink_lookup(c, l);
		spfc_resolver_cancel(c->res, l->id);
		eval_lookup_put(c, l);
	}
}

/* Start a query; returns 0, or -1 when the resolver refused (the caller
 * treats that as a server failure). */
static int ask(struct spfc_check *c, const char *name, spfc_rrtype type,
	       enum purpose p, size_t index)
{
	struct sc_list_node *n = sc_list_pop_head(&c->spare);
	struct lookup *l = n ? sc_list_entry(n, struct lookup, node) : NULL;

	if (!l && !(l = malloc(sizeof *l)))
		return -1;
	memset(l, 0, sizeof *l);
	l->c = c;
	l->purpose = p;
	l->index = index;
	l->type = type;
	if (spfc_resolver_query(c->res, name, type, on_answer, l, &l->id) !=
	    SPFC_OK) {
		eval_lookup_put(c, l);
		return -1;
	}
	c->queries++;
	sc_list_insert_head(&c->live, &l->node);
	c->outstanding++;
	if (eval_observed(c)) {
		spfc_event ev;

		eval_event_init(c, &ev, SPFC_EV_QUERY);
		ev.name = name;
		ev.rrtype = (int)type;
		eval_emit(c, &ev);
	}
	return 0;
}

/* ---- finishing ---------------------------------------------------- */

/* A term's work is done (its strings stay in the arena). */
static void free_work(struct work *w)
{
	memset(w, 0, sizeof *w);
}

void eval_free_frame(struct frame *f)
{
	reccache_release(f->rec);
	memset(f, 0, sizeof *f);
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
	eval_fail(c, SPFC_TEMPERROR, spfc_buf_str(&p), name, strlen(name), "");
	spfc_buf_free(&p);
}

static void oom(struct spfc_check *c)
{
	eval_fail(c, SPFC_TEMPERROR, "out of memory", NULL, 0, NULL);
}

/* ---- answer handlers ---------------------------------------------- */

static struct frame *top(struct spfc_check *c)
{
	return eval_frame_at(c, c->depth - 1);
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
			f->spf = eval_dupn(c, rr->text, rr->len);
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
	w->names = eval_zalloc(c, a->count * sizeof *w->names);
	if (!w->names) {
		c->nomem = 1;
		return;
	}
	for (i = 0; i < a->count; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (rr->type != SPFC_RR_MX || !name_queryable(rr->text, rr->len))
			continue;	/* null MX or a name no query can hold
					   (a NUL byte among them) */
		w->names[n] = eval_dupn(c, rr->text, rr->len);
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
	p->names = eval_zalloc(c, a->count * sizeof *p->names);
	p->valid = eval_zalloc(c, a->count * sizeof *p->valid);
	if (!p->names || !p->valid) {
		c->nomem = 1;
		return;
	}
	for (i = 0; i < a->count && n < c->opt.ptr_limit; i++) {
		const spfc_rr *rr = &a->rr[i];
		if (rr->type != SPFC_RR_PTR || !name_queryable(rr->text, rr->len))
			continue;	/* a NUL byte is not queryable either */
		p->names[n] = eval_dupn(c, rr->text, sc_strip_dot(rr->text, rr->len));
		if (!p->names[n]) {
			c->nomem = 1;
			return;
		}
		n++;
	}
	for (; i < a->count; i++)
		if (a->rr[i].type == SPFC_RR_PTR) {
			emit_limit(c, SPFC_LIMIT_PTR);	/* the rest are ignored */
			break;
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
		c->exp_text = eval_dupn(c, one->text, one->len);
		c->exp_len = one->len;
	}
}

static void on_answer(void *arg, const spfc_dns_answer *a)
{
	struct lookup *l = arg;
	struct spfc_check *c = l->c;
	struct work *w;

	unlink_lookup(c, l);
	if (eval_observed(c)) {
		spfc_event ev;

		eval_event_init(c, &ev, SPFC_EV_ANSWER);
		ev.rrtype = (int)l->type;
		ev.answer = a;
		ev.rcode = (int)a->rcode;
		ev.count = a->count;
		eval_emit(c, &ev);
	}
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
			if (w->matched && t->type == SPFC_TERM_A)
				w->host = w->target;
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
				w->host = w->names[l->index];
				eval_cancel_all(c);	/* the rest cannot change it */
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
	eval_lookup_put(c, l);
	if (!c->done && c->outstanding == 0)
		eval_run(c);
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
		if (c->ptr.valid[i] &&
		    sc_eq_nocase(c->ptr.names[i], strlen(c->ptr.names[i]), domain,
				 sc_strip_dot(domain, dl)))
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

/* RFC 8616 section 4: the U-labels of an expanded domain-spec (a UTF-8
 * local part in %{l}, say) become A-labels before the lookup, and the
 * result is truncated as RFC 7208 section 7.3 says.  A name that does not
 * convert is kept as it is: its bytes outside ASCII make it an invalid
 * name, as before.  NULL on overflow. */
static char *idn_target(struct spfc_check *c)
{
	spfc_buf a;
	char *out;

	spfc_buf_init(&a, MACRO_MAX_OUT);
	if (spfc_domain_to_ascii(c->xbuf.data, c->xbuf.len, &a) <= 0) {
		spfc_buf_free(&a);
		return eval_dupn(c, c->xbuf.data, c->xbuf.len);
	}
	name_truncate(&a);
	out = eval_dupn(c, a.data, a.len);
	spfc_buf_free(&a);
	return out;
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
	if (flags & MACRO_DOMAIN)
		return idn_target(c);
	return eval_dupn(c, c->xbuf.data, c->xbuf.len);
}

/* ---- frames ---------------------------------------------------------- */

int eval_push_frame(struct spfc_check *c, const char *domain, int include)
{
	struct frame *f;

	if (c->depth >= EVAL_MAX_DEPTH) {
		emit_limit(c, SPFC_LIMIT_DEPTH);
		eval_fail(c, SPFC_PERMERROR, "include nesting too deep", NULL, 0, NULL);
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
	f = eval_frame_at(c, c->depth);
	memset(f, 0, sizeof *f);
	f->domain = domain;	/* a target or c->domain: as long as the check */
	f->include = include;
	f->state = F_FETCH;
	f->base = c->npath;
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
		eval_fail(c, SPFC_PERMERROR, "redirect= target has no SPF record: ",
			  f->domain, strlen(f->domain), NULL);
		return;
	}
	if (r == SPFC_TEMPERROR || r == SPFC_PERMERROR) {
		eval_finish(c, r);
		return;
	}
	if (f->include) {
		struct frame *p;
		const char *dom = f->domain;
		if (r == SPFC_NONE) {
			eval_fail(c, SPFC_PERMERROR, "include: target has no SPF record: ",
				  dom, strlen(dom), NULL);
			return;
		}
		if (eval_observed(c)) {
			spfc_event ev;

			eval_event_init(c, &ev, SPFC_EV_INCLUDE_RESULT);
			ev.result = r;
			eval_emit(c, &ev);
		}
		/* A pass keeps the steps inside the include on the path */
		if (r == SPFC_PASS)
			eval_path_keep(c);
		else
			eval_path_pop(c, f);
		eval_free_frame(f);
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
	eval_finish(c, r);
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
		eval_emit_term(c, SPFC_EV_NO_RECORD, f, NULL, NULL);
		frame_result(c, SPFC_NONE);
		return;
	case SPFC_DNS_OK:
		break;
	}
	if (f->nspf == 0) {
		eval_emit_term(c, SPFC_EV_NO_RECORD, f, NULL, NULL);
		frame_result(c, SPFC_NONE);
		return;
	}
	if (f->nspf > 1) {
		eval_fail(c, SPFC_PERMERROR, "two or more SPF records found at ",
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
		eval_fail(c, SPFC_PERMERROR, spfc_buf_str(&why), NULL, 0, NULL);
		spfc_buf_free(&why);
		return;
	}
	spfc_buf_free(&why);
	if (c->depth == 1 && !f->via_redirect && !c->top_record)
		c->top_record = f->spf;
	if (eval_observed(c)) {
		spfc_event ev;

		eval_event_init(c, &ev, SPFC_EV_RECORD);
		ev.text = f->spf;
		ev.text_len = f->spf_len;
		eval_emit(c, &ev);
	}
	f->state = F_TERMS;
	f->pos = 0;
}

unsigned spfc_term_lookups(spfc_term_kind kind)
{
	switch (kind) {
	case SPFC_TERM_INCLUDE:
	case SPFC_TERM_A:
	case SPFC_TERM_MX:
	case SPFC_TERM_PTR:
	case SPFC_TERM_EXISTS:
	case SPFC_TERM_REDIRECT:
		return 1;
	default:
		return 0;
	}
}

/* A limit was hit at the term the top frame is at. */
static void emit_limit(struct spfc_check *c, spfc_limit which)
{
	spfc_event ev;

	if (!eval_observed(c))
		return;
	eval_event_init(c, &ev, SPFC_EV_LIMIT);
	ev.limit = which;
	if (c->depth && c->npath > top(c)->base) {
		const spfc_step *s = &c->path[c->npath - 1];

		ev.term = s->term;
		ev.term_len = s->term_len;
		ev.index = s->index;
		ev.term_kind = s->kind;
	}
	eval_emit(c, &ev);
}

/* Count term t against the lookup limit (§4.6.4) as spfc_term_lookups()
 * says; 0 or -1 (check finished). */
static int count_lookup(struct spfc_check *c, const struct term *t)
{
	unsigned n = spfc_term_lookups(t->type);

	if (!n)
		return 0;
	c->lookups += n;
	if (c->lookups > c->opt.lookup_limit) {
		emit_limit(c, SPFC_LIMIT_LOOKUPS);
		spfc_buf p;
		spfc_buf_init(&p, 64);
		spfc_buf_adds(&p, "too many DNS lookups (limit ");
		spfc_buf_addu(&p, c->opt.lookup_limit);
		spfc_buf_addc(&p, ')');
		eval_fail(c, SPFC_PERMERROR, spfc_buf_str(&p), NULL, 0, NULL);
		spfc_buf_free(&p);
		return -1;
	}
	return 0;
}

static int count_void(struct spfc_check *c)
{
	if (++c->voids > c->opt.void_limit) {
		spfc_buf p;

		emit_limit(c, SPFC_LIMIT_VOIDS);
		spfc_buf_init(&p, 64);
		spfc_buf_adds(&p, "void lookup limit of ");
		spfc_buf_addu(&p, c->opt.void_limit);
		spfc_buf_adds(&p, " exceeded");
		eval_fail(c, SPFC_PERMERROR, spfc_buf_str(&p), NULL, 0, NULL);
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
		eval_fail(c, SPFC_PERMERROR, "macro expansion too long in ",
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
		if (count_lookup(c, t) < 0)
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
			eval_emit_term(c, SPFC_EV_BAD_TARGET, f, t, w->target);
			if (t->type == SPFC_TERM_INCLUDE) {
				eval_fail(c, SPFC_PERMERROR, "include: target is not a domain name: ",
					  w->target, strlen(w->target), NULL);
				return V_DONE;
			}
			w->isvoid = 1;
			w->started = 2;
		} else if (t->type == SPFC_TERM_INCLUDE) {
			if (eval_push_frame(c, w->target, 1) < 0)
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
		emit_limit(c, SPFC_LIMIT_MX);
		eval_fail(c, SPFC_PERMERROR, "too many MX records for ", w->target,
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
			c->decided = SPFC_DECIDED_DEFAULT;
		}
		frame_result(c, SPFC_NEUTRAL);
		return;
	}
	t = &f->rec->terms[f->rec->redirect];
	if (!f->w.reached) {
		f->w.reached = 1;
		if (eval_path_push(c, f, t) < 0)
			return;
		eval_emit_term(c, SPFC_EV_TERM, f, t, NULL);
	}
	if (!f->w.counted) {
		f->w.counted = 1;
		if (count_lookup(c, t) < 0)
			return;
	}
	if (t->spec_uses_p && need_ptr(c, 1) <= 0)
		return;	/* resumes when the PTR data is in, or ended */
	target = expand(c, t->spec, t->spec_len, f->domain, MACRO_DOMAIN);
	if (!target) {
		eval_fail(c, SPFC_PERMERROR, "macro expansion too long in ",
			  t->text, t->text_len, NULL);
		return;
	}
	eval_emit_term(c, SPFC_EV_REDIRECT, f, t, target);
	if (!name_valid_domain(target, strlen(target))) {
		eval_fail(c, SPFC_PERMERROR, "redirect= target is not a domain name: ",
			  target, strlen(target), NULL);
		return;
	}
	/* The target's record replaces this one (§6.1); the redirect= step
	 * stays on the path below the target's own. */
	eval_path_keep(c);
	f->base = c->npath;
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
		eval_emit_term(c, SPFC_EV_CHECK_HOST, f, NULL, NULL);
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
	if (!f->w.reached) {
		f->w.reached = 1;
		if (eval_path_push(c, f, t) < 0)
			return;	/* out of memory: eval_run() ends it */
		eval_emit_term(c, SPFC_EV_TERM, f, t, NULL);
	}
	v = eval_term(c, f);
	switch (v) {
	case V_WAIT:
	case V_DONE:
		return;
	case V_MATCH:
		eval_emit_term(c, SPFC_EV_MATCH, f, t, NULL);
		if (t->type != SPFC_TERM_INCLUDE)
			c->path[c->npath - 1].host = f->w.host;
		if (!f->include && c->depth == 1) {
			c->mechanism = eval_dupn(c, t->text, t->text_len);
			c->decided = SPFC_DECIDED_TERM;
		}
		frame_result(c, qual_result(t->qual));
		return;
	case V_NOMATCH:
		eval_emit_term(c, SPFC_EV_NO_MATCH, f, t, NULL);
		eval_path_pop(c, f);
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
			eval_finish(c, c->result);
		return;
	}
	if (!c->exp_text ||
	    macro_check(c->exp_text, c->exp_len, MACRO_EXP, &uses_p, NULL) < 0) {
		eval_finish(c, c->result);
		return;
	}
	if (uses_p && !need_ptr(c, 0))
		return;
	text = expand(c, c->exp_text, c->exp_len, f->domain, MACRO_EXP);
	if (text) {
		c->explanation = text;
	}
	eval_finish(c, c->result);
}

void eval_run(struct spfc_check *c)
{
	while (!c->done && c->outstanding == 0) {
		if (c->nomem)
			oom(c);
		else if (c->phase == PH_EXP)
			step_exp(c);
		else
			step_frame(c);
	}
	eval_notify(c);	/* nothing after this: c may be gone */
}

