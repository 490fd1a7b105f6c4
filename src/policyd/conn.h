/*
 * conn.h - one policy client connection: bytes in, requests to the
 * policy, answers out, strictly in order.
 *
 * What it is for: the part shared by spawn mode (stdin/stdout) and listen
 * mode (many sockets): requests are answered one at a time in the order
 * they came; bytes that arrive while a request is being answered are kept
 * (bounded: reading pauses) until it is done.  Knows nothing of how bytes
 * are read or written: the owner supplies callbacks.  Owns the client's
 * per-instance answer cache (cache.h), so two clients whose instance ids
 * collide never see each other's answers.
 */
#ifndef POLICYD_CONN_H
#define POLICYD_CONN_H

#include <stddef.h>

#include "policy.h"

/* Bytes kept while a request is answered before reading pauses; a read
 * already under way may add one chunk (<= CONN_PENDING_MAX) more. */
#define CONN_PENDING_MAX 16384
#define CONN_OUT_KEEP 4096	/* an answer buffer up to this size is kept */

struct conn_ops {
	/* Send an answer; return 0, 1 when it was taken but the owner's
	 * output is full (no further request is started until
	 * conn_writable()), or -1 when the client is gone. */
	int (*write)(void *arg, const char *buf, size_t len);
	/* Stop / restart reading (backpressure). */
	void (*pause)(void *arg);
	void (*resume)(void *arg);
	/* The client has finished (end of input and every answer sent, or a
	 * write failed): the owner closes and frees the connection. */
	void (*done)(void *arg);
};

struct conn;

struct conn *conn_new(struct policy *p, const struct conn_ops *ops, void *arg);
/* Freeing cancels a request in progress; its answer is never sent. */
void conn_free(struct conn *c);

/* Bytes from the client (copied as needed). */
void conn_input(struct conn *c, const char *buf, size_t len);
/* The client sent end of input (or the server is stopping): answer the
 * request in progress, if any, then done(). */
void conn_eof(struct conn *c);

/* The owner's output has room again (after write() returned 1). */
void conn_writable(struct conn *c);

/* No request is being answered, none is held unparsed and no part of
 * one has been received. */
int conn_idle(const struct conn *c);
/* Part of a request has been received, the rest not yet. */
int conn_partial(const struct conn *c);

/* Requests answered on this connection. */
unsigned long conn_answered(const struct conn *c);

#endif
