/* test_printable.c - common/printable.h: every byte 0..255 in each mode
 * and with each flag, against an independent statement of the rules. */
#include "common/printable.h"

#include <spfc/buf.h>

#include <stdio.h>
#include <string.h>

#include "tap.h"

/* What one byte becomes, written out from the documented rules. */
static void expect(unsigned char c, unsigned mode, char *out)
{
	int hex = (mode & SC_PRINT_MODE) == SC_PRINT_HEX;

	if ((mode & SC_PRINT_QUOTE) && (c == '"' || c == '\\'))
		sprintf(out, "\\%c", c);
	else if (c == '\\' && hex)
		strcpy(out, "\\x5c");
	else if (c >= 'A' && c <= 'Z' && (mode & SC_PRINT_LOWER))
		sprintf(out, "%c", c + 32);
	else if (c >= 0x20 && c <= 0x7e)
		sprintf(out, "%c", c);
	else if (hex)
		sprintf(out, "\\x%02x", c);
	else
		strcpy(out, "?");
}

/* Every byte alone, then all 256 in one call (runs and their ends). */
static unsigned check_mode(unsigned mode)
{
	char all[256], want[8], whole[256 * 5 + 1];
	unsigned bad = 0;
	spfc_buf b;
	int c;

	spfc_buf_init(&b, 0);
	whole[0] = '\0';
	for (c = 0; c < 256; c++) {
		char one = (char)c;

		all[c] = one;
		expect((unsigned char)c, mode, want);
		strcat(whole, want);
		spfc_buf_reset(&b);
		sc_printable(&b, &one, 1, mode);
		if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0)
			bad++;
	}
	spfc_buf_reset(&b);
	sc_printable(&b, all, sizeof all, mode);
	if (b.len != strlen(whole) || memcmp(b.data, whole, b.len) != 0)
		bad++;
	spfc_buf_free(&b);
	return bad;
}

int main(void)
{
	char src[256], dst[256];
	spfc_buf b;
	unsigned bad = 0;
	int c;

	CHECK(check_mode(SC_PRINT_REPLACE) == 0);
	CHECK(check_mode(SC_PRINT_HEX) == 0);
	CHECK(check_mode(SC_PRINT_REPLACE | SC_PRINT_QUOTE) == 0);
	CHECK(check_mode(SC_PRINT_HEX | SC_PRINT_QUOTE) == 0);
	CHECK(check_mode(SC_PRINT_REPLACE | SC_PRINT_LOWER) == 0);

	spfc_buf_init(&b, 0);
	sc_printable(&b, "a\r\nb\\\"\x1b[0m\xff", 11, SC_PRINT_HEX);
	CHECK_STR(spfc_buf_str(&b), "a\\x0d\\x0ab\\x5c\"\\x1b[0m\\xff");
	spfc_buf_reset(&b);
	sc_printable(&b, "Say \"hi\"\n", 9, SC_PRINT_REPLACE | SC_PRINT_QUOTE);
	CHECK_STR(spfc_buf_str(&b), "Say \\\"hi\\\"?");
	spfc_buf_reset(&b);
	sc_printable(&b, "Mail.EXAMPLE\x80", 13,
		     SC_PRINT_REPLACE | SC_PRINT_LOWER);
	CHECK_STR(spfc_buf_str(&b), "mail.example?");
	spfc_buf_reset(&b);
	sc_printable(&b, "ab\0cd", 5, SC_PRINT_REPLACE); /* NUL is data */
	CHECK_STR(spfc_buf_str(&b), "ab?cd");
	spfc_buf_reset(&b);
	sc_printable(&b, NULL, 0, SC_PRINT_HEX);
	CHECK(b.len == 0 && !b.err);
	spfc_buf_free(&b);

	/* a bounded buffer: the sticky error, never more than the bound */
	spfc_buf_init(&b, 4);
	sc_printable(&b, "\x01\x02", 2, SC_PRINT_HEX);
	CHECK(b.err != 0 && b.len <= 4);
	spfc_buf_free(&b);

	for (c = 0; c < 256; c++)
		src[c] = (char)c;
	sc_printable_copy(dst, src, sizeof src);
	for (c = 0; c < 256; c++)
		bad += dst[c] != (c >= 0x20 && c <= 0x7e ? (char)c : '?');
	CHECK(bad == 0);
	return DONE();
}
