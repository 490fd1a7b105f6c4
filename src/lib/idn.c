/*
 * idn.c - U-labels to A-labels (spfc/idn.h), with libidn2.
 *
 * What it is for: RFC 8616 section 4.  A name that is all ASCII is left
 * alone (the RFC 7208 name rules of name.c judge it); any other name must
 * convert whole, or it is not a domain name.
 *
 * How it fails: -1 for a name libidn2 refuses (nothing appended), or when
 * out cannot grow.
 */
#include <spfc/idn.h>

#include "common/ascii.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

/* Longest name accepted for conversion, in bytes of UTF-8: a 253-byte
 * A-label name cannot come from more (each character is at least one
 * byte of input and one of output), so this only bounds the work. */
#define IDN_INPUT_MAX 1024


/* One run of bytes between ASCII dots that holds a byte outside ASCII:
 * its A-label form (UTS #46 may map a character to a dot: several labels
 * then).  -1 when libidn2 refuses it. */
static int label_to_ascii(const char *s, size_t len, spfc_buf *out)
{
	char *in, *a = NULL;
	int rc;

	in = malloc(len + 1);
	if (!in)
		return -1;
	memcpy(in, s, len);
	in[len] = '\0';
	rc = idn2_to_ascii_8z(in, &a, IDN2_NONTRANSITIONAL);
	free(in);
	if (rc != IDN2_OK) {
		idn2_free(a);
		return -1;
	}
	/* UTS #46 maps some characters to ASCII that is no part of a host
	 * name (U+3000 IDEOGRAPHIC SPACE to a space, U+FF0F to '/'): what
	 * comes out must be letters, digits, hyphens and dots */
	for (rc = 0; a[rc]; rc++) {
		char ch = a[rc];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.')) {
			idn2_free(a);
			return -1;
		}
	}
	rc = spfc_buf_adds(out, a);
	idn2_free(a);
	return rc;
}

/* Label by label, so that ASCII labels ("_spf", a macro's output) stay
 * exactly as they are and only the labels with other bytes meet IDNA. */
int spfc_domain_to_ascii(const char *s, size_t len, spfc_buf *out)
{
	size_t mark = out->len, i = 0;

	if (sc_is_ascii(s, len))
		return spfc_buf_add(out, s, len) < 0 ? -1 : 0;
	if (len > IDN_INPUT_MAX || memchr(s, '\0', len))
		return -1;
	while (i <= len) {
		size_t j = i;

		while (j < len && s[j] != '.')
			j++;
		if (sc_is_ascii(s + i, j - i) ? spfc_buf_add(out, s + i, j - i) < 0
					     : label_to_ascii(s + i, j - i, out) < 0) {
			spfc_buf_truncate(out, mark);
			return -1;
		}
		if (j < len && spfc_buf_addc(out, '.') < 0) {
			spfc_buf_truncate(out, mark);
			return -1;
		}
		i = j + 1;
	}
	return 1;
}

int spfc_mailbox_to_ascii(const char *s, size_t len, spfc_buf *out)
{
	const char *at = NULL;
	size_t i, keep;

	for (i = len; i > 0; i--)
		if (s[i - 1] == '@') {
			at = s + i - 1;
			break;
		}
	if (!at)
		return spfc_domain_to_ascii(s, len, out);
	keep = (size_t)(at - s) + 1;
	if (sc_is_ascii(at + 1, len - keep))
		return spfc_buf_add(out, s, len) < 0 ? -1 : 0;
	{
		size_t mark = out->len;
		int rc;

		if (spfc_buf_add(out, s, keep) < 0)
			return -1;
		rc = spfc_domain_to_ascii(at + 1, len - keep, out);
		if (rc < 0)
			spfc_buf_truncate(out, mark);
		return rc;
	}
}
