/*
 * log.c - policyd-spf's log lines to syslog (log.h).
 *
 * Writes RFC 3164 datagrams to /dev/log itself (facility mail, ident and
 * pid, as openlog(LOG_PID, LOG_MAIL) would) over one socket kept open:
 * at most one system call per line, where glibc's syslog() takes several
 * and reconnects on every line when no syslog daemon listens.  In batch
 * mode (the daemon's event loop) lines are queued, each still its own
 * datagram with the time it was written, and sent together with one
 * sendmmsg() when LOG_QUEUE lines or LOG_QUEUE_BYTES are queued, or when
 * the loop's timer calls log_flush() (at most LOG_FLUSH_MS after the
 * first line queued), and at exit or SIGTERM: every wake-up of the syslog
 * daemon costs both processes, and one per request was the daemon's
 * largest single cost.  Cannot fail: a line that cannot be sent is
 * dropped; a missing /dev/log is retried at most once every LOG_RETRY_S
 * seconds.
 *
 * Never blocks: the socket is non-blocking (also after a reconnect) and
 * every send is MSG_DONTWAIT, so a syslog daemon that stops reading
 * cannot stop the daemon, its answers or its SIGTERM.  A kernel queue
 * holds only a few datagrams (net.unix.max_dgram_qlen, 10 by default),
 * fewer than a batch, so when it is full (EAGAIN) a flush waits in poll()
 * for a syslog daemon that reads: at most LOG_STALL_MS without a datagram
 * going out, LOG_WAIT_MS in all.  A wait that runs out marks syslog
 * stalled, and nothing waits again until a datagram goes out: a stopped
 * syslog costs one wait of LOG_STALL_MS, then none.  Lines that cannot be
 * sent, for whatever reason (a full queue, no syslog daemon), are
 * counted; before the next line goes out (and at each flush, exit
 * included) a line "N log lines dropped" is sent first, and the count
 * starts again once syslog took it.  While that report cannot be sent,
 * the lines after it are not tried either: they are counted too, so the
 * report always comes before the next line that arrives.
 */
#define _GNU_SOURCE	/* sendmmsg */
#include "log.h"

#include "common/printable.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH "/dev/log"
#define LOG_RETRY_S 10		/* seconds between attempts to reach syslog */
#define LOG_IDENT_MAX 32
#define LOG_DGRAM_MAX (LOG_LINE_MAX + 128)	/* header + line */
#define LOG_QUEUE 32		/* datagrams queued in batch mode */
#define LOG_QUEUE_BYTES (16 * 1024)	/* bytes queued in batch mode */
#define LOG_STALL_MS 20		/* syslog took nothing for this long: stalled */
#define LOG_WAIT_MS 50		/* the most one flush waits for syslog */

static int level = 1;
static int to_stderr;
static int fd = -1;
static time_t last_try;
static char ident[LOG_IDENT_MAX + 1] = "policyd-spf";
static unsigned long pid;
static time_t stamp_sec = -1;
static char stamp[32];
/* The last datagram headers made, one per slot (LOG_INFO lines use slot
 * 1, others 0): good for their priority and second; sec -1 when ident
 * or pid changed. */
static struct {
	int prio;
	time_t sec;
	size_t len;
	char s[LOG_DGRAM_MAX - LOG_LINE_MAX];
} head[2] = { { 0, (time_t)-1, 0, "" }, { 0, (time_t)-1, 0, "" } };

/* Batch mode: the queued datagrams, back to back in qbuf. */
/* Batch mode when set: asks the loop for a log_flush() soon. */
static void (*arm)(void);
static char qbuf[LOG_QUEUE_BYTES + LOG_DGRAM_MAX];
static size_t qused;
static struct mmsghdr qmsg[LOG_QUEUE];
static struct iovec qiov[LOG_QUEUE];
static unsigned qn;
static int atexit_done;
/* Lines not sent since the last report of them. */
static unsigned long dropped;
/* A wait for syslog ran out and no datagram went out since. */
static int stalled;

static void log_connect(void)
{
	struct sockaddr_un sa;
	time_t now;

	if (fd >= 0)
		return;
	now = time(NULL);
	if (now - last_try < LOG_RETRY_S)
		return;
	last_try = now;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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
	head[0].sec = head[1].sec = (time_t)-1;
	to_stderr = stderr_too;
	last_try = 0;
	log_connect();
	if (!atexit_done && atexit(log_flush) == 0)
		atexit_done = 1;
}

void log_batch(int on, void (*arm_flush)(void))
{
	if (!on)
		log_flush();
	arm = on ? arm_flush : NULL;
}

void log_set_level(int l)
{
	level = l;
}

int log_level(void)
{
	return level;
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

/* The syslog daemon went away (restarted): connect again, at once. */
static void reconnect(void)
{
	close(fd);
	fd = -1;
	last_try = 0;
	log_connect();
}

static int gone(int e)
{
	return e == ECONNREFUSED || e == ENOTCONN || e == EBADF;
}

static size_t format(char *out, int prio, const char *msg, size_t len);

static long long ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* What one flush (or one line outside batch mode) may still wait for
 * syslog; all 0 at first: the clock is read only when a wait is due. */
struct budget {
	long long end;	/* the flush waits no longer than this */
	long long quiet;	/* nor, since the last datagram went out, than this */
	int moved;	/* a datagram went out since quiet was set */
};

/* A datagram went out: syslog reads. */
static void progress(struct budget *b)
{
	b->moved = 1;
	stalled = 0;
}

/* syslog's queue is full (EAGAIN): wait for room, within b; 1 when the
 * send may be tried again.  A wait that runs out marks syslog stalled:
 * from then on nothing waits until a datagram goes out again. */
static int room(struct budget *b)
{
	struct pollfd p;
	long long now, until;
	int r;

	if (stalled || fd < 0)
		return 0;
	now = ms_now();
	if (b->end == 0)
		b->end = now + LOG_WAIT_MS;
	if (b->moved || b->quiet == 0) {
		b->quiet = now + LOG_STALL_MS;
		b->moved = 0;
	}
	until = b->quiet < b->end ? b->quiet : b->end;
	while (now < until) {
		p.fd = fd;
		p.events = POLLOUT;
		p.revents = 0;
		r = poll(&p, 1, (int)(until - now));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			break;
		now = ms_now();
	}
	stalled = 1;
	return 0;
}

/* syslog's queue is full (it does not read fast enough, or at all). */
static int full(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK;
}

/* One datagram; 1 when syslog took it. */
static int send_one(const char *d, size_t n, struct budget *b)
{
	int retried = 0;

	while (fd >= 0) {
		if (send(fd, d, n, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) {
			progress(b);
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (full(errno) && room(b))
			continue;
		if (gone(errno) && !retried) {
			retried = 1;
			reconnect();
			continue;
		}
		break;
	}
	return 0;
}

/* The count of dropped lines, sent before any other line; 1 when there
 * was nothing to report or syslog took the report. */
static int report_dropped(struct budget *b)
{
	char d[LOG_DGRAM_MAX], line[96];
	int k;

	if (dropped == 0)
		return 1;
	log_connect();
	if (fd < 0)
		return 0;
	k = snprintf(line, sizeof line,
		     "%lu log lines dropped (syslog did not take them)", dropped);
	if (k < 0)
		return 0;
	if ((size_t)k >= sizeof line)
		k = (int)sizeof line - 1;
	if (!send_one(d, format(d, LOG_WARNING, line, (size_t)k), b))
		return 0;
	dropped = 0;
	return 1;
}

void log_flush(void)
{
	struct budget b = { 0, 0, 0 };
	unsigned sent = 0, i;
	int retried = 0;

	if (qn == 0) {
		(void)report_dropped(&b);
		return;
	}
	if (!report_dropped(&b)) {
		/* syslog still refuses: the queue goes where the others went */
		dropped += qn;
		qn = 0;
		qused = 0;
		return;
	}
	for (i = 0; i < qn; i++) {
		memset(&qmsg[i], 0, sizeof qmsg[i]);
		qmsg[i].msg_hdr.msg_iov = &qiov[i];
		qmsg[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < qn && fd >= 0) {
		int n = sendmmsg(fd, qmsg + sent, qn - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			sent += (unsigned)n;
			progress(&b);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && full(errno) && room(&b))
			continue;
		if (n < 0 && gone(errno) && !retried) {
			retried = 1;
			reconnect();
			continue;
		}
		break;	/* dropped: logging never stops the daemon */
	}
	dropped += qn - sent;
	qn = 0;
	qused = 0;
}

/* "<prio>Mmm dd hh:mm:ss ident[pid]: " and the line into out (at least
 * LOG_DGRAM_MAX bytes); returns the length.  The header is made once a
 * second per priority and copied. */
static size_t format(char *out, int prio, const char *msg, size_t len)
{
	int k = prio == LOG_INFO;
	const char *ts = timestamp();

	if (head[k].sec != stamp_sec || head[k].prio != prio) {
		int n = snprintf(head[k].s, sizeof head[k].s, "<%d>%s %s[%lu]: ",
				 LOG_MAIL | prio, ts, ident, pid);
		size_t h = n > 0 ? (size_t)n : 0;

		head[k].len = h < sizeof head[k].s ? h : sizeof head[k].s - 1;
		head[k].prio = prio;
		head[k].sec = stamp_sec;
	}
	memcpy(out, head[k].s, head[k].len);
	if (len > LOG_LINE_MAX)
		len = LOG_LINE_MAX;
	memcpy(out + head[k].len, msg, len);
	return head[k].len + len;
}

static void send_line(int prio, const char *msg, size_t len)
{
	static char d[LOG_DGRAM_MAX];
	struct budget b = { 0, 0, 0 };
	size_t n;

	log_connect();
	if (fd < 0) {
		dropped++;
		return;
	}
	if (arm) {
		n = format(qbuf + qused, prio, msg, len);
		qiov[qn].iov_base = qbuf + qused;
		qiov[qn].iov_len = n;
		qn++;
		qused += n;
		if (qn == LOG_QUEUE || qused >= LOG_QUEUE_BYTES)
			log_flush();
		else if (qn == 1)
			arm();
		return;
	}
	if (!report_dropped(&b)) {
		dropped++;
		return;
	}
	n = format(d, prio, msg, len);
	if (!send_one(d, n, &b))
		dropped++;
}

/* Append s to line[*n], printable ASCII only, up to LOG_LINE_MAX. */
static void add_clean(char *line, size_t *n, const char *s)
{
	size_t k;

	if (!s || *n >= LOG_LINE_MAX)
		return;
	k = strnlen(s, LOG_LINE_MAX - *n);
	sc_printable_copy(line + *n, s, k);
	*n += k;
}

static void emit(int prio, int need, const char *a, const char *b,
		 const char *c)
{
	static char line[LOG_LINE_MAX + 1];
	size_t n = 0;

	if (level < need)
		return;
	add_clean(line, &n, a);
	add_clean(line, &n, b);
	add_clean(line, &n, c);
	line[n] = '\0';
	send_line(prio, line, n);
	if (to_stderr)
		fprintf(stderr, "%s: %s\n", ident, line);
}

void log_msg(int need, const char *msg)
{
	emit(LOG_INFO, need, msg, NULL, NULL);
}

void log_err(int need, const char *msg)
{
	emit(LOG_ERR, need, msg, NULL, NULL);
}

void log_msg2(int need, const char *prefix, const char *text)
{
	emit(LOG_INFO, need, prefix, text, NULL);
}

void log_msg3(int need, const char *a, const char *b, const char *c)
{
	emit(LOG_INFO, need, a, b, c);
}

void log_fatal(const char *first, ...)
{
	char line[LOG_LINE_MAX + 1];
	size_t n = 0;
	va_list ap;
	const char *t;

	va_start(ap, first);
	for (t = first; t; t = va_arg(ap, const char *))
		add_clean(line, &n, t);
	va_end(ap);
	line[n] = '\0';
	send_line(LOG_ERR, line, n);
	fprintf(stderr, "%s: %s\n", ident, line);
}
