-- reload.lua - SIGHUP: the configuration file is read again for the
-- messages that follow (Header_Type SPF, then AR); a file with an error
-- is refused and the settings in force stay.  The script writes the
-- file itself, beside the socket.
dofile(LIB)

local function write_conf(text)
	local f = assert(io.open(CONF, "w"))
	f:write("Authserv_Id = mx.rcpt.example\n" .. text)
	f:close()
end

local AR = "mx.rcpt.example; spf=pass (sender SPF authorized) " ..
	   "smtp.mailfrom=pass.example (client-ip=192.0.2.1; " ..
	   "helo=mail.pass.example; envelope-from=user@pass.example; " ..
	   "receiver=rcpt.example)"

-- one message of a pass; true when its header is name: value
local function pass_has(name, value)
	local conn = open("192.0.2.1", "mail.pass.example")
	mail(conn, "<user@pass.example>", SMFIR_CONTINUE, "pass")
	rcpt(conn, "<someone@rcpt.example>", SMFIR_CONTINUE, "pass")
	step(mt.eom(conn), "eom")
	reply_is(conn, SMFIR_CONTINUE, "eom")
	local ok = mt.eom_check(conn, MT_HDRINSERT, name, value, 0)
	mt.disconnect(conn)
	return ok
end

-- the signal is taken in by the milter's loop: wait for its effect
local function until_has(name, value, what)
	for i = 1, 100 do
		if pass_has(name, value) then
			return
		end
		mt.sleep(0.05)
	end
	error("failed: " .. what)
end

write_conf("")
start()
check(pass_has("Received-SPF", spf_value("Pass", "192.0.2.1",
      "mail.pass.example", "user@pass.example")), "SPF before SIGHUP")
write_conf("Header_Type = AR\n")
mt.signal(1)	-- SIGHUP
until_has("Authentication-Results", AR, "AR after SIGHUP")
write_conf("Header_Type = None\nLookup_Time = soon\n")
mt.signal(1)
mt.sleep(0.2)
check(pass_has("Authentication-Results", AR),
      "a file with an error refused: AR still")
