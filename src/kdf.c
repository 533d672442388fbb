/*
 * kdf.c: HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF, and Argon2id
 * (RFC 9106) through libargon2.
 *
 * Argon2id goes through argon2_ctx() rather than argon2id_hash_raw()
 * because only the full context takes the secret (K) and associated data
 * (X) inputs, and lets us route its memory through sceau_malloc so that
 * allocation-failure tests reach it.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <argon2.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "kdf.h"
#include "log.h"
#include "secmem.h"

#define HKDF_SHA256_MAX (255 * 32)
#define ARGON2_PARAMS_LEN 12 /* three u32 */

static pthread_once_t kdf_once = PTHREAD_ONCE_INIT;
static EVP_KDF *kdf_hkdf;

static void
kdf_fetch(void)
{
	kdf_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	ERR_clear_error();
}

static int
hkdf_input_ok(const void *p, size_t n)
{
	return p != NULL || n == 0;
}

int
sceau_kdf_hkdf_sha256(const void *salt, size_t saltlen, const void *ikm,
    size_t ikmlen, const void *info, size_t infolen, uint8_t *out,
    size_t outlen)
{
	static char digest[] = "SHA2-256";
	OSSL_PARAM params[5], *p = params;
	EVP_KDF_CTX *ctx = NULL;
	int r = SCEAU_ERR_CRYPTO;

	if (out != NULL && outlen <= HKDF_SHA256_MAX)
		memset(out, 0, outlen);
	/* An empty input key is refused: we never mean to derive from it. */
	if (out == NULL || outlen == 0 || outlen > HKDF_SHA256_MAX ||
	    ikm == NULL || ikmlen == 0 || !hkdf_input_ok(salt, saltlen) ||
	    !hkdf_input_ok(info, infolen))
		return SCEAU_ERR_INVALID_ARGUMENT;
	/* OSSL_PARAM wants non-const pointers; OpenSSL only reads them. */
	*p++ =
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(
	    OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm, ikmlen);
	/* An absent salt is a string of zeros (RFC 5869 section 2.2). */
	if (saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt, saltlen);
	if (infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if (pthread_once(&kdf_once, kdf_fetch) != 0 || kdf_hkdf == NULL ||
	    (ctx = EVP_KDF_CTX_new(kdf_hkdf)) == NULL ||
	    EVP_KDF_derive(ctx, out, outlen, params) != 1) {
		sceau_memzero(out, outlen);
		ERR_clear_error();
		debug_r(r, "HKDF-SHA256");
		goto out;
	}
	r = 0;
out:
	/* The context holds a copy of the input key: EVP wipes it on free. */
	EVP_KDF_CTX_free(ctx);
	return r;
}

void
sceau_kdf_argon2_default(struct sceau_kdf_argon2_params *p)
{
	p->t_cost = SCEAU_KDF_ARGON2_T_DEFAULT;
	p->m_cost_kib = SCEAU_KDF_ARGON2_M_DEFAULT;
	p->parallelism = SCEAU_KDF_ARGON2_P_DEFAULT;
}

int
sceau_kdf_argon2_check(const struct sceau_kdf_argon2_params *p)
{
	if (p->t_cost < 1 || p->t_cost > SCEAU_KDF_ARGON2_T_MAX ||
	    p->parallelism < 1 || p->parallelism > SCEAU_KDF_ARGON2_P_MAX ||
	    p->m_cost_kib < SCEAU_KDF_ARGON2_M_MIN ||
	    p->m_cost_kib > SCEAU_KDF_ARGON2_M_MAX)
		return SCEAU_ERR_KDF_PARAMS;
	/* Argon2 needs at least 8 KiB (two blocks per slice) per lane. */
	if (p->m_cost_kib / 8 < p->parallelism)
		return SCEAU_ERR_KDF_PARAMS;
	return 0;
}

/* libargon2 wipes its memory before it calls this. */
static int
argon2_alloc_cb(uint8_t **memory, size_t bytes)
{
	*memory = sceau_malloc(bytes);
	return *memory == NULL ? -1 : 0;
}

static void
argon2_free_cb(uint8_t *memory, size_t bytes)
{
	(void)bytes;
	sceau_free(memory);
}

static int
argon2_code(int e)
{
	switch (e) {
	case ARGON2_OK:
		return 0;
	case ARGON2_MEMORY_ALLOCATION_ERROR:
		return SCEAU_ERR_ALLOC;
	default:
		debug_f("argon2: %s", argon2_error_message(e));
		return SCEAU_ERR_PASSWORD_HASH;
	}
}

/* libargon2 takes u32 lengths, and NULL only for an empty input. */
static int
argon2_input_ok(const void *p, size_t n, size_t min)
{
	return n >= min && n <= UINT32_MAX && (p != NULL || n == 0);
}

int
sceau_kdf_argon2id(const void *pw, size_t pwlen, const void *salt,
    size_t saltlen, const void *secret, size_t secretlen, const void *ad,
    size_t adlen, const struct sceau_kdf_argon2_params *p, uint8_t *out,
    size_t outlen)
{
	argon2_context ctx;
	int r;

	if (out != NULL && outlen <= UINT32_MAX)
		memset(out, 0, outlen);
	if (!argon2_input_ok(out, outlen, ARGON2_MIN_OUTLEN) ||
	    !argon2_input_ok(pw, pwlen, 0) ||
	    !argon2_input_ok(salt, saltlen, ARGON2_MIN_SALT_LENGTH) ||
	    !argon2_input_ok(secret, secretlen, 0) ||
	    !argon2_input_ok(ad, adlen, 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_kdf_argon2_check(p)) != 0)
		return r;
	memset(&ctx, 0, sizeof(ctx));
	ctx.out = out;
	ctx.outlen = (uint32_t)outlen;
	/*
	 * The inputs are only read: libargon2 writes to them only with the
	 * ARGON2_FLAG_CLEAR_* flags, which we do not set (they are not ours).
	 */
	ctx.pwd = (uint8_t *)(uintptr_t)pw;
	ctx.pwdlen = (uint32_t)pwlen;
	ctx.salt = (uint8_t *)(uintptr_t)salt;
	ctx.saltlen = (uint32_t)saltlen;
	ctx.secret = (uint8_t *)(uintptr_t)secret;
	ctx.secretlen = (uint32_t)secretlen;
	ctx.ad = (uint8_t *)(uintptr_t)ad;
	ctx.adlen = (uint32_t)adlen;
	ctx.t_cost = p->t_cost;
	ctx.m_cost = p->m_cost_kib;
	ctx.lanes = p->parallelism;
	ctx.threads = p->parallelism;
	ctx.version = ARGON2_VERSION_13;
	ctx.allocate_cbk = argon2_alloc_cb;
	ctx.free_cbk = argon2_free_cb;
	ctx.flags = ARGON2_DEFAULT_FLAGS;
	if ((r = argon2_code(argon2_ctx(&ctx, Argon2_id))) != 0)
		sceau_memzero(out, outlen);
	sceau_memzero(&ctx, sizeof(ctx));
	return r;
}

static void
put_u32(uint8_t *d, uint32_t v)
{
	d[0] = (uint8_t)(v >> 24);
	d[1] = (uint8_t)(v >> 16);
	d[2] = (uint8_t)(v >> 8);
	d[3] = (uint8_t)v;
}

int
sceau_kdf_argon2_params_put(
    struct sceau_buf *b, const struct sceau_kdf_argon2_params *p)
{
	uint8_t d[ARGON2_PARAMS_LEN];
	int r;

	/* Never write what _get would refuse. */
	if ((r = sceau_kdf_argon2_check(p)) != 0)
		return r;
	put_u32(d, p->t_cost);
	put_u32(d + 4, p->m_cost_kib);
	put_u32(d + 8, p->parallelism);
	/* One put: all or nothing. */
	return sceau_buf_put(b, d, sizeof(d));
}

static uint32_t
get_u32(const uint8_t *d)
{
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
	    (uint32_t)d[2] << 8 | (uint32_t)d[3];
}

int
sceau_kdf_argon2_params_get(
    struct sceau_buf *b, struct sceau_kdf_argon2_params *p)
{
	struct sceau_kdf_argon2_params v;
	const uint8_t *d;
	int r;

	memset(p, 0, sizeof(*p));
	/* Checked before consuming, so that a refused buffer is unchanged. */
	if (sceau_buf_len(b) < ARGON2_PARAMS_LEN)
		return SCEAU_ERR_MESSAGE_INCOMPLETE;
	d = sceau_buf_ptr(b);
	v.t_cost = get_u32(d);
	v.m_cost_kib = get_u32(d + 4);
	v.parallelism = get_u32(d + 8);
	if ((r = sceau_kdf_argon2_check(&v)) != 0 ||
	    (r = sceau_buf_consume(b, ARGON2_PARAMS_LEN)) != 0)
		return r;
	*p = v;
	return 0;
}
