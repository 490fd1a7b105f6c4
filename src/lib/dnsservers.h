/*
 * dnsservers.h (internal) - the parser of an explicit DNS server list,
 * "HOST[:PORT][,HOST[:PORT]...]" (spfc_cares_options.servers, the
 * --dns option of the programs).
 *
 * What it is for: the list is read here into addresses and ports; the
 * c-ares backend (resolv_cares.c) only copies them into c-ares's own
 * structures.  It knows nothing of c-ares or sockets, so that a unit
 * test (tests/dns/test_wire.c) and a fuzz target (fuzz/fuzz_dnswire.c)
 * reach it.
 *
 * The grammar: entries separated by ',' (no blanks), at most
 * DNS_SERVERS_MAX of them, none empty.  An entry is an IPv4 address, an
 * IPv4 address and ":PORT", an IPv6 address (two or more ':'), or an
 * IPv6 address in brackets with an optional ":PORT" after the ']'.  PORT
 * is 1 to 65535 in decimal digits only; without one the port is 53.
 */
#ifndef SPFC_DNSSERVERS_H
#define SPFC_DNSSERVERS_H

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stddef.h>

/* Our bound on an explicit server list. */
#define DNS_SERVERS_MAX 16

typedef struct dns_server {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* 4 bytes for AF_INET, 16 for AF_INET6,
					   in network order */
	unsigned short port;		/* 1..65535 */
} dns_server;

/* Parse the NUL-terminated list into out[0..*count) (out has room for
 * DNS_SERVERS_MAX entries).  Returns SPFC_OK, or SPFC_EINVAL with a
 * message appended to why ("DNS server list: bad entry \"...\": ...",
 * the entry quoted with anything but printable ASCII shown as '?' and
 * cut at 64 bytes); *count is then unspecified. */
spfc_status dns_servers_parse(const char *list, dns_server *out,
			      size_t *count, spfc_buf *why);

#endif
