/*
 * config_int.h - the pieces of the policyd-spf.conf parser, for the
 * config*.c files only (the daemon includes config.h).
 *
 * What it is for: one internal header for a module spread over several
 * files.  An option is a row of a typed table (config.c): its name, the
 * function that converts and stores a value (the setter), the function
 * that prints it back (the printer), where in struct config it is stored,
 * its range and its built-in default.  Each block of declarations below
 * opens with the file that implements it, so a reader goes from any
 * function to its file in one step.
 *
 * How it fails: as config.h says; every setter either stores the value or
 * records a problem and keeps the previous one.
 */
#ifndef POLICYD_CONFIG_INT_H
#define POLICYD_CONFIG_INT_H

#include "config.h"

#include <spfc/buf.h>

#include "common/ascii.h"

#include <stddef.h>

/* Bytes of file text quoted in one message, so a message stays readable. */
#define CF_QUOTE_MAX 80
/* What config_dump puts between a name and its value.  A value is only
 * taken when "Name = value" fits in CONFIG_LINE_MAX, so a dump always
 * reads back as the same settings. */
#define CF_DUMP_SEP " = "
/* Authserv_Id's default, resolved by gethostname(). */
#define CF_DEFAULT_AUTHSERV_ID "HOSTNAME"

/* ---- config.c: the option table ---------------------------------------- */

struct cf_option;

/* Convert v and store it in c at o->off.  `line` and `where` (the
 * Per_User prefix of messages, NULL for the main file) place the
 * problems.  0 when stored (warnings possible), -1 after recording an
 * error (the previous value is kept, except for an address list, which
 * is kept with its bad entries marked). */
typedef int (*cf_setter)(struct config *c, const struct cf_option *o,
			 const char *v, unsigned line, const char *where);
/* Append the value of o in c as the file would give it. */
typedef void (*cf_printer)(const struct config *c, const struct cf_option *o,
			   spfc_buf *out);

#define CF_PER_USER 1u /* in spf-engine's per-user table */
#define CF_HELO 2u     /* HELO_reject: Null is allowed */
#define CF_IGNORED 4u  /* read by spf-engine for its milter only: ignored */
#define CF_MILTER 8u   /* spfc-milter's: ignored unless config.milter */

struct cf_option {
	const char *name;
	cf_setter set;
	cf_printer print; /* NULL: not in the dump */
	size_t off;	  /* field in struct config */
	int min, max;	  /* whole numbers */
	unsigned flags;
	const char *def; /* built-in default, NULL: zero */
};

#define CF_FIELD(c, o, type) ((type *)(void *)((char *)(c) + (o)->off))
#define CF_CFIELD(c, o, type)                                                  \
	((const type *)(const void *)((const char *)(c) + (o)->off))

/* The rows of the table (checked against the table when it compiles). */
#define CF_NOPTIONS 50

extern const struct cf_option cf_options[CF_NOPTIONS];
extern const size_t cf_noptions;

/* Look the name up (per_user: in spf-engine's per-user table, which also
 * knows Authserv-Id) and apply the value.  seen, when not NULL, holds the
 * line each option was last set on (cf_noptions entries), for the "given
 * again" warning. */
int cf_set_named(struct config *c, const char *name, const char *value,
		 unsigned line, const char *where, int per_user,
		 unsigned *seen);

/* ---- config_util.c: text helpers of the parser --------------------------- */

/* Character classes and case-insensitive comparison: common/ascii.h. */
/* Like sc_streq_nocase, and '-' equals '_' (for the "did you mean"
 * hint). */
int cf_loose_eq(const char *a, const char *b);
/* Strip white space from both ends of [*s, *s + *n). */
void cf_strip(const char **s, size_t *n);
/* NUL-terminated copies; caller frees.  NULL on out of memory. */
char *cf_dupn(const char *s, size_t n);
char *cf_dups(const char *s);
/* Append s (n bytes) in double quotes, clipped to CF_QUOTE_MAX, with
 * bytes that are not printable ASCII written as \xNN. */
void cf_quote(spfc_buf *b, const char *s, size_t n);
void cf_quote_s(spfc_buf *b, const char *s);
void cf_add_int(spfc_buf *b, long long v);
/* *dst = a copy of src (NULL for NULL); *fail set on out of memory. */
void cf_copy_str(char **dst, const char *src, int *fail);

/* ---- config_problem.c: the problem list and its one formatter ---------- */

/* Add the text of msg (taken, then freed) as a problem on `line` of
 * `file` (NULL: the main file; else copied).  Returns -1 when the problem
 * is an error, 0 for a warning, so a setter can end with
 * `return cf_problem(...)`.  Out of memory loses the message only. */
int cf_problem_in(struct config *c, const char *file, unsigned line, int error,
		  spfc_buf *msg);
int cf_problem(struct config *c, unsigned line, int error, spfc_buf *msg);
/* Forget every problem of c. */
void cf_problems_clear(struct config *c);
/* Start a message: the Per_User prefix, if any, then the option name. */
void cf_msg_start(spfc_buf *m, const char *where, const char *name);
/* "[where]NAME: <a>"VALUE"<b>" as an error or warning; name may be NULL. */
int cf_problem_q(struct config *c, unsigned line, int error, const char *where,
		 const char *name, const char *a, const char *value,
		 size_t vlen, const char *b);
/* "out of memory" as an error; returns -1. */
int cf_oom(struct config *c, unsigned line, const char *where,
	   const char *name);
/* "NAME: "V"HINT" as an error; returns -1. */
int cf_bad_value(struct config *c, unsigned line, const char *where,
		 const char *name, const char *v, const char *hint);

/* ---- config_int.c: whole numbers --------------------------------------- */

/* Strict decimal with an optional sign: no empty text, no trailing junk,
 * no overflow.  0 or -1. */
int cf_parse_int(const char *s, long long *out);
int cf_set_int(struct config *c, const struct cf_option *o, const char *v,
	       unsigned line, const char *where);
int cf_set_debug(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where);
int cf_set_seed(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where);
int cf_set_mode(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where);

/* ---- config_bool.c: booleans, reject policies, header types ----------- */

int cf_set_bool(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where);
int cf_set_yesno(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where);
int cf_set_policy(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where);
int cf_set_header(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where);
const char *cf_policy_name(enum reject_policy p);
const char *cf_header_name(enum header_type h);

/* ---- config_reason.c: Reason_Message templates ------------------------- */

int cf_set_reason(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where);

/* ---- config_str.c: names, addresses, paths ----------------------------- */

/* The host name for Authserv_Id = HOSTNAME; caller frees.  Falls back to
 * "localhost" (with a warning) when gethostname() fails. */
char *cf_hostname_dup(struct config *c, unsigned line, const char *where);
/* Replace the string at *dst with a copy of v (NULL when v is NULL);
 * -1 after recording out of memory. */
int cf_replace_str(struct config *c, char **dst, const char *v, unsigned line,
		   const char *where, const char *name);
int cf_set_class(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where);
int cf_set_ip(struct config *c, const struct cf_option *o, const char *v,
	      unsigned line, const char *where);
int cf_set_authserv(struct config *c, const struct cf_option *o, const char *v,
		    unsigned line, const char *where);
int cf_set_per_user(struct config *c, const struct cf_option *o, const char *v,
		    unsigned line, const char *where);
int cf_set_listen(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where);
int cf_set_owner(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where);
int cf_set_user(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where);
int cf_set_group(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where);
int cf_set_text(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where);
int cf_set_stage(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where);
void cf_print_stage(const struct config *c, const struct cf_option *o,
		    spfc_buf *out);
int cf_set_ignored(struct config *c, const struct cf_option *o, const char *v,
		   unsigned line, const char *where);

/* ---- config_list.c: address and name lists ----------------------------- */

int cf_set_netlist(struct config *c, const struct cf_option *o, const char *v,
		   unsigned line, const char *where);
int cf_set_strlist(struct config *c, const struct cf_option *o, const char *v,
		   unsigned line, const char *where);
void cf_netlist_free(struct net_list *l);
void cf_strlist_free(struct str_list *l);
/* Deep copies into the uninitialised d; *fail set on out of memory (d
 * can be freed then). */
void cf_netlist_copy(struct net_list *d, const struct net_list *s, int *fail);
void cf_strlist_copy(struct str_list *d, const struct str_list *s, int *fail);

/* ---- config_dump.c: the printers of the table -------------------------- */

void cf_print_int(const struct config *c, const struct cf_option *o,
		  spfc_buf *out);
void cf_print_bool(const struct config *c, const struct cf_option *o,
		   spfc_buf *out);
void cf_print_yesno(const struct config *c, const struct cf_option *o,
		    spfc_buf *out);
void cf_print_policy(const struct config *c, const struct cf_option *o,
		     spfc_buf *out);
void cf_print_header(const struct config *c, const struct cf_option *o,
		     spfc_buf *out);
void cf_print_str(const struct config *c, const struct cf_option *o,
		  spfc_buf *out);
void cf_print_netlist(const struct config *c, const struct cf_option *o,
		      spfc_buf *out);
void cf_print_strlist(const struct config *c, const struct cf_option *o,
		      spfc_buf *out);
void cf_print_mode(const struct config *c, const struct cf_option *o,
		   spfc_buf *out);

/* ---- config_file.c: reading files and their lines ---------------------- */

enum cf_read_status { RF_OK, RF_OPEN, RF_READ, RF_NOTREG, RF_BIG, RF_NOMEM };

/* Read a whole regular file of at most CONFIG_FILE_MAX bytes into out
 * (initialised here; the caller frees it when RF_OK).  *err is the errno
 * of RF_OPEN and RF_READ. */
enum cf_read_status cf_read_file(const char *path, spfc_buf *out, int *err);
/* The errno that goes with a read status (config_load's promise). */
int cf_read_errno(enum cf_read_status rs, int err);
/* Record why a file could not be read, as an error on `line` of the main
 * file (0: not tied to a line), the message starting with `where` and
 * ending with `after` (either may be NULL). */
void cf_file_problem(struct config *c, const char *path, enum cf_read_status rs,
		     int err, unsigned line, const char *where,
		     const char *after);

/* Lines end at LF, CR LF or a lone CR (Python's universal newlines, as
 * spf-engine reads the file). */
struct cf_line_iter {
	const char *p, *end;
	unsigned no;
};

void cf_lines_start(struct cf_line_iter *it, const spfc_buf *data);
int cf_next_line(struct cf_line_iter *it, const char **s, size_t *n);
/* A line that cannot be read at all: over CONFIG_LINE_MAX or with a NUL
 * byte.  Records the error when c is not NULL; 1 when the line is bad. */
int cf_bad_line(struct config *c, const char *s, size_t n, unsigned line,
		const char *where);
/* Drop the comment (everything from the first '#') and white space. */
void cf_uncomment(const char **s, size_t *n);
/* Split "name = value" on the first '=' and apply it.  Returns -1 after
 * an error or when nothing was applied. */
int cf_apply_pair(struct config *c, const char *s, size_t n, unsigned line,
		  const char *where, int per_user, unsigned *seen);

#endif
