/* test_number.c - sc_parse_uint of common/number.h: bounds, overflow,
 * empty text, signs, spaces and other junk. */
#include "common/number.h"

#include <string.h>

#include "tap.h"

#define U64_MAX 18446744073709551615ull

static unsigned long long v;

/* Parse the C string s within min..max. */
static int parse(const char *s, unsigned long long min,
		 unsigned long long max)
{
	return sc_parse_uint(s, strlen(s), min, max, &v);
}

int main(void)
{
	CHECK(parse("0", 0, 10) == 0 && v == 0);
	CHECK(parse("10", 0, 10) == 0 && v == 10);
	CHECK(parse("007", 0, 10) == 0 && v == 7);	/* leading zeros */
	CHECK(parse("11", 0, 10) == -1);
	CHECK(parse("1", 1, 65535) == 0 && v == 1);
	CHECK(parse("0", 1, 65535) == -1);		/* below min */
	CHECK(parse("65535", 1, 65535) == 0 && v == 65535);
	CHECK(parse("65536", 1, 65535) == -1);
	CHECK(parse("5", 5, 5) == 0 && v == 5);
	CHECK(parse("4", 5, 5) == -1 && parse("6", 5, 5) == -1);
	CHECK(parse("9", 0, 5) == -1);		/* a digit above max */
	CHECK(parse("3", 0, 0) == -1 && parse("0", 0, 0) == 0);
	CHECK(parse("1", 2, 1) == -1);		/* empty range */

	/* overflow: the full range, one past it, and very long input */
	CHECK(parse("18446744073709551615", 0, U64_MAX) == 0 && v == U64_MAX);
	CHECK(parse("18446744073709551616", 0, U64_MAX) == -1);
	CHECK(parse("99999999999999999999", 0, U64_MAX) == -1);
	CHECK(parse("000000000000000000000000000042", 0, U64_MAX) == 0 &&
	      v == 42);
	CHECK(parse("4294967296", 0, 4294967295ull) == -1);

	v = 12345;
	CHECK(parse("", 0, 10) == -1);
	CHECK(parse("+1", 0, 10) == -1);
	CHECK(parse("-1", 0, 10) == -1);
	CHECK(parse("-0", 0, 10) == -1);
	CHECK(parse(" 1", 0, 10) == -1);
	CHECK(parse("1 ", 0, 10) == -1);
	CHECK(parse("\t1", 0, 10) == -1);
	CHECK(parse("1a", 0, 100) == -1);
	CHECK(parse("0x1", 0, 100) == -1);
	CHECK(parse("1.0", 0, 100) == -1);
	CHECK(parse("\xd9\xa1", 0, 100) == -1);	/* a non-ASCII digit */
	CHECK(sc_parse_uint("1\0" "2", 3, 0, 100, &v) == -1);
	CHECK(v == 12345);	/* untouched on failure */

	/* the length, not a NUL, ends the number */
	CHECK(sc_parse_uint("123456", 3, 0, 1000, &v) == 0 && v == 123);
	CHECK(sc_parse_uint("8080/x", 4, 1, 65535, &v) == 0 && v == 8080);
	return DONE();
}
