/*
 * header.h - rendering results as message header fields, safely.
 *
 * What it is for: the Received-SPF field of RFC 7208 §9.1 and the spf
 * method of Authentication-Results (RFC 8601), built from a finished
 * check.  All text that came from outside (HELO names, senders, exp=
 * explanations) passes through spfc_sanitize(): printable ASCII only,
 * bounded, never CR, LF or NUL.  Output has no line ending and fits in
 * SPFC_HEADER_MAX bytes.
 */
#ifndef SPFC_HEADER_H
#define SPFC_HEADER_H

#include <spfc/spfc.h>
#include <spfc/buf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest header field we produce, name included (RFC 5322 §2.1.1's 998
 * minus room for the line ending and a fold). */
#define SPFC_HEADER_MAX 990
/* Longest piece of outside text copied into a header or reply. */
#define SPFC_TEXT_MAX 200

/* Append at most max bytes of s[0..len) to out: bytes 0x20..0x7e are
 * kept, every other byte becomes '?'; if cut, the kept part ends in
 * "...".  Returns the number of bytes appended. */
size_t spfc_sanitize(spfc_buf *out, const char *s, size_t len, size_t max);

/* "Received-SPF: pass (receiver: domain of ... designates ...) client-ip=...;
 * envelope-from=...; helo=...; receiver=...; mechanism=...; identity=..."
 * receiver may be NULL ("unknown"). */
spfc_status spfc_received_spf(const spfc_check *c, const char *receiver,
			      spfc_buf *out);

/* "Authentication-Results: <authserv_id>; spf=pass smtp.mailfrom=..." */
spfc_status spfc_auth_results(const spfc_check *c, const char *authserv_id,
			      spfc_buf *out);

#ifdef __cplusplus
}
#endif
#endif
