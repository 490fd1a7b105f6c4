/*
 * sock.h - the listening socket of listen mode: made, bound and watched,
 * then removed at exit; the users and groups it and the daemon take; and
 * the Listen_Allow check of a TCP client.
 *
 * What it is for: listen.c serves clients; everything about where they
 * come in is here.  A unix socket is made where nobody else can reach it
 * first (a private directory, the umask, fchownat, then renameat into
 * place under flock), never replaces anything but a dead socket, and is
 * removed only while it is still the one made.  An inet: socket is bound
 * here, not by libuv, so that an address in use fails at start.
 *
 * How it fails: every function that can fail at start says why once
 * (log_fatal) and returns -1; the address parsers return 2 for bad usage.
 */
#ifndef POLICYD_SOCK_H
#define POLICYD_SOCK_H

#include <uv.h>

#include <sys/types.h>

#include "config.h"

#define SOCK_PORT_MAX 65535

struct sock {
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	int bound;			/* h exists */
	uv_poll_t lpoll;		/* accepting on h's descriptor */
	int polling;			/* lpoll exists */
	int lfd;			/* h's descriptor */
	int is_unix;
	/* the unix socket we made: its directory, name and identity */
	int dirfd;
	char *sock_dir, *sock_name;
	dev_t sock_dev;
	ino_t sock_ino;
	int sock_made;
};

/* A socket not made yet. */
void sock_init(struct sock *k);

/* The unix socket at path, with cfg's Socket_Mode, Socket_Owner and
 * Socket_Group, listening, on_ready called (with data) when a client
 * waits.  0, or -1 after a message. */
int sock_bind_unix(struct sock *k, uv_loop_t *loop, const struct config *cfg,
		   const char *path, uv_poll_cb on_ready, void *data);

/* "HOST:PORT" (HOST an address, [v6] allowed), listening as above.
 * Returns 0, -1 after a message (cannot bind), or 2 (does not parse). */
int sock_bind_inet(struct sock *k, uv_loop_t *loop, const struct config *cfg,
		   const char *spec, uv_poll_cb on_ready, void *data);

/* Stop accepting: the poll handle goes before the descriptor (the loop
 * closes them). */
void sock_close(struct sock *k);

/* After sock_close and the loop's close callbacks: remove the unix
 * socket if it is still ours, and let go of its directory. */
void sock_release(struct sock *k);

/* "user[:group]" (user may be empty: group only); ids of what is given,
 * -1 for what is not (user_gid: the user's own group unless one is
 * named).  0, or -1 when a name is unknown. */
int sock_lookup_owner(const char *spec, uid_t *uid, gid_t *gid, int user_gid);

/* Become user for good (its groups too); -1 with errno on failure. */
int sock_drop_privileges(const char *user);

/* An inet: client may be served: in cfg's Listen_Allow, or loopback when
 * none is given.  text gets its address for messages. */
int sock_peer_allowed(uv_tcp_t *tcp, const struct config *cfg, char *text,
		      size_t size);

#endif
