#!/bin/sh
# A server that lies: tests/tamper-proxy.py stands between the clients and
# the real sceau-server and alters, drops, reorders, rolls back or forges
# certificates; every case is detected and named, and nothing invalid is
# kept.  Then TLS: the client talks HTTPS to the server directly and
# through nginx, trusts only the CA it is given, and refuses plain HTTP to
# anything but loopback.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd /usr/bin/python3 openssl
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"

# The lying proxy, in pass mode until told otherwise.
start_tamper_proxy
mode() { echo "$*" >"$tmp/mode"; }

as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

# An organization whose members reach the server through the proxy.
"$sceau" --json server create-org acme >"$tmp/org.json" ||
	bail "create-org failed"
link=$(jq -r .bootstrap_link "$tmp/org.json" | sed "s/:$srv_port\//:$pport\//")
as "$tmp/alice" org bootstrap "$link" --email alice@example.org \
	--name Alice --keyring >/dev/null || bail "bootstrap through the proxy failed"
for who in bob carol; do
	"$prov" --admin-home "$tmp/alice" --target-home "$tmp/$who" \
		--email "$who@example.org" --name "$who" >/dev/null ||
		bail "provisioning $who failed"
done
# dave: a new device with an empty store; each case starts from a copy
# of it, so that every certificate is fetched through the proxy.
"$prov" --admin-home "$tmp/alice" --target-home "$tmp/dave" \
	--email dave@example.org --name Dave >/dev/null || bail "provisioning dave"
# 1-3 bootstrap, 4-5 bob, 6-7 carol, 8-9 dave
fresh() {
	rm -rf "$tmp/d"
	cp -a "$tmp/dave" "$tmp/d"
}

fresh
check_status "an honest server: dave validates the 9 certificates" 0 \
	as "$tmp/d" --json status
check "status: up to date, 9 certificates" jq -e \
	'.server_state == "up to date" and .certificates == 9' "$tmp/out"

# case MODE DESCRIPTION PATTERN: dave's status must fail with exit 4 and
# a message matching PATTERN, and keep only what validated before.
case_detected() {
	fresh
	mode "$1"
	check_status "$2: detected (exit 4)" 4 as "$tmp/d" status
	check_grep "$2: named" "$3" "$tmp/out"
	mode pass
}
case_detected "flip 5" "a byte changed in certificate 5" \
	"certificate 5.*signature\|certificate.*malformed\|certificate 5"
case_detected "drop 5" "certificate 5 dropped" "out of order"
case_detected "swap 6" "certificates 6 and 7 swapped" "certificate 6\|out of order"
case_detected "forge 7" "certificate 7 replaced by 6" "out of order\|certificate 7"
case_detected "lie-last 12" "more certificates announced than served" \
	"announced 12"

fresh
mode "flip 5"
as "$tmp/d" status >/dev/null 2>&1
mode pass
check_status "after the attack, the valid certificates before 5 were kept" 0 \
	as "$tmp/d" --json status
check "and the honest server completes the chain" jq -e \
	'.certificates == 9 and .server_state == "up to date"' "$tmp/out"

# Alice knows all 9: a server that rolls back or rewrites her last one.
mode "rollback 6"
check_status "a rolled-back chain is detected (exit 4)" 4 as "$tmp/alice" status
check_grep "and named" "claims 6 certificates" "$tmp/out"
mode "flip 9"
check_status "a rewritten last certificate is detected (exit 4)" 4 \
	as "$tmp/alice" status
check_grep "and named" "differs from the one this device validated" "$tmp/out"
mode pass

# A swapped identity blob: the certificate stands, the lie is dropped.
fresh
mode "identity 4"
check_status "an altered identity is not fatal" 0 as "$tmp/d" status
mode pass
check_status "dave lists the users" 0 as "$tmp/d" --json user list
check "bob's altered identity was not kept: hidden, not forged" jq -e \
	'([.users[] | select(.email == "bob@example.org")] | length == 0)
	 and ([.users[] | select(.identity_hidden)] | length == 1)' "$tmp/out"

# ------------------------------------------------------------------ TLS
make_test_pki "$tmp/pki" || bail "test PKI failed"
make_test_pki "$tmp/pki2" || bail "second test PKI failed"
srv_config "$tmp/tls.conf" "tls_cert = $tmp/pki/server.pem
tls_key = $tmp/pki/server.key"
stop_server
start_server "$tmp/tls.conf" || bail "sceau-server with TLS did not start"
case "$srv_url" in
https://*) ok "the server serves HTTPS directly" ;;
*) not_ok "the server serves HTTPS directly ($srv_url)" ;;
esac
check_status "the client trusts the server with --ca-file" 0 \
	"$sceau" --json server create-org tlsorg --server "$srv_url" \
	--ca-file "$tmp/pki/ca.pem"
tlslink=$(jq -r .bootstrap_link "$tmp/out")
check_status "and refuses it with another CA (exit 5)" 5 \
	"$sceau" server list-orgs --server "$srv_url" --ca-file "$tmp/pki2/ca.pem"
check_grep "naming TLS" "TLS" "$tmp/err"
check_status "bootstrap over HTTPS" 0 as "$tmp/tls-alice" org bootstrap \
	"$tlslink" --email a@example.org --name A --keyring \
	--ca-file "$tmp/pki/ca.pem"
check_status "the device remembers its CA" 0 as "$tmp/tls-alice" status
check_status "plain HTTP to a non-loopback server is refused" 1 \
	"$sceau" server list-orgs --server http://192.0.2.10:8080
check_grep "and says why" "plain HTTP" "$tmp/err"

# Behind a reverse proxy: nginx terminates TLS, the server speaks HTTP.
stop_server
srv_config "$tmp/plain.conf"
start_server "$tmp/plain.conf" || bail "sceau-server did not restart"
if start_nginx "$srv_url" "$tmp/pki"; then
	ok "nginx proxies to the server"
	ngx="https://127.0.0.1:$nginx_port"
	check_status "create-org through nginx" 0 \
		"$sceau" --json server create-org viaproxy --server "$ngx" \
		--ca-file "$tmp/pki/ca.pem"
	plink=$(jq -r .bootstrap_link "$tmp/out" |
		sed "s|sceau://127.0.0.1:$srv_port/|sceau://127.0.0.1:$nginx_port/|; s|&no_ssl=1||")
	check_status "bootstrap through nginx (TLS)" 0 \
		as "$tmp/px-alice" org bootstrap "$plink" --email p@example.org \
		--name P --keyring --ca-file "$tmp/pki/ca.pem"
	check_status "signed requests pass through nginx" 0 \
		as "$tmp/px-alice" --json status
	check "up to date" jq -e '.server_state == "up to date"' "$tmp/out"
	stop_nginx
else
	not_ok "nginx proxies to the server"
fi
stop_server
done_testing
