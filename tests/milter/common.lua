-- common.lua - helpers shared by vigie-milter's miltertest scripts
-- Globals from run.sh: port (the milter's TCP port), dir (this directory).

-- check - fail the script with msg unless cond holds
function check(cond, msg)
    if not cond then
        error("FAILED: " .. msg)
    end
end

-- ok - a miltertest call returned nil (success)
function ok(result, what)
    check(result == nil, what .. ": " .. tostring(result))
end

-- Protocol steps the "MTA" offers: libmilter's SMFI_CURR_PROT, or the same
-- without SMFIP_HDR_LEADSPC (header values then come, and go back, without
-- the space after the colon).
STEPS_ALL = 0x001FFFFF
STEPS_NO_LEADSPC = 0x000FFFFF

-- session - connect, negotiate and announce a client; returns the connection
-- actions: the milter actions the "MTA" offers (nil: all)
-- steps: the protocol steps it offers (nil: STEPS_NO_LEADSPC)
function session(addr, name, helo, actions, steps)
    local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
    check(conn ~= nil, "connect to the milter")
    -- miltertest 1.0 takes the offered actions as the fourth argument
    -- (its manual says third; the third sets the protocol steps).
    ok(mt.negotiate(conn, nil, steps or STEPS_NO_LEADSPC, actions), "negotiate")
    mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{client_addr}", addr,
             "{client_name}", name, "{daemon_port}", "25")
    ok(mt.conninfo(conn, name, addr), "conninfo")
    check(mt.getreply(conn) == SMFIR_CONTINUE, "connect continues")
    ok(mt.helo(conn, helo or "client.example.net"), "helo")
    return conn
end

-- mail - MAIL FROM with an optional SASL login; returns the reply
function mail(conn, sender, login)
    if login then
        mt.macro(conn, SMFIC_MAIL, "{auth_authen}", login, "{auth_type}", "PLAIN")
    end
    ok(mt.mailfrom(conn, "<" .. sender .. ">"), "mailfrom " .. sender)
    return mt.getreply(conn)
end

-- rcpt - RCPT TO; returns the reply
function rcpt(conn, address, queue_id)
    mt.macro(conn, SMFIC_RCPT, "i", queue_id or "QID0", "{rcpt_addr}", address)
    ok(mt.rcptto(conn, "<" .. address .. ">"), "rcptto " .. address)
    return mt.getreply(conn)
end

-- message - headers (a list of {name, value}), body, end of message; returns the reply
function message(conn, headers, body)
    for _, h in ipairs(headers) do
        ok(mt.header(conn, h[1], h[2]), "header " .. h[1])
    end
    ok(mt.eoh(conn), "eoh")
    ok(mt.bodystring(conn, body or "hello\r\n"), "body")
    ok(mt.eom(conn), "eom")
    return mt.getreply(conn)
end
