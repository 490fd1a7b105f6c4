/*
 * test_header.c - spfc_sanitize() and the Received-SPF / Authentication-
 * Results renderers, on real checks answered by the zone resolver, with
 * hostile HELO names and senders.  Fails (exit 1) on any wrong byte.
 */
#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Long enough that every piece is clipped, short enough for the check
 * to accept it (the evaluator takes identities up to 1024 bytes). */
#define HOSTILE_LEN 1000

/* ---- sanitize ------------------------------------------------------ */

static const char *san(spfc_buf *b, const char *s, size_t len, size_t max,
		       size_t *n)
{
	spfc_buf_reset(b);
	*n = spfc_sanitize(b, s, len, max);
	return spfc_buf_str(b);
}

static void test_sanitize(void)
{
	spfc_buf b;
	size_t n;
	char all[256];
	int i;

	spfc_buf_init(&b, 0);
	CHECK_STR(san(&b, "abc", 3, 10, &n), "abc");
	CHECK(n == 3);
	CHECK_STR(san(&b, "a\r\nb\0c\xff", 7, 10, &n), "a??b?c?");
	CHECK(n == 7);
	CHECK_STR(san(&b, "tab\there\x7f", 9, 20, &n), "tab?here?");
	CHECK_STR(san(&b, " ~", 2, 2, &n), " ~");	/* the printable ends */
	CHECK_STR(san(&b, "0123456789", 10, 10, &n), "0123456789");
	CHECK(n == 10);					/* exactly max: no cut */
	CHECK_STR(san(&b, "0123456789", 10, 8, &n), "01234...");
	CHECK(n == 8);
	CHECK_STR(san(&b, "\r\n\r\n\r\n\r\n", 8, 6, &n), "???...");
	CHECK_STR(san(&b, "abcdef", 6, 2, &n), "..");
	CHECK(n == 2);
	CHECK_STR(san(&b, "abcdef", 6, 0, &n), "");
	CHECK(n == 0);
	CHECK_STR(san(&b, "", 0, 5, &n), "");
	CHECK(n == 0);
	CHECK_STR(san(&b, "abc", 2, 5, &n), "ab");	/* len is the bound */

	/* Appends after what is there. */
	spfc_buf_reset(&b);
	spfc_buf_adds(&b, "x=");
	CHECK(spfc_sanitize(&b, "\xc3\xa9t\xc3\xa9", 5, 100) == 5);
	CHECK_STR(spfc_buf_str(&b), "x=??t??");

	/* Every byte value: only 0x20..0x7e survive. */
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	spfc_buf_reset(&b);
	CHECK(spfc_sanitize(&b, all, sizeof all, 1000) == 256);
	for (i = 0; i < 256; i++) {
		char want = (i >= 0x20 && i <= 0x7e) ? (char)i : '?';

		if (b.data[i] != want)
			break;
	}
	CHECK(i == 256);

	/* Longer than the internal chunk, then cut. */
	{
		char big[1000];

		memset(big, 'z', sizeof big);
		big[500] = '\n';
		spfc_buf_reset(&b);
		CHECK(spfc_sanitize(&b, big, sizeof big, 600) == 600);
		CHECK(b.len == 600 && b.data[500] == '?');
		CHECK(memcmp(b.data + 597, "...", 3) == 0);
		CHECK(strchr(b.data, '\n') == NULL);
	}

	/* A full buffer: nothing past its bound, sticky error. */
	{
		spfc_buf small;

		spfc_buf_init(&small, 4);
		spfc_sanitize(&small, "abcdefgh", 8, 8);
		CHECK(small.len <= 4 && small.err == SPFC_ELIMIT);
		spfc_buf_free(&small);
	}
	spfc_buf_free(&b);
}

/* ---- checks on a zone ---------------------------------------------- */

static spfc_zone *zone;
static spfc_resolver *res;

static void txt(const char *name, const char *text)
{
	size_t len = strlen(text);

	CHECK(spfc_zone_add_txt(zone, name, &text, &len, 1) == SPFC_OK);
}

static void addr(const char *name, const char *ip)
{
	spfc_addr a;

	CHECK(spfc_addr_parse(ip, &a) == SPFC_OK);
	CHECK(spfc_zone_add_addr(zone, name, &a) == SPFC_OK);
}

static spfc_check *run(const char *ip, const char *sender, const char *helo,
		       spfc_scope scope)
{
	spfc_options o;
	spfc_request req;
	spfc_check *c = NULL;

	spfc_options_init(&o);
	o.receiver = "mx.example.org";
	memset(&req, 0, sizeof req);
	CHECK(spfc_addr_parse(ip, &req.ip) == SPFC_OK);
	req.sender = sender;
	req.helo = helo;
	req.scope = scope;
	CHECK(spfc_check_run(res, &o, &req, &c) == SPFC_OK);
	CHECK(c != NULL && spfc_check_done(c));
	return c;
}

static int is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Skip a dot-atom or quoted-string at s; NULL if neither. */
static const char *skip_value(const char *s)
{
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++)
			if (*s == '\\' && !*++s)
				return NULL;
		return *s == '"' ? s + 1 : NULL;
	}
	if (!is_atext((unsigned char)*s))
		return NULL;
	while (is_atext((unsigned char)*s) ||
	       (*s == '.' && is_atext((unsigned char)s[1])))
		s++;
	return s;
}

/* The RFC 7208 §9.1 shape: "Received-SPF: " result SP comment SP
 * key=value *("; " key=value), one line of printable ASCII that fits. */
static int well_formed_received(const char *h)
{
	static const char *const results[] = {
	    "pass ", "fail ", "softfail ", "neutral ", "none ",
	    "temperror ", "permerror "};
	const char *s;
	size_t i;
	int depth = 0;

	if (strlen(h) > SPFC_HEADER_MAX)
		return 0;
	for (s = h; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	if (strncmp(h, "Received-SPF: ", 14) != 0)
		return 0;
	s = h + 14;
	for (i = 0; i < sizeof results / sizeof results[0]; i++)
		if (strncmp(s, results[i], strlen(results[i])) == 0)
			break;
	if (i == sizeof results / sizeof results[0])
		return 0;
	s += strlen(results[i]);
	if (*s++ != '(')
		return 0;
	for (depth = 1; *s && depth; s++) {
		if (*s == '\\') {
			if (!*++s)
				return 0;
		} else if (*s == '(') {
			depth++;
		} else if (*s == ')') {
			depth--;
		}
	}
	if (depth || *s++ != ' ')
		return 0;
	for (;;) {
		while ((*s >= 'a' && *s <= 'z') || *s == '-')
			s++;
		if (*s++ != '=')
			return 0;
		s = skip_value(s);
		if (!s)
			return 0;
		if (!*s)
			return 1;
		if (strncmp(s, "; ", 2) != 0)
			return 0;
		s += 2;
	}
}

static const char *received(spfc_buf *b, const spfc_check *c,
			    const char *receiver)
{
	spfc_buf_reset(b);
	CHECK(spfc_received_spf(c, receiver, b) == SPFC_OK);
	CHECK(well_formed_received(spfc_buf_str(b)));
	return spfc_buf_str(b);
}

static const char *auth(spfc_buf *b, const spfc_check *c, const char *id)
{
	const char *s;

	spfc_buf_reset(b);
	CHECK(spfc_auth_results(c, id, b) == SPFC_OK);
	CHECK(b->len <= SPFC_HEADER_MAX);
	for (s = spfc_buf_str(b); *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			break;
	CHECK(*s == '\0');
	return spfc_buf_str(b);
}

static void test_results(void)
{
	spfc_buf b;
	spfc_check *c;

	spfc_buf_init(&b, 0);

	c = run("192.0.2.1", "user@example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_PASS);
	CHECK_STR(received(&b, c, "mx.example.org"),
		  "Received-SPF: pass (mx.example.org: domain of "
		  "user@example.com designates 192.0.2.1 as permitted sender) "
		  "client-ip=192.0.2.1; envelope-from=\"user@example.com\"; "
		  "helo=mail.example.com; receiver=mx.example.org; "
		  "mechanism=\"ip4:192.0.2.0/24\"; identity=mailfrom");
	CHECK_STR(auth(&b, c, "mx.example.org"),
		  "Authentication-Results: mx.example.org; spf=pass "
		  "smtp.mailfrom=user@example.com");
	/* A NULL receiver reads "unknown". */
	CHECK(strstr(received(&b, c, NULL), "(unknown: domain of") != NULL);
	CHECK(strstr(spfc_buf_str(&b), "; receiver=unknown;") != NULL);
	/* The caller's buffer keeps its contents; a too-small one refuses
	 * the whole field and keeps what it had. */
	{
		spfc_buf small;

		spfc_buf_init(&small, 40);
		spfc_buf_adds(&small, "X-Before: 1\n");
		CHECK(spfc_received_spf(c, "mx.example.org", &small) ==
		      SPFC_ELIMIT);
		CHECK_STR(spfc_buf_str(&small), "X-Before: 1\n");
		spfc_buf_free(&small);
	}
	spfc_check_free(c);

	c = run("198.51.100.99", "user@example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_FAIL);
	CHECK_STR(received(&b, c, "mx.example.org"),
		  "Received-SPF: fail (mx.example.org: domain of "
		  "user@example.com does not designate 198.51.100.99 as "
		  "permitted sender) client-ip=198.51.100.99; "
		  "envelope-from=\"user@example.com\"; helo=mail.example.com; "
		  "receiver=mx.example.org; mechanism=-all; "
		  "identity=mailfrom");
	spfc_check_free(c);

	c = run("192.0.2.1", "user@soft.example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_SOFTFAIL);
	CHECK(strstr(received(&b, c, "r.example"),
		     "(r.example: domain of transitioning "
		     "user@soft.example.com does not designate 192.0.2.1 as "
		     "permitted sender)") != NULL);
	spfc_check_free(c);

	c = run("192.0.2.1", "user@neutral.example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_NEUTRAL);
	CHECK(strstr(received(&b, c, "r.example"),
		     "(r.example: 192.0.2.1 is neither permitted nor denied "
		     "by domain of user@neutral.example.com)") != NULL);
	spfc_check_free(c);

	c = run("192.0.2.1", "user@nothing.example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_NONE);
	CHECK(strstr(received(&b, c, "r.example"),
		     "(r.example: domain of user@nothing.example.com does not "
		     "designate permitted sender hosts)") != NULL);
	CHECK(strstr(spfc_buf_str(&b), "mechanism=") == NULL);
	spfc_check_free(c);

	/* PermError: problem= in Received-SPF, reason= in A-R. */
	c = run("192.0.2.1", "user@broken.example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_PERMERROR);
	CHECK(*spfc_check_problem(c) != '\0');
	CHECK(strstr(received(&b, c, "r.example"),
		     "(r.example: permanent error in processing domain of "
		     "user@broken.example.com)") != NULL);
	CHECK(strstr(spfc_buf_str(&b), "; problem=\"") != NULL);
	CHECK(strstr(auth(&b, c, "r.example"),
		     "; spf=permerror reason=\"") != NULL);
	spfc_check_free(c);

	/* TempError from a name that never answers. */
	c = run("192.0.2.1", "user@slow.example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_TEMPERROR);
	CHECK(strstr(received(&b, c, "r.example"),
		     "(r.example: temporary error in processing during lookup "
		     "of user@slow.example.com)") != NULL);
	spfc_check_free(c);

	/* IPv6 is quoted (':' is not atext); IPv4-mapped reads as IPv4. */
	c = run("2001:db8::1", "user@example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_PASS);
	CHECK(strstr(received(&b, c, "r.example"),
		     " designates 2001:db8::1 as permitted sender) "
		     "client-ip=\"2001:db8::1\"; ") != NULL);
	spfc_check_free(c);
	c = run("::ffff:192.0.2.1", "user@example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_PASS);
	CHECK(strstr(received(&b, c, "r.example"),
		     " designates 192.0.2.1 as permitted sender) "
		     "client-ip=192.0.2.1; ") != NULL);
	spfc_check_free(c);

	/* HELO scope. */
	c = run("192.0.2.10", "", "mail.example.com", SPFC_SCOPE_HELO);
	CHECK(spfc_check_result(c) == SPFC_PASS);
	CHECK(strstr(received(&b, c, "r.example"),
		     "; identity=helo") != NULL);
	CHECK(strstr(spfc_buf_str(&b),
		     "envelope-from=\"postmaster@mail.example.com\"") != NULL);
	CHECK_STR(auth(&b, c, "r.example"),
		  "Authentication-Results: r.example; spf=pass "
		  "smtp.helo=mail.example.com");
	spfc_check_free(c);

	spfc_buf_free(&b);
}

static void test_hostile(void)
{
	spfc_buf b;
	spfc_check *c;
	char *big;
	size_t i;

	spfc_buf_init(&b, 0);

	/* Quotes, parentheses, backslashes, ';', '=' and 8-bit bytes in the
	 * HELO name and a null sender, so they reach the comment too. */
	c = run("192.0.2.1", "", "a\"b(c)\\d \xc3\xa9;e=f", SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_NONE);
	received(&b, c, "r.example");
	CHECK(strstr(spfc_buf_str(&b),
		     "domain of postmaster@a\"b\\(c\\)\\\\d ??;e=f does") !=
	      NULL);
	CHECK(strstr(spfc_buf_str(&b),
		     "; helo=\"a\\\"b(c)\\\\d ??;e=f\"; ") != NULL);
	CHECK(strstr(spfc_buf_str(&b),
		     "; envelope-from=\"postmaster@a\\\"b(c)\\\\d ??;e=f\"; ") !=
	      NULL);
	CHECK(strstr(auth(&b, c, "r.example"),
		     "Authentication-Results: r.example; spf=none reason=\"") ==
	      spfc_buf_str(&b));
	CHECK(strstr(spfc_buf_str(&b),
		     "\" smtp.mailfrom=\"postmaster@a\\\"b(c)\\\\d ??;e=f\"") !=
	      NULL);
	spfc_check_free(c);

	/* A hostile authserv-id and receiver are quoted too. */
	c = run("192.0.2.1", "user@example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK_STR(auth(&b, c, "bad id;\r\nX-Evil: 1"),
		  "Authentication-Results: \"bad id;??X-Evil: 1\"; spf=pass "
		  "smtp.mailfrom=user@example.com");
	received(&b, c, "r)x\r\nX-Evil: 1");
	CHECK(strstr(spfc_buf_str(&b), "(r\\)x??X-Evil: 1: domain of") !=
	      NULL);
	CHECK(strstr(spfc_buf_str(&b), "; receiver=\"r)x??X-Evil: 1\"; ") !=
	      NULL);
	spfc_check_free(c);

	/* A quoted local part keeps the domain bare in A-R. */
	c = run("192.0.2.1", "a b\"c@example.com", "mail.example.com",
		SPFC_SCOPE_MFROM);
	CHECK(spfc_check_result(c) == SPFC_PASS);
	CHECK_STR(auth(&b, c, "r.example"),
		  "Authentication-Results: r.example; spf=pass "
		  "smtp.mailfrom=\"a b\\\"c\"@example.com");
	spfc_check_free(c);

	/* Over-long HELO and sender made of the worst bytes (each doubles
	 * when quoted): the field is clipped, still well formed and fits. */
	big = malloc(HOSTILE_LEN + 1);
	CHECK(big != NULL);
	if (!big)
		return;
	for (i = 0; i < HOSTILE_LEN; i++)
		big[i] = (i % 2) ? '"' : '\\';
	big[HOSTILE_LEN] = '\0';
	c = run("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", big, big,
		SPFC_SCOPE_MFROM);
	received(&b, c, big);
	CHECK(b.len <= SPFC_HEADER_MAX);
	CHECK(strstr(spfc_buf_str(&b), "...") != NULL);
	CHECK(strstr(spfc_buf_str(&b), "; identity=mailfrom") != NULL);
	auth(&b, c, big);
	CHECK(strncmp(spfc_buf_str(&b), "Authentication-Results: \"", 25) ==
	      0);
	spfc_check_free(c);
	c = run("192.0.2.1", big, big, SPFC_SCOPE_HELO);
	received(&b, c, big);
	CHECK(strstr(spfc_buf_str(&b), "; identity=helo") != NULL);
	auth(&b, c, big);
	CHECK(strstr(spfc_buf_str(&b), " smtp.helo=\"") != NULL);
	spfc_check_free(c);
	free(big);

	spfc_buf_free(&b);
}

int main(void)
{
	test_sanitize();

	if (spfc_zone_new(&zone) != SPFC_OK ||
	    spfc_zone_resolver_new(zone, &res) != SPFC_OK) {
		CHECK(0);
		return DONE();
	}
	txt("example.com", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
	txt("soft.example.com", "v=spf1 ~all");
	txt("neutral.example.com", "v=spf1 ?all");
	txt("broken.example.com", "v=spf1 frobnicate -all");
	txt("slow.example.com", "v=spf1 include:never.example.com -all");
	CHECK(spfc_zone_mark(zone, "never.example.com", SPFC_ZONE_TIMEOUT) ==
	      SPFC_OK);
	CHECK(spfc_zone_add_empty(zone, "nothing.example.com") == SPFC_OK);
	txt("mail.example.com", "v=spf1 a -all");
	addr("mail.example.com", "192.0.2.10");

	test_results();
	test_hostile();

	spfc_resolver_free(res);
	spfc_zone_free(zone);
	return DONE();
}
