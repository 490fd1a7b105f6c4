/* test_list.c - the intrusive list of common/list.h: order after inserts
 * at either end, unlinking the head, the tail and a middle node, and
 * walking while unlinking. */
#include "common/list.h"

#include "tap.h"

struct item {
	int v;
	struct sc_list_node node;
};

static int v_of(const struct sc_list_node *n)
{
	return sc_list_entry(n, const struct item, node)->v;
}

/* The values from head to tail as digits, and the same walked back from
 * the tail, so that a broken prev pointer shows. */
static void order(const struct sc_list *l, char *fwd, char *back)
{
	const struct sc_list_node *n;
	size_t i = 0;

	SC_LIST_FOREACH(n, l)
		fwd[i++] = (char)('0' + v_of(n));
	fwd[i] = '\0';
	i = 0;
	for (n = l->tail; n; n = n->prev)
		back[i++] = (char)('0' + v_of(n));
	back[i] = '\0';
}

#define CHECK_ORDER(l, want, rwant)                                           \
	do {                                                                  \
		char f[16], b[16];                                            \
		order(l, f, b);                                               \
		CHECK_STR(f, want);                                           \
		CHECK_STR(b, rwant);                                          \
	} while (0)

int main(void)
{
	struct item it[5];
	struct sc_list l;
	struct sc_list_node *n, *tmp;
	int i;

	sc_list_init(&l);
	CHECK(sc_list_empty(&l));
	CHECK(sc_list_pop_head(&l) == NULL);
	for (i = 0; i < 5; i++) {
		it[i].v = i;
		sc_list_node_init(&it[i].node);
	}
	sc_list_insert_tail(&l, &it[1].node);
	sc_list_insert_tail(&l, &it[2].node);
	sc_list_insert_head(&l, &it[0].node);
	sc_list_insert_tail(&l, &it[3].node);
	CHECK(!sc_list_empty(&l));
	CHECK_ORDER(&l, "0123", "3210");

	sc_list_unlink(&l, &it[2].node);	/* a middle node */
	CHECK_ORDER(&l, "013", "310");
	CHECK(it[2].node.prev == NULL && it[2].node.next == NULL);
	sc_list_unlink(&l, &it[0].node);	/* the head */
	CHECK_ORDER(&l, "13", "31");
	sc_list_unlink(&l, &it[3].node);	/* the tail */
	CHECK_ORDER(&l, "1", "1");
	CHECK(l.head == &it[1].node && l.tail == &it[1].node);
	CHECK(sc_list_pop_head(&l) == &it[1].node);
	CHECK(sc_list_empty(&l) && l.tail == NULL);

	sc_list_insert_head(&l, &it[4].node);	/* into an empty list */
	CHECK_ORDER(&l, "4", "4");
	for (i = 0; i < 4; i++)
		sc_list_insert_tail(&l, &it[i].node);
	CHECK_ORDER(&l, "40123", "32104");
	/* unlink every odd value while walking */
	SC_LIST_FOREACH_SAFE(n, tmp, &l)
		if (sc_list_entry(n, struct item, node)->v % 2)
			sc_list_unlink(&l, n);
	CHECK_ORDER(&l, "402", "204");
	CHECK(sc_list_entry_or_null(l.head, struct item, node) == &it[4]);
	CHECK(sc_list_entry_or_null((struct sc_list_node *)NULL, struct item,
				    node) == NULL);
	return DONE();
}
