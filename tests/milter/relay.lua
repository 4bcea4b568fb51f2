-- relay.lua - the open-relay guard at RCPT TO
dofile(dir .. "/common.lua")

-- An unknown client may only send to local domains.
local conn = session("198.51.100.4", "unknown")
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL from an outsider")
check(rcpt(conn, "bob@example.org") == SMFIR_CONTINUE, "local recipient accepted")
check(rcpt(conn, "BOB@Example.ORG") == SMFIR_CONTINUE, "local recipient in capitals")
check(rcpt(conn, "postmaster") == SMFIR_CONTINUE, "recipient without a domain")
check(rcpt(conn, "victim@elsewhere.test") == SMFIR_REPLYCODE, "foreign recipient refused")
check(rcpt(conn, "victim%elsewhere.test@[192.0.2.1]") == SMFIR_REPLYCODE,
      "address literal refused")
mt.disconnect(conn)

-- A trusted network may relay.
conn = session("192.0.2.9", "relay.example.org")
check(mail(conn, "app@example.org") == SMFIR_CONTINUE, "MAIL from a trusted client")
check(rcpt(conn, "victim@elsewhere.test") == SMFIR_CONTINUE, "trusted client relays")
mt.disconnect(conn)

-- So may an authenticated user, from anywhere.
conn = session("203.0.113.50", "dsl.example.com")
check(mail(conn, "alice@example.org", "alice") == SMFIR_CONTINUE, "MAIL from alice")
check(rcpt(conn, "friend@elsewhere.test") == SMFIR_CONTINUE, "authenticated user relays")
mt.disconnect(conn)

-- IPv6: inside and outside the trusted 2001:db8:1::/48.
conn = session("2001:db8:1::25", "v6.example.org")
check(mail(conn, "app@example.org") == SMFIR_CONTINUE, "MAIL from a trusted IPv6 client")
check(rcpt(conn, "victim@elsewhere.test") == SMFIR_CONTINUE, "trusted IPv6 client relays")
mt.disconnect(conn)
conn = session("2001:db8:2::25", "unknown")
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL from an IPv6 outsider")
check(rcpt(conn, "victim6@elsewhere.test") == SMFIR_REPLYCODE, "IPv6 outsider refused")
mt.disconnect(conn)
