#!/bin/sh
# Replays the keyfile fuzz corpus through tests/fuzz/fuzz-keyfile (TAP).
exec "$top_builddir/tests/fuzz/fuzz-keyfile" "$top_srcdir/tests/fuzz/corpus/keyfile"
