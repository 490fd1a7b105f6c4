/*
 * main.c - spfc-milter: SPF checks for Sendmail and Postfix as a milter,
 * with policyd-spf's configuration and decisions (server.h).
 *
 * The configuration file is policyd-spf.conf with the milter's options
 * read (config.h: Socket, PidFile, UserID, UMask, InternalHosts,
 * MacroList, Skip_Authenticated, Milter_Timeout, Milter_Reject_Stage,
 * Milter_Remove_AR).  As policyd-spf, a file that cannot be read stops
 * the start (nothing is decided with settings the administrator did not
 * write); its problems are logged; SIGHUP refuses a file with errors.
 */
#include "frontend.h"
#include "server.h"

#include "config.h"
#include "log.h"
#include "policy.h"
#include "uvres.h"

#include <spfc/buf.h>
#include <spfc/cares.h>
#include <spfc/dnscache.h>
#include <spfc/resolver.h>
#include <spfc/zone.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#ifndef SPFC_VERSION
#define SPFC_VERSION "0.0"
#endif

/* The socket when neither --socket nor Socket gives one. */
#define DEFAULT_SOCKET "unix:/run/spfc-milter/spfc-milter.sock"

static const char usage_text[] =
	"usage: spfc-milter [--socket SPEC] [--dns HOST[:PORT][,...]] [--zone FILE]\n"
	"                   [-f] [CONFIG]\n"
	"       spfc-milter --check-config [CONFIG]\n"
	"       spfc-milter --help | --version\n"
	"SPEC: unix:PATH, local:PATH, inet:PORT@HOST, inet6:PORT@HOST or inet:HOST:PORT\n"
	"CONFIG defaults to " CONFIG_DEFAULT_PATH "\n";

struct opts {
	const char *socket, *dns, *zone, *path;
	int foreground, check, explicit_path;
};

/* --check-config: the settings, the milter's budget and notes, the
 * problems; 0, or 1 on errors. */
static int check_config(struct config *cfg, const struct opts *o, int loaded,
			const char *sock)
{
	spfc_buf out;
	int budget = cfg->lookup_time < cfg->milter_timeout ? cfg->lookup_time
							    : cfg->milter_timeout;

	spfc_buf_init(&out, 0);
	config_dump(cfg, &out);
	fputs(spfc_buf_str(&out), stdout);
	spfc_buf_free(&out);
	printf("# milter: socket %s\n", sock);
	printf("# milter: each SPF check has at most %d s (Lookup_Time and "
	       "Milter_Timeout); one that runs out is a TempError\n", budget);
	if (cfg->helo_pass_restriction || cfg->mail_from_pass_restriction)
		printf("# milter: HELO_pass_restriction and "
		       "Mail_From_pass_restriction are Postfix restriction "
		       "classes; they have no milter meaning (the message "
		       "goes on)\n");
	if (cfg->milter_remove_ar)
		printf("# milter: Authentication-Results fields with "
		       "authserv-id %s are removed\n",
		       cfg->authserv_id ? cfg->authserv_id : "(none)");
	if (cfg->macro_list.n)
		printf("# milter: MacroList: clients in InternalHosts are "
		       "checked when a listed macro matches at MAIL\n");
	fe_print_problems(cfg, o->path, stderr);
	if (!loaded || cfg->nerrors) {
		fprintf(stderr, "spfc-milter: %s: %zu error(s)\n", o->path,
			cfg->nerrors + (size_t)!loaded);
		return 1;
	}
	printf("# %s: OK, 0 error(s), %zu warning(s)\n", o->path,
	       cfg->nproblems);
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"dns", required_argument, NULL, 'd'},
		{"zone", required_argument, NULL, 'z'},
		{"check-config", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(o, 0, sizeof *o);
	o->path = CONFIG_DEFAULT_PATH;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': o->socket = optarg; break;
		case 'd': o->dns = optarg; break;
		case 'z': o->zone = optarg; break;
		case 'c': o->check = 1; break;
		case 'f': o->foreground = 1; break;
		case 'V': printf("spfc-milter (spfc) %s\n", SPFC_VERSION); return 0;
		case 'h': fputs(usage_text, stdout); return 0;
		default:
			fprintf(stderr, "spfc-milter: unknown or incomplete option: %s\n",
				argv[optind - 1]);
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		o->path = argv[optind++];
		o->explicit_path = 1;
	}
	if (optind < argc) {
		fprintf(stderr, "spfc-milter: unexpected argument: %s\n", argv[optind]);
		return 2;
	}
	if (o->dns && o->zone) {
		fprintf(stderr, "spfc-milter: --dns and --zone cannot be used together\n");
		return 2;
	}
	return -1;
}

/* The loop, the resolver, the policy core; then serve. */
static int serve(struct config *cfg, const struct opts *o, const char *sock)
{
	spfc_zone *zone = NULL;
	spfc_resolver *res = NULL, *cached = NULL;
	spfc_dnscache_options dco;
	uv_loop_t *loop;
	struct uvres *glue;
	struct policy *pol;
	char host[256];
	int rc;

	if (fe_make_resolver("spfc-milter", o->dns, o->zone, &zone, &res) < 0)
		return 1;
	if (gethostname(host, sizeof host) != 0)
		memcpy(host, "unknown", 8);
	host[sizeof host - 1] = '\0';
	memset(&dco, 0, sizeof dco);
	if (spfc_dnscache_new(res, &dco, &cached) != SPFC_OK) {
		fprintf(stderr, "spfc-milter: out of memory\n");
		return 1;
	}
	loop = uv_default_loop();
	glue = uvres_new(loop, cached);
	pol = policy_new(loop, cached, cfg, host);
	if (!glue || !pol) {
		fprintf(stderr, "spfc-milter: out of memory\n");
		return 1;
	}
	policy_set_max_jobs(pol, (size_t)cfg->max_checks);
	log_msg(3, "Starting");
	rc = milter_serve(loop, pol, cached, cfg, o->path, sock, o->foreground);
	log_msg(3, "Normal exit");
	policy_free(pol);
	uvres_close(glue);
	uv_run(loop, UV_RUN_NOWAIT);
	spfc_resolver_free(cached);
	spfc_resolver_free(res);
	spfc_zone_free(zone);
	uv_loop_close(loop);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct config cfg;
	const char *sock;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	log_open("spfc-milter", o.foreground || o.check);
	if (config_init(&cfg) < 0) {
		log_fatal("out of memory", NULL);
		return 1;
	}
	cfg.milter = 1;
	rc = o.explicit_path ? config_load(&cfg, o.path)
			     : config_load_default(&cfg, o.path);
	if (rc == 1)	/* no default file: the built-in defaults */
		rc = 0;
	if (rc == 0)
		config_check_per_user(&cfg);
	log_set_level(cfg.debug_level);
	sock = o.socket ? o.socket : cfg.socket ? cfg.socket : DEFAULT_SOCKET;
	if (o.check) {
		rc = check_config(&cfg, &o, rc == 0, sock);
		config_free(&cfg);
		return rc;
	}
	if (rc < 0) {
		const char *why = cfg.nproblems ? cfg.problems[cfg.nproblems - 1].text
						: "cannot be read";
		log_fatal(o.path, ": ", why, "; not starting without its settings",
			  NULL);
		config_free(&cfg);
		return 1;
	}
	fe_log_problems(&cfg, o.path);
	milter_config_budget(&cfg);
	rc = serve(&cfg, &o, sock);
	config_free(&cfg);
	return rc;
}
