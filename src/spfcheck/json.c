/*
 * json.c - the output functions of json.h: JSON strings, spfcheck's
 * complaint line and the write of the output.
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
