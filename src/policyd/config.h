/*
 * config.h - policyd-spf.conf: the settings of policyd-spf and their parser.
 * The one public header of the configuration; it is implemented by
 * config.c and the config_*.c files that config_int.h maps.
 *
 * What it is for: reading an spf-engine (postfix-policyd-spf-python 3.0.4)
 * configuration file unchanged -- same option names, values and defaults --
 * with a strict, clear parser: booleans mean what they say, a value may
 * contain '=', unknown names and bad values are reported with their line
 * number (policyd-spf(8), DIFFERENCES 2).  It owns the config struct and its strings;
 * it knows nothing of SPF evaluation, DNS or the policy protocol.
 *
 * How it fails: config_load() never aborts on a bad line; it records every
 * problem (line number + text) in the config's problem list, keeps the
 * default for that option, and goes on, so the daemon can still answer
 * mail.  Errors (a value that cannot be used) and warnings (an unknown name,
 * a deprecated name) are told apart; `--check-config` exits non-zero on
 * errors.  A file that cannot be read is an error of its own kind
 * (config_load returns -1): the caller decides whether to run without it.
 * The Per_User file is read at every request; config_check_per_user()
 * reads it once more at start and on reload, so that its problems are
 * reported as those of the main file.
 */
#ifndef POLICYD_CONFIG_H
#define POLICYD_CONFIG_H

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stddef.h>

/* The build sets it from sysconfdir (meson.build); this is Debian's. */
#ifndef CONFIG_DEFAULT_PATH
#define CONFIG_DEFAULT_PATH "/etc/policyd-spf/policyd-spf.conf"
#endif
#define CONFIG_LINE_MAX 8192	/* bytes per line; longer lines are an error */
#define CONFIG_FILE_MAX (1u << 20) /* bytes per file */
#define CONFIG_LIST_MAX 1024	/* entries per comma list */

/* HELO_reject / Mail_From_reject values (spf-engine's names). */
enum reject_policy {
	POL_SPF_NOT_PASS,	/* Fail + Softfail + Neutral */
	POL_SOFTFAIL,		/* Fail + Softfail */
	POL_FAIL,		/* Fail (the default) */
	POL_NULL,		/* HELO only: Fail, only for a null sender */
	POL_FALSE,		/* never reject or defer; header only */
	POL_NO_CHECK		/* identity not evaluated at all */
};

enum header_type { HDR_SPF, HDR_AR, HDR_NONE };

/* One entry of an address list (skip_addresses, Whitelist).  spf-engine
 * stops at the first entry that is not a network (host bits set, junk),
 * so entries keep their order and a bad one is kept, marked. */
struct net_entry {
	spfc_addr addr;		/* network address */
	unsigned bits;		/* prefix length */
	int bad;		/* not an IP network: matching stops here */
	char *text;		/* as written, for messages */
};

struct net_list {
	struct net_entry *v;
	size_t n;
	int set;		/* the option was given (even if empty) */
};

/* A comma-separated list of names, kept exactly as written (spf-engine
 * does not strip spaces around commas). */
struct str_list {
	char **v;
	size_t n;
	int set;
};

struct config_problem {
	unsigned line;		/* 0: not tied to a line */
	int error;		/* 1 error, 0 warning */
	char *text;
	char *file;		/* the file `line` is in, when it is not the
				 * main file (the Per_User file); else NULL */
};

struct config {
	char *path;			/* the file read (NULL: built-in defaults) */
	int debug_level;		/* debugLevel, -1..5, default 1 */
	int test_only;			/* TestOnly, default 1; 0 = test mode */
	int default_seed_only;		/* defaultSeedOnly given (deprecated) */
	enum reject_policy helo_reject;	/* default POL_FAIL */
	enum reject_policy mail_from_reject; /* default POL_FAIL */
	int permerror_reject;		/* default 0 */
	int temperror_defer;		/* default 0 */
	int no_mail;			/* default 0 */
	struct str_list reject_not_pass_domains;
	char *helo_pass_restriction;	/* NULL when not set */
	char *mail_from_pass_restriction;
	char *prospective;		/* IP text as written, NULL when not set */
	spfc_addr prospective_addr;
	struct net_list skip_addresses;	/* default 127.0.0.0/8,::ffff:127.0.0.0/104,::1 */
	struct net_list whitelist;
	struct str_list helo_whitelist;
	struct str_list domain_whitelist;
	struct str_list domain_whitelist_ptr;
	int whitelist_lookup_time;	/* seconds, default 10 */
	int lookup_time;		/* seconds, default 20 */
	int void_limit;			/* default 2 */
	int enhanced_status_codes;	/* SPF_Enhanced_Status_Codes, default 1 */
	enum header_type header_type;	/* default HDR_SPF */
	char *authserv_id;		/* default: gethostname() ("HOSTNAME") */
	int hide_receiver;		/* default 0 ("No") */
	char *reason_message;		/* default "Message {rejectdefer} due to: {spf}. Please see {url}" */
	int mock;			/* default 0 */
	int queue_id;			/* QueueID, default 1 */
	char *per_user;			/* Per_User as written ("text,/path"), NULL */
	char *per_user_path;		/* the path part */
	unsigned per_user_line;		/* line of the main file that set it */

	/* Listen mode (spfc's own options, not spf-engine's). */
	char *listen;			/* Listen: unix:PATH or inet:HOST:PORT */
	int socket_mode;		/* Socket_Mode, octal; default 0660 */
	char *socket_owner;		/* Socket_Owner: user[:group] */
	char *socket_group;		/* Socket_Group: group */
	struct net_list listen_allow;	/* Listen_Allow: inet: clients let in */
	char *user;			/* User: drop privileges after binding */
	int max_clients;		/* Max_Clients, default 1024 */
	int max_checks;			/* Max_Checks (requests at once), default 10000 */
	int idle_timeout;		/* Idle_Timeout seconds, default 600 */
	int request_timeout;		/* Request_Timeout seconds, default 30 */
	int stats_interval;		/* Stats_Interval seconds, default 3600; 0 off */

	/* spfc-milter (pyspf-milter's options and spfc's Milter_*): read
	 * only when milter is set before loading; policyd-spf warns that
	 * they are for the milter and ignores them. */
	int milter;			/* the milter reads this configuration */
	char *socket;			/* Socket: unix:PATH, inet:PORT@HOST, ... */
	char *pid_file;			/* PidFile */
	char *user_id;			/* UserID: drop privileges to it */
	int umask;			/* UMask, octal; default 007 */
	struct net_list internal_hosts;	/* InternalHosts, default 127.0.0.1 */
	struct str_list macro_list;	/* MacroList (read, not used yet) */
	int skip_authenticated;		/* Skip_Authenticated, default 1 */
	int milter_timeout;		/* Milter_Timeout seconds, default 9 */
	int milter_reject_mail;		/* Milter_Reject_Stage = mail */
	int milter_remove_ar;		/* Milter_Remove_AR, default 0 */

	struct config_problem *problems;
	size_t nproblems;
	size_t nerrors;
};

/* Fill with spf-engine's built-in defaults.  Caller frees with
 * config_free.  Returns 0, -1 on out of memory. */
int config_init(struct config *c);
void config_free(struct config *c);

/* Read and apply a file over the current values.  Returns 0 when the file
 * was read (problems, if any, are in c->problems), -1 when it could not be
 * opened, is not a regular file or is too large (an error is recorded,
 * nothing of the file is applied, and errno says why: ENOENT for a file
 * that does not exist).  policyd-spf then refuses to run. */
int config_load(struct config *c, const char *path);

/* The same for the default path, which may be absent: a file that does
 * not exist returns 1 and records nothing (the built-in defaults stay, as
 * the Perl daemon's users run it); any other failure is as config_load. */
int config_load_default(struct config *c, const char *path);

/* Read the file named by Per_User (if any) once and record its problems
 * in c as those of the main file: a file that cannot be read, is not a
 * regular file or is too large is an error tied to the main file's
 * Per_User line; the problems of its lines (bad values: errors; unknown
 * names, names that cannot be set per user, empty settings, a line
 * without a recipient or never used: warnings) have their line number in
 * that file and problem.file set to its path.  Nothing is applied to c.
 * For the start and for a reload (listen.c), after config_load.  Returns
 * 0 when no error was found, -1 otherwise (out of memory included). */
int config_check_per_user(struct config *c);

/* For --check-config: can `user` (the user the daemon will run as, a
 * name) open the main file (c->path, when set) and the Per_User file for
 * reading?  As root the check runs in a child process that takes the
 * user's groups, group and user id and tries open(2), so permissions,
 * ACLs and the directories on the way all count.  A file the user cannot
 * read is a warning (the daemon would refuse to start, or read no
 * Per_User settings).  Returns 0 when checked, 1 when it could not be
 * (not root and not that user: nothing recorded), -1 when there is no
 * such user (an error recorded). */
int config_check_user(struct config *c, const char *user);

/* Apply one "Name = value" pair (used by the file parser and by Per_User
 * lines).  `line` is the line number for messages (0 if none).  Returns 0,
 * or -1 after recording a problem. */
int config_set(struct config *c, const char *name, const char *value,
	       unsigned line);

/* The migration view of --check-config (config_migrate.c): one line
 * "PATH: line N: TEXT" in out for each line of the file at path that
 * spf-engine 3.0.4 reads differently from spfc, saying what changes on a
 * switch.  Returns the number of lines added (0 also when the file cannot
 * be read). */
size_t config_migration(const char *path, spfc_buf *out);

/* Print the effective settings, one "Name = value" per line, in
 * spf-engine's option order, to out. */
void config_dump(const struct config *c, spfc_buf *out);

/* Per_User: the per-recipient overrides of the file named by Per_User for
 * `recipient` (exact, full address).  Fills *out (a copy of base with the
 * overrides applied) and returns 1 when a line for the recipient exists,
 * 0 when none (out untouched), -1 when the file cannot be read. */
int config_per_user(const struct config *base, const char *recipient,
		    struct config *out);

/* Deep copy (for per-user overrides).  Returns 0 or -1. */
int config_copy(struct config *dst, const struct config *src);

/* Render a Reason_Message template into out: {rejectdefer}, {spf} and
 * {url} are replaced by the given texts (NULL counts as ""), "{{" and
 * "}}" stand for literal braces, as Python's str.format() reads them in
 * spf-engine.  The one renderer: the daemon's reply text (render.c) is
 * made with it.  Templates accepted by config_set() always render.
 * Returns 0, or -1 for a template config_set() would refuse or when out
 * has its sticky error. */
int config_reason_render(const char *tmpl, const char *rejectdefer,
			 const char *spf, const char *url, spfc_buf *out);

/* Append one problem as text: "line N: TEXT" (just TEXT when it is not
 * tied to a line).  A problem of another file (p->file: the Per_User
 * file) starts with that file's name: "FILE: line N: TEXT".  The caller
 * adds the main file's name and "error"/"warning" as it likes. */
void config_problem_format(const struct config_problem *p, spfc_buf *out);

/* One problem as the log shows it, in spf-engine's style: "ERROR: FILE
 * line N: TEXT" (WARNING for a warning), FILE the file it is in (the
 * Per_User file, the one read, or path when none was read). */
void config_problem_line(const struct config *c, const struct config_problem *p,
			 const char *path, spfc_buf *out);

/* One problem as --check-config reports it: "FILE: line N: error: TEXT"
 * ("warning" for a warning; no "line N: " when not tied to a line), FILE
 * as for config_problem_line.  The three come from one formatter
 * (config_problem.c). */
void config_problem_report(const struct config *c,
			   const struct config_problem *p, const char *path,
			   spfc_buf *out);

#endif
