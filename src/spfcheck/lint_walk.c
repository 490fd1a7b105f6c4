/*
 * lint_walk.c - the tree walk: fetch a domain's SPF record, resolve each
 * DNS-querying term (a, mx, exists, the exp= text) and follow every
 * include and redirect= target, counting lookups as the library does
 * (spfc_term_lookups), with the findings the answers give.
 *
 * How it fails: bounded by WALK_MAX_LOOKUPS terms resolved and
 * WALK_MAX_DEPTH levels, past which it says what it did not look at; out
 * of memory sets L->nomem and ends the branch.
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	a4 = dns_start(L, h->name, SPFC_RR_A);
	a6 = dns_start(L, h->name, SPFC_RR_AAAA);
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
	dns_start(L, h->name, SPFC_RR_A);
	dns_start(L, h->name, SPFC_RR_AAAA);
	dns_drive(L);
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
	struct answer *a = dns_lookup(L, t->target, type);

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
			dns_start(L, h->name, SPFC_RR_A);
			dns_start(L, h->name, SPFC_RR_AAAA);
		}
	}
	dns_drive(L);
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
	a = dns_lookup(L, t->target, SPFC_RR_TXT);
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
	struct answer *a = dns_lookup(L, nd->domain, SPFC_RR_TXT);
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
			if (rr->len >= 6 && sc_eq_nocase(rr->text, 6, "v=spf1", 6))
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
		vendor_finding(L, nd, t);	/* lint_vendor.c */
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

/* Parse nd's record (nd->record, nd->len) and walk its terms; walk()
 * after the fetch, and --against for a record given as text. */
void walk_record(struct lint *L, struct node *nd, unsigned depth)
{
	size_t i;
	int bad;

	bad = parse_record(L, nd);
	if (bad != 0) {
		nd->status = N_SYNTAX;
		if (bad > 0 && nd->nstrings > 1)
			finding(L, SEV_INFO, nd->domain, NULL, "the record is "
				"published as several strings, which receivers "
				"join without spaces (RFC 7208 section 3.3): a "
				"string that does not end in a space glues two "
				"terms together");
		return;
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
}

struct node *walk(struct lint *L, const char *domain, enum how how,
		  int in_include, unsigned depth)
{
	struct node *nd = calloc(1, sizeof *nd);
	size_t i;

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
		if (sc_streq_nocase(L->path[i], domain)) {
			nd->status = N_LOOP;
			return nd;
		}
	}
	L->path[depth] = nd->domain;
	fetch(L, nd);
	if (nd->status == N_OK && nd->record)
		walk_record(L, nd, depth);
	return nd;
}

void node_free(struct node *nd)
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
