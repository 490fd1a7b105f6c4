/*
 * spfc.h - the public API of libspfc, an RFC 7208 (SPF) checker.
 *
 * What it is for: evaluating check_host() for a client address, a sender
 * and a HELO name, without blocking, over any resolver (see resolver.h).
 * A check is an opaque object: create it, start it, and when its callback
 * runs (or spfc_check_run() returns) read the result with the accessors.
 *
 * Ownership: every spfc_*_new / spfc_check_run result is owned by the
 * caller and freed with the matching spfc_*_free, which accepts NULL.
 * Strings returned by accessors are borrowed from the check and stay valid
 * until spfc_check_free().  The library never logs and never exits.
 */
#ifndef SPFC_SPFC_H
#define SPFC_SPFC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Errors, one convention for the whole API:
 *  - a fallible call returns a spfc_status; SPFC_OK is success, and on
 *    any other status the caller has nothing to free;
 *  - when a caller wants the reason in words, the call takes a spfc_buf
 *    (buf.h) named `why`, last among its arguments, and appends the
 *    reason to it; why may be NULL.  The reason is one line without a
 *    line ending or a final period, naming what it is about ("Unknown
 *    mechanism found: foo", "line 3: ..."); it may quote the input it is
 *    about as it came (sanitize before a header or reply, header.h);
 *  - spfc_strerror() names a status when there is no reason;
 *  - a check's failure is not a call's error: the result is TempError or
 *    PermError and spfc_check_problem() says why, in the same form.
 */

/* One status enum for every fallible call. */
typedef enum spfc_status {
	SPFC_OK = 0,
	SPFC_ENOMEM,	/* out of memory */
	SPFC_EINVAL,	/* an argument is unusable (bad address, NUL in a name, ...) */
	SPFC_ESYNTAX,	/* input text does not parse (zone file, record, ...) */
	SPFC_ELIMIT,	/* input exceeds a documented limit */
	SPFC_EIO,	/* a file or socket could not be used */
	SPFC_ERESOLVER	/* the resolver could not be set up */
} spfc_status;

/* A short English description of a status; never NULL. */
const char *spfc_strerror(spfc_status st);

/* The seven results of RFC 7208 section 2.6. */
typedef enum spfc_result {
	SPFC_NONE = 0,
	SPFC_NEUTRAL,
	SPFC_PASS,
	SPFC_FAIL,
	SPFC_SOFTFAIL,
	SPFC_TEMPERROR,
	SPFC_PERMERROR
} spfc_result;

/* "pass", "fail", ... (lower case, as RFC 7208 section 8 spells them in
 * headers); never NULL. */
const char *spfc_result_name(spfc_result r);
/* "Pass", "Fail", "SoftFail", "TempError", ... (RFC 7208 capitalisation). */
const char *spfc_result_title(spfc_result r);

/* ---- Addresses ---------------------------------------------------- */

typedef struct spfc_addr {
	int family;		/* 4 or 6 */
	unsigned char b[16];	/* network order; IPv4 uses b[0..3] */
} spfc_addr;

/* Parse a textual IPv4 or IPv6 address (no brackets, no zone index, no
 * surrounding space).  An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
 * returned as family 6; see spfc_addr_unmap().  SPFC_EINVAL when the text
 * is not exactly one address. */
spfc_status spfc_addr_parse(const char *text, spfc_addr *out);
/* If a is IPv4-mapped IPv6, turn it into the IPv4 address (RFC 7208 §5). */
void spfc_addr_unmap(spfc_addr *a);
/* Canonical text (RFC 5952 for IPv6) into buf of size >= SPFC_ADDR_TEXT_MAX. */
#define SPFC_ADDR_TEXT_MAX 64
void spfc_addr_format(const spfc_addr *a, char *buf, size_t size);
/* 1 when a and b agree on their first `bits` bits and have the same family. */
int spfc_addr_match(const spfc_addr *a, const spfc_addr *b, unsigned bits);

/* ---- Resolver (see resolver.h for the interface) ------------------- */

typedef struct spfc_resolver spfc_resolver;

/* ---- A check ------------------------------------------------------- */

typedef enum spfc_scope {
	SPFC_SCOPE_MFROM = 0,	/* the MAIL FROM identity */
	SPFC_SCOPE_HELO		/* the HELO identity (sender = postmaster@helo) */
} spfc_scope;

/* The processing limits of RFC 7208 §4.6.4, the defaults of
 * spfc_options_init(). */
#define SPFC_LOOKUP_LIMIT 10	/* terms that query DNS (include, a, mx, ptr,
				   exists, redirect) per check_host() */
#define SPFC_VOID_LIMIT 2	/* lookups answered NXDOMAIN or no data */
#define SPFC_MX_LIMIT 10	/* MX names looked up per mx term */
#define SPFC_PTR_LIMIT 10	/* PTR names looked up per ptr term / %{p} */
#define SPFC_TIMEOUT_MS 20000	/* DNS time of one check: at least 20 s */

/* Limits and settings of a check.  Fill with spfc_options_init(). */
typedef struct spfc_options {
	unsigned lookup_limit;	/* DNS-querying terms: SPFC_LOOKUP_LIMIT */
	unsigned void_limit;	/* void lookups: SPFC_VOID_LIMIT */
	unsigned mx_limit;	/* MX names per mx term: SPFC_MX_LIMIT */
	unsigned ptr_limit;	/* PTR names per ptr term / %{p}: SPFC_PTR_LIMIT */
	int64_t timeout_ms;	/* total DNS time budget of the check: SPFC_TIMEOUT_MS */
	const char *receiver;	/* %{r}: the receiving host's name; NULL: "unknown" */
	const char *default_exp;/* explanation of a fail without exp=; NULL: none */
	unsigned trace;		/* 1: record the evaluation steps */
	/* Evaluate this text as the top-level record of the domain instead of
	 * looking it up (must be an SPF record, "v=spf1 ..."); NULL: look it
	 * up.  Lets a caller apply SPF's rules to a policy of its own, e.g.
	 * "v=spf1 ptr:example.com -all". */
	const char *record;
	/* 1: fetch and expand exp= for a SoftFail too, as pyspf (and so
	 * spf-engine) does; RFC 7208 §6.2 explains only a Fail. */
	unsigned exp_softfail;
} spfc_options;

void spfc_options_init(spfc_options *o);

typedef struct spfc_request {
	spfc_addr ip;		/* the SMTP client; IPv4-mapped is checked as IPv4 */
	const char *sender;	/* MAIL FROM; NULL or "" means postmaster@helo */
	const char *helo;	/* HELO/EHLO name; may be NULL */
	spfc_scope scope;
} spfc_request;

typedef struct spfc_check spfc_check;

/* Called once when the check has its result.  The check is borrowed; the
 * callback may free it. */
typedef void (*spfc_check_cb)(spfc_check *c, void *arg);

/* Create a check; the strings in req and o are copied.  The resolver is
 * borrowed and must outlive the check.  Caller frees with spfc_check_free.
 * SPFC_EINVAL: a name holds a NUL, CR or LF byte or the address family is
 * not 4 or 6. */
spfc_status spfc_check_new(spfc_resolver *r, const spfc_options *o,
			   const spfc_request *req, spfc_check **out);

/* Start evaluating.  cb runs exactly once when the result is known --
 * possibly before spfc_check_start returns (no DNS was needed) -- unless the
 * check is freed first. */
void spfc_check_start(spfc_check *c, spfc_check_cb cb, void *arg);

/* Absolute deadline of the check on the resolver's clock (ms). */
int64_t spfc_check_deadline(const spfc_check *c);

/* The deadline has passed: cancel what is pending and finish with
 * TempError.  No effect on a finished check. */
void spfc_check_expire(spfc_check *c);

/* 1 once the result is known. */
int spfc_check_done(const spfc_check *c);

/* Cancel pending lookups (their callbacks never run) and free.  NULL ok. */
void spfc_check_free(spfc_check *c);

/* Blocking wrapper: create, start and drive the resolver until the check
 * is done or its deadline passes.  *out is the finished check. */
spfc_status spfc_check_run(spfc_resolver *r, const spfc_options *o,
			   const spfc_request *req, spfc_check **out);

/* ---- Results (valid once done) ------------------------------------- */

spfc_result spfc_check_result(const spfc_check *c);
/* The explanation (RFC 7208 §6.2): the expanded exp= text, or the
 * default_exp, for a Fail (and a SoftFail with o->exp_softfail, without
 * the default); "" otherwise.  Raw bytes from DNS: sanitize
 * before use in a header or reply (see header.h). */
const char *spfc_check_explanation(const spfc_check *c);
/* The term that decided the result ("ip4:192.0.2.0/24", "-all",
 * "default" when no term matched); "" for none/errors. */
const char *spfc_check_mechanism(const spfc_check *c);
/* For TempError/PermError: what went wrong, naming the term or lookup,
 * e.g. "Unknown mechanism found: foo"; for a None given without any
 * lookup: why ("not a valid domain name: ...").  "" otherwise. */
const char *spfc_check_problem(const spfc_check *c);
/* The text of the SPF record published by the checked domain itself
 * ("" when it has none or the check ended before reading it). */
const char *spfc_check_record(const spfc_check *c);
/* The domain whose record gave the result (the top-level domain). */
const char *spfc_check_domain(const spfc_check *c);
/* The sender as evaluated (postmaster@helo for a null sender). */
const char *spfc_check_sender(const spfc_check *c);
/* The HELO name given in the request ("" when none). */
const char *spfc_check_helo(const spfc_check *c);
/* The client address and scope as given in the request. */
const spfc_addr *spfc_check_ip(const spfc_check *c);
spfc_scope spfc_check_scope(const spfc_check *c);
/* Counters: DNS-querying terms used (§4.6.4), void lookups, queries sent. */
unsigned spfc_check_lookups(const spfc_check *c);
unsigned spfc_check_voids(const spfc_check *c);
unsigned spfc_check_queries(const spfc_check *c);

/* The trace, one step per line, lines ended by '\n' (empty unless
 * o->trace).  Contains raw DNS text: sanitize before display. */
const char *spfc_check_trace(const spfc_check *c);

/* ---- Which term decided (valid once done) --------------------------- */

/* One step of the path from the checked domain's record down to the term
 * that decided: an include or redirect= followed, or the deciding term. */
typedef struct spfc_step {
	const char *domain;	/* the domain whose record holds the term */
	size_t index;		/* the term's index in that record, as
				   record.h counts terms ("v=spf1" is none) */
	size_t offset;		/* its byte offset in the record text (0 is
				   the 'v' of "v=spf1") */
	const char *term;	/* the term as written: term_len bytes, not
				   NUL-terminated; raw DNS text */
	size_t term_len;
	int kind;		/* the term's spfc_term_kind (record.h) */
	const char *host;	/* a, mx that matched: the host whose address
				   matched (an MX name from DNS, raw); NULL
				   otherwise */
} spfc_step;

/* How the check ended, as spfc_check_decider() tells it. */
typedef enum spfc_decided {
	SPFC_DECIDED_TERM = 0,	/* the last step is the mechanism that matched */
	SPFC_DECIDED_DEFAULT,	/* no mechanism matched in the record the last
				   redirect= step (or the checked domain) names:
				   Neutral by default (RFC 7208 §4.7) */
	SPFC_DECIDED_NONE,	/* the checked domain has no SPF record */
	SPFC_DECIDED_ERROR	/* TempError or PermError: the last step is the
				   term being evaluated when the check stopped
				   (none: the checked domain's record itself) */
} spfc_decided;

/* The decider of a finished check: *path (may be NULL) gets the steps
 * from the checked domain's record down, *n (may be NULL) their number;
 * each include step is followed by the steps inside its target.  The
 * steps are borrowed from the check, valid until spfc_check_free(). */
spfc_decided spfc_check_decider(const spfc_check *c, const spfc_step **path,
				size_t *n);

/* ---- Evaluation events ---------------------------------------------- */

/* What happened, in the order the evaluator does it.  The trace
 * (spfc_check_trace) is built from exactly these events. */
typedef enum spfc_event_kind {
	SPFC_EV_START = 0,	/* the check starts (the request is set) */
	SPFC_EV_CHECK_HOST,	/* check_host() of `domain` begins (its record
				   is fetched next, or given by o->record) */
	SPFC_EV_QUERY,		/* a DNS query: name, rrtype */
	SPFC_EV_ANSWER,		/* its answer: rrtype, rcode, count, answer */
	SPFC_EV_NO_RECORD,	/* `domain` has no SPF record */
	SPFC_EV_RECORD,		/* `domain`'s record: text, text_len */
	SPFC_EV_TERM,		/* a term is reached: term, index, kind (also a
				   redirect= once no mechanism matched) */
	SPFC_EV_BAD_TARGET,	/* the term's target, `name`, is no usable
				   domain name */
	SPFC_EV_MATCH,		/* the term matched */
	SPFC_EV_NO_MATCH,	/* the term did not match */
	SPFC_EV_INCLUDE_RESULT,	/* an include's record gave `result` (the
				   event's depth is the included record's) */
	SPFC_EV_REDIRECT,	/* redirect= to `name` (expanded) */
	SPFC_EV_LIMIT,		/* a limit was hit: `limit` */
	SPFC_EV_RESULT		/* the check's result: `result` (accessors
				   valid from here on) */
} spfc_event_kind;

/* The limits of RFC 7208 §4.6.4 an SPFC_EV_LIMIT names. */
typedef enum spfc_limit {
	SPFC_LIMIT_LOOKUPS = 0,	/* one DNS-querying term too many: PermError */
	SPFC_LIMIT_VOIDS,	/* one void lookup too many: PermError */
	SPFC_LIMIT_MX,		/* an mx term got more MX records than
				   o->mx_limit: PermError */
	SPFC_LIMIT_PTR,		/* PTR names past o->ptr_limit are ignored */
	SPFC_LIMIT_DEPTH	/* includes nested too deep: PermError */
} spfc_limit;

typedef struct spfc_event {
	spfc_event_kind kind;
	/* Where: the record being evaluated (1 is the checked domain's, 2
	 * one include down; a redirect= keeps the depth; 0 before the first
	 * record and for SPFC_EV_START and SPFC_EV_RESULT) and its domain
	 * (NULL at depth 0). */
	unsigned depth;
	const char *domain;
	/* The term (TERM, BAD_TARGET, MATCH, NO_MATCH, REDIRECT; LIMIT: the
	 * term being evaluated, if any; NULL otherwise): term_len bytes of
	 * the record, not NUL-terminated; its index and spfc_term_kind. */
	const char *term;
	size_t term_len;
	size_t index;
	int term_kind;
	/* QUERY, BAD_TARGET, REDIRECT: the name (NUL-terminated, raw). */
	const char *name;
	/* QUERY, ANSWER: the spfc_rrtype asked (resolver.h). */
	int rrtype;
	/* ANSWER: the answer as the resolver gave it (borrowed for the
	 * call), its spfc_dns_rcode and number of records. */
	const struct spfc_dns_answer *answer;
	int rcode;
	size_t count;
	/* RECORD: the record's text (any bytes, text_len of them). */
	const char *text;
	size_t text_len;
	spfc_result result;	/* INCLUDE_RESULT, RESULT */
	spfc_limit limit;	/* LIMIT */
	/* The evaluator's own running counts at this event (§4.6.4):
	 * DNS-querying terms counted and void lookups. */
	unsigned lookups, voids;
} spfc_event;

/* Called for every event of a check, synchronously from within the
 * evaluation.  The check and the event are borrowed for the call; the
 * callback must not free or restart the check. */
typedef void (*spfc_event_cb)(const spfc_check *c, const spfc_event *ev,
			      void *arg);

/* Send the check's events to cb (NULL: none).  Call before
 * spfc_check_start() or spfc_check_drive(). */
void spfc_check_set_events(spfc_check *c, spfc_event_cb cb, void *arg);

/* Blocking, for a check made with spfc_check_new(): start it without a
 * callback and drive its resolver until it is done or its deadline
 * passes, as spfc_check_run() does. */
void spfc_check_drive(spfc_check *c);

#ifdef __cplusplus
}
#endif
#endif
