#!/bin/sh
# The server's invitation mail: sceau-test-mail (srv_mail_send_invite()
# with a configuration read as sceau-server reads it) against
# tests/smtp-sink.py on 127.0.0.1: messages in English and French, plain
# SMTP to loopback, STARTTLS with AUTH, SMTPS; refused headers; a relay
# that is down, that hangs, that refuses; and the [mail] keys that
# sceau-server --check-config refuses.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
require_cmd openssl od
srv_setup
py=/usr/bin/python3
"$py" -c 'import aiosmtpd' 2>/dev/null ||
	bail "missing python3-aiosmtpd (the README's test command installs it)"
tool="$top_builddir/tests/tools/sceau-test-mail"
[ -x "$tool" ] || bail "not built: $tool"

# Tuesday 1 December 2026, 09:30 UTC: "1er" in French.
expires=1796117400
org=acme
token=c2VjcmV0LXRva2VuLWZvci10ZXN0cw
link="sceau://sceau.example.org/$org?a=claim_user&p=$token"
dlink="sceau://sceau.example.org/$org?a=claim_device&p=$token"

# start_sink NAME [ARGS]: a sink keeping messages in $tmp/NAME; sets
# sink_pid and sink_port.
start_sink() {
	name=$1
	shift
	rm -f "$tmp/$name.port"
	"$py" "$top_srcdir/tests/smtp-sink.py" --dir "$tmp/$name" \
		--port-file "$tmp/$name.port" "$@" 2>"$tmp/$name.log" &
	sink_pid=$!
	srv_extra_pids="${srv_extra_pids:-} $sink_pid"
	i=0
	while [ ! -s "$tmp/$name.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$tmp/$name.port" ] || bail "smtp-sink did not start: $(cat "$tmp/$name.log")"
	sink_port=$(cat "$tmp/$name.port")
}

# stop_sink PID: SIGTERM, and the sink must exit 0 within 5 s.
stop_sink() {
	tap_own_pid "$1" && kill -TERM "$1"
	i=0
	while tap_own_pid "$1" && [ $i -lt 50 ] &&
		! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$1"
	sink_status=$?
}

# mail_conf FILE [LINES]: a server configuration whose [mail] has LINES.
mail_conf() {
	cat >"$1" <<EOF
[server]
listen = 127.0.0.1:0
public_url = https://sceau.example.org
invitation_lifetime = 7d

[database]
path = :memory:

[mail]
${2:-}
EOF
}

# send CONF ARGS...: the tool, output in $tmp/out and $tmp/err, status
# in $status.
send() {
	conf=$1
	shift
	"$tool" --config "$conf" --expires "$expires" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# check_sent DESC: the last send succeeded.
check_sent() {
	if [ "$status" -eq 0 ]; then ok "$1"; else
		not_ok "$1 (exit $status)"
		diag "$(cat "$tmp/err")"
	fi
}

# check_refused DESC ERROR PATTERN: the last send failed with ERROR and
# a message matching PATTERN.
check_refused() {
	if [ "$status" -eq 1 ] && grep -q "^sceau-test-mail: $2: .*$3" "$tmp/err"; then
		ok "$1"
		diag "$(grep '^sceau-test-mail: ' "$tmp/err")"
	else
		not_ok "$1 (exit $status)"
		diag "$(cat "$tmp/err")"
	fi
}

# The checks of one message, in Python's email package.
cat >"$tmp/check-mail.py" <<'EOF'
import email, email.policy, json, re, sys
from email.utils import parsedate_to_datetime
eml, env, want = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
raw = open(eml, "rb").read()
env = json.load(open(env))
bad = []
def check(cond, what):
    if not cond:
        bad.append(what)
check(raw.count(b"\n") == raw.count(b"\r\n") == raw.count(b"\r"), "CRLF line endings only")
lines = raw.split(b"\r\n")
check(max(len(l) for l in lines) <= 998, "lines of 998 bytes at most")
msg = email.message_from_bytes(raw, policy=email.policy.default)
check(env["rcpt_tos"] == [want["to"]], "envelope recipient %r" % env["rcpt_tos"])
check(env["mail_from"] == want["from"], "envelope sender %r" % env["mail_from"])
check(msg["To"] == want["to"], "To: %r" % msg["To"])
check(msg["From"] == want["from"], "From: %r" % msg["From"])
check(str(msg["Subject"]) == want["subject"], "Subject: %r" % str(msg["Subject"]))
check(all(b < 128 for b in raw.split(b"\r\n\r\n")[0]), "headers in ASCII")
check(msg["MIME-Version"] == "1.0", "MIME-Version")
check(msg.get_content_type() == "text/plain", "text/plain")
check(msg.get_content_charset() == "utf-8", "charset=UTF-8")
check(msg["Content-Transfer-Encoding"] == "8bit", "8bit")
check(msg["Content-Language"] == want["lang"], "Content-Language %r" % msg["Content-Language"])
check(re.fullmatch(r"<[0-9a-f]{32}@[a-z.]+>", msg["Message-ID"] or "") is not None,
      "Message-ID %r" % msg["Message-ID"])
check(parsedate_to_datetime(msg["Date"]).utcoffset().total_seconds() == 0, "Date in UTC")
check(want["link"].encode() in lines, "the link alone on its line")
check(("    sceau claim '%s'" % want["link"]).encode() in lines, "the sceau claim command")
body = " ".join(msg.get_content().split())
check(want["expires"] in body, "expiry %r" % want["expires"])
check(want.get("inviter", "") in body, "inviter named")
check(want.get("text", "") in body, "text %r" % want.get("text"))
check(str(env["tls"]).lower() == want.get("tls", "false"), "TLS %r" % env["tls"])
check(str(env["auth"]) == want.get("auth", "None"), "AUTH %r" % env["auth"])
for b in bad:
    print("mail check failed: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# check_mail DESC DIR N KEY=VALUE...: message N of the sink in DIR.
check_mail() {
	desc=$1
	f=$(printf '%s/%04d' "$2" "$3")
	shift 3
	if [ ! -f "$f.json" ]; then
		not_ok "$desc (no message $f)"
		return
	fi
	if "$py" "$tmp/check-mail.py" "$f.eml" "$f.json" from=sceau@example.org "$@" \
		2>"$tmp/check.err"; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "$(cat "$tmp/check.err")"
		diag "$(head -c 3000 "$f.eml")"
	fi
}

count() { ls "$1" 2>/dev/null | grep -c '\.eml$'; }

# ------------------------------------------------------ plain, loopback
start_sink plain
plain_pid=$sink_pid
mail_conf "$tmp/plain.conf" "relay = smtp://127.0.0.1:$sink_port
tls = none
from = sceau@example.org
timeout = 5s"
check_status "--check-config accepts the [mail] section" 0 \
	"$srv_bin" --check-config --config "$tmp/plain.conf"

send "$tmp/plain.conf" --to alice@example.org --lang en --link "$link" \
	--inviter "Bob Martin"
check_sent "an English user invitation is sent"
check_mail "its message: headers, link, command, expiry, inviter" "$tmp/plain" 1 \
	to=alice@example.org lang=en link="$link" inviter="Bob Martin" \
	subject="Invitation to join acme on sceau" \
	expires="Tuesday 1 December 2026 at 09:30 UTC" \
	text="exchange of codes"

send "$tmp/plain.conf" --to claire.dupont@example.fr --lang fr --link "$link" \
	--inviter "Élodie Lefèvre"
check_sent "a French user invitation is sent"
check_mail "its subject is decoded, the date French" "$tmp/plain" 2 \
	to=claire.dupont@example.fr lang=fr link="$link" inviter="Élodie Lefèvre" \
	subject="Invitation à rejoindre acme sur sceau" \
	expires="mardi 1er décembre 2026 à 09:30 UTC" \
	text="échangez vos codes"
check_grep "the French subject is an RFC 2047 encoded-word" \
	'^Subject: =?UTF-8?B?' "$tmp/plain/0002.eml"

send "$tmp/plain.conf" --to alice@example.org --device --link "$dlink"
check_sent "a device invitation without inviter is sent"
check_mail "its message names the person who created the invitation" \
	"$tmp/plain" 3 to=alice@example.org lang=en link="$dlink" \
	subject="New device for your account in acme on sceau" \
	expires="Tuesday 1 December 2026 at 09:30 UTC" \
	text="the person who created this invitation"

mail_conf "$tmp/plain-fr.conf" "relay = smtp://localhost:$sink_port
tls = none
from = sceau@example.org
language = fr"
send "$tmp/plain-fr.conf" --to bob@example.org --link "$link"
check_sent "mail.language is the default; localhost is loopback"
check_mail "the default language is French" "$tmp/plain" 4 \
	to=bob@example.org lang=fr link="$link" \
	subject="Invitation à rejoindre acme sur sceau" \
	expires="mardi 1er décembre 2026 à 09:30 UTC"

# ---------------------------------------------------- refused headers
n=$(count "$tmp/plain")
send "$tmp/plain.conf" --to "$(printf 'alice@example.org\r\nBcc: eve@example.org')" --link "$link"
check_refused "CR LF in the recipient is refused" SCEAU_ERR_INVALID_ARGUMENT 'invalid recipient address'
send "$tmp/plain.conf" --to "Alice <alice@example.org>" --link "$link"
check_refused "a display name in the recipient is refused" SCEAU_ERR_INVALID_ARGUMENT 'invalid recipient'
send "$tmp/plain.conf" --to "alice@example.org,eve@example.org" --link "$link"
check_refused "two recipients are refused" SCEAU_ERR_INVALID_ARGUMENT 'invalid recipient'
send "$tmp/plain.conf" --to alice@example.org --link "$link" \
	--inviter "$(printf 'Bob\nSubject: hi')"
check_refused "LF in the inviter is refused" SCEAU_ERR_INVALID_ARGUMENT 'invalid inviter'
send "$tmp/plain.conf" --to alice@example.org --org "$(printf 'acme\r\nX: y')" --link "$link"
check_refused "CR LF in the organization is refused" SCEAU_ERR_INVALID_ARGUMENT 'invalid organization'
send "$tmp/plain.conf" --to alice@example.org --device --link "$link"
check_refused "a user link in a device invitation is refused" SCEAU_ERR_INVALID_ARGUMENT 'claim link'
send "$tmp/plain.conf" --to alice@example.org --link "$link" --lang de
check_refused "an unknown language is refused" SCEAU_ERR_INVALID_ARGUMENT 'unknown language'
check "nothing refused reached the relay" test "$(count "$tmp/plain")" -eq "$n"

send "$tmp/plain.conf" --to reject-me@example.org --link "$link"
check_refused "a recipient the relay refuses is SCEAU_ERR_MAIL" SCEAU_ERR_MAIL \
	'reject-me@example.org through smtp://127.0.0.1:[0-9]*: .*550'

# ------------------------------------------- relay down, relay hanging
stop_sink "$plain_pid"
check "the sink exits 0 on SIGTERM" test "$sink_status" -eq 0
start=$(date +%s)
send "$tmp/plain.conf" --to alice@example.org --link "$link"
check_refused "a relay that is down is SCEAU_ERR_MAIL" SCEAU_ERR_MAIL \
	"through smtp://127.0.0.1:$sink_port: .*onnect"
check "at once" test $(($(date +%s) - start)) -le 3

start_sink stall --stall
mail_conf "$tmp/stall.conf" "relay = smtp://127.0.0.1:$sink_port
tls = none
from = sceau@example.org
timeout = 2s"
start=$(date +%s)
send "$tmp/stall.conf" --to alice@example.org --link "$link"
check_refused "a relay that never answers is SCEAU_ERR_MAIL" SCEAU_ERR_MAIL 'timed out'
check "after mail.timeout" test $(($(date +%s) - start)) -le 5
stop_sink "$sink_pid"

# --------------------------------------------------------- TLS, AUTH
make_test_pki "$tmp/pki" || bail "cannot make the test PKI"
(umask 077 && printf 's3cret\n' >"$tmp/pw" && printf 'wrong\n' >"$tmp/wrong")
start_sink tls --tls-cert "$tmp/pki/server.pem" --tls-key "$tmp/pki/server.key" \
	--auth bob:s3cret
tls_port=$sink_port
tls_conf() {
	mail_conf "$1" "relay = smtp://127.0.0.1:$tls_port
from = sceau@example.org
username = bob
timeout = 5s
$2"
}
tls_conf "$tmp/tls.conf" "ca_file = $tmp/pki/ca.pem
password_file = $tmp/pw"
send "$tmp/tls.conf" --to alice@example.org --link "$link" --lang fr
check_sent "STARTTLS (the default) with AUTH: sent"
check_mail "over TLS, authenticated" "$tmp/tls" 1 to=alice@example.org lang=fr \
	link="$link" subject="Invitation à rejoindre acme sur sceau" \
	expires="mardi 1er décembre 2026 à 09:30 UTC" tls=true auth=bob
check_fails "the password is not in the tool's output" grep -q s3cret "$tmp/err" "$tmp/out"

tls_conf "$tmp/wrong.conf" "ca_file = $tmp/pki/ca.pem
password_file = $tmp/wrong"
send "$tmp/wrong.conf" --to alice@example.org --link "$link"
check_refused "a wrong password is SCEAU_ERR_MAIL" SCEAU_ERR_MAIL '535'
check_fails "and the password is not logged" grep -q wrong "$tmp/err"

tls_conf "$tmp/noca.conf" "password_file = $tmp/pw"
send "$tmp/noca.conf" --to alice@example.org --link "$link"
check_refused "a relay certificate from an unknown CA is refused" SCEAU_ERR_MAIL 'certificate'
check "no message went through without TLS or AUTH" test "$(count "$tmp/tls")" -eq 1
stop_sink "$sink_pid"

start_sink smtps --smtps --tls-cert "$tmp/pki/server.pem" \
	--tls-key "$tmp/pki/server.key" --auth bob:s3cret
mail_conf "$tmp/smtps.conf" "relay = smtps://127.0.0.1:$sink_port
from = sceau@example.org
ca_file = $tmp/pki/ca.pem
username = bob
password_file = $tmp/pw"
send "$tmp/smtps.conf" --to alice@example.org --link "$link"
check_sent "SMTPS with AUTH: sent"
check_mail "over SMTPS" "$tmp/smtps" 1 to=alice@example.org lang=en \
	link="$link" subject="Invitation to join acme on sceau" \
	expires="Tuesday 1 December 2026 at 09:30 UTC" tls=true auth=bob
stop_sink "$sink_pid"

# ------------------------------------------------ refused configurations
# bad_mail NAME MESSAGE LINES: sceau-server --check-config refuses a
# [mail] of LINES, with MESSAGE on stderr.
bad_mail() {
	mail_conf "$tmp/$1.conf" "$3"
	check_status "--check-config refuses $1" 1 \
		"$srv_bin" --check-config --config "$tmp/$1.conf"
	check_grep "and says why ($1)" "$2" "$tmp/err"
	diag "$(cat "$tmp/err")"
}
good_mail() {
	mail_conf "$tmp/$1.conf" "$2"
	check_status "--check-config accepts $1" 0 \
		"$srv_bin" --check-config --config "$tmp/$1.conf"
}
from='from = sceau@example.org'
bad_mail http-relay 'mail.relay: expected smtp://HOST:PORT or smtps://HOST:PORT' \
	"relay = http://127.0.0.1:25
$from"
bad_mail relay-userinfo 'mail.relay: expected smtp://HOST:PORT' \
	"relay = smtp://bob:s3cret@mail.example.org:587
$from"
bad_mail relay-path 'mail.relay: expected smtp://HOST:PORT' \
	"relay = smtp://mail.example.org:587/x
$from"
bad_mail plain-remote 'mail.tls: none (plain SMTP) is for a loopback relay only' \
	"relay = smtp://mail.example.org:25
tls = none
$from"
good_mail insecure-remote "relay = smtp://mail.example.org:25
tls = insecure
$from"
bad_mail insecure-password 'mail.username: a password is never sent in clear' \
	"relay = smtp://mail.example.org:25
tls = insecure
username = bob
password_file = $tmp/pw
$from"
bad_mail no-sender 'mail.from: missing: mail.relay needs a sender address' \
	"relay = smtp://mail.example.org:587"
bad_mail bad-sender 'mail.from: expected an address' \
	"relay = smtp://mail.example.org:587
from = sceau <sceau@example.org>"
bad_mail two-senders 'mail.from: expected an address' \
	"relay = smtp://mail.example.org:587
from = sceau@example.org,eve@example.org"
bad_mail smtps-starttls 'mail.tls: an smtps:// relay speaks TLS from the start' \
	"relay = smtps://mail.example.org
tls = starttls
$from"
bad_mail starttls-smtps 'mail.tls: smtps needs an smtps:// relay' \
	"relay = smtp://mail.example.org:587
tls = smtps
$from"
bad_mail bad-tls 'mail.tls: expected starttls, smtps, none or insecure' \
	"relay = smtp://mail.example.org:587
tls = yes
$from"
bad_mail half-auth 'set both mail.username and mail.password_file' \
	"relay = smtp://mail.example.org:587
username = bob
$from"
cp "$tmp/pw" "$tmp/open-pw"
chmod 644 "$tmp/open-pw"
bad_mail open-password 'mail password readable by everyone' \
	"relay = smtp://mail.example.org:587
username = bob
password_file = $tmp/open-pw
$from"
bad_mail no-ca 'mail.ca_file: cannot read it' \
	"relay = smtp://mail.example.org:587
ca_file = $tmp/nosuch.pem
$from"
bad_mail bad-language 'mail.language: expected en or fr' \
	"relay = smtp://mail.example.org:587
language = de
$from"
bad_mail bad-timeout 'mail.timeout: out of range' \
	"relay = smtp://mail.example.org:587
timeout = 0
$from"
bad_mail no-relay 'mail.from: mail is off without mail.relay' "$from"
good_mail smtps-default-port "relay = smtps://mail.example.org
$from"
good_mail no-mail ""

# server.invitation_lifetime: 1 minute to 90 days.
for v in 1m 90d 168h; do
	mail_conf "$tmp/life.conf"
	sed -i "s/^invitation_lifetime = .*/invitation_lifetime = $v/" "$tmp/life.conf"
	check_status "invitation_lifetime = $v is accepted" 0 \
		"$srv_bin" --check-config --config "$tmp/life.conf"
done
for v in 59s 91d; do
	mail_conf "$tmp/life.conf"
	sed -i "s/^invitation_lifetime = .*/invitation_lifetime = $v/" "$tmp/life.conf"
	check_status "invitation_lifetime = $v is refused" 1 \
		"$srv_bin" --check-config --config "$tmp/life.conf"
	check_grep "as out of range ($v)" 'server.invitation_lifetime: out of range' "$tmp/err"
done
done_testing
