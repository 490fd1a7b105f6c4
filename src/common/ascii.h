/*
 * ascii.h - locale-free ASCII character classes and case folding.
 *
 * Protocol text (DNS names, SPF records, policy requests, configuration
 * words) is ASCII whatever the locale says, so <ctype.h> is not used:
 * its answers change with setlocale() and it is undefined for negative
 * chars.  Every class here is false for bytes from 0x80 up.
 */
#ifndef SC_ASCII_H
#define SC_ASCII_H

#include <stddef.h>

static inline int sc_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline int sc_is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static inline int sc_is_lower(int c) { return c >= 'a' && c <= 'z'; }
static inline int sc_is_alpha(int c)
{
	return sc_is_upper(c) || sc_is_lower(c);
}

static inline int sc_is_alnum(int c)
{
	return sc_is_alpha(c) || sc_is_digit(c);
}

static inline int sc_is_xdigit(int c)
{
	return sc_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* Visible ASCII and the space: 0x20..0x7e. */
static inline int sc_is_print(int c) { return c >= 0x20 && c <= 0x7e; }

/* Visible ASCII, no space: 0x21..0x7e. */
static inline int sc_is_graph(int c) { return c > 0x20 && c <= 0x7e; }

/* The C locale's white space: space, \t \n \v \f \r. */
static inline int sc_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static inline char sc_to_lower(char c)
{
	return sc_is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

static inline char sc_to_upper(char c)
{
	return sc_is_lower(c) ? (char)(c - 'a' + 'A') : c;
}

/* 1 when every byte of s[0..len) is in the class is (one of the
 * sc_is_* above, given the byte as 0..255); 1 for no bytes. */
int sc_all_bytes(const char *s, size_t len, int (*is)(int));

/* 1 when no byte of s[0..len) is outside ASCII (0x00..0x7f). */
int sc_is_ascii(const char *s, size_t len);

/* 1 when a[0..alen) and b[0..blen) are equal ignoring ASCII case. */
int sc_eq_nocase(const char *a, size_t alen, const char *b, size_t blen);

/* 1 when the C strings a and b are equal ignoring ASCII case. */
int sc_streq_nocase(const char *a, const char *b);

/* 1 when s[0..len) starts with the C string prefix, ignoring ASCII case. */
int sc_prefix_nocase(const char *s, size_t len, const char *prefix);

/* The length of a name without its one trailing dot (a fully qualified
 * "example.com." is the same name as "example.com"). */
static inline size_t sc_strip_dot(const char *s, size_t len)
{
	return (len > 0 && s[len - 1] == '.') ? len - 1 : len;
}

/* 1 when the C string s contains the C string needle, ignoring ASCII
 * case (an empty needle is contained in every string). */
int sc_contains_nocase(const char *s, const char *needle);

/* 1 when s[0..len) is an RFC 2045 §5.1 token: one or more bytes of
 * visible ASCII other than the tspecials ()<>@,;:\"/[]?=. */
int sc_is_token(const char *s, size_t len);

#endif
