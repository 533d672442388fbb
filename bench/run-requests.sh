#!/bin/sh
# run-requests.sh: a fresh sceau-server on 127.0.0.1 (SQLite and packs in
# a temp dir) and bench-requests against it.  One JSON line per run on
# stdout (see bench-requests.c), and the CPU steal of each run.
#
#   top_srcdir=. top_builddir=build bench/run-requests.sh [REQUESTS]
#       authenticated requests per second, 1, 2 and 4 client threads
#   ... bench/run-requests.sh blocks [MEGABYTES]
#       1 GB of 512 KiB blocks up and down: 2 connections with 16 MiB
#       batches, 4 connections with 8 MiB batches (server defaults:
#       max_block_body 16M, upload_memory 32M)
#   ... bench/run-requests.sh files [FILES]
#       10,000 files of 4 KiB (blocks and vlobs, 1,000 per request),
#       1, 2 and 4 connections
#
# The bench creates and bootstraps its organizations itself (fresh keys,
# certificates signed as clients sign them), then signs every request.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
mode=auth
case "${1:-}" in
blocks | files) mode=$1; shift ;;
esac
bench="$top_builddir/bench/bench-requests"
[ -x "$bench" ] || bail "bench not built: $bench (make bench/bench-requests)"
srv_setup
srv_config "$tmp/bench.conf" 'max_connections = 64'
start_server "$tmp/bench.conf" >&2 || bail "the server did not start"

# steal% between two readings of /proc/stat's cpu line.
cpu_line() { sed -n 's/^cpu  //p' /proc/stat; }
steal() {
	echo "$1 $2" | awk '{t0=0; for (i=1;i<=10;i++) t0+=$i;
		t1=0; for (i=11;i<=20;i++) t1+=$i;
		if (t1 > t0) printf "%.1f", 100 * ($18 - $8) / (t1 - t0); else print 0}'
}
run() {
	c0=$(cpu_line)
	"$bench" --url "$srv_url" --admin-token-file "$srv_token_file" \
		--server-pid "$srv_pid" "$@" || st=1
	echo "{\"steal_percent\":$(steal "$c0" "$(cpu_line)")}"
}
st=0
n=0
case $mode in
auth)
	for threads in 1 2 4; do
		run --org "bench-$threads" --threads "$threads" \
			--requests "${1:-20000}"
	done
	;;
blocks)
	mb=${1:-1024}
	for cfg in "2 16" "4 8"; do
		n=$((n + 1))
		run --mode blocks --org "blocks-$n" --megabytes "$mb" \
			--threads "${cfg% *}" --batch-mib "${cfg#* }"
	done
	;;
files)
	for threads in 1 2 4; do
		run --mode files --org "files-$threads" --threads "$threads" \
			--files "${1:-10000}"
	done
	;;
esac
stop_server TERM
exit $st
