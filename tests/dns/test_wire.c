/*
 * test_wire.c - the c-ares backend's answer reader (dnswire.h) on
 * crafted DNS messages, no network: the CNAME chain by owner (loops,
 * the link bound, a chain given in any order, names asked before), only
 * records owned by the chain's end (others ignored), RDATA decoding (TXT
 * strings as bytes with a length, NUL included; MX and PTR names in
 * c-ares's presentation form), the authority SOA's negative TTL, and
 * every malformed message refused.  Last, every truncation and many
 * random mutations of the messages: the reader answers 0, -1 or -2 and,
 * on 0, every text lies inside the buffer (run under ASan by ./run
 * hardening).  Then the server-list parser (dnsservers.h): every form
 * of entry, the default port, the bound on entries, and each refusal
 * with its message.  Links the internal archive.
 */
#include "dnsservers.h"
#include "dnswire.h"

#include "../unit/tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- A message builder ------------------------------------------- */

#define MSG_MAX 4096
#define T_A 1
#define T_CNAME 5
#define T_SOA 6
#define T_PTR 12
#define T_MX 15
#define T_TXT 16
#define C_IN 1
#define C_CH 3

struct msg {
	unsigned char b[MSG_MAX];
	size_t len;
	size_t ancount_at, nscount_at;
};

static void put(struct msg *m, const void *p, size_t n)
{
	if (m->len + n <= MSG_MAX) {
		memcpy(m->b + m->len, p, n);
		m->len += n;
	}
}

static void put8(struct msg *m, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(m, &c, 1);
}

static void put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (unsigned)(v >> 16));
	put16(m, (unsigned)(v & 0xffff));
}

/* A presentation name without escapes ("a.b.example"; "" the root). */
static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned)n);
		put(m, name, n);
		name += n + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void inc16(struct msg *m, size_t at)
{
	unsigned v = (unsigned)m->b[at] << 8 | m->b[at + 1];

	v++;
	m->b[at] = (unsigned char)(v >> 8);
	m->b[at + 1] = (unsigned char)(v & 0xff);
}

/* Header (one question) and the question. */
static void start(struct msg *m, const char *qname, unsigned qtype,
		  unsigned rcode)
{
	memset(m, 0, sizeof *m);
	put16(m, 0x1234);
	put16(m, 0x8180 | rcode);
	put16(m, 1);
	m->ancount_at = m->len;
	put16(m, 0);
	m->nscount_at = m->len;
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, C_IN);
}

/* The fixed part of a record of the answer section after its owner. */
static void fixed(struct msg *m, unsigned type, unsigned rclass,
		  uint32_t ttl, size_t rdlen)
{
	put16(m, type);
	put16(m, rclass);
	put32(m, ttl);
	put16(m, (unsigned)rdlen);
	inc16(m, m->ancount_at);
}

static void rr_raw(struct msg *m, const char *owner, unsigned type,
		   unsigned rclass, uint32_t ttl, const void *rd, size_t n)
{
	put_name(m, owner);
	fixed(m, type, rclass, ttl, n);
	put(m, rd, n);
}

static void rr_a(struct msg *m, const char *owner, uint32_t ttl,
		 unsigned last)
{
	unsigned char a[4] = {192, 0, 2, (unsigned char)last};

	rr_raw(m, owner, T_A, C_IN, ttl, a, 4);
}

/* A record whose RDATA is one name (CNAME, PTR). */
static void rr_name(struct msg *m, const char *owner, unsigned type,
		    uint32_t ttl, const char *target)
{
	struct msg t;

	memset(&t, 0, sizeof t);
	put_name(&t, target);
	rr_raw(m, owner, type, C_IN, ttl, t.b, t.len);
}

static void rr_mx(struct msg *m, const char *owner, unsigned pref,
		  const char *host)
{
	struct msg t;

	memset(&t, 0, sizeof t);
	put16(&t, pref);
	put_name(&t, host);
	rr_raw(m, owner, T_MX, C_IN, 60, t.b, t.len);
}

/* A TXT record of one string. */
static void rr_txt(struct msg *m, const char *owner, const char *s,
		   size_t n)
{
	struct msg t;

	memset(&t, 0, sizeof t);
	put8(&t, (unsigned)n);
	put(&t, s, n);
	rr_raw(m, owner, T_TXT, C_IN, 60, t.b, t.len);
}

static void soa(struct msg *m, uint32_t ttl, uint32_t minimum)
{
	struct msg t;

	memset(&t, 0, sizeof t);
	put_name(&t, "ns.example");
	put_name(&t, "host.example");
	put32(&t, 1);
	put32(&t, 2);
	put32(&t, 3);
	put32(&t, 4);
	put32(&t, minimum);
	put_name(m, "example");
	put16(m, T_SOA);
	put16(m, C_IN);
	put32(m, ttl);
	put16(m, (unsigned)t.len);
	put(m, t.b, t.len);
	inc16(m, m->nscount_at);
}

/* ---- Reading ------------------------------------------------------- */

struct res {
	int rc;
	wire_answer w;
	spfc_buf text;
};

static int read_msg(struct res *r, const struct msg *m, unsigned type,
		    const wire_name *prior, size_t nprior, size_t max_links)
{
	spfc_buf_init(&r->text, 1 << 20);
	r->rc = wire_read_answer(m->b, m->len, type, prior, nprior, max_links,
				 &r->w, &r->text);
	return r->rc;
}

static void done(struct res *r)
{
	free(r->w.rr);
	r->w.rr = NULL;
	spfc_buf_free(&r->text);
}

/* The text of record i as a C string (tests keep texts NUL-free unless
 * they look at len). */
static const char *text_of(const struct res *r, size_t i)
{
	return i < r->w.count && r->w.rr[i].text ? r->w.rr[i].text : "";
}

static void test_chain(void)
{
	struct msg m;
	struct res r;

	/* no CNAME: the question name's own records */
	start(&m, "a.example", T_A, 0);
	rr_a(&m, "a.example", 300, 1);
	rr_a(&m, "A.EXAMPLE", 200, 2);	/* owner case does not matter */
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.nchain == 1 && !r.w.broken && r.w.count == 2);
	CHECK(r.w.rr[0].addr[3] == 1 && r.w.rr[0].ttl == 300);
	CHECK(r.w.rr[1].addr[3] == 2 && r.w.rr[1].ttl == 200);
	CHECK(r.w.chain_ttl == UINT32_MAX);
	done(&r);

	/* a chain in reverse order: followed by owner, smallest TTL */
	start(&m, "a.example", T_A, 0);
	rr_a(&m, "c.example", 300, 3);
	rr_name(&m, "b.example", T_CNAME, 40, "c.example");
	rr_name(&m, "a.example", T_CNAME, 90, "b.example");
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.nchain == 3 && !r.w.broken);
	CHECK(r.w.count == 1 && r.w.rr[0].addr[3] == 3);
	CHECK(r.w.chain_ttl == 40);
	done(&r);

	/* a loop: broken, no record even where one is */
	start(&m, "a.example", T_A, 0);
	rr_name(&m, "a.example", T_CNAME, 60, "b.example");
	rr_name(&m, "b.example", T_CNAME, 60, "A.Example");
	rr_a(&m, "b.example", 60, 9);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.broken && r.w.count == 0);
	done(&r);

	/* a name that is its own CNAME */
	start(&m, "a.example", T_TXT, 0);
	rr_name(&m, "a.example", T_CNAME, 60, "a.example");
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.broken && r.w.count == 0);
	done(&r);

	/* the end without records of the type: not broken, ntype 0 (the
	 * backend may ask it once more) */
	start(&m, "a.example", T_A, 0);
	rr_name(&m, "a.example", T_CNAME, 60, "z.example");
	rr_txt(&m, "z.example", "t", 1);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(!r.w.broken && r.w.nchain == 2 && r.w.ntype == 0);
	CHECK(r.w.chain[1].len == 11 &&
	      memcmp(r.w.chain[1].b, "\001z\007example", 11) == 0);
	done(&r);

	/* a target among the names asked before in this lookup */
	{
		wire_name prior[2];
		struct msg p;

		memset(&p, 0, sizeof p);
		put_name(&p, "first.example");
		prior[0].len = p.len;
		memcpy(prior[0].b, p.b, p.len);
		memset(&p, 0, sizeof p);
		put_name(&p, "a.example");
		prior[1].len = p.len;
		memcpy(prior[1].b, p.b, p.len);
		start(&m, "a.example", T_A, 0);
		rr_name(&m, "a.example", T_CNAME, 60, "FIRST.example");
		rr_a(&m, "first.example", 60, 1);
		CHECK(read_msg(&r, &m, T_A, prior, 2, WIRE_CHAIN_MAX) == 0);
		CHECK(r.w.broken && r.w.count == 0);
		done(&r);
		/* the links left: 0 means no CNAME may be followed */
		start(&m, "a.example", T_A, 0);
		rr_name(&m, "a.example", T_CNAME, 60, "b.example");
		rr_a(&m, "b.example", 60, 1);
		CHECK(read_msg(&r, &m, T_A, NULL, 0, 0) == 0);
		CHECK(r.w.broken);
		done(&r);
		CHECK(read_msg(&r, &m, T_A, NULL, 0, 1) == 0);
		CHECK(!r.w.broken && r.w.count == 1);
		done(&r);
	}

	/* WIRE_CHAIN_MAX links, and one more */
	{
		char from[32], to[32];
		size_t links;

		for (links = WIRE_CHAIN_MAX; links <= WIRE_CHAIN_MAX + 1;
		     links++) {
			size_t i;

			start(&m, "l0.example", T_A, 0);
			for (i = 0; i < links; i++) {
				snprintf(from, sizeof from, "l%zu.example", i);
				snprintf(to, sizeof to, "l%zu.example", i + 1);
				rr_name(&m, from, T_CNAME, 60, to);
			}
			rr_a(&m, to, 60, 7);
			CHECK(read_msg(&r, &m, T_A, NULL, 0, 1000) == 0);
			if (links == WIRE_CHAIN_MAX)
				CHECK(!r.w.broken && r.w.count == 1);
			else
				CHECK(r.w.broken && r.w.count == 0);
			done(&r);
		}
	}

	/* a CNAME of another class is no link; the first of two CNAMEs of
	 * one owner is */
	start(&m, "a.example", T_A, 0);
	{
		struct msg t;

		memset(&t, 0, sizeof t);
		put_name(&t, "chaos.example");
		rr_raw(&m, "a.example", T_CNAME, C_CH, 60, t.b, t.len);
	}
	rr_name(&m, "a.example", T_CNAME, 60, "one.example");
	rr_name(&m, "a.example", T_CNAME, 60, "two.example");
	rr_a(&m, "chaos.example", 60, 1);
	rr_a(&m, "one.example", 60, 2);
	rr_a(&m, "two.example", 60, 3);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 1 && r.w.rr[0].addr[3] == 2);
	done(&r);
}

static void test_owners(void)
{
	struct msg m;
	struct res r;

	/* records of other owners, and of the chain's start, are not the
	 * answer: only the end's */
	start(&m, "a.example", T_TXT, 0);
	rr_txt(&m, "a.example", "v=spf1 +all", 11);
	rr_name(&m, "a.example", T_CNAME, 60, "b.example");
	rr_txt(&m, "evil.example", "v=spf1 +all", 11);
	rr_txt(&m, "b.example", "v=spf1 -all", 11);
	rr_txt(&m, "b.example.evil", "v=spf1 +all", 11);
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 1 && r.w.ntype == 1);
	CHECK_STR(text_of(&r, 0), "v=spf1 -all");
	done(&r);

	/* MX and PTR of another owner */
	start(&m, "m.example", T_MX, 0);
	rr_mx(&m, "evil.example", 0, "evilhost.example");
	rr_mx(&m, "m.example", 10, "good.example");
	CHECK(read_msg(&r, &m, T_MX, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 1 && r.w.rr[0].pref == 10);
	CHECK_STR(text_of(&r, 0), "good.example");
	done(&r);
	start(&m, "1.2.0.192.in-addr.arpa", T_PTR, 0);
	rr_name(&m, "2.2.0.192.in-addr.arpa", T_PTR, 60, "evil.example");
	rr_name(&m, "1.2.0.192.in-addr.arpa", T_PTR, 60, "good.example");
	CHECK(read_msg(&r, &m, T_PTR, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 1);
	CHECK_STR(text_of(&r, 0), "good.example");
	done(&r);

	/* only records of another owner: none */
	start(&m, "a.example", T_TXT, 0);
	rr_txt(&m, "else.example", "v=spf1 +all", 11);
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 0 && r.w.ntype == 0 && r.w.nchain == 1);
	done(&r);
}

static void test_rdata(void)
{
	static const char nul[] = "v=spf1 ip4:192.0.2.1\0 -all";
	struct msg m;
	struct res r;

	/* TXT: strings joined, a NUL byte kept, the length counted */
	start(&m, "t.example", T_TXT, 0);
	rr_txt(&m, "t.example", nul, sizeof nul - 1);
	{
		struct msg t;

		memset(&t, 0, sizeof t);
		put8(&t, 3);
		put(&t, "ab\0", 3);
		put8(&t, 0);
		put8(&t, 2);
		put(&t, "cd", 2);
		rr_raw(&m, "t.example", T_TXT, C_IN, 60, t.b, t.len);
	}
	rr_raw(&m, "t.example", T_TXT, C_IN, 60, "", 0);	/* skipped */
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.ntype == 3 && r.w.count == 2);
	CHECK(r.w.rr[0].len == sizeof nul - 1 && r.w.rr[0].nstrings == 1);
	CHECK(memcmp(r.w.rr[0].text, nul, sizeof nul) == 0);
	CHECK(r.w.rr[1].len == 5 && r.w.rr[1].nstrings == 3 &&
	      r.w.rr[1].maxstring == 3);
	CHECK(memcmp(r.w.rr[1].text, "ab\0cd", 6) == 0);
	done(&r);

	/* only an empty RDATA: a record of the type, none taken */
	start(&m, "t.example", T_TXT, 0);
	rr_raw(&m, "t.example", T_TXT, C_IN, 60, "", 0);
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.ntype == 1 && r.w.count == 0);
	done(&r);

	/* MX: c-ares's presentation form; the root is the empty name */
	start(&m, "m.example", T_MX, 0);
	{
		struct msg t;

		memset(&t, 0, sizeof t);
		put16(&t, 5);
		put8(&t, 4);
		put(&t, "w\001\"$", 4);
		put8(&t, 3);
		put(&t, "x.y", 3);
		put8(&t, 4);
		put(&t, "fake", 4);
		put8(&t, 0);
		rr_raw(&m, "m.example", T_MX, C_IN, 60, t.b, t.len);
	}
	rr_mx(&m, "m.example", 0, "");
	CHECK(read_msg(&r, &m, T_MX, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 2);
	CHECK_STR(text_of(&r, 0), "w\\001\\\"\\$.x\\.y.fake");
	CHECK(r.w.rr[0].len == strlen("w\\001\\\"\\$.x\\.y.fake"));
	CHECK(r.w.rr[0].pref == 5);
	CHECK(r.w.rr[1].len == 0 && r.w.rr[1].pref == 0);
	done(&r);

	/* PTR: host name bytes only */
	start(&m, "p.example", T_PTR, 0);
	rr_name(&m, "p.example", T_PTR, 60, "ok_1-/*.example");
	CHECK(read_msg(&r, &m, T_PTR, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK_STR(text_of(&r, 0), "ok_1-/*.example");
	done(&r);
	start(&m, "p.example", T_PTR, 0);
	rr_name(&m, "p.example", T_PTR, 60, "bad!.example");
	CHECK(read_msg(&r, &m, T_PTR, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);

	/* the SOA of the authority section: min(TTL, MINIMUM) */
	start(&m, "nx.example", T_A, 3);
	soa(&m, 500, 120);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.rcode == 3 && r.w.neg_ttl == 120 && r.w.count == 0);
	done(&r);

	/* text bound reached: -2, nothing left allocated */
	start(&m, "t.example", T_TXT, 0);
	rr_txt(&m, "t.example", "0123456789", 10);
	spfc_buf_init(&r.text, 5);
	CHECK(wire_read_answer(m.b, m.len, T_TXT, NULL, 0, WIRE_CHAIN_MAX,
			       &r.w, &r.text) == -2);
	CHECK(r.w.rr == NULL && r.w.count == 0);
	done(&r);
}

static void test_malformed(void)
{
	struct msg m;
	struct res r;
	unsigned char *p;

	/* two questions */
	start(&m, "a.example", T_A, 0);
	m.b[5] = 2;
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* a header only */
	m.len = 11;
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* A of 5 bytes */
	start(&m, "a.example", T_A, 0);
	rr_raw(&m, "a.example", T_A, C_IN, 60, "\300\0\2\1\0", 5);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* ... but a malformed A of another owner is not read */
	start(&m, "a.example", T_A, 0);
	rr_raw(&m, "b.example", T_A, C_IN, 60, "\300\0\2\1\0", 5);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == 0);
	CHECK(r.w.count == 0);
	done(&r);
	/* a TXT string past its RDATA */
	start(&m, "a.example", T_TXT, 0);
	rr_raw(&m, "a.example", T_TXT, C_IN, 60, "\005abc", 4);
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* RDATA past the message */
	start(&m, "a.example", T_TXT, 0);
	rr_txt(&m, "a.example", "abc", 3);
	m.len--;
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* more records counted than sent */
	start(&m, "a.example", T_TXT, 0);
	rr_txt(&m, "a.example", "abc", 3);
	inc16(&m, m.ancount_at);
	CHECK(read_msg(&r, &m, T_TXT, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* an owner pointing forward, and to itself */
	start(&m, "a.example", T_A, 0);
	p = m.b + m.len;
	rr_a(&m, "x", 60, 1);	/* owner "\001x\0" replaced below */
	p[0] = 0xC0;
	p[1] = (unsigned char)(p - m.b + 3);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	p[1] = (unsigned char)(p - m.b);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* a CNAME target running past its RDATA */
	start(&m, "a.example", T_A, 0);
	rr_raw(&m, "a.example", T_CNAME, C_IN, 60, "\001b\0", 2);
	put8(&m, 0);
	CHECK(read_msg(&r, &m, T_A, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
	/* an MX exchange past its RDATA */
	start(&m, "a.example", T_MX, 0);
	rr_raw(&m, "a.example", T_MX, C_IN, 60, "\0\1\005ab", 5);
	CHECK(read_msg(&r, &m, T_MX, NULL, 0, WIRE_CHAIN_MAX) == -1);
	done(&r);
}

static void test_query_text(void)
{
	wire_name n;
	spfc_buf b;
	char big[300];

	/* A name from the evaluator, as ares_query() reads it. */
	spfc_buf_init(&b, 0);
	CHECK(wire_text_query("a\\b.example.", &b) == SPFC_OK);
	CHECK_STR(spfc_buf_str(&b), "a\\\\b.example");
	CHECK(wire_text_query(NULL, &b) == SPFC_EINVAL);
	CHECK(wire_text_query("", &b) == SPFC_EINVAL);
	CHECK(wire_text_query(".", &b) == SPFC_EINVAL);
	CHECK(wire_text_query("a..example", &b) == SPFC_EINVAL);
	CHECK(wire_text_query("a\nb.example", &b) == SPFC_EINVAL);
	memset(big, 'a', 64);
	big[64] = '\0';
	CHECK(wire_text_query(big, &b) == SPFC_EINVAL);
	big[63] = '\0';
	spfc_buf_reset(&b);
	CHECK(wire_text_query(big, &b) == SPFC_OK && b.len == 63);
	memset(big, 'a', 254);
	for (size_t i = 63; i < 254; i += 64)
		big[i] = '.';
	big[254] = '\0';
	CHECK(wire_text_query(big, &b) == SPFC_EINVAL);
	big[253] = '\0';
	spfc_buf_reset(&b);
	CHECK(wire_text_query(big, &b) == SPFC_OK && b.len == 253);
	spfc_buf_free(&b);

	memcpy(n.b, "\003a.b\002\\c\007example\0", 16);
	n.len = 16;
	spfc_buf_init(&b, 0);
	CHECK(wire_name_query_text(&n, &b) == 0);
	CHECK_STR(spfc_buf_str(&b), "a\\.b.\\\\c.example");
	spfc_buf_reset(&b);
	memcpy(n.b, "\003a\0b\0", 6);
	n.len = 6;
	CHECK(wire_name_query_text(&n, &b) == -1);
	spfc_buf_reset(&b);
	n.b[0] = 0;
	n.len = 1;
	CHECK(wire_name_query_text(&n, &b) == -1);	/* the root */
	spfc_buf_free(&b);
}

/* ---- Robustness ---------------------------------------------------- */

static uint32_t rng = 2463534242u;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* One read of msg[0..len) as every type: a status of 0, -1 or -2; on 0,
 * every text inside the buffer and NUL-terminated at its length. */
static int sane(const unsigned char *msg, size_t len)
{
	static const unsigned types[] = {T_A, 28, T_MX, T_TXT, T_PTR};
	size_t t, i;
	int ok = 1;

	for (t = 0; t < sizeof types / sizeof types[0]; t++) {
		wire_answer w;
		spfc_buf text;
		int rc;

		spfc_buf_init(&text, 1 << 16);
		rc = wire_read_answer(msg, len, types[t], NULL, 0,
				      WIRE_CHAIN_MAX, &w, &text);
		if (rc != 0 && rc != -1 && rc != -2)
			ok = 0;
		if (rc != 0 && (w.rr || w.count))
			ok = 0;
		if (rc == 0) {
			if (w.count > w.ntype || w.nchain < 1 ||
			    w.nchain > WIRE_CHAIN_MAX + 1)
				ok = 0;
			for (i = 0; i < w.count; i++) {
				const spfc_rr *rr = &w.rr[i];

				if (!rr->text)
					continue;
				if (rr->text < text.data ||
				    rr->text + rr->len >= text.data + text.len ||
				    rr->text[rr->len] != '\0')
					ok = 0;
			}
		}
		free(w.rr);
		spfc_buf_free(&text);
	}
	return ok;
}

static void test_robust(void)
{
	struct msg seeds[4], m;
	size_t s, cut, i;
	int ok = 1;

	start(&seeds[0], "a.example", T_TXT, 0);
	rr_name(&seeds[0], "a.example", T_CNAME, 60, "b.example");
	rr_txt(&seeds[0], "b.example", "v=spf1 -all", 11);
	rr_txt(&seeds[0], "c.example", "x", 1);
	soa(&seeds[0], 60, 30);
	start(&seeds[1], "m.example", T_MX, 0);
	rr_mx(&seeds[1], "m.example", 10, "mx.m.example");
	rr_name(&seeds[1], "m.example", T_PTR, 60, "p.example");
	rr_a(&seeds[1], "mx.m.example", 60, 1);
	start(&seeds[2], "a.example", T_A, 0);
	rr_name(&seeds[2], "a.example", T_CNAME, 60, "b.example");
	rr_name(&seeds[2], "b.example", T_CNAME, 60, "a.example");
	rr_a(&seeds[2], "a.example", 60, 1);
	start(&seeds[3], "1.2.0.192.in-addr.arpa", T_PTR, 0);
	rr_name(&seeds[3], "1.2.0.192.in-addr.arpa", T_PTR, 60, "h.example");

	for (s = 0; s < 4; s++)
		for (cut = 0; cut <= seeds[s].len; cut++)
			ok &= sane(seeds[s].b, cut);
	CHECK(ok);
	for (i = 0; i < 20000; i++) {
		size_t k, flips = 1 + next_rand() % 4;

		m = seeds[next_rand() % 4];
		for (k = 0; k < flips; k++) {
			size_t at = next_rand() % m.len;

			switch (next_rand() % 3) {
			case 0:
				m.b[at] = (unsigned char)next_rand();
				break;
			case 1:
				m.b[at] = 0xC0;	/* a pointer */
				break;
			default:
				m.b[at] ^= (unsigned char)(1u << (next_rand() % 8));
			}
		}
		ok &= sane(m.b, m.len);
	}
	CHECK(ok);
}

/* ---- The server list --------------------------------------------- */

/* Parse list; on success 1 when it gave n servers, on failure 1 when the
 * message is want. */
static int servers_ok(const char *list, dns_server *s, size_t n)
{
	spfc_buf why;
	size_t count = 0;
	spfc_status st;

	spfc_buf_init(&why, 0);
	st = dns_servers_parse(list, s, &count, &why);
	spfc_buf_free(&why);
	return st == SPFC_OK && count == n;
}

static int servers_bad(const char *list, const char *want)
{
	dns_server s[DNS_SERVERS_MAX];
	spfc_buf why;
	size_t count = 0;
	int ok;

	spfc_buf_init(&why, 0);
	ok = dns_servers_parse(list, s, &count, &why) == SPFC_EINVAL &&
	     strcmp(spfc_buf_str(&why), want) == 0;
	if (!ok)
		fprintf(stderr, "%s: got \"%s\"\n", list, spfc_buf_str(&why));
	spfc_buf_free(&why);
	return ok;
}

static void test_servers(void)
{
	static const unsigned char v4[4] = {192, 0, 2, 1};
	static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8,
					     [15] = 1};
	static const unsigned char lo6[16] = {[15] = 1};
	dns_server s[DNS_SERVERS_MAX];
	spfc_buf many;
	unsigned i;

	CHECK(servers_ok("192.0.2.1", s, 1));
	CHECK(s[0].family == AF_INET && s[0].port == 53 &&
	      memcmp(s[0].addr, v4, 4) == 0);
	CHECK(servers_ok("192.0.2.1:5353", s, 1));
	CHECK(s[0].family == AF_INET && s[0].port == 5353);
	CHECK(servers_ok("2001:db8::1", s, 1));
	CHECK(s[0].family == AF_INET6 && s[0].port == 53 &&
	      memcmp(s[0].addr, v6, 16) == 0);
	CHECK(servers_ok("[2001:db8::1]", s, 1));
	CHECK(s[0].family == AF_INET6 && s[0].port == 53);
	CHECK(servers_ok("[::1]:65535", s, 1));
	CHECK(s[0].family == AF_INET6 && s[0].port == 65535 &&
	      memcmp(s[0].addr, lo6, 16) == 0);
	CHECK(servers_ok("127.0.0.1:1,[::1]:2,192.0.2.1", s, 3));
	CHECK(s[0].port == 1 && s[1].port == 2 && s[2].port == 53);
	CHECK(s[0].family == AF_INET && s[1].family == AF_INET6 &&
	      s[2].family == AF_INET);

	CHECK(servers_bad("", "DNS server list: bad entry \"\": empty entry"));
	CHECK(servers_bad("127.0.0.1,",
			  "DNS server list: bad entry \"\": empty entry"));
	CHECK(servers_bad(",127.0.0.1",
			  "DNS server list: bad entry \"\": empty entry"));
	CHECK(servers_bad("[::1", "DNS server list: bad entry \"[::1\": "
				  "missing ']'"));
	CHECK(servers_bad("[::1]53", "DNS server list: bad entry "
				     "\"[::1]53\": expected ':PORT' after ']'"));
	CHECK(servers_bad("[127.0.0.1]", "DNS server list: bad entry "
					 "\"[127.0.0.1]\": not an IPv6 address"));
	CHECK(servers_bad("example.org",
			  "DNS server list: bad entry \"example.org\": not an "
			  "IPv4 or IPv6 address (an IPv6 address with a port "
			  "goes in [brackets])"));
	CHECK(servers_bad("127.0.0.1:0", "DNS server list: bad entry "
					 "\"127.0.0.1:0\": port is not a number "
					 "from 1 to 65535"));
	CHECK(servers_bad("127.0.0.1:65536", "DNS server list: bad entry "
					     "\"127.0.0.1:65536\": port is not "
					     "a number from 1 to 65535"));
	CHECK(servers_bad("127.0.0.1:+53", "DNS server list: bad entry "
					   "\"127.0.0.1:+53\": port is not a "
					   "number from 1 to 65535"));
	CHECK(servers_bad("127.0.0.1:", "DNS server list: bad entry "
					"\"127.0.0.1:\": port is not a number "
					"from 1 to 65535"));
	CHECK(servers_bad("127.0.0.1 ", "DNS server list: bad entry "
					"\"127.0.0.1 \": not an IPv4 or IPv6 "
					"address (an IPv6 address with a port "
					"goes in [brackets])"));
	CHECK(servers_bad("[::1]:53x", "DNS server list: bad entry "
				       "\"[::1]:53x\": port is not a number "
				       "from 1 to 65535"));
	CHECK(servers_bad("\x01\x7f", "DNS server list: bad entry \"??\": "
					"not an IPv4 or IPv6 address (an IPv6 "
					"address with a port goes in "
					"[brackets])"));
	CHECK(servers_bad("[0123456789012345678901234567890123456789]:53",
			  "DNS server list: bad entry \"[0123456789012345678"
			  "901234567890123456789]:53\": not an IPv6 address"));

	/* The bound: DNS_SERVERS_MAX entries, not one more; an entry too
	 * long to be an address is refused, and quoted cut. */
	spfc_buf_init(&many, 0);
	for (i = 0; i < DNS_SERVERS_MAX; i++)
		spfc_buf_adds(&many, i ? ",127.0.0.1" : "127.0.0.1");
	CHECK(servers_ok(spfc_buf_str(&many), s, DNS_SERVERS_MAX));
	spfc_buf_adds(&many, ",127.0.0.1");
	CHECK(servers_bad(spfc_buf_str(&many),
			  "DNS server list: more than 16 servers"));
	spfc_buf_reset(&many);
	for (i = 0; i < 70; i++)
		spfc_buf_addc(&many, '1');
	CHECK(servers_bad(spfc_buf_str(&many),
			  "DNS server list: bad entry \"111111111111111111111"
			  "1111111111111111111111111111111111111111111...\": "
			  "entry too long"));
	spfc_buf_free(&many);
}

int main(void)
{
	test_chain();
	test_owners();
	test_rdata();
	test_malformed();
	test_query_text();
	test_robust();
	test_servers();
	return DONE();
}
