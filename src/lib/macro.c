/*
 * macro.c - RFC 7208 §7 macro syntax and expansion.
 *
 * Syntax errors are reported by macro_check with a reason; expansion
 * works in a bounded spfc_buf and fails (-1) only when the result would
 * exceed MACRO_MAX_OUT.  No fixed-size arrays hold attacker data.
 */
#include "macro.h"
#include "name.h"

#include <string.h>

static int is_delim(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	       c == '_' || c == '=';
}

static int letter_ok(char c, unsigned flags)
{
	switch (sc_to_lower(c)) {
	case 's': case 'l': case 'o': case 'd': case 'i': case 'p':
	case 'h': case 'v':
		return 1;
	case 'c': case 'r': case 't':
		return (flags & MACRO_EXP) != 0;
	}
	return 0;
}

/* One parsed %{...}: letter, digit count (0 = none), reverse, delimiters. */
struct mterm {
	char letter;
	unsigned digits;
	int reverse;
	const char *delims;
	size_t ndelims;
};

/* Parse the body after "%{" at s[*i]; *i ends after the '}'.  Returns 0
 * or -1 with a reason. */
static int parse_mterm(const char *s, size_t len, size_t *i, unsigned flags,
		       struct mterm *m, spfc_buf *why)
{
	size_t p = *i, ndig = 0;

	memset(m, 0, sizeof *m);
	if (p >= len || !letter_ok(s[p], flags)) {
		if (why) {
			if (p < len && (sc_to_lower(s[p]) == 'c' ||
					sc_to_lower(s[p]) == 'r' ||
					sc_to_lower(s[p]) == 't'))
				spfc_buf_adds(why, "c, r and t macros are allowed in exp= text only");
			else
				spfc_buf_adds(why, "unknown macro letter");
		}
		return -1;
	}
	m->letter = s[p++];
	while (p < len && sc_is_digit(s[p])) {
		if (m->digits < MACRO_MAX_DIGITS)
			m->digits = m->digits * 10 + (unsigned)(s[p] - '0');
		ndig++;
		p++;
	}
	if (ndig && m->digits == 0) {
		if (why)
			spfc_buf_adds(why, "macro digit transformer must not be zero");
		return -1;
	}
	if (m->digits > MACRO_MAX_DIGITS)
		m->digits = MACRO_MAX_DIGITS;
	if (p < len && sc_to_lower(s[p]) == 'r') {
		m->reverse = 1;
		p++;
	}
	m->delims = s + p;
	while (p < len && is_delim(s[p]))
		p++;
	m->ndelims = (size_t)(s + p - m->delims);
	if (p >= len || s[p] != '}') {
		if (why)
			spfc_buf_adds(why, "malformed macro (missing '}' or bad transformer)");
		return -1;
	}
	*i = p + 1;
	return 0;
}

int macro_check(const char *s, size_t len, unsigned flags, int *uses_p,
		spfc_buf *why)
{
	size_t i = 0;
	struct mterm m;

	*uses_p = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c != '%') {
			if (sc_is_graph(c)) {
				i++;
				continue;
			}
			if (c == ' ' && (flags & MACRO_EXP)) {
				i++;
				continue;
			}
			if (why)
				spfc_buf_adds(why, c >= 0x80 ? "non-ASCII character"
							    : "invalid character");
			return -1;
		}
		if (i + 1 >= len) {
			if (why)
				spfc_buf_adds(why, "'%' at end of macro-string");
			return -1;
		}
		c = (unsigned char)s[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			i += 2;
			continue;
		}
		if (c != '{') {
			if (why)
				spfc_buf_adds(why, "'%' not followed by '{', '%', '_' or '-'");
			return -1;
		}
		i += 2;
		if (parse_mterm(s, len, &i, flags, &m, why) < 0)
			return -1;
		if (sc_to_lower(m.letter) == 'p')
			*uses_p = 1;
	}
	return 0;
}

/* %{i}: IPv4 dotted quad; IPv6 as 32 dot-separated nibbles.  The nibbles
 * are upper case, as the openspf suite (v-macro-ip6) and pyspf have them;
 * RFC 7208 §7.4 prints them in lower case.  DNS names are
 * case-insensitive, so only exp= text can tell. */
static void add_ip_dotted(spfc_buf *b, const spfc_addr *ip)
{
	static const char hex[] = "0123456789ABCDEF";
	int i;

	if (ip->family == 4) {
		for (i = 0; i < 4; i++) {
			if (i)
				spfc_buf_addc(b, '.');
			spfc_buf_addu(b, ip->b[i]);
		}
		return;
	}
	for (i = 0; i < 16; i++) {
		if (i)
			spfc_buf_addc(b, '.');
		spfc_buf_addc(b, hex[ip->b[i] >> 4]);
		spfc_buf_addc(b, '.');
		spfc_buf_addc(b, hex[ip->b[i] & 0xf]);
	}
}

/* The raw value of a macro letter, appended to v. */
static void letter_value(char letter, const struct macro_env *e, spfc_buf *v)
{
	char tmp[SPFC_ADDR_TEXT_MAX];

	switch (sc_to_lower(letter)) {
	case 's': spfc_buf_adds(v, e->sender); break;
	case 'l': spfc_buf_adds(v, e->local); break;
	case 'o': spfc_buf_adds(v, e->sdomain); break;
	case 'd': spfc_buf_adds(v, e->domain); break;
	case 'i': add_ip_dotted(v, e->ip); break;
	case 'p': spfc_buf_adds(v, e->pname ? e->pname : "unknown"); break;
	case 'v': spfc_buf_adds(v, e->ip->family == 4 ? "in-addr" : "ip6"); break;
	case 'h': spfc_buf_adds(v, e->helo); break;
	case 'c':
		spfc_addr_format(e->ip, tmp, sizeof tmp);
		spfc_buf_adds(v, tmp);
		break;
	case 'r': spfc_buf_adds(v, e->receiver && *e->receiver ? e->receiver : "unknown"); break;
	case 't': spfc_buf_addu(v, e->now > 0 ? (unsigned long long)e->now : 0); break;
	}
}

static int delim_in(char c, const struct mterm *m)
{
	size_t i;

	if (m->ndelims == 0)
		return c == '.';
	for (i = 0; i < m->ndelims; i++)
		if (m->delims[i] == c)
			return 1;
	return 0;
}

/* RFC 3986 unreserved characters are kept; the rest is %XX-escaped. */
static void url_escape(spfc_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (sc_is_alnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			spfc_buf_addc(out, (char)c);
		} else {
			spfc_buf_addc(out, '%');
			spfc_buf_addc(out, hex[c >> 4]);
			spfc_buf_addc(out, hex[c & 0xf]);
		}
	}
}

/* Split value on the delimiters, optionally reverse, keep the rightmost
 * `digits` parts, join with '.', and append (escaped when upper case). */
static void transform(const spfc_buf *val, const struct mterm *m, spfc_buf *out)
{
	const char *s = spfc_buf_str(val);
	size_t n = val->len, nparts = 1, i, first, k;
	spfc_buf joined;

	for (i = 0; i < n; i++)
		if (delim_in(s[i], m))
			nparts++;
	spfc_buf_init(&joined, MACRO_MAX_OUT);
	/* Walk the parts in output order: index k from 0..nparts-1 over the
	 * (possibly reversed) list, keeping those at or after `first`. */
	first = (m->digits && m->digits < nparts) ? nparts - m->digits : 0;
	for (k = first; k < nparts; k++) {
		size_t want = m->reverse ? nparts - 1 - k : k, idx = 0, start = 0;
		for (i = 0; i <= n; i++) {
			if (i == n || delim_in(s[i], m)) {
				if (idx == want) {
					if (k != first)
						spfc_buf_addc(&joined, '.');
					spfc_buf_add(&joined, s + start, i - start);
					break;
				}
				idx++;
				start = i + 1;
			}
		}
	}
	if (sc_to_lower(m->letter) != m->letter)
		url_escape(out, spfc_buf_str(&joined), joined.len);
	else
		spfc_buf_add(out, spfc_buf_str(&joined), joined.len);
	if (joined.err && !out->err)
		out->err = joined.err;
	spfc_buf_free(&joined);
}

int macro_expand(const char *s, size_t len, const struct macro_env *env,
		 unsigned flags, spfc_buf *out)
{
	spfc_buf res, val;
	size_t i = 0;
	struct mterm m;
	int rc = 0;

	spfc_buf_init(&res, MACRO_MAX_OUT);
	spfc_buf_init(&val, MACRO_MAX_OUT);
	while (i < len && !res.err) {
		if (s[i] != '%') {
			spfc_buf_addc(&res, s[i++]);
			continue;
		}
		if (i + 1 >= len)
			break;
		switch (s[i + 1]) {
		case '%': spfc_buf_addc(&res, '%'); i += 2; continue;
		case '_': spfc_buf_addc(&res, ' '); i += 2; continue;
		case '-': spfc_buf_adds(&res, "%20"); i += 2; continue;
		}
		i += 2;
		if (parse_mterm(s, len, &i, flags, &m, NULL) < 0) {
			rc = -1;
			goto done;
		}
		spfc_buf_reset(&val);
		letter_value(m.letter, env, &val);
		transform(&val, &m, &res);
	}
	if (res.err || val.err) {
		rc = -1;
		goto done;
	}
	if (flags & MACRO_DOMAIN)
		name_truncate(&res);
	spfc_buf_add(out, spfc_buf_str(&res), res.len);
	if (out->err)
		rc = -1;
done:
	spfc_buf_free(&res);
	spfc_buf_free(&val);
	return rc;
}
