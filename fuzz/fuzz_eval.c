/*
 * fuzz_eval.c - libFuzzer target for the SPF evaluator end to end
 * (src/lib/eval.c over the zone resolver): check_host() of RFC 7208 on a
 * zone built from the input.
 *
 * Input:
 *   line 1  client IP (text; 192.0.2.3 when it does not parse)
 *   line 2  sender (MAIL FROM; empty: postmaster@HELO)
 *   line 3  HELO name
 *   line 4  options: letters up to the first space, then (if any) a
 *           record that stands in for the domain's own (options.record):
 *             H  scope HELO          X  exp= for a SoftFail too
 *             D  default_exp "DEFAULT"   R  receiver "receiver.example"
 *             Ln Mn Pn Vn  lookup / MX / PTR / void limit n (one digit)
 *             Tn...  time budget in ms (digits; default 20 s)
 *             Cn  cancel the second run after n resolver rounds
 *   then    zone-file text (docs/zone-format.md) up to the first NUL,
 *   then    binary records after that NUL: a list of operations on a
 *           fixed table of names (the sender's domain, the HELO name, the
 *           client's reverse name, a.example .. h.example, and
 *           _spf.<sender domain>) that build what text rarely reaches:
 *           CNAME chains and loops, TXT answers of 64 KiB or of empty
 *           strings, many MX or A records, SPF records assembled from
 *           terms that point at the table, TIMEOUT and SERVFAIL marks.
 *
 * The check runs twice on fresh resolvers: with spfc_check_run() and a
 * trace, then driven by hand without one (optionally cancelled part way).
 * Rules checked:
 *  - the result is one of the seven; the two runs agree on the result,
 *    the deciding term, the problem and the counters (tracing changes
 *    nothing);
 *  - DNS-querying terms <= lookup limit + 1 and void lookups <= void
 *    limit + 1 (the one that breaks the limit is counted, RFC 7208
 *    §4.6.4), with PermError when a limit was passed;
 *  - queries sent <= 1 (the record) + L * (1 + M) (each counted term: its
 *    own query, and for mx one address query per MX name) + (1 + P) (the
 *    PTR data, fetched once for ptr and %{p}) + 1 (exp=), and equal to
 *    what the resolver counted;
 *  - the simulated clock never passes the deadline; the evaluator never
 *    waits on nothing ("resolver stalled");
 *  - the trace and the problem text are printable ASCII (the trace with
 *    '\n' line ends), bounded; a trace that was not cut ends with the
 *    line of the counters (so no NUL hides its end);
 *  - the explanation is set only for a Fail (or a SoftFail with X), and a
 *    Fail without exp= gets the default; the deciding term is set only
 *    for pass/fail/softfail/neutral; the problem for every error result;
 *  - the callback runs exactly once; after spfc_check_free() no query is
 *    left pending and no callback runs.
 *
 * How it fails: abort() on any broken rule; out of memory ends the input's
 * run quietly.
 */
#include "name.h"

#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>
#include <spfc/zone.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bounds of src/lib/eval.c (EVAL_TRACE_MAX, EVAL_PROBLEM_MAX,
 * EVAL_IDENTITY_MAX) as its API documents them to callers. */
#define FUZZ_TRACE_MAX 65536
#define FUZZ_PROBLEM_MAX 512
#define FUZZ_IDENTITY_MAX 1024
/* A trace shorter than FUZZ_TRACE_MAX by this much was never cut: no
 * single append to it is longer (problem texts are at most 512 bytes). */
#define FUZZ_TRACE_SLACK 1024
/* The longest time budget an input may ask for (ms, simulated). */
#define FUZZ_TIMEOUT_MAX 100000
/* TXT building blocks: RFC 1035 §3.3 strings, §3.2.1 RDATA. */
#define FUZZ_TXT_STRING_MAX 255
#define FUZZ_TXT_STRINGS_MAX 255	/* 255 * (1 + 255) <= 65535 */
#define FUZZ_TERMS_MAX 12		/* terms in an assembled record */
#define FUZZ_ASSEMBLED_MAX 2040		/* its bytes: 8 strings of 255 */
#define FUZZ_MANY_MAX 64		/* MX / A records in one "many" op */
#define FUZZ_RESOLVER_ROUNDS_MAX 100000	/* process() calls per check */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- The name table of the binary part ----------------------------- */

enum { N_SDOMAIN, N_HELO, N_REVERSE, N_FIXED, NNAMES = N_FIXED + 9 };

static const char *const fixed_names[] = {
	"a.example", "b.example", "c.example", "d.example",
	"e.example", "f.example", "g.example", "h.example",
};

struct names {
	spfc_buf n[NNAMES];
};

static const char *nm(const struct names *t, unsigned i)
{
	return spfc_buf_str(&t->n[i % NNAMES]);
}

/* ---- Binary operations --------------------------------------------- */

struct cur {
	const unsigned char *p, *end;
};

static int get(struct cur *c, unsigned *v)
{
	if (c->p >= c->end)
		return -1;
	*v = *c->p++;
	return 0;
}

static void add_txt1(spfc_zone *z, const char *name, const char *s,
		     size_t n)
{
	const char *strings[1] = {s};
	size_t lens[1] = {n};

	spfc_zone_add_txt(z, name, strings, lens, 1);
}

/* A record assembled from terms pointing at the table. */
static void assemble(spfc_zone *z, const struct names *t,
		     const spfc_addr *ip, struct cur *c, const char *owner)
{
	static const char quals[] = "+-~?";
	char ipt[SPFC_ADDR_TEXT_MAX];
	unsigned k, i, kind, idx, q;
	spfc_buf b;

	if (get(c, &k) < 0)
		return;
	spfc_buf_init(&b, FUZZ_ASSEMBLED_MAX);
	spfc_buf_adds(&b, "v=spf1");
	spfc_addr_format(ip, ipt, sizeof ipt);
	for (i = 0; i < k % FUZZ_TERMS_MAX + 1; i++) {
		if (get(c, &kind) < 0 || get(c, &idx) < 0 || get(c, &q) < 0)
			break;
		spfc_buf_addc(&b, ' ');
		if (q & 4)
			spfc_buf_addc(&b, quals[q & 3]);
		switch (kind % 20) {
		case 0: spfc_buf_adds(&b, "all"); break;
		case 1: spfc_buf_adds(&b, "include:"); spfc_buf_adds(&b, nm(t, idx)); break;
		case 2: spfc_buf_adds(&b, "a:"); spfc_buf_adds(&b, nm(t, idx)); break;
		case 3: spfc_buf_adds(&b, "a/24//64"); break;
		case 4: spfc_buf_adds(&b, "mx:"); spfc_buf_adds(&b, nm(t, idx)); break;
		case 5: spfc_buf_adds(&b, "mx"); break;
		case 6: spfc_buf_adds(&b, "ptr:"); spfc_buf_adds(&b, nm(t, idx)); break;
		case 7: spfc_buf_adds(&b, "ptr"); break;
		case 8: spfc_buf_adds(&b, "exists:"); spfc_buf_adds(&b, nm(t, idx)); break;
		case 9:
			spfc_buf_adds(&b, ip->family == 4 ? "ip4:" : "ip6:");
			spfc_buf_adds(&b, ipt);
			spfc_buf_addc(&b, '/');
			spfc_buf_addu(&b, idx % (ip->family == 4 ? 33u : 129u));
			break;
		case 10: spfc_buf_adds(&b, "redirect="); spfc_buf_adds(&b, nm(t, idx)); break;
		case 11: spfc_buf_adds(&b, "exp="); spfc_buf_adds(&b, nm(t, idx)); break;
		case 12: spfc_buf_adds(&b, "exists:%{i}."); spfc_buf_adds(&b, nm(t, idx)); break;
		case 13: spfc_buf_adds(&b, "exists:%{p}."); spfc_buf_adds(&b, nm(t, idx)); break;
		case 14: spfc_buf_adds(&b, "include:%{d}"); break;
		case 15: spfc_buf_adds(&b, "a:%{l}.%{o}"); break;
		case 16: spfc_buf_adds(&b, "redirect=%{d2}"); break;
		case 17: spfc_buf_adds(&b, "exists:%{ir}.%{v}._spf.%{d}"); break;
		case 18: spfc_buf_adds(&b, "exp=%{h}"); break;
		default: spfc_buf_adds(&b, "moo=%{s}"); break;
		}
	}
	if (!b.err) {	/* split into character-strings */
		const char *strs[FUZZ_ASSEMBLED_MAX / FUZZ_TXT_STRING_MAX + 1];
		size_t lens[FUZZ_ASSEMBLED_MAX / FUZZ_TXT_STRING_MAX + 1];
		size_t off, ns = 0;

		for (off = 0; off < b.len; off += FUZZ_TXT_STRING_MAX) {
			strs[ns] = b.data + off;
			lens[ns++] = b.len - off < FUZZ_TXT_STRING_MAX
					     ? b.len - off : FUZZ_TXT_STRING_MAX;
		}
		spfc_zone_add_txt(z, owner, strs, lens, ns);
	}
	spfc_buf_free(&b);
}

static const char *const exps[] = {
	"%{i} is not one of %{d}'s designated mail servers.",
	"%{p} %{c} %{r} %{t} %{h} %{s} %{l} %{o} %{v}",
	"%{S}%{L}%{O}%{D}%{I}%{P}%{H}%{C}%{R}%{T}%{V}",
	"%{d10r-.+,/_=}%%%_%-",
	"%{p}",
	"",
};

static void binary(spfc_zone *z, const struct names *t, const spfc_addr *ip,
		   const unsigned char *p, size_t n)
{
	struct cur c = {p, p + n};
	unsigned op, idx, v, k, i;
	char s[FUZZ_TXT_STRING_MAX];

	while (get(&c, &op) == 0 && get(&c, &idx) == 0) {
		const char *name = nm(t, idx);
		spfc_addr a;

		switch (op % 17) {
		case 0:		/* TXT: one string */
		case 1:		/* TXT: an empty string */
			if (get(&c, &v) < 0)
				return;
			if (op % 17 == 1)
				v = 0;
			if ((size_t)(c.end - c.p) < v)
				v = (unsigned)(c.end - c.p);
			add_txt1(z, name, (const char *)c.p, v);
			c.p += v;
			break;
		case 2: {	/* TXT: many strings of one repeated piece */
			const char *strs[FUZZ_TXT_STRINGS_MAX];
			size_t lens[FUZZ_TXT_STRINGS_MAX];
			unsigned len, spf;

			if (get(&c, &k) < 0 || get(&c, &len) < 0 ||
			    get(&c, &spf) < 0)
				return;
			if ((size_t)(c.end - c.p) < len)
				len = (unsigned)(c.end - c.p);
			memcpy(s, c.p, len);
			c.p += len;
			k = k % FUZZ_TXT_STRINGS_MAX + 1;
			for (i = 0; i < k; i++) {
				strs[i] = s;
				lens[i] = len;
			}
			if (spf & 1) {	/* an SPF record of 64 KiB */
				strs[0] = "v=spf1 ";
				lens[0] = 7;
			}
			spfc_zone_add_txt(z, name, strs, lens, k);
			break;
		}
		case 3:		/* CNAME */
			if (get(&c, &v) < 0)
				return;
			spfc_zone_add_cname(z, name, nm(t, v));
			break;
		case 4:		/* the client's own address */
			spfc_zone_add_addr(z, name, ip);
			break;
		case 5:		/* A */
		case 6:		/* AAAA */
			memset(&a, 0, sizeof a);
			a.family = op % 17 == 5 ? 4 : 6;
			for (i = 0; i < (a.family == 4 ? 4u : 16u); i++) {
				if (get(&c, &v) < 0)
					return;
				a.b[i] = (unsigned char)v;
			}
			spfc_zone_add_addr(z, name, &a);
			break;
		case 7:		/* MX */
			if (get(&c, &v) < 0 || get(&c, &k) < 0)
				return;
			spfc_zone_add_mx(z, name, v, nm(t, k));
			break;
		case 8:		/* many MX, targets round the table */
			if (get(&c, &k) < 0)
				return;
			for (i = 0; i < k % FUZZ_MANY_MAX + 1; i++)
				spfc_zone_add_mx(z, name, i, nm(t, idx + i + 1));
			break;
		case 9:		/* many A/AAAA, near the client's address */
			if (get(&c, &k) < 0)
				return;
			a = *ip;
			for (i = 0; i < k % FUZZ_MANY_MAX + 1; i++) {
				a.b[a.family == 4 ? 3 : 15] ^= (unsigned char)(i + 1);
				spfc_zone_add_addr(z, name, &a);
			}
			break;
		case 10:	/* PTR */
			if (get(&c, &v) < 0)
				return;
			spfc_zone_add_ptr(z, name, nm(t, v));
			break;
		case 11:
			spfc_zone_add_empty(z, name);
			break;
		case 12:
			spfc_zone_mark(z, name, SPFC_ZONE_TIMEOUT);
			break;
		case 13:
			spfc_zone_mark(z, name, SPFC_ZONE_SERVFAIL);
			break;
		case 14:	/* an SPF record of table terms */
			assemble(z, t, ip, &c, name);
			break;
		case 15:	/* an explanation */
			if (get(&c, &v) < 0)
				return;
			add_txt1(z, name, exps[v % (sizeof exps / sizeof exps[0])],
				 strlen(exps[v % (sizeof exps / sizeof exps[0])]));
			break;
		default:	/* a CNAME chain through the fixed names */
			if (get(&c, &k) < 0)
				return;
			for (i = 0; i < k % 16; i++)
				spfc_zone_add_cname(z, nm(t, idx + i),
						    nm(t, idx + i + 1));
			break;
		}
	}
}

/* ---- The request --------------------------------------------------- */

struct req {
	char *line[4];
	spfc_options o;
	spfc_request r;
	unsigned cancel_after;	/* 0: no cancel */
	char *record;
};

/* Take the next line (without '\n') from [*p, end). */
static char *take_line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, *p, n);
		s[n] = '\0';
	}
	*p += n + (nl ? 1 : 0);
	return s;
}

static void parse_options(struct req *q)
{
	const char *s = q->line[3];
	unsigned long t;

	spfc_options_init(&q->o);
	for (; *s && *s != ' '; s++) {
		unsigned d = s[1] >= '0' && s[1] <= '9' ? (unsigned)(s[1] - '0')
							 : 10u;
		switch (*s) {
		case 'H': q->r.scope = SPFC_SCOPE_HELO; break;
		case 'X': q->o.exp_softfail = 1; break;
		case 'D': q->o.default_exp = "DEFAULT"; break;
		case 'R': q->o.receiver = "receiver.example"; break;
		case 'L': if (d < 10) q->o.lookup_limit = d; break;
		case 'M': if (d < 10) q->o.mx_limit = d; break;
		case 'P': if (d < 10) q->o.ptr_limit = d; break;
		case 'V': if (d < 10) q->o.void_limit = d; break;
		case 'C': if (d < 10) q->cancel_after = d + 1; break;
		case 'T':
			for (t = 0; s[1] >= '0' && s[1] <= '9'; s++)
				if (t < FUZZ_TIMEOUT_MAX)
					t = t * 10 + (unsigned long)(s[1] - '0');
			q->o.timeout_ms = t > FUZZ_TIMEOUT_MAX ? FUZZ_TIMEOUT_MAX
							       : (int64_t)t;
			break;
		}
	}
	if (*s == ' ' && s[1])
		q->o.record = s + 1;
}

static int bad_identity(const char *s)
{
	return strchr(s, '\r') != NULL || strlen(s) > FUZZ_IDENTITY_MAX;
}

/* ---- Checking a finished check ------------------------------------- */

static int all_printable(const char *s, int nl_ok)
{
	for (; *s; s++)
		if (!((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) &&
		    !(nl_ok && *s == '\n'))
			return 0;
	return 1;
}

/* s contains w, ASCII case-insensitively. */
static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w), i;

	for (; *s; s++) {
		for (i = 0; i < n && s[i] && sc_to_lower(s[i]) == w[i]; i++)
			;
		if (i == n)
			return 1;
	}
	return 0;
}

static unsigned long query_bound(const spfc_options *o)
{
	return 1ul + (unsigned long)o->lookup_limit * (1ul + o->mx_limit) +
	       (1ul + o->ptr_limit) + 1ul;
}

static void check_done(const spfc_check *c, const spfc_options *o,
		       spfc_resolver *r, int traced)
{
	spfc_result res = spfc_check_result(c);
	const char *mech = spfc_check_mechanism(c);
	const char *prob = spfc_check_problem(c);
	const char *exp = spfc_check_explanation(c);
	const char *trace = spfc_check_trace(c);
	int decided = res == SPFC_PASS || res == SPFC_FAIL ||
		      res == SPFC_SOFTFAIL || res == SPFC_NEUTRAL;
	int error = res == SPFC_TEMPERROR || res == SPFC_PERMERROR;
	size_t tlen = strlen(trace);
	int64_t timeout = o->timeout_ms > 0 ? o->timeout_ms : 20000;

	if (!spfc_check_done(c) || res > SPFC_PERMERROR)
		abort();
	if (spfc_check_lookups(c) > o->lookup_limit + 1 ||
	    spfc_check_voids(c) > o->void_limit + 1)
		abort();
	if ((spfc_check_lookups(c) > o->lookup_limit ||
	     spfc_check_voids(c) > o->void_limit) &&
	    res != SPFC_PERMERROR)
		abort();
	if (spfc_check_queries(c) > query_bound(o) ||
	    spfc_check_queries(c) != spfc_resolver_queries(r))
		abort();
	if (spfc_resolver_now(r) > timeout)
		abort();
	if (!strcmp(prob, "resolver stalled"))
		abort();
	if (decided && (!*mech || *prob))
		abort();
	if (!decided && *mech)
		abort();
	if (error && !*prob)
		abort();
	if (strlen(prob) > FUZZ_PROBLEM_MAX || !all_printable(prob, 0) ||
	    !all_printable(mech, 0))
		abort();
	if (*exp && res != SPFC_FAIL && !(res == SPFC_SOFTFAIL && o->exp_softfail))
		abort();
	if (res == SPFC_FAIL && o->default_exp && !*exp &&
	    !has_word(spfc_check_record(c), "exp=") &&
	    !has_word(spfc_check_record(c), "redirect="))
		abort();	/* no exp= anywhere: the default applies */
	if (!spfc_check_domain(c) || !spfc_check_sender(c) ||
	    !spfc_check_helo(c) || !spfc_check_record(c))
		abort();
	if (tlen > FUZZ_TRACE_MAX || !all_printable(trace, 1))
		abort();
	if (!traced && tlen)
		abort();
	if (traced && tlen < FUZZ_TRACE_MAX - FUZZ_TRACE_SLACK) {
		/* not cut short (no sticky error, no NUL inside): the trace
		 * ends with the counters' line */
		spfc_buf want;

		spfc_buf_init(&want, 0);
		spfc_buf_adds(&want, "\nlookups: ");
		spfc_buf_addu(&want, spfc_check_lookups(c));
		spfc_buf_addc(&want, '/');
		spfc_buf_addu(&want, o->lookup_limit);
		spfc_buf_adds(&want, ", void lookups: ");
		spfc_buf_addu(&want, spfc_check_voids(c));
		spfc_buf_addc(&want, '/');
		spfc_buf_addu(&want, o->void_limit);
		spfc_buf_adds(&want, ", DNS queries: ");
		spfc_buf_addu(&want, spfc_check_queries(c));
		spfc_buf_addc(&want, '\n');
		if (!want.err && (tlen < want.len ||
				  memcmp(trace + tlen - want.len, want.data,
					 want.len) != 0))
			abort();
		spfc_buf_free(&want);
	}
}

/* ---- The second run, by hand ---------------------------------------- */

struct cbstate {
	int runs;
};

static void on_done(spfc_check *c, void *arg)
{
	struct cbstate *s = arg;

	if (!spfc_check_done(c))
		abort();
	s->runs++;
}

static void by_hand(spfc_zone *z, const struct req *q, const spfc_check *ref)
{
	spfc_resolver *r = NULL;
	spfc_check *c = NULL;
	spfc_options o = q->o;
	struct cbstate cb = {0};
	unsigned rounds = 0;
	spfc_status st;

	o.trace = 0;
	if (spfc_zone_resolver_new(z, &r) != SPFC_OK)
		return;
	st = spfc_check_new(r, &o, &q->r, &c);
	if (st == SPFC_ENOMEM)
		goto out;
	if (st != SPFC_OK)
		abort();
	spfc_check_start(c, on_done, &cb);
	while (!spfc_check_done(c)) {
		int64_t dl = spfc_check_deadline(c);

		if (q->cancel_after && rounds == q->cancel_after) {
			spfc_check_free(c);
			c = NULL;
			if (cb.runs || spfc_resolver_pending(r))
				abort();
			/* nothing may answer into the freed check */
			spfc_resolver_process(r, spfc_resolver_now(r) + 10);
			goto out;
		}
		if (spfc_resolver_now(r) >= dl) {
			spfc_check_expire(c);
			break;
		}
		if (spfc_resolver_process(r, dl) == 0 &&
		    spfc_resolver_pending(r) == 0 && !spfc_check_done(c) &&
		    spfc_resolver_now(r) < dl)
			abort();	/* the check waits on nothing */
		if (++rounds > FUZZ_RESOLVER_ROUNDS_MAX)
			abort();
	}
	if (cb.runs != 1)
		abort();
	check_done(c, &o, r, 0);
	if (spfc_check_result(c) != spfc_check_result(ref) ||
	    spfc_check_lookups(c) != spfc_check_lookups(ref) ||
	    spfc_check_voids(c) != spfc_check_voids(ref) ||
	    spfc_check_queries(c) != spfc_check_queries(ref) ||
	    strcmp(spfc_check_mechanism(c), spfc_check_mechanism(ref)) ||
	    strcmp(spfc_check_problem(c), spfc_check_problem(ref)) ||
	    strcmp(spfc_check_record(c), spfc_check_record(ref)))
		abort();
	/* after the result nothing is left in flight */
	if (spfc_resolver_pending(r))
		abort();
out:
	spfc_check_free(c);
	spfc_resolver_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nul = memchr(p, '\0', size);
	const char *tend = nul ? nul : p + size;
	spfc_zone *z = NULL;
	spfc_resolver *r = NULL;
	spfc_check *c = NULL;
	struct names t;
	struct req q;
	const char *at, *sd;
	spfc_status st;
	size_t i;

	memset(&q, 0, sizeof q);
	for (i = 0; i < NNAMES; i++)
		spfc_buf_init(&t.n[i], NAME_MAX_LEN + 8);
	for (i = 0; i < 4; i++)
		if (!(q.line[i] = take_line(&p, tend)))
			goto out;
	q.r.scope = SPFC_SCOPE_MFROM;
	parse_options(&q);
	if (spfc_addr_parse(q.line[0], &q.r.ip) != SPFC_OK)
		spfc_addr_parse("192.0.2.3", &q.r.ip);
	q.r.sender = q.line[1];
	q.r.helo = q.line[2];

	if (spfc_zone_new(&z) != SPFC_OK)
		goto out;
	spfc_zone_load(z, p, (size_t)(tend - p), NULL);

	/* the name table */
	at = strrchr(q.line[1], '@');
	sd = at ? at + 1 : *q.line[1] ? q.line[1] : q.line[2];
	spfc_buf_adds(&t.n[N_SDOMAIN], sd);
	spfc_buf_adds(&t.n[N_HELO], q.line[2]);
	name_reverse(&q.r.ip, &t.n[N_REVERSE]);
	for (i = 0; i < sizeof fixed_names / sizeof fixed_names[0]; i++)
		spfc_buf_adds(&t.n[N_FIXED + i], fixed_names[i]);
	spfc_buf_adds(&t.n[NNAMES - 1], "_spf.");
	spfc_buf_adds(&t.n[NNAMES - 1], sd);
	if (nul)
		binary(z, &t, &q.r.ip, (const unsigned char *)nul + 1,
		       size - (size_t)(nul + 1 - (const char *)data));

	/* run 1: the blocking wrapper, traced */
	if (spfc_zone_resolver_new(z, &r) != SPFC_OK)
		goto out;
	q.o.trace = 1;
	st = spfc_check_run(r, &q.o, &q.r, &c);
	if (st == SPFC_ENOMEM)
		goto out;
	if (st == SPFC_EINVAL) {
		if (!bad_identity(q.line[1]) && !bad_identity(q.line[2]))
			abort();
		goto out;
	}
	if (st != SPFC_OK || !c)
		abort();
	check_done(c, &q.o, r, 1);

	/* run 2: by hand, untraced */
	by_hand(z, &q, c);
out:
	spfc_check_free(c);
	spfc_resolver_free(r);
	spfc_zone_free(z);
	for (i = 0; i < NNAMES; i++)
		spfc_buf_free(&t.n[i]);
	for (i = 0; i < 4; i++)
		free(q.line[i]);
	return 0;
}
