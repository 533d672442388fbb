#!/bin/sh
# An X.509 revocation as a revocation in the organization (doc/pki.md,
# "Revoked cards"), on the real server with SoftHSM2 cards of the test
# PKI: alice (admin, her card) runs her agent; erin joins with her card
# (PKI enrollment) and shares a workspace.  The test CA revokes erin's
# certificate and serves a new CRL.  While the organization policy says
# <x509-revokes-user>no</x509-revokes-user>, nothing happens; once it
# says yes, alice's agent revokes erin by itself (signed on alice's card
# through the agent), says so in its log, and rotates the workspace key
# erin had.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
. "$top_srcdir/tests/pki/pki-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq openssl softhsm2-util pkcs11-tool
sceau="$top_builddir/sceau"
agent="$top_builddir/sceau-agent"
unset SCEAU_AGENT_SOCK

pki_tokens_serve

srv_config "$tmp/srv.conf"
printf '\n[pki]\ncrl_fetch = yes\n' >>"$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice" E="$tmp/erin"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@" </dev/null
}
agent_pid=
tap_cleanup_hook='srv_kill_all; as "$A" agent stop >/dev/null 2>&1; [ -n "$agent_pid" ] && tap_own_pid "$agent_pid" && kill "$agent_pid"'
# revoked HOME EMAIL: 1 when HOME's chain says EMAIL's user is revoked.
# (user list refreshes the chain; it rotates nothing, unlike sync.)
revoked() {
	as "$1" --json user list --all 2>/dev/null | jq -e --arg e "$2" \
		'[.users[] | select(.email == $e and .status == "revoked")] | length == 1'
}
policy() {
	cat >"$tmp/policy-$1.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<organization-policy xmlns="urn:sceau:policy:1" version="$1" organization="acme">
  <revocation><rotate>now</rotate><x509-revokes-user>$2</x509-revokes-user></revocation>
</organization-policy>
EOF
	echo "$tmp/policy-$1.xml"
}

"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
as "$A" org bootstrap "$(jq -r .bootstrap_link "$tmp/org.json")" \
	--email alice@example.org --name Alice --token "$(uri alice)" \
	--pin-file "$tmp/pin" --pki-ca "$pki/root.crt" \
	--pki-intermediates "$pki/int.crt" >&2 || bail "bootstrap"
as "$A" --json enroll link --pin-file "$tmp/pin" >"$tmp/elink.json" ||
	bail "enroll link"
as "$E" --json enroll submit "$(jq -r .link "$tmp/elink.json")" \
	--token "$(uri erin)" --pin-file "$tmp/pin" --name Erin \
	--pki-ca "$pki/root.crt" --pki-intermediates "$pki/int.crt" \
	>"$tmp/req.json" || bail "erin's request"
as "$A" enroll accept "$(jq -r .request_id "$tmp/req.json")" \
	--profile member --pin-file "$tmp/pin" >&2 || bail "accept"
as "$E" enroll finish --pin-file "$tmp/pin" >&2 || bail "finish"
as "$A" workspace create plans --pin-file "$tmp/pin" >&2 || bail "workspace"
as "$A" workspace share plans erin@example.org reader \
	--pin-file "$tmp/pin" >&2 || bail "share"
echo "plans" >"$tmp/plans.txt"
as "$A" import "$tmp/plans.txt" /plans/plans.txt --pin-file "$tmp/pin" >&2
as "$A" sync --pin-file "$tmp/pin" >&2 || bail "sync"
check_status "erin reads the workspace with her card" 0 \
	sh -c "SCEAU_HOME='$E' '$sceau' sync --pin-file '$tmp/pin' >/dev/null &&
	SCEAU_HOME='$E' '$sceau' cat /plans/plans.txt --pin-file '$tmp/pin'"

# Alice's agent, in the foreground for its log; cards checked every 2 s.
SCEAU_HOME="$A" SCEAU_AGENT_X509_INTERVAL=2 "$agent" -d \
	2>"$tmp/agent.log" &
agent_pid=$!
check "alice's agent listens" until_ok 10 as "$A" agent status
check_status "alice unlocks with her card" 0 \
	as "$A" unlock --pin-file "$tmp/pin"
check_status "a policy that does not turn X.509 revocations into ours" 0 \
	as "$A" policy publish "$(policy 1 no)"

(cd "$pki" && UEMAIL=nobody@example.org openssl ca -batch \
	-config openssl.cnf -name CA_int -revoke erin.crt \
	-crl_reason keyCompromise && UEMAIL=nobody@example.org openssl ca \
	-batch -config openssl.cnf -name CA_int -gencrl -out int.crl) \
	>"$tmp/revoke.log" 2>&1 || bail "revoking erin: $(cat "$tmp/revoke.log")"
# A CRL fetched before is cached until its next update: the new one.
rm -rf "$A/pki-cache"
check "the CA's new CRL is served, and lists erin's certificate" sh -c \
	"curl -sf http://127.0.0.1:$port/int.crl | openssl crl -noout -text |
	grep -qi \"serial number: *$(openssl x509 -in "$pki/erin.crt" -noout -serial | cut -d= -f2)\""
sleep 8
check_fails "policy no: 8 s later (4 turns of the agent), erin is active" \
	revoked "$A" erin@example.org
check "and the agent checked no card" \
	test "$(grep -c 'cards checked for revocation' "$tmp/agent.log")" -eq 0

check_status "the policy now says yes" 0 \
	as "$A" policy publish "$(policy 2 yes)"
check "alice's agent revokes erin by itself" \
	until_ok 40 revoked "$A" erin@example.org
check "it says so in its log, naming the card" \
	grep -q "revoked in the organization: the card .*CN=erin.*keyCompromise" \
	"$tmp/agent.log"
until_ok 20 grep -q "now uses key 2" "$tmp/agent.log"
rot=$?
check "and rotates the key erin had" test "$rot" -eq 0
[ "$rot" -eq 0 ] || diag "$(tail -n 30 "$tmp/agent.log")"
check "once: a single revocation" \
	test "$(grep -c 'revoked in the organization' "$tmp/agent.log")" -eq 1
check "the agent checked the cards (policy yes)" \
	grep -q "1 cards checked for revocation" "$tmp/agent.log"
check_status "erin's device is cut off" 6 \
	as "$E" sync --pin-file "$tmp/pin"
check_status "alice still reads her workspace" 0 as "$A" cat /plans/plans.txt
# The audit of this history: the CRL alice's computer used is exported
# with it, and erin's card, revoked for a key compromise, taints what her
# device signed (doc/audit.md).
check_status "alice exports the history, with the CRLs she used" 0 \
	as "$A" --json org export-history "$tmp/h.jsonl"
check "a CRL is in it" jq -e '.crls >= 1' "$tmp/out"
check_status "sceau-audit verify: erin's card is named" 1 \
	"$top_builddir/sceau-audit" --json verify "$tmp/h.jsonl"
check "card-revoked, for a key compromise, both cards checked" jq -e \
	'.cards == 2 and .cards_checked == 2 and
	 ([.violations[] | select(.rule == "card-revoked" and
	   (.detail | test("CN=erin.*keyCompromise")))] | length) == 1 and
	 (.violations | length) == 1' "$tmp/out"
as "$A" agent stop >&2
wait "$agent_pid" 2>/dev/null
agent_pid=

done_testing
