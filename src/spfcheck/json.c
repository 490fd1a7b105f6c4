/*
 * json.c - the output functions of json.h: JSON strings, spfcheck's
 * complaint line, the write of the output, and the indented JSON writer.
 *
 * How it fails: json_str cannot fail but through the sticky error of the
 * buffer it appends to; complain falls back to a fixed "out of memory"
 * line when its own buffer fails, and ignores errors writing stderr
 * (there is nowhere left to report them); write_stdout reports a short
 * write or a failed flush.
 */
#include "json.h"

#include <spfc/header.h>

#include <stdio.h>
#include <string.h>

void json_str(spfc_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	spfc_buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			spfc_buf_addc(b, '\\');
			spfc_buf_addc(b, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			spfc_buf_adds(b, "\\u00");
			spfc_buf_addc(b, hex[c >> 4]);
			spfc_buf_addc(b, hex[c & 15]);
		} else {
			spfc_buf_addc(b, (char)c);
		}
	}
	spfc_buf_addc(b, '"');
}

void complain(const char *what, const char *arg)
{
	spfc_buf b;

	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, "spfcheck: ");
	spfc_buf_adds(&b, what);
	if (arg) {
		spfc_buf_adds(&b, ": ");
		if (*arg)
			spfc_sanitize(&b, arg, strlen(arg), SPFC_TEXT_MAX);
		else
			spfc_buf_adds(&b, "\"\"");
	}
	spfc_buf_addc(&b, '\n');
	fputs(b.err ? "spfcheck: out of memory\n" : spfc_buf_str(&b), stderr);
	spfc_buf_free(&b);
}

int write_stdout(const spfc_buf *out)
{
	if (fwrite(spfc_buf_str(out), 1, out->len, stdout) != out->len ||
	    fflush(stdout) != 0) {
		complain("cannot write the output", NULL);
		return -1;
	}
	return 0;
}

/* ---- The JSON writer ------------------------------------------------ */

void jw_key(struct jw *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			spfc_buf_addc(j->b, ',');
		spfc_buf_addc(j->b, '\n');
		indent(j->b, 2 * j->depth);
		j->first[j->depth] = 0;
	}
	if (key) {
		json_str(j->b, key, strlen(key));
		spfc_buf_adds(j->b, ": ");
	}
}

void jw_open(struct jw *j, const char *key, char c)
{
	jw_key(j, key);
	spfc_buf_addc(j->b, c);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

void jw_close(struct jw *j, char c)
{
	int empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		spfc_buf_addc(j->b, '\n');
		indent(j->b, 2 * j->depth);
	}
	spfc_buf_addc(j->b, c);
}

void jw_strn(struct jw *j, const char *key, const char *s, size_t len)
{
	jw_key(j, key);
	if (s)
		json_str(j->b, s, len);
	else
		spfc_buf_adds(j->b, "null");
}

void jw_str(struct jw *j, const char *key, const char *s)
{
	jw_strn(j, key, s, s ? strlen(s) : 0);
}

void jw_num(struct jw *j, const char *key, unsigned long long v)
{
	jw_key(j, key);
	spfc_buf_addu(j->b, v);
}

void jw_bool(struct jw *j, const char *key, int v)
{
	jw_key(j, key);
	spfc_buf_adds(j->b, v ? "true" : "false");
}

void jw_null(struct jw *j, const char *key)
{
	jw_key(j, key);
	spfc_buf_adds(j->b, "null");
}

void jw_addr(struct jw *j, const spfc_addr *a)
{
	char txt[SPFC_ADDR_TEXT_MAX];

	spfc_addr_format(a, txt, sizeof txt);
	jw_str(j, NULL, txt);
}

void indent(spfc_buf *b, unsigned n)
{
	while (n--)
		spfc_buf_addc(b, ' ');
}
