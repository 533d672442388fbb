#!/bin/sh
# run-requests.sh: authenticated requests per second against a fresh
# sceau-server on 127.0.0.1 (SQLite in a temp dir), for 1, 2 and 4 client
# threads.  One JSON line per run on stdout (see bench-requests.c).
#
#   top_srcdir=. top_builddir=build bench/run-requests.sh [REQUESTS]
#
# The bench creates and bootstraps its organizations itself (fresh keys,
# certificates signed as clients sign them), then signs every request.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
requests=${1:-20000}
bench="$top_builddir/bench/bench-requests"
[ -x "$bench" ] || bail "bench not built: $bench (make bench/bench-requests)"
srv_setup
srv_config "$tmp/bench.conf" 'max_connections = 64'
start_server "$tmp/bench.conf" >&2 || bail "the server did not start"
st=0
for threads in 1 2 4; do
	"$bench" --url "$srv_url" --admin-token-file "$srv_token_file" \
		--org "bench-$threads" --threads "$threads" \
		--requests "$requests" --server-pid "$srv_pid" || st=1
done
stop_server TERM
exit $st
