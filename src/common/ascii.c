/*
 * ascii.c - the comparisons of ascii.h.  Pure functions over caller
 * memory with explicit lengths; they cannot fail.
 */
#include "ascii.h"

#include <string.h>

int sc_all_bytes(const char *s, size_t len, int (*is)(int))
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is((unsigned char)s[i]))
			return 0;
	return 1;
}

int sc_eq_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (sc_to_lower(a[i]) != sc_to_lower(b[i]))
			return 0;
	return 1;
}

int sc_streq_nocase(const char *a, const char *b)
{
	return sc_eq_nocase(a, strlen(a), b, strlen(b));
}

int sc_prefix_nocase(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return n <= len && sc_eq_nocase(s, n, prefix, n);
}

int sc_contains_nocase(const char *s, const char *needle)
{
	size_t n = strlen(needle), len = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (sc_eq_nocase(s + i, n, needle, n))
			return 1;
	return 0;
}

int sc_is_token(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!sc_is_graph(c) || strchr("()<>@,;:\\\"/[]?=", c))
			return 0;
	}
	return 1;
}

int sc_is_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}
