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

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LISTEN_READ_CHUNK 16384

struct server {
	uv_loop_t *loop;
	struct policy *p;
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	uv_signal_t sigterm, sigint;
	char *unix_path;
	size_t clients;
	int stopping;
};

struct client {
	struct server *s;
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	struct conn *conn;
	int closing;
};

struct wreq {
	uv_write_t req;
	char data[];
};

static void on_client_closed(uv_handle_t *h)
{
	struct client *cl = h->data;
	struct server *s = cl->s;

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

	if (cl->closing)
		return -1;
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
	s->clients++;
	if (uv_accept(server, (uv_stream_t *)&cl->h) != 0) {
		client_close(cl);
		return;
	}
	if (s->clients > LISTEN_MAX_CLIENTS || s->stopping) {
		log_msg(0, "too many clients: connection closed (limit reached)");
		client_close(cl);
		return;
	}
	cl->conn = conn_new(s->p, &client_ops, cl);
	if (!cl->conn) {
		client_close(cl);
		return;
	}
	uv_read_start((uv_stream_t *)&cl->h, on_alloc, on_read);
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct server *s = h->data;

	(void)sig;
	log_msg(1, "stopping: finishing the requests in flight");
	s->stopping = 1;
	uv_close((uv_handle_t *)&s->h, NULL);
	uv_signal_stop(&s->sigterm);
	uv_signal_stop(&s->sigint);
	if (s->clients == 0)
		uv_stop(s->loop);
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
	chmod(addr, 0666);
	return 0;
}

int run_listen(uv_loop_t *loop, struct policy *p, const struct config *cfg,
	       const char *addr, const char *config_path)
{
	struct server s;

	(void)cfg;
	(void)config_path;
	memset(&s, 0, sizeof s);
	s.loop = loop;
	s.p = p;
	if (bind_addr(&s, addr) != 0 ||
	    uv_listen((uv_stream_t *)&s.h, LISTEN_BACKLOG, on_connection) != 0) {
		fprintf(stderr, "policyd-spf: cannot listen on %s\n", addr);
		free(s.unix_path);
		return 1;
	}
	uv_signal_init(loop, &s.sigterm);
	uv_signal_init(loop, &s.sigint);
	s.sigterm.data = s.sigint.data = &s;
	uv_signal_start(&s.sigterm, on_signal, SIGTERM);
	uv_signal_start(&s.sigint, on_signal, SIGINT);
	log_msg2(1, "listening on ", addr);
	uv_run(loop, UV_RUN_DEFAULT);
	if (!uv_is_closing((uv_handle_t *)&s.sigterm)) {
		uv_close((uv_handle_t *)&s.sigterm, NULL);
		uv_close((uv_handle_t *)&s.sigint, NULL);
	}
	if (!s.stopping)
		uv_close((uv_handle_t *)&s.h, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	if (s.unix_path)
		unlink(s.unix_path);
	free(s.unix_path);
	return 0;
}
