#!/bin/sh
# make-pki.sh DIR: a test PKI for sceau's token and X.509 tests, built with
# the OpenSSL command line, with no network, in one to two seconds (the time
# RSA-3072 key generation takes, in the background on two cores).
#
# DIR must be absent or empty.  Every certificate comes with NAME.crt (PEM),
# NAME.der (DER) and its private key NAME.key (PEM, PKCS#8, unencrypted):
#
#   root        "Example Test Root CA", EC P-384, self-signed, 10 years
#   int         "Example Test Issuing CA", EC P-256, CA:TRUE pathlen:0,
#               issued by root (serial 01 in ca-root/index.txt); CRL
#               distribution point http://127.0.0.1:PORT/root.crl
#   ocsp        OCSP responder of int (EKU OCSPSigning, noCheck), serial 1000
#   alice       RSA-3072, serial 1001 \
#   bob         EC P-256, serial 1002  |  users of int, 825 days:
#   carol       EC P-256, serial 1003  |  subject O=Example Test Org, CN=NAME,
#   dave        RSA-3072, serial 1004  |  emailAddress=NAME@example.org;
#   erin        EC P-256, serial 1005 /   subjectAltName email + UPN otherName
#               keyUsage digitalSignature,keyEncipherment (RSA) or
#               digitalSignature,keyAgreement (EC); EKU clientAuth,
#               emailProtection, smartcardLogon (1.3.6.1.4.1.311.20.2.2);
#               CRL distribution point http://127.0.0.1:PORT/int.crl and
#               OCSP (authorityInfoAccess) http://127.0.0.1:PORT/
#   other-root  "Other Test Root CA", EC P-256, unrelated to root
#   other-int   "Other Test Issuing CA", EC P-256, issued by other-root
#   mallory     EC P-256 user issued by other-int, serial 1001 (bob's
#               extensions without CRL or OCSP URLs): a well-formed identity
#               that does not chain to root
#
# carol is revoked (reason keyCompromise).  Also written:
#
#   root.crl     CRL of root (covers int; nothing revoked)
#   int.crl      CRL of int (carol revoked), next update in 7 days
#   expired.crl  CRL of int (carol revoked) with lastUpdate 2020-01-01,
#                nextUpdate 2020-02-01
#   crls.pem     root.crl + int.crl, PEM
#   int-crl.der, root-crl.der  the same CRLs, DER
#   chain.pem    int.crt + root.crt, PEM
#   index.txt    int's database, for "openssl ocsp -index DIR/index.txt
#                -CA int.crt -rsigner ocsp.crt -rkey ocsp.key"
#   openssl.cnf  the configuration: sections CA_root and CA_int for
#                "openssl ca -config DIR/openssl.cnf -name CA_int", which
#                needs UEMAIL exported (any value; the email of a new user
#                for -extensions v3_user or v3_user_ec); ca-root/ and
#                ca-int/ hold the CAs' serial and CRL numbers and copies of
#                the certificates they issued
#
# PORT is ${SCEAU_PKI_PORT:-18888}, fixed into the certificates and
# openssl.cnf when they are made.  Keys are random, names and serials fixed.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: make-pki.sh DIR" >&2
	exit 2
fi
mkdir -p "$1"
D=$(cd "$1" && pwd)
if [ -n "$(ls -A "$D")" ]; then
	echo "make-pki.sh: $D is not empty" >&2
	exit 1
fi
PORT=${SCEAU_PKI_PORT:-18888}
case $PORT in
'' | *[!0-9]*)
	echo "make-pki.sh: bad SCEAU_PKI_PORT: $PORT" >&2
	exit 2
	;;
esac
cd "$D"
log="$D/make-pki.log"
: >"$log"
# Any ${ENV::X} of the configuration must be set for every "openssl ca",
# even one that does not use the section naming it.
UEMAIL=nobody@example.org
export UEMAIL
CNF="$D/openssl.cnf"

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "make-pki.sh: failed: $*" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
}

mkdir ca-root ca-root/newcerts ca-int ca-int/newcerts
: >ca-root/index.txt
: >index.txt
echo 01 >ca-root/serial
echo 1000 >ca-int/serial
echo 01 >ca-root/crlnumber
echo 1000 >ca-int/crlnumber

cat >"$CNF" <<EOF
# Test PKI of sceau (tests/pki/make-pki.sh).  Set UEMAIL for v3_user*.
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ CA_root ]
dir = $D/ca-root
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $D/root.crt
private_key = $D/root.key
default_md = sha384
default_days = 3650
default_crl_days = 30
policy = policy_any
unique_subject = no
preserve = yes

[ CA_int ]
dir = $D/ca-int
database = $D/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $D/int.crt
private_key = $D/int.key
default_md = sha256
default_days = 825
default_crl_days = 7
policy = policy_any
unique_subject = no
preserve = yes

[ policy_any ]
organizationName = optional
commonName = supplied
emailAddress = optional

[ v3_root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ v3_int ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1:$PORT/root.crl

[ v3_other_int ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_user ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth,emailProtection,1.3.6.1.4.1.311.20.2.2
subjectAltName = email:\${ENV::UEMAIL},otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\${ENV::UEMAIL}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1:$PORT/int.crl
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$PORT/

[ v3_user_ec ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = clientAuth,emailProtection,1.3.6.1.4.1.311.20.2.2
subjectAltName = email:\${ENV::UEMAIL},otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\${ENV::UEMAIL}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1:$PORT/int.crl
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$PORT/

[ v3_other_user_ec ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = clientAuth,emailProtection,1.3.6.1.4.1.311.20.2.2
subjectAltName = email:\${ENV::UEMAIL},otherName:1.3.6.1.4.1.311.20.2.3;UTF8:\${ENV::UEMAIL}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_ocsp ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,OCSPSigning
noCheck = ignored
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF

# genkey NAME ALG: NAME.key, PKCS#8 PEM (ALG: rsa3072, p256, p384).
genkey() {
	case $2 in
	rsa3072) set -- "$1" -algorithm RSA -pkeyopt rsa_keygen_bits:3072 ;;
	p256) set -- "$1" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
	p384) set -- "$1" -algorithm EC -pkeyopt ec_paramgen_curve:P-384 ;;
	esac
	k=$1
	shift
	run openssl genpkey -quiet "$@" -out "$k.key"
}

subject() {
	echo "/O=Example Test Org/CN=$1/emailAddress=$1@example.org"
}

# der NAME: NAME.der from NAME.crt.
der() {
	run openssl x509 -in "$1.crt" -outform DER -out "$1.der"
}

# issue CA NAME SUBJECT EXTENSIONS: NAME.crt signed by CA_<CA>.
issue() {
	run openssl req -new -config "$CNF" -key "$2.key" -subj "$3" \
		-out "$2.csr"
	run openssl ca -batch -config "$CNF" -name "CA_$1" -extensions "$4" \
		-notext -in "$2.csr" -out "$2.crt"
	rm -f "$2.csr"
	der "$2"
}

# user NAME EXTENSIONS: a user of the issuing CA.
user() {
	UEMAIL=$1@example.org issue int "$1" "$(subject "$1")" "$2"
}

# RSA key generation takes most of the time: both in the background.
genkey alice rsa3072 &
alice_pid=$!
genkey dave rsa3072 &
dave_pid=$!

genkey root p384
run openssl req -new -x509 -config "$CNF" -key root.key \
	-subj "/O=Example Test Org/CN=Example Test Root CA" -days 3650 \
	-sha384 -set_serial 1 -extensions v3_root -out root.crt
der root
genkey int p256
issue root int "/O=Example Test Org/CN=Example Test Issuing CA" v3_int
genkey ocsp p256
issue int ocsp "/O=Example Test Org/CN=Example Test OCSP Responder" v3_ocsp
for u in bob carol erin; do
	genkey "$u" p256
done

# The unrelated CA and its user, without a database.
genkey other-root p256
run openssl req -new -x509 -config "$CNF" -key other-root.key \
	-subj "/O=Other Test Org/CN=Other Test Root CA" -days 3650 \
	-sha256 -set_serial 1 -extensions v3_root -out other-root.crt
der other-root
# xsign NAME SUBJECT EXTENSIONS SERIAL ISSUER
xsign() {
	run openssl req -new -config "$CNF" -key "$1.key" -subj "$2" \
		-out "$1.csr"
	run openssl x509 -req -in "$1.csr" -CA "$5.crt" -CAkey "$5.key" \
		-set_serial "$4" -days 825 -sha256 -extfile "$CNF" \
		-extensions "$3" -out "$1.crt"
	rm -f "$1.csr"
	der "$1"
}
genkey other-int p256
xsign other-int "/O=Other Test Org/CN=Other Test Issuing CA" v3_other_int \
	2 other-root
genkey mallory p256
UEMAIL=mallory@example.org xsign mallory \
	"/O=Other Test Org/CN=mallory/emailAddress=mallory@example.org" \
	v3_other_user_ec 0x1001 other-int

# Users in serial order: 1001 alice ... 1005 erin.
wait "$alice_pid" || exit 1
wait "$dave_pid" || exit 1
user alice v3_user
user bob v3_user_ec
user carol v3_user_ec
user dave v3_user
user erin v3_user_ec

run openssl ca -batch -config "$CNF" -name CA_int -revoke carol.crt \
	-crl_reason keyCompromise
run openssl ca -batch -config "$CNF" -name CA_int -gencrl \
	-crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z \
	-out expired.crl
run openssl ca -batch -config "$CNF" -name CA_int -gencrl -out int.crl
run openssl ca -batch -config "$CNF" -name CA_root -gencrl -out root.crl
cat root.crl int.crl >crls.pem
run openssl crl -in int.crl -outform DER -out int-crl.der
run openssl crl -in root.crl -outform DER -out root-crl.der
cat int.crt root.crt >chain.pem
rm -f "$log"
