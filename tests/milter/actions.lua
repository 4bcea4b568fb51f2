-- actions.lua - reject, tempfail and hold decided by rules
dofile(dir .. "/common.lua")

local conn = session("198.51.100.4", "unknown")

check(mail(conn, "spammer@evil.test") == SMFIR_CONTINUE, "MAIL")
check(rcpt(conn, "bob@example.org", "REJ1") == SMFIR_CONTINUE, "RCPT")
check(message(conn, {{"Subject", "hi"}}) == SMFIR_REPLYCODE, "blocked sender rejected")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
                   "Sender blocked by local policy (100%% sure)"), "reject reply, % doubled")
check(not mt.eom_check(conn, MT_HDRADD), "no headers on a rejected message")

check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL 2")
check(rcpt(conn, "bob@example.org", "TMP1") == SMFIR_CONTINUE, "RCPT 2")
check(message(conn, {{"X-Test", "tempfail"}}) == SMFIR_REPLYCODE, "tempfailed")
check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.1", "Try later"), "tempfail reply")

check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL 3")
check(rcpt(conn, "bob@example.org", "HOLD1") == SMFIR_CONTINUE, "RCPT 3")
check(message(conn, {{"X-Test", "hold"}}) == SMFIR_CONTINUE, "held message accepted")
check(mt.eom_check(conn, MT_QUARANTINE), "quarantined")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Flag", "YES"), "held message flagged")
mt.disconnect(conn)
