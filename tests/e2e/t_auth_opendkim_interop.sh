#!/bin/sh
# t_auth_opendkim_interop - OpenDKIM's own tool verifies what vigie signs
#	vigie signs the outbound mail of an authenticated user, as in
#	t_auth_sign; the copy smtp-sink received is then checked by
#	opendkim-testmsg (opendkim-tools), which finds the public key in
#	DNS through the system resolver. It runs in private mount, network
#	and PID namespaces (unshare): there /etc/resolv.conf is replaced
#	by one naming 127.0.0.1, where dns_txt_server answers from the
#	test's key file. Nothing outside the namespaces changes, and when
#	the shell at their root exits the kernel kills the server. The
#	signed copy must verify (status 0); with its body changed, it
#	must fail on the signature ("Bad signature"), the key being found.
. "$(dirname "$0")/lib.sh"
e2e_begin "a message signed by vigie verifies with opendkim-testmsg"

for _tool in unshare ip opendkim-testmsg; do
    command -v "$_tool" >/dev/null 2>&1 \
        || fail "$_tool is not installed (sh contrib/bootstrap.sh)"
done
DNS_SERVER=$VIGIE_BUILD/tests/tools/dns_txt_server
[ -x "$DNS_SERVER" ] || fail "no $DNS_SERVER (make all)"

# opendkim_verify - run opendkim-testmsg on message $1 with the test's DNS; its status
#	Its messages go to $E2E_TMP/opendkim.out; the server's to
#	$E2E_TMP/dns.out. Status 125 if the namespaces could not be set up.
opendkim_verify()
{
    echo "nameserver 127.0.0.1" >"$E2E_TMP/resolv.conf"
    unshare --mount --net --pid --fork --kill-child sh -c '
        server=$1 zone=$2 resolv=$3 msg=$4 log=$5
        ip link set lo up && mount --bind "$resolv" /etc/resolv.conf || exit 125
        "$server" 127.0.0.1 53 "$zone" 2>"$log" &
        n=0
        until [ -n "$(ss -Hlun "sport = :53")" ]; do
            n=$((n + 1))
            [ $n -ge 50 ] && exit 125
            sleep 0.1
        done
        opendkim-testmsg <"$msg"
    ' sh "$DNS_SERVER" "$E2E_TMP/dkim.keys" "$E2E_TMP/resolv.conf" "$1" "$E2E_TMP/dns.out" \
        >"$E2E_TMP/opendkim.out" 2>&1
}

# expect_opendkim - opendkim_verify of message $1: status 0 ($2 = pass), or a bad signature ($2 = fail)
#	A failure must come from the signature itself ("Bad signature"),
#	not from a key that could not be fetched.
expect_opendkim()
{
    opendkim_verify "$1"
    _st=$?
    if [ "$_st" -eq 125 ]; then
        cat "$E2E_TMP/opendkim.out" "$E2E_TMP/dns.out"
        fail "could not set up the namespaces for opendkim-testmsg"
    fi
    case $2:$_st in
        pass:0) ;;
        fail:0 | pass:*)
            cat "$E2E_TMP/opendkim.out" "$E2E_TMP/dns.out"
            fail "opendkim-testmsg on $(basename "$1"): status $_st, expected $2"
            ;;
        fail:*)
            grep -q "Bad signature" "$E2E_TMP/opendkim.out" \
                || { cat "$E2E_TMP/opendkim.out"; fail "opendkim-testmsg failed, but not on the signature"; }
            ;;
    esac
    info "opendkim-testmsg on $(basename "$1"): status $_st $(cat "$E2E_TMP/opendkim.out")"
}

write_rules <<'RULES'
threshold 5 flag
RULES
dkim_test_key test.example e2e
start_stack dkim_signing_table="$E2E_TMP/signing.table" dkim_key_file="$E2E_TMP/dkim.keys"

send_mail $FOREIGN $AUTH_ALICE --from alice@test.example --to friend@far.example \
    --header "Subject: signed by vigie, checked by OpenDKIM" --body "See you at noon."
expect_smtp_code 250
expect_delivered_count 1
expect_header_in_delivered '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=test\.example; s=e2e;'
signed=$(delivered_file)

info "the delivered copy verifies with opendkim-testmsg"
expect_opendkim "$signed" pass

info "the same copy with its body changed does not"
sed 's/See you at noon\./See you at one./' "$signed" >"$E2E_TMP/tampered"
cmp -s "$signed" "$E2E_TMP/tampered" && fail "the body of the copy was not changed"
expect_opendkim "$E2E_TMP/tampered" fail
e2e_end
