/*
 * session.h - one milter connection's state machine, on decoded commands.
 *
 * What it is for: putting the MTA's commands in order the way libmilter's
 * engine.c does, and turning them into events for the layer that decides
 * (connect, helo, mail, rcpt, end of message, abort, close), with the
 * replies that layer chooses written in the order of the commands.  It
 * owns the decoder, the copies of what the events point to, the macros,
 * and the output bytes; it knows nothing of sockets or SPF.
 *
 * How it is driven: milter_conn_step() is given the bytes read and
 * returns one event at a time.  An event with reply_needed set must be
 * answered with milter_conn_reply() (at end of message, header actions
 * may come first) before step() reads further commands: the MTA waits
 * for each answer anyway, and a reply may come later, when a check ends.
 * The bytes to write pile up in milter_conn_output().
 *
 * The order (engine.c next_states[]): a command that may not follow the
 * current step ends the transaction (an ABORT event when one was open)
 * and is tried again from the HELO step; when it may not follow that
 * either it is ignored, without a reply, as libmilter does.  REJECT,
 * TEMPFAIL, DISCARD and ACCEPT end the transaction, except REJECT,
 * TEMPFAIL and DISCARD at RCPT, which refuse only that recipient.
 * Steps asked away at negotiation may be skipped.  Where this differs
 * from libmilter, on purpose:
 *  - commands other than OPTNEG, MACRO, ABORT and QUIT before the option
 *    negotiation end the connection (MILTER_E_ORDER); libmilter would start
 *    at HELO without having negotiated anything;
 *  - QUIT_NC ('K') is taken at every step after the negotiation (libmilter
 *    ignores it before a message was done, and then the next CONNECT
 *    too, which would let a new client's commands run with the previous
 *    client's address);
 *  - the NO* steps the MTA sends anyway (DATA, headers, end of headers,
 *    body chunks, unknown commands) are answered CONTINUE by the state
 *    machine itself (nothing with their NR_* flag); headers give a HEADER event
 *    that needs no reply.
 *
 * Macros: an SMFIC_MACRO packet sets the macros of its stage (connect,
 * helo, mail, rcpt, data, end of headers, end of message), replacing
 * what that stage had; packets for other stages (Postfix sends them for
 * headers and body too) are ignored, as by libmilter.  Unlike libmilter,
 * a stage's macros are for its next command only: a second MAIL (or
 * RCPT, HELO, CONNECT) without a fresh SMFIC_MACRO sees none for its
 * stage, and the end of a transaction clears the mail, rcpt, data, end of
 * headers and end of message stages, so {auth_authen} never passes from
 * one message to the next.  Lookups search the latest stage first.
 *
 * How it fails: a bad packet, a failed negotiation or a protocol error
 * gives the ERROR event (err says why), after which nothing more is read:
 * the caller closes the connection, no other connection is touched.  Memory is bounded: the decoder's MILTER_DATA_MAX, a copy of
 * at most one packet per macro stage, the connect, the HELO and the MAIL
 * packets, and the output buffer's bound.
 */
#ifndef SPFC_MILTER_CONN_H
#define SPFC_MILTER_CONN_H

#include "codec.h"

#include <spfc/buf.h>

#include <stddef.h>
#include <stdint.h>

/* The steps of engine.c (ST_*), in its order. */
enum milter_state {
	MILTER_ST_INIT, MILTER_ST_OPTS, MILTER_ST_CONN, MILTER_ST_HELO,
	MILTER_ST_MAIL, MILTER_ST_RCPT, MILTER_ST_DATA, MILTER_ST_HDRS,
	MILTER_ST_EOHS, MILTER_ST_BODY, MILTER_ST_ENDM, MILTER_ST_QUIT,
	MILTER_ST_ABRT, MILTER_ST_UNKN, MILTER_ST_Q_NC,
	MILTER_ST_COUNT
};

/* Macro stages of the MTA's SMFIC_MACRO packets. */
enum milter_stage {
	MILTER_STAGE_CONNECT, MILTER_STAGE_HELO, MILTER_STAGE_MAIL,
	MILTER_STAGE_RCPT, MILTER_STAGE_DATA, MILTER_STAGE_EOH,
	MILTER_STAGE_EOM,
	MILTER_STAGES
};

enum milter_event_kind {
	MILTER_EV_NONE,		/* all input used, or a reply is awaited */
	MILTER_EV_NEGOTIATED,	/* options agreed; our reply is written */
	MILTER_EV_CONNECT,	/* connect: client */
	MILTER_EV_HELO,		/* helo: name (the last one counts) */
	MILTER_EV_MAIL,		/* a transaction starts: sender, args */
	MILTER_EV_RCPT,		/* rcpt, args */
	MILTER_EV_HEADER,	/* a header (only when headers are asked) */
	MILTER_EV_EOM,		/* end of message: header actions go here */
	MILTER_EV_ABORT,	/* the transaction ended without EOM */
	MILTER_EV_CLOSE,	/* the connection ended; quit_nc: a new one
				   follows on the same socket */
	MILTER_EV_ERROR		/* the connection is over: err says why */
};

struct milter_event {
	enum milter_event_kind kind;
	int reply_needed;	/* answer with milter_conn_reply() */
	const struct milter_connect *client;	/* CONNECT */
	const char *helo;	/* HELO */
	const char *addr;	/* MAIL: the sender, RCPT: the recipient,
				   as sent: "<a@b.example>", "<>" */
	const char *const *args;	/* MAIL, RCPT: ESMTP arguments */
	size_t nargs;
	const char *name;	/* HEADER */
	const char *value;
	int quit_nc;		/* CLOSE */
	int err;		/* ERROR: MILTER_E_* */
};

/* One stage's macros: the payload of its SMFIC_MACRO after the stage
 * byte, "name\0value\0" pairs. */
struct milter_stage_macros {
	unsigned char *buf;
	size_t len;
	size_t count;
	int fresh;		/* not yet seen by its stage's command */
};

struct milter_conn {
	/* private: read through the functions below */
	struct milter_decoder dec;
	struct milter_want want;
	const char *const *symlist;	/* MILTER_SYMLISTS entries or NULL */
	struct milter_negotiated neg;
	int negotiated;
	enum milter_state state;
	int waiting;		/* the SMFIC_* whose reply is awaited, or 0 */
	int ended;		/* QUIT seen, or ERROR given */
	int err;
	/* a command held back to be run after an ABORT event */
	int held;
	struct milter_cmd cmd;
	/* what events and lookups point to */
	unsigned char *conn_buf;
	struct milter_connect client;
	int have_client;
	char *helo;
	unsigned char *mail_buf;
	struct milter_args mail;
	int have_mail;
	struct milter_stage_macros macros[MILTER_STAGES];
	spfc_buf out;
};

/* Set up a connection's state.  want says what to negotiate (codec.h); symlist, when
 * not NULL, is MILTER_SYMLISTS macro lists (SMFIM_* order) asked for when
 * the MTA lets us; both must outlive it.  out_max bounds the
 * unwritten output (0: spfc_buf's default). */
void milter_conn_init(struct milter_conn *s,
			 const struct milter_want *want,
			 const char *const *symlist, size_t out_max);
void milter_conn_free(struct milter_conn *s);

/* Run commands from *p (*n bytes), advancing past what was used, until an
 * event.  Returns its kind (also in ev->kind); MILTER_EV_NONE when the
 * input is used up, a reply is awaited, or the connection is over.  What ev
 * points to is valid until the next call. */
enum milter_event_kind milter_conn_step(struct milter_conn *s,
					   const unsigned char **p, size_t *n,
					   struct milter_event *ev);

/* Answer the awaited command: SMFIR_CONTINUE, ACCEPT, REJECT, TEMPFAIL or
 * DISCARD.  text, for REJECT and TEMPFAIL, is NULL or a reply made by
 * milter_reply_text(); one whose first digit does not match the verdict
 * is dropped (plain 'r' or 't' is sent), as libmilter does.  Returns 0,
 * MILTER_E_REPLY (nothing awaited, or DISCARD at connect or helo) or
 * MILTER_E_OUTPUT. */
int milter_conn_reply(struct milter_conn *s, char verdict,
			 const char *text);

/* End-of-message actions, before its reply; each needs its action
 * negotiated (SMFIF_ADDHDRS, SMFIF_CHGHDRS).  Return 0, MILTER_E_REPLY
 * or MILTER_E_OUTPUT. */
int milter_conn_insheader(struct milter_conn *s, uint32_t idx,
			     const char *name, const char *value);
int milter_conn_chgheader(struct milter_conn *s, uint32_t idx,
			     const char *name, const char *value);
int milter_conn_progress(struct milter_conn *s);

/* The bytes to write to the MTA; the caller removes what it wrote (e.g.
 * spfc_buf_reset() once all is written). */
spfc_buf *milter_conn_output(struct milter_conn *s);

/* A macro's value by name, "{name}" and "name" alike, searching from the
 * latest stage back to connect; NULL when not set. */
const char *milter_conn_macro(const struct milter_conn *s,
				 const char *name);

/* The i-th macro of a stage (0 <= i < count); returns 0, or -1 past the
 * end.  For logging and tests. */
int milter_conn_macro_at(const struct milter_conn *s,
			    enum milter_stage stage, size_t i,
			    const char **name, const char **value);

/* The client of the current connection, NULL before its CONNECT. */
const struct milter_connect *milter_conn_client(
	const struct milter_conn *s);
/* The last HELO name of the connection, NULL before one. */
const char *milter_conn_helo(const struct milter_conn *s);
/* The sender of the open transaction, NULL outside one. */
const char *milter_conn_sender(const struct milter_conn *s);

enum milter_state milter_conn_state(const struct milter_conn *s);
const struct milter_negotiated *milter_conn_negotiated(
	const struct milter_conn *s);
/* 1 once QUIT was read or ERROR given: read nothing more. */
int milter_conn_over(const struct milter_conn *s);

#endif
