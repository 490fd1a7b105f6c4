-- spfc_lib.lua - helpers of the spfc-milter scripts: start the real
-- spfc-milter on the golden zone with a configuration, open an MTA
-- connection, check replies and the inserted header.  Globals from the
-- command line (run-spfc-milter.sh): BIN, SOCK, ZONE, CONF.

function check(ok, what)
	if not ok then
		error("failed: " .. what)
	end
end

function step(r, what)
	check(r == nil, what .. ": " .. tostring(r))
end

function reply_is(conn, want, what)
	local got = mt.getreply(conn)
	check(got == want, what .. ": reply " .. tostring(got) ..
	      ", want " .. tostring(want))
end

function start()
	mt.startfilter(BIN, "-f", "--zone", ZONE, "--socket",
		       "unix:" .. SOCK, CONF)
end

-- A connection from addr, HELO helo, both answered CONTINUE.
function open(addr, helo)
	local conn = mt.connect("unix:" .. SOCK, 50, 0.1)
	check(conn ~= nil, "connect")
	step(mt.negotiate(conn, nil, nil, nil), "negotiate")
	check(mt.test_action(conn, SMFIF_ADDHDRS), "ADDHDRS asked")
	step(mt.conninfo(conn, "client.example", addr), "conninfo")
	reply_is(conn, SMFIR_CONTINUE, "connect")
	step(mt.helo(conn, helo), "helo")
	reply_is(conn, SMFIR_CONTINUE, "helo")
	return conn
end

function mail(conn, from, want, what)
	step(mt.mailfrom(conn, from), what .. " mail")
	reply_is(conn, want, what .. " mail")
end

function rcpt(conn, to, want, what)
	step(mt.rcptto(conn, to), what .. " rcpt")
	reply_is(conn, want, what .. " rcpt")
end

-- End of message: CONTINUE, and the one header inserted at the top
-- (value nil: none inserted).
function eom(conn, name, value, what)
	step(mt.eom(conn), what .. " eom")
	reply_is(conn, SMFIR_CONTINUE, what .. " eom")
	if value then
		check(mt.eom_check(conn, MT_HDRINSERT, name, value, 0),
		      what .. ": header " .. name .. ": " .. value ..
		      " inserted at index 0")
	else
		check(not mt.eom_check(conn, MT_HDRINSERT),
		      what .. ": no header inserted")
	end
	check(not mt.eom_check(conn, MT_HDRADD), what .. ": no header added")
end

-- The Received-SPF value policyd-spf prepends for a mailfrom result
-- (tests/golden/default.ref), after the MTA's own leading space.
-- receiver: the recipient's domain, "rcpt.example" when nil.
function spf_value(result, ip, helo, from, receiver)
	return result .. " (mailfrom) identity=mailfrom; client-ip=" .. ip ..
	       "; helo=" .. helo .. "; envelope-from=" .. from ..
	       "; receiver=" .. (receiver or "rcpt.example") .. " "
end
