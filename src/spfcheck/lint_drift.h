/*
 * lint_drift.h - what lint_drift.c (the maps and their comparison) and
 * lint_drift_out.c (the report, text and JSON) share.
 */
#ifndef SPFCHECK_LINT_DRIFT_H
#define SPFCHECK_LINT_DRIFT_H

#include "lint_int.h"

#include <stddef.h>
#include <stdint.h>

/* Our choices, bounding the work and the report of a hostile tree: */
#define DRIFT_PIECES_MAX ((size_t)1 << 18)	/* ranges made for a side */
#define DRIFT_LINES_MAX 10000	/* changes kept; the rest are counted */
#define DRIFT_NOTES_MAX 64	/* notes and errors kept */
#define DRIFT_RECORDS_MAX 32	/* published records named */

struct u128 {
	uint64_t h, l;
};

/* A range of addresses and what decides them. */
struct piece {
	int family;
	struct u128 lo, hi;
	char qual;		/* '+', '-', '~', '?' */
	int by_all;		/* the top record's all, or its absence */
	const struct node *via;	/* the record whose term decides */
	size_t prio;		/* evaluation order, while a map is made */
};

struct pieces {
	struct piece *v;
	size_t n, cap;
};

enum dkind { D_ADDED, D_REMOVED, D_CHANGED };

/* One change: merged ranges with the same kind, qualifiers and record. */
struct dline {
	enum dkind kind;
	int family;
	struct u128 lo, hi;
	char was, now;		/* the published side's and the tree's */
	const struct node *via;	/* removed: the published record */
};

struct dnote {
	int published;		/* the published side's, or the tree's */
	int error;		/* 1: leaves the drift not decided */
	const struct node *nd;
	const struct lterm *t;	/* NULL: about the record as a whole */
	const char *why;	/* static text */
};

struct drift {
	struct lint P;		/* the published side's walk */
	char *name;		/* P's domain: NAME, or the linted domain */
	const char *against;	/* as given */
	int literal;		/* a record given as text */
	struct pieces now, pub;
	struct dline *lines;
	size_t nlines, caplines, more_lines;
	struct dnote notes[DRIFT_NOTES_MAX];
	size_t nnotes, more_notes, nerrors;
	int all_changed;
	char all_was, all_now;
};

/* ---- lint_drift.c ---------------------------------------------------- */

/* The address v as bytes of its family. */
void drift_u_bytes(struct u128 v, int family, unsigned char *b);

#endif
