/*
 * dnswire.c - the bounded reader of DNS answer messages (dnswire.h).
 *
 * What it is for: everything the c-ares backend takes from an answer is
 * read here, from the raw message, with every offset checked against its
 * length: names (compression pointers only backwards, at most
 * DNS_POINTERS_MAX of them, at most 255 octets), the answer section's
 * records, the CNAME chain by owner, the authority SOA's negative TTL and
 * the RDATA of the records taken.  It does no I/O and includes no c-ares
 * header.
 *
 * How it fails: a malformed message is -1 (nothing is taken from it),
 * out of memory or a text buffer at its bound is -2; nothing is left
 * allocated on failure.  No input can make it read outside the message.
 */
#include "dnswire.h"

#include <spfc/buf.h>
#include <spfc/resolver.h>

#include "common/ascii.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Limits and constants ------------------------------------------ */

/* RFC 1035 §2.3.4: labels are 63 octets or less, names 255 octets or
 * less in wire form, which is 253 characters of text without the final
 * dot. */
#define DNS_LABEL_MAX 63
#define DNS_NAME_TEXT_MAX 253
#define DNS_NAME_WIRE_MAX WIRE_NAME_MAX
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
/* RFC 2181 §8: a TTL with the top bit set is treated as zero. */
#define DNS_TTL_MAX 0x7FFFFFFFu
/* RFC 1035 §3.2.2 / §3.2.4 types and class used by the answer reader. */
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_CLASS_IN 1
/* RFC 1035 §3.3.13: SOA RDATA ends with five 32-bit numbers, MINIMUM last. */
#define DNS_SOA_NUMBERS 20

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

/* ---- Names --------------------------------------------------------- */

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

/* Wire names equal, ignoring ASCII case (RFC 4343).  Label length bytes
 * are at most 63 and so never folded. */
static int wname_eq(const wire_name *a, const wire_name *b)
{
	return sc_eq_nocase((const char *)a->b, a->len, (const char *)b->b,
			    b->len);
}

/* FNV-1a of a wire name, ASCII case folded (equal names, equal hashes). */
static uint32_t name_hash(const unsigned char *b, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)sc_to_lower((char)b[i]);
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

/* Check a name from the evaluator (printable ASCII, labels of 1..63, at
 * most 253 characters, one trailing dot allowed) and write the text
 * ares_query() reads: '\' escaped, since c-ares takes it as an escape. */
spfc_status wire_text_query(const char *name, spfc_buf *out)
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

		if (!sc_is_print(c))
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
	return sc_is_alnum(c) || c == '-' || c == '.' || c == '_' ||
	       c == '/' || c == '*';
}

/* Append the presentation form of wire name w (see dnswire.h).  -1
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
			if (!sc_is_print(c)) {
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

/* ---- The answer ---------------------------------------------------- */

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
