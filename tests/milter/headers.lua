-- headers.lua - Header_Type (HEADER_TYPE: AR or None) with the golden
-- configurations: AR inserts policyd-spf's Authentication-Results field
-- byte for byte at index 0; None inserts nothing; a fail is rejected
-- either way.
dofile(LIB)
start()
local conn = open("192.0.2.1", "mail.pass.example")
mail(conn, "<user@pass.example>", SMFIR_CONTINUE, "pass")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "pass")
if HEADER_TYPE == "AR" then
	eom(conn, "Authentication-Results", "mx.rcpt.example; spf=pass " ..
	    "(sender SPF authorized) smtp.mailfrom=pass.example " ..
	    "(client-ip=192.0.2.1; helo=mail.pass.example; " ..
	    "envelope-from=user@pass.example; receiver=rcpt.example)", "AR")
else
	eom(conn, nil, nil, "None")
end
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "fail")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "fail")
mt.disconnect(conn)
