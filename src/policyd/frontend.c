/*
 * frontend.c - the pieces of frontend.h.
 */
#include "frontend.h"

#include "log.h"

#include <spfc/buf.h>

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
