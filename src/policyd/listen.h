/*
 * listen.h - listen mode: many Postfix clients on one unix or TCP socket.
 *
 * What it is for: `policyd-spf --listen unix:PATH` or `inet:HOST:PORT`
 * (Postfix: check_policy_service unix:... or inet:...), every client on
 * the same loop, each client's requests answered in order (conn.h).
 * Owns the listening socket and the client handles.
 */
#ifndef POLICYD_LISTEN_H
#define POLICYD_LISTEN_H

#include <uv.h>

#include "config.h"
#include "policy.h"

#define LISTEN_BACKLOG 128

/* Serve until SIGTERM/SIGINT (then finish the requests in flight).
 * SIGHUP reloads the configuration from config_path (a file with errors is
 * refused, the old one kept); SIGUSR1 logs the counters.  cfg stays the
 * caller's.  Returns the exit status. */
int run_listen(uv_loop_t *loop, struct policy *p, struct config *cfg,
	       const char *addr, const char *config_path);

#endif
