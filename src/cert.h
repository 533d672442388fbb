/*
 * cert.h: certificates, the signed records of an organization.
 *
 * Format and rules: doc/certificates.md.  This module encodes, signs,
 * verifies and decodes single certificates and identity blobs; chain.h
 * validates them in sequence.
 */
#ifndef SCEAU_CERT_H
#define SCEAU_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"
#include "sign.h"

#define SCEAU_CERT_MAX (512 * 1024) /* envelope bytes */
#define SCEAU_REALM_MEMBERS_MAX 3000 /* sealed keys in one certificate */
#define SCEAU_SEALED_KEY_MAX 1024
#define SCEAU_REALM_NAME_CT_MAX 1024 /* encrypted workspace name */
#define SCEAU_CERT_IDENTITY_MAX 1024 /* identity blob bytes */
#define SCEAU_ORG_ID_MAX 64
#define SCEAU_ID_LEN 32 /* user and device ids: 32 lowercase hex */
#define SCEAU_EMAIL_MAX 254
#define SCEAU_NAME_MAX 128
#define SCEAU_CERT_HASH_LEN 32
#define SCEAU_ENC_KEY_MAX 1024 /* encryption public key bytes */
#define SCEAU_CERT_X509_MAX 8 /* certificates in an X.509 list */
#define SCEAU_CERT_X509_DER_MAX 16384 /* bytes of one of them */
#define SCEAU_CERT_TOKEN_ALG_MAX 32 /* "rsa-pss-sha256"... */
#define SCEAU_CERT_TOKEN_SIG_MAX 1024 /* bytes of a token signature */
#define SCEAU_CERT_POLICY_MAX (256 * 1024) /* organization policy document */

enum sceau_cert_kind {
	SCEAU_CERT_ORG = 1,
	SCEAU_CERT_USER = 2,
	SCEAU_CERT_DEVICE = 3,
	SCEAU_CERT_USER_UPDATE = 4,
	SCEAU_CERT_USER_REVOKE = 5,
	SCEAU_CERT_DEVICE_REVOKE = 6,
	SCEAU_CERT_REALM_KEY = 10,
	SCEAU_CERT_REALM_ROLE = 11,
	SCEAU_CERT_REALM_NAME = 12,
	SCEAU_CERT_ORG_POLICY = 20,
};

enum sceau_profile {
	SCEAU_PROFILE_ADMIN = 1,
	SCEAU_PROFILE_MEMBER = 2,
	SCEAU_PROFILE_EXTERNAL = 3,
};

#define SCEAU_ORG_FLAG_PROFILE_CHANGE 0x01

/*
 * A sealed workspace key in a realm certificate: in a realm key
 * certificate, one per member (user_id set); in a realm role certificate,
 * one per key index (key_index set).  sealed is lent (see below).
 */
struct sceau_cert_key {
	char user_id[SCEAU_ID_LEN + 1];
	uint32_t key_index;
	const uint8_t *sealed;
	size_t sealed_len;
};

/*
 * A decoded certificate.  Strings are NUL-terminated copies it owns.  The
 * sealed keys and encrypted name of realm certificates are lent: after a
 * decode they point into the envelope (valid while it is); to sign, the
 * caller points keys_in / enc_name at its own memory.
 */
struct sceau_cert {
	enum sceau_cert_kind kind;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	uint64_t index;
	uint8_t prev_hash[SCEAU_CERT_HASH_LEN];
	uint64_t timestamp; /* author's clock, microseconds */
	char author[SCEAU_ID_LEN + 1]; /* "" for the root key */
	/* Kind-specific (zero when unused). */
	uint8_t root_verify_key[SCEAU_SIGN_PUBLIC_LEN]; /* ORG */
	uint8_t org_flags; /* ORG */
	char user_id[SCEAU_ID_LEN + 1]; /* USER, DEVICE, USER_* */
	char device_id[SCEAU_ID_LEN + 1]; /* DEVICE, DEVICE_REVOKE */
	uint8_t identity_hash[SCEAU_CERT_HASH_LEN]; /* USER, DEVICE */
	enum sceau_profile profile; /* USER, USER_UPDATE */
	char enc_alg[16]; /* USER: "x25519" */
	uint8_t enc_key[SCEAU_ENC_KEY_MAX]; /* USER */
	size_t enc_key_len;
	uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN]; /* DEVICE */
	char realm_id[SCEAU_ID_LEN + 1]; /* REALM_* */
	uint32_t key_index; /* REALM_KEY, _NAME */
	uint8_t key_check[SCEAU_CERT_HASH_LEN]; /* REALM_KEY */
	uint8_t role; /* REALM_ROLE */
	uint32_t n_keys; /* REALM_KEY, _ROLE */
	const struct sceau_cert_key *keys_in; /* when signing */
	const uint8_t *keys_raw; /* after decoding */
	size_t keys_raw_len;
	const uint8_t *enc_name; /* REALM_NAME: nonce || ct || tag */
	size_t enc_name_len;
	/* ORG_POLICY: its version and XML document, lent like enc_name. */
	uint32_t policy_version;
	const uint8_t *policy_doc;
	size_t policy_doc_len;
	/*
	 * X.509 (extensions, doc/certificates.md): DEVICE, the token's
	 * certificate chain (leaf first) its key is bound to; ORG, the
	 * organization's PKI trust anchors.  x509_list is the encoded list
	 * (u32 count, then each DER as a string), lent like keys_raw; walk it
	 * with sceau_cert_x509_next().  x509_fingerprint: SHA-256 of the
	 * DEVICE's leaf (set when decoding and when signing).
	 */
	const uint8_t *x509_list;
	size_t x509_list_len;
	uint8_t x509_fingerprint[SCEAU_CERT_HASH_LEN];
	/* Envelope facts. */
	uint8_t hash[SCEAU_CERT_HASH_LEN]; /* SHA-256 of the envelope */
	size_t n_extra_sigs;
	/* The token signature (the only extra one defined), lent. */
	char token_sig_alg[SCEAU_CERT_TOKEN_ALG_MAX + 1];
	const uint8_t *token_sig;
	size_t token_sig_len;
};

/* Identity blob (names, emails, labels), see doc/certificates.md. */
struct sceau_identity {
	enum sceau_cert_kind kind; /* USER or DEVICE */
	uint8_t salt[16];
	char email[SCEAU_EMAIL_MAX + 1]; /* USER only */
	char name[SCEAU_NAME_MAX + 1]; /* user's name, device's label */
};

const char *sceau_cert_kind_name(enum sceau_cert_kind k); /* "user"... */
const char *sceau_profile_name(enum sceau_profile p); /* "admin"... */
/* Parses "admin", "member", "external"; 0 if unknown. */
enum sceau_profile sceau_profile_from_name(const char *s);

/* New random id (32 lowercase hex) into id[SCEAU_ID_LEN + 1]. */
int sceau_cert_new_id(char id[SCEAU_ID_LEN + 1]) SCEAU_WUR;
/* 1 if s is a well-formed id / organization id. */
int sceau_cert_id_valid(const char *s);
int sceau_org_id_valid(const char *s);

/*
 * Encodes c's payload (every field but the envelope facts), signs it with
 * key and appends the envelope to out; sets c->hash.  author must match
 * the key's device (the caller's business).  0 or an error code.
 */
int sceau_cert_sign(struct sceau_cert *c, const struct sceau_signkey *key,
    struct sceau_buf *out) SCEAU_WUR;

/*
 * A token signature, for certificates authored by a token-backed device:
 * over "sceau-cert-token-v1\0" || payload (sceau_cert_token_tbs() gives
 * those bytes).  The signer fills alg (NUL-terminated, at most
 * SCEAU_CERT_TOKEN_ALG_MAX) and appends the signature to sig.
 */
typedef int (*sceau_cert_token_signer)(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig);

/* sceau_cert_sign(), plus a token signature when signer is not NULL. */
int sceau_cert_sign_token(struct sceau_cert *c, const struct sceau_signkey *key,
    sceau_cert_token_signer signer, void *arg, struct sceau_buf *out) SCEAU_WUR;

/*
 * Decodes what a signer is asked to sign for a certificate: the device
 * statement (token 0: the bytes sceau_cert_sign signs) or the token
 * statement (token 1: what sceau_cert_token_signer is given), with its
 * domain.  For a signer that signs for another process (sceau-agent),
 * which checks c's organization and author.  SCEAU_ERR_CERT_FORMAT.
 */
int sceau_cert_tbs_decode(
    const uint8_t *tbs, size_t n, int token, struct sceau_cert *c) SCEAU_WUR;

/*
 * The bytes a token signature covers, of the envelope env (appended to
 * out).  SCEAU_ERR_CERT_FORMAT.
 */
int sceau_cert_token_tbs(const uint8_t *env, size_t n, struct sceau_buf *out)
    SCEAU_WUR;

/*
 * X.509 lists: encodes ders[0..n) (1 to SCEAU_CERT_X509_MAX, each at most
 * SCEAU_CERT_X509_DER_MAX bytes) into out, for x509_list; and walks a
 * list: *pos starts at 0; 1 and (der, len) for each, 0 at the end.
 */
int sceau_cert_x509_encode(const uint8_t *const *ders, const size_t *lens,
    size_t n, struct sceau_buf *out) SCEAU_WUR;
int sceau_cert_x509_next(
    const struct sceau_cert *c, size_t *pos, const uint8_t **der, size_t *len);
/* The first certificate of the X.509 list list[0..n) (a card's own): 1
 * and (der, len), or 0. */
int sceau_cert_x509_leaf(
    const uint8_t *list, size_t n, const uint8_t **der, size_t *len);

/*
 * Envelope parsing in two steps, so that nothing signed is parsed before
 * its signature verifies:
 *   sceau_cert_author_hint() reads the author hint (no other parsing);
 *   sceau_cert_verify_decode() verifies the signature with vk, then
 *   decodes the payload into *c and checks its author equals the hint.
 * SCEAU_ERR_CERT_FORMAT, SCEAU_ERR_CERT_SIGNATURE.
 */
int sceau_cert_author_hint(
    const uint8_t *env, size_t n, char author[SCEAU_ID_LEN + 1]) SCEAU_WUR;
int sceau_cert_verify_decode(const uint8_t *env, size_t n,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_cert *c) SCEAU_WUR;
/*
 * Decodes without verifying: only for certificates this process already
 * verified (the local store's own copy).
 */
int sceau_cert_decode_trusted(
    const uint8_t *env, size_t n, struct sceau_cert *c) SCEAU_WUR;

/*
 * Iterates over the sealed keys of a decoded realm certificate: *pos
 * starts at 0; returns 1 and fills out for each key, 0 at the end.
 */
int sceau_cert_keys_next(
    const struct sceau_cert *c, size_t *pos, struct sceau_cert_key *out);

/*
 * 1 if s is an acceptable email address (one '@', a dot after it, no
 * blank, control or header-special character, UTF-8), or name / label
 * (1 to SCEAU_NAME_MAX bytes of UTF-8 without control characters).
 */
int sceau_identity_email_valid(const char *s);
int sceau_identity_name_valid(const char *s);

/* Identity blobs: new random salt; encode; decode + check against hash. */
int sceau_identity_init(struct sceau_identity *id, enum sceau_cert_kind kind,
    const char *email, const char *name) SCEAU_WUR;
int sceau_identity_encode(
    const struct sceau_identity *id, struct sceau_buf *out) SCEAU_WUR;
int sceau_identity_hash(const struct sceau_identity *id,
    uint8_t hash[SCEAU_CERT_HASH_LEN]) SCEAU_WUR;
/* Decodes blob and checks it hashes to want: SCEAU_ERR_CHAIN_IDENTITY. */
int sceau_identity_decode(const uint8_t *blob, size_t n,
    const uint8_t want[SCEAU_CERT_HASH_LEN], struct sceau_identity *id)
    SCEAU_WUR;

#endif /* SCEAU_CERT_H */
