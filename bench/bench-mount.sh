#!/bin/sh
# bench-mount.sh: a mounted workspace (sceau mount) against gocryptfs, in
# one invocation, on the same workloads:
#
#   top_srcdir=. top_builddir=build bench/bench-mount.sh
#   (or: make bench-mount; a build without sanitizers measures sceau,
#   one with them measures ASan)
#
# Workloads (generated once under $BENCH_DIR/in and kept):
#   seq     one file of BENCH_SEQ_MB MiB (200) of random data
#   small   BENCH_SMALL_FILES files (2000) of 4 KiB in 20 folders
# Phases: write (dd with conv=fsync for seq; cp -r then sync -f for
# small), then read (cat to /dev/null) after unmounting and mounting
# again, so that no page cache serves the reads.  sceau's server runs on
# 127.0.0.1 (the mount syncs to it meanwhile, as in real use); gocryptfs
# runs with its defaults.
#
# Each phase runs BENCH_RUNS times (3; new files each time, nothing
# deleted before a timed phase).  Output: a JSON line per system x
# workload x phase on stdout, the run with the median time (system,
# workload, phase, bytes, files, seconds, mb_per_s, files_per_s, runs),
# then a line per workload x phase with the ratio of sceau's throughput
# to gocryptfs's.  Every run's line and progress go to stderr.  gocryptfs is installed with apt-get
# if missing (as root); without it, only sceau is measured.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
BENCH_DIR=${BENCH_DIR:-/tmp/sceau-bench-mount}
SEQ_MB=${BENCH_SEQ_MB:-200}
SMALL_FILES=${BENCH_SMALL_FILES:-2000}
RUNS=${BENCH_RUNS:-3}
sceau="$top_builddir/sceau"

say() { printf 'bench-mount: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[ -c /dev/fuse ] || die "no /dev/fuse"
[ -x "$sceau" ] || die "not built: $sceau"
if ! command -v gocryptfs >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	say "installing gocryptfs"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends gocryptfs >/dev/null 2>&1
fi
have_gocryptfs=0
command -v gocryptfs >/dev/null 2>&1 && have_gocryptfs=1

# ---------------------------------------------------------- workloads
in="$BENCH_DIR/in"
if [ ! -f "$in/done-$SEQ_MB-$SMALL_FILES" ]; then
	say "generating workloads in $in"
	rm -rf "$in"
	mkdir -p "$in/small"
	head -c $((SEQ_MB * 1024 * 1024)) /dev/urandom >"$in/seq.bin"
	i=0
	while [ $i -lt "$SMALL_FILES" ]; do
		d="$in/small/d$((i % 20))"
		[ -d "$d" ] || mkdir "$d"
		head -c 4096 /dev/urandom >"$d/f$i"
		i=$((i + 1))
	done
	: >"$in/done-$SEQ_MB-$SMALL_FILES"
fi
cat "$in/seq.bin" >/dev/null
find "$in/small" -type f -exec cat {} + >/dev/null

# ------------------------------------------------------------- systems
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
srv_setup
work="$tmp"
mounted=
cleanup() {
	for d in $mounted; do
		mountpoint -q "$d" 2>/dev/null || continue
		"$sceau" unmount "$d" >/dev/null 2>&1 ||
			fusermount3 -uz "$d" 2>/dev/null
	done
	srv_kill_all
}
tap_cleanup_hook='cleanup'
trap 'cleanup; tap_cleanup' EXIT

srv_config "$work/srv.conf"
start_server "$work/srv.conf" >&2 || die "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
export SCEAU_HOME="$work/home"
"$sceau" --json server create-org bench >"$work/org.json" || die "create-org"
"$sceau" org bootstrap "$(jq -r .bootstrap_link "$work/org.json")" \
	--email bench@example.org --name Bench --keyring >/dev/null ||
	die "bootstrap"
"$sceau" workspace create bench >/dev/null || die "workspace"

sceau_mnt="$work/sceau"
gc_cipher="$work/gc-cipher" gc_mnt="$work/gocryptfs"
mkdir -p "$sceau_mnt" "$gc_cipher" "$gc_mnt"
printf 'bench passphrase\n' >"$work/gc-pass"
if [ $have_gocryptfs = 1 ]; then
	gocryptfs -q -init -passfile "$work/gc-pass" "$gc_cipher" >/dev/null ||
		die "gocryptfs -init"
fi

mount_sys() {
	case $1 in
	sceau) "$sceau" -q mount bench "$sceau_mnt" || die "sceau mount" ;;
	gocryptfs) gocryptfs -q -nosyslog -passfile "$work/gc-pass" "$gc_cipher" \
		"$gc_mnt" || die "gocryptfs mount" ;;
	esac
	mounted="$mounted $(dir_of "$1")"
}
umount_sys() {
	case $1 in
	sceau) "$sceau" -q unmount "$sceau_mnt" || die "sceau unmount" ;;
	gocryptfs) fusermount3 -u "$gc_mnt" || die "gocryptfs unmount" ;;
	esac
}
dir_of() {
	case $1 in
	sceau) echo "$sceau_mnt" ;;
	gocryptfs) echo "$gc_mnt" ;;
	esac
}

now() { date +%s.%N; }
# emit SYSTEM WORKLOAD PHASE BYTES FILES START END
emit() {
	awk -v s="$1" -v w="$2" -v p="$3" -v b="$4" -v f="$5" -v t0="$6" \
		-v t1="$7" 'BEGIN {
		t = t1 - t0; if (t <= 0) t = 1e-9
		printf "{\"system\":\"%s\",\"workload\":\"%s\",\"phase\":\"%s\",", s, w, p
		printf "\"bytes\":%d,\"files\":%d,\"seconds\":%.3f,", b, f, t
		printf "\"mb_per_s\":%.2f,\"files_per_s\":%.1f}\n", b / t / 1e6, f / t
	}' | tee -a "$work/results.jsonl" >&2
}

seq_bytes=$((SEQ_MB * 1024 * 1024))
small_bytes=$((SMALL_FILES * 4096))
systems=sceau
[ $have_gocryptfs = 1 ] && systems="sceau gocryptfs"
for sys in $systems; do
	d=$(dir_of "$sys")
	mount_sys "$sys"
	run=1
	while [ $run -le "$RUNS" ]; do
		say "$sys: sequential write ($run)"
		t0=$(now)
		dd if="$in/seq.bin" of="$d/seq$run.bin" bs=1M conv=fsync \
			status=none || die "$sys: seq write"
		t1=$(now)
		emit "$sys" seq write $seq_bytes 1 "$t0" "$t1"
		say "$sys: small-file write ($run)"
		t0=$(now)
		cp -r "$in/small" "$d/small$run" && sync -f "$d" ||
			die "$sys: small write"
		t1=$(now)
		emit "$sys" small write $small_bytes "$SMALL_FILES" "$t0" "$t1"
		run=$((run + 1))
	done
	umount_sys "$sys"
	mount_sys "$sys"
	run=1
	while [ $run -le "$RUNS" ]; do
		say "$sys: sequential read ($run)"
		t0=$(now)
		cat "$d/seq$run.bin" >/dev/null || die "$sys: seq read"
		t1=$(now)
		emit "$sys" seq read $seq_bytes 1 "$t0" "$t1"
		say "$sys: small-file read ($run)"
		t0=$(now)
		find "$d/small$run" -type f -exec cat {} + >/dev/null ||
			die "$sys: small read"
		t1=$(now)
		emit "$sys" small read $small_bytes "$SMALL_FILES" "$t0" "$t1"
		run=$((run + 1))
	done
	cmp -s "$in/seq.bin" "$d/seq1.bin" || die "$sys: seq1.bin differs"
	diff -r "$in/small" "$d/small1" >/dev/null || die "$sys: small differs"
	umount_sys "$sys"
done

# The median run of each system x workload x phase.
jq -c -s 'group_by([.system, .workload, .phase])[] |
	sort_by(.seconds) | .[(length / 2 | floor)] + {runs: length}' \
	"$work/results.jsonl" >"$work/medians.jsonl"
cat "$work/medians.jsonl"

# Ratios: sceau's throughput over gocryptfs's (above 1: sceau is faster).
if [ $have_gocryptfs = 1 ]; then
	jq -c -s 'group_by(.workload + " " + .phase)[] |
		(map(select(.system == "sceau"))[0]) as $s |
		(map(select(.system == "gocryptfs"))[0]) as $g |
		{workload: $s.workload, phase: $s.phase,
		 sceau_mb_per_s: $s.mb_per_s, gocryptfs_mb_per_s: $g.mb_per_s,
		 ratio: (if $g.mb_per_s > 0 then
			(($s.mb_per_s / $g.mb_per_s) * 1000 | round) / 1000
			else null end)}' "$work/medians.jsonl"
fi
