#!/bin/sh
# sceau-server on 127.0.0.1: command line and --check-config, admin routes,
# malformed input (4xx JSON errors, the server stays up), graceful
# shutdown, HTTPS served directly, and behind an nginx reverse proxy.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
require_cmd curl jq openssl nginx od
srv_setup

# ------------------------------------------------------- command line
check_status "--help exits 0" 0 "$srv_bin" --help
check_grep "--help shows --check-config" '--check-config' "$tmp/out"
check_status "--version exits 0" 0 "$srv_bin" --version
check_grep "--version names libmicrohttpd" '^  libmicrohttpd ' "$tmp/out"
check_status "unknown option exits 2" 2 "$srv_bin" --frobnicate
check_status "stray argument exits 2" 2 "$srv_bin" stray

srv_config "$tmp/good.conf"
check_status "--check-config accepts a good file" 0 \
	"$srv_bin" --check-config --config "$tmp/good.conf"
check_grep "--check-config says OK" 'configuration OK' "$tmp/out"

check_status "the example conf/server.conf is valid" 0 \
	"$srv_bin" --check-config --config "$top_srcdir/conf/server.conf"
# Every key it documents, uncommented (but the files it names, and the
# user name that goes with one).
sed -e 's/^#\([a-z_]* = \)/\1/' \
	-e '/^\(tls_cert\|tls_key\|token_file\|token\|ca_file\|username\|password_file\) =/d' \
	"$top_srcdir/conf/server.conf" >"$tmp/example-all.conf"
check_status "every key the example documents is valid" 0 \
	"$srv_bin" --check-config --config "$tmp/example-all.conf"
check "the example documents more than 15 keys" \
	test "$(grep -c '^[a-z_]* = ' "$tmp/example-all.conf")" -gt 15

# bad_config NAME LINE MESSAGE: a file with LINE in [server] is refused,
# and the message (on stderr) names what is wrong.
bad_config() {
	srv_config "$tmp/$1.conf" "$2"
	check_status "--check-config refuses $1" 1 \
		"$srv_bin" --check-config --config "$tmp/$1.conf"
	check_grep "--check-config names the problem ($1)" "$3" "$tmp/err"
}
bad_config unknown-key 'max_bodyy = 1M' "unknown-key.conf:[0-9]*: unknown key 'max_bodyy'"
bad_config bad-size 'max_body = 10X' 'server.max_body: expected a size'
bad_config bad-range 'max_connections = 0' 'server.max_connections: must be between'
bad_config bad-duration 'clock_skew = forever' 'server.clock_skew: expected a duration'
bad_config tls-half "tls_cert = $tmp/nothing.pem" 'set both server.tls_cert and server.tls_key'
bad_config ping-too-long 'connection_timeout = 1s' 'server.sse_ping: must be shorter'
bad_config bad-proxies 'trusted_proxies = 127.0.0.1, nonsense' 'trusted_proxies'
printf '[server]\nlisten 127.0.0.1:1\n' >"$tmp/syntax.conf"
check_status "--check-config refuses a line without '='" 1 \
	"$srv_bin" --check-config --config "$tmp/syntax.conf"
check_grep "the message names FILE:LINE" 'syntax.conf:2: expected' "$tmp/err"
check_status "--check-config refuses a missing file" 1 \
	"$srv_bin" --check-config --config "$tmp/nosuch.conf"
cp "$srv_token_file" "$tmp/open-token"
chmod 644 "$tmp/open-token"
sed "s|^token_file = .*|token_file = $tmp/open-token|" "$tmp/good.conf" \
	>"$tmp/open-token.conf"
check_status "--check-config refuses a token file anyone can read" 1 \
	"$srv_bin" --check-config --config "$tmp/open-token.conf"
check_status "command-line overrides are checked too" 1 \
	"$srv_bin" --check-config --config "$tmp/good.conf" --listen nowhere
check_grep "and named" '^sceau-server: invalid configuration: --listen: server.listen: expected HOST:PORT' "$tmp/err"
check_status "--log-level is checked" 1 \
	"$srv_bin" --check-config --config "$tmp/good.conf" --log-level loud

# -------------------------------------------------------- admin routes
srv_config "$tmp/srv.conf"
if ! start_server "$tmp/srv.conf"; then
	bail "the server did not start"
fi
ok "the server starts and listens on 127.0.0.1:$srv_port"

api GET /v1/health
check_api "GET /v1/health" 200
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"acme"}'
check_api "create an organization" 201
check "the reply has a 43-character bootstrap token" \
	jq -e '.org_id == "acme" and (.bootstrap_token | test("^[A-Za-z0-9_-]{43}$"))' "$tmp/body"
check "the bootstrap link names this server, plain HTTP" \
	jq -e --arg p "$srv_port" '.bootstrap_link == "sceau://127.0.0.1:\($p)/acme?a=bootstrap_organization&p=\(.bootstrap_token)&no_ssl=1"' "$tmp/body"
tok=$(jq -r .bootstrap_token "$tmp/body")
check "the database keeps no bootstrap token" \
	sh -c "! grep -a -q '$tok' '$tmp'/server-*.db*"
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"acme"}'
check_api "creating it twice: EXISTS" 409 EXISTS
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"beta_2-x"}'
check_api "create a second organization" 201
api GET /v1/admin/organizations -H "$(admin_auth)"
check_api "list organizations" 200
check "the list has both, not bootstrapped, not frozen" \
	jq -e '[.organizations[].org_id] == ["acme", "beta_2-x"] and all(.organizations[]; (.bootstrapped | not) and (.frozen | not) and .created > 1600000000000000)' "$tmp/body"
api POST /v1/admin/organizations/acme/freeze -H "$(admin_auth)"
check_api "freeze" 200
check "freeze replies frozen: true" jq -e '.frozen == true and .org_id == "acme"' "$tmp/body"
api GET /v1/admin/organizations -H "$(admin_auth)"
check "the list shows it frozen" \
	jq -e '.organizations[0].frozen == true and .organizations[1].frozen == false' "$tmp/body"
api POST /v1/admin/organizations/acme/unfreeze -H "$(admin_auth)"
check_api "unfreeze" 200
check "unfreeze replies frozen: false" jq -e '.frozen == false' "$tmp/body"
api GET /v1/admin/organizations/acme/stats -H "$(admin_auth)"
check_api "stats" 200
check "stats of an empty organization are zeros" \
	jq -e '.org_id == "acme" and .users == 0 and .active_users == 0 and .devices == 0 and .active_devices == 0 and .certificates == 0 and .storage_bytes == 0' "$tmp/body"
api POST /v1/admin/organizations/nosuch/freeze -H "$(admin_auth)"
check_api "freezing an unknown organization: ORG_UNKNOWN" 404 ORG_UNKNOWN
api GET /v1/admin/organizations/nosuch/stats -H "$(admin_auth)"
check_api "stats of an unknown organization: ORG_UNKNOWN" 404 ORG_UNKNOWN
api GET /v1/admin/organizations
check_api "no admin token: ADMIN_AUTH" 401 ADMIN_AUTH
api GET /v1/admin/organizations -H "Authorization: Bearer ${srv_token}x"
check_api "a wrong admin token: ADMIN_AUTH" 401 ADMIN_AUTH
api GET /v1/admin/organizations -H "Authorization: Bearer x"
check_api "a short admin token: ADMIN_AUTH" 401 ADMIN_AUTH
api POST /v1/admin/organizations -H "Authorization: Basic $srv_token" -d '{"org_id":"x"}'
check_api "another scheme: ADMIN_AUTH" 401 ADMIN_AUTH

# ---------------------------------------------------- malformed input
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":'
check_api "truncated JSON: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/admin/organizations -H "$(admin_auth)" -d 'not json'
check_api "not JSON: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/admin/organizations -H "$(admin_auth)" -d '[1]'
check_api "a JSON array: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":7}'
check_api "a number for org_id: BAD_REQUEST" 400 BAD_REQUEST
check_grep "the message names the field" 'org_id' "$tmp/body"
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"a b"}'
check_api "an org_id with a space: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/admin/organizations -H "$(admin_auth)" \
	-d "{\"org_id\":\"$(printf 'a%.0s' $(seq 1 65))\"}"
check_api "an org_id of 65 characters: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"a","org_id":"b"}'
check_api "a duplicate key: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"a\u0000b"}'
check_api "a NUL character: BAD_REQUEST" 400 BAD_REQUEST
printf '%.0s[' $(seq 1 200) >"$tmp/deep.json"
api POST /v1/admin/organizations -H "$(admin_auth)" --data-binary @"$tmp/deep.json"
check_api "JSON nested 200 deep: BAD_REQUEST" 400 BAD_REQUEST
head -c 2097152 /dev/zero | tr '\0' ' ' >"$tmp/big"
api POST /v1/admin/organizations -H "$(admin_auth)" --data-binary @"$tmp/big"
check_api "a 2 MiB body: TOO_LARGE" 413 TOO_LARGE
api POST /v1/admin/organizations -H "$(admin_auth)" \
	-H "Transfer-Encoding: chunked" --data-binary @"$tmp/big"
check_api "a 2 MiB chunked body (no length): TOO_LARGE" 413 TOO_LARGE
api POST /v1/acme/bootstrap --data-binary @"$tmp/big"
check_api "a 2 MiB bootstrap: TOO_LARGE" 413 TOO_LARGE
api POST /v1/admin/organizations/acme/freeze -H "$(admin_auth)" -d '{}'
check_api "a body where none is taken: TOO_LARGE" 413 TOO_LARGE
api POST /v1/acme/bootstrap -d '{"token":"x"}'
check_api "bootstrap with fields missing: BAD_REQUEST" 400 BAD_REQUEST
api POST /v1/acme/bootstrap -d '{"token":"x","root_verify_key":"AAAA","certificates":[],"identities":[]}'
check_api "bootstrap with a short key: BAD_REQUEST" 400 BAD_REQUEST
k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
api POST /v1/acme/bootstrap -d "{\"token\":\"x\",\"root_verify_key\":\"$k\",\"certificates\":[\"AAAA\",\"AAAA\",\"AAAA\"],\"identities\":[null,null,null]}"
check_api "bootstrap with a wrong token: BOOTSTRAP_TOKEN" 401 BOOTSTRAP_TOKEN
api POST /v1/acme/bootstrap -d "{\"token\":\"$tok\",\"root_verify_key\":\"$k\",\"certificates\":[\"AAAA\",\"AAAA\",\"AAAA\"],\"identities\":[null,null,null]}"
check_api "bootstrap with garbage certificates: CERT_FORMAT" 400 CERT_FORMAT
api POST /v1/nosuch/bootstrap -d "{\"token\":\"x\",\"root_verify_key\":\"$k\",\"certificates\":[\"AAAA\",\"AAAA\",\"AAAA\"],\"identities\":[null,null,null]}"
check_api "bootstrap of an unknown organization: ORG_UNKNOWN" 404 ORG_UNKNOWN
api GET /v1/acme/nosuch
check_api "an unknown route: NOT_FOUND" 404 NOT_FOUND
api GET /v2/health
check_api "another API version: NOT_FOUND" 404 NOT_FOUND
api GET '/v1//whoami'
check_api "an empty path segment: NOT_FOUND" 404 NOT_FOUND
api GET '/v1/a%2Fb/whoami'
check_api "an escaped organization id: BAD_REQUEST" 400 BAD_REQUEST
api GET '/v1/a.b/whoami'
check_api "an organization id with a dot: BAD_REQUEST" 400 BAD_REQUEST
api GET '/v1/health?x=1'
check_api "a query where none is taken: BAD_REQUEST" 400 BAD_REQUEST
code=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
	-X DELETE "$srv_url/v1/admin/organizations")
check_api "DELETE: 405" 405 BAD_REQUEST
check_grep "405 names the allowed methods" '^Allow: GET, POST' "$tmp/headers"
check_grep "replies carry a request id" '^X-Request-Id: [0-9a-f]\{16\}' "$tmp/headers"
check_grep "replies are JSON" '^Content-Type: application/json' "$tmp/headers"
api PUT /v1/acme/certificates -d '{}'
check_api "PUT with a body: 405" 405 BAD_REQUEST
api POST /v1/acme/nosuch --data-binary @"$tmp/big"
check_api "2 MiB to no route: NOT_FOUND" 404 NOT_FOUND
head -c 20000000 /dev/zero >"$tmp/huge"
api POST /v1/admin/organizations -H "$(admin_auth)" --data-binary @"$tmp/huge"
check_api "20 MB announced: TOO_LARGE at once" 413 TOO_LARGE
api POST /v1/admin/organizations -H "$(admin_auth)" \
	-H "Transfer-Encoding: chunked" --data-binary @"$tmp/huge"
check "20 MB chunked: the connection is closed" test "$code" = 000 -o "$code" = 413
rm -f "$tmp/huge"
for h in '' 'Bearer x' 'SCEAU-Ed25519' 'SCEAU-Ed25519 org="acme"' \
	'SCEAU-Ed25519 org="acme", device="00000000000000000000000000000000", ts="1", nonce="AAAAAAAAAAAAAAAAAAAAAA", sig="AA"' \
	"SCEAU-Ed25519 $(printf 'x%.0s' $(seq 1 600))"; do
	api GET /v1/acme/whoami -H "Authorization: $h"
	check_api "garbage Authorization '$(echo "$h" | cut -c1-30)': AUTH_FAILED" 401 AUTH_FAILED
done
api GET /v1/acme/whoami
check_api "no Authorization: AUTH_FAILED" 401 AUTH_FAILED
api GET /v1/nosuch/certificates \
	-H 'Authorization: SCEAU-Ed25519 org="nosuch", device="00000000000000000000000000000000", ts="1", nonce="AAAAAAAAAAAAAAAAAAAAAA", sig="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"'
check_api "a well-formed header for an unknown organization: ORG_UNKNOWN" 404 ORG_UNKNOWN
api GET /v1/acme/events -H 'Accept: text/event-stream'
check_api "events need a signature: AUTH_FAILED" 401 AUTH_FAILED
# A body announced longer than sent: the server waits, then gives up on
# that connection alone.
curl -s -o /dev/null --max-time 2 -X POST -H "$(admin_auth)" \
	-H 'Content-Length: 100' -d '{"org_id":' "$srv_url/v1/admin/organizations"
ok "a truncated body leaves the client waiting, not the server"
check "the server is still running after all that" kill -0 "$srv_pid"
api GET /v1/health
check_api "and still answers" 200
api GET /v1/admin/organizations -H "$(admin_auth)"
check "and its data is intact" \
	jq -e '[.organizations[].org_id] == ["acme", "beta_2-x"]' "$tmp/body"
api GET /v1/health -H 'X-Forwarded-For: 203.0.113.5'
check_grep "the log has request ids" 'req=[0-9a-f]\{16\} ' "$srv_log"
check_fails "X-Forwarded-For from an untrusted peer is ignored" \
	grep -q 'client=203\.0\.113\.5' "$srv_log"
check_grep "the log names refused requests" 'POST /v1/admin/organizations 413' "$srv_log"
check_fails "the log never shows the admin token" grep -q "$srv_token" "$srv_log"

# --------------------------------------------------- graceful shutdown
# A slow upload is in progress when SIGTERM comes: it gets its reply.
head -c 60000 /dev/zero | tr '\0' 'x' >"$tmp/slow"
curl -s -o "$tmp/slow.body" -w '%{http_code}' --limit-rate 20k -X POST \
	-H "$(admin_auth)" --data-binary @"$tmp/slow" \
	"$srv_url/v1/admin/organizations" >"$tmp/slow.code" 2>/dev/null &
slow=$!
srv_extra_pids="$slow"
sleep 1
stop_server TERM
wait "$slow"
check "the request in progress got its reply" \
	sh -c "test \"\$(cat '$tmp/slow.code')\" = 400"
check "SIGTERM: the server exits 0" test "$srv_status" -eq 0
check_grep "it logs the shutdown" 'SIGTERM received: shutting down' "$srv_log"
check_grep "and its end" ': stopped$' "$srv_log"
check_fails "nothing listens any more" curl -s -o /dev/null --max-time 2 "$srv_url/v1/health"
start_server "$tmp/srv.conf" || bail "the server did not restart"
api GET /v1/admin/organizations -H "$(admin_auth)"
check "after a restart the organizations are still there" \
	jq -e '[.organizations[].org_id] == ["acme", "beta_2-x"]' "$tmp/body"
stop_server INT
check "SIGINT: the server exits 0" test "$srv_status" -eq 0

# --------------------------------------------------------------- HTTPS
pki="$tmp/pki"
make_test_pki "$pki" || bail "openssl failed"
ok "a test CA and a server certificate for 127.0.0.1"

srv_config "$tmp/mismatch.conf" "tls_cert = $pki/server.pem
tls_key = $pki/other.key"
check_status "--check-config refuses a key that is not the certificate's" 1 \
	"$srv_bin" --check-config --config "$tmp/mismatch.conf"
check_grep "and says so" 'does not match the certificate' "$tmp/err"
srv_config "$tmp/tls.conf" "tls_cert = $pki/server.pem
tls_key = $pki/server.key"
check_status "--check-config accepts the TLS files" 0 \
	"$srv_bin" --check-config --config "$tmp/tls.conf"
if start_server "$tmp/tls.conf"; then
	ok "the server starts with TLS"
	check "it serves HTTPS" test "${srv_url%%:*}" = https
	api GET /v1/health --cacert "$pki/ca.pem"
	check_api "GET /v1/health over HTTPS, verified against the test CA" 200
	api POST /v1/admin/organizations --cacert "$pki/ca.pem" -H "$(admin_auth)" -d '{"org_id":"tls"}'
	check_api "create an organization over HTTPS" 201
	check "the link of an HTTPS server has no no_ssl" \
		jq -e '.bootstrap_link | test("^sceau://127\\.0\\.0\\.1:[0-9]+/tls\\?a=bootstrap_organization&p=[A-Za-z0-9_-]+$")' "$tmp/body"
	check_fails "a client that does not trust the CA is refused" \
		curl -s -o /dev/null "$srv_url/v1/health"
	check_fails "plain HTTP to the TLS port gets no reply" \
		curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$srv_port/v1/health"
	api GET /v1/health --cacert "$pki/ca.pem"
	check_api "the server still answers HTTPS" 200
	stop_server TERM
	check "and stops cleanly" test "$srv_status" -eq 0
else
	not_ok "the server starts with TLS"
fi

# ------------------------------------------- behind nginx (TLS proxy)
srv_config "$tmp/proxied.conf" "trusted_proxies = 127.0.0.1, ::1
public_url = https://sceau.example.test"
start_server "$tmp/proxied.conf" || bail "the server did not start"
backend="$srv_url"
start_nginx "$backend" "$pki" || nginx_pid=
if [ -n "$nginx_pid" ]; then
	ok "nginx terminates TLS on 127.0.0.1:$nginx_port"
	srv_url="https://127.0.0.1:$nginx_port"
	api GET /v1/health --cacert "$pki/ca.pem"
	check_api "GET /v1/health through nginx" 200
	api POST /v1/admin/organizations --cacert "$pki/ca.pem" -H "$(admin_auth)" \
		-H 'X-Forwarded-For: 198.51.100.7' -d '{"org_id":"proxied"}'
	check_api "create an organization through nginx" 201
	check "the link names the public URL, over TLS" \
		jq -e '.bootstrap_link | test("^sceau://sceau\\.example\\.test:443/proxied\\?a=bootstrap_organization&p=[A-Za-z0-9_-]+$")' "$tmp/body"
	check_grep "the client's address comes from X-Forwarded-For" \
		'POST /v1/admin/organizations 201 .* client=198\.51\.100\.7$' "$srv_log"
	api POST /v1/admin/organizations --cacert "$pki/ca.pem" -H "$(admin_auth)" \
		--data-binary @"$tmp/big"
	check_api "a 2 MiB body through nginx: TOO_LARGE" 413 TOO_LARGE
	api GET /v1/acme/whoami --cacert "$pki/ca.pem" -H 'Authorization: nonsense'
	check_api "errors come through nginx as JSON" 401 AUTH_FAILED
	stop_nginx
	srv_url="$backend"
else
	not_ok "nginx terminates TLS on 127.0.0.1 (see $tmp/nginx/error.log)"
	diag "$(cat "$tmp/nginx/error.log" "$tmp/nginx/out" 2>/dev/null | tail -n 20)"
fi
stop_server TERM
check "the proxied server stops cleanly" test "$srv_status" -eq 0
done_testing
