/*
 * proto.h - the Postfix policy delegation protocol, as pure functions on
 * buffers (Postfix SMTPD_POLICY_README).
 *
 * What it is for: turning the bytes a client sends into requests
 * ("name=value" lines ended by an empty line) and answers into bytes
 * ("action=..." and an empty line).  It owns the reader's buffer and the
 * parsed request; it knows nothing of sockets, SPF or the configuration.
 *
 * Parsing follows spf-engine's reader so the same requests mean the same
 * things: each line has trailing white space removed; a line that is empty
 * after that ends the request; other lines must match
 * `^\s*([^=\s]+)\s*=(.*)$` (leading white space and white space before '='
 * are skipped; the value is everything after '=', leading blanks kept);
 * a line that does not match is counted (logged by the caller) and
 * skipped; values are lower-cased (ASCII) except those of protocol_state,
 * protocol_name and queue_id; a repeated name: the last value wins.
 *
 * How it fails: every limit is a named constant.  A line longer than
 * PROTO_LINE_MAX, more than PROTO_ATTR_MAX attributes, or a request larger
 * than PROTO_REQUEST_MAX marks the request `malformed` (with a reason) and
 * the rest of it is skipped up to its empty line -- the request is still
 * delivered, so the caller answers it (dunno) and the answers on the
 * connection stay in step.  NUL bytes and bytes outside ASCII are kept in
 * values (the caller validates); memory is bounded by the limits whatever
 * is sent.
 */
#ifndef POLICYD_PROTO_H
#define POLICYD_PROTO_H

#include <spfc/buf.h>

#include <stddef.h>

#define PROTO_LINE_MAX 8192		/* bytes per line, terminator excluded */
#define PROTO_ATTR_MAX 256		/* attributes per request */
#define PROTO_REQUEST_MAX 65536		/* bytes per request */

struct proto_attr {
	char *name;
	char *value;
	size_t vlen;		/* value length (a value may hold NUL bytes) */
};

struct proto_request {
	struct proto_attr *attrs;
	size_t nattrs;
	unsigned bad_lines;	/* lines that did not match name=value */
	int malformed;		/* a limit was passed */
	const char *why;	/* static text saying which, when malformed */
};

struct proto_reader {
	/* private */
	spfc_buf line;		/* the line being assembled */
	int skipping_line;	/* the current line is over-long: drop to EOL */
	size_t req_bytes;
	struct proto_request req;
	int complete;
	size_t attrs_cap;	/* entries allocated at req.attrs */
	char *arena;		/* the "name\0value\0" strings of req */
	size_t arena_len;
	size_t arena_cap;
	unsigned char names_seen[32];	/* a filter of req's names */
};

void proto_reader_init(struct proto_reader *r);
void proto_reader_free(struct proto_reader *r);

/* Consume bytes until one request is complete or the input is used up.
 * Returns the number of bytes consumed; sets *complete to 1 when a request
 * is ready (then take it with proto_reader_request() and call
 * proto_reader_next() before feeding the rest).  Returns (size_t)-1 only
 * on out of memory. */
size_t proto_feed(struct proto_reader *r, const char *data, size_t len,
		  int *complete);

/* The completed request (borrowed until proto_reader_next()). */
const struct proto_request *proto_reader_request(const struct proto_reader *r);

/* Forget the completed request and start the next. */
void proto_reader_next(struct proto_reader *r);

/* 1 when input ended in the middle of a request (some line or attribute
 * was read since the last complete request). */
int proto_reader_partial(const struct proto_reader *r);

/* The value of an attribute, or NULL when absent. */
const char *proto_get(const struct proto_request *q, const char *name);

/* Append "action=<action>\n\n" to out.  The action must already be one
 * line of printable ASCII (the caller sanitizes); any CR, LF or NUL that
 * slips through is replaced by a space so an answer is always exactly one
 * line. */
void proto_reply(spfc_buf *out, const char *action);

#endif
