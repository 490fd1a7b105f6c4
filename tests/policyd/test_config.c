/*
 * test_config.c - policyd-spf.conf parsing (src/policyd/config*.c):
 * spf-engine's defaults, every option's accepted values and errors with
 * their line numbers, the Per_User file, the dump, deep copies.
 *
 * The data files sit in CONFIG_TEST_DIR (tests/policyd/config); the
 * directory may also be given as the first argument.  A failing check
 * prints its file and line; the run ends with "N passed, M failed".
 */
#include "config.h"
#include "render.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/tap.h"

#ifndef CONFIG_TEST_DIR
#define CONFIG_TEST_DIR "tests/policyd/config"
#endif

static const char *dir = CONFIG_TEST_DIR;

static char *path_of(const char *name)
{
	spfc_buf b;

	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, dir);
	spfc_buf_addc(&b, '/');
	spfc_buf_adds(&b, name);
	return spfc_buf_take(&b);
}

static int load(struct config *c, const char *name)
{
	char *p = path_of(name);
	int rc = config_load(c, p);

	free(p);
	return rc;
}

/* Is there a problem on `line` of that kind whose text contains `part`? */
static int has(const struct config *c, unsigned line, int error,
	       const char *part)
{
	size_t i;

	for (i = 0; i < c->nproblems; i++)
		if (c->problems[i].line == line &&
		    c->problems[i].error == error &&
		    strstr(c->problems[i].text, part))
			return 1;
	return 0;
}

static unsigned count_on(const struct config *c, unsigned line)
{
	size_t i;
	unsigned n = 0;

	for (i = 0; i < c->nproblems; i++)
		if (c->problems[i].line == line)
			n++;
	return n;
}

static void show_problems(const struct config *c)
{
	size_t i;
	spfc_buf b;

	for (i = 0; i < c->nproblems; i++) {
		spfc_buf_init(&b, 0);
		config_problem_format(&c->problems[i], &b);
		fprintf(stderr, "  %s: %s\n",
			c->problems[i].error ? "error" : "warning",
			spfc_buf_str(&b));
		spfc_buf_free(&b);
	}
}

static char *dump(const struct config *c)
{
	spfc_buf b;

	spfc_buf_init(&b, 0);
	config_dump(c, &b);
	return spfc_buf_take(&b);
}

static char *read_all(const char *name)
{
	char *p = path_of(name);
	FILE *f = fopen(p, "rb");
	spfc_buf b;
	char chunk[4096];
	size_t n;

	free(p);
	if (!f)
		return NULL;
	spfc_buf_init(&b, 0);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		spfc_buf_add(&b, chunk, n);
	fclose(f);
	return spfc_buf_take(&b);
}

static char *hostname(void)
{
	char h[256];
	spfc_buf b;

	if (gethostname(h, sizeof h) != 0)
		return NULL;
	h[sizeof h - 1] = '\0';
	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, h);
	return spfc_buf_take(&b);
}

/* Write text to a fresh temporary file; returns its path (caller frees
 * and unlinks). */
static char *temp_file(const char *text, size_t n)
{
	char tmpl[] = "/tmp/test_config.XXXXXX";
	spfc_buf b;
	int fd = mkstemp(tmpl);

	if (fd < 0)
		return NULL;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(tmpl);
		return NULL;
	}
	close(fd);
	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, tmpl);
	return spfc_buf_take(&b);
}

static void test_defaults(void)
{
	struct config c;
	char *h = hostname();

	CHECK(config_init(&c) == 0);
	CHECK(c.path == NULL);
	CHECK(c.debug_level == 1);
	CHECK(c.test_only == 1);
	CHECK(c.default_seed_only == 0);
	CHECK(c.helo_reject == POL_FAIL);
	CHECK(c.mail_from_reject == POL_FAIL);
	CHECK(c.permerror_reject == 0);
	CHECK(c.temperror_defer == 0);
	CHECK(c.no_mail == 0);
	CHECK(c.reject_not_pass_domains.n == 0);
	CHECK(c.helo_pass_restriction == NULL);
	CHECK(c.mail_from_pass_restriction == NULL);
	CHECK(c.prospective == NULL);
	CHECK(c.skip_addresses.n == 3 && c.skip_addresses.set == 0);
	if (c.skip_addresses.n == 3) {
		CHECK_STR(c.skip_addresses.v[0].text, "127.0.0.0/8");
		CHECK(c.skip_addresses.v[0].addr.family == 4);
		CHECK(c.skip_addresses.v[0].bits == 8);
		CHECK_STR(c.skip_addresses.v[1].text, "::ffff:127.0.0.0/104");
		CHECK(c.skip_addresses.v[1].addr.family == 6);
		CHECK(c.skip_addresses.v[1].bits == 104);
		CHECK_STR(c.skip_addresses.v[2].text, "::1");
		CHECK(c.skip_addresses.v[2].bits == 128);
		CHECK(!c.skip_addresses.v[0].bad &&
		      !c.skip_addresses.v[1].bad &&
		      !c.skip_addresses.v[2].bad);
	}
	CHECK(c.whitelist.n == 0 && c.whitelist.set == 0);
	CHECK(c.helo_whitelist.n == 0 && c.domain_whitelist.n == 0 &&
	      c.domain_whitelist_ptr.n == 0);
	CHECK(c.whitelist_lookup_time == 10);
	CHECK(c.lookup_time == 20);
	CHECK(c.void_limit == 2);
	CHECK(c.enhanced_status_codes == 1);
	CHECK(c.header_type == HDR_SPF);
	CHECK(h && c.authserv_id);
	if (h && c.authserv_id)
		CHECK_STR(c.authserv_id, h);
	CHECK(c.hide_receiver == 0);
	CHECK_STR(c.reason_message,
		  "Message {rejectdefer} due to: {spf}. Please see {url}");
	CHECK(c.mock == 0);
	CHECK(c.queue_id == 1);
	CHECK(c.per_user == NULL && c.per_user_path == NULL);
	CHECK(c.listen == NULL && c.socket_owner == NULL && c.user == NULL);
	CHECK(c.socket_mode == 0660 && c.socket_group == NULL);
	CHECK(c.listen_allow.n == 0 && !c.listen_allow.set);
	CHECK(c.max_clients == 1024 && c.max_checks == 10000);
	CHECK(c.idle_timeout == 600 && c.stats_interval == 3600);
	CHECK(c.request_timeout == 30);
	CHECK(c.nproblems == 0 && c.nerrors == 0);
	config_free(&c);
	CHECK(c.authserv_id == NULL);
	config_free(&c);	/* freeing twice is harmless */
	free(h);
}

/* Debian's shipped file sets exactly the built-in defaults. */
static void test_debian(void)
{
	struct config d, c;
	char *a, *b;

	CHECK(config_init(&d) == 0);
	CHECK(config_init(&c) == 0);
	CHECK(load(&c, "debian.conf") == 0);
	CHECK(c.nproblems == 0);
	show_problems(&c);
	CHECK(c.path && strstr(c.path, "debian.conf"));
	CHECK(c.skip_addresses.set == 1);
	a = dump(&d);
	b = dump(&c);
	CHECK(a && b);
	if (a && b)
		CHECK_STR(b, a);
	free(a);
	free(b);
	config_free(&c);
	config_free(&d);
}

static void test_all(void)
{
	struct config c;
	char *p;

	CHECK(config_init(&c) == 0);
	CHECK(load(&c, "all.conf") == 0);
	CHECK(c.nproblems == 0);
	show_problems(&c);
	CHECK(c.debug_level == 3);
	CHECK(c.test_only == 0);
	CHECK(c.helo_reject == POL_SPF_NOT_PASS);
	CHECK(c.mail_from_reject == POL_SOFTFAIL);
	CHECK(c.permerror_reject == 1);
	CHECK(c.temperror_defer == 1);
	CHECK(c.no_mail == 1);
	CHECK(c.reject_not_pass_domains.n == 2 &&
	      c.reject_not_pass_domains.set);
	if (c.reject_not_pass_domains.n == 2) {
		CHECK_STR(c.reject_not_pass_domains.v[0], "aol.com");
		CHECK_STR(c.reject_not_pass_domains.v[1], "hotmail.com");
	}
	CHECK_STR(c.helo_pass_restriction, "helo_passed_spf");
	CHECK_STR(c.mail_from_pass_restriction, "mfrom_passed_spf");
	CHECK_STR(c.prospective, "192.0.2.4");
	CHECK(c.prospective_addr.family == 4 &&
	      c.prospective_addr.b[0] == 192 && c.prospective_addr.b[3] == 4);
	CHECK(c.skip_addresses.n == 2);
	if (c.skip_addresses.n == 2) {
		CHECK(c.skip_addresses.v[0].bits == 8);
		CHECK(c.skip_addresses.v[1].addr.family == 6 &&
		      c.skip_addresses.v[1].bits == 32);
	}
	CHECK(c.whitelist.n == 2 && c.whitelist.set);
	if (c.whitelist.n == 2) {
		CHECK(c.whitelist.v[0].bits == 31 && !c.whitelist.v[0].bad);
		CHECK(c.whitelist.v[1].bits == 32 && !c.whitelist.v[1].bad);
		CHECK_STR(c.whitelist.v[1].text, "192.168.1.12");
	}
	CHECK(c.helo_whitelist.n == 2);
	CHECK(c.domain_whitelist.n == 2);
	CHECK(c.domain_whitelist_ptr.n == 2);
	if (c.domain_whitelist_ptr.n == 2)
		CHECK_STR(c.domain_whitelist_ptr.v[1], "yahoogroups.com");
	CHECK(c.whitelist_lookup_time == 5);
	CHECK(c.lookup_time == 30);
	CHECK(c.void_limit == 3);
	CHECK(c.enhanced_status_codes == 0);
	CHECK(c.header_type == HDR_AR);
	CHECK_STR(c.authserv_id, "mx.example.com");
	CHECK(c.hide_receiver == 1);
	/* split on the first '=' only; the comment is dropped */
	CHECK_STR(c.reason_message, "Rejected: {spf} (see {url}; a=b)");
	CHECK(c.mock == 0);	/* Mock = False is off */
	CHECK(c.queue_id == 0);	/* QueueID can be set */
	CHECK_STR(c.per_user, "text,/etc/policyd-spf/users");
	CHECK_STR(c.per_user_path, "/etc/policyd-spf/users");

	/* loading a second file applies over the first */
	CHECK(load(&c, "crlf.conf") == 0);
	CHECK(c.nproblems == 0);
	CHECK(c.debug_level == 2 && c.test_only == 0 && c.void_limit == 4);
	CHECK(c.lookup_time == 30);
	p = c.path;
	CHECK(p && strstr(p, "crlf.conf"));
	config_free(&c);
}

static void test_errors(void)
{
	struct config c;

	CHECK(config_init(&c) == 0);
	CHECK(load(&c, "errors.conf") == 0);
	if (getenv("TEST_CONFIG_VERBOSE"))
		show_problems(&c);
	CHECK(count_on(&c, 1) == 0);
	CHECK(has(&c, 2, 1, "debugLevel: \"loud\" is not a whole number"));
	CHECK(c.debug_level == 1);
	CHECK(has(&c, 3, 1, "Lookup_Time: 0 is out of range (1..3600)"));
	CHECK(has(&c, 4, 1, "Void_Limit: 101 is out of range (0..100)"));
	CHECK(c.void_limit == 2);
	CHECK(has(&c, 5, 1, "Mock: \"maybe\" is not True or False"));
	CHECK(c.mock == 0);
	CHECK(has(&c, 6, 1, "HELO_reject: \"Sometimes\" is not one of"));
	CHECK(c.helo_reject == POL_FAIL);
	CHECK(has(&c, 7, 1, "Mail_From_reject: \"Null\" is only for "
			    "HELO_reject"));
	CHECK(c.mail_from_reject == POL_FAIL);
	CHECK(has(&c, 8, 1, "Header_Type cannot be both SPF and AR"));
	CHECK(c.header_type == HDR_SPF);
	CHECK(has(&c, 9, 1, "Authserv_Id: \"mx example\" holds a space"));
	CHECK(has(&c, 10, 1, "Reason_Message: \"{policy}\" is not one of "
			     "{rejectdefer}, {spf}, {url}"));
	CHECK(c.reason_message && strstr(c.reason_message, "Please see"));
	CHECK(has(&c, 11, 1, "Prospective: \"192.0.2.300\" is not an IP "
			     "address"));
	CHECK(c.prospective == NULL);
	/* the bad entry is kept, marked, and reported; the next one too */
	CHECK(has(&c, 12, 1, "Whitelist: \"192.168.1.12/24\" is not an IP "
			     "network (host bits set); spf-engine stops "
			     "checking the list there"));
	CHECK(c.whitelist.n == 2 && c.whitelist.set);
	if (c.whitelist.n == 2) {
		CHECK(c.whitelist.v[0].bad == 1);
		CHECK_STR(c.whitelist.v[0].text, "192.168.1.12/24");
		CHECK(c.whitelist.v[1].bad == 0 && c.whitelist.v[1].bits == 8);
	}
	CHECK(has(&c, 13, 0, "unknown name \"Frobnicate\""));
	CHECK(has(&c, 14, 0, "\"JustAWord\" is not a \"Name = value\" "
			     "setting"));
	CHECK(has(&c, 15, 0, "Socket is only used by the milter"));
	CHECK(has(&c, 16, 0, "defaultSeedOnly is deprecated (and has no "
			     "effect); use TestOnly"));
	CHECK(c.default_seed_only == 1);
	CHECK(c.test_only == 1);	/* no effect */
	CHECK(has(&c, 17, 0, "unknown name \"helo_reject\" (names are "
			     "case-sensitive: did you mean \"HELO_reject\"?)"));
	CHECK(has(&c, 18, 1, "Per_User: the only type is \"text\", not "
			     "\"ldap\""));
	CHECK(c.per_user == NULL);
	CHECK(has(&c, 19, 1, "HELO_pass_restriction: \"REJECT go away\" is "
			     "not a restriction class name"));
	CHECK(has(&c, 20, 0, "Domain_Whitelist: \" b.example\" has spaces "
			     "around it"));
	CHECK(c.domain_whitelist.n == 2);
	if (c.domain_whitelist.n == 2)
		CHECK_STR(c.domain_whitelist.v[1], " b.example");
	CHECK(count_on(&c, 21) == 0);	/* line 3 set nothing */
	CHECK(has(&c, 22, 0, "Lookup_Time is given again (before on line "
			     "21)"));
	CHECK(c.lookup_time == 25);
	CHECK(has(&c, 23, 1, "TestOnly: \"1x\" is not a whole number"));
	CHECK(has(&c, 24, 0, "no name before \"=\""));
	CHECK(has(&c, 25, 1, "Hide_Receiver: \"maybe\" is not Yes or No"));
	CHECK(has(&c, 26, 1, "Reason_Message: \"}\" is not one of"));
	CHECK(c.nerrors == 16);
	CHECK(c.nproblems == 24);
	config_free(&c);
}

/* config_set, value by value. */
static void test_values(void)
{
	struct config c;
	char *h = hostname();
	size_t before;

	CHECK(config_init(&c) == 0);

	/* integers */
	CHECK(config_set(&c, "debugLevel", "-1", 1) == 0 &&
	      c.debug_level == -1);
	CHECK(config_set(&c, "debugLevel", "+5", 1) == 0 &&
	      c.debug_level == 5);
	CHECK(config_set(&c, "debugLevel", "9", 7) == 0 && c.debug_level == 5);
	CHECK(has(&c, 7, 0, "debugLevel: 9 is above 5; 5 is used"));
	CHECK(config_set(&c, "debugLevel", "-3", 8) == 0 &&
	      c.debug_level == -1);
	CHECK(has(&c, 8, 0, "debugLevel: -3 is below -1; -1 is used"));
	CHECK(config_set(&c, "debugLevel", "", 9) == -1 &&
	      c.debug_level == -1);
	CHECK(config_set(&c, "debugLevel", "1.5", 9) == -1);
	CHECK(config_set(&c, "debugLevel", "0x3", 9) == -1);
	CHECK(config_set(&c, "debugLevel", "99999999999999999999", 9) == -1);
	CHECK(config_set(&c, "TestOnly", "0", 1) == 0 && c.test_only == 0);
	CHECK(config_set(&c, "TestOnly", "-7", 1) == 0 && c.test_only == -7);
	CHECK(config_set(&c, "TestOnly", "0001", 1) == 0 && c.test_only == 1);
	CHECK(config_set(&c, "TestOnly", "3000000000", 10) == -1);
	CHECK(has(&c, 10, 1, "TestOnly: 3000000000 is out of range"));
	CHECK(config_set(&c, "Lookup_Time", "1", 1) == 0 && c.lookup_time == 1);
	CHECK(config_set(&c, "Lookup_Time", "3600", 1) == 0 &&
	      c.lookup_time == 3600);
	CHECK(config_set(&c, "Lookup_Time", "3601", 1) == -1 &&
	      c.lookup_time == 3600);
	CHECK(config_set(&c, "Whitelist_Lookup_Time", "0", 1) == -1 &&
	      c.whitelist_lookup_time == 10);
	CHECK(config_set(&c, "Whitelist_Lookup_Time", "60", 1) == 0 &&
	      c.whitelist_lookup_time == 60);
	CHECK(config_set(&c, "Void_Limit", "0", 1) == 0 && c.void_limit == 0);
	CHECK(config_set(&c, "Void_Limit", "100", 1) == 0 &&
	      c.void_limit == 100);
	CHECK(config_set(&c, "Void_Limit", "-1", 1) == -1 &&
	      c.void_limit == 100);
	CHECK(config_set(&c, "defaultSeedOnly", "abc", 11) == -1);
	CHECK(c.default_seed_only == 0);

	/* booleans: all the words, any case */
	CHECK(config_set(&c, "Mock", "True", 1) == 0 && c.mock == 1);
	CHECK(config_set(&c, "Mock", "False", 1) == 0 && c.mock == 0);
	CHECK(config_set(&c, "Mock", "YES", 1) == 0 && c.mock == 1);
	CHECK(config_set(&c, "Mock", "off", 1) == 0 && c.mock == 0);
	CHECK(config_set(&c, "Mock", "1", 1) == 0 && c.mock == 1);
	CHECK(config_set(&c, "Mock", "0", 1) == 0 && c.mock == 0);
	CHECK(config_set(&c, "Mock", "", 1) == -1 && c.mock == 0);
	CHECK(config_set(&c, "Mock", "Truee", 1) == -1);
	CHECK(config_set(&c, "QueueID", "False", 1) == 0 && c.queue_id == 0);
	CHECK(config_set(&c, "QueueID", "true", 1) == 0 && c.queue_id == 1);
	CHECK(config_set(&c, "PermError_reject", "on", 1) == 0 &&
	      c.permerror_reject == 1);
	CHECK(config_set(&c, "TempError_Defer", "Yes", 1) == 0 &&
	      c.temperror_defer == 1);
	CHECK(config_set(&c, "No_Mail", "TRUE", 1) == 0 && c.no_mail == 1);
	CHECK(config_set(&c, "No_Mail", "2", 1) == -1 && c.no_mail == 1);
	CHECK(config_set(&c, "SPF_Enhanced_Status_Codes", "No", 1) == 0 &&
	      c.enhanced_status_codes == 0);
	CHECK(config_set(&c, "SPF_Enhanced_Status_Codes", "yes", 1) == 0 &&
	      c.enhanced_status_codes == 1);
	CHECK(config_set(&c, "SPF_Enhanced_Status_Codes", "Maybe", 1) == -1 &&
	      c.enhanced_status_codes == 1);
	CHECK(config_set(&c, "Hide_Receiver", "Yes", 1) == 0 &&
	      c.hide_receiver == 1);
	CHECK(config_set(&c, "Hide_Receiver", "no", 1) == 0 &&
	      c.hide_receiver == 0);
	CHECK(config_set(&c, "Hide_Receiver", "True", 1) == 0 &&
	      c.hide_receiver == 1);
	CHECK(config_set(&c, "Hide_Receiver", "0", 1) == 0 &&
	      c.hide_receiver == 0);
	CHECK(config_set(&c, "Hide_Receiver", "", 1) == -1 &&
	      c.hide_receiver == 0);

	/* policies */
	CHECK(config_set(&c, "HELO_reject", "SPF_Not_Pass", 1) == 0 &&
	      c.helo_reject == POL_SPF_NOT_PASS);
	CHECK(config_set(&c, "HELO_reject", "softfail", 1) == 0 &&
	      c.helo_reject == POL_SOFTFAIL);
	CHECK(config_set(&c, "HELO_reject", "FAIL", 1) == 0 &&
	      c.helo_reject == POL_FAIL);
	CHECK(config_set(&c, "HELO_reject", "Null", 1) == 0 &&
	      c.helo_reject == POL_NULL);
	CHECK(config_set(&c, "HELO_reject", "False", 1) == 0 &&
	      c.helo_reject == POL_FALSE);
	CHECK(config_set(&c, "HELO_reject", "No_Check", 1) == 0 &&
	      c.helo_reject == POL_NO_CHECK);
	CHECK(config_set(&c, "HELO_reject", "NoCheck", 1) == -1 &&
	      c.helo_reject == POL_NO_CHECK);
	CHECK(config_set(&c, "Mail_From_reject", "No_Check", 1) == 0 &&
	      c.mail_from_reject == POL_NO_CHECK);
	CHECK(config_set(&c, "Mail_From_reject", "False", 1) == 0 &&
	      c.mail_from_reject == POL_FALSE);
	CHECK(config_set(&c, "Mail_From_reject", "null", 1) == -1 &&
	      c.mail_from_reject == POL_FALSE);

	/* Header_Type */
	CHECK(config_set(&c, "Header_Type", "ar", 1) == 0 &&
	      c.header_type == HDR_AR);
	CHECK(config_set(&c, "Header_Type", "None", 1) == 0 &&
	      c.header_type == HDR_NONE);
	CHECK(config_set(&c, "Header_Type", "SPF", 1) == 0 &&
	      c.header_type == HDR_SPF);
	CHECK(config_set(&c, "Header_Type", "AR SPF", 12) == -1 &&
	      c.header_type == HDR_SPF);
	CHECK(has(&c, 12, 1, "Header_Type cannot be both SPF and AR"));
	CHECK(config_set(&c, "Header_Type", "DKIM", 13) == -1);
	CHECK(has(&c, 13, 1, "is not one of SPF, AR, None"));

	/* Authserv_Id */
	CHECK(config_set(&c, "Authserv_Id", "mx.example.net", 1) == 0);
	CHECK_STR(c.authserv_id, "mx.example.net");
	CHECK(config_set(&c, "Authserv_Id", "HOSTNAME", 1) == 0);
	if (h)
		CHECK_STR(c.authserv_id, h);
	CHECK(config_set(&c, "Authserv_Id", "", 14) == -1);
	CHECK(has(&c, 14, 1, "Authserv_Id: must not be empty"));
	CHECK(config_set(&c, "Authserv_Id", "a\tb", 1) == -1);

	/* Reason_Message */
	CHECK(config_set(&c, "Reason_Message", "{{literal}} {url}", 1) == 0);
	CHECK_STR(c.reason_message, "{{literal}} {url}");
	CHECK(config_set(&c, "Reason_Message", "{}", 1) == -1);
	CHECK(config_set(&c, "Reason_Message", "{0}", 1) == -1);
	CHECK(config_set(&c, "Reason_Message", "{spf!r}", 1) == -1);
	CHECK(config_set(&c, "Reason_Message", "open { brace", 1) == -1);
	CHECK(config_set(&c, "Reason_Message", "caf\xc3\xa9 {spf}", 1) == -1);
	CHECK_STR(c.reason_message, "{{literal}} {url}");
	CHECK(config_set(&c, "Reason_Message", "", 1) == 0);
	CHECK_STR(c.reason_message, "");

	/* Prospective */
	CHECK(config_set(&c, "Prospective", "2001:db8::25", 1) == 0);
	CHECK_STR(c.prospective, "2001:db8::25");
	CHECK(c.prospective_addr.family == 6);
	CHECK(config_set(&c, "Prospective", "192.0.2.1/32", 1) == -1);
	CHECK_STR(c.prospective, "2001:db8::25");
	CHECK(config_set(&c, "Prospective", "", 1) == 0 &&
	      c.prospective == NULL);

	/* restriction classes */
	CHECK(config_set(&c, "HELO_pass_restriction", "helo_ok", 1) == 0);
	CHECK_STR(c.helo_pass_restriction, "helo_ok");
	CHECK(config_set(&c, "HELO_pass_restriction", "", 1) == 0 &&
	      c.helo_pass_restriction == NULL);
	CHECK(config_set(&c, "Mail_From_pass_restriction", "a b", 1) == -1 &&
	      c.mail_from_pass_restriction == NULL);

	/* Per_User */
	CHECK(config_set(&c, "Per_User", "text,/etc/users", 1) == 0);
	CHECK_STR(c.per_user_path, "/etc/users");
	CHECK(config_set(&c, "Per_User", "/etc/users", 1) == -1);
	CHECK(config_set(&c, "Per_User", "text,", 1) == -1);
	CHECK_STR(c.per_user_path, "/etc/users");
	CHECK(config_set(&c, "Per_User", "text,users", 15) == 0);
	CHECK(has(&c, 15, 0, "relative"));
	CHECK(config_set(&c, "Per_User", "", 1) == 0 && c.per_user == NULL &&
	      c.per_user_path == NULL);

	/* control characters never get in */
	CHECK(config_set(&c, "Domain_Whitelist", "a.example\tb", 16) == -1);
	CHECK(has(&c, 16, 1, "\"a.example\\x09b\" holds a control character"));

	/* a value whose "Name = value" line would not fit is refused */
	{
		spfc_buf b;
		size_t k;

		spfc_buf_init(&b, 0);
		for (k = 0; k < CONFIG_LINE_MAX - strlen("Reason_Message = ");
		     k++)
			spfc_buf_addc(&b, 'x');
		CHECK(config_set(&c, "Reason_Message", spfc_buf_str(&b), 1) ==
		      0);
		spfc_buf_addc(&b, 'x');
		CHECK(config_set(&c, "Reason_Message", spfc_buf_str(&b), 20) ==
		      -1);
		CHECK(has(&c, 20, 1, "the value is too long"));
		CHECK(strlen(c.reason_message) == b.len - 1);
		spfc_buf_free(&b);
	}

	/* unknown and milter names are not applied */
	before = c.nproblems;
	CHECK(config_set(&c, "Nonsense", "1", 17) == -1);
	CHECK(has(&c, 17, 0, "unknown name \"Nonsense\""));
	CHECK(config_set(&c, "Authserv-Id", "x", 18) == -1);
	CHECK(has(&c, 18, 0, "did you mean \"Authserv_Id\""));
	CHECK(config_set(&c, "UMask", "7", 19) == 0);
	CHECK(has(&c, 19, 0, "UMask is only used by the milter"));
	CHECK(c.nproblems == before + 3);
	config_free(&c);
	free(h);
}

static void test_lists(void)
{
	struct config c;
	const struct net_list *w;

	CHECK(config_init(&c) == 0);
	/* every form Python's ipaddress accepts in strict mode */
	CHECK(config_set(&c, "Whitelist",
			 "10.0.0.0/255.0.0.0,10.0.0.0/0.0.255.255,"
			 "172.16.0.0/012,2001:db8::/0048,::ffff:192.0.2.0/"
			 "120,0.0.0.0/0",
			 1) == 0);
	w = &c.whitelist;
	CHECK(w->n == 6 && w->set);
	if (w->n == 6) {
		CHECK(w->v[0].bits == 8 && !w->v[0].bad);
		CHECK(w->v[1].bits == 16 && !w->v[1].bad);
		CHECK(w->v[2].bits == 12 && !w->v[2].bad);
		CHECK(w->v[3].bits == 48 && w->v[3].addr.family == 6);
		CHECK(w->v[4].bits == 120 && w->v[4].addr.family == 6);
		CHECK(w->v[5].bits == 0 && !w->v[5].bad);
	}
	CHECK(c.nproblems == 0);

	/* bad entries: kept, marked, an error each */
	CHECK(config_set(&c, "Whitelist",
			 "10.0.0.0/33,10.0.0.0/255.0.255.0,junk,,"
			 "::1/129,10.0.0.0/+8,192.0.2.1/",
			 2) == -1);
	CHECK(w->n == 7);
	if (w->n == 7) {
		size_t i;

		for (i = 0; i < 7; i++)
			CHECK(w->v[i].bad == 1);
		CHECK_STR(w->v[3].text, "");
	}
	CHECK(c.nerrors == 7);
	CHECK(has(&c, 2, 1, "\"10.0.0.0/33\" is not an IP network (prefix "
			    "length out of range)"));
	CHECK(has(&c, 2, 1, "(not a valid netmask)"));
	CHECK(has(&c, 2, 1, "\"junk\" is not an IP network (not an IP "
			    "address)"));
	CHECK(has(&c, 2, 1, "an empty entry is not an IP network"));
	CHECK(has(&c, 2, 1, "\"192.0.2.1/\" is not an IP network"));
	CHECK(has(&c, 2, 1, "the entries after it are never used"));

	/* spaces: stripped with a warning */
	CHECK(config_set(&c, "skip_addresses", "127.0.0.0/8, ::1", 3) == 0);
	CHECK(c.skip_addresses.n == 2 && !c.skip_addresses.v[1].bad);
	if (c.skip_addresses.n == 2)
		CHECK_STR(c.skip_addresses.v[1].text, "::1");
	CHECK(has(&c, 3, 0, "\" ::1\": the spaces around the entry are "
			    "ignored"));

	/* empty: an empty list that was given */
	CHECK(config_set(&c, "skip_addresses", "", 4) == 0);
	CHECK(c.skip_addresses.n == 0 && c.skip_addresses.set == 1);

	/* name lists are kept exactly as written */
	CHECK(config_set(&c, "HELO_Whitelist", "a.example,,b.example ", 5) ==
	      0);
	CHECK(c.helo_whitelist.n == 3);
	if (c.helo_whitelist.n == 3) {
		CHECK_STR(c.helo_whitelist.v[0], "a.example");
		CHECK_STR(c.helo_whitelist.v[1], "");
		CHECK_STR(c.helo_whitelist.v[2], "b.example ");
	}
	CHECK(has(&c, 5, 0, "an empty entry"));
	CHECK(has(&c, 5, 0, "\"b.example \" has spaces around it"));
	CHECK(config_set(&c, "Reject_Not_Pass_Domains", "", 6) == 0);
	CHECK(c.reject_not_pass_domains.n == 0 &&
	      c.reject_not_pass_domains.set == 1);
	config_free(&c);
}

static void test_list_limit(void)
{
	struct config c;
	spfc_buf b;
	size_t i;

	CHECK(config_init(&c) == 0);
	spfc_buf_init(&b, 0);
	for (i = 0; i <= CONFIG_LIST_MAX; i++) {
		if (i)
			spfc_buf_addc(&b, ',');
		spfc_buf_adds(&b, "x");
	}
	CHECK(config_set(&c, "Domain_Whitelist", spfc_buf_str(&b), 1) == -1);
	CHECK(has(&c, 1, 1, "more than 1024 entries"));
	CHECK(c.domain_whitelist.n == 0 && c.domain_whitelist.set == 0);
	spfc_buf_truncate(&b, b.len - strlen(",x"));
	CHECK(config_set(&c, "Domain_Whitelist", spfc_buf_str(&b), 2) == 0);
	CHECK(c.domain_whitelist.n == CONFIG_LIST_MAX);
	spfc_buf_free(&b);
	config_free(&c);
}

/* spfc's own options for listen mode. */
static void test_listen(void)
{
	struct config c, u;
	char *d;

	CHECK(config_init(&c) == 0);
	CHECK(load(&c, "listen.conf") == 0);
	CHECK(c.nproblems == 0);
	show_problems(&c);
	CHECK_STR(c.listen, "inet:[::1]:10023");
	CHECK(c.socket_mode == 0660);
	CHECK_STR(c.socket_owner, "postfix:postfix");
	CHECK_STR(c.user, "policyd-spf");
	CHECK(c.max_clients == 200 && c.max_checks == 5000);
	CHECK(c.idle_timeout == 120 && c.stats_interval == 0);
	d = dump(&c);
	CHECK(d && strstr(d, "\nListen = inet:[::1]:10023\nSocket_Mode = 0660\n"
			     "Socket_Owner = postfix:postfix\nSocket_Group = \n"
			     "Listen_Allow = 192.0.2.0/24,2001:db8::/32\nUser = "
			     "policyd-spf\nMax_Clients = 200\nMax_Checks = "
			     "5000\nIdle_Timeout = 120\nRequest_Timeout = 5\n"
			     "Stats_Interval = 0\n"));
	free(d);
	CHECK(config_copy(&u, &c) == 0);
	CHECK(u.listen != c.listen && u.user != c.user);
	CHECK_STR(u.socket_owner, "postfix:postfix");
	CHECK(u.listen_allow.n == 2 && u.listen_allow.v != c.listen_allow.v);
	config_free(&u);
	CHECK(c.listen_allow.n == 2 && c.listen_allow.v[1].bits == 32);
	CHECK(config_set(&c, "Listen_Allow", "192.0.2.1/24", 5) == -1);
	CHECK(has(&c, 5, 1, "host bits set"));
	CHECK(config_set(&c, "Socket_Group", "postfix", 1) == 0);
	CHECK_STR(c.socket_group, "postfix");
	CHECK(config_set(&c, "Socket_Group", "a:b", 6) == -1);
	CHECK(has(&c, 6, 1, "is not a group name"));
	CHECK(config_set(&c, "Request_Timeout", "0", 7) == -1);

	CHECK(config_set(&c, "Listen", "unix:/run/policyd-spf/s.sock", 1) == 0);
	CHECK_STR(c.listen, "unix:/run/policyd-spf/s.sock");
	CHECK(config_set(&c, "Listen", "/run/p.sock", 1) == 0);
	CHECK(config_set(&c, "Listen", "inet:127.0.0.1:10023", 1) == 0);
	CHECK(config_set(&c, "Listen", "inet:localhost:10023", 2) == -1);
	CHECK(has(&c, 2, 1, "the host is not an IP address"));
	CHECK(config_set(&c, "Listen", "inet:127.0.0.1:0", 3) == -1);
	CHECK(has(&c, 3, 1, "the port is not 1..65535"));
	CHECK(config_set(&c, "Listen", "inet:127.0.0.1:65536", 1) == -1);
	CHECK(config_set(&c, "Listen", "inet:127.0.0.1", 1) == -1);
	CHECK(config_set(&c, "Listen", "tcp:1.2.3.4:5", 1) == -1);
	CHECK(config_set(&c, "Listen", "unix:", 1) == -1);
	CHECK(config_set(&c, "Listen",
			 "unix:/0123456789/0123456789/0123456789/0123456789/"
			 "0123456789/0123456789/0123456789/0123456789/"
			 "0123456789/0123456789/x",
			 4) == -1);
	CHECK(has(&c, 4, 1, "too long for a unix socket"));
	CHECK_STR(c.listen, "inet:127.0.0.1:10023");
	CHECK(config_set(&c, "Listen", "", 1) == 0 && c.listen == NULL);

	CHECK(config_set(&c, "Socket_Mode", "0600", 1) == 0 &&
	      c.socket_mode == 0600);
	CHECK(config_set(&c, "Socket_Mode", "0", 1) == -1);
	CHECK(config_set(&c, "Socket_Mode", "0668", 1) == -1);
	CHECK(config_set(&c, "Socket_Mode", "4777", 1) == -1);
	CHECK(config_set(&c, "Socket_Mode", "", 1) == -1);
	CHECK(c.socket_mode == 0600);
	CHECK(config_set(&c, "Socket_Owner", "postfix", 1) == 0);
	CHECK(config_set(&c, "Socket_Owner", ":postfix", 1) == -1);
	CHECK(config_set(&c, "Socket_Owner", "postfix:", 1) == -1);
	CHECK(config_set(&c, "Socket_Owner", "a:b:c", 1) == -1);
	CHECK_STR(c.socket_owner, "postfix");
	CHECK(config_set(&c, "User", "nobody:nogroup", 1) == -1);
	CHECK(config_set(&c, "User", "no body", 1) == -1);
	CHECK_STR(c.user, "policyd-spf");
	CHECK(config_set(&c, "User", "", 1) == 0 && c.user == NULL);
	CHECK(config_set(&c, "Max_Clients", "0", 1) == -1);
	CHECK(config_set(&c, "Max_Checks", "1000001", 1) == -1);
	CHECK(config_set(&c, "Idle_Timeout", "86401", 1) == -1);
	CHECK(config_set(&c, "Stats_Interval", "-1", 1) == -1);
	CHECK(c.max_clients == 200 && c.max_checks == 5000 &&
	      c.idle_timeout == 120 && c.stats_interval == 0);

	config_free(&c);
}

static void test_files(void)
{
	struct config c;
	spfc_buf b;
	char *p;
	size_t i;

	/* missing file: -1, an error, defaults kept */
	CHECK(config_init(&c) == 0);
	CHECK(config_load(&c, "/nonexistent/policyd-spf.conf") == -1);
	CHECK(c.nproblems == 1 && c.nerrors == 1);
	CHECK(has(&c, 0, 1, "cannot open \"/nonexistent/policyd-spf.conf\": "
			    "No such file or directory"));
	CHECK(c.path == NULL && c.debug_level == 1 && c.lookup_time == 20);
	/* a directory is not a regular file */
	CHECK(config_load(&c, "/tmp") == -1);
	CHECK(has(&c, 0, 1, "\"/tmp\" is not a regular file"));
	config_free(&c);

	/* NUL bytes and over-long lines are errors; the rest is read */
	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, "debugLevel = 2\nMock = Tr");
	spfc_buf_addc(&b, '\0');
	spfc_buf_adds(&b, "ue\nReason_Message = ");
	for (i = 0; i < CONFIG_LINE_MAX; i++)
		spfc_buf_addc(&b, 'x');
	spfc_buf_adds(&b, "\rVoid_Limit = 5");	/* lone CR ends a line */
	p = temp_file(spfc_buf_str(&b), b.len);
	CHECK(p != NULL);
	CHECK(config_init(&c) == 0);
	if (p) {
		CHECK(config_load(&c, p) == 0);
		CHECK(has(&c, 2, 1, "NUL byte"));
		CHECK(has(&c, 3, 1, "longer than 8192 bytes"));
		CHECK(c.debug_level == 2 && c.mock == 0 && c.void_limit == 5);
		CHECK(c.nproblems == 2);
		unlink(p);
		free(p);
	}
	config_free(&c);
	spfc_buf_free(&b);

	/* a file over CONFIG_FILE_MAX is not read at all */
	spfc_buf_init(&b, 2 * CONFIG_FILE_MAX);
	while (b.len <= CONFIG_FILE_MAX)
		spfc_buf_adds(&b, "debugLevel = 3\n");
	p = temp_file(spfc_buf_str(&b), b.len);
	CHECK(p != NULL);
	CHECK(config_init(&c) == 0);
	if (p) {
		CHECK(config_load(&c, p) == -1);
		CHECK(has(&c, 0, 1, "is larger than 1048576 bytes"));
		CHECK(c.debug_level == 1);
		unlink(p);
		free(p);
	}
	config_free(&c);
	spfc_buf_free(&b);

	/* the comment starts at the first '#', even inside a value */
	p = temp_file("Reason_Message = see http://x/#anchor {url}\n"
		      "  # indented comment\n"
		      "Domain_Whitelist=a.example#,b.example\n",
		      sizeof "Reason_Message = see http://x/#anchor {url}\n"
			      "  # indented comment\n"
			      "Domain_Whitelist=a.example#,b.example\n" -
			      1);
	CHECK(config_init(&c) == 0);
	if (p) {
		CHECK(config_load(&c, p) == 0);
		CHECK_STR(c.reason_message, "see http://x/");
		CHECK(c.domain_whitelist.n == 1);
		CHECK(c.nproblems == 0);
		unlink(p);
		free(p);
	}
	config_free(&c);
}

static void test_dump(void)
{
	struct config c, r;
	char *got, *want, *again, *p;

	CHECK(config_init(&c) == 0);
	CHECK(load(&c, "small.conf") == 0);
	CHECK(c.nproblems == 0);
	show_problems(&c);
	got = dump(&c);
	want = read_all("small.ref");
	CHECK(got && want);
	if (got && want)
		CHECK_STR(got, want);

	/* the dump reads back as the same settings */
	p = got ? temp_file(got, strlen(got)) : NULL;
	CHECK(p != NULL);
	CHECK(config_init(&r) == 0);
	if (p) {
		CHECK(config_load(&r, p) == 0);
		CHECK(r.nproblems == 0);
		again = dump(&r);
		if (again && got)
			CHECK_STR(again, got);
		free(again);
		unlink(p);
		free(p);
	}
	config_free(&r);
	free(got);
	free(want);

	/* a bad Whitelist entry is dumped as written */
	CHECK(config_set(&c, "Whitelist", "192.168.1.12/24,10.0.0.0/8", 1) ==
	      -1);
	got = dump(&c);
	CHECK(got && strstr(got, "\nWhitelist = 192.168.1.12/24,10.0.0.0/8\n"));
	free(got);
	config_free(&c);
}

static void test_copy(void)
{
	struct config a, b;

	CHECK(config_init(&a) == 0);
	CHECK(load(&a, "all.conf") == 0);
	config_set(&a, "Nonsense", "1", 99);
	CHECK(config_copy(&b, &a) == 0);
	CHECK(b.whitelist.v != a.whitelist.v);
	CHECK(b.whitelist.n == a.whitelist.n);
	CHECK(b.reason_message != a.reason_message);
	CHECK_STR(b.reason_message, a.reason_message);
	CHECK(b.nproblems == a.nproblems && b.problems != a.problems);
	config_free(&a);	/* b stands on its own */
	CHECK_STR(b.authserv_id, "mx.example.com");
	CHECK_STR(b.helo_whitelist.v[0], "relay.example.com");
	CHECK_STR(b.whitelist.v[1].text, "192.168.1.12");
	CHECK(has(&b, 99, 0, "Nonsense"));
	config_free(&b);
}

static void test_per_user(void)
{
	struct config base, u;
	char *p = path_of("users.txt");
	spfc_buf v;

	CHECK(config_init(&base) == 0);
	/* no Per_User: nothing to do */
	CHECK(config_per_user(&base, "postmaster@example.com", &u) == 0);
	spfc_buf_init(&v, 0);
	spfc_buf_adds(&v, "text,");
	spfc_buf_adds(&v, p);
	CHECK(config_set(&base, "Per_User", spfc_buf_str(&v), 1) == 0);
	spfc_buf_free(&v);
	config_set(&base, "Nonsense", "1", 2);	/* a problem of base */
	CHECK(has(&base, 2, 0, "Nonsense"));

	/* hit */
	memset(&u, 0, sizeof u);
	CHECK(config_per_user(&base, "postmaster@example.com", &u) == 1);
	CHECK(u.mail_from_reject == POL_NO_CHECK);
	CHECK(u.permerror_reject == 1);
	CHECK(u.helo_reject == POL_SPF_NOT_PASS);
	CHECK(u.skip_addresses.n == 2 && u.skip_addresses.set);
	CHECK(u.nproblems == 0);	/* base's problems are not repeated */
	CHECK(base.permerror_reject == 0 && base.helo_reject == POL_FAIL);
	CHECK(base.skip_addresses.n == 3);
	config_free(&u);

	/* the first matching line wins; Authserv-Id with a hyphen; '=' in a
	 * value */
	CHECK(config_per_user(&base, "strict@example.com", &u) == 1);
	CHECK(u.permerror_reject == 1 && u.temperror_defer == 1);
	CHECK_STR(u.authserv_id, "users.example.com");
	CHECK_STR(u.reason_message, "No {spf} a=b");
	CHECK(u.nproblems == 0);
	config_free(&u);

	/* unknown keys and keys spf-engine does not take per user */
	CHECK(config_per_user(&base, "odd@example.com", &u) == 1);
	CHECK(u.test_only == 1 && u.mock == 0);
	CHECK(u.void_limit == 2 && u.lookup_time == 5);
	if (getenv("TEST_CONFIG_VERBOSE"))
		show_problems(&u);
	CHECK(has(&u, 5, 0, "TestOnly cannot be set per user"));
	CHECK(has(&u, 5, 0, "unknown name \"Frobnicate\""));
	CHECK(has(&u, 5, 0, "Mock cannot be set per user"));
	CHECK(has(&u, 5, 1, "Void_Limit: \"x\" is not a whole number"));
	CHECK(has(&u, 5, 0, "an empty setting"));
	CHECK(has(&u, 5, 0, "Per_User file \""));
	CHECK(u.nproblems == 5 && u.nerrors == 1);
	config_free(&u);

	/* a line with no settings */
	CHECK(config_per_user(&base, "bare@example.com", &u) == 1);
	CHECK(has(&u, 6, 0, "no settings"));
	config_free(&u);

	/* miss: exact match only, out untouched */
	memset(&u, 0x5a, sizeof u);
	CHECK(config_per_user(&base, "Postmaster@example.com", &u) == 0);
	CHECK(config_per_user(&base, "example.com", &u) == 0);
	CHECK(config_per_user(&base, "other@example.com", &u) == 0);
	CHECK(u.debug_level == 0x5a5a5a5a);

	/* unreadable file */
	CHECK(config_set(&base, "Per_User", "text,/nonexistent/users", 3) ==
	      0);
	CHECK(config_per_user(&base, "postmaster@example.com", &u) == -1);
	config_free(&base);
	free(p);
}

/* Does c have a problem of `file` (NULL: the main file) on `line`? */
static int has_in(const struct config *c, const char *file, unsigned line,
		  int error, const char *part)
{
	size_t i;

	for (i = 0; i < c->nproblems; i++) {
		const struct config_problem *pr = &c->problems[i];

		if (pr->line == line && pr->error == error &&
		    strstr(pr->text, part) &&
		    (file ? pr->file && strcmp(pr->file, file) == 0
			  : pr->file == NULL))
			return 1;
	}
	return 0;
}

/* config_check_per_user on a Per_User file holding text: its return
 * value, the number of problems, and the line of the first one. */
static void check_user_text(const char *text, int want_rc, size_t want_n,
			    unsigned want_line)
{
	struct config c;
	char *p = temp_file(text, strlen(text));
	spfc_buf v;

	CHECK(p != NULL);
	CHECK(config_init(&c) == 0);
	if (p) {
		spfc_buf_init(&v, 0);
		spfc_buf_adds(&v, "text,");
		spfc_buf_adds(&v, p);
		CHECK(config_set(&c, "Per_User", spfc_buf_str(&v), 1) == 0);
		spfc_buf_free(&v);
		CHECK(config_check_per_user(&c) == want_rc);
		CHECK(c.nproblems == want_n);
		if (want_n && c.nproblems)
			CHECK(c.problems[0].line == want_line &&
			      strstr(c.problems[0].text, "no recipient"));
		unlink(p);
		free(p);
	}
	config_free(&c);
}

static void test_check_per_user(void)
{
	struct config c, d;
	char *p = path_of("users.txt");
	spfc_buf v;
	size_t i, before;
	int lines_ok = 1;

	/* no Per_User: nothing to check */
	CHECK(config_init(&c) == 0);
	CHECK(config_check_per_user(&c) == 0 && c.nproblems == 0);

	/* every problem of the file, with its line there */
	spfc_buf_init(&v, 0);
	spfc_buf_adds(&v, "text,");
	spfc_buf_adds(&v, p);
	CHECK(config_set(&c, "Per_User", spfc_buf_str(&v), 7) == 0);
	spfc_buf_free(&v);
	CHECK(c.per_user_line == 7);
	CHECK(config_check_per_user(&c) == -1);
	if (getenv("TEST_CONFIG_VERBOSE"))
		show_problems(&c);
	CHECK(has_in(&c, p, 4, 0, "recipient \"strict@example.com\" was "
				  "given before (line 3)"));
	CHECK(has_in(&c, p, 5, 0, "TestOnly cannot be set per user"));
	CHECK(has_in(&c, p, 5, 0, "unknown name \"Frobnicate\""));
	CHECK(has_in(&c, p, 5, 0, "Mock cannot be set per user"));
	CHECK(has_in(&c, p, 5, 1, "recipient \"odd@example.com\": "
				  "Void_Limit: \"x\" is not a whole number"));
	CHECK(has_in(&c, p, 5, 0, "an empty setting"));
	CHECK(has_in(&c, p, 6, 0, "recipient \"bare@example.com\": no "
				  "settings"));
	CHECK(c.nproblems == 7 && c.nerrors == 1);
	for (i = 0; i < c.nproblems; i++)
		if (i && c.problems[i].line < c.problems[i - 1].line)
			lines_ok = 0;
	CHECK(lines_ok);	/* in the order of the file */
	/* nothing of the file is applied to the main settings */
	CHECK(c.mail_from_reject == POL_FAIL && c.permerror_reject == 0 &&
	      c.void_limit == 2);
	/* a copy keeps the file of each problem */
	CHECK(config_copy(&d, &c) == 0);
	CHECK(has_in(&d, p, 5, 1, "Void_Limit"));
	config_free(&d);
	/* the formatted text names the file */
	spfc_buf_init(&v, 0);
	config_problem_format(&c.problems[0], &v);
	CHECK(strncmp(spfc_buf_str(&v), p, strlen(p)) == 0 &&
	      strstr(spfc_buf_str(&v), ": line 4: recipient "));
	spfc_buf_free(&v);
	config_free(&c);

	/* a file that cannot be read: an error on the main file's line */
	CHECK(config_init(&c) == 0);
	CHECK(config_set(&c, "Per_User", "text,/nonexistent/users", 12) == 0);
	before = c.nproblems;
	CHECK(config_check_per_user(&c) == -1);
	CHECK(c.nproblems == before + 1 && c.nerrors == 1);
	CHECK(has_in(&c, NULL, 12, 1, "Per_User: cannot open "
				      "\"/nonexistent/users\": No such file"));
	config_free(&c);

	/* not a regular file */
	CHECK(config_init(&c) == 0);
	CHECK(config_set(&c, "Per_User", "text,/tmp", 2) == 0);
	CHECK(config_check_per_user(&c) == -1);
	CHECK(has_in(&c, NULL, 2, 1, "\"/tmp\" is not a regular file"));
	config_free(&c);

	/* a clean file has no problem; a line without a recipient has one */
	free(p);
	check_user_text("# ok\na@example.com,HELO_reject=Fail\n", 0, 0, 0);
	check_user_text("a@example.com,HELO_reject=Fail\n"
			" ,HELO_reject=False\n", 0, 1, 2);
}

static void test_load_errno(void)
{
	struct config c;

	CHECK(config_init(&c) == 0);
	errno = 0;
	CHECK(config_load(&c, "/nonexistent/policyd-spf.conf") == -1);
	CHECK(errno == ENOENT);
	CHECK(config_load(&c, "/tmp") == -1 && errno == EINVAL);
	CHECK(c.nproblems == 2 && c.nerrors == 2);
	/* the default path may be absent: nothing recorded */
	CHECK(config_load_default(&c, "/nonexistent/policyd-spf.conf") == 1);
	CHECK(c.nproblems == 2);
	/* but present and unusable, it is an error as any other: a
	 * directory, a link to nowhere */
	CHECK(config_load_default(&c, "/tmp") == -1 && c.nproblems == 3);
	{
		char link[] = "/tmp/test_config.linkXXXXXX";
		int fd = mkstemp(link);

		CHECK(fd >= 0);
		if (fd >= 0) {
			close(fd);
			unlink(link);
			CHECK(symlink("/nonexistent/policyd-spf.conf", link) ==
			      0);
			CHECK(config_load_default(&c, link) == -1 &&
			      errno == ENOENT && c.nproblems == 4);
			unlink(link);
		}
	}
	CHECK(load(&c, "small.conf") == 0);
	config_free(&c);
}

static void test_reason_render(void)
{
	spfc_buf b;

	spfc_buf_init(&b, 0);
	CHECK(config_reason_render(
		      "Message {rejectdefer} due to: {spf}. Please see {url}",
		      "rejected", "SPF fail - not authorized",
		      "http://www.openspf.net/Why?s=mfrom;id=a@b;ip=1.2.3.4;"
		      "r=c",
		      &b) == 0);
	CHECK_STR(spfc_buf_str(&b),
		  "Message rejected due to: SPF fail - not authorized. "
		  "Please see http://www.openspf.net/Why?s=mfrom;id=a@b;"
		  "ip=1.2.3.4;r=c");
	spfc_buf_reset(&b);
	CHECK(config_reason_render("{{x}} {spf}{spf} }}", "d", "s", NULL, &b) ==
	      0);
	CHECK_STR(spfc_buf_str(&b), "{x} ss }");
	spfc_buf_reset(&b);
	CHECK(config_reason_render("{bad}", "d", "s", "u", &b) == -1);
	CHECK(config_reason_render("x }", "d", "s", "u", &b) == -1);
	spfc_buf_free(&b);
}

/* The sample configuration installed with the daemon loads cleanly and
 * keeps every built-in default. */
static void test_sample(void)
{
	struct config d, c;
	char *p = path_of("../../../etc/policyd-spf.conf");
	char *a, *b;

	CHECK(config_init(&d) == 0);
	CHECK(config_init(&c) == 0);
	CHECK(config_load(&c, p) == 0);
	CHECK(c.nproblems == 0);
	show_problems(&c);
	a = dump(&d);
	b = dump(&c);
	if (a && b)
		CHECK_STR(b, a);
	free(b);
	config_free(&c);

	/* its commented-out settings are the defaults: uncommented, they
	 * change nothing */
	{
		char *text = read_all("../../../etc/policyd-spf.conf");
		char *t, *tmp;
		spfc_buf u;
		unsigned uncommented = 0;
		size_t i;

		CHECK(text != NULL);
		spfc_buf_init(&u, 0);
		for (t = text; t && *t;) {
			char *nl = strchr(t, '\n');
			size_t n = nl ? (size_t)(nl - t) + 1 : strlen(t);

			/* "#Name = value": a setting, not prose */
			if (t[0] == '#' && t[1] >= 'A' && t[1] <= 'z' &&
			    memchr(t, '=', n)) {
				for (i = 1; i < n && t[i] != ' '; i++)
					;
				if (i + 1 < n && t[i + 1] == '=') {
					t++;
					n--;
					uncommented++;
				}
			}
			spfc_buf_add(&u, t, n);
			t += n;
		}
		CHECK(uncommented == 31);	/* all but the 7 set */
		tmp = temp_file(spfc_buf_str(&u), u.len);
		CHECK(tmp != NULL);
		CHECK(config_init(&c) == 0);
		if (tmp) {
			CHECK(config_load(&c, tmp) == 0);
			CHECK(c.nproblems == 0);
			show_problems(&c);
			b = dump(&c);
			if (a && b)
				CHECK_STR(b, a);
			free(b);
			unlink(tmp);
			free(tmp);
		}
		config_free(&c);
		spfc_buf_free(&u);
		free(text);
	}
	free(a);
	free(p);
	config_free(&d);
}

/* The daemon's reply text is made by the tested renderer: the values of
 * {spf} and {url} are sanitized and bounded by render.c, the template is
 * walked by config_reason_render, so a template's braces read the same
 * in both. */
static void test_reason_daemon(void)
{
	struct config c;
	spfc_buf b, want;
	char longspf[RENDER_EXPL_MAX + 10];

	CHECK(config_init(&c) == 0);
	spfc_buf_init(&b, 0);
	render_reason(&b, c.reason_message, 0, "SPF fail - not authorized",
		      "mfrom", "a@b", "1.2.3.4", "c@d");
	CHECK_STR(spfc_buf_str(&b),
		  "Message rejected due to: SPF fail - not authorized. "
		  "Please see http://www.openspf.net/Why?s=mfrom;id=a@b;"
		  "ip=1.2.3.4;r=c@d");
	spfc_buf_reset(&b);
	render_reason(&b, "{{{rejectdefer}}} {spf}", 1, "x\r\ny", "helo",
		      "h", "::1", "r");
	CHECK_STR(spfc_buf_str(&b), "{deferred} x??y");
	spfc_buf_reset(&b);
	render_reason(&b, "{url}", 0, NULL, "mfrom", "a\tb", "1.2.3.4", "r");
	CHECK_STR(spfc_buf_str(&b),
		  "http://www.openspf.net/Why?s=mfrom;id=a?b;ip=1.2.3.4;r=r");
	/* {spf} is cut at RENDER_EXPL_MAX, as before */
	memset(longspf, 'e', sizeof longspf - 1);
	longspf[sizeof longspf - 1] = '\0';
	spfc_buf_reset(&b);
	render_reason(&b, "{spf}", 0, longspf, "mfrom", "a", "1.2.3.4", "r");
	CHECK(b.len == RENDER_EXPL_MAX);
	/* the same text as config_reason_render gives for those values */
	spfc_buf_init(&want, 0);
	spfc_buf_reset(&b);
	render_reason(&b, "{{}} {url} {spf}", 1, "s", "helo", "i", "p", "r");
	CHECK(config_reason_render(
		      "{{}} {url} {spf}", "deferred", "s",
		      "http://www.openspf.net/Why?s=helo;id=i;ip=p;r=r",
		      &want) == 0);
	CHECK_STR(spfc_buf_str(&b), spfc_buf_str(&want));
	spfc_buf_free(&want);
	spfc_buf_free(&b);
	config_free(&c);
}

/* One formatter, three forms: the short one of the tests, the log's
 * (spf-engine's style) and --check-config's. */
static void test_problem_forms(void)
{
	struct config c;
	struct config_problem main_err = {3, 1, "bad value", NULL};
	struct config_problem user_warn = {7, 0, "odd", "/etc/pu"};
	struct config_problem no_line = {0, 0, "no line", NULL};
	spfc_buf b;

	CHECK(config_init(&c) == 0);
	spfc_buf_init(&b, 0);
	config_problem_format(&main_err, &b);
	CHECK_STR(spfc_buf_str(&b), "line 3: bad value");
	spfc_buf_reset(&b);
	config_problem_format(&user_warn, &b);
	CHECK_STR(spfc_buf_str(&b), "/etc/pu: line 7: odd");
	spfc_buf_reset(&b);
	config_problem_format(&no_line, &b);
	CHECK_STR(spfc_buf_str(&b), "no line");
	spfc_buf_reset(&b);
	config_problem_line(&c, &main_err, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "ERROR: /etc/x.conf line 3: bad value");
	spfc_buf_reset(&b);
	config_problem_line(&c, &user_warn, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "WARNING: /etc/pu line 7: odd");
	spfc_buf_reset(&b);
	config_problem_line(&c, &no_line, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "WARNING: /etc/x.conf: no line");
	spfc_buf_reset(&b);
	config_problem_report(&c, &main_err, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "/etc/x.conf: line 3: error: bad value");
	spfc_buf_reset(&b);
	config_problem_report(&c, &user_warn, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "/etc/pu: line 7: warning: odd");
	spfc_buf_reset(&b);
	config_problem_report(&c, &no_line, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "/etc/x.conf: warning: no line");
	/* the file read wins over the path asked for */
	c.path = strdup("/etc/read.conf");
	spfc_buf_reset(&b);
	config_problem_report(&c, &main_err, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "/etc/read.conf: line 3: error: bad value");
	spfc_buf_reset(&b);
	config_problem_line(&c, &main_err, "/etc/x.conf", &b);
	CHECK_STR(spfc_buf_str(&b), "ERROR: /etc/read.conf line 3: bad value");
	spfc_buf_free(&b);
	config_free(&c);
}

/* Every option of the table set through config_set to the value the dump
 * shows for its default reads back as the same dump, without a problem:
 * each row's setter and printer agree. */
static void test_table_round_trip(void)
{
	struct config c, d;
	char *a, *b, *line, *save = NULL;

	CHECK(config_init(&c) == 0);
	CHECK(config_init(&d) == 0);
	a = dump(&c);
	CHECK(a != NULL);
	if (a) {
		char *copy = strdup(a);

		for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *eq = strstr(line, " = ");

			CHECK(eq != NULL);
			if (!eq)
				continue;
			*eq = '\0';
			/* an empty value unsets; Authserv_Id may not be empty */
			CHECK(config_set(&d, line, eq + 3, 1) == 0);
		}
		free(copy);
	}
	CHECK(d.nerrors == 0);
	show_problems(&d);
	b = dump(&d);
	if (a && b)
		CHECK_STR(b, a);
	free(a);
	free(b);
	config_free(&c);
	config_free(&d);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		dir = argv[1];
	test_defaults();
	test_debian();
	test_all();
	test_errors();
	test_values();
	test_lists();
	test_list_limit();
	test_listen();
	test_files();
	test_dump();
	test_copy();
	test_per_user();
	test_check_per_user();
	test_load_errno();
	test_reason_render();
	test_reason_daemon();
	test_problem_forms();
	test_table_round_trip();
	test_sample();
	return DONE();
}
