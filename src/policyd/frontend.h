/*
 * frontend.h - pieces both front ends (policyd-spf, spfc-milter) need
 * around the decision core: the configuration's problems shown on
 * standard error or logged, and the read buffer of the event loop.
 */
#ifndef POLICYD_FRONTEND_H
#define POLICYD_FRONTEND_H

#include "config.h"

#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <stdio.h>
#include <uv.h>

/* "FILE: line N: error: TEXT", one per problem, to f (--check-config). */
void fe_print_problems(const struct config *cfg, const char *path, FILE *f);

/* The same to syslog, in spf-engine's style ("ERROR: FILE line N: ..."). */
void fe_log_problems(const struct config *cfg, const char *path);

/* The resolver the options ask for: the zone file's, else c-ares with
 * dns (NULL: /etc/resolv.conf).  0, or -1 after a line on stderr that
 * starts with prog. */
int fe_make_resolver(const char *prog, const char *dns, const char *zonefile,
		     spfc_zone **zone, spfc_resolver **res);

/* Size libuv's table of watched descriptors for max_clients clients and
 * the rest, at most RLIMIT_NOFILE, now, while memory is there: libuv
 * aborts when growing it fails, so a connection taken when memory is
 * short would end the process instead of being closed.  Best effort. */
void fe_reserve_watchers(uv_loop_t *loop, size_t max_clients);

/* libuv's alloc callback for every read: one static chunk, which each read
 * callback consumes before the loop reads again (one thread). */
void fe_read_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

#endif
