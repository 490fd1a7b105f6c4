/* test_dnscache.c - the caching resolver over the zone resolver: shared
 * lookups in flight, hits delivered from process(), negative caching,
 * failures never kept, TTL expiry, cancel, and the entry bound. */
#include <spfc/dnscache.h>
#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <string.h>

#include "tap.h"

struct got {
	int n;
	spfc_dns_rcode rc;
	size_t count;
	char text[64];
};

static void on_ans(void *arg, const spfc_dns_answer *a)
{
	struct got *g = arg;

	g->n++;
	g->rc = a->rcode;
	g->count = a->count;
	if (a->count && a->rr[0].text) {
		size_t n = a->rr[0].len < 63 ? a->rr[0].len : 63;
		memcpy(g->text, a->rr[0].text, n);
		g->text[n] = '\0';
	}
}

static void drain(spfc_resolver *r)
{
	int i;

	for (i = 0; i < 100 && spfc_resolver_pending(r); i++)
		spfc_resolver_process(r, spfc_resolver_now(r) + 10);
}

int main(void)
{
	static const char zone_text[] =
		"a.example 5 TXT \"v=spf1 -all\"\n"
		"b.example 3600 TXT \"b\"\n"
		"c.example 3600 TXT \"c\"\n"
		"d.example 3600 TXT \"d\"\n"
		"slow.example TIMEOUT\n"
		"bad.example SERVFAIL\n";
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_options o;
	spfc_dnscache_stats st;
	struct got g1, g2, g3;
	spfc_query_id id1, id2, id3;
	uint64_t q0;
	char err[128];

	spfc_zone_new(&z);
	CHECK(spfc_zone_load(z, zone_text, sizeof zone_text - 1, err, sizeof err) == SPFC_OK);
	spfc_zone_resolver_new(z, &zr);
	memset(&o, 0, sizeof o);
	o.max_entries = 3;
	CHECK(spfc_dnscache_new(zr, &o, &cr) == SPFC_OK);

	/* two identical lookups in flight share one inner query */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	q0 = spfc_resolver_queries(zr);
	spfc_resolver_query(cr, "a.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "A.EXAMPLE.", SPFC_RR_TXT, on_ans, &g2, &id2);
	CHECK(spfc_resolver_queries(zr) - q0 == 1);
	CHECK(g1.n == 0 && g2.n == 0);	/* never from inside query() */
	drain(cr);
	CHECK(g1.n == 1 && g2.n == 1 && g1.rc == SPFC_DNS_OK);
	CHECK_STR(g2.text, "v=spf1 -all");

	/* a hit: no inner query, delivered by process() */
	memset(&g3, 0, sizeof g3);
	spfc_resolver_query(cr, "a.example", SPFC_RR_TXT, on_ans, &g3, &id3);
	CHECK(g3.n == 0 && spfc_resolver_pending(cr) == 1);
	CHECK(spfc_resolver_next_event(cr) <= spfc_resolver_now(cr));
	CHECK(spfc_resolver_process(cr, spfc_resolver_now(cr)) == 1);
	CHECK(g3.n == 1 && spfc_resolver_queries(zr) - q0 == 1);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.hits == 1 && st.misses == 1 && st.joined == 1);

	/* NXDOMAIN is kept; a server failure and a time-out are not */
	memset(&g1, 0, sizeof g1);
	spfc_resolver_query(cr, "nx.example", SPFC_RR_A, on_ans, &g1, &id1);
	drain(cr);
	spfc_resolver_query(cr, "nx.example", SPFC_RR_A, on_ans, &g1, &id1);
	drain(cr);
	CHECK(g1.n == 2 && g1.rc == SPFC_DNS_NXDOMAIN);
	q0 = spfc_resolver_queries(zr);
	spfc_resolver_query(cr, "bad.example", SPFC_RR_A, on_ans, &g1, &id1);
	drain(cr);
	spfc_resolver_query(cr, "bad.example", SPFC_RR_A, on_ans, &g1, &id1);
	drain(cr);
	CHECK(g1.rc == SPFC_DNS_SERVFAIL && spfc_resolver_queries(zr) - q0 == 2);

	/* cancel: one of two waiters, then the other; callbacks never run,
	 * the inner lookup runs on */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	spfc_resolver_query(cr, "slow.example", SPFC_RR_A, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "slow.example", SPFC_RR_A, on_ans, &g2, &id2);
	CHECK(spfc_resolver_pending(zr) == 1 && spfc_resolver_pending(cr) == 2);
	spfc_resolver_cancel(cr, id1);
	CHECK(spfc_resolver_pending(zr) == 1 && spfc_resolver_pending(cr) == 1);
	spfc_resolver_cancel(cr, id2);
	CHECK(spfc_resolver_pending(zr) == 1 && spfc_resolver_pending(cr) == 0);
	spfc_resolver_process(cr, spfc_resolver_now(cr) + 100);
	CHECK(g1.n == 0 && g2.n == 0);

	/* a cancelled lookup that gets its answer fills the cache */
	memset(&g1, 0, sizeof g1);
	spfc_resolver_query(cr, "c.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_cancel(cr, id1);
	drain(zr);
	q0 = spfc_resolver_queries(zr);
	spfc_resolver_query(cr, "c.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	drain(cr);
	CHECK(g1.n == 1 && spfc_resolver_queries(zr) == q0);

	/* TTL: a.example (5 s) expires */
	spfc_resolver_process(zr, spfc_resolver_now(zr) + 6000);
	q0 = spfc_resolver_queries(zr);
	spfc_resolver_query(cr, "a.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	drain(cr);
	CHECK(spfc_resolver_queries(zr) - q0 == 1);

	/* the bound: at most 3 entries */
	spfc_resolver_query(cr, "b.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "c.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "d.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	drain(cr);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 3 && st.evictions >= 1);

	spfc_resolver_free(cr);
	spfc_resolver_free(zr);
	spfc_zone_free(z);
	return DONE();
}
