/*
 * srv-fixture.c: a test organization for sceau-server (srv-fixture.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "box.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "reqsign.h"
#include "srv-fixture.h"

/* The common header of the next certificate. */
static void
fx_header(struct srvfx_org *fx, struct sceau_cert *c, enum sceau_cert_kind kind,
    const char *author)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	(void)snprintf(c->org_id, sizeof(c->org_id), "%s", fx->org_id);
	c->index = sceau_chain_last_index(fx->chain) + 1;
	memcpy(c->prev_hash, sceau_chain_last_hash(fx->chain),
	    SCEAU_CERT_HASH_LEN);
	c->timestamp = ++fx->ts;
	(void)snprintf(c->author, sizeof(c->author), "%s", author);
}

/* A fresh identity blob of kind into blob, its hash into c. */
static int
fx_identity(struct sceau_cert *c, const char *email, const char *name,
    struct sceau_buf *blob)
{
	struct sceau_identity id;
	int r;

	if ((r = sceau_identity_init(&id, c->kind, email, name)) != 0 ||
	    (r = sceau_identity_encode(&id, blob)) != 0 ||
	    (r = sceau_identity_hash(&id, c->identity_hash)) != 0)
		return r;
	return 0;
}

/*
 * Signs c with key, applies it to the fixture's chain, and appends
 * {"certificate": ..., "identity": ...} to body (when not NULL).  The
 * envelope itself goes to env when not NULL.
 */
static int
fx_emit(struct srvfx_org *fx, struct sceau_cert *c,
    const struct sceau_signkey *key, const struct sceau_buf *ident,
    struct sceau_buf *env, struct sceau_buf *body)
{
	struct sceau_buf *e = sceau_buf_new();
	int r;

	if (e == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_cert_sign(c, key, e)) != 0 ||
	    (r = sceau_chain_append(
	         fx->chain, sceau_buf_ptr(e), sceau_buf_len(e), 0, NULL)) != 0)
		goto out;
	if (env != NULL && (r = sceau_buf_putb(env, e)) != 0)
		goto out;
	if (body == NULL)
		goto out;
	if ((r = sceau_buf_put(body, "{\"certificate\":\"", 16)) != 0 ||
	    (r = sceau_enc_b64_put(body, sceau_buf_ptr(e), sceau_buf_len(e),
	         SCEAU_B64_STD)) != 0 ||
	    (r = sceau_buf_putf(body, "\",\"identity\":%s",
	         ident != NULL ? "\"" : "null")) != 0)
		goto out;
	if (ident != NULL &&
	    ((r = sceau_enc_b64_put(body, sceau_buf_ptr(ident),
	          sceau_buf_len(ident), SCEAU_B64_STD)) != 0 ||
	        (r = sceau_buf_put(body, "\"", 1)) != 0))
		goto out;
	r = sceau_buf_put(body, "}", 1);
out:
	sceau_buf_free(e);
	return r;
}

static int
fx_user_cert(struct srvfx_org *fx, const char *author,
    const struct srvfx_device *u, struct sceau_cert *c, struct sceau_buf *ident)
{
	struct sceau_boxkey *bk;
	char email[64];
	int r;

	fx_header(fx, c, SCEAU_CERT_USER, author);
	(void)snprintf(c->user_id, sizeof(c->user_id), "%s", u->user_id);
	c->profile = u->profile;
	(void)snprintf(c->enc_alg, sizeof(c->enc_alg), "x25519");
	if ((r = sceau_box_generate(&bk)) != 0)
		return r;
	sceau_box_public(bk, c->enc_key);
	c->enc_key_len = SCEAU_BOX_PUBLIC_LEN;
	sceau_box_free(bk);
	(void)snprintf(email, sizeof(email), "%.8s@example.org", u->user_id);
	return fx_identity(c, email, "Test User", ident);
}

static int
fx_device_cert(struct srvfx_org *fx, const char *author,
    const struct srvfx_device *d, struct sceau_cert *c, struct sceau_buf *ident)
{
	fx_header(fx, c, SCEAU_CERT_DEVICE, author);
	(void)snprintf(c->device_id, sizeof(c->device_id), "%s", d->device_id);
	(void)snprintf(c->user_id, sizeof(c->user_id), "%s", d->user_id);
	sceau_sign_public(d->key, c->verify_key);
	return fx_identity(c, "", "test laptop", ident);
}

static int
fx_new_device(struct srvfx_device *d, const char *user_id, enum sceau_profile p)
{
	int r;

	memset(d, 0, sizeof(*d));
	d->profile = p;
	if (user_id != NULL)
		(void)snprintf(d->user_id, sizeof(d->user_id), "%s", user_id);
	else if ((r = sceau_cert_new_id(d->user_id)) != 0)
		return r;
	if ((r = sceau_cert_new_id(d->device_id)) != 0 ||
	    (r = sceau_sign_generate(&d->key)) != 0)
		return r;
	return 0;
}

/* JSON string array item: "base64" (or null for an empty blob). */
static int
fx_item(struct sceau_buf *body, const struct sceau_buf *b, int last)
{
	int r;

	if (b == NULL)
		return sceau_buf_putf(body, "null%s", last ? "" : ",");
	if ((r = sceau_buf_put(body, "\"", 1)) != 0 ||
	    (r = sceau_enc_b64_put(
	         body, sceau_buf_ptr(b), sceau_buf_len(b), SCEAU_B64_STD)) != 0)
		return r;
	return sceau_buf_putf(body, "\"%s", last ? "" : ",");
}

static int
fx_bootstrap_certs(
    struct srvfx_org *fx, struct sceau_buf *env[3], struct sceau_buf *ident[3])
{
	struct sceau_cert c;
	int r;

	fx_header(fx, &c, SCEAU_CERT_ORG, "");
	memcpy(c.root_verify_key, fx->root_vk, sizeof(fx->root_vk));
	if ((r = fx_emit(fx, &c, fx->root, NULL, env[0], NULL)) != 0 ||
	    (r = fx_user_cert(fx, "", &fx->admin, &c, ident[1])) != 0 ||
	    (r = fx_emit(fx, &c, fx->root, ident[1], env[1], NULL)) != 0 ||
	    (r = fx_device_cert(fx, "", &fx->admin, &c, ident[2])) != 0 ||
	    (r = fx_emit(fx, &c, fx->root, ident[2], env[2], NULL)) != 0)
		return r;
	return 0;
}

static int
fx_bootstrap_body(const struct srvfx_org *fx, const char *token,
    struct sceau_buf *env[3], struct sceau_buf *ident[3],
    struct sceau_buf *body)
{
	int r, i;

	if ((r = sceau_buf_putf(body,
	         "{\"token\":\"%s\",\"root_verify_key\":\"", token)) != 0 ||
	    (r = sceau_enc_b64_put(
	         body, fx->root_vk, sizeof(fx->root_vk), SCEAU_B64_STD)) != 0 ||
	    (r = sceau_buf_putf(body, "\",\"certificates\":[")) != 0)
		return r;
	for (i = 0; i < 3; i++) {
		if ((r = fx_item(body, env[i], i == 2)) != 0)
			return r;
	}
	if ((r = sceau_buf_putf(body, "],\"identities\":[")) != 0)
		return r;
	for (i = 0; i < 3; i++) {
		if ((r = fx_item(body, ident[i], i == 2)) != 0)
			return r;
	}
	return sceau_buf_putf(body, "]}");
}

int
srvfx_new(const char *org_id, const char *token, struct srvfx_org *fx,
    struct sceau_buf *body)
{
	struct sceau_buf *env[3] = {NULL, NULL, NULL};
	struct sceau_buf *ident[3] = {NULL, NULL, NULL};
	int r, i;

	memset(fx, 0, sizeof(*fx));
	(void)snprintf(fx->org_id, sizeof(fx->org_id), "%s", org_id);
	if ((r = sceau_sign_generate(&fx->root)) != 0)
		return r;
	sceau_sign_public(fx->root, fx->root_vk);
	if ((r = fx_new_device(&fx->admin, NULL, SCEAU_PROFILE_ADMIN)) != 0 ||
	    (r = sceau_chain_new(org_id, fx->root_vk, &fx->chain)) != 0)
		return r;
	for (i = 0; i < 3; i++) {
		if ((env[i] = sceau_buf_new()) == NULL ||
		    (i > 0 && (ident[i] = sceau_buf_new()) == NULL)) {
			r = SCEAU_ERR_ALLOC;
			goto out;
		}
	}
	if ((r = fx_bootstrap_certs(fx, env, ident)) == 0)
		r = fx_bootstrap_body(fx, token, env, ident, body);
out:
	for (i = 0; i < 3; i++) {
		sceau_buf_free(env[i]);
		sceau_buf_free(ident[i]);
	}
	return r;
}

void
srvfx_device_free(struct srvfx_device *d)
{
	sceau_sign_free(d->key);
	memset(d, 0, sizeof(*d));
}

void
srvfx_free(struct srvfx_org *fx)
{
	sceau_sign_free(fx->root);
	sceau_chain_free(fx->chain);
	srvfx_device_free(&fx->admin);
	memset(fx, 0, sizeof(*fx));
}

int
srvfx_new_user(struct srvfx_org *fx, const struct srvfx_device *author,
    enum sceau_profile p, struct srvfx_device *out, struct sceau_buf *body)
{
	struct sceau_buf *ident = sceau_buf_new();
	struct sceau_cert c;
	int r;

	if (ident == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = fx_new_device(out, NULL, p)) == 0 &&
	    (r = fx_user_cert(fx, author->device_id, out, &c, ident)) == 0)
		r = fx_emit(fx, &c, author->key, ident, NULL, body);
	sceau_buf_free(ident);
	return r;
}

int
srvfx_new_device(struct srvfx_org *fx, const struct srvfx_device *author,
    struct srvfx_device *d, struct sceau_buf *body)
{
	struct sceau_buf *ident = sceau_buf_new();
	struct sceau_cert c;
	int r;

	if (ident == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = fx_device_cert(fx, author->device_id, d, &c, ident)) == 0)
		r = fx_emit(fx, &c, author->key, ident, NULL, body);
	sceau_buf_free(ident);
	return r;
}

int
srvfx_revoke_device(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *device_id, struct sceau_buf *body)
{
	struct sceau_cert c;

	fx_header(fx, &c, SCEAU_CERT_DEVICE_REVOKE, author->device_id);
	(void)snprintf(c.device_id, sizeof(c.device_id), "%s", device_id);
	return fx_emit(fx, &c, author->key, NULL, NULL, body);
}

int
srvfx_revoke_user(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *user_id, struct sceau_buf *body)
{
	struct sceau_cert c;

	fx_header(fx, &c, SCEAU_CERT_USER_REVOKE, author->device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", user_id);
	return fx_emit(fx, &c, author->key, NULL, NULL, body);
}

/* Stand-ins for sealed keys: the server stores them, never opens them. */
static const uint8_t fx_sealed[93] = {0x5e, 0xa1};

int
srvfx_realm_create(struct srvfx_org *fx, const struct srvfx_device *author,
    char realm_id[SCEAU_ID_LEN + 1], struct sceau_buf *body)
{
	struct sceau_cert_key key;
	struct sceau_cert c;
	int r;

	if (realm_id[0] == '\0' && (r = sceau_cert_new_id(realm_id)) != 0)
		return r;
	fx_header(fx, &c, SCEAU_CERT_REALM_KEY, author->device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", realm_id);
	c.key_index = 1;
	memset(c.key_check, 0x42, sizeof(c.key_check));
	memset(&key, 0, sizeof(key));
	(void)snprintf(key.user_id, sizeof(key.user_id), "%s", author->user_id);
	key.sealed = fx_sealed;
	key.sealed_len = sizeof(fx_sealed);
	c.n_keys = 1;
	c.keys_in = &key;
	return fx_emit(fx, &c, author->key, NULL, NULL, body);
}

int
srvfx_realm_role(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *realm_id, const char *user_id, enum sceau_role role,
    uint32_t nkeys, struct sceau_buf *body)
{
	struct sceau_cert_key keys[16];
	struct sceau_cert c;
	uint32_t i;

	if (nkeys > SCEAU_NELEM(keys))
		return SCEAU_ERR_INVALID_ARGUMENT;
	fx_header(fx, &c, SCEAU_CERT_REALM_ROLE, author->device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", realm_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", user_id);
	c.role = (uint8_t)role;
	memset(keys, 0, sizeof(keys));
	for (i = 0; i < nkeys; i++) {
		keys[i].key_index = i + 1;
		keys[i].sealed = fx_sealed;
		keys[i].sealed_len = sizeof(fx_sealed);
	}
	c.n_keys = nkeys;
	c.keys_in = keys;
	return fx_emit(fx, &c, author->key, NULL, NULL, body);
}

int
srvfx_realm_rotate(struct srvfx_org *fx, const struct srvfx_device *author,
    const char *realm_id, uint32_t index, const char *const *users, size_t n,
    struct sceau_buf *body)
{
	struct sceau_cert_key keys[16];
	struct sceau_cert c;
	size_t i;

	if (n > SCEAU_NELEM(keys))
		return SCEAU_ERR_INVALID_ARGUMENT;
	fx_header(fx, &c, SCEAU_CERT_REALM_KEY, author->device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", realm_id);
	c.key_index = index;
	memset(c.key_check, 0x43, sizeof(c.key_check));
	memset(keys, 0, sizeof(keys));
	for (i = 0; i < n; i++) {
		(void)snprintf(
		    keys[i].user_id, sizeof(keys[i].user_id), "%s", users[i]);
		keys[i].sealed = fx_sealed;
		keys[i].sealed_len = sizeof(fx_sealed);
	}
	c.n_keys = (uint32_t)n;
	c.keys_in = keys;
	return fx_emit(fx, &c, author->key, NULL, NULL, body);
}

void
srvfx_vlob_header(const struct srvfx_org *fx, const struct srvfx_device *d,
    const char *realm_id, const char *vlob_id, uint64_t version,
    uint32_t key_index, struct sceau_vlob_header *h)
{
	memset(h, 0, sizeof(*h));
	(void)snprintf(h->org_id, sizeof(h->org_id), "%s", fx->org_id);
	(void)snprintf(h->realm_id, sizeof(h->realm_id), "%s", realm_id);
	(void)snprintf(h->vlob_id, sizeof(h->vlob_id), "%s", vlob_id);
	h->version = version;
	h->timestamp = 1700000000000000ULL + version;
	(void)snprintf(h->author, sizeof(h->author), "%s", d->device_id);
	h->key_index = key_index;
}

int
srvfx_vlob(const struct srvfx_device *d, const struct sceau_vlob_header *h,
    struct sceau_buf *out)
{
	static const uint8_t key[32] = {0x77};
	static const char text[] = "vlob";

	return sceau_vlob_seal(
	    h, key, (const uint8_t *)text, sizeof(text) - 1, d->key, out);
}

int
srvfx_sign(const struct srvfx_org *fx, const struct srvfx_device *d,
    const char *method, const char *target, const void *body, size_t len,
    uint64_t ts_ms, struct sceau_buf *out)
{
	uint8_t h[SCEAU_SHA256_LEN];
	int r;

	if ((r = sceau_hash_sha256(body != NULL ? body : "", len, h)) != 0 ||
	    (r = sceau_reqsign_sign(d->key, fx->org_id, d->device_id, method,
	         target, h, ts_ms, out)) != 0)
		return r;
	return sceau_buf_put_u8(out, '\0');
}
