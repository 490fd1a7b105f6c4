/*
 * resolver.c - the thin wrapper that turns a backend's ops table into a
 * spfc_resolver, and counts the queries it starts.
 *
 * Fails only on out of memory (new) or when the backend refuses a query.
 */
#include <spfc/resolver.h>

#include "resolver_priv.h"

#include <stdlib.h>

struct spfc_resolver {
	const spfc_resolver_ops *ops;
	void *self;
	uint64_t queries;
	void *aux;			/* the library's own state (reccache) */
	void (*aux_free)(void *);
};

spfc_status spfc_resolver_new(const spfc_resolver_ops *ops, void *self,
			      spfc_resolver **out)
{
	spfc_resolver *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r)
		return SPFC_ENOMEM;
	r->ops = ops;
	r->self = self;
	*out = r;
	return SPFC_OK;
}

void spfc_resolver_free(spfc_resolver *r)
{
	if (!r)
		return;
	if (r->ops->destroy)
		r->ops->destroy(r->self);
	if (r->aux_free)
		r->aux_free(r->aux);
	free(r);
}

void *resolver_aux(spfc_resolver *r)
{
	return r->aux;
}

void resolver_set_aux(spfc_resolver *r, void *aux, void (*aux_free)(void *))
{
	r->aux = aux;
	r->aux_free = aux_free;
}

spfc_status spfc_resolver_query(spfc_resolver *r, const char *name,
				spfc_rrtype type, spfc_dns_cb cb, void *arg,
				spfc_query_id *id)
{
	spfc_status st = r->ops->query(r->self, name, type, cb, arg, id);

	if (st == SPFC_OK)
		r->queries++;
	return st;
}

void spfc_resolver_cancel(spfc_resolver *r, spfc_query_id id)
{
	if (id)
		r->ops->cancel(r->self, id);
}

int spfc_resolver_process(spfc_resolver *r, int64_t until)
{
	return r->ops->process(r->self, until);
}

int64_t spfc_resolver_now(spfc_resolver *r)
{
	return r->ops->now(r->self);
}

size_t spfc_resolver_pending(spfc_resolver *r)
{
	return r->ops->pending(r->self);
}

void spfc_resolver_watch(spfc_resolver *r, spfc_watch_cb cb, void *arg)
{
	if (r->ops->watch)
		r->ops->watch(r->self, cb, arg);
}

int64_t spfc_resolver_next_event(spfc_resolver *r)
{
	return r->ops->next_event ? r->ops->next_event(r->self) : INT64_MAX;
}

int spfc_resolver_process_fd(spfc_resolver *r, int fd, int readable,
			     int writable)
{
	if (r->ops->process_fd)
		return r->ops->process_fd(r->self, fd, readable, writable);
	return r->ops->process(r->self, r->ops->now(r->self));
}

uint64_t spfc_resolver_queries(const spfc_resolver *r)
{
	return r->queries;
}

void *resolver_self(spfc_resolver *r)
{
	return r->self;
}

const spfc_resolver_ops *resolver_ops_of(const spfc_resolver *r)
{
	return r->ops;
}
