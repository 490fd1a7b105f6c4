/*
 * server.h - spfc-milter's server: MTA connections on one libuv loop,
 * each driven through the protocol layer (session.h), each message
 * decided by the policy service's own core (policy.h).
 *
 * What it is for: the milter builds, for a message, the request Postfix
 * would send policyd-spf (client, HELO, sender, first recipient, queue
 * id) and maps the action the core answers: a reject to SMFIR_REPLYCODE
 * 550, a deferral to 450, a prepended header field to the header
 * inserted at the top at end of message.  Knows no rule of the decision.
 */
#ifndef SPFC_MILTER_SERVER_H
#define SPFC_MILTER_SERVER_H

#include <spfc/buf.h>
#include <spfc/resolver.h>
#include <uv.h>

#include "config.h"
#include "policy.h"

/* A socket specification, libmilter's (unix:PATH, local:PATH,
 * inet:PORT@HOST, inet6:PORT@HOST) or listen mode's (inet:HOST:PORT),
 * read into a path (*is_unix) or the "HOST:PORT" of sock_bind_inet.
 * Returns 0, or 2 when it does not parse. */
int milter_spec_parse(const char *spec, spfc_buf *out, int *is_unix);

/* What an action of the policy core means to the milter. */
struct milter_answer {
	char verdict;		/* SMFIR_CONTINUE, REJECT or TEMPFAIL */
	spfc_buf text;		/* the REPLYCODE text (milter_reply_text) */
	spfc_buf hname;		/* the header to insert, "" when none */
	spfc_buf hvalue;
};

void milter_answer_init(struct milter_answer *a);
void milter_answer_free(struct milter_answer *a);
/* Read action (the text after "action=") into a. */
void milter_answer_map(struct milter_answer *a, const char *action);

/* Serve on spec until SIGTERM or SIGINT (decisions in progress are
 * answered first); SIGHUP reads config_path again for the messages
 * decided from then on.  cfg stays the caller's; res
 * is the policy's resolver (the shared DNS cache), for the checks begun
 * at MAIL;
 * foreground 0: the process goes to the background once the socket is
 * made.  Returns the exit status. */
int milter_serve(uv_loop_t *loop, struct policy *p, spfc_resolver *res,
		 struct config *cfg, const char *config_path, const char *spec,
		 int foreground);

/* Each check's time limit at most Milter_Timeout, so that an answer
 * comes before the MTA gives up (Sendmail: 10 s); a check that runs out
 * is a TempError, handled as TempError_Defer says. */
void milter_config_budget(struct config *cfg);

#endif
