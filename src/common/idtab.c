/*
 * idtab.c - the lookups of idtab.h.  Pure; they cannot fail.
 */
#include "idtab.h"

#include "ascii.h"

#include <string.h>

const struct sc_id *sc_id_find(const struct sc_id *t, size_t n,
			       const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sc_eq_nocase(s, len, t[i].name, strlen(t[i].name)))
			return &t[i];
	return NULL;
}

int sc_id_lookup(const struct sc_id *t, size_t n, const char *s, size_t len,
		 int *id)
{
	const struct sc_id *r = sc_id_find(t, n, s, len);

	if (!r)
		return -1;
	*id = r->id;
	return 0;
}

const char *sc_id_name(const struct sc_id *t, size_t n, int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}
