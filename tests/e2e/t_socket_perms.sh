#!/bin/sh
# t_socket_perms - unix socket 0660 for group postfix, daemon running as nobody
. "$(dirname "$0")/lib.sh"
e2e_begin "unix socket mode 0660, owned by nobody:postfix; daemon runs as nobody"

write_rules <<'RULES'
threshold 5 flag
RULES
start_redis
start_sink
start_milter milter_socket="unix:$E2E_TMP/milter.sock" user=nobody group=postfix
start_postfix

sock=$E2E_TMP/milter.sock
perms=$(stat -c '%a %U %G' "$sock")
[ "$perms" = "660 nobody postfix" ] \
    || fail "socket $sock: mode/owner/group '$perms', expected '660 nobody postfix'"

nobody_uid=$(id -u nobody)
postfix_gid=$(getent group postfix | cut -d: -f3)
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$MILTER_PID/status")
gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$MILTER_PID/status")
[ "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" ] \
    || fail "vigie-milter runs with uids '$uids', expected nobody ($nobody_uid)"
[ "$gids" = "$postfix_gid $postfix_gid $postfix_gid $postfix_gid" ] \
    || fail "vigie-milter runs with gids '$gids', expected postfix ($postfix_gid)"

send_mail $FOREIGN --to user@test.example
expect_smtp_code 250
expect_delivered_count 1
expect_header_in_delivered '^X-Spam-Flag: NO$'

send_mail $FOREIGN --to victim@far.example
expect_smtp_code 554 5.7.1
expect_refused_at RCPT
expect_delivered_count 1
e2e_end
