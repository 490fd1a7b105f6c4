/*
 * eval_event.c - the evaluation events (spfc.h): how the evaluator
 * reports each step, the trace built from those events and nothing else,
 * and the decider path (spfc_check_decider).
 *
 * What it owns: the trace text and the path's steps of a check.  The
 * state machine (eval.c) says what happened; this file decides what a
 * caller and the trace see of it.
 *
 * How it fails: the trace is bounded (EVAL_TRACE_MAX) and stops growing
 * at its bound or when out of memory; a path step that cannot be stored
 * makes the check a TempError ("out of memory") through c->nomem.
 */
#include "eval_int.h"

#include "common/printable.h"

#include <stdlib.h>
#include <string.h>

#define TRACE_RR_MAX 32		/* records of an answer shown */
#define TRACE_TXT_MAX 400	/* bytes of a TXT record shown */

void eval_add_safe(spfc_buf *b, const char *s, size_t n)
{
	sc_printable(b, s, n, SC_PRINT_HEX);
}

static void add_safes(spfc_buf *b, const char *s)
{
	eval_add_safe(b, s, strlen(s));
}

/* ---- the trace ------------------------------------------------------- */

/* Start a trace line indented by the include depth. */
static spfc_buf *line(struct spfc_check *c, const spfc_event *ev)
{
	unsigned i;

	for (i = 1; i < ev->depth; i++)
		spfc_buf_adds(&c->trace, "  ");
	return &c->trace;
}

static void trace_start(struct spfc_check *c)
{
	spfc_buf *b = &c->trace;
	char ip[SPFC_ADDR_TEXT_MAX];

	spfc_addr_format(&c->ip, ip, sizeof ip);
	spfc_buf_adds(b, "identity: ");
	spfc_buf_adds(b, c->scope == SPFC_SCOPE_HELO ? "helo" : "mailfrom");
	spfc_buf_adds(b, ", client-ip: ");
	spfc_buf_adds(b, ip);
	spfc_buf_adds(b, ", sender: ");
	add_safes(b, c->sender);
	spfc_buf_adds(b, ", helo: ");
	add_safes(b, c->helo);
}

static void trace_rr(spfc_buf *b, const spfc_rr *rr)
{
	char tmp[SPFC_ADDR_TEXT_MAX];
	spfc_addr x;

	switch (rr->type) {
	case SPFC_RR_A:
	case SPFC_RR_AAAA:
		memset(&x, 0, sizeof x);
		x.family = rr->type == SPFC_RR_A ? 4 : 6;
		memcpy(x.b, rr->addr, x.family == 4 ? 4 : 16);
		spfc_addr_format(&x, tmp, sizeof tmp);
		spfc_buf_adds(b, tmp);
		break;
	case SPFC_RR_MX:
		spfc_buf_addu(b, rr->pref);
		spfc_buf_addc(b, ' ');
		eval_add_safe(b, rr->text, rr->len);
		break;
	case SPFC_RR_TXT:
		spfc_buf_addc(b, '"');
		eval_add_safe(b, rr->text,
			      rr->len > TRACE_TXT_MAX ? TRACE_TXT_MAX : rr->len);
		spfc_buf_adds(b, rr->len > TRACE_TXT_MAX ? "...\"" : "\"");
		break;
	default:
		eval_add_safe(b, rr->text, rr->len);
	}
}

static void trace_answer(spfc_buf *b, const spfc_event *ev)
{
	const spfc_dns_answer *a = ev->answer;
	size_t i;

	spfc_buf_adds(b, "  answer ");
	spfc_buf_adds(b, spfc_rrtype_name((spfc_rrtype)ev->rrtype));
	spfc_buf_adds(b, ": ");
	if (a->rcode != SPFC_DNS_OK) {
		spfc_buf_adds(b, spfc_dns_rcode_name(a->rcode));
		return;
	}
	for (i = 0; i < a->count && i < TRACE_RR_MAX; i++) {
		if (i)
			spfc_buf_adds(b, ", ");
		trace_rr(b, &a->rr[i]);
	}
	if (a->count > TRACE_RR_MAX)
		spfc_buf_adds(b, ", ...");
}

static void trace_result(struct spfc_check *c, const spfc_event *ev)
{
	spfc_buf *b = &c->trace;

	spfc_buf_adds(b, "result: ");
	spfc_buf_adds(b, spfc_result_name(ev->result));
	if (c->mechanism) {
		spfc_buf_adds(b, " (mechanism ");
		add_safes(b, c->mechanism);
		spfc_buf_addc(b, ')');
	}
	if (c->problem) {
		spfc_buf_adds(b, " (");
		spfc_buf_adds(b, c->problem);
		spfc_buf_addc(b, ')');
	}
	spfc_buf_adds(b, "\nlookups: ");
	spfc_buf_addu(b, ev->lookups);
	spfc_buf_addc(b, '/');
	spfc_buf_addu(b, c->opt.lookup_limit);
	spfc_buf_adds(b, ", void lookups: ");
	spfc_buf_addu(b, ev->voids);
	spfc_buf_addc(b, '/');
	spfc_buf_addu(b, c->opt.void_limit);
	spfc_buf_adds(b, ", DNS queries: ");
	spfc_buf_addu(b, c->queries);
}

/* The trace's line of an event, if it has one.  The one place the trace
 * is written. */
static void trace_event(struct spfc_check *c, const spfc_event *ev)
{
	spfc_buf *b = &c->trace;

	switch (ev->kind) {
	case SPFC_EV_START:
		trace_start(c);
		break;
	case SPFC_EV_CHECK_HOST:
		spfc_buf_adds(line(c, ev), "check_host(");
		add_safes(b, ev->domain);
		spfc_buf_addc(b, ')');
		break;
	case SPFC_EV_QUERY:
		spfc_buf_adds(line(c, ev), "  lookup ");
		spfc_buf_adds(b, spfc_rrtype_name((spfc_rrtype)ev->rrtype));
		spfc_buf_addc(b, ' ');
		add_safes(b, ev->name);
		break;
	case SPFC_EV_ANSWER:
		trace_answer(line(c, ev), ev);
		break;
	case SPFC_EV_NO_RECORD:
		spfc_buf_adds(line(c, ev), "no SPF record at ");
		add_safes(b, ev->domain);
		break;
	case SPFC_EV_RECORD:
		spfc_buf_adds(line(c, ev), "record of ");
		add_safes(b, ev->domain);
		spfc_buf_adds(b, ": ");
		eval_add_safe(b, ev->text, ev->text_len);
		break;
	case SPFC_EV_TERM:
		if (ev->term_kind == SPFC_TERM_REDIRECT)
			return;	/* shown as "redirect to" once expanded */
		spfc_buf_adds(line(c, ev), "term ");
		eval_add_safe(b, ev->term, ev->term_len);
		break;
	case SPFC_EV_BAD_TARGET:
		spfc_buf_adds(line(c, ev), "  not a usable domain name: ");
		add_safes(b, ev->name);
		break;
	case SPFC_EV_MATCH:
		spfc_buf_adds(line(c, ev), "  match: ");
		eval_add_safe(b, ev->term, ev->term_len);
		break;
	case SPFC_EV_INCLUDE_RESULT:
		spfc_buf_adds(line(c, ev), "include result: ");
		spfc_buf_adds(b, spfc_result_name(ev->result));
		break;
	case SPFC_EV_REDIRECT:
		spfc_buf_adds(line(c, ev), "redirect to ");
		add_safes(b, ev->name);
		break;
	case SPFC_EV_RESULT:
		trace_result(c, ev);
		break;
	case SPFC_EV_NO_MATCH:
	case SPFC_EV_LIMIT:
	default:
		return;	/* the result line says what a limit did */
	}
	spfc_buf_addc(b, '\n');
}

/* ---- events ---------------------------------------------------------- */

void eval_event_init(struct spfc_check *c, spfc_event *ev,
		     spfc_event_kind kind)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->depth = (unsigned)c->depth;
	if (c->depth)
		ev->domain = eval_frame_at(c, c->depth - 1)->domain;
	ev->lookups = c->lookups;
	ev->voids = c->voids;
}

void eval_event_term(spfc_event *ev, const struct frame *f,
		     const struct term *t)
{
	ev->term = t->text;
	ev->term_len = t->text_len;
	ev->index = (size_t)(t - f->rec->terms);
	ev->term_kind = (int)t->type;
}

void eval_emit(struct spfc_check *c, const spfc_event *ev)
{
	if (c->opt.trace && !c->trace.err)
		trace_event(c, ev);
	if (c->evcb)
		c->evcb(c, ev, c->evarg);
}

void eval_emit_term(struct spfc_check *c, spfc_event_kind kind,
		    const struct frame *f, const struct term *t,
		    const char *name)
{
	spfc_event ev;

	if (!eval_observed(c))
		return;
	eval_event_init(c, &ev, kind);
	if (t)
		eval_event_term(&ev, f, t);
	ev.name = name;
	eval_emit(c, &ev);
}

void spfc_check_set_events(spfc_check *c, spfc_event_cb cb, void *arg)
{
	c->evcb = cb;
	c->evarg = arg;
}

/* ---- the decider path ------------------------------------------------ */

int eval_path_push(struct spfc_check *c, const struct frame *f,
		   const struct term *t)
{
	spfc_step *s;

	if (c->npath == c->cappath) {
		size_t ncap = c->cappath + EVAL_PATH_CHUNK;

		s = realloc(c->path, ncap * sizeof *s);
		if (!s) {
			c->nomem = 1;
			return -1;
		}
		c->path = s;
		c->cappath = ncap;
	}
	s = &c->path[c->npath++];
	memset(s, 0, sizeof *s);
	s->domain = f->domain;	/* in the arena or the check's strings */
	s->index = (size_t)(t - f->rec->terms);
	s->offset = (size_t)(t->text - f->rec->text);
	s->term = t->text;	/* the record's: copied before it goes */
	s->term_len = t->text_len;
	s->kind = (int)t->type;
	return 0;
}

void eval_path_pop(struct spfc_check *c, const struct frame *f)
{
	c->npath = f->base;
	if (c->nkept > c->npath)
		c->nkept = c->npath;
}

void eval_path_keep(struct spfc_check *c)
{
	for (; c->nkept < c->npath; c->nkept++) {
		spfc_step *s = &c->path[c->nkept];
		char *p = eval_dupn(c, s->term, s->term_len);

		if (!p) {
			c->nomem = 1;
			s->term_len = 0;
			s->term = "";
			continue;
		}
		s->term = p;
	}
}

spfc_decided spfc_check_decider(const spfc_check *c, const spfc_step **path,
				size_t *n)
{
	if (path)
		*path = c->path;
	if (n)
		*n = c->path ? c->npath : 0;
	return c->decided;
}
