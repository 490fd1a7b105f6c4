/*
 * spfcheck.c - the command line: check one client address, sender and
 * HELO name against SPF (RFC 7208) and print the result, the explanation
 * and a Received-SPF header field, optionally the evaluation trace, or all
 * of it as one JSON object.
 *
 * How it fails: bad usage or unusable input (a missing or unparsable
 * --ip, an unknown option, a sender or HELO name holding control or 8-bit
 * bytes, a zone file that does not load, ...) prints one line
 * "spfcheck: <what>" on stderr and exits 2; a broken environment (out of
 * memory, c-ares cannot start, stdout cannot be written) exits 1.
 * Whenever a result was computed -- fail and the error results included
 * -- the exit status is 0.  Text that came from outside is sanitized
 * before it is printed (escaped, in JSON).  --lint DOMAIN hands over to
 * lint.c, the publisher's mode, which has exit statuses of its own.
 */
#include <spfc/buf.h>
#include <spfc/cares.h>
#include <spfc/idn.h>
#include <spfc/header.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include "common/ascii.h"
#include "common/utf8.h"
#include "json.h"
#include "lint.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SPFC_VERSION
#define SPFC_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2
#define EXIT_ENV 1

/* Longest explanation or trace line printed, after sanitizing (our
 * choice; RFC 7208 §6.2 bounds an explanation only by what DNS holds). */
#define LINE_OUT_MAX 4096
/* Longest argument or library message quoted in an error message;
 * complain() (json.h) quotes its argument with the same bound. */
#define ARG_ECHO_MAX SPFC_TEXT_MAX
/* --timeout bounds: more than 0, at most an hour (our choice; RFC 7208
 * §4.6.4 suggests 20 s for the whole check). */
#define TIMEOUT_MAX_MS 3600000LL
/* Per-try c-ares time-out: c-ares' own default of 2 s, never more than the
 * whole budget. */
#define TRY_TIMEOUT_MS 2000LL
/* Room for gethostname(): HOST_NAME_MAX is 64 on Linux, 255 by POSIX. */
#define HOSTNAME_SIZE 256

static const char usage_text[] =
    "usage: spfcheck --ip IP [--sender ADDR] [--helo NAME]"
    " [--scope mfrom|helo]\n"
    "                [--dns HOST[:PORT][,...]] [--zone FILE]"
    " [--timeout SECONDS]\n"
    "                [--default-exp TEXT] [--receiver NAME] [--trace]"
    " [--json]\n"
    "       spfcheck --lint DOMAIN [--flatten] [--ip IP [--sender ADDR]]\n"
    "                [--against NAME|RECORD]\n"
    "                [--dns ...|--zone FILE] [--timeout SECONDS] [--json]\n"
    "                [--space-v4 LEN] [--space-v6 LEN] [--shared-list FILE]\n"
    "       spfcheck --help | --version\n"
    "\n"
    "  --ip IP             the SMTP client address (IPv4 or IPv6)\n"
    "  --sender ADDR       the MAIL FROM address; empty or absent:"
    " postmaster@HELO\n"
    "  --helo NAME         the HELO/EHLO name\n"
    "  --scope mfrom|helo  which identity to check (default mfrom)\n"
    "  --dns SERVERS       ask these DNS servers instead of"
    " /etc/resolv.conf\n"
    "  --zone FILE         answer from a zone file instead of DNS\n"
    "  --timeout SECONDS   total DNS time budget of the check"
    " (default 20)\n"
    "  --default-exp TEXT  explanation of a fail without exp=\n"
    "  --receiver NAME     this host's name, for %{r} and the header\n"
    "  --trace             print the evaluation steps\n"
    "  --json              print one JSON object\n"
    "  --lint DOMAIN       lint the domain's SPF record tree (publisher's"
    " mode)\n"
    "  --flatten           with --lint: the authorized addresses, a flat"
    " record\n"
    "  --space-v4 LEN      with --lint: warn when more than a /LEN of IPv4"
    " passes (16)\n"
    "  --space-v6 LEN      ... of IPv6 (32)\n"
    "  --shared-list FILE  more include domains of shared senders\n"
    "  --against NAME|RECORD\n"
    "                      with --lint: compare the flat record at NAME"
    " (or the\n"
    "                      record given) with the tree; exit 1 on drift\n"
    "\n"
    "Exit status: 0 when a result was computed, 2 for bad usage,"
    " 1 otherwise.\n"
    "With --lint: 0 clean, 1 warnings, 3 errors, 2 bad usage, 4 otherwise."
    "\n"
    "With --against: 0 no drift, 1 drift, 3 not decided, 2 bad usage,"
    " 4 otherwise.\n";

enum {
	OPT_IP = 256,
	OPT_SENDER,
	OPT_HELO,
	OPT_SCOPE,
	OPT_DNS,
	OPT_ZONE,
	OPT_TIMEOUT,
	OPT_DEFAULT_EXP,
	OPT_RECEIVER,
	OPT_TRACE,
	OPT_JSON,
	OPT_VERSION,
	OPT_LINT,
	OPT_FLATTEN,
	OPT_SPACE,	/* --space-v4, --space-v6, --shared-list: lint_space.c */
	OPT_AGAINST
};

static const struct option long_options[] = {
	{"ip", required_argument, NULL, OPT_IP},
	{"sender", required_argument, NULL, OPT_SENDER},
	{"helo", required_argument, NULL, OPT_HELO},
	{"scope", required_argument, NULL, OPT_SCOPE},
	{"dns", required_argument, NULL, OPT_DNS},
	{"zone", required_argument, NULL, OPT_ZONE},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"default-exp", required_argument, NULL, OPT_DEFAULT_EXP},
	{"receiver", required_argument, NULL, OPT_RECEIVER},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"lint", required_argument, NULL, OPT_LINT},
	{"flatten", no_argument, NULL, OPT_FLATTEN},
	{"space-v4", required_argument, NULL, OPT_SPACE},
	{"space-v6", required_argument, NULL, OPT_SPACE},
	{"shared-list", required_argument, NULL, OPT_SPACE},
	{"against", required_argument, NULL, OPT_AGAINST},
	{NULL, 0, NULL, 0}
};

struct args {
	const char *ip;
	const char *sender;
	const char *helo;
	const char *dns;
	const char *zone;
	const char *default_exp;
	const char *receiver;
	spfc_scope scope;
	int64_t timeout_ms;	/* 0: the library default */
	int trace;
	int json;
	const char *lint;	/* --lint DOMAIN: the publisher's mode */
	spfc_buf idn_lint, idn_sender, idn_helo; /* A-label forms, when made */
	int flatten;
	struct lint_space_opts space;
	const char *against;	/* --against NAME|RECORD */
	spfc_buf idn_against;
};

/* 1 when s holds a byte no host or mailbox name can hold: a control byte
 * (CR, LF, TAB, ...), DEL, or an 8-bit byte. */
static int has_bad_bytes(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			return 1;
	}
	return 0;
}

/* 1 when s holds a control byte or DEL (a UTF-8 local part may hold
 * other bytes outside ASCII: RFC 6531, RFC 8616). */
static int has_control_bytes(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

/* Name the first character outside ASCII of s, with its position (from
 * 1, in characters), into buf. */
static const char *first_wide(const char *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	char label[SC_UTF8_LABEL_MAX];
	size_t n = strlen(s), k, pos = 1;
	uint32_t cp;

	while (n) {
		k = sc_utf8_next(p, n, &cp);
		if (k == 0) {
			snprintf(buf, size, "byte 0x%02X (not UTF-8) at position %zu",
				 (unsigned)*p, pos);
			return buf;
		}
		if (cp >= 0x80) {
			snprintf(buf, size, "%s at position %zu",
				 sc_utf8_label(cp, label, sizeof label), pos);
			return buf;
		}
		p += k, n -= k, pos++;
	}
	snprintf(buf, size, "no character outside ASCII");
	return buf;
}

/* A name from the command line in the form the checks use (RFC 8616):
 * U-labels become A-labels, kept in keep.  Control bytes, bytes that are
 * not UTF-8 and names IDNA 2008 cannot write in ASCII are refused, the
 * character named.  0, or -1 after complaining. */
static int arg_to_ascii(const char *opt, const char **v, int mailbox,
			spfc_buf *keep)
{
	char what[160], where[96];
	int rc;

	if (has_control_bytes(*v)) {
		snprintf(what, sizeof what, "%s holds a control or 8-bit byte", opt);
		complain(what, *v);
		return -1;
	}
	if (!sc_utf8_valid(*v, strlen(*v))) {
		snprintf(what, sizeof what, "%s holds %s", opt,
			 first_wide(*v, where, sizeof where));
		complain(what, *v);
		return -1;
	}
	spfc_buf_init(keep, 0);
	rc = mailbox ? spfc_mailbox_to_ascii(*v, strlen(*v), keep)
		     : spfc_domain_to_ascii(*v, strlen(*v), keep);
	if (rc < 0) {
		snprintf(what, sizeof what,
			 "%s is not a domain name IDNA 2008 can write in ASCII "
			 "(%s)", opt, first_wide(*v, where, sizeof where));
		complain(what, *v);
		return -1;
	}
	if (rc > 0)
		*v = spfc_buf_str(keep);
	return 0;
}

/* "(try --lint NAME)" for the n bytes at s, when they are a plausible
 * printable name; "" otherwise. */
static const char *try_name(const char *s, size_t n, char *buf, size_t size)
{
	size_t i;

	if (n == 0 || n > 253)
		return "";
	for (i = 0; i < n; i++)
		if (!sc_is_alnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' &&
		    s[i] != '_')
			return "";
	snprintf(buf, size, " (try --lint %.*s)", (int)n, s);
	return buf;
}

/* --lint given something that is not a domain name but that people paste
 * for one (the record itself, with or without its quotes, an e-mail
 * address, a URL): say what it looks like and what is wanted.  1 after
 * complaining, 0 otherwise. */
static int lint_hint(const char *s)
{
	const char *at = strrchr(s, '@'), *scheme = strstr(s, "://");
	char what[400], hint[300];
	const char *p;

	for (p = s; *p == ' ' || *p == '"' || *p == '\''; p++)
		;
	if (sc_prefix_nocase(p, strlen(p), "v=spf1")) {
		complain("--lint wants the domain name that publishes the SPF "
			 "record, not the record itself (spfcheck --lint "
			 "example.com checks the record example.com publishes); "
			 "got", s);
		return 1;
	}
	if (scheme) {
		const char *h = scheme + 3;
		size_t n = strcspn(h, "/:?#");

		snprintf(what, sizeof what, "--lint wants a domain name, not a "
			 "URL%s; got", try_name(h, n, hint, sizeof hint));
		complain(what, s);
		return 1;
	}
	if (at) {
		snprintf(what, sizeof what, "--lint wants a domain name, not an "
			 "e-mail address: the part after '@'%s; got",
			 try_name(at + 1, strlen(at + 1), hint, sizeof hint));
		complain(what, s);
		return 1;
	}
	if (*s == '"' || *s == '\'' || strchr(s, '/')) {
		complain("--lint wants a domain name (such as example.com), "
			 "without quotes or slashes; got", s);
		return 1;
	}
	return 0;
}

/* Strict decimal seconds, digits with an optional fraction ("0.5",
 * "20"), into milliseconds (a partial millisecond rounds up).  0 on
 * success; -1 on junk, 0 or more than TIMEOUT_MAX_MS. */
static int parse_timeout(const char *s, int64_t *ms)
{
	int64_t whole = 0, frac = 0, scale = 100;
	int digits = 0, rest = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (*s - '0');
		if (whole > TIMEOUT_MAX_MS / 1000)
			return -1;
	}
	if (!digits)
		return -1;
	if (*s == '.') {
		s++;
		digits = 0;
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (scale > 0)
				frac += (*s - '0') * scale;
			else if (*s != '0')
				rest = 1;
			scale /= 10;
		}
		if (!digits)
			return -1;
	}
	if (*s != '\0')
		return -1;
	*ms = whole * 1000 + frac + rest;
	if (*ms <= 0 || *ms > TIMEOUT_MAX_MS)
		return -1;
	return 0;
}

/* --against's NAME in A-label form; a record given as text must be
 * printable ASCII, as every SPF record is (RFC 7208 §3).  0, or -1 after
 * complaining. */
static int against_to_ascii(struct args *a)
{
	if (!sc_prefix_nocase(a->against, strlen(a->against), "v=spf1"))
		return arg_to_ascii("--against", &a->against, 0,
				    &a->idn_against);
	if (has_bad_bytes(a->against)) {
		complain("--against holds a control or 8-bit byte", a->against);
		return -1;
	}
	return 0;
}

/* Parse argv into a.  Returns -1 to exit 0 (help/version printed), 0 to
 * go on, EXIT_USAGE after complaining. */
static int parse_args(int argc, char **argv, struct args *a)
{
	int ch, li = 0;

	memset(a, 0, sizeof *a);
	a->scope = SPFC_SCOPE_MFROM;
	lint_space_defaults(&a->space);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", long_options, &li)) != -1) {
		switch (ch) {
		case OPT_IP:
			a->ip = optarg;
			break;
		case OPT_SENDER:
			a->sender = optarg;
			break;
		case OPT_HELO:
			a->helo = optarg;
			break;
		case OPT_SCOPE:
			if (strcmp(optarg, "mfrom") == 0) {
				a->scope = SPFC_SCOPE_MFROM;
			} else if (strcmp(optarg, "helo") == 0) {
				a->scope = SPFC_SCOPE_HELO;
			} else {
				complain("--scope must be mfrom or helo, not",
					 optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DNS:
			a->dns = optarg;
			break;
		case OPT_ZONE:
			a->zone = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &a->timeout_ms) < 0) {
				complain("--timeout wants seconds, more than 0 "
					 "and at most 3600, not",
					 optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DEFAULT_EXP:
			a->default_exp = optarg;
			break;
		case OPT_RECEIVER:
			a->receiver = optarg;
			break;
		case OPT_TRACE:
			a->trace = 1;
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_LINT:
			a->lint = optarg;
			break;
		case OPT_FLATTEN:
			a->flatten = 1;
			break;
		case OPT_SPACE:
			if (lint_space_arg(&a->space, long_options[li].name,
					   optarg) < 0)
				return EXIT_USAGE;
			break;
		case OPT_AGAINST:
			a->against = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case OPT_VERSION:
			fputs("spfcheck " SPFC_VERSION "\n", stdout);
			return -1;
		case ':':
			complain("missing argument to", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt > 0x20 && optopt < 0x7f) {
				char opt[3] = {'-', (char)optopt, '\0'};

				complain("unknown option", opt);
			} else {
				complain("unknown option", argv[optind - 1]);
			}
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		complain("unexpected argument", argv[optind]);
		return EXIT_USAGE;
	}
	if (a->flatten && !a->lint) {
		complain("--flatten goes with --lint DOMAIN", NULL);
		return EXIT_USAGE;
	}
	if (a->space.given && !a->lint) {
		complain("--space-v4, --space-v6 and --shared-list go with "
			 "--lint DOMAIN", NULL);
		return EXIT_USAGE;
	}
	if (a->against && !a->lint) {
		complain("--against goes with --lint DOMAIN", NULL);
		return EXIT_USAGE;
	}
	if (a->against && against_to_ascii(a))
		return EXIT_USAGE;
	if (!a->ip && !a->lint) {
		complain("--ip is required (try --help)", NULL);
		return EXIT_USAGE;
	}
	if (a->dns && a->zone) {
		complain("--dns and --zone exclude each other", NULL);
		return EXIT_USAGE;
	}
	if (a->lint && !has_control_bytes(a->lint) && (lint_hint(a->lint) ||
			arg_to_ascii("--lint", &a->lint, 0, &a->idn_lint)))
		return EXIT_USAGE;
	if (a->sender && arg_to_ascii("--sender", &a->sender, 1, &a->idn_sender))
		return EXIT_USAGE;
	if (a->helo && arg_to_ascii("--helo", &a->helo, 0, &a->idn_helo))
		return EXIT_USAGE;
	if (a->sender && has_control_bytes(a->sender)) {
		complain("--sender holds a control or 8-bit byte", a->sender);
		return EXIT_USAGE;
	}
	if (a->helo && has_bad_bytes(a->helo)) {
		complain("--helo holds a control or 8-bit byte", a->helo);
		return EXIT_USAGE;
	}
	if (a->receiver && has_bad_bytes(a->receiver)) {
		complain("--receiver holds a control or 8-bit byte",
			 a->receiver);
		return EXIT_USAGE;
	}
	return 0;
}

/* The zone's complaint: a syntax message names the line, not the file. */
static void complain_zone(const struct args *a, spfc_status st,
			  const char *why)
{
	spfc_buf b;

	spfc_buf_init(&b, 0);
	if (st == SPFC_ESYNTAX || st == SPFC_ELIMIT) {
		spfc_sanitize(&b, a->zone, strlen(a->zone), ARG_ECHO_MAX);
		spfc_buf_adds(&b, ": ");
	}
	spfc_sanitize(&b, why, strlen(why), LINE_OUT_MAX);
	complain(b.err ? spfc_strerror(st) : spfc_buf_str(&b), NULL);
	spfc_buf_free(&b);
}

/* The resolver of --zone.  0, or an exit status after complaining. */
static int make_zone_resolver(const struct args *a, spfc_zone **zone,
			      spfc_resolver **r)
{
	spfc_buf err;
	spfc_status st;

	st = spfc_zone_new(zone);
	if (st != SPFC_OK) {
		complain(spfc_strerror(st), NULL);
		return EXIT_ENV;
	}
	spfc_buf_init(&err, 0);
	st = spfc_zone_load_file(*zone, a->zone, &err);
	if (st != SPFC_OK) {
		complain_zone(a, st, err.len ? spfc_buf_str(&err)
					     : spfc_strerror(st));
		spfc_buf_free(&err);
		return st == SPFC_ENOMEM ? EXIT_ENV : EXIT_USAGE;
	}
	spfc_buf_free(&err);
	st = spfc_zone_resolver_new(*zone, r);
	if (st != SPFC_OK) {
		complain(spfc_strerror(st), NULL);
		return EXIT_ENV;
	}
	return 0;
}

/* Make the resolver the options ask for.  0, or an exit status after
 * complaining. */
static int make_resolver(const struct args *a, int64_t budget_ms,
			 spfc_zone **zone, spfc_resolver **r)
{
	spfc_cares_options co;
	spfc_buf err;
	spfc_status st;
	int ret;

	if (a->zone)
		return make_zone_resolver(a, zone, r);
	memset(&co, 0, sizeof co);
	co.servers = a->dns;
	co.timeout_ms = (int)(budget_ms < TRY_TIMEOUT_MS ? budget_ms
							 : TRY_TIMEOUT_MS);
	spfc_buf_init(&err, 0);
	st = spfc_cares_resolver_new(&co, r, &err);
	ret = 0;
	if (st == SPFC_EINVAL) {
		complain("--dns", err.len ? spfc_buf_str(&err) : a->dns);
		ret = EXIT_USAGE;
	} else if (st != SPFC_OK) {
		complain("cannot set up the DNS resolver",
			 err.len ? spfc_buf_str(&err) : spfc_strerror(st));
		ret = EXIT_ENV;
	}
	spfc_buf_free(&err);
	return ret;
}

static void json_key_str(spfc_buf *b, const char *key, const char *val)
{
	spfc_buf_adds(b, "  \"");
	spfc_buf_adds(b, key);
	spfc_buf_adds(b, "\": ");
	json_str(b, val ? val : "", val ? strlen(val) : 0);
	spfc_buf_adds(b, ",\n");
}

static void json_key_num(spfc_buf *b, const char *key, unsigned v)
{
	spfc_buf_adds(b, "  \"");
	spfc_buf_adds(b, key);
	spfc_buf_adds(b, "\": ");
	spfc_buf_addu(b, v);
	spfc_buf_adds(b, ",\n");
}

static void render_json(spfc_buf *b, const spfc_check *c, const char *header)
{
	char ip[SPFC_ADDR_TEXT_MAX];
	const char *t = spfc_check_trace(c);
	const char *nl;
	int first = 1;

	spfc_addr_format(spfc_check_ip(c), ip, sizeof ip);
	spfc_buf_adds(b, "{\n");
	json_key_str(b, "result", spfc_result_name(spfc_check_result(c)));
	json_key_str(b, "explanation", spfc_check_explanation(c));
	json_key_str(b, "header", header);
	json_key_str(b, "mechanism", spfc_check_mechanism(c));
	json_key_str(b, "problem", spfc_check_problem(c));
	json_key_str(b, "domain", spfc_check_domain(c));
	json_key_str(b, "sender", spfc_check_sender(c));
	json_key_str(b, "helo", spfc_check_helo(c));
	json_key_str(b, "ip", ip);
	json_key_str(b, "scope",
		     spfc_check_scope(c) == SPFC_SCOPE_HELO ? "helo" : "mfrom");
	json_key_num(b, "lookups", spfc_check_lookups(c));
	json_key_num(b, "void_lookups", spfc_check_voids(c));
	json_key_num(b, "queries", spfc_check_queries(c));
	spfc_buf_adds(b, "  \"trace\": [");
	for (; t && *t; t = nl ? nl + 1 : t + strlen(t)) {
		nl = strchr(t, '\n');
		spfc_buf_adds(b, first ? "\n    " : ",\n    ");
		json_str(b, t, nl ? (size_t)(nl - t) : strlen(t));
		first = 0;
	}
	spfc_buf_adds(b, first ? "]\n}\n" : "\n  ]\n}\n");
}

/* Trace lines are shown as "  | <step>" so they read as a block. */
static void render_text(spfc_buf *b, const spfc_check *c, const char *header,
			int trace)
{
	const char *exp = spfc_check_explanation(c);
	const char *t;
	const char *nl;

	spfc_buf_adds(b, spfc_result_name(spfc_check_result(c)));
	spfc_buf_addc(b, '\n');
	spfc_sanitize(b, exp, strlen(exp), LINE_OUT_MAX);
	spfc_buf_addc(b, '\n');
	spfc_buf_adds(b, header);
	spfc_buf_addc(b, '\n');
	if (!trace)
		return;
	for (t = spfc_check_trace(c); t && *t;
	     t = nl ? nl + 1 : t + strlen(t)) {
		nl = strchr(t, '\n');
		spfc_buf_adds(b, "trace: ");
		spfc_sanitize(b, t, nl ? (size_t)(nl - t) : strlen(t),
			      LINE_OUT_MAX);
		spfc_buf_addc(b, '\n');
	}
}

int main(int argc, char **argv)
{
	struct args a;
	spfc_options o;
	spfc_request req;
	spfc_zone *zone = NULL;
	spfc_resolver *r = NULL;
	spfc_check *c = NULL;
	spfc_buf header, out;
	char host[HOSTNAME_SIZE];
	spfc_status st;
	int rc;

	spfc_buf_init(&header, 0);
	spfc_buf_init(&out, 0);
	rc = parse_args(argc, argv, &a);
	if (rc) {
		if (rc < 0)
			rc = fflush(stdout) == 0 ? 0 : EXIT_ENV;
		goto done;
	}

	memset(&req, 0, sizeof req);
	if (a.ip && spfc_addr_parse(a.ip, &req.ip) != SPFC_OK) {
		complain("--ip is not an IP address", a.ip);
		rc = EXIT_USAGE;
		goto done;
	}
	req.sender = a.sender ? a.sender : "";
	req.helo = a.helo;
	req.scope = a.scope;

	if (a.receiver && !*a.receiver)
		a.receiver = NULL;	/* the library's "unknown" */
	else if (!a.receiver) {
		host[0] = '\0';
		if (gethostname(host, sizeof host) == 0) {
			host[sizeof host - 1] = '\0';
			if (host[0] && !has_bad_bytes(host))
				a.receiver = host;
		}
	}

	spfc_options_init(&o);
	if (a.timeout_ms)
		o.timeout_ms = a.timeout_ms;
	o.receiver = a.receiver;
	o.default_exp = a.default_exp;
	o.trace = a.trace ? 1u : 0u;

	rc = make_resolver(&a, o.timeout_ms, &zone, &r);
	if (rc) {
		if (a.lint && rc == EXIT_ENV)
			rc = LINT_EXIT_ENV;
		goto done;
	}
	if (a.lint) {
		struct lint_request lq = {a.lint, a.ip ? &req : NULL, &o,
					  a.flatten, a.json, &a.space, a.against};

		rc = lint_main(r, &lq);
		goto done;
	}

	st = spfc_check_run(r, &o, &req, &c);
	if (st != SPFC_OK) {
		complain(st == SPFC_EINVAL ? "the sender, HELO or receiver "
					     "name is too long"
					   : spfc_strerror(st),
			 NULL);
		rc = st == SPFC_EINVAL ? EXIT_USAGE : EXIT_ENV;
		goto done;
	}

	st = spfc_received_spf(c, a.receiver, &header);
	if (st != SPFC_OK) {
		complain(spfc_strerror(st), NULL);
		rc = EXIT_ENV;
		goto done;
	}
	if (a.json)
		render_json(&out, c, spfc_buf_str(&header));
	else
		render_text(&out, c, spfc_buf_str(&header), a.trace);
	if (out.err) {
		complain(spfc_strerror((spfc_status)out.err), NULL);
		rc = EXIT_ENV;
		goto done;
	}
	if (write_stdout(&out) < 0) {
		rc = EXIT_ENV;
		goto done;
	}
	rc = 0;
done:
	spfc_check_free(c);
	spfc_resolver_free(r);
	spfc_zone_free(zone);
	spfc_buf_free(&header);
	spfc_buf_free(&out);
	spfc_buf_free(&a.idn_lint);
	spfc_buf_free(&a.idn_sender);
	spfc_buf_free(&a.idn_helo);
	spfc_buf_free(&a.idn_against);
	return rc;
}
