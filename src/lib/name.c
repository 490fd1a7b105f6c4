/*
 * name.c - domain-name helpers of name.h.
 *
 * Pure functions over caller memory; they cannot fail except through the
 * sticky error of the spfc_buf they append to.
 */
#include "name.h"

/* Labels 1..63 of visible ASCII, total 1..253; returns the label count or
 * 0 when the name breaks a rule. */
static size_t count_labels(const char *s, size_t len)
{
	size_t i, lab = 0, n = 1;

	len = sc_strip_dot(s, len);
	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!sc_is_print(c))
			return 0;
		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			n++;
		} else if (++lab > NAME_MAX_LABEL) {
			return 0;
		}
	}
	return lab ? n : 0;
}

int name_valid_domain(const char *s, size_t len)
{
	if (len > 0 && s[0] == '[')	/* a domain literal is not a domain */
		return 0;
	return count_labels(s, len) >= 2;
}

int name_queryable(const char *s, size_t len)
{
	return count_labels(s, len) >= 1;
}

int name_is_subdomain(const char *name, size_t nlen, const char *domain,
		      size_t dlen)
{
	nlen = sc_strip_dot(name, nlen);
	dlen = sc_strip_dot(domain, dlen);
	if (dlen == 0 || nlen < dlen)
		return 0;
	if (!sc_eq_nocase(name + nlen - dlen, dlen, domain, dlen))
		return 0;
	return nlen == dlen || name[nlen - dlen - 1] == '.';
}

void name_truncate(spfc_buf *b)
{
	size_t skip = 0;

	while (b->len - skip > NAME_MAX_LEN) {
		size_t i = skip;
		while (i < b->len && b->data[i] != '.')
			i++;
		if (i >= b->len) {	/* one label over 253: nothing sane left */
			skip = b->len;
			break;
		}
		skip = i + 1;
	}
	if (skip) {
		size_t n = b->len - skip;
		for (size_t i = 0; i < n; i++)
			b->data[i] = b->data[skip + i];
		spfc_buf_truncate(b, n);
	}
}

void name_reverse(const spfc_addr *a, spfc_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	if (a->family == 4) {
		for (i = 3; i >= 0; i--) {
			spfc_buf_addu(out, a->b[i]);
			spfc_buf_addc(out, '.');
		}
		spfc_buf_adds(out, "in-addr.arpa");
		return;
	}
	for (i = 15; i >= 0; i--) {
		spfc_buf_addc(out, hex[a->b[i] & 0xf]);
		spfc_buf_addc(out, '.');
		spfc_buf_addc(out, hex[a->b[i] >> 4]);
		spfc_buf_addc(out, '.');
	}
	spfc_buf_adds(out, "ip6.arpa");
}
