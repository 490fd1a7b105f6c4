/*
 * render.c - spf-engine's header and reply strings (see render.h).
 *
 * Cannot fail except through the sticky error of the output buffer.
 */
#include "render.h"

#include "config.h"

#include "common/ascii.h"
#include "common/printable.h"

#include <string.h>

void render_text_n(spfc_buf *out, const char *s, size_t max)
{
	if (s)
		sc_printable(out, s, strnlen(s, max), SC_PRINT_REPLACE);
}

void render_text(spfc_buf *out, const char *s)
{
	render_text_n(out, s, RENDER_TEXT_MAX);
}

static void details(spfc_buf *out, const struct render_fields *f)
{
	spfc_buf_adds(out, "client-ip=");
	render_text(out, f->client_ip);
	spfc_buf_adds(out, "; helo=");
	render_text(out, f->helo);
	spfc_buf_adds(out, "; envelope-from=");
	render_text(out, f->sender);
	spfc_buf_adds(out, "; receiver=");
	render_text(out, f->receiver);
}

void render_identity(spfc_buf *out, const char *identity,
		     const struct render_fields *f)
{
	spfc_buf_adds(out, "identity=");
	spfc_buf_adds(out, identity);
	spfc_buf_adds(out, "; ");
	details(out, f);
}

static void received_spf(spfc_buf *out, const char *result_title,
			 const char *comment, size_t cmax, const char *identity,
			 const struct render_fields *f)
{
	spfc_buf_adds(out, "Received-SPF: ");
	spfc_buf_adds(out, result_title);
	spfc_buf_adds(out, " (");
	render_text_n(out, comment, cmax);
	spfc_buf_adds(out, ") ");
	render_identity(out, identity, f);
	spfc_buf_addc(out, ' ');
}

/* Build with the comment at most cmax bytes; if the field is too long,
 * build again with the comment shortened by the excess. */
void render_received_spf(spfc_buf *out, const char *result_title,
			 const char *comment, const char *identity,
			 const struct render_fields *f)
{
	size_t start = out->len, len;

	received_spf(out, result_title, comment, RENDER_EXPL_MAX, identity, f);
	len = out->len - start;
	if (len > RENDER_HEADER_MAX) {
		size_t clen = comment ? strnlen(comment, RENDER_EXPL_MAX) : 0;
		size_t over = len - RENDER_HEADER_MAX;
		spfc_buf_truncate(out, start);
		received_spf(out, result_title, comment, clen > over ? clen - over : 0,
			     identity, f);
	}
}

/* authres QuotableValue.quote_if_needed(): as is when it holds '@' or is
 * a token, else a quoted-string with '"' and '\' escaped. */
static void quotable(spfc_buf *out, const char *v)
{
	spfc_buf tmp;

	spfc_buf_init(&tmp, 0);
	render_text(&tmp, v);
	if (strchr(spfc_buf_str(&tmp), '@') || sc_is_token(tmp.data, tmp.len)) {
		spfc_buf_adds(out, spfc_buf_str(&tmp));
	} else {
		spfc_buf_addc(out, '"');
		sc_printable(out, tmp.data, tmp.len,
			     SC_PRINT_REPLACE | SC_PRINT_QUOTE);
		spfc_buf_addc(out, '"');
	}
	spfc_buf_free(&tmp);
}

static void add_lower(spfc_buf *out, const char *s)
{
	sc_printable(out, s, strnlen(s, RENDER_TEXT_MAX),
		     SC_PRINT_REPLACE | SC_PRINT_LOWER);
}

static void ar_spf(spfc_buf *out, const char *authserv_id,
		   const char *result_title, const char *comment, size_t cmax,
		   const char *identity, const char *prop_value,
		   const struct render_fields *f)
{
	spfc_buf_adds(out, "Authentication-Results: ");
	add_lower(out, authserv_id);
	spfc_buf_adds(out, "; spf=");
	add_lower(out, result_title);
	if (comment && *comment) {
		spfc_buf_adds(out, " (");
		render_text_n(out, comment, cmax);
		spfc_buf_addc(out, ')');
	}
	spfc_buf_adds(out, " smtp.");
	spfc_buf_adds(out, identity);
	spfc_buf_addc(out, '=');
	quotable(out, prop_value);
	spfc_buf_adds(out, " (");
	details(out, f);
	spfc_buf_addc(out, ')');
}

void render_ar_spf(spfc_buf *out, const char *authserv_id,
		   const char *result_title, const char *comment,
		   const char *identity, const char *prop_value,
		   const struct render_fields *f)
{
	size_t start = out->len, len;

	ar_spf(out, authserv_id, result_title, comment, RENDER_EXPL_MAX,
	       identity, prop_value, f);
	len = out->len - start;
	if (len > RENDER_HEADER_MAX) {
		size_t clen = comment ? strnlen(comment, RENDER_EXPL_MAX) : 0;
		size_t over = len - RENDER_HEADER_MAX;
		spfc_buf_truncate(out, start);
		ar_spf(out, authserv_id, result_title, comment,
		       clen > over ? clen - over : 0, identity, prop_value, f);
	}
}

void render_skip(spfc_buf *out, int ar, const char *authserv_id,
		 const char *comment, const struct render_fields *f)
{
	if (ar) {
		spfc_buf_adds(out, "Authentication-Results: ");
		add_lower(out, authserv_id);
		spfc_buf_adds(out, "; none (");
		spfc_buf_adds(out, comment);
		spfc_buf_addc(out, ' ');
		details(out, f);
		spfc_buf_addc(out, ')');
		return;
	}
	spfc_buf_adds(out, "X-Comment: ");
	spfc_buf_adds(out, comment);
	details(out, f);
	spfc_buf_addc(out, ' ');
}

void render_reason(spfc_buf *out, const char *fmt, int defer,
		   const char *spf, const char *scope, const char *id,
		   const char *ip, const char *receiver)
{
	spfc_buf sv, uv;	/* the {spf} and {url} texts */

	spfc_buf_init(&sv, 0);
	spfc_buf_init(&uv, 0);
	render_text_n(&sv, spf, RENDER_EXPL_MAX);
	spfc_buf_adds(&uv, "http://www.openspf.net/Why?s=");
	spfc_buf_adds(&uv, scope);
	spfc_buf_adds(&uv, ";id=");
	render_text(&uv, id);
	spfc_buf_adds(&uv, ";ip=");
	render_text(&uv, ip);
	spfc_buf_adds(&uv, ";r=");
	render_text(&uv, receiver);
	if (sv.err || uv.err)
		out->err = sv.err ? sv.err : uv.err;	/* sticky, as if here */
	else
		(void)config_reason_render(fmt, defer ? "deferred" : "rejected",
					   spfc_buf_str(&sv), spfc_buf_str(&uv),
					   out);
	spfc_buf_free(&sv);
	spfc_buf_free(&uv);
}
