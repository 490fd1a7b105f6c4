/*
 * main.c - policyd-spf: the Postfix SPF policy service.
 *
 * Spawn mode (no --listen): Postfix's spawn(8) runs one process per SMTP
 * connection with the client socket on stdin/stdout; we answer every
 * request on it and exit at end of input.  Listen mode serves many
 * clients on a unix or TCP socket (listen.c).  Both run on one libuv loop.
 *
 * Three error tiers (as Postfix): bad input -> logged, answered dunno;
 * broken environment (no resolver, unusable listen address, a
 * configuration file that cannot be read, no client on standard input or
 * output in spawn mode) -> a message on stderr and in syslog, and exit 1
 * before serving (Postfix then defers the mail, 451 4.3.5: nothing is
 * decided with settings the administrator did not write); a broken
 * invariant -> abort.
 *
 * Standard descriptors that are closed at start are filled with
 * /dev/null first thing, so that nothing opened later (the log socket, a
 * DNS socket) takes their number and receives answers or messages.
 */
#include "frontend.h"
#include "config.h"
#include "cache.h"
#include "conn.h"
#include "listen.h"
#include "log.h"
#include "policy.h"
#include "uvres.h"

#include <spfc/buf.h>
#include <spfc/cares.h>
#include <spfc/dnscache.h>
#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#ifndef SPFC_VERSION
#define SPFC_VERSION "0.0"
#endif

#define READ_CHUNK 16384
#define SPAWN_DNS_ENTRIES 2000		/* DNS answers kept by a spawned process */
#define SPAWN_DNS_BYTES (512u << 10)	/* ... and their bytes */

static const char usage_text[] =
	"usage: policyd-spf [--listen unix:PATH|inet:HOST:PORT] [--dns HOST[:PORT][,...]]\n"
	"                   [--zone FILE] [--socket-owner USER[:GROUP]] [--stderr] [CONFIG]\n"
	"       policyd-spf --check-config [--user NAME] [--socket-owner USER[:GROUP]] [CONFIG]\n"
	"       policyd-spf --help | --version\n"
	"CONFIG defaults to " CONFIG_DEFAULT_PATH "\n";

/* The standard descriptors, 0..2. */
#define STD_FDS 3

struct spawn {
	uv_loop_t *loop;
	struct conn *conn;
	uv_pipe_t pipe;
	uv_tty_t tty;
	uv_stream_t *in;	/* NULL when stdin is a regular file */
	uv_fs_t fsreq;
	char *filebuf;
	int64_t fileoff;
	int paused;
	int done;
};

/* ---- output: blocking write to fd 1, waiting out EAGAIN ---------------- */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd p = {fd, POLLOUT, 0};
				if (poll(&p, 1, 10000) <= 0)
					return -1;
				continue;
			}
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int spawn_write(void *arg, const char *buf, size_t len)
{
	(void)arg;
	return write_all(1, buf, len);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct spawn *sp = s->data;

	if (n > 0) {
		conn_input(sp->conn, buf->base, (size_t)n);
	} else if (n < 0) {
		uv_read_stop(s);
		conn_eof(sp->conn);
	}
}

static void file_read_next(struct spawn *sp);

static void on_file_read(uv_fs_t *req)
{
	struct spawn *sp = req->data;
	ssize_t n = req->result;

	uv_fs_req_cleanup(req);
	if (n > 0) {
		sp->fileoff += n;
		conn_input(sp->conn, sp->filebuf, (size_t)n);
		if (!sp->paused && !sp->done)
			file_read_next(sp);
	} else {
		conn_eof(sp->conn);
	}
}

static void file_read_next(struct spawn *sp)
{
	uv_buf_t b = uv_buf_init(sp->filebuf, READ_CHUNK);

	sp->fsreq.data = sp;
	if (uv_fs_read(sp->loop, &sp->fsreq, 0, &b, 1, sp->fileoff, on_file_read) < 0)
		conn_eof(sp->conn);
}

static void spawn_pause(void *arg)
{
	struct spawn *sp = arg;

	sp->paused = 1;
	if (sp->in)
		uv_read_stop(sp->in);
}

static void spawn_resume(void *arg)
{
	struct spawn *sp = arg;

	if (!sp->paused)
		return;
	sp->paused = 0;
	if (sp->in)
		uv_read_start(sp->in, fe_read_alloc, on_read);
	else
		file_read_next(sp);
}

static void spawn_done(void *arg)
{
	struct spawn *sp = arg;

	sp->done = 1;
	if (sp->in && !uv_is_closing((uv_handle_t *)sp->in)) {
		uv_read_stop(sp->in);
		uv_close((uv_handle_t *)sp->in, NULL);
	}
}

static const struct conn_ops spawn_ops = {
	spawn_write, spawn_pause, spawn_resume, spawn_done,
};

static int run_spawn(uv_loop_t *loop, struct policy *p)
{
	struct spawn sp;
	uv_handle_type t = uv_guess_handle(0);

	memset(&sp, 0, sizeof sp);
	sp.loop = loop;
	sp.conn = conn_new(p, &spawn_ops, &sp);
	if (!sp.conn)
		return 1;
	if (t == UV_NAMED_PIPE || t == UV_TCP || t == UV_UDP) {
		uv_pipe_init(loop, &sp.pipe, 0);
		if (uv_pipe_open(&sp.pipe, 0) != 0) {
			log_err(0, "cannot use standard input");
			return 1;
		}
		sp.in = (uv_stream_t *)&sp.pipe;
	} else if (t == UV_TTY) {
		uv_tty_init(loop, &sp.tty, 0, 1);
		sp.in = (uv_stream_t *)&sp.tty;
	}
	if (sp.in) {
		sp.in->data = &sp;
		uv_read_start(sp.in, fe_read_alloc, on_read);
	} else {
		sp.filebuf = malloc(READ_CHUNK);
		if (!sp.filebuf)
			return 1;
		file_read_next(&sp);
	}
	while (!sp.done && uv_run(loop, UV_RUN_ONCE))
		;
	conn_free(sp.conn);
	free(sp.filebuf);
	return 0;
}

/* ---- set-up --------------------------------------------------------------- */

/* fds 0..2 that were closed at start (now /dev/null). */
static int std_closed[STD_FDS];

/* Which of fds 0..2 are closed; each closed one is opened on /dev/null
 * so that no later socket or file gets its number.  -1 when /dev/null
 * cannot be opened (nothing else is safe to open then). */
static int fill_std_fds(int closed[STD_FDS])
{
	int fd;

	for (fd = 0; fd < STD_FDS; fd++) {
		closed[fd] = fcntl(fd, F_GETFD) < 0 && errno == EBADF;
		if (closed[fd]) {
			int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
			if (n != fd) {	/* the lowest free number: fd */
				if (n >= 0)
					close(n);
				return -1;
			}
		}
	}
	return 0;
}

static uv_timer_t logtimer;

static void on_logtimer(uv_timer_t *t)
{
	(void)t;
	log_flush();
}

static void arm_logtimer(void)
{
	if (!uv_is_active((uv_handle_t *)&logtimer))
		uv_timer_start(&logtimer, on_logtimer, LOG_FLUSH_MS, 0);
}

/* Spawn mode: Postfix (or an administrator) ends the process with
 * SIGTERM; the queued log lines go out first. */
static void on_spawn_term(uv_signal_t *h, int sig)
{
	(void)h;
	log_flush();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The lines spf-engine reads differently, after the settings. */
static void migration_view(const char *path)
{
	spfc_buf out;
	size_t n;

	spfc_buf_init(&out, 0);
	n = config_migration(path, &out);
	if (n)
		printf("# from spf-engine 3.0.4 to spfc, %zu note(s) "
		       "(policyd-spf(8), MIGRATION):\n%s", n,
		       spfc_buf_str(&out));
	else
		printf("# from spf-engine 3.0.4 to spfc: every line reads "
		       "the same\n");
	spfc_buf_free(&out);
}

/* --check-config: print the settings and every problem, then one closing
 * line whose counts are those of the lines printed.  0, or 1 on errors. */
static int check_config(struct config *cfg, const char *path, int loaded,
			int missing, const char *user, const char *dns,
			const char *zonefile)
{
	spfc_zone *zone = NULL;
	spfc_resolver *res = NULL;
	size_t errors, warnings;
	int resolver_failed = 0, unchecked = 0;
	spfc_buf out;

	if (loaded && user)
		unchecked = config_check_user(cfg, user) == 1;
	spfc_buf_init(&out, 0);
	config_dump(cfg, &out);
	fputs(spfc_buf_str(&out), stdout);
	spfc_buf_free(&out);
	if (loaded)
		migration_view(path);
	fflush(stdout);
	if (missing)
		fprintf(stderr, "%s: warning: no such file; the built-in defaults "
			"are used\n", path);
	fe_print_problems(cfg, path, stderr);
	if (unchecked)
		fprintf(stderr, "policyd-spf: note: not run as root: the files "
			"were not checked as user %s\n", user);
	else if (loaded && !user && geteuid() == 0)
		fprintf(stderr, "policyd-spf: note: the files were not checked "
			"as the daemon's user: give --user NAME (spawn mode: the "
			"user= of master.cf)\n");
	if (loaded && fe_make_resolver("policyd-spf", dns, zonefile, &zone, &res) < 0)
		resolver_failed = 1;
	spfc_resolver_free(res);
	spfc_zone_free(zone);
	errors = cfg->nerrors + (size_t)resolver_failed;
	warnings = cfg->nproblems - cfg->nerrors + (size_t)(missing != 0);
	if (errors) {
		fprintf(stderr, "policyd-spf: %s: %zu error(s), %zu warning(s)\n",
			path, errors, warnings);
		return 1;
	}
	printf("# %s: OK, 0 error(s), %zu warning(s)\n", path, warnings);
	return 0;
}

/* A command-line option that stands for a configuration option: value
 * (NULL: not given) checked by the configuration's own parser.  0, or -1
 * after a message (bad usage). */
static int usage_option(struct config *cfg, const char *opt, const char *name,
			const char *value)
{
	if (!value || config_set(cfg, name, value, 0) == 0)
		return 0;
	fprintf(stderr, "policyd-spf: %s: %s\n", opt,
		cfg->nproblems ? cfg->problems[cfg->nproblems - 1].text
			       : "out of memory");
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"dns", required_argument, NULL, 'd'},
		{"zone", required_argument, NULL, 'z'},
		{"check-config", no_argument, NULL, 'c'},
		{"user", required_argument, NULL, 'u'},
		{"socket-owner", required_argument, NULL, 'o'},
		{"stderr", no_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *listen_addr = NULL, *dns = NULL, *zonefile = NULL;
	const char *path = CONFIG_DEFAULT_PATH, *check_user = NULL;
	const char *socket_owner = NULL;
	int check = 0, to_stderr = 0, opt, rc, explicit_path = 0, missing = 0;
	int stdfds;
	struct config cfg;
	spfc_zone *zone = NULL;
	spfc_resolver *res = NULL, *cached = NULL;
	spfc_dnscache_options dco;
	uv_loop_t *loop;
	uv_signal_t term, intr;
	struct uvres *glue;
	struct policy *pol;
	char host[256];

	/* First: closed standard descriptors (no Postfix on the other end)
	 * get /dev/null before anything is opened. */
	stdfds = fill_std_fds(std_closed);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h?", longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_addr = optarg; break;
		case 'd': dns = optarg; break;
		case 'z': zonefile = optarg; break;
		case 'c': check = 1; break;
		case 'u': check_user = optarg; break;
		case 'o': socket_owner = optarg; break;
		case 'e': to_stderr = 1; break;
		case 'V': printf("policyd-spf (spfc) %s\n", SPFC_VERSION); return 0;
		case 'h': fputs(usage_text, stdout); return 0;
		default:
			if (optopt == '?') {
				fputs(usage_text, stdout);
				return 0;
			}
			fprintf(stderr, "policyd-spf: unknown or incomplete option: %s\n",
				argv[optind - 1]);
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		path = argv[optind++];
		explicit_path = 1;
	}
	if (optind < argc) {
		fprintf(stderr, "policyd-spf: unexpected argument: %s\n", argv[optind]);
		return 2;
	}
	if (dns && zonefile) {
		fprintf(stderr, "policyd-spf: --dns and --zone cannot be used together\n");
		return 2;
	}
	if (check_user && !check) {
		fprintf(stderr, "policyd-spf: --user is only for --check-config (it "
			"names the user the daemon runs as; it does not change user)\n");
		return 2;
	}
	if (stdfds < 0) {
		if (!std_closed[2])
			fprintf(stderr, "policyd-spf: a standard descriptor is closed "
				"and /dev/null cannot be opened\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	log_open("policyd-spf", (to_stderr || check) && !std_closed[2]);
	if (config_init(&cfg) < 0) {
		log_fatal("out of memory", NULL);
		return 1;
	}
	/* --socket-owner and --listen are read as Socket_Owner and Listen
	 * are: a value that does not parse is bad usage, before anything
	 * is made.  --socket-owner is applied again over the file's. */
	if (usage_option(&cfg, "--socket-owner", "Socket_Owner", socket_owner) < 0 ||
	    usage_option(&cfg, "--listen", "Listen", listen_addr) < 0) {
		config_free(&cfg);
		return 2;
	}
	rc = explicit_path ? config_load(&cfg, path)
			   : config_load_default(&cfg, path);
	if (rc == 1) {
		missing = 1;
		rc = 0;
	}
	if (rc == 0 && socket_owner)
		config_set(&cfg, "Socket_Owner", socket_owner, 0);
	if (rc == 0)
		config_check_per_user(&cfg);
	log_set_level(cfg.debug_level);
	if (!listen_addr)
		listen_addr = cfg.listen;
	if (check) {
		if (!check_user && listen_addr)
			check_user = cfg.user;
		rc = check_config(&cfg, path, rc == 0, missing, check_user, dns,
				  zonefile);
		config_free(&cfg);
		return rc;
	}
	if (rc < 0) {
		/* Fail closed: the file the administrator named (or the
		 * default one, present but unreadable) holds settings that
		 * would otherwise be silently dropped. */
		const char *why = cfg.nproblems ? cfg.problems[cfg.nproblems - 1].text
						: "cannot be read";
		log_fatal(why, "; not starting without its settings", NULL);
		config_free(&cfg);
		return 1;
	}
	if (!listen_addr && (std_closed[0] || std_closed[1])) {
		log_fatal(std_closed[0] ? "standard input is closed"
				       : "standard output is closed",
			 "; spawn mode answers a Postfix client there (start "
			 "it from master.cf, or use --listen); exiting", NULL);
		config_free(&cfg);
		return 1;
	}
	if (missing) {
		spfc_buf m;
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, path);
		spfc_buf_adds(&m, " does not exist; the built-in defaults are used");
		log_msg(1, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
	fe_log_problems(&cfg, path);
	if (cfg.default_seed_only) {
		spfc_buf m;
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, "WARNING: Deprecated Config Option defaultSeedOnly in use in: ");
		spfc_buf_adds(&m, path);
		log_err(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
	if (fe_make_resolver("policyd-spf", dns, zonefile, &zone, &res) < 0)
		return 1;
	if (gethostname(host, sizeof host) != 0)
		memcpy(host, "unknown", 8);
	host[sizeof host - 1] = '\0';
	/* One answer cache for every check of the process; a spawned
	 * process serves one SMTP connection, so its cache is small. */
	memset(&dco, 0, sizeof dco);
	if (!listen_addr) {
		dco.max_entries = SPAWN_DNS_ENTRIES;
		dco.max_bytes = SPAWN_DNS_BYTES;
	}
	if (spfc_dnscache_new(res, &dco, &cached) != SPFC_OK) {
		fprintf(stderr, "policyd-spf: out of memory\n");
		return 1;
	}
	loop = uv_default_loop();
	/* Log lines go out in batches (log.h). */
	uv_timer_init(loop, &logtimer);
	uv_unref((uv_handle_t *)&logtimer);
	log_batch(1, arm_logtimer);
	if (!listen_addr) {
		uv_signal_init(loop, &term);
		uv_signal_init(loop, &intr);
		uv_signal_start(&term, on_spawn_term, SIGTERM);
		uv_signal_start(&intr, on_spawn_term, SIGINT);
		uv_unref((uv_handle_t *)&term);
		uv_unref((uv_handle_t *)&intr);
	}
	glue = uvres_new(loop, cached);
	pol = policy_new(loop, cached, &cfg, host);
	if (!glue || !pol) {
		fprintf(stderr, "policyd-spf: out of memory\n");
		return 1;
	}
	log_msg(3, "Starting");
	if (listen_addr)
		rc = run_listen(loop, pol, &cfg, listen_addr, path);
	else
		rc = run_spawn(loop, pol);
	log_msg(3, "Normal exit");
	policy_free(pol);
	uvres_close(glue);
	log_batch(0, NULL);
	uv_close((uv_handle_t *)&logtimer, NULL);
	if (!listen_addr) {
		uv_close((uv_handle_t *)&term, NULL);
		uv_close((uv_handle_t *)&intr, NULL);
	}
	uv_run(loop, UV_RUN_NOWAIT);
	spfc_resolver_free(cached);
	spfc_resolver_free(res);
	spfc_zone_free(zone);
	config_free(&cfg);
	uv_loop_close(loop);
	return rc;
}
