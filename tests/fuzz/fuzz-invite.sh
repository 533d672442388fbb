#!/bin/sh
# Replays the invite fuzz corpus through tests/fuzz/fuzz-invite (TAP).
exec "$top_builddir/tests/fuzz/fuzz-invite" "$top_srcdir/tests/fuzz/corpus/invite"
