/*
 * printable.c - sc_printable of printable.h.
 *
 * Runs of bytes that pass unchanged go out in one append; only the bytes
 * that need writing another way are handled one by one.
 */
#include "printable.h"

#include "ascii.h"

/* 1 when c is written as it is. */
static int passes(unsigned char c, unsigned mode)
{
	if (!sc_is_print(c))
		return 0;
	if (c == '\\')
		return !(mode & SC_PRINT_QUOTE) &&
		       (mode & SC_PRINT_MODE) != SC_PRINT_HEX;
	if (c == '"')
		return !(mode & SC_PRINT_QUOTE);
	return !((mode & SC_PRINT_LOWER) && sc_is_upper(c));
}

/* Write the one byte c that does not pass. */
static void add_other(spfc_buf *out, unsigned char c, unsigned mode)
{
	static const char hex[] = "0123456789abcdef";

	if (sc_is_print(c)) {
		if (sc_is_upper(c) && (mode & SC_PRINT_LOWER)) {
			spfc_buf_addc(out, sc_to_lower((char)c));
			return;
		}
		if (mode & SC_PRINT_QUOTE) {	/* '"' or '\\' */
			spfc_buf_addc(out, '\\');
			spfc_buf_addc(out, (char)c);
			return;
		}
	}
	if ((mode & SC_PRINT_MODE) == SC_PRINT_HEX) {
		spfc_buf_adds(out, "\\x");
		spfc_buf_addc(out, hex[c >> 4]);
		spfc_buf_addc(out, hex[c & 0xf]);
	} else {
		spfc_buf_addc(out, '?');
	}
}

void sc_printable(spfc_buf *out, const char *s, size_t len, unsigned mode)
{
	size_t i = 0, run;

	while (i < len) {
		for (run = i; run < len && passes((unsigned char)s[run], mode);
		     run++)
			;
		if (run > i)
			spfc_buf_add(out, s + i, run - i);
		if (run < len)
			add_other(out, (unsigned char)s[run++], mode);
		i = run;
	}
}

void sc_printable_copy(char *dst, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = sc_is_print((unsigned char)s[i]) ? s[i] : '?';
}
