/* test_idn.c - U-labels to A-labels (RFC 8616): names that convert, names
 * that do not, ASCII left alone, mailboxes with their local part kept. */
#include <spfc/buf.h>
#include <spfc/idn.h>

#include <string.h>

#include "tap.h"

/* The A-label form of s, or "(refused)". */
static const char *dom(const char *s, int *rc)
{
	static spfc_buf b;
	static int ready;

	if (ready)
		spfc_buf_free(&b);
	spfc_buf_init(&b, 0);
	ready = 1;
	*rc = spfc_domain_to_ascii(s, strlen(s), &b);
	return *rc < 0 ? "(refused)" : spfc_buf_str(&b);
}

static const char *box(const char *s, int *rc)
{
	static spfc_buf b;
	static int ready;

	if (ready)
		spfc_buf_free(&b);
	spfc_buf_init(&b, 0);
	ready = 1;
	*rc = spfc_mailbox_to_ascii(s, strlen(s), &b);
	return *rc < 0 ? "(refused)" : spfc_buf_str(&b);
}

int main(void)
{
	char big[2000];
	spfc_buf small;
	int rc;

	/* U-labels become A-labels */
	CHECK_STR(dom("b\xc3\xbc" "cher.example", &rc), "xn--bcher-kva.example");
	CHECK(rc == 1);
	CHECK_STR(dom("\xe4\xbe\x8b\xe3\x81\x88.jp", &rc), "xn--r8jz45g.jp");
	/* UTS #46 mapping: upper case and the ideographic full stop */
	CHECK_STR(dom("B\xc3\x9c" "CHER.example", &rc), "xn--bcher-kva.example");
	CHECK_STR(dom("b\xc3\xbc" "cher\xe3\x80\x82" "example", &rc),
		  "xn--bcher-kva.example");
	/* non-transitional: sharp s stays */
	CHECK_STR(dom("stra\xc3\x9f" "e.example", &rc), "xn--strae-oqa.example");

	/* label by label: ASCII labels of a macro's output stay as they are */
	CHECK_STR(dom("_spf.b\xc3\xbc" "cher.Example", &rc),
		  "_spf.xn--bcher-kva.Example");
	CHECK_STR(dom("j\xc3\xbcrgen._l.x.example", &rc),
		  "xn--jrgen-kva._l.x.example");
	CHECK_STR(dom("b\xc3\xbc" "cher.example.", &rc), "xn--bcher-kva.example.");
	/* ASCII is not touched, whatever it is */
	CHECK_STR(dom("Mail.Example.COM", &rc), "Mail.Example.COM");
	CHECK(rc == 0);
	CHECK_STR(dom("xn--bcher-kva.example", &rc), "xn--bcher-kva.example");
	CHECK_STR(dom("under_score..example", &rc), "under_score..example");
	CHECK(rc == 0);

	/* what does not convert is refused */
	CHECK_STR(dom("b\xc3" "cher.example", &rc), "(refused)");	/* bad UTF-8 */
	CHECK_STR(dom("\xff\xfe.example", &rc), "(refused)");
	/* UTS #46 deletes a zero-width space: the name checked is the one
	 * it looks like, so writing one in does not escape a Fail */
	CHECK_STR(dom("a\xe2\x80\x8b" "b.example", &rc), "ab.example");
	CHECK_STR(dom("\xe2\x98\x83.example", &rc), "(refused)");	/* U+2603 */
	/* mapped to ASCII that is no host name: U+3000 to a space,
	 * U+FF0F to '/' */
	CHECK_STR(dom("exa\xe3\x80\x80mple.com", &rc), "(refused)");
	CHECK_STR(dom("a\xef\xbc\x8f" "b.example", &rc), "(refused)");
	memset(big, 'a', sizeof big);
	memcpy(big, "\xc3\xbc", 2);
	big[sizeof big - 1] = '\0';
	CHECK_STR(dom(big, &rc), "(refused)");			/* bounded */
	CHECK(rc == -1);

	/* mailboxes: the local part stays, the domain converts */
	CHECK_STR(box("j\xc3\xbcrgen@b\xc3\xbc" "cher.example", &rc),
		  "j\xc3\xbcrgen@xn--bcher-kva.example");
	CHECK(rc == 1);
	CHECK_STR(box("a@b@b\xc3\xbc" "cher.example", &rc),
		  "a@b@xn--bcher-kva.example");
	CHECK_STR(box("user@example.com", &rc), "user@example.com");
	CHECK(rc == 0);
	CHECK_STR(box("j\xc3\xbcrgen@example.com", &rc),
		  "j\xc3\xbcrgen@example.com");
	CHECK(rc == 0);
	CHECK_STR(box("user@\xe2\x98\x83.example", &rc), "(refused)");
	CHECK_STR(box("b\xc3\xbc" "cher.example", &rc), "xn--bcher-kva.example");

	/* a failing buffer is a failure, and leaves nothing half written */
	spfc_buf_init(&small, 10);
	CHECK(spfc_mailbox_to_ascii("u@b\xc3\xbc" "cher.example", 15, &small) == -1);
	CHECK(small.len == 0 || small.err);
	spfc_buf_free(&small);
	return DONE();
}
