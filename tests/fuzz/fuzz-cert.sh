#!/bin/sh
# Replays the certificate fuzz corpus through tests/fuzz/fuzz-cert (TAP).
exec "$top_builddir/tests/fuzz/fuzz-cert" "$top_srcdir/tests/fuzz/corpus/cert"
