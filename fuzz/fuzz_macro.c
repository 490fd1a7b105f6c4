/*
 * fuzz_macro.c - libFuzzer target for the macro language of RFC 7208 §7
 * (src/lib/macro.c): macro_check, then macro_expand with an environment
 * taken from the input.
 *
 * Input: fields separated by NUL bytes --
 *   0 flags: byte 0 bit 0 MACRO_EXP, bit 1 MACRO_DOMAIN, bit 2 client
 *     address family 6 (the rest of the field is ignored)
 *   1 client address: its text ("192.0.2.3", "2001:db8::1"), or else up
 *     to 4 or 16 raw bytes (zero-padded) of the family the flags say
 *   2 sender  3 local-part  4 sender domain  5 current domain  6 HELO
 *   7 receiver  8 validated PTR name
 *   9 the macro-string: every byte up to the end (NULs included)
 * Missing fields are empty strings.  The environment values are any bytes
 * but NUL, as the evaluator could pass from a hostile sender or HELO.
 *
 * Rules checked:
 *  - macro_check gives the same verdict with and without a reason buffer,
 *    a non-empty reason on failure, and accepts nothing MACRO_EXP would
 *    refuse (the exp= language is a superset);
 *  - an expansion never exceeds MACRO_MAX_OUT; with MACRO_DOMAIN it is at
 *    most NAME_MAX_LEN (253) bytes and equals the expansion without
 *    MACRO_DOMAIN cut as §7.3 says (leftmost labels dropped until it fits),
 *    computed here independently;
 *  - expand appends to what the output buffer already holds;
 *  - when macro_check says %{p} is not used, the PTR name cannot change the
 *    expansion.
 *
 * How it fails: abort() on any broken rule; out of memory ends the input's
 * run quietly.
 */
#include "macro.h"
#include "name.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NFIELDS 9	/* fields before the macro-string */
#define FUZZ_WHY_MAX 512
#define FUZZ_PREFIX "pre:"	/* what the output buffer holds already */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 7208 §7.3, written independently of name_truncate(): drop the
 * leftmost labels until at most NAME_MAX_LEN bytes remain; a last label
 * longer than that leaves nothing. */
static void ref_truncate(const char *s, size_t n, const char **out,
			 size_t *outlen)
{
	while (n > NAME_MAX_LEN) {
		const char *dot = memchr(s, '.', n);

		if (!dot) {
			n = 0;
			break;
		}
		n -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	*out = s;
	*outlen = n;
}

/* Expand into a buffer that already holds FUZZ_PREFIX; returns the rc,
 * checks the prefix is kept and the bound on the total. */
static int expand(const char *m, size_t mlen, const struct macro_env *env,
		  unsigned flags, spfc_buf *out)
{
	int rc;

	spfc_buf_init(out, 0);
	spfc_buf_adds(out, FUZZ_PREFIX);
	rc = macro_expand(m, mlen, env, flags, out);
	if (out->err == SPFC_ENOMEM)
		return -2;
	if (rc == 0 && out->err)
		abort();
	if (out->len < sizeof FUZZ_PREFIX - 1 ||
	    memcmp(out->data, FUZZ_PREFIX, sizeof FUZZ_PREFIX - 1) != 0)
		abort();
	if (rc == 0 && out->len - (sizeof FUZZ_PREFIX - 1) > MACRO_MAX_OUT)
		abort();
	if (rc == 0 && (flags & MACRO_DOMAIN) &&
	    out->len - (sizeof FUZZ_PREFIX - 1) > NAME_MAX_LEN)
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *field[FUZZ_NFIELDS];
	size_t flen[FUZZ_NFIELDS], i, mlen, tlen;
	const char *m, *t;
	unsigned flags = 0;
	spfc_addr ip;
	struct macro_env env;
	spfc_buf why, a, b;
	int uses_p = 0, uses_p2 = 0, ok, ok2, rc, rc2;

	memset(field, 0, sizeof field);
	for (i = 0; i < FUZZ_NFIELDS; i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);

		field[i] = malloc(n + 1);
		if (!field[i])
			goto out;
		memcpy(field[i], p, n);
		field[i][n] = '\0';
		flen[i] = n;
		p += n;
		if (p < end)
			p++;	/* the NUL */
	}
	m = p;
	mlen = (size_t)(end - p);

	if (flen[0])
		flags = (unsigned char)field[0][0] & (MACRO_EXP | MACRO_DOMAIN);
	if (spfc_addr_parse(field[1], &ip) != SPFC_OK) {
		memset(&ip, 0, sizeof ip);
		ip.family = flen[0] && (field[0][0] & 4) ? 6 : 4;
		memcpy(ip.b, field[1], flen[1] < 16 ? flen[1] : 16);
		if (ip.family == 4)
			memset(ip.b + 4, 0, 12);
	}

	memset(&env, 0, sizeof env);
	env.ip = &ip;
	env.sender = field[2];
	env.local = field[3];
	env.sdomain = field[4];
	env.domain = field[5];
	env.helo = field[6];
	env.receiver = field[7];
	env.pname = field[8];
	env.now = 1234567890;

	spfc_buf_init(&why, FUZZ_WHY_MAX);
	ok = macro_check(m, mlen, flags, &uses_p, &why) == 0;
	if (!ok && why.len == 0 && !why.err)
		abort();
	ok2 = macro_check(m, mlen, flags, &uses_p2, NULL) == 0;
	if (ok != ok2 || (ok && uses_p != uses_p2))
		abort();
	if (ok && !(flags & MACRO_EXP) &&
	    macro_check(m, mlen, flags | MACRO_EXP, &uses_p2, NULL) != 0)
		abort();
	spfc_buf_free(&why);
	if (!ok)
		goto out;

	rc = expand(m, mlen, &env, flags, &a);
	if (rc == -2)
		goto free_a;
	rc2 = expand(m, mlen, &env, flags & ~MACRO_DOMAIN, &b);
	if (rc2 == -2)
		goto free_b;
	if (rc != rc2)
		abort();	/* truncation comes after the bound */
	if (rc == 0 && (flags & MACRO_DOMAIN)) {
		ref_truncate(b.data + sizeof FUZZ_PREFIX - 1,
			     b.len - (sizeof FUZZ_PREFIX - 1), &t, &tlen);
		if (a.len - (sizeof FUZZ_PREFIX - 1) != tlen ||
		    memcmp(a.data + sizeof FUZZ_PREFIX - 1, t, tlen) != 0)
			abort();
	}
	if (!uses_p) {
		/* %{p} unused: another PTR name changes nothing */
		spfc_buf c;

		env.pname = "p.example";
		rc2 = expand(m, mlen, &env, flags, &c);
		if (rc2 != -2 && (rc2 != rc ||
				  (rc == 0 && (c.len != a.len ||
					       memcmp(c.data, a.data, a.len)))))
			abort();
		spfc_buf_free(&c);
	}
free_b:
	spfc_buf_free(&b);
free_a:
	spfc_buf_free(&a);
out:
	for (i = 0; i < FUZZ_NFIELDS; i++)
		free(field[i]);
	return 0;
}
