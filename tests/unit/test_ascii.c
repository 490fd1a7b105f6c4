/* test_ascii.c - common/ascii.h against the C locale's <ctype.h> for
 * every byte, and the case-insensitive comparisons. */
#include "common/ascii.h"

#include <ctype.h>

#include "tap.h"

int main(void)
{
	unsigned bad = 0;
	int c;

	/* The program runs in the C locale: <ctype.h> is the reference for
	 * 0..127; from 128 up every class is false and case is kept. */
	for (c = 0; c < 256; c++) {
		int ascii = c < 128;
		char ch = (char)c;

		bad += sc_is_digit(c) != (ascii && isdigit(c) != 0);
		bad += sc_is_alpha(c) != (ascii && isalpha(c) != 0);
		bad += sc_is_alnum(c) != (ascii && isalnum(c) != 0);
		bad += sc_is_upper(c) != (ascii && isupper(c) != 0);
		bad += sc_is_lower(c) != (ascii && islower(c) != 0);
		bad += sc_is_xdigit(c) != (ascii && isxdigit(c) != 0);
		bad += sc_is_print(c) != (ascii && isprint(c) != 0);
		bad += sc_is_graph(c) != (ascii && isgraph(c) != 0);
		bad += sc_is_space(c) != (ascii && isspace(c) != 0);
		bad += (unsigned char)sc_to_lower(ch) !=
		       (ascii ? (unsigned char)tolower(c) : (unsigned char)c);
		bad += (unsigned char)sc_to_upper(ch) !=
		       (ascii ? (unsigned char)toupper(c) : (unsigned char)c);
		/* a negative char is no class either */
		bad += sc_is_alpha(ch) != (ascii && isalpha(c) != 0);
	}
	CHECK(bad == 0);

	CHECK(sc_eq_nocase("MiXeD", 5, "mixed", 5));
	CHECK(!sc_eq_nocase("mixed", 5, "mixes", 5));
	CHECK(!sc_eq_nocase("abc", 3, "abcd", 4));
	CHECK(sc_eq_nocase("", 0, "", 0));
	CHECK(sc_eq_nocase("a\0b", 3, "A\0B", 3));	/* lengths, not NULs */
	CHECK(!sc_eq_nocase("\xc4", 1, "\xe4", 1));	/* no 8-bit folding */
	CHECK(!sc_eq_nocase("@", 1, "`", 1));		/* 0x40 vs 0x60 */
	CHECK(!sc_eq_nocase("[", 1, "{", 1));

	CHECK(sc_streq_nocase("Fail", "FAIL"));
	CHECK(!sc_streq_nocase("Fail", "Fai"));

	CHECK(sc_prefix_nocase("V=SPF1 -all", 11, "v=spf1"));
	CHECK(sc_prefix_nocase("v=spf1", 6, "v=spf1"));
	CHECK(!sc_prefix_nocase("v=spf", 5, "v=spf1"));
	CHECK(sc_prefix_nocase("x", 1, ""));

	CHECK(sc_contains_nocase("Header SPF and ar", "AR"));
	CHECK(sc_contains_nocase("spf", "SPF"));
	CHECK(!sc_contains_nocase("sp", "SPF"));
	CHECK(sc_contains_nocase("", ""));

	CHECK(sc_all_bytes("0123", 4, sc_is_digit));
	CHECK(!sc_all_bytes("01a3", 4, sc_is_digit));
	CHECK(sc_all_bytes("", 0, sc_is_digit));
	CHECK(!sc_all_bytes("a\xe9", 2, sc_is_print));
	CHECK(sc_all_bytes("a b", 3, sc_is_print));
	CHECK(!sc_all_bytes("a b", 3, sc_is_graph));

	CHECK(sc_is_token("pass", 4));
	CHECK(sc_is_token("a.b-c_d", 7));
	CHECK(!sc_is_token("", 0));
	CHECK(!sc_is_token("a b", 3));
	CHECK(!sc_is_token("a@b", 3));
	CHECK(!sc_is_token("a\"", 2));
	CHECK(!sc_is_token("a\x7f", 2));
	CHECK(!sc_is_token("a\0", 2));
	CHECK(!sc_is_token("\xe4", 1));
	return DONE();
}
