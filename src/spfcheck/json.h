/*
 * json.h - the output functions spfcheck's check mode (spfcheck.c) and its
 * publisher's mode (lint*.c) share: a JSON string of any bytes, the
 * one-line complaint on stderr, and writing the finished output; and the
 * indented JSON writer of the lint's report (struct jw).
 *
 * Owns nothing; all append to or print from the caller's data.  Knows
 * nothing of SPF.
 */
#ifndef SPFCHECK_JSON_H
#define SPFCHECK_JSON_H

#include <spfc/buf.h>

#include <spfc/spfc.h>

#include <stddef.h>

/* Append s[0..len) as a JSON string, quotes included: '"' and '\'
 * escaped, every control byte and every byte from 0x7f up as \u00XX, so
 * any bytes give valid JSON.  Failures are b's sticky error. */
void json_str(spfc_buf *b, const char *s, size_t len);

/* Print "spfcheck: <what>[: <arg>]" and a newline on stderr, the argument
 * sanitized (at most SPFC_TEXT_MAX bytes) and shown as "" when empty;
 * "spfcheck: out of memory" when the line cannot be built. */
void complain(const char *what, const char *arg);

/* Write out's bytes to stdout and flush.  0, or -1 after complaining
 * "cannot write the output". */
int write_stdout(const spfc_buf *out);

/* n spaces. */
void indent(spfc_buf *b, unsigned n);

/* ---- The JSON writer: objects and arrays, two spaces a level --------- */

#define JSON_MAX_DEPTH 128	/* nesting of the JSON writer; deeper levels
				   are written at this indentation */

/* Zero it, set b, and write: every call with a key is a member of the
 * open object, with key NULL an element of the open array (or the top
 * value).  Failures are b's sticky error. */
struct jw {
	spfc_buf *b;
	unsigned depth;
	unsigned char first[JSON_MAX_DEPTH];
};

/* The separator, the indentation and the "key": of the next value. */
void jw_key(struct jw *j, const char *key);
/* Open an object ('{') or array ('['), or close it ('}', ']'). */
void jw_open(struct jw *j, const char *key, char c);
void jw_close(struct jw *j, char c);
/* A string of any bytes (s[0..len), escaped as json_str does), null when
 * s is NULL; jw_str takes a NUL-terminated s. */
void jw_strn(struct jw *j, const char *key, const char *s, size_t len);
void jw_str(struct jw *j, const char *key, const char *s);
void jw_num(struct jw *j, const char *key, unsigned long long v);
void jw_bool(struct jw *j, const char *key, int v);
void jw_null(struct jw *j, const char *key);
/* An address in its canonical text, as a string element. */
void jw_addr(struct jw *j, const spfc_addr *a);

#endif
