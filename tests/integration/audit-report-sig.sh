#!/bin/sh
# Signed audit reports (XML-DSig, src/audit/xmldsig.c): a test PKI made
# with openssl (a CA, an RSA and an EC P-256 signer it certified, an
# unrelated self-signed certificate), a small report written by hand and
# signed with each key by tests/tools/sceau-test-xmlsign, then
# sceau-audit verify-report with the CA or the signer's certificate as
# the trust; a changed byte, a removed or second signature, an untrusted
# signer, a moved signature, a reference to less than the whole report
# and a file that is not XML are all refused.
. "$top_srcdir/tests/tap.sh"
export LC_ALL=C LANGUAGE=
require_cmd openssl jq sed
tap_tmpdir
audit="$top_builddir/sceau-audit"
sign="$top_builddir/tests/tools/sceau-test-xmlsign"
[ -x "$audit" ] || bail "sceau-audit not built: $audit"
[ -x "$sign" ] || bail "sceau-test-xmlsign not built: $sign"

# The test PKI.
p="$tmp/pki"
mkdir -p "$p"
printf 'basicConstraints=CA:false\nkeyUsage=digitalSignature\n' >"$p/leaf.ext"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$p/ca.key" \
	-out "$p/ca.pem" -days 30 -subj "/O=Acme/CN=Acme Audit CA" \
	-addext "basicConstraints=critical,CA:true" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$tmp/ossl" ||
	bail "openssl: CA: $(cat "$tmp/ossl")"
# leaf NAME CN KEYOPTS...: a key and a certificate of the CA.
leaf() {
	n=$1
	cn=$2
	shift 2
	openssl req -newkey "$@" -nodes -keyout "$p/$n.key" -out "$p/$n.csr" \
		-subj "/O=Acme/CN=$cn" 2>"$tmp/ossl" &&
		openssl x509 -req -in "$p/$n.csr" -CA "$p/ca.pem" \
			-CAkey "$p/ca.key" -CAcreateserial -out "$p/$n.pem" \
			-days 30 -extfile "$p/leaf.ext" 2>"$tmp/ossl" ||
		bail "openssl: $n: $(cat "$tmp/ossl")"
}
leaf rsa "RSA Auditor" rsa:2048
leaf ec "EC Auditor" ec -pkeyopt ec_paramgen_curve:P-256
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$p/other.key" -out "$p/other.pem" -days 30 \
	-subj "/CN=Someone Else" 2>"$tmp/ossl" ||
	bail "openssl: other: $(cat "$tmp/ossl")"
openssl pkey -in "$p/rsa.key" -out "$p/rsa-enc.key" -aes256 \
	-passout pass:s3cret 2>"$tmp/ossl" || bail "openssl: encrypted key"
cat "$p/other.pem" "$p/ca.pem" >"$p/bundle.pem"

cat >"$tmp/report.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<report xmlns="urn:sceau:audit:report:1" organization="acme">
  <period from="2026-01-01T00:00:00Z" to="2026-02-01T00:00:00Z"/>
  <event seq="1" actor="alice@example.org">workspace created</event>
  <event seq="2" actor="alice@example.org">file shared with bob</event>
</report>
XML

check_status "sign with the RSA key" 0 "$sign" "$tmp/report.xml" \
	"$tmp/rsa.xml" --key "$p/rsa.key" --cert "$p/rsa.pem"
check_status "sign with the EC P-256 key" 0 "$sign" "$tmp/report.xml" \
	"$tmp/ec.xml" --key "$p/ec.key" --cert "$p/ec.pem"
check_grep "RSA: rsa-sha256" 'xmldsig-more#rsa-sha256' "$tmp/rsa.xml"
check_grep "EC: ecdsa-sha256" 'xmldsig-more#ecdsa-sha256' "$tmp/ec.xml"
check_grep "exclusive C14N" 'xml-exc-c14n#' "$tmp/ec.xml"
check_grep "one reference to the whole document" '<ds:Reference URI="">' \
	"$tmp/ec.xml"
check_grep "enveloped" 'xmldsig#enveloped-signature' "$tmp/ec.xml"
check_grep "the certificate in KeyInfo" '<ds:X509Certificate>' "$tmp/ec.xml"
check "the signature is the root's last child" test \
	"$(tail -n 1 "$tmp/ec.xml")" = "</ds:Signature></report>"
check_status "an encrypted key with its passphrase" 0 "$sign" \
	"$tmp/report.xml" "$tmp/rsa-enc.xml" --key "$p/rsa-enc.key" \
	--cert "$p/rsa.pem" --pass s3cret
check_status "an encrypted key without a passphrase fails, no prompt" 1 \
	"$sign" "$tmp/report.xml" "$tmp/x.xml" --key "$p/rsa-enc.key" \
	--cert "$p/rsa.pem" </dev/null
check_status "a certificate that is not the key's is refused" 1 "$sign" \
	"$tmp/report.xml" "$tmp/x.xml" --key "$p/rsa.key" --cert "$p/ec.pem"

# verify DESC FILE TRUST EXPECTED-STATUS [PATTERN]
verify() {
	check_status "$1 (exit $4)" "$4" "$audit" verify-report "$2" \
		--trust "$3"
	[ -z "${5:-}" ] || check_grep "$1: says so" "$5" "$tmp/out"
}
for k in rsa ec; do
	u=$(echo "$k" | tr a-z A-Z)
	verify "$k: valid with the CA" "$tmp/$k.xml" "$p/ca.pem" 0 \
		"valid signature by CN=$u Auditor,O=Acme"
	verify "$k: valid with the signer's certificate" "$tmp/$k.xml" \
		"$p/$k.pem" 0 "valid signature by CN=$u Auditor"
	verify "$k: valid with a bundle holding the CA" "$tmp/$k.xml" \
		"$p/bundle.pem" 0
	verify "$k: an unrelated certificate is not trusted" "$tmp/$k.xml" \
		"$p/other.pem" 1 "NOT VALID: signer not trusted"
done
verify "rsa: the EC signer's certificate is not the RSA signer" \
	"$tmp/rsa.xml" "$p/ec.pem" 1 "signer not trusted"
verify "the encrypted key's signature" "$tmp/rsa-enc.xml" "$p/ca.pem" 0

# Tampering.
sed 's/file shared with bob/file shared with eve/' "$tmp/rsa.xml" \
	>"$tmp/t-content.xml"
check "one byte of content changed" test -n \
	"$(cmp "$tmp/rsa.xml" "$tmp/t-content.xml" 2>&1)"
verify "a changed byte of content" "$tmp/t-content.xml" "$p/ca.pem" 1 \
	"signature does not verify: the report was changed after signing"
sed 's/seq="1"/seq="7"/' "$tmp/ec.xml" >"$tmp/t-attr.xml"
verify "a changed attribute" "$tmp/t-attr.xml" "$p/ec.pem" 1 \
	"the report was changed after signing"
sed 's/organization="acme"/organization="acmf"/' "$tmp/ec.xml" \
	>"$tmp/t-root.xml"
verify "a changed attribute of the root" "$tmp/t-root.xml" "$p/ca.pem" 1 \
	"the report was changed after signing"
sed '/<ds:Signature/,/<\/ds:Signature>/d' "$tmp/rsa.xml" >"$tmp/t-none.xml"
printf '</report>\n' >>"$tmp/t-none.xml"
verify "the signature removed" "$tmp/t-none.xml" "$p/ca.pem" 1 \
	"NOT VALID: no signature"
verify "an unsigned report" "$tmp/report.xml" "$p/ca.pem" 1 "no signature"
"$sign" "$tmp/rsa.xml" "$tmp/t-two.xml" --key "$p/ec.key" \
	--cert "$p/ec.pem" || bail "second signature"
verify "two signatures" "$tmp/t-two.xml" "$p/ca.pem" 1 \
	"more than one signature"
"$sign" "$tmp/report.xml" "$tmp/t-other.xml" --key "$p/other.key" \
	--cert "$p/other.pem" || bail "signature by another key"
verify "signed by a key the CA did not certify" "$tmp/t-other.xml" \
	"$p/ca.pem" 1 "signer not trusted"
sed 's/<ds:Reference URI="">/<ds:Reference URI="#x">/' "$tmp/rsa.xml" \
	>"$tmp/t-uri.xml"
verify "a reference to less than the whole report" "$tmp/t-uri.xml" \
	"$p/ca.pem" 1 "does not cover the whole report"
# The signature moved into an element: not the root's last child.
sed '/<ds:Signature/,$d' "$tmp/rsa.xml" >"$tmp/t-moved.xml"
{
	printf '<wrapper>\n'
	sed -n '/<ds:Signature/,$p' "$tmp/rsa.xml" | sed 's|</report>||'
	printf '</wrapper>\n</report>\n'
} >>"$tmp/t-moved.xml"
verify "a signature moved into an element" "$tmp/t-moved.xml" \
	"$p/ca.pem" 1 "not the last element"
{
	printf '<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY e "x">]>\n'
	tail -n +2 "$tmp/rsa.xml"
} >"$tmp/t-doctype.xml"
verify "a DOCTYPE" "$tmp/t-doctype.xml" "$p/ca.pem" 1 "DOCTYPE"
printf 'date,actor,event\n2026-01-01,alice,created\n' >"$tmp/t.csv"
verify "not XML" "$tmp/t.csv" "$p/ca.pem" 1 "NOT VALID: not XML"
head -c 300 "$tmp/rsa.xml" >"$tmp/t-cut.xml"
verify "a truncated report" "$tmp/t-cut.xml" "$p/ca.pem" 1 "not XML"

# Usage and unreadable input: exit 2.
check_status "no --trust" 2 "$audit" verify-report "$tmp/rsa.xml"
check_status "no report" 2 "$audit" verify-report --trust "$p/ca.pem"
check_status "a report that does not exist" 2 "$audit" verify-report \
	"$tmp/nonexistent.xml" --trust "$p/ca.pem"
check_grep "says it cannot read it" "cannot read the report" "$tmp/err"
check_status "a trust file that is not PEM" 2 "$audit" verify-report \
	"$tmp/rsa.xml" --trust "$tmp/report.xml"
check_grep "says it holds no certificate" "no certificate" "$tmp/err"
check_status "verify-report --help" 0 "$audit" verify-report --help
check_grep "the usage names --trust" "verify-report REPORT --trust PEM" \
	"$tmp/out"
check_status "the command list names verify-report" 0 "$audit" --help
check_grep "verify-report listed" "^  verify-report " "$tmp/out"

# JSON.
check_status "--json: valid" 0 "$audit" --json verify-report \
	"$tmp/ec.xml" --trust "$p/ca.pem"
check "valid, the signer, the reason" jq -e '.valid == true and
	.signer == "CN=EC Auditor,O=Acme" and (.reason | length > 0)' \
	"$tmp/out"
check_status "--json after the command: changed" 1 "$audit" verify-report \
	"$tmp/t-content.xml" --trust "$p/ca.pem" --json
check "not valid, no signer, the reason in English" jq -e \
	'.valid == false and .signer == "" and .reason ==
	"signature does not verify: the report was changed after signing"' \
	"$tmp/out"
check_status "--json: untrusted" 1 "$audit" --json verify-report \
	"$tmp/t-other.xml" --trust "$p/ca.pem"
check "reason: signer not trusted" jq -e \
	'.valid == false and .reason == "signer not trusted"' "$tmp/out"

# French: under LANG=fr_FR.UTF-8 LANGUAGE=fr, or, where that locale was
# not generated, C.UTF-8 with LANGUAGE=fr (gettext honours LANGUAGE there).
if locale -a 2>/dev/null | grep -qiE '^fr_FR\.utf-?8$'; then
	fr() { env LC_ALL= LANG=fr_FR.UTF-8 LANGUAGE=fr "$@"; }
else
	fr() { env LC_ALL=C.UTF-8 LANGUAGE=fr "$@"; }
fi
check_status "in French: valid" 0 fr "$audit" verify-report "$tmp/ec.xml" \
	--trust "$p/ca.pem"
check_grep "signature valide" "signature valide de CN=EC Auditor" "$tmp/out"
check_status "in French: changed" 1 fr "$audit" verify-report \
	"$tmp/t-content.xml" --trust "$p/ca.pem"
check_grep "le rapport a été modifié" "a été modifié après" "$tmp/out"
check_status "in French: untrusted" 1 fr "$audit" verify-report \
	"$tmp/t-other.xml" --trust "$p/ca.pem"
check_grep "signataire non reconnu" "NON VALIDE : signataire non reconnu" "$tmp/out"
check_status "in French: usage" 2 fr "$audit" verify-report "$tmp/ec.xml"
check_grep "Utilisation" "^Utilisation" "$tmp/err"

done_testing
