-- timeout.lua - Milter_Timeout = 1 with Lookup_Time left at 20 s
-- (timeout.conf): a domain whose DNS never answers is a TempError after
-- the milter's budget, deferred (TempError_Defer), well before the
-- MTA's (here miltertest's) read time-out would end the session.
dofile(LIB)
start()
local conn = open("192.0.2.9", "x.example")
mail(conn, "<user@temp.example>", SMFIR_CONTINUE, "slow domain")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "slow domain")
step(mt.abort(conn), "abort")
mail(conn, "<user@none.example>", SMFIR_CONTINUE, "after it")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "after it")
eom(conn, "Received-SPF", spf_value("None", "192.0.2.9", "x.example",
    "user@none.example"), "after it")
mt.disconnect(conn)
