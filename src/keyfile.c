/*
 * keyfile.c: the device key file (keyfile.h; format in doc/keyfile.md).
 *
 * Parsing reads the whole file through a read-only sceau_buf, checks every
 * length against a named limit, and hands out nothing decrypted until the
 * GCM tag verifies.  Plaintext secrets only ever sit in secmem memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keyutils.h>

#include "aead.h"
#include "alloc.h"
#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "hash.h"
#include "kdf.h"
#include "keyfile.h"
#include "link.h"
#include "log.h"
#include "random.h"
#include "secmem.h"
#include "token.h"

#define KF_MAGIC "SCEAUKEY"
#define KF_MAGIC_RECOVERY "SCEAUREC"
#define KF_MAGIC_LEN 8
#define KF_VERSION 1
#define KF_SECRETS_VERSION 1
#define KF_PARAMS_MAX 2304 /* token: URI, fingerprint, wrapped key */
#define KF_CHECK_LEN 16
#define KF_ITEM_HDR 6 /* u16 type, u32 length */

/* Secret items of the encrypted part. */
#define KF_ITEM_DEVICE_SEED 1
#define KF_ITEM_USER_X25519 2

/* A parsed file: the header, and pointers into the caller's bytes. */
struct kf_parsed {
	struct sceau_keyfile_info info;
	uint8_t salt[SCEAU_KDF_SALT_LEN];
	uint8_t check[KF_CHECK_LEN];
	const uint8_t *aad;
	size_t aadlen;
	uint8_t nonce[SCEAU_AEAD_NONCE_LEN];
	const uint8_t *ct;
	size_t ctlen;
	uint8_t tag[SCEAU_AEAD_TAG_LEN];
	/* TOKEN: the file key wrapped to the token's certificate. */
	uint8_t wrapped[SCEAU_TOKEN_WRAP_MAX];
	size_t wrapped_len;
};

/* What locking (writing) a file produces for its header. */
struct kf_lock {
	struct sceau_kdf_argon2_params argon2;
	uint8_t salt[SCEAU_KDF_SALT_LEN];
	uint8_t check[KF_CHECK_LEN];
	uint8_t fingerprint[SCEAU_CERT_HASH_LEN];
	struct sceau_buf *wrapped; /* TOKEN */
};

/* Plaintext secrets in locked memory. */
struct kf_secrets {
	uint8_t *p; /* sceau_secmem_alloc */
	size_t len;
};

static void
kf_secrets_free(struct kf_secrets *s)
{
	sceau_secmem_free(s->p);
	s->p = NULL;
	s->len = 0;
}

const char *
sceau_keyfile_protection_name(enum sceau_keyfile_protection p)
{
	switch (p) {
	case SCEAU_KEYFILE_PASSWORD:
		return "password";
	case SCEAU_KEYFILE_KEYRING:
		return "keyring";
	case SCEAU_KEYFILE_TOKEN:
		return "token";
	}
	return NULL;
}

void
sceau_keyfile_keys_free(struct sceau_keyfile_keys *k)
{
	if (k == NULL)
		return;
	sceau_sign_free(k->device_key);
	sceau_box_free(k->user_key);
	k->device_key = NULL;
	k->user_key = NULL;
}

static int
kf_format(const char *what)
{
	sceau_message("key file: %s", what);
	return SCEAU_ERR_KEYFILE_FORMAT;
}

/* A buffer error while parsing is a malformed file, unless memory ran out. */
static int
kf_buf_error(int r, const char *what)
{
	return r == SCEAU_ERR_ALLOC ? r : kf_format(what);
}

/* ------------------------------------------------------------------ */
/* The kernel keyring. */

static int
kf_keyring_desc(
    const char *org, const char *dev, char desc[SCEAU_KEYFILE_KEYRING_DESC_MAX])
{
	int k = snprintf(
	    desc, SCEAU_KEYFILE_KEYRING_DESC_MAX, "sceau:%s:%s", org, dev);

	if (k < 0 || k >= SCEAU_KEYFILE_KEYRING_DESC_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	return 0;
}

/* The persistent keyring, or the user keyring without one. */
static key_serial_t
kf_keyring_target(void)
{
	long id = keyctl_get_persistent(-1, KEY_SPEC_USER_KEYRING);

	if (id < 0) {
		debug_f("no persistent keyring (%s): using the user keyring",
		    strerror(errno));
		return KEY_SPEC_USER_KEYRING;
	}
	return (key_serial_t)id;
}

/* The key named desc: searched in the persistent, then the user keyring. */
static key_serial_t
kf_keyring_find(const char *desc)
{
	key_serial_t target = kf_keyring_target();
	long id = -1;

	if (target != KEY_SPEC_USER_KEYRING)
		id = keyctl_search(target, "user", desc, 0);
	if (id < 0)
		id = keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc, 0);
	return id < 0 ? -1 : (key_serial_t)id;
}

static int
kf_keyring_get(const char *org, const char *dev, uint8_t key[32])
{
	char desc[SCEAU_KEYFILE_KEYRING_DESC_MAX];
	key_serial_t id;
	long n;
	int r;

	if ((r = kf_keyring_desc(org, dev, desc)) != 0)
		return r;
	if ((id = kf_keyring_find(desc)) < 0) {
		sceau_message("no key \"%s\" in the keyring (it does not "
		              "survive a reboot)",
		    desc);
		return SCEAU_ERR_KEYRING;
	}
	n = keyctl_read(id, (char *)key, SCEAU_AEAD_KEY_LEN);
	if (n != SCEAU_AEAD_KEY_LEN) {
		sceau_memzero(key, SCEAU_AEAD_KEY_LEN);
		sceau_message("keyring key \"%s\" unreadable or of the wrong "
		              "size",
		    desc);
		return SCEAU_ERR_KEYRING;
	}
	return 0;
}

static int
kf_keyring_create(const char *org, const char *dev, uint8_t key[32])
{
	char desc[SCEAU_KEYFILE_KEYRING_DESC_MAX];
	key_serial_t id;
	int r;

	if ((r = kf_keyring_desc(org, dev, desc)) != 0 ||
	    (r = sceau_random_bytes(key, SCEAU_AEAD_KEY_LEN)) != 0)
		return r;
	id =
	    add_key("user", desc, key, SCEAU_AEAD_KEY_LEN, kf_keyring_target());
	/*
	 * Readable by our uid, not only by its possessor: the next sceau
	 * process (or the agent, started elsewhere) may not possess it.
	 */
	if (id < 0 ||
	    keyctl_setperm(id,
	        KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_SEARCH) !=
	        0) {
		sceau_message(
		    "keyring: cannot add \"%s\": %s", desc, strerror(errno));
		sceau_memzero(key, SCEAU_AEAD_KEY_LEN);
		return SCEAU_ERR_KEYRING;
	}
	return 0;
}

static int
kf_keyring_get_or_create(const char *org, const char *dev, uint8_t key[32])
{
	if (kf_keyring_get(org, dev, key) == 0)
		return 0;
	sceau_message_clear();
	return kf_keyring_create(org, dev, key);
}

int
sceau_keyfile_keyring_remove(const char *org_id, const char *device_id)
{
	char desc[SCEAU_KEYFILE_KEYRING_DESC_MAX];
	key_serial_t id;
	int i, r;

	if ((r = kf_keyring_desc(org_id, device_id, desc)) != 0)
		return r;
	/* Bounded: a key that cannot be invalidated is not looped on. */
	for (i = 0; i < 8 && (id = kf_keyring_find(desc)) >= 0; i++) {
		if (keyctl_invalidate(id) != 0) {
			sceau_message("keyring: cannot remove \"%s\": %s", desc,
			    strerror(errno));
			return SCEAU_ERR_KEYRING;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The public header. */

static int
kf_info_check(const struct sceau_keyfile_info *info)
{
	struct sceau_link_server srv;

	if (info->kind != SCEAU_KEYFILE_KIND_DEVICE &&
	    info->kind != SCEAU_KEYFILE_KIND_RECOVERY)
		return kf_format("unknown kind of file");
	if (sceau_link_url_parse(info->server_url, &srv) != 0)
		return kf_format("invalid server URL");
	if (!sceau_org_id_valid(info->org_id))
		return kf_format("invalid organization id");
	if (!sceau_cert_id_valid(info->user_id) ||
	    !sceau_cert_id_valid(info->device_id))
		return kf_format("invalid user or device id");
	if (strnlen(info->device_label, sizeof(info->device_label)) >
	    SCEAU_KEYFILE_LABEL_MAX)
		return kf_format("device label too long");
	return 0;
}

/* A string of at most max bytes, no NUL, into dst[max + 1]. */
static int
kf_get_str(struct sceau_buf *b, char *dst, size_t max, const char *what)
{
	const uint8_t *v;
	size_t len;
	int r;

	if ((r = sceau_buf_get_string_direct(b, max, &v, &len)) != 0)
		return kf_buf_error(r, what);
	if (memchr(v, '\0', len) != NULL)
		return kf_format(what);
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* token: string URI, string fingerprint (32), string wrapped key. */
static int
kf_get_token_params(struct sceau_buf *pb, struct kf_parsed *kp)
{
	const uint8_t *w;
	size_t n;
	int r;

	if ((r = kf_get_str(pb, kp->info.token_uri, SCEAU_KEYFILE_TOKEN_URI_MAX,
	         "token URI")) != 0)
		return r;
	if (strncmp(kp->info.token_uri, "pkcs11:", 7) != 0)
		return kf_format("token URI");
	if ((r = sceau_buf_get_fixed(pb, kp->info.token_fingerprint,
	         sizeof(kp->info.token_fingerprint))) != 0 ||
	    (r = sceau_buf_get_string_direct(
	         pb, SCEAU_TOKEN_WRAP_MAX, &w, &n)) != 0)
		return kf_buf_error(r, "token parameters");
	if (n == 0)
		return kf_format("wrapped key");
	memcpy(kp->wrapped, w, n);
	kp->wrapped_len = n;
	return 0;
}

static int
kf_get_params(struct sceau_buf *b, struct kf_parsed *kp)
{
	struct sceau_buf *pb = NULL;
	int r;

	if ((r = sceau_buf_froms(b, &pb)) != 0)
		return kf_buf_error(r, "protection parameters");
	if (sceau_buf_len(pb) > KF_PARAMS_MAX) {
		r = kf_format("protection parameters too long");
		goto out;
	}
	switch (kp->info.protection) {
	case SCEAU_KEYFILE_PASSWORD:
		if ((r = sceau_kdf_argon2_params_get(pb, &kp->info.argon2)) !=
		    0) {
			r = r == SCEAU_ERR_KDF_PARAMS
			    ? r
			    : kf_buf_error(r, "password parameters");
			goto out;
		}
		if ((r = sceau_buf_get(pb, kp->salt, sizeof(kp->salt))) != 0 ||
		    (r = sceau_buf_get(pb, kp->check, sizeof(kp->check))) !=
		        0) {
			r = kf_buf_error(r, "password salt");
			goto out;
		}
		break;
	case SCEAU_KEYFILE_KEYRING:
		break;
	case SCEAU_KEYFILE_TOKEN:
		if ((r = kf_get_token_params(pb, kp)) != 0)
			goto out;
		break;
	default:
		r = kf_format("unknown protection");
		goto out;
	}
	r = sceau_buf_len(pb) == 0 ? 0 : kf_format("protection parameters");
out:
	sceau_buf_free(pb);
	return r;
}

static int
kf_parse_header(struct sceau_buf *h, struct kf_parsed *kp)
{
	struct sceau_keyfile_info *in = &kp->info;
	uint8_t prot;
	int r;

	if ((r = sceau_buf_get_u8(h, &prot)) != 0)
		return kf_buf_error(r, "header");
	in->protection = (enum sceau_keyfile_protection)prot;
	if ((r = kf_get_str(h, in->server_url, SCEAU_KEYFILE_URL_MAX,
	         "server URL")) != 0 ||
	    (r = kf_get_str(h, in->org_id, SCEAU_ORG_ID_MAX, "organization")) !=
	        0 ||
	    (r = kf_get_str(h, in->user_id, SCEAU_ID_LEN, "user id")) != 0 ||
	    (r = kf_get_str(h, in->device_id, SCEAU_ID_LEN, "device id")) !=
	        0 ||
	    (r = kf_get_str(h, in->device_label, SCEAU_KEYFILE_LABEL_MAX,
	         "device label")) != 0)
		return r;
	if ((r = sceau_buf_get_fixed(
	         h, in->root_verify_key, sizeof(in->root_verify_key))) != 0 ||
	    (r = sceau_buf_get_u64(h, &in->created)) != 0)
		return kf_buf_error(r, "header");
	if ((r = kf_get_params(h, kp)) != 0)
		return r;
	if (sceau_buf_len(h) != 0)
		return kf_format("data after the header");
	return kf_info_check(in);
}

static int
kf_parse_magic(struct sceau_buf *b, struct kf_parsed *kp)
{
	uint8_t magic[KF_MAGIC_LEN], version;

	if (sceau_buf_get(b, magic, sizeof(magic)) != 0)
		return kf_format("not a sceau key file");
	if (memcmp(magic, KF_MAGIC, KF_MAGIC_LEN) == 0)
		kp->info.kind = SCEAU_KEYFILE_KIND_DEVICE;
	else if (memcmp(magic, KF_MAGIC_RECOVERY, KF_MAGIC_LEN) == 0)
		kp->info.kind = SCEAU_KEYFILE_KIND_RECOVERY;
	else
		return kf_format("not a sceau key file");
	if (sceau_buf_get_u8(b, &version) != 0 || version != KF_VERSION)
		return kf_format("unknown version");
	return 0;
}

static int
kf_parse_body(
    struct sceau_buf *b, const uint8_t *p, size_t n, struct kf_parsed *kp)
{
	const uint8_t *hp;
	size_t hlen;
	struct sceau_buf *h = NULL;
	int r;

	if ((r = kf_parse_magic(b, kp)) != 0)
		return r;
	if ((r = sceau_buf_get_string_direct(
	         b, SCEAU_KEYFILE_HEADER_MAX, &hp, &hlen)) != 0)
		return kf_buf_error(r, "header length");
	if ((h = sceau_buf_from(hp, hlen)) == NULL)
		return SCEAU_ERR_ALLOC;
	r = kf_parse_header(h, kp);
	sceau_buf_free(h);
	if (r != 0)
		return r;
	if ((r = sceau_buf_get(b, kp->nonce, sizeof(kp->nonce))) != 0)
		return kf_buf_error(r, "nonce");
	kp->aad = p;
	kp->aadlen = n - sceau_buf_len(b);
	if ((r = sceau_buf_get_string_direct(
	         b, SCEAU_KEYFILE_SECRETS_MAX, &kp->ct, &kp->ctlen)) != 0)
		return kf_buf_error(r, "encrypted part");
	if (kp->ctlen == 0)
		return kf_format("empty encrypted part");
	if ((r = sceau_buf_get(b, kp->tag, sizeof(kp->tag))) != 0)
		return kf_buf_error(r, "tag");
	if (sceau_buf_len(b) != 0)
		return kf_format("data after the end");
	return 0;
}

static int
kf_parse(const uint8_t *p, size_t n, struct kf_parsed *kp)
{
	struct sceau_buf *b;
	int r;

	memset(kp, 0, sizeof(*kp));
	if (p == NULL || n > SCEAU_KEYFILE_MAX)
		return kf_format("too large");
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	r = kf_parse_body(b, p, n, kp);
	sceau_buf_free(b);
	if (r != 0)
		memset(kp, 0, sizeof(*kp));
	return r;
}

int
sceau_keyfile_decode_info(
    const uint8_t *p, size_t n, struct sceau_keyfile_info *info)
{
	struct kf_parsed kp;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = kf_parse(p, n, &kp)) != 0)
		return r;
	*info = kp.info;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Keys. */

/* Argon2id(password) = key (32) || check (16). */
static int
kf_password_derive(const struct sceau_keyfile_auth *auth,
    const uint8_t salt[SCEAU_KDF_SALT_LEN],
    const struct sceau_kdf_argon2_params *params, uint8_t key[32],
    uint8_t check[KF_CHECK_LEN])
{
	uint8_t out[SCEAU_AEAD_KEY_LEN + KF_CHECK_LEN];
	int r;

	if (auth->password == NULL && auth->password_len != 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	r = sceau_kdf_argon2id(auth->password, auth->password_len, salt,
	    SCEAU_KDF_SALT_LEN, NULL, 0, NULL, 0, params, out, sizeof(out));
	if (r == 0) {
		memcpy(key, out, SCEAU_AEAD_KEY_LEN);
		memcpy(check, out + SCEAU_AEAD_KEY_LEN, KF_CHECK_LEN);
	}
	sceau_memzero(out, sizeof(out));
	return r;
}

/* The token's certificate's SHA-256. */
static int
kf_token_fingerprint(struct sceau_token *t, uint8_t fp[SCEAU_CERT_HASH_LEN])
{
	const uint8_t *der;
	size_t len;
	int r;

	if ((r = sceau_token_certificate(t, &der, &len)) != 0)
		return r;
	return sceau_hash_sha256(der, len, fp);
}

/* The file key, unwrapped on the token named in the header. */
static int
kf_token_unwrap(const struct kf_parsed *kp,
    const struct sceau_keyfile_auth *auth, uint8_t key[32])
{
	uint8_t fp[SCEAU_CERT_HASH_LEN];
	int r;

	if (auth->token == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = kf_token_fingerprint(auth->token, fp)) != 0)
		return r;
	if (sceau_timingsafe_bcmp(fp, kp->info.token_fingerprint, sizeof(fp)) !=
	    0) {
		sceau_message("this token holds another certificate than the "
		              "one this device is bound to");
		return SCEAU_ERR_KEY_INVALID;
	}
	if ((r = sceau_token_unwrap(
	         auth->token, kp->wrapped, kp->wrapped_len, key)) != 0 &&
	    r == SCEAU_ERR_DECRYPT_FAILED)
		sceau_message("the key file's wrapped key is altered");
	return r;
}

/* The file key of a parsed file. */
static int
kf_unlock_key(const struct kf_parsed *kp, const struct sceau_keyfile_auth *auth,
    uint8_t key[32])
{
	uint8_t check[KF_CHECK_LEN];
	int r;

	if (auth->kind != kp->info.protection) {
		sceau_message("key file protected by %s, not %s",
		    sceau_keyfile_protection_name(kp->info.protection),
		    sceau_keyfile_protection_name(auth->kind) != NULL
		        ? sceau_keyfile_protection_name(auth->kind)
		        : "an unknown protection");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	switch (kp->info.protection) {
	case SCEAU_KEYFILE_PASSWORD:
		if ((r = kf_password_derive(
		         auth, kp->salt, &kp->info.argon2, key, check)) != 0)
			return r;
		if (sceau_timingsafe_bcmp(check, kp->check, KF_CHECK_LEN) !=
		    0) {
			sceau_memzero(key, SCEAU_AEAD_KEY_LEN);
			r = SCEAU_ERR_WRONG_PASSWORD;
		}
		sceau_memzero(check, sizeof(check));
		return r;
	case SCEAU_KEYFILE_KEYRING:
		return kf_keyring_get(kp->info.org_id, kp->info.device_id, key);
	case SCEAU_KEYFILE_TOKEN:
		return kf_token_unwrap(kp, auth, key);
	default:
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
}

static int
kf_decrypt(const struct kf_parsed *kp, const struct sceau_keyfile_auth *auth,
    struct kf_secrets *s)
{
	uint8_t key[SCEAU_AEAD_KEY_LEN];
	int r;

	s->p = NULL;
	s->len = 0;
	if ((r = kf_unlock_key(kp, auth, key)) != 0)
		goto out;
	if ((s->p = sceau_secmem_alloc(kp->ctlen)) == NULL) {
		r = SCEAU_ERR_SECMEM;
		goto out;
	}
	s->len = kp->ctlen;
	if ((r = sceau_aead_decrypt(NULL, key, kp->nonce, kp->aad, kp->aadlen,
	         kp->ct, kp->ctlen, kp->tag, s->p)) != 0) {
		kf_secrets_free(s);
		sceau_message("%s altered or damaged",
		    kp->info.kind == SCEAU_KEYFILE_KIND_RECOVERY
		        ? "recovery file"
		        : "key file");
		goto out;
	}
out:
	sceau_memzero(key, sizeof(key));
	return r;
}

/* One item: type, and a view of its value inside the secrets. */
static int
kf_next_item(
    struct sceau_buf *b, uint16_t *type, const uint8_t **v, size_t *len)
{
	uint32_t n;

	if (sceau_buf_get_u16(b, type) != 0 || sceau_buf_get_u32(b, &n) != 0)
		return kf_format("secret item truncated");
	if (n > SCEAU_KEYFILE_ITEM_MAX || n > sceau_buf_len(b))
		return kf_format("secret item too long");
	*v = sceau_buf_ptr(b);
	*len = n;
	return sceau_buf_consume(b, n) == 0 ? 0 : kf_format("secret item");
}

static int
kf_use_item(uint16_t type, const uint8_t *v, size_t len,
    struct sceau_keyfile_keys *keys)
{
	switch (type) {
	case KF_ITEM_DEVICE_SEED:
		if (keys->device_key != NULL || len != SCEAU_SIGN_SEED_LEN)
			return kf_format("device key repeated or malformed");
		return sceau_sign_from_seed(v, &keys->device_key);
	case KF_ITEM_USER_X25519:
		if (keys->user_key != NULL || len != SCEAU_BOX_SECRET_LEN)
			return kf_format("user key repeated or malformed");
		return sceau_box_from_secret(v, &keys->user_key);
	default:
		/* A later version's secret: kept by change-auth, unused. */
		return 0;
	}
}

static int
kf_secrets_parse(const struct kf_secrets *s, struct sceau_keyfile_keys *keys)
{
	struct sceau_buf *b;
	const uint8_t *v;
	uint16_t type;
	uint8_t version;
	size_t len;
	int r;

	keys->device_key = NULL;
	keys->user_key = NULL;
	if ((b = sceau_buf_from(s->p, s->len)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u8(b, &version) != 0 ||
	    version != KF_SECRETS_VERSION) {
		r = kf_format("unknown version of the encrypted part");
		goto out;
	}
	while (sceau_buf_len(b) > 0) {
		if ((r = kf_next_item(b, &type, &v, &len)) != 0 ||
		    (r = kf_use_item(type, v, len, keys)) != 0)
			goto out;
	}
	r = keys->device_key != NULL ? 0 : kf_format("no device key");
out:
	/* A view: freeing it does not wipe the secrets, kf_secrets_free does. */
	sceau_buf_free(b);
	if (r != 0)
		sceau_keyfile_keys_free(keys);
	return r;
}

int
sceau_keyfile_decode(const uint8_t *p, size_t n,
    const struct sceau_keyfile_auth *auth, struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys)
{
	struct kf_secrets s = {NULL, 0};
	struct kf_parsed kp;
	int r;

	memset(info, 0, sizeof(*info));
	memset(keys, 0, sizeof(*keys));
	if (auth == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = kf_parse(p, n, &kp)) != 0 ||
	    (r = kf_decrypt(&kp, auth, &s)) != 0 ||
	    (r = kf_secrets_parse(&s, keys)) != 0)
		goto out;
	*info = kp.info;
out:
	kf_secrets_free(&s);
	return r;
}

/* ------------------------------------------------------------------ */
/* Writing. */

static void
kf_put_item(uint8_t *p, size_t *off, uint16_t type, size_t len)
{
	p[(*off)++] = (uint8_t)(type >> 8);
	p[(*off)++] = (uint8_t)type;
	p[(*off)++] = (uint8_t)(len >> 24);
	p[(*off)++] = (uint8_t)(len >> 16);
	p[(*off)++] = (uint8_t)(len >> 8);
	p[(*off)++] = (uint8_t)len;
}

/* The encrypted part for a device key and an optional user key. */
static int
kf_secrets_build(const struct sceau_signkey *dev,
    const struct sceau_boxkey *user, struct kf_secrets *s)
{
	size_t off = 0;

	/* A key held by the agent has no seed to write. */
	if (sceau_sign_is_remote(dev)) {
		sceau_message("the device key is held by sceau-agent; run "
		              "this command without the agent");
		return SCEAU_ERR_AGENT_HELD;
	}
	s->len = 1 + KF_ITEM_HDR + SCEAU_SIGN_SEED_LEN +
	    (user != NULL ? KF_ITEM_HDR + SCEAU_BOX_SECRET_LEN : 0);
	if ((s->p = sceau_secmem_alloc(s->len)) == NULL) {
		s->len = 0;
		return SCEAU_ERR_SECMEM;
	}
	s->p[off++] = KF_SECRETS_VERSION;
	kf_put_item(s->p, &off, KF_ITEM_DEVICE_SEED, SCEAU_SIGN_SEED_LEN);
	sceau_sign_seed(dev, s->p + off);
	off += SCEAU_SIGN_SEED_LEN;
	if (user != NULL) {
		kf_put_item(
		    s->p, &off, KF_ITEM_USER_X25519, SCEAU_BOX_SECRET_LEN);
		sceau_box_secret(user, s->p + off);
	}
	return 0;
}

static int
kf_put_params(struct sceau_buf *h, const struct sceau_keyfile_auth *auth,
    const struct kf_lock *lk)
{
	struct sceau_buf *pb;
	int r;

	if (auth->kind == SCEAU_KEYFILE_KEYRING)
		return sceau_buf_put_string(h, NULL, 0);
	if ((pb = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (auth->kind == SCEAU_KEYFILE_TOKEN)
		r = (r = sceau_buf_put_cstring(pb, auth->token_uri)) != 0 ||
		        (r = sceau_buf_put_string(
		             pb, lk->fingerprint, sizeof(lk->fingerprint))) != 0
		    ? r
		    : sceau_buf_put_stringb(pb, lk->wrapped);
	else if ((r = sceau_kdf_argon2_params_put(pb, &lk->argon2)) == 0 &&
	    (r = sceau_buf_put(pb, lk->salt, SCEAU_KDF_SALT_LEN)) == 0)
		r = sceau_buf_put(pb, lk->check, KF_CHECK_LEN);
	if (r == 0)
		r = sceau_buf_put_stringb(h, pb);
	sceau_buf_free(pb);
	return r;
}

static int
kf_put_header(struct sceau_buf *f, const struct sceau_keyfile_info *in,
    const struct sceau_keyfile_auth *auth, const struct kf_lock *lk)
{
	struct sceau_buf *h;
	int r;

	if ((h = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_put_u8(h, (uint8_t)auth->kind)) != 0 ||
	    (r = sceau_buf_put_cstring(h, in->server_url)) != 0 ||
	    (r = sceau_buf_put_cstring(h, in->org_id)) != 0 ||
	    (r = sceau_buf_put_cstring(h, in->user_id)) != 0 ||
	    (r = sceau_buf_put_cstring(h, in->device_id)) != 0 ||
	    (r = sceau_buf_put_cstring(h, in->device_label)) != 0 ||
	    (r = sceau_buf_put_string(
	         h, in->root_verify_key, sizeof(in->root_verify_key))) != 0 ||
	    (r = sceau_buf_put_u64(h, in->created)) != 0 ||
	    (r = kf_put_params(h, auth, lk)) != 0)
		goto out;
	if (sceau_buf_len(h) > SCEAU_KEYFILE_HEADER_MAX) {
		r = SCEAU_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = sceau_buf_put(f,
	         in->kind == SCEAU_KEYFILE_KIND_RECOVERY ? KF_MAGIC_RECOVERY
	                                                 : KF_MAGIC,
	         KF_MAGIC_LEN)) != 0 ||
	    (r = sceau_buf_put_u8(f, KF_VERSION)) != 0 ||
	    (r = sceau_buf_put_stringb(f, h)) != 0)
		goto out;
out:
	sceau_buf_free(h);
	return r;
}

/* A random file key, wrapped to the token's certificate. */
static int
kf_token_lock(
    const struct sceau_keyfile_auth *auth, struct kf_lock *lk, uint8_t key[32])
{
	const uint8_t *der;
	size_t len;
	int r, alg = 0;

	if (auth->token == NULL || auth->token_uri == NULL ||
	    strncmp(auth->token_uri, "pkcs11:", 7) != 0 ||
	    strlen(auth->token_uri) > SCEAU_KEYFILE_TOKEN_URI_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((lk->wrapped = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	/* The wrap the token can undo (SHA-1 OAEP on some RSA tokens). */
	if ((r = sceau_token_certificate(auth->token, &der, &len)) != 0 ||
	    (r = sceau_hash_sha256(der, len, lk->fingerprint)) != 0 ||
	    (r = sceau_token_oaep_probe(auth->token, &alg)) != 0 ||
	    (r = sceau_random_bytes(key, SCEAU_AEAD_KEY_LEN)) != 0)
		return r;
	return sceau_token_wrap_to_cert(der, len, alg, key, lk->wrapped);
}

/* The file key for writing, and its header parameters. */
static int
kf_lock_key(const struct sceau_keyfile_info *in,
    const struct sceau_keyfile_auth *auth, struct kf_lock *lk, uint8_t key[32])
{
	int r;

	switch (auth->kind) {
	case SCEAU_KEYFILE_PASSWORD:
		if (auth->argon2 != NULL)
			lk->argon2 = *auth->argon2;
		else
			sceau_kdf_argon2_default(&lk->argon2);
		if ((r = sceau_random_bytes(lk->salt, SCEAU_KDF_SALT_LEN)) != 0)
			return r;
		return kf_password_derive(
		    auth, lk->salt, &lk->argon2, key, lk->check);
	case SCEAU_KEYFILE_KEYRING:
		return kf_keyring_get_or_create(in->org_id, in->device_id, key);
	case SCEAU_KEYFILE_TOKEN:
		return kf_token_lock(auth, lk, key);
	default:
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
}

/* Seals the plaintext secrets s under auth and appends the file to out. */
static int
kf_seal(const struct sceau_keyfile_info *in, const struct kf_secrets *s,
    const struct sceau_keyfile_auth *auth, struct sceau_buf *out)
{
	uint8_t key[SCEAU_AEAD_KEY_LEN], nonce[SCEAU_AEAD_NONCE_LEN], *ct;
	struct sceau_buf *f = NULL;
	struct kf_lock lk;
	size_t aadlen;
	int r;

	memset(&lk, 0, sizeof(lk));
	memset(key, 0, sizeof(key));
	if (kf_info_check(in) != 0) {
		r = SCEAU_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = kf_lock_key(in, auth, &lk, key)) != 0)
		goto out;
	if ((r = sceau_random_bytes(nonce, sizeof(nonce))) != 0)
		goto out;
	if ((f = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = kf_put_header(f, in, auth, &lk)) != 0 ||
	    (r = sceau_buf_put(f, nonce, sizeof(nonce))) != 0)
		goto out;
	aadlen = sceau_buf_len(f);
	/* Reserve everything first: the AAD pointer must not move. */
	if ((r = sceau_buf_put_u32(f, (uint32_t)s->len)) != 0 ||
	    (r = sceau_buf_reserve(f, s->len + SCEAU_AEAD_TAG_LEN, &ct)) != 0)
		goto out;
	if ((r = sceau_aead_encrypt(NULL, key, nonce, sceau_buf_ptr(f), aadlen,
	         s->p, s->len, ct, ct + s->len)) != 0 ||
	    (r = sceau_buf_putb(out, f)) != 0)
		goto out;
out:
	sceau_memzero(key, sizeof(key));
	sceau_buf_free(lk.wrapped);
	sceau_memzero(&lk, sizeof(lk));
	sceau_buf_free(f);
	return r;
}

int
sceau_keyfile_encode(const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth, struct sceau_buf *out)
{
	struct kf_secrets s = {NULL, 0};
	int r;

	if (info == NULL || device_key == NULL || auth == NULL || out == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = kf_secrets_build(device_key, user_key, &s)) != 0)
		return r;
	r = kf_seal(info, &s, auth, out);
	kf_secrets_free(&s);
	return r;
}

/* ------------------------------------------------------------------ */
/* Files. */

/*
 * Loads a key file that is a regular file; a device key file (private)
 * must be ours and private too.  A recovery file is read whatever its
 * owner and mode: it travels on removable media, whose file systems
 * often know neither, and its secrets rest on a passphrase of 130 random
 * bits (doc/recovery.md).
 */
static int
kf_load(const char *path, int private, struct sceau_buf *b)
{
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		sceau_message("%s: %s", path, strerror(errno));
		return errno == ENOENT ? SCEAU_ERR_NOT_FOUND
		    : errno == EACCES  ? SCEAU_ERR_PERMISSION
		                       : SCEAU_ERR_SYSTEM;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sceau_message("%s: not a regular file", path);
		r = SCEAU_ERR_INSECURE_FILE;
	} else if (private &&
	    (st.st_uid != geteuid() || (st.st_mode & 077) != 0)) {
		sceau_message("%s: not a private regular file of ours "
		              "(mode must be 0600)",
		    path);
		r = SCEAU_ERR_INSECURE_FILE;
	} else if ((r = sceau_buf_load_fd(fd, SCEAU_KEYFILE_MAX, b)) ==
	    SCEAU_ERR_FILE_TOO_LARGE) {
		r = kf_format("too large");
	}
	(void)close(fd);
	return r;
}

/* Writes a file of kind kind (info's own kind is not asked for). */
static int
kf_write(const char *path, enum sceau_keyfile_kind kind,
    const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth)
{
	struct sceau_keyfile_info in;
	struct sceau_buf *b;
	int r;

	if (info == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	in = *info;
	in.kind = kind;
	if ((r = sceau_keyfile_encode(&in, device_key, user_key, auth, b)) == 0)
		r = kind == SCEAU_KEYFILE_KIND_DEVICE
		    ? sceau_buf_write_file_atomic(path, 0600, b)
		    : sceau_buf_write_file_new(path, 0600, b);
	sceau_buf_free(b);
	return r;
}

int
sceau_keyfile_write(const char *path, const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth)
{
	return kf_write(
	    path, SCEAU_KEYFILE_KIND_DEVICE, info, device_key, user_key, auth);
}

int
sceau_keyfile_write_recovery(const char *path,
    const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth)
{
	return kf_write(path, SCEAU_KEYFILE_KIND_RECOVERY, info, device_key,
	    user_key, auth);
}

/* A recovery file is not a device key file, nor the reverse. */
static int
kf_kind_check(const char *path, const struct sceau_keyfile_info *info,
    enum sceau_keyfile_kind want)
{
	if (info->kind == want)
		return 0;
	sceau_message("%s: %s", path,
	    want == SCEAU_KEYFILE_KIND_DEVICE
	        ? "a recovery file, not a device key file"
	        : "a device key file, not a recovery file");
	return SCEAU_ERR_KEYFILE_FORMAT;
}

/*
 * Loads path, which must be a file of kind want, and decodes its header,
 * then with keys its secrets (nothing is unlocked in a file of the wrong
 * kind).
 */
static int
kf_read(const char *path, enum sceau_keyfile_kind want,
    const struct sceau_keyfile_auth *auth, struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys)
{
	struct sceau_buf *b;
	int r;

	memset(info, 0, sizeof(*info));
	if (keys != NULL)
		memset(keys, 0, sizeof(*keys));
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = kf_load(path, want == SCEAU_KEYFILE_KIND_DEVICE, b)) != 0 ||
	    (r = sceau_keyfile_decode_info(
	         sceau_buf_ptr(b), sceau_buf_len(b), info)) != 0 ||
	    (r = kf_kind_check(path, info, want)) != 0)
		goto out;
	if (keys != NULL)
		r = sceau_keyfile_decode(
		    sceau_buf_ptr(b), sceau_buf_len(b), auth, info, keys);
out:
	if (r != 0)
		memset(info, 0, sizeof(*info));
	sceau_buf_free(b);
	return r;
}

int
sceau_keyfile_read_info(const char *path, struct sceau_keyfile_info *info)
{
	return kf_read(path, SCEAU_KEYFILE_KIND_DEVICE, NULL, info, NULL);
}

int
sceau_keyfile_open(const char *path, const struct sceau_keyfile_auth *auth,
    struct sceau_keyfile_info *info, struct sceau_keyfile_keys *keys)
{
	return kf_read(path, SCEAU_KEYFILE_KIND_DEVICE, auth, info, keys);
}

int
sceau_keyfile_read_recovery_info(
    const char *path, struct sceau_keyfile_info *info)
{
	return kf_read(path, SCEAU_KEYFILE_KIND_RECOVERY, NULL, info, NULL);
}

int
sceau_keyfile_open_recovery(const char *path,
    const struct sceau_keyfile_auth *auth, struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys)
{
	return kf_read(path, SCEAU_KEYFILE_KIND_RECOVERY, auth, info, keys);
}

/* Unlocks, checks and reseals a loaded file; the result goes to out. */
static int
kf_reseal(const char *path, const struct sceau_buf *b,
    const struct sceau_keyfile_auth *old_auth,
    const struct sceau_keyfile_auth *new_auth, struct kf_parsed *kp,
    struct sceau_buf *out)
{
	struct sceau_keyfile_keys keys = {NULL, NULL};
	struct kf_secrets s = {NULL, 0};
	int r;

	if ((r = kf_parse(sceau_buf_ptr(b), sceau_buf_len(b), kp)) != 0 ||
	    (r = kf_kind_check(path, &kp->info, SCEAU_KEYFILE_KIND_DEVICE)) !=
	        0 ||
	    (r = kf_decrypt(kp, old_auth, &s)) != 0)
		goto out;
	/* Refuse to reseal secrets that do not parse. */
	if ((r = kf_secrets_parse(&s, &keys)) != 0)
		goto out;
	sceau_keyfile_keys_free(&keys);
	r = kf_seal(&kp->info, &s, new_auth, out);
out:
	kf_secrets_free(&s);
	return r;
}

int
sceau_keyfile_change_protection(const char *path,
    const struct sceau_keyfile_auth *old_auth,
    const struct sceau_keyfile_auth *new_auth)
{
	struct sceau_buf *b = NULL, *out = NULL;
	struct kf_parsed kp;
	int r;

	if (old_auth == NULL || new_auth == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((b = sceau_buf_new()) == NULL || (out = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = kf_load(path, 1, b)) != 0 ||
	    (r = kf_reseal(path, b, old_auth, new_auth, &kp, out)) != 0 ||
	    (r = sceau_buf_write_file_atomic(path, 0600, out)) != 0)
		goto out;
	/* The old key is useless now; failing to remove it loses nothing. */
	if (kp.info.protection == SCEAU_KEYFILE_KEYRING &&
	    new_auth->kind != SCEAU_KEYFILE_KEYRING &&
	    sceau_keyfile_keyring_remove(kp.info.org_id, kp.info.device_id) !=
	        0) {
		debug_f("old keyring key left in place");
		sceau_message_clear();
	}
out:
	sceau_buf_free(b);
	sceau_buf_free(out);
	return r;
}
