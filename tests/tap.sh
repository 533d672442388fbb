# tap.sh: TAP helpers for the test scripts (sourced, POSIX sh).
#
# Each script prints one "ok N - what" or "not ok N - what" line per check
# and ends with done_testing, which prints the plan.  A missing tool is a
# failure with its name ("Bail out!"), never a silent skip: the README's
# test command installs everything the suite needs.

tap_n=0
tap_failed=0
tap_tmp=

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

diag() {
	echo "# $*" | sed '2,$s/^/# /'
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# check DESCRIPTION COMMAND...: one result from a command's exit status.
# The command's standard output goes to the log (stderr), not the TAP stream.
check() {
	tap_desc=$1
	shift
	if "$@" >&2; then ok "$tap_desc"; else not_ok "$tap_desc"; fi
}

# check_fails DESCRIPTION COMMAND...: the command must fail.
check_fails() {
	tap_desc=$1
	shift
	if "$@" >&2; then not_ok "$tap_desc"; else ok "$tap_desc"; fi
}

# check_status DESCRIPTION EXPECTED COMMAND...: exact exit status.  The
# command's output goes to $tmp/out and $tmp/err, for the checks after it.
check_status() {
	tap_desc=$1
	tap_want=$2
	shift 2
	tap_tmpdir
	"$@" >"$tmp/out" 2>"$tmp/err"
	tap_got=$?
	if [ "$tap_got" -eq "$tap_want" ]; then
		ok "$tap_desc"
	else
		not_ok "$tap_desc (exit $tap_got, expected $tap_want)"
		diag "$(head -n 25 "$tmp/err")"
	fi
}

# check_grep DESCRIPTION PATTERN FILE: FILE holds a line matching PATTERN.
check_grep() {
	if grep -q -e "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diag "no line matching '$2' in $3:"
		diag "$(head -n 20 "$3")"
	fi
}

require_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			bail "missing tool: $c (install it with the README's test command)"
	done
}

# tap_tmpdir: sets $tmp to a private temporary directory, removed at exit.
# Call it directly, never in $(...): the trap must belong to the script.
tap_tmpdir() {
	if [ -z "$tap_tmp" ]; then
		tap_tmp=$(mktemp -d "${TMPDIR:-/tmp}/sceau-test.XXXXXX") ||
			bail "mktemp failed"
		trap 'tap_cleanup' EXIT
		trap 'exit 1' INT TERM
	fi
	tmp=$tap_tmp
}

# tap_own_pid PID: PID is still a child of this shell.  Tests signal the
# processes they started by PID; once one has exited and been reaped,
# its PID may be another process's (PIDs wrap quickly when tests run in
# parallel), which must never be signalled.
tap_own_pid() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	tap_ppid=$(sed -n 's/^[0-9]* (.*) [A-Za-z] \([0-9]*\) .*/\1/p' \
		"/proc/$1/stat" 2>/dev/null)
	[ "$tap_ppid" = "$$" ]
}

# The hook first: what it stops may live in the directory (an agent is
# stopped through its socket there).
tap_cleanup() {
	[ -n "${tap_cleanup_hook:-}" ] && eval "$tap_cleanup_hook"
	[ -n "$tap_tmp" ] && [ "${SCEAU_TEST_KEEP:-0}" != 1 ] && rm -rf "$tap_tmp"
	return 0
}

done_testing() {
	echo "1..$tap_n"
	exit 0
}

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
