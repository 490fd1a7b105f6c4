/*
 * resolver_priv.h - what the library keeps with a resolver: state shared
 * by every check that uses it (the parsed-record cache), freed with it;
 * and the backend behind a resolver, for a backend's own calls (e.g. the
 * DNS cache's statistics).  Internal: not exported from libspfc.
 */
#ifndef SPFC_RESOLVER_PRIV_H
#define SPFC_RESOLVER_PRIV_H

#include <spfc/resolver.h>

void *resolver_aux(spfc_resolver *r);
/* aux_free(aux) runs when the resolver is freed. */
void resolver_set_aux(spfc_resolver *r, void *aux, void (*aux_free)(void *));

/* The backend's self pointer and ops table given to spfc_resolver_new();
 * borrowed, valid as long as the resolver. */
void *resolver_self(spfc_resolver *r);
const spfc_resolver_ops *resolver_ops_of(const spfc_resolver *r);

#endif
