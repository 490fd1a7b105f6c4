/*
 * uvres.c - the libuv glue of uvres.h.
 *
 * Out of memory while adding a socket watch: the socket is still served
 * by the timer (process() polls its sockets), only later.
 */
#include "uvres.h"

#include <stdint.h>
#include <stdlib.h>

#define UVRES_FALLBACK_MS 10	/* timer step when a watch could not be made */
#define UVRES_CHECK_ROUNDS 64	/* rounds of ready answers per loop turn */

struct watch {
	uv_poll_t poll;
	struct uvres *u;
	int fd;
	struct watch *next;
};

struct uvres {
	uv_loop_t *loop;
	spfc_resolver *r;
	uv_timer_t timer;
	uv_prepare_t prepare;
	uv_check_t check;
	struct watch *watches;
	int degraded;		/* a socket is not watched */
	int closing;
	int open_handles;
};

/* The timer fired: let the resolver do what is due.  It may wait at most
 * one millisecond -- enough for the zone resolver's simulated clock to
 * reach its next answer (one round trip is 1 ms there), never long
 * enough to hold the loop when a real clock's deadline moved. */
static void process_now(struct uvres *u)
{
	int64_t next = spfc_resolver_next_event(u->r);
	int64_t now = spfc_resolver_now(u->r);

	if (next == INT64_MAX || next < now)
		next = now;
	if (next > now + 1)
		next = now + 1;
	spfc_resolver_process(u->r, next);
}

/* A socket is ready: handle it without waiting (a reply that delivers
 * nothing -- a wrong id, junk -- must not hold the loop).  On a poll
 * error the resolver finds out itself which socket needs what. */
static void on_poll(uv_poll_t *h, int status, int events)
{
	struct watch *w = h->data;

	if (status < 0)
		spfc_resolver_process(w->u->r, spfc_resolver_now(w->u->r));
	else
		spfc_resolver_process_fd(w->u->r, w->fd,
					 (events & UV_READABLE) != 0,
					 (events & UV_WRITABLE) != 0);
}

static void on_timer(uv_timer_t *t)
{
	process_now(t->data);
}

static void rearm(struct uvres *u)
{
	int64_t next = spfc_resolver_next_event(u->r);
	int64_t now = spfc_resolver_now(u->r);
	uint64_t delay;

	if (u->closing)
		return;
	if (next == INT64_MAX) {
		if (u->degraded && spfc_resolver_pending(u->r))
			uv_timer_start(&u->timer, on_timer, UVRES_FALLBACK_MS, 0);
		else
			uv_timer_stop(&u->timer);
		return;
	}
	delay = next > now ? (uint64_t)(next - now) : 0;
	if (u->degraded && delay > UVRES_FALLBACK_MS)
		delay = UVRES_FALLBACK_MS;
	uv_timer_start(&u->timer, on_timer, delay, 0);
}

static void on_prepare(uv_prepare_t *p)
{
	rearm(p->data);
}

/* Right after the loop's I/O callbacks: answers that need no waiting (the
 * DNS cache's hits) are handed out now, in the same loop iteration as the
 * request that asked for them, instead of through a 0 ms timer and one
 * more turn of the loop.  Bounded, so a long chain of cached answers
 * cannot hold the loop: what is left goes to the timer. */
static void on_check(uv_check_t *c)
{
	struct uvres *u = c->data;
	int rounds = UVRES_CHECK_ROUNDS;

	while (rounds-- > 0 && !u->closing) {
		int64_t now = spfc_resolver_now(u->r);

		if (spfc_resolver_next_event(u->r) > now)
			break;
		if (spfc_resolver_process(u->r, now) <= 0)
			break;
	}
}

static void on_watch_closed(uv_handle_t *h)
{
	free(h->data);
}

static void on_watch(void *arg, int fd, int readable, int writable)
{
	struct uvres *u = arg;
	struct watch **pp = &u->watches, *w;
	int ev = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);

	while (*pp && (*pp)->fd != fd)
		pp = &(*pp)->next;
	w = *pp;
	if (!ev) {
		if (w) {
			*pp = w->next;
			uv_poll_stop(&w->poll);
			uv_close((uv_handle_t *)&w->poll, on_watch_closed);
		}
		return;
	}
	if (!w) {
		w = calloc(1, sizeof *w);
		if (!w || uv_poll_init_socket(u->loop, &w->poll, fd) != 0) {
			free(w);
			u->degraded = 1;
			return;
		}
		w->u = u;
		w->fd = fd;
		w->poll.data = w;
		w->next = u->watches;
		u->watches = w;
	}
	uv_poll_start(&w->poll, ev, on_poll);
}

struct uvres *uvres_new(uv_loop_t *loop, spfc_resolver *r)
{
	struct uvres *u = calloc(1, sizeof *u);

	if (!u)
		return NULL;
	u->loop = loop;
	u->r = r;
	uv_timer_init(loop, &u->timer);
	u->timer.data = u;
	uv_prepare_init(loop, &u->prepare);
	u->prepare.data = u;
	uv_prepare_start(&u->prepare, on_prepare);
	/* The prepare handle must not keep the loop alive on its own. */
	uv_unref((uv_handle_t *)&u->prepare);
	uv_check_init(loop, &u->check);
	u->check.data = u;
	uv_check_start(&u->check, on_check);
	uv_unref((uv_handle_t *)&u->check);
	spfc_resolver_watch(r, on_watch, u);
	return u;
}

static void on_closed(uv_handle_t *h)
{
	struct uvres *u = h->data;

	if (--u->open_handles == 0)
		free(u);
}

void uvres_close(struct uvres *u)
{
	struct watch *w;

	if (!u)
		return;
	u->closing = 1;
	spfc_resolver_watch(u->r, NULL, NULL);
	while ((w = u->watches) != NULL) {
		u->watches = w->next;
		uv_poll_stop(&w->poll);
		uv_close((uv_handle_t *)&w->poll, on_watch_closed);
	}
	u->open_handles = 3;
	uv_close((uv_handle_t *)&u->timer, on_closed);
	uv_close((uv_handle_t *)&u->prepare, on_closed);
	uv_close((uv_handle_t *)&u->check, on_closed);
}
