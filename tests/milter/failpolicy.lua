-- failpolicy.lua - an MTA that refuses quarantine: fail_policy = accept applies
dofile(dir .. "/common.lua")

-- Offer add/change headers and macro lists (0x111), not quarantine (0x20).
local conn = session("198.51.100.4", "unknown", nil, 273)
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL")
check(rcpt(conn, "bob@example.org", "FAIL1") == SMFIR_CONTINUE, "RCPT")
check(message(conn, {{"X-Test", "hold"}}) == SMFIR_CONTINUE, "accepted despite the error")
check(not mt.eom_check(conn, MT_QUARANTINE), "not quarantined")
check(not mt.eom_check(conn, MT_HDRADD), "left unchanged")
mt.disconnect(conn)
