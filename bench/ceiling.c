/*
 * ceiling.c - the protocol ceiling of the benchmark: a Postfix policy
 * "daemon" that answers every request with action=dunno and does nothing
 * else (no parsing beyond finding the empty line, no DNS, no logging).
 *
 * Whatever rate it reaches is the most any policy service can reach on
 * this machine with the same driver, so the benchmark reports the SPF
 * daemons against it.
 *
 *   ceiling                       spawn mode: requests on stdin, answers on
 *                                 stdout, exit at end of input
 *   ceiling --listen unix:PATH    server mode: one process, one epoll loop,
 *                                 any number of clients
 *
 * How it fails: a bad command line or an unusable socket -> message on
 * stderr, exit 2 / 1.  A client that sends more than BUF_MAX bytes without
 * an empty line, or whose socket fails, is disconnected (spawn mode: exit).
 * Built by bench/run.sh with the system cc; not part of the Meson build.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Postfix's own limit on one policy request is far below this
 * (smtpd_policy_service_request_limit); the ceiling only needs room for
 * the pending part of one request plus one read. */
#define BUF_MAX 65536
#define MAX_EVENTS 64
#define LISTEN_BACKLOG 128

static const char answer[] = "action=dunno\n\n";

/* Per-client state: how many newlines ended the bytes seen so far (0, 1)
 * is all the parsing a request needs: it ends at "\n\n". */
struct client {
	int fd;
	int nl; /* 1 when the last byte read was '\n' */
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Count the requests completed in buf[0..n) and answer them in one write.
 * Returns -1 when the write fails. */
static int serve_bytes(struct client *c, const char *buf, size_t n)
{
	static char out[sizeof answer * 256];
	size_t i, answers = 0, olen = 0;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (c->nl) {
				answers++;
				c->nl = 0;
			} else {
				c->nl = 1;
			}
		} else {
			c->nl = 0;
		}
	}
	while (answers) {
		olen = 0;
		while (answers && olen + sizeof answer - 1 <= sizeof out) {
			memcpy(out + olen, answer, sizeof answer - 1);
			olen += sizeof answer - 1;
			answers--;
		}
		if (write_all(c->fd, out, olen) < 0)
			return -1;
	}
	return 0;
}

static int run_spawn(void)
{
	static char buf[BUF_MAX];
	struct client c = {1, 0};

	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (serve_bytes(&c, buf, (size_t)n) < 0)
			return 1;
	}
}

static int run_listen(const char *path)
{
	static char buf[BUF_MAX];
	struct sockaddr_un sa;
	struct epoll_event ev, events[MAX_EVENTS];
	int lfd, ep;

	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "ceiling: socket path too long\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(lfd, LISTEN_BACKLOG) < 0) {
		perror("ceiling: listen");
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("ceiling: epoll");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int i, n = epoll_wait(ep, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("ceiling: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct client *c = events[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
					c = calloc(1, sizeof *c);
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			{
				ssize_t r = read(c->fd, buf, sizeof buf);
				if (r < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				if (r <= 0 || serve_bytes(c, buf, (size_t)r) < 0) {
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					close(c->fd);
					free(c);
				}
			}
		}
	}
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 1)
		return run_spawn();
	if (argc == 3 && strcmp(argv[1], "--listen") == 0 &&
	    strncmp(argv[2], "unix:", 5) == 0)
		return run_listen(argv[2] + 5);
	fprintf(stderr, "usage: ceiling [--listen unix:PATH]\n");
	return 2;
}
