#!/bin/sh
# Replays the encoding fuzz corpus through tests/fuzz/fuzz-encoding (TAP).
exec "$top_builddir/tests/fuzz/fuzz-encoding" "$top_srcdir/tests/fuzz/corpus/encoding"
