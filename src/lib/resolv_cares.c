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
 *    cares_wire.h), not by c-ares's parsers, which take records of any
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

#include "cares_wire.h"

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
/* Our bound on an explicit server list. */
#define SERVERS_MAX 16
/* Longest "[IPv6]:port" entry: the address text plus brackets, colon and
 * five port digits. */
#define SERVER_ENTRY_MAX (INET6_ADDRSTRLEN + 8)
/* How much of a bad entry an error message quotes. */
#define SERVER_QUOTE_MAX 64
/* The DNS port, RFC 1035 §4.2. */
#define DNS_PORT 53
#define PORT_MAX 65535

/* RFC 1035 §2.3.4: labels are 63 octets or less, names 255 octets or less
 * in wire form, which is 253 characters of text without the final dot. */
#define DNS_LABEL_MAX 63
#define DNS_NAME_TEXT_MAX 253
#define DNS_NAME_WIRE_MAX 255
/* RFC 1035 §4.1.1 header, §4.1.2 question tail, §4.1.3 RR fixed part. */
#define DNS_HEADER_SIZE 12
#define DNS_QUESTION_TAIL 4
#define DNS_RR_FIXED 10
/* The smallest record: the root as owner and the fixed part. */
#define DNS_RR_MIN (1 + DNS_RR_FIXED)
/* RFC 1035 §4.1.4: compression pointers have the two top bits set and
 * point to a prior occurrence.  Our bound on the pointers followed in one
 * name; each must also point before where the last one led, so no loop is
 * possible either way. */
#define DNS_POINTER_MASK 0xC0
#define DNS_POINTERS_MAX 32
/* RFC 1035 §4.2.1: a UDP message without EDNS is 512 octets at most. */
#define DNS_UDP_PLAIN_MAX 512
/* RFC 2181 §8: a TTL with the top bit set is treated as zero. */
#define DNS_TTL_MAX 0x7FFFFFFFu
/* RFC 1035 §3.2.2 / §3.2.4 types and class used by the answer reader. */
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_CLASS_IN 1
/* RFC 1035 §3.3.13: SOA RDATA ends with five 32-bit numbers, MINIMUM last. */
#define DNS_SOA_NUMBERS 20

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
	struct cq *hnext, *hprev;	/* live-query table chain */
	struct cq *rnext, *rprev;	/* ready list */
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
	cq *table[QUERY_BUCKETS];
	size_t live;		/* queries in the table */
	cq *ready_head, *ready_tail;
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

static uint32_t ttl_clamp(uint32_t t)
{
	return t > DNS_TTL_MAX ? 0 : t;
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | (unsigned)p[1];
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Copy s into err (size errsize), cut to fit, always NUL-terminated. */
static void set_err(char *err, size_t errsize, const spfc_buf *msg)
{
	size_t n;

	if (!err || errsize == 0)
		return;
	n = msg->len < errsize - 1 ? msg->len : errsize - 1;
	if (n)
		memcpy(err, spfc_buf_str(msg), n);
	err[n] = '\0';
}

/* Append at most max bytes of s[0..n) with anything but printable ASCII
 * shown as '?'. */
static void add_quoted(spfc_buf *b, const char *s, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		spfc_buf_addc(b, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (n > max)
		spfc_buf_adds(b, "...");
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

/* ---- Server list --------------------------------------------------- */

/* Strict decimal port 1..65535, digits only.  0 on success. */
static int parse_port(const char *s, size_t n, unsigned short *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > PORT_MAX)
		return -1;
	*out = (unsigned short)v;
	return 0;
}

/* Parse one entry s[0..n) into node.  On failure, *why says what is
 * wrong. */
static int parse_server(const char *s, size_t n,
			struct ares_addr_port_node *node, const char **why)
{
	char host[SERVER_ENTRY_MAX + 1];
	const char *port = NULL;
	size_t hostlen, portlen = 0, colons = 0, i;
	int six;

	if (n == 0) {
		*why = "empty entry";
		return -1;
	}
	if (n > SERVER_ENTRY_MAX) {
		*why = "entry too long";
		return -1;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			*why = "missing ']'";
			return -1;
		}
		hostlen = (size_t)(close - s) - 1;
		memcpy(host, s + 1, hostlen);
		host[hostlen] = '\0';
		if ((size_t)(close - s) + 1 < n) {
			if (close[1] != ':') {
				*why = "expected ':PORT' after ']'";
				return -1;
			}
			port = close + 2;
			portlen = n - (size_t)(close - s) - 2;
		}
		six = 1;
	} else {
		for (i = 0; i < n; i++)
			colons += s[i] == ':';
		if (colons == 1) {
			const char *c = memchr(s, ':', n);

			hostlen = (size_t)(c - s);
			port = c + 1;
			portlen = n - hostlen - 1;
			six = 0;
		} else {
			hostlen = n;
			six = colons > 1;
		}
		memcpy(host, s, hostlen);
		host[hostlen] = '\0';
	}

	memset(node, 0, sizeof *node);
	if (six) {
		node->family = AF_INET6;
		if (inet_pton(AF_INET6, host, &node->addr.addr6) != 1) {
			*why = "not an IPv6 address";
			return -1;
		}
	} else {
		node->family = AF_INET;
		if (inet_pton(AF_INET, host, &node->addr.addr4) != 1) {
			*why = "not an IPv4 or IPv6 address (an IPv6 address "
			       "with a port goes in [brackets])";
			return -1;
		}
	}
	if (port) {
		unsigned short p;

		if (parse_port(port, portlen, &p) != 0) {
			*why = "port is not a number from 1 to 65535";
			return -1;
		}
		node->udp_port = p;
		node->tcp_port = p;
	} else {
		node->udp_port = DNS_PORT;
		node->tcp_port = DNS_PORT;
	}
	return 0;
}

/* Parse "HOST[:PORT][,...]" into nodes[0..*count), linked.  On failure a
 * message goes into err. */
static spfc_status parse_servers(const char *list,
				 struct ares_addr_port_node *nodes,
				 size_t *count, char *err, size_t errsize)
{
	const char *p = list;
	size_t n = 0;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *why = NULL;

		if (n == SERVERS_MAX) {
			spfc_buf m;

			spfc_buf_init(&m, 0);
			spfc_buf_adds(&m, "DNS server list: more than ");
			spfc_buf_addu(&m, SERVERS_MAX);
			spfc_buf_adds(&m, " servers");
			set_err(err, errsize, &m);
			spfc_buf_free(&m);
			return SPFC_EINVAL;
		}
		if (parse_server(p, len, &nodes[n], &why) != 0) {
			spfc_buf m;

			spfc_buf_init(&m, 0);
			spfc_buf_adds(&m, "DNS server list: bad entry \"");
			add_quoted(&m, p, len, SERVER_QUOTE_MAX);
			spfc_buf_adds(&m, "\": ");
			spfc_buf_adds(&m, why);
			set_err(err, errsize, &m);
			spfc_buf_free(&m);
			return SPFC_EINVAL;
		}
		if (n > 0)
			nodes[n - 1].next = &nodes[n];
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*count = n;
	return SPFC_OK;
}

/* ---- Live-query table and ready list ------------------------------- */

static size_t bucket_of(spfc_query_id id)
{
	return (size_t)(id & (QUERY_BUCKETS - 1));
}

static void table_add(cares_res *r, cq *q)
{
	cq **b = &r->table[bucket_of(q->id)];

	q->hprev = NULL;
	q->hnext = *b;
	if (*b)
		(*b)->hprev = q;
	*b = q;
	r->live++;
}

static void table_remove(cares_res *r, cq *q)
{
	if (q->hprev)
		q->hprev->hnext = q->hnext;
	else
		r->table[bucket_of(q->id)] = q->hnext;
	if (q->hnext)
		q->hnext->hprev = q->hprev;
	q->hnext = q->hprev = NULL;
	r->live--;
}

static cq *table_find(cares_res *r, spfc_query_id id)
{
	cq *q;

	for (q = r->table[bucket_of(id)]; q; q = q->hnext)
		if (q->id == id)
			return q;
	return NULL;
}

static void ready_push(cares_res *r, cq *q)
{
	q->ready = 1;
	q->rnext = NULL;
	q->rprev = r->ready_tail;
	if (r->ready_tail)
		r->ready_tail->rnext = q;
	else
		r->ready_head = q;
	r->ready_tail = q;
}

static void ready_unlink(cares_res *r, cq *q)
{
	if (q->rprev)
		q->rprev->rnext = q->rnext;
	else
		r->ready_head = q->rnext;
	if (q->rnext)
		q->rnext->rprev = q->rprev;
	else
		r->ready_tail = q->rprev;
	q->rnext = q->rprev = NULL;
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

/* ---- The answer reader (cares_wire.h) ------------------------------ */

/* Read the name at *pos of msg[0..len) into out (wire form, at most
 * DNS_NAME_WIRE_MAX bytes) and move *pos past it.  -1 on anything
 * malformed: a label or pointer outside the message, a pointer that does
 * not point backwards, too many pointers, a name too long, reserved label
 * types. */
static int read_name(const unsigned char *msg, size_t len, size_t *pos,
		     unsigned char *out, size_t *outlen)
{
	size_t p = *pos, seg = *pos, end = 0, n = 0;
	unsigned hops = 0;
	int jumped = 0;

	for (;;) {
		unsigned c;

		if (p >= len)
			return -1;
		c = msg[p];
		if ((c & DNS_POINTER_MASK) == DNS_POINTER_MASK) {
			size_t target;

			if (p + 1 >= len || ++hops > DNS_POINTERS_MAX)
				return -1;
			target = (size_t)(c & ~DNS_POINTER_MASK) << 8 |
				 msg[p + 1];
			if (target >= seg)
				return -1;
			if (!jumped) {
				end = p + 2;
				jumped = 1;
			}
			p = seg = target;
		} else if ((c & DNS_POINTER_MASK) != 0) {
			return -1;
		} else if (c == 0) {
			if (n + 1 > DNS_NAME_WIRE_MAX)
				return -1;
			out[n++] = 0;
			break;
		} else {
			if (p + 1 + c > len ||
			    n + 1 + c + 1 > DNS_NAME_WIRE_MAX)
				return -1;
			out[n++] = (unsigned char)c;
			memcpy(out + n, msg + p + 1, c);
			n += c;
			p += 1 + c;
		}
	}
	*pos = jumped ? end : p + 1;
	*outlen = n;
	return 0;
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Wire names equal, ignoring ASCII case (RFC 4343).  Label length bytes
 * are at most 63 and so never folded. */
static int name_eq(const unsigned char *a, size_t alen,
		   const unsigned char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (fold(a[i]) != fold(b[i]))
			return 0;
	return 1;
}

static int wname_eq(const wire_name *a, const wire_name *b)
{
	return name_eq(a->b, a->len, b->b, b->len);
}

/* FNV-1a of a wire name, ASCII case folded (equal names, equal hashes). */
static uint32_t name_hash(const unsigned char *b, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= fold(b[i]);
		h *= 16777619u;
	}
	return h;
}

int wire_name_query_text(const wire_name *n, spfc_buf *out)
{
	const unsigned char *w = n->b;
	size_t p = 0, wlen = n->len, start = out->len;

	while (p < wlen && w[p] != 0) {
		size_t l = w[p++], i;

		if (p + l > wlen)
			return -1;
		if (out->len > start)
			spfc_buf_addc(out, '.');
		for (i = 0; i < l; i++) {
			unsigned char c = w[p + i];

			if (c == 0)
				return -1;
			if (c == '.' || c == '\\')
				spfc_buf_addc(out, '\\');
			spfc_buf_addc(out, (char)c);
		}
		p += l;
	}
	if (out->len == start)
		return -1;	/* the root: nothing to ask */
	return out->err ? -1 : 0;
}

/* The bytes c-ares's ares_expand_name() escapes with a backslash. */
static int reserved_char(unsigned char c)
{
	switch (c) {
	case '"': case '.': case ';': case '\\':
	case '(': case ')': case '@': case '$':
		return 1;
	}
	return 0;
}

/* c-ares's rule for a host name byte (ares_parse_ptr_reply). */
static int hostname_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '/' || c == '*';
}

/* Append the presentation form of wire name w (see cares_wire.h).  -1
 * when host_only and a byte is not a host name byte. */
static int name_to_text(const unsigned char *w, size_t wlen, int host_only,
			spfc_buf *out)
{
	static const char digits[] = "0123456789";
	size_t p = 0, start = out->len;

	while (p < wlen && w[p] != 0) {
		size_t l = w[p++], i;

		if (out->len > start)
			spfc_buf_addc(out, '.');
		for (i = 0; i < l && p + i < wlen; i++) {
			unsigned char c = w[p + i];

			if (host_only && !hostname_char(c))
				return -1;
			if (c < 0x20 || c > 0x7e) {
				spfc_buf_addc(out, '\\');
				spfc_buf_addc(out, digits[c / 100]);
				spfc_buf_addc(out, digits[c / 10 % 10]);
				spfc_buf_addc(out, digits[c % 10]);
				continue;
			}
			if (reserved_char(c))
				spfc_buf_addc(out, '\\');
			spfc_buf_addc(out, (char)c);
		}
		p += l;
	}
	return 0;
}

/* One record of the answer section as read: where its owner name and
 * RDATA are, and the owner's hash. */
struct wrr {
	size_t owner;
	uint32_t hash;
	unsigned type, rclass;
	uint32_t ttl;
	size_t rdata, rdlen;
};

/* The owner of r (read once already, so it reads again). */
static void wrr_owner(const unsigned char *msg, size_t len,
		      const struct wrr *r, wire_name *out)
{
	size_t p = r->owner;

	if (read_name(msg, len, &p, out->b, &out->len) != 0)
		out->len = 0;
}

/* r is owned by n (hash h) and is of class IN. */
static int wrr_owned_by(const unsigned char *msg, size_t len,
			const struct wrr *r, const wire_name *n, uint32_t h)
{
	wire_name o;

	if (r->rclass != DNS_CLASS_IN || r->hash != h)
		return 0;
	wrr_owner(msg, len, r, &o);
	return wname_eq(&o, n);
}

/* Decode the RDATA of a record of the asked type into rr, its text
 * appended to text.  -1 when the RDATA is malformed; 1 when the record
 * is skipped (a TXT record without any character-string). */
static int decode_rr(const unsigned char *msg, size_t len, unsigned type,
		     const struct wrr *r, spfc_rr *rr, spfc_buf *text)
{
	const unsigned char *d = msg + r->rdata;
	size_t end = r->rdata + r->rdlen, p, i;
	unsigned char name[DNS_NAME_WIRE_MAX];
	size_t nlen;

	memset(rr, 0, sizeof *rr);
	rr->type = (spfc_rrtype)type;
	rr->ttl = r->ttl;
	switch (type) {
	case SPFC_RR_A:
	case SPFC_RR_AAAA:
		if (r->rdlen != (type == SPFC_RR_A ? 4u : 16u))
			return -1;
		memcpy(rr->addr, d, r->rdlen);
		return 0;
	case SPFC_RR_MX:
	case SPFC_RR_PTR:
		p = r->rdata;
		if (type == SPFC_RR_MX) {
			if (r->rdlen < 3)
				return -1;
			rr->pref = get16(d);
			p += 2;
		}
		if (read_name(msg, len, &p, name, &nlen) != 0 || p > end)
			return -1;
		i = text->len;
		if (name_to_text(name, nlen, type == SPFC_RR_PTR, text) != 0)
			return -1;
		rr->len = text->len - i;
		spfc_buf_addc(text, '\0');
		return 0;
	case SPFC_RR_TXT:
		if (r->rdlen == 0)
			return 1;
		for (p = r->rdata; p < end; p += 1 + (size_t)msg[p]) {
			size_t n = msg[p];

			if (p + 1 + n > end)
				return -1;
			spfc_buf_add(text, msg + p + 1, n);
			rr->len += n;
			rr->nstrings++;
			if (n > rr->maxstring)
				rr->maxstring = n;
		}
		spfc_buf_addc(text, '\0');
		return 0;
	}
	return 1;
}

/* Build w's CNAME chain from the answer section's records rrs[0..n). */
static void build_chain(const unsigned char *msg, size_t len,
			const struct wrr *rrs, size_t n,
			const wire_name *prior, size_t nprior,
			size_t max_links, wire_answer *w)
{
	if (max_links > WIRE_CHAIN_MAX)
		max_links = WIRE_CHAIN_MAX;
	for (;;) {
		const wire_name *cur = &w->chain[w->nchain - 1];
		uint32_t h = name_hash(cur->b, cur->len);
		const struct wrr *c = NULL;
		wire_name target;
		size_t i, p;

		for (i = 0; i < n && !c; i++)
			if (rrs[i].type == DNS_TYPE_CNAME &&
			    wrr_owned_by(msg, len, &rrs[i], cur, h))
				c = &rrs[i];
		if (!c)
			return;
		w->chain_ttl = min_u32(w->chain_ttl, c->ttl);
		p = c->rdata;
		if (read_name(msg, len, &p, target.b, &target.len) != 0 ||
		    w->nchain > max_links) {
			w->broken = 1;
			return;
		}
		for (i = 0; i < w->nchain; i++)
			if (wname_eq(&w->chain[i], &target))
				w->broken = 1;
		for (i = 0; i < nprior; i++)
			if (wname_eq(&prior[i], &target))
				w->broken = 1;
		if (w->broken)
			return;
		w->chain[w->nchain++] = target;
	}
}

/* The negative-caching TTL of the SOA in the authority section at *pos
 * (RFC 2308 §5); a malformed record there only leaves it at 0. */
static uint32_t soa_neg_ttl(const unsigned char *msg, size_t len, size_t pos,
			    unsigned nscount)
{
	unsigned char name[DNS_NAME_WIRE_MAX];
	size_t nlen;
	unsigned i;

	for (i = 0; i < nscount; i++) {
		unsigned rtype, rdlen;
		uint32_t ttl;
		size_t rdata, p;

		if (read_name(msg, len, &pos, name, &nlen) != 0 ||
		    pos + DNS_RR_FIXED > len)
			return 0;
		rtype = get16(msg + pos);
		ttl = ttl_clamp(get32(msg + pos + 4));
		rdlen = get16(msg + pos + 8);
		rdata = pos + DNS_RR_FIXED;
		if (rdata + rdlen > len)
			return 0;
		pos = rdata + rdlen;
		if (rtype != DNS_TYPE_SOA)
			continue;
		p = rdata;
		if (read_name(msg, len, &p, name, &nlen) != 0 ||
		    read_name(msg, len, &p, name, &nlen) != 0 ||
		    p + DNS_SOA_NUMBERS > rdata + rdlen)
			return 0;
		return min_u32(ttl,
			       ttl_clamp(get32(msg + p + DNS_SOA_NUMBERS - 4)));
	}
	return 0;
}

int wire_read_answer(const unsigned char *msg, size_t len, unsigned type,
		     const wire_name *prior, size_t nprior, size_t max_links,
		     wire_answer *w, spfc_buf *text)
{
	struct wrr *rrs = NULL;
	size_t *off = NULL, pos, cap = 0, n = 0, i;
	unsigned qdcount, nscount;
	wire_name tmp;
	const wire_name *end;
	uint32_t h;
	int ret = -1;

	memset(w, 0, offsetof(wire_answer, chain));
	w->nchain = 0;
	w->broken = 0;
	w->chain_ttl = UINT32_MAX;
	w->neg_ttl = 0;
	w->ntype = 0;
	w->rr = NULL;
	w->count = 0;
	if (len < DNS_HEADER_SIZE)
		return -1;
	w->truncated = (msg[2] & 0x02) != 0;
	w->rcode = msg[3] & 0x0f;
	qdcount = get16(msg + 4);
	w->ancount = get16(msg + 6);
	nscount = get16(msg + 8);
	if (qdcount != 1)
		return -1;
	pos = DNS_HEADER_SIZE;
	if (read_name(msg, len, &pos, w->chain[0].b, &w->chain[0].len) != 0 ||
	    pos + DNS_QUESTION_TAIL > len)
		return -1;
	pos += DNS_QUESTION_TAIL;
	w->nchain = 1;

	/* Every record takes DNS_RR_MIN bytes at least: no more can fit. */
	cap = w->ancount;
	if (cap > (len - pos) / DNS_RR_MIN)
		cap = (len - pos) / DNS_RR_MIN;
	if (cap && !(rrs = calloc(cap, sizeof *rrs)))
		return -2;
	for (i = 0; i < w->ancount; i++) {
		struct wrr *r;
		size_t start = pos, p;

		if (n == cap ||
		    read_name(msg, len, &pos, tmp.b, &tmp.len) != 0 ||
		    pos + DNS_RR_FIXED > len)
			goto done;
		r = &rrs[n++];
		r->owner = start;
		r->hash = name_hash(tmp.b, tmp.len);
		r->type = get16(msg + pos);
		r->rclass = get16(msg + pos + 2);
		r->ttl = ttl_clamp(get32(msg + pos + 4));
		r->rdlen = get16(msg + pos + 8);
		r->rdata = pos + DNS_RR_FIXED;
		if (r->rdata + r->rdlen > len)
			goto done;
		p = r->rdata;
		if (r->type == DNS_TYPE_CNAME &&
		    (read_name(msg, len, &p, tmp.b, &tmp.len) != 0 ||
		     p > r->rdata + r->rdlen))
			goto done;
		pos = r->rdata + r->rdlen;
	}
	w->neg_ttl = soa_neg_ttl(msg, len, pos, nscount);

	if (type != DNS_TYPE_CNAME)
		build_chain(msg, len, rrs, n, prior, nprior, max_links, w);
	ret = 0;
	if (w->broken)
		goto done;
	end = &w->chain[w->nchain - 1];
	h = name_hash(end->b, end->len);
	for (i = 0; i < n; i++)
		if (rrs[i].type == type &&
		    wrr_owned_by(msg, len, &rrs[i], end, h))
			w->ntype++;
	if (w->ntype == 0)
		goto done;
	w->rr = calloc(w->ntype, sizeof *w->rr);
	off = calloc(w->ntype, sizeof *off);
	if (!w->rr || !off) {
		ret = -2;
		goto done;
	}
	for (i = 0; i < n; i++) {
		int st;

		if (rrs[i].type != type ||
		    !wrr_owned_by(msg, len, &rrs[i], end, h))
			continue;
		off[w->count] = text->len;
		st = decode_rr(msg, len, type, &rrs[i], &w->rr[w->count], text);
		if (st < 0) {
			ret = -1;
			goto done;
		}
		if (st == 0)
			w->count++;
	}
	if (text->err) {
		ret = -2;
		goto done;
	}
	for (i = 0; i < w->count; i++)
		if (type != SPFC_RR_A && type != SPFC_RR_AAAA)
			w->rr[i].text = spfc_buf_str(text) + off[i];
done:
	free(rrs);
	free(off);
	if (ret != 0) {
		free(w->rr);
		w->rr = NULL;
		w->count = 0;
	}
	return ret;
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
	spfc_buf_init(&name, DNS_NAME_WIRE_MAX * 2);
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

/* Check a name from the evaluator (printable ASCII, labels of 1..63, at
 * most 253 characters, one trailing dot allowed) and write the text
 * ares_query() reads: '\' escaped, since c-ares takes it as an escape. */
static spfc_status name_for_query(const char *name, spfc_buf *out)
{
	size_t len, i, label = 0;

	if (!name)
		return SPFC_EINVAL;
	len = strnlen(name, DNS_NAME_TEXT_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_TEXT_MAX)
		return SPFC_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c > 0x7e)
			return SPFC_EINVAL;
		if (c == '.') {
			if (label == 0)
				return SPFC_EINVAL;
			label = 0;
			spfc_buf_addc(out, '.');
			continue;
		}
		if (++label > DNS_LABEL_MAX)
			return SPFC_EINVAL;
		if (c == '\\')
			spfc_buf_addc(out, '\\');
		spfc_buf_addc(out, (char)c);
	}
	return out->err ? SPFC_ENOMEM : SPFC_OK;
}

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
	spfc_buf_init(&text, DNS_NAME_WIRE_MAX * 2);
	st = name_for_query(name, &text);
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
	while (r->ready_head) {
		cq *q = r->ready_head;

		ready_unlink(r, q);
		table_remove(r, q);
		cq_free(q);
	}
	if (r->channel)
		ares_destroy(r->channel); /* EDESTRUCTION frees the rest */
	for (b = 0; b < QUERY_BUCKETS; b++) {
		/* Only if c-ares failed to call back; never expected. */
		while (r->table[b]) {
			cq *q = r->table[b];

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

	while (r->ready_head && !r->dying) {
		cq *q = r->ready_head;

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

	if (r->ready_head)
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

static void cares_failed(char *err, size_t errsize, const char *what, int st)
{
	spfc_buf m;

	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, "c-ares: ");
	spfc_buf_adds(&m, what);
	spfc_buf_adds(&m, ": ");
	spfc_buf_adds(&m, ares_strerror(st));
	set_err(err, errsize, &m);
	spfc_buf_free(&m);
}

/* "WHAT must be 1 to MAX UNIT" */
static void range_err(char *err, size_t errsize, const char *what, int max,
		      const char *unit)
{
	spfc_buf m;

	spfc_buf_init(&m, 0);
	spfc_buf_adds(&m, what);
	spfc_buf_adds(&m, " must be 1 to ");
	spfc_buf_addu(&m, (unsigned long long)max);
	spfc_buf_adds(&m, unit);
	set_err(err, errsize, &m);
	spfc_buf_free(&m);
}

spfc_status spfc_cares_resolver_new(const spfc_cares_options *o,
				    spfc_resolver **out, char *err,
				    size_t errsize)
{
	struct ares_addr_port_node nodes[SERVERS_MAX];
	struct ares_options opts;
	size_t nservers = 0;
	int timeout_ms = CARES_TIMEOUT_MS_DEFAULT, tries = CARES_TRIES_DEFAULT;
	int st, lib = 0;
	cares_res *r = NULL;
	spfc_status ret;

	*out = NULL;
	if (err && errsize)
		err[0] = '\0';
	if (o && o->timeout_ms) {
		if (o->timeout_ms < 0 || o->timeout_ms > CARES_TIMEOUT_MS_MAX) {
			range_err(err, errsize, "DNS time-out per try",
				  CARES_TIMEOUT_MS_MAX, " ms");
			return SPFC_EINVAL;
		}
		timeout_ms = o->timeout_ms;
	}
	if (o && o->tries) {
		if (o->tries < 0 || o->tries > CARES_TRIES_MAX) {
			range_err(err, errsize, "DNS tries", CARES_TRIES_MAX,
				  "");
			return SPFC_EINVAL;
		}
		tries = o->tries;
	}
	if (o && o->servers) {
		ret = parse_servers(o->servers, nodes, &nservers, err, errsize);
		if (ret != SPFC_OK)
			return ret;
	}

	st = ares_library_init(ARES_LIB_INIT_ALL);
	if (st != ARES_SUCCESS) {
		cares_failed(err, errsize, "library init", st);
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
		cares_failed(err, errsize, "init", st);
		ret = st == ARES_ENOMEM ? SPFC_ENOMEM : SPFC_ERESOLVER;
		goto fail;
	}
	if (nservers) {
		st = ares_set_servers_ports(r->channel, &nodes[0]);
		if (st != ARES_SUCCESS) {
			cares_failed(err, errsize, "setting servers", st);
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
