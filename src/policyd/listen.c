/*
 * listen.c - listen mode (listen.h).
 *
 * How it fails: an address that does not parse is bad usage (exit 2);
 * one that cannot be bound, a socket path held by something else, an
 * unknown user or group is one message on stderr and in the log and exit
 * status 1, with nothing left behind.  Once serving, nothing a client
 * does reaches beyond its own connection: its queued answers are bounded
 * (reading stops; a client that does not read them in time is closed),
 * a request must arrive whole in time, a client outside Listen_Allow is
 * closed at once, a full house makes room by closing the longest idle
 * client, and a connection that cannot be allocated is accepted and
 * closed, so the listener is never left unserved.
 */
#define _GNU_SOURCE	/* accept4 */
#include "listen.h"

#include "conn.h"
#include "frontend.h"
#include "log.h"
#include "sock.h"

#include "common/list.h"

#include <spfc/buf.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_OUT_MAX (64 * 1024)	/* answer bytes queued: stop reading */
#define LISTEN_OUT_LOW (16 * 1024)	/* ... and read again below this */

#define LISTEN_RETIRED_MAX 16		/* old configurations kept until idle */
#define LISTEN_LOG_EVERY_MS 60000	/* one line a minute per kind of trouble */
#define LISTEN_ACCEPT_BATCH 64		/* connections taken per wake-up */

/* A log line for trouble that can repeat (a flood): at most one each
 * LISTEN_LOG_EVERY_MS, with the count of the ones not written. */
struct ratelog {
	uint64_t last;
	unsigned long suppressed;
	int used;
};

struct server {
	uv_loop_t *loop;
	struct policy *p;
	const char *config_path;
	struct config *cfg;		/* in force */
	struct config *orig;		/* the caller's (never freed here) */
	struct config *retired[LISTEN_RETIRED_MAX];
	size_t nretired;
	uv_signal_t sighup, sigusr1, sigterm, sigint;
	uv_timer_t stats;
	int handles_up;			/* the signal and timer handles exist */
	size_t max_clients;
	uint64_t idle_ms, request_ms;
	struct sock sock;		/* the listening socket */
	int reserve_fd;			/* kept for running out of them */
	size_t clients;			/* allocated (closing ones too) */
	size_t open;			/* not closing */
	struct sc_list list;		/* every client, newest first */
	int stopping;
	struct {
		uint64_t accepted, denied, evicted, refused, timed_out, unread;
	} n;
	struct ratelog rl_accept, rl_deny, rl_full;
};

struct client {
	struct server *s;
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	struct conn *conn;
	uv_timer_t timer;
	struct sc_list_node link;	/* in the server's list */
	int closing;
	int handles;		/* open libuv handles of this client */
	/* output: wbuf is being written by libuv, outq waits its turn */
	uv_write_t wreq;
	spfc_buf wbuf, outq;
	int writing;
	int full;		/* queued output over LISTEN_OUT_MAX */
	int done;		/* the conn is finished: close once written */
	/* input */
	int reading;
	int conn_paused;	/* the conn asked to stop reading */
	int eof;
	/* times (uv_now) */
	uint64_t active;	/* last byte read or answer sent */
	uint64_t progress;	/* connected or last answer sent */
	uint64_t req_start;	/* first byte of the partial request; 0 none */
	uint64_t full_since;	/* output full, or finished and flushing */
};

static void client_rearm(struct client *cl);

/* ---- log lines ---------------------------------------------------------- */

static void say_limited(struct server *s, struct ratelog *rl, spfc_buf *m)
{
	uint64_t now = uv_now(s->loop);

	if (rl->used && now - rl->last < LISTEN_LOG_EVERY_MS) {
		rl->suppressed++;
		return;
	}
	if (rl->suppressed) {
		spfc_buf_adds(m, " (");
		spfc_buf_addu(m, rl->suppressed);
		spfc_buf_adds(m, " more since the last such line)");
	}
	log_err(0, spfc_buf_str(m));
	rl->used = 1;
	rl->last = now;
	rl->suppressed = 0;
}

/* ---- clients -------------------------------------------------------------- */

static struct client *client_of(struct sc_list_node *n)
{
	return sc_list_entry(n, struct client, link);
}

static void on_client_closed(uv_handle_t *h)
{
	struct client *cl = h->data;
	struct server *s = cl->s;

	if (--cl->handles > 0)
		return;
	sc_list_unlink(&s->list, &cl->link);
	conn_free(cl->conn);
	spfc_buf_free(&cl->wbuf);
	spfc_buf_free(&cl->outq);
	free(cl);
	s->clients--;
	if (s->stopping && s->clients == 0)
		uv_stop(s->loop);
}

static void client_close(struct client *cl)
{
	if (cl->closing)
		return;
	cl->closing = 1;
	cl->s->open--;
	uv_close((uv_handle_t *)&cl->h, on_client_closed);
	uv_close((uv_handle_t *)&cl->timer, on_client_closed);
}

static size_t queued(const struct client *cl)
{
	return cl->outq.len + (cl->writing ? cl->wbuf.len : 0);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

/* Read while the conn wants bytes and the output has room. */
static void update_reading(struct client *cl)
{
	int want = !cl->closing && !cl->eof && !cl->done && !cl->conn_paused &&
		   !cl->full;

	if (want && !cl->reading) {
		if (uv_read_start((uv_stream_t *)&cl->h, fe_read_alloc, on_read) == 0)
			cl->reading = 1;
	} else if (!want && cl->reading) {
		uv_read_stop((uv_stream_t *)&cl->h);
		cl->reading = 0;
	}
}

static void start_write(struct client *cl);

static void on_written(uv_write_t *req, int status)
{
	struct client *cl = req->data;

	cl->writing = 0;
	spfc_buf_reset(&cl->wbuf);
	if (cl->closing)
		return;
	if (status < 0) {	/* the client is gone */
		client_close(cl);
		return;
	}
	if (cl->outq.len)
		start_write(cl);
	if (cl->done && !queued(cl)) {
		client_close(cl);
		return;
	}
	if (cl->full && queued(cl) < LISTEN_OUT_LOW) {
		cl->full = 0;
		update_reading(cl);
		client_rearm(cl);
		conn_writable(cl->conn);	/* may call back into us */
	}
}

/* Hand outq to libuv (nothing is being written). */
static void start_write(struct client *cl)
{
	spfc_buf t = cl->wbuf;
	uv_buf_t b;

	cl->wbuf = cl->outq;
	cl->outq = t;
	spfc_buf_reset(&cl->outq);
	b = uv_buf_init(cl->wbuf.data, (unsigned)cl->wbuf.len);
	cl->wreq.data = cl;
	if (uv_write(&cl->wreq, (uv_stream_t *)&cl->h, &b, 1, on_written) != 0) {
		client_close(cl);
		return;
	}
	cl->writing = 1;
}

static int client_write(void *arg, const char *buf, size_t len)
{
	struct client *cl = arg;
	struct server *s = cl->s;

	if (cl->closing)
		return -1;
	cl->active = cl->progress = uv_now(s->loop);
	if (!cl->writing && !cl->outq.len) {
		/* Most answers go out whole at once: no copy, and libuv does
		 * not re-arm the socket's poll interest. */
		uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
		int n = uv_try_write((uv_stream_t *)&cl->h, &b, 1);

		if (n == (int)len)
			return 0;
		if (n < 0 && n != UV_EAGAIN)
			return -1;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		}
		if (spfc_buf_add(&cl->outq, buf, len) < 0)
			return -1;
		start_write(cl);
		if (cl->closing)
			return -1;
	} else if (spfc_buf_add(&cl->outq, buf, len) < 0) {
		return -1;
	}
	if (queued(cl) <= LISTEN_OUT_MAX)
		return 0;
	/* The client does not read its answers: read no more requests
	 * from it until they drain, for at most Request_Timeout. */
	if (!cl->full) {
		cl->full = 1;
		cl->full_since = uv_now(s->loop);
		update_reading(cl);
		client_rearm(cl);
	}
	return 1;
}

static void on_timer(uv_timer_t *t)
{
	struct client *cl = t->data;
	struct server *s = cl->s;
	uint64_t now = uv_now(s->loop);
	spfc_buf m;

	if (cl->closing)
		return;
	spfc_buf_init(&m, 0);
	if ((cl->full || cl->done) && now - cl->full_since >= s->request_ms) {
		s->n.unread++;
		spfc_buf_adds(&m, "closing a client that leaves its answers unread (");
		spfc_buf_addu(&m, queued(cl));
		spfc_buf_adds(&m, " bytes queued)");
		log_err(0, spfc_buf_str(&m));
		client_close(cl);
	} else if (!cl->full && !cl->done && cl->req_start &&
		   conn_partial(cl->conn) && now - cl->req_start >= s->request_ms) {
		s->n.timed_out++;
		spfc_buf_adds(&m, "closing a client whose request did not arrive "
				  "whole within Request_Timeout (");
		spfc_buf_addu(&m, s->request_ms / 1000);
		spfc_buf_adds(&m, " s)");
		log_err(0, spfc_buf_str(&m));
		client_close(cl);
	} else if (!cl->full && !cl->done && conn_idle(cl->conn) &&
		   now - cl->active >= s->idle_ms) {
		log_msg(2, "closing a client that stayed silent too long");
		client_close(cl);
	} else {
		client_rearm(cl);
	}
	spfc_buf_free(&m);
}

/* Run the client's timer to its next deadline: answers left unread, a
 * request that must arrive whole, or silence; while a request is being
 * answered (bounded by Lookup_Time) look again later. */
static void client_rearm(struct client *cl)
{
	struct server *s = cl->s;
	uint64_t now = uv_now(s->loop), due;

	if (cl->closing)
		return;
	if (cl->full || cl->done) {
		due = cl->full_since + s->request_ms;
	} else if (conn_partial(cl->conn)) {
		if (!cl->req_start)
			cl->req_start = now;
		due = cl->req_start + s->request_ms;
	} else {
		cl->req_start = 0;
		due = conn_idle(cl->conn) ? cl->active + s->idle_ms
					  : now + s->request_ms;
	}
	uv_timer_start(&cl->timer, on_timer, due > now ? due - now : 0, 0);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct client *cl = st->data;

	if (n > 0) {
		cl->active = uv_now(cl->s->loop);
		conn_input(cl->conn, buf->base, (size_t)n);
		client_rearm(cl);
	} else if (n < 0) {
		cl->eof = 1;
		update_reading(cl);
		conn_eof(cl->conn);	/* answers what it holds, then done() */
	}
}

static void client_pause(void *arg)
{
	struct client *cl = arg;

	cl->conn_paused = 1;
	update_reading(cl);
}

static void client_resume(void *arg)
{
	struct client *cl = arg;

	cl->conn_paused = 0;
	update_reading(cl);
}

/* Every request is answered: close once the answers are written (half
 * close: the client still reads them), within Request_Timeout. */
static void client_done(void *arg)
{
	struct client *cl = arg;

	if (cl->closing)
		return;
	cl->done = 1;
	update_reading(cl);
	if (!queued(cl)) {
		client_close(cl);
		return;
	}
	cl->full_since = uv_now(cl->s->loop);
	client_rearm(cl);
}

static const struct conn_ops client_ops = {
	client_write, client_pause, client_resume, client_done,
};

/* ---- accepting ------------------------------------------------------------ */

/* Max_Clients are open besides the new client: close the one idle
 * longest (no request in progress, none held, no answers queued), if
 * any is idle. */
static int make_room(struct server *s, const struct client *fresh)
{
	struct client *cl, *victim = NULL;
	struct sc_list_node *n;
	spfc_buf m;

	SC_LIST_FOREACH(n, &s->list)
		if ((cl = client_of(n)) != fresh && !cl->closing &&
		    conn_idle(cl->conn) &&
		    !queued(cl) && !cl->done &&
		    (!victim || cl->progress <= victim->progress))
			victim = cl;
	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, "Max_Clients (");
	spfc_buf_addu(&m, s->max_clients);
	if (victim) {
		s->n.evicted++;
		spfc_buf_adds(&m, ") reached: closing the longest idle client");
		log_msg(1, spfc_buf_str(&m));
		client_close(victim);
	} else {
		s->n.refused++;
		spfc_buf_adds(&m, ") reached and every client is busy: "
				  "new connection closed");
		say_limited(s, &s->rl_full, &m);
	}
	spfc_buf_free(&m);
	return victim != NULL;
}

static void trouble(struct server *s, struct ratelog *rl, const char *what,
		    const char *why)
{
	spfc_buf m;

	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, what);
	if (why)
		spfc_buf_adds(&m, why);
	say_limited(s, rl, &m);
	spfc_buf_free(&m);
}

/* Serve one accepted connection fd (ours to close). */
static void take(struct server *s, int fd)
{
	struct client *cl;
	char peer[SPFC_ADDR_TEXT_MAX];
	spfc_buf m;
	int rc;

	cl = calloc(1, sizeof *cl);
	if (!cl || (cl->conn = conn_new(s->p, &client_ops, cl)) == NULL) {
		free(cl);
		close(fd);
		trouble(s, &s->rl_accept, "out of memory for a new connection: "
			"closed", NULL);
		return;
	}
	cl->s = s;
	spfc_buf_init(&cl->wbuf, 0);
	spfc_buf_init(&cl->outq, 0);
	if (s->sock.is_unix) {
		uv_pipe_init(s->loop, &cl->h.pipe, 0);
		rc = uv_pipe_open(&cl->h.pipe, fd);
	} else {
		uv_tcp_init(s->loop, &cl->h.tcp);
		rc = uv_tcp_open(&cl->h.tcp, fd);
	}
	cl->h.pipe.data = cl;
	uv_timer_init(s->loop, &cl->timer);
	cl->timer.data = cl;
	cl->handles = 2;
	sc_list_insert_head(&s->list, &cl->link);
	s->clients++;
	s->open++;
	if (rc != 0) {
		close(fd);	/* the handle did not take it */
		client_close(cl);
		return;
	}
	if (!s->sock.is_unix &&
	    !sock_peer_allowed(&cl->h.tcp, s->cfg, peer, sizeof peer)) {
		s->n.denied++;
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, "client ");
		spfc_buf_adds(&m, *peer ? peer : "(unknown address)");
		spfc_buf_adds(&m, s->cfg->listen_allow.n
				  ? " is not in Listen_Allow: closed"
				  : " is not on loopback and no Listen_Allow "
				    "names it: closed");
		say_limited(s, &s->rl_deny, &m);
		spfc_buf_free(&m);
		client_close(cl);
		return;
	}
	if (s->open > s->max_clients && !make_room(s, cl)) {
		client_close(cl);
		return;
	}
	s->n.accepted++;
	cl->active = cl->progress = uv_now(s->loop);
	update_reading(cl);
	client_rearm(cl);
}

/* Out of descriptors: give back the one kept for this, take the waiting
 * connections off the queue and close them (their clients see the end
 * at once instead of hanging), then keep one again. */
static void shed(struct server *s, int lfd)
{
	int c;

	if (s->reserve_fd >= 0) {
		close(s->reserve_fd);
		s->reserve_fd = -1;
	}
	while ((c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		close(c);
		s->n.refused++;
	}
	s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* The listener is readable: accept what waits (a batch at a time, so
 * the clients already served get their turn).  Every connection taken
 * off the queue is either served or closed: the listener never stays
 * readable with nobody to read it. */
static void on_listener(uv_poll_t *h, int status, int events)
{
	struct server *s = h->data;
	int lfd = s->sock.lfd, n, fd;

	(void)events;
	if (status < 0) {
		trouble(s, &s->rl_accept, "listening socket: ", uv_strerror(status));
		return;
	}
	for (n = 0; n < LISTEN_ACCEPT_BATCH && !s->stopping; n++) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			take(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		trouble(s, &s->rl_accept, "cannot accept a connection: ",
			strerror(errno));
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			shed(s, lfd);
		return;
	}
}

/* ---- statistics, reload, signals ---------------------------------------- */

static void log_stats(struct server *s)
{
	spfc_buf m;

	spfc_buf_init(&m, 0);
	policy_stats_format(s->p, &m);
	spfc_buf_adds(&m, "; clients: open=");
	spfc_buf_addu(&m, s->open);
	spfc_buf_adds(&m, " accepted=");
	spfc_buf_addu(&m, s->n.accepted);
	spfc_buf_adds(&m, " denied=");
	spfc_buf_addu(&m, s->n.denied);
	spfc_buf_adds(&m, " evicted=");
	spfc_buf_addu(&m, s->n.evicted);
	spfc_buf_adds(&m, " refused=");
	spfc_buf_addu(&m, s->n.refused);
	spfc_buf_adds(&m, " timed_out=");
	spfc_buf_addu(&m, s->n.timed_out);
	spfc_buf_adds(&m, " unread=");
	spfc_buf_addu(&m, s->n.unread);
	log_msg(0, spfc_buf_str(&m));
	spfc_buf_free(&m);
}

static void on_stats_timer(uv_timer_t *t)
{
	log_stats(t->data);
}

/* The settings a running server takes from its configuration (their
 * defaults and ranges, all at least 1, are the configuration's). */
static void apply_settings(struct server *s, const struct config *cfg)
{
	if ((size_t)cfg->max_clients > s->max_clients)
		fe_reserve_watchers(s->loop, (size_t)cfg->max_clients);
	s->max_clients = (size_t)cfg->max_clients;
	s->idle_ms = (uint64_t)cfg->idle_timeout * 1000;
	s->request_ms = (uint64_t)cfg->request_timeout * 1000;
	policy_set_max_jobs(s->p, (size_t)cfg->max_checks);
	if (s->handles_up) {
		uv_timer_stop(&s->stats);
		if (cfg->stats_interval > 0) {
			uint64_t ms = (uint64_t)cfg->stats_interval * 1000;
			uv_timer_start(&s->stats, on_stats_timer, ms, ms);
		}
	}
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Names of the settings that changed but take a restart, into m;
 * returns how many. */
static size_t restart_only(const struct config *o, const struct config *n,
			   spfc_buf *m)
{
	const char *names[5];
	size_t k = 0, i;

	if (!same_str(o->listen, n->listen))
		names[k++] = "Listen";
	if (o->socket_mode != n->socket_mode)
		names[k++] = "Socket_Mode";
	if (!same_str(o->socket_owner, n->socket_owner))
		names[k++] = "Socket_Owner";
	if (!same_str(o->socket_group, n->socket_group))
		names[k++] = "Socket_Group";
	if (!same_str(o->user, n->user))
		names[k++] = "User";
	for (i = 0; i < k; i++) {
		spfc_buf_adds(m, i ? ", " : "");
		spfc_buf_adds(m, names[i]);
	}
	return k;
}

/* SIGHUP: read the configuration again; a file with errors or one that
 * cannot be read is refused and the one in force kept.  Jobs in progress
 * finish with the configuration they started with, so the old one is
 * retired, not freed. */
static void reload(struct server *s)
{
	struct config *n = calloc(1, sizeof *n);
	struct sc_list_node *ln;
	spfc_buf m;
	size_t i;
	int rc;

	if (!n || config_init(n) < 0) {
		free(n);
		log_err(0, "reload: out of memory; configuration unchanged");
		return;
	}
	rc = config_load(n, s->config_path);
	if (rc == 0 && config_check_per_user(n) < 0 && !n->nerrors)
		n->nerrors++;	/* out of memory reading it */
	for (i = 0; i < n->nproblems; i++) {	/* warnings too */
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, "reload: ");
		config_problem_line(n, &n->problems[i], s->config_path, &m);
		log_err(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
	if (rc < 0 || n->nerrors) {
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, rc < 0 ? "reload: cannot read " : "reload: ");
		spfc_buf_adds(&m, s->config_path);
		spfc_buf_adds(&m, rc < 0 ? " (as the user the daemon runs as)"
					 : " has errors");
		spfc_buf_adds(&m, "; the old configuration is kept");
		log_err(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
		config_free(n);
		free(n);
		return;
	}
	if (!policy_busy(s->p)) {	/* nobody uses the old ones any more */
		for (i = 0; i < s->nretired; i++) {
			if (s->retired[i] == s->orig)
				continue;	/* the caller's */
			config_free(s->retired[i]);
			free(s->retired[i]);
		}
		s->nretired = 0;
	}
	if (s->nretired == LISTEN_RETIRED_MAX) {
		log_err(0, "reload: too many reloads in progress; try again later");
		config_free(n);
		free(n);
		return;
	}
	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, "reload: ");
	i = restart_only(s->cfg, n, &m);
	if (i) {
		spfc_buf_adds(&m, i > 1 ? " changed in the file: they take effect "
					  "only after a restart"
					: " changed in the file: it takes effect "
					  "only after a restart");
		log_err(0, spfc_buf_str(&m));
	}
	spfc_buf_free(&m);
	s->retired[s->nretired++] = s->cfg;
	s->cfg = n;
	policy_set_config(s->p, n);
	log_set_level(n->debug_level);
	apply_settings(s, n);
	SC_LIST_FOREACH(ln, &s->list)
		client_rearm(client_of(ln)); /* new Idle_Timeout, Request_Timeout */
	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, "configuration reloaded from ");
	spfc_buf_adds(&m, s->config_path);
	spfc_buf_adds(&m, " (Max_Clients = ");
	spfc_buf_addu(&m, s->max_clients);
	spfc_buf_adds(&m, ", Idle_Timeout = ");
	spfc_buf_addu(&m, s->idle_ms / 1000);
	spfc_buf_adds(&m, ", Request_Timeout = ");
	spfc_buf_addu(&m, s->request_ms / 1000);
	spfc_buf_adds(&m, ")");
	log_msg(0, spfc_buf_str(&m));
	spfc_buf_free(&m);
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct server *s = h->data;
	struct sc_list_node *ln, *nx;

	if (sig == SIGHUP) {
		reload(s);
		return;
	}
	if (sig == SIGUSR1) {
		log_stats(s);
		return;
	}
	log_msg(1, "stopping: finishing the requests in flight");
	s->stopping = 1;
	/* idle clients are closed now, busy ones after their answer */
	SC_LIST_FOREACH_SAFE(ln, nx, &s->list) {
		struct client *cl = client_of(ln);

		if (cl->closing)
			continue;
		cl->eof = 1;
		update_reading(cl);
		conn_eof(cl->conn);
	}
	sock_close(&s->sock);
	uv_signal_stop(&s->sigterm);
	uv_signal_stop(&s->sigint);
	uv_signal_stop(&s->sighup);
	uv_signal_stop(&s->sigusr1);
	uv_timer_stop(&s->stats);
	if (s->clients == 0)
		uv_stop(s->loop);
}

/* ---- the server ----------------------------------------------------------- */

static void close_server(struct server *s)
{
	sock_close(&s->sock);
	if (s->reserve_fd >= 0)
		close(s->reserve_fd);
	s->reserve_fd = -1;
	if (s->handles_up) {
		uv_close((uv_handle_t *)&s->sigterm, NULL);
		uv_close((uv_handle_t *)&s->sigint, NULL);
		uv_close((uv_handle_t *)&s->sighup, NULL);
		uv_close((uv_handle_t *)&s->sigusr1, NULL);
		uv_close((uv_handle_t *)&s->stats, NULL);
		s->handles_up = 0;
	}
	uv_run(s->loop, UV_RUN_NOWAIT);	/* the close callbacks: s is on our stack */
	sock_release(&s->sock);
}

int run_listen(uv_loop_t *loop, struct policy *p, struct config *cfg,
	       const char *addr, const char *config_path)
{
	struct server s;
	size_t i;
	int rc;

	memset(&s, 0, sizeof s);
	s.loop = loop;
	s.p = p;
	s.cfg = cfg;
	s.orig = cfg;
	s.config_path = config_path;
	sock_init(&s.sock);
	s.reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	apply_settings(&s, cfg);
	if (cfg->user) {	/* before anything is made: nothing left behind */
		uid_t uid;
		gid_t gid;
		if (sock_lookup_owner(cfg->user, &uid, &gid, 1) < 0) {
			log_fatal("User ", cfg->user, ": no such user", NULL);
			return 1;
		}
	}
	if (strncmp(addr, "inet:", 5) == 0) {
		rc = sock_bind_inet(&s.sock, loop, cfg, addr + 5, on_listener,
				    &s);
		if (rc == 2) {
			fprintf(stderr, "policyd-spf: --listen %s: not unix:PATH "
				"or inet:ADDRESS:PORT\n", addr);
			close_server(&s);
			return 2;
		}
	} else {
		const char *path = strncmp(addr, "unix:", 5) == 0 ? addr + 5 : addr;

		if (!*path) {
			fprintf(stderr, "policyd-spf: --listen %s: no socket path\n", addr);
			close_server(&s);
			return 2;
		}
		s.sock.is_unix = 1;
		rc = sock_bind_unix(&s.sock, loop, cfg, path, on_listener, &s);
	}
	if (rc != 0) {
		close_server(&s);
		return 1;
	}
	if (cfg->user && sock_drop_privileges(cfg->user) < 0) {
		log_fatal("cannot switch to user ", cfg->user, ": ",
			      strerror(errno), NULL);
		close_server(&s);	/* removes the socket made */
		return 1;
	}
	uv_signal_init(loop, &s.sigterm);
	uv_signal_init(loop, &s.sigint);
	uv_signal_init(loop, &s.sighup);
	uv_signal_init(loop, &s.sigusr1);
	uv_timer_init(loop, &s.stats);
	s.handles_up = 1;
	s.sigterm.data = s.sigint.data = s.sighup.data = s.sigusr1.data = &s;
	s.stats.data = &s;
	uv_signal_start(&s.sigterm, on_signal, SIGTERM);
	uv_signal_start(&s.sigint, on_signal, SIGINT);
	uv_signal_start(&s.sighup, on_signal, SIGHUP);
	uv_signal_start(&s.sigusr1, on_signal, SIGUSR1);
	apply_settings(&s, cfg);	/* starts the statistics timer */
	uv_unref((uv_handle_t *)&s.stats);
	log_msg2(1, "listening on ", addr);
	uv_run(loop, UV_RUN_DEFAULT);
	log_stats(&s);
	close_server(&s);
	policy_set_config(p, cfg);
	if (s.cfg != cfg) {
		config_free(s.cfg);
		free(s.cfg);
	}
	for (i = 0; i < s.nretired; i++) {
		if (s.retired[i] != cfg) {
			config_free(s.retired[i]);
			free(s.retired[i]);
		}
	}
	return 0;
}
