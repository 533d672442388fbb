/*
 * sign.c: Ed25519 signatures (RFC 8032) through OpenSSL 3 EVP.
 *
 * Ed25519 is used "pure" (the whole message goes in, no pre-hash), which
 * EVP spells as EVP_DigestSign with a NULL digest.  The seed sits in
 * secmem pages; OpenSSL keeps its own expanded copy inside the EVP_PKEY
 * (in its secure heap once sceau_secmem_harden_process() has set it up).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "alloc.h"
#include "errors.h"
#include "log.h"
#include "random.h"
#include "secmem.h"
#include "sign.h"

struct sceau_signkey {
	uint8_t *seed; /* SCEAU_SIGN_SEED_LEN bytes of secmem; NULL: remote */
	EVP_PKEY *pkey;
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
	sceau_sign_remote_fn remote; /* signs elsewhere (sceau-agent) */
	void *remote_arg;
};

struct sceau_verifykey {
	EVP_PKEY *pkey;
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN];
};

/* EVP refuses a NULL message even when it is empty. */
static const uint8_t sign_empty[1];

void
sceau_sign_free(struct sceau_signkey *k)
{
	if (k == NULL)
		return;
	sceau_secmem_free(k->seed);
	EVP_PKEY_free(k->pkey);
	sceau_freezero(k, sizeof(*k));
}

/* Takes the seed (secmem) in any case. */
static int
signkey_from_secmem(uint8_t *seed, struct sceau_signkey **kp)
{
	struct sceau_signkey *k;
	size_t len = SCEAU_SIGN_PUBLIC_LEN;
	int r = SCEAU_ERR_CRYPTO;

	if ((k = sceau_calloc(1, sizeof(*k))) == NULL) {
		sceau_secmem_free(seed);
		return SCEAU_ERR_ALLOC;
	}
	k->seed = seed;
	if ((k->pkey = EVP_PKEY_new_raw_private_key_ex(
	         NULL, "ED25519", NULL, seed, SCEAU_SIGN_SEED_LEN)) == NULL ||
	    EVP_PKEY_get_raw_public_key(k->pkey, k->pk, &len) != 1 ||
	    len != SCEAU_SIGN_PUBLIC_LEN) {
		ERR_clear_error();
		debug_r(r, "Ed25519 key from seed");
		goto out;
	}
	*kp = k;
	k = NULL;
	r = 0;
out:
	sceau_sign_free(k);
	return r;
}

int
sceau_sign_generate(struct sceau_signkey **kp)
{
	uint8_t *seed;
	int r;

	*kp = NULL;
	if ((seed = sceau_secmem_alloc(SCEAU_SIGN_SEED_LEN)) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((r = sceau_random_bytes(seed, SCEAU_SIGN_SEED_LEN)) != 0) {
		sceau_secmem_free(seed);
		return r;
	}
	return signkey_from_secmem(seed, kp);
}

int
sceau_sign_from_seed(
    const uint8_t seed[SCEAU_SIGN_SEED_LEN], struct sceau_signkey **kp)
{
	uint8_t *s;

	*kp = NULL;
	if (seed == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((s = sceau_secmem_alloc(SCEAU_SIGN_SEED_LEN)) == NULL)
		return SCEAU_ERR_SECMEM;
	memcpy(s, seed, SCEAU_SIGN_SEED_LEN);
	return signkey_from_secmem(s, kp);
}

int
sceau_sign_remote(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN],
    sceau_sign_remote_fn fn, void *arg, struct sceau_signkey **kp)
{
	struct sceau_signkey *k;

	*kp = NULL;
	if (fn == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((k = sceau_calloc(1, sizeof(*k))) == NULL)
		return SCEAU_ERR_ALLOC;
	memcpy(k->pk, pk, SCEAU_SIGN_PUBLIC_LEN);
	k->remote = fn;
	k->remote_arg = arg;
	*kp = k;
	return 0;
}

int
sceau_sign_is_remote(const struct sceau_signkey *k)
{
	return k->remote != NULL;
}

void
sceau_sign_public(
    const struct sceau_signkey *k, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN])
{
	memcpy(pk, k->pk, SCEAU_SIGN_PUBLIC_LEN);
}

void
sceau_sign_seed(
    const struct sceau_signkey *k, uint8_t seed[SCEAU_SIGN_SEED_LEN])
{
	if (k->seed == NULL)
		memset(seed, 0, SCEAU_SIGN_SEED_LEN);
	else
		memcpy(seed, k->seed, SCEAU_SIGN_SEED_LEN);
}

/*
 * A remote signature, checked with the key's public half: a signer that
 * answers with a signature of another key or message is caught here.
 */
static int
sign_remote(const struct sceau_signkey *k, const void *m, size_t n,
    uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	int r;

	if ((r = k->remote(k->remote_arg, n == 0 ? sign_empty : m, n, sig)) ==
	        0 &&
	    (r = sceau_sign_verify(k->pk, m, n, sig)) != 0)
		r = SCEAU_ERR_CRYPTO;
	if (r != 0)
		memset(sig, 0, SCEAU_SIGN_SIG_LEN);
	return r;
}

int
sceau_sign(const struct sceau_signkey *k, const void *m, size_t n,
    uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = SCEAU_SIGN_SIG_LEN;
	int r = SCEAU_ERR_CRYPTO;

	memset(sig, 0, SCEAU_SIGN_SIG_LEN);
	if (m == NULL && n != 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (k->remote != NULL)
		return sign_remote(k, m, n, sig);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) !=
	        1 ||
	    EVP_DigestSign(ctx, sig, &siglen, n == 0 ? sign_empty : m, n) !=
	        1 ||
	    siglen != SCEAU_SIGN_SIG_LEN) {
		memset(sig, 0, SCEAU_SIGN_SIG_LEN);
		ERR_clear_error();
		debug_r(r, "Ed25519 sign");
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
verify_pkey(EVP_PKEY *pkey, const void *m, size_t n,
    const uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	EVP_MD_CTX *ctx = NULL;
	int r = SCEAU_ERR_CRYPTO, ok;

	if ((m == NULL && n != 0) || sig == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, pkey, NULL) !=
	        1) {
		ERR_clear_error();
		goto out;
	}
	/*
	 * 1 is a valid signature; 0 a wrong one; anything else is a
	 * malformed signature or key.  Only 1 is accepted.
	 */
	ok = EVP_DigestVerify(
	    ctx, sig, SCEAU_SIGN_SIG_LEN, n == 0 ? sign_empty : m, n);
	if (ok != 1) {
		ERR_clear_error();
		r = SCEAU_ERR_SIGNATURE_INVALID;
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
sceau_sign_verify(const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN], const void *m,
    size_t n, const uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	struct sceau_verifykey *v = NULL;
	int r;

	if ((r = sceau_verifykey_new(pk, &v)) != 0) {
		/* A key that cannot be decoded verifies nothing. */
		return r == SCEAU_ERR_KEY_INVALID ? SCEAU_ERR_SIGNATURE_INVALID
		                                  : r;
	}
	r = sceau_verifykey_verify(v, m, n, sig);
	sceau_verifykey_free(v);
	return r;
}

int
sceau_verifykey_new(
    const uint8_t pk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_verifykey **vp)
{
	struct sceau_verifykey *v;

	*vp = NULL;
	if (pk == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((v = sceau_calloc(1, sizeof(*v))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((v->pkey = EVP_PKEY_new_raw_public_key_ex(
	         NULL, "ED25519", NULL, pk, SCEAU_SIGN_PUBLIC_LEN)) == NULL) {
		ERR_clear_error();
		sceau_free(v);
		return SCEAU_ERR_KEY_INVALID;
	}
	memcpy(v->pk, pk, SCEAU_SIGN_PUBLIC_LEN);
	*vp = v;
	return 0;
}

void
sceau_verifykey_free(struct sceau_verifykey *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_free(v->pkey);
	sceau_free(v);
}

void
sceau_verifykey_public(
    const struct sceau_verifykey *v, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN])
{
	memcpy(pk, v->pk, SCEAU_SIGN_PUBLIC_LEN);
}

int
sceau_verifykey_verify(const struct sceau_verifykey *v, const void *m, size_t n,
    const uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	return verify_pkey(v->pkey, m, n, sig);
}
