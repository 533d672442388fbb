/*
 * kdf.h: key derivation: HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF,
 * and Argon2id (RFC 9106) through libargon2 for passwords.
 */
#ifndef SCEAU_KDF_H
#define SCEAU_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

/*
 * out[0..outlen) = HKDF-SHA256(salt, ikm, info).  salt may be NULL (zero
 * salt); outlen <= 255 * 32.  0 or SCEAU_ERR_CRYPTO / _INVALID_ARGUMENT.
 */
int sceau_kdf_hkdf_sha256(const void *salt, size_t saltlen, const void *ikm,
    size_t ikmlen, const void *info, size_t infolen, uint8_t *out,
    size_t outlen) SCEAU_WUR;

/*
 * Argon2id parameters, stored beside every hash or derived key so that they
 * can be raised later without breaking old files.
 */
struct sceau_kdf_argon2_params {
	uint32_t t_cost; /* passes */
	uint32_t m_cost_kib; /* memory, KiB */
	uint32_t parallelism; /* lanes */
};

#define SCEAU_KDF_SALT_LEN 16
/* Interactive default (RFC 9106 section 4, second recommendation, lighter
 * memory for 2-core machines): t=3, m=64 MiB, p=1. */
#define SCEAU_KDF_ARGON2_T_DEFAULT 3
#define SCEAU_KDF_ARGON2_M_DEFAULT (64 * 1024)
#define SCEAU_KDF_ARGON2_P_DEFAULT 1
/* Bounds accepted from a file: refuse absurd costs from an attacker. */
#define SCEAU_KDF_ARGON2_T_MAX 64
#define SCEAU_KDF_ARGON2_M_MIN 8
#define SCEAU_KDF_ARGON2_M_MAX (4 * 1024 * 1024)
#define SCEAU_KDF_ARGON2_P_MAX 16

void sceau_kdf_argon2_default(struct sceau_kdf_argon2_params *p);
/* 0 if p is within the bounds above, else SCEAU_ERR_KDF_PARAMS. */
int sceau_kdf_argon2_check(const struct sceau_kdf_argon2_params *p) SCEAU_WUR;

/*
 * out[0..outlen) = Argon2id(pw, salt, p), version 0x13.  Optional secret
 * and associated data (RFC 9106 K and X) may be NULL.
 * 0 or SCEAU_ERR_PASSWORD_HASH / _KDF_PARAMS.
 */
int sceau_kdf_argon2id(const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, const void *secret, size_t secretlen, const void *ad,
    size_t adlen, const struct sceau_kdf_argon2_params *p, uint8_t *out,
    size_t outlen) SCEAU_WUR;

/* Params as three u32 (t, m, p) in a buffer, and back (bounds checked). */
int sceau_kdf_argon2_params_put(
    struct sceau_buf *b, const struct sceau_kdf_argon2_params *p);
int sceau_kdf_argon2_params_get(
    struct sceau_buf *b, struct sceau_kdf_argon2_params *p) SCEAU_WUR;

#endif /* SCEAU_KDF_H */
