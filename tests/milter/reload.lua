-- reload.lua - which rules are in force; run.sh sets expect to "old" or "new"
dofile(dir .. "/common.lua")

local conn = session("198.51.100.4", "unknown")
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL")
check(rcpt(conn, "bob@example.org", "RLD1") == SMFIR_CONTINUE, "RCPT")
check(message(conn, {{"X-New", "1"}}) == SMFIR_CONTINUE, "accepted")
local status = mt.getheader(conn, "X-Spam-Status", 0)
check(status ~= nil, "X-Spam-Status added")
if expect == "new" then
    check(string.find(status, "NEW_RULE", 1, true) ~= nil, "new rules in force: " .. status)
else
    check(string.find(status, "tests=none", 1, true) ~= nil, "old rules in force: " .. status)
end
mt.disconnect(conn)
