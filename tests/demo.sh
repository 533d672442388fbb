#!/bin/sh
# The main job on the embedded default: what "./quickstart run" shows.
# Argument: the build directory.  Grows with each capability.
set -eu
build=${1:?usage: demo.sh BUILDDIR}
sceau="$build/sceau"
export SCEAU_LOCALEDIR="${SCEAU_LOCALEDIR:-$build/tests/locale}"

echo "== sceau --version"
"$sceau" --version
echo
echo "== sceau selftest (cryptography known answers and tamper checks)"
"$sceau" selftest
