#!/bin/sh
# The server's signed access log (issue 9) with a real server on
# 127.0.0.1: requests by the sceau program and the administrator are
# recorded, exported (sceau-server --export-log) and verified by
# sceau-audit verify-log against the pinned log key; then records and
# checkpoints are removed, altered and swapped in the database with
# sqlite3, and each change is detected and named.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd sqlite3
sceau="$top_builddir/sceau"
audit="$top_builddir/sceau-audit"
[ -x "$audit" ] || bail "sceau-audit not built: $audit"

srv_config "$tmp/srv.conf"
db="$tmp/server-0.db"
printf '\n[audit]\ncheckpoint_records = 5\n' >>"$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice"
as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@"
}

check "the log key is generated beside the database, mode 0600" \
	test "$(stat -c %a "$tmp/log.key")" = 600
check_status "sceau-server --log-key-public" 0 \
	"$srv_bin" --config "$tmp/srv.conf" --log-key-public
pk=$(cat "$tmp/out")
check "prints 64 hex digits" expr "$pk" : '[0-9a-f]\{64\}$'

# Requests: the administrator's and a device's.
"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"
as "$A" workspace create docs >/dev/null || bail "workspace create"
echo "hello" >"$tmp/hello.txt"
as "$A" import "$tmp/hello.txt" /docs/hello.txt >/dev/null || bail "import"
as "$A" sync docs >/dev/null || bail "sync"
as "$A" whoami >/dev/null || bail "whoami"
"$sceau" server list-orgs >/dev/null || bail "list-orgs"
stop_server
check "the server stops cleanly" test "$srv_status" -eq 0

n=$(sqlite3 "$db" 'SELECT COUNT(*) FROM access_log')
check "requests were recorded ($n)" test "$n" -ge 10
check "the admin's creation is recorded, without a device" test "$(sqlite3 \
	"$db" "SELECT COUNT(*) FROM access_log WHERE
	 instr(record, CAST('/v1/admin/organizations' AS BLOB)) > 0")" -ge 2
check "alice's requests are recorded with her organization" test "$(sqlite3 \
	"$db" "SELECT COUNT(*) FROM access_log WHERE
	 instr(record, CAST('/v1/acme/realms/' AS BLOB)) > 0")" -ge 2
check "a route with a query is recorded without it" test "$(sqlite3 "$db" \
	"SELECT SUM(instr(record, CAST('/changes' AS BLOB)) > 0) || ' ' ||
	 SUM(instr(record, CAST('/changes?' AS BLOB)) > 0) FROM access_log")" = \
	"1 0"
last_cp=$(sqlite3 "$db" 'SELECT MAX(last_seq) FROM access_log_checkpoints')
check "a checkpoint every 5 records and one at shutdown covers them all" \
	test "$last_cp" -eq "$n" -a "$(sqlite3 "$db" \
	'SELECT COUNT(*) FROM access_log_checkpoints')" -ge 2

cp "$db" "$tmp/pristine.db"
check_status "export" 0 "$srv_bin" --config "$tmp/srv.conf" \
	--export-log "$tmp/log.jsonl"
check "one line per record and checkpoint, after a header" test \
	"$(wc -l <"$tmp/log.jsonl")" -eq "$((n + 1 + $(sqlite3 "$db" \
	'SELECT COUNT(*) FROM access_log_checkpoints')))"
check_status "verify-log: clean" 0 "$audit" verify-log "$tmp/log.jsonl" \
	--key "$pk"
check_grep "says verified" "verified: no violation" "$tmp/out"
check_status "verify-log --json" 0 "$audit" --json verify-log \
	"$tmp/log.jsonl" --key "$pk"
check "the summary: records, all signed, no violation" jq -e \
	".ok and .records == $n and .signed_upto == $n and .unsigned_tail == 0
	 and (.violations | length == 0) and .first_seq == 1" "$tmp/out"
printf '%s\n' "$pk" >"$tmp/pk.txt"
check_status "the key can be a file" 0 "$audit" verify-log "$tmp/log.jsonl" \
	--key "$tmp/pk.txt"

# Key pinning: another server's key does not verify these checkpoints.
srv_config "$tmp/other.conf"
printf '\n[audit]\nlog_key = %s\n' "$tmp/other.key" >>"$tmp/other.conf"
check_status "another server's key" 0 "$srv_bin" --config "$tmp/other.conf" \
	--log-key-public
other=$(cat "$tmp/out")
check_status "verify-log with another key fails" 1 "$audit" verify-log \
	"$tmp/log.jsonl" --key "$other"
check_grep "every checkpoint: bad signature" "bad-signature" "$tmp/out"
check_status "a key that is not one is a usage error" 2 "$audit" verify-log \
	"$tmp/log.jsonl" --key 1234
check_status "no --key is a usage error" 2 "$audit" verify-log \
	"$tmp/log.jsonl"

# tamper DESC SQL EXPECTED...: the pristine database changed by SQL,
# exported and verified: exit 1 and each EXPECTED line in the output.
tamper() {
	desc=$1
	sql=$2
	shift 2
	cp "$tmp/pristine.db" "$tmp/t.db"
	sqlite3 "$tmp/t.db" "$sql" || bail "sqlite3: $sql"
	"$srv_bin" --config "$tmp/srv.conf" --db "$tmp/t.db" \
		--export-log "$tmp/t.jsonl" 2>"$tmp/err" ||
		bail "export of $desc: $(cat "$tmp/err")"
	check_status "$desc: detected (exit 1)" 1 "$audit" verify-log \
		"$tmp/t.jsonl" --key "$pk"
	for want in "$@"; do
		check_grep "$desc: named: $want" "$want" "$tmp/out"
	done
}

tamper "a deleted record" 'DELETE FROM access_log WHERE seq = 3' \
	'^seq 3: removed: record 3 removed' 'VIOLATIONS: 1$'
check_status "the same in JSON: exit 1" 1 "$audit" --json verify-log \
	"$tmp/t.jsonl" --key "$pk"
check "one violation: removed, seq 3, and the summary says not ok" jq -e \
	'(.ok | not) and (.violations | length == 1) and
	 .violations[0].kind == "removed" and .violations[0].seq == 3 and
	 .records == '"$((n - 1))" "$tmp/out"
# (Byte 70 of record 4 is in alice's device id, byte 31 in its link.)
tamper "an altered byte" \
	"UPDATE access_log SET record = CAST(substr(record, 1, 69) ||
	 X'5A' || substr(record, 71) AS BLOB) WHERE seq = 4" \
	'^seq 4: altered: record 4 altered' 'VIOLATIONS: 1$'
tamper "an altered link" \
	"UPDATE access_log SET record = CAST(substr(record, 1, 30) ||
	 X'5A' || substr(record, 32) AS BLOB) WHERE seq = 4" \
	'^seq 4: altered: record 4 altered' 'VIOLATIONS: 1$'
tamper "an altered stored hash" \
	'UPDATE access_log SET hash = zeroblob(32) WHERE seq = 4' \
	'^seq 4: altered: record 4 altered' 'VIOLATIONS: 1$'
tamper "two records swapped" \
	'UPDATE access_log SET seq = -7 WHERE seq = 7;
	 UPDATE access_log SET seq = 7 WHERE seq = 8;
	 UPDATE access_log SET seq = 8 WHERE seq = -7' \
	'^seq 7: reordered: record 7 out of its place' 'VIOLATIONS: 1$'
tamper "an altered checkpoint signature" \
	"UPDATE access_log_checkpoints SET signature = CAST(substr(signature,
	 1, 9) || CASE WHEN substr(signature, 10, 1) = X'00' THEN X'01'
	 ELSE X'00' END || substr(signature, 11) AS BLOB) WHERE last_seq = 5" \
	'^seq 5: bad-signature: checkpoint after record 5'
tamper "a deleted checkpoint" \
	'DELETE FROM access_log_checkpoints WHERE last_seq = 5' \
	'^seq 1: checkpoint-removed: the checkpoint of records 1 to 5 removed'
tamper "the last record removed" \
	"DELETE FROM access_log WHERE seq = $n" "^seq $n: removed: record $n removed"
tamper "the last batch removed" \
	"DELETE FROM access_log WHERE seq > 10" \
	"^seq 11: removed: records 11 to $n removed"

# The chain goes on across a restart; what a crash leaves unsigned is
# named as such, not as an error.
start_server "$tmp/srv.conf" || bail "sceau-server did not restart"
export SCEAU_SERVER="$srv_url"
# (alice's device knows the first port only: the administrator asks.)
"$sceau" server list-orgs >/dev/null || bail "list-orgs after restart"
stop_server KILL
m=$(sqlite3 "$db" 'SELECT COUNT(*) FROM access_log')
check "the restarted server recorded more" test "$m" -gt "$n"
check_status "export after a crash" 0 "$srv_bin" --config "$tmp/srv.conf" \
	--export-log "$tmp/log2.jsonl"
check_status "verify-log: the chain continues across the restart" 0 \
	"$audit" --json verify-log "$tmp/log2.jsonl" --key "$pk"
check "the record after the last checkpoint is an unsigned tail" jq -e \
	".ok and .records == $m and .unsigned_tail == $((m - n))" "$tmp/out"
check_status "in text too" 0 "$audit" verify-log "$tmp/log2.jsonl" \
	--key "$pk"
check_grep "the tail is named" "unsigned tail: $((m - n)) record" "$tmp/out"

done_testing
