/*
 * config_int.c - whole-number options: a strict conversion (no empty
 * text, no trailing junk, no overflow), then a range check of its own
 * against the row's minimum and maximum; debugLevel, which clamps,
 * defaultSeedOnly, which is read and ignored, and Socket_Mode's octal.
 *
 * How it fails: a value that is not a number or is out of range is an
 * error and the previous value stays; debugLevel out of range is a
 * warning and the nearest bound is used.
 */
#include "config_int.h"

#include "common/number.h"

#include <string.h>

/* A whole number: at most 18 digits after leading zeros, far below the
 * range of a long long, so its negation cannot overflow either. */
#define INT_ABS_MAX 999999999999999999ull

int cf_parse_int(const char *s, long long *out)
{
	unsigned long long v;
	int neg = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (sc_parse_uint(s, strlen(s), 0, INT_ABS_MAX, &v) < 0)
		return -1;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

/* The value of a whole-number option, or -1 after recording why v is not
 * one. */
static int whole_number(struct config *c, const struct cf_option *o,
			const char *v, unsigned line, const char *where,
			long long *n)
{
	if (cf_parse_int(v, n) < 0)
		return cf_bad_value(c, line, where, o->name, v,
				    " is not a whole number");
	return 0;
}

static int in_range(const struct cf_option *o, long long n)
{
	return n >= o->min && n <= o->max;
}

int cf_set_int(struct config *c, const struct cf_option *o, const char *v,
	       unsigned line, const char *where)
{
	long long n;
	spfc_buf m;

	if (whole_number(c, o, v, line, where, &n) < 0)
		return -1;
	if (!in_range(o, n)) {
		cf_msg_start(&m, where, o->name);
		cf_add_int(&m, n);
		spfc_buf_adds(&m, " is out of range (");
		cf_add_int(&m, o->min);
		spfc_buf_adds(&m, "..");
		cf_add_int(&m, o->max);
		spfc_buf_adds(&m, ")");
		return cf_problem(c, line, 1, &m);
	}
	*CF_FIELD(c, o, int) = (int)n;
	return 0;
}

/* debugLevel: spf-engine takes any level; above the maximum logs as the
 * maximum, below the minimum as the minimum. */
int cf_set_debug(struct config *c, const struct cf_option *o, const char *v,
		 unsigned line, const char *where)
{
	long long n;
	spfc_buf m;

	if (whole_number(c, o, v, line, where, &n) < 0)
		return -1;
	if (!in_range(o, n)) {
		cf_msg_start(&m, where, o->name);
		cf_add_int(&m, n);
		spfc_buf_adds(&m, n < o->min ? " is below " : " is above ");
		cf_add_int(&m, n < o->min ? o->min : o->max);
		spfc_buf_adds(&m, "; ");
		cf_add_int(&m, n < o->min ? o->min : o->max);
		spfc_buf_adds(&m, " is used");
		cf_problem(c, line, 0, &m);
		*CF_FIELD(c, o, int) = n < o->min ? o->min : o->max;
		return 0;
	}
	*CF_FIELD(c, o, int) = (int)n;
	return 0;
}

/* defaultSeedOnly: a whole number, deprecated and without effect; only
 * that it was given is kept. */
int cf_set_seed(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where)
{
	long long n;
	spfc_buf m;

	if (whole_number(c, o, v, line, where, &n) < 0)
		return -1;
	*CF_FIELD(c, o, int) = 1;
	cf_msg_start(&m, where, NULL);
	spfc_buf_adds(&m, "defaultSeedOnly is deprecated (and has no "
			  "effect); use TestOnly");
	cf_problem(c, line, 0, &m);
	return 0;
}

/* Socket_Mode: octal permission bits, as chmod(1) writes them. */
int cf_set_mode(struct config *c, const struct cf_option *o, const char *v,
		unsigned line, const char *where)
{
	unsigned long m = 0;
	const char *p;

	if (!*v)
		return cf_bad_value(c, line, where, o->name, v,
				    " is not an octal mode");
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '7' || m > (unsigned long)o->max)
			return cf_bad_value(
			    c, line, where, o->name, v,
			    " is not an octal mode (0001..0777)");
		m = m * 8 + (unsigned long)(*p - '0');
	}
	if (m < (unsigned long)o->min || m > (unsigned long)o->max)
		return cf_bad_value(c, line, where, o->name, v,
				    " is not an octal mode (0001..0777)");
	*CF_FIELD(c, o, int) = (int)m;
	return 0;
}
