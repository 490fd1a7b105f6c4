/*
 * lint_int.h (internal) - what the files of spfcheck's publisher's mode
 * share: the limits, the walked tree (nodes, terms, hosts), the findings,
 * the DNS cache, the flattened networks and the check of --ip, and per
 * block below the functions of the file that implements them.  The entry
 * point, lint_main(), is in lint.h.
 */
#ifndef SPFCHECK_LINT_INT_H
#define SPFCHECK_LINT_INT_H

#include "lint.h"

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include <stddef.h>
#include <stdint.h>

/* ---- Limits ------------------------------------------------------- */

#define LOOKUP_LIMIT SPFC_LOOKUP_LIMIT	/* RFC 7208 §4.6.4, spfc.h */
#define VOID_LIMIT SPFC_VOID_LIMIT
#define MX_LIMIT SPFC_MX_LIMIT
#define STRING_MAX 255		/* a TXT character-string, RFC 1035 §3.3 */
#define UDP_MAX 512		/* a DNS message over UDP, RFC 1035 §2.3.4;
				   RFC 7208 §3.4 asks records to fit */
#define ADVISED_MAX 450		/* name + TXT texts, RFC 7208 §3.4 */
#define RECORD_MAX 65535	/* a TXT RDATA, RFC 1035 §3.2.1 */
#define WIRE_HEADER 12		/* DNS header, RFC 1035 §4.1.1 */
#define WIRE_QFIXED 4		/* question type + class, RFC 1035 §4.1.2 */
#define WIRE_RRFIXED 12		/* owner pointer 2, type, class, TTL,
				   RDLENGTH: RFC 1035 §4.1.3, §4.1.4 */
/* Our choices, bounding the work a hostile tree can cause: */
#define WALK_MAX_LOOKUPS 40	/* DNS terms resolved: 4x the limit */
#define WALK_MAX_DEPTH 24	/* include/redirect levels followed */
#define CACHE_MAX 2048		/* distinct lookups of one lint */
#define TEXT_OUT_MAX 4096	/* bytes of one record or message shown */
#define OUT_MAX ((size_t)32 << 20) /* the whole report */
#define WIDE_V4 8		/* ip4 networks wider than /8 ... */
#define WIDE_V6 16		/* ... and ip6 wider than /16 are flagged */
#define FOLLOW_MAX_DEPTH 64	/* records deep the check is followed */
#define VOID_LIST_MAX 5		/* terms named in a void-limit finding */
#define LOOKUP_LIST_MAX 8	/* terms in the text's lookup breakdown */
#define FINDINGS_MAX 1000	/* findings kept; the rest are counted */
#define ROUND_BUDGET_MS 20000	/* a round of lookups when no --timeout:
				   RFC 7208 §4.6.4's 20 s */

/* ---- The tree ------------------------------------------------------ */

/* One host an a or mx term names, with its addresses. */
struct host {
	char *name;		/* namelen bytes: an MX exchange from DNS may
				   hold a NUL byte; empty: a null MX */
	size_t namelen;
	unsigned pref;		/* mx */
	spfc_dns_rcode rc4, rc6;
	spfc_addr *addrs;
	size_t naddrs;
};

struct node;

/* A term as the library parsed it (record.h), and what the walk found. */
struct lterm {
	size_t idx;		/* in the node's spfc_record */
	spfc_term_kind type;
	char qual;		/* '+', '-', '~', '?'; 0 for modifiers */
	const char *text;	/* into the node's spfc_record */
	size_t len;
	size_t pos;		/* 1-based offset in the record */
	int has_spec;		/* a domain-spec / modifier value is written */
	unsigned cidr4, cidr6;	/* a, mx: 32 / 128 when absent */
	spfc_addr addr;		/* ip4, ip6 */
	unsigned bits;
	unsigned macros;	/* SPFC_MACRO_BIT per macro letter used */
	/* The walk: */
	int reached;		/* evaluated unless an earlier term matches */
	int counted;		/* a DNS-querying term (RFC 7208 §4.6.4) */
	int skipped;		/* past WALK_MAX_LOOKUPS: not resolved */
	int resolved;		/* the answers are in */
	char *target;		/* the name asked; NULL: needs the sender */
	int bad_target;		/* the target is not a name DNS can hold */
	unsigned cost;		/* lookups: 1 + the child's */
	spfc_dns_rcode rc;	/* a: A, mx: MX, exists: A */
	spfc_dns_rcode rc6;	/* a: AAAA */
	size_t nmx;		/* mx: MX records */
	struct host *hosts;	/* a: the target; mx: the exchanges */
	size_t nhosts;
	uint32_t ttl;		/* shortest TTL of the answers used */
	int has_ttl;
	int void4, void6;	/* a void lookup for IPv4 / IPv6 clients */
	struct node *child;	/* include / redirect target */
};

enum nstatus {
	N_OK,
	N_NXDOMAIN,
	N_NODATA,	/* no TXT records at all */
	N_NOSPF,	/* TXT records, none of them SPF */
	N_SERVFAIL,
	N_TIMEOUT,
	N_MULTIPLE,
	N_SYNTAX,
	N_LOOP,
	N_TOODEEP
};

enum how { VIA_TOP, VIA_INCLUDE, VIA_REDIRECT };

struct node {
	char *domain;
	enum how how;
	int in_include;		/* evaluated for an include somewhere up */
	enum nstatus status;
	char **spf;		/* the SPF records found */
	size_t *spf_len;
	size_t nspf;
	const char *record;	/* spf[0] when there is exactly one */
	size_t len;
	spfc_record *rec;	/* the record parsed, owned */
	unsigned nstrings;
	size_t maxstring;
	uint32_t ttl;
	size_t wire_size;
	int truncated;
	struct lterm *terms;
	size_t nterms;
	int all, redirect, exp;	/* term indexes or -1 */
	unsigned total;		/* lookups of this record and below */
};

enum sev { SEV_INFO, SEV_WARNING, SEV_ERROR };

struct finding {
	enum sev sev;
	char *domain;
	char *term;		/* term_len bytes, any of them NUL (a term
				   from DNS); empty when it has no term */
	size_t term_len;
	size_t pos;		/* 0 when none */
	char *msg;
};

/* A cached DNS answer, owned. */
struct dnsrr {
	spfc_rrtype type;
	uint32_t ttl;
	unsigned char addr[16];
	unsigned pref;
	char *text;
	size_t len;
	unsigned nstrings;
	size_t maxstring;
};

struct lint;

struct answer {
	struct lint *L;
	char *name;
	spfc_rrtype type;
	int done;
	spfc_query_id id;
	spfc_dns_rcode rcode;
	struct dnsrr *rr;
	size_t count;
	uint32_t neg_ttl;
	size_t wire_size;
	int truncated;
};

struct lint {
	spfc_resolver *r;
	int64_t budget_ms;	/* each round of lookups */
	int nomem;
	struct answer **cache;
	size_t ncache, capcache;
	size_t pending;
	int cache_full;
	struct finding *f;
	size_t nf, capf;
	size_t dropped;		/* findings past FINDINGS_MAX */
	int maxsev;		/* the worst severity found, dropped or not */
	unsigned counted;	/* DNS terms seen, in evaluation order */
	int skip_reported;
	const char *path[WALK_MAX_DEPTH + 1];	/* domains being walked */
	const char *top;	/* the linted domain (%{o}) */
	struct node *root;
	struct space *space;	/* lint_space.c */
	struct drift *drift;	/* --against: the comparison, or NULL */
};

/* Void lookups over the whole tree, in evaluation order, for IPv4 and
 * IPv6 clients (RFC 7208 §4.6.4 counts them per check). */
struct voids {
	unsigned n[2];
	const struct lterm *t[2][VOID_LIST_MAX];
	const char *dom[2][VOID_LIST_MAX];
};

struct range {
	int family;
	unsigned char lo[16], hi[16];
	char q;			/* the candidate's qualifier of the range */
};

/* The proof of a flat record or chain (lint_prove.c): the library's
 * evaluation of the original and of the flat text, compared. */
struct proof {
	int done;
	size_t n;		/* addresses evaluated */
	int sampled;		/* the boundaries of some networks only */
	int differs;
	spfc_addr addr;		/* the first counter-example */
	spfc_result orig, cand;
};

/* The candidate split into records (lint_chain.c): [0] at the domain,
 * [i] at _spfI.DOMAIN, each reached with an include of [0]. */
struct chain {
	char **name;
	char **rec;
	size_t *len, *answer;
	size_t n;
	unsigned lookups;
	int too_many;		/* it would take more than the lookup limit */
	struct proof proof;
};

struct flat {
	struct range *v;
	size_t n, cap;
	uint32_t ttl;
	int has_ttl;
	const struct lterm *final;	/* the all of the deciding record */
	int redirected;
	struct finding *no;		/* what cannot be flattened */
	size_t nno, capno;
	/* the candidate */
	char *record;
	size_t len;
	size_t nstrings;
	size_t answer;
	int fits;
	unsigned includes;		/* records a split would take */
	/* lint_prove.c, lint_chain.c: */
	struct range *bounds;		/* the tree's networks, as written */
	size_t nbounds;
	struct range *pieces;		/* v before nesting: disjoint, sorted */
	size_t npieces;
	spfc_result dflt;		/* for a client no network matches */
	struct proof proof;
	struct chain chain;
};

struct out {
	spfc_buf *b;
	int color;
	const char *top;	/* the linted domain, for %{o} */
};

/* The check of --ip, run by the library, and how its path runs through
 * the walked tree. */
struct checked {
	spfc_check *c;
	const spfc_step *path;	/* the decider path (spfc_check_decider) */
	size_t npath;
	spfc_decided decided;
	/* npath: the steps shown, up to where the walk found a loop */
	const struct lterm **terms;	/* the walked term of each step, or NULL */
	const struct node **nodes;	/* the walked record of each step */
	/* The first term the check reached that the walk could not resolve:
	 * the path is then not shown in the walk's terms. */
	const char *gap;
	const struct lterm *gap_t;
	const char *gap_dom;
	int changed;		/* the check read records the walk did not */
	struct evcount *ec;	/* the evaluator's counts, lint_counts.c */
};

/* ---- lint.c: small functions ------------------------------------- */

char *dupn(const char *s, size_t n);
int lint_grow(struct lint *L, void *arrp, size_t n, size_t *cap, size_t size,
	      size_t first);
size_t fam_bytes(int family);
struct range;
void net_range(const spfc_addr *a, unsigned bits, struct range *r);
const char *utoa(unsigned long long v, char *buf);
int has_nul(const char *s, size_t len);

/* ---- lint_dns.c: the DNS cache ----------------------------------- */

struct answer *cache_find(struct lint *L, const char *name,
			  spfc_rrtype type);
struct answer *dns_start(struct lint *L, const char *name,
			 spfc_rrtype type);
void dns_drive(struct lint *L);
struct answer *dns_lookup(struct lint *L, const char *name,
			  spfc_rrtype type);
void answer_free(struct answer *a);
int rc_void(spfc_dns_rcode rc);
int rc_failed(spfc_dns_rcode rc);
void term_ttl(struct lterm *t, uint32_t ttl);
uint32_t answer_ttl(const struct answer *a);

/* ---- lint_record.c: records and targets -------------------------- */

const char *syntax_words(struct lint *L, const char *reason,
			 const char *s, size_t n, int exp);
int parse_record(struct lint *L, struct node *nd);
int term_target(struct lint *L, const struct node *nd,
		struct lterm *t);
void check_term(struct lint *L, const struct node *nd,
		const struct lterm *t);

/* ---- lint_walk.c: the tree walk ---------------------------------- */

struct node *walk(struct lint *L, const char *domain, enum how how,
		  int in_include, unsigned depth);
void walk_record(struct lint *L, struct node *nd, unsigned depth);
void node_free(struct node *nd);

/* ---- lint_find.c: findings --------------------------------------- */

/* Fill f with copies of domain and term (tlen bytes), pos, and msg (taken);
 * 0, or -1 with nothing kept and L->nomem set. */
int finding_fill(struct lint *L, struct finding *f, const char *domain,
		 const char *term, size_t tlen, size_t pos, char *msg);

/* Add a finding; the message is the concatenation of the pieces, up to
 * the first NULL.  An identical finding (a record walked twice) is kept
 * once; past FINDINGS_MAX they are only counted.  domain NULL: the note
 * about those, which is always kept. */
#define finding(...) finding_v(__VA_ARGS__, (const char *)NULL)
void finding_v(struct lint *L, enum sev sev, const char *domain,
	       const struct lterm *t, ...);
void count_voids(const struct node *nd, struct voids *v);
void tree_findings(struct lint *L);

/* ---- lint_flat.c: flatten ---------------------------------------- */

void flatten_node(struct lint *L, struct flat *fl, const struct node *nd,
		  int top);
void flat_no(struct lint *L, struct flat *fl, const char *domain,
	     const struct lterm *t, const char *why);
void range_terms(const struct range *r, spfc_buf *b, int full, int qual);
size_t split_strings(const char *s, size_t len, size_t *cuts,
		     size_t maxcuts);
void flat_candidate(struct lint *L, struct flat *fl);
void flat_free(struct flat *fl);
void range_list(const struct flat *fl, int family, spfc_buf *b,
		int full);
void quoted_strings(const struct flat *fl, spfc_buf *b,
		    const char *sep);

/* ---- lint_space.c: the authorized space, shared senders ---------- */

struct jw;
int space_load(struct lint *L, const struct lint_space_opts *o);
void space_run(struct lint *L);
void space_free(struct lint *L);
void space_text(spfc_buf *b, const struct lint *L);
void space_json(struct jw *j, const struct lint *L);

/* ---- lint_vendor.c: names made from macros ---------------------- */

/* The name the receiver looks up for t (whose target needs the client
 * or sender), the macros shown as what they expand to. */
void vendor_name(spfc_buf *b, const char *top, const struct node *nd,
		 const struct lterm *t);
void vendor_finding(struct lint *L, const struct node *nd,
		    const struct lterm *t);

/* ---- lint_counts.c: the evaluator's lookup counts ---------------- */

/* An event of the check; nd and t: the walked record and term of a term
 * event, when the walk knows them. */
void counts_event(struct checked *k, const spfc_event *ev,
		  const struct node *nd, const struct lterm *t);
void counts_findings(struct lint *L, const struct checked *k);
void counts_text(spfc_buf *b, const struct checked *k);
void counts_json(struct jw *j, const struct checked *k);
void counts_free(struct checked *k);

/* ---- lint_prove.c: the flat record decided and proven equal ------ */

void flat_decide(struct lint *L, struct flat *fl);
void flat_prove(struct lint *L, struct flat *fl, spfc_resolver *r,
		const spfc_options *o, const spfc_request *req);
const char *qual_all(spfc_result res);
void text_proof(spfc_buf *b, const struct proof *p, const char *what);
void json_proof(struct jw *j, const char *key, const struct proof *p);

/* ---- lint_chain.c: the candidate split to fit the DNS ----------- */

void flat_chain(struct lint *L, struct flat *fl);
void chain_free(struct chain *ch);
void text_chain(spfc_buf *b, const struct flat *fl);
void json_chain(struct jw *j, const struct flat *fl);

/* ---- lint_check.c: the check of --ip ----------------------------- */

spfc_status run_check(struct lint *L, spfc_resolver *r,
		      const spfc_options *o, const spfc_request *req,
		      struct checked *k);
void checked_free(struct checked *k);
int path_error(const struct checked *k);
void path_note(const struct checked *k, spfc_buf *b);
const char *step_domain(const struct checked *k, size_t i);
void add_host(spfc_buf *b, const char *host);
int check_request(const struct lint_request *q, const char *domain,
		  spfc_request *req, spfc_buf *sender);

/* ---- lint_text.c: the text report and output pieces -------------- */

const char *sev_name(enum sev s);
const char *status_name(enum nstatus s);
const char *status_words(enum nstatus s);
void add_addr(spfc_buf *b, const spfc_addr *a);
void add_safe(spfc_buf *b, const char *s, size_t len);
void add_safes(spfc_buf *b, const char *s);
void text_report(struct out *o, struct lint *L, const struct flat *fl,
		 const struct checked *k, int trace);

/* ---- lint_json.c: the JSON report -------------------------------- */

void json_report(spfc_buf *b, struct lint *L, const struct flat *fl,
		 const struct checked *k);

/* ---- lint_drift.c: --against, the published flat record compared -- */

struct drift;
struct jw;

/* 0 when --against's argument is a domain name or an SPF record text;
 * -1 after complaining (a usage error). */
int drift_arg(const char *against);
/* Walk the published record(s) and compare them with L's walked tree;
 * the outcome in L->drift.  Out of memory sets L->nomem. */
void drift_run(struct lint *L, const char *against);
/* LINT_EXIT_CLEAN: no drift, LINT_EXIT_WARNING: drift,
 * LINT_EXIT_ERROR: not decided (the published record is missing or a
 * record of either side is broken). */
int drift_exit(const struct drift *d);
void drift_free(struct drift *d);
void text_drift(struct out *o, const struct drift *d);
void json_drift(struct jw *j, const struct drift *d);

#endif
