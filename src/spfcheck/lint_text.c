/*
 * lint_text.c - the text report: the tree, the lookup counts, the
 * findings (coloured on a terminal), the flattened lists and the check of
 * --ip.  Text from DNS is sanitized and bounded (TEXT_OUT_MAX).
 *
 * How it fails: only through the output buffer's sticky error (OUT_MAX).
 */
#include "lint_int.h"

#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Output pieces ------------------------------------------------- */

const char *sev_name(enum sev s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

const char *status_name(enum nstatus s)
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

const char *status_words(enum nstatus s)
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

void add_addr(spfc_buf *b, const spfc_addr *a)
{
	char txt[SPFC_ADDR_TEXT_MAX];

	spfc_addr_format(a, txt, sizeof txt);
	spfc_buf_adds(b, txt);
}

/* Text from outside, made printable and bounded. */
void add_safe(spfc_buf *b, const char *s, size_t len)
{
	spfc_sanitize(b, s, len, TEXT_OUT_MAX);
}

void add_safes(spfc_buf *b, const char *s)
{
	add_safe(b, s, strlen(s));
}

/* ---- Text ------------------------------------------------------------ */

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
		spfc_buf_adds(b, ": receivers look up ");
		vendor_name(b, o->top, nd, t);
		spfc_buf_adds(b, " (not flattenable)");
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
	counts_text(b, k);
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
	if (fl->record && !fl->fits && fl->chain.n) {
		text_chain(b, fl);	/* lint_chain.c */
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
		text_chain(b, fl);	/* lint_chain.c: why there is none */
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
	text_proof(b, &fl->proof, "the candidate");	/* lint_prove.c */
}

void text_report(struct out *o, struct lint *L, const struct flat *fl,
		 const struct checked *k, int trace)
{
	spfc_buf *b = o->b;
	const struct node *root = L->root;
	struct voids v;
	size_t i, shown, nsev[3] = {0, 0, 0};
	int first = 1;

	o->top = L->top;
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
	space_text(b, L);
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
	if (L->drift)
		text_drift(o, L->drift);
}
