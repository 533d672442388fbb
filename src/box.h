/*
 * box.h: sealed boxes (anonymous public-key encryption) on X25519
 * (RFC 7748) + HKDF-SHA256 + AES-256-GCM, and raw X25519 agreement.
 *
 * Sealed box layout (SCEAU_BOX_OVERHEAD bytes of overhead):
 *   u8 alg (0x01 = X25519) || ephemeral public key (32) || nonce (12)
 *   || ciphertext || tag (16)
 * key = HKDF-SHA256(salt = eph_pk || recipient_pk, ikm = X25519(eph, rcpt),
 *                   info = "sceau box v1 x25519"), 32 bytes.
 * The alg byte leaves room for token-held keys: 0x02 to 0x05 are the
 * pkcs11/ layer's wrapped keys (ECDH P-256 and P-384, RSA-OAEP with SHA-256
 * or SHA-1; token.h), so that a stored envelope may hold either.
 */
#ifndef SCEAU_BOX_H
#define SCEAU_BOX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

#define SCEAU_BOX_PUBLIC_LEN 32
#define SCEAU_BOX_SECRET_LEN 32
#define SCEAU_BOX_ALG_X25519 0x01
#define SCEAU_BOX_OVERHEAD (1 + 32 + 12 + 16)

struct sceau_boxkey;

int sceau_box_generate(struct sceau_boxkey **kp) SCEAU_WUR;
int sceau_box_from_secret(
    const uint8_t sk[SCEAU_BOX_SECRET_LEN], struct sceau_boxkey **kp) SCEAU_WUR;
void sceau_box_free(struct sceau_boxkey *k);
void sceau_box_public(
    const struct sceau_boxkey *k, uint8_t pk[SCEAU_BOX_PUBLIC_LEN]);
void sceau_box_secret(
    const struct sceau_boxkey *k, uint8_t sk[SCEAU_BOX_SECRET_LEN]);

/*
 * shared = X25519(k, peer).  Fails with SCEAU_ERR_KEY_INVALID when the
 * result is all zero (a low-order peer point), as RFC 7748 section 6.1
 * allows and we require.
 */
int sceau_box_agree(const struct sceau_boxkey *k,
    const uint8_t peer[SCEAU_BOX_PUBLIC_LEN], uint8_t shared[32]) SCEAU_WUR;

/* Appends the sealed box of m[0..n) for pk, bound to aad, to out. */
int sceau_box_seal(const uint8_t pk[SCEAU_BOX_PUBLIC_LEN], const void *aad,
    size_t aadlen, const void *m, size_t n, struct sceau_buf *out) SCEAU_WUR;
/*
 * Opens c[0..n) with k and aad; appends the plaintext to out.
 * SCEAU_ERR_DECRYPT_FAILED if altered or not for this key;
 * SCEAU_ERR_INVALID_FORMAT if too short or of an unknown alg.  On
 * failure (seal or open) out is left as it was; c and m must not point
 * into out (out may move as it grows).
 */
int sceau_box_open(const struct sceau_boxkey *k, const void *aad, size_t aadlen,
    const void *c, size_t n, struct sceau_buf *out) SCEAU_WUR;

#endif /* SCEAU_BOX_H */
