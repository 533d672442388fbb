/*
 * i18n.c: locale and message catalog set-up.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "i18n.h"

void
sceau_i18n_init(void)
{
#ifdef ENABLE_NLS
	const char *dir = secure_getenv("SCEAU_LOCALEDIR");

	/* A failure leaves the "C" locale: English messages, still usable. */
	(void)setlocale(LC_ALL, "");
	(void)bindtextdomain(
	    GETTEXT_PACKAGE, dir != NULL && dir[0] != '\0' ? dir : LOCALEDIR);
	(void)bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
#else
	(void)setlocale(LC_ALL, "");
#endif
}
