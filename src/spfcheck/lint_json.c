/*
 * lint_json.c - the JSON report (--json): the findings, the counts, the
 * tree, the flattened lists and the check of --ip, written with json.h's
 * writer; every string from DNS is escaped.
 *
 * How it fails: only through the output buffer's sticky error (OUT_MAX).
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

static void json_node(struct jw *j, const char *key, const struct node *nd);

static void json_term(struct jw *j, const struct node *nd,
		      const struct lterm *t)
{
	size_t i, k;
	char q[2] = {t->qual, '\0'};

	jw_open(j, NULL, '{');
	jw_strn(j, "term", t->text, t->len);
	jw_num(j, "position", t->pos);
	jw_str(j, "type", spfc_term_kind_name(t->type));
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
	counts_json(j, k);
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
				? sc_strip_dot(st->host, strlen(st->host)) : 0);
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
			int pass = p[1] == 'i';	/* not "-ip4:" etc. */

			p += pass ? 5 : 6;	/* " ip4:" */
			e = strchr(p, ' ');
			if (!e)
				e = p + strlen(p);
			if (pass)
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
	json_proof(j, "equivalence", &fl->proof);	/* lint_prove.c */
	json_chain(j, fl);				/* lint_chain.c */
	jw_close(j, '}');
}

void json_report(spfc_buf *b, struct lint *L, const struct flat *fl,
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
	space_json(&j, L);
	json_node(&j, "tree", L->root);
	if (fl)
		json_flat(&j, fl);
	if (k)
		json_check(&j, k);
	if (L->drift)
		json_drift(&j, L->drift);
	jw_close(&j, '}');
	spfc_buf_addc(b, '\n');
}
