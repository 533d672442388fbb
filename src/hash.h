/*
 * hash.h: SHA-256 and HMAC-SHA256 through OpenSSL 3 EVP.
 *
 * The EVP_MD and EVP_MAC objects are fetched once per process and reused
 * (fetching per call costs more than hashing a small message).
 */
#ifndef SCEAU_HASH_H
#define SCEAU_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#define SCEAU_SHA256_LEN 32

/* out = SHA-256(p[0..n)).  0 or SCEAU_ERR_CRYPTO. */
int sceau_hash_sha256(const void *p, size_t n, uint8_t out[SCEAU_SHA256_LEN])
    SCEAU_WUR;

/* Streaming SHA-256.  A context is reusable after _final via _init. */
struct sceau_hash_ctx;
struct sceau_hash_ctx *sceau_hash_ctx_new(void);
void sceau_hash_ctx_free(struct sceau_hash_ctx *c);
int sceau_hash_init(struct sceau_hash_ctx *c) SCEAU_WUR;
int sceau_hash_update(struct sceau_hash_ctx *c, const void *p, size_t n)
    SCEAU_WUR;
int sceau_hash_final(struct sceau_hash_ctx *c, uint8_t out[SCEAU_SHA256_LEN])
    SCEAU_WUR;

/* out = HMAC-SHA256(key, data).  0 or SCEAU_ERR_CRYPTO. */
int sceau_hash_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t n, uint8_t out[SCEAU_SHA256_LEN]) SCEAU_WUR;

/*
 * Verifies an HMAC-SHA256 tag in constant time.
 * 0 or SCEAU_ERR_SIGNATURE_INVALID (or SCEAU_ERR_CRYPTO).
 */
int sceau_hash_hmac_sha256_verify(const void *key, size_t keylen,
    const void *data, size_t n, const uint8_t tag[SCEAU_SHA256_LEN]) SCEAU_WUR;

#endif /* SCEAU_HASH_H */
