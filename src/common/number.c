/*
 * number.c - sc_parse_uint of number.h.  Pure; fails only by its return.
 */
#include "number.h"

#include "ascii.h"

int sc_parse_uint(const char *s, size_t len, unsigned long long min,
		  unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || min > max)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (!sc_is_digit(s[i]))
			return -1;
		d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -1;	/* v * 10 + d would pass max */
		v = v * 10 + d;
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}
