#!/bin/sh
# Replays the request fuzz corpus through tests/fuzz/fuzz-request (TAP).
exec "$top_builddir/tests/fuzz/fuzz-request" "$top_srcdir/tests/fuzz/corpus/request"
