#!/bin/sh
# Every installed program has a man page, every long option its --help
# shows is documented there, and so is every subcommand (OpenSC's
# test-manpage.sh).
. "$top_srcdir/tests/tap.sh"
export LC_ALL=C LANGUAGE=
require_cmd grep sed

# Long options in a --help text: "--name" at a word start.
opts_of() {
	grep -oE '(^|[[:space:]\[,(])--[a-z][a-z0-9-]*' | sed 's/^.*--//' | sort -u
}

# Is option $1 documented in page $2 ("Fl \-name" or "\-\-name")?
documented() {
	grep -qE "(Fl \\\\-$1([^a-z0-9-]|\$)|\\\\-\\\\-$1([^a-z0-9-]|\$)|Fl -$1([^a-z0-9-]|\$))" "$2"
}

# check_opts WHAT PAGE COMMAND...: every --option of COMMAND --help is in PAGE.
check_opts() {
	what=$1
	pg=$2
	shift 2
	missing=
	for o in $("$@" --help 2>&1 | opts_of); do
		documented "$o" "$pg" || missing="$missing --$o"
	done
	if [ -z "$missing" ]; then ok "$what --help options are in the page"
	else not_ok "$what --help options are in the page: missing$missing"; fi
}

for prog in $SCEAU_PROGRAMS; do
	page=
	for sec in 1 8; do
		[ -f "$top_srcdir/man/$prog.$sec" ] && page="$top_srcdir/man/$prog.$sec"
	done
	if [ -z "$page" ]; then
		not_ok "$prog has a man page (man/$prog.1 or .8)"
		continue
	fi
	ok "$prog has a man page"
	case " $SCEAU_MANS " in
	*" man/$(basename "$page") "*) ok "$(basename "$page") is installed" ;;
	*) not_ok "$(basename "$page") is installed (dist_man_MANS)" ;;
	esac
	bin="$top_builddir/$prog"
	[ -x "$bin" ] || { not_ok "$prog is built"; continue; }
	missing=
	for o in $("$bin" --help 2>&1 | opts_of); do
		documented "$o" "$page" || missing="$missing --$o"
	done
	if [ -z "$missing" ]; then ok "$prog --help options are in its page"
	else not_ok "$prog --help options are in its page: missing$missing"; fi
	# Subcommands: lines "  name   summary" after "Commands:".
	cmds=$("$bin" --help 2>/dev/null | sed -n '/^Commands:/,/^$/p' |
		sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
	for c in $cmds; do
		if grep -qE "^\.It Cm $c( |\$)" "$page"; then
			ok "$prog $c is documented"
		else
			not_ok "$prog $c is documented (.It Cm $c)"
		fi
		check_opts "$prog $c" "$page" "$bin" $c
		# Command groups ("sceau user list"): each subcommand too.
		subs=$("$bin" "$c" --help 2>/dev/null | sed -n '/^Commands:/,/^$/p' |
			sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
		for sc in $subs; do
			if grep -qE "^\.It Cm $c $sc( |\$)" "$page"; then
				ok "$prog $c $sc is documented"
			else
				not_ok "$prog $c $sc is documented (.It Cm $c $sc)"
			fi
			check_opts "$prog $c $sc" "$page" "$bin" $c $sc
		done
	done
done
done_testing
