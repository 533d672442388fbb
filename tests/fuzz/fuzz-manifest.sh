#!/bin/sh
# Replays the manifest fuzz corpus through tests/fuzz/fuzz-manifest (TAP).
exec "$top_builddir/tests/fuzz/fuzz-manifest" "$top_srcdir/tests/fuzz/corpus/manifest"
