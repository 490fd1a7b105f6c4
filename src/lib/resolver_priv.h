/*
 * resolver_priv.h - what the library keeps with a resolver: state shared
 * by every check that uses it (the parsed-record cache), freed with it.
 */
#ifndef SPFC_RESOLVER_PRIV_H
#define SPFC_RESOLVER_PRIV_H

#include <spfc/resolver.h>

void *resolver_aux(spfc_resolver *r);
/* aux_free(aux) runs when the resolver is freed. */
void resolver_set_aux(spfc_resolver *r, void *aux, void (*aux_free)(void *));

#endif
