/*
 * fuzz_proto.c - libFuzzer target for the Postfix policy protocol codec
 * (src/policyd/proto.c).
 *
 * The input is fed twice: all at once, and in pieces whose sizes come from
 * the first two bytes.  Both runs must give the same requests (feeding is
 * independent of how the bytes arrive), and every request must respect
 * the codec's rules and limits: names non-empty without '=' or white
 * space, values lower-cased where spf-engine does it, at most
 * PROTO_ATTR_MAX attributes, a line buffer that never grows past
 * PROTO_LINE_MAX + 1.  Every value is also answered with proto_reply(),
 * which must give exactly one line.
 *
 * How it fails: abort() on any broken rule, so libFuzzer reports it with
 * the input; out of memory is ignored (the run simply stops).
 */
#include "proto.h"

#include <spfc/spfc.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void check_request(const struct proto_request *q)
{
	size_t i, j;
	spfc_buf out;

	if (q->nattrs > PROTO_ATTR_MAX)
		abort();
	if (q->malformed && !q->why)
		abort();
	spfc_buf_init(&out, 0);
	for (i = 0; i < q->nattrs; i++) {
		const struct proto_attr *a = &q->attrs[i];
		size_t nlen = (size_t)(a->value - a->name) - 1;
		int keep;

		if (nlen == 0 || nlen + a->vlen > PROTO_LINE_MAX)
			abort();
		for (j = 0; j < nlen; j++)
			if (a->name[j] == '=' ||
			    is_space((unsigned char)a->name[j]))
				abort();
		if (a->value[a->vlen] != '\0')
			abort();
		if (a->vlen && is_space((unsigned char)a->value[a->vlen - 1]))
			abort();
		keep = (nlen == 14 && !memcmp(a->name, "protocol_state", 14)) ||
		       (nlen == 13 && !memcmp(a->name, "protocol_name", 13)) ||
		       (nlen == 8 && !memcmp(a->name, "queue_id", 8));
		for (j = 0; j < a->vlen && !keep; j++)
			if (a->value[j] >= 'A' && a->value[j] <= 'Z')
				abort();
		/* a repeated name is stored once */
		for (j = 0; j < i; j++) {
			const struct proto_attr *b = &q->attrs[j];

			if ((size_t)(b->value - b->name) - 1 == nlen &&
			    !memcmp(a->name, b->name, nlen))
				abort();
		}
		if (!memchr(a->name, '\0', nlen) &&
		    proto_get(q, a->name) != a->value)
			abort();

		spfc_buf_reset(&out);
		proto_reply(&out, a->value);
		if (out.err)
			continue;
		if (out.len < 9 || memcmp(out.data, "action=", 7) != 0 ||
		    memchr(out.data, '\r', out.len) ||
		    memchr(out.data, '\n', out.len) != out.data + out.len - 2 ||
		    out.data[out.len - 1] != '\n')
			abort();
	}
	spfc_buf_free(&out);
}

/* Feed data in pieces of `step` bytes (0: all at once); the requests go to
 * out as text.  Returns -1 on out of memory. */
static int run(spfc_buf *out, const char *data, size_t len, size_t step)
{
	struct proto_reader r;
	size_t pos = 0;
	int rc = 0;

	proto_reader_init(&r);
	while (pos < len) {
		size_t n = step && step < len - pos ? step : len - pos;
		size_t off = 0;

		while (off < n) {
			int complete;
			size_t used = proto_feed(&r, data + pos + off, n - off,
						 &complete);
			const struct proto_request *q;
			size_t i;

			if (used == (size_t)-1) {
				/* only out of memory may fail a feed */
				if (r.line.err && r.line.err != SPFC_ENOMEM)
					abort();
				rc = -1;
				goto done;
			}
			if (used > n - off || r.line.cap > PROTO_LINE_MAX + 1)
				abort();
			off += used;
			if (!complete) {
				if (off != n)
					abort();
				continue;
			}
			if (proto_reader_partial(&r))
				abort();
			q = proto_reader_request(&r);
			check_request(q);
			for (i = 0; i < q->nattrs; i++) {
				spfc_buf_adds(out, q->attrs[i].name);
				spfc_buf_addc(out, '=');
				spfc_buf_add(out, q->attrs[i].value,
					     q->attrs[i].vlen);
				spfc_buf_addc(out, '\n');
			}
			spfc_buf_addu(out, q->bad_lines);
			spfc_buf_adds(out, q->malformed ? q->why : "-");
			spfc_buf_addc(out, '\n');
			proto_reader_next(&r);
			if (proto_reader_partial(&r))
				abort();
		}
		pos += n;
	}
	spfc_buf_addc(out, proto_reader_partial(&r) ? 'P' : 'C');
done:
	proto_reader_free(&r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spfc_buf a, b;
	size_t step;

	if (size < 2)
		return 0;
	step = (size_t)data[0] | (size_t)(data[1] & 0x3f) << 8;
	data += 2;
	size -= 2;
	spfc_buf_init(&a, (size_t)1 << 24);
	spfc_buf_init(&b, (size_t)1 << 24);
	if (run(&a, (const char *)data, size, 0) == 0 &&
	    run(&b, (const char *)data, size, step ? step : 1) == 0 &&
	    !a.err && !b.err &&
	    (a.len != b.len || memcmp(a.data, b.data, a.len) != 0))
		abort();
	spfc_buf_free(&a);
	spfc_buf_free(&b);
	return 0;
}
