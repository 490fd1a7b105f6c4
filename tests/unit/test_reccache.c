/* test_reccache.c - parsed records shared through the resolver's cache:
 * the same text gives the same parsed record; a changed text a new one; a
 * record pushed out of its slot stays valid for its holders; records over
 * the size bounds and broken records are never shared; checks that meet
 * the same record agree with checks that parse their own; everything is
 * freed with the resolver (valgrind / ASan runs of this test see no
 * leak). */
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include "reccache.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static spfc_result check(spfc_resolver *res, const char *ip, const char *sender)
{
	spfc_options o;
	spfc_request q;
	spfc_check *c = NULL;
	spfc_result r = SPFC_NONE;

	spfc_options_init(&o);
	memset(&q, 0, sizeof q);
	spfc_addr_parse(ip, &q.ip);
	q.sender = sender;
	q.helo = "mail.example.org";
	if (spfc_check_run(res, &o, &q, &c) == SPFC_OK)
		r = spfc_check_result(c);
	spfc_check_free(c);
	return r;
}

/* A record of its own for each i: "v=spf1 ip4:… a:hI.example
 * mx:mI.example" and tail. */
static void make_text(spfc_buf *b, int i, const char *tail)
{
	spfc_buf_reset(b);
	spfc_buf_adds(b, "v=spf1 ip4:198.51.100.");
	spfc_buf_addu(b, (unsigned long long)(i % 250));
	spfc_buf_adds(b, " a:h");
	spfc_buf_addu(b, (unsigned long long)i);
	spfc_buf_adds(b, ".example mx:m");
	spfc_buf_addu(b, (unsigned long long)i);
	spfc_buf_adds(b, tail);
}

int main(void)
{
	static const char zonetext[] =
	    "a.example TXT \"v=spf1 include:shared.example -all\"\n"
	    "b.example TXT \"v=spf1 include:shared.example ~all\"\n"
	    "shared.example TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all\"\n";
	spfc_zone *zone = NULL;
	spfc_resolver *res = NULL;
	struct record *r1, *r2, *r3, *big, *held;
	spfc_buf why, txt;
	int i;

	spfc_buf_init(&why, 0);
	CHECK(spfc_zone_new(&zone) == SPFC_OK);
	CHECK(spfc_zone_load(zone, zonetext, strlen(zonetext), NULL) == SPFC_OK);
	CHECK(spfc_zone_resolver_new(zone, &res) == SPFC_OK);

	/* the same text: one parsed record, shared */
	CHECK(reccache_parse(res, "v=spf1 a -all", 13, &r1, &why) == SPFC_OK);
	CHECK(reccache_parse(res, "v=spf1 a -all", 13, &r2, &why) == SPFC_OK);
	CHECK(r1 && r1 == r2);
	CHECK(r1 && r1->refs == 3);	/* the cache and two holders */
	CHECK(r1 && r1->nterms == 2);
	/* a different text (even one byte) is another record */
	CHECK(reccache_parse(res, "v=spf1 a ~all", 13, &r3, &why) == SPFC_OK);
	CHECK(r3 && r3 != r1 && r3->terms[1].qual == '~');
	reccache_release(r2);
	reccache_release(r3);

	/* push r1 out of its slot: other records until the cache lets go of
	 * it; r1 stays valid for its holder. */
	spfc_buf_init(&txt, 0);
	for (i = 0; i < 200000 && r1->refs > 1; i++) {
		struct record *x;

		make_text(&txt, i, ".example -all");
		CHECK(reccache_parse(res, txt.data, txt.len, &x, &why) == SPFC_OK);
		reccache_release(x);
	}
	CHECK(r1->refs == 1);	/* the cache let go; the holder has it */
	CHECK(r1->nterms == 2 && strcmp(r1->text, "v=spf1 a -all") == 0);
	held = r1;
	CHECK(reccache_parse(res, "v=spf1 a -all", 13, &r2, &why) == SPFC_OK);
	CHECK(r2 && r2 != held && r2->nterms == 2);
	reccache_release(r2);
	reccache_release(held);
	/* the byte bound: many records held at once in a fresh resolver;
	 * the cache shares only as many as RECCACHE_BYTES pays for */
	{
		spfc_resolver *r2res = NULL;
		struct record **all = calloc(4 * RECCACHE_SLOTS, sizeof *all);
		size_t shared = 0, bytes = 0, each = 0;

		CHECK(all && spfc_zone_resolver_new(zone, &r2res) == SPFC_OK);
		for (i = 0; all && i < 4 * RECCACHE_SLOTS; i++) {
			make_text(&txt, i, ".example ip6:2001:db8::/32 include:i.example -all");
			CHECK(reccache_parse(r2res, txt.data, txt.len, &all[i], &why) == SPFC_OK);
		}
		for (i = 0; all && i < 4 * RECCACHE_SLOTS; i++) {
			if (!all[i])
				continue;
			each = sizeof *all[i] + all[i]->len + 1 +
			       all[i]->nterms * sizeof *all[i]->terms;
			if (all[i]->refs == 2) {
				shared++;
				bytes += each;
			}
		}
		CHECK(shared > 0);
		CHECK(bytes <= RECCACHE_BYTES);
		CHECK(shared < 4 * RECCACHE_SLOTS);
		spfc_resolver_free(r2res);	/* the holders keep theirs */
		for (i = 0; all && i < 4 * RECCACHE_SLOTS; i++) {
			CHECK(all[i] && all[i]->refs == 1);
			reccache_release(all[i]);
		}
		free(all);
	}

	/* over the text bound: parsed for its holder alone */
	spfc_buf_reset(&txt);
	spfc_buf_adds(&txt, "v=spf1");
	while (txt.len <= RECCACHE_TEXT_MAX)
		spfc_buf_adds(&txt, " a:long-host-name.example");
	CHECK(reccache_parse(res, txt.data, txt.len, &big, &why) == SPFC_OK);
	CHECK(reccache_parse(res, txt.data, txt.len, &r2, &why) == SPFC_OK);
	CHECK(big && r2 && big != r2 && big->refs == 1 && r2->refs == 1);
	reccache_release(big);
	reccache_release(r2);
	/* over the term bound (short text, many terms): not shared either */
	spfc_buf_reset(&txt);
	spfc_buf_adds(&txt, "v=spf1");
	for (i = 0; i <= RECCACHE_TERMS_MAX; i++)
		spfc_buf_adds(&txt, " a");
	CHECK(txt.len <= RECCACHE_TEXT_MAX);
	CHECK(reccache_parse(res, txt.data, txt.len, &big, &why) == SPFC_OK);
	CHECK(reccache_parse(res, txt.data, txt.len, &r2, &why) == SPFC_OK);
	CHECK(big && r2 && big != r2);
	reccache_release(big);
	reccache_release(r2);

	/* a broken record: an error each time, with its reason */
	spfc_buf_reset(&why);
	CHECK(reccache_parse(res, "v=spf1 foo:bar", 14, &r2, &why) == SPFC_ESYNTAX);
	CHECK(r2 == NULL && why.len > 0);
	spfc_buf_reset(&why);
	CHECK(reccache_parse(res, "v=spf1 foo:bar", 14, &r2, &why) == SPFC_ESYNTAX);
	CHECK(r2 == NULL && why.len > 0);

	/* checks through the shared record give the results of the record */
	for (i = 0; i < 3; i++) {
		CHECK(check(res, "192.0.2.7", "u@a.example") == SPFC_PASS);
		CHECK(check(res, "203.0.113.7", "u@a.example") == SPFC_FAIL);
		CHECK(check(res, "203.0.113.7", "u@b.example") == SPFC_SOFTFAIL);
		CHECK(check(res, "2001:db8::5", "u@b.example") == SPFC_PASS);
	}

	/* a record held past the resolver's end is still the holder's */
	CHECK(reccache_parse(res, "v=spf1 mx -all", 14, &held, &why) == SPFC_OK);
	spfc_resolver_free(res);
	CHECK(held && held->refs == 1 && held->nterms == 2);
	reccache_release(held);

	spfc_zone_free(zone);
	spfc_buf_free(&why);
	spfc_buf_free(&txt);
	return DONE();
}
