-- temperror.lua - TempError_Defer = True (tests/golden/tempdefer.conf):
-- a DNS server failure defers the first RCPT (450 4.7.24 REPLYCODE),
-- later recipients too; a pass on the same connection still gets its
-- header.
dofile(LIB)
start()
local conn = open("192.0.2.9", "x.example")
mail(conn, "<user@servfail.example>", SMFIR_CONTINUE, "temperror")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "temperror")
rcpt(conn, "<other@rcpt.example>", SMFIR_REPLYCODE, "temperror 2nd")
step(mt.abort(conn), "abort")
mail(conn, "<user@none.example>", SMFIR_CONTINUE, "none")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "none")
eom(conn, "Received-SPF", spf_value("None", "192.0.2.9", "x.example",
    "user@none.example"), "none")
mt.disconnect(conn)
