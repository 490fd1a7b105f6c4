/*
 * test_decide.c - spf-engine's decision procedure (src/policyd/decide.c)
 * without DNS: a table of cases per option value, each a request, the
 * results its checks return and the action answered.
 *
 * A failing check prints its file and line; the run ends with
 * "N passed, M failed".
 */
#include "decide.h"

#include <spfc/buf.h>
#include <spfc/spfc.h>

#include <stdio.h>
#include <string.h>

#include "../unit/tap.h"

struct tcase {
	const char *opt, *val;		/* the option set (NULL: defaults) */
	const char *sender;		/* the envelope sender */
	spfc_result helo, mfrom;	/* what the HELO / MAIL FROM checks give */
	const char *record;		/* the record the check saw */
	const char *want;		/* the answer's start */
};

static const struct tcase cases[] = {
	/* HELO_reject */
	{"HELO_reject", "Fail", "a@example.org", SPFC_FAIL, SPFC_PASS, "", "550 5.7.23 Message rejected"},
	{"HELO_reject", "Fail", "a@example.org", SPFC_SOFTFAIL, SPFC_PASS, "", "prepend Received-SPF: Pass"},
	{"HELO_reject", "SPF_Not_Pass", "a@example.org", SPFC_NEUTRAL, SPFC_PASS, "", "550 5.7.23"},
	{"HELO_reject", "Softfail", "a@example.org", SPFC_SOFTFAIL, SPFC_PASS, "", "550 5.7.23"},
	{"HELO_reject", "Softfail", "a@example.org", SPFC_NEUTRAL, SPFC_PASS, "", "prepend "},
	{"HELO_reject", "Null", "a@example.org", SPFC_FAIL, SPFC_PASS, "", "prepend Received-SPF: Pass"},
	{"HELO_reject", "Null", "", SPFC_FAIL, SPFC_NONE, "", "550 5.7.23"},
	{"HELO_reject", "False", "a@example.org", SPFC_FAIL, SPFC_PASS, "", "prepend "},
	{"HELO_reject", "No_Check", "", SPFC_FAIL, SPFC_NONE, "", "dunno"},
	/* Mail_From_reject */
	{"Mail_From_reject", "Fail", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "550 5.7.23 Message rejected"},
	{"Mail_From_reject", "Fail", "a@example.org", SPFC_NONE, SPFC_SOFTFAIL, "", "prepend Received-SPF: Softfail"},
	{"Mail_From_reject", "SPF_Not_Pass", "a@example.org", SPFC_NONE, SPFC_NEUTRAL, "", "550 5.7.23"},
	{"Mail_From_reject", "Softfail", "a@example.org", SPFC_NONE, SPFC_SOFTFAIL, "", "550 5.7.23"},
	{"Mail_From_reject", "Softfail", "a@example.org", SPFC_NONE, SPFC_NEUTRAL, "", "prepend "},
	{"Mail_From_reject", "False", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "prepend Received-SPF: Fail"},
	{"Mail_From_reject", "No_Check", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "prepend Received-SPF: None"},
	/* PermError_reject, TempError_Defer */
	{"PermError_reject", "False", "a@example.org", SPFC_NONE, SPFC_PERMERROR, "", "prepend Received-SPF: Permerror"},
	{"PermError_reject", "True", "a@example.org", SPFC_NONE, SPFC_PERMERROR, "", "550 5.7.24"},
	{"TempError_Defer", "False", "a@example.org", SPFC_NONE, SPFC_TEMPERROR, "", "prepend Received-SPF: Temperror"},
	{"TempError_Defer", "True", "a@example.org", SPFC_NONE, SPFC_TEMPERROR, "", "defer_if_permit 4.7.24"},
	/* No_Mail */
	{"No_Mail", "False", "a@example.org", SPFC_NONE, SPFC_FAIL, "v=spf1 a -all", "550 5.7.23"},
	{"No_Mail", "True", "a@example.org", SPFC_NONE, SPFC_FAIL, "v=spf1 a -all", "prepend Received-SPF: Fail"},
	{"No_Mail", "True", "a@example.org", SPFC_NONE, SPFC_FAIL, "v=spf1 -all", "550 5.7.23"},
	/* pass restrictions */
	{"HELO_pass_restriction", "helo_ok", "a@example.org", SPFC_PASS, SPFC_FAIL, "", "helo_ok"},
	{"Mail_From_pass_restriction", "mf_ok", "a@example.org", SPFC_NONE, SPFC_PASS, "", "mf_ok"},
	{"Mail_From_pass_restriction", "mf_ok", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "550 5.7.23"},
	/* Header_Type */
	{"Header_Type", "SPF", "a@example.org", SPFC_NONE, SPFC_PASS, "", "prepend Received-SPF: Pass (mailfrom) identity=mailfrom;"},
	{"Header_Type", "AR", "a@example.org", SPFC_NONE, SPFC_PASS, "", "prepend Authentication-Results: "},
	{"Header_Type", "None", "a@example.org", SPFC_NONE, SPFC_PASS, "", "dunno"},
	/* the reply text */
	{"SPF_Enhanced_Status_Codes", "No", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "550 Message rejected"},
	{"Reason_Message", "no {rejectdefer}", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "550 5.7.23 no rejected"},
	{"TestOnly", "0", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "dunno"},
	{"Prospective", "192.0.2.9", "a@example.org", SPFC_NONE, SPFC_PASS, "", "dunno"},
	{"Mock", "True", "a@example.org", SPFC_NONE, SPFC_PASS, "", "dunno mock header"},
	/* Reject_Not_Pass_Domains */
	{"Reject_Not_Pass_Domains", "example.org", "a@example.org", SPFC_NONE, SPFC_NEUTRAL, "", "550 5.7.23 Message rejected due to: Receiver policy for SPF Neutral"},
	/* Whitelist, skip_addresses (the client is 192.0.2.1) */
	{"skip_addresses", "192.0.2.0/24", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "prepend X-Comment: SPF check N/A for local"},
	{"Whitelist", "192.0.2.1", "a@example.org", SPFC_NONE, SPFC_FAIL, "", "prepend X-Comment: SPF skipped for whitelisted relay"},
	{NULL, NULL, "a@example.org", SPFC_NONE, SPFC_FAIL, "", "550 5.7.23"},
};

/* Drive the decision the way the scheduler does: each check asked for
 * returns the case's result (whitelist checks fail). */
static void run(const struct tcase *t)
{
	struct config cfg;
	struct decide d;
	struct decide_req q;
	struct decide_check c;
	const struct decide_check *done = NULL;
	spfc_addr a;
	spfc_buf ans;
	int n = 0;

	config_init(&cfg);
	config_set(&cfg, "skip_addresses", "127.0.0.0/8", 0);
	if (t->opt && config_set(&cfg, t->opt, t->val, 0) != 0) {
		fprintf(stderr, "cannot set %s = %s\n", t->opt, t->val);
		CHECK(0);
		config_free(&cfg);
		return;
	}
	memset(&q, 0, sizeof q);
	q.client_address = "192.0.2.1";
	q.helo_name = "mx.example.org";
	q.sender = t->sender;
	q.recipient = "example.net";
	q.ip = decide_ip(&cfg, q.client_address);
	q.helo = decide_helo(q.helo_name, q.sender);
	decide_init(&d);
	spfc_buf_init(&ans, 0);
	decide_reset(&d, &cfg, &q, NULL, NULL, NULL);
	spfc_addr_parse(q.ip, &a);
	if (cfg.mock)
		decide_mock(&d);
	else
		decide_nets(&d, &a);
	while (decide_step(&d, done) == DECIDE_ASK && n++ < 10) {
		c.result = d.ask.scope == SPFC_SCOPE_HELO ? t->helo
			   : d.stage == DS_MFROM ? t->mfrom : SPFC_FAIL;
		c.explanation = "";
		c.problem = "";
		c.record = t->record;
		done = &c;
	}
	decide_answer(&d, &ans);
	if (strncmp(spfc_buf_str(&ans), t->want, strlen(t->want)) != 0)
		fprintf(stderr, "%s = %s:\n", t->opt ? t->opt : "(defaults)",
			t->val ? t->val : "");
	CHECK(strncmp(spfc_buf_str(&ans), t->want, strlen(t->want)) == 0);
	if (strncmp(spfc_buf_str(&ans), t->want, strlen(t->want)) != 0)
		fprintf(stderr, "  got \"%s\", want \"%s...\"\n", spfc_buf_str(&ans), t->want);
	spfc_buf_free(&ans);
	decide_free(&d);
	config_free(&cfg);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run(&cases[i]);
	return DONE();
}
