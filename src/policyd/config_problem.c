/*
 * config_problem.c - the problem list of a struct config and the one
 * formatter of a problem (config_problem_format, config_problem_line:
 * the first for --check-config and the tests, the second for the log at
 * start and at reload; both from one prefix writer, so every path shows
 * the file and the line number the same way).
 *
 * How it fails: out of memory loses a message only; the config stays
 * valid.  The return value of the adders tells an error (-1) from a
 * warning (0), so a setter can end with `return cf_problem(...)`.
 */
#include "config_int.h"

#include <stdlib.h>
#include <string.h>

/* Add the text of msg (taken, then freed) as a problem on `line` of
 * `file` (NULL: the main file; else copied).  Returns -1 when the problem
 * is an error, 0 for a warning, so a setter can end with
 * `return cf_problem(...)`.  Out of memory loses the message only. */
int cf_problem_in(struct config *c, const char *file, unsigned line, int error,
		  spfc_buf *msg)
{
	struct config_problem *v;
	char *text = spfc_buf_take(msg);
	char *f = NULL;

	spfc_buf_free(msg);
	if (!text || (file && !(f = cf_dupn(file, strlen(file))))) {
		free(text);
		return error ? -1 : 0;
	}
	v = realloc(c->problems, (c->nproblems + 1) * sizeof *v);
	if (!v) {
		free(text);
		free(f);
		return error ? -1 : 0;
	}
	c->problems = v;
	v[c->nproblems].line = line;
	v[c->nproblems].error = error;
	v[c->nproblems].text = text;
	v[c->nproblems].file = f;
	c->nproblems++;
	if (error)
		c->nerrors++;
	return error ? -1 : 0;
}

int cf_problem(struct config *c, unsigned line, int error, spfc_buf *msg)
{
	return cf_problem_in(c, NULL, line, error, msg);
}

/* Forget every problem of c. */
void cf_problems_clear(struct config *c)
{
	size_t i;

	for (i = 0; i < c->nproblems; i++) {
		free(c->problems[i].text);
		free(c->problems[i].file);
	}
	free(c->problems);
	c->problems = NULL;
	c->nproblems = 0;
	c->nerrors = 0;
}

/* Start a message: the Per_User prefix, if any, then the option name. */
void cf_msg_start(spfc_buf *m, const char *where, const char *name)
{
	spfc_buf_init(m, 0);
	if (where)
		spfc_buf_adds(m, where);
	if (name) {
		spfc_buf_adds(m, name);
		spfc_buf_adds(m, ": ");
	}
}

/* "[where]NAME: <a>"VALUE"<b>" as an error or warning; `where` names the
 * Per_User file (NULL for the main file), name may be NULL. */
int cf_problem_q(struct config *c, unsigned line, int error, const char *where,
		 const char *name, const char *a, const char *value,
		 size_t vlen, const char *b)
{
	spfc_buf m;

	cf_msg_start(&m, where, name);
	if (a)
		spfc_buf_adds(&m, a);
	if (value)
		cf_quote(&m, value, vlen);
	if (b)
		spfc_buf_adds(&m, b);
	return cf_problem(c, line, error, &m);
}

int cf_oom(struct config *c, unsigned line, const char *where, const char *name)
{
	cf_problem_q(c, line, 1, where, name, "out of memory", NULL, 0, NULL);
	return -1;
}

int cf_bad_value(struct config *c, unsigned line, const char *where,
		 const char *name, const char *v, const char *hint)
{
	return cf_problem_q(c, line, 1, where, name, NULL, v, strlen(v), hint);
}

/* The one problem formatter.  FILE is the file the problem is in (the
 * Per_User file, the one read, or path when none was read; NULL for the
 * short form, which names only another file); the styles differ only in
 * where FILE, the line number and the error/warning word go. */
enum style {
	ST_SHORT, /* "[FILE: ][line N: ]TEXT" */
	ST_LOG,	  /* "ERROR: FILE[ line N]: TEXT" (spf-engine's) */
	ST_REPORT /* "FILE: [line N: ]error: TEXT" (--check-config) */
};

static void problem_write(const struct config *c,
			  const struct config_problem *p, const char *path,
			  enum style st, spfc_buf *out)
{
	const char *file = p->file;

	if (st != ST_SHORT && !file)
		file = c->path ? c->path : path;
	if (st == ST_LOG)
		spfc_buf_adds(out, p->error ? "ERROR: " : "WARNING: ");
	if (file) {
		spfc_buf_adds(out, file);
		spfc_buf_adds(out, st == ST_LOG ? "" : ": ");
	}
	if (p->line) {
		spfc_buf_adds(out, st == ST_LOG ? " line " : "line ");
		spfc_buf_addu(out, p->line);
		spfc_buf_adds(out, st == ST_LOG ? "" : ": ");
	}
	if (st == ST_LOG)
		spfc_buf_adds(out, ": ");
	if (st == ST_REPORT)
		spfc_buf_adds(out, p->error ? "error: " : "warning: ");
	spfc_buf_adds(out, p->text);
}

void config_problem_format(const struct config_problem *p, spfc_buf *out)
{
	problem_write(NULL, p, NULL, ST_SHORT, out);
}

void config_problem_line(const struct config *c, const struct config_problem *p,
			 const char *path, spfc_buf *out)
{
	problem_write(c, p, path, ST_LOG, out);
}

void config_problem_report(const struct config *c,
			   const struct config_problem *p, const char *path,
			   spfc_buf *out)
{
	problem_write(c, p, path, ST_REPORT, out);
}
