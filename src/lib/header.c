/*
 * header.c - rendering a finished check as a Received-SPF field (RFC 7208
 * §9.1) or as the spf method of Authentication-Results (RFC 8601), and the
 * sanitizer every piece of outside text passes through on its way there.
 *
 * Outside text (HELO names, senders, the receiver name, the matched term,
 * the problem) is made printable ASCII by spfc_sanitize() and clipped to
 * SPFC_TEXT_MAX bytes, then written as a dot-atom when it is one and as an
 * RFC 5322 quoted-string otherwise (inside the comment, '(', ')' and '\'
 * are escaped as quoted-pairs).  Fields are one line, never folded: when a
 * field would pass SPFC_HEADER_MAX bytes, all outside text is clipped
 * shorter (the clip is halved) and the field built again, so the result
 * always fits.
 *
 * How it fails: SPFC_ENOMEM when memory runs out, SPFC_ELIMIT when `out`
 * (the caller's buffer) refuses the field; `out` then keeps what it had
 * before the call.  Never reads past the given lengths.
 */
#include <spfc/buf.h>
#include <spfc/header.h>
#include <spfc/spfc.h>

#include "common/ascii.h"
#include "common/printable.h"

#include <string.h>

/* The clip (bytes of outside text per piece, starting at SPFC_TEXT_MAX) is
 * halved while it stays at least this large.  The last clip tried is 25:
 * nine pieces of at most 2 * 25 + 2 bytes each, an address of at most
 * SPFC_ADDR_TEXT_MAX bytes twice and under 200 bytes of fixed text come to
 * well under SPFC_HEADER_MAX, so a field always fits. */
#define HDR_CLIP_MIN 16

/* RFC 5322 §3.2.3 atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~". */
static int is_atext(unsigned char c)
{
	if (sc_is_alnum(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* RFC 5322 §3.2.3 dot-atom-text: 1*atext *("." 1*atext). */
static int is_dot_atom(const char *s, size_t len)
{
	size_t i;
	int run = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (!run)
				return 0;
			run = 0;
		} else if (is_atext(c)) {
			run = 1;
		} else {
			return 0;
		}
	}
	return run;
}

/* RFC 6376 §3.5 / RFC 5321 §4.1.2 domain: sub-domain *("." sub-domain),
 * sub-domain = Let-dig [Ldh-str] (a hyphen neither first nor last). */
static int is_domain_name(const char *s, size_t len)
{
	size_t i, start = 0;

	if (len == 0)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i == start || !sc_is_alnum(s[start]) ||
			    !sc_is_alnum(s[i - 1]))
				return 0;
			start = i + 1;
		} else if (!sc_is_alnum(s[i]) && s[i] != '-') {
			return 0;
		}
	}
	return 1;
}

size_t spfc_sanitize(spfc_buf *out, const char *s, size_t len, size_t max)
{
	static const char dots[] = "...";
	size_t before = out->len, keep = len;
	int cut = 0;

	if (!s)
		len = keep = 0;
	if (len > max) {
		cut = 1;
		keep = max >= 3 ? max - 3 : 0;
	}
	sc_printable(out, s, keep, SC_PRINT_REPLACE);
	if (cut)
		spfc_buf_add(out, dots, max < 3 ? max : 3);
	return out->len >= before ? out->len - before : 0;
}

/* Sanitize s (clipped to clip bytes) into the scratch buffer tmp. */
static void clean(spfc_buf *tmp, const char *s, size_t clip)
{
	spfc_buf_reset(tmp);
	spfc_sanitize(tmp, s, s ? strlen(s) : 0, clip);
}

/* Append t as an RFC 5322 quoted-string. */
static void add_quoted(spfc_buf *out, const char *t, size_t len)
{
	spfc_buf_addc(out, '"');
	sc_printable(out, t, len, SC_PRINT_REPLACE | SC_PRINT_QUOTE);
	spfc_buf_addc(out, '"');
}

/* Append outside text as a Received-SPF value: dot-atom or quoted. */
static void add_value(spfc_buf *out, spfc_buf *tmp, const char *s,
		      size_t clip)
{
	clean(tmp, s, clip);
	if (is_dot_atom(spfc_buf_str(tmp), tmp->len))
		spfc_buf_add(out, tmp->data, tmp->len);
	else
		add_quoted(out, spfc_buf_str(tmp), tmp->len);
}

/* Append outside text as RFC 5322 comment content (ctext / quoted-pair). */
static void add_ctext(spfc_buf *out, spfc_buf *tmp, const char *s,
		      size_t clip)
{
	const char *t;
	size_t i;

	clean(tmp, s, clip);
	t = spfc_buf_str(tmp);
	for (i = 0; i < tmp->len; i++) {
		if (t[i] == '(' || t[i] == ')' || t[i] == '\\')
			spfc_buf_addc(out, '\\');
		spfc_buf_addc(out, t[i]);
	}
}

/* The client address as evaluated: IPv4-mapped shown as IPv4 (§5). */
static void ip_text(const spfc_check *c, char *text, size_t size)
{
	spfc_addr a = *spfc_check_ip(c);

	spfc_addr_unmap(&a);
	spfc_addr_format(&a, text, size);
}

static void add_comment(spfc_buf *out, spfc_buf *tmp, const spfc_check *c,
			const char *receiver, const char *ip, size_t clip)
{
	const char *sender = spfc_check_sender(c);

	spfc_buf_addc(out, '(');
	add_ctext(out, tmp, receiver, clip);
	spfc_buf_adds(out, ": ");
	switch (spfc_check_result(c)) {
	case SPFC_PASS:
		spfc_buf_adds(out, "domain of ");
		add_ctext(out, tmp, sender, clip);
		spfc_buf_adds(out, " designates ");
		spfc_buf_adds(out, ip);
		spfc_buf_adds(out, " as permitted sender");
		break;
	case SPFC_FAIL:
		spfc_buf_adds(out, "domain of ");
		add_ctext(out, tmp, sender, clip);
		spfc_buf_adds(out, " does not designate ");
		spfc_buf_adds(out, ip);
		spfc_buf_adds(out, " as permitted sender");
		break;
	case SPFC_SOFTFAIL:
		spfc_buf_adds(out, "domain of transitioning ");
		add_ctext(out, tmp, sender, clip);
		spfc_buf_adds(out, " does not designate ");
		spfc_buf_adds(out, ip);
		spfc_buf_adds(out, " as permitted sender");
		break;
	case SPFC_NEUTRAL:
		spfc_buf_adds(out, ip);
		spfc_buf_adds(out, " is neither permitted nor denied by "
				   "domain of ");
		add_ctext(out, tmp, sender, clip);
		break;
	case SPFC_NONE:
		spfc_buf_adds(out, "domain of ");
		add_ctext(out, tmp, sender, clip);
		spfc_buf_adds(out, " does not designate permitted sender "
				   "hosts");
		break;
	case SPFC_TEMPERROR:
		spfc_buf_adds(out, "temporary error in processing during "
				   "lookup of ");
		add_ctext(out, tmp, sender, clip);
		break;
	case SPFC_PERMERROR:
		spfc_buf_adds(out, "permanent error in processing domain of ");
		add_ctext(out, tmp, sender, clip);
		break;
	}
	spfc_buf_addc(out, ')');
}

static void render_received(spfc_buf *out, spfc_buf *tmp, const spfc_check *c,
			    const char *receiver, size_t clip)
{
	char ip[SPFC_ADDR_TEXT_MAX];
	const char *helo = spfc_check_helo(c);
	const char *mech = spfc_check_mechanism(c);
	const char *problem = spfc_check_problem(c);

	ip_text(c, ip, sizeof ip);
	spfc_buf_adds(out, "Received-SPF: ");
	spfc_buf_adds(out, spfc_result_name(spfc_check_result(c)));
	spfc_buf_addc(out, ' ');
	add_comment(out, tmp, c, receiver, ip, clip);
	spfc_buf_adds(out, " client-ip=");
	add_value(out, tmp, ip, clip);
	spfc_buf_adds(out, "; envelope-from=");
	add_value(out, tmp, spfc_check_sender(c), clip);
	if (helo && *helo) {
		spfc_buf_adds(out, "; helo=");
		add_value(out, tmp, helo, clip);
	}
	spfc_buf_adds(out, "; receiver=");
	add_value(out, tmp, receiver, clip);
	if (mech && *mech) {
		spfc_buf_adds(out, "; mechanism=");
		add_value(out, tmp, mech, clip);
	}
	if (problem && *problem) {
		spfc_buf_adds(out, "; problem=");
		add_value(out, tmp, problem, clip);
	}
	spfc_buf_adds(out, "; identity=");
	spfc_buf_adds(out, spfc_check_scope(c) == SPFC_SCOPE_HELO ? "helo"
								   : "mailfrom");
}

/* RFC 8601 value: token or quoted-string. */
static void add_ar_value(spfc_buf *out, spfc_buf *tmp, const char *s,
			 size_t clip)
{
	clean(tmp, s, clip);
	if (sc_is_token(spfc_buf_str(tmp), tmp->len))
		spfc_buf_add(out, tmp->data, tmp->len);
	else
		add_quoted(out, spfc_buf_str(tmp), tmp->len);
}

/* RFC 8601 §2.2 pvalue for a mailbox or a domain:
 * [ [ local-part ] "@" ] domain-name, else a quoted-string. */
static void add_ar_mailbox(spfc_buf *out, spfc_buf *tmp, const char *s,
			   size_t clip)
{
	const char *t;
	const char *at;
	size_t local, dlen;

	clean(tmp, s, clip);
	t = spfc_buf_str(tmp);
	at = strrchr(t, '@');
	if (!at) {
		if (is_domain_name(t, tmp->len))
			spfc_buf_add(out, t, tmp->len);
		else
			add_quoted(out, t, tmp->len);
		return;
	}
	local = (size_t)(at - t);
	dlen = tmp->len - local - 1;
	if (!is_domain_name(at + 1, dlen)) {
		add_quoted(out, t, tmp->len);
		return;
	}
	if (local == 0 || is_dot_atom(t, local))
		spfc_buf_add(out, t, local);
	else
		add_quoted(out, t, local);
	spfc_buf_addc(out, '@');
	spfc_buf_add(out, at + 1, dlen);
}

static void render_auth(spfc_buf *out, spfc_buf *tmp, const spfc_check *c,
			const char *authserv_id, size_t clip)
{
	const char *problem = spfc_check_problem(c);

	spfc_buf_adds(out, "Authentication-Results: ");
	add_ar_value(out, tmp, authserv_id, clip);
	spfc_buf_adds(out, "; spf=");
	spfc_buf_adds(out, spfc_result_name(spfc_check_result(c)));
	if (problem && *problem) {
		spfc_buf_adds(out, " reason=");
		clean(tmp, problem, clip);
		add_quoted(out, spfc_buf_str(tmp), tmp->len);
	}
	if (spfc_check_scope(c) == SPFC_SCOPE_HELO) {
		spfc_buf_adds(out, " smtp.helo=");
		add_ar_mailbox(out, tmp, spfc_check_helo(c), clip);
	} else {
		spfc_buf_adds(out, " smtp.mailfrom=");
		add_ar_mailbox(out, tmp, spfc_check_sender(c), clip);
	}
}

typedef void (*render_fn)(spfc_buf *out, spfc_buf *tmp, const spfc_check *c,
			  const char *text, size_t clip);

/* Render with shrinking clips until the field fits SPFC_HEADER_MAX, then
 * append it to out in one piece. */
static spfc_status render(render_fn fn, const spfc_check *c, const char *text,
			  spfc_buf *out)
{
	spfc_buf field, tmp;
	spfc_status st = SPFC_ELIMIT;
	size_t clip;

	spfc_buf_init(&field, SPFC_HEADER_MAX);
	spfc_buf_init(&tmp, SPFC_TEXT_MAX);
	for (clip = SPFC_TEXT_MAX; clip >= HDR_CLIP_MIN; clip /= 2) {
		spfc_buf_reset(&field);
		fn(&field, &tmp, c, text, clip);
		if (tmp.err == SPFC_ENOMEM || field.err == SPFC_ENOMEM) {
			st = SPFC_ENOMEM;
			goto done;
		}
		if (!field.err)
			break;
	}
	if (field.err)
		goto done;
	if (spfc_buf_add(out, spfc_buf_str(&field), field.len) < 0) {
		st = (spfc_status)out->err;
		goto done;
	}
	st = SPFC_OK;
done:
	spfc_buf_free(&field);
	spfc_buf_free(&tmp);
	return st;
}

spfc_status spfc_received_spf(const spfc_check *c, const char *receiver,
			      spfc_buf *out)
{
	if (!c || !out)
		return SPFC_EINVAL;
	return render(render_received, c, receiver ? receiver : "unknown",
		      out);
}

spfc_status spfc_auth_results(const spfc_check *c, const char *authserv_id,
			      spfc_buf *out)
{
	if (!c || !out)
		return SPFC_EINVAL;
	return render(render_auth, c, authserv_id ? authserv_id : "unknown",
		      out);
}
