-- auth.lua - header values with their leading space; Authentication-Results
-- The zone file of run.sh gives example.net an SPF record for
-- 198.51.100.0/24 and a DMARC record with p=reject.
dofile(dir .. "/common.lua")

local conn = session("198.51.100.4", "unknown", "client.example.net", nil, STEPS_ALL)
check(mt.test_option(conn, SMFIP_HDR_LEADSPC), "vigie asks for SMFIP_HDR_LEADSPC")

-- With SMFIP_HDR_LEADSPC miltertest, like Postfix, sends each value with
-- the space after the colon: the rules see it without (X-Test == "more"
-- hits), and vigie's own values must go out with one.
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL")
check(rcpt(conn, "bob@example.org", "AUTH1") == SMFIR_CONTINUE, "RCPT")
check(message(conn, {{"From", "Someone <someone@example.net>"},
                     {"Subject", "cheap viagra"}, {"X-Test", "more"},
                     {"Authentication-Results", "mx.example.org; dkim=pass header.d=example.net"},
                     {"Authentication-Results", "other.example; spf=pass"}})
      == SMFIR_CONTINUE, "accepted")
check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", " [SPAM] cheap viagra"),
      "subject prefixed, with its leading space")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Flag", " YES"), "X-Spam-Flag with its leading space")
check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"),
      "forged Authentication-Results removed")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results",
                   " mx.example.org;\n\tspf=pass smtp.mailfrom=someone@example.net;\n" ..
                   "\tspf=none smtp.helo=client.example.net;\n\tdkim=none;\n" ..
                   "\tdmarc=pass header.from=example.net"),
      "Authentication-Results: spf=pass, dkim=none, dmarc=pass")

-- A forged From of the p=reject domain: DMARC fails (no rule acts on it here).
check(mail(conn, "someone@elsewhere.test") == SMFIR_CONTINUE, "MAIL 2")
check(rcpt(conn, "bob@example.org", "AUTH2") == SMFIR_CONTINUE, "RCPT 2")
check(message(conn, {{"From", "<boss@example.net>"}, {"Subject", "hello"}})
      == SMFIR_CONTINUE, "accepted 2")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results",
                   " mx.example.org;\n\tspf=none smtp.mailfrom=someone@elsewhere.test;\n" ..
                   "\tspf=none smtp.helo=client.example.net;\n\tdkim=none;\n" ..
                   "\tdmarc=fail header.from=example.net"),
      "Authentication-Results: dmarc=fail")
check(not mt.eom_check(conn, MT_HDRDELETE), "nothing to delete")
mt.disconnect(conn)

-- An authenticated client: no SPF, no DMARC; DKIM verification only.
conn = session("203.0.113.50", "dsl.example.com", "laptop", nil, STEPS_ALL)
check(mail(conn, "alice@example.org", "alice") == SMFIR_CONTINUE, "MAIL 3")
check(rcpt(conn, "friend@elsewhere.test", "AUTH3") == SMFIR_CONTINUE, "RCPT 3")
check(message(conn, {{"From", "alice@example.org"}, {"Subject", "hi"}})
      == SMFIR_CONTINUE, "accepted 3")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results", " mx.example.org;\n\tdkim=none"),
      "Authentication-Results: dkim=none only")
mt.disconnect(conn)
