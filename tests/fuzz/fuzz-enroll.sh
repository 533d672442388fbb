#!/bin/sh
# Replays the enroll fuzz corpus through tests/fuzz/fuzz-enroll (TAP).
exec "$top_builddir/tests/fuzz/fuzz-enroll" "$top_srcdir/tests/fuzz/corpus/enroll"
