/*
 * fuzz_record.c - libFuzzer target for the SPF record parser
 * (src/lib/record.c, RFC 7208 §4.5, §4.6, §5, §6, §12).
 *
 * The input is one TXT text, any bytes.  It is checked twice: as given
 * (up to RECORD_MAX_LEN bytes) and, when it is not an SPF record yet,
 * behind "v=spf1 " so that most inputs reach the term parser.  Rules:
 *  - a parse error is SPFC_ESYNTAX with a non-empty reason; a record that
 *    parses starts with "v=spf1" (record_is_spf agrees);
 *  - every term lies inside the record's own copy of the text, its spec
 *    inside the term, CIDR lengths within 32 / 128, redirect= and exp=
 *    indexes name terms of that type (and only one of each);
 *  - record_print gives text that parses again to the same terms and
 *    prints the same (the round trip is a fixed point);
 *  - the public API (include/spfc/record.h) agrees: spfc_record_parse
 *    succeeds exactly when record_parse does, with the same terms;
 *    spfc_record_parse_all accepts every SPF record of at most
 *    RECORD_MAX_LEN bytes, marks no term invalid exactly when the strict
 *    parse succeeds (then giving the same terms), gives each invalid term
 *    a reason, keeps term texts inside the record at their offsets, and
 *    answers "absent" past the last term; a term's expansion with
 *    spfc_record_term_expand is at most 253 bytes (RFC 7208 §7.3).
 *
 * How it fails: abort() on any broken rule, so libFuzzer reports it with
 * the input; out of memory ends the run for that input quietly.
 */
#include "recparse.h"

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/spfc.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The parse error reasons are short; this only bounds the buffer. */
#define FUZZ_WHY_MAX 512
/* RFC 7208 §7.3: an expanded domain-spec is cut to 253 bytes, one
 * trailing dot kept. */
#define FUZZ_NAME_MAX 254

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_terms(const struct record *r)
{
	size_t i;
	int nredirect = 0, nexp = 0;

	if (r->nterms && !r->terms)
		abort();
	for (i = 0; i < r->nterms; i++) {
		const struct term *t = &r->terms[i];

		if (t->text < r->text || t->text_len == 0 ||
		    t->text_len > r->len ||
		    (size_t)(t->text - r->text) > r->len - t->text_len)
			abort();
		if (t->spec &&
		    (t->spec < t->text ||
		     t->spec_len > t->text_len ||
		     (size_t)(t->spec - t->text) > t->text_len - t->spec_len))
			abort();
		if (t->cidr4 > 32 || t->cidr6 > 128)
			abort();
		if (term_is_mechanism(t) && t->qual != '+' && t->qual != '-' &&
		    t->qual != '~' && t->qual != '?')
			abort();
		if ((t->type == SPFC_TERM_IP4 && t->addr.family != 4) ||
		    (t->type == SPFC_TERM_IP6 && t->addr.family != 6))
			abort();
		if ((t->type == SPFC_TERM_INCLUDE || t->type == SPFC_TERM_EXISTS ||
		     t->type == SPFC_TERM_REDIRECT || t->type == SPFC_TERM_EXP) &&
		    (!t->spec || t->spec_len == 0))
			abort();
		if (memchr(t->text, ' ', t->text_len))
			abort();
		nredirect += t->type == SPFC_TERM_REDIRECT;
		nexp += t->type == SPFC_TERM_EXP;
	}
	if (nredirect > 1 || nexp > 1)
		abort();
	if ((r->redirect >= 0) != (nredirect == 1) ||
	    (r->exp >= 0) != (nexp == 1))
		abort();
	if (r->redirect >= 0 &&
	    ((size_t)r->redirect >= r->nterms ||
	     r->terms[r->redirect].type != SPFC_TERM_REDIRECT))
		abort();
	if (r->exp >= 0 &&
	    ((size_t)r->exp >= r->nterms || r->terms[r->exp].type != SPFC_TERM_EXP))
		abort();
}

static int same_term(const struct term *a, const struct term *b)
{
	return a->type == b->type && a->qual == b->qual &&
	       a->text_len == b->text_len &&
	       !memcmp(a->text, b->text, a->text_len) &&
	       (a->spec == NULL) == (b->spec == NULL) &&
	       a->spec_len == b->spec_len &&
	       (!a->spec || !memcmp(a->spec, b->spec, a->spec_len)) &&
	       a->spec_uses_p == b->spec_uses_p && a->cidr4 == b->cidr4 &&
	       a->cidr6 == b->cidr6 &&
	       (a->type != SPFC_TERM_IP4 && a->type != SPFC_TERM_IP6 ?
		    1 : !memcmp(&a->addr, &b->addr, sizeof a->addr));
}

/* The public view of term i of p against the internal term t. */
static void same_public(const spfc_record *p, size_t i, const struct term *t)
{
	const char *text, *spec;
	size_t tlen, slen;

	text = spfc_record_term_text(p, i, &tlen);
	spec = spfc_record_term_spec(p, i, &slen);
	if ((int)spfc_record_term_kind(p, i) != (int)t->type ||
	    tlen != t->text_len || memcmp(text, t->text, tlen) != 0 ||
	    (spec == NULL) != (t->spec == NULL) ||
	    (spec && (slen != t->spec_len || memcmp(spec, t->spec, slen))) ||
	    spfc_record_term_cidr4(p, i) != t->cidr4 ||
	    spfc_record_term_cidr6(p, i) != t->cidr6 ||
	    spfc_record_term_qualifier(p, i) !=
		    (term_is_mechanism(t) ? t->qual : 0) ||
	    spfc_record_term_error(p, i) != NULL ||
	    (t->type != SPFC_TERM_UNKNOWN_MOD &&
	     ((spfc_record_term_macros(p, i) & SPFC_MACRO_BIT('p')) != 0) !=
		     (t->spec_uses_p != 0)))
		abort();
}

/* Rules of one parsed public record of len bytes. */
static void check_public(const spfc_record *p, size_t len)
{
	size_t n = spfc_record_count(p), i, rlen, tlen, bad = 0;
	const char *rtext = spfc_record_text(p, &rlen);
	spfc_buf out;

	if (rlen != len || rtext[rlen] != '\0' || spfc_record_invalid(p) > n)
		abort();
	spfc_buf_init(&out, 0);
	for (i = 0; i < n; i++) {
		const char *t = spfc_record_term_text(p, i, &tlen);
		size_t off = spfc_record_term_offset(p, i);
		spfc_status st;

		if (!t || tlen == 0 || off < 6 || off > len - tlen ||
		    t != rtext + off)
			abort();
		if (spfc_record_term_kind(p, i) == SPFC_TERM_INVALID) {
			const char *e = spfc_record_term_error(p, i);

			if (!e || !*e)
				abort();
			bad++;
			continue;
		}
		spfc_buf_reset(&out);
		st = spfc_record_term_expand(p, i, "d.example",
					     "o.example", &out);
		if (st == SPFC_OK && out.len > FUZZ_NAME_MAX)
			abort();
	}
	spfc_buf_free(&out);
	if (bad != spfc_record_invalid(p))
		abort();
	/* past the last term */
	if (spfc_record_term_kind(p, n) != SPFC_TERM_INVALID ||
	    spfc_record_term_text(p, n, &tlen) != NULL ||
	    spfc_record_term_spec(p, n, &tlen) != NULL ||
	    spfc_record_term_error(p, n) != NULL ||
	    spfc_record_term_qualifier(p, n) != 0 ||
	    spfc_record_term_offset(p, n) != 0)
		abort();
}

static void public_api(const char *txt, size_t len, const struct record *r)
{
	spfc_record *p = NULL, *all = NULL;
	spfc_status st, st_all;
	size_t i, idx;

	st = spfc_record_parse(txt, len, &p, NULL);
	st_all = spfc_record_parse_all(txt, len, &all, NULL);
	if (st == SPFC_ENOMEM || st_all == SPFC_ENOMEM)
		goto done;
	if ((st == SPFC_OK) != (r != NULL) || (st == SPFC_OK) != (p != NULL))
		abort();
	if ((st_all == SPFC_OK) !=
	    (spfc_record_is_spf(txt, len) && len <= RECORD_MAX_LEN))
		abort();
	if (spfc_record_is_spf(txt, len) != record_is_spf(txt, len))
		abort();
	if (st_all != SPFC_OK)
		goto done;
	check_public(all, len);
	if ((spfc_record_invalid(all) == 0) != (r != NULL))
		abort();
	if (!r)
		goto done;
	check_public(p, len);
	if (spfc_record_count(p) != r->nterms ||
	    spfc_record_count(all) != r->nterms)
		abort();
	for (i = 0; i < r->nterms; i++) {
		same_public(p, i, &r->terms[i]);
		same_public(all, i, &r->terms[i]);
	}
	if (spfc_record_modifier(p, SPFC_TERM_REDIRECT, &idx) !=
		    (r->redirect >= 0) ||
	    (r->redirect >= 0 && idx != (size_t)r->redirect) ||
	    spfc_record_modifier(p, SPFC_TERM_EXP, &idx) != (r->exp >= 0) ||
	    (r->exp >= 0 && idx != (size_t)r->exp))
		abort();
done:
	spfc_record_free(p);
	spfc_record_free(all);
}

static void one(const char *txt, size_t len)
{
	struct record *r = NULL, *r2 = NULL;
	spfc_buf why, p1, p2;
	spfc_status st;
	size_t i;

	spfc_buf_init(&why, FUZZ_WHY_MAX);
	spfc_buf_init(&p1, 0);
	spfc_buf_init(&p2, 0);
	st = record_parse(txt, len, &r, &why);
	if (st == SPFC_ENOMEM)
		goto done;
	if (st != SPFC_OK) {
		if (st != SPFC_ESYNTAX || why.len == 0 || r != NULL)
			abort();
		public_api(txt, len, NULL);
		goto done;
	}
	if (!r || !record_is_spf(txt, len) || r->len != len ||
	    memcmp(r->text, txt, len) != 0)
		abort();
	check_terms(r);
	public_api(txt, len, r);

	record_print(r, &p1);
	if (p1.err)
		goto done;
	if (!record_is_spf(p1.data, p1.len) || p1.len > len)
		abort();
	spfc_buf_reset(&why);
	st = record_parse(p1.data, p1.len, &r2, &why);
	if (st == SPFC_ENOMEM)
		goto done;
	if (st != SPFC_OK)
		abort();	/* printed text must parse again */
	check_terms(r2);
	if (r2->nterms != r->nterms || r2->redirect != r->redirect ||
	    r2->exp != r->exp)
		abort();
	for (i = 0; i < r->nterms; i++)
		if (!same_term(&r->terms[i], &r2->terms[i]))
			abort();
	record_print(r2, &p2);
	if (!p2.err &&
	    (p2.len != p1.len || memcmp(p1.data, p2.data, p1.len) != 0))
		abort();
done:
	record_free(r);
	record_free(r2);
	spfc_buf_free(&why);
	spfc_buf_free(&p1);
	spfc_buf_free(&p2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt = (const char *)data;
	spfc_buf b;

	if (size > RECORD_MAX_LEN)
		size = RECORD_MAX_LEN;
	one(txt, size);
	if (record_is_spf(txt, size))
		return 0;
	/* Behind a version tag, so the term parser sees the bytes. */
	spfc_buf_init(&b, RECORD_MAX_LEN);
	spfc_buf_adds(&b, "v=spf1 ");
	spfc_buf_add(&b, txt, size);
	if (!b.err)
		one(b.data, b.len);
	spfc_buf_free(&b);
	return 0;
}
