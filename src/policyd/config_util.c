/*
 * config_util.c - locale-free text helpers of the policyd-spf.conf parser
 * (config_int.h): character classes, ASCII case-insensitive comparison,
 * stripping, copying, and quoting file text into messages.
 *
 * How it fails: the copies return NULL on out of memory; the appends
 * leave the buffer's sticky error.  Quoted text is clipped to
 * CF_QUOTE_MAX bytes and has its control and non-ASCII bytes escaped.
 */
#include "config_int.h"

#include <string.h>

int cf_is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' ||
	       ch == '\r' || ch == '\n';
}

int cf_is_digit(int ch) { return ch >= '0' && ch <= '9'; }

int cf_is_print(int ch) { return ch >= 0x20 && ch < 0x7f; }

static int to_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* ASCII case-insensitive equality of a C string and n bytes. */
int cf_ieqn(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!a[i] || to_lower((unsigned char)a[i]) !=
				 to_lower((unsigned char)b[i]))
			return 0;
	return a[n] == '\0';
}

int cf_ieq(const char *a, const char *b) { return cf_ieqn(a, b, strlen(b)); }

/* Like cf_ieq, and '-' equals '_' (for the "did you mean" hint). */
int cf_loose_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = to_lower((unsigned char)*a);
		int y = to_lower((unsigned char)*b);
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
	while (*n && cf_is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && cf_is_space((unsigned char)(*s)[*n - 1]))
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
	static const char hex[] = "0123456789abcdef";
	size_t i;

	spfc_buf_addc(b, '"');
	for (i = 0; i < n && i < CF_QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (cf_is_print(ch) && ch != '\\' && ch != '"') {
			spfc_buf_addc(b, (char)ch);
		} else if (ch == '\\' || ch == '"') {
			spfc_buf_addc(b, '\\');
			spfc_buf_addc(b, (char)ch);
		} else {
			spfc_buf_adds(b, "\\x");
			spfc_buf_addc(b, hex[ch >> 4]);
			spfc_buf_addc(b, hex[ch & 15]);
		}
	}
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

/* Does s contain needle, ignoring ASCII case? */
int cf_icontains(const char *s, const char *needle)
{
	size_t n = strlen(needle), len = strlen(s), i, k;

	for (i = 0; i + n <= len; i++) {
		for (k = 0; k < n; k++)
			if (to_lower((unsigned char)s[i + k]) !=
			    to_lower((unsigned char)needle[k]))
				break;
		if (k == n)
			return 1;
	}
	return 0;
}

/* *dst = a copy of src (NULL for NULL); *fail set on out of memory. */
void cf_copy_str(char **dst, const char *src, int *fail)
{
	*dst = NULL;
	if (src && !(*dst = cf_dups(src)))
		*fail = 1;
}
