/*
 * frontend.c - the pieces of frontend.h.
 */
#include "frontend.h"

#include "log.h"

#include <spfc/buf.h>
#include <spfc/cares.h>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes read from a client or the MTA at a time. */
#define FE_READ_CHUNK 16384

void fe_print_problems(const struct config *cfg, const char *path, FILE *f)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++) {
		spfc_buf m;

		spfc_buf_init(&m, 0);
		config_problem_report(cfg, &cfg->problems[i], path, &m);
		fprintf(f, "%s\n", spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
}

void fe_log_problems(const struct config *cfg, const char *path)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++) {
		spfc_buf m;

		spfc_buf_init(&m, 0);
		config_problem_line(cfg, &cfg->problems[i], path, &m);
		log_err(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
}

void fe_read_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char chunk[FE_READ_CHUNK];

	(void)h;
	(void)suggested;
	buf->base = chunk;
	buf->len = sizeof chunk;
}

int fe_make_resolver(const char *prog, const char *dns, const char *zonefile,
		     spfc_zone **zone, spfc_resolver **res)
{
	spfc_cares_options o;
	spfc_buf err;
	int ret = 0;

	spfc_buf_init(&err, 0);
	if (zonefile) {
		if (spfc_zone_new(zone) != SPFC_OK ||
		    spfc_zone_load_file(*zone, zonefile, &err) != SPFC_OK) {
			fprintf(stderr, "%s: %s: %s\n", prog, zonefile,
				spfc_buf_str(&err));
			ret = -1;
		} else if (spfc_zone_resolver_new(*zone, res) != SPFC_OK) {
			ret = -1;
		}
	} else {
		memset(&o, 0, sizeof o);
		o.servers = dns;
		if (spfc_cares_resolver_new(&o, res, &err) != SPFC_OK) {
			fprintf(stderr, "%s: DNS resolver: %s\n", prog,
				spfc_buf_str(&err));
			ret = -1;
		}
	}
	spfc_buf_free(&err);
	return ret;
}

/* Descriptors above Max_Clients the loop may watch besides the clients
 * (the listener, the resolver's sockets, the log, signals). */
#define WATCH_SPARE 256

static void on_reserve(uv_poll_t *h, int status, int events)
{
	(void)h, (void)status, (void)events;
}

static void free_handle(uv_handle_t *h) { free(h); }

/* Make libuv's table of watched descriptors large enough for every
 * descriptor the server can hold (Max_Clients clients and the rest, at
 * most RLIMIT_NOFILE), now, while memory is there: libuv grows it when a
 * higher descriptor is first watched and aborts when that allocation
 * fails, so a connection accepted when memory is short would end the
 * process instead of being closed.  Watching a descriptor of that number
 * (a socket, which epoll takes) and stopping before the loop runs sizes
 * the table; libuv never shrinks it.  Best effort: a failure here only
 * leaves the table to grow later. */
void fe_reserve_watchers(uv_loop_t *loop, size_t max_clients)
{
	struct rlimit rl;
	uv_poll_t *h;
	int sv[2], fd;
	size_t want = max_clients + WATCH_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    want > rl.rlim_cur)
		want = (size_t)rl.rlim_cur;
	if (want < 2 || want > (size_t)INT_MAX)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	fd = fcntl(sv[0], F_DUPFD_CLOEXEC, (int)want - 1);
	close(sv[0]);
	h = fd >= 0 ? malloc(sizeof *h) : NULL;
	if (h && uv_poll_init(loop, h, fd) == 0) {
		if (uv_poll_start(h, UV_READABLE, on_reserve) == 0)
			uv_poll_stop(h);
		/* closed before fd is: libuv forgets the number first (this
		 * may run inside a callback, so no uv_run here) */
		uv_close((uv_handle_t *)h, free_handle);
	} else {
		free(h);
	}
	if (fd >= 0)
		close(fd);
	close(sv[1]);
}
