/*
 * resolv_cares.c - the real DNS backend of resolver.h, on c-ares 1.18.
 *
 * What it is for: spfc_cares_resolver_new() makes a spfc_resolver that
 * sends queries (class IN, recursion desired, no search list) to the
 * servers of /etc/resolv.conf or of an explicit list, retries over TCP when
 * a UDP answer is truncated, follows CNAME chains itself, and turns every
 * outcome into a spfc_dns_answer.  This is the only file that includes
 * <ares.h>.
 *
 * How it works:
 *  - Every query is a `cq` kept in a table of live queries (keyed by id)
 *    until its callback has run or it is cancelled.  c-ares's callback never
 *    calls the user: it parses the answer into the cq (records, texts) and
 *    puts the cq on a ready list.  process() delivers the ready list after
 *    c-ares has returned, so query() never calls back synchronously (c-ares
 *    does call back inside ares_query on an immediate failure), and a user
 *    callback may start, cancel or free anything.
 *  - cancel(): c-ares 1.18 cannot cancel one query, so a cancelled cq that
 *    c-ares still holds is only marked; its c-ares callback frees it
 *    without delivering.  ares_destroy() calls every pending callback with
 *    ARES_EDESTRUCTION: those free their cq and deliver nothing.
 *  - Sockets are tracked through c-ares's socket-state callback in a table
 *    of pollfds; process() polls them up to min(until, c-ares's next
 *    time-out) and hands ready sockets to ares_process_fd().
 *  - The answer is read by our own bounded reader (wire_read_answer,
 *    dnswire.c), not by c-ares's parsers, which take records of any
 *    owner: only records of the asked type owned by the end of the
 *    question name's CNAME chain are answered.  Names in records (MX
 *    exchanges, PTR targets) come in c-ares's presentation form (a
 *    non-printable byte as \DDD, '.' and '\' inside a label escaped); a
 *    PTR target holding anything but letters, digits, "-", "_", "/", "*"
 *    and "." makes the answer SERVFAIL, as ares_parse_ptr_reply() did.
 *    Either way the text is passed on with its length and is never
 *    trusted further.  TXT data is bytes with a length: a NUL byte in it
 *    is data, never an end.
 *  - CNAME: a recursive server follows a chain itself and answers with
 *    the whole chain; the chain is followed within the answer, by owner.
 *    Local data (unbound's local-data, for one) answers with the CNAME
 *    alone: when the chain's end has no record of the asked type, the
 *    backend asks for that end once more -- once per lookup, and never a
 *    name of the chain so far.  A chain that loops, that passes
 *    WIRE_CHAIN_MAX links, or whose end has no record (after that one
 *    more query) is "no data": a zone's mistake is permanent and must not
 *    look like a server failure (TempError would defer mail for good).
 *  - EDNS is not requested, so any answer over 512 bytes came over TCP
 *    after a truncated UDP answer; that is how `truncated` is known.
 *
 * How it fails: spfc_cares_resolver_new() returns SPFC_EINVAL with a
 * message for a server list or option that does not parse, SPFC_ENOMEM,
 * or SPFC_ERESOLVER when c-ares cannot be set up.  query() returns
 * SPFC_EINVAL for a name DNS cannot carry or an unsupported type,
 * SPFC_ENOMEM when out of memory.  Every DNS-level failure (SERVFAIL,
 * REFUSED, no server reachable, an answer that does not parse, out of
 * memory while parsing) is answered as SPFC_DNS_SERVFAIL; a time-out as
 * SPFC_DNS_TIMEOUT.  The resolver may be freed from inside one of its
 * callbacks; it is then released when process() returns.
 */
#include <spfc/buf.h>
#include <spfc/cares.h>
#include <spfc/resolver.h>

#include "dnsservers.h"
#include "dnswire.h"

#include "common/list.h"

#include <ares.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* ---- Limits and constants ------------------------------------------ */

/* Defaults of spfc_cares_options (cares.h). */
#define CARES_TIMEOUT_MS_DEFAULT 2000
#define CARES_TRIES_DEFAULT 2
/* Our bounds on the options: c-ares doubles the per-try time-out after each
 * round over the servers, so more tries or longer tries buy nothing but an
 * overflow inside c-ares. */
#define CARES_TIMEOUT_MS_MAX 60000
#define CARES_TRIES_MAX 8
/* RFC 1035 §4.2.1: a UDP message without EDNS is 512 octets at most. */
#define DNS_UDP_PLAIN_MAX 512
/* RFC 1035 §3.2.4: class IN. */
#define DNS_CLASS_IN 1

/* Our bound on the text kept for one answer (all TXT strings, MX and PTR
 * names, with a NUL after each); a DNS message is at most 65535 octets
 * (RFC 1035 §4.2.2) but compressed names can expand it several times. */
#define ANSWER_TEXT_MAX ((size_t)1 << 20)
/* Buckets of the live-query table (a power of two; ids are sequential). */
#define QUERY_BUCKETS 256
/* The longest single wait of process(), so a wait on a pathological
 * c-ares time-out still rechecks the clock. */
#define POLL_SLICE_MS 1000

/* ---- Types --------------------------------------------------------- */

typedef struct cares_res cares_res;

typedef struct cq {
	cares_res *res;
	spfc_query_id id;
	spfc_rrtype type;
	spfc_dns_cb cb;
	void *arg;
	int cancelled;		/* c-ares still holds it */
	int ready;		/* on the ready list, answer filled in */
	int followed;		/* the end of a chain was asked (once) */
	wire_name *prior;	/* then: the chain of the first answer */
	size_t nprior;
	uint32_t chain_ttl;	/* smallest TTL of the CNAMEs followed */
	struct sc_list_node hlink;	/* live-query table chain */
	struct sc_list_node rlink;	/* ready list */
	spfc_dns_answer ans;
	spfc_rr *rrs;
	spfc_buf text;		/* every rr's text, each NUL-terminated */
} cq;

typedef struct sock_ev {
	ares_socket_t fd;
	int rd, wr;
} sock_ev;

struct cares_res {
	ares_channel channel;
	spfc_query_id next_id;
	struct sc_list table[QUERY_BUCKETS];
	size_t live;		/* queries in the table */
	struct sc_list ready;
	struct pollfd *socks;	/* sockets c-ares wants watched */
	sock_ev *evs;		/* scratch for process(), same capacity */
	size_t nsocks, capsocks;
	int socks_lost;		/* a socket went unrecorded */
	int depth;		/* nesting of process() */
	int dying;		/* freed from a callback: release on return */
	spfc_watch_cb watch_cb;	/* event-loop glue, or NULL */
	void *watch_arg;
};

/* ---- Small helpers ------------------------------------------------- */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Milliseconds on the coarse monotonic clock: a few ms of resolution is
 * plenty for DNS time-outs, and it costs no system call. */
static int64_t clock_ms(void)
{
	struct timespec ts;

#ifdef CLOCK_MONOTONIC_COARSE
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
		return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#endif
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Live-query table and ready list ------------------------------- */

static size_t bucket_of(spfc_query_id id)
{
	return (size_t)(id & (QUERY_BUCKETS - 1));
}

static cq *ready_first(cares_res *r)
{
	return sc_list_entry_or_null(r->ready.head, cq, rlink);
}

static void table_add(cares_res *r, cq *q)
{
	sc_list_insert_head(&r->table[bucket_of(q->id)], &q->hlink);
	r->live++;
}

static void table_remove(cares_res *r, cq *q)
{
	sc_list_unlink(&r->table[bucket_of(q->id)], &q->hlink);
	r->live--;
}

static cq *table_find(cares_res *r, spfc_query_id id)
{
	struct sc_list_node *n;

	SC_LIST_FOREACH(n, &r->table[bucket_of(id)]) {
		cq *q = sc_list_entry(n, cq, hlink);

		if (q->id == id)
			return q;
	}
	return NULL;
}

static void ready_push(cares_res *r, cq *q)
{
	q->ready = 1;
	sc_list_insert_tail(&r->ready, &q->rlink);
}

static void ready_unlink(cares_res *r, cq *q)
{
	sc_list_unlink(&r->ready, &q->rlink);
	q->ready = 0;
}

static void cq_free(cq *q)
{
	if (!q)
		return;
	free(q->rrs);
	free(q->prior);
	spfc_buf_free(&q->text);
	free(q);
}

/* ---- Socket table (c-ares socket-state callback) ------------------- */

static int socks_reserve(cares_res *r, size_t want)
{
	struct pollfd *s;
	sock_ev *e;
	size_t cap;

	if (want <= r->capsocks)
		return 0;
	cap = r->capsocks ? r->capsocks * 2 : 8;
	while (cap < want)
		cap *= 2;
	s = realloc(r->socks, cap * sizeof *s);
	if (!s)
		return -1;
	r->socks = s;
	e = realloc(r->evs, cap * sizeof *e);
	if (!e)
		return -1;
	r->evs = e;
	r->capsocks = cap;
	return 0;
}

static void sock_state(void *data, ares_socket_t fd, int readable,
		       int writable)
{
	cares_res *r = data;
	size_t i;

	if (r->watch_cb)
		r->watch_cb(r->watch_arg, (int)fd, readable, writable);
	for (i = 0; i < r->nsocks; i++)
		if (r->socks[i].fd == fd)
			break;
	if (!readable && !writable) {
		if (i < r->nsocks)
			r->socks[i] = r->socks[--r->nsocks];
		return;
	}
	if (i == r->nsocks) {
		if (socks_reserve(r, r->nsocks + 1) != 0) {
			r->socks_lost = 1;
			return;
		}
		r->nsocks++;
		r->socks[i].fd = fd;
	}
	r->socks[i].events = (short)((readable ? POLLIN : 0) |
				     (writable ? POLLOUT : 0));
	r->socks[i].revents = 0;
}

/* After a lost socket, rebuild the table from ares_getsock() until it
 * reports fewer sockets than it can hold, i.e. the table is complete. */
static void socks_resync(cares_res *r)
{
	ares_socket_t fds[ARES_GETSOCK_MAXNUM];
	int bits, i;
	size_t n = 0;

	if (socks_reserve(r, ARES_GETSOCK_MAXNUM) != 0)
		return;
	bits = ares_getsock(r->channel, fds, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		int rd = ARES_GETSOCK_READABLE(bits, i) != 0;
		int wr = ARES_GETSOCK_WRITABLE(bits, i) != 0;

		if (!rd && !wr)
			break;
		r->socks[n].fd = fds[i];
		r->socks[n].events = (short)((rd ? POLLIN : 0) |
					     (wr ? POLLOUT : 0));
		r->socks[n].revents = 0;
		n++;
	}
	r->nsocks = n;
	if (n < ARES_GETSOCK_MAXNUM)
		r->socks_lost = 0;
}

/* ---- Filling an answer --------------------------------------------- */

/* Drop whatever a failed fill left behind. */
static void answer_clear(cq *q)
{
	free(q->rrs);
	q->rrs = NULL;
	q->ans.count = 0;
	spfc_buf_reset(&q->text);
}

static void answer_set(cq *q, spfc_dns_rcode rc)
{
	q->ans.rcode = rc;
	if (rc != SPFC_DNS_OK)
		answer_clear(q);
	q->ans.rr = q->ans.count ? q->rrs : NULL;
}

/* ---- c-ares callback ----------------------------------------------- */

static void on_answer(void *arg, int status, int timeouts,
		      unsigned char *abuf, int alen);

/* Send q's question for `name` (text ares_query() reads). */
static void send_query(cares_res *r, cq *q, const char *name)
{
	ares_query(r->channel, name, DNS_CLASS_IN, (int)q->type, on_answer, q);
}

/* The answer's chain ends at a name without records of the asked type
 * (unbound's local-data answers a CNAME alone): ask for that name, once
 * per lookup.  Returns 1 when a query was sent, 0 when the name is not
 * asked (asked once already, or a name no query can carry), -1 when out
 * of memory. */
static int follow_cname(cq *q, const wire_answer *w)
{
	spfc_buf name;
	int sent = 0;

	if (q->followed)
		return 0;
	q->prior = malloc(w->nchain * sizeof *q->prior);
	if (!q->prior)
		return -1;
	spfc_buf_init(&name, WIRE_NAME_MAX * 2);
	if (wire_name_query_text(&w->chain[w->nchain - 1], &name) == 0) {
		memcpy(q->prior, w->chain, w->nchain * sizeof *q->prior);
		q->nprior = w->nchain;
		q->followed = 1;
		q->chain_ttl = min_u32(q->chain_ttl, w->chain_ttl);
		/* The answer so far is of no use; the next one replaces it. */
		answer_clear(q);
		send_query(q->res, q, spfc_buf_str(&name));
		sent = 1;
	} else {
		free(q->prior);
		q->prior = NULL;
	}
	spfc_buf_free(&name);
	return sent;
}

/* The negative-caching TTL of a "no data" or NXDOMAIN answer: the SOA's
 * (RFC 2308 §5), capped by the CNAMEs that led there; without a SOA the
 * CNAMEs' (a loop comes without one); 0 when neither is known. */
static uint32_t neg_ttl_of(uint32_t soa, uint32_t chain_ttl)
{
	if (soa)
		return min_u32(soa, chain_ttl);
	return chain_ttl == UINT32_MAX ? 0 : chain_ttl;
}

/* The links the answers of q followed so far. */
static size_t links_of(const cq *q)
{
	return q->nprior ? q->nprior - 1 : 0;
}

/* Turn c-ares's status and message into q->ans.  Returns 1 when a new
 * query was sent for a CNAME target instead. */
static int fill_answer(cq *q, int status, const unsigned char *abuf,
		       int alen)
{
	wire_answer w;
	int got = -1;
	uint32_t chain_ttl = q->chain_ttl;
	size_t i;

	memset(&q->ans, 0, sizeof q->ans);
	answer_clear(q);
	if (abuf && alen > 0) {
		q->ans.wire_size = (size_t)alen;
		got = wire_read_answer(abuf, (size_t)alen, (unsigned)q->type,
				       q->prior, q->nprior,
				       WIRE_CHAIN_MAX - links_of(q), &w,
				       &q->text);
		q->ans.truncated = (got == 0 && w.truncated) ||
				   (size_t)alen > DNS_UDP_PLAIN_MAX;
		if (got == 0)
			chain_ttl = min_u32(chain_ttl, w.chain_ttl);
	}

	switch (status) {
	case ARES_SUCCESS:
		break;
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
		if (got == 0)
			q->ans.neg_ttl = neg_ttl_of(w.neg_ttl, chain_ttl);
		answer_set(q, status == ARES_ENODATA ? SPFC_DNS_NODATA
						     : SPFC_DNS_NXDOMAIN);
		goto done;
	case ARES_ETIMEOUT:
		answer_set(q, SPFC_DNS_TIMEOUT);
		goto done;
	default:
		answer_set(q, SPFC_DNS_SERVFAIL);
		goto done;
	}

	if (got != 0) {
		/* malformed, or out of memory while reading it */
		answer_set(q, SPFC_DNS_SERVFAIL);
		goto done;
	}
	if (w.count > 0) {
		q->rrs = w.rr;
		w.rr = NULL;
		q->ans.count = w.count;
		for (i = 0; i < q->ans.count; i++)
			q->rrs[i].ttl = min_u32(q->rrs[i].ttl, chain_ttl);
		answer_set(q, SPFC_DNS_OK);
		goto done;
	}
	/* No record: a chain that does not reach the asked type (a loop,
	 * too long, or its end has none) is "no data", never an error.
	 * The end of a chain given without its records is asked once. */
	if (!w.broken && w.ntype == 0 && w.nchain > 1) {
		int sent = follow_cname(q, &w);

		free(w.rr);
		if (sent > 0)
			return 1;
		if (sent < 0) {
			answer_set(q, SPFC_DNS_SERVFAIL);
			return 0;
		}
		w.rr = NULL;
	}
	q->ans.neg_ttl = neg_ttl_of(w.neg_ttl, chain_ttl);
	answer_set(q, SPFC_DNS_NODATA);
done:
	if (got == 0)
		free(w.rr);
	return 0;
}

static void on_answer(void *arg, int status, int timeouts,
		      unsigned char *abuf, int alen)
{
	cq *q = arg;
	cares_res *r = q->res;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION) {
		/* ares_destroy(): nothing reaches the user. */
		if (!q->cancelled)
			table_remove(r, q);
		cq_free(q);
		return;
	}
	if (q->cancelled) {
		cq_free(q);
		return;
	}
	if (fill_answer(q, status, abuf, alen))
		return;	/* following a CNAME: on_answer runs again */
	ready_push(r, q);
}

/* ---- The ops ------------------------------------------------------- */

static spfc_status cares_query(void *self, const char *name,
			       spfc_rrtype type, spfc_dns_cb cb, void *arg,
			       spfc_query_id *id)
{
	cares_res *r = self;
	spfc_buf text;
	spfc_status st;
	cq *q;

	if (id)
		*id = 0;
	if (!cb)
		return SPFC_EINVAL;
	switch (type) {
	case SPFC_RR_A:
	case SPFC_RR_AAAA:
	case SPFC_RR_MX:
	case SPFC_RR_TXT:
	case SPFC_RR_PTR:
		break;
	default:
		return SPFC_EINVAL;
	}
	spfc_buf_init(&text, WIRE_NAME_MAX * 2);
	st = wire_text_query(name, &text);
	if (st != SPFC_OK)
		goto done;
	q = calloc(1, sizeof *q);
	if (!q) {
		st = SPFC_ENOMEM;
		goto done;
	}
	q->res = r;
	q->id = ++r->next_id;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	q->chain_ttl = UINT32_MAX;
	spfc_buf_init(&q->text, ANSWER_TEXT_MAX);
	table_add(r, q);
	if (id)
		*id = q->id;
	/* May call on_answer at once; that only fills q and queues it. */
	send_query(r, q, spfc_buf_str(&text));
done:
	spfc_buf_free(&text);
	return st;
}

static void cares_cancel(void *self, spfc_query_id id)
{
	cares_res *r = self;
	cq *q = table_find(r, id);

	if (!q)
		return;
	table_remove(r, q);
	if (q->ready) {
		ready_unlink(r, q);
		cq_free(q);
	} else {
		q->cancelled = 1;	/* c-ares's callback frees it */
	}
}

static int64_t cares_now(void *self)
{
	(void)self;
	return clock_ms();
}

static size_t cares_pending(void *self)
{
	return ((cares_res *)self)->live;
}

static void destroy_now(cares_res *r)
{
	size_t b;

	/* Answers waiting for delivery are not in c-ares any more. */
	while (!sc_list_empty(&r->ready)) {
		cq *q = ready_first(r);

		ready_unlink(r, q);
		table_remove(r, q);
		cq_free(q);
	}
	if (r->channel)
		ares_destroy(r->channel); /* EDESTRUCTION frees the rest */
	for (b = 0; b < QUERY_BUCKETS; b++) {
		/* Only if c-ares failed to call back; never expected. */
		while (r->table[b].head) {
			cq *q = sc_list_entry(r->table[b].head, cq, hlink);

			table_remove(r, q);
			cq_free(q);
		}
	}
	free(r->socks);
	free(r->evs);
	free(r);
	ares_library_cleanup();
}

static void cares_destroy(void *self)
{
	cares_res *r = self;

	if (!r)
		return;
	if (r->depth > 0) {
		r->dying = 1;	/* in a callback: process() releases it */
		return;
	}
	destroy_now(r);
}

/* Deliver the ready list.  Returns the callbacks run. */
static int deliver(cares_res *r)
{
	int n = 0;

	while (!sc_list_empty(&r->ready) && !r->dying) {
		cq *q = ready_first(r);

		ready_unlink(r, q);
		table_remove(r, q);
		q->cb(q->arg, &q->ans);
		n++;
		cq_free(q);
	}
	return n;
}

/* Wait up to wait_ms for c-ares's sockets and let c-ares handle them (and
 * its time-outs). */
static void pump(cares_res *r, int64_t wait_ms)
{
	struct timeval maxtv, tv, *tvp;
	size_t i, nev = 0;
	int64_t ms;
	int rc;

	if (r->socks_lost)
		socks_resync(r);
	maxtv.tv_sec = (time_t)(wait_ms / 1000);
	maxtv.tv_usec = (suseconds_t)(wait_ms % 1000) * 1000;
	tvp = ares_timeout(r->channel, &maxtv, &tv);
	ms = (int64_t)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000;
	if (ms > wait_ms)
		ms = wait_ms;
	if (ms < 0)
		ms = 0;
	rc = poll(r->socks, (nfds_t)r->nsocks, (int)ms);
	if (rc > 0) {
		/* The callbacks below may change the socket table. */
		for (i = 0; i < r->nsocks; i++) {
			short re = r->socks[i].revents;

			if (!re)
				continue;
			r->evs[nev].fd = r->socks[i].fd;
			r->evs[nev].rd = (re & (POLLIN | POLLERR | POLLHUP |
						POLLNVAL)) != 0;
			r->evs[nev].wr = (re & POLLOUT) != 0;
			nev++;
		}
	}
	for (i = 0; i < nev; i++)
		ares_process_fd(r->channel,
				r->evs[i].rd ? r->evs[i].fd : ARES_SOCKET_BAD,
				r->evs[i].wr ? r->evs[i].fd : ARES_SOCKET_BAD);
	if (nev == 0)
		ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* Leave a call that may have run callbacks: a destroy asked for inside
 * one of them happens once the outermost call returns. */
static void leave(cares_res *r)
{
	r->depth--;
	if (r->dying && r->depth == 0)
		destroy_now(r);
}

static int cares_process(void *self, int64_t until)
{
	cares_res *r = self;
	int n;

	r->depth++;
	n = deliver(r);
	while (n == 0 && !r->dying && r->live > 0) {
		int64_t now = clock_ms();
		int64_t left = until > now ? until - now : 0;

		if (left > POLL_SLICE_MS)
			left = POLL_SLICE_MS;
		pump(r, left);
		n = deliver(r);
		if (clock_ms() >= until)
			break;
	}
	leave(r);
	return n;
}

static int cares_process_fd(void *self, int fd, int readable, int writable)
{
	cares_res *r = self;
	int n;

	r->depth++;
	n = deliver(r);
	if (!r->dying) {
		if (r->socks_lost)
			socks_resync(r);
		ares_process_fd(r->channel,
				readable ? (ares_socket_t)fd : ARES_SOCKET_BAD,
				writable ? (ares_socket_t)fd : ARES_SOCKET_BAD);
		n += deliver(r);
	}
	leave(r);
	return n;
}

static void cares_watch(void *self, spfc_watch_cb cb, void *arg)
{
	cares_res *r = self;
	size_t i;

	r->watch_cb = cb;
	r->watch_arg = arg;
	if (!cb)
		return;
	if (r->socks_lost)
		socks_resync(r);
	for (i = 0; i < r->nsocks; i++)
		cb(arg, (int)r->socks[i].fd, (r->socks[i].events & POLLIN) != 0,
		   (r->socks[i].events & POLLOUT) != 0);
}

static int64_t cares_next_event(void *self)
{
	cares_res *r = self;
	struct timeval tv, *tvp;
	int64_t now = clock_ms();

	if (!sc_list_empty(&r->ready))
		return now;
	if (r->live == 0)
		return INT64_MAX;
	tvp = ares_timeout(r->channel, NULL, &tv);
	if (!tvp)
		return INT64_MAX;
	return now + (int64_t)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000;
}

static const spfc_resolver_ops cares_ops = {
	.name = "cares",
	.query = cares_query,
	.cancel = cares_cancel,
	.process = cares_process,
	.process_fd = cares_process_fd,
	.now = cares_now,
	.pending = cares_pending,
	.destroy = cares_destroy,
	.watch = cares_watch,
	.next_event = cares_next_event,
};

/* ---- Construction -------------------------------------------------- */

static void cares_failed(spfc_buf *why, const char *what, int st)
{
	if (!why)
		return;
	spfc_buf_adds(why, "c-ares: ");
	spfc_buf_adds(why, what);
	spfc_buf_adds(why, ": ");
	spfc_buf_adds(why, ares_strerror(st));
}

/* "WHAT must be 1 to MAX UNIT" */
static void range_err(spfc_buf *why, const char *what, int max,
		      const char *unit)
{
	if (!why)
		return;
	spfc_buf_adds(why, what);
	spfc_buf_adds(why, " must be 1 to ");
	spfc_buf_addu(why, (unsigned long long)max);
	spfc_buf_adds(why, unit);
}

/* Parse the server list into servers; its reason, if any, goes to why
 * only on failure, so that nothing is appended on success. */
static spfc_status parse_servers(const char *list, dns_server *servers,
				 size_t *nservers, spfc_buf *why)
{
	spfc_buf reason;
	spfc_status ret;

	spfc_buf_init(&reason, 0);
	ret = dns_servers_parse(list, servers, nservers, &reason);
	if (ret != SPFC_OK && why)
		spfc_buf_adds(why, spfc_buf_str(&reason));
	spfc_buf_free(&reason);
	return ret;
}

/* The servers as c-ares's list of nodes, linked in their order. */
static void nodes_of(const dns_server *s, size_t n,
		     struct ares_addr_port_node *nodes)
{
	size_t i;

	memset(nodes, 0, n * sizeof *nodes);
	for (i = 0; i < n; i++) {
		nodes[i].family = s[i].family;
		if (s[i].family == AF_INET6)
			memcpy(&nodes[i].addr.addr6, s[i].addr, 16);
		else
			memcpy(&nodes[i].addr.addr4, s[i].addr, 4);
		nodes[i].udp_port = s[i].port;
		nodes[i].tcp_port = s[i].port;
		if (i > 0)
			nodes[i - 1].next = &nodes[i];
	}
}

spfc_status spfc_cares_resolver_new(const spfc_cares_options *o,
				    spfc_resolver **out, spfc_buf *why)
{
	dns_server servers[DNS_SERVERS_MAX];
	struct ares_addr_port_node nodes[DNS_SERVERS_MAX];
	struct ares_options opts;
	size_t nservers = 0;
	int timeout_ms = CARES_TIMEOUT_MS_DEFAULT, tries = CARES_TRIES_DEFAULT;
	int st, lib = 0;
	cares_res *r = NULL;
	spfc_status ret;

	*out = NULL;
	if (o && o->timeout_ms) {
		if (o->timeout_ms < 0 || o->timeout_ms > CARES_TIMEOUT_MS_MAX) {
			range_err(why, "DNS time-out per try",
				  CARES_TIMEOUT_MS_MAX, " ms");
			return SPFC_EINVAL;
		}
		timeout_ms = o->timeout_ms;
	}
	if (o && o->tries) {
		if (o->tries < 0 || o->tries > CARES_TRIES_MAX) {
			range_err(why, "DNS tries", CARES_TRIES_MAX, "");
			return SPFC_EINVAL;
		}
		tries = o->tries;
	}
	if (o && o->servers) {
		ret = parse_servers(o->servers, servers, &nservers, why);
		if (ret != SPFC_OK)
			return ret;
		nodes_of(servers, nservers, nodes);
	}

	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS) {
		cares_failed(why, "library init", st);
		return SPFC_ERESOLVER;
	}
	lib = 1;
	r = calloc(1, sizeof *r);
	if (!r) {
		ret = SPFC_ENOMEM;
		goto fail;
	}
	memset(&opts, 0, sizeof opts);
	/* No search list and no HOSTALIASES (ares_query uses neither, but
	 * say so); no EDNS, so a big answer is truncated and fetched over
	 * TCP; ARES_FLAG_IGNTC stays off. */
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
		     /* keep the UDP socket between queries instead of
		      * opening one per query (≈50 system calls a check) */
		     ARES_FLAG_STAYOPEN |
		     /* a SERVFAIL or REFUSED answer is the answer: return it
		      * at once rather than asking again */
		     ARES_FLAG_NOCHECKRESP;
	opts.timeout = timeout_ms;
	opts.tries = tries;
	opts.sock_state_cb = sock_state;
	opts.sock_state_cb_data = r;
	st = ares_init_options(&r->channel, &opts,
			       ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
			       ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB);
	if (st != ARES_SUCCESS) {
		r->channel = NULL;
		cares_failed(why, "init", st);
		ret = st == ARES_ENOMEM ? SPFC_ENOMEM : SPFC_ERESOLVER;
		goto fail;
	}
	if (nservers) {
		st = ares_set_servers_ports(r->channel, &nodes[0]);
		if (st != ARES_SUCCESS) {
			cares_failed(why, "setting servers", st);
			ret = st == ARES_ENOMEM ? SPFC_ENOMEM : SPFC_ERESOLVER;
			goto fail;
		}
	}
	ret = spfc_resolver_new(&cares_ops, r, out);
	if (ret != SPFC_OK)
		goto fail;
	return SPFC_OK;
fail:
	if (r) {
		if (r->channel)
			ares_destroy(r->channel);
		free(r->socks);
		free(r->evs);
		free(r);
	}
	if (lib)
		ares_library_cleanup();
	return ret;
}
