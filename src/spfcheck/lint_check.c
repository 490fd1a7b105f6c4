/*
 * lint_check.c - the check of --ip: its request from the lint's options,
 * run by the library (spfc_check_drive) through the lint's resolver, and
 * its decider path (spfc_check_decider) laid on the walked tree by
 * following the evaluation events: where the walk could not resolve a
 * term the check reached, or read other records, the path note says so.
 *
 * How it fails: a sender or HELO name at another domain is a usage
 * error; out of memory sets L->nomem.
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

/* Why the walk cannot say what term t does for a client: NULL when it
 * can. */
static const char *walk_gap(const struct lterm *t)
{
	if (t->counted && !t->target)
		return "its target depends on the client or sender";
	if (t->counted && t->skipped)
		return "not looked up";
	if (t->bad_target)
		return NULL;
	switch (t->type) {
	case SPFC_TERM_EXISTS:
		if (rc_failed(t->rc) || rc_void(t->rc))
			return NULL;
		return "exists is not evaluated by the walk";
	case SPFC_TERM_PTR:
		return "ptr depends on the client's reverse DNS";
	case SPFC_TERM_INCLUDE:
	case SPFC_TERM_REDIRECT:
		return t->child ? NULL : "not followed";
	default:
		return NULL;
	}
}

/* Following the check's events through the walked tree: the record and
 * the last term at each depth. */
struct follow {
	struct checked *k;
	const struct node *root;
	const struct node *at[FOLLOW_MAX_DEPTH + 1];
	const struct lterm *last[FOLLOW_MAX_DEPTH + 1];
	const char *pending;	/* the gap of the term just reached */
	const struct lterm *pending_t;
	const char *pending_dom;
};

/* The first gap is the one the path note names. */
static void follow_gap(struct follow *w, const char *why,
		       const struct lterm *t, const char *dom)
{
	if (w->k->gap)
		return;
	w->k->gap = why;
	w->k->gap_t = t;
	w->k->gap_dom = dom;
}

/* check_host() of a domain at depth d: the walked record it is. */
static void follow_host(struct follow *w, unsigned d, const char *domain)
{
	const struct node *nd = NULL;
	const struct lterm *up = d >= 2 ? w->last[d - 1] : NULL;

	if (w->at[d] && w->last[d] &&
	    w->last[d]->type == SPFC_TERM_REDIRECT)
		nd = w->last[d]->child;
	else if (d == 1 && !w->at[1])
		nd = w->root;
	else if (up && up->type == SPFC_TERM_INCLUDE)
		nd = up->child;
	w->at[d] = nd;
	w->last[d] = NULL;
	if (!nd)
		return;
	if (nd->status == N_TOODEEP)
		follow_gap(w, "nested too deep", NULL, nd->domain);
	else if (nd->status != N_LOOP &&
		 !sc_eq_nocase(nd->domain, strlen(nd->domain), domain,
			    sc_strip_dot(domain, strlen(domain))))
		w->k->changed = 1;
}

/* A term reached at depth d: the walked term it is, and what the walk
 * cannot say about it (told once the check goes past it). */
static void follow_term(struct follow *w, unsigned d, const spfc_event *ev)
{
	const struct node *nd = w->at[d];
	const struct lterm *t;

	w->last[d] = NULL;
	if (d < FOLLOW_MAX_DEPTH)
		w->at[d + 1] = NULL;	/* an include of this term starts anew */
	if (!nd || ev->index >= nd->nterms)
		return;
	t = &nd->terms[ev->index];
	if (t->len != ev->term_len || memcmp(t->text, ev->term, t->len) != 0) {
		w->k->changed = 1;
		return;
	}
	w->last[d] = t;
	w->pending = walk_gap(t);
	w->pending_t = t;
	w->pending_dom = nd->domain;
}

/* The record the check read at depth d against the walk's. */
static void follow_record(struct follow *w, unsigned d, const spfc_event *ev)
{
	const struct node *nd = w->at[d];

	if (!nd || nd->status == N_LOOP || nd->status == N_TOODEEP)
		return;
	if (ev->kind == SPFC_EV_NO_RECORD) {
		if (nd->status == N_OK)
			w->k->changed = 1;
	} else if (!nd->record || nd->len != ev->text_len ||
		   memcmp(nd->record, ev->text, nd->len) != 0) {
		w->k->changed = 1;
	}
}

/* The check's events (spfc_check_set_events).  A term's gap counts only
 * when the evaluation goes on past it: a term that is the lookup too many
 * ends the check at the limit, which the walk does know. */
static void on_event(const spfc_check *c, const spfc_event *ev, void *arg)
{
	struct follow *w = arg;
	unsigned d = ev->depth;

	(void)c;
	if (ev->kind == SPFC_EV_LIMIT && ev->limit == SPFC_LIMIT_LOOKUPS)
		w->pending = NULL;	/* the limit decides, not the term */
	if (w->pending)
		follow_gap(w, w->pending, w->pending_t, w->pending_dom);
	w->pending = NULL;
	if (d > FOLLOW_MAX_DEPTH)
		return;
	switch (ev->kind) {
	case SPFC_EV_CHECK_HOST:
		follow_host(w, d, ev->domain);
		break;
	case SPFC_EV_TERM:
		follow_term(w, d, ev);
		counts_event(w->k, ev, w->at[d], w->last[d]);
		break;
	case SPFC_EV_RECORD:
	case SPFC_EV_NO_RECORD:
		follow_record(w, d, ev);
		break;
	default:
		counts_event(w->k, ev, NULL, NULL);	/* lint_counts.c */
		break;
	}
}

/* The walked record and term of each step of the decider path. */
static int path_map(struct checked *k, const struct node *root)
{
	const struct node *nd = root;
	size_t i;

	k->npath = 0;
	k->decided = spfc_check_decider(k->c, &k->path, &k->npath);
	k->terms = calloc(k->npath ? k->npath : 1, sizeof *k->terms);
	k->nodes = calloc(k->npath ? k->npath : 1, sizeof *k->nodes);
	if (!k->terms || !k->nodes)
		return -1;
	for (i = 0; i < k->npath && nd; i++) {
		const spfc_step *st = &k->path[i];
		const struct lterm *t;

		if (st->index >= nd->nterms)
			break;
		t = &nd->terms[st->index];
		if (t->len != st->term_len ||
		    memcmp(t->text, st->term, t->len) != 0)
			break;
		k->nodes[i] = nd;
		k->terms[i] = t;
		nd = t->child;
		if (nd && nd->status == N_LOOP) {
			/* The walk stops where the loop closes; the check
			 * goes round until the lookup limit. */
			k->npath = i + 1;
			break;
		}
	}
	return 0;
}

/* Run the check of --ip through r with the library's own evaluation,
 * following it through the walked tree.  SPFC_OK or the status of
 * spfc_check_new(); out of memory after the check sets L->nomem. */
spfc_status run_check(struct lint *L, spfc_resolver *r,
		      const spfc_options *o, const spfc_request *req,
		      struct checked *k)
{
	struct follow w;
	spfc_status st = spfc_check_new(r, o, req, &k->c);

	if (st != SPFC_OK)
		return st;
	memset(&w, 0, sizeof w);
	w.k = k;
	w.root = L->root;
	spfc_check_set_events(k->c, on_event, &w);
	spfc_check_drive(k->c);
	if (path_map(k, L->root) < 0)
		L->nomem = 1;
	counts_findings(L, k);
	return SPFC_OK;
}

void checked_free(struct checked *k)
{
	spfc_check_free(k->c);
	free(k->terms);
	free(k->nodes);
	counts_free(k);
}

/* The check ended in an error at the last step of the path. */
int path_error(const struct checked *k)
{
	return k->decided == SPFC_DECIDED_ERROR;
}

void path_note(const struct checked *k, spfc_buf *b)
{
	if (k->gap) {
		spfc_buf_adds(b, "not known from the walk: ");
		if (k->gap_t) {
			add_safe(b, k->gap_t->text, k->gap_t->len);
			spfc_buf_adds(b, " at ");
			add_safes(b, k->gap_dom);
			spfc_buf_adds(b, ": ");
		}
		spfc_buf_adds(b, k->gap);
	} else if (k->changed) {
		spfc_buf_adds(b, "the check read records other than the "
			      "walk's: did DNS change in between?");
	} else if (k->decided == SPFC_DECIDED_NONE) {
		spfc_buf_adds(b, "no SPF record");
	} else if (k->decided == SPFC_DECIDED_ERROR && k->npath == 0) {
		spfc_buf_adds(b, "the check stopped with an error");
	} else if (k->decided == SPFC_DECIDED_DEFAULT) {
		spfc_buf_adds(b, "no term matched: the default is neutral");
	}
}

/* Step i of the path: its domain as the walk spells it, its host without
 * a trailing dot (NULL: none). */
const char *step_domain(const struct checked *k, size_t i)
{
	return k->nodes[i] ? k->nodes[i]->domain : k->path[i].domain;
}

void add_host(spfc_buf *b, const char *host)
{
	size_t n = sc_strip_dot(host, strlen(host));

	if (n)
		add_safe(b, host, n);
	else
		spfc_buf_addc(b, '.');
}

/* Fill in the request of the check: the sender at the linted domain
 * (postmaster by default), the HELO name (the domain by default).  0, or
 * LINT_EXIT_USAGE after complaining. */
int check_request(const struct lint_request *q, const char *domain,
		  spfc_request *req, spfc_buf *sender)
{
	*req = *q->check;
	if (req->scope == SPFC_SCOPE_HELO) {
		if (req->helo && *req->helo &&
		    !sc_eq_nocase(req->helo, sc_strip_dot(req->helo,
						    strlen(req->helo)),
			       domain, strlen(domain))) {
			complain("with --lint and --scope helo, --helo must be "
				 "the linted domain, not", req->helo);
			return LINT_EXIT_USAGE;
		}
		req->helo = domain;
		req->sender = NULL;
		return 0;
	}
	if (req->sender && *req->sender) {
		const char *at = strrchr(req->sender, '@');
		const char *sd = at ? at + 1 : req->sender;

		if (!sc_eq_nocase(sd, sc_strip_dot(sd, strlen(sd)), domain,
			       strlen(domain))) {
			complain("with --lint, --sender must be at the linted "
				 "domain, not", req->sender);
			return LINT_EXIT_USAGE;
		}
	} else {
		spfc_buf_adds(sender, "postmaster@");
		spfc_buf_adds(sender, domain);
		req->sender = spfc_buf_str(sender);
	}
	if (!req->helo || !*req->helo)
		req->helo = domain;
	return 0;
}
