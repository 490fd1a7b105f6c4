/*
 * config.c - policyd-spf.conf's option table: spf-engine's option names
 * in its order, each row with the setter that converts and stores a
 * value, the printer that writes it back, its field, range and built-in
 * default; the lookup of a name, the checks every value passes, and the
 * life of a struct config (config_init, config_free, config_copy).
 *
 * What it is for: turning an spf-engine 3.0.4 configuration file into a
 * struct config, option by option, with the same names, values and
 * defaults, but parsed strictly: every value is checked and every problem
 * is recorded with its line number.  The value types are in
 * config_int.c, config_bool.c, config_reason.c, config_str.c and
 * config_list.c; the file reader in config_file.c, Per_User in
 * config_user.c, the dump in config_dump.c (config_int.h maps them).
 *
 * How it fails: a bad value never stops the parse.  The option keeps its
 * previous value, a problem (error or warning, line number, text) is
 * added to the config, and the next line is read.  Out of memory leaves
 * the option unchanged and makes the call return -1; the config stays
 * valid and can always be freed.
 */
#include "config_int.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* spf-engine's built-in defaults (policydspfsupp.defaultConfigData). */
#define DEFAULT_DEBUG_LEVEL "1"
#define DEFAULT_TEST_ONLY "1"
#define DEFAULT_REJECT "Fail"
#define DEFAULT_SKIP_ADDRESSES "127.0.0.0/8,::ffff:127.0.0.0/104,::1"
#define DEFAULT_LOOKUP_TIME "20"
#define DEFAULT_WHITELIST_LOOKUP_TIME "10"
#define DEFAULT_VOID_LIMIT "2"
#define DEFAULT_ENHANCED_STATUS_CODES "Yes"
#define DEFAULT_HEADER_TYPE "SPF"
#define DEFAULT_REASON "Message {rejectdefer} due to: {spf}. Please see {url}"
#define DEFAULT_QUEUE_ID "True"

/* Defaults of spfc's own listen-mode options (config.h). */
#define DEFAULT_SOCKET_MODE "0660" /* owner and group only */
#define DEFAULT_MAX_CLIENTS "1024" /* connections served at once */
#define DEFAULT_MAX_CHECKS "10000" /* policy.h POLICY_MAX_JOBS */
#define DEFAULT_IDLE_TIMEOUT "600"
#define DEFAULT_REQUEST_TIMEOUT "30" /* seconds from a request's first byte */
#define DEFAULT_STATS_INTERVAL "3600"

/* Defaults of the milter's options: pyspf-milter's UMask and
 * InternalHosts; a time budget under Sendmail's 10-s read time-out. */
#define DEFAULT_UMASK "007"
#define DEFAULT_INTERNAL_HOSTS "127.0.0.1"
#define DEFAULT_MILTER_TIMEOUT "9"

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
#define STATS_INTERVAL_MIN 0 /* 0: no periodic statistics */
#define STATS_INTERVAL_MAX 86400

/* Ranges of the numeric options (spf-engine takes any int; these are the
 * values that make sense: debug levels of policyd-spf.conf(5), at most an
 * hour for a DNS budget, at most 100 void lookups). */
#define DEBUG_LEVEL_MIN (-1)
#define DEBUG_LEVEL_MAX 5
#define LOOKUP_TIME_MIN 1
#define LOOKUP_TIME_MAX 3600
#define VOID_LIMIT_MIN 0
#define VOID_LIMIT_MAX 100

/* policydspfuser spells this one with a hyphen. */
#define PER_USER_AUTHSERV_ALIAS "Authserv-Id"

#define OFF(f) offsetof(struct config, f)
#define PU CF_PER_USER

/* spf-engine's option names in the order of its parser's name table
 * (policydspfsupp._readConfigFile); that is also the order of the dump.
 * QueueID is documented by spf-engine but missing from its table; here it
 * can be set.  Then spfc's own listen-mode options.  CF_PER_USER marks
 * the names of policydspfuser's table. */
const struct cf_option cf_options[CF_NOPTIONS] = {
    /* name, setter, printer, field, min, max, flags, default */
    {"debugLevel", cf_set_debug, cf_print_int, OFF(debug_level),
     DEBUG_LEVEL_MIN, DEBUG_LEVEL_MAX, PU, DEFAULT_DEBUG_LEVEL},
    {"HELO_reject", cf_set_policy, cf_print_policy, OFF(helo_reject), 0, 0,
     PU | CF_HELO, DEFAULT_REJECT},
    {"Mail_From_reject", cf_set_policy, cf_print_policy, OFF(mail_from_reject),
     0, 0, PU, DEFAULT_REJECT},
    {"PermError_reject", cf_set_bool, cf_print_bool, OFF(permerror_reject), 0,
     0, PU, NULL},
    {"TempError_Defer", cf_set_bool, cf_print_bool, OFF(temperror_defer), 0, 0,
     PU, NULL},
    {"Mail_From_pass_restriction", cf_set_class, cf_print_str,
     OFF(mail_from_pass_restriction), 0, 0, PU, NULL},
    {"HELO_pass_restriction", cf_set_class, cf_print_str,
     OFF(helo_pass_restriction), 0, 0, PU, NULL},
    {"Prospective", cf_set_ip, cf_print_str, OFF(prospective), 0, 0, PU, NULL},
    {"Whitelist", cf_set_netlist, cf_print_netlist, OFF(whitelist), 0, 0, PU,
     NULL},
    {"skip_addresses", cf_set_netlist, cf_print_netlist, OFF(skip_addresses), 0,
     0, PU, DEFAULT_SKIP_ADDRESSES},
    {"HELO_Whitelist", cf_set_strlist, cf_print_strlist, OFF(helo_whitelist), 0,
     0, PU, NULL},
    {"Domain_Whitelist", cf_set_strlist, cf_print_strlist,
     OFF(domain_whitelist), 0, 0, PU, NULL},
    {"Domain_Whitelist_PTR", cf_set_strlist, cf_print_strlist,
     OFF(domain_whitelist_ptr), 0, 0, PU, NULL},
    {"No_Mail", cf_set_bool, cf_print_bool, OFF(no_mail), 0, 0, PU, NULL},
    {"Reject_Not_Pass_Domains", cf_set_strlist, cf_print_strlist,
     OFF(reject_not_pass_domains), 0, 0, PU, NULL},
    {"Per_User", cf_set_per_user, cf_print_str, OFF(per_user), 0, 0, 0, NULL},
    {"TestOnly", cf_set_int, cf_print_int, OFF(test_only), INT_MIN, INT_MAX, 0,
     DEFAULT_TEST_ONLY},
    {"defaultSeedOnly", cf_set_seed, NULL, OFF(default_seed_only), INT_MIN,
     INT_MAX, PU, NULL},
    {"SPF_Enhanced_Status_Codes", cf_set_yesno, cf_print_yesno,
     OFF(enhanced_status_codes), 0, 0, PU, DEFAULT_ENHANCED_STATUS_CODES},
    {"Header_Type", cf_set_header, cf_print_header, OFF(header_type), 0, 0, PU,
     DEFAULT_HEADER_TYPE},
    {"Hide_Receiver", cf_set_yesno, cf_print_yesno, OFF(hide_receiver), 0, 0,
     PU, NULL},
    {"Authserv_Id", cf_set_authserv, cf_print_str, OFF(authserv_id), 0, 0, PU,
     CF_DEFAULT_AUTHSERV_ID},
    {"Lookup_Time", cf_set_int, cf_print_int, OFF(lookup_time), LOOKUP_TIME_MIN,
     LOOKUP_TIME_MAX, PU, DEFAULT_LOOKUP_TIME},
    {"Whitelist_Lookup_Time", cf_set_int, cf_print_int,
     OFF(whitelist_lookup_time), LOOKUP_TIME_MIN, LOOKUP_TIME_MAX, PU,
     DEFAULT_WHITELIST_LOOKUP_TIME},
    {"Void_Limit", cf_set_int, cf_print_int, OFF(void_limit), VOID_LIMIT_MIN,
     VOID_LIMIT_MAX, PU, DEFAULT_VOID_LIMIT},
    {"Reason_Message", cf_set_reason, cf_print_str, OFF(reason_message), 0, 0,
     PU, DEFAULT_REASON},
    {"Mock", cf_set_bool, cf_print_bool, OFF(mock), 0, 0, 0, NULL},
    {"QueueID", cf_set_bool, cf_print_bool, OFF(queue_id), 0, 0, 0,
     DEFAULT_QUEUE_ID},
    /* spfc's own: listen mode */
    {"Listen", cf_set_listen, cf_print_str, OFF(listen), 0, 0, 0, NULL},
    {"Socket_Mode", cf_set_mode, cf_print_mode, OFF(socket_mode),
     SOCKET_MODE_MIN, SOCKET_MODE_MAX, 0, DEFAULT_SOCKET_MODE},
    {"Socket_Owner", cf_set_owner, cf_print_str, OFF(socket_owner), 0, 0, 0,
     NULL},
    {"Socket_Group", cf_set_group, cf_print_str, OFF(socket_group), 0, 0, 0,
     NULL},
    {"Listen_Allow", cf_set_netlist, cf_print_netlist, OFF(listen_allow), 0, 0,
     0, NULL},
    {"User", cf_set_user, cf_print_str, OFF(user), 0, 0, 0, NULL},
    {"Max_Clients", cf_set_int, cf_print_int, OFF(max_clients), MAX_CLIENTS_MIN,
     MAX_CLIENTS_MAX, 0, DEFAULT_MAX_CLIENTS},
    {"Max_Checks", cf_set_int, cf_print_int, OFF(max_checks), MAX_CHECKS_MIN,
     MAX_CHECKS_MAX, 0, DEFAULT_MAX_CHECKS},
    {"Idle_Timeout", cf_set_int, cf_print_int, OFF(idle_timeout),
     IDLE_TIMEOUT_MIN, IDLE_TIMEOUT_MAX, 0, DEFAULT_IDLE_TIMEOUT},
    {"Request_Timeout", cf_set_int, cf_print_int, OFF(request_timeout),
     REQUEST_TIMEOUT_MIN, REQUEST_TIMEOUT_MAX, 0, DEFAULT_REQUEST_TIMEOUT},
    {"Stats_Interval", cf_set_int, cf_print_int, OFF(stats_interval),
     STATS_INTERVAL_MIN, STATS_INTERVAL_MAX, 0, DEFAULT_STATS_INTERVAL},
    /* pyspf-milter's options and spfc-milter's own (CF_MILTER: what
     * policyd-spf ignores with a warning, as spf-engine's parser does) */
    {"Socket", cf_set_text, cf_print_str, OFF(socket), 0, 0, CF_MILTER, NULL},
    {"PidFile", cf_set_text, cf_print_str, OFF(pid_file), 0, 0, CF_MILTER,
     NULL},
    {"UserID", cf_set_text, cf_print_str, OFF(user_id), 0, 0, CF_MILTER, NULL},
    {"UMask", cf_set_mode, cf_print_mode, OFF(umask), 0, 0777, CF_MILTER,
     DEFAULT_UMASK},
    {"InternalHosts", cf_set_netlist, cf_print_netlist, OFF(internal_hosts), 0,
     0, CF_MILTER, DEFAULT_INTERNAL_HOSTS},
    {"IntHosts", cf_set_ignored, NULL, 0, 0, 0, CF_IGNORED, NULL},
    {"MacroList", cf_set_strlist, cf_print_strlist, OFF(macro_list), 0, 0,
     CF_MILTER, NULL},
    {"Skip_Authenticated", cf_set_yesno, cf_print_yesno,
     OFF(skip_authenticated), 0, 0, CF_MILTER, "Yes"},
    {"Milter_Timeout", cf_set_int, cf_print_int, OFF(milter_timeout),
     LOOKUP_TIME_MIN, LOOKUP_TIME_MAX, CF_MILTER, DEFAULT_MILTER_TIMEOUT},
    {"Milter_Reject_Stage", cf_set_stage, cf_print_stage,
     OFF(milter_reject_mail), 0, 0, CF_MILTER, "rcpt"},
    {"Milter_Remove_AR", cf_set_yesno, cf_print_yesno, OFF(milter_remove_ar),
     0, 0, CF_MILTER, NULL},
};

_Static_assert(sizeof cf_options / sizeof cf_options[0] == CF_NOPTIONS,
	       "CF_NOPTIONS is the number of rows");
const size_t cf_noptions = CF_NOPTIONS;

static const struct cf_option *find_option(const char *name)
{
	size_t i;

	for (i = 0; i < cf_noptions; i++)
		if (strcmp(cf_options[i].name, name) == 0)
			return &cf_options[i];
	return NULL;
}

/* Apply value v to option o: the checks every value passes (a line that
 * dumps within CONFIG_LINE_MAX, printable ASCII), then the row's setter.
 * A name read for the milter only is ignored whatever its value. */
static int set_value(struct config *c, const struct cf_option *o, const char *v,
		     unsigned line, const char *where)
{
	const char *p;

	if (o->flags & CF_IGNORED)
		return o->set(c, o, v, line, where);
	if ((o->flags & CF_MILTER) && !c->milter)
		return cf_set_ignored(c, o, v, line, where);
	if (strlen(o->name) + strlen(CF_DUMP_SEP) + strlen(v) >
	    CONFIG_LINE_MAX) {
		spfc_buf m;

		cf_msg_start(&m, where, o->name);
		spfc_buf_adds(&m, "the value is too long (\"Name = value\" "
				  "must fit in ");
		spfc_buf_addu(&m, CONFIG_LINE_MAX);
		spfc_buf_adds(&m, " bytes)");
		return cf_problem(c, line, 1, &m);
	}
	for (p = v; *p; p++)
		if (!sc_is_print((unsigned char)*p))
			return cf_bad_value(c, line, where, o->name, v,
					    " holds a control character or a "
					    "byte outside ASCII");
	return o->set(c, o, v, line, where);
}

int cf_set_named(struct config *c, const char *name, const char *value,
		 unsigned line, const char *where, int per_user, unsigned *seen)
{
	const struct cf_option *o = find_option(name);
	spfc_buf m;
	size_t i;
	int rc;

	if (!o && per_user && strcmp(name, PER_USER_AUTHSERV_ALIAS) == 0)
		o = find_option("Authserv_Id");
	if (!o) {
		cf_msg_start(&m, where, NULL);
		spfc_buf_adds(&m, "unknown name ");
		cf_quote_s(&m, name);
		for (i = 0; i < cf_noptions; i++)
			if (cf_loose_eq(name, cf_options[i].name)) {
				spfc_buf_adds(&m, " (names are case-sensitive: "
						  "did you mean \"");
				spfc_buf_adds(&m, cf_options[i].name);
				spfc_buf_adds(&m, "\"?)");
				break;
			}
		spfc_buf_adds(&m, "; ignored");
		cf_problem(c, line, 0, &m);
		return -1;
	}
	if (per_user && !(o->flags & CF_PER_USER)) {
		cf_msg_start(&m, where, NULL);
		spfc_buf_adds(&m, o->name);
		spfc_buf_adds(&m, " cannot be set per user; ignored");
		cf_problem(c, line, 0, &m);
		return -1;
	}
	rc = set_value(c, o, value, line, where);
	if (rc == 0 && seen && !(o->flags & CF_IGNORED) &&
	    (c->milter || !(o->flags & CF_MILTER))) {
		size_t k = (size_t)(o - cf_options);

		if (seen[k]) {
			cf_msg_start(&m, where, NULL);
			spfc_buf_adds(&m, o->name);
			spfc_buf_adds(&m, " is given again (before on line ");
			spfc_buf_addu(&m, seen[k]);
			spfc_buf_adds(&m, "); this value replaces that one");
			cf_problem(c, line, 0, &m);
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
	return cf_set_named(c, name, value, line, NULL, 0, NULL);
}

/* ---- init, free, copy ------------------------------------------------ */

/* The built-in defaults, the whole table in one loop through the rows'
 * setters (a default is a value as the file would give it). */
int config_init(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < cf_noptions; i++) {
		const struct cf_option *o = &cf_options[i];

		if (o->def && o->set(c, o, o->def, 0, NULL) < 0) {
			config_free(c);
			return -1;
		}
	}
	c->skip_addresses.set = 0; /* a default, not given */
	c->internal_hosts.set = 0;
	return 0;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	free(c->path);
	cf_strlist_free(&c->reject_not_pass_domains);
	free(c->helo_pass_restriction);
	free(c->mail_from_pass_restriction);
	free(c->prospective);
	cf_netlist_free(&c->skip_addresses);
	cf_netlist_free(&c->whitelist);
	cf_strlist_free(&c->helo_whitelist);
	cf_strlist_free(&c->domain_whitelist);
	cf_strlist_free(&c->domain_whitelist_ptr);
	free(c->authserv_id);
	free(c->reason_message);
	free(c->per_user);
	free(c->per_user_path);
	free(c->listen);
	free(c->socket_owner);
	free(c->socket_group);
	cf_netlist_free(&c->listen_allow);
	free(c->user);
	free(c->socket);
	free(c->pid_file);
	free(c->user_id);
	cf_netlist_free(&c->internal_hosts);
	cf_strlist_free(&c->macro_list);
	cf_problems_clear(c);
	memset(c, 0, sizeof *c);
}

int config_copy(struct config *dst, const struct config *src)
{
	int fail = 0;
	size_t i;

	*dst = *src; /* the scalars; every pointer is replaced below */
	cf_copy_str(&dst->path, src->path, &fail);
	cf_strlist_copy(&dst->reject_not_pass_domains,
			&src->reject_not_pass_domains, &fail);
	cf_copy_str(&dst->helo_pass_restriction, src->helo_pass_restriction,
		    &fail);
	cf_copy_str(&dst->mail_from_pass_restriction,
		    src->mail_from_pass_restriction, &fail);
	cf_copy_str(&dst->prospective, src->prospective, &fail);
	cf_netlist_copy(&dst->skip_addresses, &src->skip_addresses, &fail);
	cf_netlist_copy(&dst->whitelist, &src->whitelist, &fail);
	cf_strlist_copy(&dst->helo_whitelist, &src->helo_whitelist, &fail);
	cf_strlist_copy(&dst->domain_whitelist, &src->domain_whitelist, &fail);
	cf_strlist_copy(&dst->domain_whitelist_ptr, &src->domain_whitelist_ptr,
			&fail);
	cf_copy_str(&dst->authserv_id, src->authserv_id, &fail);
	cf_copy_str(&dst->reason_message, src->reason_message, &fail);
	cf_copy_str(&dst->per_user, src->per_user, &fail);
	cf_copy_str(&dst->per_user_path, src->per_user_path, &fail);
	cf_copy_str(&dst->listen, src->listen, &fail);
	cf_copy_str(&dst->socket_owner, src->socket_owner, &fail);
	cf_copy_str(&dst->socket_group, src->socket_group, &fail);
	cf_netlist_copy(&dst->listen_allow, &src->listen_allow, &fail);
	cf_copy_str(&dst->user, src->user, &fail);
	cf_copy_str(&dst->socket, src->socket, &fail);
	cf_copy_str(&dst->pid_file, src->pid_file, &fail);
	cf_copy_str(&dst->user_id, src->user_id, &fail);
	cf_netlist_copy(&dst->internal_hosts, &src->internal_hosts, &fail);
	cf_strlist_copy(&dst->macro_list, &src->macro_list, &fail);
	dst->problems = NULL;
	dst->nproblems = 0;
	if (src->nproblems) {
		dst->problems = calloc(src->nproblems, sizeof *dst->problems);
		if (!dst->problems)
			fail = 1;
		for (i = 0; dst->problems && i < src->nproblems; i++) {
			dst->problems[i] = src->problems[i];
			cf_copy_str(&dst->problems[i].text,
				    src->problems[i].text, &fail);
			cf_copy_str(&dst->problems[i].file,
				    src->problems[i].file, &fail);
			dst->nproblems++;
		}
	}
	if (fail) {
		config_free(dst);
		return -1;
	}
	return 0;
}
