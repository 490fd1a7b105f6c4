/*
 * answer.c - the policy core's actions as milter replies, and the socket
 * specifications of libmilter.
 *
 * The actions are those policyd-spf sends Postfix (decide_answer):
 * "550 5.7.23 TEXT", "550 TEXT" (SPF_Enhanced_Status_Codes = No),
 * "defer_if_permit 4.7.24 TEXT", "prepend NAME: VALUE", "dunno", a
 * restriction class (no milter meaning: go on).  A deferral is 450, the
 * code Postfix gives defer_if_permit.  Without an enhanced code the
 * codec's builder puts 5.7.1 or 4.7.1: Postfix refuses a REPLYCODE
 * without one (codec.h).
 */
#include "server.h"

#include "codec.h"

#include <string.h>

void milter_answer_init(struct milter_answer *a)
{
	a->verdict = SMFIR_CONTINUE;
	spfc_buf_init(&a->text, 0);
	spfc_buf_init(&a->hname, 0);
	spfc_buf_init(&a->hvalue, 0);
}

void milter_answer_free(struct milter_answer *a)
{
	spfc_buf_free(&a->text);
	spfc_buf_free(&a->hname);
	spfc_buf_free(&a->hvalue);
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "D.N.N" of the verdict's class: the length of the token, else 0. */
static size_t xcode_len(const char *s, char class)
{
	size_t n = 0, dots = 0;

	if (s[0] != class || s[1] != '.')
		return 0;
	while (s[n] && s[n] != ' ') {
		if (s[n] == '.')
			dots++;
		else if (!is_digit(s[n]))
			return 0;
		n++;
	}
	return dots == 2 && n < 16 ? n : 0;
}

/* rest: "[X.Y.Z ]TEXT" after the reply code. */
static void reply(struct milter_answer *a, char verdict, const char *rcode,
		  const char *rest)
{
	char x[16];
	size_t xl;

	while (*rest == ' ')
		rest++;
	xl = xcode_len(rest, rcode[0]);
	memcpy(x, rest, xl);
	x[xl] = '\0';
	if (xl) {
		rest += xl;
		while (*rest == ' ')
			rest++;
	}
	a->verdict = verdict;
	if (milter_reply_text(&a->text, verdict, rcode, xl ? x : NULL, rest,
			      strlen(rest)) != 0)
		spfc_buf_reset(&a->text);	/* plain 'r' or 't' */
}

/* "NAME: VALUE": the MTA puts a space before the value itself unless
 * SMFIP_HDR_LEADSPC was negotiated (it is not), so one is taken off. */
static void header(struct milter_answer *a, const char *field)
{
	const char *colon = strchr(field, ':');

	if (!colon || colon == field)
		return;
	spfc_buf_add(&a->hname, field, (size_t)(colon - field));
	colon++;
	if (*colon == ' ')
		colon++;
	spfc_buf_adds(&a->hvalue, colon);
	if (a->hname.err || a->hvalue.err) {
		spfc_buf_reset(&a->hname);
		spfc_buf_reset(&a->hvalue);
	}
}

void milter_answer_map(struct milter_answer *a, const char *action)
{
	char rcode[4];

	a->verdict = SMFIR_CONTINUE;
	spfc_buf_reset(&a->text);
	spfc_buf_reset(&a->hname);
	spfc_buf_reset(&a->hvalue);
	if (starts(action, "prepend ")) {
		header(a, action + 8);
	} else if (starts(action, "defer_if_permit")) {
		reply(a, SMFIR_TEMPFAIL, "450", action + 15);
	} else if (starts(action, "defer")) {
		reply(a, SMFIR_TEMPFAIL, "450", action + 5);
	} else if (starts(action, "reject")) {
		reply(a, SMFIR_REJECT, "550", action + 6);
	} else if ((action[0] == '4' || action[0] == '5') &&
		   is_digit(action[1]) && is_digit(action[2]) &&
		   (action[3] == ' ' || action[3] == '\0')) {
		memcpy(rcode, action, 3);
		rcode[3] = '\0';
		reply(a, action[0] == '5' ? SMFIR_REJECT : SMFIR_TEMPFAIL,
		      rcode, action + 3);
	}
}

/* "PORT@HOST" into "HOST:PORT" ("[HOST]:PORT" for IPv6, and for an
 * inet6: name); localhost and an empty host are the loopback. */
static int port_at_host(const char *s, int v6, spfc_buf *out)
{
	const char *at = strchr(s, '@');
	const char *host;

	if (!at || at == s)
		return 2;
	host = at + 1;
	if (!*host || strcmp(host, "localhost") == 0)
		host = v6 ? "::1" : "127.0.0.1";
	v6 = v6 || strchr(host, ':') != NULL;
	if (v6 && host[0] != '[')
		spfc_buf_addc(out, '[');
	spfc_buf_adds(out, host);
	if (v6 && host[0] != '[')
		spfc_buf_addc(out, ']');
	spfc_buf_addc(out, ':');
	spfc_buf_add(out, s, (size_t)(at - s));
	return out->err ? 2 : 0;
}

int milter_spec_parse(const char *spec, spfc_buf *out, int *is_unix)
{
	spfc_buf_reset(out);
	*is_unix = 0;
	if (starts(spec, "unix:") || starts(spec, "local:")) {
		const char *path = strchr(spec, ':') + 1;

		if (!*path)
			return 2;
		*is_unix = 1;
		spfc_buf_adds(out, path);
		return out->err ? 2 : 0;
	}
	if (starts(spec, "inet6:"))
		return port_at_host(spec + 6, 1, out);
	if (starts(spec, "inet:")) {
		if (strchr(spec + 5, '@'))
			return port_at_host(spec + 5, 0, out);
		spfc_buf_adds(out, spec + 5);
		return out->err || !out->len ? 2 : 0;
	}
	if (spec[0] == '/') {	/* libmilter: a bare path is a unix socket */
		*is_unix = 1;
		spfc_buf_adds(out, spec);
		return out->err ? 2 : 0;
	}
	return 2;
}
