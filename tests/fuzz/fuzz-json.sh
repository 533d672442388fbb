#!/bin/sh
# Replays the json fuzz corpus through tests/fuzz/fuzz-json (TAP).
exec "$top_builddir/tests/fuzz/fuzz-json" "$top_srcdir/tests/fuzz/corpus/json"
