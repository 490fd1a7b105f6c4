/*
 * test_answer.c - the policy core's actions as milter replies
 * (src/milter/answer.c), with actions as tests/golden's transcripts have
 * them, and libmilter's socket specifications.
 */
#include "server.h"

#include "codec.h"

#include <spfc/buf.h>

#include "tap.h"

static struct milter_answer a;

static void map(const char *action)
{
	milter_answer_map(&a, action);
}

static void test_reject(void)
{
	map("550 5.7.23 Message rejected due to: SPF fail - not authorized. "
	    "Please see http://www.openspf.net/Why?s=mfrom;id=user@fail.example;"
	    "ip=192.0.2.9;r=rcpt.example");
	CHECK(a.verdict == SMFIR_REJECT);
	CHECK_STR(spfc_buf_str(&a.text),
		  "550 5.7.23 Message rejected due to: SPF fail - not authorized. "
		  "Please see http://www.openspf.net/Why?s=mfrom;id=user@fail.example;"
		  "ip=192.0.2.9;r=rcpt.example");
	CHECK(a.hname.len == 0);
	map("550 5.7.24 Message rejected due to: SPF Permanent Error: x");
	CHECK(a.verdict == SMFIR_REJECT);
	CHECK_STR(spfc_buf_str(&a.text),
		  "550 5.7.24 Message rejected due to: SPF Permanent Error: x");
	/* a '%' of an explanation doubled (libmilter texts are formats) */
	map("550 5.7.23 100% sure");
	CHECK_STR(spfc_buf_str(&a.text), "550 5.7.23 100%% sure");
}

/* SPF_Enhanced_Status_Codes = No: the generic code Postfix needs. */
static void test_no_enhanced(void)
{
	map("550 Message rejected due to: SPF fail - not authorized.");
	CHECK(a.verdict == SMFIR_REJECT);
	CHECK_STR(spfc_buf_str(&a.text),
		  "550 5.7.1 Message rejected due to: SPF fail - not authorized.");
	map("defer_if_permit Message deferred due to: SPF Temporary Error");
	CHECK(a.verdict == SMFIR_TEMPFAIL);
	CHECK_STR(spfc_buf_str(&a.text),
		  "450 4.7.1 Message deferred due to: SPF Temporary Error");
}

static void test_defer(void)
{
	map("defer_if_permit 4.7.24 Message deferred due to: SPF Temporary "
	    "Error: DNS server failure on TXT lookup of servfail.example.");
	CHECK(a.verdict == SMFIR_TEMPFAIL);
	CHECK_STR(spfc_buf_str(&a.text),
		  "450 4.7.24 Message deferred due to: SPF Temporary Error: DNS "
		  "server failure on TXT lookup of servfail.example.");
	/* the answer when memory is short: fail closed */
	map(POLICY_OOM_ACTION);
	CHECK(a.verdict == SMFIR_TEMPFAIL);
	CHECK_STR(spfc_buf_str(&a.text), "450 4.7.1 " POLICY_OOM_TEXT);
}

static void test_prepend(void)
{
	map("prepend Received-SPF: Pass (mailfrom) identity=mailfrom; "
	    "client-ip=192.0.2.1; helo=mail.pass.example; "
	    "envelope-from=user@pass.example; receiver=rcpt.example ");
	CHECK(a.verdict == SMFIR_CONTINUE);
	CHECK_STR(spfc_buf_str(&a.hname), "Received-SPF");
	CHECK_STR(spfc_buf_str(&a.hvalue),
		  "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; "
		  "helo=mail.pass.example; envelope-from=user@pass.example; "
		  "receiver=rcpt.example ");
	map("prepend Authentication-Results: mx.rcpt.example; spf=pass "
	    "smtp.mailfrom=user@pass.example");
	CHECK_STR(spfc_buf_str(&a.hname), "Authentication-Results");
	CHECK_STR(spfc_buf_str(&a.hvalue),
		  "mx.rcpt.example; spf=pass smtp.mailfrom=user@pass.example");
	map("dunno");
	CHECK(a.verdict == SMFIR_CONTINUE);
	CHECK(a.hname.len == 0 && a.text.len == 0);
	/* a restriction class has no milter meaning */
	map("check_helo_class");
	CHECK(a.verdict == SMFIR_CONTINUE);
	CHECK(a.hname.len == 0);
}

static void spec(const char *s, int want_rc, int want_unix, const char *want)
{
	spfc_buf out;
	int is_unix = -1;

	spfc_buf_init(&out, 0);
	CHECK(milter_spec_parse(s, &out, &is_unix) == want_rc);
	if (want_rc == 0) {
		CHECK(is_unix == want_unix);
		CHECK_STR(spfc_buf_str(&out), want);
	}
	spfc_buf_free(&out);
}

static void test_specs(void)
{
	spec("unix:/run/x.sock", 0, 1, "/run/x.sock");
	spec("local:/run/x.sock", 0, 1, "/run/x.sock");
	spec("inet:8890@127.0.0.1", 0, 0, "127.0.0.1:8890");
	spec("inet:8890@localhost", 0, 0, "127.0.0.1:8890");
	spec("inet6:8890@::1", 0, 0, "[::1]:8890");
	spec("inet6:8890@localhost", 0, 0, "[::1]:8890");
	spec("inet:127.0.0.1:8890", 0, 0, "127.0.0.1:8890");
	spec("unix:", 2, 0, NULL);
	spec("inet:@127.0.0.1", 2, 0, NULL);
	spec("tcp:8890", 2, 0, NULL);
}

int main(void)
{
	milter_answer_init(&a);
	test_reject();
	test_no_enhanced();
	test_defer();
	test_prepend();
	test_specs();
	milter_answer_free(&a);
	return DONE();
}
