/*
 * config_migrate.c - the migration view of --check-config: where
 * spf-engine 3.0.4 reads the same policyd-spf.conf differently.
 *
 * What it is for: an administrator who switches from spf-engine keeps the
 * file, and expects the same decisions.  spf-engine reads the file its own
 * way (policydspfsupp.py and __init__.py): it strips Unicode white space,
 * splits a line on every '=', compares most words exactly ("True", "No",
 * "Fail"), takes any non-empty Mock as on, converts numbers with Python's
 * int(), ignores names outside its table, and stops at a byte sequence
 * that is not UTF-8.  This file reads each line that way, asks spfc's own
 * parser (config_set on a scratch configuration) how spfc reads it, and
 * says, with the line, what changes on a switch.  spf-engine's reading is
 * written down once, here; spfc's is never re-implemented.
 *
 * How it fails: a file that cannot be read gives no notes (the caller
 * reports the file itself); out of memory gives fewer notes.
 */
#include "config_int.h"

#include "common/utf8.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How spf-engine reads a value (its nameConversion table, and the tests
 * the values meet in __init__.py / policyd_spf.py). */
enum eng_kind {
	EK_STR,		/* a string used as written */
	EK_INT,		/* Python int(): a failure stops spf-engine */
	EK_TRUE,	/* on only for the exact word "True" */
	EK_NOT_NO,	/* on unless the exact word "No" */
	EK_NONEMPTY,	/* Python bool(str): any non-empty value is on */
	EK_POLICY,	/* exact words; any other word rejects nothing */
	EK_HEADER,	/* "AR" anywhere: AR; exactly "None": none; else SPF */
	EK_MILTER	/* read for its milter only */
};

static const struct eng_opt {
	const char *name;
	enum eng_kind kind;
	const char *on;		/* EK_TRUE / EK_NOT_NO / EK_NONEMPTY: what "on"
				 * does, for the note */
} eng_opts[] = {
    {"debugLevel", EK_INT, NULL},
    {"HELO_reject", EK_POLICY, NULL},
    {"Mail_From_reject", EK_POLICY, NULL},
    {"PermError_reject", EK_TRUE, "PermError is rejected"},
    {"TempError_Defer", EK_TRUE, "TempError is deferred"},
    {"Mail_From_pass_restriction", EK_STR, NULL},
    {"HELO_pass_restriction", EK_STR, NULL},
    {"Prospective", EK_STR, NULL},
    {"Whitelist", EK_STR, NULL},
    {"skip_addresses", EK_STR, NULL},
    {"HELO_Whitelist", EK_STR, NULL},
    {"Domain_Whitelist", EK_STR, NULL},
    {"Domain_Whitelist_PTR", EK_STR, NULL},
    {"No_Mail", EK_TRUE, "only a domain publishing \"v=spf1 -all\" is "
			 "rejected"},
    {"Reject_Not_Pass_Domains", EK_STR, NULL},
    {"Per_User", EK_STR, NULL},
    {"TestOnly", EK_INT, NULL},
    {"defaultSeedOnly", EK_INT, NULL},
    {"SPF_Enhanced_Status_Codes", EK_NOT_NO, "replies carry enhanced status "
					     "codes (5.7.23, 4.7.24)"},
    {"Header_Type", EK_HEADER, NULL},
    {"Hide_Receiver", EK_NOT_NO, "the receiver is shown as <UNKNOWN>"},
    {"Authserv_Id", EK_STR, NULL},
    {"Lookup_Time", EK_INT, NULL},
    {"Whitelist_Lookup_Time", EK_INT, NULL},
    {"Void_Limit", EK_INT, NULL},
    {"Reason_Message", EK_STR, NULL},
    {"Mock", EK_NONEMPTY, "every request gets the mock answer and no check"},
    {"Socket", EK_MILTER, NULL},
    {"PidFile", EK_MILTER, NULL},
    {"UserID", EK_MILTER, NULL},
    {"UMask", EK_INT, NULL},
    {"InternalHosts", EK_MILTER, NULL},
    {"IntHosts", EK_NONEMPTY, NULL},
    {"MacroList", EK_MILTER, NULL},
};

static const char *const eng_policies[] = {
    "SPF_Not_Pass", "Softfail", "Fail", "Null", "False", "No_Check",
};

#define BOM "\xef\xbb\xbf"

static const struct eng_opt *eng_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof eng_opts / sizeof eng_opts[0]; i++)
		if (strlen(eng_opts[i].name) == n &&
		    memcmp(eng_opts[i].name, name, n) == 0)
			return &eng_opts[i];
	return NULL;
}

/* Python's isspace() for one code point. */
static int py_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) ||
	       (cp >= 0x1c && cp <= 0x1f) || sc_utf8_wide_space(cp);
}

/* The first non-ASCII space in [s, s + n) that Python's strip() removes
 * from an end of it: its name, or NULL. */
static const char *py_strip(const char **s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)*s;
	const char *found = NULL;
	size_t len = *n, k;
	uint32_t cp;

	while (len && (k = sc_utf8_next(p, len, &cp)) && py_space(cp)) {
		if (cp >= 0x80)
			found = "";
		p += k, len -= k;
	}
	while (len) {
		/* the last sequence: back over continuation bytes */
		size_t back = 1;

		while (back < len && back < 4 && (p[len - back] & 0xc0) == 0x80)
			back++;
		k = sc_utf8_next(p + len - back, back, &cp);
		if (k != back || !py_space(cp))
			break;
		if (cp >= 0x80)
			found = "";
		len -= back;
	}
	*s = (const char *)p;
	*n = len;
	return found;
}

/* Python int() of a stripped value: sign, decimal digits (ASCII or
 * full-width, as an input method types them), single '_' between digits.
 * 1 and *v when it converts, 0 when spf-engine would stop with ValueError. */
static int py_int(const char *s, size_t n, long long *v)
{
	const unsigned char *p = (const unsigned char *)s;
	int neg = 0, digits = 0, under = 0;
	long long x = 0;
	uint32_t cp;
	size_t k;

	if (n && (*p == '+' || *p == '-')) {
		neg = *p == '-';
		p++, n--;
	}
	while (n) {
		int d;

		k = sc_utf8_next(p, n, &cp);
		if (k == 0)
			return 0;
		if (cp == '_' && digits && !under) {
			under = 1;
			p += k, n -= k;
			continue;
		}
		if (cp >= '0' && cp <= '9')
			d = (int)(cp - '0');
		else if (cp >= 0xff10 && cp <= 0xff19)
			d = (int)(cp - 0xff10);
		else
			return 0;
		if (x < (LLONG_MAX - d) / 10)
			x = x * 10 + d;
		digits++, under = 0;
		p += k, n -= k;
	}
	if (!digits || under)
		return 0;
	*v = neg ? -x : x;
	return 1;
}

/* ---- spfc's reading, from spfc's own parser ---------------------------- */

/* Apply name = value to a fresh configuration.  1 and *out filled when
 * spfc takes it, 0 when it is refused or unknown; -1 out of memory. */
static int spfc_reads(const char *name, const char *value, struct config *out)
{
	if (config_init(out) < 0) {
		memset(out, 0, sizeof *out);	/* config_free-able */
		return -1;
	}
	return config_set(out, name, value, 0) == 0 && out->nerrors == 0;
}

/* The on/off field spfc stores for the EK_TRUE / EK_NOT_NO / EK_NONEMPTY
 * options. */
static int spfc_flag(const struct config *c, const char *name)
{
	if (!strcmp(name, "PermError_reject"))
		return c->permerror_reject;
	if (!strcmp(name, "TempError_Defer"))
		return c->temperror_defer;
	if (!strcmp(name, "No_Mail"))
		return c->no_mail;
	if (!strcmp(name, "SPF_Enhanced_Status_Codes"))
		return c->enhanced_status_codes;
	if (!strcmp(name, "Hide_Receiver"))
		return c->hide_receiver;
	if (!strcmp(name, "Mock"))
		return c->mock;
	return -1;
}

/* spfc's number for an EK_INT option (-1 off the table: not compared). */
static int spfc_number(const struct config *c, const char *name, long long *v)
{
	static const struct {
		const char *name;
		size_t off;
	} ints[] = {
	    {"debugLevel", offsetof(struct config, debug_level)},
	    {"TestOnly", offsetof(struct config, test_only)},
	    {"Lookup_Time", offsetof(struct config, lookup_time)},
	    {"Whitelist_Lookup_Time",
	     offsetof(struct config, whitelist_lookup_time)},
	    {"Void_Limit", offsetof(struct config, void_limit)},
	};
	size_t i;

	for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
		if (!strcmp(ints[i].name, name)) {
			*v = *(const int *)(const void *)((const char *)c +
							  ints[i].off);
			return 1;
		}
	return 0;
}

/* ---- the notes --------------------------------------------------------- */

struct notes {
	spfc_buf *out;
	const char *path;
	unsigned line;
	size_t n;
};

/* Start a note: "FILE: line N: " (then the caller's text). */
static spfc_buf *note(struct notes *ns)
{
	ns->n++;
	spfc_buf_adds(ns->out, ns->path);
	spfc_buf_adds(ns->out, ": line ");
	spfc_buf_addu(ns->out, ns->line);
	spfc_buf_adds(ns->out, ": ");
	return ns->out;
}

static void end(spfc_buf *b) { spfc_buf_addc(b, '\n'); }

static void add_setting(spfc_buf *b, const char *name, size_t nlen,
			const char *value, size_t vlen)
{
	cf_quote(b, name, nlen);
	spfc_buf_adds(b, " = ");
	cf_quote(b, value, vlen);
}

static void flag_note(struct notes *ns, const struct eng_opt *e,
		      const char *value, int engine_on, int spfc_on)
{
	spfc_buf *b = note(ns);

	add_setting(b, e->name, strlen(e->name), value, strlen(value));
	spfc_buf_adds(b, spfc_on ? ": on here, off in spf-engine"
				 : ": off here, on in spf-engine");
	switch (e->kind) {
	case EK_TRUE:
		spfc_buf_adds(b, " (it takes only the exact word \"True\")");
		break;
	case EK_NOT_NO:
		spfc_buf_adds(b, " (only the exact word \"No\" is off there)");
		break;
	default:
		spfc_buf_adds(b, " (any value that is not empty is on there)");
		break;
	}
	if (e->on) {
		spfc_buf_adds(b, engine_on ? "; there " : "; after the switch ");
		spfc_buf_adds(b, e->on);
		spfc_buf_adds(b, engine_on ? ", here not" : "");
	}
	end(b);
}

static int eng_policy_known(const char *v)
{
	size_t i;

	for (i = 0; i < sizeof eng_policies / sizeof eng_policies[0]; i++)
		if (!strcmp(v, eng_policies[i]))
			return 1;
	return 0;
}

/* One "name = value" as both read it; the value is spfc's (ASCII-stripped)
 * one, evalue spf-engine's (Unicode-stripped). */
static void compare_value(struct notes *ns, const struct eng_opt *e,
			  const char *value, const char *evalue)
{
	struct config c;
	long long en, sn;
	int taken = spfc_reads(e->name, value, &c);
	spfc_buf *b;

	if (taken < 0) {
		config_free(&c);
		return;
	}
	switch (e->kind) {
	case EK_TRUE:
	case EK_NOT_NO:
	case EK_NONEMPTY: {
		int eon = e->kind == EK_TRUE ? strcmp(evalue, "True") == 0
			: e->kind == EK_NOT_NO ? strcmp(evalue, "No") != 0
					       : evalue[0] != '\0';
		int son = taken ? spfc_flag(&c, e->name) : -1;

		if (son >= 0 && son != eon)
			flag_note(ns, e, value, eon, son);
		break;
	}
	case EK_POLICY:
		if (taken && !eng_policy_known(evalue)) {
			b = note(ns);
			add_setting(b, e->name, strlen(e->name), value,
				    strlen(value));
			spfc_buf_adds(b, ": read as ");
			spfc_buf_adds(b, cf_policy_name(!strcmp(e->name,
								"HELO_reject")
							    ? c.helo_reject
							    : c.mail_from_reject));
			spfc_buf_adds(b, " here; spf-engine knows only the "
					 "exact words (SPF_Not_Pass, Softfail, "
					 "Fail, Null, False, No_Check), so "
					 "there this identity is checked and "
					 "nothing is rejected for its result "
					 "(PermError_reject and TempError_Defer "
					 "still apply)");
			end(b);
		}
		break;
	case EK_HEADER: {
		const char *eh = strstr(evalue, "AR") ? "AR"
				 : !strcmp(evalue, "None") ? "None" : "SPF";

		if (strstr(evalue, "AR") && strstr(evalue, "SPF"))
			break; /* an error for both */
		if (taken && strcmp(eh, cf_header_name(c.header_type))) {
			b = note(ns);
			add_setting(b, e->name, strlen(e->name), value,
				    strlen(value));
			spfc_buf_adds(b, ": ");
			spfc_buf_adds(b, cf_header_name(c.header_type));
			spfc_buf_adds(b, " here, ");
			spfc_buf_adds(b, eh);
			spfc_buf_adds(b, " in spf-engine (it looks for \"AR\" "
					 "and the exact word \"None\")");
			end(b);
		}
		break;
	}
	case EK_INT:
		if (!py_int(evalue, strlen(evalue), &en)) {
			b = note(ns);
			add_setting(b, e->name, strlen(e->name), value,
				    strlen(value));
			spfc_buf_adds(b, ": spf-engine cannot read this as a "
					 "number and stops (ValueError): it "
					 "does not start with this file");
			end(b);
		} else if (!taken && spfc_number(&c, e->name, &sn)) {
			b = note(ns);
			add_setting(b, e->name, strlen(e->name), value,
				    strlen(value));
			spfc_buf_adds(b, ": spf-engine reads ");
			cf_add_int(b, en);
			spfc_buf_adds(b, ", here it is refused and the value "
					 "before it stays (write ");
			cf_add_int(b, en);
			spfc_buf_adds(b, ")");
			end(b);
		}
		break;
	case EK_STR:
		if (!strcmp(e->name, "Authserv_Id") &&
		    !strcmp(evalue, "HEADER")) {
			b = note(ns);
			spfc_buf_adds(b, "Authserv_Id = \"HEADER\" is the "
					 "placeholder of spf-engine's sample "
					 "file: both write "
					 "\"Authentication-Results: HEADER;\"; "
					 "write this server's name, or HOSTNAME");
			end(b);
		}
		break;
	case EK_MILTER:
		break;
	}
	config_free(&c);
}

/* What a spfc option spf-engine does not know means for a switch. */
static void unknown_to_engine(struct notes *ns, const char *name, size_t n)
{
	spfc_buf *b = note(ns);

	cf_quote(b, name, n);
	if (n == 7 && !memcmp(name, "QueueID", 7))
		spfc_buf_adds(b, ": spf-engine does not read QueueID (it is "
				 "missing from its parser) and always prefixes "
				 "the queue ID; here the value counts");
	else
		spfc_buf_adds(b, ": spfc's own option; spf-engine ignores it "
				 "(\"Unknown name\")");
	end(b);
}

/* A setting that spfc's ASCII strip and spf-engine's Unicode strip read
 * apart: name it, and say who loses it. */
static void space_note(struct notes *ns, const char *which, const char *s,
		       size_t n, int spfc_taken)
{
	spfc_buf *b = note(ns);

	spfc_buf_adds(b, "U+");
	spfc_buf_adds(b, which);
	spfc_buf_adds(b, " around ");
	cf_quote(b, s, n);
	spfc_buf_adds(b, spfc_taken
			     ? ": spf-engine drops it, here it stays in the "
			       "value"
			     : ": spf-engine drops it and keeps the setting; "
			       "here the setting is refused (lost): replace it "
			       "with an ASCII space");
	end(b);
}

/* "XXXX NAME" of the first non-ASCII space in the line, for space_note. */
static const char *cp_label(char *buf, size_t size, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t k;

	while (n) {
		k = sc_utf8_next(p, n, &cp);
		if (!k)
			break;
		if (sc_utf8_wide_space(cp))
			return sc_utf8_label(cp, buf, size) + 2; /* past "U+" */
		p += k, n -= k;
	}
	snprintf(buf, size, "?");
	return buf;
}

static void one_line(struct notes *ns, const char *s, size_t n)
{
	const char *es = s, *name, *value, *eq, *eq2;
	size_t en = n, nlen, vlen;
	const struct eng_opt *e;
	char label[SC_UTF8_LABEL_MAX];

	/* spf-engine: comment first, then Python's strip */
	{
		const char *hash = memchr(es, '#', en);
		if (hash)
			en = (size_t)(hash - es);
	}
	py_strip(&es, &en);
	if (!en)
		return;
	eq = memchr(es, '=', en);
	if (!eq)
		return; /* both ignore it; spfc says so */
	eq2 = memchr(eq + 1, '=', en - (size_t)(eq + 1 - es));
	name = es, nlen = (size_t)(eq - es);
	py_strip(&name, &nlen);
	value = eq + 1;
	vlen = en - (size_t)(value - es);
	if (eq2) {
		spfc_buf *b = note(ns);

		spfc_buf_adds(b, "spf-engine ignores this line (it splits on "
				 "every '=', and the value holds one); ");
		cf_quote(b, name, nlen);
		spfc_buf_adds(b, " is set here only");
		end(b);
		return;
	}
	py_strip(&value, &vlen);
	e = eng_find(name, nlen);

	/* spfc's own reading of the same line */
	{
		const char *ss = s, *sname, *svalue, *seq;
		size_t sn = n, snlen, svlen;
		char *nm, *val;
		struct config c;
		int taken;

		cf_uncomment(&ss, &sn);
		seq = memchr(ss, '=', sn);
		if (!seq)
			return;
		sname = ss, snlen = (size_t)(seq - ss);
		cf_strip(&sname, &snlen);
		svalue = seq + 1;
		svlen = sn - (size_t)(svalue - ss);
		cf_strip(&svalue, &svlen);
		nm = cf_dupn(sname, snlen);
		val = cf_dupn(svalue, svlen);
		if (!nm || !val) {
			free(nm);
			free(val);
			return;
		}
		if (snlen != nlen || memcmp(sname, name, nlen) ||
		    svlen != vlen || memcmp(svalue, value, vlen)) {
			taken = spfc_reads(nm, val, &c);
			config_free(&c);
			if (taken >= 0)
				space_note(ns, cp_label(label, sizeof label, ss, sn),
					   ss, sn, taken);
		} else if (!e) {
			taken = spfc_reads(nm, val, &c);
			config_free(&c);
			if (taken > 0)
				unknown_to_engine(ns, name, nlen);
		} else {
			char *ev = cf_dupn(value, vlen);

			if (ev)
				compare_value(ns, e, val, ev);
			free(ev);
		}
		free(nm);
		free(val);
	}
}

size_t config_migration(const char *path, spfc_buf *out)
{
	struct notes ns = {out, path, 0, 0};
	struct cf_line_iter it;
	spfc_buf data;
	const char *s;
	size_t n;
	int err;

	if (!path || cf_read_file(path, &data, &err) != RF_OK)
		return 0;
	cf_lines_start(&it, &data);
	while (cf_next_line(&it, &s, &n)) {
		ns.line = it.no;
		if (cf_bad_line(NULL, s, n, it.no, NULL))
			continue;
		if (it.no == 1 && n >= 3 && !memcmp(s, BOM, 3)) {
			spfc_buf *b = note(&ns);

			spfc_buf_adds(b, "the file starts with a byte-order mark "
					 "(U+FEFF): spf-engine reads it as part "
					 "of the first name, and so does spfc: "
					 "that setting is lost in both; save the "
					 "file without it");
			end(b);
			continue;
		}
		if (!sc_utf8_valid(s, n)) {
			spfc_buf *b = note(&ns);

			spfc_buf_adds(b, "not UTF-8: spf-engine stops reading "
					 "the file here (UnicodeDecodeError) and "
					 "does not start");
			end(b);
			continue;
		}
		one_line(&ns, s, n);
	}
	spfc_buf_free(&data);
	return ns.n;
}
