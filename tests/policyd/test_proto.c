/*
 * test_proto.c - the Postfix policy protocol codec (src/policyd/proto.c):
 * spf-engine's line rules, pipelining, byte-at-a-time input, every limit
 * and the memory bound, NUL bytes, answers, requests cut short, and the
 * reuse of the reader's memory from one request to the next.
 *
 * Fails by printing the failed checks and "N passed, M failed" with a
 * non-zero exit status.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

#include "../unit/tap.h"

/* The sample request of Postfix's SMTPD_POLICY_README (every attribute of
 * Postfix 2.1 to 3.x), at RCPT stage with no queue id yet. */
static const char sample[] =
	"request=smtpd_access_policy\n"
	"protocol_state=RCPT\n"
	"protocol_name=SMTP\n"
	"helo_name=some.domain.tld\n"
	"queue_id=\n"
	"sender=foo@bar.tld\n"
	"recipient=bar@foo.tld\n"
	"recipient_count=0\n"
	"client_address=192.0.2.1\n"
	"client_name=another.domain.tld\n"
	"reverse_client_name=another.domain.tld\n"
	"instance=123.456.7\n"
	"sasl_method=plain\n"
	"sasl_username=you\n"
	"sasl_sender=\n"
	"size=12345\n"
	"ccert_subject=solaris9.porcupine.org\n"
	"ccert_issuer=Wietse+20Venema\n"
	"ccert_fingerprint=C2:9D:F4:87:71:73:73:D9:18:E7:C2:F3:C1:DA:6E:04\n"
	"ccert_pubkey_fingerprint=68:B3:29:DA:98:93:E3:40:99:C7:D8:AD:5C:B9:C9:40\n"
	"encryption_protocol=TLSv1/SSLv3\n"
	"encryption_cipher=DHE-RSA-AES256-SHA\n"
	"encryption_keysize=256\n"
	"etrn_domain=\n"
	"stress=\n"
	"client_port=1234\n"
	"policy_context=submission\n"
	"server_address=10.3.2.1\n"
	"server_port=54321\n"
	"compatibility_level=major.minor.patch\n"
	"mail_version=3.8.0\n"
	"\n";

#define SAMPLE_NATTRS 31

/* A stream exercising every rule, for the split-feeding comparisons. */
static const char stream[] =
	"request=smtpd_access_policy\r\n"
	"  protocol_state \t= RCPT\n"
	"sender=Foo@Bar.TLD\n"
	"garbage line\n"
	"=novalue\n"
	"sasl_username=a=B==\n"
	"client_address= 192.0.2.1 \n"
	"k=a\0B\0c\n"
	"sender=Again@Example.ORG\n"
	" \t\r\n"
	"\n"
	"queue_id=ABC123\n"
	"helo_name=Mail.Example.COM\r\n"
	"\r\n"
	"only=one\n"
	"\x0b\x1c\x1f\n";

/* Feed all of data in one call; returns the bytes consumed. */
static size_t feed(struct proto_reader *r, const char *data, size_t len,
		   int *complete)
{
	return proto_feed(r, data, len, complete);
}

/* The request written out as text, to compare two parses. */
static void dump(spfc_buf *out, const struct proto_request *q)
{
	size_t i, j;

	for (i = 0; i < q->nattrs; i++) {
		spfc_buf_adds(out, q->attrs[i].name);
		spfc_buf_addc(out, '=');
		for (j = 0; j < q->attrs[i].vlen; j++) {
			char c = q->attrs[i].value[j];

			if (c == '\0')
				spfc_buf_adds(out, "\\0");
			else
				spfc_buf_addc(out, c);
		}
		spfc_buf_addc(out, '\n');
	}
	spfc_buf_adds(out, "#bad=");
	spfc_buf_addu(out, q->bad_lines);
	spfc_buf_adds(out, " malformed=");
	spfc_buf_adds(out, q->malformed ? q->why : "-");
	spfc_buf_adds(out, "\n\n");
}

/* Parse data feeding it `chunk` bytes at a time (0: all at once) and dump
 * every completed request; the pending state at the end is noted too. */
static void parse_all(spfc_buf *out, const char *data, size_t len,
		      size_t chunk)
{
	struct proto_reader r;
	size_t pos = 0;

	proto_reader_init(&r);
	while (pos < len) {
		size_t n = chunk && chunk < len - pos ? chunk : len - pos;
		size_t off = 0;

		while (off < n) {
			int complete;
			size_t used = proto_feed(&r, data + pos + off, n - off,
						 &complete);

			if (used == (size_t)-1) {
				spfc_buf_adds(out, "ENOMEM");
				proto_reader_free(&r);
				return;
			}
			off += used;
			if (complete) {
				dump(out, proto_reader_request(&r));
				proto_reader_next(&r);
			}
		}
		pos += n;
	}
	spfc_buf_adds(out, proto_reader_partial(&r) ? "partial\n" : "clean\n");
	proto_reader_free(&r);
}

static void test_sample(void)
{
	struct proto_reader r;
	const struct proto_request *q;
	int complete = 0;
	size_t used;

	proto_reader_init(&r);
	CHECK(!proto_reader_partial(&r));
	used = feed(&r, sample, sizeof sample - 1, &complete);
	CHECK(used == sizeof sample - 1);
	CHECK(complete == 1);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == SAMPLE_NATTRS);
	CHECK(q->bad_lines == 0);
	CHECK(!q->malformed && q->why == NULL);
	CHECK_STR(proto_get(q, "request"), "smtpd_access_policy");
	CHECK_STR(proto_get(q, "protocol_state"), "RCPT");
	CHECK_STR(proto_get(q, "protocol_name"), "SMTP");
	CHECK_STR(proto_get(q, "helo_name"), "some.domain.tld");
	CHECK_STR(proto_get(q, "queue_id"), "");
	CHECK_STR(proto_get(q, "sender"), "foo@bar.tld");
	CHECK_STR(proto_get(q, "recipient"), "bar@foo.tld");
	CHECK_STR(proto_get(q, "client_address"), "192.0.2.1");
	CHECK_STR(proto_get(q, "client_name"), "another.domain.tld");
	CHECK_STR(proto_get(q, "instance"), "123.456.7");
	CHECK_STR(proto_get(q, "sasl_sender"), "");
	CHECK_STR(proto_get(q, "size"), "12345");
	/* spf-engine lower-cases every other value, certificates too */
	CHECK_STR(proto_get(q, "ccert_issuer"), "wietse+20venema");
	CHECK_STR(proto_get(q, "ccert_fingerprint"),
		  "c2:9d:f4:87:71:73:73:d9:18:e7:c2:f3:c1:da:6e:04");
	CHECK_STR(proto_get(q, "encryption_protocol"), "tlsv1/sslv3");
	CHECK_STR(proto_get(q, "mail_version"), "3.8.0");
	CHECK(proto_get(q, "no_such_name") == NULL);
	CHECK(proto_get(q, "") == NULL);
	CHECK(proto_get(q, "sende") == NULL);
	CHECK(proto_get(q, "senderx") == NULL);
	CHECK(proto_get(NULL, "sender") == NULL);
	/* attributes keep their order of arrival */
	CHECK_STR(q->attrs[0].name, "request");
	CHECK_STR(q->attrs[SAMPLE_NATTRS - 1].name, "mail_version");
	CHECK(q->attrs[0].vlen == strlen("smtpd_access_policy"));
	CHECK(!proto_reader_partial(&r));

	/* Feeding before next() consumes nothing and says complete again. */
	complete = 0;
	CHECK(feed(&r, "a=b\n", 4, &complete) == 0);
	CHECK(complete == 1);
	proto_reader_next(&r);
	CHECK(proto_reader_request(&r)->nattrs == 0);
	CHECK(!proto_reader_partial(&r));
	proto_reader_free(&r);
}

static void test_case(void)
{
	static const char in[] =
		"protocol_state=RCPT\n"
		"protocol_name=ESMTP\n"
		"queue_id=8045F2AB23\n"
		"Protocol_State=END-OF-MESSAGE\n"
		"sender=User@Example.COM\n"
		"Helo_Name=MX.Example\n"
		"recipient=\xC3\x89T\xC3\xA9@X.Y\n"
		"client_name=[]^_`@AZ{\n"
		"queue_idx=AbC\n"
		"protocol_stat=AbC\n"
		"\n";
	struct proto_reader r;
	const struct proto_request *q;
	int complete;

	proto_reader_init(&r);
	CHECK(feed(&r, in, sizeof in - 1, &complete) == sizeof in - 1);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == 10);
	CHECK_STR(proto_get(q, "protocol_state"), "RCPT");
	CHECK_STR(proto_get(q, "protocol_name"), "ESMTP");
	CHECK_STR(proto_get(q, "queue_id"), "8045F2AB23");
	/* names are exact: another spelling is another attribute */
	CHECK_STR(proto_get(q, "Protocol_State"), "end-of-message");
	CHECK_STR(proto_get(q, "sender"), "user@example.com");
	CHECK_STR(proto_get(q, "Helo_Name"), "mx.example");
	CHECK(proto_get(q, "helo_name") == NULL);
	/* bytes outside ASCII are left alone; only A-Z change */
	CHECK_STR(proto_get(q, "recipient"), "\xC3\x89t\xC3\xA9@x.y");
	CHECK_STR(proto_get(q, "client_name"), "[]^_`@az{");
	/* the exceptions are whole names, not prefixes */
	CHECK_STR(proto_get(q, "queue_idx"), "abc");
	CHECK_STR(proto_get(q, "protocol_stat"), "abc");
	proto_reader_free(&r);
}

static void test_spacing(void)
{
	static const char in[] =
		"  \thelo_name \t = Mail.Example\n"
		"sasl_username=a=B==\n"
		"client_address= 1.2.3.4\n"
		"\x1c\x1f" "size\x0b=\x0c" "12\n"
		"sender=x  \t\x0b\x1c\r\n"
		"recipient=\n"
		"stress= \t \n"
		"\n";
	struct proto_reader r;
	const struct proto_request *q;
	int complete;

	proto_reader_init(&r);
	CHECK(feed(&r, in, sizeof in - 1, &complete) == sizeof in - 1);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->bad_lines == 0);
	CHECK(q->nattrs == 7);
	CHECK_STR(proto_get(q, "helo_name"), " mail.example");
	CHECK_STR(proto_get(q, "sasl_username"), "a=b==");
	CHECK_STR(proto_get(q, "client_address"), " 1.2.3.4");
	CHECK_STR(proto_get(q, "size"), "\x0c" "12");
	CHECK_STR(proto_get(q, "sender"), "x");
	CHECK_STR(proto_get(q, "recipient"), "");
	/* trailing white space goes first, so nothing is left */
	CHECK_STR(proto_get(q, "stress"), "");
	CHECK(proto_get(q, "stress") && proto_get(q, "stress")[0] == '\0');
	proto_reader_free(&r);
}

static void test_bad_lines(void)
{
	static const char in[] =
		"garbage\n"
		"=novalue\n"
		"  = x\n"
		"foo bar=baz\n"
		"a\tb=c\n"
		"name_only \n"
		"a=b\n"
		"\n";
	struct proto_reader r;
	const struct proto_request *q;
	int complete;

	proto_reader_init(&r);
	CHECK(feed(&r, in, sizeof in - 1, &complete) == sizeof in - 1);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->bad_lines == 6);
	CHECK(!q->malformed);
	CHECK(q->nattrs == 1);
	CHECK_STR(proto_get(q, "a"), "b");
	proto_reader_next(&r);

	/* a bad line alone makes a request in progress */
	CHECK(feed(&r, "junk\n", 5, &complete) == 5);
	CHECK(!complete);
	CHECK(proto_reader_partial(&r));
	CHECK(feed(&r, "\n", 1, &complete) == 1);
	CHECK(complete);
	CHECK(proto_reader_request(&r)->bad_lines == 1);
	CHECK(proto_reader_request(&r)->nattrs == 0);
	proto_reader_free(&r);
}

static void test_line_ends(void)
{
	static const char crlf[] = "a=B\r\nc=d \r\n\r\ne=f\r\n\r\n";
	static const char ws[] = "a=b\n \t\r\nc=d\n\x0c\n";
	struct proto_reader r;
	const struct proto_request *q;
	int complete;
	size_t used;

	proto_reader_init(&r);
	used = feed(&r, crlf, sizeof crlf - 1, &complete);
	CHECK(used == strlen("a=B\r\nc=d \r\n\r\n"));
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == 2);
	CHECK_STR(proto_get(q, "a"), "b");
	CHECK_STR(proto_get(q, "c"), "d");
	proto_reader_next(&r);
	CHECK(feed(&r, crlf + used, sizeof crlf - 1 - used, &complete) ==
	      sizeof crlf - 1 - used);
	CHECK(complete);
	CHECK_STR(proto_get(proto_reader_request(&r), "e"), "f");
	proto_reader_next(&r);

	/* a line of white space only ends the request */
	used = feed(&r, ws, sizeof ws - 1, &complete);
	CHECK(used == strlen("a=b\n \t\r\n"));
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == 1);
	CHECK_STR(proto_get(q, "a"), "b");
	proto_reader_next(&r);
	CHECK(feed(&r, ws + used, sizeof ws - 1 - used, &complete) ==
	      sizeof ws - 1 - used);
	CHECK(complete);
	CHECK(proto_reader_request(&r)->nattrs == 1);
	CHECK_STR(proto_get(proto_reader_request(&r), "c"), "d");
	proto_reader_next(&r);

	/* an empty line alone is an empty request (spf-engine answers it) */
	CHECK(feed(&r, "\n\n", 2, &complete) == 1);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == 0 && q->bad_lines == 0 && !q->malformed);
	proto_reader_next(&r);
	CHECK(feed(&r, "\r\n", 2, &complete) == 2);
	CHECK(complete);
	CHECK(proto_reader_request(&r)->nattrs == 0);
	proto_reader_free(&r);
}

static void test_pipelined(void)
{
	static const char two[] =
		"request=smtpd_access_policy\ninstance=1\nsender=a@b\n\n"
		"request=smtpd_access_policy\ninstance=2\nsender=c@d\n\n";
	size_t first = strlen("request=smtpd_access_policy\ninstance=1\n"
			      "sender=a@b\n\n");
	struct proto_reader r;
	int complete;
	size_t used;

	proto_reader_init(&r);
	used = feed(&r, two, sizeof two - 1, &complete);
	CHECK(used == first);
	CHECK(complete);
	CHECK_STR(proto_get(proto_reader_request(&r), "instance"), "1");
	CHECK_STR(proto_get(proto_reader_request(&r), "sender"), "a@b");
	proto_reader_next(&r);
	CHECK(!proto_reader_partial(&r));
	used = feed(&r, two + first, sizeof two - 1 - first, &complete);
	CHECK(used == sizeof two - 1 - first);
	CHECK(complete);
	CHECK_STR(proto_get(proto_reader_request(&r), "instance"), "2");
	CHECK_STR(proto_get(proto_reader_request(&r), "sender"), "c@d");
	proto_reader_next(&r);
	CHECK(feed(&r, "", 0, &complete) == 0);
	CHECK(!complete);
	CHECK(!proto_reader_partial(&r));
	proto_reader_free(&r);
}

static void test_split(void)
{
	spfc_buf whole, part;
	size_t chunk;
	int same = 1;

	spfc_buf_init(&whole, 0);
	parse_all(&whole, sample, sizeof sample - 1, 0);
	spfc_buf_init(&part, 0);
	parse_all(&part, sample, sizeof sample - 1, 1);
	CHECK_STR(spfc_buf_str(&part), spfc_buf_str(&whole));
	spfc_buf_free(&part);
	spfc_buf_free(&whole);

	spfc_buf_init(&whole, 0);
	parse_all(&whole, stream, sizeof stream - 1, 0);
	CHECK_STR(spfc_buf_str(&whole),
		  "request=smtpd_access_policy\n"
		  "protocol_state= RCPT\n"
		  "sender=again@example.org\n"
		  "sasl_username=a=b==\n"
		  "client_address= 192.0.2.1\n"
		  "k=a\\0b\\0c\n"
		  "#bad=2 malformed=-\n\n"
		  "#bad=0 malformed=-\n\n"
		  "queue_id=ABC123\n"
		  "helo_name=mail.example.com\n"
		  "#bad=0 malformed=-\n\n"
		  "only=one\n"
		  "#bad=0 malformed=-\n\n"
		  "clean\n");
	for (chunk = 1; chunk <= sizeof stream; chunk++) {
		spfc_buf_init(&part, 0);
		parse_all(&part, stream, sizeof stream - 1, chunk);
		if (strcmp(spfc_buf_str(&part), spfc_buf_str(&whole)) != 0) {
			fprintf(stderr, "chunk %zu differs:\n%s", chunk,
				spfc_buf_str(&part));
			same = 0;
		}
		spfc_buf_free(&part);
	}
	CHECK(same);
	spfc_buf_free(&whole);
}

static void test_long_line(void)
{
	struct proto_reader r;
	const struct proto_request *q;
	spfc_buf in;
	int complete;
	size_t used, i;

	/* exactly PROTO_LINE_MAX bytes is accepted */
	spfc_buf_init(&in, 0);
	spfc_buf_adds(&in, "a=");
	for (i = 2; i < PROTO_LINE_MAX; i++)
		spfc_buf_addc(&in, 'Y');
	spfc_buf_adds(&in, "\n\n");
	proto_reader_init(&r);
	CHECK(feed(&r, in.data, in.len, &complete) == in.len);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(!q->malformed);
	CHECK(q->nattrs == 1 && q->attrs[0].vlen == PROTO_LINE_MAX - 2);
	CHECK(q->attrs[0].value[0] == 'y');
	proto_reader_next(&r);

	/* one more is too long, whether it comes whole or in pieces */
	spfc_buf_reset(&in);
	spfc_buf_adds(&in, "a=b\nx=");
	for (i = 2; i < PROTO_LINE_MAX + 1; i++)
		spfc_buf_addc(&in, 'y');
	spfc_buf_adds(&in, "\nc=d\n\ne=f\n\n");
	used = feed(&r, in.data, in.len, &complete);
	CHECK(used == in.len - strlen("e=f\n\n"));
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->malformed);
	CHECK_STR(q->why, "line too long");
	CHECK_STR(proto_get(q, "a"), "b");	/* read before the limit */
	CHECK(proto_get(q, "x") == NULL);
	CHECK(proto_get(q, "c") == NULL);	/* the rest is skipped */
	proto_reader_next(&r);
	CHECK(feed(&r, in.data + used, in.len - used, &complete) ==
	      in.len - used);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(!q->malformed && q->why == NULL);
	CHECK_STR(proto_get(q, "e"), "f");
	proto_reader_next(&r);

	{
		spfc_buf a, b;

		spfc_buf_init(&a, 0);
		spfc_buf_init(&b, 0);
		parse_all(&a, in.data, in.len, 0);
		parse_all(&b, in.data, in.len, 1000);
		CHECK_STR(spfc_buf_str(&b), spfc_buf_str(&a));
		spfc_buf_reset(&b);
		parse_all(&b, in.data, in.len, 1);
		CHECK_STR(spfc_buf_str(&b), spfc_buf_str(&a));
		spfc_buf_free(&a);
		spfc_buf_free(&b);
	}

	/* an over-long line of white space is still an empty line */
	spfc_buf_reset(&in);
	spfc_buf_adds(&in, "a=b\n");
	for (i = 0; i < PROTO_LINE_MAX + 10; i++)
		spfc_buf_addc(&in, i % 2 ? ' ' : '\t');
	spfc_buf_adds(&in, "\nc=d\n\n");
	used = feed(&r, in.data, in.len, &complete);
	CHECK(used == in.len - strlen("c=d\n\n"));
	CHECK(complete);
	CHECK(proto_reader_request(&r)->malformed);
	proto_reader_next(&r);
	CHECK(feed(&r, in.data + used, in.len - used, &complete) ==
	      in.len - used);
	CHECK(complete && !proto_reader_request(&r)->malformed);
	CHECK_STR(proto_get(proto_reader_request(&r), "c"), "d");
	proto_reader_free(&r);
	spfc_buf_free(&in);
}

static void test_flood(void)
{
	/* chunks smaller than a line, so the line buffer fills first */
	enum { CHUNK = 3000, TOTAL = 10 * 1024 * 1024 };
	struct proto_reader r;
	const struct proto_request *q;
	char *junk = malloc(CHUNK);
	size_t fed = 0, maxcap = 0;
	int complete, ok = 1;

	CHECK(junk != NULL);
	if (!junk)
		return;
	memset(junk, 'x', CHUNK);
	junk[10] = '=';
	proto_reader_init(&r);
	CHECK(feed(&r, "a=b\n", 4, &complete) == 4 && !complete);
	while (fed < TOTAL) {
		if (feed(&r, junk, CHUNK, &complete) != CHUNK || complete)
			ok = 0;
		if (r.line.cap > maxcap)
			maxcap = r.line.cap;
		fed += CHUNK;
	}
	CHECK(ok);
	CHECK(maxcap > 0 && maxcap <= PROTO_LINE_MAX + 1);
	CHECK(r.line.len <= PROTO_LINE_MAX);
	CHECK(proto_reader_partial(&r));
	CHECK(feed(&r, "\n\n", 2, &complete) == 2);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->malformed);
	CHECK_STR(q->why, "line too long");
	CHECK_STR(proto_get(q, "a"), "b");
	proto_reader_next(&r);
	CHECK(r.line.cap <= PROTO_LINE_MAX + 1);

	/* many short lines: bounded by the request limit */
	fed = 0;
	ok = 1;
	for (fed = 0; fed < 4096; fed++) {
		char line[64];
		size_t n = 0, v = fed;

		line[n++] = 'n';
		do {
			line[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		line[n++] = '=';
		memset(line + n, 'v', 40);
		n += 40;
		line[n++] = '\n';
		if (feed(&r, line, n, &complete) != n || complete)
			ok = 0;
	}
	CHECK(ok);
	CHECK(feed(&r, "\n", 1, &complete) == 1 && complete);
	q = proto_reader_request(&r);
	CHECK(q->malformed);
	CHECK(q->nattrs <= PROTO_ATTR_MAX);
	proto_reader_free(&r);
	free(junk);
}

static void test_limits(void)
{
	struct proto_reader r;
	const struct proto_request *q;
	spfc_buf in;
	int complete;
	size_t i, stored;

	/* PROTO_ATTR_MAX names, then more: the extra ones are not kept */
	spfc_buf_init(&in, 0);
	for (i = 0; i < PROTO_ATTR_MAX + 44; i++) {
		spfc_buf_adds(&in, "a");
		spfc_buf_addu(&in, i);
		spfc_buf_adds(&in, "=V\n");
	}
	spfc_buf_adds(&in, "\nnext=1\n\n");
	proto_reader_init(&r);
	CHECK(feed(&r, in.data, in.len, &complete) ==
	      in.len - strlen("next=1\n\n"));
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->malformed);
	CHECK_STR(q->why, "too many attributes");
	CHECK(q->nattrs == PROTO_ATTR_MAX);
	CHECK_STR(proto_get(q, "a0"), "v");
	CHECK_STR(proto_get(q, "a255"), "v");
	CHECK(proto_get(q, "a256") == NULL);
	CHECK(proto_get(q, "a299") == NULL);
	proto_reader_next(&r);
	CHECK(feed(&r, "next=1\n\n", 8, &complete) == 8 && complete);
	CHECK(!proto_reader_request(&r)->malformed);
	proto_reader_next(&r);

	/* exactly PROTO_ATTR_MAX is fine */
	spfc_buf_reset(&in);
	for (i = 0; i < PROTO_ATTR_MAX; i++) {
		spfc_buf_adds(&in, "a");
		spfc_buf_addu(&in, i);
		spfc_buf_adds(&in, "=v\n");
	}
	spfc_buf_adds(&in, "\n");
	CHECK(feed(&r, in.data, in.len, &complete) == in.len && complete);
	q = proto_reader_request(&r);
	CHECK(!q->malformed && q->nattrs == PROTO_ATTR_MAX);
	proto_reader_next(&r);

	/* a repeated name is one attribute: the last value wins, in the
	 * first one's place */
	spfc_buf_reset(&in);
	spfc_buf_adds(&in, "sender=first\nx=1\n");
	for (i = 0; i < 2 * PROTO_ATTR_MAX; i++)
		spfc_buf_adds(&in, "sender=again\n");
	spfc_buf_adds(&in, "sender=LAST\n\n");
	CHECK(feed(&r, in.data, in.len, &complete) == in.len && complete);
	q = proto_reader_request(&r);
	CHECK(!q->malformed);
	CHECK(q->nattrs == 2);
	CHECK_STR(q->attrs[0].name, "sender");
	CHECK_STR(proto_get(q, "sender"), "last");
	proto_reader_next(&r);

	/* more than PROTO_REQUEST_MAX bytes */
	spfc_buf_reset(&in);
	for (i = 0; i < 20; i++) {
		size_t j;

		spfc_buf_adds(&in, "n");
		spfc_buf_addu(&in, i);
		spfc_buf_addc(&in, '=');
		for (j = 0; j < 4000; j++)
			spfc_buf_addc(&in, 'v');
		spfc_buf_addc(&in, '\n');
	}
	spfc_buf_adds(&in, "\nok=1\n\n");
	CHECK(feed(&r, in.data, in.len, &complete) ==
	      in.len - strlen("ok=1\n\n"));
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->malformed);
	CHECK_STR(q->why, "request too large");
	stored = 0;
	for (i = 0; i < q->nattrs; i++)
		stored += strlen(q->attrs[i].name) + q->attrs[i].vlen + 2;
	CHECK(stored <= PROTO_REQUEST_MAX);
	CHECK(q->nattrs >= 15 && q->nattrs < 20);
	CHECK(proto_get(q, "n19") == NULL);
	proto_reader_next(&r);
	CHECK(feed(&r, "ok=1\n\n", 6, &complete) == 6 && complete);
	CHECK(!proto_reader_request(&r)->malformed);
	CHECK_STR(proto_get(proto_reader_request(&r), "ok"), "1");
	proto_reader_free(&r);
	spfc_buf_free(&in);
}

static void test_nul(void)
{
	static const char in[] = "k=a\0B\0\nn\0x=1\nn=2\n\n";
	struct proto_reader r;
	const struct proto_request *q;
	int complete;

	proto_reader_init(&r);
	CHECK(feed(&r, in, sizeof in - 1, &complete) == sizeof in - 1);
	CHECK(complete);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == 3);
	CHECK(q->attrs[0].vlen == 4);
	CHECK(memcmp(q->attrs[0].value, "a\0b\0", 5) == 0);
	/* a name holding NUL is its own name, not a prefix of another */
	CHECK_STR(proto_get(q, "n"), "2");
	proto_reader_free(&r);
}

static void test_reply(void)
{
	static const char nul[] = "reject x\0y\r\n";
	spfc_buf out;

	spfc_buf_init(&out, 0);
	proto_reply(&out, "dunno");
	CHECK_STR(spfc_buf_str(&out), "action=dunno\n\n");
	proto_reply(&out, "550 5.7.23 a\r\nb\rc\nd\n");
	CHECK_STR(spfc_buf_str(&out),
		  "action=dunno\n\naction=550 5.7.23 a  b c d \n\n");
	spfc_buf_reset(&out);
	proto_reply(&out, nul);
	CHECK_STR(spfc_buf_str(&out), "action=reject x\n\n");
	CHECK(out.len == strlen("action=reject x\n\n"));
	spfc_buf_reset(&out);
	proto_reply(&out, "\n\n");
	CHECK_STR(spfc_buf_str(&out), "action=  \n\n");
	spfc_buf_reset(&out);
	proto_reply(&out, NULL);
	CHECK_STR(spfc_buf_str(&out), "action=dunno\n\n");
	spfc_buf_reset(&out);
	proto_reply(&out, "prepend Received-SPF: Pass (mailfrom) x ");
	CHECK_STR(spfc_buf_str(&out),
		  "action=prepend Received-SPF: Pass (mailfrom) x \n\n");
	spfc_buf_free(&out);
}

static void test_partial(void)
{
	struct proto_reader r;
	int complete;

	proto_reader_init(&r);
	CHECK(!proto_reader_partial(&r));
	CHECK(feed(&r, "a", 1, &complete) == 1 && !complete);
	CHECK(proto_reader_partial(&r));
	CHECK(feed(&r, "=b", 2, &complete) == 2 && !complete);
	CHECK(proto_reader_partial(&r));
	CHECK(feed(&r, "\n", 1, &complete) == 1 && !complete);
	CHECK(proto_reader_partial(&r));
	CHECK(feed(&r, "\n", 1, &complete) == 1 && complete);
	CHECK(!proto_reader_partial(&r));
	proto_reader_next(&r);
	CHECK(!proto_reader_partial(&r));

	/* white space waiting for its newline is not a request */
	CHECK(feed(&r, " \t\r", 3, &complete) == 3 && !complete);
	CHECK(!proto_reader_partial(&r));
	CHECK(feed(&r, "x", 1, &complete) == 1 && !complete);
	CHECK(proto_reader_partial(&r));
	proto_reader_next(&r);
	CHECK(!proto_reader_partial(&r));

	/* the request read so far is visible for logging */
	CHECK(feed(&r, "client_address=192.0.2.1\nhelo", 29, &complete) ==
	      29);
	CHECK(!complete);
	CHECK(proto_reader_partial(&r));
	CHECK_STR(proto_get(proto_reader_request(&r), "client_address"),
		  "192.0.2.1");
	proto_reader_free(&r);

	/* freeing twice is harmless */
	proto_reader_init(&r);
	proto_reader_free(&r);
	proto_reader_free(&r);
}

/* Append n attributes "<prefix><i>=<vlen bytes>" to in. */
static void add_attrs(spfc_buf *in, const char *prefix, size_t n,
		      size_t vlen)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		spfc_buf_adds(in, prefix);
		spfc_buf_addu(in, i);
		spfc_buf_addc(in, '=');
		for (j = 0; j < vlen; j++)
			spfc_buf_addc(in, (char)('A' + j % 26));
		spfc_buf_addc(in, '\n');
	}
}

/* Every attribute is "name\0value\0" in the reader's arena. */
static int in_arena(const struct proto_reader *r)
{
	const struct proto_request *q = proto_reader_request(r);
	size_t i;

	for (i = 0; i < q->nattrs; i++) {
		const struct proto_attr *a = &q->attrs[i];

		if (a->name < r->arena || a->value <= a->name ||
		    a->value + a->vlen >= r->arena + r->arena_len ||
		    a->value[-1] != '\0' || a->value[a->vlen] != '\0')
			return 0;
	}
	return r->arena_len <= r->arena_cap;
}

static void test_reuse(void)
{
	struct proto_reader r;
	const struct proto_request *q;
	spfc_buf in;
	const char *arena;
	const struct proto_attr *attrs;
	size_t used, i, cap;
	int complete, same = 1;

	/* a connection's steady state allocates nothing */
	proto_reader_init(&r);
	CHECK(feed(&r, sample, sizeof sample - 1, &complete) ==
	      sizeof sample - 1 && complete);
	CHECK(in_arena(&r));
	arena = r.arena;
	attrs = r.req.attrs;
	cap = r.arena_cap;
	CHECK(arena != NULL && attrs != NULL);
	for (i = 0; i < 100; i++) {
		proto_reader_next(&r);
		CHECK(r.arena_len == 0);
		if (feed(&r, sample, sizeof sample - 1, &complete) !=
		    sizeof sample - 1 || !complete)
			same = 0;
		q = proto_reader_request(&r);
		if (r.arena != arena || q->attrs != attrs ||
		    q->nattrs != SAMPLE_NATTRS ||
		    strcmp(proto_get(q, "protocol_state"), "RCPT") != 0 ||
		    strcmp(proto_get(q, "ccert_issuer"),
			   "wietse+20venema") != 0)
			same = 0;
	}
	CHECK(same);
	proto_reader_next(&r);

	/* the request read so far stays readable while the arena moves */
	spfc_buf_init(&in, 0);
	spfc_buf_adds(&in, "client_address=192.0.2.1\nSender=A@B\n");
	add_attrs(&in, "x", 40, 300);
	spfc_buf_adds(&in, "sender=Last@B\nhelo");
	used = feed(&r, in.data, in.len, &complete);
	CHECK(used == in.len && !complete);
	CHECK(r.arena_cap > cap);	/* it grew, and moved */
	q = proto_reader_request(&r);
	CHECK(in_arena(&r));
	CHECK(q->nattrs == 43);
	CHECK_STR(q->attrs[0].name, "client_address");
	CHECK_STR(proto_get(q, "client_address"), "192.0.2.1");
	CHECK_STR(q->attrs[1].name, "Sender");
	CHECK_STR(proto_get(q, "sender"), "last@b");
	CHECK(q->attrs[41].vlen == 300 && q->attrs[41].value[0] == 'a');
	/* a repeat after the move: its first place, the last value */
	CHECK(feed(&r, "_name=x\nclient_address=10.0.0.1\n\n", 33,
		   &complete) == 33 && complete);
	q = proto_reader_request(&r);
	CHECK(in_arena(&r));
	CHECK(q->nattrs == 44);
	CHECK_STR(q->attrs[0].name, "client_address");
	CHECK_STR(q->attrs[0].value, "10.0.0.1");
	CHECK_STR(proto_get(q, "helo_name"), "x");
	/* a few KiB: kept for the next request */
	CHECK(r.arena_cap <= 16384);
	arena = r.arena;
	proto_reader_next(&r);
	CHECK(r.arena == arena);
	proto_reader_next(&r);

	/* a large request: its arena is given back by next() */
	spfc_buf_reset(&in);
	add_attrs(&in, "big", 30, 1500);
	spfc_buf_adds(&in, "\n");
	CHECK(feed(&r, in.data, in.len, &complete) == in.len && complete);
	CHECK(!proto_reader_request(&r)->malformed);
	CHECK(in_arena(&r));
	CHECK(r.arena_cap > 16384 && r.arena_cap <= PROTO_REQUEST_MAX);
	proto_reader_next(&r);
	CHECK(r.arena == NULL && r.arena_cap == 0 && r.arena_len == 0);
	CHECK(r.req.attrs != NULL);	/* 30 entries: kept */

	/* many attributes: the array is given back too */
	spfc_buf_reset(&in);
	add_attrs(&in, "a", 100, 1);
	spfc_buf_adds(&in, "\n");
	CHECK(feed(&r, in.data, in.len, &complete) == in.len && complete);
	CHECK(proto_reader_request(&r)->nattrs == 100);
	CHECK(r.attrs_cap >= 100);
	proto_reader_next(&r);
	CHECK(r.req.attrs == NULL && r.attrs_cap == 0);
	CHECK(proto_reader_request(&r)->nattrs == 0);

	/* and the reader works on as before */
	CHECK(feed(&r, sample, sizeof sample - 1, &complete) ==
	      sizeof sample - 1 && complete);
	q = proto_reader_request(&r);
	CHECK(q->nattrs == SAMPLE_NATTRS && in_arena(&r));
	CHECK_STR(proto_get(q, "mail_version"), "3.8.0");
	proto_reader_next(&r);

	/* the arena stays within PROTO_REQUEST_MAX however the request
	 * passes it: many small lines, a repeated name, big values */
	spfc_buf_reset(&in);
	for (i = 0; i < 3 * PROTO_ATTR_MAX; i++)
		spfc_buf_adds(&in, "sender=Again@Example.ORG\n");
	add_attrs(&in, "v", 60, 3000);
	spfc_buf_adds(&in, "\n");
	CHECK(feed(&r, in.data, in.len, &complete) == in.len && complete);
	q = proto_reader_request(&r);
	CHECK(q->malformed);
	CHECK_STR(q->why, "request too large");
	CHECK(in_arena(&r));
	CHECK(r.arena_len <= PROTO_REQUEST_MAX);
	CHECK(r.arena_cap <= PROTO_REQUEST_MAX);
	CHECK_STR(proto_get(q, "sender"), "again@example.org");
	proto_reader_next(&r);
	CHECK(r.arena == NULL);
	proto_reader_free(&r);
	CHECK(r.arena == NULL && r.req.attrs == NULL);
	spfc_buf_free(&in);
}

int main(void)
{
	test_sample();
	test_case();
	test_spacing();
	test_bad_lines();
	test_line_ends();
	test_pipelined();
	test_split();
	test_long_line();
	test_flood();
	test_limits();
	test_nul();
	test_reply();
	test_partial();
	test_reuse();
	return DONE();
}
