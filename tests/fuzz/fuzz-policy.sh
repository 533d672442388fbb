#!/bin/sh
# Replays the policy fuzz corpus through tests/fuzz/fuzz-policy (TAP).
exec "$top_builddir/tests/fuzz/fuzz-policy" "$top_srcdir/tests/fuzz/corpus/policy"
