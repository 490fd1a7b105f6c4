/*
 * config_bool.c - options with a fixed set of words: booleans
 * (True/False, Yes/No), the reject policies of HELO_reject and
 * Mail_From_reject, and Header_Type.
 *
 * How it fails: any other word is an error that lists the words allowed;
 * the previous value stays.
 */
#include "config_int.h"

#include "common/idtab.h"

#include <string.h>

static const struct sc_id bool_words[] = {
    {"True", 1},  {"Yes", 1}, {"On", 1},  {"1", 1},
    {"False", 0}, {"No", 0},  {"Off", 0}, {"0", 0},
};

/* True/Yes/On/1 -> 1, False/No/Off/0 -> 0, otherwise -1. */
static int parse_bool(const char *s)
{
	int b;

	if (sc_id_lookup(bool_words, SC_ID_COUNT(bool_words), s, strlen(s),
			 &b) < 0)
		return -1;
	return b;
}

static const struct sc_id policies[] = {
    {"SPF_Not_Pass", POL_SPF_NOT_PASS},
    {"Softfail", POL_SOFTFAIL},
    {"Fail", POL_FAIL},
    {"Null", POL_NULL},
    {"False", POL_FALSE},
    {"No_Check", POL_NO_CHECK},
};

#define HELO_POLICIES                                                          \
	" is not one of SPF_Not_Pass, Softfail, Fail, Null, False, No_Check"
#define MFROM_POLICIES                                                         \
	" is not one of SPF_Not_Pass, Softfail, Fail, False, No_Check"

const char *cf_policy_name(enum reject_policy p)
{
	const char *name = sc_id_name(policies, SC_ID_COUNT(policies), (int)p);

	return name ? name : "Fail";
}

static const struct sc_id headers[] = {
    {"SPF", HDR_SPF},
    {"AR", HDR_AR},
    {"None", HDR_NONE},
};

const char *cf_header_name(enum header_type h)
{
	const char *name = sc_id_name(headers, SC_ID_COUNT(headers), (int)h);

	return name ? name : "SPF";
}

/* A boolean option; what names the words allowed when v is none. */
static int set_bool(struct config *c, const struct cf_option *o,
		    const char *v, unsigned line, const char *where,
		    const char *what)
{
	int b = parse_bool(v);

	if (b < 0)
		return cf_bad_value(c, line, where, o->name, v, what);
	*CF_FIELD(c, o, int) = b;
	return 0;
}

int cf_set_bool(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where)
{
	return set_bool(c, o, v, line, where, " is not True or False");
}

/* The same words, the message as for SPF_Enhanced_Status_Codes and
 * Hide_Receiver, which spf-engine documents as Yes/No. */
int cf_set_yesno(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where)
{
	return set_bool(c, o, v, line, where, " is not Yes or No");
}

/* HELO_reject (CF_HELO: Null allowed) and Mail_From_reject. */
int cf_set_policy(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where)
{
	int pol;

	if (sc_id_lookup(policies, SC_ID_COUNT(policies), v, strlen(v),
			 &pol) < 0)
		return cf_bad_value(c, line, where, o->name, v,
				    (o->flags & CF_HELO) ? HELO_POLICIES
							 : MFROM_POLICIES);
	if (pol == POL_NULL && !(o->flags & CF_HELO))
		return cf_bad_value(c, line, where, o->name, v,
				    " is only for HELO_reject");
	*CF_FIELD(c, o, enum reject_policy) = (enum reject_policy)pol;
	return 0;
}

int cf_set_header(struct config *c, const struct cf_option *o, const char *v,
		  unsigned line, const char *where)
{
	int h;

	if (sc_id_lookup(headers, SC_ID_COUNT(headers), v, strlen(v), &h) == 0)
		*CF_FIELD(c, o, enum header_type) = (enum header_type)h;
	else if (sc_contains_nocase(v, "SPF") && sc_contains_nocase(v, "AR"))
		return cf_problem_q(c, line, 1, where, NULL,
				    "Header_Type cannot be both SPF and AR (",
				    v, strlen(v),
				    "); run two instances for two header "
				    "fields");
	else
		return cf_bad_value(c, line, where, o->name, v,
				    " is not one of SPF, AR, None");
	return 0;
}

/* Milter_Reject_Stage: rcpt (0) or mail (1), the SMTP command that gets
 * the milter's reject or defer. */
int cf_set_stage(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where)
{
	if (sc_streq_nocase(v, "rcpt"))
		*CF_FIELD(c, o, int) = 0;
	else if (sc_streq_nocase(v, "mail"))
		*CF_FIELD(c, o, int) = 1;
	else
		return cf_bad_value(c, line, where, o->name, v,
				    " is not rcpt or mail");
	return 0;
}

void cf_print_stage(const struct config *c, const struct cf_option *o,
		    spfc_buf *out)
{
	spfc_buf_adds(out, *CF_CFIELD(c, o, int) ? "mail" : "rcpt");
}
