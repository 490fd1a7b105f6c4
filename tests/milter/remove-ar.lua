-- remove-ar.lua - Milter_Remove_AR = Yes (remove-ar.conf): an incoming
-- Authentication-Results field with our authserv-id (any case) is
-- deleted at end of message, one with another id is kept, and our own
-- header is still inserted at the top.
dofile(LIB)
start()
local conn = open("192.0.2.1", "mail.pass.example")
check(mt.test_action(conn, SMFIF_CHGHDRS), "CHGHDRS asked")
check(not mt.test_option(conn, SMFIP_NOHDRS), "headers wanted")

local function header(name, value)
	step(mt.header(conn, name, value), "header " .. name)
	reply_is(conn, SMFIR_CONTINUE, "header " .. name)
end

local pass = spf_value("Pass", "192.0.2.1", "mail.pass.example",
		       "user@pass.example")
-- a forged field with our id: deleted
mail(conn, "<user@pass.example>", SMFIR_CONTINUE, "forged")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "forged")
header("Authentication-Results", "other.example; spf=fail")
header("Subject", "hello")
header("authentication-results", "MX.Rcpt.Example; spf=pass " ..
       "smtp.mailfrom=forged.example")
step(mt.eom(conn), "forged eom")
reply_is(conn, SMFIR_CONTINUE, "forged eom")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
      "forged field deleted")
check(mt.eom_check(conn, MT_HDRINSERT, "Received-SPF", pass, 0),
      "own header inserted")

-- only other ids, and an id that merely starts like ours: nothing deleted
mail(conn, "<user@pass.example>", SMFIR_CONTINUE, "kept")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "kept")
header("Authentication-Results", "other.example; spf=pass")
header("Authentication-Results", "mx.rcpt.example.evil; spf=pass")
step(mt.eom(conn), "kept eom")
reply_is(conn, SMFIR_CONTINUE, "kept eom")
check(not mt.eom_check(conn, MT_HDRDELETE), "nothing deleted")
check(mt.eom_check(conn, MT_HDRINSERT, "Received-SPF", pass, 0),
      "own header inserted again")
mt.disconnect(conn)
