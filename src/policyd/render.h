/*
 * render.h - the exact strings spf-engine 3.0.4 answers with: its
 * Received-SPF and Authentication-Results fields, the X-Comment trace
 * fields of skipped clients, and the Reason_Message of rejects.
 *
 * What it is for: byte-for-byte compatible header and reply text, built
 * in one place (the transcripts of tests/golden hold spf-engine's own).
 * Outside text (HELO names, senders, recipients, explanations) is
 * sanitized on the way in (policyd-spf(8), DIFFERENCES 1): printable
 * ASCII only, bounded, never CR or LF.  Pure functions on
 * spfc_buf; knows nothing of DNS, sockets or the configuration file.
 */
#ifndef POLICYD_RENDER_H
#define POLICYD_RENDER_H

#include <spfc/buf.h>

/* The bound on one piece of outside text (a HELO name, a sender, a
 * recipient) in a header or reply. */
#define RENDER_TEXT_MAX 256
/* The bound on an explanation (exp= text expanded) in a reply or header;
 * exp= text is not cut by RFC 7208 §7.3, only here, to bound the line. */
#define RENDER_EXPL_MAX 768
/* A prepended header field never exceeds this (RFC 5322 §2.1.1: 998);
 * the comment is shortened to fit. */
#define RENDER_HEADER_MAX 990

/* The fields every header shows (already lower-cased by the protocol
 * reader, as spf-engine has them). */
struct render_fields {
	const char *client_ip;	/* as sent (IPv4-mapped kept) */
	const char *helo;	/* the HELO name used for the check */
	const char *sender;	/* envelope-from as shown */
	const char *receiver;	/* recipient domain, "<UNKNOWN>", ... */
};

/* Append text sanitized: bytes 0x20..0x7e kept, others '?', at most
 * RENDER_TEXT_MAX bytes. */
void render_text(spfc_buf *out, const char *s);
/* The same with another bound. */
void render_text_n(spfc_buf *out, const char *s, size_t max);

/* "identity=<id>; client-ip=...; helo=...; envelope-from=...;
 * receiver=...": the fields of Received-SPF, also those of the log line
 * of each result (one text for both). */
void render_identity(spfc_buf *out, const char *identity,
		     const struct render_fields *f);

/* "Received-SPF: <Result> (<comment>) identity=<id>; client-ip=...;
 * helo=...; envelope-from=...; receiver=... " (trailing space). */
void render_received_spf(spfc_buf *out, const char *result_title,
			 const char *comment, const char *identity,
			 const struct render_fields *f);

/* python3-authres: "Authentication-Results: <id>; spf=<result>
 * (<comment>) smtp.<helo|mailfrom>=<value> (client-ip=...; helo=...;
 * envelope-from=...; receiver=...)". identity "helo" or "mailfrom". */
void render_ar_spf(spfc_buf *out, const char *authserv_id,
		   const char *result_title, const char *comment,
		   const char *identity, const char *prop_value,
		   const struct render_fields *f);

/* The trace field of a skipped or whitelisted client: X-Comment or
 * Authentication-Results "none", comment like "SPF check N/A for local
 * connections - ". */
void render_skip(spfc_buf *out, int ar, const char *authserv_id,
		 const char *comment, const struct render_fields *f);

/* Reason_Message with {rejectdefer}, {spf}, {url} replaced; url is
 * http://www.openspf.net/Why?s=<scope>;id=<id>;ip=<ip>;r=<receiver>. */
void render_reason(spfc_buf *out, const char *fmt, int defer,
		   const char *spf, const char *scope, const char *id,
		   const char *ip, const char *receiver);

#endif
