/*
 * eval_check.c - the life of a check (spfc.h): options, creation with
 * the request's strings, start, the deadline, the blocking wrappers, the
 * accessors of the result, freeing; and the check's arena.
 *
 * What it owns: the check object's memory.  The evaluation itself is
 * eval.c's, the events and the trace eval_event.c's.
 *
 * How it fails: creation refuses unusable requests (SPFC_EINVAL) and
 * reports SPFC_ENOMEM; from then on every failure is a result.
 */
#include "eval_int.h"

#include <spfc/idn.h>

#include "common/ascii.h"

#include "macro.h"
#include "name.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the arena ------------------------------------------------------- */

/* n bytes from the check's arena, aligned for any object; NULL when out
 * of memory. */
void *eval_alloc(struct spfc_check *c, size_t n)
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

void *eval_zalloc(struct spfc_check *c, size_t n)
{
	void *p = eval_alloc(c, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *eval_dupn(struct spfc_check *c, const char *s, size_t n)
{
	char *p = eval_alloc(c, n + 1);

	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *eval_dups(struct spfc_check *c, const char *s)
{
	return eval_dupn(c, s, strlen(s));
}


/* ---- the end of a check ------------------------------------------- */

void eval_finish(struct spfc_check *c, spfc_result r)
{
	size_t i;

	if (c->done)
		return;
	eval_cancel_all(c);
	c->done = 1;
	c->phase = PH_DONE;
	c->result = r;
	if (r == SPFC_FAIL && !c->explanation && c->default_exp)
		c->explanation = c->default_exp;
	if (r == SPFC_TEMPERROR || r == SPFC_PERMERROR)
		c->decided = SPFC_DECIDED_ERROR;
	else if (r == SPFC_NONE)
		c->decided = SPFC_DECIDED_NONE;
	eval_path_keep(c);	/* before the records go */
	for (i = 0; i < c->depth; i++)
		eval_free_frame(eval_frame_at(c, i));
	c->depth = 0;
	if (eval_observed(c)) {
		spfc_event ev;

		eval_event_init(c, &ev, SPFC_EV_RESULT);
		ev.result = r;
		eval_emit(c, &ev);
	}
}

/* Run the callback once the check is done; the callback may free c, so
 * callers touch nothing after this. */
void eval_notify(struct spfc_check *c)
{
	if (c->done && !c->notified) {
		c->notified = 1;
		if (c->cb)
			c->cb(c, c->cbarg);
	}
}

/* End with an error result and a problem text built from up to three
 * pieces (the middle one sanitized, it may come from DNS). */
void eval_fail(struct spfc_check *c, spfc_result r, const char *a,
	       const char *b, size_t blen, const char *d)
{
	spfc_buf p;

	spfc_buf_init(&p, EVAL_PROBLEM_MAX);
	spfc_buf_adds(&p, a);
	if (b)
		eval_add_safe(&p, b, blen);
	if (d)
		spfc_buf_adds(&p, d);
	c->problem = eval_dups(c, spfc_buf_str(&p));
	spfc_buf_free(&p);
	c->mechanism = NULL;
	eval_finish(c, r);
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

/* RFC 8616 section 4: the identities' U-labels become A-labels before
 * anything else sees them (the local part stays as it is).  *s is
 * replaced by the converted text in b when there was something to
 * convert; a name that does not convert stays, and is then not a valid
 * domain (None).  -1 out of memory. */
static int identity_to_ascii(const char **s, int mailbox, spfc_buf *b)
{
	int rc;

	if (!*s || sc_is_ascii(*s, strlen(*s)))
		return 0;	/* the usual case: nothing to convert, no copy */
	rc = mailbox ? spfc_mailbox_to_ascii(*s, strlen(*s), b)
		     : spfc_domain_to_ascii(*s, strlen(*s), b);
	if (rc > 0)
		*s = spfc_buf_str(b);
	return rc < 0 && b->err == SPFC_ENOMEM ? -1 : 0;
}

static spfc_status check_new(spfc_resolver *r, const spfc_options *o,
			     const spfc_request *req, spfc_check **out);

spfc_status spfc_check_new(spfc_resolver *r, const spfc_options *o,
			   const spfc_request *req, spfc_check **out)
{
	spfc_request a = *req;
	spfc_buf hb, sb;
	spfc_status st;

	*out = NULL;
	if (!identity_ok(req->sender) || !identity_ok(req->helo))
		return SPFC_EINVAL;
	spfc_buf_init(&hb, 0);
	spfc_buf_init(&sb, 0);
	if (identity_to_ascii(&a.helo, 0, &hb) < 0 ||
	    identity_to_ascii(&a.sender, 1, &sb) < 0)
		st = SPFC_ENOMEM;
	else
		st = check_new(r, o, &a, out);
	spfc_buf_free(&hb);
	spfc_buf_free(&sb);
	return st;
}

static spfc_status check_new(spfc_resolver *r, const spfc_options *o,
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
			eval_lookup_put(c, &c->lookup0[i]);
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
			size_t n = sc_strip_dot(d, strlen(d));

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
	if (eval_observed(c)) {
		spfc_event ev;

		eval_event_init(c, &ev, SPFC_EV_START);
		eval_emit(c, &ev);
	}
	if (!name_valid_domain(c->domain, strlen(c->domain))) {
		eval_fail(c, SPFC_NONE, "not a valid domain name: ", c->domain,
			  strlen(c->domain), NULL);
		eval_notify(c);
		return;
	}
	eval_push_frame(c, c->domain, 0);
	eval_run(c);
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
		eval_finish(c, c->result);
		eval_notify(c);
		return;
	}
	spfc_buf_init(&p, 80);
	spfc_buf_adds(&p, "DNS time budget of ");
	spfc_buf_addu(&p, (unsigned long long)c->opt.timeout_ms);
	spfc_buf_adds(&p, " ms exhausted");
	eval_fail(c, SPFC_TEMPERROR, spfc_buf_str(&p), NULL, 0, NULL);
	spfc_buf_free(&p);
	eval_notify(c);
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
	eval_cancel_all(c);
	for (i = 0; i < c->depth; i++)
		eval_free_frame(eval_frame_at(c, i));
	for (i = 1; i < EVAL_MAX_DEPTH / EVAL_FRAME_CHUNK; i++)
		free(c->fchunk[i]);
	while (!sc_list_empty(&c->spare)) {
		struct lookup *l = sc_list_entry(sc_list_pop_head(&c->spare),
						 struct lookup, node);
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
	free(c->path);
	free(c);
}

void spfc_check_drive(spfc_check *c)
{
	spfc_resolver *r = c->res;

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
			eval_fail(c, SPFC_TEMPERROR, "resolver stalled", NULL, 0, NULL);
			break;
		}
	}
}

spfc_status spfc_check_run(spfc_resolver *r, const spfc_options *o,
			   const spfc_request *req, spfc_check **out)
{
	spfc_status st = spfc_check_new(r, o, req, out);

	if (st != SPFC_OK)
		return st;
	spfc_check_drive(*out);
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
