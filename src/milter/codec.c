/*
 * codec.c - the milter packet decoder, command parser, option negotiation
 * and reply encoder of codec.h.
 *
 * The decoder holds the 5 header bytes and then the payload in a buffer
 * of its own, one byte longer than the payload so that it always ends in
 * a NUL; the parser does not rely on that NUL (every string is checked to
 * end inside the packet), it only keeps a stray strlen() from running
 * off.  The buffer grows to the largest packet seen, at most
 * MILTER_DATA_MAX + 1 bytes, and goes back to BUF_KEEP bytes after a
 * bigger packet, so an idle connection holds little.
 */
#include "codec.h"

#include <spfc/spfc.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BUF_KEEP 4096

static const char *const err_text[] = {
	[0] = "no error",
	[-MILTER_E_LENGTH] = "packet of length 0",
	[-MILTER_E_TOOBIG] = "packet too large",
	[-MILTER_E_NOMEM] = "out of memory",
	[-MILTER_E_SHORT] = "packet too short",
	[-MILTER_E_STRING] = "string not terminated",
	[-MILTER_E_MACROS] = "bad or too many macros",
	[-MILTER_E_ARGS] = "bad or too many arguments",
	[-MILTER_E_FAMILY] = "unknown address family",
	[-MILTER_E_ADDRESS] = "bad client address",
	[-MILTER_E_COMMAND] = "unknown command",
	[-MILTER_E_VERSION] = "protocol version too old",
	[-MILTER_E_ACTIONS] = "MTA does not offer the actions needed",
	[-MILTER_E_ORDER] = "command before option negotiation",
	[-MILTER_E_REPLY] = "reply or action not allowed here",
	[-MILTER_E_OUTPUT] = "output buffer full",
};

const char *milter_strerror(int err)
{
	if (err > 0 || (size_t)-err >= sizeof err_text / sizeof err_text[0])
		return "unknown error";
	return err_text[-err];
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* ---- decoder ---- */

void milter_decoder_init(struct milter_decoder *d)
{
	memset(d, 0, sizeof *d);
}

void milter_decoder_free(struct milter_decoder *d)
{
	free(d->buf);
	memset(d, 0, sizeof *d);
}

int milter_decoder_partial(const struct milter_decoder *d)
{
	return d->head_len > 0;
}

/* The header is complete: check the length and make room. */
static int start_payload(struct milter_decoder *d)
{
	uint32_t len = get32(d->head);

	if (len == 0)
		return d->err = MILTER_E_LENGTH;
	if (len - 1 > MILTER_DATA_MAX)
		return d->err = MILTER_E_TOOBIG;
	d->need = len - 1;
	d->have = 0;
	if (d->cap < d->need + 1) {
		unsigned char *nb = malloc(d->need + 1);

		if (!nb)
			return d->err = MILTER_E_NOMEM;
		free(d->buf);
		d->buf = nb;
		d->cap = d->need + 1;
	}
	return 0;
}

/* Forget the packet handed out last, shrinking a big buffer. */
static void end_packet(struct milter_decoder *d)
{
	d->head_len = 0;
	d->need = d->have = 0;
	if (d->cap > BUF_KEEP) {
		free(d->buf);
		d->buf = NULL;
		d->cap = 0;
	}
}

static size_t take(unsigned char *dst, size_t want, const unsigned char **p,
		   size_t *n)
{
	size_t k = want < *n ? want : *n;

	memcpy(dst, *p, k);
	*p += k;
	*n -= k;
	return k;
}

int milter_decoder_feed(struct milter_decoder *d, const unsigned char **p,
			size_t *n, struct milter_packet *pkt)
{
	if (d->err)
		return d->err;
	if (d->head_len == sizeof d->head && d->have == d->need)
		end_packet(d);	/* the previous packet was handed out */
	while (d->head_len < sizeof d->head) {
		if (*n == 0)
			return 0;
		d->head_len += take(d->head + d->head_len,
				    sizeof d->head - d->head_len, p, n);
		if (d->head_len == sizeof d->head && start_payload(d))
			return d->err;
	}
	d->have += take(d->buf + d->have, d->need - d->have, p, n);
	if (d->have < d->need)
		return 0;
	d->buf[d->need] = '\0';
	pkt->cmd = (char)d->head[MILTER_LEN_BYTES];
	pkt->data = d->buf;
	pkt->len = d->need;
	return 1;
}

/* ---- parser ---- */

/* The string at data[*off]; *off moves past its NUL.  NULL when it has
 * none inside the packet. */
static const char *next_str(const unsigned char *data, size_t len,
			    size_t *off)
{
	const unsigned char *s = data + *off, *nul;

	if (*off >= len)
		return NULL;
	nul = memchr(s, '\0', len - *off);
	if (!nul)
		return NULL;
	*off = (size_t)(nul - data) + 1;
	return (const char *)s;
}

static int parse_optneg(const struct milter_packet *pkt,
			struct milter_optneg *o)
{
	if (pkt->len < 3 * MILTER_LEN_BYTES)
		return MILTER_E_SHORT;
	o->version = get32(pkt->data);
	o->actions = get32(pkt->data + 4);
	o->protocol = get32(pkt->data + 8);
	return 0;
}

static int parse_macros(const struct milter_packet *pkt,
			struct milter_macros *m)
{
	size_t off = 1;

	if (pkt->len < 1)
		return MILTER_E_SHORT;
	m->stage = (char)pkt->data[0];
	m->count = 0;
	while (off < pkt->len) {
		struct milter_macro *e;

		if (m->count == MILTER_MACROS_MAX)
			return MILTER_E_MACROS;
		e = &m->list[m->count];
		e->name = next_str(pkt->data, pkt->len, &off);
		if (!e->name)
			return MILTER_E_STRING;
		if (off >= pkt->len)
			return MILTER_E_MACROS;		/* a name alone */
		e->value = next_str(pkt->data, pkt->len, &off);
		if (!e->value)
			return MILTER_E_STRING;
		m->count++;
	}
	return 0;
}

static int strip_ipv6_prefix(const char **addr)
{
	if (strncasecmp(*addr, "IPv6:", 5) != 0)
		return 0;
	*addr += 5;
	return 1;
}

static int is_v4mapped(const unsigned char *a)
{
	static const unsigned char pre[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return memcmp(a, pre, sizeof pre) == 0;
}

/* Read an inet or inet6 address; a "%zone" suffix of inet6 is allowed
 * (and kept in the text) but not part of the binary form. */
static int parse_inet(struct milter_connect *c)
{
	char tmp[MILTER_ADDR_TEXT_MAX + 1];
	size_t n = strlen(c->address);

	if (c->family == SMFIA_INET6) {
		strip_ipv6_prefix(&c->address);
		n = strcspn(c->address, "%");
	}
	if (n == 0 || n > MILTER_ADDR_TEXT_MAX)
		return MILTER_E_ADDRESS;
	memcpy(tmp, c->address, n);
	tmp[n] = '\0';
	if (c->family == SMFIA_INET) {
		if (inet_pton(AF_INET, tmp, c->addr) != 1)
			return MILTER_E_ADDRESS;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, c->addr) != 1)
		return MILTER_E_ADDRESS;
	c->v4mapped = is_v4mapped(c->addr);
	return 0;
}

static int parse_connect(const struct milter_packet *pkt,
			 struct milter_connect *c)
{
	size_t off = 0;

	memset(c, 0, sizeof *c);
	c->hostname = next_str(pkt->data, pkt->len, &off);
	if (!c->hostname)
		return MILTER_E_STRING;
	if (off >= pkt->len)
		return MILTER_E_SHORT;
	c->family = (char)pkt->data[off++];
	c->address = "";
	if (c->family == SMFIA_UNKNOWN)
		return 0;
	if (c->family != SMFIA_INET && c->family != SMFIA_INET6 &&
	    c->family != SMFIA_UNIX)
		return MILTER_E_FAMILY;
	if (pkt->len - off < 2)
		return MILTER_E_SHORT;
	c->port = (uint16_t)(pkt->data[off] << 8 | pkt->data[off + 1]);
	off += 2;
	c->address = next_str(pkt->data, pkt->len, &off);
	if (!c->address)
		return MILTER_E_STRING;
	if (c->family == SMFIA_UNIX)
		return 0;
	return parse_inet(c);
}

/* One string filling the whole payload (HELO, UNKNOWN). */
static int parse_string(const struct milter_packet *pkt, const char **s)
{
	if (pkt->len == 0 || pkt->data[pkt->len - 1] != '\0')
		return MILTER_E_STRING;
	*s = (const char *)pkt->data;
	return 0;
}

static int parse_args(const struct milter_packet *pkt, struct milter_args *a)
{
	size_t off = 0;

	if (pkt->len == 0)
		return MILTER_E_ARGS;
	if (pkt->data[pkt->len - 1] != '\0')
		return MILTER_E_STRING;
	a->argc = 0;
	while (off < pkt->len) {
		if (a->argc == MILTER_ARGS_MAX)
			return MILTER_E_ARGS;
		a->argv[a->argc++] = next_str(pkt->data, pkt->len, &off);
	}
	return 0;
}

static int parse_header(const struct milter_packet *pkt,
			struct milter_header *h)
{
	size_t off = 0;

	h->name = next_str(pkt->data, pkt->len, &off);
	if (!h->name)
		return MILTER_E_STRING;
	h->value = next_str(pkt->data, pkt->len, &off);
	if (!h->value)
		return MILTER_E_STRING;
	return 0;
}

int milter_parse(const struct milter_packet *pkt, struct milter_cmd *c)
{
	c->cmd = pkt->cmd;
	switch (pkt->cmd) {
	case SMFIC_OPTNEG:
		return parse_optneg(pkt, &c->u.optneg);
	case SMFIC_MACRO:
		return parse_macros(pkt, &c->u.macros);
	case SMFIC_CONNECT:
		return parse_connect(pkt, &c->u.connect);
	case SMFIC_HELO:
		return parse_string(pkt, &c->u.helo);
	case SMFIC_MAIL:
	case SMFIC_RCPT:
		return parse_args(pkt, &c->u.args);
	case SMFIC_HEADER:
		return parse_header(pkt, &c->u.header);
	case SMFIC_BODY:
	case SMFIC_BODYEOB:
		c->u.body.data = pkt->data;
		c->u.body.len = pkt->len;
		return 0;
	case SMFIC_UNKNOWN:
		return parse_string(pkt, &c->u.unknown);
	case SMFIC_ABORT:
	case SMFIC_QUIT:
	case SMFIC_QUIT_NC:
	case SMFIC_EOH:
	case SMFIC_DATA:
		return 0;
	default:
		return MILTER_E_COMMAND;
	}
}

/* ---- negotiation ---- */

/* The steps we never need: asked away whenever the MTA knows the flag. */
#define UNNEEDED_STEPS (SMFIP_NOBODY | SMFIP_NOEOH | SMFIP_NODATA | \
			SMFIP_NOUNKNOWN)

int milter_negotiate(const struct milter_optneg *mta,
		     const struct milter_want *want,
		     struct milter_negotiated *out)
{
	uint32_t steps = UNNEEDED_STEPS, nr = want->noreply & SMFIP_NR_MASK;

	memset(out, 0, sizeof *out);
	if (mta->version < MILTER_VERSION_MIN)
		return MILTER_E_VERSION;
	out->version = mta->version < MILTER_VERSION_MAX ? mta->version :
							   MILTER_VERSION_MAX;
	out->mta_actions = mta->actions ? mta->actions : SMFI_V1_ACTS;
	out->mta_protocol = mta->protocol ? mta->protocol : SMFI_V1_PROT;
	if ((want->actions & out->mta_actions) != want->actions)
		return MILTER_E_ACTIONS;
	if (!want->headers)
		steps |= SMFIP_NOHDRS;
	if (out->version < 6)
		nr &= SMFIP_NR_HDR;
	out->protocol = (steps | nr) & out->mta_protocol;
	out->actions = want->actions;
	if (want->symlist && out->version >= 6 &&
	    (out->mta_actions & SMFIF_SETSYMLIST)) {
		out->actions |= SMFIF_SETSYMLIST;
		out->symlist = 1;
	}
	return 0;
}

/* ---- encoder ---- */

static int put32(spfc_buf *out, uint32_t v)
{
	unsigned char b[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v
	};

	return spfc_buf_add(out, b, sizeof b);
}

/* The length prefix and command of a packet of len payload bytes. */
static int put_head(spfc_buf *out, char cmd, size_t len)
{
	if (len > MILTER_DATA_MAX) {
		out->err = SPFC_ELIMIT;	/* sticky: later appends do nothing */
		return -1;
	}
	put32(out, (uint32_t)len + 1);
	return spfc_buf_addc(out, cmd);
}

static int put_str(spfc_buf *out, const char *s)
{
	return spfc_buf_add(out, s, strlen(s) + 1);
}

int milter_put_simple(spfc_buf *out, char reply)
{
	return put_head(out, reply, 0);
}

int milter_put_replycode(spfc_buf *out, const char *text)
{
	put_head(out, SMFIR_REPLYCODE, strlen(text) + 1);
	return put_str(out, text);
}

int milter_put_optneg(spfc_buf *out, const struct milter_negotiated *neg,
		      const char *const *symlist)
{
	size_t len = 3 * MILTER_LEN_BYTES;
	uint32_t i;

	if (!neg->symlist)
		symlist = NULL;
	for (i = 0; symlist && i < MILTER_SYMLISTS; i++)
		if (symlist[i])
			len += MILTER_LEN_BYTES + strlen(symlist[i]) + 1;
	put_head(out, SMFIC_OPTNEG, len);
	put32(out, neg->version);
	put32(out, neg->actions);
	put32(out, neg->protocol);
	for (i = 0; symlist && i < MILTER_SYMLISTS; i++) {
		if (!symlist[i])
			continue;
		put32(out, i);
		put_str(out, symlist[i]);
	}
	return out->err ? -1 : 0;
}

static int put_header_cmd(spfc_buf *out, char cmd, uint32_t idx,
			  const char *name, const char *value)
{
	put_head(out, cmd, MILTER_LEN_BYTES + strlen(name) + 1 +
		 strlen(value) + 1);
	put32(out, idx);
	put_str(out, name);
	return put_str(out, value);
}

int milter_put_insheader(spfc_buf *out, uint32_t idx, const char *name,
			 const char *value)
{
	return put_header_cmd(out, SMFIR_INSHEADER, idx, name, value);
}

int milter_put_chgheader(spfc_buf *out, uint32_t idx, const char *name,
			 const char *value)
{
	return put_header_cmd(out, SMFIR_CHGHEADER, idx, name,
			      value ? value : "");
}

/* ---- reply text ---- */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "D.D{1,3}.D{1,3}" with D the class (libmilter's myisenhsc). */
static int enhanced_ok(const char *x, char class)
{
	int part, n;

	if (x[0] != class || x[1] != '.')
		return 0;
	x += 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; n < 3 && is_digit(x[n]); n++)
			;
		if (n == 0 || x[n] != (part ? '\0' : '.'))
			return 0;
		x += n + 1;
	}
	return 1;
}

/* What one text byte becomes: 2 bytes for '%', else 1. */
static size_t safe_byte(unsigned char c, char out[2])
{
	if (c == '%') {
		out[0] = out[1] = '%';
		return 2;
	}
	if (c < 0x20 || c == 0x7f)
		out[0] = ' ';
	else if (c > 0x7e)
		out[0] = '?';
	else
		out[0] = (char)c;
	return 1;
}

int milter_reply_text(spfc_buf *out, char verdict, const char *rcode,
		      const char *xcode, const char *text, size_t len)
{
	char class = verdict == SMFIR_REJECT ? '5' :
		     verdict == SMFIR_TEMPFAIL ? '4' : 0;
	size_t i, used = 0;

	if (!class || !rcode || rcode[0] != class || !is_digit(rcode[1]) ||
	    !is_digit(rcode[2]) || rcode[3] != '\0')
		return MILTER_E_REPLY;
	if (!xcode)
		xcode = class == '5' ? "5.7.1" : "4.7.1";
	if (!enhanced_ok(xcode, class))
		return MILTER_E_REPLY;
	spfc_buf_reset(out);
	spfc_buf_adds(out, rcode);
	spfc_buf_addc(out, ' ');
	spfc_buf_adds(out, xcode);
	if (len)
		spfc_buf_addc(out, ' ');
	for (i = 0; i < len; i++) {
		char b[2];
		size_t k = safe_byte((unsigned char)text[i], b);

		if (used + k > MILTER_REPLY_TEXT_MAX)
			break;
		spfc_buf_add(out, b, k);
		used += k;
	}
	return out->err ? MILTER_E_OUTPUT : 0;
}
