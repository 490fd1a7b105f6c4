/*
 * lint_chain.c - a candidate record too large for one TXT answer of 512
 * bytes (RFC 7208 §3.4) split into a chain: the record at the domain
 * includes _spf1.DOMAIN, _spf2.DOMAIN, ..., each of which lists networks
 * of one result.  The candidate's pieces are disjoint (lint_prove.c),
 * so their order does not matter: the networks of a fail are listed in
 * a record reached with -include:, those of a pass with include:, and
 * an include's record gives pass exactly for the networks it lists.
 * Each record is filled as far as its answer stays within 512 bytes;
 * whole records are then written back into the top record as long as it
 * fits, each saving a lookup.
 *
 * How it fails: a chain of more than the lookup limit of includes is
 * not built (ch->too_many); out of memory sets L->nomem.
 */
#include "lint_int.h"

#include "common/ascii.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHAIN_MAX (LOOKUP_LIMIT + 1)	/* records with the top one */
#define SUB_MAX 64			/* records filled before giving up */

/* One record below the domain while it is filled. */
struct sub {
	char q;		/* the qualifier of its include */
	spfc_buf terms;	/* " ip4:... ip6:..." */
	int inl;	/* written into the top record instead */
};

struct filler {
	struct lint *L;
	struct sub s[SUB_MAX];
	size_t n;
	int open[4];	/* the sub being filled per class, or -1 */
	size_t dlen;
	size_t top_extra;	/* the other TXT answers at the domain */
	const char *tail;	/* the candidate's all and exp= */
	int over;	/* more than SUB_MAX records */
};

static int cls(char q)
{
	return q == '+' ? 0 : q == '-' ? 1 : q == '~' ? 2 : 3;
}

/* The size of the TXT answer holding text at a name of namelen bytes. */
static size_t answer_size(size_t namelen, size_t textlen, size_t extra,
			  const char *text)
{
	return WIRE_HEADER + namelen + 2 + WIRE_QFIXED + WIRE_RRFIXED +
	       textlen + split_strings(text, textlen, NULL, 0) + extra;
}

/* A sub's record: "v=spf1" terms " -all" (its all never ends the parent;
 * it keeps receivers that query it directly from a neutral). */
static void sub_record(const struct sub *s, spfc_buf *b)
{
	spfc_buf_adds(b, "v=spf1");
	spfc_buf_add(b, spfc_buf_str(&s->terms), s->terms.len);
	spfc_buf_adds(b, " -all");
}

static int sub_fits(struct filler *f, const struct sub *s, const char *more,
		    size_t morelen)
{
	spfc_buf b;
	int ok;

	spfc_buf_init(&b, OUT_MAX);
	sub_record(s, &b);
	spfc_buf_add(&b, more, morelen);
	/* "_spfNN." : two digits, the longest a chain within the limit
	 * needs */
	ok = !b.err && answer_size(7 + f->dlen, b.len, 0, b.data) <= UDP_MAX;
	if (b.err)
		f->L->nomem = 1;
	spfc_buf_free(&b);
	return ok;
}

/* Add one term (" ip4:...") of class q. */
static void fill_term(struct filler *f, char q, const char *t, size_t len)
{
	int c = cls(q);
	struct sub *s;

	if (f->open[c] >= 0 && !sub_fits(f, &f->s[f->open[c]], t, len))
		f->open[c] = -1;
	if (f->open[c] < 0) {
		if (f->n == SUB_MAX) {
			f->over = 1;
			return;
		}
		s = &f->s[f->n];
		s->q = q;
		s->inl = 0;
		spfc_buf_init(&s->terms, OUT_MAX);
		f->open[c] = (int)f->n++;
	}
	spfc_buf_add(&f->s[f->open[c]].terms, t, len);
}

static void fill(struct filler *f, const struct flat *fl)
{
	spfc_buf t;
	size_t i;

	spfc_buf_init(&t, OUT_MAX);
	/* The disjoint pieces: in a chain the order of the includes could
	 * not keep an exception before its network. */
	for (i = 0; i < fl->npieces && !f->over; i++) {
		const char *p, *e;

		spfc_buf_reset(&t);
		range_terms(&fl->pieces[i], &t, 0, 0);
		if (t.err) {
			f->L->nomem = 1;
			break;
		}
		for (p = spfc_buf_str(&t); *p && !f->over; p = e) {
			e = strchr(p + 1, ' ');
			if (!e)
				e = p + strlen(p);
			fill_term(f, fl->pieces[i].q, p, (size_t)(e - p));
		}
	}
	spfc_buf_free(&t);
}

/* Terms of s with its qualifier before each. */
static void add_qualified(spfc_buf *b, const struct sub *s)
{
	const char *p = spfc_buf_str(&s->terms);

	for (; *p; p++) {
		spfc_buf_addc(b, *p);
		if (*p == ' ' && s->q != '+')
			spfc_buf_addc(b, s->q);
	}
}

static void sub_name(const struct filler *f, size_t k, spfc_buf *b)
{
	spfc_buf_adds(b, "_spf");
	spfc_buf_addu(b, k);
	spfc_buf_addc(b, '.');
	spfc_buf_adds(b, f->L->top);
}

/* The top record; the subs not written into it are numbered from 1. */
static void top_record(const struct filler *f, spfc_buf *b)
{
	size_t i, k = 0;

	spfc_buf_adds(b, "v=spf1");
	for (i = 0; i < f->n; i++) {
		const struct sub *s = &f->s[i];

		if (s->inl) {
			add_qualified(b, s);
			continue;
		}
		spfc_buf_addc(b, ' ');
		if (s->q != '+')
			spfc_buf_addc(b, s->q);
		spfc_buf_adds(b, "include:");
		sub_name(f, ++k, b);
	}
	spfc_buf_adds(b, f->tail);
}

static int top_fits(struct filler *f)
{
	spfc_buf b;
	int ok;

	spfc_buf_init(&b, OUT_MAX);
	top_record(f, &b);
	ok = !b.err && answer_size(f->dlen, b.len, f->top_extra,
				   b.data) <= UDP_MAX;
	if (b.err)
		f->L->nomem = 1;
	spfc_buf_free(&b);
	return ok;
}

/* Write whole subs into the top record, smallest first, while it fits. */
static void inline_subs(struct filler *f)
{
	for (;;) {
		size_t i, best = f->n;

		for (i = 0; i < f->n; i++)
			if (!f->s[i].inl &&
			    (best == f->n ||
			     f->s[i].terms.len < f->s[best].terms.len))
				best = i;
		if (best == f->n)
			return;
		f->s[best].inl = 1;
		if (!top_fits(f)) {
			f->s[best].inl = 0;
			return;
		}
	}
}

static int chain_add(struct chain *ch, spfc_buf *name, spfc_buf *rec,
		     size_t answer)
{
	size_t k = ch->n;

	if (name->err || rec->err)
		return -1;
	ch->len[k] = rec->len;
	ch->answer[k] = answer;
	ch->name[k] = spfc_buf_take(name);
	ch->rec[k] = spfc_buf_take(rec);
	if (!ch->name[k] || !ch->rec[k])
		return -1;
	ch->n++;
	return 0;
}

static int chain_alloc(struct chain *ch, size_t n)
{
	ch->name = calloc(n, sizeof *ch->name);
	ch->rec = calloc(n, sizeof *ch->rec);
	ch->len = calloc(n, sizeof *ch->len);
	ch->answer = calloc(n, sizeof *ch->answer);
	return ch->name && ch->rec && ch->len && ch->answer ? 0 : -1;
}

/* The records of the chain from what fill() and inline_subs() chose. */
static int chain_write(struct filler *f, struct chain *ch)
{
	spfc_buf name, rec;
	size_t i, k = 0;
	int err = 0;

	for (i = 0; i < f->n; i++)
		if (!f->s[i].inl)
			k++;
	ch->lookups = (unsigned)k;
	if (k > LOOKUP_LIMIT) {
		ch->too_many = 1;
		return 0;
	}
	if (chain_alloc(ch, k + 1) < 0)
		return -1;
	spfc_buf_init(&name, OUT_MAX);
	spfc_buf_init(&rec, OUT_MAX);
	spfc_buf_adds(&name, f->L->top);
	top_record(f, &rec);
	err = chain_add(ch, &name, &rec,
			answer_size(f->dlen, rec.len, f->top_extra, rec.data));
	for (i = 0, k = 0; i < f->n && !err; i++) {
		if (f->s[i].inl)
			continue;
		spfc_buf_reset(&name);
		spfc_buf_reset(&rec);
		sub_name(f, ++k, &name);
		sub_record(&f->s[i], &rec);
		err = chain_add(ch, &name, &rec,
				answer_size(name.len, rec.len, 0, rec.data));
	}
	spfc_buf_free(&name);
	spfc_buf_free(&rec);
	return err;
}

/* Split a candidate that does not fit one answer into a chain. */
void flat_chain(struct lint *L, struct flat *fl)
{
	struct filler f;
	spfc_buf nets;
	size_t i;

	if (fl->nno || !fl->record || fl->fits)
		return;
	memset(&f, 0, sizeof f);
	f.L = L;
	for (i = 0; i < 4; i++)
		f.open[i] = -1;
	f.dlen = sc_strip_dot(L->top, strlen(L->top));
	f.top_extra = fl->answer - answer_size(f.dlen, fl->len, 0,
					       fl->record);
	/* The candidate is "v=spf1", its networks, then its all and exp=. */
	spfc_buf_init(&nets, OUT_MAX);
	for (i = 0; i < fl->n; i++)
		range_terms(&fl->v[i], &nets, 0, 1);
	f.tail = nets.err || nets.len + 6 > fl->len ? ""
						      : fl->record + 6 + nets.len;
	spfc_buf_free(&nets);
	fill(&f, fl);
	if (f.over) {
		fl->chain.too_many = 1;
		fl->chain.lookups = SUB_MAX;
	} else {
		inline_subs(&f);
		if (chain_write(&f, &fl->chain) < 0)
			L->nomem = 1;
	}
	for (i = 0; i < f.n; i++)
		spfc_buf_free(&f.s[i].terms);
}

void chain_free(struct chain *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++) {
		free(ch->name[i]);
		free(ch->rec[i]);
	}
	free(ch->name);
	free(ch->rec);
	free(ch->len);
	free(ch->answer);
}

/* ---- Output ----------------------------------------------------------- */

/* The record as a zone-file line: NAME. TTL IN TXT "..." "...". */
static void zone_line(spfc_buf *b, const struct flat *fl, size_t k)
{
	const struct chain *ch = &fl->chain;
	size_t cuts[RECORD_MAX / STRING_MAX + 2], n, i, st = 0;

	add_safes(b, ch->name[k]);
	spfc_buf_adds(b, ". ");
	spfc_buf_addu(b, fl->has_ttl ? fl->ttl : 3600);
	spfc_buf_adds(b, " IN TXT");
	n = split_strings(ch->rec[k], ch->len[k], cuts,
			  sizeof cuts / sizeof cuts[0]);
	for (i = 0; i < n && i < sizeof cuts / sizeof cuts[0]; i++) {
		spfc_buf_adds(b, " \"");
		add_safe(b, ch->rec[k] + st, cuts[i] - st);
		spfc_buf_addc(b, '"');
		st = cuts[i];
	}
}

void text_chain(spfc_buf *b, const struct flat *fl)
{
	const struct chain *ch = &fl->chain;
	size_t k;

	if (!ch->n && !ch->too_many)
		return;
	if (ch->too_many) {
		spfc_buf_adds(b, "  no chain either: it would take more than ");
		spfc_buf_addu(b, LOOKUP_LIMIT);
		spfc_buf_adds(b, " includes\n");
		return;
	}
	spfc_buf_adds(b, "  split into ");
	spfc_buf_addu(b, ch->n);
	spfc_buf_adds(b, " records, ");
	spfc_buf_addu(b, ch->lookups);
	spfc_buf_adds(b, ch->lookups == 1 ? " lookup" : " lookups");
	spfc_buf_adds(b, ", each TXT answer within 512 bytes (zone-file "
			 "lines, TTL the shortest of the records used):\n");
	for (k = 0; k < ch->n; k++) {
		spfc_buf_adds(b, "    ");
		zone_line(b, fl, k);
		spfc_buf_adds(b, "\n");
	}
	text_proof(b, &ch->proof, "the chain");
}

void json_chain(struct jw *j, const struct flat *fl)
{
	const struct chain *ch = &fl->chain;
	size_t k;

	if (!ch->n && !ch->too_many) {
		jw_null(j, "chain");
		return;
	}
	jw_open(j, "chain", '{');
	jw_num(j, "lookups", ch->lookups);
	jw_bool(j, "within_limit", !ch->too_many);
	jw_num(j, "ttl", fl->has_ttl ? fl->ttl : 3600);
	jw_open(j, "records", '[');
	for (k = 0; k < ch->n; k++) {
		spfc_buf line;

		jw_open(j, NULL, '{');
		jw_str(j, "name", ch->name[k]);
		jw_str(j, "record", ch->rec[k]);
		jw_num(j, "answer_size", ch->answer[k]);
		spfc_buf_init(&line, OUT_MAX);
		zone_line(&line, fl, k);
		jw_strn(j, "zone_line", spfc_buf_str(&line), line.len);
		if (line.err && !j->b->err)
			j->b->err = line.err;
		spfc_buf_free(&line);
		jw_close(j, '}');
	}
	jw_close(j, ']');
	json_proof(j, "equivalence", &ch->proof);
	jw_close(j, '}');
}
