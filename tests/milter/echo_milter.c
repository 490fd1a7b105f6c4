/*
 * echo_milter.c - a tiny milter built on src/milter alone, for checking
 * the protocol layer against an independent MTA side (miltertest).
 *
 * usage: echo_milter SOCKET_PATH
 *
 * It listens on a unix socket and serves one connection at a time with
 * blocking reads (the real program uses libuv; this only has to speak the
 * protocol).  Its scripted answers:
 *  - MAIL from <fail@...>: REJECT "550 5.7.23 SPF fail for <addr>, 100%
 *    sure"; from <defer@...>: TEMPFAIL "451 4.7.24 SPF temporary error";
 *  - RCPT to <rej@...>: REJECT "550 5.7.1 no such user";
 *  - end of message: inserts at the top
 *    "Received-SPF: pass client=ADDR helo=HELO auth=AUTH" (AUTH the
 *    {auth_authen} of the MAIL stage, or "none"), then CONTINUE;
 *  - everything else: CONTINUE.
 * It exits on SIGTERM, as miltertest ends its filters.
 */
#include "session.h"

#include <spfc/buf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const struct milter_want want = { SMFIF_ADDHDRS, 0, 0, 0 };

struct message {
	char auth[256];
};

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int reply_text(struct milter_conn *s, char verdict,
		      const char *rcode, const char *xcode, const char *text)
{
	spfc_buf t;
	int rc;

	spfc_buf_init(&t, 0);
	rc = milter_reply_text(&t, verdict, rcode, xcode, text, strlen(text));
	if (rc == 0)
		rc = milter_conn_reply(s, verdict, spfc_buf_str(&t));
	spfc_buf_free(&t);
	return rc;
}

static int on_mail(struct milter_conn *s, const struct milter_event *ev,
		   struct message *m)
{
	const char *auth = milter_conn_macro(s, "{auth_authen}");
	char text[512];

	snprintf(m->auth, sizeof m->auth, "%s", auth ? auth : "none");
	if (starts(ev->addr, "<fail@")) {
		snprintf(text, sizeof text, "SPF fail for %s, 100%% sure",
			 ev->addr);
		return reply_text(s, SMFIR_REJECT, "550", "5.7.23", text);
	}
	if (starts(ev->addr, "<defer@"))
		return reply_text(s, SMFIR_TEMPFAIL, "451", "4.7.24",
				  "SPF temporary error");
	return milter_conn_reply(s, SMFIR_CONTINUE, NULL);
}

static int on_eom(struct milter_conn *s, const struct message *m)
{
	const struct milter_connect *c = milter_conn_client(s);
	const char *helo = milter_conn_helo(s);
	char value[1024];
	int rc;

	snprintf(value, sizeof value, "pass client=%s helo=%s auth=%s",
		 c ? c->address : "none", helo ? helo : "none", m->auth);
	rc = milter_conn_insheader(s, 0, "Received-SPF", value);
	return rc ? rc : milter_conn_reply(s, SMFIR_CONTINUE, NULL);
}

static int answer(struct milter_conn *s, const struct milter_event *ev,
		  struct message *m)
{
	switch (ev->kind) {
	case MILTER_EV_MAIL:
		return on_mail(s, ev, m);
	case MILTER_EV_RCPT:
		if (starts(ev->addr, "<rej@"))
			return reply_text(s, SMFIR_REJECT, "550", "5.7.1",
					  "no such user");
		return milter_conn_reply(s, SMFIR_CONTINUE, NULL);
	case MILTER_EV_EOM:
		return on_eom(s, m);
	default:
		return milter_conn_reply(s, SMFIR_CONTINUE, NULL);
	}
}

static int write_all(int fd, spfc_buf *out)
{
	size_t off = 0;

	while (off < out->len) {
		ssize_t w = write(fd, out->data + off, out->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	spfc_buf_reset(out);
	return 0;
}

/* Run the state machine over the bytes read; -1 when it is over. */
static int feed(int fd, struct milter_conn *s, struct message *m,
		const unsigned char *p, size_t n)
{
	struct milter_event ev;

	while (milter_conn_step(s, &p, &n, &ev) != MILTER_EV_NONE) {
		if (ev.kind == MILTER_EV_ERROR) {
			fprintf(stderr, "echo_milter: %s\n",
				milter_strerror(ev.err));
			return -1;
		}
		if (ev.reply_needed && answer(s, &ev, m))
			return -1;
	}
	if (write_all(fd, milter_conn_output(s)))
		return -1;
	return milter_conn_over(s) ? -1 : 0;
}

static void serve(int fd)
{
	struct milter_conn s;
	struct message m = { "none" };
	unsigned char buf[4096];

	milter_conn_init(&s, &want, NULL, 0);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || feed(fd, &s, &m, buf, (size_t)r))
			break;
	}
	milter_conn_free(&s);
	close(fd);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 8)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int lfd;

	if (argc != 2) {
		fprintf(stderr, "usage: echo_milter SOCKET_PATH\n");
		return 2;
	}
	lfd = listen_on(argv[1]);
	if (lfd < 0) {
		perror("echo_milter: listen");
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return 1;
		serve(fd);
	}
}
