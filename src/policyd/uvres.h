/*
 * uvres.h - drives a spfc_resolver from a libuv loop.
 *
 * What it is for: the glue between the resolver interface's event-loop
 * hooks (spfc_resolver_watch, spfc_resolver_next_event) and libuv: one
 * uv_poll per socket the backend wants watched, one timer for its next
 * deadline, re-armed before each loop iteration.  Owns those handles;
 * knows nothing of SPF.
 */
#ifndef POLICYD_UVRES_H
#define POLICYD_UVRES_H

#include <spfc/resolver.h>
#include <uv.h>

struct uvres;

/* r is borrowed and must outlive the glue.  NULL on out of memory. */
struct uvres *uvres_new(uv_loop_t *loop, spfc_resolver *r);
/* Close the handles (asynchronously: run the loop once more). */
void uvres_close(struct uvres *u);

#endif
