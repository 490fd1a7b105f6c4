/*
 * test_zone.c - unit tests of the in-memory zone (zone.c) and its
 * resolver backend (resolv_zone.c): the zone-file parser and its errors,
 * name matching, NODATA / NXDOMAIN / empty non-terminals, CNAME chains,
 * the TIMEOUT and SERVFAIL faults, and the simulated clock with cancel
 * and re-entrant callbacks.
 *
 * Fails (non-zero exit, the failed checks on stderr) when any behaviour
 * differs from docs/zone-format.md and include/spfc/zone.h.
 */
#include "tap.h"
#include "zonefile.h"

#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_RR 8
#define CAP_TEXT 300

/* What one callback saw, copied out of the borrowed answer. */
struct cap {
	int called;
	spfc_resolver *r;
	int64_t at;
	spfc_dns_rcode rcode;
	size_t count;
	uint32_t neg_ttl;
	size_t wire_size;
	spfc_rr rr[CAP_RR];
	char text[CAP_RR][CAP_TEXT];
};

static void on_answer(void *arg, const spfc_dns_answer *ans)
{
	struct cap *c = arg;
	size_t i;

	c->called++;
	c->at = spfc_resolver_now(c->r);
	c->rcode = ans->rcode;
	c->count = ans->count;
	c->neg_ttl = ans->neg_ttl;
	c->wire_size = ans->wire_size;
	for (i = 0; i < ans->count && i < CAP_RR; i++) {
		c->rr[i] = ans->rr[i];
		c->text[i][0] = '\0';
		if (ans->rr[i].text && ans->rr[i].len < CAP_TEXT) {
			memcpy(c->text[i], ans->rr[i].text, ans->rr[i].len + 1);
		}
		c->rr[i].text = c->text[i];
	}
}

/* Ask and wait one round.  1: answered; 0: no answer (cancelled after the
 * round); -1: the query was refused. */
static int ask(spfc_resolver *r, const char *name, spfc_rrtype t,
	       struct cap *c)
{
	spfc_query_id id;

	memset(c, 0, sizeof *c);
	c->r = r;
	if (spfc_resolver_query(r, name, t, on_answer, c, &id) != SPFC_OK)
		return -1;
	spfc_resolver_process(r, spfc_resolver_now(r) + 100);
	if (!c->called) {
		spfc_resolver_cancel(r, id);
		return 0;
	}
	return 1;
}

/* The rcode of one lookup; SPFC_DNS_TIMEOUT when it never answered. */
static spfc_dns_rcode rcode_of(spfc_resolver *r, const char *name,
			       spfc_rrtype t)
{
	struct cap c;
	int got = ask(r, name, t, &c);

	if (got < 0)
		return (spfc_dns_rcode)99;
	return got ? c.rcode : SPFC_DNS_TIMEOUT;
}

static spfc_zone *zone_of(const char *text, spfc_resolver **r)
{
	spfc_zone *z = NULL;
	spfc_buf err;

	CHECK(spfc_zone_new(&z) == SPFC_OK);
	spfc_buf_init(&err, 0);
	if (spfc_zone_load(z, text, strlen(text), &err) != SPFC_OK) {
		fprintf(stderr, "zone_of: %s\n", spfc_buf_str(&err));
		CHECK(0);
	}
	spfc_buf_free(&err);
	CHECK(spfc_zone_resolver_new(z, r) == SPFC_OK);
	return z;
}

static void test_types(void)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "   # an indented comment\n"
	    "example.com  A 192.0.2.1\n"
	    "example.com\tA\t192.0.2.2\r\n"
	    "example.com AAAA 2001:db8::1\n"
	    "example.com MX 10 mail.example.com.\n"
	    "example.com mx 20 Mail2.Example.COM\n"
	    "null.example.com MX 0 .\n"
	    "1.2.0.192.in-addr.arpa PTR example.com.\n"
	    "example.com 300 TXT \"v=spf1 \" \"-all\"\n"
	    "word.example.com txt v=spf1\n"
	    "esc.example.com TXT \"a\\\"b\\\\c\\065\\x42\\;\" \"\"\n"
	    "nul.example.com TXT \"x\\000y\" \"\\255\"\n"
	    "ttl.example.com 0 IN A 192.0.2.9\n"
	    "class.example.com IN TXT x\n"
	    "alias.example.com CNAME example.com\n";
	spfc_resolver *r;
	spfc_zone *z = zone_of(text, &r);
	struct cap c;

	CHECK(ask(r, "example.com", SPFC_RR_A, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_OK && c.count == 2);
	CHECK(c.rr[0].type == SPFC_RR_A && c.rr[0].ttl == 3600);
	CHECK(memcmp(c.rr[0].addr, "\xc0\x00\x02\x01", 4) == 0);
	CHECK(memcmp(c.rr[1].addr, "\xc0\x00\x02\x02", 4) == 0);
	CHECK(c.wire_size > 12);

	CHECK(ask(r, "example.com", SPFC_RR_AAAA, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_OK && c.count == 1);
	CHECK(c.rr[0].type == SPFC_RR_AAAA && c.rr[0].addr[0] == 0x20 &&
	      c.rr[0].addr[1] == 0x01 && c.rr[0].addr[15] == 1);

	CHECK(ask(r, "example.com", SPFC_RR_MX, &c) == 1);
	CHECK(c.count == 2);
	CHECK(c.rr[0].pref == 10);
	CHECK_STR(c.text[0], "mail.example.com");
	CHECK(c.rr[0].len == 16);
	CHECK(c.rr[1].pref == 20);
	CHECK_STR(c.text[1], "Mail2.Example.COM");

	CHECK(ask(r, "null.example.com", SPFC_RR_MX, &c) == 1);
	CHECK(c.count == 1 && c.rr[0].pref == 0 && c.rr[0].len == 0);
	CHECK_STR(c.text[0], "");

	CHECK(ask(r, "1.2.0.192.in-addr.arpa", SPFC_RR_PTR, &c) == 1);
	CHECK(c.count == 1 && c.rr[0].type == SPFC_RR_PTR);
	CHECK_STR(c.text[0], "example.com");

	CHECK(ask(r, "example.com", SPFC_RR_TXT, &c) == 1);
	CHECK(c.count == 1 && c.rr[0].ttl == 300);
	CHECK_STR(c.text[0], "v=spf1 -all");
	CHECK(c.rr[0].len == 11 && c.rr[0].nstrings == 2 &&
	      c.rr[0].maxstring == 7);

	CHECK(ask(r, "word.example.com", SPFC_RR_TXT, &c) == 1);
	CHECK_STR(c.text[0], "v=spf1");
	CHECK(c.rr[0].nstrings == 1);

	/* \" \\ \065 \x42 \; and an empty second string */
	CHECK(ask(r, "esc.example.com", SPFC_RR_TXT, &c) == 1);
	CHECK_STR(c.text[0], "a\"b\\cAB;");
	CHECK(c.rr[0].nstrings == 2 && c.rr[0].maxstring == 8);

	/* Any byte, NUL included: len tells */
	CHECK(ask(r, "nul.example.com", SPFC_RR_TXT, &c) == 1);
	CHECK(c.rr[0].len == 4);
	CHECK(memcmp(c.text[0], "x\0y\xff", 5) == 0);

	CHECK(ask(r, "ttl.example.com", SPFC_RR_A, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_OK && c.rr[0].ttl == 0);
	CHECK(ask(r, "class.example.com", SPFC_RR_TXT, &c) == 1);
	CHECK_STR(c.text[0], "x");

	/* Asking for the CNAME itself gives the CNAME record */
	CHECK(ask(r, "alias.example.com", SPFC_RR_CNAME, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_OK && c.count == 1);
	CHECK(c.rr[0].type == SPFC_RR_CNAME);
	CHECK_STR(c.text[0], "example.com");

	spfc_resolver_free(r);
	spfc_zone_free(z);
}

/* Load text into a new zone; return the status, the message in why (if
 * not NULL), emptied first. */
static spfc_status load_err(const char *text, spfc_buf *why)
{
	spfc_zone *z = NULL;
	spfc_status st;

	if (why)
		spfc_buf_reset(why);
	CHECK(spfc_zone_new(&z) == SPFC_OK);
	st = spfc_zone_load(z, text, strlen(text), why);
	spfc_zone_free(z);
	return st;
}

static void test_errors(void)
{
	static const struct {
		const char *text;
		spfc_status st;
		const char *err;
	} cases[] = {
		{"a.example A 192.0.2.1\n\nb.example FOO x\n", SPFC_ESYNTAX,
		 "line 3: unknown type \"FOO\""},
		{"a.example\n", SPFC_ESYNTAX,
		 "line 1: missing type after name \"a.example\""},
		{"a.example 300\n", SPFC_ESYNTAX,
		 "line 1: missing type after TTL"},
		{"a.example 2147483648 A 192.0.2.1\n", SPFC_ESYNTAX,
		 "line 1: TTL out of range (0 to 2147483647) \"2147483648\""},
		{"a.example A 192.0.2\n", SPFC_ESYNTAX,
		 "line 1: bad IPv4 address \"192.0.2\""},
		{"a.example A 2001:db8::1\n", SPFC_ESYNTAX,
		 "line 1: bad IPv4 address \"2001:db8::1\""},
		{"a.example AAAA 192.0.2.1\n", SPFC_ESYNTAX,
		 "line 1: bad IPv6 address \"192.0.2.1\""},
		{"a.example A\n", SPFC_ESYNTAX, "line 1: A needs an address"},
		{"a.example A 192.0.2.1 junk\n", SPFC_ESYNTAX,
		 "line 1: unexpected \"junk\""},
		{"a.example MX 65536 mx.example\n", SPFC_ESYNTAX,
		 "line 1: bad MX preference (0 to 65535) \"65536\""},
		{"a.example MX +1 mx.example\n", SPFC_ESYNTAX,
		 "line 1: bad MX preference (0 to 65535) \"+1\""},
		{"a.example MX 10x mx.example\n", SPFC_ESYNTAX,
		 "line 1: bad MX preference (0 to 65535) \"10x\""},
		{"a.example MX 10\n", SPFC_ESYNTAX,
		 "line 1: missing target name"},
		{"a.example CNAME .\n", SPFC_ESYNTAX,
		 "line 1: bad target name \"\""},
		{"a.example CNAME b.example\na.example CNAME c.example\n",
		 SPFC_ESYNTAX, "line 2: a name has at most one CNAME"},
		{"a.example TXT\n", SPFC_ESYNTAX,
		 "line 1: TXT needs at least one string"},
		{"a.example TXT \"abc\n", SPFC_ESYNTAX,
		 "line 1: unterminated string \"\\\"abc\""},
		{"a.example TXT \"a\"\"b\"\n", SPFC_ESYNTAX,
		 "line 1: no blank after closing quote at \"\\\"b\\\"\""},
		{"a.example TXT ab\"c\n", SPFC_ESYNTAX,
		 "line 1: quote inside word \"ab\\\"\""},
		{"a.example TXT \"\\256\"\n", SPFC_ESYNTAX,
		 "line 1: bad escape (\\DDD is 000 to 255): \"\\\\256\""},
		{"a.example TXT \"\\12\"\n", SPFC_ESYNTAX,
		 "line 1: bad escape (\\DDD is 000 to 255): \"\\\\12\\\"\""},
		{"a.example TXT \"\\xg0\"\n", SPFC_ESYNTAX,
		 "line 1: bad escape (\\xHH needs two hex digits): \"\\\\xg0\""},
		{"a.example TXT \"\\n\"\n", SPFC_ESYNTAX,
		 "line 1: unknown escape \"\\\\n\""},
		{"a.example TXT abc\\\n", SPFC_ESYNTAX,
		 "line 1: backslash at end of line"},
		{"a.example TXT \"a\001b\"\n", SPFC_ESYNTAX,
		 "line 1: control byte in string (write it as \\DDD)"},
		{"a\001.example A 192.0.2.1\n", SPFC_ESYNTAX,
		 "line 1: bad name \"a?.example\""},
		{". A 192.0.2.1\n", SPFC_ESYNTAX, "line 1: bad name \"\""},
		{"a.example EMPTY x\n", SPFC_ESYNTAX,
		 "line 1: unexpected \"x\""},
		{"a.example ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ\n",
		 SPFC_ESYNTAX, "line 1: unknown type "
			       "\"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN...\""},
		{"  a.example 60 IN\n", SPFC_ESYNTAX,
		 "line 1: missing type after class"},
		{"ok.example A 192.0.2.1\r\nb.example TIMEOUT now\r\n",
		 SPFC_ESYNTAX, "line 2: unexpected \"now\""},
	};
	spfc_buf err, tiny;
	spfc_zone *z = NULL;
	size_t i;

	spfc_buf_init(&err, 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		spfc_status st = load_err(cases[i].text, &err);
		if (st != cases[i].st)
			fprintf(stderr, "case %zu: status %d\n", i, (int)st);
		CHECK(st == cases[i].st);
		CHECK_STR(spfc_buf_str(&err), cases[i].err);
	}

	/* why may be NULL; a bounded one takes the sticky error, never more
	 * than its bound, and the call's status is unchanged */
	CHECK(load_err("a.example FOO\n", NULL) == SPFC_ESYNTAX);
	spfc_buf_init(&tiny, 8);
	CHECK(load_err("a.example FOO\n", &tiny) == SPFC_ESYNTAX);
	CHECK(tiny.err == SPFC_ELIMIT);
	CHECK(tiny.len <= 8);
	spfc_buf_free(&tiny);

	/* the reason is appended to what why held; a clean load appends
	 * nothing */
	CHECK(spfc_zone_new(&z) == SPFC_OK);
	spfc_buf_reset(&err);
	spfc_buf_adds(&err, "held; ");
	CHECK(spfc_zone_load(z, "# nothing\n", 10, &err) == SPFC_OK);
	CHECK_STR(spfc_buf_str(&err), "held; ");
	CHECK(spfc_zone_load(z, "a.example FOO\n", 14, &err) ==
	      SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&err), "held; line 1: unknown type \"FOO\"");
	spfc_zone_free(z);
	/* no final newline, an empty text */
	CHECK(load_err("a.example A 192.0.2.1", &err) == SPFC_OK);
	CHECK_STR(spfc_buf_str(&err), "");
	CHECK(load_err("", &err) == SPFC_OK);
	spfc_buf_free(&err);
}

static void test_limits(void)
{
	spfc_buf err;
	char *text;
	size_t i, n;
	spfc_zone *z = NULL;
	char s256[256], s255[255];
	const char *strs[300];
	size_t lens[300];

	spfc_buf_init(&err, 0);
	/* a 255-byte string is fine, 256 is not */
	text = malloc(400);
	memcpy(text, "a.example TXT \"", 15);
	memset(text + 15, 'x', 255);
	memcpy(text + 270, "\"\n", 3);
	CHECK(load_err(text, &err) == SPFC_OK);
	memset(text + 15, 'x', 256);
	memcpy(text + 271, "\"\n", 3);
	CHECK(load_err(text, &err) == SPFC_ELIMIT);
	CHECK_STR(spfc_buf_str(&err),
		  "line 1: TXT string longer than 255 bytes");
	free(text);

	/* a TXT record over 65535 bytes of RDATA */
	n = 300 * 4 * 64 + 100;
	text = malloc(n);
	memcpy(text, "b.example TXT", 13);
	n = 13;
	for (i = 0; i < 300; i++) {
		text[n++] = ' ';
		memset(text + n, 'y', 220);
		n += 220;
	}
	text[n] = '\0';
	CHECK(load_err(text, &err) == SPFC_ELIMIT);
	CHECK_STR(spfc_buf_str(&err),
		  "line 1: TXT record longer than 65535 bytes");
	free(text);

	/* a line over 70000 bytes */
	text = malloc(70100);
	memcpy(text, "# ok\n# ", 7);
	memset(text + 7, 'c', 70000);
	text[70007] = '\0';
	CHECK(load_err(text, &err) == SPFC_ELIMIT);
	CHECK_STR(spfc_buf_str(&err), "line 2: line longer than 70000 bytes");
	free(text);

	/* the whole text: at most 64 MiB; the line that passes it is named */
	n = (size_t)67110 * 1000; /* whole lines, past 64 MiB */
	text = malloc(n);
	for (i = 0; i < n; i += 1000) {
		memset(text + i, '#', 999);
		text[i + 999] = '\n';
	}
	CHECK(spfc_zone_new(&z) == SPFC_OK);
	spfc_buf_reset(&err);
	CHECK(spfc_zone_load(z, text, ((size_t)64 << 20), &err) == SPFC_OK);
	CHECK(spfc_zone_load(z, text, n, &err) == SPFC_ELIMIT);
	CHECK_STR(spfc_buf_str(&err),
		  "line 67109: zone text longer than 64 MiB");
	spfc_zone_free(z);
	free(text);

	/* NUL in a line */
	CHECK(spfc_zone_new(&z) == SPFC_OK);
	spfc_buf_reset(&err);
	CHECK(spfc_zone_load(z, "a A 1.2.3.4\nb\0 A 1.2.3.4\n", 25, &err) ==
	      SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&err), "line 2: NUL byte in line");

	/* the API: a name over 1024 bytes, a string over 255, n == 0 */
	text = malloc(1100);
	memset(text, 'n', 1025);
	text[1025] = '\0';
	CHECK(spfc_zone_add_empty(z, text) == SPFC_EINVAL);
	text[1024] = '.';
	CHECK(spfc_zone_add_empty(z, text) == SPFC_OK);
	text[1024] = '\0';
	CHECK(spfc_zone_add_empty(z, text) == SPFC_OK);
	free(text);
	memset(s256, 's', sizeof s256);
	memset(s255, 's', sizeof s255);
	strs[0] = s256;
	lens[0] = 256;
	CHECK(spfc_zone_add_txt(z, "t.example", strs, lens, 1) ==
	      SPFC_EINVAL);
	CHECK(spfc_zone_add_txt(z, "t.example", strs, lens, 0) ==
	      SPFC_EINVAL);
	for (i = 0; i < 300; i++) {
		strs[i] = s255;
		lens[i] = 255;
	}
	/* 256 * 256 > 65535: one string too many */
	CHECK(spfc_zone_add_txt(z, "t.example", strs, lens, 256) ==
	      SPFC_ELIMIT);
	CHECK(spfc_zone_add_txt(z, "t.example", strs, lens, 255) == SPFC_OK);
	CHECK(spfc_zone_add_cname(z, "c.example", "") == SPFC_EINVAL);
	CHECK(spfc_zone_add_mx(z, "m.example", 65536, "mx.example") ==
	      SPFC_EINVAL);
	CHECK(spfc_zone_add_ptr(z, "p\n.example", "x.example") ==
	      SPFC_EINVAL);
	CHECK(spfc_zone_add_ptr(z, "p.example", "x\x80.example") ==
	      SPFC_EINVAL);
	CHECK(spfc_zone_mark(z, "f.example", (spfc_zone_fault)3) ==
	      SPFC_EINVAL);
	{
		spfc_addr a;
		memset(&a, 0, sizeof a);
		a.family = 5;
		CHECK(spfc_zone_add_addr(z, "a.example", &a) == SPFC_EINVAL);
	}
	spfc_zone_free(z);
	spfc_zone_free(NULL);
	spfc_buf_free(&err);
}

static void test_names(void)
{
	static const char text[] =
	    "MiXeD.Example.COM A 192.0.2.1\n"
	    "dot.example.com. TXT dotted\n"
	    "A123456789012345678901234567890123456789012345678901234567890123"
	    ".example.com TXT long\n"
	    "a.b.c.deep.example.org A 192.0.2.3\n"
	    "empty.example.org EMPTY\n";
	spfc_resolver *r;
	spfc_zone *z = zone_of(text, &r);
	struct cap c;

	CHECK(rcode_of(r, "mixed.example.com", SPFC_RR_A) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "MIXED.EXAMPLE.COM.", SPFC_RR_A) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "dot.example.com", SPFC_RR_TXT) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "dot.example.com.", SPFC_RR_TXT) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "dot.example.com..", SPFC_RR_TXT) ==
	      SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, "a12345678901234567890123456789012345678901234567"
			  "8901234567890123.example.com",
		       SPFC_RR_TXT) == SPFC_DNS_OK);

	/* the name has records, not of this type: NODATA */
	CHECK(ask(r, "mixed.example.com", SPFC_RR_TXT, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_NODATA && c.count == 0 &&
	      c.neg_ttl == 3600);
	/* nothing at all: NXDOMAIN */
	CHECK(ask(r, "nowhere.example.com", SPFC_RR_A, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_NXDOMAIN && c.count == 0);
	/* empty non-terminals: ancestors of a name with data exist */
	CHECK(rcode_of(r, "b.c.deep.example.org", SPFC_RR_A) ==
	      SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "c.deep.example.org", SPFC_RR_A) ==
	      SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "example.org", SPFC_RR_TXT) == SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "org", SPFC_RR_TXT) == SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "x.a.b.c.deep.example.org", SPFC_RR_A) ==
	      SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, "b.c.deep.example.net", SPFC_RR_A) ==
	      SPFC_DNS_NXDOMAIN);
	/* EMPTY */
	CHECK(rcode_of(r, "EMPTY.example.org.", SPFC_RR_A) ==
	      SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "sub.empty.example.org", SPFC_RR_A) ==
	      SPFC_DNS_NXDOMAIN);
	/* odd queries: empty, over-long, non-ASCII */
	CHECK(rcode_of(r, "", SPFC_RR_A) == SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, ".", SPFC_RR_A) == SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, "\xc3\xa9.example.com", SPFC_RR_A) ==
	      SPFC_DNS_NXDOMAIN);
	{
		char *big = malloc(5000);
		memset(big, 'q', 4999);
		big[4999] = '\0';
		CHECK(rcode_of(r, big, SPFC_RR_A) == SPFC_DNS_NXDOMAIN);
		free(big);
	}
	/* an unknown type at a name that exists */
	CHECK(rcode_of(r, "mixed.example.com", (spfc_rrtype)99) ==
	      SPFC_DNS_NODATA);

	/* the API: data is copied, names match the same way */
	{
		char name[32], target[32];
		spfc_addr a;
		strcpy(name, "Api.Example.");
		strcpy(target, "Mail.Example.");
		CHECK(spfc_zone_add_mx(z, name, 5, target) == SPFC_OK);
		CHECK(spfc_addr_parse("192.0.2.77", &a) == SPFC_OK);
		CHECK(spfc_zone_add_addr(z, name, &a) == SPFC_OK);
		memset(name, 0, sizeof name);
		memset(target, 0, sizeof target);
		CHECK(ask(r, "api.example", SPFC_RR_MX, &c) == 1);
		CHECK(c.count == 1 && c.rr[0].pref == 5);
		CHECK_STR(c.text[0], "Mail.Example");
		CHECK(ask(r, "API.EXAMPLE", SPFC_RR_A, &c) == 1);
		CHECK(c.count == 1 && c.rr[0].addr[3] == 77);
		CHECK(rcode_of(r, "example", SPFC_RR_A) == SPFC_DNS_NODATA);
	}
	spfc_resolver_free(r);
	spfc_zone_free(z);
}

static void test_cname(void)
{
	static const char text[] =
	    "target.example A 192.0.2.1\n"
	    "target.example TXT \"v=spf1 -all\"\n"
	    "one.example CNAME Target.Example.\n"
	    "two.example CNAME one.example\n"
	    "dangling.example CNAME nowhere.example\n"
	    "toempty.example CNAME empty.example\n"
	    "empty.example EMPTY\n"
	    "loop1.example CNAME loop2.example\n"
	    "loop2.example CNAME LOOP1.example\n"
	    "self.example CNAME self.example\n"
	    "slow.example CNAME slowtarget.example\n"
	    "slowtarget.example TXT here\n"
	    "slowtarget.example TIMEOUT\n"
	    "bad.example CNAME badtarget.example\n"
	    "badtarget.example SERVFAIL\n"
	    /* c0 -> c1 -> ... -> c10 (10 links) -> data; c11 one more */
	    "c11.example CNAME c10.example\n"
	    "c10.example CNAME c9.example\n"
	    "c9.example CNAME c8.example\n"
	    "c8.example CNAME c7.example\n"
	    "c7.example CNAME c6.example\n"
	    "c6.example CNAME c5.example\n"
	    "c5.example CNAME c4.example\n"
	    "c4.example CNAME c3.example\n"
	    "c3.example CNAME c2.example\n"
	    "c2.example CNAME c1.example\n"
	    "c1.example CNAME c0.example\n"
	    "c0.example A 192.0.2.10\n";
	spfc_resolver *r;
	spfc_zone *z = zone_of(text, &r);
	struct cap c;

	CHECK(ask(r, "two.example", SPFC_RR_A, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_OK && c.count == 1);
	CHECK(c.rr[0].type == SPFC_RR_A && c.rr[0].addr[3] == 1);
	CHECK(ask(r, "one.example", SPFC_RR_TXT, &c) == 1);
	CHECK(c.count == 1 && c.rr[0].type == SPFC_RR_TXT);
	CHECK_STR(c.text[0], "v=spf1 -all");
	CHECK(rcode_of(r, "one.example", SPFC_RR_MX) == SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "dangling.example", SPFC_RR_A) ==
	      SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, "toempty.example", SPFC_RR_A) == SPFC_DNS_NODATA);
	/* a loop never reaches the type: no data, not a server failure */
	CHECK(rcode_of(r, "loop1.example", SPFC_RR_A) == SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "self.example", SPFC_RR_TXT) == SPFC_DNS_NODATA);
	/* asking for the CNAME does not follow it */
	CHECK(rcode_of(r, "loop1.example", SPFC_RR_CNAME) == SPFC_DNS_OK);
	/* faults apply at the end of the chain */
	CHECK(rcode_of(r, "slow.example", SPFC_RR_TXT) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "slow.example", SPFC_RR_A) == SPFC_DNS_TIMEOUT);
	CHECK(rcode_of(r, "bad.example", SPFC_RR_A) == SPFC_DNS_SERVFAIL);
	/* SPFC_ZONE_MAX_CNAME links are followed, one more is no data */
	CHECK(SPFC_ZONE_MAX_CNAME == 10);
	CHECK(rcode_of(r, "c10.example", SPFC_RR_A) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "c11.example", SPFC_RR_A) == SPFC_DNS_NODATA);
	/* a CNAME owner is a name that exists: its ancestors too */
	CHECK(rcode_of(r, "example", SPFC_RR_A) == SPFC_DNS_NODATA);
	/* API: a second CNAME is refused, the first stays */
	CHECK(spfc_zone_add_cname(z, "one.example", "c0.example") ==
	      SPFC_EINVAL);
	CHECK(ask(r, "one.example", SPFC_RR_CNAME, &c) == 1);
	CHECK_STR(c.text[0], "Target.Example");
	spfc_resolver_free(r);
	spfc_zone_free(z);
}

static void test_faults(void)
{
	static const char text[] =
	    "spftimeout.example TXT \"v=spf1 -all\"\n"
	    "spftimeout.example TIMEOUT\n"
	    "alltimeout.example TIMEOUT\n"
	    "sf.example A 192.0.2.1\n"
	    "sf.example SERVFAIL\n"
	    "allsf.example SERVFAIL\n";
	spfc_resolver *r;
	spfc_zone *z = zone_of(text, &r);
	struct cap c1, c2;
	spfc_query_id id1, id2;

	CHECK(rcode_of(r, "spftimeout.example", SPFC_RR_TXT) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "SpfTimeout.Example.", SPFC_RR_A) ==
	      SPFC_DNS_TIMEOUT);
	CHECK(rcode_of(r, "alltimeout.example", SPFC_RR_TXT) ==
	      SPFC_DNS_TIMEOUT);
	CHECK(rcode_of(r, "sf.example", SPFC_RR_A) == SPFC_DNS_OK);
	CHECK(rcode_of(r, "sf.example", SPFC_RR_TXT) == SPFC_DNS_SERVFAIL);
	CHECK(rcode_of(r, "allsf.example", SPFC_RR_MX) == SPFC_DNS_SERVFAIL);
	/* a marked name alone does not make its parent exist */
	CHECK(rcode_of(r, "x.other", SPFC_RR_A) == SPFC_DNS_NXDOMAIN);
	CHECK(spfc_zone_mark(z, "x.other", SPFC_ZONE_TIMEOUT) == SPFC_OK);
	CHECK(rcode_of(r, "other", SPFC_RR_A) == SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, "x.other", SPFC_RR_A) == SPFC_DNS_TIMEOUT);
	CHECK(spfc_zone_mark(z, "x.other", SPFC_ZONE_SERVFAIL) == SPFC_OK);
	CHECK(rcode_of(r, "x.other", SPFC_RR_A) == SPFC_DNS_SERVFAIL);
	CHECK(spfc_resolver_pending(r) == 0);

	/* A silent query stays pending; with nothing else queued, process()
	 * moves the clock straight to `until` and delivers nothing. */
	memset(&c1, 0, sizeof c1);
	memset(&c2, 0, sizeof c2);
	c1.r = c2.r = r;
	{
		int64_t t0 = spfc_resolver_now(r);
		CHECK(spfc_resolver_query(r, "alltimeout.example", SPFC_RR_A,
					  on_answer, &c1, &id1) == SPFC_OK);
		CHECK(spfc_resolver_query(r, "sf.example", SPFC_RR_A,
					  on_answer, &c2, &id2) == SPFC_OK);
		CHECK(id1 != 0 && id2 != 0 && id1 != id2);
		CHECK(spfc_resolver_pending(r) == 2);
		CHECK(spfc_resolver_process(r, t0 + 20000) == 1);
		CHECK(c2.called == 1 && c2.at == t0 + SPFC_ZONE_RTT_MS);
		CHECK(spfc_resolver_now(r) == t0 + SPFC_ZONE_RTT_MS);
		CHECK(spfc_resolver_pending(r) == 1);
		CHECK(spfc_resolver_process(r, t0 + 20000) == 0);
		CHECK(spfc_resolver_now(r) == t0 + 20000);
		CHECK(spfc_resolver_process(r, t0 + 10) == 0);
		CHECK(spfc_resolver_now(r) == t0 + 20000); /* never back */
		CHECK(c1.called == 0);
		CHECK(spfc_resolver_pending(r) == 1);
		spfc_resolver_cancel(r, id1);
		CHECK(spfc_resolver_pending(r) == 0);
		CHECK(spfc_resolver_process(r, t0 + 30000) == 0);
		CHECK(c1.called == 0);
		CHECK(spfc_resolver_now(r) == t0 + 30000);
	}
	/* freeing the resolver with a silent query pending: no callback */
	CHECK(spfc_resolver_query(r, "alltimeout.example", SPFC_RR_TXT,
				  on_answer, &c1, &id1) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "sf.example", SPFC_RR_A, on_answer, &c2,
				  &id2) == SPFC_OK);
	c1.called = c2.called = 0;
	spfc_resolver_free(r);
	CHECK(c1.called == 0 && c2.called == 0);
	spfc_zone_free(z);
}

/* ---- The clock, cancel and re-entrancy -------------------------------- */

struct chain {
	spfc_resolver *r;
	int64_t at[4];
	int step;
	spfc_query_id victim;	/* cancelled by the first callback */
	int victim_called;
	int freed;		/* the callback freed the resolver */
};

static void on_chain(void *arg, const spfc_dns_answer *ans)
{
	struct chain *ch = arg;
	spfc_query_id id;

	(void)ans;
	ch->at[ch->step] = spfc_resolver_now(ch->r);
	ch->step++;
	if (ch->victim) {
		spfc_resolver_cancel(ch->r, ch->victim);
		ch->victim = 0;
	}
	if (ch->step < 3)
		CHECK(spfc_resolver_query(ch->r, "a.example", SPFC_RR_A,
					  on_chain, ch, &id) == SPFC_OK);
}

static void on_victim(void *arg, const spfc_dns_answer *ans)
{
	struct chain *ch = arg;

	(void)ans;
	ch->victim_called++;
}

static void on_free(void *arg, const spfc_dns_answer *ans)
{
	struct chain *ch = arg;

	(void)ans;
	ch->step++;
	spfc_resolver_free(ch->r);
	ch->freed = 1;
}

static void test_clock(void)
{
	spfc_resolver *r;
	spfc_zone *z = zone_of("a.example A 192.0.2.1\n"
			       "b.example TXT b\n"
			       "slow.example TIMEOUT\n",
			       &r);
	struct cap c[3];
	spfc_query_id id[3];
	struct chain ch;
	size_t i;

	CHECK(spfc_resolver_now(r) == 0);
	CHECK(spfc_resolver_process(r, 0) == 0);
	CHECK(spfc_resolver_pending(r) == 0);

	/* Three queries in one round arrive together, one RTT later */
	for (i = 0; i < 3; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].r = r;
	}
	CHECK(spfc_resolver_query(r, "a.example", SPFC_RR_A, on_answer, &c[0],
				  &id[0]) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "b.example", SPFC_RR_TXT, on_answer,
				  &c[1], &id[1]) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "z.example", SPFC_RR_A, on_answer, &c[2],
				  &id[2]) == SPFC_OK);
	CHECK(c[0].called == 0); /* query() never calls back */
	CHECK(spfc_resolver_pending(r) == 3);
	/* `until` before the answers are due: nothing, clock to until */
	CHECK(spfc_resolver_process(r, 0) == 0);
	CHECK(spfc_resolver_now(r) == 0);
	/* the middle one is cancelled: it never calls back */
	spfc_resolver_cancel(r, id[1]);
	spfc_resolver_cancel(r, id[1]);	   /* twice: harmless */
	spfc_resolver_cancel(r, 12345678); /* unknown: harmless */
	CHECK(spfc_resolver_pending(r) == 2);
	CHECK(spfc_resolver_process(r, 1000) == 2);
	CHECK(c[0].called == 1 && c[2].called == 1 && c[1].called == 0);
	CHECK(c[0].at == 1 && c[2].at == 1);
	CHECK(c[0].rcode == SPFC_DNS_OK && c[2].rcode == SPFC_DNS_NXDOMAIN);
	CHECK(spfc_resolver_now(r) == 1);
	CHECK(spfc_resolver_pending(r) == 0);
	spfc_resolver_cancel(r, id[0]); /* finished: harmless */
	CHECK(spfc_resolver_process(r, 5) == 0);
	CHECK(spfc_resolver_now(r) == 5);

	/* A callback that starts a new query: it is due one RTT after the
	 * delivery, in the next process() round, not this one.  The first
	 * callback also cancels a query due at the same time. */
	memset(&ch, 0, sizeof ch);
	ch.r = r;
	CHECK(spfc_resolver_query(r, "a.example", SPFC_RR_A, on_chain, &ch,
				  &id[0]) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "b.example", SPFC_RR_TXT, on_victim, &ch,
				  &id[1]) == SPFC_OK);
	ch.victim = id[1];
	CHECK(spfc_resolver_process(r, 100) == 1);
	CHECK(ch.step == 1 && ch.at[0] == 6);
	CHECK(ch.victim_called == 0);
	CHECK(spfc_resolver_pending(r) == 1);
	CHECK(spfc_resolver_process(r, 100) == 1);
	CHECK(ch.step == 2 && ch.at[1] == 7);
	CHECK(spfc_resolver_process(r, 100) == 1);
	CHECK(ch.step == 3 && ch.at[2] == 8);
	CHECK(spfc_resolver_pending(r) == 0);
	CHECK(spfc_resolver_process(r, 100) == 0);
	CHECK(ch.victim_called == 0);
	CHECK(spfc_resolver_now(r) == 100);

	/* Answers are a snapshot taken when the query starts */
	memset(&c[0], 0, sizeof c[0]);
	c[0].r = r;
	CHECK(spfc_resolver_query(r, "new.example", SPFC_RR_A, on_answer,
				  &c[0], &id[0]) == SPFC_OK);
	{
		spfc_addr a;
		CHECK(spfc_addr_parse("192.0.2.200", &a) == SPFC_OK);
		CHECK(spfc_zone_add_addr(z, "new.example", &a) == SPFC_OK);
	}
	CHECK(spfc_resolver_process(r, 1000) == 1);
	CHECK(c[0].rcode == SPFC_DNS_NXDOMAIN);
	CHECK(rcode_of(r, "new.example", SPFC_RR_A) == SPFC_DNS_OK);

	/* refused queries */
	CHECK(spfc_resolver_query(r, NULL, SPFC_RR_A, on_answer, &c[0],
				  &id[0]) == SPFC_EINVAL);
	CHECK(id[0] == 0);
	CHECK(spfc_resolver_query(r, "a.example", SPFC_RR_A, NULL, NULL,
				  &id[0]) == SPFC_EINVAL);

	/* A callback that frees the resolver, with others still queued and
	 * a silent query pending: no further callbacks, nothing leaks. */
	memset(&ch, 0, sizeof ch);
	ch.r = r;
	CHECK(spfc_resolver_query(r, "a.example", SPFC_RR_A, on_free, &ch,
				  &id[0]) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "b.example", SPFC_RR_TXT, on_victim, &ch,
				  &id[1]) == SPFC_OK);
	CHECK(spfc_resolver_query(r, "slow.example", SPFC_RR_A, on_victim,
				  &ch, &id[2]) == SPFC_OK);
	CHECK(spfc_resolver_process(r, 10000) == 1);
	CHECK(ch.freed == 1 && ch.step == 1 && ch.victim_called == 0);
	spfc_zone_free(z);
}

/* Many names, many records: everything is found, nothing is confused. */
static void test_scale(void)
{
	spfc_zone *z = NULL;
	spfc_resolver *r;
	char name[64];
	size_t i, bad = 0;
	spfc_addr a;
	struct cap c;

	CHECK(spfc_zone_new(&z) == SPFC_OK);
	memset(&a, 0, sizeof a);
	a.family = 4;
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof name, "h%zu.Sub%zu.example", i, i % 97);
		a.b[0] = 10;
		a.b[1] = (unsigned char)(i >> 16);
		a.b[2] = (unsigned char)(i >> 8);
		a.b[3] = (unsigned char)i;
		if (spfc_zone_add_addr(z, name, &a) != SPFC_OK)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(spfc_zone_resolver_new(z, &r) == SPFC_OK);
	for (i = 0; i < 100000; i += 997) {
		snprintf(name, sizeof name, "H%zu.sub%zu.EXAMPLE.", i, i % 97);
		if (ask(r, name, SPFC_RR_A, &c) != 1 ||
		    c.rcode != SPFC_DNS_OK || c.count != 1 ||
		    c.rr[0].addr[1] != (unsigned char)(i >> 16) ||
		    c.rr[0].addr[2] != (unsigned char)(i >> 8) ||
		    c.rr[0].addr[3] != (unsigned char)i)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(rcode_of(r, "sub5.example", SPFC_RR_A) == SPFC_DNS_NODATA);
	CHECK(rcode_of(r, "h5.sub6.example", SPFC_RR_A) == SPFC_DNS_NXDOMAIN);
	/* many records of one type at one name, in the order added */
	for (i = 0; i < 300; i++) {
		a.b[3] = (unsigned char)i;
		CHECK(i == 0 || i == 299 ||
		      spfc_zone_add_addr(z, "many.example", &a) == SPFC_OK);
	}
	CHECK(ask(r, "many.example", SPFC_RR_A, &c) == 1);
	CHECK(c.count == 298 && c.rr[0].addr[3] == 1);
	spfc_resolver_free(r);
	spfc_zone_free(z);
}

#ifndef ZONE_TEST_DIR
#define ZONE_TEST_DIR "."
#endif

static void test_file(void)
{
	spfc_zone *z = NULL;
	spfc_resolver *r;
	spfc_buf err;
	struct cap c;

	CHECK(spfc_zone_new(&z) == SPFC_OK);
	spfc_buf_init(&err, 0);
	CHECK(spfc_zone_load_file(z, "no-such-file.zone", &err) == SPFC_EIO);
	CHECK(strncmp(spfc_buf_str(&err),
		      "cannot open \"no-such-file.zone\": ", 33) == 0);
	CHECK(strstr(spfc_buf_str(&err), "No such file") != NULL);
	spfc_buf_reset(&err);
	CHECK(spfc_zone_load_file(z, ".", &err) == SPFC_EIO);
	CHECK(strncmp(spfc_buf_str(&err), "cannot read \".\": ", 17) == 0);
	spfc_buf_reset(&err);
	CHECK(spfc_zone_load_file(z, ZONE_TEST_DIR "/example.zone", &err) ==
	      SPFC_OK);
	CHECK_STR(spfc_buf_str(&err), "");
	CHECK(spfc_zone_load_file(z, ZONE_TEST_DIR "/bad.zone", &err) ==
	      SPFC_ESYNTAX);
	CHECK_STR(spfc_buf_str(&err),
		  "line 4: bad IPv4 address \"192.0.2.300\"");
	spfc_buf_free(&err);
	/* why may be NULL */
	CHECK(spfc_zone_load_file(z, "no-such-file.zone", NULL) == SPFC_EIO);
	CHECK(spfc_zone_resolver_new(z, &r) == SPFC_OK);
	CHECK(ask(r, "example.com", SPFC_RR_TXT, &c) == 1);
	CHECK(c.rcode == SPFC_DNS_OK && c.count == 1);
	CHECK_STR(c.text[0],
		  "v=spf1 ip4:192.0.2.0/24 mx a:mail.example.com "
		  "include:_spf.example.net -all");
	CHECK(c.rr[0].nstrings == 2);
	CHECK(rcode_of(r, "timeout.example.com", SPFC_RR_TXT) ==
	      SPFC_DNS_TIMEOUT);
	/* the lines of bad.zone before the bad one were added */
	CHECK(rcode_of(r, "before.bad.example", SPFC_RR_A) == SPFC_DNS_OK);
	spfc_resolver_free(r);
	spfc_zone_free(z);
}

int main(void)
{
	test_types();
	test_errors();
	test_limits();
	test_names();
	test_cname();
	test_faults();
	test_clock();
	test_scale();
	test_file();
	return DONE();
}
