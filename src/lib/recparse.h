/*
 * recparse.h (internal) - SPF records (RFC 7208 §4.5, §4.6, §5, §6, §12) as a typed
 * tree: parse once, print back, evaluate elsewhere.
 *
 * A record owns a copy of its text; terms point into it.  Parsing checks
 * the whole record, macros included, so a syntax error anywhere is known
 * before any lookup.  Knows nothing of DNS or of the evaluation.
 */
#ifndef SPFC_RECPARSE_H
#define SPFC_RECPARSE_H

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/spfc.h>

#include <stddef.h>

/* The longest record we parse: a TXT RDATA cannot exceed 65535 bytes. */
#define RECORD_MAX_LEN 65535

/* A term's type is the public spfc_term_kind (include/spfc/record.h);
 * a parsed term is never SPFC_TERM_INVALID. */
struct term {
	spfc_term_kind type;
	char qual;		/* '+', '-', '~' or '?' (mechanisms) */
	const char *text;	/* the term as written */
	size_t text_len;
	const char *spec;	/* domain-spec or modifier value; NULL if absent */
	size_t spec_len;
	int spec_uses_p;	/* the spec contains %{p} */
	unsigned cidr4;		/* 32 when absent */
	unsigned cidr6;		/* 128 when absent */
	spfc_addr addr;		/* ip4 / ip6 network */
};

struct record {
	char *text;
	size_t len;
	struct term *terms;
	size_t nterms;
	int redirect;		/* index of redirect= in terms, or -1 */
	int exp;		/* index of exp=, or -1 */
	unsigned refs;		/* holders when shared (reccache.h), else 0 */
};

/* 1 when the TXT text is an SPF record: "v=spf1" (any case) followed by
 * a space or the end (§4.5). */
int record_is_spf(const char *txt, size_t len);

/* Parse; *out is owned by the caller (record_free).  SPFC_ESYNTAX with the
 * reason appended to why (the PermError detail); SPFC_ENOMEM. */
spfc_status record_parse(const char *txt, size_t len, struct record **out,
			 spfc_buf *why);
void record_free(struct record *r);

/* What the terms before a term gave, for record_term_parse: a second
 * redirect= or exp= is a syntax error (RFC 7208 §6). */
#define RECORD_SEEN_REDIRECT 1u
#define RECORD_SEEN_EXP 2u

/* Parse one term, s[0..n) (the bytes between two runs of spaces of a
 * record; s points into the record's text, so the term's position is
 * t->text there).  seen: RECORD_SEEN_* of the terms before it.  0 with *t
 * filled in (pointers into s); -1 with the reason appended to why (the
 * term itself not named; record_parse appends ": <term>"), t->type then
 * the modifier's kind when the term is written as a modifier
 * ("name=..."), SPFC_TERM_INVALID otherwise. */
int record_term_parse(const char *s, size_t n, unsigned seen,
		      struct term *t, spfc_buf *why);

/* "v=spf1" and the terms, single-spaced. */
void record_print(const struct record *r, spfc_buf *out);

static inline int term_is_mechanism(const struct term *t)
{
	return t->type < SPFC_TERM_REDIRECT;
}

#endif
