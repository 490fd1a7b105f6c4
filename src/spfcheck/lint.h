/*
 * lint.h - spfcheck's publisher's mode: lint a domain's SPF record and
 * every include/redirect target, flatten it into address lists, and say
 * through which path of the tree a given client address would pass.
 *
 * What it owns: the tree walked through the resolver, the findings, the
 * flattened networks and the output (text or JSON) on stdout.  What it
 * must not know: the library's internals; it parses records only through
 * record.h (the parser the evaluator uses), asks DNS only through
 * resolver.h and evaluates a real check only through spfc.h.
 *
 * How it fails: the exit status says what was found (LINT_EXIT_*); a
 * domain that is not a domain name or a sender at another domain is a
 * usage error (one line on stderr); out of memory or an unwritable stdout
 * is LINT_EXIT_ENV.
 */
#ifndef SPFCHECK_LINT_H
#define SPFCHECK_LINT_H

#include <spfc/resolver.h>
#include <spfc/spfc.h>

/* Exit statuses of the lint mode (man/spfcheck.1, LINT); with --against,
 * 0 no drift, 1 drift, 3 not decided. */
#define LINT_EXIT_CLEAN 0	/* nothing above information level */
#define LINT_EXIT_WARNING 1	/* warnings, no errors */
#define LINT_EXIT_USAGE 2	/* bad usage, as in the check mode */
#define LINT_EXIT_ERROR 3	/* at least one error */
#define LINT_EXIT_ENV 4		/* out of memory, output not written, ... */

/* The authorized space (lint_space.c): warn past a /v4 of IPv4 or a /v6
 * of IPv6 that gets pass; the lists of shared senders beside the
 * default one. */
#define SPACE_V4_DEFAULT 16
#define SPACE_V6_DEFAULT 32
#define LINT_SHARED_LISTS_MAX 8
struct lint_space_opts {
	int v4, v6;
	const char *lists[LINT_SHARED_LISTS_MAX];	/* --shared-list */
	size_t nlists;
	int given;	/* one of the options was given */
};

/* The defaults; then one of --space-v4, --space-v6, --shared-list
 * (opt) with its argument: 0, or -1 after complaining. */
void lint_space_defaults(struct lint_space_opts *o);
int lint_space_arg(struct lint_space_opts *o, const char *opt,
		   const char *arg);

struct lint_request {
	const char *domain;		/* the domain to lint (--lint) */
	/* --ip given: the check to run (sender, HELO and scope as given;
	 * lint_main fills in the defaults); NULL: no check. */
	const spfc_request *check;
	const spfc_options *opt;	/* budget, receiver, default exp, trace */
	int flatten;			/* --flatten */
	int json;			/* --json */
	const struct lint_space_opts *space;	/* NULL: the defaults */
	/* --against NAME|RECORD: compare the published flat record at NAME
	 * (or given as text) with the tree; NULL: no comparison. */
	const char *against;
};

/* Lint q->domain through r (borrowed), print the report on stdout and
 * return one of the LINT_EXIT_* statuses. */
int lint_main(spfc_resolver *r, const struct lint_request *q);

#endif
