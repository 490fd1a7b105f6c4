/* test_addr.c - address parsing, formatting, unmapping and matching. */
#include <spfc/spfc.h>

#include "tap.h"

int main(void)
{
	spfc_addr a, b;
	char t[SPFC_ADDR_TEXT_MAX];

	CHECK(spfc_addr_parse("192.0.2.1", &a) == SPFC_OK && a.family == 4);
	spfc_addr_format(&a, t, sizeof t);
	CHECK_STR(t, "192.0.2.1");
	CHECK(spfc_addr_parse("192.0.2.01", &a) == SPFC_EINVAL);
	CHECK(spfc_addr_parse("192.0.2", &a) == SPFC_EINVAL);
	CHECK(spfc_addr_parse("192.0.2.1 ", &a) == SPFC_EINVAL);
	CHECK(spfc_addr_parse("", &a) == SPFC_EINVAL);
	CHECK(spfc_addr_parse("256.0.0.1", &a) == SPFC_EINVAL);
	CHECK(spfc_addr_parse("2001:DB8::1", &a) == SPFC_OK && a.family == 6);
	spfc_addr_format(&a, t, sizeof t);
	CHECK_STR(t, "2001:db8::1");
	CHECK(spfc_addr_parse("::ffff:192.0.2.7", &a) == SPFC_OK && a.family == 6);
	spfc_addr_unmap(&a);
	CHECK(a.family == 4);
	spfc_addr_format(&a, t, sizeof t);
	CHECK_STR(t, "192.0.2.7");
	CHECK(spfc_addr_parse("2001:db8::ffff:192.0.2.7", &a) == SPFC_OK);
	spfc_addr_unmap(&a);
	CHECK(a.family == 6);

	spfc_addr_parse("192.0.2.130", &a);
	spfc_addr_parse("192.0.2.129", &b);
	CHECK(spfc_addr_match(&a, &b, 24));
	CHECK(spfc_addr_match(&a, &b, 30));
	CHECK(!spfc_addr_match(&a, &b, 31));
	CHECK(spfc_addr_match(&a, &b, 0));
	CHECK(!spfc_addr_match(&a, &b, 33));
	spfc_addr_parse("2001:db8::1", &b);
	CHECK(!spfc_addr_match(&a, &b, 0));
	spfc_addr_parse("2001:db8:ffff::1", &a);
	CHECK(spfc_addr_match(&a, &b, 32));
	CHECK(!spfc_addr_match(&a, &b, 33));
	return DONE();
}
