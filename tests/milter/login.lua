-- login.lua - the sender-login check at MAIL FROM
dofile(dir .. "/common.lua")

local conn = session("203.0.113.50", "dsl.example.com")
check(mail(conn, "alice@example.org", "alice") == SMFIR_CONTINUE, "alice as herself")
mt.abort(conn)
check(mail(conn, "bob@example.org", "alice") == SMFIR_REPLYCODE, "alice as bob refused")
check(mail(conn, "", "alice") == SMFIR_CONTINUE, "null sender allowed")
mt.abort(conn)
check(mail(conn, "anything@example.net", "bob") == SMFIR_CONTINUE, "bob through @example.net")
mt.abort(conn)
check(mail(conn, "ALICE@EXAMPLE.ORG", "Alice") == SMFIR_CONTINUE, "case does not matter")
mt.disconnect(conn)

-- Not authenticated: not this check's business.
conn = session("198.51.100.4", "unknown")
check(mail(conn, "bob@example.org") == SMFIR_CONTINUE, "unauthenticated sender not checked")
mt.disconnect(conn)
