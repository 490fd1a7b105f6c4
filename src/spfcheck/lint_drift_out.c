/*
 * lint_drift_out.c - the report of --against (lint_drift.c): the changes,
 * notes and published records, as text and as JSON.
 */
#include "lint_drift.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Output pieces -------------------------------------------------- */

static const char *qual_name(char q)
{
	switch (q) {
	case '+': return "pass";
	case '-': return "fail";
	case '~': return "softfail";
	default: return "neutral";
	}
}

static const char *kind_name(enum dkind k)
{
	return k == D_ADDED ? "added" : k == D_REMOVED ? "removed" : "changed";
}

static size_t changes(const struct drift *d)
{
	return d->nlines + d->more_lines + (d->all_changed ? 1 : 0);
}

/* The CIDR networks of a change, each as " ip4:..." / " ip6:...". */
static void line_ranges(const struct dline *ln, spfc_buf *b, int full)
{
	struct range r;
	struct flat one;

	memset(&r, 0, sizeof r);
	memset(&one, 0, sizeof one);
	r.family = ln->family;
	r.q = '+';		/* the change says the result itself */
	drift_u_bytes(ln->lo, ln->family, r.lo);
	drift_u_bytes(ln->hi, ln->family, r.hi);
	one.v = &r;		/* the text lists v, JSON the pieces */
	one.n = 1;
	one.pieces = &r;
	one.npieces = 1;
	range_list(&one, ln->family, b, full);
}

/* The record given on the command line has no name of its own. */
static int is_given(const struct drift *d, const struct node *nd)
{
	return d->literal && nd == d->P.root;
}

/* How the report names a record: "include:X", "redirect=X" or "X". */
static void via_text(spfc_buf *b, const struct node *nd, int safe)
{
	if (nd->how == VIA_INCLUDE)
		spfc_buf_adds(b, "include:");
	else if (nd->how == VIA_REDIRECT)
		spfc_buf_adds(b, "redirect=");
	if (safe)
		add_safes(b, nd->domain);
	else
		spfc_buf_adds(b, nd->domain);
}

/* The published records, in the order of the walk. */
static void pub_records(const struct node *nd, const struct node **v,
			size_t *n, size_t *total)
{
	size_t i;

	if (*n < DRIFT_RECORDS_MAX)
		v[(*n)++] = nd;
	(*total)++;
	for (i = 0; i < nd->nterms; i++)
		if (nd->terms[i].child)
			pub_records(nd->terms[i].child, v, n, total);
}

/* ---- Text ------------------------------------------------------------ */

static void text_where(spfc_buf *b, const struct drift *d,
		       const struct node *nd, const char *in, const char *via)
{
	if (is_given(d, nd)) {
		spfc_buf_adds(b, in);
		spfc_buf_adds(b, "the record given");
		return;
	}
	spfc_buf_adds(b, nd->how == VIA_TOP ? in : via);
	via_text(b, nd, 1);
}

static void text_line(spfc_buf *b, const struct drift *d,
		      const struct dline *ln)
{
	spfc_buf_adds(b, "  ");
	spfc_buf_adds(b, kind_name(ln->kind));
	spfc_buf_addc(b, ':');
	line_ranges(ln, b, 0);
	spfc_buf_addc(b, ' ');
	switch (ln->kind) {
	case D_ADDED:
		spfc_buf_adds(b, "(");
		spfc_buf_adds(b, qual_name(ln->now));
		text_where(b, d, ln->via, ", in ", ", via ");
		break;
	case D_REMOVED:
		spfc_buf_adds(b, "(");
		spfc_buf_adds(b, qual_name(ln->was));
		text_where(b, d, ln->via, ", published in ",
			   ", published via ");
		break;
	case D_CHANGED:
		spfc_buf_adds(b, qual_name(ln->was));
		spfc_buf_adds(b, " -> ");
		spfc_buf_adds(b, qual_name(ln->now));
		text_where(b, d, ln->via, " (in ", " (via ");
		break;
	}
	spfc_buf_adds(b, ")\n");
}

static void text_note(spfc_buf *b, const struct drift *d,
		      const struct dnote *n)
{
	spfc_buf_adds(b, n->error ? "  error" : "  not compared");
	spfc_buf_adds(b, n->published ? " (published): " : ": ");
	if (n->nd) {
		if (is_given(d, n->nd))
			spfc_buf_adds(b, "the record given");
		else
			add_safes(b, n->nd->domain);
		if (n->t) {
			spfc_buf_addc(b, ' ');
			add_safe(b, n->t->text, n->t->len);
		}
		spfc_buf_adds(b, ": ");
	}
	spfc_buf_adds(b, n->why);
	spfc_buf_addc(b, '\n');
}

static void text_published(spfc_buf *b, const struct drift *d)
{
	const struct node *v[DRIFT_RECORDS_MAX];
	size_t n = 0, total = 0, i;

	pub_records(d->P.root, v, &n, &total);
	spfc_buf_adds(b, total == 1 ? "  published record: "
				    : "  published records: ");
	for (i = 0; i < n; i++) {
		if (i)
			spfc_buf_adds(b, ", ");
		if (is_given(d, v[i]))
			spfc_buf_adds(b, "the record given");
		else
			add_safes(b, v[i]->domain);
	}
	if (n < total)
		spfc_buf_adds(b, ", ...");
	spfc_buf_addc(b, '\n');
}

void text_drift(struct out *o, const struct drift *d)
{
	spfc_buf *b = o->b;
	size_t i, nch = changes(d);

	spfc_buf_adds(b, "\ndrift against ");
	if (d->literal)
		spfc_buf_adds(b, "the record given");
	else
		add_safes(b, d->name);
	spfc_buf_adds(b, ":\n");
	text_published(b, d);
	for (i = 0; i < d->nlines; i++)
		text_line(b, d, &d->lines[i]);
	if (d->more_lines) {
		spfc_buf_adds(b, "  ");
		spfc_buf_addu(b, d->more_lines);
		spfc_buf_adds(b, " more changes are not shown\n");
	}
	if (d->all_changed) {
		spfc_buf_adds(b, "  changed: all ");
		spfc_buf_adds(b, qual_name(d->all_was));
		spfc_buf_adds(b, " -> ");
		spfc_buf_adds(b, qual_name(d->all_now));
		spfc_buf_addc(b, '\n');
	}
	for (i = 0; i < d->nnotes; i++)
		text_note(b, d, &d->notes[i]);
	if (d->more_notes) {
		spfc_buf_adds(b, "  ");
		spfc_buf_addu(b, d->more_notes);
		spfc_buf_adds(b, " more notes are not shown\n");
	}
	if (d->nerrors) {
		spfc_buf_adds(b, "  not decided: ");
		spfc_buf_addu(b, d->nerrors);
		spfc_buf_adds(b, d->nerrors == 1 ? " error\n" : " errors\n");
	} else if (nch) {
		spfc_buf_adds(b, "  ");
		spfc_buf_addu(b, nch);
		spfc_buf_adds(b, nch == 1 ? " change" : " changes");
		spfc_buf_adds(b, ": the published record is out of date\n");
	} else {
		spfc_buf_adds(b, "  no drift: the published record authorizes "
				 "what the tree does now\n");
	}
}

/* ---- JSON ------------------------------------------------------------ */

static void json_via(struct jw *j, const char *key, const struct drift *d,
		     const struct node *nd)
{
	spfc_buf v;

	if (!nd || is_given(d, nd)) {
		jw_null(j, key);
		return;
	}
	spfc_buf_init(&v, OUT_MAX);
	via_text(&v, nd, 0);
	if (v.err && !j->b->err)
		j->b->err = v.err;
	jw_strn(j, key, spfc_buf_str(&v), v.len);
	spfc_buf_free(&v);
}

static void json_line(struct jw *j, const struct drift *d,
		      const struct dline *ln)
{
	spfc_buf terms;
	const char *p, *e;

	jw_open(j, NULL, '{');
	jw_str(j, "change", kind_name(ln->kind));
	jw_open(j, "ranges", '[');
	spfc_buf_init(&terms, OUT_MAX);
	line_ranges(ln, &terms, 1);
	if (terms.err && !j->b->err)
		j->b->err = terms.err;
	for (p = spfc_buf_str(&terms); *p; p = e) {
		p++;	/* the space before each term */
		e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		jw_strn(j, NULL, p, (size_t)(e - p));
	}
	spfc_buf_free(&terms);
	jw_close(j, ']');
	jw_str(j, "was", qual_name(ln->was));
	jw_str(j, "now", qual_name(ln->now));
	json_via(j, "via", d, ln->via);
	jw_close(j, '}');
}

static void json_notes(struct jw *j, const struct drift *d, int error)
{
	size_t i;

	jw_open(j, error ? "errors" : "not_compared", '[');
	for (i = 0; i < d->nnotes; i++) {
		const struct dnote *n = &d->notes[i];

		if (n->error != error)
			continue;
		jw_open(j, NULL, '{');
		jw_str(j, "side", n->published ? "published" : "now");
		if (n->nd && !is_given(d, n->nd))
			jw_str(j, "domain", n->nd->domain);
		else
			jw_null(j, "domain");
		if (n->t)
			jw_strn(j, "term", n->t->text, n->t->len);
		else
			jw_null(j, "term");
		jw_str(j, "reason", n->why);
		jw_close(j, '}');
	}
	jw_close(j, ']');
}

void json_drift(struct jw *j, const struct drift *d)
{
	const struct node *v[DRIFT_RECORDS_MAX];
	size_t n = 0, total = 0, i;

	jw_open(j, "drift", '{');
	jw_str(j, "against", d->literal ? d->against : d->name);
	jw_bool(j, "record_given", d->literal);
	pub_records(d->P.root, v, &n, &total);
	jw_open(j, "published", '[');
	for (i = 0; i < n; i++) {
		if (is_given(d, v[i]))
			jw_null(j, NULL);
		else
			jw_str(j, NULL, v[i]->domain);
	}
	jw_close(j, ']');
	jw_num(j, "published_records", total);
	jw_bool(j, "decided", d->nerrors == 0);
	if (d->nerrors)
		jw_null(j, "drift");
	else
		jw_bool(j, "drift", changes(d) != 0);
	jw_num(j, "changes_count", changes(d));
	jw_open(j, "changes", '[');
	for (i = 0; i < d->nlines; i++)
		json_line(j, d, &d->lines[i]);
	if (d->all_changed) {
		jw_open(j, NULL, '{');
		jw_str(j, "change", "all");
		jw_open(j, "ranges", '[');
		jw_close(j, ']');
		jw_str(j, "was", qual_name(d->all_was));
		jw_str(j, "now", qual_name(d->all_now));
		jw_null(j, "via");
		jw_close(j, '}');
	}
	jw_close(j, ']');
	jw_num(j, "changes_not_shown", d->more_lines);
	json_notes(j, d, 1);
	json_notes(j, d, 0);
	jw_num(j, "notes_not_shown", d->more_notes);
	jw_close(j, '}');
}
