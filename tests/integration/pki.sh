#!/bin/sh
# sceau pki check over the test PKI (tests/pki/make-pki.sh), each verdict
# read with jq: alice valid; carol revoked; a CRL missing for the issuing
# CA; an expired CRL; mallory of another CA; a date after expiry; a wrong
# usage.  CRLs fetched from their distribution points on a loopback-only
# HTTP server, kept in a cache used once the server is gone, which stays
# bounded.  OCSP from `openssl ocsp`, which listens on every interface:
# so it runs in a private network namespace, with the client: good,
# revoked, responder down (hard and soft fail).
. "$top_srcdir/tests/tap.sh"
export LC_ALL=C LANGUAGE=
require_cmd openssl jq curl unshare nsenter ip date truncate touch
py=/usr/bin/python3
[ -x "$py" ] || bail "missing $py"
sceau="$top_builddir/sceau"
[ -x "$sceau" ] || bail "not built: $sceau"
tap_tmpdir
pids=
tap_cleanup_hook='for p in $pids; do kill -KILL "$p" 2>/dev/null; done'

# A free TCP port of 127.0.0.1 for the CRL server, named in the PKI's
# URLs; the OCSP responder uses the same one, in its own namespace.
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	bail "no free port"
pki="$tmp/pki"
SCEAU_PKI_PORT=$port sh "$top_srcdir/tests/pki/make-pki.sh" "$pki" >&2 ||
	bail "make-pki.sh failed"

# check_pki DESC STATUS CERT [OPTIONS]: sceau pki check --json, its exit
# status; the verdict is then in $tmp/out for check_jq.
check_pki() {
	d=$1
	s=$2
	c=$3
	shift 3
	check_status "$d" "$s" "$sceau" pki check --json --ca "$pki/root.crt" \
		"$@" "$pki/$c"
}

# check_jq DESC FILTER: the last verdict satisfies the jq filter.
check_jq() {
	if jq -e "$2" "$tmp/out" >/dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		diag "jq '$2' on: $(head -c 1500 "$tmp/out")"
	fi
}

U="--untrusted $pki/int.crt"

# --------------------------------------------------------------- files
check_pki "alice is valid with both CRLs" 0 alice.crt $U --crl "$pki/crls.pem"
check_jq "alice: valid, path of 3, CRLs of every certificate" \
	'.valid and (.path | length) == 3 and .revocation.crl == "good" and .revocation.crl_all and .certificate.email == "alice@example.org" and .certificate.key == "RSA 3072"'
check_pki "alice, her key allowed to unwrap, smartcard logon" 0 alice.crt $U \
	--crl "$pki/crls.pem" --unwrap --require-eku smartcard
check_pki "carol is revoked" 6 carol.crt $U --crl "$pki/root.crl" \
	--crl "$pki/int.crl"
check_jq "carol: CERT_REVOKED names her, keyCompromise" \
	'(.valid | not) and .error.code == "SCEAU_ERR_CERT_REVOKED" and .error.depth == 0 and (.error.subject | test("CN=carol")) and .error.serial == "1003" and .revocation.reason == "keyCompromise" and .revocation.crl == "revoked"'
check_pki "only the issuing CA's CRL: refused" 6 alice.crt $U --crl "$pki/int.crl"
check_jq "the CRL missing is the issuing CA's, at depth 1" \
	'.error.code == "SCEAU_ERR_CRL_MISSING" and .error.depth == 1 and (.error.subject | test("Issuing CA"))'
check_pki "an expired CRL: refused" 6 alice.crt $U --crl "$pki/root.crl" \
	--crl "$pki/expired.crl"
check_jq "CRL_EXPIRED, with its date" \
	'.error.code == "SCEAU_ERR_CRL_EXPIRED" and (.error.reason | test("2020-02-01"))'
check_pki "mallory of another CA: refused" 6 mallory.crt \
	--untrusted "$pki/other-int.crt" --crl "$pki/crls.pem"
check_jq "CERT_UNTRUSTED" '.error.code == "SCEAU_ERR_CERT_UNTRUSTED" and (.path | length) == 0'
later=$(date -u -d '+900 days' +%Y-%m-%d)
check_pki "alice after her certificate's end: refused" 6 alice.crt $U \
	--at "$later"
check_jq "CERT_EXPIRED at depth 0" \
	'.error.code == "SCEAU_ERR_CERT_EXPIRED" and .error.depth == 0 and (.error.reason | test("expired on"))'
check_pki "the OCSP responder's certificate is no smartcard's" 6 ocsp.crt $U \
	--require-eku smartcard
check_jq "CERT_USAGE" '.error.code == "SCEAU_ERR_CERT_USAGE"'
check_pki "nor may it unwrap" 6 ocsp.crt $U --unwrap
check_pki "a CA is no user" 6 int.crt
check_status "text output: the refusal names carol" 6 "$sceau" pki check \
	--ca "$pki/root.crt" $U --crl "$pki/crls.pem" "$pki/carol.der"
check_grep "stdout: refused" '^Verdict: *refused' "$tmp/out"
check_grep "stderr: which certificate and why" "CN=carol.*keyCompromise" "$tmp/err"
check_status "no --ca: usage error" 2 "$sceau" pki check "$pki/alice.crt"
check_status "a file that is no certificate" 6 "$sceau" pki check \
	--ca "$pki/root.crt" "$pki/openssl.cnf"

# ------------------------------------------------ CRLs over HTTP, cache
mkdir "$tmp/www"
cp "$pki/int.crl" "$pki/root.crl" "$tmp/www/"
"$py" -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www" \
	>"$tmp/www.log" 2>&1 &
www_pid=$!
pids="$pids $www_pid"
i=0
until curl -sf -o /dev/null "http://127.0.0.1:$port/int.crl"; do
	i=$((i + 1))
	[ $i -lt 100 ] || bail "the CRL server did not start: $(cat "$tmp/www.log")"
	sleep 0.1
done

C="$tmp/cache"
check_pki "alice: CRLs fetched from her path's distribution points" 0 \
	alice.crt $U --crl-fetch --cache-dir "$C"
check_jq "both CRLs checked" '.valid and .revocation.crl_all and (.revocation.skipped | not)'
n=$(ls "$C" | grep -c '^[0-9a-f]\{64\}\.crl$')
if [ "$n" -eq 2 ]; then ok "two CRLs in the cache"; else not_ok "two CRLs in the cache ($n)"; fi
check_pki "carol: revoked by the fetched CRL" 6 carol.crt $U --crl-fetch \
	--cache-dir "$C"
check_jq "CERT_REVOKED" '.error.code == "SCEAU_ERR_CERT_REVOKED"'
check_pki "CRLs from URLs given" 0 bob.crt $U \
	--crl "http://127.0.0.1:$port/int.crl" --crl "http://127.0.0.1:$port/root.crl"
n=$(grep -c 'GET /int.crl' "$tmp/www.log")
check_pki "again: from the cache, not the server" 0 erin.crt $U --crl-fetch \
	--cache-dir "$C"
if [ "$(grep -c 'GET /int.crl' "$tmp/www.log")" -eq "$n" ]; then
	ok "the server was not asked"
else
	not_ok "the server was not asked"
fi
# The cache is bounded (64 MiB): a big old file goes at the next write.
B="$tmp/cache2"
mkdir -m 700 "$B"
big="$B/$(printf '%064d' 0).crl"
truncate -s 70M "$big"
touch -d '2020-01-01' "$big"
check_pki "a fetch into a full cache" 0 alice.crt $U --crl-fetch --cache-dir "$B"
if [ ! -e "$big" ] && [ "$(ls "$B" | wc -l)" -eq 2 ]; then
	ok "the oldest file was removed, the new CRLs kept"
else
	not_ok "the oldest file was removed, the new CRLs kept"
	diag "$(ls -l "$B")"
fi

kill "$www_pid"
wait "$www_pid" 2>/dev/null
check_pki "server gone: the cached CRLs still serve" 0 alice.crt $U \
	--crl-fetch --cache-dir "$C"
check_jq "valid, CRLs checked" '.valid and .revocation.crl == "good" and .revocation.crl_all'
check_pki "server gone, no cache: unreachable (exit 5)" 5 alice.crt $U \
	--crl-fetch
check_jq "REVOCATION_UNREACHABLE names the URL" \
	"$(printf '.error.code == "SCEAU_ERR_REVOCATION_UNREACHABLE" and (.error.reason | test("127.0.0.1:%s/int.crl"))' "$port")"
check_pki "the same with --soft-fail: accepted, and said" 0 alice.crt $U \
	--crl-fetch --soft-fail
check_jq "skipped" '.valid and .revocation.skipped and .revocation.crl == "unreachable"'

# ------------------------------------------ OCSP in a network namespace
unshare -n true 2>"$tmp/unshare.err" ||
	bail "unshare -n not permitted here (root or CAP_SYS_ADMIN needed for the OCSP test): $(cat "$tmp/unshare.err")"
unshare -n sh -c 'ip link set lo up && exec sleep 600' &
ns=$!
pids="$pids $ns"
i=0
until nsenter -t "$ns" -n ip link show lo 2>/dev/null | grep -q 'UP'; do
	i=$((i + 1))
	[ $i -lt 50 ] || bail "the network namespace did not come up"
	sleep 0.1
done
in_ns() {
	nsenter -t "$ns" -n "$@"
}
# nsenter execs the responder: $! is its PID, killed by it.
nsenter -t "$ns" -n openssl ocsp -index "$pki/index.txt" -port "$port" \
	-rsigner "$pki/ocsp.crt" -rkey "$pki/ocsp.key" -CA "$pki/int.crt" \
	-nmin 5 >"$tmp/ocsp.log" 2>&1 &
ocsp_pid=$!
pids="$pids $ocsp_pid"
i=0
until in_ns openssl ocsp -issuer "$pki/int.crt" -cert "$pki/alice.crt" \
	-url "http://127.0.0.1:$port/" -CAfile "$pki/root.crt" \
	-verify_other "$pki/int.crt" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 50 ] || bail "the OCSP responder did not start: $(cat "$tmp/ocsp.log")"
	sleep 0.2
done
# The responder is not reachable from outside its namespace.
check_pki "outside the namespace, no responder: exit 5" 5 alice.crt $U \
	--ocsp auto
check_pki_ns() {
	d=$1
	s=$2
	c=$3
	shift 3
	check_status "$d" "$s" nsenter -t "$ns" -n "$sceau" pki check --json \
		--ca "$pki/root.crt" "$@" "$pki/$c"
}
check_pki_ns "OCSP: alice is good" 0 alice.crt $U --ocsp auto
check_jq "ocsp good" '.valid and .revocation.ocsp == "good" and .revocation.crl == "not-checked"'
check_pki_ns "OCSP: carol is revoked" 6 carol.crt $U --ocsp auto
check_jq "CERT_REVOKED by OCSP, keyCompromise" \
	'.error.code == "SCEAU_ERR_CERT_REVOKED" and .revocation.ocsp == "revoked" and .revocation.reason == "keyCompromise" and (.error.reason | test("OCSP"))'
check_pki_ns "OCSP at a configured URL: bob is good" 0 bob.crt $U \
	--ocsp "http://127.0.0.1:$port/"
check_jq "ocsp good" '.revocation.ocsp == "good"'
kill "$ocsp_pid"
wait "$ocsp_pid" 2>/dev/null
check_pki_ns "responder down: refused (exit 5)" 5 dave.crt $U --ocsp auto
check_jq "REVOCATION_UNREACHABLE" \
	'.error.code == "SCEAU_ERR_REVOCATION_UNREACHABLE" and .revocation.ocsp == "unreachable"'
check_pki_ns "responder down, --soft-fail: accepted, and said" 0 dave.crt \
	$U --ocsp auto --soft-fail
check_jq "skipped" '.valid and .revocation.skipped and .revocation.ocsp == "unreachable"'
kill "$ns"
wait "$ns" 2>/dev/null
done_testing
