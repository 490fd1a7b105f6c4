/* test_events.c - the decider path and the evaluation events of a check
 * over the zone resolver: which term decided and through which include
 * or redirect=, the default and error ends, the events' running lookup
 * and void counts against the check's own, the limit events, and the
 * trace as the text of the same events. */
#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static spfc_zone *zone;
static spfc_resolver *res;

/* What the callback saw. */
struct seen {
	unsigned n[SPFC_EV_RESULT + 1];	/* events of each kind */
	unsigned lookups, voids;	/* at the RESULT event */
	unsigned last_lookups;		/* never decreasing */
	int decreased;
	int limit;			/* the spfc_limit of a LIMIT, or -1 */
	char limit_term[64];
	unsigned limit_lookups;
	unsigned maxdepth;
};

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

static void on_event(const spfc_check *c, const spfc_event *ev, void *arg)
{
	struct seen *s = arg;

	(void)c;
	s->n[ev->kind]++;
	if (ev->lookups < s->last_lookups)
		s->decreased = 1;
	s->last_lookups = ev->lookups;
	if (ev->depth > s->maxdepth)
		s->maxdepth = ev->depth;
	if (ev->kind == SPFC_EV_LIMIT && s->limit < 0) {
		size_t n = ev->term_len < sizeof s->limit_term - 1
				   ? ev->term_len : sizeof s->limit_term - 1;

		s->limit = (int)ev->limit;
		if (ev->term)
			memcpy(s->limit_term, ev->term, n);
		s->limit_term[n] = '\0';
		s->limit_lookups = ev->lookups;
	}
	if (ev->kind == SPFC_EV_RESULT) {
		s->lookups = ev->lookups;
		s->voids = ev->voids;
	}
}

static spfc_check *run(const char *ip, const char *sender, unsigned trace,
		       struct seen *s)
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
	if (spfc_check_new(res, &o, &q, &c) != SPFC_OK)
		return NULL;
	if (s) {
		memset(s, 0, sizeof *s);
		s->limit = -1;
		spfc_check_set_events(c, on_event, s);
	}
	spfc_check_drive(c);
	return c;
}

/* Step i of c's path is domain's term text, or not. */
static int step_is(const spfc_check *c, size_t i, const char *domain,
		   const char *term)
{
	const spfc_step *p;
	size_t n;

	spfc_check_decider(c, &p, &n);
	return i < n && strcmp(p[i].domain, domain) == 0 &&
	       p[i].term_len == strlen(term) &&
	       memcmp(p[i].term, term, p[i].term_len) == 0;
}

static size_t path_len(const spfc_check *c)
{
	size_t n;

	spfc_check_decider(c, NULL, &n);
	return n;
}

int main(void)
{
	spfc_check *c;
	const spfc_step *p;
	struct seen s;
	spfc_buf z;
	int i;

	load("ex.example TXT \"v=spf1 include:_i.ex.example a:mail.ex.example mx:nx.ex.example -all\"\n"
	     "_i.ex.example TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
	     "mail.ex.example A 198.51.100.7\n"
	     "r.example TXT \"v=spf1 redirect=ex.example\"\n"
	     "n.example TXT \"v=spf1 ip4:10.0.0.1\"\n"
	     "e.example TXT \"v=spf1 ip4:10.0.0.1 include:nx.example -all\"\n"
	     "mx.example TXT \"v=spf1 mx -all\"\n"
	     "mx.example MX 10 h1.example\nmx.example MX 20 h2.example\n"
	     "h1.example A 198.51.100.1\nh2.example A 198.51.100.2\n");

	/* The a term decided; the include that did not match is no step. */
	c = run("198.51.100.7", "a@ex.example", 0, &s);
	CHECK(c && spfc_check_result(c) == SPFC_PASS);
	CHECK(c && spfc_check_decider(c, &p, NULL) == SPFC_DECIDED_TERM);
	CHECK(c && path_len(c) == 1 && step_is(c, 0, "ex.example", "a:mail.ex.example"));
	CHECK(c && p[0].index == 1 && p[0].offset == 29 && p[0].kind == SPFC_TERM_A);
	CHECK_STR(c && p[0].host ? p[0].host : NULL, "mail.ex.example");
	CHECK(c && s.lookups == spfc_check_lookups(c) && s.lookups == 2);
	CHECK(s.n[SPFC_EV_START] == 1 && s.n[SPFC_EV_RESULT] == 1);
	CHECK(s.n[SPFC_EV_CHECK_HOST] == 2 && s.n[SPFC_EV_RECORD] == 2);
	CHECK(s.n[SPFC_EV_INCLUDE_RESULT] == 1 && s.n[SPFC_EV_MATCH] == 2);
	CHECK(s.n[SPFC_EV_QUERY] == s.n[SPFC_EV_ANSWER]);
	CHECK(c && s.n[SPFC_EV_QUERY] == spfc_check_queries(c));
	CHECK(!s.decreased && s.maxdepth == 2);
	spfc_check_free(c);

	/* Through the include down to its ip4. */
	c = run("192.0.2.5", "a@ex.example", 0, NULL);
	CHECK(c && spfc_check_decider(c, NULL, NULL) == SPFC_DECIDED_TERM);
	CHECK(c && path_len(c) == 2 &&
	      step_is(c, 0, "ex.example", "include:_i.ex.example") &&
	      step_is(c, 1, "_i.ex.example", "ip4:192.0.2.0/24"));
	spfc_check_free(c);

	/* A void mx, then -all: the void is counted where the check counts. */
	c = run("203.0.113.1", "a@ex.example", 0, &s);
	CHECK(c && spfc_check_result(c) == SPFC_FAIL);
	CHECK(c && path_len(c) == 1 && step_is(c, 0, "ex.example", "-all"));
	CHECK(c && s.voids == 1 && spfc_check_voids(c) == 1 && s.lookups == 3);
	CHECK(s.n[SPFC_EV_NO_MATCH] == 4);
	spfc_check_free(c);

	/* redirect= is a step; the target's term follows it. */
	c = run("203.0.113.1", "a@r.example", 0, NULL);
	CHECK(c && path_len(c) == 2 &&
	      step_is(c, 0, "r.example", "redirect=ex.example") &&
	      step_is(c, 1, "ex.example", "-all"));
	CHECK(c && spfc_check_decider(c, &p, NULL) == SPFC_DECIDED_TERM &&
	      p[0].kind == SPFC_TERM_REDIRECT && !p[0].host);
	spfc_check_free(c);

	/* No match, no redirect: the default, no step. */
	c = run("203.0.113.1", "a@n.example", 0, NULL);
	CHECK(c && spfc_check_result(c) == SPFC_NEUTRAL);
	CHECK(c && spfc_check_decider(c, NULL, NULL) == SPFC_DECIDED_DEFAULT &&
	      path_len(c) == 0);
	spfc_check_free(c);

	/* No record at all. */
	c = run("203.0.113.1", "a@nothing.example", 0, NULL);
	CHECK(c && spfc_check_decider(c, NULL, NULL) == SPFC_DECIDED_NONE &&
	      path_len(c) == 0);
	spfc_check_free(c);

	/* An include without a record: the error at that include. */
	c = run("203.0.113.1", "a@e.example", 0, NULL);
	CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
	CHECK(c && spfc_check_decider(c, NULL, NULL) == SPFC_DECIDED_ERROR &&
	      path_len(c) == 1 && step_is(c, 0, "e.example", "include:nx.example"));
	spfc_check_free(c);

	/* mx: the host whose address matched. */
	c = run("198.51.100.2", "a@mx.example", 0, NULL);
	CHECK(c && spfc_check_decider(c, &p, NULL) == SPFC_DECIDED_TERM &&
	      path_len(c) == 1);
	CHECK_STR(c && p[0].host ? p[0].host : NULL, "h2.example");
	spfc_check_free(c);

	/* 15 nested includes: the 11th lookup is a LIMIT event at that
	 * include, and the path is the 11 includes. */
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
	c = run("192.0.2.1", "a@d0.example", 0, &s);
	CHECK(c && spfc_check_result(c) == SPFC_PERMERROR);
	CHECK(s.limit == SPFC_LIMIT_LOOKUPS && s.limit_lookups == 11);
	CHECK_STR(s.limit_term, "include:d11.example");
	CHECK(c && path_len(c) == 11 && step_is(c, 10, "d10.example", "include:d11.example"));
	spfc_check_free(c);

	/* The trace is the text of the events: with and without a callback
	 * of the caller's it is the same. */
	{
		spfc_check *c2;
		char *t1;

		c = run("192.0.2.1", "a@d0.example", 1, &s);
		c2 = run("192.0.2.1", "a@d0.example", 1, NULL);
		t1 = c ? strdup(spfc_check_trace(c)) : NULL;
		CHECK(t1 && c2 && strcmp(t1, spfc_check_trace(c2)) == 0);
		CHECK(t1 && strstr(t1, "term include:d1.example\n") &&
		      strstr(t1, "lookups: 11/10, void lookups: 0/2"));
		free(t1);
		spfc_check_free(c);
		spfc_check_free(c2);
	}

	/* The cost of a term, as the evaluator counts it (§4.6.4). */
	CHECK(spfc_term_lookups(SPFC_TERM_INCLUDE) == 1 &&
	      spfc_term_lookups(SPFC_TERM_A) == 1 &&
	      spfc_term_lookups(SPFC_TERM_MX) == 1 &&
	      spfc_term_lookups(SPFC_TERM_PTR) == 1 &&
	      spfc_term_lookups(SPFC_TERM_EXISTS) == 1 &&
	      spfc_term_lookups(SPFC_TERM_REDIRECT) == 1);
	CHECK(spfc_term_lookups(SPFC_TERM_ALL) == 0 &&
	      spfc_term_lookups(SPFC_TERM_IP4) == 0 &&
	      spfc_term_lookups(SPFC_TERM_IP6) == 0 &&
	      spfc_term_lookups(SPFC_TERM_EXP) == 0 &&
	      spfc_term_lookups(SPFC_TERM_UNKNOWN_MOD) == 0);

	spfc_resolver_free(res);
	spfc_zone_free(zone);
	return DONE();
}
