/*
 * printable.h - outside text (DNS, requests, files, command lines) made
 * printable before it reaches a header, a reply, a log line or a message:
 * bytes 0x20..0x7e are kept, every other byte is written in one of the
 * conventions below, so no CR, LF, NUL, escape sequence or 8-bit byte
 * gets through.
 *
 * Clipping is the caller's: each output has its own bound and its own
 * way of showing the cut ("..." or nothing), so these functions write
 * exactly the bytes they are given.
 */
#ifndef SC_PRINTABLE_H
#define SC_PRINTABLE_H

#include <spfc/buf.h>

#include <stddef.h>

/* How a byte outside 0x20..0x7e is written: a mode, and flags or-ed in. */
enum {
	SC_PRINT_REPLACE = 0,	/* as '?' */
	SC_PRINT_HEX = 1,	/* as \xNN (lower-case hex); so is '\\',
				   which would start an escape */
	SC_PRINT_MODE = 0x0f,	/* the bits that hold the mode */

	SC_PRINT_QUOTE = 0x10,	/* '"' and '\\' with a backslash before
				   them, for text inside double quotes */
	SC_PRINT_LOWER = 0x20,	/* A-Z as a-z */
};

/* Append s[0..len) to out as mode says.  Fails only through out's sticky
 * error. */
void sc_printable(spfc_buf *out, const char *s, size_t len, unsigned mode);

/* Copy s[0..len) to dst[0..len) with every byte outside 0x20..0x7e
 * replaced by '?': SC_PRINT_REPLACE into fixed memory (the log's line). */
void sc_printable_copy(char *dst, const char *s, size_t len);

#endif
