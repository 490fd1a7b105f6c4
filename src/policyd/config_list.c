/*
 * config_list.c - comma lists: address lists (skip_addresses, Whitelist,
 * Listen_Allow), read entry by entry as Python's ipaddress networks in
 * strict mode, and name lists (HELO_Whitelist, Domain_Whitelist, ...),
 * kept exactly as written; their free and deep copy.
 *
 * How it fails: a list of more than CONFIG_LIST_MAX entries is an error
 * and the previous list stays.  A bad entry of an address list is kept,
 * marked, with an error (spf-engine stops matching there); spaces around
 * entries are warnings.  Out of memory keeps the previous list.
 */
#include "config_int.h"

#include "common/number.h"

#include <stdlib.h>
#include <string.h>

/* The prefix length of an IPv4 netmask (255.255.0.0) or host mask
 * (0.0.255.255), as Python's ipaddress accepts after the '/'; -1 when
 * the bits are not contiguous. */
static int mask_prefix(const unsigned char *b)
{
	unsigned long v = ((unsigned long)b[0] << 24) |
			  ((unsigned long)b[1] << 16) |
			  ((unsigned long)b[2] << 8) | (unsigned long)b[3];
	unsigned long inv = ~v & 0xfffffffful;
	int ones = 0;
	unsigned long t;

	if ((inv & (inv + 1)) == 0) { /* 1...10...0: a netmask */
		for (t = v; t; t &= t - 1)
			ones++;
		return ones;
	}
	if ((v & (v + 1)) == 0) { /* 0...01...1: a host mask */
		for (t = inv; t; t &= t - 1)
			ones++;
		return ones;
	}
	return -1;
}

/* Parse one entry (n bytes) as Python's ipaddress.IPv4Network /
 * IPv6Network in strict mode: an address, optionally "/prefix" (decimal)
 * or, for IPv4, "/netmask"; host bits must be zero.  Returns NULL and
 * fills e->addr, e->bits, or returns why it is not a network. */
static const char *parse_net(const char *s, size_t n, struct net_entry *e)
{
	char tmp[SPFC_ADDR_TEXT_MAX];
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned full, bits, i;

	memset(&e->addr, 0, sizeof e->addr);
	e->bits = 0;
	if (n == 0)
		return "an empty entry";
	if (alen == 0 || alen >= sizeof tmp)
		return "not an IP address";
	memcpy(tmp, s, alen);
	tmp[alen] = '\0';
	if (spfc_addr_parse(tmp, &e->addr) != SPFC_OK)
		return "not an IP address";
	full = e->addr.family == 4 ? 32u : 128u;
	bits = full;
	if (slash) {
		const char *p = slash + 1;
		size_t plen = n - alen - 1;
		unsigned long long v;

		if (plen > 0 && sc_all_bytes(p, plen, sc_is_digit)) {
			if (sc_parse_uint(p, plen, 0, full, &v) < 0)
				return "prefix length out of range";
			bits = (unsigned)v;
		} else {
			spfc_addr m;
			int pre;

			if (e->addr.family != 4 || plen == 0 ||
			    plen >= sizeof tmp)
				return "not a valid prefix length";
			memcpy(tmp, p, plen);
			tmp[plen] = '\0';
			if (spfc_addr_parse(tmp, &m) != SPFC_OK ||
			    m.family != 4 || (pre = mask_prefix(m.b)) < 0)
				return "not a valid netmask";
			bits = (unsigned)pre;
		}
	}
	for (i = bits; i < full; i++)
		if (e->addr.b[i / 8] & (0x80u >> (i % 8)))
			return "host bits set";
	e->bits = bits;
	return NULL;
}

void cf_netlist_free(struct net_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void cf_strlist_free(struct str_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Entries of a comma list: commas + 1. */
static size_t count_entries(const char *v)
{
	size_t n = 1;

	for (; *v; v++)
		if (*v == ',')
			n++;
	return n;
}

static int too_many(struct config *c, unsigned line, const char *where,
		    const char *name)
{
	spfc_buf m;

	cf_msg_start(&m, where, name);
	spfc_buf_adds(&m, "more than ");
	spfc_buf_addu(&m, CONFIG_LIST_MAX);
	spfc_buf_adds(&m, " entries; the value is not used");
	return cf_problem(c, line, 1, &m);
}

int cf_set_netlist(struct config *c, const struct cf_option *o, const char *v,
		   unsigned line, const char *where)
{
	struct net_list *old = CF_FIELD(c, o, struct net_list);
	struct net_list nl = {NULL, 0, 1};
	const char *p = v;
	size_t count;
	int rc = 0;

	if (*v) {
		count = count_entries(v);
		if (count > CONFIG_LIST_MAX)
			return too_many(c, line, where, o->name);
		nl.v = calloc(count, sizeof *nl.v);
		if (!nl.v)
			return cf_oom(c, line, where, o->name);
		for (;;) {
			const char *q = strchr(p, ',');
			const char *s = p, *why;
			size_t raw = q ? (size_t)(q - p) : strlen(p), n = raw;
			struct net_entry *e = &nl.v[nl.n];

			cf_strip(&s, &n);
			if (n != raw && n)
				cf_problem_q(
				    c, line, 0, where, o->name, NULL, p, raw,
				    ": the spaces around the entry are "
				    "ignored (spf-engine does not allow "
				    "them)");
			e->text = cf_dupn(s, n);
			if (!e->text) {
				cf_netlist_free(&nl);
				return cf_oom(c, line, where, o->name);
			}
			nl.n++;
			why = parse_net(s, n, e);
			if (why) {
				spfc_buf m;

				e->bad = 1;
				cf_msg_start(&m, where, o->name);
				if (n)
					cf_quote(&m, s, n);
				else
					spfc_buf_adds(&m, "an empty entry");
				spfc_buf_adds(&m, " is not an IP network (");
				spfc_buf_adds(&m, why);
				spfc_buf_adds(&m, "); spf-engine stops checking"
						  " the list there");
				if (q)
					spfc_buf_adds(&m, ", so the entries "
							  "after it are never "
							  "used");
				rc = cf_problem(c, line, 1, &m);
			}
			if (!q)
				break;
			p = q + 1;
		}
	}
	cf_netlist_free(old);
	*old = nl;
	return rc;
}

int cf_set_strlist(struct config *c, const struct cf_option *o, const char *v,
		   unsigned line, const char *where)
{
	struct str_list *old = CF_FIELD(c, o, struct str_list);
	struct str_list sl = {NULL, 0, 1};
	const char *p = v;
	size_t count;

	if (*v) {
		count = count_entries(v);
		if (count > CONFIG_LIST_MAX)
			return too_many(c, line, where, o->name);
		sl.v = calloc(count, sizeof *sl.v);
		if (!sl.v)
			return cf_oom(c, line, where, o->name);
		for (;;) {
			const char *q = strchr(p, ',');
			const char *s = p;
			size_t raw = q ? (size_t)(q - p) : strlen(p), n = raw;

			cf_strip(&s, &n);
			if (n == 0)
				cf_problem_q(c, line, 0, where, o->name,
					     "an empty entry (a doubled or "
					     "trailing comma)",
					     NULL, 0, NULL);
			else if (n != raw)
				cf_problem_q(c, line, 0, where, o->name, NULL,
					     p, raw,
					     " has spaces around it, which are "
					     "kept, so it can never match");
			sl.v[sl.n] = cf_dupn(p, raw);
			if (!sl.v[sl.n]) {
				cf_strlist_free(&sl);
				return cf_oom(c, line, where, o->name);
			}
			sl.n++;
			if (!q)
				break;
			p = q + 1;
		}
	}
	cf_strlist_free(old);
	*old = sl;
	return 0;
}

void cf_netlist_copy(struct net_list *d, const struct net_list *s, int *fail)
{
	size_t i;

	d->v = NULL;
	d->n = 0;
	d->set = s->set;
	if (!s->n)
		return;
	d->v = calloc(s->n, sizeof *d->v);
	if (!d->v) {
		*fail = 1;
		return;
	}
	for (i = 0; i < s->n; i++) {
		d->v[i] = s->v[i];
		cf_copy_str(&d->v[i].text, s->v[i].text, fail);
		d->n++;
	}
}

void cf_strlist_copy(struct str_list *d, const struct str_list *s, int *fail)
{
	size_t i;

	d->v = NULL;
	d->n = 0;
	d->set = s->set;
	if (!s->n)
		return;
	d->v = calloc(s->n, sizeof *d->v);
	if (!d->v) {
		*fail = 1;
		return;
	}
	for (i = 0; i < s->n; i++) {
		cf_copy_str(&d->v[i], s->v[i], fail);
		d->n++;
	}
}
