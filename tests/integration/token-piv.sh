#!/bin/sh
# The path real smartcards take: OpenSC's PKCS#11 module, pcscd, and a
# virtual PIV card of our own (tests/piv/pivcard.py on Debian's vsmartcard,
# in a private network namespace: tests/piv/piv-lib.sh).  Keys are made on
# the card (P-256 in slot 9A, RSA-2048 in 9D), certified by the test PKI's
# issuing CA, written into the card; then, through opensc-pkcs11.so:
# "sceau token list" and "token show"; wrong PINs refused with the tries
# left; the token layer's signatures (ECDSA, RSA-PSS) and unwraps (ECDH,
# RSA-OAEP with SHA-256, which SoftHSM 2.6.1 cannot do) on each key
# (tests/tools/sceau-test-token); an organization bootstrapped on the real
# server with the card, opened with its PIN, a workspace's key unwrapped
# on it; and last, three wrong PINs block the card.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
. "$top_srcdir/tests/pki/pki-lib.sh"
. "$top_srcdir/tests/piv/piv-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
tap_cleanup_hook='piv_stop; srv_kill_all'
require_cmd jq openssl curl
piv_check || bail "no virtual PIV card on this machine: $piv_error"
py=/usr/bin/python3
sceau="$top_builddir/sceau"
tool="$top_builddir/tests/tools/sceau-test-token"
M=$piv_module
# OpenSC 0.23 leaks the secret-key object of each C_DeriveKey (ECDH),
# though C_DestroyObject returned CKR_OK: not ours to fix.
LSAN_OPTIONS="suppressions=$top_srcdir/tests/piv/lsan.supp:print_suppressions=0"
export LSAN_OPTIONS

port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	bail "no free port"
pki="$tmp/pki"
SCEAU_PKI_PORT=$port sh "$top_srcdir/tests/pki/make-pki.sh" "$pki" >&2 ||
	bail "make-pki.sh failed"
printf '123456\n' >"$tmp/pin"
printf '654321\n' >"$tmp/badpin"
chmod 600 "$tmp/pin" "$tmp/badpin"

# ------------------------------------------------------------ the card
piv_start "$tmp/piv" || bail "the virtual PIV card did not start: $piv_error"
check_status "OpenSC sees the card through pcscd" 0 opensc-tool -r 0 -n
check_grep "as a PIV card" "Personal Identity Verification Card" "$tmp/out"
piv_genkey 9A 11 "$tmp/9a.pub" || bail "$piv_error"
piv_genkey 9D 07 "$tmp/9d.pub" || bail "$piv_error"
ok "keys generated on the card: P-256 in 9A, RSA-2048 in 9D"
piv_issue "$pki" "$tmp/9a.pub" v3_user_ec 0x2001 piv@example.org \
	"$tmp/9a.crt" || bail "$piv_error"
piv_issue "$pki" "$tmp/9d.pub" v3_user 0x2002 piv@example.org \
	"$tmp/9d.crt" || bail "$piv_error"
piv_write_cert 9A "$tmp/9a.crt" || bail "$piv_error"
piv_write_cert 9D "$tmp/9d.crt" || bail "$piv_error"
ok "their certificates, from the test PKI, written into the card"
# OpenSC names PIV slot 9A's pair CKA_ID 01, 9D's 03; the certificates'
# labels are OpenSC's too.
ec="pkcs11:token=piv;id=%01?module-path=$M"
rsa="pkcs11:token=piv;object=Certificate%20for%20Key%20Management?module-path=$M"

# ------------------------------------------------------------ sceau token
check_status "token list --module opensc-pkcs11.so" 0 \
	"$sceau" token list --module "$M"
check_grep "lists the card, labelled by its certificate" \
	'Token "piv": piv_II PKCS#15 emulated' "$tmp/out"
check_status "token list --json" 0 "$sceau" --json token list --module "$M"
check "JSON: one PIV token, its URI naming the module" jq -e \
	'[.modules[].slots[].token | select(. != null) |
	  select(.manufacturer == "piv_II" and
	         (.uri | test("^pkcs11:.*token=piv.*module-path=")))] |
	 length == 1' "$tmp/out"
fp() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 |
		sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
check_status "token show: the 9A certificate" 0 "$sceau" token show "$ec"
check_grep "its subject" "Subject: *emailAddress=piv@example.org,CN=piv,O=Example Test Org" "$tmp/out"
check_grep "its issuer, the test PKI's" "Issuer: *CN=Example Test Issuing CA" "$tmp/out"
check_grep "its key, P-256" "Key: *ec-p256, 256 bits" "$tmp/out"
check_grep "the certificate written into the card" "SHA-256: *$(fp "$tmp/9a.crt")" "$tmp/out"
check_status "token show, the module by its p11-kit name" 0 \
	"$sceau" token show "pkcs11:token=piv;id=%01?module-name=opensc-pkcs11"
check_grep "the same certificate" "SHA-256: *$(fp "$tmp/9a.crt")" "$tmp/out"
check_status "token show --json: the 9D certificate, by its label" 0 \
	"$sceau" token show --json "$rsa"
check "RSA-2048, serial 2002, email, no token operation" jq -e \
	'.certificate.key_type == "rsa" and .certificate.key_bits == 2048 and
	 .certificate.serial == "2002" and
	 .certificate.emails == ["piv@example.org"] and
	 .certificate.sha256 == $fp and .token_operations == 0' \
	--arg fp "$(fp "$tmp/9d.crt")" "$tmp/out"

# ------------------------------------------------------------ PINs
# The card counts 3 tries and answers 63Cx; OpenSC turns it into token
# flags: FINAL_TRY at one left, LOCKED at none (it does not know the
# maximum, so two left is not "count low" on a PIV card).
check_status "a wrong PIN: refused (exit 3)" 3 \
	"$sceau" token show "$ec" --pin-file "$tmp/badpin"
check_grep "it says so" "wrong PIN" "$tmp/err"
check_status "a second wrong PIN: refused" 3 \
	"$sceau" --json token show "$ec" --pin-file "$tmp/badpin"
check "SCEAU_ERR_WRONG_PIN, one try left" jq -e \
	'.error.code == "SCEAU_ERR_WRONG_PIN" and
	 (.error.detail // "" | test("one try left"))' "$tmp/out"
check_status "token list shows the PIN state" 0 \
	"$sceau" --json token list --module "$M"
check "final-try" jq -e '[.modules[].slots[].token | select(. != null) |
	.pin] == ["final-try"]' "$tmp/out"
check_status "the right PIN: the EC key" 0 \
	"$sceau" token show "$ec" --pin-file "$tmp/pin"
check_grep "signs ECDSA, unwraps by ECDH" \
	"Private key: present; signs ecdsa-p256-sha256, unwraps ecdh-p256" "$tmp/out"
check_status "the RSA key" 0 "$sceau" --json token show "$rsa" --pin-file "$tmp/pin"
check "signs RSA-PSS, unwraps RSA-OAEP with SHA-256 (probed on the card)" \
	jq -e '.private_key and .signature == "rsa-pss-sha256" and
	.wrap == "rsa-oaep-sha256" and .token.pin == "ok"' "$tmp/out"

# ------------------------------------------------------------ the layer
# tool_tap DESC URI: the TAP lines of sceau-test-token, numbered here.
tool_tap() {
	"$tool" "$2" "$tmp/pin" >"$tmp/tool.out" 2>"$tmp/tool.err"
	rc=$?
	n=0
	while read -r line; do
		case $line in
		"ok - "*) ok "$1: ${line#ok - }" ;;
		"not ok - "*) not_ok "$1: ${line#not ok - }" ;;
		"#"*) diag "$1: ${line#\# }" ;;
		*) continue ;;
		esac
		n=$((n + 1))
	done <"$tmp/tool.out"
	check "$1: sceau-test-token exits 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$(head -n 20 "$tmp/tool.err")"
}
tool_tap "EC P-256 (9A)" "$ec"
tool_tap "RSA-2048 (9D)" "$rsa"

# ------------------------------------------------------------ an organization
pki_serve_crls
srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}
# org KEY URI: an organization bootstrapped with the card's KEY.
org() {
	"$sceau" --json server create-org "$1" >"$tmp/org-$1.json" ||
		bail "create-org $1"
	check_status "$1: bootstrapped with the card's $1 key" 0 \
		as "$tmp/$1" org bootstrap "$(jq -r .bootstrap_link "$tmp/org-$1.json")" \
		--email piv@example.org --name Piv --token "$2" \
		--pin-file "$tmp/pin" --pki-ca "$pki/root.crt" \
		--pki-intermediates "$pki/int.crt"
	check_status "$1: the device opens with the card's PIN" 0 \
		as "$tmp/$1" --json whoami --pin-file "$tmp/pin"
	check "$1: protected by the token, an admin" jq -e \
		'.protection == "token" and .user.profile == "admin"' "$tmp/out"
	check_status "$1: a workspace, its key wrapped to the card" 0 \
		as "$tmp/$1" workspace create plans --pin-file "$tmp/pin"
	check_status "$1: a file imported, synced" 0 sh -c \
		"SCEAU_HOME='$tmp/$1' '$sceau' import '$tmp/plans.txt' /plans/plans.txt --pin-file '$tmp/pin' &&
		 SCEAU_HOME='$tmp/$1' '$sceau' sync --pin-file '$tmp/pin'"
	check_status "$1: read back, the key unwrapped on the card" 0 \
		as "$tmp/$1" cat /plans/plans.txt --pin-file "$tmp/pin"
	check "$1: byte for byte" cmp "$tmp/out" "$tmp/plans.txt"
	check_status "$1: the card's operations counted" 0 \
		as "$tmp/$1" --json status --workspace /plans --pin-file "$tmp/pin"
	check "$1: unlock <= 2, the workspace <= 1, its files 0" jq -e '
		.token_ops.unlock <= 2 and .token_ops.unlock >= 1 and
		.token_ops.workspace <= 1 and .token_ops.files == 0' "$tmp/out"
}
echo "secret plans, on a PIV card" >"$tmp/plans.txt"
org ec "$ec"
org rsa "$rsa"
check_status "a wrong PIN does not open the device (exit 3)" 3 \
	as "$tmp/ec" whoami --pin-file "$tmp/badpin"
check_grep "it says so" "wrong PIN" "$tmp/err"
check_status "the right PIN resets the card's counter" 0 \
	as "$tmp/ec" whoami --pin-file "$tmp/pin"

# ------------------------------------------------------------ blocked
for n in 1 2; do
	check_status "wrong PIN $n of 3: refused" 3 \
		"$sceau" token show "$ec" --pin-file "$tmp/badpin"
done
check_grep "one try left" "one try left" "$tmp/err"
check_status "wrong PIN 3 of 3: refused" 3 \
	"$sceau" --json token show "$ec" --pin-file "$tmp/badpin"
check_status "the right PIN now: the PIN is blocked (exit 3)" 3 \
	"$sceau" --json token show "$ec" --pin-file "$tmp/pin"
check "SCEAU_ERR_PIN_LOCKED" jq -e \
	'.error.code == "SCEAU_ERR_PIN_LOCKED"' "$tmp/out"
check_status "the blocked card opens no device" 3 \
	as "$tmp/rsa" whoami --pin-file "$tmp/pin"
check_status "token list: locked" 0 "$sceau" --json token list --module "$M"
check "locked" jq -e '[.modules[].slots[].token | select(. != null) |
	.pin] == ["locked"]' "$tmp/out"
check "the card process never crashed" kill -0 "$piv_card"
check "nor the server" kill -0 "$srv_pid"
check_fails "the card logged no internal error" \
	grep -q "internal error" "$tmp/piv/apdu.log"
done_testing
