/* test_record.c - record parsing: every mechanism and modifier, dual
 * CIDR, errors naming the term, and printing back; and the parser of one
 * term (record_term_parse): its fields, its bare reason, what the terms
 * before it gave, and the kind it gives a term that fails. */
#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdlib.h>
#include <string.h>

#include "recparse.h"
#include "tap.h"

static struct record *parse(const char *s, spfc_buf *why)
{
	struct record *r = NULL;

	spfc_buf_reset(why);
	if (record_parse(s, strlen(s), &r, why) != SPFC_OK)
		return NULL;
	return r;
}

static int fails(const char *s, const char *reason_part)
{
	spfc_buf why;
	struct record *r;
	int ok;

	spfc_buf_init(&why, 0);
	r = parse(s, &why);
	ok = r == NULL && strstr(spfc_buf_str(&why), reason_part) != NULL;
	if (!ok)
		fprintf(stderr, "record \"%s\": reason \"%s\"\n", s, spfc_buf_str(&why));
	record_free(r);
	spfc_buf_free(&why);
	return ok;
}

static int roundtrip(const char *s)
{
	spfc_buf why, out;
	struct record *r;
	int ok;

	spfc_buf_init(&why, 0);
	spfc_buf_init(&out, 0);
	r = parse(s, &why);
	if (r)
		record_print(r, &out);
	ok = r && strcmp(spfc_buf_str(&out), s) == 0;
	record_free(r);
	spfc_buf_free(&why);
	spfc_buf_free(&out);
	return ok;
}

/* A NUL byte anywhere in a record that parses makes it a syntax error
 * (or, right after "v=spf1", no SPF record at all, RFC 7208 §4.5): the
 * record is bytes with a length, a NUL never ends it early.  Each record
 * is tried with a NUL put in before, and in place of, every byte. */
static int nul_anywhere(const char *s)
{
	size_t n = strlen(s), at, k;
	char buf[256];
	int ok = 1;

	if (n + 1 > sizeof buf)
		return 0;
	for (at = 0; at <= n; at++) {
		for (k = 0; k < 2; k++) {
			struct record *r = NULL;
			spfc_buf why;
			size_t len;
			spfc_status st;

			if (k == 1 && at == n)
				continue;
			memcpy(buf, s, at);
			buf[at] = '\0';
			/* k 0: inserted; k 1: replacing byte at */
			memcpy(buf + at + 1, s + at + k, n - at - k);
			len = n + 1 - k;
			spfc_buf_init(&why, 0);
			st = record_parse(buf, len, &r, &why);
			if (st == SPFC_OK) {
				fprintf(stderr, "NUL at %zu (%s) in \"%s\" "
					"parses\n", at, k ? "replacing" :
					"inserted", s);
				ok = 0;
			}
			record_free(r);
			spfc_buf_free(&why);
		}
	}
	return ok;
}

/* record_term_parse on s with seen: 0 on success, -1 on failure; the
 * type and reason in *type and why. */
static int term(const char *s, unsigned seen, struct term *t, spfc_buf *why)
{
	spfc_buf_reset(why);
	return record_term_parse(s, strlen(s), seen, t, why);
}

static void test_term_parse(void)
{
	static const char mx[] = "-mx:%{d}.example/24//64";
	struct term t;
	spfc_buf why;

	spfc_buf_init(&why, 0);
	CHECK(term(mx, 0, &t, &why) == 0);
	CHECK(t.type == SPFC_TERM_MX && t.qual == '-' && t.text == mx &&
	      t.text_len == strlen(mx) && t.spec == mx + 4 &&
	      t.spec_len == strlen("%{d}.example") && t.cidr4 == 24 &&
	      t.cidr6 == 64 && why.len == 0);
	CHECK(term("ip4:192.0.2.0/24", 0, &t, &why) == 0);
	CHECK(t.type == SPFC_TERM_IP4 && t.qual == '+' && t.cidr4 == 24 &&
	      t.addr.family == 4);
	CHECK(term("redirect=_spf.example", 0, &t, &why) == 0);
	CHECK(t.type == SPFC_TERM_REDIRECT && t.qual == 0);
	CHECK(term("exp=explain.example", RECORD_SEEN_REDIRECT, &t, &why) == 0);
	CHECK(t.type == SPFC_TERM_EXP);
	CHECK(term("foo=bar", RECORD_SEEN_REDIRECT | RECORD_SEEN_EXP, &t,
		   &why) == 0);
	CHECK(t.type == SPFC_TERM_UNKNOWN_MOD);

	/* The reason alone, without ": <term>". */
	CHECK(term("foo", 0, &t, &why) == -1);
	CHECK_STR(spfc_buf_str(&why), "Unknown mechanism found");
	CHECK(t.type == SPFC_TERM_INVALID);
	CHECK(term("-all:x", 0, &t, &why) == -1);
	CHECK_STR(spfc_buf_str(&why), "'all' takes no argument");
	CHECK(t.type == SPFC_TERM_INVALID);
	CHECK(term("redirect=a.example", RECORD_SEEN_REDIRECT, &t, &why) == -1);
	CHECK_STR(spfc_buf_str(&why), "more than one redirect= modifier");
	CHECK(t.type == SPFC_TERM_REDIRECT);
	CHECK(term("EXP=a.example", RECORD_SEEN_EXP, &t, &why) == -1);
	CHECK_STR(spfc_buf_str(&why), "more than one exp= modifier");
	CHECK(t.type == SPFC_TERM_EXP);
	/* A broken modifier still says which modifier it is written as. */
	CHECK(term("redirect=%{", 0, &t, &why) == -1);
	CHECK(t.type == SPFC_TERM_REDIRECT && why.len > 0);
	CHECK(term("a\xc3\xa9", 0, &t, &why) == -1);
	CHECK_STR(spfc_buf_str(&why), "non-ASCII character in record");
	spfc_buf_free(&why);
}

int main(void)
{
	spfc_buf why;
	struct record *r;
	spfc_buf big;
	int i;

	spfc_buf_init(&why, 0);
	CHECK(record_is_spf("v=spf1", 6));
	CHECK(record_is_spf("V=SPF1 -all", 11));
	CHECK(!record_is_spf("v=spf10 -all", 12));
	CHECK(!record_is_spf("v=spf1\t-all", 11));
	CHECK(!record_is_spf("spf1", 4));

	r = parse("v=spf1 +a -mx:example.org/24//64 ~ptr ?exists:%{ir}.x.example "
		  "ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net "
		  "redirect=other.example exp=exp.%{d} foo=bar all", &why);
	CHECK(r != NULL);
	if (r) {
		CHECK(r->nterms == 11);
		CHECK(r->terms[0].type == SPFC_TERM_A && r->terms[0].qual == '+' && !r->terms[0].spec);
		CHECK(r->terms[1].type == SPFC_TERM_MX && r->terms[1].qual == '-');
		CHECK(r->terms[1].cidr4 == 24 && r->terms[1].cidr6 == 64);
		CHECK(r->terms[1].spec_len == 11 && memcmp(r->terms[1].spec, "example.org", 11) == 0);
		CHECK(r->terms[2].type == SPFC_TERM_PTR && r->terms[2].qual == '~');
		CHECK(r->terms[3].type == SPFC_TERM_EXISTS && r->terms[3].qual == '?');
		CHECK(r->terms[4].type == SPFC_TERM_IP4 && r->terms[4].cidr4 == 24);
		CHECK(r->terms[5].type == SPFC_TERM_IP6 && r->terms[5].cidr6 == 32);
		CHECK(r->terms[6].type == SPFC_TERM_INCLUDE);
		CHECK(r->terms[7].type == SPFC_TERM_REDIRECT && r->redirect == 7);
		CHECK(r->terms[8].type == SPFC_TERM_EXP && r->exp == 8);
		CHECK(r->terms[9].type == SPFC_TERM_UNKNOWN_MOD);
		CHECK(r->terms[10].type == SPFC_TERM_ALL && r->terms[10].qual == '+');
	}
	record_free(r);

	r = parse("v=spf1 a//64 mx/0", &why);
	CHECK(r && r->terms[0].cidr4 == 32 && r->terms[0].cidr6 == 64);
	CHECK(r && r->terms[1].cidr4 == 0 && r->terms[1].cidr6 == 128);
	record_free(r);
	r = parse("v=spf1   ", &why);
	CHECK(r && r->nterms == 0);
	record_free(r);
	r = parse("v=spf1 ptr:%{p}.example.com", &why);
	CHECK(r && r->terms[0].spec_uses_p);
	record_free(r);

	CHECK(fails("v=spf1 foo", "Unknown mechanism"));
	CHECK(fails("v=spf1 -all:x", "all"));
	CHECK(fails("v=spf1 include", "domain-spec"));
	CHECK(fails("v=spf1 include:", "domain-spec"));
	CHECK(fails("v=spf1 a:", "domain-spec"));
	CHECK(fails("v=spf1 a:museum", "invalid domain"));
	CHECK(fails("v=spf1 a:abc.example.net:8080", "invalid domain"));
	CHECK(fails("v=spf1 a:111.222.33.44", "invalid domain"));
	CHECK(fails("v=spf1 a/33", "CIDR"));
	CHECK(fails("v=spf1 a//129", "CIDR"));
	CHECK(fails("v=spf1 a/024", "CIDR"));
	CHECK(fails("v=spf1 ip4:192.0.2.0/33", "CIDR"));
	CHECK(fails("v=spf1 ip4:192.0.2", "IPv4"));
	CHECK(fails("v=spf1 ip4:2001:db8::1", "IPv4"));
	CHECK(fails("v=spf1 ip6:192.0.2.1", "IPv6"));
	CHECK(fails("v=spf1 ip6:::1/129", "CIDR"));
	CHECK(fails("v=spf1 redirect=a.example redirect=b.example", "redirect"));
	CHECK(fails("v=spf1 exp=a.example exp=b.example", "exp"));
	CHECK(fails("v=spf1 exists:%{c}.example.com", "exp= text only"));
	CHECK(fails("v=spf1 a:%{x}.example.com", "macro"));
	CHECK(fails("v=spf1 foo=%{x}", "macro"));
	CHECK(fails("v=spf1 a:ctrl.example.com\rptr", "character"));
	CHECK(fails("v=spf1 \x80" "a", "non-ASCII"));
	CHECK(fails("v=spf1 ptr/24", "syntax"));
	CHECK(fails("v=spf1 =foo", "Unknown"));

	/* NUL bytes: not a cut, a syntax error */
	{
		static const char nul[] = "v=spf1 ip4:192.0.2.1\0 -all";

		spfc_buf_reset(&why);
		CHECK(record_parse(nul, sizeof nul - 1, &r, &why) ==
		      SPFC_ESYNTAX);
		CHECK(strstr(spfc_buf_str(&why), "invalid IPv4 address") != NULL);
		CHECK(!record_is_spf("v=spf1\0 -all", 12));
	}
	CHECK(nul_anywhere("v=spf1 ip4:192.0.2.1 -all"));
	CHECK(nul_anywhere("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all"));
	CHECK(nul_anywhere("v=spf1 a:mail.example.com/24//64 mx ptr:x.example ?all"));
	CHECK(nul_anywhere("v=spf1 include:_spf.example.net exists:%{i}.e.example -all"));
	CHECK(nul_anywhere("v=spf1 redirect=_spf.example.com exp=exp.example.com"));
	CHECK(nul_anywhere("v=spf1 foo=bar-%{d} +a"));

	CHECK(roundtrip("v=spf1 a mx:example.org/24//64 -all"));
	CHECK(roundtrip("v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 redirect=_spf.example.com"));

	/* A 200-term record parses in full. */
	spfc_buf_init(&big, 0);
	spfc_buf_adds(&big, "v=spf1");
	for (i = 0; i < 200; i++) {
		spfc_buf_adds(&big, " ip4:198.51.100.");
		spfc_buf_addu(&big, (unsigned)i);
	}
	spfc_buf_adds(&big, " -all");
	r = parse(spfc_buf_str(&big), &why);
	CHECK(r && r->nterms == 201 && r->terms[199].type == SPFC_TERM_IP4);
	record_free(r);
	spfc_buf_free(&big);
	spfc_buf_free(&why);
	test_term_parse();
	return DONE();
}
