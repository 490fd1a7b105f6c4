/*
 * spfc/idn.h - internationalized domain names (RFC 8616) for SPF.
 *
 * RFC 8616 section 4: every U-label is converted to an A-label before it
 * is used for an SPF check, in the identity's domain and in the names
 * macro expansion makes.  spfc does it with libidn2 (IDNA 2008, UTS #46
 * non-transitional mapping: upper case and full-width forms are mapped,
 * "ß" stays "ß").  The evaluator calls it on every name it looks up; the
 * front ends call it on the request's names so that headers and logs show
 * the A-label form, which is ASCII.
 */
#ifndef SPFC_IDN_H
#define SPFC_IDN_H

#include <spfc/buf.h>

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Append to out the A-label form of the domain name s (len bytes, UTF-8).
 * A name of ASCII bytes only is appended unchanged (no IDNA rules are
 * applied to it: RFC 7208's own rules judge it later).  Returns 1 when a
 * label was converted, 0 when s was ASCII, -1 when s holds bytes outside
 * ASCII that do not make a valid IDNA 2008 name (invalid UTF-8, a
 * disallowed character, a label too long...): nothing is appended then,
 * and the name is not a domain for SPF (None for an identity).  -1 also
 * when out fails (out->err says so). */
int spfc_domain_to_ascii(const char *s, size_t len, spfc_buf *out);

/* The same for a mailbox "local@domain": the local part is kept as it is
 * (RFC 8616 changes nothing for it) and the domain after the last '@' is
 * converted.  Without '@' the whole string is a domain. */
int spfc_mailbox_to_ascii(const char *s, size_t len, spfc_buf *out);

#ifdef __cplusplus
}
#endif

#endif
