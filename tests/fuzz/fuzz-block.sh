#!/bin/sh
# Replays the block fuzz corpus through tests/fuzz/fuzz-block (TAP).
exec "$top_builddir/tests/fuzz/fuzz-block" "$top_srcdir/tests/fuzz/corpus/block"
