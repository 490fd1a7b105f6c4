/*
 * json.h - the output functions spfcheck's check mode (spfcheck.c) and its
 * publisher's mode (lint.c) share: a JSON string of any bytes, the
 * one-line complaint on stderr, and writing the finished output.
 *
 * Owns nothing; both append to or print from the caller's data.  Knows
 * nothing of SPF.
 */
#ifndef SPFCHECK_JSON_H
#define SPFCHECK_JSON_H

#include <spfc/buf.h>

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

#endif
