/*
 * lint.c - spfcheck's publisher's mode (--lint DOMAIN [--flatten]
 * [--ip IP]): lint_main() walks a domain's SPF record and every
 * include/redirect target (lint_walk.c), gathers the findings
 * (lint_find.c), flattens what the tree authorizes (lint_flat.c), runs the
 * check of --ip through the library (lint_check.c) and writes the report
 * as text (lint_text.c) or JSON (lint_json.c); lint_int.h names what each
 * file gives the others.  Also the small functions they share.
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
#include <unistd.h>

/* ---- Small functions -------------------------------------------- */

char *dupn(const char *s, size_t n)
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
const char *utoa(unsigned long long v, char *buf)
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

int has_nul(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

/* Room for one more element in the array at *arrp (a pointer to it),
 * n used of *cap held, elements of size bytes; the capacity doubles from
 * first.  0, or -1 with L->nomem set. */
int lint_grow(struct lint *L, void *arrp, size_t n, size_t *cap, size_t size,
	      size_t first)
{
	void *old, *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	if (ncap < *cap || ncap > SIZE_MAX / size) {
		L->nomem = 1;
		return -1;
	}
	memcpy(&old, arrp, sizeof old);
	nv = realloc(old, ncap * size);
	if (!nv) {
		L->nomem = 1;
		return -1;
	}
	memcpy(arrp, &nv, sizeof nv);
	*cap = ncap;
	return 0;
}

/* Bytes of an address of this family. */
size_t fam_bytes(int family)
{
	return family == 4 ? 4 : 16;
}

/* The range [lo, hi] of the network a/bits (qualifier '+'). */
void net_range(const spfc_addr *a, unsigned bits, struct range *r)
{
	size_t nb = fam_bytes(a->family), k;

	memset(r, 0, sizeof *r);
	r->family = a->family;
	r->q = '+';
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

/* ---- The lint ------------------------------------------------------- */

static int use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term &&
	       strcmp(term, "dumb") != 0;
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

	dlen = sc_strip_dot(q->domain, strlen(q->domain));
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
	if (q->against && drift_arg(q->against) < 0) {
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
	if (space_load(&L, q->space) < 0) {
		rc = L.nomem ? LINT_EXIT_ENV : LINT_EXIT_USAGE;
		if (L.nomem)
			goto nomem;
		goto done;
	}
	L.root = walk(&L, domain, VIA_TOP, 0, 0);
	if (!L.root)
		goto nomem;
	tree_findings(&L);
	space_run(&L);
	if (L.dropped) {
		char num[24];

		finding(&L, SEV_INFO, NULL, NULL, utoa(L.dropped, num),
			" more findings are not shown");
	}
	if (q->against)
		drift_run(&L, q->against);
	if (q->flatten) {
		flatten_node(&L, &fl, L.root, 1);
		flat_decide(&L, &fl);	/* lint_prove.c */
		flat_candidate(&L, &fl);
		flat_chain(&L, &fl);	/* lint_chain.c */
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
	if (q->flatten && !L.nomem)	/* lint_prove.c */
		flat_prove(&L, &fl, r, q->opt, q->check ? &req : NULL);
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
	if (L.drift)
		rc = drift_exit(L.drift);	/* for a cron job: drift or not */
	goto done;
nomem:
	complain(spfc_strerror(SPFC_ENOMEM), NULL);
	rc = LINT_EXIT_ENV;
done:
	checked_free(&k);
	space_free(&L);
	drift_free(L.drift);
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
