#!/bin/sh
# Replays the buf fuzz corpus through tests/fuzz/fuzz-buf (TAP).
exec "$top_builddir/tests/fuzz/fuzz-buf" "$top_srcdir/tests/fuzz/corpus/buf"
