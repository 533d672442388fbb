#!/bin/sh
# Token-backed devices on the real server, with SoftHSM2 tokens holding
# the test PKI's users (tests/pki/): an organization bootstrapped by an
# admin whose card (alice, RSA) protects her device and signs her acts;
# unlocking needs the PIN (a wrong one is refused, the tries left told);
# the card's operations counted (unlock <= 2, a workspace <= 1, files 0);
# a workspace's key unwrapped on the card; an admin act whose token
# signature a lying server strips or alters is refused by another member;
# a card of another CA refused; a card revoked in the CRL, or reported
# revoked by OCSP, unlocks nothing and enrolls nothing.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
. "$top_srcdir/tests/pki/pki-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq mkfifo openssl softhsm2-util pkcs11-tool unshare nsenter ip
sceau="$top_builddir/sceau"

pki_tokens_serve

srv_config "$tmp/srv.conf"
# Enrollment requests: the server fetches CRLs to check them.
printf '\n[pki]\ncrl_fetch = yes\n' >>"$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}
A="$tmp/alice" B="$tmp/bob"

# ------------------------------------------------------------ bootstrap
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
check_status "alice bootstraps acme with her card" 0 \
	as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--token "$(uri alice)" --pin-file "$tmp/pin" \
	--pki-ca "$pki/root.crt" --pki-intermediates "$pki/int.crt"
check_status "her device opens with the card" 0 \
	as "$A" --json whoami --pin-file "$tmp/pin"
check "its key file is protected by the token" \
	jq -e '.protection == "token" and .user.profile == "admin"' "$tmp/out"
check_status "device list shows her device bound to her card" 0 \
	as "$A" --json device list --pin-file "$tmp/pin"
check "with the card's subject and fingerprint" jq -e '
	.devices[0].card.subject | test("CN=alice")' "$tmp/out"
check "the fingerprint is her certificate's" jq -e --arg fp \
	"$(openssl x509 -in "$pki/alice.crt" -outform DER | sha256sum | cut -c1-64)" \
	'.devices[0].card.fingerprint == $fp' "$tmp/out"
check_status "a wrong PIN is refused (exit 3)" 3 \
	as "$A" whoami --pin-file "$tmp/badpin"
check_grep "it says so" "wrong PIN" "$tmp/err"
check_grep "and how many tries are left" "tries left" "$tmp/err"

# ----------------------------------------------------- workspaces, costs
echo "secret plans of acme" >"$tmp/plans.txt"
check_status "alice creates a workspace (its key wrapped to her card)" 0 \
	as "$A" workspace create plans --pin-file "$tmp/pin"
check_status "imports a file" 0 \
	as "$A" import "$tmp/plans.txt" /plans/plans.txt --pin-file "$tmp/pin"
check_status "and syncs" 0 as "$A" sync --pin-file "$tmp/pin"
printf '%s\n' '<organization-policy xmlns="urn:sceau:policy:1" version="1"' \
	' organization="acme"><invitations><lifetime>72h</lifetime>' \
	'</invitations></organization-policy>' >"$tmp/orgpol.xml"
check_status "she publishes the organization policy" 0 \
	as "$A" --json policy publish "$tmp/orgpol.xml" --pin-file "$tmp/pin"
check_status "policy show" 0 as "$A" --json policy show --pin-file "$tmp/pin"
check "version 1, signed on her card" jq -e '.organization.version == 1 and
	.organization.signed_on_token == true' "$tmp/out"
check_status "reads it back, the key unwrapped on the card" 0 \
	as "$A" cat /plans/plans.txt --pin-file "$tmp/pin"
check "byte for byte" cmp "$tmp/out" "$tmp/plans.txt"
check_status "status counts the card's operations" 0 \
	as "$A" --json status --workspace /plans --pin-file "$tmp/pin"
check "unlock <= 2, the workspace <= 1, its files 0" jq -e '
	.token_ops.unlock <= 2 and .token_ops.unlock >= 1 and
	.token_ops.workspace <= 1 and .token_ops.files == 0 and
	.token_ops.entries == 1' "$tmp/out"

# ---------------------------------------- a member, and a lying server
start_tamper_proxy
as "$A" --json invite user bob@example.org --no-mail --pin-file "$tmp/pin" \
	>"$tmp/inv.json" || bail "invite bob"
id=$(jq -r .invitation_id "$tmp/inv.json")
blink=$(jq -r .link "$tmp/inv.json" |
	sed "s/127\.0\.0\.1:[0-9]*/127.0.0.1:$(cat "$tmp/proxy.port")/")
wait_json() {
	i=0
	while [ $i -lt 300 ]; do
		v=$(jq -r "$2" "$1" 2>/dev/null | head -n 1)
		[ -n "$v" ] && {
			printf '%s\n' "$v"
			return 0
		}
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
mkfifo "$tmp/gin" "$tmp/cin"
exec 3<>"$tmp/gin" 4<>"$tmp/cin"
as "$A" --json greet "$id" --pin-file "$tmp/pin" <"$tmp/gin" \
	>"$tmp/gout" 2>"$tmp/gerr" &
g=$!
as "$B" --json claim "$blink" --name Bob --keyring <"$tmp/cin" \
	>"$tmp/cout" 2>"$tmp/cerr" &
c=$!
printf '%s\n' "$(wait_json "$tmp/gout" 'select(.event == "code") | .code')" >&4
printf '%s\n' "$(wait_json "$tmp/cout" 'select(.event == "code") | .code')" >&3
wait "$g"
g_rc=$?
wait "$c"
c_rc=$?
exec 3>&- 4>&-
check "a token-backed admin greets bob (her acts signed on her card)" \
	[ "$g_rc" -eq 0 ]
check "bob joins, through the proxy" [ "$c_rc" -eq 0 ]
check_status "alice shares the workspace with bob" 0 \
	as "$A" workspace share plans bob@example.org reader --pin-file "$tmp/pin"
last=$(as "$A" --json status --pin-file "$tmp/pin" | jq -r .certificates)
echo "strip-token-sig $last" >"$tmp/mode"
check_status "her act without its token signature: bob refuses it" 4 \
	as "$B" status
check_grep "naming why" "not signed on the token" "$tmp/out"
echo "flip-token-sig $last" >"$tmp/mode"
check_status "with its token signature altered: refused" 4 as "$B" status
check_grep "naming why" "token signature does not verify" "$tmp/out"
echo pass >"$tmp/mode"
check_status "as the server stored it: accepted" 0 as "$B" status
check_status "bob syncs" 0 as "$B" sync
check_status "bob reads the workspace alice shared" 0 \
	as "$B" cat /plans/plans.txt
check "the same bytes" cmp "$tmp/out" "$tmp/plans.txt"

# ----------------------------------------------- a card of another CA
"$sceau" --json server create-org other >"$tmp/org2.json" || bail "org 2"
check_status "mallory's card (another CA) cannot bootstrap one" 4 \
	as "$tmp/mallory" org bootstrap "$(jq -r .bootstrap_link "$tmp/org2.json")" \
	--email mallory@example.org --name Mallory --token "$(uri mallory)" \
	--pin-file "$tmp/pin" --pki-ca "$pki/root.crt"
check_grep "its certificate is not of the organization's PKI" \
	"not of the organization's PKI" "$tmp/err"

# ---------------------------------------------- revocation blocks unlock
# Dave's card is revoked after his organization was made with it.
"$sceau" --json server create-org beta >"$tmp/org3.json" || bail "org 3"
check_status "dave bootstraps beta with his card" 0 \
	as "$tmp/dave" org bootstrap "$(jq -r .bootstrap_link "$tmp/org3.json")" \
	--email dave@example.org --name Dave --token "$(uri dave)" \
	--pin-file "$tmp/pin" --pki-ca "$pki/root.crt" \
	--pki-intermediates "$pki/int.crt"
check_status "his device opens" 0 as "$tmp/dave" whoami --pin-file "$tmp/pin"
(cd "$pki" && UEMAIL=nobody@example.org openssl ca -batch \
	-config openssl.cnf -name CA_int -revoke dave.crt \
	-crl_reason keyCompromise && UEMAIL=nobody@example.org openssl ca \
	-batch -config openssl.cnf -name CA_int -gencrl -out int.crl) \
	>"$tmp/revoke.log" 2>&1 || bail "revoking dave: $(cat "$tmp/revoke.log")"
# The CRL cached until its next update is the one before: a new one.
rm -rf "$tmp/dave/pki-cache"
check_status "once the CRL says revoked, his card unlocks nothing" 6 \
	as "$tmp/dave" whoami --pin-file "$tmp/pin"
check_grep "naming the certificate and why" "revoked" "$tmp/err"
check_grep "dave's" "CN=dave" "$tmp/err"

# OCSP: the responder (openssl ocsp listens on every interface) runs in
# a private network namespace, and so does the device that asks it.
unshare -n true 2>"$tmp/unshare.err" ||
	bail "unshare -n not permitted here: $(cat "$tmp/unshare.err")"
unshare -n sh -c 'ip link set lo up && exec sleep 600' &
ns=$!
srv_extra_pids="$srv_extra_pids $ns"
until nsenter -t "$ns" -n ip link show lo 2>/dev/null | grep -q UP; do
	sleep 0.1
done
nsenter -t "$ns" -n openssl ocsp -index "$pki/index.txt" -port "$port" \
	-rsigner "$pki/ocsp.crt" -rkey "$pki/ocsp.key" -CA "$pki/int.crt" \
	-nmin 5 >"$tmp/ocsp.log" 2>&1 &
srv_extra_pids="$srv_extra_pids $!"
i=0
until nsenter -t "$ns" -n openssl ocsp -issuer "$pki/int.crt" \
	-cert "$pki/alice.crt" -url "http://127.0.0.1:$port/" -noverify \
	>/dev/null 2>&1; do
	i=$((i + 1))
	# Generous: a busy machine (tests in parallel, sanitizers) is slow.
	[ $i -lt 150 ] ||
		bail "the OCSP responder did not start: $(tail -n 5 "$tmp/ocsp.log")"
	sleep 0.2
done
ocsp_as() {
	h=$1
	shift
	SCEAU_HOME="$h" SCEAU_PKI_CRL_FETCH=0 SCEAU_PKI_OCSP=aia \
		nsenter -t "$ns" -n "$sceau" "$@"
}
check_status "OCSP: alice's card is good, her device opens" 0 \
	ocsp_as "$A" whoami --pin-file "$tmp/pin"
check_status "OCSP: dave's is revoked, his does not" 6 \
	ocsp_as "$tmp/dave" whoami --pin-file "$tmp/pin"
check_grep "the responder said so" "revoked" "$tmp/err"

# OCSP blocks enrollment too: a server in the namespace that asks the
# responder (and fetches no CRL) refuses carol's revoked card, takes erin's.
main_pid=$srv_pid main_port=$srv_port main_url=$srv_url main_bin=$srv_bin
printf '#!/bin/sh\nexec nsenter -t %s -n "%s" "$@"\n' "$ns" "$srv_bin" \
	>"$tmp/srv-in-ns"
chmod +x "$tmp/srv-in-ns"
srv_bin="$tmp/srv-in-ns"
srv_config "$tmp/srv-ocsp.conf"
printf '\n[pki]\ncrl_fetch = no\nocsp = aia\n' >>"$tmp/srv-ocsp.conf"
start_server "$tmp/srv-ocsp.conf" || bail "sceau-server (OCSP) did not start"
ocsp_pid=$srv_pid
ocsp_as "$tmp/ocsp-admin" --json server create-org gamma \
	--server "$srv_url" >"$tmp/org4.json" || bail "create-org gamma"
ocsp_as "$tmp/ocsp-admin" org bootstrap \
	"$(jq -r .bootstrap_link "$tmp/org4.json")" --email alice@example.org \
	--name Alice --token "$(uri alice)" --pin-file "$tmp/pin" \
	--pki-ca "$pki/root.crt" --pki-intermediates "$pki/int.crt" \
	>/dev/null || bail "bootstrap gamma"
ocsp_as "$tmp/ocsp-admin" --json enroll link --pin-file "$tmp/pin" \
	>"$tmp/glink.json" || bail "enroll link of gamma"
check_status "OCSP: the server refuses carol's request, her card revoked" 6 \
	ocsp_as "$tmp/carol-ocsp" enroll submit "$(jq -r .link "$tmp/glink.json")" \
	--token "$(uri carol)" --pin-file "$tmp/pin" --name Carol \
	--pki-ca "$pki/root.crt" --pki-intermediates "$pki/int.crt"
check_grep "the responder said so" "revoked" "$tmp/err"
check_status "OCSP: erin's good card, her request is taken" 0 \
	ocsp_as "$tmp/erin-ocsp" enroll submit "$(jq -r .link "$tmp/glink.json")" \
	--token "$(uri erin)" --pin-file "$tmp/pin" --name Erin \
	--pki-ca "$pki/root.crt" --pki-intermediates "$pki/int.crt"
check "the OCSP server never crashed" kill -0 "$ocsp_pid"
srv_pid=$main_pid srv_port=$main_port srv_url=$main_url srv_bin=$main_bin

# ------------------------------------------------------ PKI enrollment
check_status "alice opens enrollment" 0 \
	as "$A" --json enroll link --pin-file "$tmp/pin"
elink=$(jq -r .link "$tmp/out")
check "an enroll link" sh -c "echo '$elink' | grep -q 'a=enroll&p='"
E="$tmp/erin"
check_status "erin asks to join with her card (EC)" 0 \
	as "$E" --json enroll submit "$elink" --token "$(uri erin)" \
	--pin-file "$tmp/pin" --name Erin --device-label erin-laptop \
	--pki-ca "$pki/root.crt" --pki-intermediates "$pki/int.crt"
erin_req=$(jq -r .request_id "$tmp/out")
check_status "before a decision, finishing waits" 0 \
	as "$E" --json enroll finish --pin-file "$tmp/pin"
check "pending" jq -e '.status == "pending"' "$tmp/out"
check_status "dave's revoked card: the server refuses his request" 6 \
	as "$tmp/dave2" enroll submit "$elink" --token "$(uri dave)" \
	--pin-file "$tmp/pin" --name Dave --pki-ca "$pki/root.crt" \
	--pki-intermediates "$pki/int.crt"
check_grep "revoked, it says" "revoked" "$tmp/err"
check_status "mallory's card of another CA: refused" 6 \
	as "$tmp/mallory2" enroll submit "$elink" --token "$(uri mallory)" \
	--pin-file "$tmp/pin" --name Mallory --pki-ca "$pki/root.crt"
check_status "bob's card asks too" 0 \
	as "$tmp/bobcard" --json enroll submit "$elink" --token "$(uri bob)" \
	--pin-file "$tmp/pin" --name Robert --pki-ca "$pki/root.crt" \
	--pki-intermediates "$pki/int.crt"
bob_req=$(jq -r .request_id "$tmp/out")
check_status "alice lists the requests, checked again on her side" 0 \
	as "$A" --json enroll list --pin-file "$tmp/pin"
check "erin: her card's signature, its PKI, its CRL good" jq -e --arg id \
	"$erin_req" '.requests[] | select(.request_id == $id) |
	.signature_ok and .valid and .crl == "good" and
	.email == "erin@example.org" and (.subject | test("CN=erin")) and
	(.issuer | test("Issuing CA"))' "$tmp/out"
printf '%s\n' '<organization-policy xmlns="urn:sceau:policy:1" version="2"' \
	' organization="acme"><sharing><externals>no</externals></sharing>' \
	'</organization-policy>' >"$tmp/orgpol2.xml"
check_status "alice's policy version 2 forbids externals" 0 \
	as "$A" policy publish "$tmp/orgpol2.xml" --pin-file "$tmp/pin"
check_status "so accepting erin as an external is refused (exit 6)" 6 \
	as "$A" enroll accept "$erin_req" --profile external --pin-file "$tmp/pin"
check_grep "naming the rule" "policy: sharing.externals=forbidden" "$tmp/err"
check_status "alice accepts erin as member" 0 \
	as "$A" enroll accept "$erin_req" --profile member --pin-file "$tmp/pin"
check_status "alice rejects the other" 0 \
	as "$A" enroll reject "$bob_req" --reason "ask Alice first" \
	--pin-file "$tmp/pin"
check_status "erin finishes with her card" 0 \
	as "$E" --json enroll finish --pin-file "$tmp/pin"
check "she joined" jq -e '.status == "accepted"' "$tmp/out"
check_status "her device opens with her card" 0 \
	as "$E" --json whoami --pin-file "$tmp/pin"
check "a member, token-backed" jq -e \
	'.protection == "token" and .user.profile == "member"' "$tmp/out"
check_status "a wrong PIN: refused" 3 as "$E" whoami --pin-file "$tmp/badpin"
check_status "alice shares the workspace with erin" 0 \
	as "$A" workspace share plans erin@example.org reader \
	--pin-file "$tmp/pin"
check_status "erin syncs" 0 as "$E" sync --pin-file "$tmp/pin"
check_status "and reads it: the key unwrapped on her card (ECDH)" 0 \
	as "$E" cat /plans/plans.txt --pin-file "$tmp/pin"
check "the same bytes" cmp "$tmp/out" "$tmp/plans.txt"
check_status "the rejected requester learns it" 6 \
	as "$tmp/bobcard" enroll finish --pin-file "$tmp/pin"
check_grep "with the reason" "ask Alice first" "$tmp/out"
check "and its waiting device is gone" \
	sh -c "! ls '$tmp/bobcard/devices'/*/* >/dev/null 2>&1"

# ------------------------------------------- claiming with a smartcard
# exchange GREETER-HOME ID CLAIMER-HOME CLAIM-ARGS...: both sides, the
# codes passed as the people would; statuses in $g_rc and $c_rc.
exchange() {
	gh=$1 gid=$2 ch=$3
	shift 3
	rm -f "$tmp/gin" "$tmp/cin" "$tmp/gout" "$tmp/cout"
	mkfifo "$tmp/gin" "$tmp/cin"
	exec 3<>"$tmp/gin" 4<>"$tmp/cin"
	as "$gh" --json greet "$gid" --pin-file "$tmp/pin" --timeout 60 \
		<"$tmp/gin" >"$tmp/gout" 2>"$tmp/gerr" &
	g=$!
	as "$ch" --json claim "$@" --timeout 60 <"$tmp/cin" >"$tmp/cout" \
		2>"$tmp/cerr" &
	c=$!
	printf '%s\n' "$(wait_json "$tmp/gout" 'select(.event == "code") | .code')" >&4
	printf '%s\n' "$(wait_json "$tmp/cout" 'select(.event == "code") | .code')" >&3
	wait "$g"
	g_rc=$?
	wait "$c"
	c_rc=$?
	exec 3>&- 4>&-
}
R="$tmp/robert"
as "$A" --json invite user robert@example.org --no-mail --pin-file "$tmp/pin" \
	>"$tmp/inv.json" || bail "invite robert"
exchange "$A" "$(jq -r .invitation_id "$tmp/inv.json")" "$R" \
	"$(jq -r .link "$tmp/inv.json")" --name Robert --token "$(uri bob)" \
	--pin-file "$tmp/pin" --pki-intermediates "$pki/int.crt"
check "robert joins by invitation with his card: greeter" [ "$g_rc" -eq 0 ]
check "claimer" [ "$c_rc" -eq 0 ]
check_status "his device opens with the card" 0 \
	as "$R" --json whoami --pin-file "$tmp/pin"
check "token-backed" jq -e '.protection == "token"' "$tmp/out"
as "$A" workspace share plans robert@example.org reader --pin-file "$tmp/pin" \
	>/dev/null || bail "share with robert"
check_status "his card opens the workspace alice shares" 0 \
	sh -c "SCEAU_HOME='$R' '$sceau' sync --pin-file '$tmp/pin' >/dev/null &&
	SCEAU_HOME='$R' '$sceau' cat /plans/plans.txt --pin-file '$tmp/pin'"
check "the same bytes" cmp "$tmp/out" "$tmp/plans.txt"
as "$R" --json invite device --pin-file "$tmp/pin" >"$tmp/inv.json" ||
	bail "invite device"
exchange "$R" "$(jq -r .invitation_id "$tmp/inv.json")" "$tmp/robert2" \
	"$(jq -r .link "$tmp/inv.json")" --keyring
check "a new device without his card is refused (his key is the card)" \
	[ "$g_rc" -eq 6 ]
check_grep "saying why" "must claim with it" "$tmp/gout"
# The same card on the new computer: its key and certificate on a token
# of their own (one SoftHSM2 token is not shared by two processes at
# once, as one card is not in two readers).
softhsm2-util --init-token --free --label bobcopy --so-pin 12345678 \
	--pin 123456 >/dev/null &&
	pkcs11-tool --module "$SOFTHSM" --token-label bobcopy --login \
		--pin 123456 --write-object "$pki/bob.key" --type privkey --id 01 \
		--label bob --usage-sign --usage-derive --sensitive --private \
		>/dev/null 2>&1 &&
	pkcs11-tool --module "$SOFTHSM" --token-label bobcopy --login \
		--pin 123456 --write-object "$pki/bob.der" --type cert --id 01 \
		--label bob >/dev/null 2>&1 || bail "a copy of bob's card"
as "$R" --json invite device --pin-file "$tmp/pin" >"$tmp/inv.json" ||
	bail "invite device"
exchange "$R" "$(jq -r .invitation_id "$tmp/inv.json")" "$tmp/robert3" \
	"$(jq -r .link "$tmp/inv.json")" --token "$(uri bobcopy)" \
	--pin-file "$tmp/pin" --pki-intermediates "$pki/int.crt"
check "with the same card, the new device joins: greeter" [ "$g_rc" -eq 0 ]
check "claimer" [ "$c_rc" -eq 0 ]
[ "$c_rc" -eq 0 ] || diag "$(tail -n 3 "$tmp/cout" "$tmp/gout")"
check_status "and reads the workspace" 0 \
	sh -c "SCEAU_HOME='$tmp/robert3' '$sceau' sync --pin-file '$tmp/pin' >/dev/null &&
	SCEAU_HOME='$tmp/robert3' '$sceau' cat /plans/plans.txt --pin-file '$tmp/pin'"
check "the same bytes again" cmp "$tmp/out" "$tmp/plans.txt"
check "the server never crashed" kill -0 "$srv_pid"

done_testing
