/*
 * test_session.c - the milter state machine: a normal connection,
 * several messages on one connection, RSET, out-of-order commands and
 * what libmilter does with them, the effect of each verdict, QUIT_NC,
 * macro scoping (nothing passes from one message to the next), steps
 * the MTA sends although asked away, "no reply" steps, and bad input that
 * ends one connection only.
 *
 * Each test builds the MTA's bytes, runs them through the state machine whole
 * and byte by byte, answers each event that needs it from a script of
 * verdicts, and compares two traces: the events, one letter each, and
 * the packets written back, one command letter each.
 */
#include "session.h"

#include <spfc/buf.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static unsigned char wire[8192];
static size_t wlen;

static void add(char cmd, const void *payload, size_t len)
{
	uint32_t l = (uint32_t)len + 1;

	wire[wlen++] = (unsigned char)(l >> 24);
	wire[wlen++] = (unsigned char)(l >> 16);
	wire[wlen++] = (unsigned char)(l >> 8);
	wire[wlen++] = (unsigned char)l;
	wire[wlen++] = (unsigned char)cmd;
	memcpy(wire + wlen, payload, len);
	wlen += len;
}

/* A string literal with its embedded NULs, and the final one. */
#define ADD(cmd, lit) add(cmd, lit, sizeof lit)
#define ADD0(cmd) add(cmd, "", 0)

static void optneg(uint32_t v, uint32_t a, uint32_t p)
{
	unsigned char b[12];
	int i;

	for (i = 0; i < 4; i++) {
		b[i] = (unsigned char)(v >> (24 - 8 * i));
		b[4 + i] = (unsigned char)(a >> (24 - 8 * i));
		b[8 + i] = (unsigned char)(p >> (24 - 8 * i));
	}
	add('O', b, 12);
}

static void connect_v4(const char *addr)
{
	unsigned char b[128];
	size_t n = 0;

	memcpy(b, "client.example", 15);
	n = 15;
	b[n++] = '4';
	b[n++] = 0x30;
	b[n++] = 0x39;	/* port 12345 */
	memcpy(b + n, addr, strlen(addr) + 1);
	n += strlen(addr) + 1;
	add('C', b, n);
}

/* Negotiation and connect as Postfix 3.7 does it. */
static void start(void)
{
	wlen = 0;
	optneg(6, 0x1ff, 0x1fffff);
	ADD('D', "Cj\0mx.example\0{daemon_name}\0ORIGINATING");
	connect_v4("192.0.2.20");
	ADD('H', "helo.example");
}

static const struct milter_want want_default = {
	SMFIF_ADDHDRS, 0, 0, 0
};

/* The traces of one run. */
static char events[256], replies[256];
static const char *verdicts;	/* one per reply, 'c' when used up */
static char macro_seen[64];	/* {auth_authen} at each MAIL, '-' none */
static char client_seen[64];	/* the client address at the last MAIL */

static char event_letter(const struct milter_event *ev)
{
	static const char letters[] = "-OCHMRLEAQ!";

	if (ev->kind == MILTER_EV_CLOSE && ev->quit_nc)
		return 'K';
	return letters[ev->kind];
}

/* The command letters of the packets written, then the buffer emptied. */
static void take_output(struct milter_conn *s)
{
	spfc_buf *out = milter_conn_output(s);
	size_t pos = 0, k = strlen(replies);

	while (pos + 5 <= out->len && k + 1 < sizeof replies) {
		const unsigned char *p = (const unsigned char *)out->data + pos;
		size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 |
			     (size_t)p[2] << 8 | p[3];

		replies[k++] = (char)p[4];
		pos += 4 + len;
	}
	replies[k] = '\0';
	spfc_buf_reset(out);
}

static void answer(struct milter_conn *s, const struct milter_event *ev)
{
	char v = *verdicts ? *verdicts++ : 'c';

	if (ev->kind == MILTER_EV_EOM && v == 'i') {
		CHECK(milter_conn_insheader(s, 0, "Received-SPF",
					       "pass") == 0);
		v = 'c';
	}
	if (v == 'y')
		CHECK(milter_conn_reply(s, SMFIR_REJECT,
					   "550 5.7.23 SPF fail") == 0);
	else
		CHECK(milter_conn_reply(s, v, NULL) == 0);
}

static void note(struct milter_conn *s, const struct milter_event *ev)
{
	size_t k = strlen(events);
	const struct milter_connect *c = milter_conn_client(s);

	events[k] = event_letter(ev);
	events[k + 1] = '\0';
	if (ev->kind == MILTER_EV_MAIL) {
		const char *a = milter_conn_macro(s, "{auth_authen}");

		k = strlen(macro_seen);
		macro_seen[k] = a ? a[0] : '-';
		macro_seen[k + 1] = '\0';
		strcpy(client_seen, c ? c->address : "-");
	}
}

/* Run the wire through a fresh state machine in pieces of step bytes. */
static void run_conn(struct milter_conn *s,
			const struct milter_want *want, size_t step,
			const char *script)
{
	size_t pos = 0;

	events[0] = replies[0] = macro_seen[0] = '\0';
	verdicts = script;
	milter_conn_init(s, want, NULL, 0);
	while (pos < wlen) {
		size_t n = step && step < wlen - pos ? step : wlen - pos;
		const unsigned char *p = wire + pos;
		struct milter_event ev;

		while (milter_conn_step(s, &p, &n, &ev) != MILTER_EV_NONE) {
			note(s, &ev);
			if (ev.reply_needed)
				answer(s, &ev);
			take_output(s);
		}
		take_output(s);
		if (milter_conn_over(s))
			break;
		pos = (size_t)(p - wire);
	}
}

/* Both ways of feeding give the same traces; returns 1 if they match the
 * expectation. */
static int traces(const struct milter_want *want, const char *script,
		  const char *want_events, const char *want_replies)
{
	struct milter_conn s;
	char ev1[256], rp1[256], mac1[64];
	int ok;

	run_conn(&s, want, 0, script);
	milter_conn_free(&s);
	strcpy(ev1, events);
	strcpy(rp1, replies);
	strcpy(mac1, macro_seen);
	run_conn(&s, want, 1, script);
	milter_conn_free(&s);
	ok = strcmp(ev1, events) == 0 && strcmp(rp1, replies) == 0 &&
	     strcmp(mac1, macro_seen) == 0 &&
	     strcmp(events, want_events) == 0 &&
	     strcmp(replies, want_replies) == 0;
	if (!ok)
		fprintf(stderr, "events %s/%s want %s, replies %s/%s want %s\n",
			ev1, events, want_events, rp1, replies, want_replies);
	return ok;
}

static void test_normal(void)
{
	struct milter_conn s;
	struct milter_event ev;
	const unsigned char *p;
	size_t n;

	start();
	ADD('D', "M{auth_authen}\0alice\0i\0Q1");
	ADD('M', "<a@b.example>\0SIZE=10");
	ADD('R', "<c@d.example>");
	ADD('D', "Ei\0Q1");
	ADD0('E');
	ADD0('Q');
	CHECK(traces(&want_default, "ccccic", "OCHMREQ", "Occccic"));
	CHECK(strcmp(macro_seen, "a") == 0);

	/* the events' contents, step by step */
	milter_conn_init(&s, &want_default, NULL, 0);
	p = wire;
	n = wlen;
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_NEGOTIATED);
	CHECK(!ev.reply_needed);
	CHECK(milter_conn_negotiated(&s)->version == 6);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_CONNECT);
	CHECK(ev.reply_needed && ev.client && ev.client->port == 12345);
	CHECK_STR(ev.client->address, "192.0.2.20");
	CHECK_STR(ev.client->hostname, "client.example");
	CHECK_STR(milter_conn_macro(&s, "j"), "mx.example");
	CHECK_STR(milter_conn_macro(&s, "{j}"), "mx.example");
	CHECK_STR(milter_conn_macro(&s, "daemon_name"), "ORIGINATING");
	/* waiting for the reply: nothing more is read */
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_NONE);
	CHECK(milter_conn_insheader(&s, 0, "X", "y") == MILTER_E_REPLY);
	CHECK(milter_conn_reply(&s, SMFIR_DISCARD, NULL) == MILTER_E_REPLY);
	CHECK(milter_conn_reply(&s, 'z', NULL) == MILTER_E_REPLY);
	CHECK(milter_conn_reply(&s, SMFIR_CONTINUE, NULL) == 0);
	CHECK(milter_conn_reply(&s, SMFIR_CONTINUE, NULL) == MILTER_E_REPLY);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_HELO);
	CHECK_STR(ev.helo, "helo.example");
	milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_MAIL);
	CHECK_STR(ev.addr, "<a@b.example>");
	CHECK(ev.nargs == 1);
	CHECK_STR(ev.args[0], "SIZE=10");
	CHECK_STR(milter_conn_macro(&s, "{auth_authen}"), "alice");
	CHECK_STR(milter_conn_macro(&s, "i"), "Q1");
	CHECK(milter_conn_macro(&s, "{auth_type}") == NULL);
	CHECK(milter_conn_state(&s) == MILTER_ST_MAIL);
	milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_RCPT);
	CHECK_STR(ev.addr, "<c@d.example>");
	CHECK(ev.nargs == 0);
	CHECK_STR(milter_conn_sender(&s), "<a@b.example>");
	milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_EOM);
	CHECK(milter_conn_chgheader(&s, 1, "X", NULL) == MILTER_E_REPLY);
	CHECK(milter_conn_progress(&s) == 0);
	CHECK(milter_conn_insheader(&s, 0, "Received-SPF", "pass") == 0);
	CHECK(milter_conn_reply(&s, SMFIR_CONTINUE, NULL) == 0);
	CHECK(milter_conn_sender(&s) == NULL);
	CHECK(milter_conn_macro(&s, "{auth_authen}") == NULL);
	CHECK_STR(milter_conn_helo(&s), "helo.example");
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_CLOSE);
	CHECK(!ev.quit_nc && milter_conn_over(&s) && n == 0);
	CHECK(milter_conn_client(&s) == NULL);
	milter_conn_free(&s);
}

/* Several messages; macros of one never seen in the next. */
static void test_multi_message(void)
{
	start();
	ADD('D', "M{auth_authen}\0alice");
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('E');
	ADD('M', "<x@y.example>");	/* no macros sent for it */
	ADD('R', "<c@d.example>");
	ADD0('E');
	ADD('D', "M{auth_authen}\0bob");
	ADD('M', "<z@y.example>");
	ADD('R', "<c@d.example>");
	ADD0('E');
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMREMREMREQ", "Occccccccccc"));
	CHECK(strcmp(macro_seen, "a-b") == 0);
	CHECK(strcmp(client_seen, "192.0.2.20") == 0);

	/* a second EHLO after a message (STARTTLS): ENDM -> HELO goes
	 * through the HELO restart, without an abort */
	start();
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('E');
	ADD('H', "again.example");
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMREHMAQ", "Occccccc"));
}

static void test_rset(void)
{
	start();
	ADD('D', "M{auth_authen}\0alice");
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('A');			/* RSET */
	ADD0('A');			/* a second one: ignored */
	ADD('M', "<x@y.example>");
	ADD('R', "<c@d.example>");
	ADD0('E');
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMRAMREQ", "Occccccc"));
	CHECK(strcmp(macro_seen, "a-") == 0);
}

static void test_verdicts(void)
{
	/* REJECT at MAIL ends the transaction: the MTA's abort that
	 * follows is ignored, the next MAIL starts afresh */
	start();
	ADD('M', "<a@b.example>");
	ADD0('A');
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('E');
	ADD0('Q');
	CHECK(traces(&want_default, "ccr", "OCHMMREQ", "Occrccc"));
	/* with a text: SMFIR_REPLYCODE */
	CHECK(traces(&want_default, "ccy", "OCHMMREQ", "Occyccc"));

	/* REJECT and TEMPFAIL at RCPT refuse that recipient only */
	start();
	ADD('M', "<a@b.example>");
	ADD('R', "<r1@d.example>");
	ADD('R', "<r2@d.example>");
	ADD('R', "<r3@d.example>");
	ADD0('E');
	ADD0('Q');
	CHECK(traces(&want_default, "cccrtci", "OCHMRRREQ", "Occcrtcic"));
	/* ACCEPT at RCPT ends it: the next RCPT is out of order, ignored */
	CHECK(traces(&want_default, "cccac", "OCHMRQ", "Occca"));
	/* DISCARD at MAIL ends it too */
	CHECK(traces(&want_default, "ccd", "OCHMQ", "Occd"));
}

static void test_reply_text_checked(void)
{
	struct milter_conn s;
	struct milter_event ev;
	const unsigned char *p;
	size_t n;

	start();
	ADD('M', "<a@b.example>");
	milter_conn_init(&s, &want_default, NULL, 0);
	p = wire;
	n = wlen;
	while (milter_conn_step(&s, &p, &n, &ev) != MILTER_EV_MAIL)
		if (ev.reply_needed)
			milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	spfc_buf_reset(milter_conn_output(&s));
	/* a 4xx text with REJECT is dropped: plain 'r' */
	replies[0] = '\0';
	CHECK(milter_conn_reply(&s, SMFIR_REJECT, "451 4.7.24 x") == 0);
	take_output(&s);
	CHECK(strcmp(replies, "r") == 0);
	CHECK(milter_conn_state(&s) == MILTER_ST_HELO);
	milter_conn_free(&s);
}

static void test_out_of_order(void)
{
	/* a second EHLO in the middle of a transaction: ABORT, then HELO */
	start();
	ADD('M', "<a@b.example>");
	ADD('H', "again.example");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMAHQ", "Occcc"));

	/* MAIL after RCPT (no EOM): ABORT, then the new MAIL */
	start();
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD('M', "<e@f.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMRAMAQ", "Occccc"));

	/* RCPT and EOM outside a transaction, a second OPTNEG, a second
	 * CONNECT, an abort at HELO: all ignored, without a reply */
	start();
	ADD('R', "<c@d.example>");
	ADD0('E');
	optneg(6, 0x1ff, 0x1fffff);
	connect_v4("192.0.2.99");
	ADD0('A');
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMAQ", "Occc"));

	/* EOM right after MAIL: MAIL -> ENDM may not be; it aborts and EOM
	 * cannot follow HELO either */
	start();
	ADD('M', "<a@b.example>");
	ADD0('E');
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMAMAQ", "Occcc"));

	/* QUIT in the middle: ABORT, then CLOSE */
	start();
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('Q');
	ADD('M', "<late@b.example>");	/* after QUIT: not read */
	CHECK(traces(&want_default, "", "OCHMRAQ", "Occcc"));
}

/* Steps asked away that come anyway are answered by the state machine; with
 * the steps in between not asked away, an early EOM is out of order. */
static void test_skipped_steps(void)
{
	static const struct milter_want headers = {
		SMFIF_ADDHDRS, 1, 0, 0
	};

	start();
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('T');
	ADD('L', "Subject\0hi");
	ADD0('N');
	ADD('B', "body");
	ADD('U', "HELP");
	ADD0('E');
	ADD0('Q');
	/* U cannot follow BODY: it aborts (HELO -> UNKN is allowed) */
	CHECK(traces(&want_default, "", "OCHMRLAQ", "Occccccccc"));

	start();
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('T');
	ADD('L', "Subject\0hi");
	ADD('L', "From\0x");
	ADD0('E');		/* EOH and BODY asked away: may be passed */
	ADD0('Q');
	CHECK(traces(&headers, "", "OCHMRLLEQ", "Occcccccc"));

	/* version 2 with flags 0: EOH is not known, so not asked away,
	 * and EOM straight after a header is out of order */
	wlen = 0;
	optneg(2, 0, 0);
	connect_v4("192.0.2.20");
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD('L', "Subject\0hi");
	ADD0('E');
	ADD0('Q');
	CHECK(traces(&headers, "", "OCMRLAQ", "Occcc"));
}

static void test_quit_nc(void)
{
	start();
	ADD('D', "M{auth_authen}\0alice");
	ADD('M', "<a@b.example>");
	ADD('R', "<c@d.example>");
	ADD0('K');		/* mid-transaction: ABORT, then CLOSE */
	connect_v4("198.51.100.7");
	ADD('H', "second.example");
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHMRAKCHMAQ", "Occccccc"));
	CHECK(strcmp(macro_seen, "a-") == 0);
	CHECK(strcmp(client_seen, "198.51.100.7") == 0);

	/* right after HELO too (libmilter would ignore it), and the new
	 * client is the one seen, its connect macros only */
	start();
	ADD0('K');
	connect_v4("198.51.100.7");
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHKCMAQ", "Occcc"));
	{
		struct milter_conn s;
		struct milter_event ev;
		const unsigned char *p = wire;
		size_t n = wlen;

		milter_conn_init(&s, &want_default, NULL, 0);
		while (milter_conn_step(&s, &p, &n, &ev) != MILTER_EV_MAIL)
			if (ev.reply_needed)
				milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
		CHECK_STR(milter_conn_client(&s)->address, "198.51.100.7");
		CHECK(milter_conn_macro(&s, "j") == NULL);
		CHECK(milter_conn_helo(&s) == NULL);
		CHECK(milter_conn_negotiated(&s) != NULL);
		milter_conn_free(&s);
	}

	/* after 'K' a MAIL without CONNECT is taken from the HELO step, as
	 * libmilter does, with no client */
	start();
	ADD0('K');
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCHKMAQ", "Occc"));
	CHECK(strcmp(client_seen, "-") == 0);
}

static void test_macro_scoping(void)
{
	struct milter_conn s;
	struct milter_event ev;
	const unsigned char *p;
	const char *name, *value;
	size_t n;

	start();
	ADD('D', "Mi\0Q1\0{auth_type}\0PLAIN");
	ADD('M', "<a@b.example>");
	ADD('D', "R{rcpt_addr}\0c@d.example");
	ADD('R', "<c@d.example>");
	ADD('R', "<e@d.example>");	/* no macros for it */
	ADD('D', "L{x}\0y");	/* a stage libmilter ignores */
	ADD0('Q');
	milter_conn_init(&s, &want_default, NULL, 0);
	p = wire;
	n = wlen;
	while (milter_conn_step(&s, &p, &n, &ev) != MILTER_EV_MAIL)
		if (ev.reply_needed)
			milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_macro_at(&s, MILTER_STAGE_MAIL, 1, &name,
				      &value) == 0);
	CHECK_STR(name, "{auth_type}");
	CHECK_STR(value, "PLAIN");
	CHECK(milter_conn_macro_at(&s, MILTER_STAGE_MAIL, 2, &name,
				      &value) == -1);
	CHECK(milter_conn_macro_at(&s, MILTER_STAGES, 0, &name,
				      &value) == -1);
	milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_RCPT);
	CHECK_STR(milter_conn_macro(&s, "rcpt_addr"), "c@d.example");
	CHECK_STR(milter_conn_macro(&s, "i"), "Q1");
	milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_RCPT);
	CHECK(milter_conn_macro(&s, "rcpt_addr") == NULL);
	CHECK_STR(milter_conn_macro(&s, "i"), "Q1");
	milter_conn_reply(&s, SMFIR_CONTINUE, NULL);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_ABORT);
	CHECK(milter_conn_macro(&s, "{x}") == NULL);
	CHECK(milter_conn_macro(&s, "i") == NULL);
	CHECK_STR(milter_conn_macro(&s, "j"), "mx.example");
	milter_conn_free(&s);
}

/* "No reply" steps: the event needs no answer and nothing is written. */
static void test_noreply(void)
{
	static const struct milter_want nr = {
		SMFIF_ADDHDRS, 0, SMFIP_NR_CONN | SMFIP_NR_HELO, 0
	};

	start();
	ADD('M', "<a@b.example>");
	ADD0('Q');
	CHECK(traces(&nr, "", "OCHMAQ", "Oc"));
	/* a version 4 MTA cannot give it: replies as usual */
	wlen = 0;
	optneg(4, 0x3f, 0x3ff);
	connect_v4("192.0.2.20");
	ADD('H', "h");
	ADD0('Q');
	CHECK(traces(&nr, "", "OCHQ", "Occ"));
}

/* Bad input ends the connection with ERROR, and only that one. */
static void test_errors(void)
{
	static const struct milter_want chg = { SMFIF_CHGHDRS, 0, 0, 0 };
	struct milter_conn s, other;
	struct milter_event ev;
	const unsigned char *p;
	size_t n;

	start();
	ADD('C', "h\0" "4\0\0" "192.0.2.300");
	ADD0('Q');
	CHECK(traces(&want_default, "", "OCH!", "Occ"));

	start();
	wire[wlen++] = 0;
	wire[wlen++] = 1;
	wire[wlen++] = 0;
	wire[wlen++] = 1;	/* 65537: one byte over */
	wire[wlen++] = 'B';
	CHECK(traces(&want_default, "", "OCH!", "Occ"));

	wlen = 0;
	ADD('H', "early");	/* before negotiation */
	CHECK(traces(&want_default, "", "!", ""));

	wlen = 0;
	ADD0('A');		/* ignored before negotiation */
	ADD0('Q');
	CHECK(traces(&want_default, "", "Q", ""));

	wlen = 0;
	optneg(1, 0x1ff, 0x1fffff);
	CHECK(traces(&want_default, "", "!", ""));
	wlen = 0;
	optneg(6, SMFIF_ADDHDRS, 0x1fffff);
	CHECK(traces(&chg, "", "!", ""));

	/* a bad packet on one connection leaves another untouched */
	wlen = 0;
	ADD('Z', "x");
	milter_conn_init(&s, &want_default, NULL, 0);
	milter_conn_init(&other, &want_default, NULL, 0);
	p = wire;
	n = wlen;
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_ERROR);
	CHECK(ev.err == MILTER_E_COMMAND);
	CHECK(milter_conn_over(&s));
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_NONE);
	start();
	p = wire;
	n = wlen;
	CHECK(milter_conn_step(&other, &p, &n, &ev) == MILTER_EV_NEGOTIATED);
	CHECK(milter_conn_step(&other, &p, &n, &ev) == MILTER_EV_CONNECT);
	CHECK(!milter_conn_over(&other));
	milter_conn_free(&s);
	milter_conn_free(&other);

	/* the output bound: an answer that does not fit is an error */
	start();
	milter_conn_init(&s, &want_default, NULL, 20);
	p = wire;
	n = wlen;
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_NEGOTIATED);
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_CONNECT);
	CHECK(milter_conn_reply(&s, SMFIR_CONTINUE, NULL) == MILTER_E_OUTPUT);
	milter_conn_free(&s);
}

/* Macro lists go out with the negotiation when the MTA lets us. */
static void test_symlist(void)
{
	static const char *const lists[MILTER_SYMLISTS] = {
		NULL, NULL, "{auth_authen} {auth_type}", NULL, NULL, NULL,
		NULL
	};
	static const struct milter_want want = { SMFIF_ADDHDRS, 0, 0, 1 };
	struct milter_conn s;
	struct milter_event ev;
	const unsigned char *p;
	size_t n;
	spfc_buf *out;

	wlen = 0;
	optneg(6, 0x1ff, 0x1fffff);
	milter_conn_init(&s, &want, lists, 0);
	p = wire;
	n = wlen;
	CHECK(milter_conn_step(&s, &p, &n, &ev) == MILTER_EV_NEGOTIATED);
	out = milter_conn_output(&s);
	CHECK(out->len == 17 + 4 + 26);
	CHECK(memcmp(out->data + 17, "\0\0\0\2{auth_authen} {auth_type}",
		     30) == 0);
	CHECK(milter_conn_negotiated(&s)->actions & SMFIF_SETSYMLIST);
	milter_conn_free(&s);
}

int main(void)
{
	test_normal();
	test_multi_message();
	test_rset();
	test_verdicts();
	test_reply_text_checked();
	test_out_of_order();
	test_skipped_steps();
	test_quit_nc();
	test_macro_scoping();
	test_noreply();
	test_errors();
	test_symlist();
	return DONE();
}
