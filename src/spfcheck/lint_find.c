/*
 * lint_find.c - the findings of a lint: the list (kept once each, bounded
 * by FINDINGS_MAX) and the findings about the whole tree -- no record at
 * the top, more DNS-querying terms or void lookups than RFC 7208 §4.6.4
 * allows.
 *
 * How it fails: out of memory sets L->nomem; a finding past the bound is
 * only counted.
 */
#include "lint_int.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void finding_v(struct lint *L, enum sev sev, const char *domain,
	       const struct lterm *t, ...)
{
	struct finding *f;
	spfc_buf b;
	const char *term = "";
	const char *piece;
	size_t tlen = 0, pos = 0, i;
	va_list ap;

	if (t) {
		term = t->text;
		tlen = t->len;
		pos = t->pos;
	}
	if ((int)sev > L->maxsev)
		L->maxsev = (int)sev;
	if (L->nf >= FINDINGS_MAX && domain != NULL) {
		L->dropped++;
		return;
	}
	if (!domain)	/* the note about dropped findings */
		domain = L->top;
	spfc_buf_init(&b, 0);
	va_start(ap, t);
	while ((piece = va_arg(ap, const char *)) != NULL)
		spfc_buf_adds(&b, piece);
	va_end(ap);
	if (b.err) {
		L->nomem = 1;
		spfc_buf_free(&b);
		return;
	}
	for (i = 0; i < L->nf; i++) {
		f = &L->f[i];
		if (f->sev == sev && f->pos == pos &&
		    strcmp(f->domain, domain) == 0 &&
		    f->term_len == tlen && memcmp(f->term, term, tlen) == 0 &&
		    strcmp(f->msg, spfc_buf_str(&b)) == 0) {
			spfc_buf_free(&b);
			return;
		}
	}
	if (lint_grow(L, &L->f, L->nf, &L->capf, sizeof *L->f, 16) < 0) {
		spfc_buf_free(&b);
		return;
	}
	f = &L->f[L->nf];
	f->sev = sev;
	if (finding_fill(L, f, domain, term, tlen, pos, spfc_buf_take(&b)) == 0)
		L->nf++;
	spfc_buf_free(&b);
}

/* Fill f's copies of domain and term (tlen bytes), pos and msg (taken).
 * 0, or -1 with nothing kept and L->nomem set. */
int finding_fill(struct lint *L, struct finding *f, const char *domain,
		 const char *term, size_t tlen, size_t pos, char *msg)
{
	f->pos = pos;
	f->domain = dupn(domain, strlen(domain));
	f->term = dupn(term, tlen);
	f->term_len = tlen;
	f->msg = msg;
	if (!f->domain || !f->term || !f->msg) {
		free(f->domain);
		free(f->term);
		free(f->msg);
		L->nomem = 1;
		return -1;
	}
	return 0;
}

void count_voids(const struct node *nd, struct voids *v)
{
	size_t i;
	int f;

	if (!nd)
		return;
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i];

		if (!t->reached || !t->counted)
			continue;
		for (f = 0; f < 2; f++) {
			if (!(f == 0 ? t->void4 : t->void6))
				continue;
			if (v->n[f] < VOID_LIST_MAX) {
				v->t[f][v->n[f]] = t;
				v->dom[f][v->n[f]] = nd->domain;
			}
			v->n[f]++;
		}
		count_voids(t->child, v);
	}
}

static void void_findings(struct lint *L)
{
	struct voids v;
	int f, same;
	size_t i;
	char num[24];

	memset(&v, 0, sizeof v);
	count_voids(L->root, &v);
	same = v.n[0] == v.n[1];
	for (i = 0; same && i < v.n[0] && i < VOID_LIST_MAX; i++)
		same = v.t[0][i] == v.t[1][i];
	for (f = 0; f < 2; f++) {
		spfc_buf b;

		if (v.n[f] <= VOID_LIMIT || (same && f == 1))
			continue;
		spfc_buf_init(&b, 0);
		for (i = 0; i < v.n[f] && i < VOID_LIST_MAX; i++) {
			if (i)
				spfc_buf_adds(&b, ", ");
			spfc_buf_add(&b, v.t[f][i]->text, v.t[f][i]->len);
			spfc_buf_adds(&b, " at ");
			spfc_buf_adds(&b, v.dom[f][i]);
		}
		if (v.n[f] > VOID_LIST_MAX)
			spfc_buf_adds(&b, ", ...");
		finding(L, SEV_ERROR, L->root->domain, NULL,
			same ? "all" : f == 0 ? "IPv4" : "IPv6",
			" clients make ",
			utoa(v.n[f], num), " void lookups (",
			b.err ? "..." : spfc_buf_str(&b), "), more than the 2 "
			"RFC 7208 section 4.6.4 allows: receivers return permerror "
			"for clients that get past the second");
		spfc_buf_free(&b);
	}
}

/* The DNS-querying term past the limit (the 11th), in evaluation order,
 * each counted as the evaluator counts it (spfc_term_lookups), or NULL. */
static const struct lterm *eleventh(const struct node *nd, unsigned *seen,
				    const char **dom)
{
	size_t i;

	if (!nd)
		return NULL;
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i], *x;

		if (!t->reached || !t->counted)
			continue;
		*seen += spfc_term_lookups(t->type);
		if (*seen > LOOKUP_LIMIT) {
			*dom = nd->domain;
			return t;
		}
		x = eleventh(t->child, seen, dom);
		if (x)
			return x;
	}
	return NULL;
}

void tree_findings(struct lint *L)
{
	struct node *root = L->root;
	char num[24];

	switch (root->status) {
	case N_NXDOMAIN:
	case N_NODATA:
	case N_NOSPF:
		finding(L, SEV_ERROR, root->domain, NULL, status_words(
			root->status), ": receivers get none, and nothing stops "
			"others from sending mail as this domain");
		break;
	case N_SERVFAIL:
	case N_TIMEOUT:
		finding(L, SEV_ERROR, root->domain, NULL, status_words(
			root->status), ": receivers return temperror");
		break;
	default:
		break;
	}
	if (root->total > LOOKUP_LIMIT) {
		unsigned seen = 0;
		const char *dom = root->domain;
		const struct lterm *t = eleventh(root, &seen, &dom);

		finding(L, SEV_ERROR, dom, t, "the tree has ",
			utoa(root->total, num), " DNS-querying terms, more "
			"than the 10 RFC 7208 section 4.6.4 allows",
			t ? "; this is the 11th: receivers that get this far "
			    "return permerror" : "");
	}
	void_findings(L);
}
