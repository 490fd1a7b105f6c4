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

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

/* Longest name accepted for conversion, in bytes of UTF-8: a 253-byte
 * A-label name cannot come from more (each character is at least one
 * byte of input and one of output), so this only bounds the work. */
#define IDN_INPUT_MAX 1024

static int ascii_only(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

int spfc_domain_to_ascii(const char *s, size_t len, spfc_buf *out)
{
	char *in, *a = NULL;
	int rc;

	if (ascii_only(s, len))
		return spfc_buf_add(out, s, len) < 0 ? -1 : 0;
	if (len > IDN_INPUT_MAX || memchr(s, '\0', len))
		return -1;
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
	rc = spfc_buf_adds(out, a) < 0 ? -1 : 1;
	idn2_free(a);
	return rc;
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
	if (ascii_only(at + 1, len - keep))
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
