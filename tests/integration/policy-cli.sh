#!/bin/sh
# sceau policy check: the example policies validate and show their rules
# (text and JSON); an invalid file is refused naming file, line and what
# is wrong; a DOCTYPE is refused; a missing file is "not found".
. "$top_srcdir/tests/tap.sh"
export LC_ALL=C LANGUAGE=
tap_tmpdir
require_cmd jq
sceau="$top_builddir/sceau"
pol="$top_srcdir/tests/policy"

check_status "the example workstation policy is valid" 0 \
	"$sceau" policy check "$top_srcdir/conf/policy.xml"
check_grep "it says which kind" "a valid workstation policy" "$tmp/out"
check_status "an organization policy, in JSON" 0 \
	"$sceau" --json policy check "$pol/organization.xml"
check "its rules" jq -e '.kind == "organization" and .version == 3 and
	.rules.externals == false and .rules.token_required == "admins" and
	.rules.role_ceilings.external == "reader" and
	.rules.rotate_within_s == 0 and .rules.x509_revokes_user == true' \
	"$tmp/out"
check_status "a workstation policy, in JSON" 0 \
	"$sceau" --json policy check "$pol/workstation.xml"
check "its rules" jq -e '.kind == "workstation" and
	.rules.authentication == ["token"] and .rules.mount == false and
	.rules.offline_cache_max == 10737418240' "$tmp/out"

printf '<workstation-policy xmlns="urn:sceau:policy:1" version="1">\n' \
	>"$tmp/bad.xml"
printf '  <mount>no</mount>\n  <telemetry>yes</telemetry>\n' >>"$tmp/bad.xml"
printf '</workstation-policy>\n' >>"$tmp/bad.xml"
check_status "an unknown element is refused (exit 1)" 1 \
	"$sceau" policy check "$tmp/bad.xml"
check_grep "naming the file and the line" "bad.xml:3:" "$tmp/err"
check_grep "and the element" "telemetry" "$tmp/err"
check_status "in JSON too" 1 "$sceau" --json policy check "$tmp/bad.xml"
check "its code" jq -e '.error.code == "SCEAU_ERR_POLICY_INVALID"' "$tmp/out"

printf '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<workstation-policy xmlns="urn:sceau:policy:1" version="1"/>\n' \
	>"$tmp/xxe.xml"
check_status "a DOCTYPE is refused" 1 "$sceau" policy check "$tmp/xxe.xml"
check_grep "it says why" "DOCTYPE is not allowed" "$tmp/err"
check_status "a missing file: exit 7" 7 \
	"$sceau" policy check "$tmp/nosuch.xml"
check_status "no file: usage (exit 2)" 2 "$sceau" policy check
done_testing
