/*
 * token-host.c: the host's half of the token layer, with no token:
 * certificates' public keys, wrapping a key to a certificate, verifying a
 * token's signature.  The layout of wrapped blobs is in token.h and
 * doc/tokens.md; token.c unwraps them on the token with the same helpers.
 */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "aead.h"
#include "alloc.h"
#include "errors.h"
#include "kdf.h"
#include "random.h"
#include "secmem.h"
#include "token-internal.h"
#include "token.h"

#define WRAP_INFO_P256 "sceau token wrap v1 ecdh-p256"
#define WRAP_INFO_P384 "sceau token wrap v1 ecdh-p384"

const char *
sceau_token_key_type_name(enum sceau_token_key_type type)
{
	switch (type) {
	case SCEAU_TOKEN_KEY_RSA:
		return "rsa";
	case SCEAU_TOKEN_KEY_EC_P256:
		return "ec-p256";
	case SCEAU_TOKEN_KEY_EC_P384:
		return "ec-p384";
	case SCEAU_TOKEN_KEY_NONE:
		break;
	}
	return NULL;
}

const char *
sceau_token_sig_alg(enum sceau_token_key_type type)
{
	switch (type) {
	case SCEAU_TOKEN_KEY_RSA:
		return "rsa-pss-sha256";
	case SCEAU_TOKEN_KEY_EC_P256:
		return "ecdsa-p256-sha256";
	case SCEAU_TOKEN_KEY_EC_P384:
		return "ecdsa-p384-sha384";
	case SCEAU_TOKEN_KEY_NONE:
		break;
	}
	return NULL;
}

const char *
sceau_token_wrap_alg_name(int alg)
{
	switch (alg) {
	case SCEAU_TOKEN_WRAP_ECDH_P256:
		return "ecdh-p256";
	case SCEAU_TOKEN_WRAP_ECDH_P384:
		return "ecdh-p384";
	case SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256:
		return "rsa-oaep-sha256";
	case SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1:
		return "rsa-oaep-sha1";
	default:
		return NULL;
	}
}

const char *
token_sig_md(enum sceau_token_key_type type)
{
	return type == SCEAU_TOKEN_KEY_EC_P384 ? "SHA384" : "SHA256";
}

size_t
token_ec_field_len(enum sceau_token_key_type type)
{
	if (type == SCEAU_TOKEN_KEY_EC_P256)
		return 32;
	if (type == SCEAU_TOKEN_KEY_EC_P384)
		return 48;
	return 0;
}

int
token_ec_wrap_alg(enum sceau_token_key_type type)
{
	if (type == SCEAU_TOKEN_KEY_EC_P256)
		return SCEAU_TOKEN_WRAP_ECDH_P256;
	if (type == SCEAU_TOKEN_KEY_EC_P384)
		return SCEAU_TOKEN_WRAP_ECDH_P384;
	return 0;
}

size_t
token_ec_wrap_len(enum sceau_token_key_type type)
{
	return 1 + 1 + 2 * token_ec_field_len(type) + SCEAU_AEAD_NONCE_LEN +
	    SCEAU_TOKEN_WRAP_KEY_LEN + SCEAU_AEAD_TAG_LEN;
}

static const char *
ec_group(enum sceau_token_key_type type)
{
	return type == SCEAU_TOKEN_KEY_EC_P384 ? "P-384" : "P-256";
}

/* The supported key type of pk, and its size. */
static int
pkey_type(EVP_PKEY *pk, enum sceau_token_key_type *type, unsigned int *bits)
{
	char group[64];
	int b = EVP_PKEY_get_bits(pk);

	*type = SCEAU_TOKEN_KEY_NONE;
	*bits = b > 0 ? (unsigned int)b : 0;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		if (b < TOKEN_RSA_BITS_MIN || b > TOKEN_RSA_BITS_MAX) {
			sceau_message("RSA key of %d bits", b);
			return SCEAU_ERR_TOKEN_KEY_TYPE;
		}
		*type = SCEAU_TOKEN_KEY_RSA;
		return 0;
	}
	if (EVP_PKEY_is_a(pk, "EC") &&
	    EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) == 1) {
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			*type = SCEAU_TOKEN_KEY_EC_P256;
		else if (strcmp(group, "secp384r1") == 0 ||
		    strcmp(group, "P-384") == 0)
			*type = SCEAU_TOKEN_KEY_EC_P384;
		if (*type != SCEAU_TOKEN_KEY_NONE)
			return 0;
		sceau_message("EC key on curve %s", group);
		return SCEAU_ERR_TOKEN_KEY_TYPE;
	}
	sceau_message("key of type %s", EVP_PKEY_get0_type_name(pk));
	return SCEAU_ERR_TOKEN_KEY_TYPE;
}

int
token_cert_pubkey(const uint8_t *der, size_t len, EVP_PKEY **pkp,
    enum sceau_token_key_type *type, unsigned int *bits)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	int r;

	*pkp = NULL;
	*type = SCEAU_TOKEN_KEY_NONE;
	*bits = 0;
	if (der == NULL || len == 0 || len > SCEAU_TOKEN_CERT_MAX)
		return SCEAU_ERR_CERT_FORMAT;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len ||
	    (pk = X509_get_pubkey(x)) == NULL) {
		sceau_message("not a DER X.509 certificate");
		r = SCEAU_ERR_CERT_FORMAT;
		goto out;
	}
	if ((r = pkey_type(pk, type, bits)) != 0)
		goto out;
	*pkp = pk;
	pk = NULL;
	r = 0;
out:
	EVP_PKEY_free(pk);
	X509_free(x);
	ERR_clear_error();
	return r;
}

int
sceau_token_cert_key_type(const uint8_t *der, size_t len,
    enum sceau_token_key_type *type, unsigned int *bits)
{
	EVP_PKEY *pk;
	int r;

	if ((r = token_cert_pubkey(der, len, &pk, type, bits)) != 0)
		return r;
	EVP_PKEY_free(pk);
	return 0;
}

int
token_ec_point(const EVP_PKEY *pk, enum sceau_token_key_type type, uint8_t *out,
    size_t *lenp)
{
	size_t want = 1 + 2 * token_ec_field_len(type), len = 0;

	*lenp = 0;
	if (EVP_PKEY_get_octet_string_param(pk,
	        OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out, TOKEN_EC_POINT_MAX,
	        &len) != 1 ||
	    len != want || out[0] != 0x04) {
		ERR_clear_error();
		sceau_message("EC public key not an uncompressed point");
		return SCEAU_ERR_TOKEN_KEY_TYPE;
	}
	*lenp = len;
	return 0;
}

/* An EVP_PKEY for a public point of the type's curve; NULL if invalid. */
static EVP_PKEY *
ec_public(enum sceau_token_key_type type, const uint8_t *point, size_t len)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)ec_group(type), 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)point, len);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

int
token_ec_point_check(
    enum sceau_token_key_type type, const uint8_t *point, size_t len)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	int ok = 0;

	/* Only uncompressed points, on the curve, not the point at infinity:
	 * a token may not check, and a bad point leaks bits of its key. */
	if (len == 1 + 2 * token_ec_field_len(type) && point[0] == 0x04 &&
	    (pk = ec_public(type, point, len)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) != NULL)
		ok = EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok ? 0 : SCEAU_ERR_KEY_INVALID;
}

int
token_ec_wrap_key(enum sceau_token_key_type type, const uint8_t *e,
    const uint8_t *r, const uint8_t *shared, uint8_t key[32])
{
	uint8_t salt[2 * TOKEN_EC_POINT_MAX];
	size_t plen = 1 + 2 * token_ec_field_len(type);
	const char *info =
	    type == SCEAU_TOKEN_KEY_EC_P384 ? WRAP_INFO_P384 : WRAP_INFO_P256;

	memcpy(salt, e, plen);
	memcpy(salt + plen, r, plen);
	return sceau_kdf_hkdf_sha256(salt, 2 * plen, shared,
	    token_ec_field_len(type), info, strlen(info), key,
	    SCEAU_TOKEN_WRAP_KEY_LEN);
}

/* ECDH of an ephemeral key with pk: the shared x and E. */
static int
ec_ephemeral(
    EVP_PKEY *pk, enum sceau_token_key_type type, uint8_t *shared, uint8_t *e)
{
	EVP_PKEY *eph = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t slen = token_ec_field_len(type), elen;
	int r = SCEAU_ERR_CRYPTO;

	if ((eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ec_group(type))) ==
	        NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, pk) != 1 ||
	    EVP_PKEY_derive(ctx, shared, &slen) != 1 ||
	    slen != token_ec_field_len(type))
		goto out;
	if ((r = token_ec_point(eph, type, e, &elen)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		sceau_memzero(shared, TOKEN_EC_FIELD_MAX);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(eph);
	ERR_clear_error();
	return r;
}

/* blob = alg || E || nonce || AES-GCM(key) || tag; *lenp its length. */
static int
wrap_ec(EVP_PKEY *pk, enum sceau_token_key_type type, const uint8_t *key,
    uint8_t *blob, size_t *lenp)
{
	uint8_t shared[TOKEN_EC_FIELD_MAX], rpt[TOKEN_EC_POINT_MAX], k[32];
	size_t plen = 1 + 2 * token_ec_field_len(type), rlen;
	uint8_t *e = blob + 1, *nonce = e + plen;
	uint8_t *ct = nonce + SCEAU_AEAD_NONCE_LEN;
	int r;

	blob[0] = (uint8_t)token_ec_wrap_alg(type);
	if ((r = token_ec_point(pk, type, rpt, &rlen)) != 0 ||
	    (r = ec_ephemeral(pk, type, shared, e)) != 0 ||
	    (r = token_ec_wrap_key(type, e, rpt, shared, k)) != 0 ||
	    (r = sceau_random_bytes(nonce, SCEAU_AEAD_NONCE_LEN)) != 0 ||
	    (r = sceau_aead_encrypt(NULL, k, nonce, NULL, 0, key,
	         SCEAU_TOKEN_WRAP_KEY_LEN, ct,
	         ct + SCEAU_TOKEN_WRAP_KEY_LEN)) != 0)
		goto out;
	*lenp = token_ec_wrap_len(type);
	r = 0;
out:
	sceau_memzero(shared, sizeof(shared));
	sceau_memzero(k, sizeof(k));
	return r;
}

/* OAEP parameters of a wrap alg on an encrypt or decrypt context. */
static int
oaep_params(EVP_PKEY_CTX *ctx, int alg)
{
	const char *md =
	    alg == SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1 ? "SHA1" : "SHA256";

	return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) == 1;
}

static int
wrap_rsa(EVP_PKEY *pk, int alg, const uint8_t *key, uint8_t *blob, size_t *lenp)
{
	EVP_PKEY_CTX *ctx;
	size_t n = SCEAU_TOKEN_WRAP_MAX - 1;
	int r = SCEAU_ERR_CRYPTO;

	blob[0] = (uint8_t)alg;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) != NULL &&
	    EVP_PKEY_encrypt_init(ctx) == 1 && oaep_params(ctx, alg) &&
	    EVP_PKEY_encrypt(
	        ctx, blob + 1, &n, key, SCEAU_TOKEN_WRAP_KEY_LEN) == 1) {
		*lenp = 1 + n;
		r = 0;
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

int
sceau_token_wrap_to_cert(const uint8_t *der, size_t len, int alg,
    const uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN], struct sceau_buf *out)
{
	uint8_t blob[SCEAU_TOKEN_WRAP_MAX];
	enum sceau_token_key_type type;
	size_t blen = 0;
	unsigned int bits;
	EVP_PKEY *pk;
	int r;

	sceau_return_val_if_fail(
	    key != NULL && out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = token_cert_pubkey(der, len, &pk, &type, &bits)) != 0)
		return r;
	if (type == SCEAU_TOKEN_KEY_RSA) {
		if (alg == 0)
			alg = SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256;
		if (alg != SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256 &&
		    alg != SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1)
			r = SCEAU_ERR_INVALID_ARGUMENT;
		else
			r = wrap_rsa(pk, alg, key, blob, &blen);
	} else if (alg != 0 && alg != token_ec_wrap_alg(type)) {
		r = SCEAU_ERR_INVALID_ARGUMENT;
	} else {
		r = wrap_ec(pk, type, key, blob, &blen);
	}
	if (r == SCEAU_ERR_INVALID_ARGUMENT)
		sceau_message("wrap alg 0x%02x does not suit a %s key", alg,
		    sceau_token_key_type_name(type));
	if (r == 0)
		r = sceau_buf_put(out, blob, blen);
	sceau_memzero(blob, sizeof(blob));
	EVP_PKEY_free(pk);
	return r;
}

static int
verify_init(EVP_MD_CTX *mctx, EVP_PKEY *pk, enum sceau_token_key_type type)
{
	EVP_PKEY_CTX *pctx = NULL;

	if (EVP_DigestVerifyInit_ex(
	        mctx, &pctx, token_sig_md(type), NULL, NULL, pk, NULL) != 1)
		return 0;
	if (type != SCEAU_TOKEN_KEY_RSA)
		return 1;
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) == 1;
}

int
sceau_token_verify(const uint8_t *der, size_t len, const char *alg,
    const void *data, size_t n, const void *sig, size_t siglen)
{
	enum sceau_token_key_type type;
	EVP_MD_CTX *mctx = NULL;
	unsigned int bits;
	EVP_PKEY *pk;
	int r;

	sceau_return_val_if_fail(alg != NULL && (data != NULL || n == 0) &&
	        (sig != NULL || siglen == 0),
	    SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = token_cert_pubkey(der, len, &pk, &type, &bits)) != 0)
		return r;
	r = SCEAU_ERR_SIGNATURE_INVALID;
	if (strcmp(alg, sceau_token_sig_alg(type)) != 0) {
		sceau_message("signature algorithm %s for a %s key", alg,
		    sceau_token_key_type_name(type));
		goto out;
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (!verify_init(mctx, pk, type)) {
		r = SCEAU_ERR_CRYPTO;
		goto out;
	}
	if (EVP_DigestVerify(mctx, sig, siglen, data, n) == 1)
		r = 0;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return r;
}
