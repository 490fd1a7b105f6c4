/* test_idtab.c - common/idtab.h: lookups either way, case, lengths, a
 * name that is a prefix of another, and ids no row has. */
#include "common/idtab.h"

#include "tap.h"

enum { ID_ALL, ID_A, ID_AAAA, ID_MX, ID_TWICE };

static const struct sc_id tab[] = {
	{"all", ID_ALL}, {"A", ID_A},	     {"AAAA", ID_AAAA},
	{"mx", ID_MX},	 {"first", ID_TWICE}, {"second", ID_TWICE},
};

int main(void)
{
	int id = -7;

	CHECK(SC_ID_COUNT(tab) == 6);
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "ALL", 3, &id) == 0 &&
	      id == ID_ALL);
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "aaaa", 4, &id) == 0 &&
	      id == ID_AAAA);
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "aaaa", 1, &id) == 0 &&
	      id == ID_A);	/* the length decides, not a NUL */
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "Mx:x", 2, &id) == 0 &&
	      id == ID_MX);
	id = -7;
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "aa", 2, &id) == -1);
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "", 0, &id) == -1);
	CHECK(sc_id_lookup(tab, SC_ID_COUNT(tab), "mx ", 3, &id) == -1);
	CHECK(sc_id_lookup(tab, 0, "all", 3, &id) == -1);
	CHECK(id == -7);	/* untouched on failure */
	CHECK(sc_id_find(tab, SC_ID_COUNT(tab), "SECOND", 6) == &tab[5]);
	CHECK(sc_id_find(tab, SC_ID_COUNT(tab), "third", 5) == NULL);

	CHECK_STR(sc_id_name(tab, SC_ID_COUNT(tab), ID_AAAA), "AAAA");
	CHECK_STR(sc_id_name(tab, SC_ID_COUNT(tab), ID_TWICE), "first");
	CHECK(sc_id_name(tab, SC_ID_COUNT(tab), 99) == NULL);
	CHECK(sc_id_name(tab, SC_ID_COUNT(tab), -1) == NULL);
	return DONE();
}
