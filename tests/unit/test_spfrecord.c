/* test_spfrecord.c - the public record API (<spfc/record.h>): a strict
 * parse and its accessors, the parse that keeps every term (several bad
 * terms, second and broken modifiers, what a bad term is written as),
 * expansion of %{d} and %{o}, explanations and the name rules. */
#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/spfc.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* The term's text as a C string (a static copy, for CHECK_STR). */
static const char *text_of(const spfc_record *r, size_t i)
{
	static char tmp[256];
	size_t n;
	const char *s = spfc_record_term_text(r, i, &n);

	if (!s || n >= sizeof tmp)
		return "(none)";
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tmp;
}

static const char *spec_of(const spfc_record *r, size_t i)
{
	static char tmp[256];
	size_t n;
	const char *s = spfc_record_term_spec(r, i, &n);

	if (!s || n >= sizeof tmp)
		return "(none)";
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return tmp;
}

static const char *error_of(const spfc_record *r, size_t i)
{
	const char *e = spfc_record_term_error(r, i);

	return e ? e : "(valid)";
}

static spfc_record *parse_all(const char *s)
{
	spfc_record *r = NULL;
	spfc_buf why;

	spfc_buf_init(&why, 0);
	if (spfc_record_parse_all(s, strlen(s), &r, &why) != SPFC_OK)
		fprintf(stderr, "parse_all \"%s\": %s\n", s, spfc_buf_str(&why));
	spfc_buf_free(&why);
	return r;
}

/* The expansion of term i with d = example.com, o = sender.example. */
static const char *expand(const spfc_record *r, size_t i, spfc_status *st)
{
	static char tmp[512];
	spfc_buf b;

	spfc_buf_init(&b, 0);
	*st = spfc_record_term_expand(r, i, "example.com", "sender.example",
				      &b);
	if (b.len < sizeof tmp)
		memcpy(tmp, spfc_buf_str(&b), b.len + 1);
	else
		memcpy(tmp, "(too long)", sizeof "(too long)");
	spfc_buf_free(&b);
	return tmp;
}

static void test_strict(void)
{
	const char *s = "v=spf1 +a:%{d}.x/24//64 -mx ~ptr:%{p}.example "
			"?ip4:192.0.2.1/24 ip6:2001:db8::/32 include:_spf.%{o} "
			"exists:%{i}.%{ir}.%{D} redirect=r.example "
			"exp=why.%{d} foo=%{l}bar all";
	spfc_record *r = NULL;
	spfc_buf why;
	spfc_addr net;
	unsigned prefix = 99;
	size_t idx = 99, len;
	const char *txt;

	spfc_buf_init(&why, 0);
	CHECK(spfc_record_parse(s, strlen(s), &r, &why) == SPFC_OK);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(spfc_record_count(r) == 11);
	CHECK(spfc_record_invalid(r) == 0);
	txt = spfc_record_text(r, &len);
	CHECK(len == strlen(s) && strcmp(txt, s) == 0);
	CHECK(txt != s);

	CHECK(spfc_record_term_kind(r, 0) == SPFC_TERM_A);
	CHECK(spfc_record_term_qualifier(r, 0) == '+');
	CHECK_STR(text_of(r, 0), "+a:%{d}.x/24//64");
	CHECK(spfc_record_term_offset(r, 0) == 7);
	CHECK_STR(spec_of(r, 0), "%{d}.x");
	CHECK(spfc_record_term_cidr4(r, 0) == 24);
	CHECK(spfc_record_term_cidr6(r, 0) == 64);
	CHECK(spfc_record_term_macros(r, 0) == SPFC_MACRO_BIT('d'));
	CHECK(spfc_record_term_network(r, 0, &net, &prefix) == 0);
	CHECK(prefix == 99);

	CHECK(spfc_record_term_kind(r, 1) == SPFC_TERM_MX);
	CHECK(spfc_record_term_qualifier(r, 1) == '-');
	CHECK(spfc_record_term_spec(r, 1, &len) == NULL && len == 0);
	CHECK(spfc_record_term_cidr4(r, 1) == 32);
	CHECK(spfc_record_term_cidr6(r, 1) == 128);
	CHECK(spfc_record_term_offset(r, 1) == 24);

	CHECK(spfc_record_term_kind(r, 2) == SPFC_TERM_PTR);
	CHECK(spfc_record_term_qualifier(r, 2) == '~');
	CHECK(spfc_record_term_macros(r, 2) == SPFC_MACRO_BIT('p'));

	CHECK(spfc_record_term_kind(r, 3) == SPFC_TERM_IP4);
	CHECK(spfc_record_term_qualifier(r, 3) == '?');
	CHECK(spfc_record_term_network(r, 3, &net, &prefix) == 1);
	CHECK(net.family == 4 && prefix == 24);
	CHECK(net.b[0] == 192 && net.b[3] == 1);	/* host bits kept */

	CHECK(spfc_record_term_kind(r, 4) == SPFC_TERM_IP6);
	CHECK(spfc_record_term_network(r, 4, &net, &prefix) == 1);
	CHECK(net.family == 6 && prefix == 32);

	CHECK(spfc_record_term_kind(r, 5) == SPFC_TERM_INCLUDE);
	CHECK(spfc_record_term_macros(r, 5) == SPFC_MACRO_BIT('o'));
	CHECK(spfc_record_term_kind(r, 6) == SPFC_TERM_EXISTS);
	CHECK(spfc_record_term_macros(r, 6) ==
	      (SPFC_MACRO_BIT('i') | SPFC_MACRO_BIT('d')));

	CHECK(spfc_record_term_kind(r, 7) == SPFC_TERM_REDIRECT);
	CHECK(spfc_record_term_qualifier(r, 7) == 0);
	CHECK_STR(spec_of(r, 7), "r.example");
	CHECK(spfc_record_term_kind(r, 8) == SPFC_TERM_EXP);
	CHECK(spfc_record_term_kind(r, 9) == SPFC_TERM_UNKNOWN_MOD);
	CHECK_STR(spec_of(r, 9), "%{l}bar");
	CHECK(spfc_record_term_macros(r, 9) == SPFC_MACRO_BIT('l'));
	CHECK(spfc_record_term_kind(r, 10) == SPFC_TERM_ALL);
	CHECK(spfc_record_term_error(r, 10) == NULL);

	CHECK(spfc_record_modifier(r, SPFC_TERM_REDIRECT, &idx) == 1 &&
	      idx == 7);
	CHECK(spfc_record_modifier(r, SPFC_TERM_EXP, &idx) == 1 && idx == 8);
	CHECK(spfc_record_modifier(r, SPFC_TERM_ALL, &idx) == 0);

	/* Past the last term: the documented "absent" values. */
	CHECK(spfc_record_term_kind(r, 11) == SPFC_TERM_INVALID);
	CHECK(spfc_record_term_text(r, 11, &len) == NULL && len == 0);
	CHECK(spfc_record_term_qualifier(r, 11) == 0);
	CHECK(spfc_record_term_error(r, 11) == NULL);
	CHECK(spfc_record_term_offset(r, 11) == 0);
	spfc_record_free(r);

	/* A bad term: the PermError detail, naming it; no record. */
	r = (spfc_record *)&why;	/* must be reset to NULL */
	spfc_buf_reset(&why);
	s = "v=spf1 ip4:192.0.2.1 foo -all";
	CHECK(spfc_record_parse(s, strlen(s), &r, &why) == SPFC_ESYNTAX);
	CHECK(r == NULL);
	CHECK_STR(spfc_buf_str(&why), "Unknown mechanism found: foo");
	s = "v=spf1 redirect=a.example redirect=b.example";
	CHECK(spfc_record_parse(s, strlen(s), &r, NULL) == SPFC_ESYNTAX);
	s = "v=spf10 -all";
	spfc_buf_reset(&why);
	CHECK(spfc_record_parse(s, strlen(s), &r, &why) == SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&why), "not an SPF record");

	/* Empty records are records. */
	CHECK(spfc_record_parse("v=spf1", 6, &r, NULL) == SPFC_OK);
	CHECK(r && spfc_record_count(r) == 0);
	spfc_record_free(r);
	spfc_record_free(NULL);
	spfc_buf_free(&why);
}

static void test_every_term(void)
{
	spfc_record *r;
	spfc_buf why;
	size_t idx = 99;
	const char *s;

	/* Several bad terms, each with its reason and position; the good
	 * ones as a strict parse gives them. */
	r = parse_all("v=spf1 ip4:192.0.2.300 mx  a:mail.example/33 "
		      "-foo all:x ?include -all");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(spfc_record_count(r) == 7);
	CHECK(spfc_record_invalid(r) == 5);
	CHECK(spfc_record_term_kind(r, 0) == SPFC_TERM_INVALID);
	CHECK_STR(error_of(r, 0), "invalid IPv4 address");
	CHECK(spfc_record_term_qualifier(r, 0) == '+');
	CHECK(spfc_record_term_offset(r, 0) == 7);
	CHECK_STR(text_of(r, 0), "ip4:192.0.2.300");
	CHECK(spfc_record_term_spec(r, 0, NULL) == NULL);
	CHECK(spfc_record_term_kind(r, 1) == SPFC_TERM_MX);
	CHECK_STR(error_of(r, 1), "(valid)");
	CHECK(spfc_record_term_offset(r, 2) == 27);
	CHECK_STR(error_of(r, 2), "invalid CIDR length");
	CHECK_STR(error_of(r, 3), "Unknown mechanism found");
	CHECK(spfc_record_term_qualifier(r, 3) == '-');
	CHECK_STR(error_of(r, 4), "'all' takes no argument");
	CHECK_STR(error_of(r, 5), "domain-spec required");
	CHECK(spfc_record_term_qualifier(r, 5) == '?');
	CHECK(spfc_record_term_kind(r, 6) == SPFC_TERM_ALL);
	CHECK(spfc_record_term_qualifier(r, 6) == '-');
	spfc_record_free(r);

	/* A second redirect= is invalid, with the strict parser's reason;
	 * the first holds the place even when its value is bad. */
	r = parse_all("v=spf1 redirect=bad redirect=b.example exp=x.example "
		      "exp=y.example");
	CHECK(r && spfc_record_invalid(r) == 3);
	if (r) {
		CHECK_STR(error_of(r, 0), "invalid domain name");
		CHECK(spfc_record_term_qualifier(r, 0) == 0);
		CHECK_STR(error_of(r, 1), "more than one redirect= modifier");
		CHECK(spfc_record_term_kind(r, 2) == SPFC_TERM_EXP);
		CHECK_STR(error_of(r, 3), "more than one exp= modifier");
		CHECK(spfc_record_modifier(r, SPFC_TERM_REDIRECT, &idx) == 1 &&
		      idx == 0);
		CHECK(spfc_record_modifier(r, SPFC_TERM_EXP, &idx) == 1 &&
		      idx == 2);
	}
	spfc_record_free(r);

	/* A term holding a control or 8-bit byte is not looked into: it
	 * takes no place and has no qualifier. */
	r = parse_all("v=spf1 redirect=a\001b.example redirect=b.example "
		      "caf\xc3\xa9 -x\x7f");
	CHECK(r && spfc_record_invalid(r) == 3);
	if (r) {
		CHECK(spfc_record_term_kind(r, 0) == SPFC_TERM_INVALID);
		CHECK(spfc_record_term_kind(r, 1) == SPFC_TERM_REDIRECT);
		CHECK(spfc_record_modifier(r, SPFC_TERM_REDIRECT, &idx) == 1 &&
		      idx == 1);
		CHECK_STR(error_of(r, 2), "non-ASCII character in record");
		CHECK(spfc_record_term_qualifier(r, 2) == 0);
		CHECK(spfc_record_term_qualifier(r, 3) == 0);
	}
	spfc_record_free(r);

	/* Modifiers are told from mechanisms by their name. */
	r = parse_all("v=spf1 foo=%{x} x.y=%% 9a=b -a=b");
	CHECK(r && spfc_record_invalid(r) == 3);
	if (r) {
		CHECK_STR(error_of(r, 0), "unknown macro letter");
		CHECK(spfc_record_term_qualifier(r, 0) == 0);
		CHECK(spfc_record_term_kind(r, 1) == SPFC_TERM_UNKNOWN_MOD);
		CHECK_STR(error_of(r, 2), "Unknown mechanism found");
		CHECK(spfc_record_term_qualifier(r, 2) == '+');
		CHECK(spfc_record_term_qualifier(r, 3) == '-');
	}
	spfc_record_free(r);

	/* A record that parses whole is the strict parse. */
	r = parse_all("v=spf1 a -all");
	CHECK(r && spfc_record_count(r) == 2 && spfc_record_invalid(r) == 0);
	spfc_record_free(r);

	/* Not a record at all. */
	spfc_buf_init(&why, 0);
	r = (spfc_record *)&why;
	s = "spf1 -all";
	CHECK(spfc_record_parse_all(s, strlen(s), &r, &why) == SPFC_ESYNTAX);
	CHECK(r == NULL);
	CHECK_STR(spfc_buf_str(&why), "not an SPF record");
	spfc_buf_free(&why);
}

/* Every reason the parser gives, one term each: programs show them
 * (spfcheck --lint words them its own way), so a change is seen here. */
static void test_reasons(void)
{
	static const struct {
		const char *term;
		const char *reason;
	} cases[] = {
		{"foo", "Unknown mechanism found"},
		{"all:x", "'all' takes no argument"},
		{"include", "domain-spec required"},
		{"ptr:", "empty domain-spec"},
		{"a/x", "invalid mechanism syntax"},
		{"a:x.1", "invalid domain name"},
		{"a/33", "invalid CIDR length"},
		{"ip4:192.0.2.1/33", "invalid CIDR length"},
		{"ip4", "address required"},
		{"ip4:192.0.2.300", "invalid IPv4 address"},
		{"ip6:192.0.2.1", "invalid IPv6 address"},
		{"a:%{c}.x", "c, r and t macros are allowed in exp= text only"},
		{"a:%{x}.x", "unknown macro letter"},
		{"a:%{d0}.x", "macro digit transformer must not be zero"},
		{"a:%{d", "malformed macro (missing '}' or bad transformer)"},
		{"a:x.%", "'%' at end of macro-string"},
		{"a:%x.y", "'%' not followed by '{', '%', '_' or '-'"},
		{"caf\xc3\xa9", "non-ASCII character in record"},
	};
	spfc_buf why;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		spfc_buf rec;
		spfc_record *r;

		spfc_buf_init(&rec, 0);
		spfc_buf_adds(&rec, "v=spf1 -all ");
		spfc_buf_adds(&rec, cases[i].term);
		r = parse_all(spfc_buf_str(&rec));
		CHECK(r && spfc_record_invalid(r) == 1);
		if (r)
			CHECK_STR(error_of(r, 1), cases[i].reason);
		spfc_record_free(r);
		spfc_buf_free(&rec);
	}
	spfc_buf_init(&why, 0);
	CHECK(spfc_explanation_check("caf\xc3\xa9", 5, &why) == SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&why), "non-ASCII character");
	spfc_buf_free(&why);
}

static void test_expand(void)
{
	spfc_record *r;
	spfc_status st;
	spfc_buf big;
	size_t i;

	r = parse_all("v=spf1 a:_spf.%{d} include:%{o1}.%{d2r} "
		      "exists:%{D}x.%{O} a:%{i}.x mx "
		      "exp=%%%_%-.%{d} a:%{d}.example.");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_STR(expand(r, 0, &st), "_spf.example.com");
	CHECK(st == SPFC_OK);
	CHECK_STR(expand(r, 1, &st), "example.com.example");
	CHECK(st == SPFC_OK);
	CHECK_STR(expand(r, 2, &st), "example.comx.sender.example");
	CHECK_STR(expand(r, 3, &st), "");
	CHECK(st == SPFC_EINVAL);	/* %{i} needs the connection */
	expand(r, 4, &st);
	CHECK(st == SPFC_EINVAL);	/* no spec */
	CHECK_STR(expand(r, 5, &st), "% %20.example.com");
	CHECK_STR(expand(r, 6, &st), "example.com.example.");	/* dot kept */
	spfc_record_free(r);

	/* RFC 7208 §7.3: leftmost labels go until 253 bytes remain. */
	spfc_buf_init(&big, 0);
	spfc_buf_adds(&big, "v=spf1 a:");
	for (i = 0; i < 5; i++)
		spfc_buf_adds(&big,
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	spfc_buf_adds(&big, "%{d}");
	r = parse_all(spfc_buf_str(&big));
	spfc_buf_free(&big);
	CHECK(r != NULL);
	if (r) {
		const char *e = expand(r, 0, &st);

		CHECK(st == SPFC_OK);
		CHECK(strlen(e) <= 253 && strlen(e) > 200);
		CHECK(strcmp(e + strlen(e) - 12, ".example.com") == 0);
		CHECK(e[0] == 'a');
	}
	spfc_record_free(r);
}

static void test_around(void)
{
	spfc_buf why;

	spfc_buf_init(&why, 0);
	CHECK(spfc_explanation_check("%{i} is not %{c} at %{r} %{t}", 29,
				     &why) == SPFC_OK);
	CHECK(spfc_explanation_check("denied %{x}", 11, &why) ==
	      SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&why), "unknown macro letter");
	spfc_buf_reset(&why);
	CHECK(spfc_explanation_check("a\001b", 3, &why) == SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&why), "invalid character");
	CHECK(spfc_explanation_check("50%", 3, NULL) == SPFC_ESYNTAX);
	spfc_buf_free(&why);

	CHECK(spfc_record_is_spf("v=spf1", 6) == 1);
	CHECK(spfc_record_is_spf("V=SPF1 -all", 11) == 1);
	CHECK(spfc_record_is_spf("v=spf1-all", 10) == 0);
	CHECK(spfc_record_is_spf("v=spf", 5) == 0);

	CHECK(spfc_name_valid("example.com", 11) == 1);
	CHECK(spfc_name_valid("example.com.", 12) == 1);
	CHECK(spfc_name_valid("localhost", 9) == 0);
	CHECK(spfc_name_valid("[192.0.2.1]", 11) == 0);
	CHECK(spfc_name_valid("a..b", 4) == 0);
	CHECK(spfc_name_valid("", 0) == 0);
	CHECK(spfc_name_queryable("localhost", 9) == 1);
	CHECK(spfc_name_queryable("a\001b", 3) == 0);
	CHECK(spfc_name_queryable(
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		      ".example",
		      72) == 0);	/* a label of 64 bytes */
}

int main(void)
{
	test_strict();
	test_every_term();
	test_reasons();
	test_expand();
	test_around();
	return DONE();
}
