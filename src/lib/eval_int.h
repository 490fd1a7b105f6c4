/*
 * eval_int.h (internal) - the check object of the evaluator and the
 * functions its pieces share: eval.c (check_host() as a state machine),
 * eval_check.c (the check's life: options, creation, start, end, the
 * accessors, its arena), eval_event.c (the evaluation events, the trace
 * built from them, the decider path).
 *
 * Nothing here is exported: the shared library's version script keeps
 * only spfc_* names.
 */
#ifndef SPFC_EVAL_INT_H
#define SPFC_EVAL_INT_H

#include <spfc/buf.h>
#include <spfc/record.h>
#include <spfc/resolver.h>
#include <spfc/spfc.h>

#include "common/list.h"
#include "recparse.h"

#include <stddef.h>
#include <stdint.h>

#define EVAL_MAX_DEPTH 32	  /* frames; the lookup limit binds first */
#define EVAL_FRAME_CHUNK 2	  /* frames per allocation (the first inline) */
#define EVAL_ARENA_CHUNK 1024	  /* bytes of a check's first string chunk
				     (allocated with the check) */
#define EVAL_LOOKUPS_INLINE 2	  /* lookups allocated with the check */
#define EVAL_TRACE_MAX 65536	  /* bytes of trace kept */
#define EVAL_IDENTITY_MAX 1024	  /* sender / HELO bytes accepted */
#define EVAL_PROBLEM_MAX 512	  /* bytes of a problem text */
#define EVAL_DEFAULT_LIMIT SPFC_LOOKUP_LIMIT  /* RFC 7208 §4.6.4, spfc.h */
#define EVAL_DEFAULT_VOIDS SPFC_VOID_LIMIT
#define EVAL_DEFAULT_TIMEOUT SPFC_TIMEOUT_MS

#define EVAL_PATH_CHUNK 8	  /* decider steps per growth of the path */

enum purpose { L_FETCH, L_ADDR, L_MX, L_MXHOST, L_PTR, L_PTRVAL, L_EXP };
enum verdict { V_MATCH, V_NOMATCH, V_WAIT, V_DONE };
enum fstate { F_FETCH, F_FETCH_WAIT, F_TERMS, F_CHILD };
enum phase { PH_TERMS, PH_EXP, PH_DONE };

struct lookup {
	struct spfc_check *c;
	spfc_query_id id;
	enum purpose purpose;
	size_t index;
	spfc_rrtype type;
	struct sc_list_node node;	/* on the check's live or spare list */
};

/* Progress of the term being evaluated in a frame. */
struct work {
	int reached;		/* the TERM event is sent, the step pushed */
	int counted;		/* lookup counted against the limit */
	int started;		/* queries issued */
	const char *target;	/* expanded domain */
	int matched;
	int isvoid;		/* the lookup was NXDOMAIN / no data */
	spfc_result err;	/* TempError / PermError found by a handler */
	spfc_dns_rcode errrc;	/* the DNS outcome behind a TempError */
	const char *errname;	/* the name whose lookup failed */
	spfc_rrtype errtype;
	char **names;		/* MX hosts */
	size_t nnames;
	const char *host;	/* a, mx: the host whose address matched */
};

struct frame {
	const char *domain;	/* in the arena or the check's strings */
	struct record *rec;
	size_t pos;
	enum fstate state;
	int include;		/* this frame evaluates an include: */
	int via_redirect;	/* reached through redirect= */
	/* answer to the record fetch */
	spfc_dns_rcode fetch_rc;
	unsigned nspf;
	const char *spf;	/* the record's text: spf_len bytes, any of
				   them NUL (a NUL follows too) */
	size_t spf_len;
	size_t base;		/* decider steps below this frame's own */
	struct work w;
};

struct ptrdata {
	int state;		/* 0 not started, 1 running, 2 done */
	int void_counted;	/* its void lookup was counted */
	spfc_dns_rcode rc;
	char **names;
	int *valid;
	size_t n;
};

struct spfc_check {
	spfc_resolver *res;
	spfc_options opt;
	char *receiver, *default_exp, *record;
	spfc_addr ip, ip_orig;
	spfc_scope scope;
	char *sender, *local, *sdomain, *helo;
	int64_t deadline;
	int64_t start_sec;

	/* frame i is fchunk[i / EVAL_FRAME_CHUNK][i % EVAL_FRAME_CHUNK]:
	 * chunks never move, so a frame pointer stays valid while deeper
	 * frames are pushed; most checks need only the inline chunk. */
	struct frame *fchunk[EVAL_MAX_DEPTH / EVAL_FRAME_CHUNK];
	struct frame frame0[EVAL_FRAME_CHUNK];
	size_t depth;
	enum phase phase;
	struct ptrdata ptr;

	struct sc_list live;		/* lookups asked, not answered */
	size_t outstanding;
	unsigned lookups, voids, queries;

	/* exp= */
	int exp_started;
	char *exp_domain;
	char *exp_text;		/* the TXT text fetched (any bytes) */
	size_t exp_len;
	int exp_checked;

	/* outcome */
	int nomem;		/* a handler ran out of memory */
	int notified;		/* the callback has run */
	int done;
	spfc_result result;
	const char *explanation, *mechanism, *problem, *domain;
	const char *top_record;	/* the checked domain's own record */
	spfc_buf trace;
	/* The decider path (spfc_check_decider): the include steps taken
	 * and the term each frame is at; steps below nkept have their term
	 * texts copied into the arena. */
	spfc_step *path;
	size_t npath, cappath, nkept;
	spfc_decided decided;
	spfc_event_cb evcb;
	void *evarg;

	/* Every string and array the check makes lives in its arena and
	 * goes with the check (no frees one by one); finished lookups wait
	 * on the spare list for the next ask(). */
	struct achunk *arena, *arena0;	/* arena0: the inline first chunk */
	struct sc_list spare;		/* struct lookup, for reuse */
	struct lookup lookup0[EVAL_LOOKUPS_INLINE];
	spfc_buf xbuf;		/* expand()'s output, reused */

	spfc_check_cb cb;
	void *cbarg;
	char strs[];		/* helo, sender, local, sdomain, options' */
};

struct achunk {
	struct achunk *next;
	size_t cap, used;
	char data[];
};

static inline struct frame *eval_frame_at(struct spfc_check *c, size_t i)
{
	return &c->fchunk[i / EVAL_FRAME_CHUNK][i % EVAL_FRAME_CHUNK];
}

/* ---- eval.c: the state machine -------------------------------------- */

/* Push the frame of check_host(domain); 0, or -1 when the check ended. */
int eval_push_frame(struct spfc_check *c, const char *domain, int include);
/* Step until a lookup is outstanding or the check is done, then run the
 * callback once done (c may be gone after this). */
void eval_run(struct spfc_check *c);
/* End with result r (frames freed, the RESULT event sent). */
void eval_finish(struct spfc_check *c, spfc_result r);
/* End with an error result and a problem text of up to three pieces (the
 * middle one sanitized: it may come from DNS). */
void eval_fail(struct spfc_check *c, spfc_result r, const char *a,
	       const char *b, size_t blen, const char *d);
/* Run the callback once the check is done (c may be gone after this). */
void eval_notify(struct spfc_check *c);
/* Cancel every lookup in flight. */
void eval_cancel_all(struct spfc_check *c);
/* Give back a lookup for the next query. */
void eval_lookup_put(struct spfc_check *c, struct lookup *l);
/* Release the frame's record and clear it. */
void eval_free_frame(struct frame *f);

/* ---- eval_check.c: the arena ---------------------------------------- */

/* n bytes (zeroed: eval_zalloc) from the check's arena, freed with the
 * check; NULL when out of memory. */
void *eval_alloc(struct spfc_check *c, size_t n);
void *eval_zalloc(struct spfc_check *c, size_t n);
/* A NUL-terminated copy of s[0..n) (any bytes) in the arena, or NULL. */
char *eval_dupn(struct spfc_check *c, const char *s, size_t n);
char *eval_dups(struct spfc_check *c, const char *s);

/* ---- eval_event.c: events, the trace, the decider path -------------- */

/* Append s[0..n) made safe for display: printable ASCII but '\' as is,
 * other bytes \xHH. */
void eval_add_safe(spfc_buf *b, const char *s, size_t n);
/* 1 when events are wanted (a trace or a caller's callback): the
 * evaluator builds none otherwise. */
static inline int eval_observed(const struct spfc_check *c)
{
	return (c->opt.trace && !c->trace.err) || c->evcb;
}
/* An event of kind at the frame on top (none at depth 0), with the
 * running counts; the caller adds the kind's fields and sends it. */
void eval_event_init(struct spfc_check *c, spfc_event *ev,
		     spfc_event_kind kind);
/* The event names term t of frame f. */
void eval_event_term(spfc_event *ev, const struct frame *f,
		     const struct term *t);
/* Send ev: into the trace (o->trace) and to the caller's callback. */
void eval_emit(struct spfc_check *c, const spfc_event *ev);
/* Shorthands: an event of kind about term t of the top frame f (t NULL:
 * none), with name (may be NULL). */
void eval_emit_term(struct spfc_check *c, spfc_event_kind kind,
		    const struct frame *f, const struct term *t,
		    const char *name);

/* The decider path: push term t of frame f (0, or -1 out of memory),
 * drop the steps above frame f's own, and copy the texts of the steps
 * not yet copied (before a record they point into is released). */
int eval_path_push(struct spfc_check *c, const struct frame *f,
		   const struct term *t);
void eval_path_pop(struct spfc_check *c, const struct frame *f);
void eval_path_keep(struct spfc_check *c);

#endif
