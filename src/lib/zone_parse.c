/*
 * zone_parse.c - the zone-file parser (format: docs/zone-format.md):
 * spfc_zone_load and spfc_zone_load_file, line by line and field by
 * field, into the zone through zonestore.h.
 *
 * How it fails: SPFC_ESYNTAX or SPFC_ELIMIT and "line N: what is wrong"
 * appended to why, SPFC_ENOMEM, and SPFC_EIO when a file cannot be read;
 * records of the lines before the bad one stay added.  Every line, file and
 * message has a bound below.
 */
#include "zonefile.h"
#include "zonestore.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include "name.h"

#include "common/ascii.h"
#include "common/idtab.h"
#include "common/number.h"
#include "common/printable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 2181 §8: a TTL is at most 2^31 - 1. */
#define ZONE_TTL_MAX 2147483647u
/* Zone-file bounds (ours): a line holds a TXT record of 64 KiB written
 * plainly; a file is read whole into memory, up to this size. */
#define ZONE_LINE_MAX 70000
#define ZONE_FILE_MAX ((size_t)64 << 20)
/* Bytes of an offending token quoted in an error message. */
#define ZONE_ERR_TOKEN_MAX 40
/* Bound of an error message under construction. */
#define ZONE_ERR_MAX 512
/* Reading a file: bytes per read. */
#define ZONE_READ_CHUNK 16384


/* ---- The zone-file parser ---------------------------------------- */

/* One line of the file, read field by field. */
struct cursor {
	const char *p;
	size_t n, i;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct cursor *c)
{
	while (c->i < c->n && is_blank(c->p[c->i]))
		c->i++;
}

/* The next blank-separated field; 0 at the end of the line. */
static int next_field(struct cursor *c, const char **f, size_t *flen)
{
	size_t start;

	skip_blanks(c);
	if (c->i >= c->n)
		return 0;
	start = c->i;
	while (c->i < c->n && !is_blank(c->p[c->i]))
		c->i++;
	*f = c->p + start;
	*flen = c->i - start;
	return 1;
}

/* A keyword (upper case in the table) in any case. */
static int field_is(const char *f, size_t flen, const char *kw)
{
	return sc_eq_nocase(f, flen, kw, strlen(kw));
}

static int all_digits(const char *f, size_t flen)
{
	return flen > 0 && sc_all_bytes(f, flen, sc_is_digit);
}

/* Quote a token into an error message: clipped, '"' and '\\' escaped
 * with a backslash, other bytes outside printable ASCII as '?'. */
static void add_token(spfc_buf *why, const char *f, size_t flen)
{
	size_t n = flen < ZONE_ERR_TOKEN_MAX ? flen : ZONE_ERR_TOKEN_MAX;

	spfc_buf_addc(why, '"');
	sc_printable(why, f, n, SC_PRINT_REPLACE | SC_PRINT_QUOTE);
	if (n < flen)
		spfc_buf_adds(why, "...");
	spfc_buf_addc(why, '"');
}

static spfc_status fail(spfc_buf *why, spfc_status st, const char *what,
			const char *f, size_t flen)
{
	spfc_buf_adds(why, what);
	if (f) {
		spfc_buf_addc(why, ' ');
		add_token(why, f, flen);
	}
	return st;
}

static int hex_value(char c)
{
	if (sc_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* An escape after a backslash at c->i - 1: \DDD, \xHH, or \ before a
 * character that is not a letter or digit (RFC 1035 §5.1). */
static spfc_status parse_escape(struct cursor *c, spfc_buf *out,
				spfc_buf *why)
{
	const char *p = c->p + c->i;
	size_t left = c->n - c->i;
	unsigned long long v;

	if (left == 0)
		return fail(why, SPFC_ESYNTAX, "backslash at end of line",
			    NULL, 0);
	if (sc_is_digit(p[0])) {
		if (left < 3 || sc_parse_uint(p, 3, 0, 255, &v) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "bad escape (\\DDD is 000 to 255):", p - 1,
				    left < 3 ? left + 1 : 4);
		spfc_buf_addc(out, (char)(unsigned char)v);
		c->i += 3;
		return SPFC_OK;
	}
	if (p[0] == 'x' || p[0] == 'X') {
		if (left < 3 || hex_value(p[1]) < 0 || hex_value(p[2]) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "bad escape (\\xHH needs two hex digits):",
				    p - 1, left < 3 ? left + 1 : 4);
		spfc_buf_addc(out, (char)(unsigned char)(hex_value(p[1]) * 16 +
							 hex_value(p[2])));
		c->i += 3;
		return SPFC_OK;
	}
	if ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
	    (unsigned char)p[0] < 0x20 || (unsigned char)p[0] == 0x7f)
		return fail(why, SPFC_ESYNTAX, "unknown escape", p - 1, 2);
	spfc_buf_addc(out, p[0]);
	c->i += 1;
	return SPFC_OK;
}

/* One TXT character-string, quoted or a bare word, appended to out. */
static spfc_status parse_string(struct cursor *c, spfc_buf *out,
				spfc_buf *why)
{
	int quoted = c->p[c->i] == '"';
	size_t start = c->i;
	spfc_status st;

	if (quoted)
		c->i++;
	for (;;) {
		unsigned char ch;
		if (c->i >= c->n) {
			if (quoted)
				return fail(why, SPFC_ESYNTAX,
					    "unterminated string",
					    c->p + start, c->n - start);
			return SPFC_OK;
		}
		ch = (unsigned char)c->p[c->i];
		if (quoted && ch == '"') {
			c->i++;
			if (c->i < c->n && !is_blank(c->p[c->i]))
				return fail(why, SPFC_ESYNTAX,
					    "no blank after closing quote at",
					    c->p + c->i, c->n - c->i);
			return SPFC_OK;
		}
		if (!quoted && is_blank((char)ch))
			return SPFC_OK;
		if (!quoted && ch == '"')
			return fail(why, SPFC_ESYNTAX, "quote inside word",
				    c->p + start, c->i - start + 1);
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(why, SPFC_ESYNTAX,
				    "control byte in string (write it as "
				    "\\DDD)",
				    NULL, 0);
		c->i++;
		if (ch == '\\') {
			st = parse_escape(c, out, why);
			if (st != SPFC_OK)
				return st;
		} else {
			spfc_buf_addc(out, (char)ch);
		}
	}
}

static spfc_status load_txt(spfc_zone *z, const char *name, size_t len,
			    uint32_t ttl, struct cursor *c, spfc_buf *why)
{
	spfc_buf text;
	spfc_rr rr;
	size_t longest = 0, strings = 0;
	spfc_status st = SPFC_OK;

	/* Room for one string past the record bound, so that an over-long
	 * string is reported as such. */
	spfc_buf_init(&text, ZONE_RDATA_MAX + ZONE_TXT_STRING_MAX + 1);
	for (;;) {
		size_t before = text.len, slen;
		skip_blanks(c);
		if (c->i >= c->n)
			break;
		st = parse_string(c, &text, why);
		if (st != SPFC_OK)
			goto done;
		if (text.err == SPFC_ENOMEM) {
			st = fail(why, SPFC_ENOMEM, "out of memory", NULL, 0);
			goto done;
		}
		slen = text.len - before;
		if (text.err || slen > ZONE_TXT_STRING_MAX) {
			st = fail(why, SPFC_ELIMIT,
				  "TXT string longer than 255 bytes", NULL, 0);
			goto done;
		}
		strings++;
		if (slen > longest)
			longest = slen;
		if (text.len + strings > ZONE_RDATA_MAX) {
			st = fail(why, SPFC_ELIMIT,
				  "TXT record longer than 65535 bytes", NULL,
				  0);
			goto done;
		}
	}
	if (strings == 0) {
		st = fail(why, SPFC_ESYNTAX, "TXT needs at least one string",
			  NULL, 0);
		goto done;
	}
	zone_rr_init(&rr, SPFC_RR_TXT);
	rr.ttl = ttl;
	rr.text = spfc_buf_str(&text);
	rr.len = text.len;
	rr.nstrings = (unsigned)strings;
	rr.maxstring = longest;
	st = zone_add_rr(z, name, len, &rr);
	if (st == SPFC_ENOMEM)
		fail(why, st, "out of memory", NULL, 0);
	else if (st == SPFC_ELIMIT)
		fail(why, st, "too many TXT records at one name", NULL, 0);
done:
	spfc_buf_free(&text);
	return st;
}

static spfc_status expect_end(struct cursor *c, spfc_buf *why)
{
	const char *f;
	size_t flen;

	if (next_field(c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "unexpected", f, flen);
	return SPFC_OK;
}

/* The status of add_rr for a zone-file line, with its message. */
static spfc_status added(spfc_status st, spfc_rrtype type, spfc_buf *why)
{
	switch (st) {
	case SPFC_OK:
		return st;
	case SPFC_ENOMEM:
		return fail(why, st, "out of memory", NULL, 0);
	case SPFC_ELIMIT:
		spfc_buf_adds(why, "too many ");
		spfc_buf_adds(why, spfc_rrtype_name(type));
		return fail(why, st, " records at one name", NULL, 0);
	default:
		if (type == SPFC_RR_CNAME)
			return fail(why, SPFC_ESYNTAX,
				    "a name has at most one CNAME", NULL, 0);
		return fail(why, SPFC_ESYNTAX, "record refused", NULL, 0);
	}
}

enum ltype { L_A, L_AAAA, L_MX, L_PTR, L_CNAME, L_TXT, L_EMPTY, L_TIMEOUT,
	     L_SERVFAIL, L_UNKNOWN };

static enum ltype line_type(const char *f, size_t flen)
{
	static const struct sc_id types[] = {
		{"A", L_A}, {"AAAA", L_AAAA}, {"MX", L_MX}, {"PTR", L_PTR},
		{"CNAME", L_CNAME}, {"TXT", L_TXT}, {"EMPTY", L_EMPTY},
		{"TIMEOUT", L_TIMEOUT}, {"SERVFAIL", L_SERVFAIL},
	};
	int t;

	if (sc_id_lookup(types, SC_ID_COUNT(types), f, flen, &t) < 0)
		return L_UNKNOWN;
	return (enum ltype)t;
}

static spfc_status load_addr(spfc_zone *z, const char *name, size_t len,
			     uint32_t ttl, int family, struct cursor *c,
			     spfc_buf *why)
{
	char text[SPFC_ADDR_TEXT_MAX];
	const char *f;
	size_t flen;
	spfc_addr a;
	spfc_rr rr;
	spfc_status st;

	if (!next_field(c, &f, &flen))
		return fail(why, SPFC_ESYNTAX,
			    family == 4 ? "A needs an address"
					: "AAAA needs an address",
			    NULL, 0);
	if (flen >= sizeof text)
		goto bad;
	memcpy(text, f, flen);
	text[flen] = '\0';
	if (spfc_addr_parse(text, &a) != SPFC_OK || a.family != family)
		goto bad;
	st = expect_end(c, why);
	if (st != SPFC_OK)
		return st;
	zone_rr_init(&rr, family == 4 ? SPFC_RR_A : SPFC_RR_AAAA);
	rr.ttl = ttl;
	memcpy(rr.addr, a.b, family == 4 ? 4 : 16);
	return added(zone_add_rr(z, name, len, &rr), rr.type, why);
bad:
	return fail(why, SPFC_ESYNTAX,
		    family == 4 ? "bad IPv4 address" : "bad IPv6 address", f,
		    flen);
}

static spfc_status load_target(spfc_zone *z, const char *name, size_t len,
			       uint32_t ttl, spfc_rrtype type,
			       struct cursor *c, spfc_buf *why)
{
	const char *f;
	size_t flen;
	unsigned long long pref = 0;
	spfc_rr rr;
	spfc_status st;

	if (type == SPFC_RR_MX) {
		if (!next_field(c, &f, &flen))
			return fail(why, SPFC_ESYNTAX,
				    "MX needs a preference and an exchange",
				    NULL, 0);
		if (sc_parse_uint(f, flen, 0, ZONE_PREF_MAX, &pref) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "bad MX preference (0 to 65535)", f, flen);
	}
	if (!next_field(c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "missing target name", NULL, 0);
	flen = sc_strip_dot(f, flen);
	if (!zone_target_ok(f, flen, type != SPFC_RR_CNAME))
		return fail(why, SPFC_ESYNTAX, "bad target name", f, flen);
	st = expect_end(c, why);
	if (st != SPFC_OK)
		return st;
	zone_rr_init(&rr, type);
	rr.ttl = ttl;
	rr.pref = (unsigned)pref;
	rr.text = f;
	rr.len = flen;
	return added(zone_add_rr(z, name, len, &rr), type, why);
}

/* One line (without its end-of-line bytes). */
static spfc_status load_line(spfc_zone *z, const char *line, size_t n,
			     spfc_buf *why)
{
	struct cursor c = {line, n, 0};
	const char *name, *f;
	size_t len, flen;
	unsigned long long ttl = ZONE_DEFAULT_TTL;
	enum ltype t;
	spfc_status st;

	if (!next_field(&c, &name, &len) || name[0] == '#')
		return SPFC_OK;
	if (!next_field(&c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "missing type after name", name,
			    len);
	if (all_digits(f, flen)) {
		if (sc_parse_uint(f, flen, 0, ZONE_TTL_MAX, &ttl) < 0)
			return fail(why, SPFC_ESYNTAX,
				    "TTL out of range (0 to 2147483647)", f,
				    flen);
		if (!next_field(&c, &f, &flen))
			return fail(why, SPFC_ESYNTAX, "missing type after TTL",
				    NULL, 0);
	}
	if (field_is(f, flen, "IN") && !next_field(&c, &f, &flen))
		return fail(why, SPFC_ESYNTAX, "missing type after class",
			    NULL, 0);
	t = line_type(f, flen);
	if (t == L_UNKNOWN)
		return fail(why, SPFC_ESYNTAX, "unknown type", f, flen);
	len = sc_strip_dot(name, len);
	if (!zone_owner_ok(name, len))
		return fail(why, SPFC_ESYNTAX, "bad name", name, len);
	switch (t) {
	case L_A:
		return load_addr(z, name, len, (uint32_t)ttl, 4, &c, why);
	case L_AAAA:
		return load_addr(z, name, len, (uint32_t)ttl, 6, &c, why);
	case L_MX:
		return load_target(z, name, len, (uint32_t)ttl, SPFC_RR_MX,
				   &c, why);
	case L_PTR:
		return load_target(z, name, len, (uint32_t)ttl, SPFC_RR_PTR,
				   &c, why);
	case L_CNAME:
		return load_target(z, name, len, (uint32_t)ttl, SPFC_RR_CNAME,
				   &c, why);
	case L_TXT:
		return load_txt(z, name, len, (uint32_t)ttl, &c, why);
	case L_EMPTY:
	case L_TIMEOUT:
	case L_SERVFAIL:
		st = expect_end(&c, why);
		if (st != SPFC_OK)
			return st;
		if (t == L_TIMEOUT)
			st = zone_mark(z, name, len, SPFC_ZONE_TIMEOUT);
		else if (t == L_SERVFAIL)
			st = zone_mark(z, name, len, SPFC_ZONE_SERVFAIL);
		else
			st = zone_add_empty(z, name, len);
		if (st != SPFC_OK)
			return fail(why, SPFC_ENOMEM, "out of memory", NULL, 0);
		return SPFC_OK;
	case L_UNKNOWN:
		break;
	}
	return fail(why, SPFC_ESYNTAX, "unknown type", f, flen);
}

/* Append msg to why, if the caller gave one. */
static void tell(spfc_buf *why, const char *msg)
{
	if (why)
		spfc_buf_adds(why, msg);
}

spfc_status spfc_zone_load(spfc_zone *z, const char *text, size_t len,
			   spfc_buf *why)
{
	spfc_buf reason, msg;
	size_t off = 0, lineno = 0;
	spfc_status st = SPFC_OK;

	if (!z || (!text && len))
		return SPFC_EINVAL;
	spfc_buf_init(&reason, ZONE_ERR_MAX);
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - off;

		lineno++;
		if (end > ZONE_FILE_MAX) {
			st = fail(&reason, SPFC_ELIMIT,
				  "zone text longer than 64 MiB", NULL, 0);
			break;
		}
		if (n > 0 && text[end - 1] == '\r')
			n--;
		if (n > ZONE_LINE_MAX) {
			st = fail(&reason, SPFC_ELIMIT,
				  "line longer than 70000 bytes", NULL, 0);
			break;
		}
		if (memchr(text + off, '\0', n)) {
			st = fail(&reason, SPFC_ESYNTAX, "NUL byte in line",
				  NULL, 0);
			break;
		}
		st = load_line(z, text + off, n, &reason);
		if (st != SPFC_OK)
			break;
		off = end + 1;
	}
	if (st != SPFC_OK) {
		spfc_buf_init(&msg, ZONE_ERR_MAX);
		spfc_buf_adds(&msg, "line ");
		spfc_buf_addu(&msg, lineno);
		spfc_buf_adds(&msg, ": ");
		spfc_buf_adds(&msg, spfc_buf_str(&reason));
		tell(why, spfc_buf_str(&msg));
		spfc_buf_free(&msg);
	}
	spfc_buf_free(&reason);
	return st;
}

/* why += what " " path ": " strerror(errnum) */
static void io_err(spfc_buf *why, const char *what, const char *path,
		   int errnum)
{
	char text[128];
	const char *reason = text;
	spfc_buf msg;

	if (!why)
		return;
	if (strerror_r(errnum, text, sizeof text) != 0)
		reason = "unknown error";
	spfc_buf_init(&msg, ZONE_ERR_MAX);
	spfc_buf_adds(&msg, what);
	spfc_buf_adds(&msg, " ");
	add_token(&msg, path, strlen(path));
	spfc_buf_adds(&msg, ": ");
	spfc_buf_adds(&msg, reason);
	tell(why, spfc_buf_str(&msg));
	spfc_buf_free(&msg);
}

spfc_status spfc_zone_load_file(spfc_zone *z, const char *path,
				spfc_buf *why)
{
	char chunk[ZONE_READ_CHUNK];
	spfc_buf data;
	FILE *fp;
	size_t got;
	spfc_status st;

	if (!z || !path)
		return SPFC_EINVAL;
	fp = fopen(path, "rb");
	if (!fp) {
		io_err(why, "cannot open", path, errno);
		return SPFC_EIO;
	}
	/* One byte past the bound, so that spfc_zone_load reports the line
	 * that passes it. */
	spfc_buf_init(&data, ZONE_FILE_MAX + 1);
	while (data.len <= ZONE_FILE_MAX &&
	       (got = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		size_t room = ZONE_FILE_MAX + 1 - data.len;
		spfc_buf_add(&data, chunk, got < room ? got : room);
		if (data.err)
			break;
	}
	if (data.err) {
		st = (spfc_status)data.err;
		tell(why, spfc_strerror(st));
	} else if (ferror(fp)) {
		io_err(why, "cannot read", path, errno);
		st = SPFC_EIO;
	} else {
		st = spfc_zone_load(z, data.data, data.len, why);
	}
	fclose(fp);
	spfc_buf_free(&data);
	return st;
}
