/*
 * config_dump.c - the effective settings as a file: config_dump walks the
 * option table and each row's printer writes its value back in the words
 * the parser reads, so a dump always reads back as the same settings.
 *
 * Cannot fail except through the sticky error of the output buffer.
 */
#include "config_int.h"

void cf_print_netlist(const struct config *c, const struct cf_option *o,
		      spfc_buf *out)
{
	const struct net_list *l = CF_CFIELD(c, o, struct net_list);
	char text[SPFC_ADDR_TEXT_MAX];
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct net_entry *e = &l->v[i];

		if (i)
			spfc_buf_addc(out, ',');
		if (e->bad) {
			spfc_buf_adds(out, e->text);
			continue;
		}
		spfc_addr_format(&e->addr, text, sizeof text);
		spfc_buf_adds(out, text);
		if (e->bits != (e->addr.family == 4 ? 32u : 128u)) {
			spfc_buf_addc(out, '/');
			spfc_buf_addu(out, e->bits);
		}
	}
}

void cf_print_strlist(const struct config *c, const struct cf_option *o,
		      spfc_buf *out)
{
	const struct str_list *l = CF_CFIELD(c, o, struct str_list);
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (i)
			spfc_buf_addc(out, ',');
		spfc_buf_adds(out, l->v[i]);
	}
}

/* Four octal digits, as chmod(1) writes a mode. */
void cf_print_mode(const struct config *c, const struct cf_option *o,
		   spfc_buf *out)
{
	int mode = *CF_CFIELD(c, o, int);
	int shift;

	for (shift = 9; shift >= 0; shift -= 3)
		spfc_buf_addc(out, (char)('0' + ((mode >> shift) & 7)));
}

void cf_print_int(const struct config *c, const struct cf_option *o,
		  spfc_buf *out)
{
	cf_add_int(out, *CF_CFIELD(c, o, int));
}

void cf_print_bool(const struct config *c, const struct cf_option *o,
		   spfc_buf *out)
{
	spfc_buf_adds(out, *CF_CFIELD(c, o, int) ? "True" : "False");
}

void cf_print_yesno(const struct config *c, const struct cf_option *o,
		    spfc_buf *out)
{
	spfc_buf_adds(out, *CF_CFIELD(c, o, int) ? "Yes" : "No");
}

void cf_print_policy(const struct config *c, const struct cf_option *o,
		     spfc_buf *out)
{
	spfc_buf_adds(out,
		      cf_policy_name(*CF_CFIELD(c, o, enum reject_policy)));
}

void cf_print_header(const struct config *c, const struct cf_option *o,
		     spfc_buf *out)
{
	spfc_buf_adds(out, cf_header_name(*CF_CFIELD(c, o, enum header_type)));
}

/* A string option; nothing when it is not set. */
void cf_print_str(const struct config *c, const struct cf_option *o,
		  spfc_buf *out)
{
	const char *s = *CF_CFIELD(c, o, char *const);

	if (s)
		spfc_buf_adds(out, s);
}

/* Every row with a printer, in the table's order (spf-engine's). */
void config_dump(const struct config *c, spfc_buf *out)
{
	size_t i;

	for (i = 0; i < cf_noptions; i++) {
		const struct cf_option *o = &cf_options[i];

		if (!o->print || ((o->flags & CF_MILTER) && !c->milter))
			continue;
		spfc_buf_adds(out, o->name);
		spfc_buf_adds(out, CF_DUMP_SEP);
		o->print(c, o, out);
		spfc_buf_addc(out, '\n');
	}
}
