/*
 * lint_record.c - a walked record as the library parses it (record.h):
 * its terms, the syntax findings in lint's words, the targets known
 * without a connection (%{d} and %{o}), and the findings about a term
 * that need no DNS.
 *
 * How it fails: a record that does not parse is a finding; out of memory
 * sets L->nomem.
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "common/utf8.h"
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The record, as the library parses it ------------------------ */

/* Bytes no term may hold, named before anything else is said about the
 * term; NULL when there are none. */
static const char *bad_byte(const char *s, size_t n, size_t pos)
{
	static char why[SC_UTF8_LABEL_MAX + 48];
	char label[SC_UTF8_LABEL_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;

		if (c >= 0x80) {
			/* name it: a full-width letter or a space pasted from
			 * a word processor looks like ASCII */
			if (sc_utf8_next((const unsigned char *)s + i, n - i, &cp))
				snprintf(why, sizeof why, "%s at position %zu",
					 sc_utf8_label(cp, label, sizeof label),
					 pos + i);
			else
				snprintf(why, sizeof why,
					 "byte 0x%02X (not UTF-8) at position %zu",
					 (unsigned)c, pos + i);
			return why;
		}
		if (c == 0)
			return "NUL byte";
		if (c < 0x20 || c == 0x7f)
			return "control byte";
	}
	return NULL;
}

/* The library's reasons (record.h, spfc_explanation_check) in the words
 * of lint's findings; a reason not listed is shown as it is. */
static const struct {
	const char *lib;
	const char *words;
} reason_words[] = {
	{"Unknown mechanism found", "unknown mechanism"},
	{"'all' takes no argument", "all takes no argument"},
	{"domain-spec required", "a domain-spec is required"},
	{"invalid mechanism syntax", "bad mechanism syntax"},
	{"invalid domain name", "not a domain name (bad top label)"},
	{"address required", "an address is required"},
	{"invalid IPv4 address", "not an IPv4 address"},
	{"invalid IPv6 address", "not an IPv6 address"},
	{"more than one redirect= modifier", "a second redirect= modifier"},
	{"more than one exp= modifier", "a second exp= modifier"},
	{"c, r and t macros are allowed in exp= text only",
	 "the c, r and t macros belong in exp= text only"},
	{"macro digit transformer must not be zero",
	 "a macro's digit transformer must not be 0"},
	{"malformed macro (missing '}' or bad transformer)",
	 "malformed macro (no '}' or a bad transformer)"},
	{"'%' at end of macro-string", "'%' at the end"},
	{"non-ASCII character", "non-ASCII byte"},
};

/* 1 when the library takes "a" + cidr (a dual-cidr-length such as "/24"
 * or "//64") for a valid mechanism. */
static int cidr_ok(struct lint *L, const char *cidr, size_t n)
{
	spfc_record *r = NULL;
	spfc_buf b;
	spfc_status st;

	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, "v=spf1 a");
	spfc_buf_add(&b, cidr, n);
	st = b.err ? SPFC_ENOMEM : spfc_record_parse(b.data, b.len, &r, NULL);
	if (st == SPFC_ENOMEM)
		L->nomem = 1;
	spfc_record_free(r);
	spfc_buf_free(&b);
	return st == SPFC_OK;
}

/* A term the library refused for its CIDR length: which length, as ip4
 * and ip6 (one length) and a and mx (a dual-cidr-length, RFC 7208 §5.6:
 * the IPv6 half is judged first) have always been reported. */
static const char *cidr_words(struct lint *L, const char *s, size_t n)
{
	size_t i = 0, k;

	if (n && (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?'))
		i = 1;
	for (k = i; k < n && s[k] != ':' && s[k] != '/'; k++)
		;
	if (sc_eq_nocase(s + i, k - i, "ip4", 3) ||
	    sc_eq_nocase(s + i, k - i, "ip6", 3))
		return "bad CIDR length";
	for (k = n; k > 0 && sc_is_digit((unsigned char)s[k - 1]); k--)
		;
	if (k >= 2 && k < n && s[k - 1] == '/' && s[k - 2] == '/') {
		if (!cidr_ok(L, s + k - 2, n - k + 2))
			return "bad IPv6 CIDR length";
		n = k - 2;
		for (k = n; k > 0 && sc_is_digit((unsigned char)s[k - 1]); k--)
			;
	}
	if (k >= 1 && k < n && s[k - 1] == '/' &&
	    !cidr_ok(L, s + k - 1, n - k + 1))
		return "bad IPv4 CIDR length";
	return "bad CIDR length";
}

/* A byte the library calls an "invalid character" in text[0..n), in
 * lint's words: DEL, or a control byte or (outside exp= text) a blank. */
static const char *control_words(const char *s, size_t n, int exp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x7f)
			return "control byte";
		if (c < 0x20 || (c == ' ' && !exp))
			break;
	}
	return "control byte or blank";
}

/* The words of a syntax finding about s[0..n) for the library's reason
 * (exp: s is the text of an explanation). */
const char *syntax_words(struct lint *L, const char *reason,
			 const char *s, size_t n, int exp)
{
	size_t i;

	if (strcmp(reason, "invalid CIDR length") == 0)
		return cidr_words(L, s, n);
	if (strcmp(reason, "invalid character") == 0)
		return control_words(s, n, exp);
	for (i = 0; i < sizeof reason_words / sizeof reason_words[0]; i++)
		if (strcmp(reason, reason_words[i].lib) == 0)
			return reason_words[i].words;
	return reason;
}

/* Parse the node's record with the library, keeping every term; every
 * term that does not parse is an error finding.  Returns the number of
 * bad terms (-1: out of memory). */
int parse_record(struct lint *L, struct node *nd)
{
	size_t i, n;
	int bad = 0;

	nd->all = nd->redirect = nd->exp = -1;
	if (spfc_record_parse_all(nd->record, nd->len, &nd->rec, NULL) !=
	    SPFC_OK) {
		L->nomem = 1;	/* an SPF record, shorter than a TXT
				   RDATA: only memory can fail */
		return -1;
	}
	n = spfc_record_count(nd->rec);
	nd->terms = calloc(n ? n : 1, sizeof *nd->terms);
	if (!nd->terms) {
		L->nomem = 1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct lterm *t = &nd->terms[nd->nterms++];
		size_t spec_len;
		const char *why;

		t->idx = i;
		t->type = spfc_record_term_kind(nd->rec, i);
		t->qual = spfc_record_term_qualifier(nd->rec, i);
		t->text = spfc_record_term_text(nd->rec, i, &t->len);
		t->pos = spfc_record_term_offset(nd->rec, i) + 1;
		t->has_spec = spfc_record_term_spec(nd->rec, i, &spec_len) !=
			      NULL;
		t->cidr4 = spfc_record_term_cidr4(nd->rec, i);
		t->cidr6 = spfc_record_term_cidr6(nd->rec, i);
		spfc_record_term_network(nd->rec, i, &t->addr, &t->bits);
		t->macros = spfc_record_term_macros(nd->rec, i);
		switch (t->type) {
		case SPFC_TERM_INVALID:
			why = bad_byte(t->text, t->len, t->pos);
			if (!why)
				why = syntax_words(L, spfc_record_term_error(
							      nd->rec, i),
						   t->text, t->len, 0);
			finding(L, SEV_ERROR, nd->domain, t, "syntax error: ",
				why, "; receivers return permerror");
			bad++;
			break;
		case SPFC_TERM_ALL:
			if (nd->all < 0)
				nd->all = (int)i;
			break;
		default:
			break;
		}
	}
	if (spfc_record_modifier(nd->rec, SPFC_TERM_REDIRECT, &i))
		nd->redirect = (int)i;
	if (spfc_record_modifier(nd->rec, SPFC_TERM_EXP, &i))
		nd->exp = (int)i;
	return bad;
}

/* ---- Targets: domain-specs known without a connection --------------- */

/* Letters whose value the walk knows: the current domain and the
 * sender's domain (the linted domain). */
#define MACROS_STATIC (SPFC_MACRO_BIT('d') | SPFC_MACRO_BIT('o'))
/* Letters from the sender or HELO name, which the client chooses. */
#define MACROS_CLIENT                                                      \
	(SPFC_MACRO_BIT('s') | SPFC_MACRO_BIT('l') | SPFC_MACRO_BIT('h'))

/* The target of a term: its domain-spec expanded (RFC 7208 §7.3 applied,
 * one trailing dot dropped), or the record's own domain.  0 with
 * t->target set, or left NULL when the spec needs the connection; -1 out
 * of memory or an expansion past the library's bound. */
int term_target(struct lint *L, const struct node *nd,
		struct lterm *t)
{
	spfc_buf b;

	if (!t->has_spec) {
		t->target = dupn(nd->domain, strlen(nd->domain));
	} else if (t->macros & ~MACROS_STATIC) {
		return 0;
	} else {
		spfc_buf_init(&b, 0);
		if (spfc_record_term_expand(nd->rec, t->idx, nd->domain, L->top,
					    &b) == SPFC_OK)
			t->target = dupn(spfc_buf_str(&b),
					 sc_strip_dot(spfc_buf_str(&b), b.len));
		spfc_buf_free(&b);
	}
	if (!t->target) {
		L->nomem = 1;
		return -1;
	}
	t->bad_target = !spfc_name_queryable(t->target, strlen(t->target));
	return 0;
}

/* Findings about a term that need no DNS. */
void check_term(struct lint *L, const struct node *nd,
		const struct lterm *t)
{
	static const char letters[] = "slh";
	size_t i;
	char num[24];

	if (t->macros & SPFC_MACRO_BIT('p'))
		finding(L, SEV_WARNING, nd->domain, t, "the %{p} macro is "
			"slow and unreliable; RFC 7208 section 7.2 says do not use it");
	if ((t->macros & MACROS_CLIENT) && t->type != SPFC_TERM_EXP) {
		char m[] = "the %{x} macro";

		for (i = 0; letters[i]; i++)
			if (t->macros & SPFC_MACRO_BIT(letters[i]))
				break;
		m[6] = letters[i];
		finding(L, SEV_WARNING, nd->domain, t, m,
			" carries text the client chooses: a value that is no "
			"DNS label (more than 63 bytes, an empty label) ",
			t->type == SPFC_TERM_INCLUDE || t->type == SPFC_TERM_REDIRECT
				? "makes this term a permerror for that sender"
				: "makes this term a void lookup for that sender");
	}
	switch (t->type) {
	case SPFC_TERM_PTR:
		finding(L, SEV_WARNING, nd->domain, t, "ptr is slow and "
			"unreliable and RFC 7208 section 5.5 says it SHOULD NOT be "
			"used; list the addresses with ip4/ip6 or a");
		break;
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6: {
		unsigned width = t->type == SPFC_TERM_IP4 ? 32 : 128;
		unsigned wide = t->type == SPFC_TERM_IP4 ? WIDE_V4 : WIDE_V6;
		unsigned k;
		int hostbits = 0;

		for (k = t->bits; k < width; k++)
			if (t->addr.b[k / 8] & (0x80 >> (k % 8)))
				hostbits = 1;
		if (t->bits == 0 && t->qual == '+')
			finding(L, SEV_ERROR, nd->domain, t, "a /0 network "
				"authorizes every ", t->type == SPFC_TERM_IP4 ? "IPv4"
								      : "IPv6",
				" address in the world");
		else if (t->bits < wide && t->qual == '+')
			finding(L, SEV_WARNING, nd->domain, t, "a /",
				utoa(t->bits, num), " network authorizes a "
				"very large part of the address space");
		if (hostbits)
			finding(L, SEV_INFO, nd->domain, t, "host bits are set "
				"after the prefix length; only the network "
				"counts");
		break;
	}
	case SPFC_TERM_UNKNOWN_MOD:
		finding(L, SEV_INFO, nd->domain, t, "unknown modifier: "
			"receivers ignore it");
		break;
	default:
		break;
	}
}
