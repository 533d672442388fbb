#!/bin/sh
# Replays the history-export fuzz corpus through tests/fuzz/fuzz-history
# (TAP).
exec "$top_builddir/tests/fuzz/fuzz-history" \
	"$top_srcdir/tests/fuzz/corpus/history"
