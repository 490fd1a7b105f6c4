/*
 * buf.h - a growing, length-tracking byte buffer with a hard size bound.
 *
 * What it is for: building every string in libspfc and its programs
 * without sprintf into fixed arrays.  The error is sticky: once an append
 * fails (out of memory, or the bound `max` would be passed) the buffer
 * keeps what it had, `err` is set, and every later append is a no-op, so a
 * caller checks once at the end.  The contents are always NUL-terminated.
 *
 * The fields are part of the stable API (they keep their names, types and
 * meaning across releases of soname 0): read them freely.  Invariants a
 * caller that writes them must keep:
 *  - data is NULL with len and cap 0, or memory from malloc() of cap
 *    bytes holding len bytes and a NUL (len < cap), freed by
 *    spfc_buf_free(); a caller may so hand a buffer memory it allocated
 *    itself, e.g. to reserve it at its final size;
 *  - len <= max; change len only with spfc_buf_truncate() or the appends;
 *  - err may be set (never cleared, except by spfc_buf_reset()) to pass
 *    another buffer's sticky error on to this one.
 */
#ifndef SPFC_BUF_H
#define SPFC_BUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spfc_buf {
	char *data;	/* the bytes, NUL-terminated; NULL until the first
			   append (spfc_buf_str() gives "" then) */
	size_t len;	/* bytes held, the NUL not counted */
	size_t cap;	/* bytes allocated at data */
	size_t max;	/* the bound on len, from spfc_buf_init() */
	int err;	/* sticky: 0, or SPFC_ENOMEM / SPFC_ELIMIT (spfc_status) */
} spfc_buf;

/* Default bound when init is given max 0. */
#define SPFC_BUF_DEFAULT_MAX ((size_t)1 << 20)

void spfc_buf_init(spfc_buf *b, size_t max);
/* Release the memory; the buffer may be initialised again. */
void spfc_buf_free(spfc_buf *b);
/* Empty it and clear the error, keeping the memory. */
void spfc_buf_reset(spfc_buf *b);
/* Shorten to n bytes (n <= len). */
void spfc_buf_truncate(spfc_buf *b, size_t n);
/* Appends return 0 on success, -1 once the sticky error is set. */
int spfc_buf_add(spfc_buf *b, const void *p, size_t n);
int spfc_buf_adds(spfc_buf *b, const char *s);
int spfc_buf_addc(spfc_buf *b, char c);
int spfc_buf_addu(spfc_buf *b, unsigned long long v);	/* decimal */
/* The contents as a C string; "" when empty.  Borrowed. */
const char *spfc_buf_str(const spfc_buf *b);
/* Hand the contents over: caller frees with free(); the buffer is left
 * empty.  NULL on a sticky error or out of memory. */
char *spfc_buf_take(spfc_buf *b);

#ifdef __cplusplus
}
#endif
#endif
