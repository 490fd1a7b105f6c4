/*
 * driver.c - drives a Postfix policy service the way Postfix does and
 * measures it.
 *
 * C connections run at once; each sends its requests in sequence (the next
 * one when the answer to the previous one has arrived), as one smtpd
 * process does.  Spawn mode: each connection is a fresh daemon process
 * whose stdin/stdout is one end of a socketpair (what spawn(8) gives it).
 * Listen mode: the driver starts one daemon with the given command, waits
 * for its unix socket and opens C client connections to it.
 *
 * Requests come from a file of Postfix policy requests, each ending with an
 * empty line.  Consecutive requests with the same instance= value are one
 * message (one request per recipient) and always go to one connection.
 * Phase 1 (start-up): every connection handles one message; the time from
 * spawn (or connect) to its first answer is recorded.  Then all connections
 * wait at a barrier (with --sync the driver prints "barrier" and waits for
 * a line on stdin, so the caller can read DNS counters), the clock starts,
 * and phase 2 runs until COUNT requests have been answered.  Rates,
 * latencies and CPU time are of phase 2 only.
 *
 * Measures: requests/s, latency percentiles, first-answer time, CPU time of
 * the daemon processes in phase 2 (/proc/PID/task/x/schedstat, nanoseconds,
 * all threads) and in total (wait4 rusage), peak resident memory (VmHWM of
 * each daemon's own address space, read before it exits: ru_maxrss of a
 * spawned child also counts the parent's pages), VmRSS at --rss-at requests
 * and at the end.  Writes one JSON object (--out FILE, else stdout).
 *
 * How it fails: bad usage -> exit 2; a daemon that dies, closes early or
 * stays silent for STALL_SECONDS -> the run is aborted, the JSON carries
 * "error", exit 1.  Built by bench/run.sh with the system cc.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define ANSWER_MAX 8192	   /* bytes of one answer we keep (Postfix: 4096) */
#define STALL_SECONDS 120  /* no answer for this long: the daemon is stuck */
#define LISTEN_WAIT_MS 20000 /* time a listen-mode daemon gets to bind */
#define ACTION_KINDS 32
#define MSG_RCPT_MAX 64     /* requests of one message kept together */

struct req {
	const char *p;
	size_t len;
};

struct group {
	size_t first, n; /* requests [first, first + n) */
};

enum cstate { C_START, C_BARRIER, C_RUN, C_DONE };

struct conn {
	int fd;
	pid_t pid; /* spawn mode: the daemon of this connection */
	enum cstate st;
	double t0;	 /* spawn or connect */
	double first_ms; /* t0 -> first answer */
	int answered;	 /* any answer yet */
	size_t gi, gleft; /* current request index, requests left in group */
	double t_sent;
	const char *wp; /* pending part of the request being written */
	size_t wleft;
	char rbuf[ANSWER_MAX];
	size_t rlen;
	int nl; /* last byte read was '\n' */
};

struct proc {
	pid_t pid;
	uint64_t cpu0_ns, cpu1_ns;
	long hwm_kb, rss_end_kb, rss_mid_kb;
	struct rusage ru;
	int status;
};

static struct req *reqs;
static size_t nreqs;
static struct group *groups;
static size_t ngroups, next_group;
static struct conn conns[MAX_CONNS];
static struct proc procs[MAX_CONNS];
static size_t nprocs;
static int nconns = 1;
static long count = 1000;
static long assigned, completed;
static long rss_at = -1;
static double *lat;
static size_t nlat;
static int epfd;
static double t_start, t_end, t_last_progress;
static char action_name[ACTION_KINDS][24];
static long action_count[ACTION_KINDS];
static char errbuf[512];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die_usage(void)
{
	fprintf(stderr,
		"usage: driver --requests FILE [--mode spawn|listen] [--socket PATH]\n"
		"              [--conns C] [--count N] [--rss-at K] [--sync] [--out FILE]\n"
		"              [--log FILE] -- COMMAND [ARGS...]\n");
	exit(2);
}

/* ---- request file --------------------------------------------------------- */

static const char *instance_of(const struct req *r, size_t *len)
{
	const char *p = r->p, *end = r->p + r->len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) >= 9 && memcmp(p, "instance=", 9) == 0) {
			*len = (size_t)(eol - p) - 9;
			return p + 9;
		}
		p = eol + 1;
	}
	*len = 0;
	return NULL;
}

static void load_requests(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;
	size_t i, cap = 1024, start = 0;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		fprintf(stderr, "driver: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	rewind(f);
	data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "driver: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	reqs = malloc(cap * sizeof *reqs);
	for (i = 0; i + 1 < (size_t)size; i++) {
		if (data[i] == '\n' && data[i + 1] == '\n') {
			if (nreqs == cap) {
				cap *= 2;
				reqs = realloc(reqs, cap * sizeof *reqs);
			}
			reqs[nreqs].p = data + start;
			reqs[nreqs].len = i + 2 - start;
			nreqs++;
			start = i + 2;
			i++;
		}
	}
	if (!nreqs) {
		fprintf(stderr, "driver: no requests in %s\n", path);
		exit(2);
	}
	groups = malloc(nreqs * sizeof *groups);
	for (i = 0; i < nreqs; i++) {
		size_t l1, l2;
		const char *a = instance_of(&reqs[i], &l1);
		const char *b = ngroups ? instance_of(&reqs[groups[ngroups - 1].first], &l2)
					: NULL;
		if (ngroups && a && b && l1 == l2 && memcmp(a, b, l1) == 0 &&
		    groups[ngroups - 1].n < MSG_RCPT_MAX) {
			groups[ngroups - 1].n++;
		} else {
			groups[ngroups].first = i;
			groups[ngroups].n = 1;
			ngroups++;
		}
	}
}

/* ---- /proc ---------------------------------------------------------------- */

/* CPU time of every thread of pid, from schedstat (ns). */
static uint64_t proc_cpu_ns(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	uint64_t sum = 0;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char p2[384];
		FILE *f;
		unsigned long long v;
		if (e->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof p2, "%s/%s/schedstat", path, e->d_name);
		f = fopen(p2, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static long proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	FILE *f;
	long v = -1;
	size_t fl = strlen(field);

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* ---- processes and connections ------------------------------------------- */

/* posix_spawn (vfork-like: no copy of the driver's page tables, which hold
 * the whole request file) so that the time to the first answer is the
 * daemon's, not the cost of forking a large driver. */
static pid_t start_daemon(char **argv, int io_fd, int log_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;
	pid_t pid;
	int nul = -1, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	if (io_fd < 0) {
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		io_fd = nul;
	}
	posix_spawn_file_actions_adddup2(&fa, io_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, io_fd, 1);
	if (log_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (nul >= 0)
		close(nul);
	if (rc != 0) {
		fprintf(stderr, "driver: cannot run %s: %s\n", argv[0], strerror(rc));
		exit(1);
	}
	return pid;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void watch(struct conn *c, int want_out)
{
	struct epoll_event ev;

	ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void flush_out(struct conn *c)
{
	while (c->wleft) {
		ssize_t n = write(c->fd, c->wp, c->wleft);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				watch(c, 1);
				return;
			}
			snprintf(errbuf, sizeof errbuf, "write to daemon: %s", strerror(errno));
			return;
		}
		c->wp += n;
		c->wleft -= (size_t)n;
	}
	watch(c, 0);
}

static void send_current(struct conn *c)
{
	const struct req *r = &reqs[c->gi % nreqs];

	c->wp = r->p;
	c->wleft = r->len;
	c->t_sent = now();
	flush_out(c);
}

/* Give c the next message; 0 when there is none left to give. */
static int next_message(struct conn *c, int counted)
{
	const struct group *g;

	if (counted && assigned >= count)
		return 0;
	g = &groups[next_group % ngroups];
	next_group++;
	c->gi = g->first;
	c->gleft = g->n;
	if (counted)
		assigned += (long)g->n;
	send_current(c);
	return 1;
}

static void note_action(const char *a, size_t n)
{
	char word[24];
	size_t i, w = 0;

	if (n > 7 && memcmp(a, "action=", 7) == 0) {
		a += 7;
		n -= 7;
	}
	for (i = 0; i < n && w + 1 < sizeof word; i++) {
		char ch = a[i];
		if (ch == ' ' || ch == '\n')
			break;
		word[w++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
	}
	word[w] = '\0';
	for (i = 0; i < ACTION_KINDS && action_name[i][0]; i++) {
		if (strcmp(action_name[i], word) == 0) {
			action_count[i]++;
			return;
		}
	}
	if (i < ACTION_KINDS) {
		memcpy(action_name[i], word, w + 1);
		action_count[i] = 1;
	}
}

static void sample_rss(int which)
{
	size_t i;

	for (i = 0; i < nprocs; i++) {
		long v = proc_status_kb(procs[i].pid, "VmRSS");
		if (which == 0)
			procs[i].rss_mid_kb = v;
		else
			procs[i].rss_end_kb = v;
	}
}

/* One complete answer arrived on c. */
static void on_answer(struct conn *c, double t)
{
	note_action(c->rbuf, c->rlen);
	c->rlen = 0;
	t_last_progress = t;
	if (!c->answered) {
		c->answered = 1;
		c->first_ms = (t - c->t0) * 1e3;
	}
	if (c->st == C_RUN) {
		lat[nlat++] = (t - c->t_sent) * 1e3;
		completed++;
		if (completed == rss_at)
			sample_rss(0);
	}
	if (--c->gleft > 0) {
		c->gi++;
		send_current(c);
		return;
	}
	if (c->st == C_START) {
		c->st = C_BARRIER;
		return;
	}
	if (!next_message(c, 1)) {
		c->st = C_DONE;
		t_end = t;
	}
}

static void on_readable(struct conn *c)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof buf);
		ssize_t i;
		double t;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			snprintf(errbuf, sizeof errbuf, "daemon closed the connection early%s",
				 n < 0 ? " (read error)" : "");
			return;
		}
		t = now();
		for (i = 0; i < n; i++) {
			char ch = buf[i];
			if (c->rlen + 1 < sizeof c->rbuf)
				c->rbuf[c->rlen++] = ch;
			if (ch == '\n' && c->nl) {
				c->nl = 0;
				if (c->st == C_BARRIER || c->st == C_DONE) {
					snprintf(errbuf, sizeof errbuf, "unexpected answer");
					return;
				}
				on_answer(c, t);
			} else {
				c->nl = (ch == '\n');
			}
		}
		if (n < (ssize_t)sizeof buf)
			return;
	}
}

static int all_in(enum cstate st)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i].st != st)
			return 0;
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* Run the loop until pred holds or something breaks. */
static int loop_until(enum cstate st)
{
	struct epoll_event ev[64];

	while (!all_in(st)) {
		int i, n = epoll_wait(epfd, ev, 64, 1000);
		if (n < 0 && errno != EINTR) {
			snprintf(errbuf, sizeof errbuf, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			if (ev[i].events & EPOLLOUT)
				flush_out(c);
			if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c);
			if (errbuf[0])
				return -1;
		}
		if (now() - t_last_progress > STALL_SECONDS) {
			snprintf(errbuf, sizeof errbuf, "no answer for %d s", STALL_SECONDS);
			return -1;
		}
	}
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

int main(int argc, char **argv)
{
	const char *mode = "spawn", *reqfile = NULL, *sock = NULL, *out = NULL,
		   *logpath = NULL;
	char **cmd = NULL;
	int sync_barrier = 0, log_fd = -1, i, failed;
	pid_t listen_pid = -1;
	double cpu_run = 0, cpu_total = 0, first_sorted[MAX_CONNS];
	long hwm = 0, rss_end = 0, rss_mid = -1;
	FILE *of;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--") == 0) {
			cmd = argv + i + 1;
			break;
		}
		if (strcmp(a, "--sync") == 0) {
			sync_barrier = 1;
			continue;
		}
		if (!v)
			die_usage();
		if (strcmp(a, "--mode") == 0)
			mode = v;
		else if (strcmp(a, "--requests") == 0)
			reqfile = v;
		else if (strcmp(a, "--socket") == 0)
			sock = v;
		else if (strcmp(a, "--conns") == 0)
			nconns = atoi(v);
		else if (strcmp(a, "--count") == 0)
			count = atol(v);
		else if (strcmp(a, "--rss-at") == 0)
			rss_at = atol(v);
		else if (strcmp(a, "--out") == 0)
			out = v;
		else if (strcmp(a, "--log") == 0)
			logpath = v;
		else
			die_usage();
		i++;
	}
	if (!cmd || !*cmd || !reqfile || nconns < 1 || nconns > MAX_CONNS || count < 0 ||
	    (strcmp(mode, "spawn") != 0 && strcmp(mode, "listen") != 0) ||
	    (strcmp(mode, "listen") == 0 && !sock))
		die_usage();
	signal(SIGPIPE, SIG_IGN);
	load_requests(reqfile);
	lat = malloc(((size_t)count + (size_t)MAX_CONNS * MSG_RCPT_MAX) * sizeof *lat);
	if (logpath)
		log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	epfd = epoll_create1(EPOLL_CLOEXEC);

	if (strcmp(mode, "listen") == 0) {
		double deadline = now() + LISTEN_WAIT_MS / 1e3;
		int fd;
		unlink(sock);
		listen_pid = start_daemon(cmd, -1, log_fd);
		procs[nprocs++].pid = listen_pid;
		while ((fd = connect_unix(sock)) < 0) {
			int st;
			if (now() > deadline || waitpid(listen_pid, &st, WNOHANG) == listen_pid) {
				fprintf(stderr, "driver: daemon did not listen on %s\n", sock);
				kill(listen_pid, SIGKILL);
				return 1;
			}
			usleep(1000);
		}
		close(fd); /* a probe only: the daemon sees a client come and go */
	}
	for (i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		struct epoll_event ev;
		c->t0 = now();
		if (listen_pid < 0) {
			int sv[2];
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
				perror("driver: socketpair");
				return 1;
			}
			/* sv[1] goes to the child (dup2 clears CLOEXEC there);
			 * t0 is taken just before the spawn. */
			c->pid = start_daemon(cmd, sv[1], log_fd);
			close(sv[1]);
			c->fd = sv[0];
			procs[nprocs++].pid = c->pid;
		} else {
			c->fd = connect_unix(sock);
			if (c->fd < 0) {
				perror("driver: connect");
				return 1;
			}
		}
		set_nonblock(c->fd);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
		c->st = C_START;
		next_message(c, 0);
	}
	t_last_progress = now();
	failed = loop_until(C_BARRIER);
	if (!failed) {
		if (sync_barrier) {
			char line[64];
			printf("barrier\n");
			fflush(stdout);
			if (!fgets(line, sizeof line, stdin))
				return 1;
		}
		for (i = 0; i < (int)nprocs; i++)
			procs[i].cpu0_ns = proc_cpu_ns(procs[i].pid);
		t_start = t_end = t_last_progress = now();
		for (i = 0; i < nconns; i++) {
			conns[i].st = C_RUN;
			if (!next_message(&conns[i], 1))
				conns[i].st = C_DONE;
		}
		failed = loop_until(C_DONE);
	}
	/* Phase 2 is over: read the daemons' figures while they still live. */
	for (i = 0; i < (int)nprocs; i++) {
		procs[i].cpu1_ns = proc_cpu_ns(procs[i].pid);
		procs[i].hwm_kb = proc_status_kb(procs[i].pid, "VmHWM");
	}
	sample_rss(1);
	for (i = 0; i < nconns; i++)
		close(conns[i].fd);
	if (listen_pid >= 0)
		kill(listen_pid, failed ? SIGKILL : SIGTERM);
	else if (failed)
		for (i = 0; i < (int)nprocs; i++)
			kill(procs[i].pid, SIGKILL);
	for (i = 0; i < (int)nprocs; i++) {
		struct proc *p = &procs[i];
		if (wait4(p->pid, &p->status, 0, &p->ru) < 0)
			memset(&p->ru, 0, sizeof p->ru);
		cpu_run += (double)(p->cpu1_ns - p->cpu0_ns) / 1e9;
		cpu_total += (double)p->ru.ru_utime.tv_sec + (double)p->ru.ru_utime.tv_usec / 1e6 +
			     (double)p->ru.ru_stime.tv_sec + (double)p->ru.ru_stime.tv_usec / 1e6;
		if (p->hwm_kb > hwm)
			hwm = p->hwm_kb;
		if (p->rss_end_kb > rss_end)
			rss_end = p->rss_end_kb;
		if (rss_at >= 0 && p->rss_mid_kb > rss_mid)
			rss_mid = p->rss_mid_kb;
	}

	qsort(lat, nlat, sizeof *lat, cmp_double);
	for (i = 0; i < nconns; i++)
		first_sorted[i] = conns[i].first_ms;
	qsort(first_sorted, (size_t)nconns, sizeof(double), cmp_double);
	of = out ? fopen(out, "w") : stdout;
	if (!of)
		of = stdout;
	{
		double el = t_end - t_start;
		double sum = 0;
		size_t k;
		for (k = 0; k < nlat; k++)
			sum += lat[k];
		fprintf(of, "{\"mode\": \"%s\", \"conns\": %d, \"requests\": %ld, ", mode, nconns,
			completed);
		fprintf(of, "\"elapsed_s\": %.6f, \"rate\": %.2f, ", el,
			el > 0 ? (double)completed / el : 0.0);
		fprintf(of, "\"lat_mean_ms\": %.4f, \"lat_p50_ms\": %.4f, \"lat_p90_ms\": %.4f, "
			    "\"lat_p99_ms\": %.4f, \"lat_max_ms\": %.4f, ",
			nlat ? sum / (double)nlat : 0.0, pct(lat, nlat, 0.5), pct(lat, nlat, 0.9),
			pct(lat, nlat, 0.99), nlat ? lat[nlat - 1] : 0.0);
		fprintf(of, "\"first_p50_ms\": %.4f, \"first_max_ms\": %.4f, ",
			pct(first_sorted, (size_t)nconns, 0.5), first_sorted[nconns - 1]);
		fprintf(of, "\"cpu_run_s\": %.6f, \"cpu_total_s\": %.6f, \"procs\": %zu, ", cpu_run,
			cpu_total, nprocs);
		fprintf(of, "\"rss_hwm_kb\": %ld, \"rss_end_kb\": %ld, \"rss_mid_kb\": %ld, ", hwm,
			rss_end, rss_mid);
		fprintf(of, "\"actions\": {");
		for (k = 0; k < ACTION_KINDS && action_name[k][0]; k++) {
			fprintf(of, "%s", k ? ", " : "");
			json_str(of, action_name[k]);
			fprintf(of, ": %ld", action_count[k]);
		}
		fprintf(of, "}, \"error\": ");
		if (errbuf[0])
			json_str(of, errbuf);
		else
			fprintf(of, "null");
		fprintf(of, "}\n");
	}
	if (of != stdout)
		fclose(of);
	return failed ? 1 : 0;
}
