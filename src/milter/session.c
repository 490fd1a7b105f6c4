/*
 * session.c - the milter state machine of session.h.
 *
 * The transition table is libmilter's (engine.c next_states[]): each step
 * has the set of steps that may follow it, and a step the filter asked
 * away at negotiation (SMFIP_NO*) may be passed over on the way.  A
 * command is run in three parts: order (may it come now?), its handler
 * (copies, macros, the event), and, for the commands answered by the
 * upper layer, the reply, which also moves the state as engine.c does
 * after its callback returns.
 *
 * A command that ends a transaction out of order (an early MAIL, a QUIT in
 * the middle) gives two events: ABORT, then its own.  It is then held in
 * s->cmd (its strings stay in the decoder's buffer, which is not touched
 * before the next packet is read) and run at the next step.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#define MASK(st) (1u << (st))

/* What may follow each step (engine.c NX_*). */
static const unsigned next_states[MILTER_ST_COUNT] = {
	[MILTER_ST_INIT] = MASK(MILTER_ST_OPTS),
	[MILTER_ST_OPTS] = MASK(MILTER_ST_CONN) | MASK(MILTER_ST_UNKN),
	[MILTER_ST_CONN] = MASK(MILTER_ST_HELO) | MASK(MILTER_ST_MAIL) |
			   MASK(MILTER_ST_UNKN),
	[MILTER_ST_HELO] = MASK(MILTER_ST_HELO) | MASK(MILTER_ST_MAIL) |
			   MASK(MILTER_ST_UNKN),
	[MILTER_ST_MAIL] = MASK(MILTER_ST_RCPT) | MASK(MILTER_ST_ABRT) |
			   MASK(MILTER_ST_UNKN),
	[MILTER_ST_RCPT] = MASK(MILTER_ST_HDRS) | MASK(MILTER_ST_EOHS) |
			   MASK(MILTER_ST_DATA) | MASK(MILTER_ST_BODY) |
			   MASK(MILTER_ST_ENDM) | MASK(MILTER_ST_RCPT) |
			   MASK(MILTER_ST_ABRT) | MASK(MILTER_ST_UNKN),
	[MILTER_ST_DATA] = MASK(MILTER_ST_EOHS) | MASK(MILTER_ST_HDRS) |
			   MASK(MILTER_ST_ABRT),
	[MILTER_ST_HDRS] = MASK(MILTER_ST_EOHS) | MASK(MILTER_ST_HDRS) |
			   MASK(MILTER_ST_ABRT),
	[MILTER_ST_EOHS] = MASK(MILTER_ST_BODY) | MASK(MILTER_ST_ENDM) |
			   MASK(MILTER_ST_ABRT),
	[MILTER_ST_BODY] = MASK(MILTER_ST_ENDM) | MASK(MILTER_ST_BODY) |
			   MASK(MILTER_ST_ABRT),
	[MILTER_ST_ENDM] = MASK(MILTER_ST_QUIT) | MASK(MILTER_ST_MAIL) |
			   MASK(MILTER_ST_UNKN) | MASK(MILTER_ST_Q_NC),
	[MILTER_ST_QUIT] = 0,
	[MILTER_ST_ABRT] = 0,
	[MILTER_ST_UNKN] = MASK(MILTER_ST_HELO) | MASK(MILTER_ST_MAIL) |
			   MASK(MILTER_ST_RCPT) | MASK(MILTER_ST_ABRT) |
			   MASK(MILTER_ST_DATA) | MASK(MILTER_ST_BODY) |
			   MASK(MILTER_ST_UNKN) | MASK(MILTER_ST_QUIT) |
			   MASK(MILTER_ST_Q_NC),
	[MILTER_ST_Q_NC] = MASK(MILTER_ST_CONN) | MASK(MILTER_ST_UNKN),
};

/* The flag that lets a step be passed over (engine.c fix_stm()). */
static const uint32_t skip_flag[MILTER_ST_COUNT] = {
	[MILTER_ST_CONN] = SMFIP_NOCONNECT,
	[MILTER_ST_HELO] = SMFIP_NOHELO,
	[MILTER_ST_MAIL] = SMFIP_NOMAIL,
	[MILTER_ST_RCPT] = SMFIP_NORCPT,
	[MILTER_ST_DATA] = SMFIP_NODATA,
	[MILTER_ST_HDRS] = SMFIP_NOHDRS,
	[MILTER_ST_EOHS] = SMFIP_NOEOH,
	[MILTER_ST_BODY] = SMFIP_NOBODY,
	[MILTER_ST_UNKN] = SMFIP_NOUNKNOWN,
};

/* The "no reply" flag of the step a command enters. */
static uint32_t noreply_flag(char cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT: return SMFIP_NR_CONN;
	case SMFIC_HELO: return SMFIP_NR_HELO;
	case SMFIC_MAIL: return SMFIP_NR_MAIL;
	case SMFIC_RCPT: return SMFIP_NR_RCPT;
	case SMFIC_DATA: return SMFIP_NR_DATA;
	case SMFIC_HEADER: return SMFIP_NR_HDR;
	case SMFIC_EOH: return SMFIP_NR_EOH;
	case SMFIC_BODY: return SMFIP_NR_BODY;
	case SMFIC_UNKNOWN: return SMFIP_NR_UNKN;
	default: return 0;
	}
}

/* The step a command enters, or -1 for those outside the table. */
static int target_state(char cmd)
{
	switch (cmd) {
	case SMFIC_OPTNEG: return MILTER_ST_OPTS;
	case SMFIC_CONNECT: return MILTER_ST_CONN;
	case SMFIC_HELO: return MILTER_ST_HELO;
	case SMFIC_MAIL: return MILTER_ST_MAIL;
	case SMFIC_RCPT: return MILTER_ST_RCPT;
	case SMFIC_DATA: return MILTER_ST_DATA;
	case SMFIC_HEADER: return MILTER_ST_HDRS;
	case SMFIC_EOH: return MILTER_ST_EOHS;
	case SMFIC_BODY: return MILTER_ST_BODY;
	case SMFIC_BODYEOB: return MILTER_ST_ENDM;
	case SMFIC_ABORT: return MILTER_ST_ABRT;
	case SMFIC_UNKNOWN: return MILTER_ST_UNKN;
	default: return -1;	/* MACRO; QUIT and QUIT_NC are taken always */
	}
}

static int trans_ok(const struct milter_conn *s, int from, int to)
{
	int st = from;

	for (;;) {
		if (next_states[st] & MASK(to))
			return 1;
		if (st + 1 >= MILTER_ST_COUNT ||
		    !(s->neg.protocol & skip_flag[st + 1]))
			return 0;
		st++;
	}
}

/* The stage of an SMFIC_MACRO, or -1 for one libmilter ignores. */
static int macro_stage(char cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT: return MILTER_STAGE_CONNECT;
	case SMFIC_HELO: return MILTER_STAGE_HELO;
	case SMFIC_MAIL: return MILTER_STAGE_MAIL;
	case SMFIC_RCPT: return MILTER_STAGE_RCPT;
	case SMFIC_DATA: return MILTER_STAGE_DATA;
	case SMFIC_EOH: return MILTER_STAGE_EOH;
	case SMFIC_BODYEOB: return MILTER_STAGE_EOM;
	default: return -1;
	}
}

/* ---- setup ---- */

void milter_conn_init(struct milter_conn *s,
			 const struct milter_want *want,
			 const char *const *symlist, size_t out_max)
{
	memset(s, 0, sizeof *s);
	milter_decoder_init(&s->dec);
	s->want = *want;
	s->symlist = symlist;
	s->state = MILTER_ST_INIT;
	spfc_buf_init(&s->out, out_max);
}

static void clear_stage(struct milter_conn *s, int stage)
{
	struct milter_stage_macros *m = &s->macros[stage];

	free(m->buf);
	memset(m, 0, sizeof *m);
}

/* libmilter clears the stages after the one a command is for. */
static void clear_stages_from(struct milter_conn *s, int stage)
{
	for (; stage < MILTER_STAGES; stage++)
		clear_stage(s, stage);
}

/* A stage's command uses its macros once: a repeat of the command without
 * a fresh SMFIC_MACRO sees none. */
static void use_stage(struct milter_conn *s, int stage)
{
	if (s->macros[stage].fresh)
		s->macros[stage].fresh = 0;
	else
		clear_stage(s, stage);
}

static void end_transaction(struct milter_conn *s)
{
	free(s->mail_buf);
	s->mail_buf = NULL;
	memset(&s->mail, 0, sizeof s->mail);
	s->have_mail = 0;
	clear_stages_from(s, MILTER_STAGE_MAIL);
}

static void end_connection(struct milter_conn *s)
{
	end_transaction(s);
	clear_stages_from(s, MILTER_STAGE_CONNECT);
	free(s->conn_buf);
	s->conn_buf = NULL;
	memset(&s->client, 0, sizeof s->client);
	s->have_client = 0;
	free(s->helo);
	s->helo = NULL;
}

void milter_conn_free(struct milter_conn *s)
{
	end_connection(s);
	milter_decoder_free(&s->dec);
	spfc_buf_free(&s->out);
	memset(s, 0, sizeof *s);
}

/* ---- copies ---- */

/* Copy n strings into one block; dst[i] point into it.  NULL on out of
 * memory. */
static unsigned char *copy_strings(const char *const *src, const char **dst,
				   size_t n)
{
	size_t i, len = 0, off = 0;
	unsigned char *b;

	for (i = 0; i < n; i++)
		len += strlen(src[i]) + 1;
	b = malloc(len ? len : 1);
	if (!b)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t k = strlen(src[i]) + 1;

		memcpy(b + off, src[i], k);
		dst[i] = (const char *)b + off;
		off += k;
	}
	return b;
}

static int store_macros(struct milter_conn *s,
			const struct milter_macros *mc)
{
	int stage = macro_stage(mc->stage);
	struct milter_stage_macros *m;
	size_t i, len = 0;

	if (stage < 0)
		return 0;
	clear_stage(s, stage);
	m = &s->macros[stage];
	for (i = 0; i < mc->count; i++)
		len += strlen(mc->list[i].name) + strlen(mc->list[i].value) + 2;
	m->buf = malloc(len ? len : 1);
	if (!m->buf)
		return MILTER_E_NOMEM;
	for (i = 0; i < mc->count; i++) {
		size_t a = strlen(mc->list[i].name) + 1;
		size_t b = strlen(mc->list[i].value) + 1;

		memcpy(m->buf + m->len, mc->list[i].name, a);
		memcpy(m->buf + m->len + a, mc->list[i].value, b);
		m->len += a + b;
	}
	m->count = mc->count;
	m->fresh = 1;
	return 0;
}

static int store_client(struct milter_conn *s,
			const struct milter_connect *c)
{
	const char *src[2] = { c->hostname, c->address }, *dst[2];

	s->conn_buf = copy_strings(src, dst, 2);
	if (!s->conn_buf)
		return MILTER_E_NOMEM;
	s->client = *c;
	s->client.hostname = dst[0];
	s->client.address = dst[1];
	s->have_client = 1;
	return 0;
}

static int store_mail(struct milter_conn *s, const struct milter_args *a)
{
	s->mail_buf = copy_strings(a->argv, s->mail.argv, a->argc);
	if (!s->mail_buf)
		return MILTER_E_NOMEM;
	s->mail.argc = a->argc;
	s->have_mail = 1;
	return 0;
}

/* ---- events ---- */

static enum milter_event_kind fail(struct milter_conn *s,
				   struct milter_event *ev, int err)
{
	s->err = err;
	s->ended = 1;
	s->waiting = 0;
	ev->kind = MILTER_EV_ERROR;
	ev->err = err;
	return ev->kind;
}

/* Ask the upper layer for the reply, unless "no reply" was agreed. */
static enum milter_event_kind ask(struct milter_conn *s,
				  struct milter_event *ev,
				  enum milter_event_kind kind, char cmd)
{
	ev->kind = kind;
	if (!(s->neg.protocol & noreply_flag(cmd))) {
		ev->reply_needed = 1;
		s->waiting = cmd;
	}
	return kind;
}

/* A step the upper layer does not decide: CONTINUE, or nothing. */
static int auto_continue(struct milter_conn *s, char cmd)
{
	if (s->neg.protocol & noreply_flag(cmd))
		return 0;
	if (milter_put_simple(&s->out, SMFIR_CONTINUE))
		return MILTER_E_OUTPUT;
	return 0;
}

static enum milter_event_kind on_optneg(struct milter_conn *s,
					const struct milter_cmd *c,
					struct milter_event *ev)
{
	int rc = milter_negotiate(&c->u.optneg, &s->want, &s->neg);

	if (rc)
		return fail(s, ev, rc);
	if (milter_put_optneg(&s->out, &s->neg, s->symlist))
		return fail(s, ev, MILTER_E_OUTPUT);
	s->negotiated = 1;
	ev->kind = MILTER_EV_NEGOTIATED;
	return ev->kind;
}

static enum milter_event_kind on_connect(struct milter_conn *s,
					 const struct milter_cmd *c,
					 struct milter_event *ev)
{
	end_transaction(s);
	free(s->conn_buf);
	s->conn_buf = NULL;
	free(s->helo);
	s->helo = NULL;
	use_stage(s, MILTER_STAGE_CONNECT);
	clear_stages_from(s, MILTER_STAGE_HELO);
	if (store_client(s, &c->u.connect))
		return fail(s, ev, MILTER_E_NOMEM);
	ev->client = &s->client;
	return ask(s, ev, MILTER_EV_CONNECT, SMFIC_CONNECT);
}

static enum milter_event_kind on_helo(struct milter_conn *s,
				      const struct milter_cmd *c,
				      struct milter_event *ev)
{
	end_transaction(s);
	use_stage(s, MILTER_STAGE_HELO);
	clear_stages_from(s, MILTER_STAGE_MAIL);
	free(s->helo);
	s->helo = strdup(c->u.helo);
	if (!s->helo)
		return fail(s, ev, MILTER_E_NOMEM);
	ev->helo = s->helo;
	return ask(s, ev, MILTER_EV_HELO, SMFIC_HELO);
}

/* A MAIL ends whatever transaction was still open (libmilter lets one
 * follow an unknown command without an abort), keeping the mail-stage
 * macros just sent for it. */
static enum milter_event_kind on_mail(struct milter_conn *s,
				      const struct milter_cmd *c,
				      struct milter_event *ev)
{
	struct milter_stage_macros mine = s->macros[MILTER_STAGE_MAIL];

	memset(&s->macros[MILTER_STAGE_MAIL], 0, sizeof mine);
	end_transaction(s);
	s->macros[MILTER_STAGE_MAIL] = mine;
	use_stage(s, MILTER_STAGE_MAIL);
	if (store_mail(s, &c->u.args))
		return fail(s, ev, MILTER_E_NOMEM);
	ev->addr = s->mail.argv[0];
	ev->args = s->mail.argv + 1;
	ev->nargs = s->mail.argc - 1;
	return ask(s, ev, MILTER_EV_MAIL, SMFIC_MAIL);
}

static enum milter_event_kind on_rcpt(struct milter_conn *s,
				      const struct milter_cmd *c,
				      struct milter_event *ev)
{
	int rc;

	use_stage(s, MILTER_STAGE_RCPT);
	clear_stages_from(s, MILTER_STAGE_DATA);
	if (!s->have_mail) {
		rc = auto_continue(s, SMFIC_RCPT);
		return rc ? fail(s, ev, rc) : MILTER_EV_NONE;
	}
	ev->addr = c->u.args.argv[0];
	ev->args = c->u.args.argv + 1;
	ev->nargs = c->u.args.argc - 1;
	return ask(s, ev, MILTER_EV_RCPT, SMFIC_RCPT);
}

static enum milter_event_kind on_eom(struct milter_conn *s,
				     struct milter_event *ev)
{
	int rc;

	use_stage(s, MILTER_STAGE_EOM);
	if (!s->have_mail) {
		rc = milter_put_simple(&s->out, SMFIR_CONTINUE);
		return rc ? fail(s, ev, MILTER_E_OUTPUT) : MILTER_EV_NONE;
	}
	ev->kind = MILTER_EV_EOM;
	ev->reply_needed = 1;
	s->waiting = SMFIC_BODYEOB;
	return ev->kind;
}

static enum milter_event_kind on_abort(struct milter_conn *s,
				       struct milter_event *ev)
{
	if (!s->have_mail)
		return MILTER_EV_NONE;
	end_transaction(s);
	ev->kind = MILTER_EV_ABORT;
	return ev->kind;
}

/* DATA, headers, end of headers, body chunks, unknown commands. */
static enum milter_event_kind on_passive(struct milter_conn *s,
					 const struct milter_cmd *c,
					 struct milter_event *ev)
{
	int rc;

	if (c->cmd == SMFIC_DATA)
		use_stage(s, MILTER_STAGE_DATA);
	else if (c->cmd == SMFIC_EOH)
		use_stage(s, MILTER_STAGE_EOH);
	rc = auto_continue(s, c->cmd);
	if (rc)
		return fail(s, ev, rc);
	if (c->cmd != SMFIC_HEADER)
		return MILTER_EV_NONE;
	ev->kind = MILTER_EV_HEADER;
	ev->name = c->u.header.name;
	ev->value = c->u.header.value;
	return ev->kind;
}

static enum milter_event_kind dispatch(struct milter_conn *s,
				       const struct milter_cmd *c,
				       struct milter_event *ev)
{
	switch (c->cmd) {
	case SMFIC_OPTNEG: return on_optneg(s, c, ev);
	case SMFIC_CONNECT: return on_connect(s, c, ev);
	case SMFIC_HELO: return on_helo(s, c, ev);
	case SMFIC_MAIL: return on_mail(s, c, ev);
	case SMFIC_RCPT: return on_rcpt(s, c, ev);
	case SMFIC_BODYEOB: return on_eom(s, ev);
	case SMFIC_ABORT: return on_abort(s, ev);
	default: return on_passive(s, c, ev);
	}
}

/* QUIT and QUIT_NC: an open transaction is aborted first. */
static enum milter_event_kind on_quit(struct milter_conn *s,
				      const struct milter_cmd *c,
				      struct milter_event *ev)
{
	if (s->have_mail) {
		end_transaction(s);
		s->held = 1;
		ev->kind = MILTER_EV_ABORT;
		return ev->kind;
	}
	end_connection(s);
	ev->kind = MILTER_EV_CLOSE;
	if (c->cmd == SMFIC_QUIT) {
		s->state = MILTER_ST_QUIT;
		s->ended = 1;
	} else {
		s->state = MILTER_ST_Q_NC;
		ev->quit_nc = 1;
	}
	return ev->kind;
}

/* Before the negotiation only OPTNEG, MACRO, ABORT and QUIT make sense. */
static int before_negotiation(const struct milter_conn *s, char cmd)
{
	return !s->negotiated && cmd != SMFIC_OPTNEG &&
	       cmd != SMFIC_MACRO && cmd != SMFIC_QUIT;
}

static enum milter_event_kind run(struct milter_conn *s,
				  const struct milter_cmd *c,
				  struct milter_event *ev)
{
	int to;

	if (c->cmd == SMFIC_ABORT && !s->negotiated)
		return MILTER_EV_NONE;
	if (before_negotiation(s, c->cmd))
		return fail(s, ev, MILTER_E_ORDER);
	if (c->cmd == SMFIC_MACRO) {
		int rc = store_macros(s, &c->u.macros);

		return rc ? fail(s, ev, rc) : MILTER_EV_NONE;
	}
	if (c->cmd == SMFIC_QUIT || c->cmd == SMFIC_QUIT_NC)
		return on_quit(s, c, ev);
	to = target_state(c->cmd);
	if (!trans_ok(s, (int)s->state, to)) {
		int again = trans_ok(s, MILTER_ST_HELO, to);

		s->state = MILTER_ST_HELO;
		if (s->have_mail) {
			end_transaction(s);
			s->held = again;
			ev->kind = MILTER_EV_ABORT;
			return ev->kind;
		}
		if (!again)
			return MILTER_EV_NONE;	/* ignored, as libmilter */
	}
	s->state = (enum milter_state)to;
	return dispatch(s, c, ev);
}

enum milter_event_kind milter_conn_step(struct milter_conn *s,
					   const unsigned char **p, size_t *n,
					   struct milter_event *ev)
{
	memset(ev, 0, sizeof *ev);
	while (!s->ended && !s->waiting) {
		struct milter_packet pkt;
		enum milter_event_kind k;
		int rc;

		if (s->held) {
			s->held = 0;
		} else {
			rc = milter_decoder_feed(&s->dec, p, n, &pkt);
			if (rc == 0)
				break;
			if (rc < 0)
				return fail(s, ev, rc);
			rc = milter_parse(&pkt, &s->cmd);
			if (rc)
				return fail(s, ev, rc);
		}
		k = run(s, &s->cmd, ev);
		if (k != MILTER_EV_NONE)
			return k;
	}
	return MILTER_EV_NONE;
}

/* ---- replies ---- */

static int put_verdict(struct milter_conn *s, char verdict,
		       const char *text)
{
	char want = verdict == SMFIR_REJECT ? '5' :
		    verdict == SMFIR_TEMPFAIL ? '4' : 0;

	if (want && text && text[0] == want)
		return milter_put_replycode(&s->out, text);
	return milter_put_simple(&s->out, verdict);
}

/* The state after the reply (engine.c, after its callback). */
static void after_verdict(struct milter_conn *s, char cmd, char verdict)
{
	int ends = verdict == SMFIR_ACCEPT ||
		   ((verdict == SMFIR_REJECT || verdict == SMFIR_TEMPFAIL ||
		     verdict == SMFIR_DISCARD) && cmd != SMFIC_RCPT);

	if (ends)
		s->state = MILTER_ST_HELO;
	if (ends || cmd == SMFIC_BODYEOB)
		end_transaction(s);
}

int milter_conn_reply(struct milter_conn *s, char verdict,
			 const char *text)
{
	char cmd = (char)s->waiting;

	if (!cmd)
		return MILTER_E_REPLY;
	switch (verdict) {
	case SMFIR_CONTINUE:
	case SMFIR_ACCEPT:
	case SMFIR_REJECT:
	case SMFIR_TEMPFAIL:
		break;
	case SMFIR_DISCARD:
		if (cmd == SMFIC_CONNECT || cmd == SMFIC_HELO)
			return MILTER_E_REPLY;
		break;
	default:
		return MILTER_E_REPLY;
	}
	s->waiting = 0;
	after_verdict(s, cmd, verdict);
	return put_verdict(s, verdict, text) ? MILTER_E_OUTPUT : 0;
}

static int eom_action_ok(const struct milter_conn *s, uint32_t action)
{
	return s->waiting == SMFIC_BODYEOB && (s->neg.actions & action);
}

int milter_conn_insheader(struct milter_conn *s, uint32_t idx,
			     const char *name, const char *value)
{
	if (!eom_action_ok(s, SMFIF_ADDHDRS))
		return MILTER_E_REPLY;
	return milter_put_insheader(&s->out, idx, name, value) ?
		       MILTER_E_OUTPUT : 0;
}

int milter_conn_chgheader(struct milter_conn *s, uint32_t idx,
			     const char *name, const char *value)
{
	if (!eom_action_ok(s, SMFIF_CHGHDRS))
		return MILTER_E_REPLY;
	return milter_put_chgheader(&s->out, idx, name, value) ?
		       MILTER_E_OUTPUT : 0;
}

int milter_conn_progress(struct milter_conn *s)
{
	if (s->waiting != SMFIC_BODYEOB)
		return MILTER_E_REPLY;
	return milter_put_simple(&s->out, SMFIR_PROGRESS) ? MILTER_E_OUTPUT :
							    0;
}

/* ---- accessors ---- */

spfc_buf *milter_conn_output(struct milter_conn *s)
{
	return &s->out;
}

/* The name without one pair of braces: "{i}" and "i" are the same. */
static const char *bare(const char *name, size_t *len)
{
	size_t n = strlen(name);

	if (n >= 2 && name[0] == '{' && name[n - 1] == '}') {
		*len = n - 2;
		return name + 1;
	}
	*len = n;
	return name;
}

int milter_conn_macro_at(const struct milter_conn *s,
			    enum milter_stage stage, size_t i,
			    const char **name, const char **value)
{
	const struct milter_stage_macros *m;
	const char *p;

	if ((unsigned)stage >= MILTER_STAGES)
		return -1;
	m = &s->macros[stage];
	if (i >= m->count)
		return -1;
	p = (const char *)m->buf;
	while (i--) {
		p += strlen(p) + 1;
		p += strlen(p) + 1;
	}
	*name = p;
	*value = p + strlen(p) + 1;
	return 0;
}

const char *milter_conn_macro(const struct milter_conn *s,
				 const char *name)
{
	size_t want_len, got_len, i;
	const char *want = bare(name, &want_len), *n, *v;
	int stage;

	for (stage = MILTER_STAGES - 1; stage >= 0; stage--) {
		for (i = 0; milter_conn_macro_at(s, (enum milter_stage)stage,
						    i, &n, &v) == 0; i++) {
			const char *got = bare(n, &got_len);

			if (got_len == want_len &&
			    memcmp(got, want, want_len) == 0)
				return v;
		}
	}
	return NULL;
}

const struct milter_connect *milter_conn_client(
	const struct milter_conn *s)
{
	return s->have_client ? &s->client : NULL;
}

const char *milter_conn_helo(const struct milter_conn *s)
{
	return s->helo;
}

const char *milter_conn_sender(const struct milter_conn *s)
{
	return s->have_mail ? s->mail.argv[0] : NULL;
}

enum milter_state milter_conn_state(const struct milter_conn *s)
{
	return s->state;
}

const struct milter_negotiated *milter_conn_negotiated(
	const struct milter_conn *s)
{
	return s->negotiated ? &s->neg : NULL;
}

int milter_conn_over(const struct milter_conn *s)
{
	return s->ended;
}
