/*
 * sign.h: Ed25519 signatures (RFC 8032) through OpenSSL 3 EVP.
 *
 * A signing key keeps its 32-byte seed in locked memory (secmem) and a
 * ready EVP_PKEY for speed; a verify key caches its EVP_PKEY too, since
 * building one costs as much as a verification.
 */
#ifndef SCEAU_SIGN_H
#define SCEAU_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#define SCEAU_SIGN_PUBLIC_LEN 32
#define SCEAU_SIGN_SEED_LEN 32
#define SCEAU_SIGN_SIG_LEN 64

struct sceau_signkey;
struct sceau_verifykey;

/* New random key.  0 or SCEAU_ERR_RANDOM / _CRYPTO / _SECMEM / _ALLOC. */
int sceau_sign_generate(struct sceau_signkey **kp) SCEAU_WUR;
/* Key from its 32-byte seed (RFC 8032 "private key"). */
int sceau_sign_from_seed(const uint8_t seed[SCEAU_SIGN_SEED_LEN],
    struct sceau_signkey **kp) SCEAU_WUR;
/*
 * A key whose private half is held elsewhere (sceau-agent): sceau_sign
 * calls fn(arg, m, n, sig) and checks the signature against pk.  It has
 * no seed (sceau_sign_seed gives zeros: never write it to a key file).
 */
typedef int (*sceau_sign_remote_fn)(
    void *arg, const void *m, size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN]);
int sceau_sign_remote(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN],
    sceau_sign_remote_fn fn, void *arg, struct sceau_signkey **kp) SCEAU_WUR;
int sceau_sign_is_remote(const struct sceau_signkey *k);

/* Wipes and frees; NULL is allowed. */
void sceau_sign_free(struct sceau_signkey *k);
/* Copies out the public key / the seed (the latter for key files only). */
void sceau_sign_public(
    const struct sceau_signkey *k, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN]);
void sceau_sign_seed(
    const struct sceau_signkey *k, uint8_t seed[SCEAU_SIGN_SEED_LEN]);

/* sig = Ed25519-Sign(k, m[0..n)).  0 or SCEAU_ERR_CRYPTO. */
int sceau_sign(const struct sceau_signkey *k, const void *m, size_t n,
    uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;

/* One-shot verification: 0 or SCEAU_ERR_SIGNATURE_INVALID (or _CRYPTO). */
int sceau_sign_verify(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN], const void *m,
    size_t n, const uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;

/* Cached verify key, for verifying many messages of one author. */
int sceau_verifykey_new(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN],
    struct sceau_verifykey **vp) SCEAU_WUR;
void sceau_verifykey_free(struct sceau_verifykey *v);
void sceau_verifykey_public(
    const struct sceau_verifykey *v, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN]);
int sceau_verifykey_verify(const struct sceau_verifykey *v, const void *m,
    size_t n, const uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;

#endif /* SCEAU_SIGN_H */
