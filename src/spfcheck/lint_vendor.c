/*
 * lint_vendor.c - records that use macros by design: many vendors publish
 * one include per customer whose name the receiver builds from the client
 * (for example include:%{i}._ip.%{h}._ehlo.%{d}._spf.vali.email), and
 * answer the lookup themselves.  Such a term is explained, not flagged:
 * what name the receiver looks up, with each macro shown as what it
 * expands to (RFC 7208 §7.2: %{d} and %{o} are known to the lint and
 * expanded, with their transformers; the others are named), and that the
 * term cannot be flattened.
 *
 * How it fails: the text shown is bounded (TEXT_OUT_MAX); a macro the
 * parser would reject is shown as written.  Output errors are the
 * buffer's sticky error.
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/record.h>

#include <stddef.h>
#include <string.h>

/* The known value v (a domain) with a macro's transformers: split at
 * the delimiters (default "."), reversed when rev, the rightmost keep
 * parts (0: all), joined with dots (RFC 7208 §7.3). */
static void known_value(spfc_buf *b, const char *v, unsigned keep, int rev,
			const char *delims, size_t ndelims)
{
	const char *part[128];
	size_t len[128], n = 0, i, start;
	const char *p = v, *e = v + sc_strip_dot(v, strlen(v));

	if (!ndelims) {
		delims = ".";
		ndelims = 1;
	}
	while (n < 128) {
		const char *q = p;

		while (q < e && !memchr(delims, *q, ndelims))
			q++;
		part[n] = p;
		len[n++] = (size_t)(q - p);
		if (q >= e)
			break;
		p = q + 1;
	}
	if (rev)
		for (i = 0; i < n / 2; i++) {
			const char *tp = part[i];
			size_t tl = len[i];

			part[i] = part[n - 1 - i];
			len[i] = len[n - 1 - i];
			part[n - 1 - i] = tp;
			len[n - 1 - i] = tl;
		}
	start = keep && keep < n ? n - keep : 0;
	for (i = start; i < n; i++) {
		if (i > start)
			spfc_buf_addc(b, '.');
		add_safe(b, part[i], len[i]);
	}
}

static const char *letter_name(char c)
{
	switch (c) {
	case 's': return "sender";
	case 'l': return "sender's local-part";
	case 'o': return "sender's domain";
	case 'd': return "domain";
	case 'i': return "client IP";
	case 'p': return "client's validated name";
	case 'v': return "in-addr or ip6";
	case 'h': return "HELO";
	case 'c': return "client IP, readable";
	case 'r': return "receiver";
	case 't': return "time";
	default: return NULL;
	}
}

/* One macro %{...} at s[0..n) (the braces' content); 0, or -1 when it is
 * not one the lint can show. */
static int show_macro(spfc_buf *b, const char *top, const struct node *nd,
		      const char *s, size_t n)
{
	char c = sc_to_lower(*s);
	const char *name = letter_name(c);
	unsigned keep = 0;
	size_t i = 1;
	int rev = 0;

	if (!name || n < 1)
		return -1;
	while (i < n && s[i] >= '0' && s[i] <= '9' && keep < 1000)
		keep = keep * 10 + (unsigned)(s[i++] - '0');
	if (i < n && sc_to_lower(s[i]) == 'r')
		rev = 1, i++;
	if (c == 'd' || c == 'o') {
		known_value(b, c == 'd' ? nd->domain : top, keep, rev,
			    s + i, n - i);
		return 0;
	}
	spfc_buf_addc(b, '<');
	spfc_buf_adds(b, name);
	if (rev)
		spfc_buf_adds(b, ", reversed");
	if (keep) {
		spfc_buf_adds(b, ", last ");
		spfc_buf_addu(b, keep);
		spfc_buf_adds(b, keep == 1 ? " part" : " parts");
	}
	if (i < n) {
		spfc_buf_adds(b, ", split at ");
		add_safe(b, s + i, n - i);
	}
	if (*s >= 'A' && *s <= 'Z')
		spfc_buf_adds(b, ", URL-encoded");
	spfc_buf_addc(b, '>');
	return 0;
}

/* The domain-spec of t: after "name:" or "name=", without a CIDR
 * suffix ("/24", "//64"). */
static const char *term_spec(const struct lterm *t, size_t *n)
{
	const char *s = t->text, *e = t->text + t->len, *p;

	for (p = s; p < e && *p != ':' && *p != '='; p++)
		;
	if (p == e)
		return NULL;
	p++;
	if (t->type == SPFC_TERM_A || t->type == SPFC_TERM_MX) {
		const char *q = e;

		while (q > p && ((q[-1] >= '0' && q[-1] <= '9') || q[-1] == '/'))
			q--;
		if (q < e && *q == '/')
			e = q;
	}
	*n = (size_t)(e - p);
	return p;
}

void vendor_name(spfc_buf *b, const char *top, const struct node *nd,
		 const struct lterm *t)
{
	size_t n = 0, i;
	const char *s = term_spec(t, &n);

	if (!s) {
		add_safe(b, t->text, t->len);
		return;
	}
	for (i = 0; i < n; i++) {
		const char *close;

		if (s[i] != '%' || i + 1 >= n) {
			add_safe(b, s + i, 1);
			continue;
		}
		i++;
		if (s[i] == '%' || s[i] == '_' || s[i] == '-') {
			spfc_buf_adds(b, s[i] == '%' ? "%" : s[i] == '_' ? " "
									 : "%20");
			continue;
		}
		close = s[i] == '{' ? memchr(s + i, '}', n - i) : NULL;
		if (!close || show_macro(b, top, nd, s + i + 1,
					 (size_t)(close - s - i - 1)) < 0) {
			spfc_buf_addc(b, '%');
			add_safe(b, s + i, 1);
			continue;
		}
		i = (size_t)(close - s);
	}
}

void vendor_finding(struct lint *L, const struct node *nd,
		    const struct lterm *t)
{
	spfc_buf name;

	spfc_buf_init(&name, TEXT_OUT_MAX);
	vendor_name(&name, L->top, nd, t);
	if (name.err && name.err != SPFC_ELIMIT)
		L->nomem = 1;
	else
		finding(L, SEV_INFO, nd->domain, t, "a name made from macros, "
			"as vendors' records use by design: receivers look up ",
			spfc_buf_str(&name), "; not looked up here and not "
			"flattenable",
			t->type == SPFC_TERM_INCLUDE || t->type == SPFC_TERM_REDIRECT
				? "; its own lookups are not counted here"
				: "");
	spfc_buf_free(&name);
}
