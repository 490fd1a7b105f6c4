/* test_buf.c - the bounded buffer: growth, the bound, the sticky error. */
#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdlib.h>

#include "tap.h"

int main(void)
{
	spfc_buf b;
	char *p;
	int i;

	spfc_buf_init(&b, 10);
	CHECK_STR(spfc_buf_str(&b), "");
	CHECK(spfc_buf_adds(&b, "hello") == 0);
	CHECK(spfc_buf_addc(&b, ' ') == 0);
	CHECK(spfc_buf_addu(&b, 123) == 0);
	CHECK_STR(spfc_buf_str(&b), "hello 123");
	CHECK(spfc_buf_adds(&b, "xy") == -1);	/* 11 > 10 */
	CHECK(b.err == SPFC_ELIMIT);
	CHECK(spfc_buf_addc(&b, 'z') == -1);	/* sticky */
	CHECK_STR(spfc_buf_str(&b), "hello 123");
	spfc_buf_reset(&b);
	CHECK(b.err == 0 && b.len == 0);
	CHECK(spfc_buf_addu(&b, 0) == 0);
	CHECK_STR(spfc_buf_str(&b), "0");
	spfc_buf_free(&b);

	spfc_buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		spfc_buf_adds(&b, "abcdefghij");
	CHECK(b.len == 10000 && !b.err);
	spfc_buf_truncate(&b, 3);
	CHECK_STR(spfc_buf_str(&b), "abc");
	p = spfc_buf_take(&b);
	CHECK_STR(p, "abc");
	CHECK(b.data == NULL && b.len == 0);
	free(p);
	spfc_buf_addu(&b, 18446744073709551615ull);
	CHECK_STR(spfc_buf_str(&b), "18446744073709551615");
	spfc_buf_free(&b);
	return DONE();
}
