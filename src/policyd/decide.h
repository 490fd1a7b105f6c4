/*
 * decide.h - spf-engine 3.0.4's decision procedure as pure functions.
 *
 * What it is for: every rule of what policyd-spf answers (the policyd-spf(8)
 * DIFFERENCES list names where it departs from spf-engine): the order of
 * the whitelists, which SPF check comes next, result -> action per
 * identity and option (HELO_reject, Mail_From_reject, PermError_reject,
 * TempError_Defer, Reject_Not_Pass_Domains), No_Mail, the pass
 * restrictions, the answer of a cached instance, which header
 * (Header_Type) and which reply text (Reason_Message, enhanced status
 * codes, TestOnly, Prospective).  Any front end (the Postfix policy
 * service, a milter) drives it the same way:
 *
 *	decide_reset(); [decide_mock() | decide_malformed() | the intake
 *	helpers and decide_cached(), decide_nets()];
 *	while (decide_step(d, done) == DECIDE_ASK) run d->ask, done = its result;
 *	decide_answer();
 *
 * What it owns: the buffers of struct decide (decide_init/decide_free).
 * What it must not know: libuv, DNS, sockets, the Postfix protocol, the
 * instance cache's storage (it only says what to remember) and the log
 * (lines go to the caller's sink).  Cannot fail except through the sticky
 * error of a buffer; a request it cannot evaluate is answered dunno.
 */
#ifndef POLICYD_DECIDE_H
#define POLICYD_DECIDE_H

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include "cache.h"
#include "config.h"

#include <stddef.h>

/* The kinds of answer. */
enum act { ACT_NONE, ACT_DUNNO, ACT_PREPEND, ACT_REJECT, ACT_DEFER,
	   ACT_RESULT_ONLY, ACT_RAW /* the text is the whole action */ };
#define ACT_COUNT 7

/* Bytes of a reject/defer text: with "550 5.7.23 " and CRLF it stays in
 * RFC 5321's 512-octet reply line (§4.5.3.1.5). */
#define DECIDE_REPLY_TEXT_MAX 495
/* Bytes of a whitelist policy record ("v=spf1 ptr:<name> -all"). */
#define DECIDE_PTR_RECORD_MAX 512

/* The answer when there is no memory to check (see policy.h). */
#define DECIDE_OOM_TEXT "SPF check not possible now: out of memory"

/* Where log lines go: prefix and text (text may be NULL) make one line at
 * debugLevel `level`; both borrowed for the call. */
typedef void (*decide_log_fn)(void *arg, int level, const char *prefix,
			      const char *text);

/* The request as the rules see it (NULL: attribute absent); borrowed, and
 * must outlive the decision. */
struct decide_req {
	const char *client_address, *helo_name, *sender, *instance, *queue_id;
	const char *recipient;	/* as shown (decide_receiver) */
	const char *ip;		/* the address checked (decide_ip) */
	const char *helo;	/* the HELO name checked (decide_helo) */
};

/* A check the rules want run next (borrowed until the next call). */
struct decide_ask {
	const char *sender, *helo, *record;	/* record NULL: published */
	spfc_scope scope;
	int seconds;		/* its time limit */
	int then_mfrom;		/* a HELO check after which the MAIL FROM
				   check decide_mfrom_ask() describes will
				   surely be asked: it may start now */
};

/* What a finished check tells the rules (borrowed for the call). */
struct decide_check {
	spfc_result result;
	const char *explanation;	/* exp= text, "" when none */
	const char *problem;		/* why perm/temperror, "" when none */
	const char *record;		/* the SPF record evaluated, "" */
};

enum decide_stage { DS_DOMAIN_WL, DS_HELO_WL, DS_PTR_WL, DS_HELO, DS_MFROM,
		    DS_DONE };

struct decide {
	const struct config *cfg;	/* in force (base or Per_User) */
	const struct decide_req *req;
	decide_log_fn log;
	void *log_arg;
	int (*log_level)(void);		/* the debugLevel in force (NULL:
					   every line); lines above it are
					   not built */
	int peruser;			/* cfg is a Per_User copy */
	int found;			/* the instance was cached */
	int last_prepend;		/* last_action == 'prepend' */

	enum decide_stage stage;
	size_t idx;			/* position in a whitelist */
	spfc_result helo_res;		/* SPFC_NONE when not checked */
	enum act helo_act;
	int helo_err;
	int rated;			/* last step rated a check: 0 HELO,
					   1 MAIL FROM, -1 none (statistics) */

	/* the outcome, once stage is DS_DONE */
	enum act act;
	int iserror;			/* a perm/temperror reject: 5.7.24 */
	int pend_set;			/* remember this for the instance */
	enum cache_action pend_ca;	/* ... its kind, its text in pend */

	struct decide_ask ask;

	/* buffers, kept by decide_keep() for reuse */
	spfc_buf text;			/* the answer's text */
	spfc_buf header;		/* the header field to prepend */
	spfc_buf expl;			/* a check's explanation */
	spfc_buf sender;		/* the ask's sender */
	spfc_buf record;		/* the ask's record */
	spfc_buf pend;			/* the text to remember */
	spfc_buf line;			/* scratch for log lines */
};

/* Buffers made empty / freed; decide_keep empties them, freeing those
 * larger than max bytes. */
void decide_init(struct decide *d);
void decide_free(struct decide *d);
void decide_keep(struct decide *d, size_t max);

/* A new decision for req under cfg (both borrowed); lines to log(arg)
 * when log_level() is at least theirs. */
void decide_reset(struct decide *d, const struct config *cfg,
		  const struct decide_req *req, decide_log_fn log, void *arg,
		  int (*log_level)(void));

/* ---- intake: the rules that shape the request --------------------------- */

/* The recipient as shown in headers and replies, from the base settings:
 * the address itself with Per_User (it is looked up there), "<UNKNOWN>"
 * with Hide_Receiver, else its domain part (to a second '@').  recipient
 * is not NULL ("none" when absent or empty).  Returns a constant to show,
 * or NULL: show the *len bytes of recipient from *start. */
const char *decide_receiver(const struct config *cfg, const char *recipient,
			    size_t *start, size_t *len);
/* The address checked: Prospective, else client_address (NULL: none). */
const char *decide_ip(const struct config *cfg, const char *client_address);
/* The HELO name checked: helo_name, else the sender's domain, else
 * "unknown".  Returns a pointer into one of them or a constant. */
const char *decide_helo(const char *helo_name, const char *sender);
/* Per_User: a recipient's own settings (user, borrowed) are in force. */
void decide_use_user(struct decide *d, const struct config *user);

/* ---- the decision --------------------------------------------------------- */

/* Mock: the fixed answer, no check. */
void decide_mock(struct decide *d);
/* A request that cannot be evaluated: logged, dunno. */
void decide_malformed(struct decide *d, const char *why);
/* No memory to check: defer_if_permit DECIDE_OOM_TEXT, not remembered
 * (fail closed: never a pass without a check). */
void decide_oom(struct decide *d);
/* No client address: logged, no answer text. */
void decide_no_client(struct decide *d);
/* The instance was seen (ca, text: what was remembered): 1 when that
 * ends the decision (answered from it), 0 when the checks run (Per_User). */
int decide_cached(struct decide *d, enum cache_action ca, const char *text);
/* skip_addresses then Whitelist, on the address as sent (an IPv4-mapped
 * client matches IPv6 networks only): 1 when one matched (decided). */
int decide_nets(struct decide *d, const spfc_addr *a);
/* Whether a is in l; a bad entry ends the search (spf-engine's rule),
 * and *bad is then its text (else NULL). */
int decide_net_match(const struct net_list *l, const spfc_addr *a,
		     const char **bad);

enum decide_next { DECIDE_ASK, DECIDE_DONE };
/* Go on: done is the result of d->ask (NULL on the first call).  Returns
 * DECIDE_ASK with d->ask filled, or DECIDE_DONE (act, text, iserror,
 * pend_* set). */
enum decide_next decide_step(struct decide *d, const struct decide_check *done);
/* The MAIL FROM check that follows an ask with then_mfrom. */
void decide_mfrom_ask(const struct decide *d, struct decide_ask *ask);

/* The action (the text after "action=") into answer, its log lines to the
 * sink; returns the action as counted (ACT_NONE under TestOnly). */
enum act decide_answer(struct decide *d, spfc_buf *answer);

/* pyspf's title of a result ("Pass", "Softfail", ...). */
const char *decide_title(spfc_result r);

#endif
