/*
 * fuzz_config.c - libFuzzer target for the policyd-spf.conf parser
 * (src/policyd/config.c): config_load, config_per_user and what is built
 * on them.
 *
 * Input: the configuration file text, then optionally a NUL and the text
 * of a Per_User file, then optionally a NUL and the recipient to look up
 * in it.  Both texts are written to memory files (memfd) that the parser
 * opens by their /proc/self/fd path, so nothing touches the disk.  The
 * Per_User path the configuration names is replaced by the second memory
 * file before config_per_user runs (an input must not make the fuzzer
 * read files of the machine).
 *
 * Rules checked:
 *  - config_load reads the file (returns 0); every problem has a line
 *    number within the file, one line of printable ASCII text, and the
 *    error count matches the problems marked as errors;
 *  - the effective settings printed by config_dump, loaded again as a
 *    file, give the same settings without an error (the dump is a
 *    faithful configuration), and config_copy gives the same dump;
 *  - the Reason_Message in effect always renders (config.h's promise);
 *  - config_per_user answers 0 or 1, and an answer of 1 is a whole config
 *    that dumps and frees.
 *
 * How it fails: abort() on any broken rule; out of memory or a memfd that
 * cannot be made ends the input's run quietly.
 */
#define _GNU_SOURCE	/* memfd_create() */

#include "config.h"

#include <spfc/buf.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_PATH_MAX 64	/* "/proc/self/fd/" and a number */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mfile {
	int fd;
	char path[FUZZ_PATH_MAX];
};

static struct mfile conf_file = {-1, ""}, user_file = {-1, ""},
		    dump_file = {-1, ""};

static int mfile_open(struct mfile *m, const char *name)
{
	spfc_buf b;

	if (m->fd >= 0)
		return 0;
	m->fd = memfd_create(name, MFD_CLOEXEC);
	if (m->fd < 0)
		return -1;
	spfc_buf_init(&b, sizeof m->path - 1);
	spfc_buf_adds(&b, "/proc/self/fd/");
	spfc_buf_addu(&b, (unsigned long long)m->fd);
	if (b.err) {
		spfc_buf_free(&b);
		return -1;
	}
	memcpy(m->path, b.data, b.len + 1);
	spfc_buf_free(&b);
	return 0;
}

/* Replace the file's contents with p[0..n). */
static int mfile_set(struct mfile *m, const char *p, size_t n)
{
	size_t off = 0;

	if (ftruncate(m->fd, 0) != 0)
		return -1;
	while (off < n) {
		ssize_t k = pwrite(m->fd, p + off, n - off, (off_t)off);

		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

static size_t count_lines(const char *p, size_t n)
{
	size_t i, lines = 1;

	for (i = 0; i < n; i++)
		if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n ||
						      p[i + 1] != '\n')))
			lines++;
	return lines;
}

static void check_problems(const struct config *c, size_t lines)
{
	size_t i, errors = 0;
	const char *s;

	for (i = 0; i < c->nproblems; i++) {
		const struct config_problem *p = &c->problems[i];

		if (!p->text || !*p->text || p->line > lines)
			abort();
		for (s = p->text; *s; s++)
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				abort();
		errors += p->error != 0;
	}
	if (errors != c->nerrors)
		abort();
}

static void check_reason(const struct config *c)
{
	spfc_buf out;

	if (!c->reason_message)
		return;
	spfc_buf_init(&out, 0);
	if (config_reason_render(c->reason_message, "rejected",
				 "SPF fail - not authorized",
				 "https://example.org/why", &out) < 0 &&
	    out.err != SPFC_ENOMEM)
		abort();
	spfc_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *nul1 = memchr(p, '\0', size), *nul2 = NULL;
	const char *utext = "", *rcpt;
	size_t clen = nul1 ? (size_t)(nul1 - p) : size, ulen = 0;
	struct config c, c2, c3, u;
	spfc_buf d1, d2, d3;
	char *rcpt_copy = NULL;
	int have2 = 0, have3 = 0, rc;

	if (nul1) {
		utext = nul1 + 1;
		nul2 = memchr(utext, '\0', (size_t)(end - utext));
		ulen = nul2 ? (size_t)(nul2 - utext) : (size_t)(end - utext);
	}
	rcpt = nul2 ? nul2 + 1 : "user@example.org";
	if (nul2) {
		size_t n = (size_t)(end - rcpt);

		rcpt_copy = malloc(n + 1);
		if (!rcpt_copy)
			return 0;
		memcpy(rcpt_copy, rcpt, n);
		rcpt_copy[n] = '\0';
		rcpt = rcpt_copy;
	}
	if (mfile_open(&conf_file, "conf") < 0 ||
	    mfile_open(&user_file, "users") < 0 ||
	    mfile_open(&dump_file, "dump") < 0 ||
	    mfile_set(&conf_file, p, clen) < 0 ||
	    mfile_set(&user_file, utext, ulen) < 0) {
		free(rcpt_copy);
		return 0;
	}

	spfc_buf_init(&d1, 0);
	spfc_buf_init(&d2, 0);
	spfc_buf_init(&d3, 0);
	if (config_init(&c) < 0)
		goto out0;
	if (config_load(&c, conf_file.path) != 0)
		goto out1;	/* only out of memory can stop a read here */
	check_problems(&c, count_lines(p, clen));
	check_reason(&c);
	config_dump(&c, &d1);
	if (d1.err)
		goto out1;

	/* the dump, read back, is the same configuration */
	if (config_init(&c2) < 0)
		goto out1;
	have2 = 1;
	if (mfile_set(&dump_file, d1.data, d1.len) < 0 ||
	    config_load(&c2, dump_file.path) != 0)
		goto out1;
	check_problems(&c2, count_lines(d1.data, d1.len));
	config_dump(&c2, &d2);
	if (!d2.err && c2.nerrors == 0 && c.nerrors == 0 &&
	    (d1.len != d2.len || memcmp(d1.data, d2.data, d1.len) != 0))
		abort();
	if (c.nerrors == 0 && c2.nerrors != 0)
		abort();

	/* a copy dumps the same */
	if (config_copy(&c3, &c) < 0)
		goto out1;
	have3 = 1;
	config_dump(&c3, &d3);
	if (!d3.err && (d1.len != d3.len || memcmp(d1.data, d3.data, d1.len)))
		abort();

	/* Per_User, from the second memory file only */
	if (c.per_user_path) {
		char *path = strdup(user_file.path);

		if (!path)
			goto out1;
		free(c.per_user_path);
		c.per_user_path = path;
		memset(&u, 0, sizeof u);
		rc = config_per_user(&c, rcpt, &u);
		if (rc < 0)
			goto out1;	/* out of memory */
		if (rc > 1)
			abort();
		if (rc == 1) {
			spfc_buf du;

			check_problems(&u, count_lines(utext, ulen));
			check_reason(&u);
			spfc_buf_init(&du, 0);
			config_dump(&u, &du);
			spfc_buf_free(&du);
			config_free(&u);
		}
	}
out1:
	if (have3)
		config_free(&c3);
	if (have2)
		config_free(&c2);
	config_free(&c);
out0:
	spfc_buf_free(&d1);
	spfc_buf_free(&d2);
	spfc_buf_free(&d3);
	free(rcpt_copy);
	return 0;
}
