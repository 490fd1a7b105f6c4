-- macro-list.lua - MacroList (macro-list.conf): a client in InternalHosts
-- is checked when a listed macro matches at MAIL (one of the listed
-- values, or set at all for an entry without values), skipped otherwise;
-- a client outside InternalHosts is checked whatever its macros.
dofile(LIB)
start()

-- internal, {daemon_name} one of the values: checked, fail rejected
local conn = open("198.51.100.7", "x.example")
step(mt.macro(conn, SMFIC_MAIL, "{daemon_name}", "INBOUND"), "mail macros")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "internal, macro matches")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE,
     "internal, macro matches")
mt.disconnect(conn)

-- internal, another value: skipped, no header
conn = open("198.51.100.7", "x.example")
step(mt.macro(conn, SMFIC_MAIL, "{daemon_name}", "ORIGINATING"),
     "mail macros")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "internal, other value")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "internal, other value")
eom(conn, nil, nil, "internal, other value")
mt.disconnect(conn)

-- internal, a value only the prefix of a listed one: skipped
conn = open("127.0.0.1", "localhost")
step(mt.macro(conn, SMFIC_MAIL, "{daemon_name}", "VERIFY"), "mail macros")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "internal, prefix")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "internal, prefix")
eom(conn, nil, nil, "internal, prefix")
mt.disconnect(conn)

-- internal, no macro at all: skipped
conn = open("127.0.0.1", "localhost")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "internal, no macro")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "internal, no macro")
eom(conn, nil, nil, "internal, no macro")
mt.disconnect(conn)

-- internal, {auth_type} set (an entry without values): checked; the
-- header is the one of the client's own result
conn = open("198.51.100.7", "x.example")
step(mt.macro(conn, SMFIC_MAIL, "{auth_type}", "PLAIN"), "mail macros")
mail(conn, "<user@neutral.example>", SMFIR_CONTINUE, "internal, auth_type")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "internal, auth_type")
eom(conn, "Received-SPF", spf_value("Neutral", "198.51.100.7", "x.example",
    "user@neutral.example"), "internal, auth_type")
mt.disconnect(conn)

-- the macro of one message does not carry over to the next (a second MAIL
-- without it on the same connection is skipped)
conn = open("198.51.100.7", "x.example")
step(mt.macro(conn, SMFIC_MAIL, "{daemon_name}", "VERIFYING"), "mail macros")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "first message")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "first message")
step(mt.abort(conn), "abort")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "second message")
rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "second message")
eom(conn, nil, nil, "second message")
mt.disconnect(conn)

-- external, no macro: checked all the same (pyspf-milter skips it)
conn = open("192.0.2.9", "x.example")
mail(conn, "<user@fail.example>", SMFIR_CONTINUE, "external, no macro")
rcpt(conn, "<someone@rcpt.example>", SMFIR_REPLYCODE, "external, no macro")
mt.disconnect(conn)
