-- echo.lua - miltertest (Debian's, from OpenDKIM) drives echo_milter as an
-- MTA would: negotiation, connect with macros, HELO, MAIL with
-- {auth_authen}, RCPT, end of message, and checks every reply and the
-- header inserted; then a second message (no macros: no auth), RSET, a
-- rejection with a text, a deferral, and a connection over IPv6.
-- Globals from the command line: BIN (echo_milter), SOCK (a socket path).

local function check(ok, what)
	if not ok then
		error("failed: " .. what)
	end
end

local function step(r, what)
	check(r == nil, what .. ": " .. tostring(r))
end

local function reply_is(conn, want, what)
	local got = mt.getreply(conn)
	check(got == want, what .. ": reply " .. tostring(got) ..
	      ", want " .. tostring(want))
end

mt.startfilter(BIN, SOCK)
local conn = mt.connect("unix:" .. SOCK, 50, 0.1)
check(conn ~= nil, "connect")
step(mt.negotiate(conn, nil, nil, nil), "negotiate")
check(mt.test_action(conn, SMFIF_ADDHDRS), "ADDHDRS asked")
check(not mt.test_action(conn, SMFIF_CHGHDRS), "CHGHDRS not asked")
check(mt.test_option(conn, SMFIP_NOBODY), "NOBODY asked")
check(mt.test_option(conn, SMFIP_NOHDRS), "NOHDRS asked")
check(mt.test_option(conn, SMFIP_NOEOH), "NOEOH asked")
check(not mt.test_option(conn, SMFIP_NOHELO), "NOHELO never")
check(not mt.test_option(conn, SMFIP_NOCONNECT), "NOCONNECT never")

step(mt.macro(conn, SMFIC_CONNECT, "j", "mx.example",
	      "{daemon_name}", "MTA"), "connect macros")
step(mt.conninfo(conn, "client.example", "192.0.2.20"), "conninfo")
reply_is(conn, SMFIR_CONTINUE, "connect")
step(mt.helo(conn, "helo.example"), "helo")
reply_is(conn, SMFIR_CONTINUE, "helo")

-- message 1: authenticated, one recipient refused
step(mt.macro(conn, SMFIC_MAIL, "{auth_authen}", "alice", "i", "Q1"),
     "mail macros")
step(mt.mailfrom(conn, "<ok@example.org>", "SIZE=100"), "mail 1")
reply_is(conn, SMFIR_CONTINUE, "mail 1")
step(mt.rcptto(conn, "<rej@example.net>"), "rcpt rej")
reply_is(conn, SMFIR_REPLYCODE, "rcpt rej")
step(mt.rcptto(conn, "<c@example.net>"), "rcpt ok")
reply_is(conn, SMFIR_CONTINUE, "rcpt ok")
step(mt.eom(conn), "eom 1")
reply_is(conn, SMFIR_CONTINUE, "eom 1")
check(mt.eom_check(conn, MT_HDRINSERT, "Received-SPF",
		   "pass client=192.0.2.20 helo=helo.example auth=alice", 0),
      "header of message 1")

-- message 2: no macros sent, so no {auth_authen} from message 1
step(mt.mailfrom(conn, "<ok2@example.org>"), "mail 2")
reply_is(conn, SMFIR_CONTINUE, "mail 2")
step(mt.rcptto(conn, "<c@example.net>"), "rcpt 2")
step(mt.eom(conn), "eom 2")
reply_is(conn, SMFIR_CONTINUE, "eom 2")
check(mt.eom_check(conn, MT_HDRINSERT, "Received-SPF",
		   "pass client=192.0.2.20 helo=helo.example auth=none", 0),
      "header of message 2")

-- RSET, then a rejection with a text and a deferral
step(mt.mailfrom(conn, "<ok3@example.org>"), "mail 3")
step(mt.abort(conn), "abort")
step(mt.mailfrom(conn, "<fail@example.org>"), "mail fail")
reply_is(conn, SMFIR_REPLYCODE, "mail fail")
step(mt.mailfrom(conn, "<defer@example.org>"), "mail defer")
reply_is(conn, SMFIR_REPLYCODE, "mail defer")
step(mt.mailfrom(conn, "<ok4@example.org>"), "mail 4")
reply_is(conn, SMFIR_CONTINUE, "mail 4")
step(mt.disconnect(conn), "disconnect")

-- a second connection, over IPv6
local c6 = mt.connect("unix:" .. SOCK, 50, 0.1)
check(c6 ~= nil, "connect 2")
step(mt.negotiate(c6, nil, nil, nil), "negotiate 2")
step(mt.conninfo(c6, "v6.example", "2001:db8::25"), "conninfo 6")
reply_is(c6, SMFIR_CONTINUE, "connect 6")
step(mt.helo(c6, "v6.example"), "helo 6")
step(mt.mailfrom(c6, "<ok@example.org>"), "mail 6")
step(mt.rcptto(c6, "<c@example.net>"), "rcpt 6")
step(mt.eom(c6), "eom 6")
reply_is(c6, SMFIR_CONTINUE, "eom 6")
check(mt.eom_check(c6, MT_HDRINSERT, "Received-SPF",
		   "pass client=2001:db8::25 helo=v6.example auth=none", 0),
      "header of the IPv6 message")
step(mt.disconnect(c6), "disconnect 2")
mt.echo("echo.lua: all checks passed")
