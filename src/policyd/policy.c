/*
 * policy.c - policyd-spf's job scheduler (see policy.h).
 *
 * What it owns: the jobs (one per request), their SPF checks on the
 * libuv loop with a deadline timer each, the requests waiting for room
 * (parked), the spare pool of finished jobs, the statistics.  What it
 * must not hold: any rule of the answer -- the intake (intake.c) and the
 * decision (decide.c) make those; this file only runs the checks the
 * decision asks for and delivers what it decided.
 *
 * A job's life is one state, changed only by job_state(), which traces
 * "old -> new" at debugLevel POLICY_TRACE_LEVEL:
 *
 *	spare -> intake -> [parked ->] rules <-> checking; rules -> answered
 *	-> spare (kept for reuse, or closed)
 *
 * How it fails: out of memory is answered defer_if_permit (fail closed,
 * decide_oom) and logged; a DNS failure is TempError, never Fail.
 */
#include "policy.h"

#include "cache.h"
#include "decide.h"
#include "intake.h"
#include "log.h"

#include "common/list.h"

#include <spfc/buf.h>
#include <spfc/dnscache.h>
#include <spfc/spfc.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The debugLevel at which each job's state changes are logged. */
#define POLICY_TRACE_LEVEL 5

struct policy {
	uv_loop_t *loop;
	spfc_resolver *res;
	const struct config *cfg;
	char *hostname;
	size_t inflight;		/* SPF checks running */
	size_t jobs, max_jobs;		/* requests being answered, cap */
	struct sc_list park;		/* waiting for room */
	int cap_logged;
	struct policy_stats st;
	struct sc_list spare;		/* finished jobs kept for reuse */
	size_t nspare;
};

/* Finished jobs kept for the next requests, with their buffers: a busy
 * server then allocates nearly nothing per request.  Buffers that grew
 * past POLICY_SPARE_BUF bytes are released. */
#define POLICY_SPARE_JOBS 64
#define POLICY_SPARE_BUF 4096

enum job_state {
	JOB_SPARE,	/* new, or finished: in the spare pool or closing */
	JOB_INTAKE,	/* the request is being taken in */
	JOB_PARKED,	/* waiting for room (p->max_jobs) */
	JOB_RULES,	/* counted in p->jobs: the decision runs */
	JOB_CHECKING,	/* counted: a check the decision asked for runs */
	JOB_ANSWERED	/* counted: called back, to be released */
};
static const char *const state_name[] = {
	"spare", "intake", "parked", "rules", "checking", "answered",
};

struct policy_job {
	struct policy *p;
	enum job_state state;
	int starting;		/* flag: inside policy_start */
	uint64_t id;		/* the request's number, for the trace */
	policy_done_cb cb;
	void *arg;
	struct cache *cache;	/* the caller's instance cache */
	spfc_check *chk;	/* the check asked for */
	int check_done;		/* it finished */
	spfc_check *next;	/* the MAIL FROM check, started beside the
				   HELO check; taken over when asked for */
	int next_done;		/* it finished */
	struct sc_list_node plink;	/* park list or spare pool */
	uint64_t t0;		/* uv_now() at the start, ms */

	/* Kept when a finished job is reused (job_new clears what is above):
	 * the deadline timer, stopped but open, and the buffers. */
	uv_timer_t timer;
	int timer_on;		/* the timer is initialized (open) */
	struct intake in;	/* the request (its string block kept) */
	struct decide d;	/* the decision (its buffers kept) */
	spfc_buf answer;
};

static void rules(struct policy_job *j, const struct decide_check *done);

/* ---- the state machine ---------------------------------------------------- */

static struct policy_job *job_of(struct sc_list_node *n)
{
	return sc_list_entry_or_null(n, struct policy_job, plink);
}

static void park(struct policy_job *j)
{
	sc_list_insert_tail(&j->p->park, &j->plink);
}

static void unpark(struct policy_job *j)
{
	sc_list_unlink(&j->p->park, &j->plink);
}

static int counted(enum job_state s)
{
	return s == JOB_RULES || s == JOB_CHECKING || s == JOB_ANSWERED;
}

/* The one place a job's state changes: the park list and p->jobs follow
 * it, and the change is traced. */
static void job_state(struct policy_job *j, enum job_state to)
{
	struct policy *p = j->p;
	enum job_state from = j->state;

	if (log_level() >= POLICY_TRACE_LEVEL) {
		spfc_buf m;
		spfc_buf_init(&m, 0);
		spfc_buf_adds(&m, "job ");
		spfc_buf_addu(&m, j->id);
		spfc_buf_adds(&m, ": ");
		spfc_buf_adds(&m, state_name[from]);
		spfc_buf_adds(&m, " -> ");
		spfc_buf_adds(&m, state_name[to]);
		log_msg(POLICY_TRACE_LEVEL, spfc_buf_str(&m));
		spfc_buf_free(&m);
	}
	if (from == JOB_PARKED)
		unpark(j);
	if (to == JOB_PARKED)
		park(j);
	if (counted(to) && !counted(from))
		p->jobs++;
	else if (counted(from) && !counted(to))
		p->jobs--;
	j->state = to;
}

/* ---- jobs and the spare pool ------------------------------------------------ */

/* The end of a job whose strings and check are gone. */
static void job_dispose(struct policy_job *j)
{
	decide_free(&j->d);
	spfc_buf_free(&j->answer);
	free(j->in.block);
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

	intake_done(&j->in, &j->d);
	if (p->nspare < POLICY_SPARE_JOBS) {
		if (j->timer_on)
			uv_timer_stop(&j->timer);
		decide_keep(&j->d, POLICY_SPARE_BUF);
		if (j->answer.cap > POLICY_SPARE_BUF)
			spfc_buf_free(&j->answer);
		else
			spfc_buf_reset(&j->answer);
		if (j->in.cap > POLICY_SPARE_BUF) {
			free(j->in.block);
			j->in.block = NULL;
			j->in.cap = 0;
		}
		sc_list_insert_head(&p->spare, &j->plink);
		p->nspare++;
		return;
	}
	job_close(j);
}

/* A job as new: a spare one (timer and buffers kept) or a fresh one. */
static struct policy_job *job_new(struct policy *p)
{
	struct policy_job *j = job_of(sc_list_pop_head(&p->spare));

	if (!j) {
		j = calloc(1, sizeof *j);
		if (j) {
			decide_init(&j->d);
			spfc_buf_init(&j->answer, 0);
		}
		return j;
	}
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

/* Start parked jobs while there is room. */
static void wake_parked(struct policy *p)
{
	while (p->park.head && p->jobs < p->max_jobs) {
		struct policy_job *j = job_of(p->park.head);

		job_state(j, JOB_RULES);
		rules(j, NULL);
	}
}

static void job_release(struct policy_job *j)
{
	struct policy *p = j->p;

	drop_check(j);
	drop_next(j);
	job_state(j, JOB_SPARE);
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

/* The decision made: remember it for the instance, answer, call back. */
static void deliver(struct policy_job *j)
{
	enum act act;

	/* before the answer: the next recipient's request may follow it */
	if (j->d.pend_set)
		cache_put(j->cache, j->in.req.instance, j->d.pend_ca,
			  spfc_buf_str(&j->d.pend));
	act = decide_answer(&j->d, &j->answer);
	count_answer(j, act);
	job_state(j, JOB_ANSWERED);
	if (j->cb)
		j->cb(j->arg, spfc_buf_str(&j->answer));
	if (!j->starting)
		job_release(j);	/* else policy_start releases it */
}

static void to_log(void *arg, int level, const char *prefix, const char *text)
{
	(void)arg;
	log_msg2(level, prefix, text);
}

/* No memory to check: fail closed, as a daemon that died would (Postfix
 * then defers). */
static void job_oom(struct policy_job *j)
{
	log_err(0, "out of memory: the SPF check could not run; answered defer_if_permit");
	decide_oom(&j->d);
}

/* ---- running checks ---------------------------------------------------- */

static void timer_init(struct policy_job *j)
{
	if (!j->timer_on) {
		uv_timer_init(j->p->loop, &j->timer);
		j->timer.data = j;
		j->timer_on = 1;
	}
}

static void result_of(const spfc_check *c, struct decide_check *r)
{
	r->result = spfc_check_result(c);
	r->explanation = spfc_check_explanation(c);
	r->problem = spfc_check_problem(c);
	r->record = spfc_check_record(c);
}

static void on_check_done(spfc_check *c, void *arg)
{
	struct policy_job *j = arg;
	struct decide_check r;

	if (c == j->next) {	/* waits until the decision asks for it */
		j->next_done = 1;
		return;
	}
	j->check_done = 1;
	if (j->timer_on)
		uv_timer_stop(&j->timer);
	if (j->state == JOB_CHECKING) {	/* else: finished inside its start */
		job_state(j, JOB_RULES);
		result_of(j->chk, &r);
		rules(j, &r);
	}
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
static spfc_check *new_check(struct policy_job *j, const struct decide_ask *a,
			     spfc_status *st)
{
	spfc_options o;
	spfc_request q;
	spfc_check *c;

	spfc_options_init(&o);
	o.timeout_ms = (int64_t)a->seconds * 1000;
	o.void_limit = (unsigned)j->d.cfg->void_limit;
	o.receiver = j->p->hostname;
	o.default_exp = "SPF fail - not authorized";
	o.exp_softfail = 1;
	o.record = a->record;
	memset(&q, 0, sizeof q);
	q.ip = j->in.ipaddr;
	q.sender = a->sender;
	q.helo = a->helo;
	q.scope = a->scope;
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

/* The MAIL FROM check's lookups do not depend on the HELO check's
 * result: start it now, beside the HELO check, when the decision will
 * surely ask for it (then_mfrom).  Its answer waits for the HELO result,
 * so results, log lines and the reply are as if the two ran one after
 * the other; a HELO result that ends the job discards it (its DNS
 * queries were spent for nothing). */
static void start_next(struct policy_job *j)
{
	struct decide_ask a;
	spfc_status st;

	decide_mfrom_ask(&j->d, &a);
	j->next = new_check(j, &a, &st);
	if (!j->next)
		return;	/* asked again, then it reports it */
	spfc_check_start(j->next, on_check_done, j);
}

/* Start the check the decision asks for (the early MAIL FROM check when
 * there is one); 0, or -1 when it could not start (then decided). */
static int run_check(struct policy_job *j)
{
	const struct decide_ask *a = &j->d.ask;
	spfc_status st;

	drop_check(j);
	if (j->next && a->scope == SPFC_SCOPE_MFROM) {
		j->chk = j->next;
		j->check_done = j->next_done;
		j->next = NULL;
		if (!j->check_done)
			arm_deadline(j);
		return 0;
	}
	j->chk = new_check(j, a, &st);
	if (!j->chk) {
		if (st == SPFC_ENOMEM)
			job_oom(j);
		else
			decide_malformed(&j->d, "sender or HELO name holds bytes no name can hold");
		return -1;
	}
	j->check_done = 0;
	spfc_check_start(j->chk, on_check_done, j);
	if (!j->check_done)
		arm_deadline(j);
	if (a->then_mfrom && !j->check_done)
		start_next(j);
	return 0;
}

/* Run the decision from where it is (done: the result of the check it
 * asked for) until it asks for a check that is not finished at once, or
 * until it is made (then deliver). */
static void rules(struct policy_job *j, const struct decide_check *done)
{
	struct policy *p = j->p;
	struct decide_check r;

	for (;;) {
		enum decide_next n = decide_step(&j->d, done);

		if (done && j->d.rated >= 0)
			p->st.results[j->d.rated][done->result]++;
		done = NULL;
		if (n == DECIDE_DONE || run_check(j) < 0)
			break;
		if (!j->check_done) {
			job_state(j, JOB_CHECKING);
			return;
		}
		result_of(j->chk, &r);
		done = &r;
	}
	deliver(j);
}

/* ---- starting a job ------------------------------------------------------- */

struct policy_job *policy_start(struct policy *p, const struct proto_request *q,
				struct cache *cache, policy_done_cb cb,
				void *arg)
{
	struct policy_job *j = job_new(p);

	if (!j)
		return NULL;
	j->p = p;
	j->cb = cb;
	j->arg = arg;
	j->cache = cache;
	j->t0 = uv_now(p->loop);
	p->st.requests++;
	j->id = p->st.requests;
	job_state(j, JOB_INTAKE);
	decide_reset(&j->d, p->cfg, &j->in.req, to_log, NULL, log_level);
	if (intake_request(&j->in, &j->d, p->cfg, q, cache) < 0)
		job_oom(j);
	if (j->d.stage != DS_DONE && p->jobs >= p->max_jobs) {
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
		job_state(j, JOB_PARKED);
		return j;
	}
	job_state(j, JOB_RULES);
	j->starting = 1;
	rules(j, NULL);	/* may answer at once */
	j->starting = 0;
	if (j->state == JOB_ANSWERED) {
		job_release(j);
		return NULL;
	}
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

int policy_net_match(const struct net_list *l, const spfc_addr *a)
{
	const char *bad;
	int m = decide_net_match(l, a, &bad);

	if (bad)
		log_msg2(0, "ERROR: not an IP network, list processing stopped at: ",
			 bad);
	return m;
}

static char *dup0(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);

	if (d)
		memcpy(d, s, n + 1);
	return d;
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
	struct policy_job *j;

	if (!p)
		return;
	while ((j = job_of(sc_list_pop_head(&p->spare))) != NULL)
		job_close(j);	/* disposed of by the loop when it had a timer */
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
	const struct sc_list_node *ln;

	SC_LIST_FOREACH(ln, &p->park)
		n++;
	return n;
}
