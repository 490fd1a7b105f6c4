/*
 * frontend.c - the pieces of frontend.h.
 */
#include "frontend.h"

#include "log.h"

#include <spfc/buf.h>
#include <spfc/cares.h>

#include <string.h>

/* Bytes read from a client or the MTA at a time. */
#define FE_READ_CHUNK 16384

void fe_print_problems(const struct config *cfg, const char *path, FILE *f)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++) {
		spfc_buf m;

		spfc_buf_init(&m, 0);
		config_problem_report(cfg, &cfg->problems[i], path, &m);
		fprintf(f, "%s\n", spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
}

void fe_log_problems(const struct config *cfg, const char *path)
{
	size_t i;

	for (i = 0; i < cfg->nproblems; i++) {
		spfc_buf m;

		spfc_buf_init(&m, 0);
		config_problem_line(cfg, &cfg->problems[i], path, &m);
		log_err(0, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
}

void fe_read_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char chunk[FE_READ_CHUNK];

	(void)h;
	(void)suggested;
	buf->base = chunk;
	buf->len = sizeof chunk;
}

int fe_make_resolver(const char *prog, const char *dns, const char *zonefile,
		     spfc_zone **zone, spfc_resolver **res)
{
	spfc_cares_options o;
	spfc_buf err;
	int ret = 0;

	spfc_buf_init(&err, 0);
	if (zonefile) {
		if (spfc_zone_new(zone) != SPFC_OK ||
		    spfc_zone_load_file(*zone, zonefile, &err) != SPFC_OK) {
			fprintf(stderr, "%s: %s: %s\n", prog, zonefile,
				spfc_buf_str(&err));
			ret = -1;
		} else if (spfc_zone_resolver_new(*zone, res) != SPFC_OK) {
			ret = -1;
		}
	} else {
		memset(&o, 0, sizeof o);
		o.servers = dns;
		if (spfc_cares_resolver_new(&o, res, &err) != SPFC_OK) {
			fprintf(stderr, "%s: DNS resolver: %s\n", prog,
				spfc_buf_str(&err));
			ret = -1;
		}
	}
	spfc_buf_free(&err);
	return ret;
}
