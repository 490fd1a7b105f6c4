/*
 * test_codec.c - the milter codec: every command decoded and parsed, fed
 * whole and byte by byte; connect variants; packet limits; option
 * negotiation with MTAs of versions 2, 4 and 6; the encoder's bytes; the
 * reply-text builder's safety.
 */
#include "codec.h"

#include <spfc/buf.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* A packet: length, command, payload. */
static size_t mk(unsigned char *out, char cmd, const void *payload,
		 size_t len)
{
	uint32_t l = (uint32_t)len + 1;

	out[0] = (unsigned char)(l >> 24);
	out[1] = (unsigned char)(l >> 16);
	out[2] = (unsigned char)(l >> 8);
	out[3] = (unsigned char)l;
	out[4] = (unsigned char)cmd;
	memcpy(out + 5, payload, len);
	return len + 5;
}

/* Decode wire bytes in pieces of step (0: whole), parse the one packet
 * they hold, and check all input was used.  Returns milter_parse()'s code,
 * or 99 when no packet came out or bytes were left. */
static struct milter_decoder dec;
static struct milter_cmd cmd;

static int decode(const unsigned char *wire, size_t len, size_t step)
{
	struct milter_packet pkt;
	size_t pos = 0;
	int got = 0;

	milter_decoder_free(&dec);
	milter_decoder_init(&dec);
	while (pos < len) {
		size_t n = step && step < len - pos ? step : len - pos;
		const unsigned char *p = wire + pos;
		int rc = milter_decoder_feed(&dec, &p, &n, &pkt);

		if (rc < 0)
			return rc;
		pos = (size_t)(p - wire);
		if (rc == 1) {
			got = 1;
			break;
		}
	}
	if (!got || pos != len)
		return 99;
	return milter_parse(&pkt, &cmd);
}

/* The same bytes whole and one by one must give the same result. */
static int decode_both(const unsigned char *wire, size_t len)
{
	int a = decode(wire, len, 1);
	int b = decode(wire, len, 0);

	return a == b ? b : 98;
}

static void test_simple_commands(void)
{
	static const char cmds[] = "AKNQT";
	unsigned char w[16];
	size_t i;

	for (i = 0; cmds[i]; i++) {
		size_t n = mk(w, cmds[i], "", 0);

		CHECK(decode_both(w, n) == 0);
		CHECK(cmd.cmd == cmds[i]);
	}
	/* an unknown command byte */
	CHECK(decode_both(w, mk(w, 'Z', "", 0)) == MILTER_E_COMMAND);
}

static void test_optneg(void)
{
	static const unsigned char pl[12] = {
		0, 0, 0, 6, 0, 0, 1, 0xff, 0, 0x1f, 0xff, 0xff
	};
	unsigned char w[32];

	CHECK(decode_both(w, mk(w, 'O', pl, 12)) == 0);
	CHECK(cmd.u.optneg.version == 6);
	CHECK(cmd.u.optneg.actions == 0x1ff);
	CHECK(cmd.u.optneg.protocol == 0x1fffff);
	CHECK(decode_both(w, mk(w, 'O', pl, 11)) == MILTER_E_SHORT);
}

static void test_macros(void)
{
	static const char pl[] = "M{auth_authen}\0alice\0i\0ABC123\0"
				 "{mail_addr}\0\0";
	unsigned char w[256];

	CHECK(decode_both(w, mk(w, 'D', pl, sizeof pl - 1)) == 0);
	CHECK(cmd.u.macros.stage == 'M');
	CHECK(cmd.u.macros.count == 3);
	CHECK_STR(cmd.u.macros.list[0].name, "{auth_authen}");
	CHECK_STR(cmd.u.macros.list[0].value, "alice");
	CHECK_STR(cmd.u.macros.list[1].name, "i");
	CHECK_STR(cmd.u.macros.list[1].value, "ABC123");
	CHECK_STR(cmd.u.macros.list[2].value, "");
	/* a stage alone: no macros */
	CHECK(decode_both(w, mk(w, 'D', "C", 1)) == 0);
	CHECK(cmd.u.macros.count == 0 && cmd.u.macros.stage == 'C');
	/* a name without value, an unterminated value, nothing at all */
	CHECK(decode_both(w, mk(w, 'D', "Mi\0", 3)) == MILTER_E_MACROS);
	CHECK(decode_both(w, mk(w, 'D', "Mi\0x", 4)) == MILTER_E_STRING);
	CHECK(decode_both(w, mk(w, 'D', "", 0)) == MILTER_E_SHORT);
}

static void test_macro_limit(void)
{
	static unsigned char w[2048], pl[1024];
	size_t n = 0, i;

	pl[n++] = 'C';
	for (i = 0; i < MILTER_MACROS_MAX; i++) {
		pl[n++] = 'j';
		pl[n++] = 0;
		pl[n++] = 0;
	}
	CHECK(decode_both(w, mk(w, 'D', pl, n)) == 0);
	CHECK(cmd.u.macros.count == MILTER_MACROS_MAX);
	pl[n++] = 'j';
	pl[n++] = 0;
	pl[n++] = 0;
	CHECK(decode_both(w, mk(w, 'D', pl, n)) == MILTER_E_MACROS);
}

/* Connect packets: hostname, family, port (network order), address. */
static size_t mkconn(unsigned char *w, const char *host, char fam,
		     unsigned port, const char *addr)
{
	unsigned char pl[512];
	size_t n = strlen(host) + 1;

	memcpy(pl, host, n);
	pl[n++] = (unsigned char)fam;
	if (fam != 'U') {
		pl[n++] = (unsigned char)(port >> 8);
		pl[n++] = (unsigned char)port;
		memcpy(pl + n, addr, strlen(addr) + 1);
		n += strlen(addr) + 1;
	}
	return mk(w, 'C', pl, n);
}

static void test_connect(void)
{
	static const unsigned char v4[4] = { 192, 0, 2, 20 };
	static const unsigned char v6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	unsigned char w[600];
	size_t n;

	n = mkconn(w, "mx.example", '4', 54321, "192.0.2.20");
	CHECK(decode_both(w, n) == 0);
	CHECK_STR(cmd.u.connect.hostname, "mx.example");
	CHECK(cmd.u.connect.family == SMFIA_INET);
	CHECK(cmd.u.connect.port == 54321);
	CHECK_STR(cmd.u.connect.address, "192.0.2.20");
	CHECK(memcmp(cmd.u.connect.addr, v4, 4) == 0);
	CHECK(!cmd.u.connect.v4mapped);

	n = mkconn(w, "[2001:db8::1]", '6', 25, "2001:db8::1");
	CHECK(decode_both(w, n) == 0);
	CHECK(cmd.u.connect.family == SMFIA_INET6);
	CHECK_STR(cmd.u.connect.address, "2001:db8::1");
	CHECK(memcmp(cmd.u.connect.addr, v6, 16) == 0);
	CHECK(!cmd.u.connect.v4mapped);

	/* Sendmail's prefix is removed, in any case */
	n = mkconn(w, "h", '6', 25, "IPv6:2001:db8::1");
	CHECK(decode_both(w, n) == 0);
	CHECK_STR(cmd.u.connect.address, "2001:db8::1");
	CHECK(memcmp(cmd.u.connect.addr, v6, 16) == 0);
	n = mkconn(w, "h", '6', 25, "ipv6:2001:db8::1");
	CHECK(decode_both(w, n) == 0);
	CHECK_STR(cmd.u.connect.address, "2001:db8::1");

	/* IPv4-mapped IPv6 is said to be so */
	n = mkconn(w, "h", '6', 25, "::ffff:192.0.2.20");
	CHECK(decode_both(w, n) == 0);
	CHECK(cmd.u.connect.family == SMFIA_INET6);
	CHECK(cmd.u.connect.v4mapped);
	CHECK(memcmp(cmd.u.connect.addr + 12, v4, 4) == 0);

	/* a zone is kept in the text, not in the binary */
	n = mkconn(w, "h", '6', 25, "fe80::1%eth0");
	CHECK(decode_both(w, n) == 0);
	CHECK_STR(cmd.u.connect.address, "fe80::1%eth0");
	CHECK(cmd.u.connect.addr[0] == 0xfe && cmd.u.connect.addr[15] == 1);

	/* unix socket: the path, any text */
	n = mkconn(w, "localhost", 'L', 0, "/run/postfix/smtpd");
	CHECK(decode_both(w, n) == 0);
	CHECK(cmd.u.connect.family == SMFIA_UNIX);
	CHECK_STR(cmd.u.connect.address, "/run/postfix/smtpd");

	/* unknown: nothing after the family */
	n = mkconn(w, "unknown", 'U', 0, "");
	CHECK(decode_both(w, n) == 0);
	CHECK(cmd.u.connect.family == SMFIA_UNKNOWN);
	CHECK_STR(cmd.u.connect.address, "");
	CHECK(cmd.u.connect.port == 0);

	/* refused */
	n = mkconn(w, "h", '4', 25, "192.0.2.300");
	CHECK(decode_both(w, n) == MILTER_E_ADDRESS);
	n = mkconn(w, "h", '4', 25, "2001:db8::1");
	CHECK(decode_both(w, n) == MILTER_E_ADDRESS);
	n = mkconn(w, "h", '6', 25, "IPv6:");
	CHECK(decode_both(w, n) == MILTER_E_ADDRESS);
	n = mkconn(w, "h", '4', 25, "");
	CHECK(decode_both(w, n) == MILTER_E_ADDRESS);
	n = mkconn(w, "h", 'X', 25, "192.0.2.1");
	CHECK(decode_both(w, n) == MILTER_E_FAMILY);
	CHECK(decode_both(w, mk(w, 'C', "h\0", 2)) == MILTER_E_SHORT);
	CHECK(decode_both(w, mk(w, 'C', "h\0" "4\0", 3)) == MILTER_E_SHORT);
	CHECK(decode_both(w, mk(w, 'C', "h", 1)) == MILTER_E_STRING);
	/* the address without its NUL */
	n = mkconn(w, "h", '4', 25, "192.0.2.1");
	w[3]--;
	CHECK(decode_both(w, n - 1) == MILTER_E_STRING);
}

static void test_helo_mail_rcpt(void)
{
	static const char mail[] = "<a@b.example>\0SIZE=100\0BODY=8BITMIME\0";
	unsigned char w[256];

	CHECK(decode_both(w, mk(w, 'H', "mx.b.example", 13)) == 0);
	CHECK_STR(cmd.u.helo, "mx.b.example");
	CHECK(decode_both(w, mk(w, 'H', "mx", 2)) == MILTER_E_STRING);
	CHECK(decode_both(w, mk(w, 'H', "", 0)) == MILTER_E_STRING);

	CHECK(decode_both(w, mk(w, 'M', mail, sizeof mail - 1)) == 0);
	CHECK(cmd.u.args.argc == 3);
	CHECK_STR(cmd.u.args.argv[0], "<a@b.example>");
	CHECK_STR(cmd.u.args.argv[1], "SIZE=100");
	CHECK_STR(cmd.u.args.argv[2], "BODY=8BITMIME");
	CHECK(decode_both(w, mk(w, 'M', "<>", 3)) == 0);
	CHECK(cmd.u.args.argc == 1);
	CHECK_STR(cmd.u.args.argv[0], "<>");
	CHECK(decode_both(w, mk(w, 'M', "", 0)) == MILTER_E_ARGS);
	CHECK(decode_both(w, mk(w, 'M', "<>\0x", 4)) == MILTER_E_STRING);

	CHECK(decode_both(w, mk(w, 'R', "<c@d.example>", 14)) == 0);
	CHECK(cmd.cmd == 'R' && cmd.u.args.argc == 1);
	CHECK_STR(cmd.u.args.argv[0], "<c@d.example>");
}

static void test_args_limit(void)
{
	static unsigned char w[512], pl[256];
	size_t n = 0, i;

	for (i = 0; i < MILTER_ARGS_MAX; i++) {
		pl[n++] = 'x';
		pl[n++] = 0;
	}
	CHECK(decode_both(w, mk(w, 'R', pl, n)) == 0);
	CHECK(cmd.u.args.argc == MILTER_ARGS_MAX);
	pl[n++] = 'x';
	pl[n++] = 0;
	CHECK(decode_both(w, mk(w, 'R', pl, n)) == MILTER_E_ARGS);
}

static void test_header_body_unknown(void)
{
	static const char hdr[] = "Subject\0 hello\0";
	unsigned char w[256];

	CHECK(decode_both(w, mk(w, 'L', hdr, sizeof hdr - 1)) == 0);
	CHECK_STR(cmd.u.header.name, "Subject");
	CHECK_STR(cmd.u.header.value, " hello");
	CHECK(decode_both(w, mk(w, 'L', "Subject\0", 8)) == MILTER_E_STRING);
	CHECK(decode_both(w, mk(w, 'L', "Subject\0x", 9)) == MILTER_E_STRING);

	CHECK(decode_both(w, mk(w, 'B', "a\0b\r\n", 5)) == 0);
	CHECK(cmd.u.body.len == 5 && memcmp(cmd.u.body.data, "a\0b\r\n", 5) == 0);
	CHECK(decode_both(w, mk(w, 'E', "", 0)) == 0);
	CHECK(cmd.cmd == 'E' && cmd.u.body.len == 0);

	CHECK(decode_both(w, mk(w, 'U', "HELP", 5)) == 0);
	CHECK_STR(cmd.u.unknown, "HELP");
	CHECK(decode_both(w, mk(w, 'U', "HELP", 4)) == MILTER_E_STRING);
}

/* Limits of the framing itself. */
static void test_framing(void)
{
	static unsigned char big[MILTER_DATA_MAX + 16];
	struct milter_packet pkt;
	unsigned char w[64];
	const unsigned char *p;
	size_t n, i;
	int rc;

	/* length 0: no command byte */
	memset(w, 0, 8);
	CHECK(decode(w, 8, 0) == MILTER_E_LENGTH);
	CHECK(decode(w, 8, 1) == MILTER_E_LENGTH);

	/* the largest payload passes, one more byte is refused from the
	 * header alone (nothing of the payload needs to arrive) */
	memset(big + 5, 'x', MILTER_DATA_MAX);
	n = mk(big, 'B', big + 5, MILTER_DATA_MAX);
	CHECK(decode(big, n, 0) == 0 && cmd.u.body.len == MILTER_DATA_MAX);
	CHECK(decode(big, n, 4096) == 0 && cmd.u.body.len == MILTER_DATA_MAX);
	big[1]++;	/* 0x00010000 + 1 */
	CHECK(decode(big, 5, 0) == MILTER_E_TOOBIG);
	w[0] = 0xff; w[1] = 0xff; w[2] = 0xff; w[3] = 0xff; w[4] = 'B';
	CHECK(decode(w, 5, 1) == MILTER_E_TOOBIG);
	/* the error is for good */
	p = w;
	n = 5;
	CHECK(milter_decoder_feed(&dec, &p, &n, &pkt) == MILTER_E_TOOBIG);

	/* truncated: a partial header, a partial payload */
	n = mk(w, 'H', "mx.example", 11);
	for (i = 1; i < n; i++) {
		size_t left = i;

		milter_decoder_free(&dec);
		milter_decoder_init(&dec);
		p = w;
		rc = milter_decoder_feed(&dec, &p, &left, &pkt);
		CHECK(rc == 0 && left == 0 && milter_decoder_partial(&dec));
	}

	/* two packets in one read: each is handed out in turn */
	n = mk(w, 'H', "a", 2);
	n += mk(w + n, 'Q', "", 0);
	milter_decoder_free(&dec);
	milter_decoder_init(&dec);
	p = w;
	CHECK(milter_decoder_feed(&dec, &p, &n, &pkt) == 1 && pkt.cmd == 'H');
	CHECK(n == 5);
	CHECK(milter_decoder_feed(&dec, &p, &n, &pkt) == 1 && pkt.cmd == 'Q');
	CHECK(n == 0 && pkt.len == 0);
	CHECK(milter_decoder_feed(&dec, &p, &n, &pkt) == 0);
	CHECK(!milter_decoder_partial(&dec));
}

static struct milter_optneg offer(uint32_t v, uint32_t a, uint32_t p)
{
	struct milter_optneg o = { v, a, p };

	return o;
}

static void test_negotiation(void)
{
	struct milter_want want = { SMFIF_ADDHDRS, 0,
		SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR, 1 };
	struct milter_negotiated neg;
	struct milter_optneg o;

	/* Postfix 3.7 (version 6, every action and flag) */
	o = offer(6, 0x1ff, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == 0);
	CHECK(neg.version == 6);
	CHECK(neg.actions == (SMFIF_ADDHDRS | SMFIF_SETSYMLIST));
	CHECK(neg.symlist == 1);
	CHECK(neg.protocol == (SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH |
			       SMFIP_NODATA | SMFIP_NOUNKNOWN |
			       SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR));
	CHECK(!(neg.protocol & (SMFIP_NOHELO | SMFIP_NOCONNECT |
				SMFIP_NOMAIL | SMFIP_NORCPT)));

	/* a newer MTA gets 6 */
	o = offer(7, 0x1ff, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == 0 && neg.version == 6);

	/* header removal wanted: headers stay, CHGHDRS is asked */
	want.headers = 1;
	want.actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	o = offer(6, 0x1ff, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == 0);
	CHECK(!(neg.protocol & SMFIP_NOHDRS));
	CHECK(neg.actions & SMFIF_CHGHDRS);

	/* version 4 (Postfix 2.6-2.x): NODATA, NOUNKNOWN known, no NR_*
	 * but NR_HDR, no symbol lists */
	want.headers = 0;
	want.actions = SMFIF_ADDHDRS;
	o = offer(4, 0x3f, 0x3ff);
	CHECK(milter_negotiate(&o, &want, &neg) == 0);
	CHECK(neg.version == 4);
	CHECK(neg.actions == SMFIF_ADDHDRS && !neg.symlist);
	CHECK(neg.protocol == (SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH |
			       SMFIP_NODATA | SMFIP_NOUNKNOWN | SMFIP_NR_HDR));
	/* a version 4 MTA offering NR_CONN still does not get it */
	o = offer(4, 0x3f, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == 0);
	CHECK(!(neg.protocol & (SMFIP_NR_CONN | SMFIP_NR_HELO)));

	/* version 2 (Postfix 2.3-2.5): flags 0 mean the v1 sets; NODATA
	 * and NOUNKNOWN are not known and so not asked */
	o = offer(2, 0, 0);
	CHECK(milter_negotiate(&o, &want, &neg) == 0);
	CHECK(neg.version == 2);
	CHECK(neg.mta_actions == SMFI_V1_ACTS && neg.mta_protocol == SMFI_V1_PROT);
	CHECK(neg.protocol == (SMFIP_NOBODY | SMFIP_NOHDRS));
	CHECK(neg.actions == SMFIF_ADDHDRS);
	/* Postfix with milter_protocol = 2 offers the v1 steps and NOEOH */
	o = offer(2, 0x3f, 0x7f);
	CHECK(milter_negotiate(&o, &want, &neg) == 0);
	CHECK(neg.version == 2);
	CHECK(neg.protocol == (SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH));

	/* refusals: too old, no ADDHDRS, CHGHDRS not offered */
	o = offer(1, 0x1ff, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == MILTER_E_VERSION);
	o = offer(0, 0x1ff, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == MILTER_E_VERSION);
	o = offer(6, SMFIF_CHGHDRS, 0x1fffff);
	CHECK(milter_negotiate(&o, &want, &neg) == MILTER_E_ACTIONS);
	want.actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	o = offer(2, 0, 0);
	CHECK(milter_negotiate(&o, &want, &neg) == MILTER_E_ACTIONS);
}

static void test_encoder(void)
{
	static const unsigned char optneg[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0x30, 0x70
	};
	static const unsigned char ins[] = {
		0, 0, 0, 23, 'i', 0, 0, 0, 0,
		'R', 'e', 'c', 'e', 'i', 'v', 'e', 'd', '-', 'S', 'P', 'F', 0,
		'p', 'a', 's', 's', 0
	};
	static const char *const lists[MILTER_SYMLISTS] = {
		NULL, NULL, "{auth_authen} i", NULL, NULL, NULL, NULL
	};
	struct milter_negotiated neg = { 6, 1, 0x3070, 0, 0, 0 };
	spfc_buf b;

	spfc_buf_init(&b, 0);
	CHECK(milter_put_simple(&b, SMFIR_CONTINUE) == 0);
	CHECK(b.len == 5 && memcmp(b.data, "\0\0\0\1c", 5) == 0);
	spfc_buf_reset(&b);
	milter_put_optneg(&b, &neg, NULL);
	CHECK(b.len == sizeof optneg && memcmp(b.data, optneg, b.len) == 0);
	/* lists only when granted */
	spfc_buf_reset(&b);
	milter_put_optneg(&b, &neg, lists);
	CHECK(b.len == sizeof optneg);
	neg.symlist = 1;
	spfc_buf_reset(&b);
	milter_put_optneg(&b, &neg, lists);
	CHECK(b.len == sizeof optneg + 4 + 16);
	CHECK(b.data[3] == 13 + 20);
	CHECK(memcmp(b.data + 17, "\0\0\0\2{auth_authen} i", 20) == 0);
	spfc_buf_reset(&b);
	milter_put_insheader(&b, 0, "Received-SPF", "pass");
	CHECK(b.len == sizeof ins && memcmp(b.data, ins, b.len) == 0);
	spfc_buf_reset(&b);
	milter_put_chgheader(&b, 2, "X-A", NULL);
	CHECK(b.len == 5 + 4 + 4 + 1);
	CHECK(memcmp(b.data, "\0\0\0\12m\0\0\0\2X-A\0\0", b.len) == 0);
	spfc_buf_reset(&b);
	milter_put_replycode(&b, "550 5.7.23 no");
	CHECK(b.len == 5 + 14);
	CHECK(memcmp(b.data, "\0\0\0\17y550 5.7.23 no\0", b.len) == 0);
	spfc_buf_free(&b);

	/* a full buffer: the error sticks */
	spfc_buf_init(&b, 8);
	CHECK(milter_put_simple(&b, SMFIR_ACCEPT) == 0);
	CHECK(milter_put_simple(&b, SMFIR_ACCEPT) == -1);
	CHECK(b.len == 5);
	spfc_buf_free(&b);
}

static void test_reply_text(void)
{
	static char long_text[3000];
	spfc_buf b;
	size_t i;

	spfc_buf_init(&b, 0);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23",
				"SPF fail", 8) == 0);
	CHECK_STR(spfc_buf_str(&b), "550 5.7.23 SPF fail");
	/* '%' doubled; CR, LF, NUL, TAB become spaces; 8-bit becomes '?' */
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23",
				"100% a\r\nb\0c\td\xc3\xa9", 15) == 0);
	CHECK_STR(spfc_buf_str(&b), "550 5.7.23 100%% a  b c d??");
	CHECK(!memchr(b.data, '\r', b.len) && !memchr(b.data, '\n', b.len));
	/* no enhanced code: the default of the class */
	CHECK(milter_reply_text(&b, SMFIR_TEMPFAIL, "451", NULL, "later", 5)
	      == 0);
	CHECK_STR(spfc_buf_str(&b), "451 4.7.1 later");
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "554", NULL, "", 0) == 0);
	CHECK_STR(spfc_buf_str(&b), "554 5.7.1");
	/* the first digit must match the verdict, the class too */
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "451", "4.7.24", "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_TEMPFAIL, "550", NULL, "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "4.7.1", "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_CONTINUE, "250", NULL, "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "55", NULL, "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "5500", NULL, "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "5x0", NULL, "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7", "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.1234.1", "x", 1)
	      == MILTER_E_REPLY);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23 ", "x", 1)
	      == MILTER_E_REPLY);
	/* bounded: the text part at most MILTER_REPLY_TEXT_MAX bytes */
	memset(long_text, 'a', sizeof long_text);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23", long_text,
				sizeof long_text) == 0);
	CHECK(b.len == 11 + MILTER_REPLY_TEXT_MAX);
	/* ... never ending in half a "%%" */
	memset(long_text, '%', sizeof long_text);
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23", long_text,
				sizeof long_text) == 0);
	CHECK(b.len == 11 + MILTER_REPLY_TEXT_MAX);
	long_text[0] = 'a';
	CHECK(milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23", long_text,
				sizeof long_text) == 0);
	CHECK(b.len == 11 + MILTER_REPLY_TEXT_MAX - 1);
	for (i = 12; i < b.len; i += 2)
		CHECK(b.data[i] == '%' && b.data[i + 1] == '%');
	spfc_buf_free(&b);
}

static void test_strerror(void)
{
	CHECK_STR(milter_strerror(MILTER_E_TOOBIG), "packet too large");
	CHECK_STR(milter_strerror(0), "no error");
	CHECK_STR(milter_strerror(-1000), "unknown error");
	CHECK_STR(milter_strerror(5), "unknown error");
}

int main(void)
{
	milter_decoder_init(&dec);
	test_simple_commands();
	test_optneg();
	test_macros();
	test_macro_limit();
	test_connect();
	test_helo_mail_rcpt();
	test_args_limit();
	test_header_body_unknown();
	test_framing();
	test_negotiation();
	test_encoder();
	test_reply_text();
	test_strerror();
	milter_decoder_free(&dec);
	return DONE();
}
