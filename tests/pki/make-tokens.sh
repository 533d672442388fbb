#!/bin/sh
# make-tokens.sh PKIDIR TOKDIR: SoftHSM2 test tokens holding the users of a
# PKI made by make-pki.sh.
#
# Writes TOKDIR/softhsm2.conf (tokens in TOKDIR/tokens) and prints the line
# to use them, on standard output:
#
#   export SOFTHSM2_CONF=TOKDIR/softhsm2.conf
#
# Each user of the PKI (alice and dave RSA-3072; bob, carol, erin and
# mallory EC P-256) gets a token labelled with the user's name, user PIN
# 123456 and SO PIN 12345678, holding the user's private key and X.509
# certificate as a pair: both CKA_ID 01 and CKA_LABEL the user's name.
# pkcs11-tool also makes a public key object from the certificate (same
# id and label).  Private keys are sensitive and private.
#
# RSA keys are imported with "softhsm2-util --import" (usage decrypt, sign,
# unwrap).  EC keys are not: softhsm2-util imports them with CKA_DERIVE
# false, and SoftHSM then refuses ECDH (C_DeriveKey: 0x68
# CKR_KEY_FUNCTION_NOT_PERMITTED), so they go through "pkcs11-tool
# --write-object KEY --type privkey --usage-sign --usage-derive".
#
# Every process that uses the tokens needs SOFTHSM2_CONF in its
# environment (without it SoftHSM fails C_Initialize, or silently uses
# /var/lib/softhsm/tokens).  The module is /usr/lib/softhsm/libsofthsm2.so,
# also registered with p11-kit as "softhsm2".
set -eu

if [ $# -ne 2 ]; then
	echo "usage: make-tokens.sh PKIDIR TOKDIR" >&2
	exit 2
fi
P=$(cd "$1" && pwd)
mkdir -p "$2"
T=$(cd "$2" && pwd)
MODULE=${SCEAU_SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
USERS="alice bob carol dave erin mallory"
for c in softhsm2-util pkcs11-tool; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "make-tokens.sh: missing tool: $c (apt-get install softhsm2 opensc)" >&2
		exit 1
	}
done
for u in $USERS; do
	if [ ! -f "$P/$u.key" ] || [ ! -f "$P/$u.der" ]; then
		echo "make-tokens.sh: no $u.key or $u.der in $P" >&2
		exit 1
	fi
done

mkdir -p "$T/tokens"
log="$T/make-tokens.log"
: >"$log"
# Log level ERROR: SoftHSM logs to syslog, which a container lacks.
cat >"$T/softhsm2.conf" <<EOF
directories.tokendir = $T/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
SOFTHSM2_CONF="$T/softhsm2.conf"
export SOFTHSM2_CONF

run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "make-tokens.sh: failed: $*" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
}

for u in $USERS; do
	run softhsm2-util --init-token --free --label "$u" \
		--so-pin 12345678 --pin 123456
	case $u in
	alice | dave)
		run softhsm2-util --import "$P/$u.key" --id 01 --label "$u" \
			--token "$u" --pin 123456
		;;
	*)
		run pkcs11-tool --module "$MODULE" --token-label "$u" --login \
			--pin 123456 --write-object "$P/$u.key" --type privkey \
			--id 01 --label "$u" --usage-sign --usage-derive \
			--sensitive --private
		;;
	esac
	run pkcs11-tool --module "$MODULE" --token-label "$u" --login \
		--pin 123456 --write-object "$P/$u.der" --type cert --id 01 \
		--label "$u"
done
rm -f "$log"
echo "export SOFTHSM2_CONF=$T/softhsm2.conf"
