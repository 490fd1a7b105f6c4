/*
 * conn.c - in-order request handling of one client (conn.h).
 *
 * How it fails: a request the reader marks malformed is still answered
 * (dunno) so answers stay in step; out of memory answers dunno; a client
 * that cannot be written to ends the connection.
 */
#include "conn.h"

#include "cache.h"
#include "log.h"

#include <spfc/buf.h>

#include <stdlib.h>
#include <string.h>

struct conn {
	struct policy *p;
	const struct conn_ops *ops;
	void *arg;
	struct proto_reader reader;
	struct policy_job *job;
	struct cache *cache;	/* this client's instance answers */
	int waiting;		/* a request is being answered */
	int full;		/* the owner's output is full: no new request */
	spfc_buf pending;	/* bytes received, not yet parsed */
	spfc_buf out;		/* the answer being written */
	size_t pos;		/* parsed up to here */
	int paused;
	int eof;
	int dead;		/* done() was called */
	int busy;		/* inside advance() */
	unsigned long answered;
};

static void advance(struct conn *c);

static void finish_conn(struct conn *c)
{
	if (!c->dead) {
		c->dead = 1;
		c->ops->done(c->arg);
	}
}

static void send_answer(struct conn *c, const char *action)
{
	spfc_buf *out = &c->out;
	int rc = -1;

	spfc_buf_reset(out);
	proto_reply(out, action);
	if (!out->err)
		rc = c->ops->write(c->arg, out->data, out->len);
	if (rc < 0)
		c->eof = 1;	/* the client is gone: stop reading */
	else if (rc > 0)
		c->full = 1;	/* until conn_writable() */
	if (out->cap > CONN_OUT_KEEP)
		spfc_buf_free(out);
	c->answered++;
}

static void on_answer(void *arg, const char *action)
{
	struct conn *c = arg;

	c->job = NULL;
	c->waiting = 0;
	send_answer(c, action);
	proto_reader_next(&c->reader);
	advance(c);
}

static void start_request(struct conn *c)
{
	const struct proto_request *q = proto_reader_request(&c->reader);

	if (q->bad_lines) {
		spfc_buf m;
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, "ERROR: ignored ");
		spfc_buf_addu(&m, q->bad_lines);
		spfc_buf_adds(&m, " line(s) that are not name=value");
		log_msg(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
	log_msg(4, "Found the end of entry");
	c->waiting = 1;
	c->busy++;	/* an answer given at once must not re-enter advance() */
	c->job = policy_start(c->p, q, c->cache, on_answer, c);
	c->busy--;
	if (!c->job && c->waiting) {	/* out of memory */
		c->waiting = 0;
		log_err(0, "out of memory: the SPF check could not run; "
			   "answered defer_if_permit");
		send_answer(c, POLICY_OOM_ACTION);
		proto_reader_next(&c->reader);
	}
}

/* Parse what is pending while no request is being answered. */
static void advance(struct conn *c)
{
	if (c->busy)
		return;
	c->busy = 1;
	while (!c->waiting && !c->full && !c->dead) {
		int complete = 0;
		size_t n;

		if (c->pos < c->pending.len) {
			n = proto_feed(&c->reader, c->pending.data + c->pos,
				       c->pending.len - c->pos, &complete);
			if (n == (size_t)-1) {
				log_err(0, "out of memory reading a request");
				c->eof = 1;
				c->pending.len = c->pos = 0;
				break;
			}
			c->pos += n;
		}
		if (c->pos >= c->pending.len) {
			spfc_buf_reset(&c->pending);
			c->pos = 0;
		}
		if (complete) {
			start_request(c);
			continue;
		}
		break;	/* need more bytes */
	}
	c->busy = 0;
	if (c->waiting || c->full || c->dead)
		return;
	if (c->eof) {
		if (proto_reader_partial(&c->reader))
			log_msg(0, "client closed in the middle of a request; not answered");
		finish_conn(c);
		return;
	}
	if (c->paused) {
		c->paused = 0;
		c->ops->resume(c->arg);
	}
}

struct conn *conn_new(struct policy *p, const struct conn_ops *ops, void *arg)
{
	struct conn *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->cache = cache_new(CACHE_CONN_ENTRIES);
	if (!c->cache) {
		free(c);
		return NULL;
	}
	c->p = p;
	c->ops = ops;
	c->arg = arg;
	proto_reader_init(&c->reader);
	spfc_buf_init(&c->pending, 2 * CONN_PENDING_MAX);
	spfc_buf_init(&c->out, 0);
	return c;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	if (c->job)
		policy_cancel(c->job);
	cache_free(c->cache);
	proto_reader_free(&c->reader);
	spfc_buf_free(&c->pending);
	spfc_buf_free(&c->out);
	free(c);
}

void conn_input(struct conn *c, const char *buf, size_t len)
{
	if (c->dead || c->eof)
		return;
	if (c->waiting || c->full) {
		/* Keep it for later; compact first, then pause if it grows. */
		if (c->pos) {
			memmove(c->pending.data, c->pending.data + c->pos,
				c->pending.len - c->pos);
			spfc_buf_truncate(&c->pending, c->pending.len - c->pos);
			c->pos = 0;
		}
		spfc_buf_add(&c->pending, buf, len);
		if (c->pending.err) {
			log_msg(0, "client sent too much while a request was pending; closing");
			c->eof = 1;
			return;
		}
		if (c->pending.len > CONN_PENDING_MAX && !c->paused) {
			c->paused = 1;
			c->ops->pause(c->arg);
		}
		return;
	}
	/* Nothing pending: parse straight from the caller's buffer, keeping
	 * only what follows a completed request. */
	while (len && !c->waiting && !c->full && !c->dead) {
		int complete = 0;
		size_t n = proto_feed(&c->reader, buf, len, &complete);
		if (n == (size_t)-1) {
			log_err(0, "out of memory reading a request");
			c->eof = 1;
			advance(c);	/* ends the connection */
			return;
		}
		buf += n;
		len -= n;
		if (complete)
			start_request(c);
	}
	if (len && !c->dead) {
		spfc_buf_add(&c->pending, buf, len);
		if (c->pending.len > CONN_PENDING_MAX && !c->paused) {
			c->paused = 1;
			c->ops->pause(c->arg);
		}
	}
}

void conn_eof(struct conn *c)
{
	c->eof = 1;
	advance(c);
}

void conn_writable(struct conn *c)
{
	if (!c->full)
		return;
	c->full = 0;
	advance(c);
}

int conn_idle(const struct conn *c)
{
	return !c->waiting && c->pos >= c->pending.len &&
	       !proto_reader_partial(&c->reader);
}

int conn_partial(const struct conn *c)
{
	return proto_reader_partial(&c->reader);
}

unsigned long conn_answered(const struct conn *c)
{
	return c->answered;
}
