#!/bin/sh
# bench-files.sh: encrypted file import and read-back, sceau against its
# peers, in one invocation (shared/notes/performance.md, "measurement
# rules": same workloads, median of 3, plain as the reference, steal%
# beside each figure, inputs pre-read, no big deletions before a timed
# phase).
#
#   top_srcdir=. top_builddir=build/data-bench bench/bench-files.sh
#   (or: make bench-files, in a build configured without sanitizers)
#
# Workloads (generated once under $BENCH_DIR/in and kept for next time):
#   big     1 GiB: 4 files of 256 MiB of random data
#   small   10,000 files of 4 KiB in 100 folders
# Systems and phases:
#   plain               import (cp -r), export (cp -r of the copy)
#   rclone-crypt-local  import, export (rclone copy to / from a crypt
#                       remote over a local folder)
#   rclone-crypt-webdav upload, download+export (crypt over
#                       rclone serve webdav on 127.0.0.1)
#   sceau               import (device A's local cache, durable),
#                       upload (sync: durable on sceau-server, on
#                       127.0.0.1), download+export (device B: sync,
#                       then export, blocks fetched from the server)
#   sceau-pipeline      import, export (bench-pipeline: the block cache
#                       and the pipeline alone; not run by default)
# Output: one JSON line per system x workload x phase on stdout (the run
# with the median time): system, workload, phase, bytes, files, seconds,
# mb_per_s, files_per_s, cpu_seconds and peak_rss_kib (of the measured
# process tree, from /usr/bin/time), steal_pct (from /proc/stat), then
# server_cpu_seconds and server_peak_rss_kib where a server runs, and
# other_load_pct: the machine's CPU time used meanwhile by processes other
# than the measured ones (another build or test running: the figure is
# then pessimistic).  Progress on stderr.
#
# Environment: BENCH_DIR (default /tmp/sceau-bench-files), BENCH_RUNS (3),
# BENCH_SYSTEMS (all), BENCH_WORKLOADS ("big small"),
# BENCH_WEBDAV_SMALL_FILES (1000: rclone's WebDAV backend paces requests
# at 10 ms, 30 files/s; 10000 takes about 30 minutes).
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${BENCH_DIR:=/tmp/sceau-bench-files}"
: "${BENCH_RUNS:=3}"
: "${BENCH_SYSTEMS:=plain rclone-crypt-local rclone-crypt-webdav sceau}"
: "${BENCH_WORKLOADS:=big small}"
: "${BENCH_WEBDAV_SMALL_FILES:=1000}"

pipeline="$top_builddir/bench/bench-pipeline"
sceau_bin="$top_builddir/sceau"
sceau_srv_bin="$top_builddir/sceau-server"
sceau_prov="$top_builddir/tests/tools/sceau-test-provision"
in="$BENCH_DIR/in"
work="${BENCH_WORK:-$BENCH_DIR/work.$$}"
log="$work/log"
self=$0

say() { printf 'bench-files: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

preflight() {
	for tool in rclone /usr/bin/time awk; do
		command -v "$tool" >/dev/null 2>&1 ||
			die "$tool missing (Debian: apt-get install rclone time)"
	done
	for b in "$pipeline" "$sceau_bin" "$sceau_srv_bin" "$sceau_prov"; do
		[ -x "$b" ] || die "not built: $b (make bench-files builds it)"
	done
	if grep -q 'define SCEAU_SANITIZERS 1' "$top_builddir/config.h" 2>/dev/null; then
		say "WARNING: $top_builddir is built with sanitizers: not representative"
	fi
}

# ---- workloads -------------------------------------------------------

gen_inputs() {
	if [ ! -f "$in/big/.done" ]; then
		say "generating big: 4 x 256 MiB"
		rm -rf "$in/big" && mkdir -p "$in/big" || die "cannot create $in/big"
		for i in 1 2 3 4; do
			head -c 268435456 /dev/urandom >"$in/big/file$i.bin" || die "urandom"
		done
		: >"$in/big/.done"
	fi
	if [ ! -f "$in/small/.done" ]; then
		say "generating small: 10,000 x 4 KiB in 100 folders"
		rm -rf "$in/small" && mkdir -p "$in/small" || die "cannot create $in/small"
		for d in $(seq -w 0 99); do
			mkdir -p "$in/small/d$d" &&
				head -c 409600 /dev/urandom | split -b 4096 -a 2 -d - "$in/small/d$d/f" ||
				die "cannot fill $in/small/d$d"
		done
		: >"$in/small/.done"
	fi
	# The WebDAV subset: the first folders of small (hard links, no copy).
	n=$((BENCH_WEBDAV_SMALL_FILES / 100))
	if [ ! -f "$in/small-dav-$n/.done" ]; then
		rm -rf "$in/small-dav-$n" && mkdir -p "$in/small-dav-$n" || die "mkdir"
		for d in $(seq -w 0 99 | head -n "$n"); do
			cp -al "$in/small/d$d" "$in/small-dav-$n/d$d" || die "cp -al"
		done
		: >"$in/small-dav-$n/.done"
	fi
}

# workload_dir W SYSTEM: the input folder of workload W for SYSTEM.
workload_dir() {
	if [ "$1" = small ] && [ "$2" = rclone-crypt-webdav ]; then
		echo "$in/small-dav-$((BENCH_WEBDAV_SMALL_FILES / 100))"
	else
		echo "$in/$1"
	fi
}

# Files and bytes under a folder (the .done stamps do not count).
count_files() { find "$1" -type f ! -name .done | wc -l; }
count_bytes() { find "$1" -type f ! -name .done -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }'; }

# Reads every file under the given folders, so that a timed phase starts
# with its input in the page cache, as for every system.
preread() {
	for d in "$@"; do
		find "$d" -type f -exec cat {} + >/dev/null 2>&1
	done
}

# ---- measurement -----------------------------------------------------

# cpu_line: "total steal busy" jiffies from the first line of /proc/stat
# (busy: user, nice, system, irq, softirq; guest time is within user).
cpu_line() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
		print t, $9, $2 + $3 + $4 + $7 + $8; exit }' /proc/stat
}

# proc_cpu PID: utime + stime of a process, in clock ticks.
proc_cpu() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# measure SYSTEM W PHASE RUN FUNCTION ARGS...: runs the function (in a
# child shell: this script with __phase) under /usr/bin/time, and appends
# one line to $work/results:
# system w phase run seconds cpu rss steal server_cpu server_rss other
# where other is the share of the machine's CPU time that processes
# outside the measured ones used meanwhile (other work on the machine).
measure() {
	m_sys=$1 m_w=$2 m_phase=$3 m_run=$4
	shift 4
	s0=$(cpu_line)
	srv0=0
	[ -n "${srv_pid:-}" ] && srv0=$(proc_cpu "$srv_pid")
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S %M' -o "$work/time" sh "$self" __phase "$@" \
		>>"$log" 2>&1
	st=$?
	t1=$(date +%s%N)
	s1=$(cpu_line)
	srv1=0 srv_rss=-1
	if [ -n "${srv_pid:-}" ]; then
		srv1=$(proc_cpu "$srv_pid")
		srv_rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$srv_pid/status" 2>/dev/null || echo -1)
	fi
	if [ $st -ne 0 ]; then
		say "$m_sys $m_w $m_phase run $m_run FAILED (status $st): see $log"
		tail -n 5 "$log" >&2
		return 1
	fi
	tail -n 1 "$work/time" | awk -v sys="$m_sys" -v w="$m_w" -v ph="$m_phase" \
		-v run="$m_run" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" \
		-v c0="$srv0" -v c1="$srv1" -v srss="$srv_rss" -v hz="$(getconf CLK_TCK)" '{
		split(s0, a, " "); split(s1, b, " ")
		dt = b[1] - a[1]; steal = dt > 0 ? 100 * (b[2] - a[2]) / dt : 0
		other = b[3] - a[3] - ($1 + $2) * hz - (c1 - c0)
		other = dt > 0 && other > 0 ? 100 * other / dt : 0
		printf "%s %s %s %s %.3f %.2f %d %.1f %.2f %s %.1f\n", sys, w, ph, run,
			(t1 - t0) / 1e9, $1 + $2, $3, steal, (c1 - c0) / hz, srss, other
	}' >>"$work/results"
	say "$(tail -n 1 "$work/results")"
}

# report SYSTEM W PHASE: the median run as one JSON line.
report() {
	r_dir=$(workload_dir "$2" "$1")
	r_files=$(count_files "$r_dir")
	r_bytes=$(count_bytes "$r_dir")
	awk -v sys="$1" -v w="$2" -v ph="$3" '$1 == sys && $2 == w && $3 == ph' \
		"$work/results" | sort -k5,5n | awk -v files="$r_files" \
		-v bytes="$r_bytes" -v n="$BENCH_RUNS" '
		{ line[NR] = $0 }
		END {
			if (NR == 0) exit
			split(line[int((NR + 1) / 2)], f, " ")
			s = f[5] > 0 ? f[5] : 0.001
			printf "{\"system\":\"%s\",\"workload\":\"%s\",\"phase\":\"%s\",", f[1], f[2], f[3]
			printf "\"bytes\":%d,\"files\":%d,\"seconds\":%.3f,", bytes, files, f[5]
			printf "\"mb_per_s\":%.1f,\"files_per_s\":%.0f,", bytes / 1e6 / s, files / s
			printf "\"cpu_seconds\":%.2f,\"peak_rss_kib\":%d,\"steal_pct\":%.1f", f[6], f[7], f[8]
			if (f[10] != -1)
				printf ",\"server_cpu_seconds\":%.2f,\"server_peak_rss_kib\":%d", f[9], f[10]
			printf ",\"other_load_pct\":%.1f,\"runs\":%d}\n", f[11], NR
		}'
}

# ---- systems -----------------------------------------------------------
# A system S (dashes become underscores in function names) defines
#   phases_S                   its phases, in order (a variable)
#   setup_S / teardown_S       optional
#   input_S_PHASE W RUN        prints the folders to pre-read
#   run_S_PHASE W RUN          the timed command (through measure)
# where PHASE is import, export, upload or download_export.

phases_plain="import export"
input_plain_import() { workload_dir "$1" plain; }
run_plain_import() { cp -r "$(workload_dir "$1" plain)" "$work/plain-$1-$2"; }
input_plain_export() { echo "$work/plain-$1-$2"; }
run_plain_export() { cp -r "$work/plain-$1-$2" "$work/plain-$1-$2.out"; }

rclone_conf() {
	export RCLONE_CONFIG="$work/rclone.conf"
	pw1=$(rclone obscure "sceau-bench-$$-1") && pw2=$(rclone obscure "sceau-bench-$$-2") ||
		die "rclone obscure failed"
	cat >"$RCLONE_CONFIG" <<EOF
[clocal]
type = crypt
remote = $work/rclone-local
password = $pw1
password2 = $pw2

[dav]
type = webdav
url = http://127.0.0.1:$dav_port/
vendor = other

[cdav]
type = crypt
remote = dav:
password = $pw1
password2 = $pw2
EOF
	chmod 600 "$RCLONE_CONFIG"
}

phases_rclone_crypt_local="import export"
input_rclone_crypt_local_import() { workload_dir "$1" rclone-crypt-local; }
run_rclone_crypt_local_import() {
	rclone copy -q "$(workload_dir "$1" rclone-crypt-local)" "clocal:$1-$2"
}
input_rclone_crypt_local_export() { echo "$work/rclone-local"; }
run_rclone_crypt_local_export() {
	rclone copy -q "clocal:$1-$2" "$work/rclone-local-$1-$2.out"
}

phases_rclone_crypt_webdav="upload download_export"
setup_rclone_crypt_webdav() {
	mkdir -p "$work/davroot"
	for try in 1 2 3 4 5; do
		dav_port=$((20000 + ($$ + try * 7919) % 30000))
		rclone_conf
		rclone serve webdav "$work/davroot" --addr "127.0.0.1:$dav_port" \
			-q >>"$log" 2>&1 &
		srv_pid=$!
		for _ in $(seq 1 50); do
			rclone lsd dav: >/dev/null 2>&1 && return 0
			kill -0 "$srv_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
		srv_pid=
	done
	die "rclone serve webdav did not start"
}
teardown_rclone_crypt_webdav() {
	[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	srv_pid=
}
input_rclone_crypt_webdav_upload() { workload_dir "$1" rclone-crypt-webdav; }
run_rclone_crypt_webdav_upload() {
	rclone copy -q "$(workload_dir "$1" rclone-crypt-webdav)" "cdav:$1-$2"
}
input_rclone_crypt_webdav_download_export() { echo "$work/davroot"; }
run_rclone_crypt_webdav_download_export() {
	rclone copy -q "cdav:$1-$2" "$work/dav-$1-$2.out"
}

# sceau: the sceau program and sceau-server on 127.0.0.1, as a user runs
# them.  Device A imports (encrypt into its local cache, durable) and
# syncs (upload: durable on the server); device B, a second device of the
# same user, syncs and exports (download + decrypt + write).
phases_sceau="import upload download_export"
sceau_a() { SCEAU_HOME="$work/sceau-a" "$sceau_bin" "$@"; }
sceau_b() { SCEAU_HOME="$work/sceau-b" "$sceau_bin" "$@"; }
setup_sceau() {
	if [ -n "${sceau_srv_pid:-}" ]; then
		srv_pid=$sceau_srv_pid
		return 0
	fi
	mkdir -p "$work/sceau-srv" || die "mkdir"
	(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' \
		>"$work/sceau-srv/token")
	printf '[server]\nlisten = 127.0.0.1:0\n\n[admin]\ntoken_file = %s\n\n[database]\npath = %s\nblocks_dir = %s\n' \
		"$work/sceau-srv/token" "$work/sceau-srv/server.db" \
		"$work/sceau-srv/blocks" >"$work/sceau-srv/server.conf"
	"$sceau_srv_bin" --config "$work/sceau-srv/server.conf" \
		2>"$work/sceau-srv/log" &
	sceau_srv_pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
			"$work/sceau-srv/log" | head -n 1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || die "sceau-server did not start: $(cat "$work/sceau-srv/log")"
	export SCEAU_SERVER="http://127.0.0.1:$port"
	export SCEAU_ADMIN_TOKEN_FILE="$work/sceau-srv/token"
	link=$("$sceau_bin" --json server create-org bench |
		sed -n 's/.*"bootstrap_link": *"\([^"]*\)".*/\1/p')
	[ -n "$link" ] || die "sceau server create-org failed"
	sceau_a org bootstrap "$link" --email bench@example.org --name Bench \
		--keyring >>"$log" 2>&1 || die "sceau org bootstrap failed"
	"$sceau_prov" device --admin-home "$work/sceau-a" \
		--target-home "$work/sceau-b" --label second >>"$log" 2>&1 ||
		die "sceau-test-provision device failed"
	sceau_a workspace create bench >>"$log" 2>&1 || die "workspace create"
	sceau_a sync >>"$log" 2>&1 || die "sync"
	srv_pid=$sceau_srv_pid
}
teardown_sceau() { srv_pid=; }
stop_sceau() {
	[ -n "${sceau_srv_pid:-}" ] && kill "$sceau_srv_pid" 2>/dev/null &&
		wait "$sceau_srv_pid" 2>/dev/null
	sceau_srv_pid=
}
input_sceau_import() { workload_dir "$1" sceau; }
run_sceau_import() {
	sceau_a import "$(workload_dir "$1" sceau)" "/bench/$1-$2"
}
input_sceau_upload() { echo "$work/sceau-a"; }
run_sceau_upload() { sceau_a sync bench; }
input_sceau_download_export() { echo "$work/sceau-srv"; }
run_sceau_download_export() {
	sceau_b sync bench && sceau_b export "/bench/$1-$2" "$work/sceau-$1-$2.out"
}

# sceau-pipeline: the block cache and the pipeline alone (bench-pipeline:
# the data path of import and of a local export, without the program),
# to tell the data path from the rest; not in the default systems.
phases_sceau_pipeline="import export"
input_sceau_pipeline_import() { workload_dir "$1" sceau; }
run_sceau_pipeline_import() {
	"$pipeline" import "$work/sceau-pl-$1-$2" "$(workload_dir "$1" sceau)" \
		"$work/sceau-pl-$1-$2.list"
}
input_sceau_pipeline_export() { echo "$work/sceau-pl-$1-$2/packs"; }
run_sceau_pipeline_export() {
	"$pipeline" export "$work/sceau-pl-$1-$2" "$work/sceau-pl-$1-$2.list" \
		"$work/sceau-pl-$1-$2.out"
}

# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------

fname() { echo "$1" | tr -- '-+' '__'; }

# run_system SYSTEM W: every phase of SYSTEM on workload W, BENCH_RUNS
# times each, then one JSON line per phase.
run_system() {
	sys=$1 w=$2
	f=$(fname "$sys")
	eval "phases=\${phases_$f:-}"
	[ -n "$phases" ] || die "unknown system $sys"
	if command -v "setup_$f" >/dev/null 2>&1; then "setup_$f"; fi
	rs=0
	# Run by run, each phase in turn: a phase works on what the same
	# run's previous phase made (the upload sends that run's import).
	for run in $(seq 1 "$BENCH_RUNS"); do
		for phase in $phases; do
			# shellcheck disable=SC2046
			preread $("input_${f}_$phase" "$w" "$run")
			measure "$sys" "$w" "$(echo "$phase" | tr _ +)" "$run" \
				"run_${f}_$phase" "$w" "$run" || { rs=1; break 2; }
		done
	done
	if command -v "teardown_$f" >/dev/null 2>&1; then "teardown_$f"; fi
	for phase in $phases; do
		report "$sys" "$w" "$(echo "$phase" | tr _ +)"
	done
	return $rs
}

cleanup() {
	teardown_rclone_crypt_webdav 2>/dev/null
	stop_sceau 2>/dev/null
	# Last thing: nothing is timed after this (see performance.md 1.3).
	[ -n "${BENCH_KEEP_WORK:-}" ] || rm -rf "$work"
}

main() {
	preflight
	mkdir -p "$BENCH_DIR" "$work" || die "cannot create $work"
	: >"$work/results"
	: >"$log"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	export BENCH_WORK="$work"
	gen_inputs
	srv_pid=
	dav_port=0
	rclone_conf
	st=0
	# Workload by workload: each workload's systems run as one group,
	# back to back, so that they are compared in the same machine state.
	for w in $BENCH_WORKLOADS; do
		for sys in $BENCH_SYSTEMS; do
			run_system "$sys" "$w" || st=1
		done
	done
	return $st
}

# A timed phase runs as "sh bench-files.sh __phase FUNCTION ARGS...".
if [ "${1:-}" = __phase ]; then
	shift
	"$@"
	exit $?
fi
main
