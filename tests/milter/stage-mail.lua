-- stage-mail.lua - Milter_Reject_Stage = mail (stage-mail.conf): the
-- answer comes at MAIL; the header still goes in at end of message,
-- with receiver=none (no recipient is known at MAIL); InternalHosts set
-- to a network skips its clients.
dofile(LIB)
start()
local conn = open("192.0.2.9", "x.example")
mail(conn, "<user@fail.example>", SMFIR_REPLYCODE, "fail at MAIL")
mail(conn, "<user@neutral.example>", SMFIR_CONTINUE, "neutral")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "neutral")
eom(conn, "Received-SPF", spf_value("Neutral", "192.0.2.9", "x.example",
    "user@neutral.example", "none"), "neutral")
mt.disconnect(conn)

conn = open("198.51.100.7", "x.example")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "internal network")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "internal network")
eom(conn, nil, nil, "internal network")
mt.disconnect(conn)
