/*
 * spfrecord.c - the public record API of <spfc/record.h>: the internal
 * parser of record.c (the single source of truth for the grammar) behind
 * an opaque spfc_record, a mode that keeps every term of a broken record,
 * and the name and explanation checks of name.c and macro.c.
 *
 * How it fails: SPFC_ESYNTAX with the parser's reason, SPFC_ENOMEM, never
 * anything else; a record is built completely or not at all.  The text
 * is copied once, read with explicit lengths, and never changed.  A
 * record that does not parse as a whole is parsed again term by term,
 * each term on its own through record_term_parse (a second redirect= or
 * exp= gets the reason the parser gives one); the work stays linear in
 * the length of the record.
 */
#include <spfc/record.h>

#include "macro.h"
#include "name.h"
#include "recparse.h"

#include <stdlib.h>
#include <string.h>

struct xterm {
	struct term t;		/* pointers into the record's own text */
	spfc_term_kind kind;
	size_t off;		/* offset in the record text */
	unsigned macros;	/* SPFC_MACRO_BIT per letter in the spec */
	char *error;		/* invalid: the reason (owned); else NULL */
};

struct spfc_record {
	char *text;		/* NUL-terminated copy */
	size_t len;
	struct xterm *terms;
	size_t n, cap;
	size_t ninvalid;
	long redirect, exp;	/* the term holding each, or -1 */
};

/* ---- Building ------------------------------------------------------ */

/* The letters of the macros in a spec that passed macro_check: each
 * "%{" is followed by its letter; "%%", "%_" and "%-" are skipped whole. */
static unsigned macro_letters(const char *s, size_t n)
{
	unsigned m = 0;
	size_t i;

	for (i = 0; i + 2 < n; i++) {
		if (s[i] != '%')
			continue;
		if (s[i + 1] == '{')
			m |= SPFC_MACRO_BIT(sc_to_lower(s[i + 2]));
		i++;
	}
	return m;
}

/* An empty record holding a copy of text[0..len); NULL out of memory. */
static struct spfc_record *rec_new(const char *text, size_t len)
{
	struct spfc_record *r = calloc(1, sizeof *r);
	spfc_buf copy;

	if (!r)
		return NULL;
	spfc_buf_init(&copy, len + 1);
	spfc_buf_add(&copy, text, len);
	r->text = spfc_buf_take(&copy);
	spfc_buf_free(&copy);
	if (!r->text) {
		free(r);
		return NULL;
	}
	r->len = len;
	r->redirect = r->exp = -1;
	return r;
}

/* A new, zeroed slot at the end; NULL when out of memory. */
static struct xterm *rec_slot(struct spfc_record *r)
{
	struct xterm *x;

	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		struct xterm *nt = realloc(r->terms, ncap * sizeof *nt);

		if (!nt)
			return NULL;
		r->terms = nt;
		r->cap = ncap;
	}
	x = &r->terms[r->n++];
	memset(x, 0, sizeof *x);
	x->t.cidr4 = 32;
	x->t.cidr6 = 128;
	return x;
}

/* Take a parsed term whose text is the term at offset off of r: its
 * pointers are moved into r's own copy. */
static void take_term(struct spfc_record *r, struct xterm *x,
		      const struct term *t, size_t off)
{
	x->t = *t;
	x->t.text = r->text + off;
	if (t->spec)
		x->t.spec = x->t.text + (t->spec - t->text);
	x->kind = t->type;
	x->off = off;
	x->macros = t->spec ? macro_letters(t->spec, t->spec_len) : 0;
}

/* A whole record that parsed: every term taken over. */
static struct spfc_record *rec_from(const struct record *p)
{
	struct spfc_record *r = rec_new(p->text, p->len);
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < p->nterms; i++) {
		struct xterm *x = rec_slot(r);

		if (!x) {
			spfc_record_free(r);
			return NULL;
		}
		take_term(r, x, &p->terms[i], (size_t)(p->terms[i].text -
						       p->text));
	}
	r->redirect = p->redirect;
	r->exp = p->exp;
	return r;
}

/* ---- Keeping every term ---------------------------------------------- */

/* 1 when every byte is one a term may hold: printable ASCII, no space. */
static int term_bytes_ok(const char *s, size_t n)
{
	return sc_all_bytes(s, n, sc_is_graph);
}

/* One term of a record that does not parse as a whole, parsed on its
 * own by record_term_parse with what the terms before it gave (a second
 * redirect= or exp= is invalid).  A term written as redirect= or exp=
 * takes that modifier's place even when it is invalid, unless it holds a
 * byte outside printable ASCII. */
static spfc_status each_term(struct spfc_record *r, size_t off, size_t n)
{
	const char *s = r->text + off;
	struct xterm *x = rec_slot(r);
	int bytes_ok = term_bytes_ok(s, n);
	unsigned seen = 0;
	struct term t;
	spfc_buf why;
	int ok;

	if (!x)
		return SPFC_ENOMEM;
	if (bytes_ok) {
		seen |= r->redirect >= 0 ? RECORD_SEEN_REDIRECT : 0;
		seen |= r->exp >= 0 ? RECORD_SEEN_EXP : 0;
	}
	spfc_buf_init(&why, 0);
	ok = record_term_parse(s, n, seen, &t, &why) == 0;
	if (bytes_ok && t.type == SPFC_TERM_REDIRECT && r->redirect < 0)
		r->redirect = (long)(r->n - 1);
	else if (bytes_ok && t.type == SPFC_TERM_EXP && r->exp < 0)
		r->exp = (long)(r->n - 1);
	if (ok) {
		take_term(r, x, &t, off);
		spfc_buf_free(&why);
		return SPFC_OK;
	}
	x->kind = SPFC_TERM_INVALID;
	x->t.text = s;
	x->t.text_len = n;
	x->off = off;
	if (bytes_ok && t.type == SPFC_TERM_INVALID)
		x->t.qual = (s[0] == '+' || s[0] == '-' || s[0] == '~' ||
			     s[0] == '?') ? s[0] : '+';
	r->ninvalid++;
	x->error = why.err ? NULL : spfc_buf_take(&why);
	spfc_buf_free(&why);
	return x->error ? SPFC_OK : SPFC_ENOMEM;
}

static spfc_status parse_each(const char *text, size_t len,
			      spfc_record **out)
{
	struct spfc_record *r = rec_new(text, len);
	size_t i = 6, end;
	spfc_status st = SPFC_OK;

	if (!r)
		return SPFC_ENOMEM;
	/* Terms are separated by runs of spaces (RFC 7208 §12, 1*SP). */
	for (; i < len && st == SPFC_OK; i = end) {
		const char *sp = memchr(r->text + i, ' ', len - i);

		end = sp ? (size_t)(sp - r->text) : len;
		if (end > i)
			st = each_term(r, i, end - i);
		else
			end = i + 1;
	}
	if (st != SPFC_OK) {
		spfc_record_free(r);
		return st;
	}
	*out = r;
	return SPFC_OK;
}

/* ---- Parsing --------------------------------------------------------- */

int spfc_record_is_spf(const char *text, size_t len)
{
	return record_is_spf(text, len);
}

spfc_status spfc_record_parse(const char *text, size_t len,
			      spfc_record **out, spfc_buf *why)
{
	struct record *p = NULL;
	spfc_buf none;
	spfc_status st;

	*out = NULL;
	spfc_buf_init(&none, 0);
	st = record_parse(text, len, &p, why ? why : &none);
	spfc_buf_free(&none);
	if (st != SPFC_OK)
		return st;
	*out = rec_from(p);
	record_free(p);
	return *out ? SPFC_OK : SPFC_ENOMEM;
}

spfc_status spfc_record_parse_all(const char *text, size_t len,
				  spfc_record **out, spfc_buf *why)
{
	spfc_status st;

	*out = NULL;
	if (len > RECORD_MAX_LEN || !record_is_spf(text, len))
		return spfc_record_parse(text, len, out, why);
	st = spfc_record_parse(text, len, out, NULL);
	if (st != SPFC_ESYNTAX)
		return st;
	return parse_each(text, len, out);
}

void spfc_record_free(spfc_record *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->terms[i].error);
	free(r->terms);
	free(r->text);
	free(r);
}

/* ---- Accessors ------------------------------------------------------- */

static const struct xterm *term_at(const spfc_record *r, size_t i)
{
	return r && i < r->n ? &r->terms[i] : NULL;
}

const char *spfc_record_text(const spfc_record *r, size_t *len)
{
	if (len)
		*len = r->len;
	return r->text;
}

size_t spfc_record_count(const spfc_record *r)
{
	return r->n;
}

size_t spfc_record_invalid(const spfc_record *r)
{
	return r->ninvalid;
}

int spfc_record_modifier(const spfc_record *r, spfc_term_kind kind,
			 size_t *index)
{
	long at = kind == SPFC_TERM_REDIRECT ? r->redirect
		  : kind == SPFC_TERM_EXP    ? r->exp
					     : -1;

	if (at < 0)
		return 0;
	*index = (size_t)at;
	return 1;
}

spfc_term_kind spfc_record_term_kind(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->kind : SPFC_TERM_INVALID;
}

char spfc_record_term_qualifier(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->t.qual : 0;
}

const char *spfc_record_term_text(const spfc_record *r, size_t i,
				  size_t *len)
{
	const struct xterm *x = term_at(r, i);

	if (len)
		*len = x ? x->t.text_len : 0;
	return x ? x->t.text : NULL;
}

size_t spfc_record_term_offset(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->off : 0;
}

const char *spfc_record_term_spec(const spfc_record *r, size_t i,
				  size_t *len)
{
	const struct xterm *x = term_at(r, i);

	if (len)
		*len = x && x->t.spec ? x->t.spec_len : 0;
	return x ? x->t.spec : NULL;
}

unsigned spfc_record_term_macros(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->macros : 0;
}

unsigned spfc_record_term_cidr4(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->t.cidr4 : 32;
}

unsigned spfc_record_term_cidr6(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->t.cidr6 : 128;
}

int spfc_record_term_network(const spfc_record *r, size_t i, spfc_addr *net,
			     unsigned *prefix)
{
	const struct xterm *x = term_at(r, i);

	if (!x || (x->kind != SPFC_TERM_IP4 && x->kind != SPFC_TERM_IP6))
		return 0;
	*net = x->t.addr;
	*prefix = x->kind == SPFC_TERM_IP4 ? x->t.cidr4 : x->t.cidr6;
	return 1;
}

const char *spfc_record_term_error(const spfc_record *r, size_t i)
{
	const struct xterm *x = term_at(r, i);

	return x ? x->error : NULL;
}

spfc_status spfc_record_term_expand(const spfc_record *r, size_t i,
				    const char *domain,
				    const char *sender_domain, spfc_buf *out)
{
	const struct xterm *x = term_at(r, i);
	const unsigned known = SPFC_MACRO_BIT('d') | SPFC_MACRO_BIT('o');
	spfc_addr none;
	struct macro_env env;

	if (!x || !x->t.spec || (x->macros & ~known))
		return SPFC_EINVAL;
	if (out->err)
		return (spfc_status)out->err;
	memset(&none, 0, sizeof none);
	none.family = 4;
	memset(&env, 0, sizeof env);
	env.sender = env.local = env.helo = "";
	env.domain = domain;
	env.sdomain = sender_domain;
	env.ip = &none;
	if (macro_expand(x->t.spec, x->t.spec_len, &env, MACRO_DOMAIN, out) <
	    0)
		return out->err ? (spfc_status)out->err : SPFC_ELIMIT;
	return SPFC_OK;
}

/* ---- Around records -------------------------------------------------- */

spfc_status spfc_explanation_check(const char *text, size_t len,
				   spfc_buf *why)
{
	int uses_p;

	return macro_check(text, len, MACRO_EXP, &uses_p, why) < 0
		       ? SPFC_ESYNTAX
		       : SPFC_OK;
}

int spfc_name_valid(const char *name, size_t len)
{
	return name_valid_domain(name, len);
}

int spfc_name_queryable(const char *name, size_t len)
{
	return name_queryable(name, len);
}
