/*
 * idtab.h - a table of names for small integer ids (enum values), looked
 * up either way: a name, ASCII case-insensitively, to its id, and an id
 * back to its name (the first row that has it, as the table spells it).
 *
 * Tables are static const arrays of the caller's; a lookup is a linear
 * scan, for the few rows such tables have.
 */
#ifndef SC_IDTAB_H
#define SC_IDTAB_H

#include <stddef.h>

struct sc_id {
	const char *name;
	int id;
};

/* The number of rows of a table that is an array in scope. */
#define SC_ID_COUNT(t) (sizeof(t) / sizeof((t)[0]))

/* The row whose name equals s[0..len) ignoring ASCII case, or NULL. */
const struct sc_id *sc_id_find(const struct sc_id *t, size_t n,
			       const char *s, size_t len);

/* 0 and *id set when s[0..len) names a row, -1 (and *id untouched) when
 * none does. */
int sc_id_lookup(const struct sc_id *t, size_t n, const char *s, size_t len,
		 int *id);

/* The name of the first row with this id, or NULL when none has it. */
const char *sc_id_name(const struct sc_id *t, size_t n, int id);

#endif
