/*
 * config_reason.c - Reason_Message templates: the one walker of a
 * template as Python's str.format() reads it in spf-engine, used both to
 * check a template when it is set and to render it for the reply
 * (config_reason_render, called by render.c for every reject or defer).
 *
 * How it fails: a template with an unknown field or a lone brace is
 * refused when set (an error naming the offending part), so a template
 * in effect always renders; config_reason_render returns -1 for one
 * that would be refused or when out has its sticky error.
 */
#include "config_int.h"

#include <string.h>

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

int cf_set_reason(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where)
{
	const char *bad;
	size_t badlen;

	if (reason_scan(v, NULL, NULL, &bad, &badlen) < 0)
		return cf_problem_q(
		    c, line, 1, where, o->name, NULL, bad, badlen,
		    " is not one of {rejectdefer}, {spf}, {url} "
		    "(write {{ and }} for literal braces)");
	return cf_replace_str(c, &c->reason_message, v, line, where, o->name);
}
