/*
 * number.h - one strict reader of unsigned decimal numbers, for every
 * number that comes from outside (configuration, zone files, records,
 * command lines, addresses).
 *
 * Digits only: no sign, no white space, no base prefix, no locale; the
 * whole of s[0..len) must be digits.  Leading zeros are allowed (callers
 * whose syntax forbids them check that first).  Overflow-safe: the value
 * is compared with max before every digit is added, so any length of
 * input is read in bounded time and a too-large value is an error, never
 * a wrapped one.
 */
#ifndef SC_NUMBER_H
#define SC_NUMBER_H

#include <stddef.h>

/* 0 and *out set when s[0..len) is one or more digits whose value is in
 * min..max; -1 (and *out untouched) otherwise. */
int sc_parse_uint(const char *s, size_t len, unsigned long long min,
		  unsigned long long max, unsigned long long *out);

#endif
