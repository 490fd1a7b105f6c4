/*
 * listen.c - listen mode (listen.h).
 *
 * How it fails: an address that does not parse or cannot be bound is a
 * message and exit status 1 before serving; a client over the limit is
 * closed at once with a log line; a client that stops reading or sends
 * garbage affects only its own connection.
 */
#include "listen.h"

#include "conn.h"
#include "log.h"

#include <spfc/buf.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LISTEN_READ_CHUNK 16384

#define LISTEN_DEFAULT_IDLE 600	/* seconds a client may stay silent */
#define LISTEN_RETIRED_MAX 16	/* old configurations kept until idle */

struct server {
	uv_loop_t *loop;
	struct policy *p;
	const char *config_path;
	struct config *cfg;		/* in force */
	struct config *orig;		/* the caller's (never freed here) */
	struct config *retired[LISTEN_RETIRED_MAX];
	size_t nretired;
	uv_signal_t sighup, sigusr1;
	uv_timer_t stats;
	size_t max_clients;
	uint64_t idle_ms;
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	uv_signal_t sigterm, sigint;
	char *unix_path;
	size_t clients;
	struct client *list;	/* every open client */
	int stopping;
};

struct client {
	struct server *s;
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	struct conn *conn;
	uv_timer_t idle;
	struct client *next, *prev;
	int closing;
	int handles;		/* open libuv handles of this client */
};

struct wreq {
	uv_write_t req;
	char data[];
};

static void on_client_closed(uv_handle_t *h)
{
	struct client *cl = h->data;
	struct server *s = cl->s;

	if (--cl->handles > 0)
		return;
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		s->list = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	conn_free(cl->conn);
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
	uv_close((uv_handle_t *)&cl->h, on_client_closed);
	uv_close((uv_handle_t *)&cl->idle, on_client_closed);
}

static void on_idle(uv_timer_t *t)
{
	struct client *cl = t->data;

	log_msg(2, "closing a client that stayed silent too long");
	client_close(cl);
}

static void touch(struct client *cl)
{
	if (!cl->closing && cl->s->idle_ms)
		uv_timer_start(&cl->idle, on_idle, cl->s->idle_ms, 0);
}

static void on_written(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static int client_write(void *arg, const char *buf, size_t len)
{
	struct client *cl = arg;
	struct wreq *w;
	uv_buf_t b;
	int n;

	if (cl->closing)
		return -1;
	/* Most answers go out whole at once: then there is no request to
	 * allocate, and libuv does not re-arm the socket's poll interest
	 * (one epoll_ctl per answer).  uv_try_write refuses (EAGAIN) while
	 * earlier bytes are queued, so the order is kept. */
	b = uv_buf_init((char *)buf, (unsigned)len);
	n = uv_try_write((uv_stream_t *)&cl->h, &b, 1);
	if (n == (int)len)
		return 0;
	if (n < 0 && n != UV_EAGAIN)
		return -1;
	if (n > 0) {
		buf += n;
		len -= (size_t)n;
	}
	w = malloc(sizeof *w + len);
	if (!w)
		return -1;
	memcpy(w->data, buf, len);
	b = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&cl->h, &b, 1, on_written) != 0) {
		free(w);
		return -1;
	}
	return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char chunk[LISTEN_READ_CHUNK];

	(void)h;
	(void)suggested;
	buf->base = chunk;
	buf->len = sizeof chunk;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct client *cl = st->data;

	if (n > 0) {
		touch(cl);
		conn_input(cl->conn, buf->base, (size_t)n);
	} else if (n < 0) {
		uv_read_stop(st);
		conn_eof(cl->conn);
	}
}

static void client_pause(void *arg)
{
	struct client *cl = arg;

	uv_read_stop((uv_stream_t *)&cl->h);
}

static void client_resume(void *arg)
{
	struct client *cl = arg;

	if (!cl->closing)
		uv_read_start((uv_stream_t *)&cl->h, on_alloc, on_read);
}

static void client_done(void *arg)
{
	client_close(arg);
}

static const struct conn_ops client_ops = {
	client_write, client_pause, client_resume, client_done,
};

static void on_connection(uv_stream_t *server, int status)
{
	struct server *s = server->data;
	struct client *cl;

	if (status < 0)
		return;
	cl = calloc(1, sizeof *cl);
	if (!cl)
		return;
	cl->s = s;
	if (s->unix_path)
		uv_pipe_init(s->loop, &cl->h.pipe, 0);
	else
		uv_tcp_init(s->loop, &cl->h.tcp);
	cl->h.pipe.data = cl;
	uv_timer_init(s->loop, &cl->idle);
	cl->idle.data = cl;
	cl->handles = 2;
	cl->next = s->list;
	if (s->list)
		s->list->prev = cl;
	s->list = cl;
	s->clients++;
	if (uv_accept(server, (uv_stream_t *)&cl->h) != 0) {
		client_close(cl);
		return;
	}
	if (s->clients > s->max_clients || s->stopping) {
		spfc_buf m;
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, "client limit reached (Max_Clients = ");
		spfc_buf_addu(&m, s->max_clients);
		spfc_buf_adds(&m, "): new connection closed");
		log_msg(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
		client_close(cl);
		return;
	}
	touch(cl);
	cl->conn = conn_new(s->p, &client_ops, cl);
	if (!cl->conn) {
		client_close(cl);
		return;
	}
	uv_read_start((uv_stream_t *)&cl->h, on_alloc, on_read);
}

static void log_stats(struct server *s)
{
	spfc_buf m;

	spfc_buf_init(&m, 0);
	policy_stats_format(s->p, &m);
	log_msg(0, spfc_buf_str(&m));
	spfc_buf_free(&m);
}

static void on_stats_timer(uv_timer_t *t)
{
	log_stats(t->data);
}

/* SIGHUP: read the configuration again; a file with errors is refused and
 * the one in force kept.  Jobs in progress finish with the configuration
 * they started with, so the old one is retired, not freed. */
static void reload(struct server *s)
{
	struct config *n = calloc(1, sizeof *n);
	size_t i;

	if (!n || config_init(n) < 0) {
		free(n);
		log_err(0, "reload: out of memory; configuration unchanged");
		return;
	}
	if (config_load(n, s->config_path) < 0 || n->nerrors) {
		for (i = 0; i < n->nproblems; i++)
			log_msg2(0, "reload: ", n->problems[i].text);
		log_err(0, "reload: the new configuration has errors; the old one is kept");
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
	s->retired[s->nretired++] = s->cfg;
	s->cfg = n;
	policy_set_config(s->p, n);
	log_set_level(n->debug_level);
	log_msg2(0, "configuration reloaded from ", s->config_path);
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct server *s = h->data;

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
	for (struct client *cl = s->list, *nx; cl; cl = nx) {
		nx = cl->next;
		if (cl->closing || !cl->conn) {
			client_close(cl);
			continue;
		}
		uv_read_stop((uv_stream_t *)&cl->h);
		conn_eof(cl->conn);
	}
	uv_close((uv_handle_t *)&s->h, NULL);
	uv_signal_stop(&s->sigterm);
	uv_signal_stop(&s->sigint);
	uv_signal_stop(&s->sighup);
	uv_signal_stop(&s->sigusr1);
	uv_timer_stop(&s->stats);
	if (s->clients == 0)
		uv_stop(s->loop);
}

/* Socket_Owner "user[:group]" and User: look up ids. */
static int lookup_user(const char *spec, uid_t *uid, gid_t *gid, int *has_gid)
{
	char name[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;

	*has_gid = 0;
	if (n == 0 || n >= sizeof name)
		return -1;
	memcpy(name, spec, n);
	name[n] = '\0';
	pw = getpwnam(name);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon) {
		struct group *gr = getgrnam(colon + 1);
		if (!gr)
			return -1;
		*gid = gr->gr_gid;
		*has_gid = 1;
	}
	return 0;
}

static int drop_privileges(const char *user)
{
	uid_t uid;
	gid_t gid;
	int has_gid;
	struct passwd *pw;

	if (lookup_user(user, &uid, &gid, &has_gid) < 0)
		return -1;
	pw = getpwuid(uid);
	if (setgroups(0, NULL) != 0 && errno != EPERM)
		return -1;
	if (pw && initgroups(pw->pw_name, gid) != 0 && errno != EPERM)
		return -1;
	if (setgid(gid) != 0 || setuid(uid) != 0)
		return -1;
	if (setuid(0) == 0 && uid != 0)	/* must not be able to regain root */
		return -1;
	return 0;
}

/* "inet:HOST:PORT" or "unix:PATH" (a bare path means unix). */
static int bind_addr(struct server *s, const char *addr)
{
	if (strncmp(addr, "inet:", 5) == 0) {
		const char *hp = addr + 5, *colon = strrchr(hp, ':');
		char host[256];
		struct sockaddr_storage ss;
		unsigned long port;
		char *end;
		size_t hl;

		if (!colon)
			return -1;
		hl = (size_t)(colon - hp);
		if (hl >= sizeof host)
			return -1;
		memcpy(host, hp, hl);
		host[hl] = '\0';
		if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
		}
		port = strtoul(colon + 1, &end, 10);
		if (*end || end == colon + 1 || port == 0 || port > 65535)
			return -1;
		if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)&ss) != 0 &&
		    uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)&ss) != 0)
			return -1;
		uv_tcp_init(s->loop, &s->h.tcp);
		s->h.tcp.data = s;
		if (uv_tcp_bind(&s->h.tcp, (struct sockaddr *)&ss, 0) != 0)
			return -1;
		return 0;
	}
	if (strncmp(addr, "unix:", 5) == 0)
		addr += 5;
	if (!*addr)
		return -1;
	s->unix_path = strdup(addr);
	if (!s->unix_path)
		return -1;
	unlink(addr);
	uv_pipe_init(s->loop, &s->h.pipe, 0);
	s->h.pipe.data = s;
	if (uv_pipe_bind(&s->h.pipe, addr) != 0)
		return -1;
	if (chmod(addr, (mode_t)(s->cfg->socket_mode ? s->cfg->socket_mode : 0666)) != 0)
		return -1;
	if (s->cfg->socket_owner) {
		uid_t uid;
		gid_t gid;
		int has_gid;
		if (lookup_user(s->cfg->socket_owner, &uid, &gid, &has_gid) < 0 ||
		    chown(addr, uid, has_gid ? gid : (gid_t)-1) != 0) {
			fprintf(stderr, "policyd-spf: Socket_Owner %s: cannot set\n",
				s->cfg->socket_owner);
			return -1;
		}
	}
	return 0;
}

int run_listen(uv_loop_t *loop, struct policy *p, struct config *cfg,
	       const char *addr, const char *config_path)
{
	struct server s;
	size_t i;

	memset(&s, 0, sizeof s);
	s.loop = loop;
	s.p = p;
	s.cfg = cfg;
	s.orig = cfg;
	s.config_path = config_path;
	s.max_clients = cfg->max_clients > 0 ? (size_t)cfg->max_clients : LISTEN_MAX_CLIENTS;
	s.idle_ms = (uint64_t)(cfg->idle_timeout > 0 ? cfg->idle_timeout : LISTEN_DEFAULT_IDLE) * 1000;
	if (cfg->max_checks > 0)
		policy_set_max_jobs(p, (size_t)cfg->max_checks);
	if (bind_addr(&s, addr) != 0 ||
	    uv_listen((uv_stream_t *)&s.h, LISTEN_BACKLOG, on_connection) != 0) {
		fprintf(stderr, "policyd-spf: cannot listen on %s\n", addr);
		free(s.unix_path);
		return 1;
	}
	if (cfg->user && drop_privileges(cfg->user) < 0) {
		fprintf(stderr, "policyd-spf: cannot switch to user %s\n", cfg->user);
		free(s.unix_path);
		return 1;
	}
	uv_signal_init(loop, &s.sigterm);
	uv_signal_init(loop, &s.sigint);
	uv_signal_init(loop, &s.sighup);
	uv_signal_init(loop, &s.sigusr1);
	s.sigterm.data = s.sigint.data = s.sighup.data = s.sigusr1.data = &s;
	uv_signal_start(&s.sigterm, on_signal, SIGTERM);
	uv_signal_start(&s.sigint, on_signal, SIGINT);
	uv_signal_start(&s.sighup, on_signal, SIGHUP);
	uv_signal_start(&s.sigusr1, on_signal, SIGUSR1);
	uv_timer_init(loop, &s.stats);
	s.stats.data = &s;
	if (cfg->stats_interval > 0) {
		uint64_t ms = (uint64_t)cfg->stats_interval * 1000;
		uv_timer_start(&s.stats, on_stats_timer, ms, ms);
		uv_unref((uv_handle_t *)&s.stats);
	}
	log_msg2(1, "listening on ", addr);
	uv_run(loop, UV_RUN_DEFAULT);
	log_stats(&s);
	if (!s.stopping) {
		uv_close((uv_handle_t *)&s.h, NULL);
		uv_signal_stop(&s.sigterm);
	}
	uv_close((uv_handle_t *)&s.sigterm, NULL);
	uv_close((uv_handle_t *)&s.sigint, NULL);
	uv_close((uv_handle_t *)&s.sighup, NULL);
	uv_close((uv_handle_t *)&s.sigusr1, NULL);
	uv_close((uv_handle_t *)&s.stats, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	if (s.unix_path)
		unlink(s.unix_path);
	free(s.unix_path);
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
