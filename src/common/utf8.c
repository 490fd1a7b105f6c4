/*
 * utf8.c - UTF-8 decoding and character names (utf8.h).
 */
#include "utf8.h"

#include <stdio.h>

size_t sc_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

int sc_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	while (n) {
		k = sc_utf8_next(p, n, &cp);
		if (!k)
			return 0;
		p += k, n -= k;
	}
	return 1;
}

static const struct {
	uint32_t cp;
	unsigned char space;	/* Python's isspace() */
	const char *name;
} names[] = {
    {0x85, 1, "NEXT LINE"},
    {0xA0, 1, "NO-BREAK SPACE"},
    {0xAD, 0, "SOFT HYPHEN"},
    {0x1680, 1, "OGHAM SPACE MARK"},
    {0x2000, 1, "EN QUAD"},
    {0x2001, 1, "EM QUAD"},
    {0x2002, 1, "EN SPACE"},
    {0x2003, 1, "EM SPACE"},
    {0x2004, 1, "THREE-PER-EM SPACE"},
    {0x2005, 1, "FOUR-PER-EM SPACE"},
    {0x2006, 1, "SIX-PER-EM SPACE"},
    {0x2007, 1, "FIGURE SPACE"},
    {0x2008, 1, "PUNCTUATION SPACE"},
    {0x2009, 1, "THIN SPACE"},
    {0x200A, 1, "HAIR SPACE"},
    {0x200B, 0, "ZERO WIDTH SPACE"},
    {0x200C, 0, "ZERO WIDTH NON-JOINER"},
    {0x200D, 0, "ZERO WIDTH JOINER"},
    {0x2010, 0, "HYPHEN"},
    {0x2013, 0, "EN DASH"},
    {0x2014, 0, "EM DASH"},
    {0x2018, 0, "LEFT SINGLE QUOTATION MARK"},
    {0x2019, 0, "RIGHT SINGLE QUOTATION MARK"},
    {0x201C, 0, "LEFT DOUBLE QUOTATION MARK"},
    {0x201D, 0, "RIGHT DOUBLE QUOTATION MARK"},
    {0x2028, 1, "LINE SEPARATOR"},
    {0x2029, 1, "PARAGRAPH SEPARATOR"},
    {0x202F, 1, "NARROW NO-BREAK SPACE"},
    {0x205F, 1, "MEDIUM MATHEMATICAL SPACE"},
    {0x2060, 0, "WORD JOINER"},
    {0x2212, 0, "MINUS SIGN"},
    {0x3000, 1, "IDEOGRAPHIC SPACE"},
    {0x3001, 0, "IDEOGRAPHIC COMMA"},
    {0x3002, 0, "IDEOGRAPHIC FULL STOP"},
    {0xFEFF, 0, "ZERO WIDTH NO-BREAK SPACE (byte-order mark)"},
    {0xFF02, 0, "FULLWIDTH QUOTATION MARK"},
    {0xFF0B, 0, "FULLWIDTH PLUS SIGN"},
    {0xFF0C, 0, "FULLWIDTH COMMA"},
    {0xFF0D, 0, "FULLWIDTH HYPHEN-MINUS"},
    {0xFF0E, 0, "FULLWIDTH FULL STOP"},
    {0xFF0F, 0, "FULLWIDTH SOLIDUS"},
    {0xFF1A, 0, "FULLWIDTH COLON"},
    {0xFF1D, 0, "FULLWIDTH EQUALS SIGN"},
    {0xFF5E, 0, "FULLWIDTH TILDE"},
};

static int find(uint32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].cp == cp)
			return (int)i;
	return -1;
}

int sc_utf8_wide_space(uint32_t cp)
{
	int i = find(cp);

	return i >= 0 && names[i].space;
}

const char *sc_utf8_label(uint32_t cp, char *buf, size_t size)
{
	int i = find(cp);

	if (i >= 0)
		snprintf(buf, size, "U+%04X %s", (unsigned)cp, names[i].name);
	else if (cp >= 0xFF21 && cp <= 0xFF3A)
		snprintf(buf, size, "U+%04X FULLWIDTH LATIN CAPITAL LETTER %c",
			 (unsigned)cp, (char)('A' + (cp - 0xFF21)));
	else if (cp >= 0xFF41 && cp <= 0xFF5A)
		snprintf(buf, size, "U+%04X FULLWIDTH LATIN SMALL LETTER %c",
			 (unsigned)cp, (char)('A' + (cp - 0xFF41)));
	else if (cp >= 0xFF10 && cp <= 0xFF19)
		snprintf(buf, size, "U+%04X FULLWIDTH DIGIT %s", (unsigned)cp,
			 (const char *[]){"ZERO", "ONE", "TWO", "THREE", "FOUR",
					  "FIVE", "SIX", "SEVEN", "EIGHT",
					  "NINE"}[cp - 0xFF10]);
	else
		snprintf(buf, size, "U+%04X", (unsigned)cp);
	return buf;
}
