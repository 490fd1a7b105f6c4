/*
 * decide.c - spf-engine's decision procedure (see decide.h).
 *
 * The stages run in spf-engine's order: Domain_Whitelist,
 * HELO_Whitelist, Domain_Whitelist_PTR, HELO, MAIL FROM (Mock, the cached
 * instance, skip_addresses and Whitelist come before, from the intake).
 * The comments name spf-engine's own variables (result[3], last_action)
 * where the logic mirrors its code.
 *
 * How it fails: it does not; a request that cannot be evaluated is
 * answered dunno and logged (policyd-spf(8) DIFFERENCES 8), a buffer out
 * of memory makes the answer "dunno" (decide_answer).
 */
#include "decide.h"

#include "render.h"

#include "common/ascii.h"

#include <string.h>

static const char already[] = "Header already pre-pended";

static void dlog(struct decide *d, int level, const char *prefix,
		 const char *text)
{
	if (d->log && (!d->log_level || d->log_level() >= level))
		d->log(d->log_arg, level, prefix, text);
}

static const size_t buf_at[] = {
	offsetof(struct decide, text), offsetof(struct decide, header),
	offsetof(struct decide, expl), offsetof(struct decide, sender),
	offsetof(struct decide, record), offsetof(struct decide, pend),
	offsetof(struct decide, line),
};
#define NBUF (sizeof buf_at / sizeof buf_at[0])

static spfc_buf *buf_n(struct decide *d, size_t i)
{
	return (spfc_buf *)(void *)((char *)d + buf_at[i]);
}

void decide_init(struct decide *d)
{
	size_t i;

	memset(d, 0, sizeof *d);
	for (i = 0; i < NBUF; i++)
		spfc_buf_init(buf_n(d, i), 0);
	spfc_buf_init(&d->record, DECIDE_PTR_RECORD_MAX);
}

void decide_free(struct decide *d)
{
	size_t i;

	for (i = 0; i < NBUF; i++)
		spfc_buf_free(buf_n(d, i));
}

void decide_keep(struct decide *d, size_t max)
{
	size_t i;

	for (i = 0; i < NBUF; i++) {
		spfc_buf *b = buf_n(d, i);
		if (b->cap > max)
			spfc_buf_free(b);
		else
			spfc_buf_reset(b);
	}
}

void decide_reset(struct decide *d, const struct config *cfg,
		  const struct decide_req *req, decide_log_fn log, void *arg,
		  int (*log_level)(void))
{
	d->cfg = cfg;
	d->req = req;
	d->log = log;
	d->log_arg = arg;
	d->log_level = log_level;
	d->peruser = d->found = d->last_prepend = 0;
	d->stage = DS_DOMAIN_WL;
	d->idx = 0;
	d->helo_res = SPFC_NONE;
	d->helo_act = ACT_NONE;
	d->helo_err = 0;
	d->rated = -1;
	d->act = ACT_NONE;
	d->iserror = 0;
	d->pend_set = 0;
	d->pend_ca = CA_DUNNO;
	memset(&d->ask, 0, sizeof d->ask);
	spfc_buf_reset(&d->text);
	spfc_buf_reset(&d->header);
	spfc_buf_reset(&d->pend);
}

/* ---- small rules ---------------------------------------------------------- */

const char *decide_title(spfc_result r)
{
	switch (r) {
	case SPFC_PASS: return "Pass";
	case SPFC_FAIL: return "Fail";
	case SPFC_SOFTFAIL: return "Softfail";
	case SPFC_NEUTRAL: return "Neutral";
	case SPFC_TEMPERROR: return "Temperror";
	case SPFC_PERMERROR: return "Permerror";
	case SPFC_NONE: break;
	}
	return "None";
}

static const char *or_unknown(const char *s)
{
	return s ? s : "<UNKNOWN>";
}

/* pyspf's explanation of a result. */
static void explanation(spfc_buf *out, const struct decide_check *c)
{
	switch (c->result) {
	case SPFC_PASS:
		spfc_buf_adds(out, "sender SPF authorized");
		break;
	case SPFC_FAIL:
		render_text_n(out, c->explanation, RENDER_EXPL_MAX);
		break;
	case SPFC_SOFTFAIL:
		if (*c->explanation)
			render_text_n(out, c->explanation, RENDER_EXPL_MAX);
		else
			spfc_buf_adds(out, "domain owner discourages use of this host");
		break;
	case SPFC_NEUTRAL:
		spfc_buf_adds(out, "access neither permitted nor denied");
		break;
	case SPFC_PERMERROR:
		spfc_buf_adds(out, "SPF Permanent Error: ");
		render_text(out, c->problem);
		break;
	case SPFC_TEMPERROR:
		spfc_buf_adds(out, "SPF Temporary Error: ");
		render_text(out, c->problem);
		break;
	case SPFC_NONE:
		break;
	}
}

static int ascii_ieq_suffix(const char *s, size_t sl, const char *suf, size_t fl)
{
	return fl <= sl && sc_eq_nocase(s + sl - fl, fl, suf, fl);
}

/* pyspf's domainmatch(list, suffix) as spf-engine calls it: some entry
 * equals suffix or ends with "." + suffix (case-insensitive). */
static int domainmatch(const struct str_list *l, const char *suffix)
{
	size_t i, fl;

	if (!suffix)
		return 0;
	fl = strlen(suffix);
	for (i = 0; i < l->n; i++) {
		const char *e = l->v[i];
		size_t el = strlen(e);
		if (el == fl && ascii_ieq_suffix(e, el, suffix, fl))
			return 1;
		if (el > fl && ascii_ieq_suffix(e, el, suffix, fl) &&
		    e[el - fl - 1] == '.')
			return 1;
	}
	return 0;
}

/* spf-engine's _get_resultcodes: the action for a result in a scope;
 * *local when Reject_Not_Pass_Domains decided it. */
static enum act result_action(const struct config *cfg, int helo_scope,
			      spfc_result r, const char *match, int *local)
{
	enum reject_policy pol = helo_scope ? cfg->helo_reject : cfg->mail_from_reject;
	int rej;

	*local = 0;
	if (cfg->reject_not_pass_domains.n &&
	    domainmatch(&cfg->reject_not_pass_domains, match)) {
		pol = POL_SPF_NOT_PASS;
		*local = 1;
	}
	if (pol == POL_FALSE)
		return ACT_PREPEND;
	switch (pol) {
	case POL_SPF_NOT_PASS:
		rej = r == SPFC_FAIL || r == SPFC_SOFTFAIL || r == SPFC_NEUTRAL;
		break;
	case POL_SOFTFAIL:
		rej = r == SPFC_FAIL || r == SPFC_SOFTFAIL;
		break;
	case POL_FAIL:
	case POL_NULL:
		rej = r == SPFC_FAIL;
		break;
	default:
		rej = 0;
	}
	if (rej)
		return ACT_REJECT;
	if (r == SPFC_TEMPERROR && cfg->temperror_defer)
		return ACT_DEFER;
	if (r == SPFC_PERMERROR && cfg->permerror_reject)
		return ACT_REJECT;
	return ACT_PREPEND;
}

int decide_net_match(const struct net_list *l, const spfc_addr *a,
		     const char **bad)
{
	size_t i;

	*bad = NULL;
	for (i = 0; i < l->n; i++) {
		if (l->v[i].bad) {
			*bad = l->v[i].text;
			return 0;
		}
		if (spfc_addr_match(a, &l->v[i].addr, l->v[i].bits))
			return 1;
	}
	return 0;
}

/* ---- intake ---------------------------------------------------------------- */

const char *decide_receiver(const struct config *cfg, const char *recipient,
			    size_t *start, size_t *len)
{
	const char *at, *end;

	*start = 0;
	*len = strlen(recipient);
	if (cfg->per_user_path)
		return NULL;
	if (cfg->hide_receiver)
		return "<UNKNOWN>";
	if (strcmp(recipient, "none") == 0)
		return NULL;
	at = strchr(recipient, '@');
	if (at) {
		end = strchr(at + 1, '@');
		*start = (size_t)(at + 1 - recipient);
		*len = end ? (size_t)(end - at - 1) : strlen(at + 1);
	}
	return NULL;
}

const char *decide_ip(const struct config *cfg, const char *client_address)
{
	return cfg->prospective ? cfg->prospective : client_address;
}

const char *decide_helo(const char *helo_name, const char *sender)
{
	const char *at;

	if (helo_name && *helo_name)
		return helo_name;
	at = sender ? strchr(sender, '@') : NULL;
	return at ? at + 1 : "unknown";
}

void decide_use_user(struct decide *d, const struct config *user)
{
	d->cfg = user;
	d->peruser = 1;
	dlog(d, 2, "Per user configuration data in use for: ", d->req->recipient);
}

/* ---- finishing ---------------------------------------------------------- */

static void finish(struct decide *d, enum act act, const char *text,
		   int iserror)
{
	d->act = act;
	d->iserror = iserror;
	if (text != spfc_buf_str(&d->text)) {
		spfc_buf_reset(&d->text);
		spfc_buf_adds(&d->text, text ? text : "");
	}
	d->stage = DS_DONE;
}

void decide_mock(struct decide *d)
{
	/* policyd-spf(8) DIFFERENCES 9: written at once, strict boolean */
	finish(d, ACT_RAW, "dunno mock header field that should be ignored", 0);
}

void decide_malformed(struct decide *d, const char *why)
{
	dlog(d, 0, "malformed request, answered dunno: ", why);
	finish(d, ACT_DUNNO, "", 0);
}

void decide_oom(struct decide *d)
{
	finish(d, ACT_DEFER, DECIDE_OOM_TEXT, 0);
}

void decide_no_client(struct decide *d)
{
	dlog(d, 2, "spfcheck: No client address, exiting", NULL);
	finish(d, ACT_NONE, "", 0);
}

/* Remember a decision for the instance (spf-engine's result[3]): kept
 * until the answer, a later stage's decision replaces it (the MAIL FROM
 * result after the HELO result); never with Per_User or no instance. */
static void store(struct decide *d, enum act act, const char *text)
{
	enum cache_action ca;

	if (d->peruser || !d->req->instance)
		return;
	switch (act) {
	case ACT_PREPEND: ca = CA_PREPEND; break;
	case ACT_REJECT: ca = CA_REJECT; break;
	case ACT_DEFER: ca = CA_DEFER; break;
	case ACT_RESULT_ONLY: ca = CA_RESULT_ONLY; break;
	default: ca = CA_DUNNO;
	}
	d->pend_ca = ca;
	d->pend_set = 1;
	spfc_buf_reset(&d->pend);
	if (text)
		spfc_buf_adds(&d->pend, text);
}

int decide_cached(struct decide *d, enum cache_action ca, const char *text)
{
	d->found = 1;
	d->last_prepend = ca == CA_PREPEND;
	if (d->peruser)
		return 0;
	dlog(d, 4, "Cached data for this instance: ", text);
	switch (ca) {
	case CA_PREPEND:
	case CA_DUNNO:
		finish(d, ACT_DUNNO, already, 0);
		break;
	case CA_REJECT:
		finish(d, ACT_REJECT, text, 0);
		break;
	case CA_DEFER:
		finish(d, ACT_DEFER, text, 0);
		break;
	case CA_RESULT_ONLY:
		finish(d, ACT_RESULT_ONLY, text, 0);
		break;
	}
	return 1;
}

/* A whitelist or skip matched: prepend its trace field once. */
static void bypass(struct decide *d, const char *comment)
{
	const struct decide_req *q = d->req;
	struct render_fields f;

	f.client_ip = or_unknown(q->client_address);
	f.helo = or_unknown(q->helo_name);
	f.sender = or_unknown(q->sender);
	f.receiver = or_unknown(q->recipient);
	spfc_buf_reset(&d->text);
	render_skip(&d->text, d->cfg->header_type == HDR_AR, d->cfg->authserv_id,
		    comment, &f);
	dlog(d, 3, spfc_buf_str(&d->text), NULL);
	if (d->last_prepend) {
		finish(d, ACT_DUNNO, already, 0);
		return;
	}
	if (!d->found)
		store(d, ACT_PREPEND, spfc_buf_str(&d->text));
	finish(d, ACT_PREPEND, spfc_buf_str(&d->text), 0);
}

static int net_list(struct decide *d, const struct net_list *l,
		    const spfc_addr *a)
{
	const char *bad;
	int m = decide_net_match(l, a, &bad);

	if (bad)
		dlog(d, 0, "ERROR: not an IP network, list processing stopped at: ",
		     bad);
	return m;
}

int decide_nets(struct decide *d, const spfc_addr *a)
{
	if (net_list(d, &d->cfg->skip_addresses, a)) {
		bypass(d, "SPF check N/A for local connections - ");
		return 1;
	}
	if (net_list(d, &d->cfg->whitelist, a)) {
		bypass(d, "SPF skipped for whitelisted relay - ");
		return 1;
	}
	return 0;
}

/* ---- the stages -------------------------------------------------------------- */

static void reject_text(struct decide *d, enum act act, const char *spf,
			const char *scope, const char *id)
{
	spfc_buf_reset(&d->text);
	render_reason(&d->text, d->cfg->reason_message, act == ACT_DEFER, spf,
		      scope, id, d->req->ip, or_unknown(d->req->recipient));
	spfc_buf_truncate(&d->text, DECIDE_REPLY_TEXT_MAX);
}

static void fields_for(const struct decide *d, struct render_fields *f,
		       const char *envfrom)
{
	f->client_ip = d->req->ip;
	f->helo = d->req->helo;
	f->sender = envfrom;
	f->receiver = or_unknown(d->req->recipient);
}

/* spf-engine's two debug lines of a result; the second holds the same
 * fields as the header (render_identity). */
static void log_pyspf(struct decide *d, const char *t, const char *expl,
		      const char *identity, const struct render_fields *f)
{
	spfc_buf *l = &d->line;

	if (!d->log || (d->log_level && d->log_level() < 2))
		return;
	spfc_buf_reset(l);
	spfc_buf_adds(l, "spfcheck: pyspf result: \"['");
	spfc_buf_adds(l, t);
	spfc_buf_adds(l, "', '");
	render_text(l, expl);
	spfc_buf_adds(l, "', '");
	spfc_buf_adds(l, identity);
	spfc_buf_adds(l, "']\"");
	dlog(d, 2, spfc_buf_str(l), NULL);
	spfc_buf_reset(l);
	spfc_buf_adds(l, t);
	spfc_buf_adds(l, "; ");
	render_identity(l, identity, f);
	spfc_buf_addc(l, ' ');
	dlog(d, 2, spfc_buf_str(l), NULL);
}

/* No_Mail (policyd-spf(8) DIFFERENCES 11): reject only a domain
 * publishing exactly "v=spf1 -all"; otherwise prepend, or dunno when
 * already prepended.  Returns 1 when the decision is made. */
static int no_mail(struct decide *d, const struct decide_check *c,
		   enum act *act)
{
	if (*act != ACT_REJECT || !d->cfg->no_mail)
		return 0;
	if (strcmp(c->record, "v=spf1 -all") == 0)
		return 0;
	if (d->last_prepend) {
		finish(d, ACT_DUNNO, already, 0);
		return 1;
	}
	*act = ACT_PREPEND;
	return 0;
}

/* Receiver policy (Reject_Not_Pass_Domains) or no record: the comment
 * says so instead of the record's explanation. */
static void local_expl(spfc_buf *expl, spfc_result r, int local, const char *t)
{
	if (local) {
		spfc_buf_reset(expl);
		spfc_buf_adds(expl, "Receiver policy for SPF ");
		spfc_buf_adds(expl, t);
	}
	if (r == SPFC_NONE) {
		spfc_buf_reset(expl);
		spfc_buf_adds(expl, "no SPF record");
	}
}

static void helo_done(struct decide *d, const struct decide_check *c)
{
	const struct config *cfg = d->cfg;
	const struct decide_req *q = d->req;
	spfc_result r = c->result;
	const char *t = decide_title(r);
	spfc_buf *expl = &d->expl;
	struct render_fields f;
	const char *envfrom;
	enum act act;
	int local = 0;

	spfc_buf_reset(expl);
	explanation(expl, c);
	d->rated = 0;
	d->helo_res = r;
	d->helo_err = r == SPFC_PERMERROR || r == SPFC_TEMPERROR;
	if (cfg->helo_reject == POL_NULL && q->sender && *q->sender)
		act = ACT_DUNNO;
	else
		act = result_action(cfg, 1, r, q->helo_name, &local);
	local_expl(expl, r, local, t);
	envfrom = !q->sender ? "None" : *q->sender ? q->sender : "<>";
	fields_for(d, &f, envfrom);
	log_pyspf(d, t, spfc_buf_str(expl), "helo", &f);
	spfc_buf_reset(&d->header);
	if (cfg->header_type == HDR_AR)
		render_ar_spf(&d->header, cfg->authserv_id, t, spfc_buf_str(expl),
			      "helo", q->helo, &f);
	else
		render_received_spf(&d->header, t, spfc_buf_str(expl), "helo", &f);

	if (act != ACT_REJECT && act != ACT_DEFER) {
		if (cfg->helo_pass_restriction && r == SPFC_PASS)
			store(d, ACT_RESULT_ONLY, cfg->helo_pass_restriction);
		else
			store(d, act, spfc_buf_str(&d->header));
	} else {
		if (no_mail(d, c, &act))
			return;
		if (act == ACT_REJECT || act == ACT_DEFER) {
			reject_text(d, act, spfc_buf_str(expl), "helo", q->helo);
			store(d, act, spfc_buf_str(&d->text));
			finish(d, act, spfc_buf_str(&d->text), d->helo_err);
			return;
		}
	}
	d->helo_act = act;
	d->stage = DS_MFROM;
}

/* The MAIL FROM stage runs a check: there is a sender and
 * Mail_From_reject is not No_Check. */
static int mfrom_checks(const struct decide *d)
{
	return d->req->sender && *d->req->sender &&
	       d->cfg->mail_from_reject != POL_NO_CHECK;
}

static enum decide_next ask(struct decide *d, const char *sender,
			    const char *helo, spfc_scope scope, int seconds,
			    const char *record)
{
	d->ask.sender = sender;
	d->ask.helo = helo;
	d->ask.scope = scope;
	d->ask.seconds = seconds;
	d->ask.record = record;
	d->ask.then_mfrom = 0;
	return DECIDE_ASK;
}

void decide_mfrom_ask(const struct decide *d, struct decide_ask *a)
{
	memset(a, 0, sizeof *a);
	a->sender = d->req->sender;
	a->helo = d->req->helo;
	a->scope = SPFC_SCOPE_MFROM;
	a->seconds = d->cfg->lookup_time;
}

/* The MAIL FROM stage begins: null sender, No_Check, or a check. */
static int mfrom_begin(struct decide *d)
{
	const struct config *cfg = d->cfg;
	const char *sender = d->req->sender;

	if (mfrom_checks(d)) {
		decide_mfrom_ask(d, &d->ask);
		return 1;
	}
	if (!sender) {
		decide_malformed(d, "no sender attribute");
		return 0;
	}
	if (!*sender) {
		if (cfg->helo_reject == POL_NO_CHECK)
			finish(d, ACT_NONE, "", 0);
		else if (cfg->helo_pass_restriction && d->helo_res == SPFC_PASS) {
			store(d, ACT_RESULT_ONLY, cfg->helo_pass_restriction);
			finish(d, ACT_RESULT_ONLY, cfg->helo_pass_restriction, 0);
		} else {
			store(d, d->helo_act, spfc_buf_str(&d->header));
			finish(d, d->helo_act, spfc_buf_str(&d->header), d->helo_err);
		}
		return 0;
	}
	/* a sender, and Mail_From_reject = No_Check */
	if (cfg->helo_reject == POL_NO_CHECK)
		finish(d, ACT_NONE, "", 0);
	else if (d->last_prepend)
		finish(d, ACT_DUNNO, already, 0);
	else
		finish(d, ACT_PREPEND, spfc_buf_str(&d->header), 0);
	return 0;
}

static void mfrom_done(struct decide *d, const struct decide_check *c)
{
	const struct config *cfg = d->cfg;
	const struct decide_req *q = d->req;
	spfc_result r = c->result;
	const char *t = decide_title(r), *at, *sdomain, *restrict_name;
	spfc_buf *expl = &d->expl;
	struct render_fields f;
	enum act act;
	int local = 0, err = r == SPFC_PERMERROR || r == SPFC_TEMPERROR;

	spfc_buf_reset(expl);
	explanation(expl, c);
	d->rated = 1;
	at = strchr(q->sender, '@');
	sdomain = at ? at + 1 : "";
	act = result_action(cfg, 0, r, sdomain, &local);
	local_expl(expl, r, local, t);
	fields_for(d, &f, q->sender);
	log_pyspf(d, t, spfc_buf_str(expl), "mailfrom", &f);
	if (r != SPFC_NONE || d->helo_res == SPFC_NONE) {
		spfc_buf_reset(&d->header);
		if (cfg->header_type == HDR_AR)
			/* pyspf's split_email(sender)[1]: the domain part, or
			 * the whole sender when it has no '@' */
			render_ar_spf(&d->header, cfg->authserv_id, t,
				      spfc_buf_str(expl), "mailfrom",
				      at ? at + 1 : q->sender, &f);
		else
			render_received_spf(&d->header, t, "mailfrom", "mailfrom", &f);
		if (act != ACT_REJECT && act != ACT_DEFER)
			store(d, act, spfc_buf_str(&d->header));
	}
	if ((cfg->mail_from_pass_restriction && r == SPFC_PASS) ||
	    (cfg->helo_pass_restriction && d->helo_res == SPFC_PASS)) {
		if (r == SPFC_PASS && cfg->mail_from_pass_restriction)
			restrict_name = cfg->mail_from_pass_restriction;
		else	/* policyd-spf(8) DIFFERENCES 10: never "action=None" */
			restrict_name = cfg->helo_pass_restriction;
		if (r == SPFC_PASS)
			store(d, ACT_RESULT_ONLY, restrict_name);
		finish(d, ACT_RESULT_ONLY, restrict_name, 0);
		return;
	}
	if (act == ACT_REJECT || act == ACT_DEFER) {
		if (no_mail(d, c, &act))
			return;
		if (act == ACT_REJECT || act == ACT_DEFER) {
			reject_text(d, act, spfc_buf_str(expl), "mfrom", q->sender);
			store(d, act, spfc_buf_str(&d->text));
			finish(d, act, spfc_buf_str(&d->text), err);
			return;
		}
	}
	if (d->last_prepend)
		finish(d, ACT_DUNNO, already, 0);
	else
		finish(d, ACT_PREPEND, spfc_buf_str(&d->header), 0);
}

/* A whitelist check has finished: 1 when it passed (the decision then
 * is the trace field), 0 otherwise (or when none ran). */
static int wl_done(struct decide *d, const struct decide_check **done,
		   const char *comment)
{
	int pass;

	if (!*done)
		return 0;
	pass = (*done)->result == SPFC_PASS;
	*done = NULL;
	if (pass)
		bypass(d, comment);
	return pass;
}

/* Check the client against a whitelist entry's own policy (record NULL:
 * the entry's published SPF record), as postmaster@name. */
static enum decide_next wl_ask(struct decide *d, const char *name,
			       const char *record)
{
	spfc_buf_reset(&d->sender);
	spfc_buf_adds(&d->sender, "postmaster@");
	spfc_buf_adds(&d->sender, name);
	return ask(d, spfc_buf_str(&d->sender), name, SPFC_SCOPE_MFROM,
		   d->cfg->whitelist_lookup_time, record);
}

/* "v=spf1 ptr:<name> -all" for a Domain_Whitelist_PTR entry (b is bound
 * to DECIDE_PTR_RECORD_MAX bytes); NULL when the entry cannot be one. */
static const char *ptr_record(spfc_buf *b, const char *name)
{
	spfc_buf_reset(b);
	spfc_buf_adds(b, "v=spf1 ptr:");
	spfc_buf_adds(b, name);
	spfc_buf_adds(b, " -all");
	return b->err ? NULL : spfc_buf_str(b);
}

enum decide_next decide_step(struct decide *d, const struct decide_check *done)
{
	const struct config *cfg = d->cfg;
	const struct decide_req *q = d->req;

	d->rated = -1;
	for (;;) {
		switch (d->stage) {
		case DS_DOMAIN_WL:
			if (wl_done(d, &done, "SPF skipped for whitelisted relay domain - "))
				break;
			if (d->idx < cfg->domain_whitelist.n) {
				const char *n = cfg->domain_whitelist.v[d->idx++];
				return ask(d, n, n, SPFC_SCOPE_MFROM,
					   cfg->whitelist_lookup_time, NULL);
			}
			d->stage = DS_HELO_WL;
			d->idx = 0;
			break;
		case DS_HELO_WL:
			if (wl_done(d, &done, "SPF skipped for whitelisted HELO domain - "))
				break;
			for (; d->idx < cfg->helo_whitelist.n; d->idx++)
				if (q->helo_name &&
				    strcmp(cfg->helo_whitelist.v[d->idx], q->helo_name) == 0)
					break;
			if (d->idx < cfg->helo_whitelist.n) {
				/* one of the HELO name's addresses is the client's;
				 * one check covers every equal entry */
				d->idx = cfg->helo_whitelist.n;
				return wl_ask(d, q->helo_name, "v=spf1 a -all");
			}
			d->stage = DS_PTR_WL;
			d->idx = 0;
			break;
		case DS_PTR_WL:
			if (wl_done(d, &done, "SPF skipped for PTR whitelisted relay domain - "))
				break;
			if (d->idx < cfg->domain_whitelist_ptr.n) {
				/* policyd-spf(8) DIFFERENCES 3: the ptr
				 * mechanism's rules */
				const char *n = cfg->domain_whitelist_ptr.v[d->idx++];
				const char *r = ptr_record(&d->record, n);
				if (r)
					return wl_ask(d, n, r);
				break;
			}
			d->stage = DS_HELO;
			break;
		case DS_HELO:
			if (done) {
				helo_done(d, done);
				done = NULL;
				break;
			}
			if ((!q->sender || !*q->sender) && (!q->helo_name || !*q->helo_name)) {
				dlog(d, 2, "spfcheck: No sender or helo, exiting", NULL);
				finish(d, ACT_NONE, "", 0);
				break;
			}
			if (cfg->helo_reject == POL_NO_CHECK) {
				d->stage = DS_MFROM;
				break;
			}
			if (!q->helo_name) {
				decide_malformed(d, "no helo_name attribute");
				break;
			}
			spfc_buf_reset(&d->sender);
			spfc_buf_adds(&d->sender, "postmaster@");
			spfc_buf_adds(&d->sender, q->helo);
			ask(d, spfc_buf_str(&d->sender), q->helo, SPFC_SCOPE_HELO,
			    cfg->lookup_time, NULL);
			d->ask.then_mfrom = mfrom_checks(d);
			return DECIDE_ASK;
		case DS_MFROM:
			if (done) {
				mfrom_done(d, done);
				done = NULL;
				break;
			}
			if (mfrom_begin(d))
				return DECIDE_ASK;
			break;
		case DS_DONE:
			return DECIDE_DONE;
		}
	}
}

/* ---- the answer ------------------------------------------------------------- */

static void qid_prefix(const struct decide *d, spfc_buf *b)
{
	if (d->cfg->queue_id && d->req->queue_id) {
		render_text(b, d->req->queue_id);
		spfc_buf_adds(b, ": ");
	}
}

enum act decide_answer(struct decide *d, spfc_buf *a)
{
	const struct config *cfg = d->cfg;
	spfc_buf *line = &d->line;
	const char *text = spfc_buf_str(&d->text);
	const char *rej, *def;
	enum act act = d->act;

	spfc_buf_reset(line);
	spfc_buf_reset(a);
	rej = !cfg->enhanced_status_codes ? "550"
	      : d->iserror ? "550 5.7.24" : "550 5.7.23";
	def = cfg->enhanced_status_codes ? "defer_if_permit 4.7.24" : "defer_if_permit";
	if (cfg->test_only == 0 && act != ACT_PREPEND && act != ACT_NONE &&
	    act != ACT_DUNNO && act != ACT_RAW) {
		/* spf-engine answers dunno silently; we log what it would
		 * have been */
		spfc_buf_adds(line, "TestOnly: would have answered: ");
		if (act != ACT_RESULT_ONLY) {
			spfc_buf_adds(line, act == ACT_REJECT ? rej : def);
			spfc_buf_addc(line, ' ');
		}
		dlog(d, 1, spfc_buf_str(line), text);
		spfc_buf_reset(line);
		act = ACT_NONE;
	}
	switch (act) {
	case ACT_REJECT:
	case ACT_DEFER:
		spfc_buf_adds(a, act == ACT_REJECT ? rej : def);
		spfc_buf_addc(a, ' ');
		spfc_buf_adds(a, text);
		qid_prefix(d, line);
		spfc_buf_adds(line, spfc_buf_str(a));
		dlog(d, 1, spfc_buf_str(line), NULL);
		break;
	case ACT_PREPEND:
		if (cfg->prospective) {
			spfc_buf_adds(a, "dunno");
		} else if (cfg->header_type != HDR_NONE) {
			spfc_buf_adds(a, "prepend ");
			spfc_buf_adds(a, text);
			qid_prefix(d, line);
			spfc_buf_adds(line, "prepend ");
			dlog(d, 1, spfc_buf_str(line), text);
		} else {
			spfc_buf_adds(a, "dunno");
			qid_prefix(d, line);
			spfc_buf_adds(line, "Header field not prepended: ");
			dlog(d, 1, spfc_buf_str(line), text);
		}
		break;
	case ACT_RAW:
		spfc_buf_adds(a, text);
		break;
	case ACT_RESULT_ONLY:
		spfc_buf_adds(a, text);
		qid_prefix(d, line);
		spfc_buf_adds(line, "result_only ");
		dlog(d, 1, spfc_buf_str(line), text);
		break;
	default:
		spfc_buf_adds(a, "dunno");
	}
	if (a->err) {
		spfc_buf_reset(a);
		spfc_buf_adds(a, "dunno");
	}
	return act;
}
