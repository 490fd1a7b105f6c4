/*
 * utf8.h - reading UTF-8 text from outside, and naming what it holds.
 *
 * What it is for: the places that show an administrator or a publisher a
 * character they cannot see (a non-ASCII space in a configuration line, a
 * full-width letter pasted into an SPF record) name it as Unicode does,
 * "U+3000 IDEOGRAPHIC SPACE", instead of "???".  One decoder, one table.
 * Pure functions on caller memory.
 */
#ifndef SPFC_COMMON_UTF8_H
#define SPFC_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* One UTF-8 sequence at s (n > 0 bytes left): its code point in *cp and
 * its length, or 0 for a byte that does not start a valid, shortest-form
 * sequence (a stray continuation byte, a surrogate, beyond U+10FFFF). */
size_t sc_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 when the n bytes at s are valid UTF-8. */
int sc_utf8_valid(const char *s, size_t n);

/* Python's str.isspace() beyond ASCII (the characters a Python program
 * such as spf-engine strips from a line and C's isspace() does not). */
int sc_utf8_wide_space(uint32_t cp);

/* Write "U+XXXX NAME" (or "U+XXXX" for a character not in the table of
 * those people paste by mistake: spaces, full-width forms, quotes and
 * dashes, invisible marks) into buf of size bytes; returns buf. */
const char *sc_utf8_label(uint32_t cp, char *buf, size_t size);

/* Room sc_utf8_label needs. */
#define SC_UTF8_LABEL_MAX 64

#endif
