/*
 * lint.c - spfcheck's publisher's mode (--lint DOMAIN [--flatten]
 * [--ip IP]): walk a domain's SPF record and every include/redirect
 * target through the resolver, report each finding with a severity, the
 * domain and the exact term, flatten what the tree authorizes into merged
 * ip4/ip6 lists with a candidate record, and, with --ip, run the real
 * check and name the path of the tree that decided it.
 *
 * Records are parsed by the library (record.h), every term kept; the
 * findings name the library's reasons in lint's own words.
 *
 * How it fails: everything it reads from DNS is untrusted and read with
 * explicit lengths; a record that does not parse is a finding, never a
 * failure.  The walk is bounded (WALK_MAX_LOOKUPS DNS terms resolved,
 * WALK_MAX_DEPTH levels, CACHE_MAX distinct lookups, each round of
 * lookups within the time budget); past a bound it reports what it could
 * not look at.  Out of memory or an unwritable stdout ends it with
 * LINT_EXIT_ENV and one line on stderr.  Text from DNS is sanitized
 * (printable ASCII) in the text output and escaped in JSON.
 */
#include "lint.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
#define JSON_MAX_DEPTH 128	/* nesting of the JSON writer */
#define VOID_LIST_MAX 5		/* terms named in a void-limit finding */
#define LOOKUP_LIST_MAX 8	/* terms in the text's lookup breakdown */
#define FINDINGS_MAX 1000	/* findings kept; the rest are counted */
#define ROUND_BUDGET_MS 20000	/* a round of lookups when no --timeout:
				   RFC 7208 §4.6.4's 20 s */

/* ---- Small functions -------------------------------------------- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Equal, ASCII case-insensitively (spfcheck stays in the C locale),
 * with explicit lengths; b[0..blen) holds no NUL byte. */
static int eq_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Decimal text of v into buf (size >= 24). */
static const char *utoa(unsigned long long v, char *buf)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof tmp);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

/* Length without one trailing dot. */
static size_t strip_dot(const char *s, size_t len)
{
	return (len > 0 && s[len - 1] == '.') ? len - 1 : len;
}

static int has_nul(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

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
};

/* ---- Findings ----------------------------------------------------- */

/* Add a finding; the message is the concatenation of the pieces, up to
 * the first NULL.  An identical finding (a record walked twice) is kept
 * once; past FINDINGS_MAX they are only counted.  domain NULL: the note
 * about those, which is always kept. */
#define finding(...) finding_v(__VA_ARGS__, (const char *)NULL)

static void finding_v(struct lint *L, enum sev sev, const char *domain,
		      const struct lterm *t, ...)
{
	struct finding *f;
	spfc_buf b;
	const char *term = "";
	const char *piece;
	size_t tlen = 0, pos = 0, i;
	va_list ap;

	if (t) {
		term = t->text;
		tlen = t->len;
		pos = t->pos;
	}
	if ((int)sev > L->maxsev)
		L->maxsev = (int)sev;
	if (L->nf >= FINDINGS_MAX && domain != NULL) {
		L->dropped++;
		return;
	}
	if (!domain)	/* the note about dropped findings */
		domain = L->top;
	spfc_buf_init(&b, 0);
	va_start(ap, t);
	while ((piece = va_arg(ap, const char *)) != NULL)
		spfc_buf_adds(&b, piece);
	va_end(ap);
	if (b.err) {
		L->nomem = 1;
		spfc_buf_free(&b);
		return;
	}
	for (i = 0; i < L->nf; i++) {
		f = &L->f[i];
		if (f->sev == sev && f->pos == pos &&
		    strcmp(f->domain, domain) == 0 &&
		    f->term_len == tlen && memcmp(f->term, term, tlen) == 0 &&
		    strcmp(f->msg, spfc_buf_str(&b)) == 0) {
			spfc_buf_free(&b);
			return;
		}
	}
	if (L->nf == L->capf) {
		size_t ncap = L->capf ? L->capf * 2 : 16;
		struct finding *nf = realloc(L->f, ncap * sizeof *nf);

		if (!nf) {
			L->nomem = 1;
			spfc_buf_free(&b);
			return;
		}
		L->f = nf;
		L->capf = ncap;
	}
	f = &L->f[L->nf];
	f->sev = sev;
	f->pos = pos;
	f->domain = dupn(domain, strlen(domain));
	f->term = dupn(term, tlen);
	f->term_len = tlen;
	f->msg = spfc_buf_take(&b);
	spfc_buf_free(&b);
	if (!f->domain || !f->term || !f->msg) {
		free(f->domain);
		free(f->term);
		free(f->msg);
		L->nomem = 1;
		return;
	}
	L->nf++;
}

/* ---- DNS: a cache of owned answers, driven synchronously ---------- */

static void on_answer(void *arg, const spfc_dns_answer *ans)
{
	struct answer *a = arg;
	size_t i;

	a->done = 1;
	a->L->pending--;
	a->rcode = ans->rcode;
	a->neg_ttl = ans->neg_ttl;
	a->wire_size = ans->wire_size;
	a->truncated = ans->truncated;
	if (ans->rcode != SPFC_DNS_OK || ans->count == 0) {
		if (ans->rcode == SPFC_DNS_OK)
			a->rcode = SPFC_DNS_NODATA;
		return;
	}
	a->rr = calloc(ans->count, sizeof *a->rr);
	if (!a->rr) {
		a->L->nomem = 1;
		a->rcode = SPFC_DNS_SERVFAIL;
		return;
	}
	for (i = 0; i < ans->count; i++) {
		const spfc_rr *s = &ans->rr[i];
		struct dnsrr *d = &a->rr[a->count];

		if (s->type != a->type)
			continue;
		d->type = s->type;
		d->ttl = s->ttl;
		memcpy(d->addr, s->addr, sizeof d->addr);
		d->pref = s->pref;
		d->len = s->text ? s->len : 0;
		d->nstrings = s->nstrings;
		d->maxstring = s->maxstring;
		d->text = dupn(s->text ? s->text : "", d->len);
		if (!d->text) {
			a->L->nomem = 1;
			continue;
		}
		a->count++;
	}
	if (a->count == 0)
		a->rcode = SPFC_DNS_NODATA;
}

static struct answer *cache_find(struct lint *L, const char *name,
				 spfc_rrtype type)
{
	size_t i;

	for (i = 0; i < L->ncache; i++)
		if (L->cache[i]->type == type &&
		    strcasecmp(L->cache[i]->name, name) == 0)
			return L->cache[i];
	return NULL;
}

/* Start a lookup of name (a queryable name) unless it is cached.  NULL
 * only when out of memory; an answer that cannot be asked (the cache is
 * full, the resolver refuses) is a finished SERVFAIL. */
static struct answer *start(struct lint *L, const char *name,
			    spfc_rrtype type)
{
	struct answer *a = cache_find(L, name, type);

	if (a)
		return a;
	if (L->ncache == L->capcache) {
		size_t ncap = L->capcache ? L->capcache * 2 : 32;
		struct answer **nc = realloc(L->cache, ncap * sizeof *nc);

		if (!nc) {
			L->nomem = 1;
			return NULL;
		}
		L->cache = nc;
		L->capcache = ncap;
	}
	a = calloc(1, sizeof *a);
	if (!a || !(a->name = dupn(name, strlen(name)))) {
		free(a);
		L->nomem = 1;
		return NULL;
	}
	a->L = L;
	a->type = type;
	L->cache[L->ncache++] = a;
	if (L->ncache > CACHE_MAX) {
		L->cache_full = 1;
		a->done = 1;
		a->rcode = SPFC_DNS_SERVFAIL;
		return a;
	}
	L->pending++;
	if (spfc_resolver_query(L->r, name, type, on_answer, a, &a->id) !=
	    SPFC_OK) {
		L->pending--;
		a->done = 1;
		a->rcode = SPFC_DNS_SERVFAIL;
	}
	return a;
}

/* Deliver answers until every started lookup is in or the round's
 * budget is spent; what is still pending then is a time-out. */
static void drive(struct lint *L)
{
	int64_t deadline = spfc_resolver_now(L->r) + L->budget_ms;
	size_t i;

	while (L->pending > 0 && spfc_resolver_now(L->r) < deadline)
		spfc_resolver_process(L->r, deadline);
	if (L->pending == 0)
		return;
	for (i = 0; i < L->ncache; i++) {
		struct answer *a = L->cache[i];

		if (a->done)
			continue;
		spfc_resolver_cancel(L->r, a->id);
		a->done = 1;
		a->rcode = SPFC_DNS_TIMEOUT;
	}
	L->pending = 0;
}

/* One lookup, answered. */
static struct answer *lookup(struct lint *L, const char *name,
			     spfc_rrtype type)
{
	struct answer *a = start(L, name, type);

	if (a && !a->done)
		drive(L);
	return a;
}

static void answer_free(struct answer *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->count; i++)
		free(a->rr[i].text);
	free(a->rr);
	free(a->name);
	free(a);
}

static int rc_void(spfc_dns_rcode rc)
{
	return rc == SPFC_DNS_NXDOMAIN || rc == SPFC_DNS_NODATA;
}

static int rc_failed(spfc_dns_rcode rc)
{
	return rc == SPFC_DNS_SERVFAIL || rc == SPFC_DNS_TIMEOUT;
}

/* Note a TTL the term's data depends on; UINT32_MAX: unknown. */
static void term_ttl(struct lterm *t, uint32_t ttl)
{
	if (ttl == UINT32_MAX)
		return;
	if (!t->has_ttl || ttl < t->ttl)
		t->ttl = ttl;
	t->has_ttl = 1;
}

/* The TTL an answer is good for: its records' shortest, or the negative
 * caching TTL; UINT32_MAX when the resolver does not know it. */
static uint32_t answer_ttl(const struct answer *a)
{
	uint32_t ttl = UINT32_MAX;
	size_t i;

	if (a->rcode != SPFC_DNS_OK)
		return a->neg_ttl ? a->neg_ttl : UINT32_MAX;
	for (i = 0; i < a->count; i++)
		if (a->rr[i].ttl < ttl)
			ttl = a->rr[i].ttl;
	return ttl;
}

/* ---- The record, as the library parses it ------------------------ */

/* Bytes no term may hold, named before anything else is said about the
 * term; NULL when there are none. */
static const char *bad_byte(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			return "non-ASCII byte";
		if (c == 0)
			return "NUL byte";
		if (c < 0x20 || c == 0x7f)
			return "control byte";
	}
	return NULL;
}

/* The library's reasons (record.h, spfc_explanation_check) in the words
 * of lint's findings; a reason not listed is shown as it is. */
static const struct {
	const char *lib;
	const char *words;
} reason_words[] = {
	{"Unknown mechanism found", "unknown mechanism"},
	{"'all' takes no argument", "all takes no argument"},
	{"domain-spec required", "a domain-spec is required"},
	{"invalid mechanism syntax", "bad mechanism syntax"},
	{"invalid domain name", "not a domain name (bad top label)"},
	{"address required", "an address is required"},
	{"invalid IPv4 address", "not an IPv4 address"},
	{"invalid IPv6 address", "not an IPv6 address"},
	{"more than one redirect= modifier", "a second redirect= modifier"},
	{"more than one exp= modifier", "a second exp= modifier"},
	{"c, r and t macros are allowed in exp= text only",
	 "the c, r and t macros belong in exp= text only"},
	{"macro digit transformer must not be zero",
	 "a macro's digit transformer must not be 0"},
	{"malformed macro (missing '}' or bad transformer)",
	 "malformed macro (no '}' or a bad transformer)"},
	{"'%' at end of macro-string", "'%' at the end"},
	{"non-ASCII character", "non-ASCII byte"},
};

/* 1 when the library takes "a" + cidr (a dual-cidr-length such as "/24"
 * or "//64") for a valid mechanism. */
static int cidr_ok(struct lint *L, const char *cidr, size_t n)
{
	spfc_record *r = NULL;
	spfc_buf b;
	spfc_status st;

	spfc_buf_init(&b, 0);
	spfc_buf_adds(&b, "v=spf1 a");
	spfc_buf_add(&b, cidr, n);
	st = b.err ? SPFC_ENOMEM : spfc_record_parse(b.data, b.len, &r, NULL);
	if (st == SPFC_ENOMEM)
		L->nomem = 1;
	spfc_record_free(r);
	spfc_buf_free(&b);
	return st == SPFC_OK;
}

/* A term the library refused for its CIDR length: which length, as ip4
 * and ip6 (one length) and a and mx (a dual-cidr-length, RFC 7208 §5.6:
 * the IPv6 half is judged first) have always been reported. */
static const char *cidr_words(struct lint *L, const char *s, size_t n)
{
	size_t i = 0, k;

	if (n && (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?'))
		i = 1;
	for (k = i; k < n && s[k] != ':' && s[k] != '/'; k++)
		;
	if (eq_nocase(s + i, k - i, "ip4", 3) ||
	    eq_nocase(s + i, k - i, "ip6", 3))
		return "bad CIDR length";
	for (k = n; k > 0 && is_digit(s[k - 1]); k--)
		;
	if (k >= 2 && k < n && s[k - 1] == '/' && s[k - 2] == '/') {
		if (!cidr_ok(L, s + k - 2, n - k + 2))
			return "bad IPv6 CIDR length";
		n = k - 2;
		for (k = n; k > 0 && is_digit(s[k - 1]); k--)
			;
	}
	if (k >= 1 && k < n && s[k - 1] == '/' &&
	    !cidr_ok(L, s + k - 1, n - k + 1))
		return "bad IPv4 CIDR length";
	return "bad CIDR length";
}

/* A byte the library calls an "invalid character" in text[0..n), in
 * lint's words: DEL, or a control byte or (outside exp= text) a blank. */
static const char *control_words(const char *s, size_t n, int exp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x7f)
			return "control byte";
		if (c < 0x20 || (c == ' ' && !exp))
			break;
	}
	return "control byte or blank";
}

/* The words of a syntax finding about s[0..n) for the library's reason
 * (exp: s is the text of an explanation). */
static const char *syntax_words(struct lint *L, const char *reason,
				const char *s, size_t n, int exp)
{
	size_t i;

	if (strcmp(reason, "invalid CIDR length") == 0)
		return cidr_words(L, s, n);
	if (strcmp(reason, "invalid character") == 0)
		return control_words(s, n, exp);
	for (i = 0; i < sizeof reason_words / sizeof reason_words[0]; i++)
		if (strcmp(reason, reason_words[i].lib) == 0)
			return reason_words[i].words;
	return reason;
}

/* Parse the node's record with the library, keeping every term; every
 * term that does not parse is an error finding.  Returns the number of
 * bad terms (-1: out of memory). */
static int parse_record(struct lint *L, struct node *nd)
{
	size_t i, n;
	int bad = 0;

	nd->all = nd->redirect = nd->exp = -1;
	if (spfc_record_parse_all(nd->record, nd->len, &nd->rec, NULL) !=
	    SPFC_OK) {
		L->nomem = 1;	/* an SPF record, shorter than a TXT
				   RDATA: only memory can fail */
		return -1;
	}
	n = spfc_record_count(nd->rec);
	nd->terms = calloc(n ? n : 1, sizeof *nd->terms);
	if (!nd->terms) {
		L->nomem = 1;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct lterm *t = &nd->terms[nd->nterms++];
		size_t spec_len;
		const char *why;

		t->idx = i;
		t->type = spfc_record_term_kind(nd->rec, i);
		t->qual = spfc_record_term_qualifier(nd->rec, i);
		t->text = spfc_record_term_text(nd->rec, i, &t->len);
		t->pos = spfc_record_term_offset(nd->rec, i) + 1;
		t->has_spec = spfc_record_term_spec(nd->rec, i, &spec_len) !=
			      NULL;
		t->cidr4 = spfc_record_term_cidr4(nd->rec, i);
		t->cidr6 = spfc_record_term_cidr6(nd->rec, i);
		spfc_record_term_network(nd->rec, i, &t->addr, &t->bits);
		t->macros = spfc_record_term_macros(nd->rec, i);
		switch (t->type) {
		case SPFC_TERM_INVALID:
			why = bad_byte(t->text, t->len);
			if (!why)
				why = syntax_words(L, spfc_record_term_error(
							      nd->rec, i),
						   t->text, t->len, 0);
			finding(L, SEV_ERROR, nd->domain, t, "syntax error: ",
				why, "; receivers return permerror");
			bad++;
			break;
		case SPFC_TERM_ALL:
			if (nd->all < 0)
				nd->all = (int)i;
			break;
		default:
			break;
		}
	}
	if (spfc_record_modifier(nd->rec, SPFC_TERM_REDIRECT, &i))
		nd->redirect = (int)i;
	if (spfc_record_modifier(nd->rec, SPFC_TERM_EXP, &i))
		nd->exp = (int)i;
	return bad;
}

/* ---- Targets: domain-specs known without a connection --------------- */

/* Letters whose value the walk knows: the current domain and the
 * sender's domain (the linted domain). */
#define MACROS_STATIC (SPFC_MACRO_BIT('d') | SPFC_MACRO_BIT('o'))
/* Letters from the sender or HELO name, which the client chooses. */
#define MACROS_CLIENT                                                      \
	(SPFC_MACRO_BIT('s') | SPFC_MACRO_BIT('l') | SPFC_MACRO_BIT('h'))

/* The target of a term: its domain-spec expanded (RFC 7208 §7.3 applied,
 * one trailing dot dropped), or the record's own domain.  0 with
 * t->target set, or left NULL when the spec needs the connection; -1 out
 * of memory or an expansion past the library's bound. */
static int term_target(struct lint *L, const struct node *nd,
		       struct lterm *t)
{
	spfc_buf b;

	if (!t->has_spec) {
		t->target = dupn(nd->domain, strlen(nd->domain));
	} else if (t->macros & ~MACROS_STATIC) {
		return 0;
	} else {
		spfc_buf_init(&b, 0);
		if (spfc_record_term_expand(nd->rec, t->idx, nd->domain, L->top,
					    &b) == SPFC_OK)
			t->target = dupn(spfc_buf_str(&b),
					 strip_dot(spfc_buf_str(&b), b.len));
		spfc_buf_free(&b);
	}
	if (!t->target) {
		L->nomem = 1;
		return -1;
	}
	t->bad_target = !spfc_name_queryable(t->target, strlen(t->target));
	return 0;
}

/* ---- The walk ------------------------------------------------------- */

static void node_free(struct node *nd);
static struct node *walk(struct lint *L, const char *domain, enum how how,
			 int in_include, unsigned depth);

/* Take the addresses of a finished A or AAAA answer into h. */
static void host_take(struct lint *L, struct host *h, const struct answer *a,
		      struct lterm *t)
{
	size_t i;
	spfc_addr *na;

	if (a->rcode == SPFC_DNS_OK || rc_void(a->rcode))
		term_ttl(t, answer_ttl(a));
	if (a->rcode != SPFC_DNS_OK)
		return;
	na = realloc(h->addrs, (h->naddrs + a->count) * sizeof *na);
	if (!na) {
		L->nomem = 1;
		return;
	}
	h->addrs = na;
	for (i = 0; i < a->count; i++) {
		spfc_addr *p = &h->addrs[h->naddrs++];

		memset(p, 0, sizeof *p);
		p->family = a->type == SPFC_RR_A ? 4 : 6;
		memcpy(p->b, a->rr[i].addr, p->family == 4 ? 4 : 16);
	}
}

/* A host's A and AAAA answers, which must be in. */
static void host_fill(struct lint *L, struct host *h, struct lterm *t)
{
	struct answer *a4, *a6;

	h->rc4 = h->rc6 = SPFC_DNS_SERVFAIL;
	if (!h->namelen || !spfc_name_queryable(h->name, h->namelen)) {
		h->rc4 = h->rc6 = SPFC_DNS_NXDOMAIN;
		return;
	}
	a4 = start(L, h->name, SPFC_RR_A);
	a6 = start(L, h->name, SPFC_RR_AAAA);
	if (!a4 || !a6)
		return;
	h->rc4 = a4->rcode;
	h->rc6 = a6->rcode;
	host_take(L, h, a4, t);
	host_take(L, h, a6, t);
}

static int host_failed(struct lint *L, const struct node *nd,
		       const struct lterm *t, const struct host *h)
{
	if (!rc_failed(h->rc4) && !rc_failed(h->rc6))
		return 0;
	finding(L, SEV_ERROR, nd->domain, t, "address lookup of ", h->name,
		": ", spfc_dns_rcode_name(rc_failed(h->rc4) ? h->rc4 : h->rc6),
		"; receivers return temperror when they reach this term");
	return 1;
}

static void resolve_a(struct lint *L, const struct node *nd, struct lterm *t)
{
	struct host *h = calloc(1, sizeof *h);

	if (!h || !(h->name = dupn(t->target, strlen(t->target)))) {
		free(h);
		L->nomem = 1;
		return;
	}
	h->namelen = strlen(h->name);
	t->hosts = h;
	t->nhosts = 1;
	start(L, h->name, SPFC_RR_A);
	start(L, h->name, SPFC_RR_AAAA);
	drive(L);
	host_fill(L, h, t);
	t->rc = h->rc4;
	t->rc6 = h->rc6;
	t->void4 = rc_void(h->rc4);
	t->void6 = rc_void(h->rc6);
	if (host_failed(L, nd, t, h))
		return;
	if (t->void4 && t->void6)
		finding(L, SEV_WARNING, nd->domain, t, "void lookup: ",
			t->target, h->rc4 == SPFC_DNS_NXDOMAIN
					   ? " does not exist (NXDOMAIN)"
					   : " has no A or AAAA record",
			"; the term matches nothing and counts against the "
			"limit of 2 void lookups");
}

/* The one lookup of term t (what: "MX ", "A "): its outcome in t->rc and
 * t->rc6, its TTL in the term's; NULL when it gave nothing to look at
 * (out of memory, or a failure, reported as an error finding). */
static struct answer *term_lookup(struct lint *L, const struct node *nd,
				  struct lterm *t, spfc_rrtype type,
				  const char *what)
{
	struct answer *a = lookup(L, t->target, type);

	if (!a)
		return NULL;
	t->rc = t->rc6 = a->rcode;
	if (rc_failed(a->rcode)) {
		finding(L, SEV_ERROR, nd->domain, t, "lookup ", what, t->target,
			": ", spfc_dns_rcode_name(a->rcode), "; receivers return "
			"temperror when they reach this term");
		return NULL;
	}
	term_ttl(t, answer_ttl(a));
	return a;
}

static void resolve_mx(struct lint *L, const struct node *nd, struct lterm *t)
{
	struct answer *a = term_lookup(L, nd, t, SPFC_RR_MX, "MX ");
	size_t i;
	char num[24];

	if (!a)
		return;
	if (rc_void(a->rcode)) {
		t->void4 = t->void6 = 1;
		finding(L, SEV_WARNING, nd->domain, t, "void lookup: ",
			t->target, a->rcode == SPFC_DNS_NXDOMAIN
					   ? " does not exist (NXDOMAIN)"
					   : " has no MX record",
			"; the term matches nothing and counts against the "
			"limit of 2 void lookups");
		return;
	}
	t->nmx = a->count;
	if (a->count > MX_LIMIT) {
		finding(L, SEV_ERROR, nd->domain, t, utoa(a->count, num),
			" MX records, more than the 10 RFC 7208 section 4.6.4 allows: "
			"receivers return permerror when they reach this term");
		return;
	}
	t->hosts = calloc(a->count, sizeof *t->hosts);
	if (!t->hosts) {
		L->nomem = 1;
		return;
	}
	for (i = 0; i < a->count; i++) {
		struct host *h = &t->hosts[i];

		h->pref = a->rr[i].pref;
		h->name = dupn(a->rr[i].text, a->rr[i].len);
		if (!h->name) {
			L->nomem = 1;
			return;
		}
		h->namelen = a->rr[i].len;
		t->nhosts++;
		/* a NUL byte makes the name unqueryable: never asked */
		if (h->namelen && spfc_name_queryable(h->name, h->namelen)) {
			start(L, h->name, SPFC_RR_A);
			start(L, h->name, SPFC_RR_AAAA);
		}
	}
	drive(L);
	for (i = 0; i < t->nhosts; i++) {
		struct host *h = &t->hosts[i];

		host_fill(L, h, t);
		if (!h->namelen) {
			finding(L, SEV_WARNING, nd->domain, t, "null MX "
				"(RFC 7505): ", t->target, " takes no mail; the "
				"term matches no address");
			continue;
		}
		if (has_nul(h->name, h->namelen)) {
			finding(L, SEV_WARNING, nd->domain, t, "an MX host "
				"name of ", t->target, " holds a NUL byte: "
				"receivers skip it");
			continue;
		}
		if (host_failed(L, nd, t, h))
			continue;
		if (rc_void(h->rc4) && rc_void(h->rc6))
			finding(L, SEV_WARNING, nd->domain, t, "MX host ",
				h->name, " has no address");
	}
}

static void resolve_exists(struct lint *L, const struct node *nd,
			   struct lterm *t)
{
	struct answer *a = term_lookup(L, nd, t, SPFC_RR_A, "A ");

	if (!a)
		return;
	if (rc_void(a->rcode)) {
		t->void4 = t->void6 = 1;
		finding(L, SEV_WARNING, nd->domain, t, "void lookup: ",
			t->target, " has no A record; without macros this "
			"term never matches");
	} else {
		finding(L, SEV_WARNING, nd->domain, t, "without macros this "
			"term does not depend on the client: it matches every "
			"address", t->qual == '+' ? ", like +all" : "");
	}
}

/* Findings about a term that need no DNS. */
static void check_term(struct lint *L, const struct node *nd,
		       const struct lterm *t)
{
	static const char letters[] = "slh";
	size_t i;
	char num[24];

	if (t->macros & SPFC_MACRO_BIT('p'))
		finding(L, SEV_WARNING, nd->domain, t, "the %{p} macro is "
			"slow and unreliable; RFC 7208 section 7.2 says do not use it");
	if ((t->macros & MACROS_CLIENT) && t->type != SPFC_TERM_EXP) {
		char m[] = "the %{x} macro";

		for (i = 0; letters[i]; i++)
			if (t->macros & SPFC_MACRO_BIT(letters[i]))
				break;
		m[6] = letters[i];
		finding(L, SEV_WARNING, nd->domain, t, m,
			" carries text the client chooses: a value that is no "
			"DNS label (more than 63 bytes, an empty label) ",
			t->type == SPFC_TERM_INCLUDE || t->type == SPFC_TERM_REDIRECT
				? "makes this term a permerror for that sender"
				: "makes this term a void lookup for that sender");
	}
	switch (t->type) {
	case SPFC_TERM_PTR:
		finding(L, SEV_WARNING, nd->domain, t, "ptr is slow and "
			"unreliable and RFC 7208 section 5.5 says it SHOULD NOT be "
			"used; list the addresses with ip4/ip6 or a");
		break;
	case SPFC_TERM_IP4:
	case SPFC_TERM_IP6: {
		unsigned width = t->type == SPFC_TERM_IP4 ? 32 : 128;
		unsigned wide = t->type == SPFC_TERM_IP4 ? WIDE_V4 : WIDE_V6;
		unsigned k;
		int hostbits = 0;

		for (k = t->bits; k < width; k++)
			if (t->addr.b[k / 8] & (0x80 >> (k % 8)))
				hostbits = 1;
		if (t->bits == 0 && t->qual == '+')
			finding(L, SEV_ERROR, nd->domain, t, "a /0 network "
				"authorizes every ", t->type == SPFC_TERM_IP4 ? "IPv4"
								      : "IPv6",
				" address in the world");
		else if (t->bits < wide && t->qual == '+')
			finding(L, SEV_WARNING, nd->domain, t, "a /",
				utoa(t->bits, num), " network authorizes a "
				"very large part of the address space");
		if (hostbits)
			finding(L, SEV_INFO, nd->domain, t, "host bits are set "
				"after the prefix length; only the network "
				"counts");
		break;
	}
	case SPFC_TERM_UNKNOWN_MOD:
		finding(L, SEV_INFO, nd->domain, t, "unknown modifier: "
			"receivers ignore it");
		break;
	default:
		break;
	}
}

/* The exp= modifier of a record whose explanation receivers use. */
static void check_exp(struct lint *L, const struct node *nd, struct lterm *t)
{
	struct answer *a;
	const char *why = NULL;
	spfc_buf reason;
	size_t i;
	int fail = 0;

	for (i = 0; i < nd->nterms; i++)
		if (nd->terms[i].type < SPFC_TERM_REDIRECT && nd->terms[i].qual == '-')
			fail = 1;
	if (!fail && nd->redirect < 0)
		finding(L, SEV_INFO, nd->domain, t, "exp= explains fail "
			"results only, and no term of this record fails");
	if (term_target(L, nd, t) < 0)
		return;
	if (!t->target) {
		finding(L, SEV_INFO, nd->domain, t, "the explanation's name "
			"depends on the client or sender; not looked up");
		return;
	}
	if (t->bad_target) {
		finding(L, SEV_WARNING, nd->domain, t, "exp= names no valid "
			"domain: receivers give no explanation");
		return;
	}
	a = lookup(L, t->target, SPFC_RR_TXT);
	if (!a)
		return;
	if (a->rcode != SPFC_DNS_OK) {
		finding(L, SEV_WARNING, nd->domain, t, "no explanation at ",
			t->target, " (", spfc_dns_rcode_name(a->rcode), "): receivers "
			"give none (RFC 7208 section 6.2)");
		return;
	}
	if (a->count > 1) {
		finding(L, SEV_WARNING, nd->domain, t, "more than one TXT "
			"record at ", t->target, ": receivers give no "
			"explanation (RFC 7208 section 6.2)");
		return;
	}
	spfc_buf_init(&reason, 0);
	if (has_nul(a->rr[0].text, a->rr[0].len))
		why = "NUL byte";
	else if (spfc_explanation_check(a->rr[0].text, a->rr[0].len,
					&reason) != SPFC_OK)
		why = syntax_words(L, spfc_buf_str(&reason), a->rr[0].text,
				   a->rr[0].len, 1);
	if (why)
		finding(L, SEV_WARNING, nd->domain, t, "the explanation at ",
			t->target, " does not parse (", why, "): receivers "
			"give none (RFC 7208 section 6.2)");
	if (reason.err)
		L->nomem = 1;
	spfc_buf_free(&reason);
}

/* Select the SPF record among the TXT answer's records (RFC 7208 §4.5)
 * and the findings about the answer itself. */
static void fetch(struct lint *L, struct node *nd)
{
	struct answer *a = lookup(L, nd->domain, SPFC_RR_TXT);
	size_t i, texts = 0;
	char num[24], num2[24];

	if (!a)
		return;
	switch (a->rcode) {
	case SPFC_DNS_OK: break;
	case SPFC_DNS_NXDOMAIN: nd->status = N_NXDOMAIN; return;
	case SPFC_DNS_NODATA: nd->status = N_NODATA; return;
	case SPFC_DNS_SERVFAIL: nd->status = N_SERVFAIL; return;
	case SPFC_DNS_TIMEOUT: nd->status = N_TIMEOUT; return;
	}
	nd->spf = calloc(a->count, sizeof *nd->spf);
	nd->spf_len = calloc(a->count, sizeof *nd->spf_len);
	if (!nd->spf || !nd->spf_len) {
		L->nomem = 1;
		return;
	}
	for (i = 0; i < a->count; i++) {
		const struct dnsrr *rr = &a->rr[i];

		texts += rr->len;
		if (!spfc_record_is_spf(rr->text, rr->len)) {
			if (rr->len >= 6 && eq_nocase(rr->text, 6, "v=spf1", 6))
				finding(L, SEV_WARNING, nd->domain, NULL,
					"a TXT record starts with v=spf1 but "
					"no space follows: it is not an SPF "
					"record (RFC 7208 section 4.5)");
			continue;
		}
		nd->spf[nd->nspf] = rr->text;
		nd->spf_len[nd->nspf] = rr->len;
		nd->nspf++;
		nd->nstrings = rr->nstrings;
		nd->maxstring = rr->maxstring;
		nd->ttl = rr->ttl;
	}
	if (nd->nspf == 0) {
		nd->status = N_NOSPF;
		return;
	}
	nd->wire_size = a->wire_size;
	nd->truncated = a->truncated;
	if (nd->nspf > 1) {
		nd->status = N_MULTIPLE;
		finding(L, SEV_ERROR, nd->domain, NULL, utoa(nd->nspf, num),
			" SPF records: receivers return permerror "
			"(RFC 7208 section 4.5); publish exactly one");
		return;
	}
	nd->record = nd->spf[0];
	nd->len = nd->spf_len[0];
	if (nd->maxstring > STRING_MAX)
		finding(L, SEV_ERROR, nd->domain, NULL, "a TXT string of ",
			utoa(nd->maxstring, num), " bytes: DNS allows 255 "
			"(RFC 1035 section 3.3)");
	if (nd->wire_size > UDP_MAX || nd->truncated)
		finding(L, SEV_WARNING, nd->domain, NULL, "the TXT answer is ",
			nd->wire_size ? utoa(nd->wire_size, num) : "over 512",
			nd->wire_size ? " bytes, more than 512" : " bytes",
			": receivers must retry over TCP and some fail "
			"(RFC 7208 section 3.4)");
	else if (strlen(nd->domain) + texts > ADVISED_MAX)
		finding(L, SEV_INFO, nd->domain, NULL, "the name and the TXT "
			"texts are ", utoa(strlen(nd->domain) + texts, num2),
			" bytes; RFC 7208 section 3.4 advises under 450 so that the "
			"answer fits in 512");
}

/* Walk one term that makes DNS lookups: count it, resolve it, follow
 * an include or redirect. */
static void walk_dns_term(struct lint *L, struct node *nd, struct lterm *t,
			  unsigned depth)
{
	char num[24];

	t->cost = spfc_term_lookups(t->type);	/* the evaluator's count */
	t->counted = t->cost != 0;
	if (!t->counted)
		return;
	L->counted += t->cost;
	if (term_target(L, nd, t) < 0)
		return;
	if (!t->target) {
		finding(L, SEV_INFO, nd->domain, t, "the target depends on "
			"the client or sender: not looked up",
			t->type == SPFC_TERM_INCLUDE || t->type == SPFC_TERM_REDIRECT
				? "; its own lookups are not counted here"
				: "");
		return;
	}
	if (L->counted > WALK_MAX_LOOKUPS) {
		t->skipped = 1;
		if (!L->skip_reported) {
			L->skip_reported = 1;
			finding(L, SEV_INFO, nd->domain, t, "the walk resolves ",
				utoa(WALK_MAX_LOOKUPS, num), " DNS-querying "
				"terms; this one and those after it are "
				"counted but not looked up");
		}
		return;
	}
	if (t->bad_target) {
		if (t->type == SPFC_TERM_INCLUDE || t->type == SPFC_TERM_REDIRECT) {
			finding(L, SEV_ERROR, nd->domain, t, "the target ",
				t->target, " is not a domain name: receivers "
				"return permerror");
		} else {
			t->void4 = t->void6 = 1;
			finding(L, SEV_WARNING, nd->domain, t, "the target ",
				t->target, " is not a domain name: a void "
				"lookup that matches nothing");
		}
		return;
	}
	t->resolved = t->type != SPFC_TERM_PTR;
	switch (t->type) {
	case SPFC_TERM_A:
		resolve_a(L, nd, t);
		break;
	case SPFC_TERM_MX:
		resolve_mx(L, nd, t);
		break;
	case SPFC_TERM_EXISTS:
		resolve_exists(L, nd, t);
		break;
	case SPFC_TERM_PTR:
		break;	/* depends on the client's reverse DNS */
	case SPFC_TERM_INCLUDE:
	case SPFC_TERM_REDIRECT:
		if (!spfc_name_valid(t->target, strlen(t->target))) {
			finding(L, SEV_ERROR, nd->domain, t, "the target ",
				t->target, " is not a domain name: receivers "
				"return permerror");
			return;
		}
		t->child = walk(L, t->target,
				t->type == SPFC_TERM_INCLUDE ? VIA_INCLUDE : VIA_REDIRECT,
				t->type == SPFC_TERM_INCLUDE || nd->in_include,
				depth + 1);
		if (!t->child)
			return;
		t->cost += t->child->total;
		switch (t->child->status) {
		case N_NXDOMAIN:
		case N_NODATA:
		case N_NOSPF:
			finding(L, SEV_ERROR, nd->domain, t, "the target ",
				t->target, t->child->status == N_NXDOMAIN
						   ? " does not exist"
						   : " has no SPF record",
				": receivers return permerror when they reach "
				"this term (RFC 7208 section ",
				t->type == SPFC_TERM_INCLUDE ? "5.2)" : "6.1)");
			break;
		case N_SERVFAIL:
		case N_TIMEOUT:
			finding(L, SEV_ERROR, nd->domain, t, "lookup TXT ",
				t->target, ": ", t->child->status == N_SERVFAIL
						 ? "server failure" : "time-out",
				"; receivers return temperror when they reach "
				"this term");
			break;
		case N_LOOP:
			finding(L, SEV_ERROR, nd->domain, t, "a loop: ",
				t->target, " is already being evaluated above "
				"this term; receivers run into the lookup "
				"limit and return permerror");
			break;
		case N_TOODEEP:
			finding(L, SEV_ERROR, nd->domain, t, "includes nested "
				"deeper than ", utoa(WALK_MAX_DEPTH, num),
				" levels: not followed");
			break;
		case N_MULTIPLE:
		case N_SYNTAX:
			finding(L, SEV_ERROR, nd->domain, t, "the record of ",
				t->target, " is broken (see its findings): "
				"receivers return permerror when they reach "
				"this term");
			break;
		default:
			break;
		}
		break;
	default:
		break;
	}
}

static struct node *walk(struct lint *L, const char *domain, enum how how,
			 int in_include, unsigned depth)
{
	struct node *nd = calloc(1, sizeof *nd);
	size_t i;
	int bad;

	if (!nd || !(nd->domain = dupn(domain, strlen(domain)))) {
		free(nd);
		L->nomem = 1;
		return NULL;
	}
	nd->how = how;
	nd->in_include = in_include;
	nd->all = nd->redirect = nd->exp = -1;
	if (depth > WALK_MAX_DEPTH) {
		nd->status = N_TOODEEP;
		return nd;
	}
	for (i = 0; i < depth; i++) {
		if (strcasecmp(L->path[i], domain) == 0) {
			nd->status = N_LOOP;
			return nd;
		}
	}
	L->path[depth] = nd->domain;
	fetch(L, nd);
	if (nd->status != N_OK || !nd->record)
		return nd;
	bad = parse_record(L, nd);
	if (bad != 0) {
		nd->status = N_SYNTAX;
		if (bad > 0 && nd->nstrings > 1)
			finding(L, SEV_INFO, nd->domain, NULL, "the record is "
				"published as several strings, which receivers "
				"join without spaces (RFC 7208 section 3.3): a "
				"string that does not end in a space glues two "
				"terms together");
		return nd;
	}

	for (i = 0; i < nd->nterms; i++) {
		struct lterm *t = &nd->terms[i];

		if (t->type >= SPFC_TERM_REDIRECT) {
			if (t->type == SPFC_TERM_UNKNOWN_MOD)
				check_term(L, nd, t);
			continue;
		}
		if (nd->all >= 0 && i > (size_t)nd->all) {
			finding(L, SEV_WARNING, nd->domain, t, "this term comes "
				"after all and is never evaluated");
			continue;
		}
		t->reached = 1;
		check_term(L, nd, t);
		switch (t->type) {
		case SPFC_TERM_ALL:
			if (t->qual == '+')
				finding(L, SEV_ERROR, nd->domain, t,
					nd->in_include
						? "every client passes this "
						  "record, so every include "
						  "of it matches"
						: "every address in the world "
						  "may send mail as this "
						  "domain");
			else if (t->qual == '?' && !nd->in_include)
				finding(L, SEV_WARNING, nd->domain, t,
					"clients not listed get neutral, "
					"which protects nothing; use ~all or "
					"-all");
			break;
		case SPFC_TERM_IP4:
		case SPFC_TERM_IP6:
			break;
		default:
			walk_dns_term(L, nd, t, depth);
			nd->total += t->cost;
			break;
		}
	}
	if (nd->redirect >= 0) {
		struct lterm *t = &nd->terms[nd->redirect];

		if (nd->all >= 0) {
			finding(L, SEV_WARNING, nd->domain, t, "redirect= is "
				"ignored because the record has all "
				"(RFC 7208 section 6.1)");
		} else {
			t->reached = 1;
			check_term(L, nd, t);
			walk_dns_term(L, nd, t, depth);
			nd->total += t->cost;
		}
	} else if (nd->all < 0 && !nd->in_include) {
		finding(L, SEV_WARNING, nd->domain, NULL, "no all and no "
			"redirect=: clients not listed get neutral, which "
			"protects nothing; end the record with ~all or -all");
	}
	if (nd->exp >= 0) {
		struct lterm *t = &nd->terms[nd->exp];

		if (nd->in_include) {
			finding(L, SEV_INFO, nd->domain, t, "exp= of a record "
				"reached through include is never used "
				"(RFC 7208 section 6.2)");
		} else {
			t->reached = 1;
			check_term(L, nd, t);
			check_exp(L, nd, t);
		}
	}
	return nd;
}

static void node_free(struct node *nd)
{
	size_t i, k;

	if (!nd)
		return;
	for (i = 0; i < nd->nterms; i++) {
		struct lterm *t = &nd->terms[i];

		for (k = 0; k < t->nhosts; k++) {
			free(t->hosts[k].name);
			free(t->hosts[k].addrs);
		}
		free(t->hosts);
		free(t->target);
		node_free(t->child);
	}
	free(nd->terms);
	spfc_record_free(nd->rec);
	free(nd->spf);
	free(nd->spf_len);
	free(nd->domain);
	free(nd);
}

/* Void lookups over the whole tree, in evaluation order, for IPv4 and
 * IPv6 clients (RFC 7208 §4.6.4 counts them per check). */
struct voids {
	unsigned n[2];
	const struct lterm *t[2][VOID_LIST_MAX];
	const char *dom[2][VOID_LIST_MAX];
};

static void count_voids(const struct node *nd, struct voids *v)
{
	size_t i;
	int f;

	if (!nd)
		return;
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i];

		if (!t->reached || !t->counted)
			continue;
		for (f = 0; f < 2; f++) {
			if (!(f == 0 ? t->void4 : t->void6))
				continue;
			if (v->n[f] < VOID_LIST_MAX) {
				v->t[f][v->n[f]] = t;
				v->dom[f][v->n[f]] = nd->domain;
			}
			v->n[f]++;
		}
		count_voids(t->child, v);
	}
}

static void void_findings(struct lint *L)
{
	struct voids v;
	int f, same;
	size_t i;
	char num[24];

	memset(&v, 0, sizeof v);
	count_voids(L->root, &v);
	same = v.n[0] == v.n[1];
	for (i = 0; same && i < v.n[0] && i < VOID_LIST_MAX; i++)
		same = v.t[0][i] == v.t[1][i];
	for (f = 0; f < 2; f++) {
		spfc_buf b;

		if (v.n[f] <= VOID_LIMIT || (same && f == 1))
			continue;
		spfc_buf_init(&b, 0);
		for (i = 0; i < v.n[f] && i < VOID_LIST_MAX; i++) {
			if (i)
				spfc_buf_adds(&b, ", ");
			spfc_buf_add(&b, v.t[f][i]->text, v.t[f][i]->len);
			spfc_buf_adds(&b, " at ");
			spfc_buf_adds(&b, v.dom[f][i]);
		}
		if (v.n[f] > VOID_LIST_MAX)
			spfc_buf_adds(&b, ", ...");
		finding(L, SEV_ERROR, L->root->domain, NULL,
			same ? "all" : f == 0 ? "IPv4" : "IPv6",
			" clients make ",
			utoa(v.n[f], num), " void lookups (",
			b.err ? "..." : spfc_buf_str(&b), "), more than the 2 "
			"RFC 7208 section 4.6.4 allows: receivers return permerror "
			"for clients that get past the second");
		spfc_buf_free(&b);
	}
}

/* ---- Flatten ------------------------------------------------------ */

struct range {
	int family;
	unsigned char lo[16], hi[16];
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
};

static size_t fam_bytes(int family)
{
	return family == 4 ? 4 : 16;
}

static void flat_ttl(struct flat *fl, uint32_t ttl)
{
	if (!fl->has_ttl || ttl < fl->ttl)
		fl->ttl = ttl;
	fl->has_ttl = 1;
}

static void flat_no(struct lint *L, struct flat *fl, const char *domain,
		    const struct lterm *t, const char *why)
{
	struct finding *f;

	if (fl->nno == fl->capno) {
		size_t ncap = fl->capno ? fl->capno * 2 : 8;
		struct finding *nn = realloc(fl->no, ncap * sizeof *nn);

		if (!nn) {
			L->nomem = 1;
			return;
		}
		fl->no = nn;
		fl->capno = ncap;
	}
	f = &fl->no[fl->nno];
	memset(f, 0, sizeof *f);
	f->domain = dupn(domain, strlen(domain));
	f->term = t ? dupn(t->text, t->len) : dupn("", 0);
	f->term_len = t ? t->len : 0;
	f->pos = t ? t->pos : 0;
	f->msg = dupn(why, strlen(why));
	if (!f->domain || !f->term || !f->msg) {
		free(f->domain);
		free(f->term);
		free(f->msg);
		L->nomem = 1;
		return;
	}
	fl->nno++;
}

static void flat_add(struct lint *L, struct flat *fl, const spfc_addr *a,
		     unsigned bits)
{
	struct range *r;
	size_t nb = fam_bytes(a->family), k;

	if (fl->n == fl->cap) {
		size_t ncap = fl->cap ? fl->cap * 2 : 32;
		struct range *nv = realloc(fl->v, ncap * sizeof *nv);

		if (!nv) {
			L->nomem = 1;
			return;
		}
		fl->v = nv;
		fl->cap = ncap;
	}
	r = &fl->v[fl->n++];
	memset(r, 0, sizeof *r);
	r->family = a->family;
	for (k = 0; k < nb * 8; k++) {
		unsigned char m = (unsigned char)(0x80 >> (k % 8));

		if (k < bits) {
			r->lo[k / 8] |= a->b[k / 8] & m;
			r->hi[k / 8] |= a->b[k / 8] & m;
		} else {
			r->hi[k / 8] |= m;
		}
	}
}

static void flat_hosts(struct lint *L, struct flat *fl, const struct lterm *t)
{
	size_t i, k;

	for (i = 0; i < t->nhosts; i++)
		for (k = 0; k < t->hosts[i].naddrs; k++) {
			const spfc_addr *a = &t->hosts[i].addrs[k];

			flat_add(L, fl, a, a->family == 4 ? t->cidr4 : t->cidr6);
		}
	if (t->has_ttl)
		flat_ttl(fl, t->ttl);
}

static void flatten_node(struct lint *L, struct flat *fl, const struct node *nd,
			 int top)
{
	size_t i;

	if (nd->status != N_OK) {
		flat_no(L, fl, nd->domain, NULL, "no usable SPF record");
		return;
	}
	flat_ttl(fl, nd->ttl);
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i];

		if (!t->reached || t->type >= SPFC_TERM_REDIRECT)
			continue;
		if (t->type == SPFC_TERM_ALL) {
			if (top)
				fl->final = t;
			else if (t->qual == '+')
				flat_no(L, fl, nd->domain, t, "+all in an "
					"included record matches every client");
			return;
		}
		if (t->qual != '+') {
			flat_no(L, fl, nd->domain, t, "only + terms can be "
				"flattened into a list");
			continue;
		}
		switch (t->type) {
		case SPFC_TERM_IP4:
		case SPFC_TERM_IP6:
			flat_add(L, fl, &t->addr, t->bits);
			break;
		case SPFC_TERM_A:
		case SPFC_TERM_MX:
			if (!t->target || !t->resolved || t->bad_target)
				flat_no(L, fl, nd->domain, t,
					t->target ? "not looked up"
						  : "depends on the client or "
						    "sender (macros)");
			else if (rc_failed(t->rc) || rc_failed(t->rc6) ||
				 t->nmx > MX_LIMIT)
				flat_no(L, fl, nd->domain, t, "its lookups "
					"failed");
			else
				flat_hosts(L, fl, t);
			break;
		case SPFC_TERM_INCLUDE:
			if (!t->child)
				flat_no(L, fl, nd->domain, t,
					t->target ? "not looked up"
						  : "depends on the client or "
						    "sender (macros)");
			else
				flatten_node(L, fl, t->child, 0);
			break;
		case SPFC_TERM_PTR:
			flat_no(L, fl, nd->domain, t, "depends on the client's "
				"reverse DNS");
			break;
		case SPFC_TERM_EXISTS:
			flat_no(L, fl, nd->domain, t, "depends on the client "
				"(exists)");
			break;
		default:
			break;
		}
	}
	if (nd->all < 0 && nd->redirect >= 0) {
		const struct lterm *t = &nd->terms[nd->redirect];

		if (!t->child) {
			flat_no(L, fl, nd->domain, t,
				t->target ? "not looked up"
					  : "depends on the client or sender "
					    "(macros)");
			return;
		}
		if (top)
			fl->redirected = 1;
		flatten_node(L, fl, t->child, top);
	}
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct range *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family - b->family;
	c = memcmp(a->lo, b->lo, sizeof a->lo);
	return c ? c : memcmp(a->hi, b->hi, sizeof a->hi);
}

/* x + 1 over nb bytes; 1 when it wrapped to zero. */
static int inc(unsigned char *x, size_t nb)
{
	size_t i = nb;

	while (i > 0) {
		i--;
		if (++x[i] != 0)
			return 0;
	}
	return 1;
}

/* Sort, then merge overlapping and adjacent ranges. */
static void flat_merge(struct flat *fl)
{
	size_t i, out = 0;

	if (fl->n == 0)
		return;
	qsort(fl->v, fl->n, sizeof *fl->v, range_cmp);
	for (i = 1; i < fl->n; i++) {
		struct range *cur = &fl->v[out], *nx = &fl->v[i];
		size_t nb = fam_bytes(cur->family);
		unsigned char next[16];
		int wrap;

		memcpy(next, cur->hi, sizeof next);
		wrap = inc(next, nb);
		if (nx->family == cur->family &&
		    (wrap || memcmp(nx->lo, next, nb) <= 0)) {
			if (memcmp(nx->hi, cur->hi, nb) > 0)
				memcpy(cur->hi, nx->hi, sizeof cur->hi);
			continue;
		}
		fl->v[++out] = *nx;
	}
	fl->n = out + 1;
}

/* Append the CIDR networks that cover [r->lo, r->hi] exactly, as
 * " ip4:..." / " ip6:..." terms; a single address without its /32 or
 * /128 unless full. */
static void range_terms(const struct range *r, spfc_buf *b, int full)
{
	size_t nb = fam_bytes(r->family), width = nb * 8, p, k;
	unsigned char lo[16], end[16];
	char txt[SPFC_ADDR_TEXT_MAX], num[24];

	memcpy(lo, r->lo, sizeof lo);
	for (;;) {
		for (p = 0; p <= width; p++) {
			int ok = 1;

			memcpy(end, lo, sizeof end);
			for (k = p; k < width && ok; k++) {
				unsigned char m = (unsigned char)(0x80 >> (k % 8));

				if (lo[k / 8] & m)
					ok = 0;
				end[k / 8] |= m;
			}
			if (ok && memcmp(end, r->hi, nb) <= 0)
				break;
		}
		{
			spfc_addr a;

			memset(&a, 0, sizeof a);
			a.family = r->family;
			memcpy(a.b, lo, nb);
			spfc_addr_format(&a, txt, sizeof txt);
		}
		spfc_buf_adds(b, r->family == 4 ? " ip4:" : " ip6:");
		spfc_buf_adds(b, txt);
		if (p != width || full) {
			spfc_buf_addc(b, '/');
			spfc_buf_adds(b, utoa(p, num));
		}
		if (memcmp(end, r->hi, nb) >= 0)
			break;
		memcpy(lo, end, sizeof lo);
		if (inc(lo, nb))
			break;
	}
}

/* Split text into character-strings of at most 255 bytes, each ending
 * after a space where it must be cut.  Returns the number of strings;
 * cuts[] (if not NULL) receives the end of each. */
static size_t split_strings(const char *s, size_t len, size_t *cuts,
			    size_t maxcuts)
{
	size_t st = 0, n = 0;

	while (len - st > STRING_MAX) {
		size_t k = st + STRING_MAX;

		while (k > st && s[k - 1] != ' ')
			k--;
		if (k == st)
			k = st + STRING_MAX;	/* no space: cut anyway */
		if (cuts && n < maxcuts)
			cuts[n] = k;
		n++;
		st = k;
	}
	if (cuts && n < maxcuts)
		cuts[n] = len;
	return n + 1;
}

/* Build the candidate record and its size in a TXT answer at the
 * linted domain, next to the other TXT records there. */
static void flat_candidate(struct lint *L, struct flat *fl)
{
	spfc_buf b, nets;
	size_t i, answer, per;
	const struct answer *a = cache_find(L, L->top, SPFC_RR_TXT);
	const struct node *root = L->root;

	spfc_buf_init(&b, OUT_MAX);
	spfc_buf_init(&nets, OUT_MAX);
	for (i = 0; i < fl->n; i++)
		range_terms(&fl->v[i], &nets, 0);
	spfc_buf_adds(&b, "v=spf1");
	spfc_buf_add(&b, spfc_buf_str(&nets), nets.len);
	if (fl->final) {
		spfc_buf_addc(&b, ' ');
		spfc_buf_add(&b, fl->final->text, fl->final->len);
	}
	if (!fl->redirected && root->exp >= 0) {
		spfc_buf_addc(&b, ' ');
		spfc_buf_add(&b, root->terms[root->exp].text,
			     root->terms[root->exp].len);
	}
	if (b.err || nets.err) {
		L->nomem = 1;	/* or past OUT_MAX: no report either way */
	} else {
		fl->len = b.len;
		fl->nstrings = split_strings(b.data, b.len, NULL, 0);
		fl->record = spfc_buf_take(&b);
		if (!fl->record)
			L->nomem = 1;
		answer = WIRE_HEADER + strip_dot(L->top, strlen(L->top)) + 2 +
			 WIRE_QFIXED + WIRE_RRFIXED + fl->len + fl->nstrings;
		for (i = 0; a && a->rcode == SPFC_DNS_OK && i < a->count; i++)
			if (!spfc_record_is_spf(a->rr[i].text, a->rr[i].len))
				answer += WIRE_RRFIXED + a->rr[i].len +
					  a->rr[i].nstrings;
		fl->answer = answer;
		fl->fits = answer <= UDP_MAX;
	}
	/* Records of "v=spf1 <nets> ~all" at a name as long as the domain
	 * plus "_spfNN.", within the RFC 7208 §3.4 advice of 450 bytes. */
	per = ADVISED_MAX - strip_dot(L->top, strlen(L->top)) - 7 -
	      strlen("v=spf1 ~all");
	fl->includes = (unsigned)((nets.len + per - 1) / per);
	spfc_buf_free(&b);
	spfc_buf_free(&nets);
}

static void flat_free(struct flat *fl)
{
	size_t i;

	for (i = 0; i < fl->nno; i++) {
		free(fl->no[i].domain);
		free(fl->no[i].term);
		free(fl->no[i].msg);
	}
	free(fl->no);
	free(fl->v);
	free(fl->record);
}

/* ---- Output pieces ------------------------------------------------- */

static const char *sev_name(enum sev s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

static const char *status_name(enum nstatus s)
{
	switch (s) {
	case N_OK: return "ok";
	case N_NXDOMAIN: return "nxdomain";
	case N_NODATA: return "no-data";
	case N_NOSPF: return "no-spf";
	case N_SERVFAIL: return "servfail";
	case N_TIMEOUT: return "timeout";
	case N_MULTIPLE: return "multiple";
	case N_SYNTAX: return "syntax";
	case N_LOOP: return "loop";
	case N_TOODEEP: return "too-deep";
	}
	return "?";
}

static const char *status_words(enum nstatus s)
{
	switch (s) {
	case N_NXDOMAIN: return "no SPF record (NXDOMAIN)";
	case N_NODATA: return "no SPF record (no TXT record)";
	case N_NOSPF: return "no SPF record (no TXT record is v=spf1)";
	case N_SERVFAIL: return "TXT lookup failed (server failure)";
	case N_TIMEOUT: return "TXT lookup timed out";
	case N_LOOP: return "a loop: already being evaluated above";
	case N_TOODEEP: return "not followed: nested too deep";
	default: return "";
	}
}

static void add_addr(spfc_buf *b, const spfc_addr *a)
{
	char txt[SPFC_ADDR_TEXT_MAX];

	spfc_addr_format(a, txt, sizeof txt);
	spfc_buf_adds(b, txt);
}

/* Text from outside, made printable and bounded. */
static void add_safe(spfc_buf *b, const char *s, size_t len)
{
	spfc_sanitize(b, s, len, TEXT_OUT_MAX);
}

static void add_safes(spfc_buf *b, const char *s)
{
	add_safe(b, s, strlen(s));
}

static void indent(spfc_buf *b, unsigned n)
{
	while (n--)
		spfc_buf_addc(b, ' ');
}

/* ---- JSON ------------------------------------------------------------ */

struct jw {
	spfc_buf *b;
	unsigned depth;
	unsigned char first[JSON_MAX_DEPTH];
};

static void jw_key(struct jw *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			spfc_buf_addc(j->b, ',');
		spfc_buf_addc(j->b, '\n');
		indent(j->b, 2 * j->depth);
		j->first[j->depth] = 0;
	}
	if (key) {
		json_str(j->b, key, strlen(key));
		spfc_buf_adds(j->b, ": ");
	}
}

static void jw_open(struct jw *j, const char *key, char c)
{
	jw_key(j, key);
	spfc_buf_addc(j->b, c);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

static void jw_close(struct jw *j, char c)
{
	int empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty) {
		spfc_buf_addc(j->b, '\n');
		indent(j->b, 2 * j->depth);
	}
	spfc_buf_addc(j->b, c);
}

static void jw_strn(struct jw *j, const char *key, const char *s, size_t len)
{
	jw_key(j, key);
	if (s)
		json_str(j->b, s, len);
	else
		spfc_buf_adds(j->b, "null");
}

static void jw_str(struct jw *j, const char *key, const char *s)
{
	jw_strn(j, key, s, s ? strlen(s) : 0);
}

static void jw_num(struct jw *j, const char *key, unsigned long long v)
{
	jw_key(j, key);
	spfc_buf_addu(j->b, v);
}

static void jw_bool(struct jw *j, const char *key, int v)
{
	jw_key(j, key);
	spfc_buf_adds(j->b, v ? "true" : "false");
}

static void jw_null(struct jw *j, const char *key)
{
	jw_key(j, key);
	spfc_buf_adds(j->b, "null");
}

static void jw_addr(struct jw *j, const spfc_addr *a)
{
	char txt[SPFC_ADDR_TEXT_MAX];

	spfc_addr_format(a, txt, sizeof txt);
	jw_str(j, NULL, txt);
}

static const char *type_name(spfc_term_kind t)
{
	static const char *const names[] = {
		"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists",
		"redirect", "exp", "modifier", "invalid"};

	return names[t];
}

static void json_node(struct jw *j, const char *key, const struct node *nd);

static void json_term(struct jw *j, const struct node *nd,
		      const struct lterm *t)
{
	size_t i, k;
	char q[2] = {t->qual, '\0'};

	jw_open(j, NULL, '{');
	jw_strn(j, "term", t->text, t->len);
	jw_num(j, "position", t->pos);
	jw_str(j, "type", type_name(t->type));
	if (t->qual)
		jw_str(j, "qualifier", q);
	jw_bool(j, "reached", t->reached);
	jw_num(j, "lookups", t->cost);
	if (t->counted) {
		jw_str(j, "target", t->target);
		jw_bool(j, "looked_up", t->resolved);
	}
	if (t->type == SPFC_TERM_IP4 || t->type == SPFC_TERM_IP6) {
		jw_key(j, "network");
		spfc_buf_addc(j->b, '"');
		add_addr(j->b, &t->addr);
		spfc_buf_addc(j->b, '/');
		spfc_buf_addu(j->b, t->bits);
		spfc_buf_addc(j->b, '"');
	}
	if (t->resolved && (t->type == SPFC_TERM_A || t->type == SPFC_TERM_MX ||
			    t->type == SPFC_TERM_EXISTS)) {
		jw_str(j, "answer", spfc_dns_rcode_name(t->rc));
		if (t->type == SPFC_TERM_A)
			jw_str(j, "answer_aaaa", spfc_dns_rcode_name(t->rc6));
		if (t->type == SPFC_TERM_MX)
			jw_num(j, "mx_records", t->nmx);
		jw_bool(j, "void_ipv4", t->void4);
		jw_bool(j, "void_ipv6", t->void6);
	}
	if (t->nhosts) {
		jw_open(j, "hosts", '[');
		for (i = 0; i < t->nhosts; i++) {
			const struct host *h = &t->hosts[i];

			jw_open(j, NULL, '{');
			jw_strn(j, "name", h->name, h->namelen);
			jw_open(j, "addresses", '[');
			for (k = 0; k < h->naddrs; k++)
				jw_addr(j, &h->addrs[k]);
			jw_close(j, ']');
			jw_close(j, '}');
		}
		jw_close(j, ']');
	}
	if (t->has_ttl)
		jw_num(j, "ttl", t->ttl);
	if (t->child)
		json_node(j, "record", t->child);
	(void)nd;
	jw_close(j, '}');
}

static void json_node(struct jw *j, const char *key, const struct node *nd)
{
	size_t i;

	jw_open(j, key, '{');
	jw_str(j, "domain", nd->domain);
	jw_str(j, "via", nd->how == VIA_TOP ? "top"
			 : nd->how == VIA_INCLUDE ? "include" : "redirect");
	jw_str(j, "status", status_name(nd->status));
	jw_open(j, "records", '[');
	for (i = 0; i < nd->nspf; i++)
		jw_strn(j, NULL, nd->spf[i], nd->spf_len[i]);
	jw_close(j, ']');
	if (nd->nspf == 1) {
		jw_num(j, "strings", nd->nstrings);
		jw_num(j, "longest_string", nd->maxstring);
		jw_num(j, "answer_size", nd->wire_size);
		jw_num(j, "ttl", nd->ttl);
	}
	jw_num(j, "lookups", nd->total);
	jw_open(j, "terms", '[');
	for (i = 0; i < nd->nterms; i++)
		json_term(j, nd, &nd->terms[i]);
	jw_close(j, ']');
	jw_close(j, '}');
}

/* ---- Text ------------------------------------------------------------ */

struct out {
	spfc_buf *b;
	int color;
};

static void sev_word(struct out *o, enum sev s)
{
	if (o->color)
		spfc_buf_adds(o->b, s == SEV_ERROR     ? "\033[1;31m"
				    : s == SEV_WARNING ? "\033[1;33m"
						       : "\033[36m");
	spfc_buf_adds(o->b, sev_name(s));
	if (o->color)
		spfc_buf_adds(o->b, "\033[0m");
}

static void text_lookups(spfc_buf *b, unsigned n)
{
	spfc_buf_adds(b, " (");
	spfc_buf_addu(b, n);
	spfc_buf_adds(b, n == 1 ? " lookup)" : " lookups)");
}

static void text_host(spfc_buf *b, const struct host *h)
{
	size_t k;

	if (!h->namelen) {
		spfc_buf_adds(b, ". (null MX)");
		return;
	}
	add_safe(b, h->name, h->namelen);
	if (rc_failed(h->rc4) || rc_failed(h->rc6)) {
		spfc_buf_adds(b, " (");
		spfc_buf_adds(b, spfc_dns_rcode_name(rc_failed(h->rc4) ? h->rc4 : h->rc6));
		spfc_buf_addc(b, ')');
	} else if (h->naddrs == 0) {
		spfc_buf_adds(b, h->rc4 == SPFC_DNS_NXDOMAIN ? " (NXDOMAIN)"
							    : " (no address)");
	}
	for (k = 0; k < h->naddrs; k++) {
		spfc_buf_addc(b, ' ');
		add_addr(b, &h->addrs[k]);
	}
}

static void text_node(struct out *o, const struct node *nd, unsigned ind);

static void text_term(struct out *o, const struct node *nd,
		      const struct lterm *t, unsigned ind)
{
	spfc_buf *b = o->b;
	size_t i;

	indent(b, ind);
	add_safe(b, t->text, t->len);
	if (t->counted)
		text_lookups(b, t->cost);
	if (t->type == SPFC_TERM_INVALID) {
		spfc_buf_adds(b, ": syntax error");
	} else if (nd->status != N_OK) {
		/* a broken record: nothing was evaluated */
	} else if (t->type == SPFC_TERM_REDIRECT && nd->all >= 0) {
		spfc_buf_adds(b, ": ignored (the record has all)");
	} else if (t->type == SPFC_TERM_EXP && nd->in_include) {
		spfc_buf_adds(b, ": not used in an included record");
	} else if (!t->reached && t->type < SPFC_TERM_REDIRECT) {
		spfc_buf_adds(b, ": never evaluated (after all)");
	} else if (t->counted && !t->target) {
		spfc_buf_adds(b, ": depends on the client or sender");
	} else if (t->skipped) {
		spfc_buf_adds(b, ": not looked up");
	} else if (t->bad_target) {
		spfc_buf_adds(b, ": not a domain name");
	} else if (t->type == SPFC_TERM_A && t->nhosts) {
		spfc_buf_adds(b, ": ");
		text_host(b, &t->hosts[0]);
	} else if (t->type == SPFC_TERM_MX && t->resolved) {
		spfc_buf_adds(b, ": ");
		if (t->rc != SPFC_DNS_OK) {
			spfc_buf_adds(b, "MX ");
			spfc_buf_adds(b, spfc_dns_rcode_name(t->rc));
		} else if (t->nmx > MX_LIMIT) {
			spfc_buf_addu(b, t->nmx);
			spfc_buf_adds(b, " MX records");
		}
		for (i = 0; i < t->nhosts; i++) {
			if (i)
				spfc_buf_adds(b, "; ");
			text_host(b, &t->hosts[i]);
		}
	} else if (t->type == SPFC_TERM_EXISTS && t->resolved) {
		spfc_buf_adds(b, ": A ");
		spfc_buf_adds(b, spfc_dns_rcode_name(t->rc));
	} else if (t->type == SPFC_TERM_PTR) {
		spfc_buf_adds(b, ": depends on the client's reverse DNS");
	}
	spfc_buf_addc(b, '\n');
	if (t->child)
		text_node(o, t->child, ind + 2);
}

static void text_node(struct out *o, const struct node *nd, unsigned ind)
{
	spfc_buf *b = o->b;
	size_t i;

	indent(b, ind);
	add_safes(b, nd->domain);
	spfc_buf_adds(b, ": ");
	if (nd->status == N_MULTIPLE) {
		spfc_buf_addu(b, nd->nspf);
		spfc_buf_adds(b, " SPF records\n");
		for (i = 0; i < nd->nspf; i++) {
			indent(b, ind + 2);
			add_safe(b, nd->spf[i], nd->spf_len[i]);
			spfc_buf_addc(b, '\n');
		}
		return;
	}
	if (!nd->record) {
		spfc_buf_adds(b, status_words(nd->status));
		spfc_buf_addc(b, '\n');
		return;
	}
	add_safe(b, nd->record, nd->len);
	if (nd->nstrings > 1) {
		spfc_buf_adds(b, " (");
		spfc_buf_addu(b, nd->nstrings);
		spfc_buf_adds(b, " strings)");
	}
	spfc_buf_addc(b, '\n');
	for (i = 0; i < nd->nterms; i++)
		text_term(o, nd, &nd->terms[i], ind + 2);
}

static void text_findings(struct out *o, const struct finding *f, size_t n)
{
	spfc_buf *b = o->b;
	size_t i;

	for (i = 0; i < n; i++) {
		spfc_buf_adds(b, "  ");
		sev_word(o, f[i].sev);
		spfc_buf_adds(b, ": ");
		add_safes(b, f[i].domain);
		if (f[i].term_len) {
			spfc_buf_adds(b, ": ");
			add_safe(b, f[i].term, f[i].term_len);
			spfc_buf_adds(b, " (at ");
			spfc_buf_addu(b, f[i].pos);
			spfc_buf_addc(b, ')');
		}
		spfc_buf_adds(b, ": ");
		add_safes(b, f[i].msg);
		spfc_buf_addc(b, '\n');
	}
}

/* ---- The check of --ip ----------------------------------------------- */

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
};

/* Why the walk cannot say what term t does for a client: NULL when it
 * can. */
static const char *walk_gap(const struct lterm *t)
{
	if (t->counted && !t->target)
		return "its target depends on the client or sender";
	if (t->counted && t->skipped)
		return "not looked up";
	if (t->bad_target)
		return NULL;
	switch (t->type) {
	case SPFC_TERM_EXISTS:
		if (rc_failed(t->rc) || rc_void(t->rc))
			return NULL;
		return "exists is not evaluated by the walk";
	case SPFC_TERM_PTR:
		return "ptr depends on the client's reverse DNS";
	case SPFC_TERM_INCLUDE:
	case SPFC_TERM_REDIRECT:
		return t->child ? NULL : "not followed";
	default:
		return NULL;
	}
}

/* Following the check's events through the walked tree: the record and
 * the last term at each depth. */
struct follow {
	struct checked *k;
	const struct node *root;
	const struct node *at[FOLLOW_MAX_DEPTH + 1];
	const struct lterm *last[FOLLOW_MAX_DEPTH + 1];
	const char *pending;	/* the gap of the term just reached */
	const struct lterm *pending_t;
	const char *pending_dom;
};

static void follow_gap(struct follow *w, const char *why,
		       const struct lterm *t, const char *dom)
{
	if (w->k->gap)
		return;
	w->k->gap = why;
	w->k->gap_t = t;
	w->k->gap_dom = dom;
}

/* check_host() of a domain at depth d: the walked record it is. */
static void follow_host(struct follow *w, unsigned d, const char *domain)
{
	const struct node *nd = NULL;
	const struct lterm *up = d >= 2 ? w->last[d - 1] : NULL;

	if (w->at[d] && w->last[d] &&
	    w->last[d]->type == SPFC_TERM_REDIRECT)
		nd = w->last[d]->child;
	else if (d == 1 && !w->at[1])
		nd = w->root;
	else if (up && up->type == SPFC_TERM_INCLUDE)
		nd = up->child;
	w->at[d] = nd;
	w->last[d] = NULL;
	if (!nd)
		return;
	if (nd->status == N_TOODEEP)
		follow_gap(w, "nested too deep", NULL, nd->domain);
	else if (nd->status != N_LOOP &&
		 !eq_nocase(nd->domain, strlen(nd->domain), domain,
			    strip_dot(domain, strlen(domain))))
		w->k->changed = 1;
}

static void follow_term(struct follow *w, unsigned d, const spfc_event *ev)
{
	const struct node *nd = w->at[d];
	const struct lterm *t;

	w->last[d] = NULL;
	if (!nd || ev->index >= nd->nterms)
		return;
	t = &nd->terms[ev->index];
	if (t->len != ev->term_len || memcmp(t->text, ev->term, t->len) != 0) {
		w->k->changed = 1;
		return;
	}
	w->last[d] = t;
	w->pending = walk_gap(t);
	w->pending_t = t;
	w->pending_dom = nd->domain;
}

/* The record the check read at depth d against the walk's. */
static void follow_record(struct follow *w, unsigned d, const spfc_event *ev)
{
	const struct node *nd = w->at[d];

	if (!nd || nd->status == N_LOOP || nd->status == N_TOODEEP)
		return;
	if (ev->kind == SPFC_EV_NO_RECORD) {
		if (nd->status == N_OK)
			w->k->changed = 1;
	} else if (!nd->record || nd->len != ev->text_len ||
		   memcmp(nd->record, ev->text, nd->len) != 0) {
		w->k->changed = 1;
	}
}

static void on_event(const spfc_check *c, const spfc_event *ev, void *arg)
{
	struct follow *w = arg;
	unsigned d = ev->depth;

	(void)c;
	if (ev->kind == SPFC_EV_LIMIT && ev->limit == SPFC_LIMIT_LOOKUPS)
		w->pending = NULL;	/* the limit decides, not the term */
	if (w->pending)
		follow_gap(w, w->pending, w->pending_t, w->pending_dom);
	w->pending = NULL;
	if (d > FOLLOW_MAX_DEPTH)
		return;
	switch (ev->kind) {
	case SPFC_EV_CHECK_HOST:
		follow_host(w, d, ev->domain);
		break;
	case SPFC_EV_TERM:
		follow_term(w, d, ev);
		break;
	case SPFC_EV_RECORD:
	case SPFC_EV_NO_RECORD:
		follow_record(w, d, ev);
		break;
	default:
		break;
	}
}

/* The walked record and term of each step of the decider path. */
static int path_map(struct checked *k, const struct node *root)
{
	const struct node *nd = root;
	size_t i;

	k->npath = 0;
	k->decided = spfc_check_decider(k->c, &k->path, &k->npath);
	k->terms = calloc(k->npath ? k->npath : 1, sizeof *k->terms);
	k->nodes = calloc(k->npath ? k->npath : 1, sizeof *k->nodes);
	if (!k->terms || !k->nodes)
		return -1;
	for (i = 0; i < k->npath && nd; i++) {
		const spfc_step *st = &k->path[i];
		const struct lterm *t;

		if (st->index >= nd->nterms)
			break;
		t = &nd->terms[st->index];
		if (t->len != st->term_len ||
		    memcmp(t->text, st->term, t->len) != 0)
			break;
		k->nodes[i] = nd;
		k->terms[i] = t;
		nd = t->child;
		if (nd && nd->status == N_LOOP) {
			/* The walk stops where the loop closes; the check
			 * goes round until the lookup limit. */
			k->npath = i + 1;
			break;
		}
	}
	return 0;
}

/* Run the check of --ip through r with the library's own evaluation,
 * following it through the walked tree.  SPFC_OK or the status of
 * spfc_check_new(); out of memory after the check sets L->nomem. */
static spfc_status run_check(struct lint *L, spfc_resolver *r,
			     const spfc_options *o, const spfc_request *req,
			     struct checked *k)
{
	struct follow w;
	spfc_status st = spfc_check_new(r, o, req, &k->c);

	if (st != SPFC_OK)
		return st;
	memset(&w, 0, sizeof w);
	w.k = k;
	w.root = L->root;
	spfc_check_set_events(k->c, on_event, &w);
	spfc_check_drive(k->c);
	if (path_map(k, L->root) < 0)
		L->nomem = 1;
	return SPFC_OK;
}

static void checked_free(struct checked *k)
{
	spfc_check_free(k->c);
	free(k->terms);
	free(k->nodes);
}

/* The check ended in an error at the last step of the path. */
static int path_error(const struct checked *k)
{
	return k->decided == SPFC_DECIDED_ERROR;
}

static void path_note(const struct checked *k, spfc_buf *b)
{
	if (k->gap) {
		spfc_buf_adds(b, "not known from the walk: ");
		if (k->gap_t) {
			add_safe(b, k->gap_t->text, k->gap_t->len);
			spfc_buf_adds(b, " at ");
			add_safes(b, k->gap_dom);
			spfc_buf_adds(b, ": ");
		}
		spfc_buf_adds(b, k->gap);
	} else if (k->changed) {
		spfc_buf_adds(b, "the check read records other than the "
			      "walk's: did DNS change in between?");
	} else if (k->decided == SPFC_DECIDED_NONE) {
		spfc_buf_adds(b, "no SPF record");
	} else if (k->decided == SPFC_DECIDED_ERROR && k->npath == 0) {
		spfc_buf_adds(b, "the check stopped with an error");
	} else if (k->decided == SPFC_DECIDED_DEFAULT) {
		spfc_buf_adds(b, "no term matched: the default is neutral");
	}
}

/* Step i of the path: its domain as the walk spells it, its host without
 * a trailing dot (NULL: none). */
static const char *step_domain(const struct checked *k, size_t i)
{
	return k->nodes[i] ? k->nodes[i]->domain : k->path[i].domain;
}

static void add_host(spfc_buf *b, const char *host)
{
	size_t n = strip_dot(host, strlen(host));

	if (n)
		add_safe(b, host, n);
	else
		spfc_buf_addc(b, '.');
}

static void text_check(struct out *o, const struct checked *k, int trace)
{
	spfc_buf *b = o->b;
	const spfc_check *c = k->c;
	const char *s;
	size_t i;
	spfc_buf note;

	spfc_buf_adds(b, "\ncheck: ");
	add_addr(b, spfc_check_ip(c));
	spfc_buf_adds(b, spfc_check_scope(c) == SPFC_SCOPE_HELO
				 ? " with HELO " : " as ");
	add_safes(b, spfc_check_scope(c) == SPFC_SCOPE_HELO
			     ? spfc_check_helo(c) : spfc_check_sender(c));
	spfc_buf_adds(b, "\n  result: ");
	spfc_buf_adds(b, spfc_result_name(spfc_check_result(c)));
	s = spfc_check_mechanism(c);
	if (*s) {
		spfc_buf_adds(b, " (mechanism ");
		add_safes(b, s);
		spfc_buf_addc(b, ')');
	}
	s = spfc_check_problem(c);
	if (*s) {
		spfc_buf_adds(b, " (");
		add_safes(b, s);
		spfc_buf_addc(b, ')');
	}
	spfc_buf_addc(b, '\n');
	s = spfc_check_explanation(c);
	if (*s) {
		spfc_buf_adds(b, "  explanation: ");
		add_safes(b, s);
		spfc_buf_addc(b, '\n');
	}
	spfc_buf_adds(b, "  path: ");
	spfc_buf_init(&note, 0);
	path_note(k, &note);
	if (!note.len) {
		if (path_error(k))
			spfc_buf_adds(b, "stopped at ");
		for (i = 0; i < k->npath; i++) {
			const spfc_step *st = &k->path[i];

			if (i)
				spfc_buf_adds(b, " > ");
			add_safes(b, step_domain(k, i));
			spfc_buf_addc(b, ' ');
			add_safe(b, st->term, st->term_len);
			if (st->host) {
				spfc_buf_adds(b, " (");
				add_host(b, st->host);
				spfc_buf_addc(b, ')');
			}
		}
	} else {
		spfc_buf_add(b, spfc_buf_str(&note), note.len);
	}
	spfc_buf_free(&note);
	spfc_buf_addc(b, '\n');
	if (!trace)
		return;
	for (s = spfc_check_trace(c); *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		spfc_buf_adds(b, "  trace: ");
		add_safe(b, s, n);
		spfc_buf_addc(b, '\n');
		s += n + (nl ? 1 : 0);
	}
}

static void json_check(struct jw *j, const struct checked *k)
{
	const spfc_check *c = k->c;
	spfc_buf note;
	const char *s;
	size_t i;

	jw_open(j, "check", '{');
	jw_key(j, "ip");
	spfc_buf_addc(j->b, '"');
	add_addr(j->b, spfc_check_ip(c));
	spfc_buf_addc(j->b, '"');
	jw_str(j, "sender", spfc_check_sender(c));
	jw_str(j, "helo", spfc_check_helo(c));
	jw_str(j, "scope", spfc_check_scope(c) == SPFC_SCOPE_HELO ? "helo"
								  : "mfrom");
	jw_str(j, "result", spfc_result_name(spfc_check_result(c)));
	jw_str(j, "mechanism", spfc_check_mechanism(c));
	jw_str(j, "problem", spfc_check_problem(c));
	jw_str(j, "explanation", spfc_check_explanation(c));
	jw_num(j, "lookups", spfc_check_lookups(c));
	jw_num(j, "void_lookups", spfc_check_voids(c));
	spfc_buf_init(&note, 0);
	path_note(k, &note);
	if (!note.len) {
		jw_open(j, "path", '[');
		for (i = 0; i < k->npath; i++) {
			const spfc_step *st = &k->path[i];

			jw_open(j, NULL, '{');
			jw_str(j, "domain", step_domain(k, i));
			jw_strn(j, "term", st->term, st->term_len);
			jw_num(j, "position", st->offset + 1);
			jw_strn(j, "host", st->host, st->host
				? strip_dot(st->host, strlen(st->host)) : 0);
			jw_close(j, '}');
		}
		jw_close(j, ']');
		if (path_error(k))
			jw_str(j, "path_note", "the check stopped with an "
			       "error at the last step");
		else
			jw_null(j, "path_note");
	} else {
		jw_null(j, "path");
		jw_strn(j, "path_note", spfc_buf_str(&note), note.len);
	}
	spfc_buf_free(&note);
	jw_open(j, "trace", '[');
	for (s = spfc_check_trace(c); *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		jw_strn(j, NULL, s, n);
		s += n + (nl ? 1 : 0);
	}
	jw_close(j, ']');
	jw_close(j, '}');
}

/* ---- Flatten output -------------------------------------------------- */

static void range_list(const struct flat *fl, int family, spfc_buf *b,
		       int full)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (fl->v[i].family == family)
			range_terms(&fl->v[i], b, full);
}

/* The candidate record as quoted character-strings. */
static void quoted_strings(const struct flat *fl, spfc_buf *b,
			   const char *sep)
{
	size_t cuts[RECORD_MAX / STRING_MAX + 2], n, i, st = 0;

	n = split_strings(fl->record, fl->len, cuts,
			  sizeof cuts / sizeof cuts[0]);
	if (n > sizeof cuts / sizeof cuts[0])
		n = sizeof cuts / sizeof cuts[0];	/* never: it fits */
	for (i = 0; i < n; i++) {
		if (i)
			spfc_buf_adds(b, sep);
		spfc_buf_addc(b, '"');
		spfc_buf_add(b, fl->record + st, cuts[i] - st);
		spfc_buf_addc(b, '"');
		st = cuts[i];
	}
}

static void text_flat(struct out *o, const struct flat *fl)
{
	spfc_buf *b = o->b, terms;
	const char *p, *e;
	size_t i;

	spfc_buf_adds(b, "\nflatten:\n");
	spfc_buf_init(&terms, OUT_MAX);
	range_list(fl, 4, &terms, 0);
	range_list(fl, 6, &terms, 0);
	if (terms.err && !b->err)
		b->err = terms.err;
	for (p = spfc_buf_str(&terms); *p; p = e) {
		p++;	/* the space before each term */
		e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		spfc_buf_adds(b, "  ");
		spfc_buf_add(b, p, (size_t)(e - p));
		spfc_buf_addc(b, '\n');
	}
	if (!terms.len)
		spfc_buf_adds(b, "  (no addresses)\n");
	spfc_buf_free(&terms);
	if (fl->has_ttl) {
		spfc_buf_adds(b, "  good for ");
		spfc_buf_addu(b, fl->ttl);
		spfc_buf_adds(b, " s (the shortest TTL of the records "
				 "used)\n");
	} else {
		spfc_buf_adds(b, "  good for: unknown (no TTL was seen)\n");
	}
	for (i = 0; i < fl->nno; i++) {
		spfc_buf_adds(b, "  cannot flatten ");
		add_safes(b, fl->no[i].domain);
		if (fl->no[i].term_len) {
			spfc_buf_addc(b, ' ');
			add_safe(b, fl->no[i].term, fl->no[i].term_len);
		}
		spfc_buf_adds(b, ": ");
		spfc_buf_adds(b, fl->no[i].msg);
		spfc_buf_addc(b, '\n');
	}
	if (fl->nno) {
		spfc_buf_adds(b, "  no candidate record: the tree holds terms "
				 "that cannot be flattened\n");
		return;
	}
	if (!fl->record || !fl->fits) {
		spfc_buf_adds(b, "  no candidate record: it would be ");
		spfc_buf_addu(b, fl->len);
		spfc_buf_adds(b, " bytes in ");
		spfc_buf_addu(b, fl->nstrings);
		spfc_buf_adds(b, " strings, a TXT answer of ");
		spfc_buf_addu(b, fl->answer);
		spfc_buf_adds(b, " bytes (more than 512); split the networks "
				 "over ");
		spfc_buf_addu(b, fl->includes);
		spfc_buf_adds(b, " records, each reached with include:\n");
		return;
	}
	spfc_buf_adds(b, "  candidate record (");
	spfc_buf_addu(b, fl->len);
	spfc_buf_adds(b, " bytes in ");
	spfc_buf_addu(b, fl->nstrings);
	spfc_buf_adds(b, fl->nstrings == 1 ? " string" : " strings");
	spfc_buf_adds(b, ", a TXT answer of ");
	spfc_buf_addu(b, fl->answer);
	spfc_buf_adds(b, " bytes, no lookups):\n    ");
	quoted_strings(fl, b, "\n    ");
	spfc_buf_addc(b, '\n');
}

static void json_flat(struct jw *j, const struct flat *fl)
{
	spfc_buf terms;
	const char *p, *e;
	size_t i;
	int fam;

	jw_open(j, "flatten", '{');
	spfc_buf_init(&terms, OUT_MAX);
	for (fam = 4; fam <= 6; fam += 2) {
		spfc_buf_reset(&terms);
		range_list(fl, fam, &terms, 1);
		if (terms.err && !j->b->err)
			j->b->err = terms.err;
		jw_open(j, fam == 4 ? "ip4" : "ip6", '[');
		for (p = spfc_buf_str(&terms); *p; p = e) {
			p += 5;	/* " ip4:" */
			e = strchr(p, ' ');
			if (!e)
				e = p + strlen(p);
			jw_strn(j, NULL, p, (size_t)(e - p));
		}
		jw_close(j, ']');
	}
	spfc_buf_free(&terms);
	if (fl->has_ttl)
		jw_num(j, "ttl", fl->ttl);
	else
		jw_null(j, "ttl");
	jw_bool(j, "complete", fl->nno == 0);
	jw_open(j, "not_flattened", '[');
	for (i = 0; i < fl->nno; i++) {
		jw_open(j, NULL, '{');
		jw_str(j, "domain", fl->no[i].domain);
		if (fl->no[i].term_len) {
			jw_strn(j, "term", fl->no[i].term, fl->no[i].term_len);
			jw_num(j, "position", fl->no[i].pos);
		} else {
			jw_null(j, "term");
			jw_null(j, "position");
		}
		jw_str(j, "reason", fl->no[i].msg);
		jw_close(j, '}');
	}
	jw_close(j, ']');
	jw_num(j, "record_size", fl->len);
	jw_num(j, "strings", fl->nstrings);
	jw_num(j, "answer_size", fl->answer);
	jw_bool(j, "fits", fl->nno == 0 && fl->record && fl->fits);
	if (fl->nno == 0 && fl->record && fl->fits) {
		jw_str(j, "record", fl->record);
		jw_open(j, "txt_strings", '[');
		{
			size_t cuts[RECORD_MAX / STRING_MAX + 2], n, st = 0;

			n = split_strings(fl->record, fl->len, cuts,
					  sizeof cuts / sizeof cuts[0]);
			if (n > sizeof cuts / sizeof cuts[0])
				n = sizeof cuts / sizeof cuts[0];
			for (i = 0; i < n; i++) {
				jw_strn(j, NULL, fl->record + st, cuts[i] - st);
				st = cuts[i];
			}
		}
		jw_close(j, ']');
	} else {
		jw_null(j, "record");
		jw_num(j, "includes_needed", fl->nno ? 0 : fl->includes);
	}
	jw_close(j, '}');
}

/* ---- The lint ------------------------------------------------------- */

static int use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term &&
	       strcmp(term, "dumb") != 0;
}

/* The 11th DNS-querying term, in evaluation order, or NULL. */
static const struct lterm *eleventh(const struct node *nd, unsigned *seen,
				    const char **dom)
{
	size_t i;

	if (!nd)
		return NULL;
	for (i = 0; i < nd->nterms; i++) {
		const struct lterm *t = &nd->terms[i], *x;

		if (!t->reached || !t->counted)
			continue;
		if (++*seen == LOOKUP_LIMIT + 1) {
			*dom = nd->domain;
			return t;
		}
		x = eleventh(t->child, seen, dom);
		if (x)
			return x;
	}
	return NULL;
}

static void tree_findings(struct lint *L)
{
	struct node *root = L->root;
	char num[24];

	switch (root->status) {
	case N_NXDOMAIN:
	case N_NODATA:
	case N_NOSPF:
		finding(L, SEV_ERROR, root->domain, NULL, status_words(
			root->status), ": receivers get none, and nothing stops "
			"others from sending mail as this domain");
		break;
	case N_SERVFAIL:
	case N_TIMEOUT:
		finding(L, SEV_ERROR, root->domain, NULL, status_words(
			root->status), ": receivers return temperror");
		break;
	default:
		break;
	}
	if (root->total > LOOKUP_LIMIT) {
		unsigned seen = 0;
		const char *dom = root->domain;
		const struct lterm *t = eleventh(root, &seen, &dom);

		finding(L, SEV_ERROR, dom, t, "the tree has ",
			utoa(root->total, num), " DNS-querying terms, more "
			"than the 10 RFC 7208 section 4.6.4 allows",
			t ? "; this is the 11th: receivers that get this far "
			    "return permerror" : "");
	}
	void_findings(L);
}

/* Fill in the request of the check: the sender at the linted domain
 * (postmaster by default), the HELO name (the domain by default).  0, or
 * LINT_EXIT_USAGE after complaining. */
static int check_request(const struct lint_request *q, const char *domain,
			 spfc_request *req, spfc_buf *sender)
{
	*req = *q->check;
	if (req->scope == SPFC_SCOPE_HELO) {
		if (req->helo && *req->helo &&
		    !eq_nocase(req->helo, strip_dot(req->helo,
						    strlen(req->helo)),
			       domain, strlen(domain))) {
			complain("with --lint and --scope helo, --helo must be "
				 "the linted domain, not", req->helo);
			return LINT_EXIT_USAGE;
		}
		req->helo = domain;
		req->sender = NULL;
		return 0;
	}
	if (req->sender && *req->sender) {
		const char *at = strrchr(req->sender, '@');
		const char *sd = at ? at + 1 : req->sender;

		if (!eq_nocase(sd, strip_dot(sd, strlen(sd)), domain,
			       strlen(domain))) {
			complain("with --lint, --sender must be at the linted "
				 "domain, not", req->sender);
			return LINT_EXIT_USAGE;
		}
	} else {
		spfc_buf_adds(sender, "postmaster@");
		spfc_buf_adds(sender, domain);
		req->sender = spfc_buf_str(sender);
	}
	if (!req->helo || !*req->helo)
		req->helo = domain;
	return 0;
}

static void text_report(struct out *o, struct lint *L, const struct flat *fl,
			const struct checked *k, int trace)
{
	spfc_buf *b = o->b;
	const struct node *root = L->root;
	struct voids v;
	size_t i, shown, nsev[3] = {0, 0, 0};
	int first = 1;

	text_node(o, root, 0);
	spfc_buf_adds(b, "lookups: ");
	spfc_buf_addu(b, root->total);
	spfc_buf_adds(b, " of 10");
	for (i = 0, shown = 0; i < root->nterms; i++) {
		const struct lterm *t = &root->terms[i];

		if (!t->counted)
			continue;
		if (shown++ == LOOKUP_LIST_MAX) {
			spfc_buf_adds(b, ", ...");
			break;
		}
		spfc_buf_adds(b, first ? " (" : ", ");
		add_safe(b, t->text, t->len);
		spfc_buf_addc(b, ' ');
		spfc_buf_addu(b, t->cost);
		first = 0;
	}
	spfc_buf_adds(b, first ? "\n" : ")\n");
	memset(&v, 0, sizeof v);
	count_voids(root, &v);
	spfc_buf_adds(b, "void lookups: ");
	spfc_buf_addu(b, v.n[0]);
	spfc_buf_adds(b, " of 2");
	if (v.n[0] != v.n[1]) {
		spfc_buf_adds(b, " for IPv4 clients, ");
		spfc_buf_addu(b, v.n[1]);
		spfc_buf_adds(b, " of 2 for IPv6 clients");
	}
	spfc_buf_addc(b, '\n');
	for (i = 0; i < L->nf; i++)
		nsev[L->f[i].sev]++;
	if (L->nf == 0) {
		spfc_buf_adds(b, "findings: none\n");
	} else {
		spfc_buf_adds(b, "findings: ");
		spfc_buf_addu(b, nsev[SEV_ERROR]);
		spfc_buf_adds(b, nsev[SEV_ERROR] == 1 ? " error, " : " errors, ");
		spfc_buf_addu(b, nsev[SEV_WARNING]);
		spfc_buf_adds(b, nsev[SEV_WARNING] == 1 ? " warning, "
						       : " warnings, ");
		spfc_buf_addu(b, nsev[SEV_INFO]);
		spfc_buf_adds(b, " info\n");
		text_findings(o, L->f, L->nf);
	}
	if (fl)
		text_flat(o, fl);
	if (k)
		text_check(o, k, trace);
}

static void json_report(spfc_buf *b, struct lint *L, const struct flat *fl,
			const struct checked *k)
{
	struct jw j;
	struct voids v;
	size_t i, nsev[3] = {0, 0, 0};

	memset(&j, 0, sizeof j);
	j.b = b;
	jw_open(&j, NULL, '{');
	jw_str(&j, "domain", L->top);
	jw_open(&j, "findings", '[');
	for (i = 0; i < L->nf; i++) {
		const struct finding *f = &L->f[i];

		nsev[f->sev]++;
		jw_open(&j, NULL, '{');
		jw_str(&j, "severity", sev_name(f->sev));
		jw_str(&j, "domain", f->domain);
		if (f->term_len) {
			jw_strn(&j, "term", f->term, f->term_len);
		} else {
			jw_null(&j, "term");
		}
		jw_str(&j, "message", f->msg);
		if (f->pos)
			jw_num(&j, "position", f->pos);
		else
			jw_null(&j, "position");
		jw_close(&j, '}');
	}
	jw_close(&j, ']');
	jw_num(&j, "errors", nsev[SEV_ERROR]);
	jw_num(&j, "warnings", nsev[SEV_WARNING]);
	jw_num(&j, "info", nsev[SEV_INFO]);
	jw_num(&j, "lookups", L->root->total);
	memset(&v, 0, sizeof v);
	count_voids(L->root, &v);
	jw_open(&j, "void_lookups", '{');
	jw_num(&j, "ipv4", v.n[0]);
	jw_num(&j, "ipv6", v.n[1]);
	jw_close(&j, '}');
	json_node(&j, "tree", L->root);
	if (fl)
		json_flat(&j, fl);
	if (k)
		json_check(&j, k);
	jw_close(&j, '}');
	spfc_buf_addc(b, '\n');
}

int lint_main(spfc_resolver *r, const struct lint_request *q)
{
	struct lint L;
	struct flat fl;
	struct checked k;
	spfc_request req;
	spfc_buf out, sender;
	struct out o;
	char *domain = NULL;
	size_t i, dlen;
	int rc = LINT_EXIT_ENV;
	spfc_status st;

	memset(&L, 0, sizeof L);
	memset(&fl, 0, sizeof fl);
	memset(&k, 0, sizeof k);
	spfc_buf_init(&out, OUT_MAX);
	spfc_buf_init(&sender, 0);

	dlen = strip_dot(q->domain, strlen(q->domain));
	for (i = 0; i < dlen; i++) {
		unsigned char c = (unsigned char)q->domain[i];

		if (c <= 0x20 || c >= 0x7f)
			break;
	}
	if (i < dlen || !spfc_name_valid(q->domain, dlen)) {
		complain("--lint wants a domain name, not", q->domain);
		rc = LINT_EXIT_USAGE;
		goto done;
	}
	domain = dupn(q->domain, dlen);
	if (!domain)
		goto nomem;
	if (q->check) {
		rc = check_request(q, domain, &req, &sender);
		if (rc)
			goto done;
		if (sender.err)
			goto nomem;
	}

	L.r = r;
	L.budget_ms = q->opt->timeout_ms > 0 ? q->opt->timeout_ms
					      : ROUND_BUDGET_MS;
	L.top = domain;
	L.root = walk(&L, domain, VIA_TOP, 0, 0);
	if (!L.root)
		goto nomem;
	tree_findings(&L);
	if (L.dropped) {
		char num[24];

		finding(&L, SEV_INFO, NULL, NULL, utoa(L.dropped, num),
			" more findings are not shown");
	}
	if (q->flatten) {
		flatten_node(&L, &fl, L.root, 1);
		flat_merge(&fl);
		flat_candidate(&L, &fl);
	}
	if (q->check) {
		st = run_check(&L, r, q->opt, &req, &k);
		if (st == SPFC_EINVAL) {
			complain("the sender, HELO or receiver name is too long",
				 NULL);
			rc = LINT_EXIT_USAGE;
			goto done;
		}
		if (st != SPFC_OK)
			goto nomem;
	}
	if (L.nomem)
		goto nomem;

	o.b = &out;
	o.color = !q->json && use_color();
	if (q->json)
		json_report(&out, &L, q->flatten ? &fl : NULL,
			    q->check ? &k : NULL);
	else
		text_report(&o, &L, q->flatten ? &fl : NULL,
			    q->check ? &k : NULL, q->opt->trace != 0);
	if (out.err == SPFC_ELIMIT) {
		complain("the report is too long", NULL);
		rc = LINT_EXIT_ENV;
		goto done;
	}
	if (out.err || L.nomem)
		goto nomem;
	if (write_stdout(&out) < 0) {
		rc = LINT_EXIT_ENV;
		goto done;
	}
	rc = L.maxsev == SEV_ERROR     ? LINT_EXIT_ERROR
	     : L.maxsev == SEV_WARNING ? LINT_EXIT_WARNING
				       : LINT_EXIT_CLEAN;
	goto done;
nomem:
	complain(spfc_strerror(SPFC_ENOMEM), NULL);
	rc = LINT_EXIT_ENV;
done:
	checked_free(&k);
	flat_free(&fl);
	node_free(L.root);
	for (i = 0; i < L.nf; i++) {
		free(L.f[i].domain);
		free(L.f[i].term);
		free(L.f[i].msg);
	}
	free(L.f);
	for (i = 0; i < L.ncache; i++) {
		if (!L.cache[i]->done)
			spfc_resolver_cancel(r, L.cache[i]->id);
		answer_free(L.cache[i]);
	}
	free(L.cache);
	free(domain);
	spfc_buf_free(&out);
	spfc_buf_free(&sender);
	return rc;
}
