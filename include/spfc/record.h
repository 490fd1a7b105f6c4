/*
 * record.h - SPF records as libspfc parses them (RFC 7208 §4.5, §4.6, §5,
 * §6, §7, §12), for programs that look at a record instead of evaluating
 * it: linters, printers, flatteners.
 *
 * What it is for: the library's one record parser -- the parser the
 * evaluator uses -- behind an opaque spfc_record.  Parse a TXT text once,
 * then read each term: its kind, qualifier, text and position, its
 * domain-spec and the macro letters in it, its CIDR lengths or network.
 * spfc_record_parse() is strict: the first term that does not parse makes
 * it fail with the PermError detail the evaluator gives.
 * spfc_record_parse_all() keeps every term and marks the ones that do not
 * parse, each with its reason, so that a linter can name them all.  Also
 * the checks a program needs around records: the syntax of an
 * explanation (exp= TXT text) and the rules for domain names.
 *
 * Ownership: a parsed record is owned by the caller and freed with
 * spfc_record_free (NULL ok).  It holds its own copy of the text; every
 * pointer an accessor returns is borrowed from the record and valid until
 * spfc_record_free.  Term texts and specs point into that copy and are not
 * NUL-terminated: use the length.  Accessors given an index past the last
 * term return the "absent" value they document.  The library never logs;
 * reasons go to the caller's spfc_buf.
 */
#ifndef SPFC_RECORD_PUBLIC_H
#define SPFC_RECORD_PUBLIC_H

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spfc_record spfc_record;

/* Term kinds: the mechanisms of RFC 7208 §5 first, then the modifiers of
 * §6 (and unknown ones, §6), then SPFC_TERM_INVALID, a term that does not
 * parse (spfc_record_parse_all only).  The order is part of the API: a
 * kind below SPFC_TERM_REDIRECT is a mechanism. */
typedef enum spfc_term_kind {
	SPFC_TERM_ALL = 0,
	SPFC_TERM_INCLUDE,
	SPFC_TERM_A,
	SPFC_TERM_MX,
	SPFC_TERM_PTR,
	SPFC_TERM_IP4,
	SPFC_TERM_IP6,
	SPFC_TERM_EXISTS,
	SPFC_TERM_REDIRECT,	/* modifiers from here on */
	SPFC_TERM_EXP,
	SPFC_TERM_UNKNOWN_MOD,
	SPFC_TERM_INVALID
} spfc_term_kind;

/* The bit of a macro letter in spfc_record_term_macros() ('a'..'z'). */
#define SPFC_MACRO_BIT(letter) (1u << ((unsigned)((letter) - 'a')))

/* 1 when the TXT text is an SPF record: "v=spf1" (any case) followed by
 * a space or the end (RFC 7208 §4.5); 0 otherwise. */
int spfc_record_is_spf(const char *text, size_t len);

/* Parse text[0..len), an SPF record ("v=spf1 ..."), as the evaluator
 * does.  SPFC_OK with *out set (caller frees with spfc_record_free);
 * SPFC_ESYNTAX with the reason appended to why, naming the term ("Unknown
 * mechanism found: foo"), *out NULL; SPFC_ENOMEM.  why may be NULL. */
spfc_status spfc_record_parse(const char *text, size_t len,
			      spfc_record **out, spfc_buf *why);

/* Parse every term of text[0..len) on its own: a term that does not parse
 * is kept as SPFC_TERM_INVALID with its reason (spfc_record_term_error);
 * the others are what spfc_record_parse would give.  A second redirect=
 * or exp= is invalid, as in a strict parse; an invalid term still takes
 * the place of the redirect= or exp= it names, unless it holds a byte
 * outside printable ASCII (such a term is not looked into at all).
 * SPFC_OK with *out set even when terms are invalid (see
 * spfc_record_invalid); SPFC_ESYNTAX with the reason in why when the text
 * is no SPF record or longer than a TXT record can be; SPFC_ENOMEM. */
spfc_status spfc_record_parse_all(const char *text, size_t len,
				  spfc_record **out, spfc_buf *why);

void spfc_record_free(spfc_record *r);

/* The record's copy of the text (NUL-terminated); *len (if not NULL)
 * gets its length. */
const char *spfc_record_text(const spfc_record *r, size_t *len);

/* The number of terms ("v=spf1" is not one), and of invalid terms. */
size_t spfc_record_count(const spfc_record *r);
size_t spfc_record_invalid(const spfc_record *r);

/* The term that holds the record's redirect= (kind SPFC_TERM_REDIRECT)
 * or exp= (SPFC_TERM_EXP): the first one written, even when its value
 * does not parse (that term is then SPFC_TERM_INVALID).  1 with *index
 * set; 0 when there is none or kind is another. */
int spfc_record_modifier(const spfc_record *r, spfc_term_kind kind,
			 size_t *index);

/* ---- Term i (0 <= i < spfc_record_count) --------------------------- */

/* The kind; SPFC_TERM_INVALID past the last term. */
spfc_term_kind spfc_record_term_kind(const spfc_record *r, size_t i);

/* '+', '-', '~' or '?' for a mechanism ('+' when none is written) and
 * for an invalid term written as a mechanism; 0 for a modifier, an
 * invalid term written as a modifier or holding a byte outside
 * printable ASCII, and past the last term. */
char spfc_record_term_qualifier(const spfc_record *r, size_t i);

/* The term as written (*len bytes, not NUL-terminated); NULL past the
 * last term. */
const char *spfc_record_term_text(const spfc_record *r, size_t i,
				  size_t *len);

/* The byte offset of the term in the record text (0-based: the 'v' of
 * "v=spf1" is offset 0); 0 past the last term. */
size_t spfc_record_term_offset(const spfc_record *r, size_t i);

/* The domain-spec of a mechanism, or the value of a modifier (*len bytes,
 * not NUL-terminated); NULL when the term has none (a, mx, ptr without
 * one; all, ip4, ip6; invalid terms). */
const char *spfc_record_term_spec(const spfc_record *r, size_t i,
				  size_t *len);

/* The macro letters (RFC 7208 §7.2) the spec uses, lower-cased, one
 * SPFC_MACRO_BIT each; 0 when none.  SPFC_MACRO_BIT('p') is %{p}. */
unsigned spfc_record_term_macros(const spfc_record *r, size_t i);

/* The dual-cidr-length of a and mx (RFC 7208 §5.6): 32 and 128 when not
 * written.  For ip4 the cidr4 is its prefix length, for ip6 the cidr6. */
unsigned spfc_record_term_cidr4(const spfc_record *r, size_t i);
unsigned spfc_record_term_cidr6(const spfc_record *r, size_t i);

/* ip4 and ip6: *net gets the address as written (host bits kept),
 * *prefix its prefix length; returns 1.  Other terms: 0, nothing set. */
int spfc_record_term_network(const spfc_record *r, size_t i, spfc_addr *net,
			     unsigned *prefix);

/* Why an invalid term does not parse, in the words of the PermError
 * detail without the term ("Unknown mechanism found"); NULL for a valid
 * term and past the last term. */
const char *spfc_record_term_error(const spfc_record *r, size_t i);

/* Expand the term's domain-spec with %{d} = domain and %{o} =
 * sender_domain (RFC 7208 §7.2), drop leftmost labels beyond 253 bytes
 * (§7.3), and append the result to out (a trailing dot is kept).
 * SPFC_EINVAL (nothing appended) when the term has no spec or the spec
 * uses another macro letter; SPFC_ELIMIT when the expansion grows too
 * long; SPFC_OK; out's own sticky error otherwise. */
spfc_status spfc_record_term_expand(const spfc_record *r, size_t i,
				    const char *domain,
				    const char *sender_domain, spfc_buf *out);

/* What a term of this kind costs against the lookup limit of RFC 7208
 * §4.6.4: 1 for include, a, mx, ptr, exists and redirect=, 0 for the
 * others.  The evaluator counts with it. */
unsigned spfc_term_lookups(spfc_term_kind kind);

/* The kind's name: the mechanism's ("mx"), "redirect", "exp", "modifier"
 * for another modifier, "invalid". */
const char *spfc_term_kind_name(spfc_term_kind kind);

/* ---- Around records ----------------------------------------------- */

/* Check the syntax of an explanation, the TXT text an exp= modifier
 * names (RFC 7208 §6.2: an explain-string, macros c, r and t allowed).
 * SPFC_OK, or SPFC_ESYNTAX with the reason appended to why (may be
 * NULL). */
spfc_status spfc_explanation_check(const char *text, size_t len,
				   spfc_buf *why);

/* 1 when name[0..len) is a domain SPF can evaluate (RFC 7208 §4.3): two
 * or more labels of 1..63 printable ASCII bytes, 253 bytes at most, one
 * trailing dot ignored, not a literal ("[...]"); 0 otherwise. */
int spfc_name_valid(const char *name, size_t len);

/* 1 when name[0..len) can be asked of DNS: one or more labels of 1..63
 * printable ASCII bytes, 253 bytes at most (one trailing dot ignored);
 * 0 otherwise. */
int spfc_name_queryable(const char *name, size_t len);

#ifdef __cplusplus
}
#endif
#endif
