/*
 * fuzz_dnswire.c - libFuzzer target for the DNS answer reader
 * (src/lib/dnswire.c, RFC 1035 §4.1, RFC 2308 §5) and the DNS server-list
 * parser (src/lib/dnsservers.c).
 *
 * The input's first byte chooses:
 *  - even: a DNS answer.  The second byte picks the question type (A,
 *    AAAA, MX, TXT, PTR, CNAME or another), the third the links the
 *    answer may add (0..WIRE_CHAIN_MAX + 2, so the clamp is reached);
 *    the rest is the message.  It is read once without names asked
 *    before and, when that gives a chain, once more with that chain as
 *    the names asked before (as the backend does when it follows a
 *    CNAME).  Rules: the reader answers 0, -1 or -2; on failure nothing
 *    is left in the answer; on 0 the chain has 1 to WIRE_CHAIN_MAX + 1
 *    names of at most WIRE_NAME_MAX bytes, the records taken are no more
 *    than those counted, all of the asked type, a broken chain takes
 *    none, and every record's text lies inside the text buffer with a
 *    NUL after it (A and AAAA have none); the text for a query of the
 *    chain's end is either refused or non-empty.
 *  - odd: a server list, the rest of the input as text (cut at a NUL).
 *    Rules: SPFC_OK gives 1 to DNS_SERVERS_MAX servers, each IPv4 or
 *    IPv6 with a port from 1 to 65535; SPFC_EINVAL gives a message that
 *    starts "DNS server list: " and holds only printable ASCII.  The same
 *    text as a name to ask (wire_text_query): SPFC_OK gives 1 to 506
 *    bytes of printable ASCII (253 characters, each '\' doubled).
 *
 * How it fails: abort() on any broken rule, so libFuzzer reports it with
 * the input; out of memory ends the run for that input quietly.
 */
#include "dnsservers.h"
#include "dnswire.h"

#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Our bound on the text of one answer, as the backend's. */
#define FUZZ_TEXT_MAX ((size_t)1 << 20)
/* The longest server list tried: well past the 16 entries allowed. */
#define FUZZ_LIST_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned types[] = {
	SPFC_RR_A, SPFC_RR_AAAA, SPFC_RR_MX, SPFC_RR_TXT, SPFC_RR_PTR, 5, 6,
};

static void check_answer(int st, unsigned type, const wire_answer *w,
			 const spfc_buf *text)
{
	size_t i;

	if (st != 0 && st != -1 && st != -2)
		abort();
	if (st != 0) {
		if (w->rr || w->count)
			abort();
		return;
	}
	if (w->nchain < 1 || w->nchain > WIRE_CHAIN_MAX + 1)
		abort();
	for (i = 0; i < w->nchain; i++)
		if (w->chain[i].len == 0 || w->chain[i].len > WIRE_NAME_MAX)
			abort();
	if (w->count > w->ntype || (w->count && !w->rr) ||
	    (w->broken && w->count))
		abort();
	for (i = 0; i < w->count; i++) {
		const spfc_rr *rr = &w->rr[i];

		if ((unsigned)rr->type != type)
			abort();
		if (type == SPFC_RR_A || type == SPFC_RR_AAAA) {
			if (rr->text)
				abort();
			continue;
		}
		if (!rr->text || rr->text < text->data ||
		    rr->len >= text->len ||
		    (size_t)(rr->text - text->data) > text->len - rr->len - 1 ||
		    rr->text[rr->len] != '\0')
			abort();
	}
}

static void one_answer(const uint8_t *msg, size_t len, unsigned type,
		       const wire_name *prior, size_t nprior, size_t links,
		       wire_answer *w)
{
	spfc_buf text, q;
	int st;

	spfc_buf_init(&text, FUZZ_TEXT_MAX);
	st = wire_read_answer(msg, len, type, prior, nprior, links, w, &text);
	check_answer(st, type, w, &text);
	if (st == 0) {
		spfc_buf_init(&q, 0);
		if (wire_name_query_text(&w->chain[w->nchain - 1], &q) == 0 &&
		    q.len == 0)
			abort();
		spfc_buf_free(&q);
	}
	free(w->rr);
	w->rr = NULL;
	spfc_buf_free(&text);
}

static void fuzz_answer(const uint8_t *data, size_t size)
{
	static wire_answer w, w2;
	static wire_name prior[WIRE_CHAIN_MAX + 1];
	unsigned type;
	size_t links, nprior;

	if (size < 2)
		return;
	type = types[data[0] % (sizeof types / sizeof types[0])];
	links = data[1] % (WIRE_CHAIN_MAX + 3);
	data += 2;
	size -= 2;
	one_answer(data, size, type, NULL, 0, links, &w);
	if (w.nchain > 1 && !w.broken) {
		nprior = w.nchain;
		memcpy(prior, w.chain, nprior * sizeof prior[0]);
		one_answer(data, size, type, prior, nprior,
			   WIRE_CHAIN_MAX - (nprior - 1), &w2);
	}
}

static void fuzz_servers(const uint8_t *data, size_t size)
{
	dns_server s[DNS_SERVERS_MAX];
	char list[FUZZ_LIST_MAX + 1];
	spfc_buf why;
	size_t n = size < FUZZ_LIST_MAX ? size : FUZZ_LIST_MAX, count = 0, i;
	spfc_status st;

	memcpy(list, data, n);
	list[n] = '\0';
	spfc_buf_init(&why, 0);
	st = dns_servers_parse(list, s, &count, &why);
	if (st == SPFC_OK) {
		if (count < 1 || count > DNS_SERVERS_MAX || why.len)
			abort();
		for (i = 0; i < count; i++)
			if ((s[i].family != AF_INET && s[i].family != AF_INET6) ||
			    s[i].port == 0)
				abort();
	} else if (st == SPFC_EINVAL) {
		const char *m = spfc_buf_str(&why);

		if (!why.err) {
			if (strncmp(m, "DNS server list: ", 17) != 0)
				abort();
			for (i = 0; i < why.len; i++)
				if (m[i] < 0x20 || m[i] > 0x7e)
					abort();
		}
	} else {
		abort();
	}
	spfc_buf_reset(&why);
	st = wire_text_query(list, &why);
	if (st == SPFC_OK) {
		if (why.len < 1 || why.len > 2 * 253)
			abort();
		for (i = 0; i < why.len; i++)
			if (why.data[i] < 0x20 || why.data[i] > 0x7e)
				abort();
	} else if (st != SPFC_EINVAL && st != SPFC_ENOMEM) {
		abort();
	}
	spfc_buf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_servers(data + 1, size - 1);
	else
		fuzz_answer(data + 1, size - 1);
	return 0;
}
