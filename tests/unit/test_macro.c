/* test_macro.c - RFC 7208 §7 macros: the RFC's own examples (§7.4),
 * syntax errors, URL escaping and §7.3 truncation. */
#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "tap.h"

static struct macro_env env;

static char *exp_(const char *s, unsigned flags)
{
	spfc_buf b;
	int up;

	if (macro_check(s, strlen(s), flags, &up, NULL) < 0)
		return NULL;
	spfc_buf_init(&b, 0);
	if (macro_expand(s, strlen(s), &env, flags, &b) < 0) {
		spfc_buf_free(&b);
		return NULL;
	}
	return spfc_buf_take(&b);
}

#define EXPANDS(in, flags, want)                                           \
	do {                                                               \
		char *got_ = exp_(in, flags);                              \
		CHECK_STR(got_, want);                                     \
		free(got_);                                                \
	} while (0)

static int bad(const char *s, unsigned flags)
{
	int up;
	return macro_check(s, strlen(s), flags, &up, NULL) < 0;
}

int main(void)
{
	spfc_addr ip4, ip6;
	spfc_buf b;
	int up;
	char longname[400];

	spfc_addr_parse("192.0.2.3", &ip4);
	spfc_addr_parse("2001:db8::cb01", &ip6);
	env.sender = "strong-bad@email.example.com";
	env.local = "strong-bad";
	env.sdomain = "email.example.com";
	env.domain = "email.example.com";
	env.ip = &ip4;
	env.helo = "mx.example.org";
	env.receiver = "rcv.example.net";
	env.pname = "unknown";
	env.now = 1234567890;

	/* RFC 7208 §7.4 */
	EXPANDS("%{s}", 0, "strong-bad@email.example.com");
	EXPANDS("%{o}", 0, "email.example.com");
	EXPANDS("%{d}", 0, "email.example.com");
	EXPANDS("%{d4}", 0, "email.example.com");
	EXPANDS("%{d3}", 0, "email.example.com");
	EXPANDS("%{d2}", 0, "example.com");
	EXPANDS("%{d1}", 0, "com");
	EXPANDS("%{dr}", 0, "com.example.email");
	EXPANDS("%{d2r}", 0, "example.email");
	EXPANDS("%{l}", 0, "strong-bad");
	EXPANDS("%{l-}", 0, "strong.bad");
	EXPANDS("%{lr}", 0, "strong-bad");
	EXPANDS("%{lr-}", 0, "bad.strong");
	EXPANDS("%{l1r-}", 0, "strong");
	EXPANDS("%{ir}.%{v}._spf.%{d2}", 0, "3.2.0.192.in-addr._spf.example.com");
	EXPANDS("%{lr-}.lp._spf.%{d2}", 0, "bad.strong.lp._spf.example.com");
	EXPANDS("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0,
		"bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	EXPANDS("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0,
		"3.2.0.192.in-addr.strong.lp._spf.example.com");
	EXPANDS("%{d2}.trusted-domains.example.net", 0,
		"example.com.trusted-domains.example.net");
	env.ip = &ip6;
	EXPANDS("%{ir}.%{v}._spf.%{d2}", 0,
		"1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6._spf.example.com");
	EXPANDS("%{c}", MACRO_EXP, "2001:db8::cb01");
	env.ip = &ip4;

	/* escapes, upper case, exp-only letters */
	EXPANDS("a%%b%_c%-d", MACRO_EXP, "a%b c%20d");
	env.local = "~jack&jill=up-a_b3.c";
	EXPANDS("l=%{L}", 0, "l=~jack%26jill%3Dup-a_b3.c");
	env.local = "strong-bad";
	EXPANDS("%{c} %{r} %{t}", MACRO_EXP, "192.0.2.3 rcv.example.net 1234567890");
	EXPANDS("%{h}.%{p}", 0, "mx.example.org.unknown");
	EXPANDS("%{d99}", 0, "email.example.com");
	EXPANDS("%{d999999999999}", 0, "email.example.com");
	EXPANDS("%{l+-}", 0, "strong.bad");

	CHECK(bad("%{c}", 0));
	CHECK(bad("%{r}.example.com", 0));
	CHECK(bad("%{t}", 0));
	CHECK(bad("%{x}", 0));
	CHECK(bad("%{d0}", 0));
	CHECK(bad("%{d", 0));
	CHECK(bad("%{d2r+-/}x}", 0) == 0);
	CHECK(bad("%{d*}", 0));
	CHECK(bad("%", 0));
	CHECK(bad("%x", 0));
	CHECK(bad("a b", 0));
	CHECK(bad("a b", MACRO_EXP) == 0);
	CHECK(bad("a\rb", MACRO_EXP));
	CHECK(bad("caf\xc3\xa9", MACRO_EXP));
	CHECK(macro_check("%{p}.x", 6, 0, &up, NULL) == 0 && up == 1);
	CHECK(macro_check("%{d}.x", 6, 0, &up, NULL) == 0 && up == 0);

	/* §7.3: over 253 bytes lose whole labels from the left */
	memset(longname, 'a', sizeof longname);
	for (int i = 60; i < 390; i += 61)
		longname[i] = '.';
	longname[390] = '\0';
	env.domain = longname;
	{
		char *r = exp_("%{d}", MACRO_DOMAIN);
		CHECK(r && strlen(r) <= 253 && r[0] != '.');
		CHECK(r && strcmp(r, longname + strlen(longname) - strlen(r)) == 0);
		free(r);
		r = exp_("%{d}", MACRO_EXP);	/* exp text is not truncated */
		CHECK(r && strlen(r) == 390);
		free(r);
	}
	/* Expansion is bounded. */
	spfc_buf_init(&b, 0);
	{
		spfc_buf big;
		spfc_buf_init(&big, 0);
		for (int i = 0; i < 2000; i++)
			spfc_buf_adds(&big, "%{d}");
		CHECK(macro_expand(spfc_buf_str(&big), big.len, &env, MACRO_EXP, &b) == -1);
		spfc_buf_free(&big);
	}
	spfc_buf_free(&b);
	return DONE();
}
