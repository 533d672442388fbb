/*
 * selftest.h: power-on style self-test of the cryptography layer.
 *
 * One known-answer test per primitive (SHA-256, HMAC-SHA256, HKDF-SHA256,
 * AES-256-GCM, Ed25519, X25519, Argon2id), round trips of the sealed box
 * and the chunked stream, and tamper checks: a flipped bit in a
 * ciphertext, a tag or a signature must be refused.  The vectors are
 * built in, so that a broken or swapped OpenSSL / libargon2 is caught on
 * the machine where it runs ("sceau selftest").
 */
#ifndef SCEAU_SELFTEST_H
#define SCEAU_SELFTEST_H

#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Called once per test with its short name ("sha256-kat") and its result:
 * 0, or the SCEAU_ERR_* code it failed with (SCEAU_ERR_CRYPTO for a wrong
 * answer or an accepted forgery).
 */
typedef void (*sceau_selftest_report)(const char *name, int result, void *arg);

/*
 * Runs every test, in a fixed order, even after a failure.  report may be
 * NULL.  Returns 0 when all pass, else the code of the first failure.
 */
int sceau_selftest_run(sceau_selftest_report report, void *arg) SCEAU_WUR;

/* Number of tests sceau_selftest_run() reports. */
unsigned int sceau_selftest_count(void);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_SELFTEST_H */
