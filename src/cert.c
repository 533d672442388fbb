/*
 * cert.c: encoding, signing, verifying and decoding of certificates and
 * identity blobs (doc/certificates.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "cert.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "random.h"
#include "secmem.h"

#define ENVELOPE_VERSION 1
#define PAYLOAD_VERSION 1
#define IDENTITY_SALT_LEN 16
#define MAX_EXTRA_SIGS 4
#define EXTRA_SIG_ALG_MAX 32
#define EXTRA_SIG_MAX 1024
#define ENC_ALG_MAX 15

/* Domain separation: a certificate signature is never anything else's. */
static const char sig_domain[] = "sceau-cert-v1";
static const char token_domain[] = "sceau-cert-token-v1";

/* Payload extensions (doc/certificates.md). */
#define EXT_X509_BINDING 1 /* DEVICE: the token's X.509 chain */
#define EXT_X509_ANCHORS 2 /* ORG: the PKI's trust anchors */

const char *
sceau_cert_kind_name(enum sceau_cert_kind k)
{
	switch (k) {
	case SCEAU_CERT_ORG:
		return "organization";
	case SCEAU_CERT_USER:
		return "user";
	case SCEAU_CERT_DEVICE:
		return "device";
	case SCEAU_CERT_USER_UPDATE:
		return "user-update";
	case SCEAU_CERT_USER_REVOKE:
		return "user-revocation";
	case SCEAU_CERT_DEVICE_REVOKE:
		return "device-revocation";
	case SCEAU_CERT_REALM_KEY:
		return "workspace-key";
	case SCEAU_CERT_REALM_ROLE:
		return "workspace-role";
	case SCEAU_CERT_REALM_NAME:
		return "workspace-name";
	case SCEAU_CERT_ORG_POLICY:
		return "organization-policy";
	}
	return "unknown";
}

const char *
sceau_profile_name(enum sceau_profile p)
{
	switch (p) {
	case SCEAU_PROFILE_ADMIN:
		return "admin";
	case SCEAU_PROFILE_MEMBER:
		return "member";
	case SCEAU_PROFILE_EXTERNAL:
		return "external";
	}
	return "unknown";
}

enum sceau_profile
sceau_profile_from_name(const char *s)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "admin") == 0)
		return SCEAU_PROFILE_ADMIN;
	if (strcmp(s, "member") == 0)
		return SCEAU_PROFILE_MEMBER;
	if (strcmp(s, "external") == 0)
		return SCEAU_PROFILE_EXTERNAL;
	return 0;
}

int
sceau_cert_new_id(char id[SCEAU_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[SCEAU_ID_LEN / 2];
	size_t i;
	int r;

	id[0] = '\0';
	if ((r = sceau_random_bytes(rnd, sizeof(rnd))) != 0)
		return r;
	for (i = 0; i < sizeof(rnd); i++) {
		id[2 * i] = hex[rnd[i] >> 4];
		id[2 * i + 1] = hex[rnd[i] & 0xf];
	}
	id[SCEAU_ID_LEN] = '\0';
	return 0;
}

int
sceau_cert_id_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != SCEAU_ID_LEN)
		return 0;
	for (i = 0; i < SCEAU_ID_LEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

int
sceau_org_id_valid(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > SCEAU_ORG_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

static int
profile_valid(unsigned int p)
{
	return p == SCEAU_PROFILE_ADMIN || p == SCEAU_PROFILE_MEMBER ||
	    p == SCEAU_PROFILE_EXTERNAL;
}

/* ------------------------------------------------------------ encoding */

/* The sealed keys of a realm certificate being signed. */
static int
put_keys(const struct sceau_cert *c, struct sceau_buf *b)
{
	uint32_t i;
	int r;

	if (c->n_keys > SCEAU_REALM_MEMBERS_MAX ||
	    (c->n_keys > 0 && c->keys_in == NULL))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put_u32(b, c->n_keys)) != 0)
		return r;
	for (i = 0; i < c->n_keys; i++) {
		const struct sceau_cert_key *k = &c->keys_in[i];

		if (k->sealed_len > SCEAU_SEALED_KEY_MAX)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if (c->kind == SCEAU_CERT_REALM_KEY)
			r = sceau_buf_put_cstring(b, k->user_id);
		else
			r = sceau_buf_put_u32(b, k->key_index);
		if (r != 0 ||
		    (r = sceau_buf_put_string(b, k->sealed, k->sealed_len)) !=
		        0)
			return r;
	}
	return 0;
}

static int
put_realm_fields(const struct sceau_cert *c, struct sceau_buf *b)
{
	int r;

	if ((r = sceau_buf_put_cstring(b, c->realm_id)) != 0)
		return r;
	switch (c->kind) {
	case SCEAU_CERT_REALM_KEY:
		if ((r = sceau_buf_put_u32(b, c->key_index)) != 0 ||
		    (r = sceau_buf_put_string(
		         b, c->key_check, SCEAU_CERT_HASH_LEN)) != 0)
			return r;
		return put_keys(c, b);
	case SCEAU_CERT_REALM_ROLE:
		if ((r = sceau_buf_put_cstring(b, c->user_id)) != 0 ||
		    (r = sceau_buf_put_u8(b, c->role)) != 0)
			return r;
		return put_keys(c, b);
	default:
		if (c->enc_name_len > SCEAU_REALM_NAME_CT_MAX)
			return SCEAU_ERR_INVALID_ARGUMENT;
		if ((r = sceau_buf_put_u32(b, c->key_index)) != 0 ||
		    (r = sceau_buf_put_string(
		         b, c->enc_name, c->enc_name_len)) != 0)
			return r;
		return 0;
	}
}

static int
put_policy_fields(const struct sceau_cert *c, struct sceau_buf *b)
{
	int r;

	if (c->policy_doc_len == 0 || c->policy_doc_len > SCEAU_CERT_POLICY_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put_u32(b, c->policy_version)) != 0)
		return r;
	return sceau_buf_put_string(b, c->policy_doc, c->policy_doc_len);
}

static int
put_fields(const struct sceau_cert *c, struct sceau_buf *b)
{
	int r = 0;

	switch (c->kind) {
	case SCEAU_CERT_ORG:
		if ((r = sceau_buf_put_string(
		         b, c->root_verify_key, SCEAU_SIGN_PUBLIC_LEN)) != 0 ||
		    (r = sceau_buf_put_u8(b, c->org_flags)) != 0)
			return r;
		break;
	case SCEAU_CERT_USER:
		if ((r = sceau_buf_put_cstring(b, c->user_id)) != 0 ||
		    (r = sceau_buf_put_string(
		         b, c->identity_hash, SCEAU_CERT_HASH_LEN)) != 0 ||
		    (r = sceau_buf_put_u8(b, (uint8_t)c->profile)) != 0 ||
		    (r = sceau_buf_put_cstring(b, c->enc_alg)) != 0 ||
		    (r = sceau_buf_put_string(b, c->enc_key, c->enc_key_len)) !=
		        0)
			return r;
		break;
	case SCEAU_CERT_DEVICE:
		if ((r = sceau_buf_put_cstring(b, c->device_id)) != 0 ||
		    (r = sceau_buf_put_cstring(b, c->user_id)) != 0 ||
		    (r = sceau_buf_put_string(
		         b, c->identity_hash, SCEAU_CERT_HASH_LEN)) != 0 ||
		    (r = sceau_buf_put_string(
		         b, c->verify_key, SCEAU_SIGN_PUBLIC_LEN)) != 0)
			return r;
		break;
	case SCEAU_CERT_USER_UPDATE:
		if ((r = sceau_buf_put_cstring(b, c->user_id)) != 0 ||
		    (r = sceau_buf_put_u8(b, (uint8_t)c->profile)) != 0)
			return r;
		break;
	case SCEAU_CERT_USER_REVOKE:
		r = sceau_buf_put_cstring(b, c->user_id);
		break;
	case SCEAU_CERT_DEVICE_REVOKE:
		r = sceau_buf_put_cstring(b, c->device_id);
		break;
	case SCEAU_CERT_REALM_KEY:
	case SCEAU_CERT_REALM_ROLE:
	case SCEAU_CERT_REALM_NAME:
		r = put_realm_fields(c, b);
		break;
	case SCEAU_CERT_ORG_POLICY:
		r = put_policy_fields(c, b);
		break;
	default:
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return r;
}

/* Checks an encoded X.509 list; *leaf, *leaf_len: its first DER. */
static int
check_x509_list(
    const uint8_t *p, size_t n, const uint8_t **leaf, size_t *leaf_len)
{
	struct sceau_buf *b;
	const uint8_t *der;
	uint32_t m, i;
	size_t len;
	int r = SCEAU_ERR_CERT_FORMAT;

	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u32(b, &m) != 0 || m == 0 || m > SCEAU_CERT_X509_MAX)
		goto out;
	for (i = 0; i < m; i++) {
		if (sceau_buf_get_string_direct(
		        b, SCEAU_CERT_X509_DER_MAX, &der, &len) != 0 ||
		    len == 0)
			goto out;
		if (i == 0) {
			*leaf = der;
			*leaf_len = len;
		}
	}
	if (sceau_buf_len(b) == 0)
		r = 0;
out:
	sceau_buf_free(b);
	return r;
}

int
sceau_cert_x509_encode(const uint8_t *const *ders, const size_t *lens, size_t n,
    struct sceau_buf *out)
{
	size_t i;
	int r;

	if (n == 0 || n > SCEAU_CERT_X509_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n; i++) {
		if (lens[i] == 0 || lens[i] > SCEAU_CERT_X509_DER_MAX)
			return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((r = sceau_buf_put_u32(out, (uint32_t)n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = sceau_buf_put_string(out, ders[i], lens[i])) != 0)
			return r;
	}
	return 0;
}

int
sceau_cert_x509_next(
    const struct sceau_cert *c, size_t *pos, const uint8_t **der, size_t *len)
{
	const uint8_t *p = c->x509_list;
	size_t n = c->x509_list_len, at = *pos;
	uint32_t l;

	/* The list was checked when decoded or signed: walk it. */
	if (p == NULL || n < 4)
		return 0;
	if (at == 0)
		at = 4;
	if (at + 4 > n)
		return 0;
	l = ((uint32_t)p[at] << 24) | ((uint32_t)p[at + 1] << 16) |
	    ((uint32_t)p[at + 2] << 8) | p[at + 3];
	if (l > n - at - 4)
		return 0;
	*der = p + at + 4;
	*len = l;
	*pos = at + 4 + l;
	return 1;
}

int
sceau_cert_x509_leaf(
    const uint8_t *list, size_t n, const uint8_t **der, size_t *len)
{
	struct sceau_cert c;
	size_t pos = 0;

	memset(&c, 0, sizeof(c));
	c.x509_list = list;
	c.x509_list_len = n;
	return sceau_cert_x509_next(&c, &pos, der, len);
}

/* The extensions of c: its X.509 list, for the kinds that take one. */
static int
put_extensions(const struct sceau_cert *c, struct sceau_buf *b)
{
	struct sceau_buf *v;
	const uint8_t *leaf;
	uint8_t fp[SCEAU_CERT_HASH_LEN];
	size_t leaf_len;
	int r, device = c->kind == SCEAU_CERT_DEVICE;

	if (c->x509_list == NULL || c->x509_list_len == 0)
		return sceau_buf_put_u32(b, 0);
	if ((!device && c->kind != SCEAU_CERT_ORG) ||
	    check_x509_list(c->x509_list, c->x509_list_len, &leaf, &leaf_len) !=
	        0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((v = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_hash_sha256(leaf, leaf_len, fp)) == 0 && device)
		r = sceau_buf_put_string(v, fp, sizeof(fp));
	if (r == 0)
		r = sceau_buf_put(v, c->x509_list, c->x509_list_len);
	if (r == 0 && (r = sceau_buf_put_u32(b, 1)) == 0 &&
	    (r = sceau_buf_put_u16(
	         b, device ? EXT_X509_BINDING : EXT_X509_ANCHORS)) == 0)
		r = sceau_buf_put_stringb(b, v);
	sceau_buf_free(v);
	return r;
}

static int
put_payload(const struct sceau_cert *c, struct sceau_buf *b)
{
	int r;

	if ((r = sceau_buf_put_u8(b, PAYLOAD_VERSION)) != 0 ||
	    (r = sceau_buf_put_u8(b, (uint8_t)c->kind)) != 0 ||
	    (r = sceau_buf_put_cstring(b, c->org_id)) != 0 ||
	    (r = sceau_buf_put_u64(b, c->index)) != 0 ||
	    (r = sceau_buf_put_string(b, c->prev_hash, SCEAU_CERT_HASH_LEN)) !=
	        0 ||
	    (r = sceau_buf_put_u64(b, c->timestamp)) != 0 ||
	    (r = sceau_buf_put_cstring(b, c->author)) != 0 ||
	    (r = put_fields(c, b)) != 0 || (r = put_extensions(c, b)) != 0)
		return r;
	return 0;
}

/* The token signature of c, on the token, into alg and sig. */
static int
token_sign(sceau_cert_token_signer signer, void *arg,
    const struct sceau_buf *payload, struct sceau_cert *c,
    struct sceau_buf *sig)
{
	struct sceau_buf *tbs;
	int r;

	if ((tbs = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	c->token_sig_alg[0] = '\0';
	if ((r = sceau_buf_put(tbs, token_domain, sizeof(token_domain))) == 0 &&
	    (r = sceau_buf_putb(tbs, payload)) == 0)
		r = signer(arg, sceau_buf_ptr(tbs), sceau_buf_len(tbs),
		    c->token_sig_alg, sig);
	sceau_buf_free(tbs);
	if (r == 0 &&
	    (c->token_sig_alg[0] == '\0' ||
	        strnlen(c->token_sig_alg, sizeof(c->token_sig_alg)) >
	            SCEAU_CERT_TOKEN_ALG_MAX ||
	        sceau_buf_len(sig) == 0 ||
	        sceau_buf_len(sig) > SCEAU_CERT_TOKEN_SIG_MAX))
		r = SCEAU_ERR_INVALID_ARGUMENT;
	return r;
}

/* The envelope of payload tbs, its signature, and a token one (or none). */
static int
put_envelope(const struct sceau_cert *c, const struct sceau_buf *tbs,
    const uint8_t sig[SCEAU_SIGN_SIG_LEN], const struct sceau_buf *tsig,
    struct sceau_buf *env)
{
	int r;

	if ((r = sceau_buf_put_u8(env, ENVELOPE_VERSION)) != 0 ||
	    (r = sceau_buf_put_cstring(env, c->author)) != 0 ||
	    (r = sceau_buf_put_stringb(env, tbs)) != 0 ||
	    (r = sceau_buf_put_string(env, sig, SCEAU_SIGN_SIG_LEN)) != 0 ||
	    (r = sceau_buf_put_u32(env, tsig != NULL ? 1 : 0)) != 0)
		return r;
	if (tsig == NULL)
		return 0;
	if ((r = sceau_buf_put_cstring(env, c->token_sig_alg)) != 0)
		return r;
	return sceau_buf_put_stringb(env, tsig);
}

int
sceau_cert_sign_token(struct sceau_cert *c, const struct sceau_signkey *key,
    sceau_cert_token_signer signer, void *arg, struct sceau_buf *out)
{
	struct sceau_buf *tbs = NULL, *env = NULL, *tsig = NULL;
	uint8_t sig[SCEAU_SIGN_SIG_LEN];
	int r;

	if (!sceau_org_id_valid(c->org_id) ||
	    (c->author[0] != '\0' && !sceau_cert_id_valid(c->author)))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((tbs = sceau_buf_new()) == NULL ||
	    (env = sceau_buf_new()) == NULL ||
	    (tsig = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	/* To be signed: the domain (with its NUL), then the payload. */
	if ((r = sceau_buf_put(tbs, sig_domain, sizeof(sig_domain))) != 0 ||
	    (r = put_payload(c, tbs)) != 0 ||
	    (r = sceau_sign(
	         key, sceau_buf_ptr(tbs), sceau_buf_len(tbs), sig)) != 0)
		goto out;
	if ((r = sceau_buf_consume(tbs, sizeof(sig_domain))) != 0 ||
	    (signer != NULL &&
	        (r = token_sign(signer, arg, tbs, c, tsig)) != 0))
		goto out;
	if ((r = put_envelope(
	         c, tbs, sig, signer != NULL ? tsig : NULL, env)) != 0)
		goto out;
	if (sceau_buf_len(env) > SCEAU_CERT_MAX) {
		r = SCEAU_ERR_LIMIT_EXCEEDED;
		goto out;
	}
	if ((r = sceau_hash_sha256(
	         sceau_buf_ptr(env), sceau_buf_len(env), c->hash)) != 0 ||
	    (r = sceau_buf_putb(out, env)) != 0)
		goto out;
	c->n_extra_sigs = signer != NULL ? 1 : 0;
	c->token_sig = NULL; /* lent pointers exist after decoding only */
	c->token_sig_len = 0;
	r = 0;
out:
	sceau_buf_free(tbs);
	sceau_buf_free(env);
	sceau_buf_free(tsig);
	return r;
}

int
sceau_cert_sign(struct sceau_cert *c, const struct sceau_signkey *key,
    struct sceau_buf *out)
{
	return sceau_cert_sign_token(c, key, NULL, NULL, out);
}

/* ------------------------------------------------------------ decoding */

/* A string holding an id of exactly 32 hex characters, or "" if allowed. */
static int
get_id(struct sceau_buf *b, char id[SCEAU_ID_LEN + 1], int empty_ok)
{
	const uint8_t *p;
	size_t len;
	int r;

	id[0] = '\0';
	if ((r = sceau_buf_get_string_direct(b, SCEAU_ID_LEN, &p, &len)) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	if (len == 0 && empty_ok)
		return 0;
	if (len != SCEAU_ID_LEN)
		return SCEAU_ERR_CERT_FORMAT;
	memcpy(id, p, len);
	id[len] = '\0';
	return sceau_cert_id_valid(id) ? 0 : SCEAU_ERR_CERT_FORMAT;
}

/* A string of at most max bytes, no NUL, into a char array of max + 1. */
static int
get_text(struct sceau_buf *b, char *out, size_t max)
{
	const uint8_t *p;
	size_t len;

	out[0] = '\0';
	if (sceau_buf_get_string_direct(b, max, &p, &len) != 0 ||
	    (len > 0 && memchr(p, '\0', len) != NULL))
		return SCEAU_ERR_CERT_FORMAT;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
get_fixed(struct sceau_buf *b, uint8_t *out, size_t len)
{
	return sceau_buf_get_fixed(b, out, len) == 0 ? 0
	                                             : SCEAU_ERR_CERT_FORMAT;
}

static int
get_u8(struct sceau_buf *b, uint8_t *v)
{
	return sceau_buf_get_u8(b, v) == 0 ? 0 : SCEAU_ERR_CERT_FORMAT;
}

static int
get_user_fields(struct sceau_buf *b, struct sceau_cert *c)
{
	const uint8_t *p;
	uint8_t prof;
	size_t len;
	int r;

	if ((r = get_id(b, c->user_id, 0)) != 0 ||
	    (r = get_fixed(b, c->identity_hash, SCEAU_CERT_HASH_LEN)) != 0 ||
	    (r = get_u8(b, &prof)) != 0 ||
	    (r = get_text(b, c->enc_alg, ENC_ALG_MAX)) != 0)
		return r;
	if (!profile_valid(prof))
		return SCEAU_ERR_CERT_FORMAT;
	c->profile = prof;
	if (sceau_buf_get_string_direct(b, SCEAU_ENC_KEY_MAX, &p, &len) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	memcpy(c->enc_key, p, len);
	c->enc_key_len = len;
	return 0;
}

/* One sealed key entry, from b (a realm key or realm role entry). */
static int
get_key(
    struct sceau_buf *b, enum sceau_cert_kind kind, struct sceau_cert_key *k)
{
	memset(k, 0, sizeof(*k));
	if (kind == SCEAU_CERT_REALM_KEY) {
		if (get_id(b, k->user_id, 0) != 0)
			return SCEAU_ERR_CERT_FORMAT;
	} else if (sceau_buf_get_u32(b, &k->key_index) != 0) {
		return SCEAU_ERR_CERT_FORMAT;
	}
	if (sceau_buf_get_string_direct(
	        b, SCEAU_SEALED_KEY_MAX, &k->sealed, &k->sealed_len) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	return 0;
}

/* The sealed keys: checked whole now, lent to the caller as one region. */
static int
get_keys(struct sceau_buf *b, struct sceau_cert *c)
{
	struct sceau_cert_key k;
	const uint8_t *start;
	uint32_t i;

	if (sceau_buf_get_u32(b, &c->n_keys) != 0 ||
	    c->n_keys > SCEAU_REALM_MEMBERS_MAX)
		return SCEAU_ERR_CERT_FORMAT;
	start = sceau_buf_ptr(b);
	for (i = 0; i < c->n_keys; i++) {
		if (get_key(b, c->kind, &k) != 0)
			return SCEAU_ERR_CERT_FORMAT;
	}
	c->keys_raw = start;
	c->keys_raw_len =
	    c->n_keys == 0 ? 0 : (size_t)(sceau_buf_ptr(b) - start);
	return 0;
}

static int
get_realm_fields(struct sceau_buf *b, struct sceau_cert *c)
{
	if (get_id(b, c->realm_id, 0) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	switch (c->kind) {
	case SCEAU_CERT_REALM_KEY:
		if (sceau_buf_get_u32(b, &c->key_index) != 0 ||
		    get_fixed(b, c->key_check, SCEAU_CERT_HASH_LEN) != 0)
			return SCEAU_ERR_CERT_FORMAT;
		return get_keys(b, c);
	case SCEAU_CERT_REALM_ROLE:
		if (get_id(b, c->user_id, 0) != 0 || get_u8(b, &c->role) != 0 ||
		    c->role > 4)
			return SCEAU_ERR_CERT_FORMAT;
		return get_keys(b, c);
	default:
		if (sceau_buf_get_u32(b, &c->key_index) != 0 ||
		    sceau_buf_get_string_direct(b, SCEAU_REALM_NAME_CT_MAX,
		        &c->enc_name, &c->enc_name_len) != 0)
			return SCEAU_ERR_CERT_FORMAT;
		return 0;
	}
}

int
sceau_cert_keys_next(
    const struct sceau_cert *c, size_t *pos, struct sceau_cert_key *out)
{
	struct sceau_buf *b;
	int r;

	memset(out, 0, sizeof(*out));
	if (c->keys_raw == NULL || *pos >= c->keys_raw_len)
		return 0;
	if ((b = sceau_buf_from(c->keys_raw + *pos, c->keys_raw_len - *pos)) ==
	    NULL)
		return SCEAU_ERR_ALLOC;
	/* Validated whole at decoding: this cannot fail on good memory. */
	r = get_key(b, c->kind, out);
	*pos = c->keys_raw_len - sceau_buf_len(b);
	sceau_buf_free(b);
	return r == 0 ? 1 : r;
}

static int
get_fields(struct sceau_buf *b, struct sceau_cert *c)
{
	uint8_t prof;
	int r;

	switch (c->kind) {
	case SCEAU_CERT_ORG:
		if ((r = get_fixed(
		         b, c->root_verify_key, SCEAU_SIGN_PUBLIC_LEN)) != 0)
			return r;
		return get_u8(b, &c->org_flags);
	case SCEAU_CERT_USER:
		return get_user_fields(b, c);
	case SCEAU_CERT_DEVICE:
		if ((r = get_id(b, c->device_id, 0)) != 0 ||
		    (r = get_id(b, c->user_id, 0)) != 0 ||
		    (r = get_fixed(b, c->identity_hash, SCEAU_CERT_HASH_LEN)) !=
		        0)
			return r;
		return get_fixed(b, c->verify_key, SCEAU_SIGN_PUBLIC_LEN);
	case SCEAU_CERT_USER_UPDATE:
		if ((r = get_id(b, c->user_id, 0)) != 0 ||
		    (r = get_u8(b, &prof)) != 0)
			return r;
		if (!profile_valid(prof))
			return SCEAU_ERR_CERT_FORMAT;
		c->profile = prof;
		return 0;
	case SCEAU_CERT_USER_REVOKE:
		return get_id(b, c->user_id, 0);
	case SCEAU_CERT_DEVICE_REVOKE:
		return get_id(b, c->device_id, 0);
	case SCEAU_CERT_REALM_KEY:
	case SCEAU_CERT_REALM_ROLE:
	case SCEAU_CERT_REALM_NAME:
		return get_realm_fields(b, c);
	case SCEAU_CERT_ORG_POLICY:
		if (sceau_buf_get_u32(b, &c->policy_version) != 0 ||
		    sceau_buf_get_string_direct(b, SCEAU_CERT_POLICY_MAX,
		        &c->policy_doc, &c->policy_doc_len) != 0 ||
		    c->policy_doc_len == 0)
			return SCEAU_ERR_CERT_FORMAT;
		return 0;
	}
	return SCEAU_ERR_CERT_FORMAT;
}

/* The X.509 extension of a DEVICE or ORG certificate. */
static int
get_extension(struct sceau_buf *b, struct sceau_cert *c)
{
	uint8_t fp[SCEAU_CERT_HASH_LEN];
	const uint8_t *v, *leaf;
	size_t vlen, leaf_len, off = 0;
	uint16_t tag;

	if (sceau_buf_get_u16(b, &tag) != 0 ||
	    sceau_buf_get_string_direct(b, SCEAU_CERT_MAX, &v, &vlen) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	if (c->kind == SCEAU_CERT_DEVICE && tag == EXT_X509_BINDING) {
		/* string fingerprint (32), then the list. */
		if (vlen < 4 + SCEAU_CERT_HASH_LEN || v[0] != 0 || v[1] != 0 ||
		    v[2] != 0 || v[3] != SCEAU_CERT_HASH_LEN)
			return SCEAU_ERR_CERT_FORMAT;
		memcpy(c->x509_fingerprint, v + 4, SCEAU_CERT_HASH_LEN);
		off = 4 + SCEAU_CERT_HASH_LEN;
	} else if (c->kind != SCEAU_CERT_ORG || tag != EXT_X509_ANCHORS) {
		return SCEAU_ERR_CERT_FORMAT;
	}
	if (check_x509_list(v + off, vlen - off, &leaf, &leaf_len) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	c->x509_list = v + off;
	c->x509_list_len = vlen - off;
	if (c->kind != SCEAU_CERT_DEVICE)
		return 0;
	/* The fingerprint is the leaf's: one certificate, one identity. */
	if (sceau_hash_sha256(leaf, leaf_len, fp) != 0 ||
	    sceau_timingsafe_bcmp(fp, c->x509_fingerprint, sizeof(fp)) != 0)
		return SCEAU_ERR_CERT_FORMAT;
	return 0;
}

static int
decode_payload(const uint8_t *p, size_t n, struct sceau_cert *c)
{
	struct sceau_buf *b;
	uint8_t ver, kind;
	uint32_t next;
	int r;

	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	r = SCEAU_ERR_CERT_FORMAT;
	if (sceau_buf_get_u8(b, &ver) != 0 || ver != PAYLOAD_VERSION ||
	    sceau_buf_get_u8(b, &kind) != 0 ||
	    get_text(b, c->org_id, SCEAU_ORG_ID_MAX) != 0 ||
	    !sceau_org_id_valid(c->org_id) ||
	    sceau_buf_get_u64(b, &c->index) != 0 ||
	    get_fixed(b, c->prev_hash, SCEAU_CERT_HASH_LEN) != 0 ||
	    sceau_buf_get_u64(b, &c->timestamp) != 0 ||
	    get_id(b, c->author, 1) != 0)
		goto out;
	c->kind = kind;
	if (get_fields(b, c) != 0 || sceau_buf_get_u32(b, &next) != 0)
		goto out;
	/* Extensions: at most one, the kind's; others refused, not skipped. */
	if (next > 1 || (next == 1 && get_extension(b, c) != 0) ||
	    sceau_buf_len(b) != 0)
		goto out;
	r = 0;
out:
	sceau_buf_free(b);
	return r;
}

int
sceau_cert_tbs_decode(
    const uint8_t *tbs, size_t n, int token, struct sceau_cert *c)
{
	const char *dom = token ? token_domain : sig_domain;
	size_t dn = token ? sizeof(token_domain) : sizeof(sig_domain);

	memset(c, 0, sizeof(*c));
	if (n < dn || memcmp(tbs, dom, dn) != 0 ||
	    decode_payload(tbs + dn, n - dn, c) != 0) {
		memset(c, 0, sizeof(*c));
		return SCEAU_ERR_CERT_FORMAT;
	}
	return 0;
}

/* Parsed envelope: pointers into the caller's bytes. */
struct envelope {
	char author[SCEAU_ID_LEN + 1];
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *sig;
	size_t n_extra;
	/* The first extra signature (the token's). */
	char extra_alg[SCEAU_CERT_TOKEN_ALG_MAX + 1];
	const uint8_t *extra_sig;
	size_t extra_sig_len;
};

static int
parse_envelope(const uint8_t *env, size_t n, struct envelope *e)
{
	struct sceau_buf *b;
	const uint8_t *p;
	uint8_t ver;
	uint32_t i, nx;
	size_t len;
	int r = SCEAU_ERR_CERT_FORMAT;

	memset(e, 0, sizeof(*e));
	if (n > SCEAU_CERT_MAX)
		return SCEAU_ERR_CERT_FORMAT;
	if ((b = sceau_buf_from(env, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u8(b, &ver) != 0 || ver != ENVELOPE_VERSION ||
	    get_id(b, e->author, 1) != 0 ||
	    sceau_buf_get_string_direct(
	        b, SCEAU_CERT_MAX, &e->payload, &e->payload_len) != 0 ||
	    sceau_buf_get_string_direct(b, SCEAU_SIGN_SIG_LEN, &e->sig, &len) !=
	        0 ||
	    len != SCEAU_SIGN_SIG_LEN || sceau_buf_get_u32(b, &nx) != 0 ||
	    nx > MAX_EXTRA_SIGS)
		goto out;
	for (i = 0; i < nx; i++) {
		if (sceau_buf_get_string_direct(
		        b, EXTRA_SIG_ALG_MAX, &p, &len) != 0 ||
		    len == 0 || memchr(p, '\0', len) != NULL)
			goto out;
		if (i == 0) {
			memcpy(e->extra_alg, p, len);
			e->extra_alg[len] = '\0';
		}
		if (sceau_buf_get_string_direct(b, EXTRA_SIG_MAX, &p, &len) !=
		        0 ||
		    len == 0)
			goto out;
		if (i == 0) {
			e->extra_sig = p;
			e->extra_sig_len = len;
		}
	}
	if (sceau_buf_len(b) != 0)
		goto out;
	e->n_extra = nx;
	r = 0;
out:
	sceau_buf_free(b);
	return r;
}

int
sceau_cert_token_tbs(const uint8_t *env, size_t n, struct sceau_buf *out)
{
	struct envelope e;
	int r;

	if ((r = parse_envelope(env, n, &e)) != 0)
		return r;
	if ((r = sceau_buf_put(out, token_domain, sizeof(token_domain))) != 0)
		return r;
	return sceau_buf_put(out, e.payload, e.payload_len);
}

int
sceau_cert_author_hint(
    const uint8_t *env, size_t n, char author[SCEAU_ID_LEN + 1])
{
	struct envelope e;
	int r;

	author[0] = '\0';
	if ((r = parse_envelope(env, n, &e)) != 0) {
		sceau_message("certificate envelope malformed");
		return r;
	}
	memcpy(author, e.author, sizeof(e.author));
	return 0;
}

static int
verify_payload(const struct envelope *e, const uint8_t *vk)
{
	struct sceau_buf *tbs;
	int r;

	if ((tbs = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_put(tbs, sig_domain, sizeof(sig_domain))) != 0 ||
	    (r = sceau_buf_put(tbs, e->payload, e->payload_len)) != 0)
		goto out;
	r = sceau_sign_verify(
	    vk, sceau_buf_ptr(tbs), sceau_buf_len(tbs), e->sig);
	if (r == SCEAU_ERR_SIGNATURE_INVALID)
		r = SCEAU_ERR_CERT_SIGNATURE;
out:
	sceau_buf_free(tbs);
	return r;
}

static int
finish_decode(const uint8_t *env, size_t n, const struct envelope *e,
    struct sceau_cert *c)
{
	int r;

	if ((r = decode_payload(e->payload, e->payload_len, c)) != 0) {
		sceau_message("certificate payload malformed");
		return r;
	}
	if (strcmp(c->author, e->author) != 0) {
		sceau_message("certificate %llu: author differs from its hint",
		    (unsigned long long)c->index);
		return SCEAU_ERR_CERT_FORMAT;
	}
	c->n_extra_sigs = e->n_extra;
	memcpy(c->token_sig_alg, e->extra_alg, sizeof(c->token_sig_alg));
	c->token_sig = e->extra_sig;
	c->token_sig_len = e->extra_sig_len;
	return sceau_hash_sha256(env, n, c->hash);
}

int
sceau_cert_verify_decode(const uint8_t *env, size_t n,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_cert *c)
{
	struct envelope e;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = parse_envelope(env, n, &e)) != 0) {
		sceau_message("certificate envelope malformed");
		return r;
	}
	/* The signature first: nothing signed is parsed before it verifies. */
	if ((r = verify_payload(&e, vk)) != 0) {
		sceau_message("certificate signature does not verify with the "
		              "key of author \"%s\"",
		    e.author[0] == '\0' ? "root" : e.author);
		return r;
	}
	if ((r = finish_decode(env, n, &e, c)) != 0)
		memset(c, 0, sizeof(*c));
	return r;
}

int
sceau_cert_decode_trusted(const uint8_t *env, size_t n, struct sceau_cert *c)
{
	struct envelope e;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = parse_envelope(env, n, &e)) != 0) {
		sceau_message("certificate envelope malformed");
		return r;
	}
	if ((r = finish_decode(env, n, &e, c)) != 0)
		memset(c, 0, sizeof(*c));
	return r;
}

/* ------------------------------------------------------- identity blobs */

int
sceau_identity_email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > SCEAU_EMAIL_MAX || at == NULL || at == s ||
	    strchr(at + 1, '@') != NULL || at[1] == '\0' ||
	    strchr(at + 1, '.') == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch == 0x7f || ch == '<' || ch == '>' ||
		    ch == '"' || ch == ',' || ch == ';')
			return 0;
	}
	return sceau_enc_utf8_valid(s);
}

int
sceau_identity_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > SCEAU_NAME_MAX || !sceau_enc_utf8_valid(s))
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return 0;
	}
	return 1;
}

static int
identity_valid(const struct sceau_identity *id)
{
	if (id->kind == SCEAU_CERT_USER)
		return sceau_identity_email_valid(id->email) &&
		    sceau_identity_name_valid(id->name);
	if (id->kind == SCEAU_CERT_DEVICE)
		return id->email[0] == '\0' &&
		    sceau_identity_name_valid(id->name);
	return 0;
}

int
sceau_identity_init(struct sceau_identity *id, enum sceau_cert_kind kind,
    const char *email, const char *name)
{
	int r;

	memset(id, 0, sizeof(*id));
	id->kind = kind;
	if (email != NULL && strlen(email) > SCEAU_EMAIL_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (name == NULL || strlen(name) > SCEAU_NAME_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	(void)snprintf(
	    id->email, sizeof(id->email), "%s", email == NULL ? "" : email);
	(void)snprintf(id->name, sizeof(id->name), "%s", name);
	if (!identity_valid(id)) {
		sceau_message(kind == SCEAU_CERT_USER
		        ? "invalid email address or name"
		        : "invalid device label");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if ((r = sceau_random_bytes(id->salt, sizeof(id->salt))) != 0)
		return r;
	return 0;
}

int
sceau_identity_encode(const struct sceau_identity *id, struct sceau_buf *out)
{
	int r;

	if (!identity_valid(id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put_u8(out, (uint8_t)id->kind)) != 0 ||
	    (r = sceau_buf_put_string(out, id->salt, sizeof(id->salt))) != 0 ||
	    (r = sceau_buf_put_cstring(out, id->email)) != 0 ||
	    (r = sceau_buf_put_cstring(out, id->name)) != 0)
		return r;
	return 0;
}

int
sceau_identity_hash(
    const struct sceau_identity *id, uint8_t hash[SCEAU_CERT_HASH_LEN])
{
	struct sceau_buf *b;
	int r;

	memset(hash, 0, SCEAU_CERT_HASH_LEN);
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_identity_encode(id, b)) == 0)
		r = sceau_hash_sha256(sceau_buf_ptr(b), sceau_buf_len(b), hash);
	sceau_buf_free(b);
	return r;
}

static int
identity_parse(struct sceau_buf *b, struct sceau_identity *id)
{
	uint8_t kind;

	if (sceau_buf_get_u8(b, &kind) != 0 ||
	    get_fixed(b, id->salt, sizeof(id->salt)) != 0 ||
	    get_text(b, id->email, SCEAU_EMAIL_MAX) != 0 ||
	    get_text(b, id->name, SCEAU_NAME_MAX) != 0 || sceau_buf_len(b) != 0)
		return SCEAU_ERR_CHAIN_IDENTITY;
	id->kind = kind;
	return identity_valid(id) ? 0 : SCEAU_ERR_CHAIN_IDENTITY;
}

int
sceau_identity_decode(const uint8_t *blob, size_t n,
    const uint8_t want[SCEAU_CERT_HASH_LEN], struct sceau_identity *id)
{
	uint8_t got[SCEAU_CERT_HASH_LEN];
	struct sceau_buf *b;
	int r;

	memset(id, 0, sizeof(*id));
	if (n > SCEAU_CERT_IDENTITY_MAX)
		return SCEAU_ERR_CHAIN_IDENTITY;
	/* Hash first: only data the certificate vouches for is parsed. */
	if ((r = sceau_hash_sha256(blob, n, got)) != 0)
		return r;
	if (sceau_timingsafe_bcmp(got, want, sizeof(got)) != 0) {
		sceau_message("identity data does not hash to the value in "
		              "its certificate");
		return SCEAU_ERR_CHAIN_IDENTITY;
	}
	if ((b = sceau_buf_from(blob, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	r = identity_parse(b, id);
	sceau_buf_free(b);
	if (r != 0) {
		memset(id, 0, sizeof(*id));
		sceau_message("identity data malformed");
	}
	return r;
}
