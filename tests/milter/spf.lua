-- spf.lua - spfc-milter with the golden configuration (spf-engine's
-- defaults): pass (the header policyd-spf prepends, byte for byte, at
-- index 0), fail (REPLYCODE at the first RCPT, again at the next),
-- authenticated senders and InternalHosts skipped, two messages on one
-- connection with RSET between them and no state carried over, an
-- IPv4-mapped client.
dofile(LIB)
start()

-- pass: Received-SPF exactly as tests/golden/default.ref has it
local conn = open("192.0.2.1", "mail.pass.example")
mail(conn, "<user@pass.example>", SMFIR_CONTINUE, "pass")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "pass")
rcpt(conn, "<other@rcpt.example>", SMFIR_CONTINUE, "pass 2nd")
eom(conn, "Received-SPF", spf_value("Pass", "192.0.2.1",
    "mail.pass.example", "user@pass.example"), "pass")

-- a second message on the same connection: fail, at RCPT
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "fail")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "fail")
rcpt(conn, "<other@rcpt.example>", SMFIR_REPLYCODE, "fail 2nd")
-- RSET: the next message starts afresh
step(mt.abort(conn), "abort")
mail(conn, "<user@soft.example>", SMFIR_CONTINUE, "softfail")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "softfail")
eom(conn, "Received-SPF", spf_value("Softfail", "192.0.2.1",
    "mail.pass.example", "user@soft.example"), "softfail")
mt.disconnect(conn)

-- an authenticated sender of a failing domain: not checked, no header
conn = open("192.0.2.9", "x.example")
step(mt.macro(conn, SMFIC_MAIL, "{auth_authen}", "alice", "i", "Q1"),
     "auth macros")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "auth")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "auth")
eom(conn, nil, nil, "auth")
-- the next message has no {auth_authen}: checked, rejected
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "after auth")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "after auth")
mt.disconnect(conn)

-- InternalHosts (default 127.0.0.1): not checked, no header
conn = open("127.0.0.1", "localhost")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "internal")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "internal")
eom(conn, nil, nil, "internal")
mt.disconnect(conn)

-- skip_addresses (127.0.0.0/8) but not InternalHosts: the policy
-- service's own trace field
conn = open("127.0.0.2", "localhost")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "local")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "local")
eom(conn, "X-Comment", "SPF check N/A for local connections - " ..
    "client-ip=127.0.0.2; helo=localhost; envelope-from=user@fail.example; " ..
    "receiver=rcpt.example ", "local")
mt.disconnect(conn)

-- an IPv4-mapped client is the IPv4 client Postfix shows a policy
-- service; the sender is lower-cased as the policy protocol has it
conn = open("::ffff:192.0.2.1", "mail.pass.example")
mail(conn, "<User@Pass.Example>", SMFIR_CONTINUE, "mapped")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "mapped")
eom(conn, "Received-SPF", spf_value("Pass", "192.0.2.1",
    "mail.pass.example", "user@pass.example"), "mapped")
mt.disconnect(conn)
