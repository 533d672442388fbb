#!/bin/sh
# "sceau token list" and "sceau token show" against SoftHSM2 tokens made by
# tests/pki/make-pki.sh and make-tokens.sh: listing (text and JSON), the
# certificate shown, login from a file and from a pinentry program, wrong
# PINs, wrong URIs and modules, exit statuses.
. "$top_srcdir/tests/tap.sh"
require_cmd jq openssl softhsm2-util pkcs11-tool
sceau="$top_builddir/sceau"
tap_tmpdir
export LC_ALL=C LANGUAGE=
softhsm=/usr/lib/softhsm/libsofthsm2.so

sh "$top_srcdir/tests/pki/make-pki.sh" "$tmp/pki" >/dev/null ||
	bail "make-pki.sh failed"
line=$(sh "$top_srcdir/tests/pki/make-tokens.sh" "$tmp/pki" "$tmp/tok") ||
	bail "make-tokens.sh failed"
eval "$line"
[ "$SOFTHSM2_CONF" = "$tmp/tok/softhsm2.conf" ] ||
	bail "make-tokens.sh printed: $line"
echo 123456 >"$tmp/pin"
echo 654321 >"$tmp/badpin"

# --- list
check_status "token list --module softhsm2" 0 \
	"$sceau" token list --module softhsm2
for u in alice bob carol dave erin mallory; do
	check_grep "list shows token $u" "Token \"$u\": SoftHSM project SoftHSM v2" "$tmp/out"
done
check_grep "list shows the spare slot" "token not initialized" "$tmp/out"
check_grep "list shows flags" "flags: rng login-required" "$tmp/out"
check_status "token list --json (every registered module)" 0 \
	"$sceau" --json token list
cp "$tmp/out" "$tmp/list.json"
check "JSON list: softhsm2 with six initialized tokens" jq -e \
	'[.modules[] | select(.name == "softhsm2") | .slots[] |
	  select(.token_initialized)] | length == 6' "$tmp/list.json"
check "JSON list: each token has a URI naming its module" jq -e \
	'[.modules[] | select(.name == "softhsm2") | .slots[].token |
	  select(. != null) | .uri | test("^pkcs11:.*token=.*module-name=softhsm2$")] |
	  all' "$tmp/list.json"
uri=$(jq -r '.modules[] | select(.name == "softhsm2") | .slots[].token |
	select(.label == "dave") | .uri' "$tmp/list.json")
check_status "token list --module PATH (allowed)" 0 \
	"$sceau" token list --module "$softhsm"
check_status "token list --module PATH (not allowed): exit 3" 3 \
	"$sceau" token list --module /bin/sh
check_grep "the refusal says why" "not in the allow-list" "$tmp/err"
check_status "token list with an argument: usage" 2 "$sceau" token list x

# --- show, no login
check_status "token show the listed URI" 0 "$sceau" token show "$uri"
check_grep "show: subject" "Subject: *emailAddress=dave@example.org,CN=dave,O=Example Test Org" "$tmp/out"
check_grep "show: issuer" "Issuer: *CN=Example Test Issuing CA" "$tmp/out"
check_grep "show: key" "Key: *rsa, 3072 bits" "$tmp/out"
check_grep "show: email" "Email: *dave@example.org" "$tmp/out"
fp=$(openssl x509 -in "$tmp/pki/dave.crt" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
check_grep "show: the certificate's SHA-256 fingerprint" "SHA-256: *$fp" "$tmp/out"
check_status "token show --json (EC, by path)" 0 "$sceau" token show --json \
	"pkcs11:token=bob;id=%01?module-path=$softhsm"
check "JSON show: bob's P-256 certificate, serial 1002, no operation" jq -e \
	'.certificate.key_type == "ec-p256" and .certificate.serial == "1002" and
	 .token.label == "bob" and .token_operations == 0 and
	 (.private_key | not)' "$tmp/out"

# --- show, with login
check_status "token show --pin-file (RSA)" 0 \
	"$sceau" token show "pkcs11:token=alice?module-name=softhsm2" \
	--pin-file "$tmp/pin" --json
check "RSA: key present, PSS, SHA-1 OAEP on SoftHSM 2.6.1" jq -e \
	'.private_key and .signature == "rsa-pss-sha256" and
	 .wrap == "rsa-oaep-sha1"' "$tmp/out"
check_status "token show --pin-file (EC)" 0 \
	"$sceau" token show "pkcs11:token=erin?module-name=softhsm2" \
	--pin-file "$tmp/pin"
check_grep "EC: signs ECDSA, unwraps by ECDH" \
	"Private key: present; signs ecdsa-p256-sha256, unwraps ecdh-p256" "$tmp/out"
check_status "wrong PIN: exit 3" 3 \
	"$sceau" token show "pkcs11:token=carol?module-name=softhsm2" \
	--pin-file "$tmp/badpin"
check_grep "wrong PIN: said, with the tries left" \
	"wrong PIN (a wrong PIN was entered: few tries left)" "$tmp/err"
check_status "wrong PIN, JSON: exit 3" 3 "$sceau" --json token show \
	"pkcs11:token=carol?module-name=softhsm2" --pin-file "$tmp/badpin"
check "wrong PIN, JSON: SCEAU_ERR_WRONG_PIN" jq -e \
	'.error.code == "SCEAU_ERR_WRONG_PIN"' "$tmp/out"
check_status "list shows the PIN state after a wrong PIN" 0 \
	"$sceau" token list --module softhsm2
check_grep "PIN: a wrong PIN was entered" "PIN: a wrong PIN was entered" "$tmp/out"

# A pinentry program (Assuan), as $SCEAU_PINENTRY.
cat >"$tmp/pinentry" <<'EOF'
#!/bin/sh
echo "OK ready"
while read -r cmd rest; do
	case $cmd in
	GETPIN) echo "D 123456"; echo OK ;;
	SETDESC) echo "$rest" >>"$PINENTRY_LOG"; echo OK ;;
	BYE) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
EOF
chmod +x "$tmp/pinentry"
check_status "token show --login with \$SCEAU_PINENTRY" 0 \
	env SCEAU_PINENTRY="$tmp/pinentry" PINENTRY_LOG="$tmp/pinentry.log" \
	"$sceau" token show "pkcs11:token=bob?module-name=softhsm2" --login
check_grep "pinentry: logged in" "Private key: present" "$tmp/out"
check_grep "pinentry was told which token" 'PIN of token "bob"' "$tmp/pinentry.log"
check_status "token show --login, no PIN on standard input: fails" 1 \
	sh -c "'$sceau' token show 'pkcs11:token=bob?module-name=softhsm2' --login </dev/null"
check_grep "no PIN: said" "reading the PIN: invalid argument (empty PIN)" "$tmp/err"

# --- refused
check_status "URI naming no token: exit 3" 3 \
	"$sceau" token show "pkcs11:token=nobody?module-name=softhsm2"
check_grep "no token: said" "no token matches the PKCS#11 URI" "$tmp/err"
check_status "URI with a PIN: exit 3" 3 \
	"$sceau" token show "pkcs11:token=bob?pin-value=123456"
check_grep "URI with a PIN: said" "invalid PKCS#11 URI (a PIN in the URI" "$tmp/err"
check_status "not a URI: exit 3" 3 "$sceau" token show "https://example.org/"
check_status "module outside the allow-list: exit 3" 3 \
	"$sceau" token show "pkcs11:token=bob?module-path=/bin/sh"
check_status "several tokens match: exit 3" 3 \
	"$sceau" token show "pkcs11:model=SoftHSM%20v2?module-name=softhsm2"
check_grep "several tokens: named" "tokens match" "$tmp/err"
check_status "show without a URI: usage" 2 "$sceau" token show
check_status "token without a command: usage" 2 "$sceau" token
check_status "token --help" 0 "$sceau" token --help
check_grep "help names show" "^  show " "$tmp/out"
done_testing
