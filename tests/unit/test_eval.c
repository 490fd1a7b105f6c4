/* test_eval.c - the evaluator's counters and limits over the zone
 * resolver: the 10-lookup limit across includes (and how many queries it
 * lets out), void lookups, MX and PTR limits, parallel MX address lookups
 * (round trips on the simulated clock), time budget, freeing a check
 * mid-flight, and NUL bytes in a record and in an explanation. */
#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static spfc_zone *zone;
static spfc_resolver *res;

static void load(const char *text)
{
	spfc_buf err;

	spfc_zone_free(zone);
	spfc_resolver_free(res);
	spfc_zone_new(&zone);
	spfc_buf_init(&err, 0);
	if (spfc_zone_load(zone, text, strlen(text), &err) != SPFC_OK)
		fprintf(stderr, "zone: %s\n", spfc_buf_str(&err));
	spfc_buf_free(&err);
	spfc_zone_resolver_new(zone, &res);
}

static spfc_check *run(const char *ip, const char *sender, unsigned trace)
{
	spfc_options o;
	spfc_request q;
	spfc_check *c = NULL;

	spfc_options_init(&o);
	o.trace = trace;
	memset(&q, 0, sizeof q);
	spfc_addr_parse(ip, &q.ip);
	q.sender = sender;
	q.helo = "mail.example.org";
	if (spfc_check_run(res, &o, &q, &c) != SPFC_OK)
		return NULL;
	return c;
}

int main(void)
{
	spfc_check *c;
	spfc_buf z;
	uint64_t q0;
	int64_t t0;
	int i;

	/* The defaults are the published RFC 7208 §4.6.4 limits. */
	{
		spfc_options o;

		spfc_options_init(&o);
		CHECK(SPFC_LOOKUP_LIMIT == 10 && o.lookup_limit == SPFC_LOOKUP_LIMIT);
		CHECK(SPFC_VOID_LIMIT == 2 && o.void_limit == SPFC_VOID_LIMIT);
		CHECK(o.mx_limit == SPFC_MX_LIMIT && o.ptr_limit == SPFC_PTR_LIMIT);
		CHECK(o.timeout_ms == SPFC_TIMEOUT_MS);
	}

	/* 15 nested includes: the 11th DNS-querying term is a PermError and
	 * no query is sent for it. */
	spfc_buf_init(&z, 0);
	for (i = 0; i < 15; i++) {
		spfc_buf_adds(&z, "d");
		spfc_buf_addu(&z, (unsigned)i);
		spfc_buf_adds(&z, ".example TXT \"v=spf1 include:d");
		spfc_buf_addu(&z, (unsigned)i + 1);
		spfc_buf_adds(&z, ".example -all\"\n");
	}
	load(spfc_buf_str(&z));
	spfc_buf_free(&z);
	q0 = spfc_resolver_queries(res);
	c = run("192.0.2.1", "a@d0.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
	CHECK(c && spfc_check_lookups(c) == 11);
	/* the top record + the 10 includes allowed */
	CHECK(c && spfc_check_queries(c) == 11);
	CHECK(spfc_resolver_queries(res) - q0 == 11);
	CHECK(c && strstr(spfc_check_problem(c), "too many DNS lookups"));
	spfc_check_free(c);

	/* Void lookups: two are fine, the third is a PermError. */
	load("v2.example TXT \"v=spf1 a:n1.example a:n2.example ?all\"\n"
	     "v3.example TXT \"v=spf1 a:n1.example a:n2.example a:n3.example ?all\"\n"
	     "n3.example EMPTY\n");
	c = run("192.0.2.1", "a@v2.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_NEUTRAL && spfc_check_voids(c) == 2);
	spfc_check_free(c);
	c = run("192.0.2.1", "a@v3.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
	CHECK(c && strstr(spfc_check_problem(c), "void lookup limit"));
	spfc_check_free(c);

	/* mx over five hosts: TXT, MX, then all addresses in one round. */
	load("mx.example TXT \"v=spf1 mx -all\"\n"
	     "mx.example MX 10 h1.example\nmx.example MX 20 h2.example\n"
	     "mx.example MX 30 h3.example\nmx.example MX 40 h4.example\n"
	     "mx.example MX 50 h5.example\n"
	     "h1.example A 198.51.100.1\nh2.example A 198.51.100.2\n"
	     "h3.example A 198.51.100.3\nh4.example A 198.51.100.4\n"
	     "h5.example A 198.51.100.5\n");
	t0 = spfc_resolver_now(res);
	c = run("198.51.100.5", "a@mx.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_PASS);
	CHECK(spfc_resolver_now(res) - t0 == 3 * SPFC_ZONE_RTT_MS);
	CHECK(c && spfc_check_queries(c) == 7 && spfc_check_lookups(c) == 1);
	CHECK_STR(c ? spfc_check_mechanism(c) : NULL, "mx");
	spfc_check_free(c);

	/* 11 MX names: PermError. */
	spfc_buf_init(&z, 0);
	spfc_buf_adds(&z, "m11.example TXT \"v=spf1 mx -all\"\n");
	for (i = 0; i < 11; i++) {
		spfc_buf_adds(&z, "m11.example MX ");
		spfc_buf_addu(&z, (unsigned)i);
		spfc_buf_adds(&z, " h.example\n");
	}
	load(spfc_buf_str(&z));
	spfc_buf_free(&z);
	c = run("198.51.100.5", "a@m11.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
	spfc_check_free(c);

	/* ptr: at most 10 names validated, on label boundaries. */
	spfc_buf_init(&z, 0);
	spfc_buf_adds(&z, "p.example TXT \"v=spf1 ptr -all\"\n"
			  "e.example TXT \"v=spf1 ptr:example -all\"\n"
			  "1.2.0.192.in-addr.arpa PTR evilp.example\n");
	for (i = 0; i < 12; i++) {
		spfc_buf_adds(&z, "1.2.0.192.in-addr.arpa PTR h");
		spfc_buf_addu(&z, (unsigned)i);
		spfc_buf_adds(&z, ".p.example\nh");
		spfc_buf_addu(&z, (unsigned)i);
		spfc_buf_adds(&z, ".p.example A 192.0.2.1\n");
	}
	spfc_buf_adds(&z, "evilp.example A 192.0.2.1\n");
	load(spfc_buf_str(&z));
	spfc_buf_free(&z);
	c = run("192.0.2.1", "a@p.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_PASS);
	/* TXT + PTR + 10 validations */
	CHECK(c && spfc_check_queries(c) == 12);
	spfc_check_free(c);

	/* Time budget: a name that never answers ends in TempError at the
	 * deadline. */
	load("slow.example TXT \"v=spf1 a:hang.example -all\"\nhang.example TIMEOUT\n");
	t0 = spfc_resolver_now(res);
	c = run("192.0.2.1", "a@slow.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_TEMPERROR);
	CHECK(spfc_resolver_now(res) - t0 == 20000);
	CHECK(spfc_resolver_pending(res) == 0);
	spfc_check_free(c);

	/* SERVFAIL in a: TempError; in ptr: no match. */
	load("sf.example TXT \"v=spf1 a:bad.example -all\"\nbad.example SERVFAIL\n"
	     "sp.example TXT \"v=spf1 ptr ?all\"\n2.2.0.192.in-addr.arpa SERVFAIL\n");
	c = run("192.0.2.1", "a@sf.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_TEMPERROR);
	CHECK(c && strstr(spfc_check_problem(c), "bad.example"));
	spfc_check_free(c);
	c = run("192.0.2.2", "a@sp.example", 0);
	CHECK(c && spfc_check_result(c) == SPFC_NEUTRAL);
	spfc_check_free(c);

	/* A 200-term record matches on its last term. */
	spfc_buf_init(&z, 0);
	spfc_buf_adds(&z, "long.example TXT \"v=spf1");
	for (i = 0; i < 200; i++) {
		if (i % 10 == 9)
			spfc_buf_adds(&z, "\" \"");
		spfc_buf_adds(&z, " ip4:198.51.100.");
		spfc_buf_addu(&z, (unsigned)i);
	}
	spfc_buf_adds(&z, " -all\"\n");
	load(spfc_buf_str(&z));
	spfc_buf_free(&z);
	c = run("198.51.100.199", "a@long.example", 1);
	CHECK(c && spfc_check_result(c) == SPFC_PASS);
	CHECK_STR(c ? spfc_check_mechanism(c) : NULL, "ip4:198.51.100.199");
	CHECK(c && strstr(spfc_check_trace(c), "result: pass"));
	spfc_check_free(c);

	/* Freeing a check with lookups in flight cancels them. */
	{
		spfc_options o;
		spfc_request q;
		spfc_options_init(&o);
		memset(&q, 0, sizeof q);
		spfc_addr_parse("192.0.2.1", &q.ip);
		q.sender = "a@slow.example";
		load("slow.example TXT \"v=spf1 a:hang.example -all\"\nhang.example TIMEOUT\n");
		CHECK(spfc_check_new(res, &o, &q, &c) == SPFC_OK);
		spfc_check_start(c, NULL, NULL);
		CHECK(spfc_resolver_pending(res) == 1);
		spfc_check_free(c);
		CHECK(spfc_resolver_pending(res) == 0);
		CHECK(spfc_resolver_process(res, 100) == 0);
	}
	/* A record given by the caller stands in for the lookup. */
	{
		spfc_options o;
		spfc_request q;
		load("mail.example.org A 192.0.2.9\n"
		     "9.2.0.192.in-addr.arpa PTR mail.example.org\n");
		spfc_options_init(&o);
		o.record = "v=spf1 ptr:example.org -all";
		memset(&q, 0, sizeof q);
		spfc_addr_parse("192.0.2.9", &q.ip);
		q.sender = "postmaster@example.org";
		CHECK(spfc_check_run(res, &o, &q, &c) == SPFC_OK);
		CHECK(c && spfc_check_result(c) == SPFC_PASS);
		CHECK(c && spfc_check_queries(c) == 2);	/* PTR + A, no TXT */
		spfc_check_free(c);
		o.record = "v=spf1 ptr:le.org -all";	/* label boundaries */
		CHECK(spfc_check_run(res, &o, &q, &c) == SPFC_OK);
		CHECK(c && spfc_check_result(c) == SPFC_FAIL);
		spfc_check_free(c);
	}
	/* NUL bytes in TXT data (the zone's \000): a record holding one is a
	 * PermError, never cut at it; an explanation holding one is not used
	 * (RFC 7208 §6.2), so the default explanation stands. */
	{
		spfc_options o;
		spfc_request q;

		load("nul.example TXT \"v=spf1 ip4:192.0.2.1\\000 -all\"\n"
		     "nul2.example TXT \"v=spf1 ip4:192.0.2.1\" \"\\000\" "
		     "\"-all\"\n"
		     "exp.example TXT \"v=spf1 -all exp=e.example\"\n"
		     "e.example TXT \"not\\000 you\"\n"
		     "exp2.example TXT \"v=spf1 -all exp=e2.example\"\n"
		     "e2.example TXT \"not %{l}\"\n");
		c = run("192.0.2.1", "a@nul.example", 0);
		CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
		CHECK(c && strstr(spfc_check_problem(c), "IPv4"));
		spfc_check_free(c);
		c = run("192.0.2.1", "a@nul2.example", 0);
		CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
		spfc_check_free(c);
		spfc_options_init(&o);
		o.default_exp = "DEFAULT";
		memset(&q, 0, sizeof q);
		spfc_addr_parse("192.0.2.7", &q.ip);
		q.sender = "a@exp.example";
		CHECK(spfc_check_run(res, &o, &q, &c) == SPFC_OK);
		CHECK(c && spfc_check_result(c) == SPFC_FAIL);
		CHECK(c && strcmp(spfc_check_explanation(c), "DEFAULT") == 0);
		spfc_check_free(c);
		q.sender = "a@exp2.example";
		CHECK(spfc_check_run(res, &o, &q, &c) == SPFC_OK);
		CHECK(c && strcmp(spfc_check_explanation(c), "not a") == 0);
		spfc_check_free(c);
	}
	spfc_resolver_free(res);
	spfc_zone_free(zone);
	return DONE();
}
