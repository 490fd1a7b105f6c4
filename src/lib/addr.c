/*
 * addr.c - IPv4/IPv6 addresses: strict parsing, canonical text, prefix
 * matching, and the IPv4-mapped rule of RFC 7208 §5.
 *
 * Parsing fails with SPFC_EINVAL on anything that is not exactly one
 * address (inet_pton rejects leading zeros, short forms and junk).
 */
#include <spfc/spfc.h>

#include <arpa/inet.h>
#include <string.h>

spfc_status spfc_addr_parse(const char *text, spfc_addr *out)
{
	memset(out, 0, sizeof *out);
	if (!text || strlen(text) >= SPFC_ADDR_TEXT_MAX)
		return SPFC_EINVAL;
	if (inet_pton(AF_INET, text, out->b) == 1) {
		out->family = 4;
		return SPFC_OK;
	}
	if (inet_pton(AF_INET6, text, out->b) == 1) {
		out->family = 6;
		return SPFC_OK;
	}
	memset(out, 0, sizeof *out);
	return SPFC_EINVAL;
}

void spfc_addr_unmap(spfc_addr *a)
{
	static const unsigned char prefix[12] = {0, 0, 0, 0, 0, 0,
						 0, 0, 0, 0, 0xff, 0xff};

	if (a->family == 6 && memcmp(a->b, prefix, sizeof prefix) == 0) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		a->family = 4;
	}
}

void spfc_addr_format(const spfc_addr *a, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (size < SPFC_ADDR_TEXT_MAX)
		return;
	if (!inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, buf,
		       (socklen_t)size))
		buf[0] = '\0';
}

int spfc_addr_match(const spfc_addr *a, const spfc_addr *b, unsigned bits)
{
	unsigned full, rest;

	if (a->family != b->family)
		return 0;
	if (bits > (a->family == 4 ? 32u : 128u))
		return 0;
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(a->b, b->b, full) != 0)
		return 0;
	if (rest) {
		unsigned mask = (0xffu << (8 - rest)) & 0xffu;
		if ((a->b[full] & mask) != (b->b[full] & mask))
			return 0;
	}
	return 1;
}
