# pki-lib.sh: the test PKI on SoftHSM2 tokens, for integration tests that
# need smartcards (sourced after tap.sh and server-lib.sh's srv_setup).
#
# pki_tokens_serve: makes the PKI (tests/pki/make-pki.sh) in $tmp/pki,
# with its CRL distribution points on a free port of 127.0.0.1, and one
# SoftHSM2 token per user (make-tokens.sh) in $tmp/tok; exports
# SOFTHSM2_CONF; writes the PIN 123456 to $tmp/pin and a wrong one to
# $tmp/badpin; serves the CRLs on that port (its PID added to
# srv_extra_pids, so that the test's cleanup stops it).  Sets $pki,
# $port, $py and $SOFTHSM; uri NAME prints the PKCS#11 URI of a token.
pki_tokens_serve() {
	py=/usr/bin/python3
	SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
	port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
		bail "no free port"
	pki="$tmp/pki"
	SCEAU_PKI_PORT=$port sh "$top_srcdir/tests/pki/make-pki.sh" "$pki" >&2 ||
		bail "make-pki.sh failed"
	sh "$top_srcdir/tests/pki/make-tokens.sh" "$pki" "$tmp/tok" >&2 ||
		bail "make-tokens.sh failed"
	export SOFTHSM2_CONF="$tmp/tok/softhsm2.conf"
	printf '123456\n' >"$tmp/pin"
	printf '654321\n' >"$tmp/badpin"
	chmod 600 "$tmp/pin" "$tmp/badpin"
	pki_serve_crls
}

# pki_serve_crls: the CRLs of $pki, served on 127.0.0.1:$port where the
# certificates point (its PID added to srv_extra_pids).
pki_serve_crls() {
	"$py" -m http.server "$port" --bind 127.0.0.1 --directory "$pki" \
		>"$tmp/crl.log" 2>&1 &
	srv_extra_pids="${srv_extra_pids:-} $!"
	pki_i=0
	until curl -sf "http://127.0.0.1:$port/int.crl" >/dev/null; do
		pki_i=$((pki_i + 1))
		[ $pki_i -lt 50 ] || bail "the CRL server did not start"
		sleep 0.1
	done
}

uri() { echo "pkcs11:token=$1?module-path=$SOFTHSM"; }
