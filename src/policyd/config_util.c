/*
 * config_util.c - text helpers of the policyd-spf.conf parser
 * (config_int.h): the loose name comparison of the "did you mean" hint,
 * stripping, copying, and quoting file text into messages.  Character
 * classes and case-insensitive comparison are common/ascii.h's.
 *
 * How it fails: the copies return NULL on out of memory; the appends
 * leave the buffer's sticky error.  Quoted text is clipped to
 * CF_QUOTE_MAX bytes and has its control and non-ASCII bytes escaped.
 */
#include "config_int.h"

#include "common/printable.h"

#include <string.h>

/* Like sc_streq_nocase, and '-' equals '_' (for the "did you mean" hint). */
int cf_loose_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = sc_to_lower(*a);
		char y = sc_to_lower(*b);
		if (x == '-')
			x = '_';
		if (y == '-')
			y = '_';
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* Strip white space from both ends of [*s, *s + *n). */
void cf_strip(const char **s, size_t *n)
{
	while (*n && sc_is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && sc_is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A NUL-terminated copy of n bytes; caller frees.  NULL on out of memory. */
char *cf_dupn(const char *s, size_t n)
{
	spfc_buf b;

	spfc_buf_init(&b, n + 1);
	spfc_buf_add(&b, s, n);
	return spfc_buf_take(&b);
}

char *cf_dups(const char *s) { return cf_dupn(s, strlen(s)); }

/* Append s (n bytes) in double quotes, clipped to CF_QUOTE_MAX, with bytes
 * that are not printable ASCII written as \xNN. */
void cf_quote(spfc_buf *b, const char *s, size_t n)
{
	spfc_buf_addc(b, '"');
	sc_printable(b, s, n < CF_QUOTE_MAX ? n : CF_QUOTE_MAX,
		     SC_PRINT_HEX | SC_PRINT_QUOTE);
	if (n > CF_QUOTE_MAX)
		spfc_buf_adds(b, "...");
	spfc_buf_addc(b, '"');
}

void cf_quote_s(spfc_buf *b, const char *s) { cf_quote(b, s, strlen(s)); }

void cf_add_int(spfc_buf *b, long long v)
{
	if (v < 0) {
		spfc_buf_addc(b, '-');
		spfc_buf_addu(b, (unsigned long long)(-(v + 1)) + 1u);
	} else {
		spfc_buf_addu(b, (unsigned long long)v);
	}
}

/* *dst = a copy of src (NULL for NULL); *fail set on out of memory. */
void cf_copy_str(char **dst, const char *src, int *fail)
{
	*dst = NULL;
	if (src && !(*dst = cf_dups(src)))
		*fail = 1;
}
