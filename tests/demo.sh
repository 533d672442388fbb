#!/bin/sh
# The main job on the embedded default (what "./quickstart run" shows): a
# real sceau-server on 127.0.0.1 with its SQLite database, an organization
# created by the server administrator and bootstrapped by its first admin,
# then the organization's users, devices and state.  Everything lives in a
# temporary directory, removed at the end (SCEAU_DEMO_KEEP=1 keeps it).
# Argument: the build directory.
set -eu
build=${1:?usage: demo.sh BUILDDIR}
build=$(cd "$build" && pwd)
sceau="$build/sceau"
server="$build/sceau-server"
export SCEAU_LOCALEDIR="${SCEAU_LOCALEDIR:-$build/tests/locale}"

demo=$(mktemp -d "${TMPDIR:-/tmp}/sceau-demo.XXXXXX")
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	if [ "${SCEAU_DEMO_KEEP:-0}" = 1 ]; then
		echo "(kept in $demo)"
	else
		rm -rf "$demo"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step() { printf '\n== %s\n' "$*"; }

step "sceau --version"
"$sceau" --version

step "sceau selftest (cryptography known answers and tamper checks)"
"$sceau" selftest

step "sceau-server on 127.0.0.1, SQLite in $demo"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$demo/admin-token")
cat >"$demo/server.conf" <<EOF
[server]
listen = 127.0.0.1:0
[admin]
token_file = $demo/admin-token
[database]
path = $demo/server.db
EOF
"$server" --check-config --config "$demo/server.conf"
"$server" --config "$demo/server.conf" 2>"$demo/server.log" &
srv_pid=$!
i=0
port=
while [ -z "$port" ] && [ $i -lt 100 ]; do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$demo/server.log")
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$port" ] || { cat "$demo/server.log"; exit 1; }
sed -n 's/.*\(listening on .*\)/\1/p' "$demo/server.log"
export SCEAU_SERVER="http://127.0.0.1:$port" SCEAU_ADMIN_TOKEN_FILE="$demo/admin-token"

step "the server administrator creates the organization \"demo\""
"$sceau" server create-org demo | tee "$demo/create.txt"
link=$(tail -n 1 "$demo/create.txt")

step "Alice bootstraps it: root key, first admin, first device (keyring)"
export SCEAU_HOME="$demo/alice"
"$sceau" org bootstrap "$link" --email alice@example.org --name "Alice Martin" \
	--device-label alice-laptop --keyring

step "sceau whoami"
"$sceau" whoami
step "sceau user list"
"$sceau" user list
step "sceau device list"
"$sceau" device list
step "sceau status (fetches and validates the signed certificate chain)"
"$sceau" status
step "sceau server stats demo"
"$sceau" server stats demo

step "Alice creates a workspace and imports a folder (encrypted here, works offline)"
mkdir -p "$demo/sample/minutes"
printf 'Budget 2027: draft\n' >"$demo/sample/budget.txt"
printf 'Meeting of 23 November\n' >"$demo/sample/minutes/2026-11-23.txt"
head -c 2000000 /dev/urandom >"$demo/sample/scan.bin"
"$sceau" workspace create reports
"$sceau" import "$demo/sample" /reports/sample
"$sceau" ls /reports/sample
step "sceau sync (encrypted blocks and signed records to the server)"
"$sceau" sync
step "sceau history /reports/sample/budget.txt"
"$sceau" history /reports/sample/budget.txt
step "sceau export: decrypted back, byte for byte"
"$sceau" export /reports/sample "$demo/back"
diff -r "$demo/sample" "$demo/back" && echo "identical to the originals"
