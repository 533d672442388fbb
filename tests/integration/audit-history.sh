#!/bin/sh
# An organization's history for auditors (issue 9, doc/audit.md): a
# history built with the real server (users, devices, roles, a policy,
# revocations, file writes by several members) is exported by a member
# (sceau org export-history) and by the server (sceau-server
# --export-history), verified clean by sceau-audit verify, then tampered
# with: a removed certificate, a swapped pair, a changed byte in a
# certificate and in a manifest, a version signed by a device after its
# revocation, a role granted by a Reader, a share the policy in force
# forbade (both signed by real devices, as a lying server would serve
# them), a truncated export; each is detected and named.  The access
# log's own tampering cases are in audit-log.sh; one is repeated here on
# the same server.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq sqlite3 openssl /usr/bin/python3
sceau="$top_builddir/sceau"
audit="$top_builddir/sceau-audit"
prov="$top_builddir/tests/tools/sceau-test-provision"
unset SCEAU_AGENT_SOCK SCEAU_POLICY_FILE

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@" </dev/null
}
A="$tmp/alice" A2="$tmp/alice2" B="$tmp/bob" C="$tmp/carol" D="$tmp/dave"
E="$tmp/eve"

# ------------------------------------------------------------ a history
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"
member "$B" bob@example.org Bob
member "$C" carol@example.org Carol
member "$D" dave@example.org Dave
member "$E" eve@partner.example Eve external
member "$tmp/frank" frank@partner.example Frank external
frank_id=$(jq -r .user_id "$tmp/prov.json")
"$prov" device --admin-home "$A" --target-home "$A2" --label laptop \
	>"$tmp/prov.json" || bail "alice's second device"
a2_dev=$(jq -r .device_id "$tmp/prov.json")
as "$A" workspace create docs >/dev/null || bail "workspace docs"
as "$A" workspace create secret >/dev/null || bail "workspace secret"
docs_id=$(as "$A" --json workspace list | jq -r '.workspaces[] | select(.name == "docs") | .realm_id')
as "$A" workspace share docs bob@example.org reader >/dev/null || bail "share bob"
as "$A" workspace share docs carol@example.org contributor >/dev/null ||
	bail "share carol"
as "$A" workspace share docs dave@example.org contributor >/dev/null ||
	bail "share dave"
as "$A" workspace share docs eve@partner.example reader >/dev/null ||
	bail "share eve"
for i in 1 2 3; do
	echo "alice $i" >"$tmp/f.txt"
	as "$A" import "$tmp/f.txt" "/docs/a$i.txt" >/dev/null || bail "import"
done
as "$A" sync docs >/dev/null || bail "sync alice"
echo "secret" >"$tmp/s.txt"
as "$A" import "$tmp/s.txt" /secret/s.txt >/dev/null || bail "import secret"
as "$A" sync secret >/dev/null || bail "sync secret"
as "$C" sync docs >/dev/null || bail "sync carol"
echo "carol" >"$tmp/c.txt"
as "$C" import "$tmp/c.txt" /docs/c.txt >/dev/null || bail "import carol"
as "$C" sync docs >/dev/null || bail "sync carol"
# alice's laptop signs a version now; a lying server will serve it as
# stored after the laptop's revocation.
"$prov" forge-vlob --admin-home "$A2" --realm "$docs_id" \
	--vlob 0123456789abcdef0123456789abcdef --version 1 \
	--out "$tmp/late.b64" || bail "forge-vlob"
"$prov" forge-vlob --admin-home "$D" --realm "$docs_id" \
	--vlob fedcba9876543210fedcba9876543210 --version 1 \
	--out "$tmp/dave-late.b64" || bail "forge-vlob by dave"
printf '<organization-policy xmlns="urn:sceau:policy:1" version="1" organization="acme">\n<sharing><externals>no</externals></sharing>\n</organization-policy>\n' \
	>"$tmp/p.xml"
as "$A" policy publish "$tmp/p.xml" >/dev/null || bail "policy"
as "$A" device revoke "$a2_dev" >/dev/null || bail "device revoke"
as "$A" user revoke dave@example.org >/dev/null || bail "user revoke"
echo "alice again" >"$tmp/f.txt"
as "$A" import "$tmp/f.txt" /docs/a1.txt >/dev/null || bail "import"
as "$A" sync docs >/dev/null || bail "sync alice"
as "$B" sync docs >/dev/null || bail "sync bob"

# ------------------------------------------------------------ exports
check_status "bob (a Reader) exports the history" 0 \
	as "$B" --json org export-history "$tmp/bob.jsonl"
check "it holds every certificate, docs only (no role in secret)" jq -e \
	'.certificates > 15 and .versions >= 6 and .workspaces == 1 and
	 .workspaces_skipped == 1' "$tmp/out"
check "the export is bob's alone (mode 0600)" \
	test "$(stat -c %a "$tmp/bob.jsonl")" = 600
check_status "the server's administrator exports it too" 0 "$srv_bin" \
	--config "$tmp/srv.conf" --export-history acme -o "$tmp/srv.jsonl"
check "every workspace, every version" test "$(grep -c '"type":"vlob"' \
	"$tmp/srv.jsonl")" -gt "$(grep -c '"type":"vlob"' "$tmp/bob.jsonl")"
check_status "an unknown organization cannot be exported" 1 "$srv_bin" \
	--config "$tmp/srv.conf" --export-history nosuch -o "$tmp/x.jsonl"
check_grep "(names the reason)" "cannot export" "$tmp/err"
check_status "export-history needs a file" 2 as "$B" org export-history

# ------------------------------------------------------------ clean
check_status "verify bob's export: clean" 0 "$audit" verify "$tmp/bob.jsonl"
check_grep "(no violation)" "verified: no violation" "$tmp/out"
check_grep "(the root key is shown, not pinned)" "NOT pinned" "$tmp/out"
root=$(sed -n 's/^root key: \([0-9a-f]*\) .*/\1/p' "$tmp/out")
check "the root key is the one of the server's record" test \
	"$(sqlite3 "$tmp/server-0.db" "SELECT hex(root_vk) FROM orgs
	   WHERE name = 'acme'" | tr 'A-F' 'a-f')" = "$root"
check_status "verify the server's export, root key pinned, --json" 0 \
	"$audit" --json verify "$tmp/srv.jsonl" --root-key "$root"
check "summary: pinned, complete, counts, no violation" jq -e \
	'.ok and .root_key_pinned and .complete and .organization == "acme"
	 and .exported_by == "server" and .workspaces == 2 and
	 .certificates > 15 and (.violations | length) == 0' "$tmp/out"
printf '%s\n' "$root" >"$tmp/root.key"
check_status "the root key from a file" 0 "$audit" verify "$tmp/srv.jsonl" \
	--root-key "$tmp/root.key"
check_status "another root key: the chain is refused from the start" 1 \
	"$audit" verify "$tmp/srv.jsonl" --root-key "$(printf '%064d' 7)"
check_grep "(rule root-key, line 2)" "^line 2: root-key: certificate 1" \
	"$tmp/out"
check_status "a root key that is not one: usage" 2 "$audit" verify \
	"$tmp/srv.jsonl" --root-key nothex
check_status "a missing export: exit 2" 2 "$audit" verify "$tmp/nosuch"
echo 'not json' >"$tmp/junk"
check_status "not an export: exit 2, said so" 2 "$audit" verify "$tmp/junk"
check_grep "(no header)" "not a sceau history export" "$tmp/err"

# ------------------------------------------------------------ tampering
# tamper OUT PYTHON: a copy of bob's export, changed by PYTHON on L (the
# list of lines; J(i) / S(i, obj) read and write line i as JSON).
tamper() {
	out=$1
	shift
	/usr/bin/python3 - "$tmp/bob.jsonl" "$out" "$@" <<'PY' || bail "tamper"
import base64, json, sys
L = open(sys.argv[1]).read().splitlines()
def J(i): return json.loads(L[i])
def S(i, o): L[i] = json.dumps(o, separators=(",", ":"))
def certs(): return [i for i, l in enumerate(L) if '"certificate"' in l]
def vlobs(): return [i for i, l in enumerate(L) if '"type":"vlob"' in l]
def flip(i, field, at):
    o = J(i); b = bytearray(base64.b64decode(o[field])); b[at] ^= 1
    o[field] = base64.b64encode(bytes(b)).decode(); S(i, o)
def bump(field, n):
    o = J(len(L) - 1); o[field] += n; S(len(L) - 1, o)
def insert_cert(b64):
    last = certs()[-1]
    L.insert(last + 1, json.dumps({"type": "certificate",
        "server_time": J(last)["server_time"] + 1,
        "certificate": open(b64).read().strip(), "identity": None}))
    bump("certificates", 1)
def insert_vlob(b64):
    last = vlobs()[-1]
    t = max(J(i)["server_time"] for i in vlobs()) + 1000000
    L.insert(last + 1, json.dumps({"type": "vlob",
        "checkpoint": J(last)["checkpoint"] + 1, "server_time": t,
        "blob": open(b64).read().strip()}))
    bump("vlobs", 1)
exec(sys.argv[3])
open(sys.argv[2], "w").write("\n".join(L) + "\n")
PY
}
# expect NAME FILE RULE: verify finds RULE (and exits 1).
expect() {
	check_status "$1: detected (exit 1)" 1 "$audit" --json verify "$2"
	check "$1: named $3" jq -e --arg r "$3" \
		'(.ok | not) and ([.violations[].rule] | index($r)) != null' \
		"$tmp/out"
	cp "$tmp/out" "$tmp/last.json"
}

tamper "$tmp/t-removed" 'del L[certs()[5]]'
expect "a removed certificate" "$tmp/t-removed" removed
check "it names the missing index (6) and its line" jq -e \
	'.violations[0].index == 6 and .violations[0].line == 7 and
	 (.violations[0].detail | test("certificate 6 is missing"))' \
	"$tmp/last.json"

tamper "$tmp/t-swapped" 'c = certs(); L[c[6]], L[c[7]] = L[c[7]], L[c[6]]'
expect "a reordered pair" "$tmp/t-swapped" reordered
check "it names the pair, and the rest still verifies" jq -e \
	'(.violations | length) == 1 and .violations[0].index == 8 and
	 (.violations[0].detail | test("certificate 8 .* comes before certificate 7")) and
	 .unverified == 0' "$tmp/last.json"

tamper "$tmp/t-certbyte" 'flip(certs()[9], "certificate", 60)'
expect "a changed byte in a certificate" "$tmp/t-certbyte" altered
check "at its index, the rest unverifiable" jq -e \
	'.violations[0].index == 10 and .unverified > 0' "$tmp/last.json"

tamper "$tmp/t-identity" 'i = [i for i in certs() if J(i)["identity"]][2]; flip(i, "identity", 30)'
expect "a changed byte in an identity blob" "$tmp/t-identity" identity

tamper "$tmp/t-vlobbyte" 'flip(vlobs()[2], "blob", -40)'
expect "a changed byte in a manifest" "$tmp/t-vlobbyte" altered
check "it names the workspace, vlob and version" jq -e --arg ws "$docs_id" \
	'.violations[0].workspace == $ws and (.violations[0].vlob | length) == 32
	 and .violations[0].version >= 1 and .violations[0].index == 0' \
	"$tmp/last.json"

tamper "$tmp/t-vlobgone" 'del L[vlobs()[3]]'
check_status "a removed version: detected" 1 "$audit" --json verify \
	"$tmp/t-vlobgone"
check "named by the count at the end, or the gap" jq -e \
	'[.violations[].rule] | index("removed") != null' "$tmp/out"

tamper "$tmp/t-late" "insert_vlob('$tmp/late.b64')"
expect "a version by a device after its revocation" "$tmp/t-late" \
	revoked-author
check "it names the revoked device" jq -e --arg d "$a2_dev" \
	'.violations[0].author == $d and
	 (.violations[0].detail | test("after its revocation"))' "$tmp/last.json"

tamper "$tmp/t-dave" "insert_vlob('$tmp/dave-late.b64')"
expect "a version by a user after the user's revocation" "$tmp/t-dave" \
	revoked-author
check "it names dave's revocation" jq -e \
	'.violations[0].detail | test("revocation")' "$tmp/last.json"

"$prov" raw-share --admin-home "$B" --realm "$docs_id" --user "$frank_id" \
	--profile contributor --out "$tmp/reader.b64" ||
	bail "raw-share by bob"
tamper "$tmp/t-reader" "insert_cert('$tmp/reader.b64')"
expect "a role granted by a Reader" "$tmp/t-reader" not-allowed
bob_dev=$(as "$B" --json whoami | jq -r .device_id)
check "by bob's device, at the last index" jq -e --arg d "$bob_dev" \
	'.violations[0].author == $d and .violations[0].index > 15' \
	"$tmp/last.json"

"$prov" raw-share --admin-home "$A" --realm "$docs_id" --user "$frank_id" \
	--profile contributor --out "$tmp/policy.b64" ||
	bail "raw-share by alice"
tamper "$tmp/t-policy" "insert_cert('$tmp/policy.b64')"
expect "a share the policy in force forbade" "$tmp/t-policy" policy
check "the rule is named" jq -e \
	'.violations[0].detail | test("externals")' "$tmp/last.json"

tamper "$tmp/t-crl" 'L.insert(len(L) - 1, json.dumps({"type": "crl", "der": "MAMCAQE="}))'
expect "a CRL that does not parse" "$tmp/t-crl" malformed
check "named as such, not counted" jq -e \
	'.crls == 0 and (.violations[0].detail | test("CRL"))' "$tmp/last.json"

tamper "$tmp/t-short" 'del L[-3:]'
expect "a truncated export" "$tmp/t-short" truncated

check_status "text output: one line per violation, then the count" 1 \
	"$audit" verify "$tmp/t-reader"
check_grep "(the rule and the certificate)" \
	"^line [0-9]*: not-allowed: certificate [0-9]*, by device $bob_dev" \
	"$tmp/out"
check_grep "(the count)" "^VIOLATIONS: 1" "$tmp/out"
check_status "in French" 1 env LANGUAGE=fr LC_ALL=fr_FR.UTF-8 "$audit" \
	verify "$tmp/t-reader"
check_grep "(French)" "^VIOLATIONS : 1\|^VIOLATIONS: 1" "$tmp/out"
check_grep "(French words)" "certificat" "$tmp/out"

# ------------------------------------------------------------ reports
check_status "report: text, every act" 0 "$audit" report "$tmp/bob.jsonl"
check_grep "(a role given, with who gave it)" \
	"workspace-role *Alice <alice@example.org> on device .*about Carol <carol@example.org>: role contributor" \
	"$tmp/out"
check_grep "(a version)" "vlob .*Carol <carol@example.org> on device .*version 1" \
	"$tmp/out"
check_grep "(the verdict)" "^verified: no violation" "$tmp/out"
check_status "report --json --user carol --kind vlob" 0 "$audit" --json \
	report "$tmp/bob.jsonl" --user carol@example.org --kind vlob
check "only carol's versions" jq -e '(.acts | length) >= 2 and
	all(.acts[]; .kind == "vlob" and (.who | test("carol@"))) and
	.summary.ok' "$tmp/out"
bob_user=$(as "$B" --json whoami | jq -r .user_id)
check_status "report --user by id" 0 "$audit" --json report \
	"$tmp/bob.jsonl" --user "$bob_user" --kind workspace-role
check "the role bob was given, by alice, about him" jq -e --arg u \
	"$bob_user" '(.acts | length) == 1 and .acts[0].subject == $u and
	(.acts[0].who | test("alice@"))' "$tmp/out"
check_status "report by workspace and kind" 0 "$audit" report \
	"$tmp/bob.jsonl" --format json --workspace "$docs_id" \
	--kind workspace-role,workspace-key
check "the docs roles and keys, a rotation among them" jq -e --arg ws \
	"$docs_id" '(.acts | length) >= 5 and all(.acts[]; .workspace == $ws)
	and ([.acts[] | select(.kind == "workspace-role")] | length) >= 4
	and ([.acts[] | select(.kind == "workspace-key")] | length) >= 2' \
	"$tmp/out"
check_status "report in a period that holds nothing" 0 "$audit" --json \
	report "$tmp/bob.jsonl" --since 2100-01-01
check "no act" jq -e '(.acts | length) == 0' "$tmp/out"
check_status "report until the start of time" 0 "$audit" --json \
	report "$tmp/bob.jsonl" --until @1
check "no act either" jq -e '(.acts | length) == 0' "$tmp/out"
check_status "an unknown kind: usage" 2 "$audit" report "$tmp/bob.jsonl" \
	--kind bogus
check_status "a bad date: usage" 2 "$audit" report "$tmp/bob.jsonl" \
	--since yesterday
check_status "a report of a tampered export lists the violation" 1 \
	"$audit" --json report "$tmp/t-reader"
check "with its rule, and the act marked" jq -e \
	'(.violations[0].rule == "not-allowed") and
	 ([.acts[] | select(.violation)] | length) == 1' "$tmp/out"
check_status "with alice's keys, files and folders are named" 0 "$audit" \
	--json report "$tmp/bob.jsonl" --kind vlob --names "$A"
check "by their paths" jq -e '[.acts[].name] | index("/a1.txt") != null
	and index("/c.txt") != null and index("/") != null' "$tmp/out"
printf 'bob laptop pw\n' >"$tmp/b2.pw"
"$prov" device --admin-home "$B" --target-home "$tmp/bob2" \
	--password 'bob laptop pw' >/dev/null || bail "bob's second device"
as "$tmp/bob2" status --password-file "$tmp/b2.pw" >/dev/null ||
	bail "bob's second device learns the chain"
check_status "with a password-protected device of bob's (a Reader)" 0 \
	"$audit" --json report "$tmp/bob.jsonl" --kind vlob \
	--names "$tmp/bob2" --password-file "$tmp/b2.pw"
check "its keys name the files too" jq -e \
	'[.acts[].name] | index("/c.txt") != null' "$tmp/out"
echo wrong >"$tmp/wrong.pw"
check_status "a wrong password: the device stays locked (exit 2)" 2 \
	"$audit" report "$tmp/bob.jsonl" --names "$tmp/bob2" \
	--password-file "$tmp/wrong.pw"
check_status "without keys, no names" 0 "$audit" --json report \
	"$tmp/bob.jsonl" --kind vlob
check "none" jq -e 'all(.acts[]; has("name") | not)' "$tmp/out"

# XML, signed by an auditor's key (a certificate of a test CA).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/ca.key" -out "$tmp/ca.pem" -subj /CN=Audit-CA \
	-days 30 2>/dev/null || bail "CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/auditor.key" -out "$tmp/auditor.csr" \
	-subj /CN=Auditor 2>/dev/null || bail "auditor key"
openssl x509 -req -in "$tmp/auditor.csr" -CA "$tmp/ca.pem" \
	-CAkey "$tmp/ca.key" -CAcreateserial -out "$tmp/auditor.pem" \
	-days 30 2>/dev/null || bail "auditor certificate"
check_status "report --format xml" 0 "$audit" report "$tmp/bob.jsonl" \
	--format xml -o "$tmp/r.xml" --user bob@example.org
xq() {
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
ns = "{urn:sceau:audit-report:1}"
r = E.parse(sys.argv[1]).getroot()
print(eval(sys.argv[2]))' "$@"
}
check "the report is its writer's alone (0600)" \
	test "$(stat -c %a "$tmp/r.xml")" = 600
check "well-formed, bob's acts only" test "$(xq "$tmp/r.xml" \
	'len(r.findall(ns + "acts/" + ns + "act"))')" -ge 1
check "it says no violation" test "$(xq "$tmp/r.xml" \
	'r.find(ns + "summary").get("ok")')" = true
check_status "a signed XML report (of an export with a violation)" 1 \
	"$audit" report "$tmp/t-reader" --format xml -o "$tmp/signed.xml" \
	--sign-key "$tmp/auditor.key" --sign-cert "$tmp/auditor.pem"
printf 'auditor pass\n' >"$tmp/auditor.pw"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$tmp/auditor.key" \
	-out "$tmp/auditor-enc.key" -passout "file:$tmp/auditor.pw" ||
	bail "encrypted auditor key"
check_status "signed with an encrypted key and its passphrase file" 0 \
	"$audit" report "$tmp/bob.jsonl" --format xml -o "$tmp/enc.xml" \
	--sign-key "$tmp/auditor-enc.key" --sign-cert "$tmp/auditor.pem" \
	--sign-pass-file "$tmp/auditor.pw"
check_status "which verifies" 0 "$audit" verify-report "$tmp/enc.xml" \
	--trust "$tmp/ca.pem"
check_status "a wrong passphrase: not signed (exit 2)" 2 "$audit" report \
	"$tmp/bob.jsonl" --format xml -o "$tmp/enc2.xml" \
	--sign-key "$tmp/auditor-enc.key" --sign-cert "$tmp/auditor.pem" \
	--sign-pass-file "$tmp/wrong.pw"
check "and no half report is left" test ! -e "$tmp/enc2.xml"
check "signed, and still saying the violation" grep -q \
	'rule="not-allowed"' "$tmp/signed.xml"
check_status "verify-report: valid, signed by the auditor" 0 "$audit" \
	verify-report "$tmp/signed.xml" --trust "$tmp/ca.pem"
sed 's/rule="not-allowed"/rule="none"/' "$tmp/signed.xml" >"$tmp/forged.xml"
check_status "verify-report: a report changed after signing" 1 "$audit" \
	verify-report "$tmp/forged.xml" --trust "$tmp/ca.pem"
check_status "signing needs --format xml" 2 "$audit" report \
	"$tmp/bob.jsonl" --sign-key "$tmp/auditor.key" \
	--sign-cert "$tmp/auditor.pem"

# ------------------------------------------------------------ access log
stop_server
check "the server stops cleanly" test "$srv_status" -eq 0
check_status "the access log of the same history" 0 "$srv_bin" \
	--config "$tmp/srv.conf" --export-log "$tmp/log.jsonl"
"$srv_bin" --config "$tmp/srv.conf" --log-key-public >"$tmp/log.pub" ||
	bail "log key"
check_status "verifies clean" 0 "$audit" verify-log "$tmp/log.jsonl" \
	--key "$tmp/log.pub"
sqlite3 "$tmp/server-0.db" 'DELETE FROM access_log WHERE seq = 7' ||
	bail "sqlite3"
"$srv_bin" --config "$tmp/srv.conf" --export-log "$tmp/log2.jsonl" ||
	bail "export-log"
check_status "a deleted access-log record: detected" 1 "$audit" \
	verify-log "$tmp/log2.jsonl" --key "$tmp/log.pub"
check_grep "(named)" "record 7 removed" "$tmp/out"
done_testing
