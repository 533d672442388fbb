#!/bin/sh
# bench-audit.sh: how fast sceau-audit verifies an organization's history
# export (doc/performance.md, "Verifying a history: speed").
#
#   top_srcdir=. top_builddir=build/plain bench/bench-audit.sh
#   (or: make bench-audit, in a build configured without sanitizers)
#
# bench-gen-history writes a valid export (SCEAU_BENCH_CERTS certificates,
# 10000; SCEAU_BENCH_VERSIONS vlob versions, 100000; over
# SCEAU_BENCH_WORKSPACES workspaces, 20), then BENCH_RUNS times (3), in
# turn: sceau-audit --json verify of it, which must report no violation
# (else the first ones are printed and the bench fails: the generator or
# the verifier is wrong), and bench-gen-history --baseline, the same
# count of bare Ed25519 verifications (EVP_DigestVerify, one key): a
# lower bound of the work, whatever the verifier does beside.
#
# Output on stdout, one JSON line each (progress on stderr):
#   {"bench":"audit-generate",...}      the generator's own line
#   {"bench":"ed25519-baseline",...}    the median baseline run
#   {"bench":"audit-verify","certificates":..,"versions":..,
#    "workspaces":..,"bytes":..,"seconds":..,"items_per_second":..,
#    "cpu_seconds":..,"peak_rss_kib":..,"baseline_seconds":..,
#    "ratio_to_baseline":..,"steal_pct":..,"other_load_pct":..,"runs":..}
# seconds is the median run's wall time, items the certificates plus the
# versions, ratio_to_baseline its seconds over the median baseline's;
# steal_pct and other_load_pct as in bench-files.sh (CPU stolen by the
# hypervisor, CPU used by other processes meanwhile).
#
# Environment: BENCH_DIR (default /tmp/sceau-bench-audit; the export is
# kept there for the next run with the same sizes), BENCH_RUNS (3).
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${BENCH_DIR:=/tmp/sceau-bench-audit}"
: "${BENCH_RUNS:=3}"
: "${SCEAU_BENCH_CERTS:=10000}"
: "${SCEAU_BENCH_VERSIONS:=100000}"
: "${SCEAU_BENCH_WORKSPACES:=20}"

gen="$top_builddir/bench/bench-gen-history"
audit="$top_builddir/sceau-audit"
n=$SCEAU_BENCH_CERTS m=$SCEAU_BENCH_VERSIONS w=$SCEAU_BENCH_WORKSPACES
export_file="$BENCH_DIR/history-$n-$m-$w.jsonl"
work="$BENCH_DIR/work.$$"

say() { printf 'bench-audit: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$gen" ] || die "not built: $gen (make bench/bench-gen-history)"
[ -x "$audit" ] || die "not built: $audit (make sceau-audit)"
command -v jq >/dev/null 2>&1 || die "jq is needed"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed"
mkdir -p "$work" || die "cannot create $work"
trap 'rm -rf "$work"' EXIT

# cpu_line: "total steal busy" jiffies from the first line of /proc/stat.
cpu_line() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
		print t, $9, $2 + $3 + $4 + $7 + $8; exit }' /proc/stat
}

# measure NAME RUN OUTPUT COMMAND...: runs the command under /usr/bin/time
# (its stdout to OUTPUT) and appends to $work/results:
# name run seconds cpu rss steal other
measure() {
	m_name=$1 m_run=$2 m_out=$3
	shift 3
	s0=$(cpu_line)
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S %M' -o "$work/time" "$@" >"$m_out" \
		2>>"$work/log"
	m_st=$?
	t1=$(date +%s%N)
	s1=$(cpu_line)
	tail -n 1 "$work/time" | awk -v name="$m_name" -v run="$m_run" \
		-v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" \
		-v hz="$(getconf CLK_TCK)" '{
		split(s0, a, " "); split(s1, b, " ")
		dt = b[1] - a[1]; steal = dt > 0 ? 100 * (b[2] - a[2]) / dt : 0
		other = b[3] - a[3] - ($1 + $2) * hz
		other = dt > 0 && other > 0 ? 100 * other / dt : 0
		printf "%s %s %.3f %.2f %d %.1f %.1f\n", name, run,
			(t1 - t0) / 1e9, $1 + $2, $3, steal, other
	}' >>"$work/results"
	say "$(tail -n 1 "$work/results")"
	return $m_st
}

# median NAME: the line of the median run (by seconds).
median() {
	awk -v name="$1" '$1 == name' "$work/results" | sort -k3,3n |
		awk '{ l[NR] = $0 } END { if (NR > 0) print l[int((NR + 1) / 2)] }'
}

# The export, made once per size.
if [ ! -s "$export_file" ]; then
	say "generating $export_file: $n certificates, $m versions, $w workspaces"
	"$gen" --certs "$n" --versions "$m" --workspaces "$w" \
		--out "$export_file.tmp" >"$export_file.gen" ||
		die "bench-gen-history failed"
	mv "$export_file.tmp" "$export_file"
fi
cat "$export_file.gen"
bytes=$(wc -c <"$export_file" | tr -d ' ')
cat "$export_file" >/dev/null # in the page cache, as for every run

: >"$work/results"
run=1
while [ "$run" -le "$BENCH_RUNS" ]; do
	measure verify "$run" "$work/verify-$run.json" \
		"$audit" --json verify "$export_file"
	st=$?
	if ! jq -e --argjson n "$n" --argjson m "$m" '.ok == true and
	    (.violations | length) == 0 and .complete == true and
	    .certificates == $n and .versions == $m' \
	    "$work/verify-$run.json" >/dev/null 2>&1; then
		say "sceau-audit verify did not find the export valid (status $st):"
		jq -c '{ok, complete, certificates, versions, unverified,
		    unverified_versions}' "$work/verify-$run.json" >&2
		jq -c '.violations[:10][]' "$work/verify-$run.json" >&2
		tail -n 5 "$work/log" >&2
		exit 1
	fi
	measure baseline "$run" "$work/baseline-$run.json" \
		"$gen" --baseline --certs "$n" --versions "$m" ||
		die "the baseline failed"
	run=$((run + 1))
done

# The baseline's own figure (its loop only) of the median run.
b=$(median baseline)
b_run=$(echo "$b" | awk '{ print $2 }')
cat "$work/baseline-$b_run.json"
b_s=$(jq '.seconds' "$work/baseline-$b_run.json")
median verify | awk -v n="$n" -v m="$m" -v w="$w" -v bytes="$bytes" \
	-v bs="$b_s" -v runs="$BENCH_RUNS" '{
	s = $3 > 0 ? $3 : 0.001
	printf "{\"bench\":\"audit-verify\",\"certificates\":%d,\"versions\":%d,", n, m
	printf "\"workspaces\":%d,\"bytes\":%d,\"seconds\":%.3f,", w, bytes, $3
	printf "\"items_per_second\":%.0f,\"cpu_seconds\":%.2f,", (n + m) / s, $4
	printf "\"peak_rss_kib\":%d,\"baseline_seconds\":%.3f,", $5, bs
	printf "\"ratio_to_baseline\":%.2f,", (bs > 0 ? $3 / bs : 0)
	printf "\"steal_pct\":%.1f,\"other_load_pct\":%.1f,\"runs\":%d}\n", $6, $7, runs
}'
