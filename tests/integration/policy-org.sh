#!/bin/sh
# The organization policy (sceau-policy(5), doc/policy.md): published by
# an administrator as a certificate of the chain, fetched and verified by
# every client, and enforced by the chain's own rules on every client and
# on the server.  One case per rule, each allowed then refused, naming
# the rule; then what a client that skips its own check (the server
# refuses) and a server that lies (every client refuses) would get, and
# invalid or unsigned policies.  Clients reach the server through
# tests/tamper-proxy.py, in pass mode unless a case says otherwise.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/server-lib.sh"
export LC_ALL=C LANGUAGE=
srv_setup
require_cmd jq /usr/bin/python3
sceau="$top_builddir/sceau"
prov="$top_builddir/tests/tools/sceau-test-provision"
unset SCEAU_AGENT_SOCK SCEAU_POLICY_FILE

srv_config "$tmp/srv.conf"
start_server "$tmp/srv.conf" || bail "sceau-server did not start"
export SCEAU_SERVER="$srv_url" SCEAU_ADMIN_TOKEN_FILE="$srv_token_file"

start_tamper_proxy
mode() { echo "$*" >"$tmp/mode"; }

as() {
	h=$1
	shift
	SCEAU_HOME="$h" "$sceau" "$@" </dev/null
}
A="$tmp/alice" B="$tmp/bob" C="$tmp/carol" D="$tmp/dave" E="$tmp/eve"

"$sceau" --json server create-org acme >"$tmp/org.json" || bail "create-org"
link=$(jq -r .bootstrap_link "$tmp/org.json" | sed "s/:$srv_port\//:$pport\//")
as "$A" org bootstrap "$link" --email alice@example.org --name Alice \
	--keyring >/dev/null || bail "bootstrap"
member "$B" bob@example.org Bob
member "$C" carol@example.org Carol
member "$D" dave@other.example Dave
member "$E" eve@partner.example Eve external
eve_id=$(jq -r .user_id "$tmp/prov.json")
as "$A" workspace create docs >/dev/null || bail "workspace docs"
as "$A" workspace create old >/dev/null || bail "workspace old"
as "$C" workspace create carolws >/dev/null || bail "workspace carolws"
docs_id=$(as "$A" --json workspace list | jq -r '.workspaces[] | select(.name == "docs") | .realm_id')
[ -n "$docs_id" ] || bail "no id for docs"

# policy VERSION BODY: an organization policy of acme into $tmp/p.xml.
policy() {
	{
		printf '<organization-policy xmlns="urn:sceau:policy:1" '
		printf 'version="%s" organization="acme">\n' "$1"
		printf '%s\n' "$2"
		echo '</organization-policy>'
	} >"$tmp/p.xml"
}
publish() {
	policy "$1" "$2"
	as "$A" policy publish "$tmp/p.xml" >"$tmp/pub.out" 2>&1 ||
		bail "publishing version $1: $(cat "$tmp/pub.out")"
}

# ------------------------------------------------------------ publishing
check_status "no policy yet: show says none" 0 as "$B" --json policy show
check "organization: null" jq -e '.organization == null' "$tmp/out"
check_status "before any policy, sharing with an external is allowed" 0 \
	as "$A" workspace share old eve@partner.example reader
policy 1 '<sharing><externals>no</externals></sharing>'
check_status "a member cannot publish a policy (exit 6)" 6 \
	as "$B" policy publish "$tmp/p.xml"
check_grep "(only an admin)" "only an admin may publish" "$tmp/err"
printf '<organization-policy xmlns="urn:sceau:policy:1" version="1" organization="acme">\n<sharing>\n<bogus/>\n</sharing>\n</organization-policy>\n' \
	>"$tmp/bad.xml"
check_status "an invalid policy is refused" 1 \
	as "$A" policy publish "$tmp/bad.xml"
check_grep "naming the file and line" "bad.xml:3" "$tmp/err"
sed 's/organization="acme"/organization="globex"/' "$tmp/p.xml" >"$tmp/other.xml"
check_status "a policy of another organization is refused" 1 \
	as "$A" policy publish "$tmp/other.xml"
check_grep "(which organization)" "organization globex, not acme" "$tmp/err"
check_status "the administrator publishes version 1" 0 \
	as "$A" --json policy publish "$tmp/p.xml"
check "version 1 in force" jq -e '.version == 1 and .index > 0' "$tmp/out"
pol_index=$(jq -r .index "$tmp/out")
check_status "another member's client fetches and verifies it" 0 \
	as "$B" --json policy show
check "bob sees version 1, by alice's device, with its rules" jq -e \
	".organization.version == 1 and .organization.index == $pol_index and
	 .organization.rules.externals == false and
	 (.organization.document | test(\"externals\"))" "$tmp/out"
check_status "the same version again is refused" 1 \
	as "$A" policy publish "$tmp/p.xml"
check_grep "(a higher version)" "higher version" "$tmp/err"
check_status "show in text" 0 as "$A" policy show
check_grep "(version and certificate)" \
	"Organization policy: version 1, certificate $pol_index" "$tmp/out"

# Unsigned, forged or invalid policy certificates, past the client.
check_status "a policy with a broken signature: the server refuses it" 1 \
	"$prov" raw-policy --admin-home "$A" --file "$tmp/p.xml" \
	--version 2 --bad-signature
check_grep "(the signature)" "signature" "$tmp/err"
check_status "a member's policy, unchecked: the server refuses it" 1 \
	"$prov" raw-policy --admin-home "$B" --file "$tmp/p.xml" --version 2
check_grep "(only an admin)" "only an admin may publish" "$tmp/err"
check_status "an invalid document, unchecked: the server refuses it" 1 \
	"$prov" raw-policy --admin-home "$A" --file "$tmp/bad.xml"
check_grep "(its line)" "policy certificate [0-9]*:3" "$tmp/err"
cp -a "$D" "$tmp/d0"
mode "flip $pol_index"
check_status "a server that alters the policy: a client refuses it (exit 4)" \
	4 as "$tmp/d0" status
check_grep "(names the certificate)" "certificate $pol_index" "$tmp/out"
mode pass
rm -rf "$tmp/d0"

# ------------------------------------------------------------- externals
check_status "externals=no: sharing with an external is refused (exit 6)" 6 \
	as "$A" workspace share docs eve@partner.example reader
check_grep "naming the rule" "policy: sharing.externals=forbidden" "$tmp/err"
check_status "and nothing changed: eve is not a member" 0 \
	as "$A" --json workspace members docs
check "(members)" jq -e \
	'[.members[].email] | index("eve@partner.example") == null' "$tmp/out"
check_status "a member may still be shared with" 0 \
	as "$A" workspace share docs carol@example.org reader
check_status "a new external cannot be added" 1 \
	"$prov" --admin-home "$A" --target-home "$tmp/x" --email x@partner.example \
	--name X --profile external
check_grep "(the rule)" "policy: sharing.externals=forbidden" "$tmp/err"
check_status "a client that skips its own check: the server refuses" 1 \
	"$prov" raw-share --admin-home "$A" --realm "$docs_id" --user "$eve_id" \
	--profile reader
check_grep "(the server names the rule)" \
	"policy: sharing.externals=forbidden" "$tmp/err"
check_status "the forged share, signed by alice" 0 \
	"$prov" raw-share --admin-home "$A" --realm "$docs_id" --user "$eve_id" \
	--profile reader --out "$tmp/forged.b64"
cp -a "$B" "$tmp/b0"
mode "append $tmp/forged.b64"
check_status "a server that stores it anyway: bob's client refuses (exit 4)" \
	4 as "$tmp/b0" status
check_grep "(naming the rule)" "policy: sharing.externals=forbidden" "$tmp/out"
cp -a "$E" "$tmp/e0"
check_status "and so does eve's, the external's" 4 as "$tmp/e0" status
check_grep "(naming the rule)" "policy: sharing.externals=forbidden" "$tmp/out"
mode pass
rm -rf "$tmp/b0" "$tmp/e0"
check_status "the share made before the policy stays valid: dave validates the chain" \
	0 as "$D" status
check_status "eve still reads the workspace shared before" 0 \
	as "$E" --json workspace list
check "(old)" jq -e '[.workspaces[].name] == ["old"]' "$tmp/out"

# -------------------------------------------------------------- ceilings
publish 2 '<sharing><ceiling profile="member" max="contributor"/></sharing>'
check_status "ceiling member=contributor: contributor allowed" 0 \
	as "$A" workspace share docs bob@example.org contributor
check_status "manager refused (exit 6)" 6 \
	as "$A" workspace share docs dave@other.example manager
check_grep "naming the rule" "policy: sharing.ceiling(member)=contributor" \
	"$tmp/err"

# ---------------------------------------------------- who shares with whom
publish 3 '<sharing><rule from="member" to="member" allow="no"/></sharing>'
check_status "rule member->member=no: an admin shares with a member" 0 \
	as "$A" workspace share docs dave@other.example reader
check_status "a member cannot share with a member (exit 6)" 6 \
	as "$C" workspace share carolws bob@example.org reader
check_grep "naming the rule" "policy: sharing.rule(member->member)=no" \
	"$tmp/err"
check_status "explain says the same, without acting" 6 \
	as "$C" --json policy explain share bob@example.org reader
check "(explain: refused, the rule)" jq -e '.allowed == false and
	.rule == "sharing.rule(member->member)=no" and
	.policy == "organization"' "$tmp/out"
check_status "explain: the rule binds members only, an admin may share" \
	0 as "$A" --json policy explain share bob@example.org owner
check "(explain: allowed)" jq -e '.allowed == true' "$tmp/out"

# ----------------------------------------------------------- mail domains
publish 4 '<sharing><domain>example.org</domain></sharing>'
as "$A" workspace unshare docs dave@other.example >/dev/null 2>&1 ||
	bail "unsharing dave"
check_status "domain example.org: bob@example.org allowed" 0 \
	as "$A" workspace share docs bob@example.org reader
check_status "dave@other.example refused (exit 6)" 6 \
	as "$A" workspace share docs dave@other.example reader
check_grep "naming the rule" "policy: sharing.domain=example.org" "$tmp/err"
dave_id=$(as "$A" --json user show dave@other.example | jq -r .user_id)
check_status "skipping the client's check: the server knows the address and refuses" \
	1 "$prov" raw-share --admin-home "$A" --realm "$docs_id" \
	--user "$dave_id" --profile reader
check_grep "(the server names the rule)" "policy: sharing.domain=example.org" \
	"$tmp/err"

# ---------------------------------------------------------------- devices
publish 5 '<devices><max-per-user>2</max-per-user></devices>'
check_status "max-per-user=2: bob's second device is allowed" 0 \
	"$prov" device --admin-home "$B" --target-home "$tmp/bob2"
check_status "his third is refused" 1 \
	"$prov" device --admin-home "$B" --target-home "$tmp/bob3"
check_grep "naming the rule" "policy: devices.max-per-user=2" "$tmp/err"
check_status "a recovery device counts too (exit 6)" 6 \
	as "$B" device export-recovery --out "$tmp/bob.rec"
check_grep "(the rule)" "policy: devices.max-per-user=2" "$tmp/err"
check "and no recovery file was left" test ! -e "$tmp/bob.rec"
publish 6 '<devices><token-required>admins</token-required></devices>'
check_status "token-required=admins: a member's plain device is allowed" 0 \
	"$prov" device --admin-home "$C" --target-home "$tmp/carol2"
check_status "an admin's plain device is refused" 1 \
	"$prov" device --admin-home "$A" --target-home "$tmp/alice2"
check_grep "naming the rule" "policy: devices.token-required=admins" "$tmp/err"
check_status "explain add-device (alice, no card): refused" 6 \
	as "$A" policy explain add-device
check_grep "(the rule)" "devices.token-required=admins" "$tmp/out"
check_status "explain add-device token: allowed" 0 \
	as "$A" policy explain add-device token

# ------------------------------------------------------------ invitations
publish 7 '<invitations><lifetime>1h</lifetime><domain>example.org</domain></invitations>'
check_status "invitation domain example.org: zed@example.org allowed" 0 \
	as "$A" --json invite user zed@example.org --no-mail
check "its lifetime is the policy's hour" jq -e \
	'.expires - .created == 3600000000' "$tmp/out"
check_status "zed@other.example refused (exit 6)" 6 \
	as "$A" invite user zed@other.example --no-mail
check_grep "naming the rule" "policy: invitations.domain=example.org" \
	"$tmp/err"
check_status "explain invite, in text" 6 \
	as "$A" policy explain invite zed@other.example
check_grep "(refused, the rule)" \
	"refused by the organization policy (invitations.domain=example.org)" \
	"$tmp/out"
check_status "in French too" 6 env LANGUAGE= LC_ALL= LANG=fr_FR.UTF-8 \
	SCEAU_HOME="$A" "$sceau" policy explain invite zed@other.example
check_grep "(refusé, la règle)" \
	"refusé par la politique « organisation » (invitations.domain=example.org)" \
	"$tmp/out"

# ------------------------------------------- explain, workstation rules
printf '%s\n' '<workstation-policy xmlns="urn:sceau:policy:1" version="1">' \
	"<servers><server>http://127.0.0.1:$pport</server></servers>" \
	'<organizations><organization>acme</organization></organizations>' \
	'<mount>no</mount></workstation-policy>' >"$tmp/ws.xml"
wsx() { SCEAU_POLICY_FILE="$tmp/ws.xml" SCEAU_HOME="$A" "$sceau" "$@"; }
check_status "explain server: the listed one is allowed" 0 \
	wsx --json policy explain server "http://127.0.0.1:$pport/"
check "(workstation, allowed)" jq -e \
	'.allowed == true and .policy == "workstation"' "$tmp/out"
check_status "another is refused" 6 \
	wsx --json policy explain server "http://127.0.0.1:1"
check "(the rule)" jq -e '.allowed == false and (.rule | startswith("servers="))' \
	"$tmp/out"
check_status "explain organization: acme allowed" 0 \
	wsx policy explain organization acme
check_status "globex refused" 6 wsx policy explain organization globex
check_grep "(the rule)" "organizations=acme" "$tmp/out"
check_status "explain mount, in French: refused, the rule named" 6 \
	env LANGUAGE= LC_ALL= LANG=fr_FR.UTF-8 SCEAU_POLICY_FILE="$tmp/ws.xml" \
	SCEAU_HOME="$A" "$sceau" policy explain mount
check_grep "(mount=no)" "refusé par la politique « poste de travail » (mount=no" \
	"$tmp/out"

# -------------------------------------------------------- the whole chain
cp -a "$D" "$tmp/d1"
check_status "a member's client validates the whole chain, 7 policies included" \
	0 as "$tmp/d1" --json policy show
check "(version 7 in force)" jq -e '.organization.version == 7' "$tmp/out"
check_status "the policy is not a workstation policy: policy check says organization" \
	0 as "$A" --json policy check "$tmp/p.xml"
check "(kind)" jq -e '.kind == "organization"' "$tmp/out"

done_testing
