#!/bin/sh
# The workstation policy enforced (sceau-policy(5)), one check per rule,
# each allowing then refusing: <authentication> at unlock (standalone and
# through the agent) and when a new device is protected; <mount>;
# <servers> and <organizations> when a device opens and when one is
# created; <offline>: <cache-max> when blocks enter the cache, <max-days>
# when a device works without its server (policy-ws-pki.sh: <pkcs11>
# and <pki>, which need cards).  A
# refusal names the rule and changes nothing; an invalid policy stops
# every command (fail closed).  The policy comes from SCEAU_POLICY_FILE,
# which only a computer without /etc/sceau/policy.xml takes.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq
sceau="$top_builddir/sceau"
unset SCEAU_AGENT_SOCK SCEAU_POLICY_FILE

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"
A="$tmp/alice"
as() { SCEAU_HOME="$A" "$sceau" "$@" </dev/null; }
tap_cleanup_hook='srv_kill_all; as agent stop >/dev/null 2>&1'
policy() {
	{
		echo '<workstation-policy xmlns="urn:sceau:policy:1" version="1">'
		cat
		echo '</workstation-policy>'
	} >"$tmp/policy.xml"
}
printf 'pw of alice\n' >"$tmp/pw"

"$sceau" --json server create-org acme >"$tmp/acme.json" || bail "create-org"
"$sceau" --json server create-org globex >"$tmp/globex.json" ||
	bail "create-org globex"
as org bootstrap "$(jq -r .bootstrap_link "$tmp/acme.json")" \
	--email alice@example.org --name Alice --keyring >&2 || bail "bootstrap"
as workspace create docs >&2 || bail "workspace"

# ------------------------------------------------------ authentication
echo '<authentication><allow>keyring</allow></authentication>' | policy
check_status "keyring allowed: her keyring device opens" 0 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" whoami
echo '<authentication><allow>token</allow></authentication>' | policy
check_status "token only: her keyring device is refused (exit 6)" 6 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" whoami
check_grep "naming the rule" "policy: authentication=token" "$tmp/err"
check_status "in JSON, its code" 6 env SCEAU_POLICY_FILE="$tmp/policy.xml" \
	SCEAU_HOME="$A" "$sceau" --json ls /docs
check "SCEAU_ERR_POLICY_REFUSED" jq -e \
	'.error.code == "SCEAU_ERR_POLICY_REFUSED"' "$tmp/out"
check_status "unlocking it in the agent is refused too" 6 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" unlock
check_grep "(the rule)" "policy: authentication=token" "$tmp/err"
check_status "and no agent was started for it" 5 as agent status
check_status "a new device protected by a password is refused" 6 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" \
	org bootstrap "$(jq -r .bootstrap_link "$tmp/globex.json")" \
	--email alice@example.org --name Alice --password-file "$tmp/pw"
check_grep "(the rule)" "policy: authentication=token" "$tmp/err"
check "and nothing was created: still one device" test \
	"$(ls -d "$A"/devices/*/* | wc -l)" -eq 1
echo '<authentication><allow>password</allow><allow>token</allow></authentication>' |
	policy
check_status "password allowed: that new device is created" 0 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" \
	org bootstrap "$(jq -r .bootstrap_link "$tmp/globex.json")" \
	--email alice@example.org --name Alice --password-file "$tmp/pw"
check_status "without a policy, everything opens" 0 as whoami --org acme

# ---------------------------------------------------------------- mount
echo '<mount>no</mount>' | policy
mkdir "$tmp/mnt"
check_status "mount=no: mounting is refused (exit 6)" 6 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" \
	mount --org acme docs "$tmp/mnt"
check_grep "naming the rule" "policy: mount=no" "$tmp/err"
check_fails "nothing is mounted" mountpoint -q "$tmp/mnt"
echo '<mount>yes</mount>' | policy
if [ -c /dev/fuse ]; then
	check_status "mount=yes: it mounts" 0 \
		env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" \
		"$sceau" mount --org acme docs "$tmp/mnt"
	check "the folder is mounted" mountpoint -q "$tmp/mnt"
	check_status "(unmount)" 0 as unmount "$tmp/mnt"
fi

# as alice, under the policy of $tmp/policy.xml
pol() { SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" "$@" </dev/null; }
ndev() { ls -d "$A"/devices/*/* | wc -l; }
"$sceau" --json server create-org initech >"$tmp/initech.json" ||
	bail "create-org initech"
ilink=$(jq -r .bootstrap_link "$tmp/initech.json")
ndev0=$(ndev)

# -------------------------------------------------------------- servers
echo '<servers><server>https://sceau.example.org</server></servers>' | policy
check_status "servers: her device of an unlisted server is refused (exit 6)" 6 \
	pol whoami --org acme
check_grep "naming the rule" "policy: servers=https://sceau.example.org" \
	"$tmp/err"
check_status "joining an organization on that server is refused" 6 \
	pol org bootstrap "$ilink" --email alice@example.org --name Alice --keyring
check_grep "(the rule)" "policy: servers=https://sceau.example.org" "$tmp/err"
check "and nothing was created" test "$(ndev)" -eq "$ndev0"
# The same server, written with a final '/': one URL once normalized.
printf '<servers><server>https://sceau.example.org</server><server>%s/</server></servers>\n' \
	"$srv_url" | policy
check_status "servers: listed (with a final /), her device opens" 0 \
	pol whoami --org acme

# -------------------------------------------------------- organizations
echo '<organizations><organization>globex</organization></organizations>' |
	policy
check_status "organizations: a device of an unlisted one is refused" 6 \
	pol whoami --org acme
check_grep "naming the rule" "policy: organizations=globex" "$tmp/err"
check_status "so is joining (bootstrapping) an unlisted one" 6 \
	pol org bootstrap "$ilink" --email alice@example.org --name Alice --keyring
check_grep "(the rule)" "policy: organizations=globex" "$tmp/err"
check "and nothing was created" test "$(ndev)" -eq "$ndev0"
check_status "the listed one opens" 0 pol whoami --org globex \
	--password-file "$tmp/pw"
printf '<servers><server>%s</server></servers><organizations><organization>acme</organization><organization>initech</organization></organizations>\n' \
	"$srv_url" | policy
check_status "listed server and organization: the bootstrap is allowed" 0 \
	pol org bootstrap "$ilink" --email alice@example.org --name Alice --keyring
check "one more device" test "$(ndev)" -eq $((ndev0 + 1))

# --------------------------------------------------- recovery devices
check_status "(a recovery file of her acme device)" 0 \
	as --json device export-recovery --org acme --out "$tmp/rec"
jq -r .passphrase "$tmp/out" >"$tmp/pp"
N="$tmp/newpc"
echo '<organizations><organization>globex</organization></organizations>' |
	policy
check_status "organizations: a device from an unlisted one's recovery file is refused" \
	6 env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$N" "$sceau" \
	device import-recovery "$tmp/rec" --passphrase-file "$tmp/pp" --keyring
check_grep "naming the rule" "policy: organizations=globex" "$tmp/err"
check "and nothing is written" test ! -e "$N/devices"
echo '<organizations><organization>acme</organization></organizations>' |
	policy
check_status "listed: the device is enrolled from the recovery file" 0 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$N" "$sceau" \
	device import-recovery "$tmp/rec" --passphrase-file "$tmp/pp" --keyring

# ------------------------------------------------------------ cache-max
head -c 300000 /dev/urandom >"$tmp/big"
head -c 1000 /dev/urandom >"$tmp/small"
echo '<offline><cache-max>100K</cache-max></offline>' | policy
check_status "cache-max=100K: importing 300 KB is refused (exit 6)" 6 \
	pol import --org acme "$tmp/big" /docs/big
check_grep "naming the rule" "policy: offline cache-max=102400" "$tmp/err"
check_status "(listing)" 0 as ls --org acme /docs
check_fails "nothing was imported" grep -q big "$tmp/out"
check_status "a file that fits is imported" 0 \
	pol import --org acme "$tmp/small" /docs/small
echo '<offline><cache-max>10M</cache-max></offline>' | policy
check_status "cache-max=10M: the 300 KB file is imported" 0 \
	pol import --org acme "$tmp/big" /docs/big
check_status "(sync)" 0 as sync --org acme

# ------------------------------------------------------------- max-days
# The device's last contact with its server, as its store records it.
store=$(ls "$A"/devices/acme/*/store.db)
contact() { sqlite3 "$store" "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'last_contact'"; }
set_contact() { sqlite3 "$store" "UPDATE meta SET value = CAST('$1' AS BLOB) WHERE key = 'last_contact'"; }
require_cmd sqlite3
check "a refresh recorded the last contact" test -n "$(contact)"
now=$(date +%s)
set_contact $((now - 3 * 86400))
echo '<offline><max-days>2</max-days></offline>' | policy
check_status "max-days=2, 3 days without the server, which answers: it syncs and reads" \
	0 pol ls --org acme /docs
check "and the contact is recorded again" test "$(contact)" -ge "$now"
set_contact $((now - 3 * 86400))
stop_server
check_status "3 days without the server, unreachable: reading is refused (exit 6)" \
	6 pol ls --org acme /docs
check_grep "naming the rule" "policy: offline max-days=2" "$tmp/err"
echo '<offline><max-days>5</max-days></offline>' | policy
check_status "max-days=5: it still works offline" 0 pol ls --org acme /docs
check_grep "(it read the folder)" small "$tmp/out"
check_status "without a policy too" 0 as ls --org acme /docs

# ------------------------------------------------------ invalid policy
echo '<mount>perhaps</mount>' | policy
check_status "an invalid policy stops every command" 1 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" \
	whoami --org acme
check_grep "naming file and line" "policy.xml:2:" "$tmp/err"
done_testing
