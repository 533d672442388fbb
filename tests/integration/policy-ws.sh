#!/bin/sh
# The workstation policy enforced (sceau-policy(5)), one check per rule,
# each allowing then refusing: <authentication> at unlock (standalone and
# through the agent) and when a new device is protected; <mount>.  A
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

# ------------------------------------------------------ invalid policy
echo '<mount>perhaps</mount>' | policy
check_status "an invalid policy stops every command" 1 \
	env SCEAU_POLICY_FILE="$tmp/policy.xml" SCEAU_HOME="$A" "$sceau" \
	whoami --org acme
check_grep "naming file and line" "policy.xml:2:" "$tmp/err"
done_testing
