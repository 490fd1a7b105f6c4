/*
 * macro.h - the macro language of RFC 7208 §7: syntax check and expansion.
 *
 * A macro-string is checked once, when its record is parsed (macro_check);
 * expansion (macro_expand) then cannot meet a syntax error.  The evaluator
 * owns the environment; %{p} must be resolved by the evaluator before an
 * expansion that uses it (macro_check reports that).  Knows nothing of DNS.
 */
#ifndef SPFC_MACRO_H
#define SPFC_MACRO_H

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdint.h>

#define MACRO_EXP 1u	/* explain-string: c r t allowed, spaces allowed */
#define MACRO_DOMAIN 2u	/* a domain-spec: apply §7.3 truncation to 253 */

/* Largest expansion we build (bytes); beyond it the expansion fails. */
#define MACRO_MAX_OUT 8192
/* A DIGIT transformer above this means "all parts" (RFC 7208 §7.3 allows
 * any count; parts of a 253-byte name are fewer than 128). */
#define MACRO_MAX_DIGITS 128

struct macro_env {
	const char *sender;	/* s */
	const char *local;	/* l */
	const char *sdomain;	/* o */
	const char *domain;	/* d */
	const spfc_addr *ip;	/* i, c, v */
	const char *helo;	/* h */
	const char *receiver;	/* r */
	const char *pname;	/* p: validated name or "unknown" */
	int64_t now;		/* t: seconds since the epoch */
};

/* Check the syntax of s[0..len).  Returns 0 when valid; -1 with a reason
 * appended to why.  *uses_p is set when %{p} appears. */
int macro_check(const char *s, size_t len, unsigned flags, int *uses_p,
		spfc_buf *why);

/* Expand a string that passed macro_check with the same flags into out
 * (appended).  Returns 0, or -1 when the expansion exceeds MACRO_MAX_OUT. */
int macro_expand(const char *s, size_t len, const struct macro_env *env,
		 unsigned flags, spfc_buf *out);

#endif
