/*
 * policy.c - spf-engine's decision procedure on libspfc (see policy.h).
 *
 * A job walks these stages, each SPF check running asynchronously with a
 * deadline timer: Mock; cached instance; skip_addresses; Whitelist;
 * Domain_Whitelist; HELO_Whitelist; Domain_Whitelist_PTR; HELO; MAIL FROM.
 * The comments name spf-engine's own variables (result[3], last_action)
 * where the logic mirrors its code.
 *
 * How it fails: a request that cannot be evaluated (no usable client
 * address, no helo_name attribute, a name with bytes no name can hold,
 * out of memory) is answered "dunno" and logged (BRIEF difference 8); a
 * DNS failure is TempError, never Fail.
 */
#include "policy.h"

#include "cache.h"
#include "log.h"
#include "render.h"

#include <spfc/buf.h>
#include <spfc/dnscache.h>
#include <spfc/spfc.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_PTR_RECORD_MAX 512	/* bytes of a whitelist policy record */
/* bytes of a reject/defer text: with "550 5.7.23 " and CRLF it stays in
 * RFC 5321's 512-octet reply line */
#define POLICY_REPLY_TEXT_MAX 495

enum act { ACT_NONE, ACT_DUNNO, ACT_PREPEND, ACT_REJECT, ACT_DEFER,
	   ACT_RESULT_ONLY, ACT_RAW /* the text is the whole action */ };

enum stage { ST_DOMAIN_WL, ST_HELO_WL, ST_PTR_WL, ST_HELO, ST_MFROM, ST_DONE };

struct policy {
	uv_loop_t *loop;
	spfc_resolver *res;
	const struct config *cfg;
	char *hostname;
	size_t inflight;		/* SPF checks running */
	size_t jobs, max_jobs;		/* requests being answered, cap */
	struct policy_job *park_head, *park_tail; /* waiting for room */
	int cap_logged;
	struct policy_stats st;
	struct policy_job *spare;	/* finished jobs kept for reuse */
	size_t nspare;
};

/* Finished jobs kept for the next requests, with their buffers: a busy
 * server then allocates nearly nothing per request.  Buffers that grew
 * past POLICY_SPARE_BUF bytes are released. */
#define POLICY_SPARE_JOBS 64
#define POLICY_SPARE_BUF 4096

struct policy_job {
	struct policy *p;
	struct config user;		/* Per_User copy, when peruser */
	const struct config *cfg;	/* p->cfg or &user */
	int peruser;
	policy_done_cb cb;
	void *arg;
	struct cache *cache;		/* the caller's instance cache */

	/* request attributes (NULL when absent) */
	char *client_address, *helo_name, *sender, *recipient, *instance,
	    *queue_id;
	char *ip;		/* Prospective or client_address */
	spfc_addr ipaddr;
	char *helo;		/* HELO name used for the checks */
	int found;		/* the instance was cached */
	int last_prepend;	/* last_action == 'prepend' */

	enum stage stage;
	size_t idx;		/* position in a whitelist */
	spfc_check *chk;
	int check_done;		/* the running check finished */
	spfc_check *next;	/* the MAIL FROM check, started beside the
				   HELO check; taken over by ST_MFROM */
	int next_done;		/* it finished */
	int in_step;
	int starting;		/* inside policy_start */
	int delivered_sync;	/* answered inside policy_start */
	int active;		/* counted in p->jobs */
	int parked;		/* waiting for room (p->max_jobs) */
	struct policy_job *pnext, *pprev;
	uint64_t t0;		/* uv_now() at the start, ms */

	/* the HELO stage's outcome */
	spfc_result helo_res;	/* SPFC_NONE when not checked */
	enum act helo_act;
	int helo_err;

	enum act act;		/* the answer */
	int iserror;
	int finished;
	int pend_set;		/* a decision to remember for the instance */
	enum cache_action pend_ca;	/* ... its kind; its text is in pend */

	/* Kept when a finished job is reused (job_new clears what is above):
	 * the deadline timer, stopped but open, and the buffers. */
	uv_timer_t timer;
	int timer_on;		/* the timer is initialized (open) */
	spfc_buf header;	/* the header to prepend */
	spfc_buf text;		/* scratch */
	spfc_buf answer;
	spfc_buf line, qid;	/* scratch of deliver() */
	spfc_buf expl;		/* the explanation of a check's result */
	spfc_buf scratch;	/* step()'s: a check's sender */
	spfc_buf pend;		/* the text of the decision to remember */
	char *strs;		/* one block holding the request's strings */
	size_t strs_cap;	/* its size */
};

/* ---- small helpers ---------------------------------------------------- */

static char *dup0(const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s);
	p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static const char *title(spfc_result r)
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

/* pyspf's explanation of a result (reference §4). */
static void explanation(spfc_buf *out, const spfc_check *c)
{
	switch (spfc_check_result(c)) {
	case SPFC_PASS:
		spfc_buf_adds(out, "sender SPF authorized");
		break;
	case SPFC_FAIL:
		render_text_n(out, spfc_check_explanation(c), RENDER_EXPL_MAX);
		break;
	case SPFC_SOFTFAIL:
		if (*spfc_check_explanation(c))
			render_text_n(out, spfc_check_explanation(c), RENDER_EXPL_MAX);
		else
			spfc_buf_adds(out, "domain owner discourages use of this host");
		break;
	case SPFC_NEUTRAL:
		spfc_buf_adds(out, "access neither permitted nor denied");
		break;
	case SPFC_PERMERROR:
		spfc_buf_adds(out, "SPF Permanent Error: ");
		render_text(out, spfc_check_problem(c));
		break;
	case SPFC_TEMPERROR:
		spfc_buf_adds(out, "SPF Temporary Error: ");
		render_text(out, spfc_check_problem(c));
		break;
	case SPFC_NONE:
		break;
	}
}

static int ascii_ieq_suffix(const char *s, size_t sl, const char *suf, size_t fl)
{
	size_t i;

	if (fl > sl)
		return 0;
	for (i = 0; i < fl; i++) {
		char a = s[sl - fl + i], b = suf[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
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

/* spf-engine's _get_resultcodes: the action for a result in a scope. */
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

int policy_net_match(const struct net_list *l, const spfc_addr *a)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].bad) {
			log_msg2(0, "ERROR: not an IP network, list processing stopped at: ",
				 l->v[i].text);
			return 0;
		}
		if (spfc_addr_match(a, &l->v[i].addr, l->v[i].bits))
			return 1;
	}
	return 0;
}

static const char *or_unknown(const char *s)
{
	return s ? s : "<UNKNOWN>";
}

static const char *qid_prefix(const struct policy_job *j, spfc_buf *b)
{
	spfc_buf_reset(b);
	if (j->cfg->queue_id && j->queue_id) {
		render_text(b, j->queue_id);
		spfc_buf_adds(b, ": ");
	}
	return spfc_buf_str(b);
}

/* ---- finishing ------------------------------------------------------- */

/* A job's buffers, which live as long as the job and its reuses. */
static const size_t job_buf_at[] = {
	offsetof(struct policy_job, header), offsetof(struct policy_job, text),
	offsetof(struct policy_job, answer), offsetof(struct policy_job, line),
	offsetof(struct policy_job, qid), offsetof(struct policy_job, expl),
	offsetof(struct policy_job, scratch), offsetof(struct policy_job, pend),
};

static void each_buf(struct policy_job *j, void (*fn)(spfc_buf *))
{
	size_t i;

	for (i = 0; i < sizeof job_buf_at / sizeof job_buf_at[0]; i++)
		fn((spfc_buf *)(void *)((char *)j + job_buf_at[i]));
}

static void new_buf(spfc_buf *b)
{
	spfc_buf_init(b, 0);
}

static void keep_buf(spfc_buf *b)
{
	if (b->cap > POLICY_SPARE_BUF)
		spfc_buf_free(b);
	else
		spfc_buf_reset(b);
}

/* The end of a job whose strings and check are gone. */
static void job_dispose(struct policy_job *j)
{
	each_buf(j, spfc_buf_free);
	free(j->strs);
	free(j);
}

static void on_timer_closed(uv_handle_t *h)
{
	job_dispose(h->data);
}

/* Close the timer (then dispose of j) or dispose of j at once. */
static void job_close(struct policy_job *j)
{
	if (j->timer_on) {
		j->timer_on = 0;
		uv_close((uv_handle_t *)&j->timer, on_timer_closed);
	} else {
		job_dispose(j);
	}
}

/* A finished job, its checks dropped (job_release): kept as a spare of
 * its policy when there is room (its timer stopped but open, its buffers
 * emptied), else closed. */
static void job_free(struct policy_job *j)
{
	struct policy *p = j->p;

	if (j->peruser)
		config_free(&j->user);
	if (p->nspare < POLICY_SPARE_JOBS) {
		if (j->timer_on)
			uv_timer_stop(&j->timer);
		each_buf(j, keep_buf);
		if (j->strs_cap > POLICY_SPARE_BUF) {
			free(j->strs);
			j->strs = NULL;
			j->strs_cap = 0;
		}
		j->pnext = p->spare;
		p->spare = j;
		p->nspare++;
		return;
	}
	job_close(j);
}

/* A job as new: a spare one (timer and buffers kept) or a fresh one. */
static struct policy_job *job_new(struct policy *p)
{
	struct policy_job *j = p->spare;

	if (!j) {
		j = calloc(1, sizeof *j);
		if (j)
			each_buf(j, new_buf);
		return j;
	}
	p->spare = j->pnext;
	p->nspare--;
	memset(j, 0, offsetof(struct policy_job, timer));
	return j;
}

static void drop_check(struct policy_job *j)
{
	if (j->chk) {
		spfc_check_free(j->chk);
		j->chk = NULL;
		j->p->inflight--;
	}
}

static void drop_next(struct policy_job *j)
{
	if (j->next) {
		spfc_check_free(j->next);
		j->next = NULL;
		j->p->inflight--;
	}
}

static void unpark(struct policy_job *j)
{
	struct policy *p = j->p;

	if (j->pprev)
		j->pprev->pnext = j->pnext;
	else
		p->park_head = j->pnext;
	if (j->pnext)
		j->pnext->pprev = j->pprev;
	else
		p->park_tail = j->pprev;
	j->pnext = j->pprev = NULL;
	j->parked = 0;
}

static void step(struct policy_job *j);

/* Start parked jobs while there is room. */
static void wake_parked(struct policy *p)
{
	while (p->park_head && p->jobs < p->max_jobs) {
		struct policy_job *j = p->park_head;
		unpark(j);
		j->active = 1;
		p->jobs++;
		step(j);
	}
}

static void job_release(struct policy_job *j)
{
	struct policy *p = j->p;

	drop_check(j);
	drop_next(j);
	if (j->parked) {
		unpark(j);
	} else if (j->active) {
		j->active = 0;
		p->jobs--;
	}
	job_free(j);
	wake_parked(p);
}

/* Latency histogram: exact milliseconds below LAT_EXACT, then
 * LAT_SUB buckets per doubling (under 1% wide), so a quantile read from
 * it is within 1% of the true one; clamped to the least and greatest
 * latency seen, it is exact when all answers took the same time. */
static size_t lat_index(uint64_t ms)
{
	unsigned e = 0;
	uint64_t v;

	if (ms < POLICY_LAT_EXACT)
		return (size_t)ms;
	for (v = ms; v >= 2 * POLICY_LAT_EXACT && e < POLICY_LAT_OCTAVES - 1; v >>= 1)
		e++;
	if (v >= 2 * POLICY_LAT_EXACT)
		v = 2 * POLICY_LAT_EXACT - 1;	/* beyond the last octave */
	return POLICY_LAT_EXACT + e * POLICY_LAT_SUB +
	       (size_t)((v - POLICY_LAT_EXACT) * POLICY_LAT_SUB / POLICY_LAT_EXACT);
}

/* The smallest latency that falls into bucket i, and the bucket's width. */
static uint64_t lat_low(size_t i, uint64_t *width)
{
	size_t e, k;

	if (i < POLICY_LAT_EXACT) {
		*width = 1;
		return i;
	}
	e = (i - POLICY_LAT_EXACT) / POLICY_LAT_SUB;
	k = (i - POLICY_LAT_EXACT) % POLICY_LAT_SUB;
	*width = ((uint64_t)POLICY_LAT_EXACT << e) / POLICY_LAT_SUB;
	return ((uint64_t)POLICY_LAT_EXACT << e) + k * *width;
}

static void count_answer(struct policy_job *j, enum act act)
{
	struct policy *p = j->p;
	uint64_t ms = uv_now(p->loop) - j->t0;

	p->st.answered++;
	p->st.actions[act]++;
	p->st.latency[lat_index(ms)]++;
	if (p->st.answered == 1 || ms < p->st.lat_min)
		p->st.lat_min = ms;
	if (ms > p->st.lat_max)
		p->st.lat_max = ms;
}

/* Turn the decision into the action text (policyd_spf.py's main loop),
 * log it, and call back. */
static void deliver(struct policy_job *j)
{
	const struct config *cfg = j->cfg;
	spfc_buf *a = &j->answer, *line = &j->line, *qid = &j->qid;
	const char *text = spfc_buf_str(&j->text);
	const char *rej, *def;
	enum act act = j->act;

	/* before the answer: the next recipient's request may follow it */
	if (j->pend_set)
		cache_put(j->cache, j->instance, j->pend_ca, spfc_buf_str(&j->pend));
	spfc_buf_reset(line);
	spfc_buf_reset(a);
	rej = !cfg->enhanced_status_codes ? "550"
	      : j->iserror ? "550 5.7.24" : "550 5.7.23";
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
		log_msg2(1, spfc_buf_str(line), text);
		spfc_buf_reset(line);
		act = ACT_NONE;
	}
	switch (act) {
	case ACT_REJECT:
	case ACT_DEFER:
		spfc_buf_adds(a, act == ACT_REJECT ? rej : def);
		spfc_buf_addc(a, ' ');
		spfc_buf_adds(a, text);
		spfc_buf_adds(line, qid_prefix(j, qid));
		spfc_buf_adds(line, spfc_buf_str(a));
		log_msg(1, spfc_buf_str(line));
		break;
	case ACT_PREPEND:
		if (cfg->prospective) {
			spfc_buf_adds(a, "dunno");
		} else if (cfg->header_type != HDR_NONE) {
			spfc_buf_adds(a, "prepend ");
			spfc_buf_adds(a, text);
			spfc_buf_adds(line, qid_prefix(j, qid));
			spfc_buf_adds(line, "prepend ");
			log_msg2(1, spfc_buf_str(line), text);
		} else {
			spfc_buf_adds(a, "dunno");
			spfc_buf_adds(line, qid_prefix(j, qid));
			spfc_buf_adds(line, "Header field not prepended: ");
			log_msg2(1, spfc_buf_str(line), text);
		}
		break;
	case ACT_RAW:
		spfc_buf_adds(a, text);
		break;
	case ACT_RESULT_ONLY:
		spfc_buf_adds(a, text);
		spfc_buf_adds(line, qid_prefix(j, qid));
		spfc_buf_adds(line, "result_only ");
		log_msg2(1, spfc_buf_str(line), text);
		break;
	default:
		spfc_buf_adds(a, "dunno");
	}
	if (a->err) {
		spfc_buf_reset(a);
		spfc_buf_adds(a, "dunno");
	}
	count_answer(j, act);
	if (j->cb)
		j->cb(j->arg, spfc_buf_str(a));
	if (j->starting)
		j->delivered_sync = 1;	/* policy_start releases it */
	else
		job_release(j);
}

/* End the job with an action and its text. */
static void finish(struct policy_job *j, enum act act, const char *text,
		   int iserror)
{
	j->act = act;
	j->iserror = iserror;
	if (text != spfc_buf_str(&j->text)) {
		spfc_buf_reset(&j->text);
		spfc_buf_adds(&j->text, text ? text : "");
	}
	j->stage = ST_DONE;
	j->finished = 1;
}

static void malformed(struct policy_job *j, const char *why)
{
	log_msg2(0, "malformed request, answered dunno: ", why);
	finish(j, ACT_DUNNO, "", 0);
}

/* No memory to check: fail closed, as a daemon that died would (Postfix
 * then defers): never an answer that lets the mail through unchecked.
 * Not cached. */
static void out_of_memory(struct policy_job *j)
{
	log_err(0, "out of memory: the SPF check could not run; answered defer_if_permit");
	finish(j, ACT_DEFER, POLICY_OOM_TEXT, 0);
}

static void store(struct policy_job *j, enum act act, const char *text)
{
	enum cache_action ca;

	if (j->peruser || !j->instance)
		return;
	switch (act) {
	case ACT_PREPEND: ca = CA_PREPEND; break;
	case ACT_REJECT: ca = CA_REJECT; break;
	case ACT_DEFER: ca = CA_DEFER; break;
	case ACT_RESULT_ONLY: ca = CA_RESULT_ONLY; break;
	default: ca = CA_DUNNO;
	}
	/* Kept until the answer: a later stage's decision replaces it
	 * (the MAIL FROM result after the HELO result), and the cache is
	 * written once per request. */
	j->pend_ca = ca;
	j->pend_set = 1;
	spfc_buf_reset(&j->pend);
	if (text)
		spfc_buf_adds(&j->pend, text);
}

/* A whitelist or skip matched: prepend its trace field once. */
static void bypass(struct policy_job *j, const char *comment)
{
	struct render_fields f;

	f.client_ip = or_unknown(j->client_address);
	f.helo = or_unknown(j->helo_name);
	f.sender = or_unknown(j->sender);
	f.receiver = or_unknown(j->recipient);
	spfc_buf_reset(&j->text);
	render_skip(&j->text, j->cfg->header_type == HDR_AR, j->cfg->authserv_id,
		    comment, &f);
	log_msg(3, spfc_buf_str(&j->text));
	if (j->last_prepend) {
		finish(j, ACT_DUNNO, "Header already pre-pended", 0);
		return;
	}
	if (!j->found)
		store(j, ACT_PREPEND, spfc_buf_str(&j->text));
	finish(j, ACT_PREPEND, spfc_buf_str(&j->text), 0);
}

/* ---- running checks ---------------------------------------------------- */

static void timer_init(struct policy_job *j);

static void on_check_done(spfc_check *c, void *arg)
{
	struct policy_job *j = arg;

	if (c == j->next) {	/* waits until ST_MFROM takes it over */
		j->next_done = 1;
		return;
	}
	j->check_done = 1;
	if (j->timer_on)
		uv_timer_stop(&j->timer);
	if (!j->in_step)
		step(j);
}

static void on_deadline(uv_timer_t *t)
{
	struct policy_job *j = t->data;

	if (j->chk && !j->check_done) {
		j->p->st.deadlines++;
		spfc_check_expire(j->chk);	/* calls on_check_done */
	}
}

/* A new check, not started; NULL (and why in *st) when the names cannot
 * be checked or memory ran out. */
static spfc_check *new_check(struct policy_job *j, const char *sender,
			     const char *helo, spfc_scope scope, int seconds,
			     const char *record, spfc_status *st)
{
	spfc_options o;
	spfc_request q;
	spfc_check *c;

	spfc_options_init(&o);
	o.timeout_ms = (int64_t)seconds * 1000;
	o.void_limit = (unsigned)j->cfg->void_limit;
	o.receiver = j->p->hostname;
	o.default_exp = "SPF fail - not authorized";
	o.exp_softfail = 1;
	o.record = record;
	memset(&q, 0, sizeof q);
	q.ip = j->ipaddr;
	q.sender = sender;
	q.helo = helo;
	q.scope = scope;
	*st = spfc_check_new(j->p->res, &o, &q, &c);
	if (*st != SPFC_OK)
		return NULL;
	j->p->inflight++;
	return c;
}

/* Arm the deadline of the running check: its own (spfc_check_deadline),
 * so a check started early has no more time than one started now. */
static void arm_deadline(struct policy_job *j)
{
	int64_t left = spfc_check_deadline(j->chk) - spfc_resolver_now(j->p->res);

	timer_init(j);
	uv_timer_start(&j->timer, on_deadline, left > 0 ? (uint64_t)left : 0, 0);
}

/* Start a check; returns 0, or -1 (then the job is finished dunno). */
static int run_check(struct policy_job *j, const char *sender,
		     const char *helo, spfc_scope scope, int seconds,
		     const char *record)
{
	spfc_status st;

	drop_check(j);
	j->chk = new_check(j, sender, helo, scope, seconds, record, &st);
	if (!j->chk) {
		if (st == SPFC_ENOMEM)
			out_of_memory(j);
		else
			malformed(j, "sender or HELO name holds bytes no name can hold");
		return -1;
	}
	j->check_done = 0;
	spfc_check_start(j->chk, on_check_done, j);
	if (!j->check_done)
		arm_deadline(j);
	return 0;
}

/* mfrom_begin() runs a check: there is a sender and Mail_From_reject is
 * not No_Check. */
static int mfrom_checks(const struct policy_job *j)
{
	return j->sender && *j->sender && j->cfg->mail_from_reject != POL_NO_CHECK;
}

/* The MAIL FROM check's lookups do not depend on the HELO check's
 * result: start it now, beside the HELO check, when ST_MFROM will surely
 * run one (a sender, Mail_From_reject not No_Check).  Its answer waits
 * for the HELO stage, so results, log lines and the reply are as if the
 * two ran one after the other; a HELO result that ends the job discards
 * it (its DNS queries were spent for nothing). */
static void start_next(struct policy_job *j)
{
	spfc_status st;

	if (j->check_done || !mfrom_checks(j))
		return;
	j->next = new_check(j, j->sender, j->helo, SPFC_SCOPE_MFROM,
			    j->cfg->lookup_time, NULL, &st);
	if (!j->next)
		return;	/* ST_MFROM tries again and reports it */
	spfc_check_start(j->next, on_check_done, j);
}

/* ST_MFROM takes over the early MAIL FROM check (the HELO check is
 * dropped already). */
static void take_next(struct policy_job *j)
{
	j->chk = j->next;
	j->check_done = j->next_done;
	j->next = NULL;
	if (!j->check_done)
		arm_deadline(j);
}

/* ---- the stages --------------------------------------------------------- */

static void reject_text(struct policy_job *j, enum act act, const char *spf,
			const char *scope, const char *id)
{
	spfc_buf_reset(&j->text);
	render_reason(&j->text, j->cfg->reason_message, act == ACT_DEFER, spf,
		      scope, id, j->ip, or_unknown(j->recipient));
	/* RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets */
	spfc_buf_truncate(&j->text, POLICY_REPLY_TEXT_MAX);
}

static void fields_for(struct policy_job *j, struct render_fields *f,
		       const char *envfrom)
{
	f->client_ip = j->ip;
	f->helo = j->helo;
	f->sender = envfrom;
	f->receiver = or_unknown(j->recipient);
}

static void log_pyspf(const char *t, const char *expl,
		      const char *identity, const struct render_fields *f)
{
	spfc_buf l;

	if (log_level() < 2)
		return;
	spfc_buf_init(&l, 0);
	spfc_buf_adds(&l, "spfcheck: pyspf result: \"['");
	spfc_buf_adds(&l, t);
	spfc_buf_adds(&l, "', '");
	render_text(&l, expl);
	spfc_buf_adds(&l, "', '");
	spfc_buf_adds(&l, identity);
	spfc_buf_adds(&l, "']\"");
	log_msg(2, spfc_buf_str(&l));
	spfc_buf_reset(&l);
	spfc_buf_adds(&l, t);
	spfc_buf_adds(&l, "; identity=");
	spfc_buf_adds(&l, identity);
	spfc_buf_adds(&l, "; client-ip=");
	render_text(&l, f->client_ip);
	spfc_buf_adds(&l, "; helo=");
	render_text(&l, f->helo);
	spfc_buf_adds(&l, "; envelope-from=");
	render_text(&l, f->sender);
	spfc_buf_adds(&l, "; receiver=");
	render_text(&l, f->receiver);
	spfc_buf_addc(&l, ' ');
	log_msg(2, spfc_buf_str(&l));
	spfc_buf_free(&l);
}

/* No_Mail (BRIEF difference 11): reject only a domain publishing exactly
 * "v=spf1 -all"; otherwise prepend, or dunno when already prepended.
 * Returns 1 when the job finished. */
static int no_mail(struct policy_job *j, enum act *act)
{
	if (*act != ACT_REJECT || !j->cfg->no_mail)
		return 0;
	if (strcmp(spfc_check_record(j->chk), "v=spf1 -all") == 0)
		return 0;
	if (j->last_prepend) {
		finish(j, ACT_DUNNO, "Header already pre-pended", 0);
		return 1;
	}
	*act = ACT_PREPEND;
	return 0;
}

static void helo_done(struct policy_job *j)
{
	const struct config *cfg = j->cfg;
	spfc_result r = spfc_check_result(j->chk);
	const char *t = title(r);
	spfc_buf *expl = &j->expl;
	struct render_fields f;
	const char *envfrom;
	enum act act;
	int local = 0;

	spfc_buf_reset(expl);
	explanation(expl, j->chk);
	j->p->st.results[0][r]++;
	j->helo_res = r;
	j->helo_err = r == SPFC_PERMERROR || r == SPFC_TEMPERROR;
	if (cfg->helo_reject == POL_NULL && j->sender && *j->sender) {
		act = ACT_DUNNO;
	} else {
		act = result_action(cfg, 1, r, j->helo_name, &local);
		if (local) {
			spfc_buf_reset(expl);
			spfc_buf_adds(expl, "Receiver policy for SPF ");
			spfc_buf_adds(expl, t);
		}
	}
	if (r == SPFC_NONE) {
		spfc_buf_reset(expl);
		spfc_buf_adds(expl, "no SPF record");
	}
	envfrom = !j->sender ? "None" : *j->sender ? j->sender : "<>";
	fields_for(j, &f, envfrom);
	log_pyspf(t, spfc_buf_str(expl), "helo", &f);
	spfc_buf_reset(&j->header);
	if (cfg->header_type == HDR_AR)
		render_ar_spf(&j->header, cfg->authserv_id, t, spfc_buf_str(expl),
			      "helo", j->helo, &f);
	else
		render_received_spf(&j->header, t, spfc_buf_str(expl), "helo", &f);

	if (act != ACT_REJECT && act != ACT_DEFER) {
		if (cfg->helo_pass_restriction && r == SPFC_PASS)
			store(j, ACT_RESULT_ONLY, cfg->helo_pass_restriction);
		else
			store(j, act, spfc_buf_str(&j->header));
	} else {
		if (no_mail(j, &act))
			return;
		if (act == ACT_REJECT || act == ACT_DEFER) {
			reject_text(j, act, spfc_buf_str(expl), "helo", j->helo);
			store(j, act, spfc_buf_str(&j->text));
			finish(j, act, spfc_buf_str(&j->text), j->helo_err);
			return;
		}
	}
	j->helo_act = act;
	j->stage = ST_MFROM;
}

/* The MAIL FROM stage begins: null sender, No_Check, or a check. */
static void mfrom_begin(struct policy_job *j)
{
	const struct config *cfg = j->cfg;

	if (mfrom_checks(j)) {
		if (j->next)	/* started beside the HELO check */
			take_next(j);
		else
			run_check(j, j->sender, j->helo, SPFC_SCOPE_MFROM,
				  cfg->lookup_time, NULL);
		return;
	}
	if (!j->sender) {
		malformed(j, "no sender attribute");
		return;
	}
	if (!*j->sender) {
		if (cfg->helo_reject == POL_NO_CHECK) {
			finish(j, ACT_NONE, "", 0);
			return;
		}
		if (cfg->helo_pass_restriction && j->helo_res == SPFC_PASS) {
			store(j, ACT_RESULT_ONLY, cfg->helo_pass_restriction);
			finish(j, ACT_RESULT_ONLY, cfg->helo_pass_restriction, 0);
			return;
		}
		store(j, j->helo_act, spfc_buf_str(&j->header));
		finish(j, j->helo_act, spfc_buf_str(&j->header), j->helo_err);
		return;
	}
	/* a sender, and Mail_From_reject = No_Check */
	if (cfg->helo_reject == POL_NO_CHECK)
		finish(j, ACT_NONE, "", 0);
	else if (j->last_prepend)
		finish(j, ACT_DUNNO, "Header already pre-pended", 0);
	else
		finish(j, ACT_PREPEND, spfc_buf_str(&j->header), 0);
}

static void mfrom_done(struct policy_job *j)
{
	const struct config *cfg = j->cfg;
	spfc_result r = spfc_check_result(j->chk);
	const char *t = title(r), *at, *sdomain, *restrict_name;
	spfc_buf *expl = &j->expl;
	struct render_fields f;
	enum act act;
	int local = 0, err = r == SPFC_PERMERROR || r == SPFC_TEMPERROR;

	spfc_buf_reset(expl);
	explanation(expl, j->chk);
	j->p->st.results[1][r]++;
	at = strchr(j->sender, '@');
	sdomain = at ? at + 1 : "";
	act = result_action(cfg, 0, r, sdomain, &local);
	if (local) {
		spfc_buf_reset(expl);
		spfc_buf_adds(expl, "Receiver policy for SPF ");
		spfc_buf_adds(expl, t);
	}
	if (r == SPFC_NONE) {
		spfc_buf_reset(expl);
		spfc_buf_adds(expl, "no SPF record");
	}
	fields_for(j, &f, j->sender);
	log_pyspf(t, spfc_buf_str(expl), "mailfrom", &f);
	if (r != SPFC_NONE || j->helo_res == SPFC_NONE) {
		spfc_buf_reset(&j->header);
		if (cfg->header_type == HDR_AR)
			/* pyspf's split_email(sender)[1]: the domain part, or
			 * the whole sender when it has no '@' */
			render_ar_spf(&j->header, cfg->authserv_id, t,
				      spfc_buf_str(expl), "mailfrom",
				      at ? at + 1 : j->sender, &f);
		else
			render_received_spf(&j->header, t, "mailfrom", "mailfrom", &f);
		if (act != ACT_REJECT && act != ACT_DEFER)
			store(j, act, spfc_buf_str(&j->header));
	}
	if ((cfg->mail_from_pass_restriction && r == SPFC_PASS) ||
	    (cfg->helo_pass_restriction && j->helo_res == SPFC_PASS)) {
		if (r == SPFC_PASS && cfg->mail_from_pass_restriction)
			restrict_name = cfg->mail_from_pass_restriction;
		else	/* BRIEF difference 10: never "action=None" */
			restrict_name = cfg->helo_pass_restriction;
		if (r == SPFC_PASS)
			store(j, ACT_RESULT_ONLY, restrict_name);
		finish(j, ACT_RESULT_ONLY, restrict_name, 0);
		return;
	}
	if (act == ACT_REJECT || act == ACT_DEFER) {
		if (no_mail(j, &act))
			return;
		if (act == ACT_REJECT || act == ACT_DEFER) {
			reject_text(j, act, spfc_buf_str(expl), "mfrom", j->sender);
			store(j, act, spfc_buf_str(&j->text));
			finish(j, act, spfc_buf_str(&j->text), err);
			return;
		}
	}
	if (j->last_prepend)
		finish(j, ACT_DUNNO, "Header already pre-pended", 0);
	else
		finish(j, ACT_PREPEND, spfc_buf_str(&j->header), 0);
}

/* Build "v=spf1 <term> -all" for a whitelist entry; NULL when the entry
 * cannot be one. */
static const char *wl_record(spfc_buf *b, const char *term, const char *arg)
{
	spfc_buf_reset(b);
	spfc_buf_adds(b, "v=spf1 ");
	spfc_buf_adds(b, term);
	if (arg)
		spfc_buf_adds(b, arg);
	spfc_buf_adds(b, " -all");
	return b->err ? NULL : spfc_buf_str(b);
}

static void timer_init(struct policy_job *j)
{
	if (!j->timer_on) {
		uv_timer_init(j->p->loop, &j->timer);
		j->timer.data = j;
		j->timer_on = 1;
	}
}

/* A whitelist check has finished: 1 when it passed (the job then ends
 * with the trace field), 0 otherwise (or when none ran). */
static int wl_done(struct policy_job *j, const char *comment)
{
	int pass;

	if (!j->chk || !j->check_done)
		return 0;
	pass = spfc_check_result(j->chk) == SPFC_PASS;
	drop_check(j);
	if (pass)
		bypass(j, comment);
	return pass;
}

/* Check the client against a whitelist entry's own policy (record NULL:
 * the entry's published SPF record), as postmaster@name. */
static void wl_check(struct policy_job *j, spfc_buf *s, const char *name,
		     const char *record)
{
	spfc_buf_reset(s);
	spfc_buf_adds(s, "postmaster@");
	spfc_buf_adds(s, name);
	run_check(j, spfc_buf_str(s), name, SPFC_SCOPE_MFROM,
		  j->cfg->whitelist_lookup_time, record);
}

static void step(struct policy_job *j)
{
	const struct config *cfg;
	spfc_buf rec;

	j->in_step = 1;
	spfc_buf_init(&rec, POLICY_PTR_RECORD_MAX);
	while (!j->finished) {
		cfg = j->cfg;
		if (j->chk && !j->check_done)
			break;	/* wait for the check */
		switch (j->stage) {
		case ST_DOMAIN_WL:
			if (wl_done(j, "SPF skipped for whitelisted relay domain - "))
				break;
			if (j->idx < cfg->domain_whitelist.n) {
				const char *d = cfg->domain_whitelist.v[j->idx++];
				run_check(j, d, d, SPFC_SCOPE_MFROM,
					  cfg->whitelist_lookup_time, NULL);
				break;
			}
			j->stage = ST_HELO_WL;
			j->idx = 0;
			break;
		case ST_HELO_WL:
			if (wl_done(j, "SPF skipped for whitelisted HELO domain - "))
				break;
			for (; j->idx < cfg->helo_whitelist.n; j->idx++)
				if (j->helo_name &&
				    strcmp(cfg->helo_whitelist.v[j->idx], j->helo_name) == 0)
					break;
			if (j->idx < cfg->helo_whitelist.n) {
				/* one of the HELO name's addresses is the client's;
				 * one check covers every equal entry */
				j->idx = cfg->helo_whitelist.n;
				wl_check(j, &j->scratch, j->helo_name, "v=spf1 a -all");
				break;
			}
			j->stage = ST_PTR_WL;
			j->idx = 0;
			break;
		case ST_PTR_WL:
			if (wl_done(j, "SPF skipped for PTR whitelisted relay domain - "))
				break;
			if (j->idx < cfg->domain_whitelist_ptr.n) {
				/* BRIEF difference 3: the ptr mechanism's rules */
				const char *d = cfg->domain_whitelist_ptr.v[j->idx++];
				const char *r = wl_record(&rec, "ptr:", d);
				if (r)
					wl_check(j, &j->scratch, d, r);
				break;
			}
			j->stage = ST_HELO;
			break;
		case ST_HELO:
			if (j->chk && j->check_done) {
				helo_done(j);
				break;
			}
			if ((!j->sender || !*j->sender) && (!j->helo_name || !*j->helo_name)) {
				log_msg(2, "spfcheck: No sender or helo, exiting");
				finish(j, ACT_NONE, "", 0);
				break;
			}
			if (cfg->helo_reject == POL_NO_CHECK) {
				j->stage = ST_MFROM;
				break;
			}
			if (!j->helo_name) {
				malformed(j, "no helo_name attribute");
				break;
			}
			spfc_buf_reset(&j->scratch);
			spfc_buf_adds(&j->scratch, "postmaster@");
			spfc_buf_adds(&j->scratch, j->helo);
			if (run_check(j, spfc_buf_str(&j->scratch), j->helo, SPFC_SCOPE_HELO,
				      cfg->lookup_time, NULL) == 0)
				start_next(j);
			break;
		case ST_MFROM:
			if (j->chk && j->check_done &&
			    spfc_check_scope(j->chk) == SPFC_SCOPE_MFROM) {
				mfrom_done(j);
				break;
			}
			drop_check(j);
			mfrom_begin(j);
			break;
		case ST_DONE:
			break;
		}
	}
	spfc_buf_free(&rec);
	j->in_step = 0;
	if (j->finished)
		deliver(j);
}

/* ---- starting a job ------------------------------------------------------- */

/* The attributes a check reads, found in one pass over the request (a
 * repeated name cannot occur: the reader keeps the last value in place). */
enum { A_CLIENT, A_HELO, A_SENDER, A_RECIPIENT, A_INSTANCE, A_QUEUE_ID, A_N };

static int wanted(const char *name)
{
	switch (name[0]) {
	case 'c':
		return strcmp(name, "client_address") == 0 ? A_CLIENT : -1;
	case 'h':
		return strcmp(name, "helo_name") == 0 ? A_HELO : -1;
	case 's':
		return strcmp(name, "sender") == 0 ? A_SENDER : -1;
	case 'r':
		return strcmp(name, "recipient") == 0 ? A_RECIPIENT : -1;
	case 'i':
		return strcmp(name, "instance") == 0 ? A_INSTANCE : -1;
	case 'q':
		return strcmp(name, "queue_id") == 0 ? A_QUEUE_ID : -1;
	default:
		return -1;
	}
}

/* Copies of the wanted values (NULL when absent), all in one block
 * (*block, freed by the caller), followed by room (*room points there)
 * for `extra` bytes and a second copy of client_address, helo_name and
 * sender (the address and HELO name used are copies of those or of
 * fixed texts); *bad is set when a value holds a NUL byte -- no name or
 * address can, and a C string would silently cut it short.  Returns -1
 * when out of memory. */
static int attrs(const struct proto_request *q, char *out[A_N], size_t extra,
		 char **block, size_t *cap, char **room, int *bad)
{
	const struct proto_attr *a[A_N] = { 0 };
	size_t i, total = extra;
	char *p;
	int k;

	for (i = 0; i < q->nattrs; i++) {
		k = wanted(q->attrs[i].name);
		if (k >= 0)
			a[k] = &q->attrs[i];
	}
	for (k = 0; k < A_N; k++)
		if (a[k])
			total += (a[k]->vlen + 1) *
				 (k == A_CLIENT || k == A_HELO || k == A_SENDER ? 2 : 1);
	if (total > *cap) {	/* else the job's block is reused */
		free(*block);
		*cap = 0;
		*block = malloc(total);
		if (!*block)
			return -1;
		*cap = total;
	}
	p = *block;
	for (k = 0; k < A_N; k++) {
		out[k] = NULL;
		if (!a[k])
			continue;
		if (memchr(a[k]->value, '\0', a[k]->vlen))
			*bad = 1;
		out[k] = p;
		memcpy(p, a[k]->value, a[k]->vlen + 1);
		p += a[k]->vlen + 1;
	}
	*room = p;
	return 0;
}

/* Copy s into the room of the job's block. */
static char *put(char **room, const char *s)
{
	char *d = *room;
	size_t n = strlen(s) + 1;

	memcpy(d, s, n);
	*room += n;
	return d;
}

struct policy_job *policy_start(struct policy *p, const struct proto_request *q,
				struct cache *cache, policy_done_cb cb,
				void *arg)
{
	struct policy_job *j = job_new(p);
	const struct config *cfg = p->cfg;
	const char *ip;
	enum cache_action ca;
	const char *ctext;
	char *room = NULL;
	int nul = 0;

	if (!j)
		return NULL;
	j->p = p;
	j->cfg = cfg;
	j->cb = cb;
	j->arg = arg;
	j->cache = cache;
	j->helo_res = SPFC_NONE;
	j->stage = ST_DOMAIN_WL;
	j->t0 = uv_now(p->loop);
	p->st.requests++;

	if (cfg->mock) {
		/* BRIEF difference 9: written at once, strict boolean */
		finish(j, ACT_RAW, "dunno mock header field that should be ignored", 0);
		goto run;
	}
	if (q->malformed) {
		malformed(j, q->why ? q->why : "request over the limits");
		goto run;
	}
	{
		char *v[A_N];
		/* room for "none" and "<UNKNOWN>" (recipient), "unknown"
		 * (HELO name) and a copy of Prospective */
		size_t extra = sizeof "none" + sizeof "<UNKNOWN>" + sizeof "unknown" +
			       (cfg->prospective ? strlen(cfg->prospective) + 1 : 0);

		if (attrs(q, v, extra, &j->strs, &j->strs_cap, &room, &nul) < 0) {
			out_of_memory(j);
			goto run;
		}
		j->client_address = v[A_CLIENT];
		j->helo_name = v[A_HELO];
		j->sender = v[A_SENDER];
		j->recipient = v[A_RECIPIENT];
		j->instance = v[A_INSTANCE];
		j->queue_id = v[A_QUEUE_ID];
	}
	if (nul) {
		malformed(j, "a NUL byte in an attribute value");
		goto run;
	}
	if (!j->recipient || !*j->recipient)
		j->recipient = put(&room, "none");
	if (cfg->per_user_path) {
		int pu = config_per_user(cfg, j->recipient, &j->user);
		if (pu == 1) {
			j->peruser = 1;
			j->cfg = cfg = &j->user;
			log_msg2(2, "Per user configuration data in use for: ", j->recipient);
		}
	} else if (cfg->hide_receiver) {
		j->recipient = put(&room, "<UNKNOWN>");
	} else if (strcmp(j->recipient, "none") != 0) {
		char *at = strchr(j->recipient, '@');
		if (at) {
			char *end = strchr(at + 1, '@');
			size_t n = end ? (size_t)(end - at - 1) : strlen(at + 1);
			memmove(j->recipient, at + 1, n);
			j->recipient[n] = '\0';
		}
	}
	ip = cfg->prospective ? cfg->prospective : j->client_address;
	if (!ip) {
		log_msg(2, "spfcheck: No client address, exiting");
		finish(j, ACT_NONE, "", 0);
		goto run;
	}
	j->ip = put(&room, ip);
	if (spfc_addr_parse(j->ip, &j->ipaddr) != SPFC_OK) {
		malformed(j, "client_address is not an IP address");
		goto run;
	}
	/* The HELO name used for the checks: the sender's domain when none
	 * was given (spf-engine). */
	if (j->helo_name && *j->helo_name) {
		j->helo = put(&room, j->helo_name);
	} else {
		const char *at = j->sender ? strchr(j->sender, '@') : NULL;
		j->helo = put(&room, at ? at + 1 : "unknown");
	}
	if (j->instance && cache_get(j->cache, j->instance, &ca, &ctext)) {
		j->found = 1;
		j->last_prepend = ca == CA_PREPEND;
		if (!j->peruser) {
			log_msg2(4, "Cached data for this instance: ", ctext);
			switch (ca) {
			case CA_PREPEND:
			case CA_DUNNO:
				finish(j, ACT_DUNNO, "Header already pre-pended", 0);
				break;
			case CA_REJECT:
				finish(j, ACT_REJECT, ctext, 0);
				break;
			case CA_DEFER:
				finish(j, ACT_DEFER, ctext, 0);
				break;
			case CA_RESULT_ONLY:
				finish(j, ACT_RESULT_ONLY, ctext, 0);
				break;
			}
			goto run;
		}
	}
	{
		spfc_addr raw;
		/* skip_addresses and Whitelist compare the address as sent:
		 * an IPv4-mapped client matches IPv6 networks only. */
		raw = j->ipaddr;
		if (policy_net_match(&cfg->skip_addresses, &raw)) {
			bypass(j, "SPF check N/A for local connections - ");
			goto run;
		}
		if (policy_net_match(&cfg->whitelist, &raw)) {
			bypass(j, "SPF skipped for whitelisted relay - ");
			goto run;
		}
	}
run:
	if (!j->finished && p->jobs >= p->max_jobs) {
		/* wait for room: started by wake_parked() */
		if (!p->cap_logged) {
			spfc_buf m;
			spfc_buf_init(&m, 0);
			spfc_buf_adds(&m, "limit of requests in progress reached (");
			spfc_buf_addu(&m, p->max_jobs);
			spfc_buf_adds(&m, "): new requests wait their turn");
			log_msg(0, spfc_buf_str(&m));
			spfc_buf_free(&m);
			p->cap_logged = 1;
		}
		p->st.waited++;
		j->parked = 1;
		j->pprev = p->park_tail;
		if (p->park_tail)
			p->park_tail->pnext = j;
		else
			p->park_head = j;
		p->park_tail = j;
		return j;
	}
	j->active = 1;
	p->jobs++;
	j->starting = 1;
	step(j);	/* may answer (and free j) at once */
	if (j->delivered_sync) {
		job_release(j);
		return NULL;
	}
	j->starting = 0;
	return j;
}

void policy_cancel(struct policy_job *j)
{
	if (!j)
		return;
	j->cb = NULL;
	drop_check(j);
	if (j->timer_on)
		uv_timer_stop(&j->timer);
	job_release(j);
}

struct policy *policy_new(uv_loop_t *loop, spfc_resolver *res,
			  const struct config *cfg, const char *hostname)
{
	struct policy *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	p->loop = loop;
	p->res = res;
	p->cfg = cfg;
	p->hostname = dup0(hostname ? hostname : "unknown");
	p->max_jobs = POLICY_MAX_JOBS;
	if (!p->hostname) {
		policy_free(p);
		return NULL;
	}
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	while (p->spare) {
		struct policy_job *j = p->spare;

		p->spare = j->pnext;
		job_close(j);	/* disposed of by the loop when it had a timer */
	}
	free(p->hostname);
	free(p);
}

void policy_set_config(struct policy *p, const struct config *cfg)
{
	p->cfg = cfg;
}

size_t policy_inflight(const struct policy *p)
{
	return p->inflight;
}

void policy_set_max_jobs(struct policy *p, size_t n)
{
	p->max_jobs = n ? n : 1;
	wake_parked(p);
}

/* The pct-th percentile (nearest rank) of the answers' latencies. */
static uint64_t percentile(const struct policy_stats *st, unsigned pct)
{
	uint64_t total = 0, seen = 0, rank, low, width, v;
	size_t i;

	for (i = 0; i < POLICY_LAT_BUCKETS; i++)
		total += st->latency[i];
	if (!total)
		return 0;
	rank = (total * pct + 99) / 100;
	if (rank == 0)
		rank = 1;
	for (i = 0; i + 1 < POLICY_LAT_BUCKETS; i++) {
		seen += st->latency[i];
		if (seen >= rank)
			break;
	}
	low = lat_low(i, &width);
	v = low + width / 2;
	if (v < st->lat_min)
		v = st->lat_min;
	if (v > st->lat_max)
		v = st->lat_max;
	return v;
}

static void add_kv(spfc_buf *b, const char *k, uint64_t v)
{
	spfc_buf_addc(b, ' ');
	spfc_buf_adds(b, k);
	spfc_buf_addc(b, '=');
	spfc_buf_addu(b, v);
}

void policy_stats_format(const struct policy *p, spfc_buf *out)
{
	static const char *const act_names[] = {
		"dunno", "dunno", "prepend", "reject", "defer", "restriction", "mock",
	};
	static const char *const id_names[] = {"helo", "mailfrom"};
	const struct policy_stats *st = &p->st;
	spfc_dnscache_stats dc;
	uint64_t acts[7];
	int i, k;

	spfc_buf_adds(out, "stats:");
	add_kv(out, "requests", st->requests);
	add_kv(out, "answered", st->answered);
	add_kv(out, "in_progress", p->jobs);
	add_kv(out, "checks_in_flight", p->inflight);
	add_kv(out, "waited", st->waited);
	for (k = 0; k < 2; k++) {
		spfc_buf_adds(out, "; ");
		spfc_buf_adds(out, id_names[k]);
		spfc_buf_addc(out, ':');
		for (i = 0; i < 7; i++)
			add_kv(out, spfc_result_name((spfc_result)i), st->results[k][i]);
	}
	spfc_buf_adds(out, "; actions:");
	memcpy(acts, st->actions, sizeof acts);
	acts[ACT_DUNNO] += acts[ACT_NONE];
	for (i = ACT_DUNNO; i <= ACT_RAW; i++)
		add_kv(out, act_names[i], acts[i]);
	spfc_dnscache_stats_get(p->res, &dc);
	spfc_buf_adds(out, "; dns cache:");
	add_kv(out, "hits", dc.hits);
	add_kv(out, "misses", dc.misses);
	add_kv(out, "joined", dc.joined);
	add_kv(out, "entries", dc.entries);
	spfc_buf_adds(out, "; dns:");
	add_kv(out, "queries", dc.misses);
	add_kv(out, "deadlines", st->deadlines);
	spfc_buf_adds(out, "; latency_ms:");
	add_kv(out, "p50", percentile(st, 50));
	add_kv(out, "p90", percentile(st, 90));
	add_kv(out, "p99", percentile(st, 99));
}

size_t policy_busy(const struct policy *p)
{
	size_t n = p->jobs;
	const struct policy_job *j;

	for (j = p->park_head; j; j = j->pnext)
		n++;
	return n;
}
