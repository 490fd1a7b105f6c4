/*
 * fuzz_milter.c - libFuzzer target for the milter protocol layer
 * (src/milter/codec.c and session.c).
 *
 * The input: two bytes of piece size, one byte of policy, then the bytes
 * an MTA would send.  The policy byte picks what the deciding layer does:
 * bits 0-1 the verdict at MAIL, 2-3 at RCPT (continue, reject with a
 * text, tempfail, accept), bit 4 a header inserted and one deleted at end
 * of message, bit 5 headers wanted (CHGHDRS), bit 6 "no reply" steps
 * asked, bit 7 macro lists offered.
 *
 * The stream is run twice through the state machine: all at once, and in pieces.
 * Both runs must give the same events and the same bytes written
 * (feeding is independent of how the bytes arrive).  Rules checked on
 * the way: every event needing a reply can be answered; after ERROR or
 * QUIT nothing more is read; the decoder never holds more than
 * MILTER_DATA_MAX + 1 bytes; every packet written is well formed (a
 * length of at least 1, a reply or action command, a REPLYCODE text
 * starting with the digit of its verdict, without CR or LF).  The stream
 * is also given to milter_reply_text(), whose result must be one line
 * within MILTER_REPLY_TEXT_MAX bytes of text.
 *
 * How it fails: abort() on any broken rule, so libFuzzer reports it with
 * the input; out of memory ends the run quietly.
 */
#include "../src/milter/session.h"

#include <spfc/buf.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const lists[MILTER_SYMLISTS] = {
	"j {daemon_name}", NULL, "{auth_authen} {auth_type} i", NULL, NULL,
	NULL, NULL
};

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Every packet of the output must be one we may send. */
static void check_output(const spfc_buf *out)
{
	const unsigned char *p = (const unsigned char *)out->data;
	size_t pos = 0;

	while (pos < out->len) {
		uint32_t len;
		const char *text;

		if (out->len - pos < 5)
			abort();
		len = get32(p + pos);
		if (len < 1 || len - 1 > MILTER_DATA_MAX ||
		    out->len - pos - 4 < len)
			abort();
		switch (p[pos + 4]) {
		case SMFIR_CONTINUE: case SMFIR_ACCEPT: case SMFIR_REJECT:
		case SMFIR_TEMPFAIL: case SMFIR_DISCARD: case SMFIR_PROGRESS:
			if (len != 1)
				abort();
			break;
		case SMFIR_REPLYCODE:
			text = (const char *)p + pos + 5;
			if (len < 2 || text[len - 2] != '\0' ||
			    (text[0] != '4' && text[0] != '5') ||
			    strpbrk(text, "\r\n"))
				abort();
			break;
		case SMFIC_OPTNEG:
			if (len < 13)
				abort();
			break;
		case SMFIR_INSHEADER: case SMFIR_CHGHEADER:
			if (len < 7 || p[pos + 4 + len] != '\0')
				abort();
			break;
		default:
			abort();
		}
		pos += 4 + len;
	}
}

static char verdict_of(unsigned bits)
{
	static const char v[4] = {
		SMFIR_CONTINUE, SMFIR_REJECT, SMFIR_TEMPFAIL, SMFIR_ACCEPT
	};

	return v[bits & 3];
}

static int answer(struct milter_conn *s, const struct milter_event *ev,
		  unsigned policy)
{
	char v = SMFIR_CONTINUE;
	const char *text = NULL;
	int rc;

	if (ev->kind == MILTER_EV_MAIL)
		v = verdict_of(policy);
	else if (ev->kind == MILTER_EV_RCPT)
		v = verdict_of(policy >> 2);
	if (v == SMFIR_REJECT)
		text = "550 5.7.23 SPF fail %% here";
	else if (v == SMFIR_TEMPFAIL)
		text = "451 4.7.24 SPF error";
	if (ev->kind == MILTER_EV_EOM && (policy & 0x10)) {
		rc = milter_conn_insheader(s, 0, "Received-SPF", "pass");
		if (rc && rc != MILTER_E_REPLY)
			return -1;
		rc = milter_conn_chgheader(s, 1, "Authentication-Results",
					      NULL);
		if (rc && rc != MILTER_E_REPLY)
			return -1;
	}
	rc = milter_conn_reply(s, v, text);
	return rc ? -1 : 0;
}

/* The trace of an event: its kind, and the strings it carries. */
static void trace(spfc_buf *t, const struct milter_event *ev)
{
	size_t i;

	spfc_buf_addc(t, (char)('0' + ev->kind));
	if (ev->client) {
		spfc_buf_adds(t, ev->client->hostname);
		spfc_buf_adds(t, ev->client->address);
	}
	if (ev->helo)
		spfc_buf_adds(t, ev->helo);
	if (ev->addr)
		spfc_buf_adds(t, ev->addr);
	for (i = 0; i < ev->nargs; i++)
		if (!ev->args[i])
			abort();
	if (ev->kind == MILTER_EV_HEADER && (!ev->name || !ev->value))
		abort();
	spfc_buf_addc(t, '\n');
}

/* Events go to t, the bytes written to o: how they interleave depends on
 * the pieces (a step answered by the state machine itself writes before the
 * next event), their sequences do not. */
static int run(spfc_buf *t, spfc_buf *o, const unsigned char *data,
	       size_t len, size_t step, unsigned policy)
{
	struct milter_want want = { SMFIF_ADDHDRS, 0, 0, 0 };
	struct milter_conn s;
	size_t pos = 0;
	int rc = 0;

	if (policy & 0x20) {
		want.headers = 1;
		want.actions |= SMFIF_CHGHDRS;
	}
	if (policy & 0x40)
		want.noreply = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR;
	want.symlist = (policy & 0x80) != 0;
	milter_conn_init(&s, &want, lists, 0);
	while (pos < len && !milter_conn_over(&s)) {
		size_t n = step && step < len - pos ? step : len - pos;
		const unsigned char *p = data + pos;
		struct milter_event ev;
		spfc_buf *out;

		while (milter_conn_step(&s, &p, &n, &ev) != MILTER_EV_NONE) {
			trace(t, &ev);
			if (ev.kind == MILTER_EV_ERROR && ev.err == MILTER_E_NOMEM) {
				rc = -1;
				goto done;
			}
			if (ev.reply_needed && answer(&s, &ev, policy)) {
				rc = -1;
				goto done;
			}
			if (s.dec.cap > MILTER_DATA_MAX + 1)
				abort();
		}
		if (s.waiting)
			abort();	/* every reply was given */
		out = milter_conn_output(&s);
		check_output(out);
		if (out->len)
			spfc_buf_add(o, out->data, out->len);
		spfc_buf_reset(out);
		pos = (size_t)(p - data);
	}
	if (milter_conn_over(&s)) {
		const unsigned char *p = data;
		size_t n = len;
		struct milter_event ev;

		if (milter_conn_step(&s, &p, &n, &ev) != MILTER_EV_NONE ||
		    n != len)
			abort();
	}
done:
	milter_conn_free(&s);
	return rc;
}

static void check_reply_text(const unsigned char *data, size_t len)
{
	spfc_buf b;

	spfc_buf_init(&b, 0);
	if (milter_reply_text(&b, SMFIR_REJECT, "550", "5.7.23",
			      (const char *)data, len) == 0) {
		if (b.len > 11 + MILTER_REPLY_TEXT_MAX ||
		    memchr(b.data, '\r', b.len) || memchr(b.data, '\n', b.len) ||
		    memchr(b.data, '\0', b.len) || memcmp(b.data, "550 ", 4))
			abort();
	} else if (!b.err) {
		abort();
	}
	spfc_buf_free(&b);
}

static int same(const spfc_buf *a, const spfc_buf *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spfc_buf a, b, oa, ob;
	size_t step;
	unsigned policy;

	if (size < 3)
		return 0;
	step = (size_t)data[0] | (size_t)(data[1] & 0x3f) << 8;
	policy = data[2];
	data += 3;
	size -= 3;
	check_reply_text(data, size);
	spfc_buf_init(&a, (size_t)1 << 24);
	spfc_buf_init(&b, (size_t)1 << 24);
	spfc_buf_init(&oa, (size_t)1 << 24);
	spfc_buf_init(&ob, (size_t)1 << 24);
	if (run(&a, &oa, data, size, 0, policy) == 0 &&
	    run(&b, &ob, data, size, step ? step : 1, policy) == 0 &&
	    !a.err && !b.err && !oa.err && !ob.err &&
	    (!same(&a, &b) || !same(&oa, &ob)))
		abort();
	spfc_buf_free(&a);
	spfc_buf_free(&b);
	spfc_buf_free(&oa);
	spfc_buf_free(&ob);
	return 0;
}
