/*
 * dnsservers.c - the parser of an explicit DNS server list (dnsservers.h).
 *
 * What it is for: "HOST[:PORT][,...]" read as a fixed sequence per entry
 * (find the entry's end, bound its length, split host from port by the
 * brackets or the count of ':', convert the host with inet_pton(), the
 * port as digits with a maximum), each step failing with what is wrong.
 *
 * How it fails: SPFC_EINVAL with a message naming the entry; it never
 * reads past the list's NUL and never writes past DNS_SERVERS_MAX
 * entries or SERVER_ENTRY_MAX bytes of host text.
 */
#include "dnsservers.h"

#include <spfc/buf.h>

#include "common/number.h"
#include "common/printable.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

/* Longest "[IPv6]:port" entry: the address text plus brackets, colon and
 * five port digits. */
#define SERVER_ENTRY_MAX (INET6_ADDRSTRLEN + 8)
/* How much of a bad entry an error message quotes. */
#define SERVER_QUOTE_MAX 64
/* The DNS port, RFC 1035 §4.2. */
#define DNS_PORT 53
#define PORT_MAX 65535

/* Append at most max bytes of s[0..n) with anything but printable ASCII
 * shown as '?'. */
static void add_quoted(spfc_buf *b, const char *s, size_t n, size_t max)
{
	sc_printable(b, s, n < max ? n : max, SC_PRINT_REPLACE);
	if (n > max)
		spfc_buf_adds(b, "...");
}


/* Strict decimal port 1..65535, digits only.  0 on success. */
static int parse_port(const char *s, size_t n, unsigned short *out)
{
	unsigned long long v;

	if (n > 5 || sc_parse_uint(s, n, 1, PORT_MAX, &v) < 0)
		return -1;
	*out = (unsigned short)v;
	return 0;
}

/* Parse one entry s[0..n) into node.  On failure, *why says what is
 * wrong. */
static int parse_server(const char *s, size_t n, dns_server *node,
			const char **why)
{
	char host[SERVER_ENTRY_MAX + 1];
	const char *port = NULL;
	size_t hostlen, portlen = 0, colons = 0, i;
	int six;

	if (n == 0) {
		*why = "empty entry";
		return -1;
	}
	if (n > SERVER_ENTRY_MAX) {
		*why = "entry too long";
		return -1;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			*why = "missing ']'";
			return -1;
		}
		hostlen = (size_t)(close - s) - 1;
		memcpy(host, s + 1, hostlen);
		host[hostlen] = '\0';
		if ((size_t)(close - s) + 1 < n) {
			if (close[1] != ':') {
				*why = "expected ':PORT' after ']'";
				return -1;
			}
			port = close + 2;
			portlen = n - (size_t)(close - s) - 2;
		}
		six = 1;
	} else {
		for (i = 0; i < n; i++)
			colons += s[i] == ':';
		if (colons == 1) {
			const char *c = memchr(s, ':', n);

			hostlen = (size_t)(c - s);
			port = c + 1;
			portlen = n - hostlen - 1;
			six = 0;
		} else {
			hostlen = n;
			six = colons > 1;
		}
		memcpy(host, s, hostlen);
		host[hostlen] = '\0';
	}

	memset(node, 0, sizeof *node);
	if (six) {
		node->family = AF_INET6;
		if (inet_pton(AF_INET6, host, node->addr) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
	} else {
		node->family = AF_INET;
		if (inet_pton(AF_INET, host, node->addr) != 1) {
			*why = "not an IPv4 or IPv6 address (an IPv6 address "
			       "with a port goes in [brackets])";
			return -1;
		}
	}
	if (port) {
		unsigned short p;

		if (parse_port(port, portlen, &p) != 0) {
			*why = "port is not a number from 1 to 65535";
			return -1;
		}
		node->port = p;
	} else {
		node->port = DNS_PORT;
	}
	return 0;
}

spfc_status dns_servers_parse(const char *list, dns_server *out,
			      size_t *count, spfc_buf *why)
{
	const char *p = list;
	size_t n = 0;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *what = NULL;

		if (n == DNS_SERVERS_MAX) {
			spfc_buf_adds(why, "DNS server list: more than ");
			spfc_buf_addu(why, DNS_SERVERS_MAX);
			spfc_buf_adds(why, " servers");
			return SPFC_EINVAL;
		}
		if (parse_server(p, len, &out[n], &what) != 0) {
			spfc_buf_adds(why, "DNS server list: bad entry \"");
			add_quoted(why, p, len, SERVER_QUOTE_MAX);
			spfc_buf_adds(why, "\": ");
			spfc_buf_adds(why, what);
			return SPFC_EINVAL;
		}
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*count = n;
	return SPFC_OK;
}
