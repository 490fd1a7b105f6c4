/*
 * logsink.c - a syslog socket that reads and drops every message.
 *
 * All the daemons of the benchmark log each request with syslog(3).  With
 * no /dev/log, glibc's syslog tries socket()+connect() again on every call,
 * and Perl's Sys::Syslog does worse; that would measure a broken machine.
 * The benchmark therefore gives every daemon a /dev/log (inside its private
 * mount namespace) served by this sink: one datagram per message, read and
 * dropped, as cheap a syslog daemon as there can be.
 *
 *   logsink PATH      bind a unix datagram socket at PATH, then read forever;
 *                     on SIGTERM print "messages N bytes B" to stdout, exit 0
 *
 * How it fails: cannot bind -> message on stderr, exit 1.
 * Built by bench/bench.py with the system cc; not part of the Meson build.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MSG_MAX 65536 /* larger than any syslog line (glibc sends one datagram) */
#define RCVBUF_BYTES (4 * 1024 * 1024)

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static char buf[MSG_MAX];
	struct sockaddr_un sa;
	struct sigaction act;
	unsigned long long msgs = 0, bytes = 0;
	int fd, rcv = RCVBUF_BYTES;

	if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: logsink PATH\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("logsink: bind");
		return 1;
	}
	chmod(argv[1], 0666);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	memset(&act, 0, sizeof act);
	act.sa_handler = on_term;
	sigaction(SIGTERM, &act, NULL); /* no SA_RESTART: recv returns EINTR */
	sigaction(SIGINT, &act, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("logsink: recv");
			break;
		}
		msgs++;
		bytes += (unsigned long long)n;
	}
	printf("messages %llu bytes %llu\n", msgs, bytes);
	unlink(argv[1]);
	return 0;
}
