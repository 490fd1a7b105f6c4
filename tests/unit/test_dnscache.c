/* test_dnscache.c - the caching resolver over the zone resolver: shared
 * lookups in flight, hits delivered from process(), negative caching,
 * failures never kept, TTL expiry, cancel, and the entry bound; answers
 * shared by reference (a hit outliving its entry, ready waiters
 * cancelled, many waiters on one answer), recycled waiters and flights
 * and the bound on those kept, keys of every length, and the byte count.  Meant to run under ASan and
 * valgrind too: a hit reading a freed answer shows there. */
#include <spfc/dnscache.h>
#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <string.h>

#include "tap.h"

#if defined(__GLIBC__) && \
	(__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

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

static void test_basics(void)
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

	spfc_zone_new(&z);
	CHECK(spfc_zone_load(z, zone_text, sizeof zone_text - 1, NULL) == SPFC_OK);
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
}

static const char shared_zone[] =
	"x.example 5 TXT \"xx\"\n"
	"y.example 3600 TXT \"yy\"\n"
	"p.example 3600 TXT \"pp\"\n"
	"q.example 3600 TXT \"qq\"\n"
	"r.example 3600 TXT \"rr\"\n"
	"r.example 3600 TXT \"s\"\n"
	"slow.example TIMEOUT\n";

static void setup(spfc_zone **z, spfc_resolver **zr, spfc_resolver **cr,
		  size_t max_entries, size_t max_bytes)
{
	spfc_dnscache_options o;

	spfc_zone_new(z);
	CHECK(spfc_zone_load(*z, shared_zone, sizeof shared_zone - 1,
			     NULL) == SPFC_OK);
	spfc_zone_resolver_new(*z, zr);
	memset(&o, 0, sizeof o);
	o.max_entries = max_entries;
	o.max_bytes = max_bytes;
	CHECK(spfc_dnscache_new(*zr, &o, cr) == SPFC_OK);
}

static void teardown(spfc_zone *z, spfc_resolver *zr, spfc_resolver *cr)
{
	spfc_resolver_free(cr);
	spfc_resolver_free(zr);
	spfc_zone_free(z);
}

/* Ask and let the answer in: a miss, then the entry is there. */
static spfc_dns_rcode warm(spfc_resolver *cr, const char *name)
{
	struct got g;
	spfc_query_id id;

	memset(&g, 0, sizeof g);
	CHECK(spfc_resolver_query(cr, name, SPFC_RR_TXT, on_ans, &g, &id) == SPFC_OK);
	drain(cr);
	CHECK(g.n == 1);
	return g.rc;
}

/* A hit is delivered after its entry went: evicted by answers the inner
 * resolver brought meanwhile, or expired and dropped by the next lookup.
 * The answer must still be whole during the callback. */
static void test_hit_outlives_entry(void)
{
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_stats st;
	struct got g1, g2, g3;
	spfc_query_id id1, id2, id3;
	uint64_t q0;

	setup(&z, &zr, &cr, 2, 0);
	warm(cr, "x.example");
	warm(cr, "y.example");

	/* evicted: x and y make way for p and q before x's hit is out */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	memset(&g3, 0, sizeof g3);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "p.example", SPFC_RR_TXT, on_ans, &g2, &id2);
	spfc_resolver_query(cr, "q.example", SPFC_RR_TXT, on_ans, &g3, &id3);
	drain(zr);	/* the inner answers only: p, q stored, x, y evicted */
	CHECK(g1.n == 0 && g2.n == 1 && g3.n == 1);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 2 && st.evictions == 2 && st.hits == 1);
	CHECK(spfc_resolver_pending(cr) == 1);
	CHECK(spfc_resolver_process(cr, spfc_resolver_now(cr)) == 1);
	CHECK(g1.n == 1 && g1.rc == SPFC_DNS_OK && g1.count == 1);
	CHECK_STR(g1.text, "xx");
	q0 = spfc_resolver_queries(zr);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	drain(cr);
	CHECK(spfc_resolver_queries(zr) - q0 == 1);	/* x was gone */

	/* expired: x (5 s) ages while its hit waits; the next lookup of x
	 * drops the entry and asks again; the waiting hit still reads it */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_process(zr, spfc_resolver_now(zr) + 6000);
	spfc_dnscache_stats_get(cr, &st);
	q0 = st.entries;
	spfc_resolver_query(cr, "X.example.", SPFC_RR_TXT, on_ans, &g2, &id2);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == q0 - 1);	/* dropped, not evicted */
	CHECK(spfc_resolver_pending(cr) == 2);
	CHECK(spfc_resolver_process(cr, spfc_resolver_now(cr)) == 1);
	CHECK(g1.n == 1 && g2.n == 0);
	CHECK_STR(g1.text, "xx");
	drain(cr);	/* the fresh answer replaces nothing, is stored anew */
	CHECK(g2.n == 1);
	CHECK_STR(g2.text, "xx");
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 2);

	teardown(z, zr, cr);
}

/* Cancel of ready waiters: the callback never runs, the answer is let go
 * (the last reference when the entry went meanwhile: a leak or a double
 * free shows under ASan and valgrind). */
static void test_cancel_ready(void)
{
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_stats st;
	struct got g1, g2, g3;
	spfc_query_id id1, id2, id3;

	setup(&z, &zr, &cr, 1, 0);
	warm(cr, "x.example");
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	memset(&g3, 0, sizeof g3);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g2, &id2);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g3, &id3);
	CHECK(spfc_resolver_pending(cr) == 3);
	spfc_resolver_cancel(cr, id2);	/* the middle of the ready list */
	CHECK(spfc_resolver_pending(cr) == 2);
	spfc_resolver_cancel(cr, id2);	/* twice: nothing */
	CHECK(spfc_resolver_pending(cr) == 2);
	warm(cr, "y.example");		/* delivers g1, g3 too; evicts x */
	CHECK(g1.n == 1 && g2.n == 0 && g3.n == 1);

	/* entry evicted, then both remaining holders cancelled */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	spfc_resolver_query(cr, "y.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "y.example", SPFC_RR_TXT, on_ans, &g2, &id2);
	spfc_resolver_query(cr, "p.example", SPFC_RR_TXT, on_ans, &g3, &id3);
	drain(zr);	/* p evicts y */
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 1 && st.evictions == 2);
	spfc_resolver_cancel(cr, id1);
	spfc_resolver_cancel(cr, id2);	/* the last reference */
	CHECK(spfc_resolver_pending(cr) == 0);
	CHECK(spfc_resolver_process(cr, spfc_resolver_now(cr) + 10) == 0);
	CHECK(g1.n == 0 && g2.n == 0);

	/* ready waiters left at destroy are let go too */
	spfc_resolver_query(cr, "p.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "p.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	spfc_resolver_query(cr, "slow.example", SPFC_RR_A, on_ans, &g1, &id1);
	teardown(z, zr, cr);
	CHECK(g1.n == 0);
}

#define MANY 1000

struct many {
	int n[MANY];
	int bad;
	const spfc_rr *rr;		/* the first answer's records */
	int same;			/* answers with those same records */
	spfc_resolver *cr;
	spfc_query_id ids[MANY];
};

static struct many *many_of;

static void on_many(void *arg, const spfc_dns_answer *a)
{
	size_t i = (size_t)((int *)arg - many_of->n);

	many_of->n[i]++;
	if (a->rcode != SPFC_DNS_OK || a->count != 2)
		many_of->bad++;
	else if (!((a->rr[0].len == 2 && memcmp(a->rr[0].text, "rr", 3) == 0) ||
		   (a->rr[1].len == 2 && memcmp(a->rr[1].text, "rr", 3) == 0)))
		many_of->bad++;
	if (!many_of->rr)
		many_of->rr = a->rr;
	if (a->rr == many_of->rr)
		many_of->same++;
	/* every fifth callback cancels the waiter after the next one */
	if (i % 5 == 0 && i + 2 < MANY)
		spfc_resolver_cancel(many_of->cr, many_of->ids[i + 2]);
}

/* Many waiters on one answer: one block shared by all, valid while its
 * entry is evicted under them, callbacks cancelling others. */
static void test_many_share(void)
{
	static struct many m;
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_stats st, st0;
	struct got g;
	spfc_query_id id;
	int i, delivered = 0, cancelled = 0;

	setup(&z, &zr, &cr, 1, 0);
	memset(&m, 0, sizeof m);
	many_of = &m;
	m.cr = cr;
	warm(cr, "r.example");
	spfc_dnscache_stats_get(cr, &st0);
	for (i = 0; i < MANY; i++)
		CHECK(spfc_resolver_query(cr, i % 2 ? "r.example" : "R.Example.",
					  SPFC_RR_TXT, on_many, &m.n[i],
					  &m.ids[i]) == SPFC_OK);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.hits - st0.hits == MANY && st.misses == st0.misses);
	CHECK(st.bytes == st0.bytes && st.entries == 1);	/* counted once */
	memset(&g, 0, sizeof g);
	spfc_resolver_query(cr, "p.example", SPFC_RR_TXT, on_ans, &g, &id);
	drain(zr);	/* p evicts r under its 1000 waiters */
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.evictions == 1 && g.n == 1);
	CHECK(spfc_resolver_pending(cr) == MANY);
	drain(cr);
	CHECK(spfc_resolver_pending(cr) == 0);
	for (i = 0; i < MANY; i++) {
		delivered += m.n[i] == 1;
		cancelled += m.n[i] == 0;
		CHECK(m.n[i] <= 1);
	}
	CHECK(delivered + cancelled == MANY && cancelled == (MANY - 3) / 5 + 1);
	CHECK(m.bad == 0 && m.same == delivered);
	teardown(z, zr, cr);
}

struct requery {
	spfc_resolver *cr;
	int depth;
	struct got g;
	spfc_query_id id;
};

static void on_requery(void *arg, const spfc_dns_answer *a)
{
	struct requery *q = arg;

	on_ans(&q->g, a);
	if (q->depth-- > 0)	/* ask again from inside the callback */
		spfc_resolver_query(q->cr, "x.example", SPFC_RR_TXT,
				    on_requery, q, &q->id);
}

/* Recycled waiters and flights: more at once than the free lists keep, a
 * stale id never reaches the waiter reusing its struct, a recycled
 * flight starts empty, callbacks that ask again. */
static void test_recycling(void)
{
	static struct got gs[600];
	static spfc_query_id ids[600];
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_stats st, st0;
	struct got g1, g2;
	struct requery rq;
	spfc_query_id id1, id2;
	int i, round, ok;
	uint64_t q0;

	setup(&z, &zr, &cr, 0, 0);
	warm(cr, "x.example");
	warm(cr, "y.example");
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 600; i++) {
			memset(&gs[i], 0, sizeof gs[i]);
			spfc_resolver_query(cr, i % 3 ? "x.example" : "y.example",
					    SPFC_RR_TXT, on_ans, &gs[i], &ids[i]);
		}
		for (i = 0; i < 600; i += 7)
			spfc_resolver_cancel(cr, ids[i]);
		CHECK(spfc_resolver_pending(cr) == 600 - 86);
		drain(cr);
		for (i = 0, ok = 1; i < 600; i++)
			if (gs[i].n != (i % 7 ? 1 : 0) ||
			    (gs[i].n && strcmp(gs[i].text, i % 3 ? "xx" : "yy")))
				ok = 0;
		CHECK(ok);
		for (i = 1; i < 600; i++)
			if (ids[i] <= ids[i - 1])
				ok = 0;
		CHECK(ok);	/* ids keep rising across reuse */
	}

	/* a delivered waiter's id, cancelled after its struct was reused by
	 * another query, must not touch that query */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	drain(cr);
	spfc_resolver_query(cr, "y.example", SPFC_RR_TXT, on_ans, &g2, &id2);
	CHECK(id2 != id1);
	spfc_resolver_cancel(cr, id1);
	CHECK(spfc_resolver_pending(cr) == 1);
	drain(cr);
	CHECK(g1.n == 1 && g2.n == 1);
	CHECK_STR(g1.text, "xx");
	CHECK_STR(g2.text, "yy");

	/* the same for a waiter cancelled on a flight */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	spfc_resolver_query(cr, "slow.example", SPFC_RR_A, on_ans, &g1, &id1);
	spfc_resolver_cancel(cr, id1);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g2, &id2);
	spfc_resolver_cancel(cr, id1);
	drain(cr);
	CHECK(g1.n == 0 && g2.n == 1);

	/* flights come back empty: p answered and recycled, then q in a
	 * (possibly) recycled flight gets only its own waiter */
	memset(&g1, 0, sizeof g1);
	memset(&g2, 0, sizeof g2);
	spfc_resolver_query(cr, "p.example", SPFC_RR_TXT, on_ans, &g1, &id1);
	drain(cr);
	spfc_resolver_query(cr, "q.example", SPFC_RR_TXT, on_ans, &g2, &id2);
	drain(cr);
	CHECK(g1.n == 1 && g2.n == 1);
	CHECK_STR(g1.text, "pp");
	CHECK_STR(g2.text, "qq");

	/* callbacks asking again, from process() (hits) and from the
	 * inner answer (a miss whose waiter re-asks: then a hit) */
	memset(&rq, 0, sizeof rq);
	rq.cr = cr;
	rq.depth = 5;
	spfc_dnscache_stats_get(cr, &st0);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_requery, &rq, &rq.id);
	CHECK(spfc_resolver_process(cr, spfc_resolver_now(cr)) == 6);
	CHECK(rq.g.n == 6 && spfc_resolver_pending(cr) == 0);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.hits - st0.hits == 6);
	spfc_resolver_process(zr, spfc_resolver_now(zr) + 6000);	/* x ages */
	memset(&rq, 0, sizeof rq);
	rq.cr = cr;
	rq.depth = 1;
	q0 = spfc_resolver_queries(zr);
	spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_requery, &rq, &rq.id);
	drain(cr);
	CHECK(rq.g.n == 2 && spfc_resolver_queries(zr) - q0 == 1);
	CHECK_STR(rq.g.text, "xx");
	teardown(z, zr, cr);
}

/* The waiters kept for reuse are bounded: after 5000 hits at once are
 * delivered, the heap in use is back near where it was.  glibc only; a
 * sanitizer or valgrind has its own heap, and the check sees nothing. */
static void test_free_bound(void)
{
#ifdef HAVE_MALLINFO2
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	struct got g;
	spfc_query_id id;
	size_t before, after;
	int i;

	setup(&z, &zr, &cr, 0, 0);
	warm(cr, "x.example");
	memset(&g, 0, sizeof g);
	before = mallinfo2().uordblks;
	for (i = 0; i < 5000; i++)
		spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g, &id);
	drain(cr);
	after = mallinfo2().uordblks;
	CHECK(g.n == 5000);
	CHECK(after < before + 100 * 1024);
	teardown(z, zr, cr);
#endif
}

/* Keys: case and one trailing dot folded, every length around the word
 * size, names differing only in their first or last byte kept apart. */
static void test_keys(void)
{
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_options o;
	spfc_dnscache_stats st;
	struct got g;
	spfc_query_id id;
	char name[300], up[300];
	const char *s;
	size_t n, i, len;
	uint64_t q0;
	int ok = 1;

	spfc_zone_new(&z);
	for (n = 1; n <= 40; n++) {
		for (i = 0; i < n; i++)
			name[i] = (char)('a' + i % 26);
		name[n] = '\0';
		s = name;
		len = n;
		CHECK(spfc_zone_add_txt(z, name, &s, &len, 1) == SPFC_OK);
	}
	spfc_zone_resolver_new(z, &zr);
	memset(&o, 0, sizeof o);
	CHECK(spfc_dnscache_new(zr, &o, &cr) == SPFC_OK);
	for (n = 1; n <= 40; n++) {
		for (i = 0; i < n; i++) {
			name[i] = (char)('a' + i % 26);
			up[i] = (char)('A' + i % 26);
		}
		name[n] = '\0';
		up[n] = '.';
		up[n + 1] = '\0';
		/* a miss in upper case with a dot, then hits */
		q0 = spfc_resolver_queries(zr);
		memset(&g, 0, sizeof g);
		spfc_resolver_query(cr, up, SPFC_RR_TXT, on_ans, &g, &id);
		drain(cr);
		if (g.n != 1 || g.rc != SPFC_DNS_OK || g.count != 1 ||
		    strncmp(g.text, name, 63) != 0)
			ok = 0;
		spfc_resolver_query(cr, name, SPFC_RR_TXT, on_ans, &g, &id);
		up[n] = '\0';
		spfc_resolver_query(cr, up, SPFC_RR_TXT, on_ans, &g, &id);
		up[0] = 'a';
		spfc_resolver_query(cr, up, SPFC_RR_TXT, on_ans, &g, &id);
		drain(cr);
		if (g.n != 4 || spfc_resolver_queries(zr) - q0 != 1)
			ok = 0;
		/* other names of that length: last byte, first byte */
		name[n - 1] = '0';
		spfc_resolver_query(cr, name, SPFC_RR_TXT, on_ans, &g, &id);
		drain(cr);
		if (g.n != 5 || g.rc != SPFC_DNS_NXDOMAIN)
			ok = 0;
		name[n - 1] = (char)('a' + (n - 1) % 26);
		name[0] = '0';
		spfc_resolver_query(cr, name, SPFC_RR_TXT, on_ans, &g, &id);
		drain(cr);
		if (g.n != 6 || (n > 1 && g.rc != SPFC_DNS_NXDOMAIN))
			ok = 0;
		/* the same name, another type */
		name[0] = 'a';
		spfc_resolver_query(cr, name, SPFC_RR_A, on_ans, &g, &id);
		drain(cr);
		if (g.n != 7 || g.rc != SPFC_DNS_NODATA)
			ok = 0;
		if (spfc_resolver_queries(zr) - q0 != (n > 1 ? 4u : 3u))
			ok = 0;
	}
	CHECK(ok);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.misses == 40 * 4 - 1 && st.hits == 40 * 3 + 1);

	/* at most 255 bytes, one trailing dot not counted */
	memset(name, 'a', 255);
	name[255] = '.';
	name[256] = '\0';
	CHECK(spfc_resolver_query(cr, name, SPFC_RR_TXT, on_ans, &g, &id) ==
	      SPFC_OK);
	name[255] = 'a';
	CHECK(spfc_resolver_query(cr, name, SPFC_RR_TXT, on_ans, &g, &id) ==
	      SPFC_EINVAL);
	drain(cr);
	teardown(z, zr, cr);
}

/* Bytes: each answer counted once, at its entry, as the records and
 * their text; max_bytes evicts. */
static void test_bytes(void)
{
	spfc_zone *z;
	spfc_resolver *zr, *cr;
	spfc_dnscache_stats st;
	struct got g;
	spfc_query_id id;
	size_t one = sizeof(spfc_rr) + 3;	/* "xx", "yy", ...: 2 + NUL */
	uint64_t q0;
	int i;

	setup(&z, &zr, &cr, 0, 2 * sizeof(spfc_rr) + 6);
	warm(cr, "x.example");
	warm(cr, "y.example");
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 2 && st.bytes == 2 * one && st.evictions == 0);
	for (i = 0; i < 50; i++)
		spfc_resolver_query(cr, "x.example", SPFC_RR_TXT, on_ans, &g, &id);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.bytes == 2 * one);
	drain(cr);
	warm(cr, "p.example");	/* y, the least recently used, goes */
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 2 && st.bytes == 2 * one && st.evictions == 1);
	q0 = spfc_resolver_queries(zr);
	warm(cr, "x.example");	/* a hit */
	CHECK(spfc_resolver_queries(zr) == q0);
	warm(cr, "y.example");	/* asked again; p goes */
	CHECK(spfc_resolver_queries(zr) - q0 == 1);
	warm(cr, "x.example");
	CHECK(spfc_resolver_queries(zr) - q0 == 1);
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 2 && st.evictions == 2);
	CHECK(warm(cr, "nx.example") == SPFC_DNS_NXDOMAIN);	/* no bytes */
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.entries == 3 && st.bytes == 2 * one);
	warm(cr, "r.example");	/* two records: "rr", "s" */
	spfc_dnscache_stats_get(cr, &st);
	CHECK(st.bytes <= 2 * sizeof(spfc_rr) + 6 && st.evictions == 4);
	CHECK(st.bytes == 2 * sizeof(spfc_rr) + 5 && st.entries == 2);
	teardown(z, zr, cr);
}

int main(void)
{
	test_basics();
	test_hit_outlives_entry();
	test_cancel_ready();
	test_many_share();
	test_recycling();
	test_free_bound();
	test_keys();
	test_bytes();
	return DONE();
}
