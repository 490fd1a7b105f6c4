/*
 * log.c - policyd-spf's log lines to syslog (log.h).
 *
 * Writes RFC 3164 datagrams to /dev/log itself (facility mail, ident and
 * pid, as openlog(LOG_PID, LOG_MAIL) would) over one socket kept open:
 * one system call per line, where glibc's syslog() takes several and
 * reconnects on every line when no syslog daemon listens.  Cannot fail: a
 * line that cannot be sent is dropped; a missing /dev/log is retried at
 * most once every LOG_RETRY_S seconds.
 */
#include "log.h"

#include <spfc/buf.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH "/dev/log"
#define LOG_RETRY_S 10		/* seconds between attempts to reach syslog */
#define LOG_IDENT_MAX 32

static int level = 1;
static int to_stderr;
static int fd = -1;
static time_t last_try;
static char ident[LOG_IDENT_MAX + 1] = "policyd-spf";
static unsigned long pid;
static time_t stamp_sec = -1;
static char stamp[32];

static void log_connect(void)
{
	struct sockaddr_un sa;
	time_t now = time(NULL);

	if (fd >= 0 || now - last_try < LOG_RETRY_S)
		return;
	last_try = now;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, LOG_PATH, sizeof LOG_PATH);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		fd = -1;
	}
}

void log_open(const char *name, int stderr_too)
{
	size_t n = strlen(name);

	if (n > LOG_IDENT_MAX)
		n = LOG_IDENT_MAX;
	memcpy(ident, name, n);
	ident[n] = '\0';
	pid = (unsigned long)getpid();
	to_stderr = stderr_too;
	last_try = 0;
	log_connect();
}

void log_set_level(int l)
{
	level = l;
}

int log_level(void)
{
	return level;
}

static void add_clean(spfc_buf *b, const char *s)
{
	for (; s && *s && b->len < LOG_LINE_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		spfc_buf_addc(b, (c >= 0x20 && c < 0x7f) ? (char)c : '?');
	}
}

/* "Mmm dd hh:mm:ss", computed once a second. */
static const char *timestamp(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now != stamp_sec) {
		stamp_sec = now;
		if (!localtime_r(&now, &tm) ||
		    strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm) == 0)
			memcpy(stamp, "Jan  1 00:00:00", 16);
	}
	return stamp;
}

static void send_line(int prio, const char *msg, size_t len)
{
	spfc_buf d;

	log_connect();
	if (fd < 0)
		return;
	spfc_buf_init(&d, LOG_LINE_MAX + 128);
	spfc_buf_addc(&d, '<');
	spfc_buf_addu(&d, (unsigned long long)(LOG_MAIL | prio));
	spfc_buf_addc(&d, '>');
	spfc_buf_adds(&d, timestamp());
	spfc_buf_addc(&d, ' ');
	spfc_buf_adds(&d, ident);
	spfc_buf_addc(&d, '[');
	spfc_buf_addu(&d, pid);
	spfc_buf_adds(&d, "]: ");
	spfc_buf_add(&d, msg, len);
	if (!d.err && send(fd, d.data, d.len, MSG_NOSIGNAL) < 0 &&
	    (errno == ECONNREFUSED || errno == ENOTCONN || errno == EBADF)) {
		/* the syslog daemon restarted: reconnect once */
		close(fd);
		fd = -1;
		last_try = 0;
		log_connect();
		if (fd >= 0)
			(void)send(fd, d.data, d.len, MSG_NOSIGNAL);
	}
	spfc_buf_free(&d);
}

static void emit(int prio, int need, const char *a, const char *b)
{
	spfc_buf line;

	if (level < need)
		return;
	spfc_buf_init(&line, LOG_LINE_MAX + 8);
	add_clean(&line, a);
	add_clean(&line, b);
	send_line(prio, spfc_buf_str(&line), line.len);
	if (to_stderr)
		fprintf(stderr, "%s: %s\n", ident, spfc_buf_str(&line));
	spfc_buf_free(&line);
}

void log_msg(int need, const char *msg)
{
	emit(LOG_INFO, need, msg, NULL);
}

void log_err(int need, const char *msg)
{
	emit(LOG_ERR, need, msg, NULL);
}

void log_msg2(int need, const char *prefix, const char *text)
{
	emit(LOG_INFO, need, prefix, text);
}
