-- no-enhanced.lua - SPF_Enhanced_Status_Codes = No
-- (tests/golden/no-enhanced.conf): a fail is still a REPLYCODE (its
-- text, 550 5.7.1 without the SPF code, is checked by test_answer.c),
-- a PermError rejected, a pass gets its header.
dofile(LIB)
start()
local conn = open("192.0.2.9", "x.example")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "fail")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "fail")
step(mt.abort(conn), "abort")
mail(conn, "<user@perm.example>", SMFIR_CONTINUE, "permerror")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "permerror")
step(mt.abort(conn), "abort")
mail(conn, "<user@notnomail.example>", SMFIR_CONTINUE, "fail 2")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "fail 2")
mt.disconnect(conn)
conn = open("192.0.2.1", "mail.pass.example")
mail(conn, "<user@pass.example>", SMFIR_CONTINUE, "pass")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "pass")
eom(conn, "Received-SPF", spf_value("Pass", "192.0.2.1",
    "mail.pass.example", "user@pass.example"), "pass")
mt.disconnect(conn)
