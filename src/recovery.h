/*
 * recovery.h: recovery passphrases (doc/recovery.md).
 *
 * A recovery file (keyfile.h) is sealed under a passphrase that sceau
 * generates and the user writes down: 30 symbols of Crockford's base32
 * alphabet (0-9 and A-Z without I, L, O, U), printed in 6 groups of 5
 * joined by dashes.  The first 26 symbols are random (130 bits); the last
 * 4 are a check over them (20 bits of SHA-256), so that a symbol written
 * or read wrong is told apart from a wrong passphrase, and found before
 * the key derivation runs.  The key file password is the canonical form:
 * the 30 symbols, uppercase, no separator.
 *
 * WARNING: passphrases are secrets.  Keep them in locked memory
 * (secmem.h), never log them; the functions here wipe what they copy.
 */
#ifndef SCEAU_RECOVERY_H
#define SCEAU_RECOVERY_H

#include <stddef.h>

#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_RECOVERY_SYMBOLS 30 /* canonical form, without its NUL */
#define SCEAU_RECOVERY_RANDOM_SYMBOLS 26 /* 130 random bits */
#define SCEAU_RECOVERY_GROUP 5 /* symbols per group */
#define SCEAU_RECOVERY_GROUPED_LEN 35 /* 6 groups and 5 dashes */

/*
 * Writes a new passphrase, grouped ("XXXXX-XXXXX-..."), NUL-terminated,
 * to out (size >= SCEAU_RECOVERY_GROUPED_LEN + 1).  0,
 * SCEAU_ERR_INVALID_ARGUMENT (too small), SCEAU_ERR_RANDOM,
 * SCEAU_ERR_CRYPTO.
 */
int sceau_recovery_passphrase_new(char *out, size_t size) SCEAU_WUR;

/*
 * The canonical form of a passphrase as typed (in[0..n)): case does not
 * matter, nor do spaces, tabs and dashes; O reads as 0, I and L as 1.
 * Writes SCEAU_RECOVERY_SYMBOLS symbols and a NUL to out.  0 or
 * SCEAU_ERR_WRONG_PASSWORD, with a message saying what is wrong (a
 * character outside the alphabet, the number of symbols, or a check that
 * fails: a symbol mistyped); out is then wiped.
 */
int sceau_recovery_passphrase_parse(
    const char *in, size_t n, char out[SCEAU_RECOVERY_SYMBOLS + 1]) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_RECOVERY_H */
