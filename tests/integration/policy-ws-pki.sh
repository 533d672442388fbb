#!/bin/sh
# The workstation policy's <pkcs11> and <pki> rules (sceau-policy(5)),
# with the test PKI's cards on SoftHSM2 (tests/pki/), each allowing then
# refusing: the PKCS#11 modules that may be loaded (opening a device,
# "token list" and "token show", and the agent's unlock); the trust
# anchors, CRL fetching, a stale CRL's grace (crl-max-age), OCSP and
# soft-fail, which change the check of alice's card as her device opens,
# and override what the environment says.  The policy comes from
# SCEAU_POLICY_FILE, which only a computer without /etc/sceau/policy.xml
# takes.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
. "$top_srcdir/tests/pki/pki-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq openssl softhsm2-util
sceau="$top_builddir/sceau"
unset SCEAU_AGENT_SOCK SCEAU_POLICY_FILE SCEAU_PKI_CRL_FETCH SCEAU_PKI_OCSP \
	SCEAU_PKI_SOFT_FAIL SCEAU_PKI_REMOTE SCEAU_PKCS11_ALLOW

pki_tokens_serve
crl_pid=${srv_extra_pids##* }
srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice"
as() { SCEAU_HOME="$A" "$sceau" "$@" </dev/null; }
pol() { SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" "$@" </dev/null; }
tap_cleanup_hook='srv_kill_all; as agent stop >/dev/null 2>&1'
policy() {
	{
		echo '<workstation-policy xmlns="urn:sceau:policy:1" version="1">'
		cat
		echo '</workstation-policy>'
	} >"$tmp/policy.xml"
}
# A port nothing listens on (bound, then closed).
dead=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

"$sceau" --json server create-org acme >"$tmp/acme.json" || bail "create-org"
as org bootstrap "$(jq -r .bootstrap_link "$tmp/acme.json")" \
	--email alice@example.org --name Alice --token "$(uri alice)" \
	--pin-file "$tmp/pin" --pki-ca "$pki/root.crt" \
	--pki-intermediates "$pki/int.crt" >&2 || bail "bootstrap with the card"
check_status "without a policy, her card opens her device" 0 \
	as whoami --pin-file "$tmp/pin"

# --------------------------------------------------------------- pkcs11
other=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
printf '<pkcs11><module>%s</module></pkcs11>\n' "$other" | policy
check_status "pkcs11: her card's module is not listed: refused (exit 6)" 6 \
	pol whoami --pin-file "$tmp/pin"
check_grep "naming the rule" "policy: pkcs11 module=$other" "$tmp/err"
check_status "token list --module of an unlisted path: refused" 6 \
	pol token list --module "$SOFTHSM"
check_grep "(the rule)" "policy: pkcs11 module=" "$tmp/err"
check_status "token show of an unlisted module: refused" 6 \
	pol token show "$(uri alice)"
check_status "the agent refuses to unlock it too" 6 \
	pol unlock --pin-file "$tmp/pin"
check_grep "(the rule)" "policy: pkcs11 module=" "$tmp/err"
as agent stop >/dev/null 2>&1
printf '<pkcs11><module>%s</module></pkcs11>\n' "$SOFTHSM" | policy
check_status "listed: her device opens" 0 pol whoami --pin-file "$tmp/pin"
check_status "token list --module of the listed path" 0 \
	pol --json token list --module "$SOFTHSM"
check_status "a module named by name cannot be checked: refused" 6 \
	pol token show "pkcs11:token=alice?module-name=softhsm2"
check_grep "(the rule)" "policy: pkcs11 module=$SOFTHSM" "$tmp/err"
check_status "token list without a module: the listed modules only" 0 \
	pol --json token list
check "(which are SoftHSM2's)" jq -e --arg m "$SOFTHSM" \
	'(.modules | length) == 1 and .modules[0].path == $m' "$tmp/out"
check_status "without a policy, a module named by name loads" 0 \
	as token show "pkcs11:token=alice?module-name=softhsm2"

# -------------------------------------------------------------- anchors
printf '<pki><anchors>%s</anchors></pki>\n' "$pki/other-root.crt" | policy
check_status "anchors: another CA's root instead of acme's: refused" 6 \
	pol whoami --pin-file "$tmp/pin"
check_grep "her card does not chain to it" "untrusted\|not trusted\|issuer" \
	"$tmp/err"
printf '<pki><anchors>%s</anchors></pki>\n' "$pki/root.crt" | policy
check_status "anchors: the PKI's root: her card is accepted" 0 \
	pol whoami --pin-file "$tmp/pin"

# ---------------------------------------------- CRLs out of reach, soft-fail
kill "$crl_pid" 2>/dev/null
wait "$crl_pid" 2>/dev/null
rm -rf "$A/pki-cache"
check_status "the CRLs out of reach: refused without a policy (exit 5)" 5 \
	as whoami --pin-file "$tmp/pin"
echo '<pki><crl-fetch>no</crl-fetch></pki>' | policy
check_status "crl-fetch=no: no CRL is fetched, her card is accepted" 0 \
	pol whoami --pin-file "$tmp/pin"
echo '<pki><crl-fetch>yes</crl-fetch></pki>' | policy
check_status "crl-fetch=yes wins over SCEAU_PKI_CRL_FETCH=0: refused" 5 \
	env SCEAU_PKI_CRL_FETCH=0 SCEAU_POLICY_FILE="$tmp/policy.xml" \
	SCEAU_HOME="$A" "$sceau" whoami --pin-file "$tmp/pin"
echo '<pki><soft-fail>yes</soft-fail></pki>' | policy
check_status "soft-fail=yes: an unreachable CRL lets her card pass" 0 \
	pol whoami --pin-file "$tmp/pin"
echo '<pki><soft-fail>no</soft-fail></pki>' | policy
check_status "soft-fail=no wins over SCEAU_PKI_SOFT_FAIL=1: refused" 5 \
	env SCEAU_PKI_SOFT_FAIL=1 SCEAU_POLICY_FILE="$tmp/policy.xml" \
	SCEAU_HOME="$A" "$sceau" whoami --pin-file "$tmp/pin"

# ---------------------------------------------------------- crl-max-age
# The issuing CA's CRL, as served, is one whose next update was in 2020.
mkdir "$tmp/stale"
cp "$pki/root.crl" "$tmp/stale/root.crl"
cp "$pki/expired.crl" "$tmp/stale/int.crl"
"$py" -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/stale" \
	>"$tmp/crl-stale.log" 2>&1 &
crl_pid=$!
srv_extra_pids="$srv_extra_pids $crl_pid"
i=0
until curl -sf "http://127.0.0.1:$port/int.crl" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || bail "the stale CRL server did not start"
	sleep 0.1
done
check_status "a stale CRL: refused without a policy (exit 6)" 6 \
	as whoami --pin-file "$tmp/pin"
check_grep "it says the CRL expired" "expired" "$tmp/err"
echo '<pki><crl-max-age>1d</crl-max-age></pki>' | policy
check_status "crl-max-age=1d: a CRL years past its next update is refused" 6 \
	pol whoami --pin-file "$tmp/pin"
echo '<pki><crl-max-age>9000d</crl-max-age></pki>' | policy
check_status "crl-max-age=9000d: it is taken, her card is accepted" 0 \
	pol whoami --pin-file "$tmp/pin"
kill "$crl_pid" 2>/dev/null
wait "$crl_pid" 2>/dev/null
pki_serve_crls

# ----------------------------------------------------------------- ocsp
rm -rf "$A/pki-cache"
check_status "(the CRLs served again: her card is accepted)" 0 \
	as whoami --pin-file "$tmp/pin"
printf '<pki><ocsp>http://127.0.0.1:%s/</ocsp></pki>\n' "$dead" | policy
check_status "ocsp=URL of a responder out of reach: refused (exit 5)" 5 \
	pol whoami --pin-file "$tmp/pin"
printf '<pki><ocsp>http://127.0.0.1:%s/</ocsp><soft-fail>yes</soft-fail></pki>\n' \
	"$dead" | policy
check_status "the same with soft-fail=yes: accepted" 0 \
	pol whoami --pin-file "$tmp/pin"
echo '<pki><ocsp>off</ocsp></pki>' | policy
check_status "ocsp=off wins over SCEAU_PKI_OCSP: accepted" 0 \
	env SCEAU_PKI_OCSP="http://127.0.0.1:$dead/" \
	SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" \
	whoami --pin-file "$tmp/pin"
check_status "(which refuses without the policy)" 5 \
	env SCEAU_PKI_OCSP="http://127.0.0.1:$dead/" SCEAU_HOME="$A" \
	"$sceau" whoami --pin-file "$tmp/pin"
done_testing
