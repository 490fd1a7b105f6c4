/*
 * policy.h - policyd-spf's job scheduler: what it answers to one policy
 * request, and when.
 *
 * What it is for: each request is a job; the intake (intake.h) takes it
 * in, the decision (decide.h: spf-engine 3.0.4's procedure with the
 * differences of policyd-spf(8)) says which SPF check to run next and
 * what to answer, and this module runs those checks through libspfc's
 * non-blocking API on the libuv loop, each with a deadline, bounds the
 * requests answered at once (the others wait, parked), keeps finished
 * jobs for reuse and calls back with the action.  Knows nothing of
 * sockets or of the wire format (proto.h does that) and holds no rule of
 * the answer.
 */
#ifndef POLICYD_POLICY_H
#define POLICYD_POLICY_H

#include <spfc/resolver.h>
#include <uv.h>

#include "config.h"
#include "decide.h"
#include "proto.h"

struct cache;

#include <spfc/buf.h>
#include <stdint.h>

struct policy;
struct policy_job;

/* The answer: the text after "action=" (one line, printable ASCII);
 * borrowed for the duration of the call.  The job is finished and freed
 * after the callback returns. */
typedef void (*policy_done_cb)(void *arg, const char *action);

/* cfg and res are borrowed and must outlive the policy (see
 * policy_set_config).  hostname: this host's name, for %{r}. */
struct policy *policy_new(uv_loop_t *loop, spfc_resolver *res,
			  const struct config *cfg, const char *hostname);
void policy_free(struct policy *p);
/* Use another configuration for jobs started from now on. */
void policy_set_config(struct policy *p, const struct config *cfg);

/* Start answering q (copied).  cache: the per-instance answers of the
 * client q came from (one per connection: instance ids are only unique
 * within one Postfix instance), borrowed until the job ends.  cb runs once -- inside policy_start when
 * no DNS is needed (then NULL is returned), or later from the loop (the
 * job is freed after cb returns).  NULL without cb having run: out of
 * memory (answer POLICY_OOM_ACTION yourself). */
struct policy_job *policy_start(struct policy *p,
				const struct proto_request *q,
				struct cache *cache, policy_done_cb cb,
				void *arg);
/* The answer when there is no memory to check: fail closed (Postfix
 * defers), as when the daemon is gone; never a pass without a check. */
#define POLICY_OOM_TEXT DECIDE_OOM_TEXT
#define POLICY_OOM_ACTION "defer_if_permit " POLICY_OOM_TEXT

/* Stop a job that has not called back: its callback will not run. */
void policy_cancel(struct policy_job *j);

/* Requests being answered or waiting their turn. */
size_t policy_busy(const struct policy *p);
/* Checks (HELO or MAIL FROM or whitelist) in flight. */
size_t policy_inflight(const struct policy *p);

/* At most n requests are answered at once; more wait their turn (a log
 * line says when the limit is first reached).  Default POLICY_MAX_JOBS. */
#define POLICY_MAX_JOBS 10000
void policy_set_max_jobs(struct policy *p, size_t n);

/* Latency histogram of the statistics (policy.c): milliseconds exact
 * below POLICY_LAT_EXACT, then POLICY_LAT_SUB buckets per doubling over
 * POLICY_LAT_OCTAVES doublings (up to about 2^23 ms; longer ones go in
 * the last bucket). */
#define POLICY_LAT_EXACT 128
#define POLICY_LAT_SUB 128
#define POLICY_LAT_OCTAVES 16
#define POLICY_LAT_BUCKETS (POLICY_LAT_EXACT + POLICY_LAT_OCTAVES * POLICY_LAT_SUB)

struct policy_stats {
	uint64_t requests, answered, waited, deadlines;
	uint64_t results[2][7];		/* [helo, mailfrom][spfc_result] */
	uint64_t actions[7];		/* by enum act (decide.h) */
	uint64_t latency[POLICY_LAT_BUCKETS];
	uint64_t lat_min, lat_max;	/* least and greatest latency, ms */
};

/* Whether a is in the list (a bad entry ends the search: spf-engine's
 * rule for its address lists, logged; decide_net_match). */
int policy_net_match(const struct net_list *l, const spfc_addr *a);

/* One line with every counter, for the log (SIGUSR1, periodically). */
void policy_stats_format(const struct policy *p, spfc_buf *out);

#endif
