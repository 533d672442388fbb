#!/bin/sh
# Messages in French and English: the French catalog is complete, every
# file with translatable strings is listed for xgettext, and the programs
# speak French under a French locale.
. "$top_srcdir/tests/tap.sh"
require_cmd msgfmt msgcmp xgettext locale grep

po="$top_srcdir/po/fr.po"
stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
case "$stats" in
*untranslated* | *fuzzy*) not_ok "fr.po is complete"; diag "$stats" ;;
*" translated message"*) ok "fr.po is complete ($stats)" ;;
*) not_ok "fr.po compiles"; diag "$stats" ;;
esac

missing=
for f in $(cd "$top_srcdir" && grep -rlE '(^|[^A-Za-z0-9_])(_|N_|P_|SCEAU_N_)\("' \
	src agent pkcs11 policy --include='*.c' --include='*.h' 2>/dev/null); do
	grep -qx "$f" "$top_srcdir/po/POTFILES.in" || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "every file with messages is in po/POTFILES.in"
else not_ok "every file with messages is in po/POTFILES.in: missing$missing"; fi

# Every message of the sources has its French translation in fr.po (a
# message added without one would print in English under LANG=fr_FR).
tap_tmpdir
(cd "$top_srcdir" && xgettext --keyword=_ --keyword=N_ --keyword=SCEAU_N_ \
	--keyword=P_:1,2 --from-code=UTF-8 --language=C \
	-o "$tmp/sceau.pot" -f po/POTFILES.in) 2>"$tmp/xg"
if msgcmp "$po" "$tmp/sceau.pot" >"$tmp/cmp" 2>&1; then
	ok "every message of the sources is translated in fr.po"
else
	not_ok "every message of the sources is translated in fr.po"
	diag "$(head -20 "$tmp/cmp")"
fi

locale -a 2>/dev/null | grep -qiE '^fr_FR\.utf-?8$' ||
	bail "locale fr_FR.UTF-8 missing (the README's test command generates it)"
[ -f "$SCEAU_LOCALEDIR/fr/LC_MESSAGES/sceau.mo" ] ||
	bail "no French catalog in $SCEAU_LOCALEDIR"

sceau="$top_builddir/sceau"
LANGUAGE= LC_ALL= LANG=fr_FR.UTF-8 "$sceau" --help >"$tmp/fr" 2>&1
check_grep "French help under LANG=fr_FR.UTF-8" '^Utilisation' "$tmp/fr"
check_grep "French command summary" 'autotest' "$tmp/fr"
LANGUAGE= LC_ALL= LANG=C "$sceau" --help >"$tmp/en" 2>&1
check_grep "English help under LANG=C" '^Usage' "$tmp/en"
LANGUAGE= LC_ALL= LANG=fr_FR.UTF-8 "$sceau" nosuchcommand >"$tmp/fr2" 2>&1
check_grep "French error message" 'commande inconnue' "$tmp/fr2"
LANGUAGE= LC_ALL=fr_FR.UTF-8 "$sceau" selftest >"$tmp/fr3" 2>&1
check_grep "French self-test summary" 'réussi' "$tmp/fr3"
done_testing
