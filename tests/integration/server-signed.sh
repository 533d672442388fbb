#!/bin/sh
# sceau-server over real HTTP with a device's signed requests: bootstrap,
# whoami, replays, the signed target with its query string, event
# streams (directly and through nginx), and a shutdown with streams open.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
require_cmd curl jq openssl nginx
srv_setup
tool="$top_builddir/tests/integration/srv-tool"
[ -x "$tool" ] || bail "not built: $tool"

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "the server did not start"
ok "the server listens on 127.0.0.1:$srv_port"

api POST /v1/admin/organizations -H "$(admin_auth)" -d '{"org_id":"acme"}'
check_api "create acme" 201
token=$(jq -r .bootstrap_token "$tmp/body")
"$tool" bootstrap acme "$token" "$tmp/device" >"$tmp/boot.json" ||
	bail "srv-tool bootstrap failed"
api POST /v1/acme/bootstrap -H 'Content-Type: application/json' \
	--data-binary @"$tmp/boot.json"
check_api "bootstrap acme with its token" 200
check "bootstrap replies last_index 3" jq -e '.last_index == 3' "$tmp/body"
api POST /v1/acme/bootstrap --data-binary @"$tmp/boot.json"
check_api "bootstrap twice: ALREADY_BOOTSTRAPPED" 409 ALREADY_BOOTSTRAPPED

# sign METHOD TARGET [BODYFILE]: an Authorization header, signed now.
sign() {
	echo "Authorization: $("$tool" sign "$tmp/device" "$@")"
}

h=$(sign GET /v1/acme/whoami)
api GET /v1/acme/whoami -H "$h"
check_api "a signed whoami" 200
check "whoami names the organization, the admin profile, index 3" \
	jq -e '.org_id == "acme" and .profile == "admin" and .last_index == 3 and (.device_id | length == 32)' "$tmp/body"
api GET /v1/acme/whoami -H "$h"
check_api "the same request again: REPLAYED" 401 REPLAYED
api GET /v1/acme/whoami -H "$(sign GET /v1/acme/whoami)"
check_api "a fresh signature passes" 200
api GET '/v1/acme/certificates?from=2&limit=1' \
	-H "$(sign GET '/v1/acme/certificates?from=2&limit=1')"
check_api "the query string is part of what is signed and checked" 200
check "one certificate from index 2, with its identity" \
	jq -e '(.certificates | length) == 1 and .certificates[0].index == 2 and (.certificates[0].identity | type) == "string" and .last_index == 3' "$tmp/body"
api GET '/v1/acme/certificates?from=1&limit=1' \
	-H "$(sign GET '/v1/acme/certificates?from=2&limit=1')"
check_api "another query than the one signed: AUTH_FAILED" 401 AUTH_FAILED
api GET /v1/acme/certificates -H "$(sign GET /v1/acme/certificates)"
check_api "all certificates" 200
check "three certificates, in order" \
	jq -e '[.certificates[].index] == [1, 2, 3] and all(.certificates[]; .server_time > 1600000000000000)' "$tmp/body"
printf '{"certificate":"AAAA"}' >"$tmp/post.json"
api POST /v1/acme/certificates -H "$(sign POST /v1/acme/certificates "$tmp/post.json")" \
	--data-binary @"$tmp/post.json"
check_api "a signed POST of a malformed certificate: CERT_FORMAT" 400 CERT_FORMAT
api POST /v1/acme/certificates -H "$(sign POST /v1/acme/certificates "$tmp/post.json")" \
	--data-binary '{"certificate":"AAAB"}'
check_api "a body other than the one signed: AUTH_FAILED" 401 AUTH_FAILED
api GET /v1/admin/organizations/acme/stats -H "$(admin_auth)"
check "stats count the bootstrap's user, device and certificates" \
	jq -e '.users == 1 and .active_users == 1 and .devices == 1 and .active_devices == 1 and .certificates == 3 and .storage_bytes > 500' "$tmp/body"

# ------------------------------------------------------------- events
# stream NAME URL [CURL ARGS]: an event stream in the background, into
# $tmp/NAME.sse, for at most 20 s.
stream() {
	n=$1
	u=$2
	shift 2
	curl -s -N --max-time 20 -H 'Accept: text/event-stream' \
		-D "$tmp/$n.headers" "$@" "$u" >"$tmp/$n.sse" 2>/dev/null &
	eval "pid_$n=\$!"
	srv_extra_pids="${srv_extra_pids:-} $!"
}

# wait_for PATTERN FILE: up to 5 s.
wait_for() {
	i=0
	while ! grep -q -e "$1" "$2" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q -e "$1" "$2" 2>/dev/null
}

stream all "$srv_url/v1/acme/events" -H "$(sign GET /v1/acme/events)" \
	-H 'Last-Event-ID: 0'
check "a stream from Last-Event-ID 0 replays the stored events" \
	wait_for 'data: {"index":3}' "$tmp/all.sse"
check_grep "events have ids and a kind" '^event: certificate$' "$tmp/all.sse"
check_grep "the first event's id is 1" '^id: 1$' "$tmp/all.sse"
check "an idle stream gets a ping every second (sse_ping = 1s)" \
	sh -c "sleep 2.5; test \$(grep -c '^: ping$' '$tmp/all.sse') -ge 2"
check_grep "the stream is text/event-stream" \
	'^Content-Type: text/event-stream' "$tmp/all.headers"
stream new "$srv_url/v1/acme/events" -H "$(sign GET /v1/acme/events)"
check "a stream without Last-Event-ID opens with a ping" \
	wait_for '^: ping$' "$tmp/new.sse"
check_fails "and replays nothing" grep -q '^event:' "$tmp/new.sse"
api GET /v1/acme/events -H "$(sign GET /v1/acme/events)" -H 'Last-Event-ID: x'
check_api "a malformed Last-Event-ID: BAD_REQUEST" 400 BAD_REQUEST
h=$(sign GET /v1/acme/events)
curl -s -o /dev/null --max-time 2 -H "$h" "$srv_url/v1/acme/events"
api GET /v1/acme/events -H "$h"
check_api "a replayed stream request: REPLAYED" 401 REPLAYED

# A freeze ends open streams at their next ping.
api POST /v1/admin/organizations/acme/freeze -H "$(admin_auth)"
check_api "freeze acme" 200
check "the open streams end" sh -c "
	i=0; while kill -0 $pid_new 2>/dev/null && [ \$i -lt 50 ]; do
		sleep 0.1; i=\$((i + 1)); done; ! kill -0 $pid_new 2>/dev/null"
api GET /v1/acme/whoami -H "$(sign GET /v1/acme/whoami)"
check_api "requests of a frozen organization: ORG_FROZEN" 403 ORG_FROZEN
api POST /v1/admin/organizations/acme/unfreeze -H "$(admin_auth)"
check_api "unfreeze acme" 200

# Shutdown with a stream open: it ends, the server exits 0 at once.
stream last "$srv_url/v1/acme/events" -H "$(sign GET /v1/acme/events)"
wait_for '^: ping$' "$tmp/last.sse" || diag "no ping on the last stream"
t0=$(date +%s)
stop_server TERM
t1=$(date +%s)
check "SIGTERM with a stream open: exit 0" test "$srv_status" -eq 0
check "and within the shutdown timeout" test $((t1 - t0)) -lt 10
wait "$pid_last" 2>/dev/null
check "the client's stream ended cleanly (curl exit 0)" test $? -eq 0

# Events survive a restart: resume from id 2.
start_server "$tmp/srv.conf" || bail "the server did not restart"
stream resume "$srv_url/v1/acme/events" -H "$(sign GET /v1/acme/events)" \
	-H 'Last-Event-ID: 2'
check "after a restart a stream resumes after event 2" \
	wait_for 'data: {"index":3}' "$tmp/resume.sse"
check_fails "and does not repeat event 2" grep -q '^id: 2$' "$tmp/resume.sse"

# Through nginx (TLS, no buffering): signed requests and a live stream.
make_test_pki "$tmp/pki" || bail "openssl failed"
if start_nginx "$srv_url" "$tmp/pki"; then
	ok "nginx proxies to the server"
	purl="https://127.0.0.1:$nginx_port"
	code=$(curl -s -o "$tmp/body" -w '%{http_code}' --cacert "$tmp/pki/ca.pem" \
		-H "$(sign GET /v1/acme/whoami)" "$purl/v1/acme/whoami")
	check_api "a signed request through nginx" 200
	stream proxied "$purl/v1/acme/events" --cacert "$tmp/pki/ca.pem" \
		-H "$(sign GET /v1/acme/events)" -H 'Last-Event-ID: 0'
	check "events come through nginx at once" \
		wait_for 'data: {"index":3}' "$tmp/proxied.sse"
	check "and so do pings" sh -c "sleep 1.5; grep -q '^: ping$' '$tmp/proxied.sse'"
	stop_nginx
else
	not_ok "nginx proxies to the server"
fi
stop_server TERM
check "the server stops cleanly" test "$srv_status" -eq 0
done_testing
