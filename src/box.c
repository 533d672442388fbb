/*
 * box.c: sealed boxes on X25519 + HKDF-SHA256 + AES-256-GCM, and raw
 * X25519 agreement (see box.h for the layout).
 *
 * Each box has its own ephemeral key, hence its own AES key: the random
 * nonce only guards against a broken random generator repeating a key.
 * The alg byte and the ephemeral key are not in the GCM additional data;
 * they need not be: the alg byte must equal the one value we know, and the
 * ephemeral key is an input of the key derivation (so is the recipient's
 * key, which binds the box to its recipient).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "aead.h"
#include "alloc.h"
#include "box.h"
#include "buf.h"
#include "errors.h"
#include "kdf.h"
#include "log.h"
#include "random.h"
#include "secmem.h"

#define BOX_INFO "sceau box v1 x25519"
#define BOX_SHARED_LEN 32
#define BOX_OFF_EPK 1
#define BOX_OFF_NONCE (BOX_OFF_EPK + SCEAU_BOX_PUBLIC_LEN)
#define BOX_OFF_CT (BOX_OFF_NONCE + SCEAU_AEAD_NONCE_LEN)

struct sceau_boxkey {
	uint8_t *sk; /* SCEAU_BOX_SECRET_LEN bytes of secmem */
	EVP_PKEY *pkey;
	uint8_t pk[SCEAU_BOX_PUBLIC_LEN];
};

void
sceau_box_free(struct sceau_boxkey *k)
{
	if (k == NULL)
		return;
	sceau_secmem_free(k->sk);
	EVP_PKEY_free(k->pkey);
	sceau_freezero(k, sizeof(*k));
}

/* An X25519 EVP_PKEY from its secret, and its public key. */
static int
x25519_key(
    const uint8_t *sk, EVP_PKEY **pkeyp, uint8_t pk[SCEAU_BOX_PUBLIC_LEN])
{
	size_t len = SCEAU_BOX_PUBLIC_LEN;

	if ((*pkeyp = EVP_PKEY_new_raw_private_key_ex(
	         NULL, "X25519", NULL, sk, SCEAU_BOX_SECRET_LEN)) == NULL ||
	    EVP_PKEY_get_raw_public_key(*pkeyp, pk, &len) != 1 ||
	    len != SCEAU_BOX_PUBLIC_LEN) {
		EVP_PKEY_free(*pkeyp);
		*pkeyp = NULL;
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	return 0;
}

/* Takes the secret (secmem) in any case. */
static int
boxkey_from_secmem(uint8_t *sk, struct sceau_boxkey **kp)
{
	struct sceau_boxkey *k;
	int r;

	if ((k = sceau_calloc(1, sizeof(*k))) == NULL) {
		sceau_secmem_free(sk);
		return SCEAU_ERR_ALLOC;
	}
	k->sk = sk;
	if ((r = x25519_key(sk, &k->pkey, k->pk)) != 0) {
		sceau_box_free(k);
		return r;
	}
	*kp = k;
	return 0;
}

int
sceau_box_generate(struct sceau_boxkey **kp)
{
	uint8_t *sk;
	int r;

	*kp = NULL;
	if ((sk = sceau_secmem_alloc(SCEAU_BOX_SECRET_LEN)) == NULL)
		return SCEAU_ERR_SECMEM;
	if ((r = sceau_random_bytes(sk, SCEAU_BOX_SECRET_LEN)) != 0) {
		sceau_secmem_free(sk);
		return r;
	}
	return boxkey_from_secmem(sk, kp);
}

int
sceau_box_from_secret(
    const uint8_t sk[SCEAU_BOX_SECRET_LEN], struct sceau_boxkey **kp)
{
	uint8_t *s;

	*kp = NULL;
	if (sk == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((s = sceau_secmem_alloc(SCEAU_BOX_SECRET_LEN)) == NULL)
		return SCEAU_ERR_SECMEM;
	memcpy(s, sk, SCEAU_BOX_SECRET_LEN);
	return boxkey_from_secmem(s, kp);
}

void
sceau_box_public(const struct sceau_boxkey *k, uint8_t pk[SCEAU_BOX_PUBLIC_LEN])
{
	memcpy(pk, k->pk, SCEAU_BOX_PUBLIC_LEN);
}

void
sceau_box_secret(const struct sceau_boxkey *k, uint8_t sk[SCEAU_BOX_SECRET_LEN])
{
	memcpy(sk, k->sk, SCEAU_BOX_SECRET_LEN);
}

/* Constant time: non-zero when all n bytes are zero. */
static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static int
x25519_derive(EVP_PKEY *priv, const uint8_t peer[SCEAU_BOX_PUBLIC_LEN],
    uint8_t shared[BOX_SHARED_LEN])
{
	EVP_PKEY *peerkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t len = BOX_SHARED_LEN;
	int r = SCEAU_ERR_CRYPTO;

	memset(shared, 0, BOX_SHARED_LEN);
	if ((peerkey = EVP_PKEY_new_raw_public_key_ex(
	         NULL, "X25519", NULL, peer, SCEAU_BOX_PUBLIC_LEN)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peerkey) != 1)
		goto out;
	/* OpenSSL refuses an all-zero result itself; we check anyway. */
	if (EVP_PKEY_derive(ctx, shared, &len) != 1 || len != BOX_SHARED_LEN ||
	    all_zero(shared, BOX_SHARED_LEN)) {
		r = SCEAU_ERR_KEY_INVALID;
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		sceau_memzero(shared, BOX_SHARED_LEN);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peerkey);
	return r;
}

int
sceau_box_agree(const struct sceau_boxkey *k,
    const uint8_t peer[SCEAU_BOX_PUBLIC_LEN], uint8_t shared[32])
{
	if (peer == NULL) {
		memset(shared, 0, BOX_SHARED_LEN);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return x25519_derive(k->pkey, peer, shared);
}

/* The box key: HKDF(salt = eph_pk || recipient_pk, ikm = shared, info). */
static int
box_key(const uint8_t *shared, const uint8_t *epk, const uint8_t *rpk,
    uint8_t key[SCEAU_AEAD_KEY_LEN])
{
	uint8_t salt[2 * SCEAU_BOX_PUBLIC_LEN];

	memcpy(salt, epk, SCEAU_BOX_PUBLIC_LEN);
	memcpy(salt + SCEAU_BOX_PUBLIC_LEN, rpk, SCEAU_BOX_PUBLIC_LEN);
	return sceau_kdf_hkdf_sha256(salt, sizeof(salt), shared, BOX_SHARED_LEN,
	    BOX_INFO, sizeof(BOX_INFO) - 1, key, SCEAU_AEAD_KEY_LEN);
}

/* Ephemeral key pair and box key for recipient pk. */
static int
seal_keys(const uint8_t *pk, uint8_t epk[SCEAU_BOX_PUBLIC_LEN],
    uint8_t key[SCEAU_AEAD_KEY_LEN])
{
	uint8_t esk[SCEAU_BOX_SECRET_LEN], shared[BOX_SHARED_LEN];
	EVP_PKEY *eph = NULL;
	int r;

	/* The ephemeral secret lives for one call: the stack will do. */
	if ((r = sceau_random_bytes(esk, sizeof(esk))) != 0 ||
	    (r = x25519_key(esk, &eph, epk)) != 0 ||
	    (r = x25519_derive(eph, pk, shared)) != 0 ||
	    (r = box_key(shared, epk, pk, key)) != 0)
		goto out;
	r = 0;
out:
	sceau_memzero(esk, sizeof(esk));
	sceau_memzero(shared, sizeof(shared));
	EVP_PKEY_free(eph);
	return r;
}

int
sceau_box_seal(const uint8_t pk[SCEAU_BOX_PUBLIC_LEN], const void *aad,
    size_t aadlen, const void *m, size_t n, struct sceau_buf *out)
{
	uint8_t key[SCEAU_AEAD_KEY_LEN], *d = NULL;
	int r;

	if (pk == NULL || (aad == NULL && aadlen != 0) || (m == NULL && n != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (n > SCEAU_BUF_SIZE_MAX - SCEAU_BOX_OVERHEAD)
		return SCEAU_ERR_BUFFER_TOO_LARGE;
	if ((r = sceau_buf_reserve(out, SCEAU_BOX_OVERHEAD + n, &d)) != 0)
		return r;
	d[0] = SCEAU_BOX_ALG_X25519;
	if ((r = seal_keys(pk, d + BOX_OFF_EPK, key)) != 0 ||
	    (r = sceau_random_bytes(d + BOX_OFF_NONCE, SCEAU_AEAD_NONCE_LEN)) !=
	        0 ||
	    (r = sceau_aead_encrypt(NULL, key, d + BOX_OFF_NONCE, aad, aadlen,
	         m, n, d + BOX_OFF_CT, d + BOX_OFF_CT + n)) != 0)
		goto out;
	r = 0;
out:
	sceau_memzero(key, sizeof(key));
	if (r != 0) {
		/* Give the buffer back as it was. */
		sceau_memzero(d, SCEAU_BOX_OVERHEAD + n);
		(void)sceau_buf_consume_end(out, SCEAU_BOX_OVERHEAD + n);
	}
	return r;
}

int
sceau_box_open(const struct sceau_boxkey *k, const void *aad, size_t aadlen,
    const void *c, size_t n, struct sceau_buf *out)
{
	const uint8_t *box = c;
	uint8_t key[SCEAU_AEAD_KEY_LEN], shared[BOX_SHARED_LEN];
	uint8_t empty[1], *d = empty;
	size_t ctlen;
	int r;

	if ((aad == NULL && aadlen != 0) || (c == NULL && n != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (n < SCEAU_BOX_OVERHEAD || box[0] != SCEAU_BOX_ALG_X25519)
		return SCEAU_ERR_INVALID_FORMAT;
	ctlen = n - SCEAU_BOX_OVERHEAD;
	if ((r = x25519_derive(k->pkey, box + BOX_OFF_EPK, shared)) != 0) {
		/* A low-order ephemeral key is an altered box. */
		if (r == SCEAU_ERR_KEY_INVALID)
			r = SCEAU_ERR_DECRYPT_FAILED;
		goto out;
	}
	if ((r = box_key(shared, box + BOX_OFF_EPK, k->pk, key)) != 0)
		goto out;
	/* An empty message appends nothing (and may meet an empty out). */
	if (ctlen > 0 && (r = sceau_buf_reserve(out, ctlen, &d)) != 0)
		goto out;
	if ((r = sceau_aead_decrypt(NULL, key, box + BOX_OFF_NONCE, aad, aadlen,
	         box + BOX_OFF_CT, ctlen, box + BOX_OFF_CT + ctlen, d)) != 0) {
		/* The plaintext was wiped; give the buffer back as it was. */
		(void)sceau_buf_consume_end(out, ctlen);
		goto out;
	}
	r = 0;
out:
	sceau_memzero(key, sizeof(key));
	sceau_memzero(shared, sizeof(shared));
	return r;
}
