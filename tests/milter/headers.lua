-- headers.lua - X-Spam-* headers, forgery removal, subject rewriting
dofile(dir .. "/common.lua")

local conn = session("198.51.100.4", "unknown")

-- Ham: headers say so; forged verdict headers are removed.
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL")
check(rcpt(conn, "bob@example.org", "HAM1") == SMFIR_CONTINUE, "RCPT")
check(message(conn, {{"Subject", "lunch"}, {"X-Spam-Flag", "NO"},
                     {"X-Spam-Status", "No, forged"}, {"x-spam-status", "No, forged again"},
                     {"X-Spam-Score", "-100"}}) == SMFIR_CONTINUE, "ham accepted")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Flag", "NO"), "X-Spam-Flag: NO")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Score", "0.0"), "X-Spam-Score: 0.0")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Level", ""), "X-Spam-Level empty")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Status",
                   "No, score=0.0 required=5.0 tests=none version=vigie-0.1"), "X-Spam-Status ham")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Spam-Flag"), "forged X-Spam-Flag deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Spam-Status"), "forged X-Spam-Status deleted")
check(mt.eom_check(conn, MT_HDRDELETE, "X-Spam-Score"), "forged X-Spam-Score deleted")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "ham subject untouched")

-- Spam over the flag threshold: flagged, subject untouched.
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL 2")
check(rcpt(conn, "bob@example.org", "SPAM1") == SMFIR_CONTINUE, "RCPT 2")
check(message(conn, {{"Subject", "cheap viagra"}}) == SMFIR_CONTINUE, "flagged spam accepted")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Flag", "YES"), "X-Spam-Flag: YES")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Score", "6.0"), "X-Spam-Score: 6.0")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Level", "******"), "X-Spam-Level: 6 stars")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Status",
                   "Yes, score=6.0 required=5.0 tests=SUBJECT_VIAGRA\n\tversion=vigie-0.1"),
      "X-Spam-Status folded")
check(not mt.eom_check(conn, MT_HDRDELETE), "nothing to delete")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "flag leaves the subject")

-- Over the rewrite threshold: subject prefixed.
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL 3")
check(rcpt(conn, "bob@example.org", "SPAM2") == SMFIR_CONTINUE, "RCPT 3")
check(message(conn, {{"Subject", "cheap viagra"}, {"X-Test", "more"}}) == SMFIR_CONTINUE,
      "rewritten spam accepted")
check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[SPAM] cheap viagra"), "subject prefixed")
check(mt.eom_check(conn, MT_HDRADD, "X-Spam-Status",
                   "Yes, score=9.0 required=5.0 tests=SUBJECT_VIAGRA,MORE\n\tversion=vigie-0.1"),
      "two tests listed")

-- Already prefixed: not twice.
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL 4")
check(rcpt(conn, "bob@example.org", "SPAM3") == SMFIR_CONTINUE, "RCPT 4")
check(message(conn, {{"Subject", "[SPAM] cheap viagra"}, {"X-Test", "more"}})
      == SMFIR_CONTINUE, "prefixed spam accepted")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "no double prefix")

-- No Subject at all: one is added.
check(mail(conn, "someone@example.net") == SMFIR_CONTINUE, "MAIL 5")
check(rcpt(conn, "bob@example.org", "SPAM4") == SMFIR_CONTINUE, "RCPT 5")
check(message(conn, {{"X-Test", "more"}, {"X-More", "yes"}}) == SMFIR_CONTINUE,
      "subjectless spam accepted")
check(mt.eom_check(conn, MT_HDRADD, "Subject", "[SPAM]"), "Subject added")
mt.disconnect(conn)
