/*
 * i18n.h: translation macros for every program and for libsceau.
 * Every user-facing string is wrapped in _() or marked with N_().
 */
#ifndef SCEAU_I18N_H
#define SCEAU_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) dgettext(GETTEXT_PACKAGE, s)
#define P_(s, p, n) dngettext(GETTEXT_PACKAGE, s, p, n)
#else
#define _(s) (s)
#define P_(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

/*
 * Called once by each program: takes the locale from the environment and
 * binds the message catalog.  SCEAU_LOCALEDIR overrides the installed
 * catalog directory (the test suite uses it to run from the build tree).
 */
void sceau_i18n_init(void);

#endif /* SCEAU_I18N_H */
