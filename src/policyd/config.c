/*
 * config.c - policyd-spf.conf: spf-engine's option table, its built-in
 * defaults, a strict line parser, the Per_User file, the checks of
 * --check-config, and the dump.
 *
 * What it is for: turning an spf-engine 3.0.4 configuration file into a
 * struct config, option by option, with the same names, values and
 * defaults, but parsed strictly: the line is split on the first '=' only,
 * booleans mean what they say, every value is checked, and every problem
 * is recorded with its line number.
 *
 * How it fails: a bad line or value never stops the parse.  The option
 * keeps its previous value, a problem (error or warning, line number,
 * text) is added to the config, and the next line is read.  A file that
 * cannot be opened, is not a regular file or is over CONFIG_FILE_MAX is
 * not applied at all (config_load returns -1).  Out of memory leaves the
 * option unchanged and makes the call return -1; the config stays valid
 * and can always be freed.  Text from the file that is quoted in a message
 * is clipped and has its control and non-ASCII bytes escaped.  The checks
 * (config_check_per_user, config_check_user) only add problems; the
 * second forks a child that takes the daemon's user, and a child that
 * cannot is a warning, never a wrong answer about a file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bytes of file text quoted in one message, so a message stays readable. */
#define QUOTE_MAX 80
/* gethostname() buffer: POSIX HOST_NAME_MAX (255 on Linux) + NUL. */
#define HOSTNAME_MAX 256
/* Digits of a whole number: far below the 19 of a long long, so the
 * value cannot overflow while it is read. */
#define INT_DIGITS_MAX 18
/* What config_dump puts between a name and its value.  A value is only
 * taken when "Name = value" fits in CONFIG_LINE_MAX, so a dump always
 * reads back as the same settings. */
#define DUMP_SEP " = "
/* Bytes read from the file per read(2) call (a stack buffer). */
#define READ_CHUNK 8192
/* config_check_user: the files tried (main, Per_User) and the exit
 * status of a child that could not become the user. */
#define CHECK_FILES_MAX 2
#define CHECK_CHILD_FAILED 111

/* spf-engine's built-in defaults (policydspfsupp.defaultConfigData). */
#define DEFAULT_DEBUG_LEVEL 1
#define DEFAULT_TEST_ONLY 1
#define DEFAULT_SKIP_ADDRESSES "127.0.0.0/8,::ffff:127.0.0.0/104,::1"
#define DEFAULT_LOOKUP_TIME 20
#define DEFAULT_WHITELIST_LOOKUP_TIME 10
#define DEFAULT_VOID_LIMIT 2
#define DEFAULT_AUTHSERV_ID "HOSTNAME"	/* resolved by gethostname() */
#define DEFAULT_REASON "Message {rejectdefer} due to: {spf}. Please see {url}"
/* Used when gethostname() fails or gives an unusable name. */
#define FALLBACK_HOSTNAME "localhost"

/* Defaults of spfc's own listen-mode options (config.h). */
#define DEFAULT_SOCKET_MODE 0660	/* owner and group only */
#define DEFAULT_MAX_CLIENTS 1024	/* listen.h LISTEN_MAX_CLIENTS */
#define DEFAULT_MAX_CHECKS 10000	/* policy.h POLICY_MAX_JOBS */
#define DEFAULT_IDLE_TIMEOUT 600
#define DEFAULT_REQUEST_TIMEOUT 30	/* seconds from a request's first byte */
#define DEFAULT_STATS_INTERVAL 3600

/* Ranges of the listen-mode numbers: a socket mode is permission bits
 * only (chmod(2), no set-id bits) and must let someone connect; clients
 * are bounded by a process's descriptors; a day is the longest idle time
 * or statistics period worth waiting for. */
#define SOCKET_MODE_MIN 01
#define SOCKET_MODE_MAX 0777
#define MAX_CLIENTS_MIN 1
#define MAX_CLIENTS_MAX 65536
#define MAX_CHECKS_MIN 1
#define MAX_CHECKS_MAX 1000000
#define IDLE_TIMEOUT_MIN 1
#define IDLE_TIMEOUT_MAX 86400
#define REQUEST_TIMEOUT_MIN 1
#define REQUEST_TIMEOUT_MAX 3600
#define STATS_INTERVAL_MIN 0		/* 0: no periodic statistics */
#define STATS_INTERVAL_MAX 86400
/* A unix socket path must fit sockaddr_un.sun_path with its NUL. */
#define UNIX_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
/* TCP ports (RFC 793): 1..65535; 0 is not a port to listen on. */
#define PORT_MAX 65535

/* Ranges of the numeric options (spf-engine takes any int; these are the
 * values that make sense: debug levels of policyd-spf.conf(5), at most an
 * hour for a DNS budget, at most 100 void lookups). */
#define DEBUG_LEVEL_MIN (-1)
#define DEBUG_LEVEL_MAX 5
#define LOOKUP_TIME_MIN 1
#define LOOKUP_TIME_MAX 3600
#define VOID_LIMIT_MIN 0
#define VOID_LIMIT_MAX 100

/* ---- locale-free character classes ----------------------------------- */

static int is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' ||
	       ch == '\r' || ch == '\n';
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_print(int ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

static int to_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* ASCII case-insensitive equality of a C string and n bytes. */
static int ieqn(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!a[i] || to_lower((unsigned char)a[i]) !=
				 to_lower((unsigned char)b[i]))
			return 0;
	return a[n] == '\0';
}

static int ieq(const char *a, const char *b)
{
	return ieqn(a, b, strlen(b));
}

/* Like ieq, and '-' equals '_' (for the "did you mean" hint). */
static int loose_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int x = to_lower((unsigned char)*a);
		int y = to_lower((unsigned char)*b);
		if (x == '-')
			x = '_';
		if (y == '-')
			y = '_';
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* Strip white space from both ends of [*s, *s + *n). */
static void strip(const char **s, size_t *n)
{
	while (*n && is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A NUL-terminated copy of n bytes; caller frees.  NULL on out of memory. */
static char *dupn(const char *s, size_t n)
{
	spfc_buf b;

	spfc_buf_init(&b, n + 1);
	spfc_buf_add(&b, s, n);
	return spfc_buf_take(&b);
}

static char *dups(const char *s)
{
	return dupn(s, strlen(s));
}

/* Append s (n bytes) in double quotes, clipped to QUOTE_MAX, with bytes
 * that are not printable ASCII written as \xNN. */
static void add_quoted(spfc_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	spfc_buf_addc(b, '"');
	for (i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (is_print(ch) && ch != '\\' && ch != '"') {
			spfc_buf_addc(b, (char)ch);
		} else if (ch == '\\' || ch == '"') {
			spfc_buf_addc(b, '\\');
			spfc_buf_addc(b, (char)ch);
		} else {
			spfc_buf_adds(b, "\\x");
			spfc_buf_addc(b, hex[ch >> 4]);
			spfc_buf_addc(b, hex[ch & 15]);
		}
	}
	if (n > QUOTE_MAX)
		spfc_buf_adds(b, "...");
	spfc_buf_addc(b, '"');
}

static void add_quoted_s(spfc_buf *b, const char *s)
{
	add_quoted(b, s, strlen(s));
}

static void add_int(spfc_buf *b, long long v)
{
	if (v < 0) {
		spfc_buf_addc(b, '-');
		spfc_buf_addu(b, (unsigned long long)(-(v + 1)) + 1u);
	} else {
		spfc_buf_addu(b, (unsigned long long)v);
	}
}

/* ---- problems -------------------------------------------------------- */

/* Add the text of msg (taken, then freed) as a problem on `line` of
 * `file` (NULL: the main file; else copied).  Returns -1 when the problem
 * is an error, 0 for a warning, so a setter can end with
 * `return add_problem(...)`.  Out of memory loses the message only. */
static int add_problem_in(struct config *c, const char *file, unsigned line,
			  int error, spfc_buf *msg)
{
	struct config_problem *v;
	char *text = spfc_buf_take(msg);
	char *f = NULL;

	spfc_buf_free(msg);
	if (!text || (file && !(f = dupn(file, strlen(file))))) {
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

static int add_problem(struct config *c, unsigned line, int error,
		       spfc_buf *msg)
{
	return add_problem_in(c, NULL, line, error, msg);
}

/* Forget every problem of c. */
static void problems_clear(struct config *c)
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
static void msg_start(spfc_buf *m, const char *where, const char *name)
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
static int problem_q(struct config *c, unsigned line, int error,
		     const char *where, const char *name, const char *a,
		     const char *value, size_t vlen, const char *b)
{
	spfc_buf m;

	msg_start(&m, where, name);
	if (a)
		spfc_buf_adds(&m, a);
	if (value)
		add_quoted(&m, value, vlen);
	if (b)
		spfc_buf_adds(&m, b);
	return add_problem(c, line, error, &m);
}

static int oom(struct config *c, unsigned line, const char *where,
	       const char *name)
{
	problem_q(c, line, 1, where, name, "out of memory", NULL, 0, NULL);
	return -1;
}

/* ---- the option table ------------------------------------------------ */

enum kind {
	K_INT,		/* whole number in [min, max] */
	K_DEBUG,	/* debugLevel: out of range is clamped with a warning */
	K_SEED,		/* defaultSeedOnly: read, deprecated, no effect */
	K_BOOL,		/* True/False and friends -> int 1/0 */
	K_YESNO,	/* SPF_Enhanced_Status_Codes */
	K_HIDE,		/* Hide_Receiver */
	K_POLICY,	/* HELO_reject, Mail_From_reject */
	K_HEADER,	/* Header_Type */
	K_AUTHSERV,	/* Authserv_Id */
	K_REASON,	/* Reason_Message */
	K_IP,		/* Prospective */
	K_NETLIST,	/* skip_addresses, Whitelist */
	K_STRLIST,	/* HELO_Whitelist, Domain_Whitelist, ... */
	K_CLASS,	/* *_pass_restriction */
	K_PERUSER,	/* Per_User */
	K_LISTEN,	/* Listen: unix:PATH, inet:HOST:PORT, /path */
	K_MODE,		/* Socket_Mode: octal permission bits */
	K_OWNER,	/* Socket_Owner: user[:group] */
	K_USER,		/* User: a user name */
	K_GROUP,	/* Socket_Group: a group name */
	K_MILTER	/* milter-only names: accepted, ignored */
};

#define F_PER_USER 1u	/* in spf-engine's per-user table */
#define F_HELO 2u	/* HELO_reject: Null is allowed */

struct option {
	const char *name;
	enum kind kind;
	size_t off;	/* field in struct config */
	int min, max;	/* K_INT */
	unsigned flags;
};

#define OFF(f) offsetof(struct config, f)

/* spf-engine's option names in the order of its parser's name table
 * (policydspfsupp._readConfigFile); that is also the order of the dump.
 * QueueID is documented by spf-engine but missing from its table; here it
 * can be set.  Then spfc's own listen-mode options.  F_PER_USER marks the
 * names of policydspfuser's table. */
static const struct option options[] = {
	{"debugLevel", K_DEBUG, OFF(debug_level), DEBUG_LEVEL_MIN,
	 DEBUG_LEVEL_MAX, F_PER_USER},
	{"HELO_reject", K_POLICY, OFF(helo_reject), 0, 0, F_PER_USER | F_HELO},
	{"Mail_From_reject", K_POLICY, OFF(mail_from_reject), 0, 0,
	 F_PER_USER},
	{"PermError_reject", K_BOOL, OFF(permerror_reject), 0, 0, F_PER_USER},
	{"TempError_Defer", K_BOOL, OFF(temperror_defer), 0, 0, F_PER_USER},
	{"Mail_From_pass_restriction", K_CLASS,
	 OFF(mail_from_pass_restriction), 0, 0, F_PER_USER},
	{"HELO_pass_restriction", K_CLASS, OFF(helo_pass_restriction), 0, 0,
	 F_PER_USER},
	{"Prospective", K_IP, OFF(prospective), 0, 0, F_PER_USER},
	{"Whitelist", K_NETLIST, OFF(whitelist), 0, 0, F_PER_USER},
	{"skip_addresses", K_NETLIST, OFF(skip_addresses), 0, 0, F_PER_USER},
	{"HELO_Whitelist", K_STRLIST, OFF(helo_whitelist), 0, 0, F_PER_USER},
	{"Domain_Whitelist", K_STRLIST, OFF(domain_whitelist), 0, 0,
	 F_PER_USER},
	{"Domain_Whitelist_PTR", K_STRLIST, OFF(domain_whitelist_ptr), 0, 0,
	 F_PER_USER},
	{"No_Mail", K_BOOL, OFF(no_mail), 0, 0, F_PER_USER},
	{"Reject_Not_Pass_Domains", K_STRLIST, OFF(reject_not_pass_domains),
	 0, 0, F_PER_USER},
	{"Per_User", K_PERUSER, OFF(per_user), 0, 0, 0},
	{"TestOnly", K_INT, OFF(test_only), INT_MIN, INT_MAX, 0},
	{"defaultSeedOnly", K_SEED, OFF(default_seed_only), INT_MIN, INT_MAX,
	 F_PER_USER},
	{"SPF_Enhanced_Status_Codes", K_YESNO, OFF(enhanced_status_codes), 0,
	 0, F_PER_USER},
	{"Header_Type", K_HEADER, OFF(header_type), 0, 0, F_PER_USER},
	{"Hide_Receiver", K_HIDE, OFF(hide_receiver), 0, 0, F_PER_USER},
	{"Authserv_Id", K_AUTHSERV, OFF(authserv_id), 0, 0, F_PER_USER},
	{"Lookup_Time", K_INT, OFF(lookup_time), LOOKUP_TIME_MIN,
	 LOOKUP_TIME_MAX, F_PER_USER},
	{"Whitelist_Lookup_Time", K_INT, OFF(whitelist_lookup_time),
	 LOOKUP_TIME_MIN, LOOKUP_TIME_MAX, F_PER_USER},
	{"Void_Limit", K_INT, OFF(void_limit), VOID_LIMIT_MIN, VOID_LIMIT_MAX,
	 F_PER_USER},
	{"Reason_Message", K_REASON, OFF(reason_message), 0, 0, F_PER_USER},
	{"Mock", K_BOOL, OFF(mock), 0, 0, 0},
	{"QueueID", K_BOOL, OFF(queue_id), 0, 0, 0},
	/* spfc's own: listen mode */
	{"Listen", K_LISTEN, OFF(listen), 0, 0, 0},
	{"Socket_Mode", K_MODE, OFF(socket_mode), SOCKET_MODE_MIN,
	 SOCKET_MODE_MAX, 0},
	{"Socket_Owner", K_OWNER, OFF(socket_owner), 0, 0, 0},
	{"Socket_Group", K_GROUP, OFF(socket_group), 0, 0, 0},
	{"Listen_Allow", K_NETLIST, OFF(listen_allow), 0, 0, 0},
	{"User", K_USER, OFF(user), 0, 0, 0},
	{"Max_Clients", K_INT, OFF(max_clients), MAX_CLIENTS_MIN,
	 MAX_CLIENTS_MAX, 0},
	{"Max_Checks", K_INT, OFF(max_checks), MAX_CHECKS_MIN, MAX_CHECKS_MAX,
	 0},
	{"Idle_Timeout", K_INT, OFF(idle_timeout), IDLE_TIMEOUT_MIN,
	 IDLE_TIMEOUT_MAX, 0},
	{"Request_Timeout", K_INT, OFF(request_timeout), REQUEST_TIMEOUT_MIN,
	 REQUEST_TIMEOUT_MAX, 0},
	{"Stats_Interval", K_INT, OFF(stats_interval), STATS_INTERVAL_MIN,
	 STATS_INTERVAL_MAX, 0},
	/* read by spf-engine's parser for its milter front end only */
	{"Socket", K_MILTER, 0, 0, 0, 0},
	{"PidFile", K_MILTER, 0, 0, 0, 0},
	{"UserID", K_MILTER, 0, 0, 0, 0},
	{"UMask", K_MILTER, 0, 0, 0, 0},
	{"InternalHosts", K_MILTER, 0, 0, 0, 0},
	{"IntHosts", K_MILTER, 0, 0, 0, 0},
	{"MacroList", K_MILTER, 0, 0, 0, 0},
};

#define NOPTIONS (sizeof options / sizeof options[0])

/* policydspfuser spells this one with a hyphen. */
#define PER_USER_AUTHSERV_ALIAS "Authserv-Id"

static const struct option *find_option(const char *name)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

#define FIELD(c, o, type) ((type *)(void *)((char *)(c) + (o)->off))
#define CFIELD(c, o, type)                                                 \
	((const type *)(const void *)((const char *)(c) + (o)->off))

/* ---- value parsers --------------------------------------------------- */

/* Strict decimal with an optional sign; 0 or -1. */
static int parse_int(const char *s, long long *out)
{
	long long v = 0;
	int neg = 0;
	size_t n = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!is_digit((unsigned char)*s))
		return -1;
	while (*s == '0' && is_digit((unsigned char)s[1]))
		s++;	/* leading zeros do not count against the bound */
	for (; is_digit((unsigned char)*s); s++) {
		if (++n > INT_DIGITS_MAX)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* True/Yes/On/1 -> 1, False/No/Off/0 -> 0, otherwise -1. */
static int parse_bool(const char *s)
{
	if (ieq(s, "true") || ieq(s, "yes") || ieq(s, "on") ||
	    strcmp(s, "1") == 0)
		return 1;
	if (ieq(s, "false") || ieq(s, "no") || ieq(s, "off") ||
	    strcmp(s, "0") == 0)
		return 0;
	return -1;
}

static const struct {
	const char *name;
	enum reject_policy pol;
} policies[] = {
	{"SPF_Not_Pass", POL_SPF_NOT_PASS}, {"Softfail", POL_SOFTFAIL},
	{"Fail", POL_FAIL},		    {"Null", POL_NULL},
	{"False", POL_FALSE},		    {"No_Check", POL_NO_CHECK},
};

#define HELO_POLICIES                                                      \
	" is not one of SPF_Not_Pass, Softfail, Fail, Null, False, No_Check"
#define MFROM_POLICIES                                                     \
	" is not one of SPF_Not_Pass, Softfail, Fail, False, No_Check"

static const char *policy_name(enum reject_policy p)
{
	size_t i;

	for (i = 0; i < sizeof policies / sizeof policies[0]; i++)
		if (policies[i].pol == p)
			return policies[i].name;
	return "Fail";
}

static const char *header_name(enum header_type h)
{
	return h == HDR_AR ? "AR" : h == HDR_NONE ? "None" : "SPF";
}

/* Does s contain needle, ignoring ASCII case? */
static int icontains(const char *s, const char *needle)
{
	size_t n = strlen(needle), len = strlen(s), i, k;

	for (i = 0; i + n <= len; i++) {
		for (k = 0; k < n; k++)
			if (to_lower((unsigned char)s[i + k]) !=
			    to_lower((unsigned char)needle[k]))
				break;
		if (k == n)
			return 1;
	}
	return 0;
}

/* ---- Reason_Message templates ---------------------------------------- */

/* The fields spf-engine passes to str.format(), in the order of the
 * values given to reason_scan(). */
static const char *const reason_fields[] = {"rejectdefer", "spf", "url"};
#define NREASON_FIELDS (sizeof reason_fields / sizeof reason_fields[0])

/* Walk a template as Python's str.format() reads it: "{{" and "}}" are
 * literal braces, "{name}" is a field, and only the three fields above
 * exist (spf-engine's format call raises on anything else).  When out is
 * not NULL the text is rendered into it with vals[i] for field i.
 * Returns 0, or -1 with *bad / *badlen naming the offending part. */
static int reason_scan(const char *t, const char *const *vals, spfc_buf *out,
		       const char **bad, size_t *badlen)
{
	const char *p = t;

	while (*p) {
		if (p[0] == '{' && p[1] == '{') {
			if (out)
				spfc_buf_addc(out, '{');
			p += 2;
		} else if (p[0] == '}' && p[1] == '}') {
			if (out)
				spfc_buf_addc(out, '}');
			p += 2;
		} else if (*p == '{') {
			const char *e = strchr(p + 1, '}');
			size_t i, len;

			if (!e) {
				*bad = p;
				*badlen = strlen(p);
				return -1;
			}
			len = (size_t)(e - p - 1);
			for (i = 0; i < NREASON_FIELDS; i++)
				if (strlen(reason_fields[i]) == len &&
				    memcmp(reason_fields[i], p + 1, len) == 0)
					break;
			if (i == NREASON_FIELDS) {
				*bad = p;
				*badlen = len + 2;
				return -1;
			}
			if (out)
				spfc_buf_adds(out, vals[i] ? vals[i] : "");
			p = e + 1;
		} else if (*p == '}') {
			*bad = p;
			*badlen = 1;
			return -1;
		} else {
			if (out)
				spfc_buf_addc(out, *p);
			p++;
		}
	}
	return 0;
}

int config_reason_render(const char *tmpl, const char *rejectdefer,
			 const char *spf, const char *url, spfc_buf *out)
{
	const char *vals[NREASON_FIELDS];
	const char *bad;
	size_t badlen;

	vals[0] = rejectdefer;
	vals[1] = spf;
	vals[2] = url;
	if (reason_scan(tmpl, vals, out, &bad, &badlen) < 0)
		return -1;
	return out->err ? -1 : 0;
}

/* ---- address lists --------------------------------------------------- */

/* The prefix length of an IPv4 netmask (255.255.0.0) or host mask
 * (0.0.255.255), as Python's ipaddress accepts after the '/'; -1 when
 * the bits are not contiguous. */
static int mask_prefix(const unsigned char *b)
{
	unsigned long v = ((unsigned long)b[0] << 24) |
			  ((unsigned long)b[1] << 16) |
			  ((unsigned long)b[2] << 8) | (unsigned long)b[3];
	unsigned long inv = ~v & 0xfffffffful;
	int ones = 0;
	unsigned long t;

	if ((inv & (inv + 1)) == 0) {	/* 1...10...0: a netmask */
		for (t = v; t; t &= t - 1)
			ones++;
		return ones;
	}
	if ((v & (v + 1)) == 0) {	/* 0...01...1: a host mask */
		for (t = inv; t; t &= t - 1)
			ones++;
		return ones;
	}
	return -1;
}

/* Parse one entry (n bytes) as Python's ipaddress.IPv4Network /
 * IPv6Network in strict mode: an address, optionally "/prefix" (decimal)
 * or, for IPv4, "/netmask"; host bits must be zero.  Returns NULL and
 * fills e->addr, e->bits, or returns why it is not a network. */
static const char *parse_net(const char *s, size_t n, struct net_entry *e)
{
	char tmp[SPFC_ADDR_TEXT_MAX];
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned full, bits, i;

	memset(&e->addr, 0, sizeof e->addr);
	e->bits = 0;
	if (n == 0)
		return "an empty entry";
	if (alen == 0 || alen >= sizeof tmp)
		return "not an IP address";
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	if (spfc_addr_parse(tmp, &e->addr) != SPFC_OK)
		return "not an IP address";
	full = e->addr.family == 4 ? 32u : 128u;
	bits = full;
	if (slash) {
		const char *p = slash + 1;
		size_t plen = n - alen - 1, k;
		int digits = plen > 0;
		unsigned long v = 0;

		for (k = 0; k < plen; k++)
			if (!is_digit((unsigned char)p[k]))
				digits = 0;
		if (digits) {
			for (k = 0; k < plen; k++) {
				v = v * 10 + (unsigned long)(p[k] - '0');
				if (v > full)
					break;
			}
			if (v > full)
				return "prefix length out of range";
			bits = (unsigned)v;
		} else {
			spfc_addr m;
			int pre;

			if (e->addr.family != 4 || plen == 0 ||
			    plen >= sizeof tmp)
				return "not a valid prefix length";
			memcpy(tmp, p, plen);
			tmp[plen] = '\0';
			if (spfc_addr_parse(tmp, &m) != SPFC_OK ||
			    m.family != 4 || (pre = mask_prefix(m.b)) < 0)
				return "not a valid netmask";
			bits = (unsigned)pre;
		}
	}
	for (i = bits; i < full; i++)
		if (e->addr.b[i / 8] & (0x80u >> (i % 8)))
			return "host bits set";
	e->bits = bits;
	return NULL;
}

static void netlist_free(struct net_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void strlist_free(struct str_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Entries of a comma list: commas + 1. */
static size_t count_entries(const char *v)
{
	size_t n = 1;

	for (; *v; v++)
		if (*v == ',')
			n++;
	return n;
}

static int too_many(struct config *c, unsigned line, const char *where,
		    const char *name)
{
	spfc_buf m;

	msg_start(&m, where, name);
	spfc_buf_adds(&m, "more than ");
	spfc_buf_addu(&m, CONFIG_LIST_MAX);
	spfc_buf_adds(&m, " entries; the value is not used");
	return add_problem(c, line, 1, &m);
}

static int set_netlist(struct config *c, const struct option *o,
		       const char *v, unsigned line, const char *where)
{
	struct net_list *old = FIELD(c, o, struct net_list);
	struct net_list nl = {NULL, 0, 1};
	const char *p = v;
	size_t count;
	int rc = 0;

	if (*v) {
		count = count_entries(v);
		if (count > CONFIG_LIST_MAX)
			return too_many(c, line, where, o->name);
		nl.v = calloc(count, sizeof *nl.v);
		if (!nl.v)
			return oom(c, line, where, o->name);
		for (;;) {
			const char *q = strchr(p, ',');
			const char *s = p, *why;
			size_t raw = q ? (size_t)(q - p) : strlen(p), n = raw;
			struct net_entry *e = &nl.v[nl.n];

			strip(&s, &n);
			if (n != raw && n)
				problem_q(c, line, 0, where, o->name, NULL, p,
					  raw,
					  ": the spaces around the entry are "
					  "ignored (spf-engine does not allow "
					  "them)");
			e->text = dupn(s, n);
			if (!e->text) {
				netlist_free(&nl);
				return oom(c, line, where, o->name);
			}
			nl.n++;
			why = parse_net(s, n, e);
			if (why) {
				spfc_buf m;

				e->bad = 1;
				msg_start(&m, where, o->name);
				if (n)
					add_quoted(&m, s, n);
				else
					spfc_buf_adds(&m, "an empty entry");
				spfc_buf_adds(&m, " is not an IP network (");
				spfc_buf_adds(&m, why);
				spfc_buf_adds(&m, "); spf-engine stops checking"
						  " the list there");
				if (q)
					spfc_buf_adds(&m, ", so the entries "
							  "after it are never "
							  "used");
				rc = add_problem(c, line, 1, &m);
			}
			if (!q)
				break;
			p = q + 1;
		}
	}
	netlist_free(old);
	*old = nl;
	return rc;
}

static int set_strlist(struct config *c, const struct option *o,
		       const char *v, unsigned line, const char *where)
{
	struct str_list *old = FIELD(c, o, struct str_list);
	struct str_list sl = {NULL, 0, 1};
	const char *p = v;
	size_t count;

	if (*v) {
		count = count_entries(v);
		if (count > CONFIG_LIST_MAX)
			return too_many(c, line, where, o->name);
		sl.v = calloc(count, sizeof *sl.v);
		if (!sl.v)
			return oom(c, line, where, o->name);
		for (;;) {
			const char *q = strchr(p, ',');
			const char *s = p;
			size_t raw = q ? (size_t)(q - p) : strlen(p), n = raw;

			strip(&s, &n);
			if (n == 0)
				problem_q(c, line, 0, where, o->name,
					  "an empty entry (a doubled or "
					  "trailing comma)",
					  NULL, 0, NULL);
			else if (n != raw)
				problem_q(c, line, 0, where, o->name, NULL, p,
					  raw,
					  " has spaces around it, which are "
					  "kept, so it can never match");
			sl.v[sl.n] = dupn(p, raw);
			if (!sl.v[sl.n]) {
				strlist_free(&sl);
				return oom(c, line, where, o->name);
			}
			sl.n++;
			if (!q)
				break;
			p = q + 1;
		}
	}
	strlist_free(old);
	*old = sl;
	return 0;
}

/* ---- single values --------------------------------------------------- */

/* The host name for Authserv_Id = HOSTNAME; caller frees.  Falls back to
 * FALLBACK_HOSTNAME (with a warning) when gethostname() fails. */
static char *hostname_dup(struct config *c, unsigned line, const char *where)
{
	char h[HOSTNAME_MAX];
	size_t i, n;

	if (gethostname(h, sizeof h) != 0) {
		spfc_buf m;

		msg_start(&m, where, "Authserv_Id");
		spfc_buf_adds(&m, "gethostname: ");
		spfc_buf_adds(&m, strerror(errno));
		spfc_buf_adds(&m, "; \"" FALLBACK_HOSTNAME "\" is used");
		add_problem(c, line, 0, &m);
		return dups(FALLBACK_HOSTNAME);
	}
	h[sizeof h - 1] = '\0';
	n = strlen(h);
	for (i = 0; i < n; i++)
		if (h[i] <= ' ' || h[i] >= 0x7f)
			break;
	if (n == 0 || i < n) {
		problem_q(c, line, 0, where, "Authserv_Id",
			  "the host name ", h, n,
			  " is not usable; \"" FALLBACK_HOSTNAME "\" is used");
		return dups(FALLBACK_HOSTNAME);
	}
	return dupn(h, n);
}

/* Replace the string at *dst with a copy of v (NULL when v is NULL). */
static int replace_str(struct config *c, char **dst, const char *v,
		       unsigned line, const char *where, const char *name)
{
	char *n = NULL;

	if (v && !(n = dups(v)))
		return oom(c, line, where, name);
	free(*dst);
	*dst = n;
	return 0;
}

static int bad_value(struct config *c, unsigned line, const char *where,
		     const char *name, const char *v, const char *hint)
{
	return problem_q(c, line, 1, where, name, NULL, v, strlen(v), hint);
}

static int set_int(struct config *c, const struct option *o, const char *v,
		   unsigned line, const char *where)
{
	long long n;
	spfc_buf m;

	if (parse_int(v, &n) < 0)
		return bad_value(c, line, where, o->name, v,
				 " is not a whole number");
	if (o->kind == K_SEED) {
		*FIELD(c, o, int) = 1;
		msg_start(&m, where, NULL);
		spfc_buf_adds(&m, "defaultSeedOnly is deprecated (and has no "
				  "effect); use TestOnly");
		add_problem(c, line, 0, &m);
		return 0;
	}
	if (n < o->min || n > o->max) {
		if (o->kind == K_DEBUG) {
			/* spf-engine takes any level; above 5 logs as 5,
			 * below -1 as -1 */
			msg_start(&m, where, o->name);
			add_int(&m, n);
			spfc_buf_adds(&m,
				      n < o->min ? " is below " : " is above ");
			add_int(&m, n < o->min ? o->min : o->max);
			spfc_buf_adds(&m, "; ");
			add_int(&m, n < o->min ? o->min : o->max);
			spfc_buf_adds(&m, " is used");
			add_problem(c, line, 0, &m);
			*FIELD(c, o, int) = n < o->min ? o->min : o->max;
			return 0;
		}
		msg_start(&m, where, o->name);
		add_int(&m, n);
		spfc_buf_adds(&m, " is out of range (");
		add_int(&m, o->min);
		spfc_buf_adds(&m, "..");
		add_int(&m, o->max);
		spfc_buf_adds(&m, ")");
		return add_problem(c, line, 1, &m);
	}
	*FIELD(c, o, int) = (int)n;
	return 0;
}

static int set_class(struct config *c, const struct option *o,
		     const char *v, unsigned line, const char *where)
{
	const char *p;

	for (p = v; *p; p++)
		if (*p == ' ')
			return bad_value(c, line, where, o->name, v,
					 " is not a restriction class name "
					 "(it holds a space)");
	return replace_str(c, FIELD(c, o, char *), *v ? v : NULL, line, where,
			   o->name);
}

static int set_ip(struct config *c, const struct option *o, const char *v,
		  unsigned line, const char *where)
{
	spfc_addr a;

	if (!*v) {
		memset(&c->prospective_addr, 0, sizeof c->prospective_addr);
		return replace_str(c, &c->prospective, NULL, line, where,
				   o->name);
	}
	if (spfc_addr_parse(v, &a) != SPFC_OK)
		return bad_value(c, line, where, o->name, v,
				 " is not an IP address");
	if (replace_str(c, &c->prospective, v, line, where, o->name) < 0)
		return -1;
	c->prospective_addr = a;
	return 0;
}

static int set_authserv(struct config *c, const struct option *o,
			const char *v, unsigned line, const char *where)
{
	const char *p;
	char *n;

	if (!*v) {
		spfc_buf m;

		msg_start(&m, where, o->name);
		spfc_buf_adds(&m, "must not be empty");
		return add_problem(c, line, 1, &m);
	}
	for (p = v; *p; p++)
		if (*p == ' ')
			return bad_value(c, line, where, o->name, v,
					 " holds a space");
	if (strcmp(v, DEFAULT_AUTHSERV_ID) == 0)
		n = hostname_dup(c, line, where);
	else
		n = dups(v);
	if (!n)
		return oom(c, line, where, o->name);
	free(c->authserv_id);
	c->authserv_id = n;
	return 0;
}

static int set_reason(struct config *c, const struct option *o,
		      const char *v, unsigned line, const char *where)
{
	const char *bad;
	size_t badlen;

	if (reason_scan(v, NULL, NULL, &bad, &badlen) < 0)
		return problem_q(c, line, 1, where, o->name, NULL, bad, badlen,
				 " is not one of {rejectdefer}, {spf}, {url} "
				 "(write {{ and }} for literal braces)");
	return replace_str(c, &c->reason_message, v, line, where, o->name);
}

static int set_per_user(struct config *c, const struct option *o,
			const char *v, unsigned line, const char *where)
{
	const char *comma = strchr(v, ',');
	const char *t = v, *p;
	size_t tn, pn;
	char *whole, *path;

	if (!*v) {
		free(c->per_user);
		free(c->per_user_path);
		c->per_user = c->per_user_path = NULL;
		c->per_user_line = 0;
		return 0;
	}
	if (!comma)
		return bad_value(c, line, where, o->name, v,
				 " is not \"text,/path/to/file\"");
	tn = (size_t)(comma - v);
	strip(&t, &tn);
	if (!ieqn("text", t, tn) || tn != 4)
		return problem_q(c, line, 1, where, o->name,
				 "the only type is \"text\", not ", t, tn,
				 NULL);
	p = comma + 1;
	pn = strlen(p);
	strip(&p, &pn);
	if (pn == 0)
		return bad_value(c, line, where, o->name, v,
				 " names no file");
	if (p[0] != '/')
		problem_q(c, line, 0, where, o->name, "the path ", p, pn,
			  " is relative to the daemon's working directory");
	whole = dups(v);
	path = dupn(p, pn);
	if (!whole || !path) {
		free(whole);
		free(path);
		return oom(c, line, where, o->name);
	}
	free(c->per_user);
	free(c->per_user_path);
	c->per_user = whole;
	c->per_user_path = path;
	c->per_user_line = line;
	return 0;
}

/* Listen: "unix:PATH", a bare "/PATH" (unix too), or "inet:HOST:PORT"
 * with HOST an address literal ("[v6]" allowed), as listen.c binds. */
static int set_listen(struct config *c, const struct option *o,
		      const char *v, unsigned line, const char *where)
{
	const char *path = NULL;

	if (!*v)
		return replace_str(c, FIELD(c, o, char *), NULL, line, where,
				   o->name);
	if (strncmp(v, "unix:", 5) == 0)
		path = v + 5;
	else if (v[0] == '/')
		path = v;
	if (path) {
		if (!*path)
			return bad_value(c, line, where, o->name, v,
					 " names no socket path");
		if (strlen(path) > UNIX_PATH_MAX)
			return bad_value(c, line, where, o->name, v,
					 ": the socket path is too long for a "
					 "unix socket");
		if (path[0] != '/')
			problem_q(c, line, 0, where, o->name, "the path ",
				  path, strlen(path),
				  " is relative to the daemon's working "
				  "directory");
	} else if (strncmp(v, "inet:", 5) == 0) {
		const char *hp = v + 5, *colon = strrchr(hp, ':');
		char host[SPFC_ADDR_TEXT_MAX];
		size_t hl;
		long long port;
		spfc_addr a;

		if (!colon)
			return bad_value(c, line, where, o->name, v,
					 " is not inet:HOST:PORT");
		hl = (size_t)(colon - hp);
		if (hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']') {
			hp++;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof host)
			return bad_value(c, line, where, o->name, v,
					 ": the host is not an IP address");
		memcpy(host, hp, hl);
		host[hl] = '\0';
		if (spfc_addr_parse(host, &a) != SPFC_OK)
			return bad_value(c, line, where, o->name, v,
					 ": the host is not an IP address");
		if (colon[1] == '+' || colon[1] == '-' ||
		    parse_int(colon + 1, &port) < 0 || port < 1 ||
		    port > PORT_MAX)
			return bad_value(c, line, where, o->name, v,
					 ": the port is not 1..65535");
	} else {
		return bad_value(c, line, where, o->name, v,
				 " is not unix:PATH or inet:HOST:PORT");
	}
	return replace_str(c, FIELD(c, o, char *), v, line, where, o->name);
}

/* Socket_Mode: octal permission bits, as chmod(1) writes them. */
static int set_mode(struct config *c, const struct option *o, const char *v,
		    unsigned line, const char *where)
{
	unsigned long m = 0;
	const char *p;

	if (!*v)
		return bad_value(c, line, where, o->name, v,
				 " is not an octal mode");
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '7' || m > SOCKET_MODE_MAX)
			return bad_value(c, line, where, o->name, v,
					 " is not an octal mode (0001..0777)");
		m = m * 8 + (unsigned long)(*p - '0');
	}
	if (m < SOCKET_MODE_MIN || m > SOCKET_MODE_MAX)
		return bad_value(c, line, where, o->name, v,
				 " is not an octal mode (0001..0777)");
	*FIELD(c, o, int) = (int)m;
	return 0;
}

/* User, Socket_Owner and Socket_Group: "user", (owner only)
 * "user:group", (group only) "group". */
static int set_user(struct config *c, const struct option *o, const char *v,
		    unsigned line, const char *where)
{
	const char *colon = strchr(v, ':'), *p;

	if (!*v)
		return replace_str(c, FIELD(c, o, char *), NULL, line, where,
				   o->name);
	for (p = v; *p; p++)
		if (*p == ' ')
			return bad_value(c, line, where, o->name, v,
					 " holds a space");
	if (colon && (o->kind != K_OWNER || colon == v || !colon[1] ||
		      strchr(colon + 1, ':')))
		return bad_value(c, line, where, o->name, v,
				 o->kind == K_USER    ? " is not a user name"
				 : o->kind == K_GROUP ? " is not a group name"
						      : " is not user[:group]");
	return replace_str(c, FIELD(c, o, char *), v, line, where, o->name);
}

/* Apply value v to option o.  0 when applied (warnings possible), -1
 * after recording an error (the previous value is kept, except for an
 * address list, which is kept with its bad entries marked). */
static int set_value(struct config *c, const struct option *o, const char *v,
		     unsigned line, const char *where)
{
	const char *p;
	int b;
	size_t i;

	if (o->kind == K_MILTER) {
		spfc_buf m;

		msg_start(&m, where, NULL);
		spfc_buf_adds(&m, o->name);
		spfc_buf_adds(&m, " is only used by the milter; ignored");
		add_problem(c, line, 0, &m);
		return 0;
	}
	if (strlen(o->name) + strlen(DUMP_SEP) + strlen(v) > CONFIG_LINE_MAX) {
		spfc_buf m;

		msg_start(&m, where, o->name);
		spfc_buf_adds(&m, "the value is too long (\"Name = value\" "
				  "must fit in ");
		spfc_buf_addu(&m, CONFIG_LINE_MAX);
		spfc_buf_adds(&m, " bytes)");
		return add_problem(c, line, 1, &m);
	}
	for (p = v; *p; p++)
		if (!is_print((unsigned char)*p))
			return bad_value(c, line, where, o->name, v,
					 " holds a control character or a "
					 "byte outside ASCII");
	switch (o->kind) {
	case K_INT:
	case K_DEBUG:
	case K_SEED:
		return set_int(c, o, v, line, where);
	case K_BOOL:
	case K_YESNO:
	case K_HIDE:
		b = parse_bool(v);
		if (b < 0)
			return bad_value(c, line, where, o->name, v,
					 o->kind == K_BOOL
						 ? " is not True or False"
						 : " is not Yes or No");
		*FIELD(c, o, int) = b;
		return 0;
	case K_POLICY:
		for (i = 0; i < sizeof policies / sizeof policies[0]; i++)
			if (ieq(v, policies[i].name))
				break;
		if (i == sizeof policies / sizeof policies[0])
			return bad_value(c, line, where, o->name, v,
					 (o->flags & F_HELO) ? HELO_POLICIES
							     : MFROM_POLICIES);
		if (policies[i].pol == POL_NULL && !(o->flags & F_HELO))
			return bad_value(c, line, where, o->name, v,
					 " is only for HELO_reject");
		*FIELD(c, o, enum reject_policy) = policies[i].pol;
		return 0;
	case K_HEADER:
		if (ieq(v, "SPF"))
			c->header_type = HDR_SPF;
		else if (ieq(v, "AR"))
			c->header_type = HDR_AR;
		else if (ieq(v, "None"))
			c->header_type = HDR_NONE;
		else if (icontains(v, "SPF") && icontains(v, "AR"))
			return problem_q(c, line, 1, where, NULL,
					 "Header_Type cannot be both SPF and "
					 "AR (",
					 v, strlen(v),
					 "); run two instances for two header "
					 "fields");
		else
			return bad_value(c, line, where, o->name, v,
					 " is not one of SPF, AR, None");
		return 0;
	case K_AUTHSERV:
		return set_authserv(c, o, v, line, where);
	case K_REASON:
		return set_reason(c, o, v, line, where);
	case K_IP:
		return set_ip(c, o, v, line, where);
	case K_NETLIST:
		return set_netlist(c, o, v, line, where);
	case K_STRLIST:
		return set_strlist(c, o, v, line, where);
	case K_CLASS:
		return set_class(c, o, v, line, where);
	case K_PERUSER:
		return set_per_user(c, o, v, line, where);
	case K_LISTEN:
		return set_listen(c, o, v, line, where);
	case K_MODE:
		return set_mode(c, o, v, line, where);
	case K_OWNER:
		return set_user(c, o, v, line, where);
	case K_USER:
	case K_GROUP:
		return set_user(c, o, v, line, where);
	case K_MILTER:
		break;
	}
	return 0;
}

/* Look the name up (per_user: in spf-engine's per-user table, which also
 * knows Authserv-Id) and apply the value.  seen, when not NULL, holds the
 * line each option was last set on, for the "given again" warning. */
static int set_named(struct config *c, const char *name, const char *value,
		     unsigned line, const char *where, int per_user,
		     unsigned *seen)
{
	const struct option *o = find_option(name);
	spfc_buf m;
	size_t i;
	int rc;

	if (!o && per_user && strcmp(name, PER_USER_AUTHSERV_ALIAS) == 0)
		o = find_option("Authserv_Id");
	if (!o) {
		msg_start(&m, where, NULL);
		spfc_buf_adds(&m, "unknown name ");
		add_quoted_s(&m, name);
		for (i = 0; i < NOPTIONS; i++)
			if (loose_eq(name, options[i].name)) {
				spfc_buf_adds(&m, " (names are case-sensitive: "
						  "did you mean \"");
				spfc_buf_adds(&m, options[i].name);
				spfc_buf_adds(&m, "\"?)");
				break;
			}
		spfc_buf_adds(&m, "; ignored");
		add_problem(c, line, 0, &m);
		return -1;
	}
	if (per_user && !(o->flags & F_PER_USER)) {
		msg_start(&m, where, NULL);
		spfc_buf_adds(&m, o->name);
		spfc_buf_adds(&m, " cannot be set per user; ignored");
		add_problem(c, line, 0, &m);
		return -1;
	}
	rc = set_value(c, o, value, line, where);
	if (rc == 0 && seen && o->kind != K_MILTER) {
		size_t k = (size_t)(o - options);

		if (seen[k]) {
			msg_start(&m, where, NULL);
			spfc_buf_adds(&m, o->name);
			spfc_buf_adds(&m, " is given again (before on line ");
			spfc_buf_addu(&m, seen[k]);
			spfc_buf_adds(&m, "); this value replaces that one");
			add_problem(c, line, 0, &m);
		}
		seen[k] = line;
	}
	return rc;
}

int config_set(struct config *c, const char *name, const char *value,
	       unsigned line)
{
	if (!name || !value)
		return -1;
	return set_named(c, name, value, line, NULL, 0, NULL);
}

/* ---- init, free, copy ------------------------------------------------ */

int config_init(struct config *c)
{
	const struct option *skip = find_option("skip_addresses");

	memset(c, 0, sizeof *c);
	c->debug_level = DEFAULT_DEBUG_LEVEL;
	c->test_only = DEFAULT_TEST_ONLY;
	c->helo_reject = POL_FAIL;
	c->mail_from_reject = POL_FAIL;
	c->whitelist_lookup_time = DEFAULT_WHITELIST_LOOKUP_TIME;
	c->lookup_time = DEFAULT_LOOKUP_TIME;
	c->void_limit = DEFAULT_VOID_LIMIT;
	c->enhanced_status_codes = 1;
	c->header_type = HDR_SPF;
	c->queue_id = 1;
	c->socket_mode = DEFAULT_SOCKET_MODE;
	c->max_clients = DEFAULT_MAX_CLIENTS;
	c->max_checks = DEFAULT_MAX_CHECKS;
	c->idle_timeout = DEFAULT_IDLE_TIMEOUT;
	c->request_timeout = DEFAULT_REQUEST_TIMEOUT;
	c->stats_interval = DEFAULT_STATS_INTERVAL;
	c->reason_message = dups(DEFAULT_REASON);
	c->authserv_id = hostname_dup(c, 0, NULL);
	if (!c->reason_message || !c->authserv_id ||
	    set_netlist(c, skip, DEFAULT_SKIP_ADDRESSES, 0, NULL) < 0) {
		config_free(c);
		return -1;
	}
	c->skip_addresses.set = 0;	/* a default, not given */
	return 0;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	strlist_free(&c->reject_not_pass_domains);
	free(c->helo_pass_restriction);
	free(c->mail_from_pass_restriction);
	free(c->prospective);
	netlist_free(&c->skip_addresses);
	netlist_free(&c->whitelist);
	strlist_free(&c->helo_whitelist);
	strlist_free(&c->domain_whitelist);
	strlist_free(&c->domain_whitelist_ptr);
	free(c->authserv_id);
	free(c->reason_message);
	free(c->per_user);
	free(c->per_user_path);
	free(c->listen);
	free(c->socket_owner);
	free(c->socket_group);
	netlist_free(&c->listen_allow);
	free(c->user);
	problems_clear(c);
	memset(c, 0, sizeof *c);
}

static void copy_str(char **dst, const char *src, int *fail)
{
	*dst = NULL;
	if (src && !(*dst = dups(src)))
		*fail = 1;
}

static void copy_netlist(struct net_list *d, const struct net_list *s,
			 int *fail)
{
	size_t i;

	d->v = NULL;
	d->n = 0;
	d->set = s->set;
	if (!s->n)
		return;
	d->v = calloc(s->n, sizeof *d->v);
	if (!d->v) {
		*fail = 1;
		return;
	}
	for (i = 0; i < s->n; i++) {
		d->v[i] = s->v[i];
		copy_str(&d->v[i].text, s->v[i].text, fail);
		d->n++;
	}
}

static void copy_strlist(struct str_list *d, const struct str_list *s,
			 int *fail)
{
	size_t i;

	d->v = NULL;
	d->n = 0;
	d->set = s->set;
	if (!s->n)
		return;
	d->v = calloc(s->n, sizeof *d->v);
	if (!d->v) {
		*fail = 1;
		return;
	}
	for (i = 0; i < s->n; i++) {
		copy_str(&d->v[i], s->v[i], fail);
		d->n++;
	}
}

int config_copy(struct config *dst, const struct config *src)
{
	int fail = 0;
	size_t i;

	*dst = *src;	/* the scalars; every pointer is replaced below */
	copy_str(&dst->path, src->path, &fail);
	copy_strlist(&dst->reject_not_pass_domains,
		     &src->reject_not_pass_domains, &fail);
	copy_str(&dst->helo_pass_restriction, src->helo_pass_restriction,
		 &fail);
	copy_str(&dst->mail_from_pass_restriction,
		 src->mail_from_pass_restriction, &fail);
	copy_str(&dst->prospective, src->prospective, &fail);
	copy_netlist(&dst->skip_addresses, &src->skip_addresses, &fail);
	copy_netlist(&dst->whitelist, &src->whitelist, &fail);
	copy_strlist(&dst->helo_whitelist, &src->helo_whitelist, &fail);
	copy_strlist(&dst->domain_whitelist, &src->domain_whitelist, &fail);
	copy_strlist(&dst->domain_whitelist_ptr, &src->domain_whitelist_ptr,
		     &fail);
	copy_str(&dst->authserv_id, src->authserv_id, &fail);
	copy_str(&dst->reason_message, src->reason_message, &fail);
	copy_str(&dst->per_user, src->per_user, &fail);
	copy_str(&dst->per_user_path, src->per_user_path, &fail);
	copy_str(&dst->listen, src->listen, &fail);
	copy_str(&dst->socket_owner, src->socket_owner, &fail);
	copy_str(&dst->socket_group, src->socket_group, &fail);
	copy_netlist(&dst->listen_allow, &src->listen_allow, &fail);
	copy_str(&dst->user, src->user, &fail);
	dst->problems = NULL;
	dst->nproblems = 0;
	if (src->nproblems) {
		dst->problems = calloc(src->nproblems, sizeof *dst->problems);
		if (!dst->problems)
			fail = 1;
		for (i = 0; dst->problems && i < src->nproblems; i++) {
			dst->problems[i] = src->problems[i];
			copy_str(&dst->problems[i].text, src->problems[i].text,
				 &fail);
			copy_str(&dst->problems[i].file, src->problems[i].file,
				 &fail);
			dst->nproblems++;
		}
	}
	if (fail) {
		config_free(dst);
		return -1;
	}
	return 0;
}

/* ---- files ----------------------------------------------------------- */

enum read_status { RF_OK, RF_OPEN, RF_READ, RF_NOTREG, RF_BIG, RF_NOMEM };

/* Read a whole regular file of at most CONFIG_FILE_MAX bytes into out
 * (initialised here; the caller frees it when RF_OK).  *err is the errno
 * of RF_OPEN and RF_READ. */
static enum read_status read_file(const char *path, spfc_buf *out, int *err)
{
	char chunk[READ_CHUNK];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*err = errno;
		return RF_OPEN;
	}
	if (fstat(fd, &st) != 0) {
		*err = errno;
		close(fd);
		return RF_OPEN;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return RF_NOTREG;
	}
	spfc_buf_init(out, CONFIG_FILE_MAX);
	for (;;) {
		ssize_t k = read(fd, chunk, sizeof chunk);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			*err = errno;
			close(fd);
			spfc_buf_free(out);
			return RF_READ;
		}
		if (k == 0)
			break;
		if (spfc_buf_add(out, chunk, (size_t)k) < 0) {
			int big = out->err == SPFC_ELIMIT;

			close(fd);
			spfc_buf_free(out);
			return big ? RF_BIG : RF_NOMEM;
		}
	}
	close(fd);
	return RF_OK;
}

/* Lines end at LF, CR LF or a lone CR (Python's universal newlines, as
 * spf-engine reads the file). */
struct line_iter {
	const char *p, *end;
	unsigned no;
};

static int next_line(struct line_iter *it, const char **s, size_t *n)
{
	const char *q = it->p;

	if (it->p >= it->end)
		return 0;
	while (q < it->end && *q != '\n' && *q != '\r')
		q++;
	*s = it->p;
	*n = (size_t)(q - it->p);
	it->no++;
	if (q < it->end && *q == '\r' && q + 1 < it->end && q[1] == '\n')
		q++;
	it->p = q < it->end ? q + 1 : q;
	return 1;
}

/* A line that cannot be read at all: over CONFIG_LINE_MAX or with a NUL
 * byte.  Records the error when c is not NULL; 1 when the line is bad. */
static int bad_line(struct config *c, const char *s, size_t n, unsigned line,
		    const char *where)
{
	spfc_buf m;

	if (n > CONFIG_LINE_MAX) {
		if (c) {
			msg_start(&m, where, NULL);
			spfc_buf_adds(&m, "the line is longer than ");
			spfc_buf_addu(&m, CONFIG_LINE_MAX);
			spfc_buf_adds(&m, " bytes; ignored");
			add_problem(c, line, 1, &m);
		}
		return 1;
	}
	if (memchr(s, '\0', n)) {
		if (c) {
			msg_start(&m, where, NULL);
			spfc_buf_adds(&m, "the line holds a NUL byte; ignored");
			add_problem(c, line, 1, &m);
		}
		return 1;
	}
	return 0;
}

/* Drop the comment (everything from the first '#') and white space. */
static void uncomment(const char **s, size_t *n)
{
	const char *hash = memchr(*s, '#', *n);

	if (hash)
		*n = (size_t)(hash - *s);
	strip(s, n);
}

/* Split "name = value" on the first '=' and apply it.  Returns -1 after
 * an error or when nothing was applied. */
static int apply_pair(struct config *c, const char *s, size_t n,
		      unsigned line, const char *where, int per_user,
		      unsigned *seen)
{
	const char *eq = memchr(s, '=', n);
	const char *name = s, *value;
	size_t nlen, vlen;
	char *nm, *val;
	int rc;

	if (!eq) {
		problem_q(c, line, 0, where, NULL, NULL, s, n,
			  per_user ? " is not a Name=Value setting; ignored"
				   : " is not a \"Name = value\" setting; "
				     "ignored");
		return -1;
	}
	nlen = (size_t)(eq - s);
	strip(&name, &nlen);
	value = eq + 1;
	vlen = n - (size_t)(value - s);
	strip(&value, &vlen);
	if (nlen == 0) {
		problem_q(c, line, 0, where, NULL, "no name before \"=\" in ",
			  s, n, "; ignored");
		return -1;
	}
	nm = dupn(name, nlen);
	val = dupn(value, vlen);
	if (!nm || !val) {
		free(nm);
		free(val);
		return oom(c, line, where, NULL);
	}
	rc = set_named(c, nm, val, line, where, per_user, seen);
	free(nm);
	free(val);
	return rc;
}

/* The errno that goes with a read_status (config_load's promise). */
static int read_errno(enum read_status rs, int err)
{
	switch (rs) {
	case RF_OPEN:
	case RF_READ:
		return err;
	case RF_NOTREG:
		return EINVAL;
	case RF_BIG:
		return EFBIG;
	case RF_NOMEM:
	case RF_OK:
		break;
	}
	return ENOMEM;
}

/* Record why a file could not be read, as an error on `line` of the main
 * file (0: not tied to a line), the message starting with `where`. */
static void file_problem(struct config *c, const char *path,
			 enum read_status rs, int err, unsigned line,
			 const char *where, const char *after)
{
	spfc_buf m;

	msg_start(&m, where, NULL);
	switch (rs) {
	case RF_OPEN:
	case RF_READ:
		spfc_buf_adds(&m,
			      rs == RF_OPEN ? "cannot open " : "cannot read ");
		add_quoted_s(&m, path);
		spfc_buf_adds(&m, ": ");
		spfc_buf_adds(&m, strerror(err));
		break;
	case RF_NOTREG:
		add_quoted_s(&m, path);
		spfc_buf_adds(&m, " is not a regular file");
		break;
	case RF_BIG:
		add_quoted_s(&m, path);
		spfc_buf_adds(&m, " is larger than ");
		spfc_buf_addu(&m, CONFIG_FILE_MAX);
		spfc_buf_adds(&m, " bytes; not read");
		break;
	case RF_NOMEM:
	case RF_OK:
		spfc_buf_adds(&m, "out of memory reading ");
		add_quoted_s(&m, path);
		break;
	}
	if (after)
		spfc_buf_adds(&m, after);
	add_problem(c, line, 1, &m);
}

static int load(struct config *c, const char *path, int missing_ok)
{
	unsigned seen[NOPTIONS];
	struct line_iter it;
	enum read_status rs;
	spfc_buf data;
	const char *s;
	size_t n;
	char *p;
	int err = 0;

	rs = read_file(path, &data, &err);
	if (rs == RF_OPEN && err == ENOENT && missing_ok) {
		struct stat st;

		if (lstat(path, &st) != 0)	/* not a dangling link */
			return 1;
	}
	if (rs != RF_OK) {
		file_problem(c, path, rs, err, 0, NULL, NULL);
		errno = read_errno(rs, err);
		return -1;
	}
	p = dups(path);
	if (!p) {
		spfc_buf_free(&data);
		file_problem(c, path, RF_NOMEM, 0, 0, NULL, NULL);
		errno = ENOMEM;
		return -1;
	}
	free(c->path);
	c->path = p;
	memset(seen, 0, sizeof seen);
	it.p = spfc_buf_str(&data);
	it.end = it.p + data.len;
	it.no = 0;
	while (next_line(&it, &s, &n)) {
		if (bad_line(c, s, n, it.no, NULL))
			continue;
		uncomment(&s, &n);
		if (n)
			apply_pair(c, s, n, it.no, NULL, 0, seen);
	}
	spfc_buf_free(&data);
	return 0;
}

int config_load(struct config *c, const char *path)
{
	return load(c, path, 0);
}

int config_load_default(struct config *c, const char *path)
{
	return load(c, path, 1);
}

/* ---- Per_User -------------------------------------------------------- */

/* Apply one per-user line's "Key=Value|Key=Value" settings to out; its
 * problems start with `where`. */
static void apply_settings(struct config *out, const char *where,
			   const char *s, size_t n, unsigned line)
{
	if (n == 0)
		problem_q(out, line, 0, where, NULL, "no settings", NULL, 0,
			  NULL);
	while (n) {
		const char *bar = memchr(s, '|', n);
		size_t k = bar ? (size_t)(bar - s) : n;
		const char *e = s;
		size_t en = k;

		strip(&e, &en);
		if (en)
			apply_pair(out, e, en, line, where, 1, NULL);
		else
			problem_q(out, line, 0, where, NULL,
				  "an empty setting (a doubled or trailing "
				  "'|')",
				  NULL, 0, NULL);
		if (!bar)
			break;
		s = bar + 1;
		n -= k + 1;
		if (n == 0)
			problem_q(out, line, 0, where, NULL,
				  "an empty setting (a doubled or trailing "
				  "'|')",
				  NULL, 0, NULL);
	}
}

/* The same, the problems naming the file and the recipient. */
static void apply_per_user(struct config *out, const char *path,
			   const char *recipient, const char *s, size_t n,
			   unsigned line)
{
	spfc_buf w;

	spfc_buf_init(&w, 0);
	spfc_buf_adds(&w, "Per_User file ");
	add_quoted_s(&w, path);
	spfc_buf_adds(&w, ", recipient ");
	add_quoted_s(&w, recipient);
	spfc_buf_adds(&w, ": ");
	apply_settings(out, w.err ? "Per_User: " : spfc_buf_str(&w), s, n,
		       line);
	spfc_buf_free(&w);
}

/* A Per_User line without its comment, "recipient,settings": the
 * recipient and the settings, each stripped (no comma: no settings). */
static void split_user_line(const char *s, size_t n, const char **user,
			    size_t *ulen, const char **rest, size_t *rlen)
{
	const char *comma = memchr(s, ',', n);

	*user = s;
	*ulen = comma ? (size_t)(comma - s) : n;
	strip(user, ulen);
	*rest = comma ? comma + 1 : s + n;
	*rlen = (size_t)(s + n - *rest);
	strip(rest, rlen);
}

int config_per_user(const struct config *base, const char *recipient,
		    struct config *out)
{
	struct line_iter it;
	enum read_status rs;
	spfc_buf data;
	const char *s;
	size_t n, rlen;
	int err = 0, found = 0;

	if (!base->per_user_path || !recipient)
		return 0;
	rs = read_file(base->per_user_path, &data, &err);
	if (rs != RF_OK) {
		errno = read_errno(rs, err);
		return -1;
	}
	rlen = strlen(recipient);
	it.p = spfc_buf_str(&data);
	it.end = it.p + data.len;
	it.no = 0;
	while (!found && next_line(&it, &s, &n)) {
		const char *user, *rest;
		size_t ulen, restlen;

		if (bad_line(NULL, s, n, it.no, NULL))
			continue;
		uncomment(&s, &n);
		if (!n)
			continue;
		split_user_line(s, n, &user, &ulen, &rest, &restlen);
		if (ulen != rlen || memcmp(user, recipient, rlen) != 0)
			continue;
		found = 1;
		if (config_copy(out, base) < 0) {
			spfc_buf_free(&data);
			errno = ENOMEM;
			return -1;
		}
		/* only this line's problems: base's were reported already */
		problems_clear(out);
		apply_per_user(out, base->per_user_path, recipient, rest,
			       restlen, it.no);
	}
	spfc_buf_free(&data);
	return found;
}

/* ---- checks: the Per_User file, the daemon's user ------------------- */

/* A recipient of the Per_User file and the line it is on. */
struct rcpt_line {
	const char *s;
	size_t n;
	unsigned line;
};

static int rcpt_cmp(const void *a, const void *b)
{
	const struct rcpt_line *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int d = memcmp(x->s, y->s, n);

	if (d)
		return d;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The first line of recipient (s, n) in the sorted v (it is there). */
static unsigned first_line(const struct rcpt_line *v, size_t nv,
			   const char *s, size_t n)
{
	struct rcpt_line key = {s, n, 0};
	size_t lo = 0, hi = nv;

	while (lo < hi) {	/* the first entry not below (s, n, 0) */
		size_t mid = lo + (hi - lo) / 2;

		if (rcpt_cmp(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nv ? v[lo].line : 0;
}

/* Move the problems of `from` to the end of c, as problems of `file`. */
static int move_problems(struct config *c, struct config *from,
			 const char *file)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < from->nproblems; i++) {
		spfc_buf m;

		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, from->problems[i].text);
		if (add_problem_in(c, file, from->problems[i].line,
				   from->problems[i].error, &m) < 0)
			rc = -1;
	}
	return rc;
}

/* The recipients of the file's lines, sorted; NULL (and *nv 0) when there
 * is none or no memory (then no line is said to be never used). */
static struct rcpt_line *collect_recipients(const spfc_buf *data, size_t *nv)
{
	struct rcpt_line *v = NULL;
	struct line_iter it;
	const char *s, *user, *rest;
	size_t n, ulen, rlen, cap = 0;

	*nv = 0;
	it.p = spfc_buf_str(data);
	it.end = it.p + data->len;
	it.no = 0;
	while (next_line(&it, &s, &n)) {
		if (bad_line(NULL, s, n, it.no, NULL))
			continue;
		uncomment(&s, &n);
		if (!n)
			continue;
		split_user_line(s, n, &user, &ulen, &rest, &rlen);
		if (!ulen)
			continue;
		if (*nv == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct rcpt_line *w = realloc(v, ncap * sizeof *w);

			if (!w) {
				free(v);
				*nv = 0;
				return NULL;
			}
			v = w;
			cap = ncap;
		}
		v[*nv].s = user;
		v[*nv].n = ulen;
		v[*nv].line = it.no;
		(*nv)++;
	}
	if (v)
		qsort(v, *nv, sizeof *v, rcpt_cmp);
	return v;
}

int config_check_per_user(struct config *c)
{
	struct config scratch;
	struct rcpt_line *rv;
	struct line_iter it;
	enum read_status rs;
	spfc_buf data;
	const char *s, *user, *rest;
	size_t n, ulen, rlen, nrv;
	int err = 0, rc;

	if (!c->per_user_path)
		return 0;
	rs = read_file(c->per_user_path, &data, &err);
	if (rs != RF_OK) {
		file_problem(c, c->per_user_path, rs, err, c->per_user_line,
			     "Per_User: ",
			     "; the main settings are used for every "
			     "recipient");
		return -1;
	}
	/* The lines' values are checked by applying them to a copy. */
	if (config_copy(&scratch, c) < 0) {
		spfc_buf_free(&data);
		return oom(c, c->per_user_line, "Per_User: ", NULL);
	}
	problems_clear(&scratch);
	rv = collect_recipients(&data, &nrv);
	it.p = spfc_buf_str(&data);
	it.end = it.p + data.len;
	it.no = 0;
	while (next_line(&it, &s, &n)) {
		unsigned first;
		spfc_buf w;

		if (bad_line(&scratch, s, n, it.no, NULL))
			continue;
		uncomment(&s, &n);
		if (!n)
			continue;
		split_user_line(s, n, &user, &ulen, &rest, &rlen);
		if (!ulen) {
			problem_q(&scratch, it.no, 0, NULL, NULL,
				  "no recipient before the first ',' in ", s,
				  n, "; the line is never used");
			continue;
		}
		spfc_buf_init(&w, 0);
		spfc_buf_adds(&w, "recipient ");
		add_quoted(&w, user, ulen);
		first = rv ? first_line(rv, nrv, user, ulen) : 0;
		if (first && first != it.no) {
			spfc_buf_adds(&w, " was given before (line ");
			spfc_buf_addu(&w, first);
			spfc_buf_adds(&w, "), which is the line used; "
					  "this one never is");
			add_problem(&scratch, it.no, 0, &w);
			continue;
		}
		spfc_buf_adds(&w, ": ");
		apply_settings(&scratch, w.err ? "" : spfc_buf_str(&w), rest,
			       rlen, it.no);
		spfc_buf_free(&w);
	}
	free(rv);
	spfc_buf_free(&data);
	rc = scratch.nerrors ? -1 : 0;
	if (move_problems(c, &scratch, c->per_user_path) < 0)
		rc = -1;
	config_free(&scratch);
	return rc;
}

/* Can the process open path for reading?  0, or the errno why not
 * (EINVAL: not a regular file). */
static int try_open(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int e = 0;

	if (fd < 0)
		return errno ? errno : EACCES;
	if (fstat(fd, &st) != 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	close(fd);
	return e;
}

/* In a child process: become uid/gid with name's groups, try the paths,
 * and write the errno of each (0: readable) to fd.  Never returns. */
static void check_as(const char *name, uid_t uid, gid_t gid,
		     const char *const *paths, size_t np, int fd)
{
	int errs[CHECK_FILES_MAX];
	size_t i, off = 0;

	if (initgroups(name, gid) != 0 || setgid(gid) != 0 ||
	    setuid(uid) != 0 || (uid != 0 && setuid(0) == 0))
		_exit(CHECK_CHILD_FAILED);
	for (i = 0; i < np; i++)
		errs[i] = paths[i] ? try_open(paths[i]) : 0;
	while (off < np * sizeof errs[0]) {
		ssize_t k = write(fd, (char *)errs + off,
				  np * sizeof errs[0] - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			_exit(CHECK_CHILD_FAILED);
		off += (size_t)k;
	}
	_exit(0);
}

/* Run check_as in a child and collect its answers into errs.  0, or -1
 * with errno when the check could not be made. */
static int check_in_child(const char *name, uid_t uid, gid_t gid,
			  const char *const *paths, size_t np, int *errs)
{
	int fds[2], status, e = 0;
	size_t off = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		check_as(name, uid, gid, paths, np, fds[1]);
	}
	close(fds[1]);
	while (off < np * sizeof errs[0]) {
		ssize_t k = read(fds[0], (char *)errs + off,
				 np * sizeof errs[0] - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (off < np * sizeof errs[0]) {
		errno = EPERM;	/* the child could not become the user */
		return -1;
	}
	return 0;
}

int config_check_user(struct config *c, const char *user)
{
	const char *paths[CHECK_FILES_MAX];
	int errs[CHECK_FILES_MAX];
	struct passwd *pw;
	spfc_buf m;
	char *name;
	uid_t uid;
	gid_t gid;
	size_t i;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		msg_start(&m, NULL, NULL);
		spfc_buf_adds(&m, "the daemon's user ");
		add_quoted_s(&m, user);
		spfc_buf_adds(&m, errno ? " cannot be looked up: "
					: " does not exist");
		if (errno)
			spfc_buf_adds(&m, strerror(errno));
		return add_problem(c, 0, 1, &m);
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (geteuid() != 0 && uid != geteuid())
		return 1;
	paths[0] = c->path;
	paths[1] = c->per_user_path;
	if (geteuid() != 0) {
		for (i = 0; i < CHECK_FILES_MAX; i++)
			errs[i] = paths[i] ? try_open(paths[i]) : 0;
	} else {
		name = dups(pw->pw_name);
		if (!name)
			return oom(c, 0, NULL, NULL);
		if (check_in_child(name, uid, gid, paths, CHECK_FILES_MAX,
				   errs) < 0) {
			int e = errno;

			free(name);
			msg_start(&m, NULL, NULL);
			spfc_buf_adds(&m, "cannot check the files as user ");
			add_quoted_s(&m, user);
			spfc_buf_adds(&m, ": ");
			spfc_buf_adds(&m, strerror(e));
			add_problem(c, 0, 0, &m);
			return 0;
		}
		free(name);
	}
	for (i = 0; i < CHECK_FILES_MAX; i++) {
		if (!paths[i] || !errs[i])
			continue;
		msg_start(&m, i ? "Per_User: " : NULL, NULL);
		spfc_buf_adds(&m, "user ");
		add_quoted_s(&m, user);
		spfc_buf_adds(&m, " cannot read ");
		add_quoted_s(&m, paths[i]);
		spfc_buf_adds(&m, " (");
		spfc_buf_adds(&m, errs[i] == EINVAL ? "not a regular file"
						    : strerror(errs[i]));
		spfc_buf_adds(&m, i ? "): run as that user, policyd-spf uses "
				      "the main settings for every recipient"
				    : "): run as that user, policyd-spf "
				      "refuses to start");
		add_problem(c, i ? c->per_user_line : 0, 0, &m);
	}
	return 0;
}

/* ---- output ---------------------------------------------------------- */

static void dump_netlist(const struct net_list *l, spfc_buf *out)
{
	char text[SPFC_ADDR_TEXT_MAX];
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct net_entry *e = &l->v[i];

		if (i)
			spfc_buf_addc(out, ',');
		if (e->bad) {
			spfc_buf_adds(out, e->text);
			continue;
		}
		spfc_addr_format(&e->addr, text, sizeof text);
		spfc_buf_adds(out, text);
		if (e->bits != (e->addr.family == 4 ? 32u : 128u)) {
			spfc_buf_addc(out, '/');
			spfc_buf_addu(out, e->bits);
		}
	}
}

static void dump_strlist(const struct str_list *l, spfc_buf *out)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			spfc_buf_addc(out, ',');
		spfc_buf_adds(out, l->v[i]);
	}
}

/* Four octal digits, as chmod(1) writes a mode. */
static void dump_mode(int mode, spfc_buf *out)
{
	int shift;

	for (shift = 9; shift >= 0; shift -= 3)
		spfc_buf_addc(out, (char)('0' + ((mode >> shift) & 7)));
}

void config_dump(const struct config *c, spfc_buf *out)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		const struct option *o = &options[i];
		const char *s;

		if (o->kind == K_MILTER || o->kind == K_SEED)
			continue;
		spfc_buf_adds(out, o->name);
		spfc_buf_adds(out, DUMP_SEP);
		switch (o->kind) {
		case K_INT:
		case K_DEBUG:
		case K_SEED:
			add_int(out, *CFIELD(c, o, int));
			break;
		case K_BOOL:
			spfc_buf_adds(out, *CFIELD(c, o, int) ? "True"
								    : "False");
			break;
		case K_YESNO:
		case K_HIDE:
			spfc_buf_adds(out,
				      *CFIELD(c, o, int) ? "Yes" : "No");
			break;
		case K_POLICY:
			spfc_buf_adds(out, policy_name(
					   *CFIELD(c, o, enum reject_policy)));
			break;
		case K_HEADER:
			spfc_buf_adds(out, header_name(c->header_type));
			break;
		case K_NETLIST:
			dump_netlist(CFIELD(c, o, struct net_list), out);
			break;
		case K_STRLIST:
			dump_strlist(CFIELD(c, o, struct str_list), out);
			break;
		case K_MODE:
			dump_mode(*CFIELD(c, o, int), out);
			break;
		case K_AUTHSERV:
		case K_REASON:
		case K_IP:
		case K_CLASS:
		case K_PERUSER:
		case K_LISTEN:
		case K_OWNER:
		case K_USER:
		case K_GROUP:
			s = *CFIELD(c, o, char *const);
			if (s)
				spfc_buf_adds(out, s);
			break;
		case K_MILTER:
			break;
		}
		spfc_buf_addc(out, '\n');
	}
}

void config_problem_format(const struct config_problem *p, spfc_buf *out)
{
	if (p->file) {
		spfc_buf_adds(out, p->file);
		spfc_buf_adds(out, ": ");
	}
	if (p->line) {
		spfc_buf_adds(out, "line ");
		spfc_buf_addu(out, p->line);
		spfc_buf_adds(out, ": ");
	}
	spfc_buf_adds(out, p->text);
}

void config_problem_line(const struct config *c, const struct config_problem *p,
			 const char *path, spfc_buf *out)
{
	spfc_buf_adds(out, p->error ? "ERROR: " : "WARNING: ");
	spfc_buf_adds(out, p->file ? p->file : c->path ? c->path : path);
	if (p->line) {
		spfc_buf_adds(out, " line ");
		spfc_buf_addu(out, p->line);
	}
	spfc_buf_adds(out, ": ");
	spfc_buf_adds(out, p->text);
}
