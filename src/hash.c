/*
 * hash.c: SHA-256 and HMAC-SHA256 through OpenSSL 3 EVP.
 *
 * The algorithm objects are fetched once per process (pthread_once) and
 * shared read-only by every thread: a fetch walks the provider tables
 * under a lock, which costs more than hashing a small message.  They are
 * never freed; OpenSSL releases its providers at exit.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "alloc.h"
#include "errors.h"
#include "hash.h"
#include "log.h"
#include "secmem.h"

struct sceau_hash_ctx {
	EVP_MD_CTX *md;
	int ready; /* initialized and not yet finalized */
};

static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static EVP_MD *hash_sha256;
/*
 * An HMAC context with its digest already set, duplicated for each MAC:
 * setting the digest by name would fetch it again on every call.
 */
static EVP_MAC_CTX *hash_hmac_template;

static void
hash_fetch(void)
{
	static char digest[] = "SHA2-256";
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	hash_sha256 = EVP_MD_fetch(NULL, digest, NULL);
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto out;
	params[0] =
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((hash_hmac_template = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_CTX_set_params(hash_hmac_template, params) != 1) {
		EVP_MAC_CTX_free(hash_hmac_template);
		hash_hmac_template = NULL;
	}
out:
	/* The context keeps its own reference to the MAC. */
	EVP_MAC_free(mac);
	ERR_clear_error();
}

static const EVP_MD *
hash_md(void)
{
	if (pthread_once(&hash_once, hash_fetch) != 0)
		return NULL;
	return hash_sha256;
}

/* A new HMAC-SHA256 context, not keyed yet; NULL on failure. */
static EVP_MAC_CTX *
hash_mac_new(void)
{
	if (pthread_once(&hash_once, hash_fetch) != 0 ||
	    hash_hmac_template == NULL)
		return NULL;
	return EVP_MAC_CTX_dup(hash_hmac_template);
}

int
sceau_hash_sha256(const void *p, size_t n, uint8_t out[SCEAU_SHA256_LEN])
{
	const EVP_MD *md;
	unsigned int len = 0;

	memset(out, 0, SCEAU_SHA256_LEN);
	if (p == NULL && n != 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((md = hash_md()) == NULL ||
	    EVP_Digest(p, n, out, &len, md, NULL) != 1 ||
	    len != SCEAU_SHA256_LEN) {
		memset(out, 0, SCEAU_SHA256_LEN);
		ERR_clear_error();
		debug_r(SCEAU_ERR_CRYPTO, "SHA-256");
		return SCEAU_ERR_CRYPTO;
	}
	return 0;
}

struct sceau_hash_ctx *
sceau_hash_ctx_new(void)
{
	struct sceau_hash_ctx *c;

	if ((c = sceau_calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->md = EVP_MD_CTX_new()) == NULL || sceau_hash_init(c) != 0) {
		sceau_hash_ctx_free(c);
		return NULL;
	}
	return c;
}

void
sceau_hash_ctx_free(struct sceau_hash_ctx *c)
{
	if (c == NULL)
		return;
	/* The state may describe a secret message: EVP wipes it on free. */
	EVP_MD_CTX_free(c->md);
	sceau_freezero(c, sizeof(*c));
}

int
sceau_hash_init(struct sceau_hash_ctx *c)
{
	const EVP_MD *md;

	c->ready = 0;
	if ((md = hash_md()) == NULL ||
	    EVP_DigestInit_ex2(c->md, md, NULL) != 1) {
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	c->ready = 1;
	return 0;
}

int
sceau_hash_update(struct sceau_hash_ctx *c, const void *p, size_t n)
{
	if (!c->ready || (p == NULL && n != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (n == 0)
		return 0;
	if (EVP_DigestUpdate(c->md, p, n) != 1) {
		c->ready = 0;
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	return 0;
}

int
sceau_hash_final(struct sceau_hash_ctx *c, uint8_t out[SCEAU_SHA256_LEN])
{
	unsigned int len = 0;
	int ready = c->ready;

	memset(out, 0, SCEAU_SHA256_LEN);
	/* Whatever happens, a new message needs _init first. */
	c->ready = 0;
	if (!ready)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (EVP_DigestFinal_ex(c->md, out, &len) != 1 ||
	    len != SCEAU_SHA256_LEN) {
		memset(out, 0, SCEAU_SHA256_LEN);
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	return 0;
}

int
sceau_hash_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t n, uint8_t out[SCEAU_SHA256_LEN])
{
	/* HMAC treats a NULL key as "keep the previous key": pass "" instead. */
	static const uint8_t empty[1];
	EVP_MAC_CTX *ctx = NULL;
	size_t len = 0;
	int r = SCEAU_ERR_CRYPTO;

	memset(out, 0, SCEAU_SHA256_LEN);
	if ((key == NULL && keylen != 0) || (data == NULL && n != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((ctx = hash_mac_new()) == NULL ||
	    EVP_MAC_init(ctx, keylen == 0 ? empty : key, keylen, NULL) != 1 ||
	    (n > 0 && EVP_MAC_update(ctx, data, n) != 1) ||
	    EVP_MAC_final(ctx, out, &len, SCEAU_SHA256_LEN) != 1 ||
	    len != SCEAU_SHA256_LEN) {
		memset(out, 0, SCEAU_SHA256_LEN);
		ERR_clear_error();
		debug_r(r, "HMAC-SHA256");
		goto out;
	}
	r = 0;
out:
	/* The context holds the padded key: EVP wipes it on free. */
	EVP_MAC_CTX_free(ctx);
	return r;
}

int
sceau_hash_hmac_sha256_verify(const void *key, size_t keylen, const void *data,
    size_t n, const uint8_t tag[SCEAU_SHA256_LEN])
{
	uint8_t mac[SCEAU_SHA256_LEN];
	int r;

	if ((r = sceau_hash_hmac_sha256(key, keylen, data, n, mac)) != 0)
		goto out;
	if (sceau_timingsafe_bcmp(mac, tag, sizeof(mac)) != 0) {
		r = SCEAU_ERR_SIGNATURE_INVALID;
		goto out;
	}
	r = 0;
out:
	sceau_memzero(mac, sizeof(mac));
	return r;
}
