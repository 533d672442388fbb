#!/bin/sh
# Replays the agent fuzz corpus through tests/fuzz/fuzz-agent (TAP).
exec "$top_builddir/tests/fuzz/fuzz-agent" "$top_srcdir/tests/fuzz/corpus/agent"
