/*
 * lint_counts.c - the lookup counts of the check of --ip as the library's
 * evaluation kept them (the running counts of its events, RFC 7208
 * §4.6.4), in total and per include, set against the walk's: both count
 * with spfc_term_lookups(), so an include whose record the check
 * evaluated to its end must cost the same in both; when it does not (DNS
 * changed between the walk and the check, or the counts disagree) it is
 * an error finding.
 *
 * An include's cost in the evaluator is its running count at the
 * include's result less the count when the term was reached (the term
 * event comes before the term is counted).  An include whose record
 * stopped at a matching mechanism other than all did not reach the rest
 * of its terms: its cost is shown, not compared.
 *
 * How it fails: out of memory sets L->nomem or drops the per-include
 * lines (ec->nomem); at most EC_INC_MAX includes are followed.
 */
#include "lint_int.h"

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/spfc.h>

#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EC_INC_MAX 256		/* includes followed in one check */
#define EC_NONE ((size_t)-1)

struct evinc {
	const struct lterm *t;	/* the walked include term */
	const char *domain;	/* the walked record holding it */
	unsigned start, cost;
	int done;		/* its record gave a result */
	int early;		/* ... at a matching mechanism before its end */
};

struct evcount {
	struct evinc v[EC_INC_MAX];
	size_t n;
	size_t open[FOLLOW_MAX_DEPTH + 2];	/* the include at a depth */
	unsigned lookups, voids;
	int ended;
};

static struct evcount *ec_get(struct checked *k)
{
	size_t i;

	if (!k->ec) {
		k->ec = calloc(1, sizeof *k->ec);
		if (!k->ec)
			return NULL;
		for (i = 0; i < FOLLOW_MAX_DEPTH + 2; i++)
			k->ec->open[i] = EC_NONE;
	}
	return k->ec;
}

void counts_event(struct checked *k, const spfc_event *ev,
		  const struct node *nd, const struct lterm *t)
{
	struct evcount *ec = ec_get(k);
	unsigned d = ev->depth;
	size_t i;

	if (!ec || d > FOLLOW_MAX_DEPTH)
		return;
	switch (ev->kind) {
	case SPFC_EV_TERM:
		ec->open[d] = EC_NONE;
		if (!t || !nd || ev->term_kind != SPFC_TERM_INCLUDE ||
		    ec->n == EC_INC_MAX)
			break;
		i = ec->n++;
		memset(&ec->v[i], 0, sizeof ec->v[i]);
		ec->v[i].t = t;
		ec->v[i].domain = nd->domain;
		ec->v[i].start = ev->lookups;
		ec->open[d] = i;
		break;
	case SPFC_EV_MATCH:
		if (d >= 2 && ec->open[d - 1] != EC_NONE &&
		    ev->term_kind != SPFC_TERM_ALL)
			ec->v[ec->open[d - 1]].early = 1;
		break;
	case SPFC_EV_INCLUDE_RESULT:
		if (d >= 2 && ec->open[d - 1] != EC_NONE) {
			struct evinc *e = &ec->v[ec->open[d - 1]];

			e->cost = ev->lookups - e->start;
			e->done = 1;
			ec->open[d - 1] = EC_NONE;
		}
		break;
	case SPFC_EV_RESULT:
		ec->lookups = ev->lookups;
		ec->voids = ev->voids;
		ec->ended = 1;
		break;
	default:
		break;
	}
}

/* The walk's count can be set against the evaluator's for include e. */
static int comparable(const struct evinc *e)
{
	return e->done && !e->early && e->t->child &&
	       e->t->child->status == N_OK;
}

void counts_findings(struct lint *L, const struct checked *k)
{
	const struct evcount *ec = k->ec;
	char a[24], b[24];
	size_t i;

	for (i = 0; ec && i < ec->n; i++) {
		const struct evinc *e = &ec->v[i];

		if (!comparable(e) || e->cost == e->t->cost)
			continue;
		finding(L, SEV_ERROR, e->domain, e->t, "the walk counts ",
			utoa(e->t->cost, a), " lookups for this include, the "
			"library's evaluation of the check ", utoa(e->cost, b),
			": DNS changed between them, or the counts disagree");
	}
}

void counts_text(spfc_buf *b, const struct checked *k)
{
	const struct evcount *ec = k->ec;
	size_t i;

	if (!ec || !ec->ended)
		return;
	spfc_buf_adds(b, "  lookups: ");
	spfc_buf_addu(b, ec->lookups);
	spfc_buf_adds(b, " of 10, void lookups: ");
	spfc_buf_addu(b, ec->voids);
	spfc_buf_adds(b, " of 2 (the library's evaluation of this check)\n");
	for (i = 0; i < ec->n; i++) {
		const struct evinc *e = &ec->v[i];

		spfc_buf_adds(b, "    ");
		add_safe(b, e->t->text, e->t->len);
		spfc_buf_adds(b, " at ");
		add_safes(b, e->domain);
		spfc_buf_adds(b, ": ");
		if (!e->done) {
			spfc_buf_adds(b, "not finished\n");
			continue;
		}
		spfc_buf_addu(b, e->cost);
		if (comparable(e))
			spfc_buf_adds(b, e->cost == e->t->cost
					 ? ", as the walk counts\n"
					 : ", the walk counts differently\n");
		else if (e->early)
			spfc_buf_adds(b, " (its record stopped at a match)\n");
		else
			spfc_buf_addc(b, '\n');
	}
}

void counts_json(struct jw *j, const struct checked *k)
{
	const struct evcount *ec = k->ec;
	size_t i;

	if (!ec || !ec->ended)
		return;
	jw_open(j, "include_lookups", '[');
	for (i = 0; i < ec->n; i++) {
		const struct evinc *e = &ec->v[i];

		jw_open(j, NULL, '{');
		jw_str(j, "domain", e->domain);
		jw_strn(j, "term", e->t->text, e->t->len);
		if (e->done)
			jw_num(j, "lookups", e->cost);
		else
			jw_null(j, "lookups");
		jw_bool(j, "stopped_at_match", e->early);
		if (comparable(e))
			jw_bool(j, "same_as_walk", e->cost == e->t->cost);
		else
			jw_null(j, "same_as_walk");
		jw_close(j, '}');
	}
	jw_close(j, ']');
}

void counts_free(struct checked *k)
{
	free(k->ec);
	k->ec = NULL;
}
