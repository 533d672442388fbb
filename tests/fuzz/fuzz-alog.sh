#!/bin/sh
# Replays the access-log fuzz corpus through tests/fuzz/fuzz-alog (TAP).
exec "$top_builddir/tests/fuzz/fuzz-alog" "$top_srcdir/tests/fuzz/corpus/alog"
