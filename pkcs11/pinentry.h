/*
 * pinentry.h: asking for a PIN through a pinentry program (GnuPG's
 * pinentry-curses, -gnome3, -qt...), which speaks the Assuan protocol on
 * its standard input and output.  We use the subset a PIN needs:
 *
 *   <- OK Pleased to meet you
 *   -> OPTION ttyname=/dev/pts/N      (when our standard input is a terminal)
 *   -> OPTION ttytype=$TERM
 *   -> SETDESC description            (percent-escaped)
 *   -> SETPROMPT PIN:
 *   -> GETPIN
 *   <- D pin                          (percent-escaped) then OK,
 *      or ERR 83886179 Operation cancelled
 *   -> BYE
 *
 * Lines starting with "#" or "S " from the program are skipped.  The
 * program runs with our environment, without a shell.
 */
#ifndef SCEAU_PINENTRY_H
#define SCEAU_PINENTRY_H

#include <stddef.h>

#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest line we read from the program (Assuan allows 1000 bytes). */
#define SCEAU_PINENTRY_LINE_MAX 1024

/*
 * Runs program (a path, or a name looked up in PATH) and asks it for a PIN
 * with desc and prompt.  The PIN goes to pin[0..pinmax) with a NUL after
 * it, its length to *pinlen; pin should be locked memory (secmem), and
 * every copy we make on the way is locked and wiped.  Errors:
 * SCEAU_ERR_PINENTRY (cancelled, empty, program missing or failed,
 * protocol error: sceau_message() says which), _LIMIT_EXCEEDED (PIN
 * longer than pinmax - 1), _SYSTEM, _SECMEM.  pin is wiped on failure.
 */
int sceau_pinentry_getpin(const char *program, const char *desc,
    const char *prompt, char *pin, size_t pinmax, size_t *pinlen) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_PINENTRY_H */
