/*
 * record.c - parse an SPF record into the typed tree of recparse.h.
 *
 * Grammar: RFC 7208 §12 (ABNF).  Every error is SPFC_ESYNTAX with the
 * reason naming the term; memory exhaustion is SPFC_ENOMEM.  Input is read
 * with explicit lengths; the record text is copied once and never changed.
 */
#include "recparse.h"
#include "macro.h"
#include "name.h"

#include "common/idtab.h"
#include "common/number.h"
#include "common/printable.h"

#include <stdlib.h>
#include <string.h>

int record_is_spf(const char *txt, size_t len)
{
	return len >= 6 && sc_prefix_nocase(txt, len, "v=spf1") &&
	       (len == 6 || txt[6] == ' ');
}

/* Strict decimal without leading zeros ("0" allowed), value <= max. */
static int parse_cidr(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned long long v;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	if (sc_parse_uint(s, n, 0, max, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Is s a valid toplabel (§12)?  ALPHA somewhere, or an alnum/hyphen mix
 * that starts and ends alphanumeric and contains a hyphen. */
static int toplabel_ok(const char *s, size_t n)
{
	size_t i;
	int alpha = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (sc_is_alpha(s[i]))
			alpha = 1;
		else if (!sc_is_digit(s[i]) && s[i] != '-')
			return 0;
	}
	if (!sc_is_alnum(s[0]) || !sc_is_alnum(s[n - 1]))
		return 0;
	if (alpha)
		return 1;
	return memchr(s, '-', n) != NULL;
}

/* A domain-spec: a macro-string ending in a macro-expand or in
 * "." toplabel ["."]. */
static int check_domain_spec(struct term *t, spfc_buf *why)
{
	const char *s = t->spec;
	size_t n = t->spec_len, end, dot;

	if (n == 0) {
		spfc_buf_adds(why, "empty domain-spec");
		return -1;
	}
	if (macro_check(s, n, 0, &t->spec_uses_p, why) < 0)
		return -1;
	if (s[n - 1] == '}')
		return 0;
	if (n >= 2 && s[n - 2] == '%' &&
	    (s[n - 1] == '-' || s[n - 1] == '_' || s[n - 1] == '%')) {
		/* "%%" etc. could be the tail of a macro-expand; be sure the
		 * '%' is not itself escaped by counting the run of '%'. */
		size_t k = n - 1, run = 0;
		while (k > 0 && s[k - 1] == '%') {
			run++;
			k--;
		}
		if (run % 2 == 1)
			return 0;
	}
	end = (s[n - 1] == '.') ? n - 1 : n;
	dot = end;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0 || !toplabel_ok(s + dot, end - dot)) {
		spfc_buf_adds(why, "invalid domain name");
		return -1;
	}
	return 0;
}

/* Split an optional dual-cidr-length off the end of [*n]. */
static int split_dual_cidr(const char *s, size_t *n, struct term *t,
			   spfc_buf *why)
{
	size_t i = *n;

	/* "//" ip6-cidr */
	while (i > 0 && sc_is_digit(s[i - 1]))
		i--;
	if (i >= 2 && i < *n && s[i - 1] == '/' && s[i - 2] == '/') {
		if (parse_cidr(s + i, *n - i, 128, &t->cidr6) < 0)
			goto bad;
		*n = i - 2;
		i = *n;
		while (i > 0 && sc_is_digit(s[i - 1]))
			i--;
	}
	if (i >= 1 && i < *n && s[i - 1] == '/') {
		if (parse_cidr(s + i, *n - i, 32, &t->cidr4) < 0)
			goto bad;
		*n = i - 1;
	}
	/* Any other slash sequence at the end is malformed. */
	if (*n > 0 && s[*n - 1] == '/')
		goto bad;
	return 0;
bad:
	spfc_buf_adds(why, "invalid CIDR length");
	return -1;
}

/* The address s[0..n): all of it (spfc_addr_parse reads a C string, so a
 * NUL byte would cut it short: "192.0.2.1\0junk" is no address). */
static int parse_ip(const char *s, size_t n, int family, spfc_addr *out)
{
	char tmp[SPFC_ADDR_TEXT_MAX];

	if (n == 0 || n >= sizeof tmp || memchr(s, '\0', n))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (spfc_addr_parse(tmp, out) != SPFC_OK || out->family != family)
		return -1;
	return 0;
}

/* Every kind's name; the mechanisms (RFC 7208 §5) come first, the only
 * names the parser looks up here (the modifiers have their own rules). */
static const struct sc_id kinds[] = {
	{"all", SPFC_TERM_ALL},	{"include", SPFC_TERM_INCLUDE}, {"a", SPFC_TERM_A},
	{"mx", SPFC_TERM_MX},	{"ptr", SPFC_TERM_PTR},		{"ip4", SPFC_TERM_IP4},
	{"ip6", SPFC_TERM_IP6}, {"exists", SPFC_TERM_EXISTS},
	{"redirect", SPFC_TERM_REDIRECT}, {"exp", SPFC_TERM_EXP},
	{"modifier", SPFC_TERM_UNKNOWN_MOD}, {"invalid", SPFC_TERM_INVALID},
};
#define NMECHS ((size_t)SPFC_TERM_REDIRECT)

const char *spfc_term_kind_name(spfc_term_kind kind)
{
	const char *n = sc_id_name(kinds, SC_ID_COUNT(kinds), (int)kind);

	return n ? n : "invalid";
}

static int parse_mechanism(struct term *t, const char *s, size_t n,
			   spfc_buf *why)
{
	size_t namelen = 0, rest_len;
	const char *rest;
	int kind;

	while (namelen < n && s[namelen] != ':' && s[namelen] != '/')
		namelen++;
	if (sc_id_lookup(kinds, NMECHS, s, namelen, &kind) < 0) {
		spfc_buf_adds(why, "Unknown mechanism found");
		return -1;
	}
	t->type = (spfc_term_kind)kind;
	rest = s + namelen;
	rest_len = n - namelen;

	switch (t->type) {
	case SPFC_TERM_ALL:
		if (rest_len) {
			spfc_buf_adds(why, "'all' takes no argument");
			return -1;
		}
		return 0;
	case SPFC_TERM_INCLUDE:
	case SPFC_TERM_EXISTS:
		if (rest_len < 2 || rest[0] != ':') {
			spfc_buf_adds(why, "domain-spec required");
			return -1;
		}
		t->spec = rest + 1;
		t->spec_len = rest_len - 1;
		return check_domain_spec(t, why);
	case SPFC_TERM_A:
	case SPFC_TERM_MX:
		if (split_dual_cidr(rest, &rest_len, t, why) < 0)
			return -1;
		/* fall through */
	case SPFC_TERM_PTR:
		if (rest_len == 0)
			return 0;
		if (rest[0] != ':' || rest_len < 2) {
			spfc_buf_adds(why, rest[0] == ':' ? "empty domain-spec"
							  : "invalid mechanism syntax");
			return -1;
		}
		t->spec = rest + 1;
		t->spec_len = rest_len - 1;
		return check_domain_spec(t, why);
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6: {
		int fam = t->type == SPFC_TERM_IP4 ? 4 : 6;
		size_t j;
		if (rest_len < 2 || rest[0] != ':') {
			spfc_buf_adds(why, "address required");
			return -1;
		}
		rest++;
		rest_len--;
		for (j = 0; j < rest_len && rest[j] != '/'; j++)
			;
		if (j < rest_len &&
		    parse_cidr(rest + j + 1, rest_len - j - 1, fam == 4 ? 32 : 128,
			       fam == 4 ? &t->cidr4 : &t->cidr6) < 0) {
			spfc_buf_adds(why, "invalid CIDR length");
			return -1;
		}
		if (parse_ip(rest, j, fam, &t->addr) < 0) {
			spfc_buf_adds(why, fam == 4 ? "invalid IPv4 address"
						    : "invalid IPv6 address");
			return -1;
		}
		return 0;
	}
	default:
		return -1;
	}
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
static size_t modifier_name_len(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !sc_is_alpha(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!sc_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			break;
	return i;
}

int record_term_parse(const char *s, size_t n, unsigned seen,
		      struct term *t, spfc_buf *why)
{
	size_t nl = modifier_name_len(s, n), i;

	memset(t, 0, sizeof *t);
	t->text = s;
	t->text_len = n;
	t->cidr4 = 32;
	t->cidr6 = 128;
	t->type = SPFC_TERM_INVALID;
	/* Every byte must be ASCII (§3.1 / §4.5: records are 7-bit). */
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80) {
			spfc_buf_adds(why, "non-ASCII character in record");
			return -1;
		}
	}
	if (nl && nl < n && s[nl] == '=') {
		int up;
		t->spec = s + nl + 1;
		t->spec_len = n - nl - 1;
		if (sc_eq_nocase(s, nl, "redirect", 8)) {
			t->type = SPFC_TERM_REDIRECT;
			if (seen & RECORD_SEEN_REDIRECT) {
				spfc_buf_adds(why, "more than one redirect= modifier");
				return -1;
			}
			return check_domain_spec(t, why);
		}
		if (sc_eq_nocase(s, nl, "exp", 3)) {
			t->type = SPFC_TERM_EXP;
			if (seen & RECORD_SEEN_EXP) {
				spfc_buf_adds(why, "more than one exp= modifier");
				return -1;
			}
			return check_domain_spec(t, why);
		}
		t->type = SPFC_TERM_UNKNOWN_MOD;
		return macro_check(t->spec, t->spec_len, 0, &up, why);
	}
	t->qual = '+';
	if (n && (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?')) {
		t->qual = s[0];
		s++;
		n--;
	}
	if (parse_mechanism(t, s, n, why) < 0) {
		t->type = SPFC_TERM_INVALID;
		return -1;
	}
	return 0;
}

static void add_term_name(spfc_buf *why, const char *s, size_t n)
{
	spfc_buf_adds(why, ": ");
	sc_printable(why, s, n < 80 ? n : 80, SC_PRINT_REPLACE);
	if (n > 80)
		spfc_buf_adds(why, "...");
}

spfc_status record_parse(const char *txt, size_t len, struct record **out,
			 spfc_buf *why)
{
	struct record *r;
	size_t i, cap = 0;
	unsigned seen = 0;

	*out = NULL;
	if (len > RECORD_MAX_LEN) {
		spfc_buf_adds(why, "record too long");
		return SPFC_ESYNTAX;
	}
	if (!record_is_spf(txt, len)) {
		spfc_buf_adds(why, "not an SPF record");
		return SPFC_ESYNTAX;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		return SPFC_ENOMEM;
	r->redirect = r->exp = -1;
	r->text = malloc(len + 1);
	if (!r->text) {
		free(r);
		return SPFC_ENOMEM;
	}
	memcpy(r->text, txt, len);
	r->text[len] = '\0';
	r->len = len;
	/* Every byte must be ASCII (§3.1 / §4.5: records are 7-bit). */
	for (i = 0; i < len; i++) {
		if ((unsigned char)r->text[i] >= 0x80) {
			spfc_buf_adds(why, "non-ASCII character in record");
			goto syntax;
		}
	}
	i = 6;
	while (i < len) {
		size_t start;
		struct term *t;
		if (r->text[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && r->text[i] != ' ')
			i++;
		if (r->nterms == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct term *nt = realloc(r->terms, ncap * sizeof *nt);
			if (!nt) {
				record_free(r);
				return SPFC_ENOMEM;
			}
			r->terms = nt;
			cap = ncap;
		}
		t = &r->terms[r->nterms];
		if (record_term_parse(r->text + start, i - start, seen, t,
				      why) < 0) {
			add_term_name(why, r->text + start, i - start);
			goto syntax;
		}
		if (t->type == SPFC_TERM_REDIRECT) {
			r->redirect = (int)r->nterms;
			seen |= RECORD_SEEN_REDIRECT;
		} else if (t->type == SPFC_TERM_EXP) {
			r->exp = (int)r->nterms;
			seen |= RECORD_SEEN_EXP;
		}
		r->nterms++;
	}
	*out = r;
	return SPFC_OK;
syntax:
	record_free(r);
	return SPFC_ESYNTAX;
}

void record_free(struct record *r)
{
	if (!r)
		return;
	free(r->terms);
	free(r->text);
	free(r);
}

void record_print(const struct record *r, spfc_buf *out)
{
	size_t i;

	spfc_buf_adds(out, "v=spf1");
	for (i = 0; i < r->nterms; i++) {
		spfc_buf_addc(out, ' ');
		spfc_buf_add(out, r->terms[i].text, r->terms[i].text_len);
	}
}
