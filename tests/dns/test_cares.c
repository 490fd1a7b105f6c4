/*
 * test_cares.c - the c-ares resolver backend against real DNS servers.
 *
 * Usage: test_cares UNBOUND_PORT FAKE_PORT
 * run-cares-test.sh starts unbound on 127.0.0.1:UNBOUND_PORT with the
 * local zone "test." and fake-dns.py on 127.0.0.1:FAKE_PORT (crafted and
 * hostile answers below "fake."), then runs this program.  It uses only
 * the public API (cares.h, resolver.h).  It fails with a message per
 * failed check and exit status 1; usage errors exit 2.
 */
#include <spfc/buf.h>
#include <spfc/cares.h>
#include <spfc/resolver.h>

#include "../unit/tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Per-try time-out and tries of the tests: small, so the time-out cases
 * take a fraction of a second. */
#define T_TIMEOUT_MS 300
#define T_TRIES 1
/* How long a test waits for one answer before giving up on it. */
#define T_WAIT_MS 5000
#define T_RRS 16
#define T_TEXT 1024

typedef struct got {
	int called;
	spfc_dns_rcode rc;
	size_t count;
	uint32_t neg_ttl;
	size_t wire_size;
	int truncated;
	spfc_rr rr[T_RRS];
	char text[T_RRS][T_TEXT];
} got;

static void record(void *arg, const spfc_dns_answer *ans)
{
	got *g = arg;
	size_t i;

	g->called++;
	g->rc = ans->rcode;
	g->count = ans->count;
	g->neg_ttl = ans->neg_ttl;
	g->wire_size = ans->wire_size;
	g->truncated = ans->truncated;
	for (i = 0; i < ans->count && i < T_RRS; i++) {
		g->rr[i] = ans->rr[i];
		g->text[i][0] = '\0';
		if (ans->rr[i].text && ans->rr[i].len < T_TEXT) {
			memcpy(g->text[i], ans->rr[i].text, ans->rr[i].len);
			g->text[i][ans->rr[i].len] = '\0';
			/* the text is NUL-terminated at len */
			CHECK(ans->rr[i].text[ans->rr[i].len] == '\0');
		}
		g->rr[i].text = NULL;
	}
}

static spfc_resolver *make(const char *servers)
{
	spfc_cares_options o = {servers, T_TIMEOUT_MS, T_TRIES};
	spfc_resolver *r = NULL;
	spfc_buf err;
	spfc_status st;

	spfc_buf_init(&err, 0);
	st = spfc_cares_resolver_new(&o, &r, &err);
	if (st != SPFC_OK) {
		fprintf(stderr, "resolver for %s: %s (%s)\n", servers,
			spfc_strerror(st), spfc_buf_str(&err));
		exit(1);
	}
	spfc_buf_free(&err);
	return r;
}

/* Drive r until g has its answer or T_WAIT_MS pass. */
static void wait_for(spfc_resolver *r, const got *g)
{
	int64_t end = spfc_resolver_now(r) + T_WAIT_MS;

	while (!g->called && spfc_resolver_now(r) < end)
		spfc_resolver_process(r, end);
}

/* One lookup, start to answer; checks it was not answered inside
 * query(). */
static void lookup(spfc_resolver *r, const char *name, spfc_rrtype t,
		   got *g)
{
	spfc_query_id id = 0;
	spfc_status st;

	memset(g, 0, sizeof *g);
	st = spfc_resolver_query(r, name, t, record, g, &id);
	CHECK(st == SPFC_OK);
	if (st != SPFC_OK) {
		fprintf(stderr, "  query %s failed: %s\n", name,
			spfc_strerror(st));
		return;
	}
	CHECK(id != 0);
	CHECK(g->called == 0); /* never called back inside query() */
	wait_for(r, g);
	CHECK(g->called == 1);
	if (g->called != 1)
		fprintf(stderr, "  no answer for %s %s\n", name,
			spfc_rrtype_name(t));
}

static void expect_rc(spfc_resolver *r, const char *name, spfc_rrtype t,
		      spfc_dns_rcode want)
{
	got g;

	lookup(r, name, t, &g);
	CHECK(g.rc == want);
	if (g.rc != want)
		fprintf(stderr, "  %s %s: got %s, want %s\n", name,
			spfc_rrtype_name(t), spfc_dns_rcode_name(g.rc),
			spfc_dns_rcode_name(want));
	if (want != SPFC_DNS_OK)
		CHECK(g.count == 0);
}

static int has_addr4(const got *g, const char *text)
{
	unsigned char b[4];
	size_t i;

	if (inet_pton(AF_INET, text, b) != 1)
		return 0;
	for (i = 0; i < g->count && i < T_RRS; i++)
		if (g->rr[i].type == SPFC_RR_A &&
		    memcmp(g->rr[i].addr, b, 4) == 0)
			return 1;
	return 0;
}

static int has_text(const got *g, const char *text)
{
	size_t i;

	for (i = 0; i < g->count && i < T_RRS; i++)
		if (strcmp(g->text[i], text) == 0)
			return (int)i + 1;
	return 0;
}

/* ---- Server lists and options -------------------------------------- */

static void test_server_lists(void)
{
	static const char *const bad[] = {
		"", ",", "127.0.0.1,", ",127.0.0.1", "127.0.0.1,,127.0.0.2",
		"127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:53x", "127.0.0.1:+53", "127.0.0.1:-1",
		"127.0.0.1: 53", " 127.0.0.1", "127.0.0.1 ", "300.1.1.1",
		"1.2.3", "localhost", "dns.example:53", "[::1", "[::1]x",
		"[::1]:", "[::1]:99999", "[127.0.0.1]:53", "[]:53", "::g",
		"fe80::1%eth0", "127.0.0.1:53:53",
		"1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,"
		"1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,1.2.3.4,"
		"1.2.3.4,1.2.3.4,1.2.3.4",
		NULL,
	};
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1:53", "127.0.0.1:5353,127.0.0.2",
		"::1", "[::1]", "[::1]:5353", "2001:db8::1,192.0.2.1:65535",
		"::ffff:192.0.2.1", NULL,
	};
	spfc_buf err, tiny;
	spfc_cares_options o;
	spfc_resolver *r;
	size_t i;

	spfc_buf_init(&err, 0);
	for (i = 0; bad[i]; i++) {
		spfc_status st;

		memset(&o, 0, sizeof o);
		o.servers = bad[i];
		r = (spfc_resolver *)&o;	/* must be reset to NULL */
		spfc_buf_reset(&err);
		st = spfc_cares_resolver_new(&o, &r, &err);
		CHECK(st == SPFC_EINVAL);
		CHECK(r == NULL);
		CHECK(err.len > 0);
		if (st != SPFC_EINVAL)
			fprintf(stderr, "  accepted bad server list \"%s\"\n",
				bad[i]);
		spfc_resolver_free(st == SPFC_OK ? r : NULL);
	}
	/* The message names the entry. */
	memset(&o, 0, sizeof o);
	o.servers = "127.0.0.1,bogus";
	spfc_buf_reset(&err);
	CHECK(spfc_cares_resolver_new(&o, &r, &err) == SPFC_EINVAL);
	CHECK(strstr(spfc_buf_str(&err), "\"bogus\"") != NULL);
	/* A bounded why takes the sticky error, never more than its bound;
	 * the status is the same. */
	spfc_buf_init(&tiny, 8);
	CHECK(spfc_cares_resolver_new(&o, &r, &tiny) == SPFC_EINVAL);
	CHECK(tiny.err == SPFC_ELIMIT);
	CHECK(tiny.len <= 8);
	spfc_buf_free(&tiny);
	/* No why at all is fine. */
	CHECK(spfc_cares_resolver_new(&o, &r, NULL) == SPFC_EINVAL);

	for (i = 0; good[i]; i++) {
		spfc_status st;

		memset(&o, 0, sizeof o);
		o.servers = good[i];
		spfc_buf_reset(&err);
		st = spfc_cares_resolver_new(&o, &r, &err);
		CHECK(st == SPFC_OK);
		CHECK(err.len == 0);	/* nothing appended on success */
		if (st != SPFC_OK)
			fprintf(stderr, "  refused server list \"%s\": %s\n",
				good[i], spfc_buf_str(&err));
		else
			CHECK(spfc_resolver_pending(r) == 0);
		spfc_resolver_free(st == SPFC_OK ? r : NULL);
	}

	/* Options out of range. */
	memset(&o, 0, sizeof o);
	o.servers = "127.0.0.1";
	o.timeout_ms = -1;
	spfc_buf_reset(&err);
	CHECK(spfc_cares_resolver_new(&o, &r, &err) == SPFC_EINVAL);
	CHECK_STR(spfc_buf_str(&err),
		  "DNS time-out per try must be 1 to 60000 ms");
	o.timeout_ms = 0;
	o.tries = -1;
	spfc_buf_reset(&err);
	CHECK(spfc_cares_resolver_new(&o, &r, &err) == SPFC_EINVAL);
	CHECK_STR(spfc_buf_str(&err), "DNS tries must be 1 to 8");
	o.tries = 1000;
	CHECK(spfc_cares_resolver_new(&o, &r, NULL) == SPFC_EINVAL);

	/* NULL servers: /etc/resolv.conf; NULL options: all defaults. */
	CHECK(spfc_cares_resolver_new(NULL, &r, NULL) == SPFC_OK);
	spfc_resolver_free(r);
	memset(&o, 0, sizeof o);
	CHECK(spfc_cares_resolver_new(&o, &r, NULL) == SPFC_OK);
	spfc_resolver_free(r);
	spfc_buf_free(&err);
}

/* ---- Names the backend refuses ------------------------------------- */

static void test_bad_names(spfc_resolver *r)
{
	char label64[80], long254[300];
	got g;
	spfc_query_id id = 99;
	size_t i;

	memset(label64, 'a', 64);
	memcpy(label64 + 64, ".test", 6);
	/* 249 characters of labels, then ".test": 254 in all */
	for (i = 0; i < 249; i++)
		long254[i] = (i % 10 == 9) ? '.' : 'a';
	memcpy(long254 + 249, ".test", 6);

	memset(&g, 0, sizeof g);
	CHECK(spfc_resolver_query(r, "", SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(id == 0);
	CHECK(spfc_resolver_query(r, ".", SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, "a..test", SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, ".a.test", SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, label64, SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, long254, SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, "a\001.test", SPFC_RR_A, record, &g,
				  &id) == SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, "caf\xc3\xa9.test", SPFC_RR_A, record,
				  &g, &id) == SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, "a.test", SPFC_RR_CNAME, record, &g,
				  &id) == SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, "a.test", (spfc_rrtype)99, record, &g,
				  &id) == SPFC_EINVAL);
	CHECK(spfc_resolver_query(r, NULL, SPFC_RR_A, record, &g, &id) ==
	      SPFC_EINVAL);
	CHECK(g.called == 0);
	CHECK(spfc_resolver_pending(r) == 0);

	/* 63-octet labels and 253 characters are fine. */
	label64[0] = '.';
	expect_rc(r, label64 + 1, SPFC_RR_A, SPFC_DNS_NXDOMAIN);
	expect_rc(r, long254 + 1, SPFC_RR_A, SPFC_DNS_NXDOMAIN);
}

/* ---- Answers from unbound ------------------------------------------ */

static void test_records(spfc_resolver *r)
{
	static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					     0, 0, 0, 0, 0, 0, 0, 1};
	char longtxt[800];
	got g;
	int i;

	lookup(r, "a.test", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 1);
	CHECK(has_addr4(&g, "192.0.2.1"));
	CHECK(g.rr[0].ttl == 300);
	CHECK(g.wire_size > 0);
	CHECK(g.truncated == 0);

	/* Case does not matter; a trailing dot is allowed. */
	lookup(r, "A.Test.", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.1"));

	lookup(r, "multi-a.test", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 3);
	CHECK(has_addr4(&g, "192.0.2.10"));
	CHECK(has_addr4(&g, "192.0.2.11"));
	CHECK(has_addr4(&g, "192.0.2.12"));

	lookup(r, "a.test", SPFC_RR_AAAA, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 1);
	CHECK(g.rr[0].type == SPFC_RR_AAAA);
	CHECK(memcmp(g.rr[0].addr, v6, 16) == 0);
	CHECK(g.rr[0].ttl == 300);

	lookup(r, "mx.test", SPFC_RR_MX, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 3);
	i = has_text(&g, "mx1.test");
	CHECK(i && g.rr[i - 1].pref == 10 && g.rr[i - 1].len == 8);
	i = has_text(&g, "mx2.test");
	CHECK(i && g.rr[i - 1].pref == 20);
	i = has_text(&g, "mx3.example");
	CHECK(i && g.rr[i - 1].pref == 30 && g.rr[i - 1].type == SPFC_RR_MX);
	CHECK(g.rr[0].ttl == 600);

	/* Two TXT records, one of three strings: joined per record. */
	lookup(r, "multi.test", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 2);
	i = has_text(&g, "v=spf1 ip4:192.0.2.0/24 -all");
	CHECK(i != 0);
	if (i) {
		CHECK(g.rr[i - 1].nstrings == 3);
		CHECK(g.rr[i - 1].maxstring == 16);
		CHECK(g.rr[i - 1].len == 28);
		CHECK(g.rr[i - 1].type == SPFC_RR_TXT);
	}
	i = has_text(&g, "other record");
	CHECK(i != 0);
	if (i)
		CHECK(g.rr[i - 1].nstrings == 1 && g.rr[i - 1].maxstring == 12);

	/* Over 512 bytes: truncated over UDP, fetched again over TCP. */
	lookup(r, "long.test", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 1);
	CHECK(g.truncated == 1);
	CHECK(g.wire_size > 512);
	CHECK(g.rr[0].nstrings == 3);
	CHECK(g.rr[0].maxstring == 250);
	CHECK(g.rr[0].len == 750);
	memset(longtxt, 'a', 250);
	memset(longtxt + 250, 'b', 250);
	memset(longtxt + 500, 'c', 250);
	longtxt[750] = '\0';
	CHECK_STR(g.text[0], longtxt);

	lookup(r, "1.2.0.192.in-addr.arpa", SPFC_RR_PTR, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 1);
	CHECK_STR(g.text[0], "a.test");
	CHECK(g.rr[0].type == SPFC_RR_PTR && g.rr[0].len == 6);

	lookup(r, "2.2.0.192.in-addr.arpa", SPFC_RR_PTR, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 2);
	CHECK(has_text(&g, "one.test") && has_text(&g, "two.test"));

	/* A name with a backslash in a label is asked for literally. */
	lookup(r, "back\\slash.test", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.9"));
}

static void test_negative(spfc_resolver *r)
{
	got g;

	/* The name exists without TXT: no data, with the SOA's TTL. */
	lookup(r, "a.test", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_NODATA);
	CHECK(g.count == 0);
	CHECK(g.neg_ttl == 60);

	lookup(r, "nx.test", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_NXDOMAIN);
	CHECK(g.neg_ttl == 60);
	expect_rc(r, "deeper.nx.test", SPFC_RR_TXT, SPFC_DNS_NXDOMAIN);
	/* An empty non-terminal exists. */
	expect_rc(r, "test", SPFC_RR_A, SPFC_DNS_NODATA);

	expect_rc(r, "x.refused.test", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);
	expect_rc(r, "x.drop.test", SPFC_RR_TXT, SPFC_DNS_TIMEOUT);

	/* RFC 7686: c-ares refuses .onion names at once (a failure inside
	 * ares_query that must still come through process()). */
	expect_rc(r, "hidden.onion", SPFC_RR_A, SPFC_DNS_NXDOMAIN);
}

/* unbound's local-data answers a CNAME alone; the backend asks for its
 * target once more, and no more: a chain of CNAMEs given one per answer
 * ends there as "no data", as does a loop (never a server failure). */
static void test_cname(spfc_resolver *r)
{
	got g;

	lookup(r, "alias.test", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 1 && has_addr4(&g, "192.0.2.1"));
	CHECK(g.rr[0].ttl == 120);	/* the smaller of CNAME and A */

	lookup(r, "alias-txt.test", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 2 && has_text(&g, "v=spf1 ip4:192.0.2.0/24 -all"));

	lookup(r, "alias.test", SPFC_RR_MX, &g);
	CHECK(g.rc == SPFC_DNS_NODATA);

	expect_rc(r, "dangling.test", SPFC_RR_A, SPFC_DNS_NXDOMAIN);
	expect_rc(r, "alias.test", SPFC_RR_TXT, SPFC_DNS_NODATA);
	expect_rc(r, "toref.test", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);

	/* one more query, not two: two links given one per answer are
	 * no data, and so are ten, and a loop */
	expect_rc(r, "alias2.test", SPFC_RR_A, SPFC_DNS_NODATA);
	expect_rc(r, "l1.test", SPFC_RR_A, SPFC_DNS_NODATA);
	expect_rc(r, "l0.test", SPFC_RR_A, SPFC_DNS_NODATA);
	expect_rc(r, "loop1.test", SPFC_RR_TXT, SPFC_DNS_NODATA);
	lookup(r, "l10.test", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.1"));
}

/* ---- Many at once, cancel, process() ------------------------------- */

static void test_parallel(spfc_resolver *r)
{
	static const struct {
		const char *name;
		spfc_rrtype type;
		spfc_dns_rcode want;
	} qs[] = {
		{"a.test", SPFC_RR_A, SPFC_DNS_OK},
		{"a.test", SPFC_RR_AAAA, SPFC_DNS_OK},
		{"mx.test", SPFC_RR_MX, SPFC_DNS_OK},
		{"long.test", SPFC_RR_TXT, SPFC_DNS_OK},
		{"multi.test", SPFC_RR_TXT, SPFC_DNS_OK},
		{"alias.test", SPFC_RR_A, SPFC_DNS_OK},
		{"nx.test", SPFC_RR_A, SPFC_DNS_NXDOMAIN},
		{"a.test", SPFC_RR_TXT, SPFC_DNS_NODATA},
		{"x.drop.test", SPFC_RR_A, SPFC_DNS_TIMEOUT},
		{"x.refused.test", SPFC_RR_A, SPFC_DNS_SERVFAIL},
		{"1.2.0.192.in-addr.arpa", SPFC_RR_PTR, SPFC_DNS_OK},
		{"gone.onion", SPFC_RR_TXT, SPFC_DNS_NXDOMAIN},
	};
	enum { N = sizeof qs / sizeof qs[0] };
	static got g[N];
	spfc_query_id ids[N];
	int64_t end;
	size_t i, j;
	int total = 0, negative = 0;

	for (i = 0; i < N; i++) {
		memset(&g[i], 0, sizeof g[i]);
		CHECK(spfc_resolver_query(r, qs[i].name, qs[i].type, record,
					  &g[i], &ids[i]) == SPFC_OK);
		for (j = 0; j < i; j++)
			CHECK(ids[j] != ids[i]);
	}
	CHECK(spfc_resolver_pending(r) == N);
	end = spfc_resolver_now(r) + T_WAIT_MS;
	while (spfc_resolver_pending(r) > 0 && spfc_resolver_now(r) < end) {
		int n = spfc_resolver_process(r, end);

		negative += n < 0;
		total += n;
	}
	CHECK(negative == 0);
	CHECK(total == N);
	for (i = 0; i < N; i++) {
		CHECK(g[i].called == 1);
		CHECK(g[i].rc == qs[i].want);
		if (g[i].rc != qs[i].want)
			fprintf(stderr, "  parallel %s: got %s\n", qs[i].name,
				spfc_dns_rcode_name(g[i].rc));
	}
	/* Nothing pending: returns 0 at once. */
	CHECK(spfc_resolver_process(r, spfc_resolver_now(r) + 60000) == 0);
}

typedef struct sibling {
	spfc_resolver *r;
	spfc_query_id other;
	int called;
} sibling;

static void cancel_other(void *arg, const spfc_dns_answer *ans)
{
	sibling *s = arg;

	(void)ans;
	s->called++;
	spfc_resolver_cancel(s->r, s->other);
}

static void test_cancel(spfc_resolver *r)
{
	got fast, slow, sync, after, never;
	spfc_query_id a, b, c, d;
	sibling s;
	int64_t end;

	memset(&fast, 0, sizeof fast);
	memset(&slow, 0, sizeof slow);
	memset(&sync, 0, sizeof sync);
	CHECK(spfc_resolver_query(r, "a.test", SPFC_RR_A, record, &fast,
				  &a) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "x.drop.test", SPFC_RR_A, record, &slow,
				  &b) == SPFC_OK);
	/* fails inside c-ares at once: already queued for delivery */
	CHECK(spfc_resolver_query(r, "now.onion", SPFC_RR_A, record, &sync,
				  &c) == SPFC_OK);
	CHECK(spfc_resolver_pending(r) == 3);
	spfc_resolver_cancel(r, a);
	spfc_resolver_cancel(r, b);
	spfc_resolver_cancel(r, c);
	spfc_resolver_cancel(r, c);	/* twice: no effect */
	spfc_resolver_cancel(r, 0);	/* never a valid id */
	spfc_resolver_cancel(r, 987654);	/* unknown */
	CHECK(spfc_resolver_pending(r) == 0);
	CHECK(spfc_resolver_process(r, spfc_resolver_now(r) + 1000) == 0);

	/* Let the dropped query time out inside c-ares while another one
	 * runs: the cancelled callbacks stay silent. */
	lookup(r, "x.drop.test", SPFC_RR_TXT, &after);
	CHECK(after.rc == SPFC_DNS_TIMEOUT);
	CHECK(fast.called == 0 && slow.called == 0 && sync.called == 0);

	/* A callback cancels a sibling that is still in flight. */
	memset(&never, 0, sizeof never);
	memset(&s, 0, sizeof s);
	s.r = r;
	CHECK(spfc_resolver_query(r, "x.drop.test", SPFC_RR_MX, record,
				  &never, &d) == SPFC_OK);
	s.other = d;
	CHECK(spfc_resolver_query(r, "a.test", SPFC_RR_A, cancel_other, &s,
				  &a) == SPFC_OK);
	end = spfc_resolver_now(r) + T_WAIT_MS;
	while (spfc_resolver_pending(r) > 0 && spfc_resolver_now(r) < end)
		spfc_resolver_process(r, end);
	CHECK(s.called == 1);
	CHECK(spfc_resolver_pending(r) == 0);
	/* give the cancelled one time to time out inside c-ares */
	lookup(r, "x.drop.test", SPFC_RR_AAAA, &after);
	CHECK(never.called == 0);

	/* process() stops at `until` with the query still pending. */
	memset(&slow, 0, sizeof slow);
	CHECK(spfc_resolver_query(r, "x.drop.test", SPFC_RR_A, record, &slow,
				  &b) == SPFC_OK);
	CHECK(spfc_resolver_process(r, spfc_resolver_now(r)) == 0);
	CHECK(spfc_resolver_process(r, 0) == 0);
	CHECK(spfc_resolver_pending(r) == 1);
	CHECK(slow.called == 0);
	spfc_resolver_cancel(r, b);
	CHECK(spfc_resolver_pending(r) == 0);
}

typedef struct freer {
	spfc_resolver *r;
	int called;
} freer;

static void free_resolver(void *arg, const spfc_dns_answer *ans)
{
	freer *f = arg;

	(void)ans;
	f->called++;
	spfc_resolver_free(f->r);
}

static void test_free(const char *servers)
{
	spfc_resolver *r = make(servers);
	got g1, g2, g3;
	freer f;
	int64_t end;
	spfc_query_id id;

	/* Freed with queries in flight and one queued: no callback. */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	memset(&g3, 0, sizeof g3);
	CHECK(spfc_resolver_query(r, "a.test", SPFC_RR_A, record, &g1, &id) ==
	      SPFC_OK);
	CHECK(spfc_resolver_query(r, "x.drop.test", SPFC_RR_A, record, &g2,
				  &id) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "y.onion", SPFC_RR_A, record, &g3,
				  &id) == SPFC_OK);
	spfc_resolver_free(r);
	CHECK(g1.called == 0 && g2.called == 0 && g3.called == 0);

	/* Freed from inside its own callback. */
	r = make(servers);
	memset(&f, 0, sizeof f);
	memset(&g1, 0, sizeof g1);
	memset(&g3, 0, sizeof g3);
	f.r = r;
	CHECK(spfc_resolver_query(r, "x.drop.test", SPFC_RR_A, record, &g1,
				  &id) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "z.onion", SPFC_RR_A, free_resolver, &f,
				  &id) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "w.onion", SPFC_RR_A, record, &g3,
				  &id) == SPFC_OK);
	end = spfc_resolver_now(r) + T_WAIT_MS;
	CHECK(spfc_resolver_process(r, end) == 1);
	/* r is gone now */
	CHECK(f.called == 1);
	CHECK(g1.called == 0 && g3.called == 0);

	spfc_resolver_free(NULL);
}

/* Nothing listens on the port: ICMP port unreachable or silence. */
static void test_dead_server(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	char servers[64];
	spfc_resolver *r;
	got g;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	close(fd);
	snprintf(servers, sizeof servers, "127.0.0.1:%u",
		 (unsigned)ntohs(sa.sin_port));
	r = make(servers);
	lookup(r, "a.test", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_SERVFAIL || g.rc == SPFC_DNS_TIMEOUT);
	CHECK(g.count == 0);
	spfc_resolver_free(r);
}

/* ---- Crafted answers from fake-dns.py ------------------------------ */

/* Queries fake-dns.py got for name so far (its "count." TXT answer), or
 * -1. */
static long asked(spfc_resolver *r, const char *name)
{
	char q[300];
	got g;

	snprintf(q, sizeof q, "count.%s", name);
	lookup(r, q, SPFC_RR_TXT, &g);
	if (g.rc != SPFC_DNS_OK || g.count != 1)
		return -1;
	return strtol(g.text[0], NULL, 10);
}

/* CNAME chains and loops given whole in one answer, as a recursive
 * resolver gives them: followed within the answer, by owner; a chain that
 * does not reach the type is no data after one query. */
static void test_chains(spfc_resolver *r)
{
	got g;

	lookup(r, "cloop.fake", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_NODATA && g.count == 0);
	CHECK(g.neg_ttl == 60);	/* no SOA: the CNAMEs' TTL */
	CHECK(asked(r, "cloop.fake") == 1);
	CHECK(asked(r, "b.cloop.fake") == 0);
	expect_rc(r, "selfloop.fake", SPFC_RR_TXT, SPFC_DNS_NODATA);
	CHECK(asked(r, "selfloop.fake") == 1);

	/* a whole chain that reaches the data: one query, the smallest TTL */
	lookup(r, "chain3.fake", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1 &&
	      has_addr4(&g, "192.0.2.3"));
	CHECK(g.rr[0].ttl == 50);
	CHECK(asked(r, "chain3.fake") == 1);
	CHECK(asked(r, "x2.chain3.fake") == 0);
	/* the records of the chain in any order */
	lookup(r, "order.fake", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.4"));

	/* WIRE_CHAIN_MAX (16) links in one answer, not 17 */
	lookup(r, "chain16.fake", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.16"));
	expect_rc(r, "chain17.fake", SPFC_RR_A, SPFC_DNS_NODATA);
	CHECK(asked(r, "chain17.fake") == 1);
	CHECK(asked(r, "c17.fake") == 0);

	/* a CNAME to the root: nothing to ask */
	expect_rc(r, "cnameroot.fake", SPFC_RR_A, SPFC_DNS_NODATA);
	/* NXDOMAIN at the end of a chain */
	expect_rc(r, "nxchain.fake", SPFC_RR_A, SPFC_DNS_NXDOMAIN);

	/* one link per answer: the target asked once, then no data */
	expect_rc(r, "follow1.fake", SPFC_RR_A, SPFC_DNS_NODATA);
	CHECK(asked(r, "follow1.fake") == 1);
	CHECK(asked(r, "follow2.fake") == 1);
	CHECK(asked(r, "follow3.fake") == 0);
	lookup(r, "follow2.fake", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.33"));
	/* the second answer leads back to the name first asked: a loop */
	expect_rc(r, "backloop.fake", SPFC_RR_A, SPFC_DNS_NODATA);
	CHECK(asked(r, "backloop.fake") == 1);
	CHECK(asked(r, "backloop2.fake") == 1);
}

/* Records of another owner or class are no part of the answer. */
static void test_owners(spfc_resolver *r)
{
	got g;

	lookup(r, "stray.fake", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK_STR(g.text[0], "v=spf1 -all");
	lookup(r, "straymx.fake", SPFC_RR_MX, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK_STR(g.text[0], "good.fake");
	lookup(r, "strayptr.fake", SPFC_RR_PTR, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK_STR(g.text[0], "good.fake");
	expect_rc(r, "chaos.fake", SPFC_RR_TXT, SPFC_DNS_NODATA);
}

/* TXT data is bytes with a length; malformed RDATA is a server failure. */
static void test_txt(spfc_resolver *r)
{
	static const char nul[] = "v=spf1 ip4:192.0.2.1\0 -all";
	got g;

	lookup(r, "txtnul.fake", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK(g.rr[0].len == sizeof nul - 1);
	CHECK(memcmp(g.text[0], nul, sizeof nul - 1) == 0);
	CHECK(g.rr[0].nstrings == 1);
	lookup(r, "txtnul2.fake", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK(g.rr[0].len == sizeof nul - 1);
	CHECK(memcmp(g.text[0], nul, sizeof nul - 1) == 0);
	CHECK(g.rr[0].nstrings == 3 && g.rr[0].maxstring == 20);

	expect_rc(r, "txtover.fake", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);
	lookup(r, "txtrd0.fake", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK_STR(g.text[0], "x");
	expect_rc(r, "badalen.fake", SPFC_RR_A, SPFC_DNS_SERVFAIL);
	expect_rc(r, "mxtrail.fake", SPFC_RR_MX, SPFC_DNS_SERVFAIL);
}

static void test_hostile(spfc_resolver *r)
{
	got g;

	/* MX exchange with odd bytes: c-ares's presentation form, as bytes
	 * with a length. */
	lookup(r, "weirdmx.fake", SPFC_RR_MX, &g);
	CHECK(g.rc == SPFC_DNS_OK);
	CHECK(g.count == 1);
	CHECK_STR(g.text[0], "w\\001.x\\.y.fake");
	CHECK(g.rr[0].len == strlen("w\\001.x\\.y.fake"));
	CHECK(g.rr[0].pref == 5);

	/* RFC 7505 null MX: the root as exchange, an empty name. */
	lookup(r, "nullmx.fake", SPFC_RR_MX, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK(g.rr[0].len == 0 && g.rr[0].pref == 0);

	expect_rc(r, "badptr.fake", SPFC_RR_PTR, SPFC_DNS_SERVFAIL);
	expect_rc(r, "loop.fake", SPFC_RR_A, SPFC_DNS_SERVFAIL);
	expect_rc(r, "forward.fake", SPFC_RR_A, SPFC_DNS_SERVFAIL);
	expect_rc(r, "short.fake", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);
	expect_rc(r, "rdlen.fake", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);
	/* a CNAME target no query can carry: the chain ends there */
	expect_rc(r, "cnamenul.fake", SPFC_RR_A, SPFC_DNS_NODATA);
	expect_rc(r, "servfail.fake", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);
	expect_rc(r, "unknown.fake", SPFC_RR_TXT, SPFC_DNS_SERVFAIL);
	/* A TXT for another owner is not an answer. */
	expect_rc(r, "otherowner.fake", SPFC_RR_TXT, SPFC_DNS_NODATA);

	/* A CNAME target with a '.' inside a label is asked for as such. */
	lookup(r, "cnamedot.fake", SPFC_RR_A, &g);
	CHECK(g.rc == SPFC_DNS_OK && has_addr4(&g, "192.0.2.77"));
	CHECK(g.count == 1 && g.rr[0].ttl == 30);

	lookup(r, "txtempty.fake", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK(g.rr[0].len == 0 && g.rr[0].maxstring == 0);
	CHECK(g.rr[0].nstrings == 1);

	/* RFC 2181 §8: a TTL with the top bit set counts as 0. */
	lookup(r, "ttlbig.fake", SPFC_RR_TXT, &g);
	CHECK(g.rc == SPFC_DNS_OK && g.count == 1);
	CHECK(g.rr[0].ttl == 0);
	CHECK_STR(g.text[0], "big");

	test_chains(r);
	test_owners(r);
	test_txt(r);
}

int main(int argc, char **argv)
{
	char servers[64], fake[64];
	spfc_resolver *r;

	if (argc != 3) {
		fprintf(stderr, "usage: test_cares UNBOUND_PORT FAKE_PORT\n");
		return 2;
	}
	snprintf(servers, sizeof servers, "127.0.0.1:%s", argv[1]);
	snprintf(fake, sizeof fake, "127.0.0.1:%s", argv[2]);

	test_server_lists();

	r = make(servers);
	test_bad_names(r);
	test_records(r);
	test_negative(r);
	test_cname(r);
	test_parallel(r);
	test_cancel(r);
	CHECK(spfc_resolver_pending(r) == 0);
	CHECK(spfc_resolver_queries(r) > 0);
	spfc_resolver_free(r);

	test_free(servers);
	test_dead_server();

	r = make(fake);
	test_hostile(r);
	spfc_resolver_free(r);

	return DONE();
}
