/*
 * server.c - spfc-milter's connections: accepted on the listening socket
 * (sock.h), their bytes through the state machine (session.h), each
 * message's request to the policy core (policy.h), the replies written
 * back.  One loop, any number of MTA connections, their checks in flight
 * at once on the shared DNS cache.
 *
 * A message's stages: at MAIL its state is reset and the skips decided
 * (InternalHosts unless MacroList matches; {auth_authen} with
 * Skip_Authenticated), and the HELO
 * and MAIL FROM checks begin at once, their lookups going into the
 * shared DNS cache (identical lookups in flight are joined); the decision
 * is asked for at the first RCPT (or at MAIL with Milter_Reject_Stage =
 * mail) and its answer given there, later recipients get the same; the
 * header it prepends is inserted at the top at end of message.  While a
 * decision is pending nothing more is read from that MTA (it waits for
 * the answer anyway).  Limits: Max_Clients connections (more are closed
 * at once), Idle_Timeout of silence, the protocol layer's packet bounds.
 */
#define _GNU_SOURCE	/* accept4 */
#include "server.h"

#include "cache.h"
#include "daemon.h"
#include "common/ascii.h"
#include "frontend.h"
#include "log.h"
#include "session.h"
#include "sock.h"

#include <spfc/spfc.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BATCH 64		/* connections taken per wake-up */
#define WRITE_QUEUE_MAX (1u << 20)	/* unwritten bytes before closing */
#define OUT_MAX (256u << 10)	/* the session's output bound */
#define VALUE_MAX 1024		/* bytes of a request value kept */
#define RETIRED_MAX 8		/* replaced configurations kept at once */

/* What we need from the MTA: to insert the header field; with
 * Milter_Remove_AR, the headers and the right to delete some. */
static const struct milter_want want = { SMFIF_ADDHDRS, 0, 0, 0 };
static const struct milter_want want_ar = {
	SMFIF_ADDHDRS | SMFIF_CHGHDRS, 1, 0, 0 };
#define AR_NAME "Authentication-Results"
#define AR_DEL_MAX 64		/* forged fields removed per message */

struct mserver;

struct mconn {
	struct mconn *prev, *next;
	struct mserver *s;
	union {
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} h;
	uv_timer_t timer;
	int handles;		/* open libuv handles; freed at 0 */
	int closing;
	int reading;
	unsigned long id;
	unsigned long msgs;	/* messages begun */
	struct milter_conn mc;
	struct cache *cache;	/* per-instance answers (unused across
				   messages: each has its own instance) */
	spfc_buf in;		/* bytes read, not yet run */
	/* the message */
	struct policy_job *job;
	int in_start;		/* inside policy_start */
	int awaiting;		/* MILTER_EV_MAIL or RCPT waits for job */
	int skip;		/* no check for this message */
	int decided;
	struct milter_answer ans;
	char sender[VALUE_MAX];
	spfc_check *pre[2];	/* the checks begun at MAIL: HELO, MAIL FROM */
	int remove_ar;		/* negotiated with want_ar */
	uint32_t ar_seen;	/* Authentication-Results fields so far */
	uint32_t ar_del[AR_DEL_MAX];	/* which of them carry our id */
	size_t n_ar_del;
};

struct mserver {
	uv_loop_t *loop;
	struct policy *p;
	spfc_resolver *res;
	struct config *cfg;
	struct sock sock;
	struct mconn *list;
	size_t nconns;
	unsigned long next_id;
	int stopping;
	uv_signal_t sigterm, sigint, sighup, sigusr1;
	uv_timer_t grace;	/* the bound on finishing at SIGTERM */
	const char *config_path;
	struct config *base;	/* the caller's configuration */
	/* configurations replaced by SIGHUP: decisions begun under them may
	 * still read them; freed once no decision is in progress */
	struct config *retired[RETIRED_MAX];
	size_t nretired;
};

static void conn_close(struct mconn *c);
static void run(struct mconn *c);

/* ---- the request the policy service would get ----------------------- */

/* "<a@b.example>" as Postfix's policy request has it: without the angle
 * brackets, lower-cased (proto.h), at most VALUE_MAX - 1 bytes. */
static void addr_value(char *dst, const char *addr)
{
	size_t n = strlen(addr), i;

	if (n >= 2 && addr[0] == '<' && addr[n - 1] == '>') {
		addr++;
		n -= 2;
	}
	if (n >= VALUE_MAX)
		n = VALUE_MAX - 1;
	for (i = 0; i < n; i++)
		dst[i] = (char)sc_to_lower((unsigned char)addr[i]);
	dst[n] = '\0';
}

/* The client's address as Postfix shows it: an IPv4-mapped address as
 * IPv4; "" when the MTA gave none (a unix or unknown client). */
static void client_value(char *dst, size_t size, const struct milter_connect *c)
{
	dst[0] = '\0';
	if (!c)
		return;
	if (c->family == SMFIA_INET6 && c->v4mapped)
		inet_ntop(AF_INET, c->addr + 12, dst, (socklen_t)size);
	else if (c->family == SMFIA_INET)
		inet_ntop(AF_INET, c->addr, dst, (socklen_t)size);
	else if (c->family == SMFIA_INET6)
		inet_ntop(AF_INET6, c->addr, dst, (socklen_t)size);
}

static void add_attr(struct proto_request *q, struct proto_attr *a,
		     const char *name, char *value)
{
	if (!value || !*value)
		return;
	a[q->nattrs].name = (char *)name;
	a[q->nattrs].value = value;
	a[q->nattrs].vlen = strlen(value);
	q->nattrs++;
}

static void on_decided(void *arg, const char *action);
static void prefetch_stop(struct mconn *c);
static void flush(struct mconn *c);

/* Ask the core; the answer comes to on_decided, maybe at once. */
static void ask(struct mconn *c, const char *recipient)
{
	struct proto_attr attrs[8];
	struct proto_request q;
	char client[64], helo[VALUE_MAX], rcpt[VALUE_MAX], inst[64];
	char qid[VALUE_MAX];
	const char *h = milter_conn_helo(&c->mc), *i;
	struct policy_job *j;

	memset(&q, 0, sizeof q);
	q.attrs = attrs;
	client_value(client, sizeof client, milter_conn_client(&c->mc));
	addr_value(helo, h ? h : "");
	addr_value(rcpt, recipient ? recipient : "");
	snprintf(inst, sizeof inst, "%lx.%lx", c->id, c->msgs);
	i = milter_conn_macro(&c->mc, "i");
	snprintf(qid, sizeof qid, "%s", i ? i : "");
	add_attr(&q, attrs, "request", "smtpd_access_policy");
	add_attr(&q, attrs, "client_address", client);
	add_attr(&q, attrs, "helo_name", helo);
	attrs[q.nattrs].name = "sender";	/* present when empty: <> */
	attrs[q.nattrs].value = c->sender;
	attrs[q.nattrs].vlen = strlen(c->sender);
	q.nattrs++;
	add_attr(&q, attrs, "recipient", rcpt);
	add_attr(&q, attrs, "instance", inst);
	add_attr(&q, attrs, "queue_id", qid);
	c->in_start = 1;
	j = policy_start(c->s->p, &q, c->cache, on_decided, c);
	c->in_start = 0;
	if (j) {
		c->job = j;
		return;
	}
	if (!c->decided) {	/* out of memory: fail closed */
		milter_answer_map(&c->ans, POLICY_OOM_ACTION);
		c->decided = 1;
	}
}

/* ---- answers ---------------------------------------------------------- */

static int answer(struct mconn *c, char verdict, const char *text)
{
	if (milter_conn_reply(&c->mc, verdict, text) != 0) {
		conn_close(c);
		return -1;
	}
	return 0;
}

/* The decision's answer to the MAIL or RCPT that waits for it. */
static void give_decision(struct mconn *c)
{
	const char *t = c->ans.text.len ? spfc_buf_str(&c->ans.text) : NULL;

	c->awaiting = 0;
	answer(c, c->ans.verdict, t);
}

static void on_decided(void *arg, const char *action)
{
	struct mconn *c = arg;

	c->job = NULL;
	prefetch_stop(c);	/* the decision's own checks are done */
	milter_answer_map(&c->ans, action);
	c->decided = 1;
	if (!c->in_start && c->awaiting && !c->closing) {
		give_decision(c);
		if (c->s->stopping) {	/* its answer out, then the end */
			flush(c);
			conn_close(c);
			return;
		}
		run(c);
	}
}

/* Ask, then answer now when the answer is already there. */
static void decide(struct mconn *c, int kind, const char *recipient)
{
	c->awaiting = kind;
	ask(c, recipient);
	if (c->decided)
		give_decision(c);
}

/* ---- the checks begun at MAIL ---------------------------------------------- */

/* They only fill the DNS cache: the decision, asked for at RCPT, runs
 * its own checks, whose lookups then join theirs or find the answers
 * there.  They end with the message at the latest. */
static void prefetch_stop(struct mconn *c)
{
	spfc_check_free(c->pre[0]);
	spfc_check_free(c->pre[1]);
	c->pre[0] = c->pre[1] = NULL;
}

static void on_prefetched(spfc_check *chk, void *arg)
{
	struct mconn *c = arg;
	int i;

	for (i = 0; i < 2; i++)
		if (c->pre[i] == chk)
			c->pre[i] = NULL;
	spfc_check_free(chk);
}

static void prefetch_one(struct mconn *c, int i, const spfc_addr *ip,
			 const char *sender, const char *helo,
			 spfc_scope scope)
{
	const struct config *cfg = c->s->cfg;
	spfc_options o;
	spfc_request q;

	spfc_options_init(&o);
	o.timeout_ms = (int64_t)cfg->milter_timeout * 1000;
	o.void_limit = (unsigned)cfg->void_limit;
	memset(&q, 0, sizeof q);
	q.ip = *ip;
	q.sender = sender;
	q.helo = helo;
	q.scope = scope;
	if (spfc_check_new(c->s->res, &o, &q, &c->pre[i]) != SPFC_OK) {
		c->pre[i] = NULL;	/* the decision will say why */
		return;
	}
	spfc_check_start(c->pre[i], on_prefetched, c);
}

static void prefetch(struct mconn *c)
{
	const char *h = milter_conn_helo(&c->mc);
	char client[64], helo[VALUE_MAX], pm[VALUE_MAX + 16];
	spfc_addr ip;

	client_value(client, sizeof client, milter_conn_client(&c->mc));
	if (!*client || spfc_addr_parse(client, &ip) != SPFC_OK)
		return;
	addr_value(helo, h ? h : "");
	snprintf(pm, sizeof pm, "postmaster@%s", helo);
	if (*helo)
		prefetch_one(c, 0, &ip, pm, helo, SPFC_SCOPE_HELO);
	if (strchr(c->sender, '@'))
		prefetch_one(c, 1, &ip, c->sender, *helo ? helo : "unknown",
			     SPFC_SCOPE_MFROM);
}

static void message_reset(struct mconn *c)
{
	prefetch_stop(c);
	if (c->job)
		policy_cancel(c->job);
	c->job = NULL;
	c->awaiting = 0;
	c->skip = 0;
	c->decided = 0;
	c->ar_seen = 0;
	c->n_ar_del = 0;
	milter_answer_map(&c->ans, "dunno");
}

/* Does MacroList entry e ("name" or "name|value|value...") match the
 * macros the MTA sent: name set and not empty, or equal to one of the
 * values (exactly, as pyspf-milter compares them)? */
static int macro_entry_match(struct mconn *c, const char *e)
{
	const char *bar = strchr(e, '|'), *v, *end;
	char name[64];
	size_t n = bar ? (size_t)(bar - e) : strlen(e);

	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, e, n);
	name[n] = '\0';
	v = milter_conn_macro(&c->mc, name);
	if (!v || !*v)
		return 0;
	if (!bar)
		return 1;
	for (e = bar + 1; ; e = end + 1) {
		end = strchr(e, '|');
		n = end ? (size_t)(end - e) : strlen(e);
		if (strlen(v) == n && memcmp(v, e, n) == 0)
			return 1;
		if (!end)
			return 0;
	}
}

/* MacroList: a client in InternalHosts is checked all the same when one
 * entry matches (e.g. Postfix's {daemon_name} of the smtpd that takes
 * mail from outside, behind a relay on an internal address). */
static int macro_list_external(struct mconn *c)
{
	const struct str_list *l = &c->s->cfg->macro_list;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (macro_entry_match(c, l->v[i]))
			return 1;
	return 0;
}

/* Why a message is not checked, or NULL. */
static const char *skip_reason(struct mconn *c)
{
	const struct config *cfg = c->s->cfg;
	const char *auth = milter_conn_macro(&c->mc, "{auth_authen}");
	char client[64];
	spfc_addr a;

	if (cfg->skip_authenticated && auth && *auth)
		return "authenticated sender";
	client_value(client, sizeof client, milter_conn_client(&c->mc));
	if (*client && spfc_addr_parse(client, &a) == SPFC_OK &&
	    policy_net_match(&cfg->internal_hosts, &a) &&
	    !macro_list_external(c))
		return "client in InternalHosts";
	return NULL;
}

static void on_mail(struct mconn *c, const struct milter_event *ev)
{
	const char *why;

	message_reset(c);
	c->msgs++;
	addr_value(c->sender, ev->addr);
	why = skip_reason(c);
	if (why) {
		const char *qid = milter_conn_macro(&c->mc, "i");
		spfc_buf m;

		c->skip = 1;
		spfc_buf_init(&m, 0);
		if (qid && *qid && c->s->cfg->queue_id) {
			spfc_buf_adds(&m, qid);
			spfc_buf_adds(&m, ": ");
		}
		spfc_buf_adds(&m, "SPF check skipped: ");
		spfc_buf_adds(&m, why);
		spfc_buf_adds(&m, "; sender ");
		log_msg2(1, spfc_buf_str(&m), c->sender);
		spfc_buf_free(&m);
	}
	if (!c->skip && c->s->cfg->milter_reject_mail) {
		decide(c, MILTER_EV_MAIL, NULL);
		return;
	}
	if (!c->skip)
		prefetch(c);
	answer(c, SMFIR_CONTINUE, NULL);
}

static void on_rcpt(struct mconn *c, const struct milter_event *ev)
{
	if (c->skip) {
		answer(c, SMFIR_CONTINUE, NULL);
	} else if (c->decided) {
		/* later recipients: the same answer (at MAIL stage it was
		 * given at MAIL already) */
		if (c->s->cfg->milter_reject_mail)
			answer(c, SMFIR_CONTINUE, NULL);
		else
			give_decision(c);
	} else {
		decide(c, MILTER_EV_RCPT, ev->addr);
	}
}

/* ---- Milter_Remove_AR ------------------------------------------------------ */

/* Folding white space of a header field's value (RFC 5322 3.2.2). */
static int is_fws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The authserv-id a field's value starts with (RFC 8601 section 2.2) is
 * ours: a forgery (section 5), since only we may add one. */
static int ar_is_ours(const char *value, const char *id)
{
	size_t n = strlen(id);

	while (is_fws((unsigned char)*value))
		value++;
	if (!sc_prefix_nocase(value, strlen(value), id))
		return 0;
	return value[n] == ';' || value[n] == '(' ||
	       is_fws((unsigned char)value[n]);
}

static void on_header(struct mconn *c, const struct milter_event *ev)
{
	const char *id = c->s->cfg->authserv_id;

	if (!c->remove_ar || !sc_streq_nocase(ev->name, AR_NAME))
		return;
	c->ar_seen++;
	if (id && ar_is_ours(ev->value, id)) {
		if (c->n_ar_del < AR_DEL_MAX)
			c->ar_del[c->n_ar_del++] = c->ar_seen;
		else if (c->n_ar_del == AR_DEL_MAX)
			log_msg(1, "more forged Authentication-Results fields "
				   "than are removed");
	}
}

/* The last first, so that no deletion moves the index of another. */
static int remove_forged(struct mconn *c)
{
	size_t i = c->n_ar_del;

	if (i)
		log_msg2(1, "removing forged Authentication-Results fields "
			    "with our authserv-id: ", c->s->cfg->authserv_id);
	while (i--)
		if (milter_conn_chgheader(&c->mc, c->ar_del[i], AR_NAME,
					  NULL) != 0)
			return -1;
	return 0;
}

static void on_eom(struct mconn *c)
{
	if (remove_forged(c) != 0) {
		conn_close(c);
		return;
	}
	if (!c->skip && c->ans.hname.len &&
	    milter_conn_insheader(&c->mc, 0, spfc_buf_str(&c->ans.hname),
				  spfc_buf_str(&c->ans.hvalue)) != 0) {
		conn_close(c);
		return;
	}
	message_reset(c);
	answer(c, SMFIR_CONTINUE, NULL);
}

/* One event of the state machine. */
static void handle(struct mconn *c, const struct milter_event *ev)
{
	switch (ev->kind) {
	case MILTER_EV_MAIL:
		on_mail(c, ev);
		break;
	case MILTER_EV_RCPT:
		on_rcpt(c, ev);
		break;
	case MILTER_EV_EOM:
		on_eom(c);
		break;
	case MILTER_EV_HEADER:
		on_header(c, ev);
		break;
	case MILTER_EV_ABORT:
		message_reset(c);
		break;
	case MILTER_EV_CLOSE:
		message_reset(c);
		if (!ev->quit_nc)
			conn_close(c);
		break;
	case MILTER_EV_ERROR:
		log_msg2(2, "milter connection dropped: ",
			 milter_strerror(ev->err));
		conn_close(c);
		return;
	default:
		break;
	}
	if (ev->reply_needed && !c->awaiting && !c->closing &&
	    ev->kind != MILTER_EV_MAIL && ev->kind != MILTER_EV_RCPT &&
	    ev->kind != MILTER_EV_EOM)
		answer(c, SMFIR_CONTINUE, NULL);
}

/* ---- bytes in and out --------------------------------------------------- */

struct wreq {
	uv_write_t req;
	struct mconn *c;
	char data[];
};

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;

	if (status < 0 && status != UV_ECANCELED)
		conn_close(w->c);
	free(w);
}

static void flush(struct mconn *c)
{
	spfc_buf *out = milter_conn_output(&c->mc);
	struct wreq *w;
	uv_buf_t b;

	if (!out->len || c->closing)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->h) > WRITE_QUEUE_MAX ||
	    (w = malloc(sizeof *w + out->len)) == NULL) {
		conn_close(c);
		return;
	}
	w->c = c;
	memcpy(w->data, out->data, out->len);
	b = uv_buf_init(w->data, (unsigned)out->len);
	spfc_buf_reset(out);
	if (uv_write(&w->req, (uv_stream_t *)&c->h, &b, 1, on_written) != 0) {
		free(w);
		conn_close(c);
	}
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void set_reading(struct mconn *c, int on)
{
	if (c->closing || c->reading == on)
		return;
	c->reading = on;
	if (on)
		uv_read_start((uv_stream_t *)&c->h, fe_read_alloc, on_read);
	else
		uv_read_stop((uv_stream_t *)&c->h);
}

/* Run the commands read until one waits for a decision. */
static void run(struct mconn *c)
{
	const unsigned char *p = (const unsigned char *)c->in.data;
	size_t n = c->in.len;
	struct milter_event ev;

	while (!c->awaiting && !c->closing &&
	       milter_conn_step(&c->mc, &p, &n, &ev) != MILTER_EV_NONE)
		handle(c, &ev);
	if (c->closing)
		return;
	if (n && p != (const unsigned char *)c->in.data)
		memmove(c->in.data, p, n);
	spfc_buf_truncate(&c->in, n);
	flush(c);
	if (milter_conn_over(&c->mc) && !c->awaiting)
		conn_close(c);
	else
		set_reading(c, !c->awaiting);
}

/* Idle_Timeout of silence from the MTA ends the connection; while it
 * waits for a decision of ours the MTA is not idle: look again later. */
static void on_idle(uv_timer_t *t)
{
	struct mconn *c = t->data;

	if (c->awaiting)
		uv_timer_start(&c->timer, on_idle,
			       (uint64_t)c->s->cfg->idle_timeout * 1000, 0);
	else
		conn_close(c);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct mconn *c = st->data;

	if (n < 0) {
		conn_close(c);
		return;
	}
	if (n == 0)
		return;
	uv_timer_start(&c->timer, on_idle,
		       (uint64_t)c->s->cfg->idle_timeout * 1000, 0);
	if (spfc_buf_add(&c->in, buf->base, (size_t)n) != 0) {
		conn_close(c);
		return;
	}
	run(c);
}

/* ---- connections ---------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
	struct mconn *c = h->data;

	if (--c->handles)
		return;
	milter_conn_free(&c->mc);
	milter_answer_free(&c->ans);
	spfc_buf_free(&c->in);
	cache_free(c->cache);
	free(c);
}

static void conn_close(struct mconn *c)
{
	struct mserver *s = c->s;

	if (c->closing)
		return;
	c->closing = 1;
	if (c->job)
		policy_cancel(c->job);
	c->job = NULL;
	prefetch_stop(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	uv_close((uv_handle_t *)&c->h, on_closed);
	uv_close((uv_handle_t *)&c->timer, on_closed);
	if (s->stopping && !s->nconns)
		uv_stop(s->loop);
}

/* An inet client as listen mode lets one in (Listen_Allow, else
 * loopback only); 0 after closing it. */
static int peer_allowed(struct mconn *c)
{
	char peer[SPFC_ADDR_TEXT_MAX];

	if (sock_peer_allowed(&c->h.tcp, c->s->cfg, peer, sizeof peer))
		return 1;
	log_msg2(1, "milter client not allowed (Listen_Allow, or loopback "
		    "when none is given): closed: ", *peer ? peer : "unknown");
	conn_close(c);
	return 0;
}

static void take(struct mserver *s, int fd)
{
	struct mconn *c;
	int rc;

	if (s->nconns >= (size_t)s->cfg->max_clients) {
		close(fd);
		log_msg(1, "Max_Clients milter connections are open: "
			   "a new one was closed");
		return;
	}
	c = calloc(1, sizeof *c);
	if (!c || !(c->cache = cache_new(CACHE_CONN_ENTRIES))) {
		free(c);
		close(fd);
		log_msg(0, "out of memory for a new milter connection: closed");
		return;
	}
	c->s = s;
	c->id = ++s->next_id;
	c->remove_ar = s->cfg->milter_remove_ar;
	milter_conn_init(&c->mc, c->remove_ar ? &want_ar : &want, NULL,
			 OUT_MAX);
	milter_answer_init(&c->ans);
	spfc_buf_init(&c->in, 0);
	if (s->sock.is_unix) {
		uv_pipe_init(s->loop, &c->h.pipe, 0);
		rc = uv_pipe_open(&c->h.pipe, fd);
	} else {
		uv_tcp_init(s->loop, &c->h.tcp);
		rc = uv_tcp_open(&c->h.tcp, fd);
	}
	c->h.pipe.data = c;
	uv_timer_init(s->loop, &c->timer);
	c->timer.data = c;
	c->handles = 2;
	c->next = s->list;
	if (s->list)
		s->list->prev = c;
	s->list = c;
	s->nconns++;
	if (rc != 0) {
		close(fd);
		conn_close(c);
		return;
	}
	if (!s->sock.is_unix && !peer_allowed(c))
		return;
	uv_timer_start(&c->timer, on_idle,
		       (uint64_t)s->cfg->idle_timeout * 1000, 0);
	set_reading(c, 1);
}

static void on_listener(uv_poll_t *h, int status, int events)
{
	struct mserver *s = h->data;
	int n, fd;

	(void)events;
	if (status < 0)
		return;
	for (n = 0; n < ACCEPT_BATCH && !s->stopping; n++) {
		fd = accept4(s->sock.lfd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			take(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_msg2(0, "cannot accept a milter connection: ",
				 strerror(errno));
		return;
	}
}

/* ---- the server ------------------------------------------------------------- */

static void log_counters(struct mserver *s)
{
	spfc_buf m;

	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, "milter connections=");
	spfc_buf_addu(&m, s->nconns);
	spfc_buf_adds(&m, " ");
	policy_stats_format(s->p, &m);
	log_msg(0, spfc_buf_str(&m));
	spfc_buf_free(&m);
}

static void free_retired(struct mserver *s)
{
	size_t i;

	for (i = 0; i < s->nretired; i++) {
		config_free(s->retired[i]);
		free(s->retired[i]);
	}
	s->nretired = 0;
}

/* SIGHUP: the file read again, for messages decided from now on; a file
 * that cannot be read or holds errors is refused (the settings in force
 * stay).  The socket, the user and the process settings stay those of
 * the start. */
static void reload(struct mserver *s)
{
	struct config *n;
	int rc;

	if (policy_busy(s->p) == 0)
		free_retired(s);
	if (s->nretired == RETIRED_MAX) {
		log_msg(0, "reload refused: decisions under earlier settings "
			   "are still in progress; send SIGHUP again later");
		return;
	}
	n = malloc(sizeof *n);
	if (!n || config_init(n) < 0) {
		free(n);
		log_msg(0, "reload refused: out of memory");
		return;
	}
	n->milter = 1;
	rc = config_load(n, s->config_path);
	if (rc == 0)
		config_check_per_user(n);
	if (rc != 0 || n->nerrors) {
		log_msg2(0, "reload refused, the settings in force are kept: ",
			 n->nproblems ? n->problems[n->nproblems - 1].text
				      : "the file cannot be read");
		config_free(n);
		free(n);
		return;
	}
	milter_config_budget(n);
	log_set_level(n->debug_level);
	policy_set_config(s->p, n);
	if (s->cfg != s->base)
		s->retired[s->nretired++] = s->cfg;
	if (n->max_clients > s->cfg->max_clients)
		fe_reserve_watchers(s->loop, (size_t)n->max_clients);
	s->cfg = n;
	log_msg2(1, "reloaded ", s->config_path);
}

static void stop_now(struct mserver *s)
{
	struct mconn *c, *nx;

	for (c = s->list; c; c = nx) {
		nx = c->next;
		conn_close(c);
	}
	uv_stop(s->loop);
}

static void on_grace(uv_timer_t *t)
{
	stop_now(t->data);
}

/* SIGTERM: no new connection; a decision in progress is answered, then
 * its connection closed; the others at once.  Bounded by Milter_Timeout
 * and a second. */
static void stop(struct mserver *s)
{
	struct mconn *c, *nx;

	log_msg(1, "stopping: answering the decisions in progress");
	s->stopping = 1;
	sock_close(&s->sock);
	uv_signal_stop(&s->sigterm);
	uv_signal_stop(&s->sigint);
	uv_signal_stop(&s->sighup);
	uv_signal_stop(&s->sigusr1);
	for (c = s->list; c; c = nx) {
		nx = c->next;
		if (!c->awaiting)
			conn_close(c);
	}
	if (!s->nconns) {
		uv_stop(s->loop);
		return;
	}
	uv_timer_start(&s->grace, on_grace,
		       ((uint64_t)s->cfg->milter_timeout + 1) * 1000, 0);
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct mserver *s = h->data;

	if (sig == SIGUSR1)
		log_counters(s);
	else if (sig == SIGHUP)
		reload(s);
	else
		stop(s);
}

static int bind_spec(struct mserver *s, const char *spec)
{
	spfc_buf where;
	int rc;

	spfc_buf_init(&where, 0);
	rc = milter_spec_parse(spec, &where, &s->sock.is_unix);
	if (rc == 2)
		fprintf(stderr, "spfc-milter: socket %s: not unix:PATH, "
			"local:PATH, inet:PORT@HOST, inet6:PORT@HOST or "
			"inet:HOST:PORT\n", spec);
	else if (s->sock.is_unix)
		rc = sock_bind_unix(&s->sock, s->loop, s->cfg,
				    spfc_buf_str(&where), on_listener, s);
	else
		rc = sock_bind_inet(&s->sock, s->loop, s->cfg,
				    spfc_buf_str(&where), on_listener, s);
	spfc_buf_free(&where);
	return rc;
}

static void close_server(struct mserver *s)
{
	sock_close(&s->sock);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigusr1, NULL);
	uv_close((uv_handle_t *)&s->sighup, NULL);
	uv_close((uv_handle_t *)&s->grace, NULL);
	uv_run(s->loop, UV_RUN_NOWAIT);
	sock_release(&s->sock);
}

void milter_config_budget(struct config *cfg)
{
	if (cfg->lookup_time > cfg->milter_timeout)
		cfg->lookup_time = cfg->milter_timeout;
	if (cfg->whitelist_lookup_time > cfg->milter_timeout)
		cfg->whitelist_lookup_time = cfg->milter_timeout;
}

int milter_serve(uv_loop_t *loop, struct policy *p, spfc_resolver *res,
		 struct config *cfg, const char *config_path, const char *spec,
		 int foreground)
{
	struct mserver s;
	uid_t uid;
	gid_t gid;
	int rc;

	memset(&s, 0, sizeof s);
	s.loop = loop;
	s.p = p;
	s.res = res;
	s.cfg = s.base = cfg;
	s.config_path = config_path;
	sock_init(&s.sock);
	if (cfg->user_id && sock_lookup_owner(cfg->user_id, &uid, &gid, 1) < 0) {
		log_fatal("UserID ", cfg->user_id, ": no such user", NULL);
		return 1;
	}
	uv_signal_init(loop, &s.sigterm);
	uv_signal_init(loop, &s.sigint);
	uv_signal_init(loop, &s.sigusr1);
	uv_signal_init(loop, &s.sighup);
	uv_timer_init(loop, &s.grace);
	s.sigterm.data = s.sigint.data = s.sigusr1.data = s.sighup.data = &s;
	s.grace.data = &s;
	umask((mode_t)cfg->umask);
	fe_reserve_watchers(loop, (size_t)cfg->max_clients);
	rc = bind_spec(&s, spec);
	if (rc < 0)	/* said why: the environment, not the usage */
		rc = 1;
	if (rc == 0 && !foreground && daemon_background(loop) < 0) {
		log_fatal("cannot go to the background: ", strerror(errno), NULL);
		rc = 1;
	}
	if (rc == 0 && cfg->pid_file && daemon_write_pidfile(cfg->pid_file) != 0) {
		log_fatal("PidFile ", cfg->pid_file, ": ", strerror(errno), NULL);
		rc = 1;
	}
	if (rc == 0 && cfg->user_id && sock_drop_privileges(cfg->user_id) < 0) {
		log_fatal("cannot switch to user ", cfg->user_id, ": ",
			  strerror(errno), NULL);
		rc = 1;
	}
	if (rc != 0) {
		close_server(&s);
		return rc;
	}
	uv_signal_start(&s.sigterm, on_signal, SIGTERM);
	uv_signal_start(&s.sigint, on_signal, SIGINT);
	uv_signal_start(&s.sigusr1, on_signal, SIGUSR1);
	uv_signal_start(&s.sighup, on_signal, SIGHUP);
	log_msg2(1, "milter listening on ", spec);
	uv_run(loop, UV_RUN_DEFAULT);
	log_counters(&s);
	close_server(&s);
	if (cfg->pid_file)
		unlink(cfg->pid_file);
	policy_set_config(p, cfg);
	free_retired(&s);
	if (s.cfg != cfg) {
		config_free(s.cfg);
		free(s.cfg);
	}
	return 0;
}
