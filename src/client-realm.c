/*
 * client-realm.c: workspaces as a member sees them: their keys (unwrapped
 * from the chain with the user's encryption key, checked against the key
 * check of their certificate, cached in locked memory), names, and the
 * acts that make workspace certificates: create, share, rotate, rename.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "aead.h"
#include "alloc.h"
#include "box.h"
#include "client-internal.h"
#include "client.h"
#include "errors.h"
#include "hash.h"
#include "manifest.h"
#include "random.h"
#include "secmem.h"
#include "token.h"

/* One unwrapped workspace key; the key itself in locked memory. */
struct client_realm_key {
	struct client_realm_key *next;
	char realm_id[SCEAU_ID_LEN + 1];
	uint32_t index;
	uint8_t *key; /* 32 bytes, sceau_secmem_alloc */
};

static const char key_check_domain[] = "sceau-realm-key-check-v1";
static const char sealed_domain[] = "sceau-realm-key-v1";
static const char name_domain[] = "sceau-realm-name-v1";

void
client_realm_keys_free(struct sceau_client *c)
{
	struct client_realm_key *k, *n;

	for (k = c->realm_keys; k != NULL; k = n) {
		n = k->next;
		sceau_secmem_free(k->key);
		sceau_free(k);
	}
	c->realm_keys = NULL;
}

static const uint8_t *
cache_find(const struct sceau_client *c, const char *realm, uint32_t index)
{
	const struct client_realm_key *k;

	for (k = c->realm_keys; k != NULL; k = k->next) {
		if (k->index == index && strcmp(k->realm_id, realm) == 0)
			return k->key;
	}
	return NULL;
}

static int
cache_add(struct sceau_client *c, const char *realm, uint32_t index,
    const uint8_t key[32])
{
	struct client_realm_key *k;

	if (cache_find(c, realm, index) != NULL)
		return 0;
	if ((k = sceau_calloc(1, sizeof(*k))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((k->key = sceau_secmem_alloc(32)) == NULL) {
		sceau_free(k);
		return SCEAU_ERR_SECMEM;
	}
	memcpy(k->key, key, 32);
	(void)snprintf(k->realm_id, sizeof(k->realm_id), "%s", realm);
	k->index = index;
	k->next = c->realm_keys;
	c->realm_keys = k;
	return 0;
}

/* SHA-256 of the domain and the key: what realm key certificates carry. */
static int
key_check(const uint8_t key[32], uint8_t out[SCEAU_CERT_HASH_LEN])
{
	uint8_t in[sizeof(key_check_domain) + 32];
	int r;

	memcpy(in, key_check_domain, sizeof(key_check_domain));
	memcpy(in + sizeof(key_check_domain), key, 32);
	r = sceau_hash_sha256(in, sizeof(in), out);
	sceau_memzero(in, sizeof(in));
	return r;
}

/* The associated data of a sealed workspace key (doc/workspaces.md). */
static int
sealed_aad(const char *org, const char *realm, uint32_t index, const char *user,
    struct sceau_buf *b)
{
	int r;

	if ((r = sceau_buf_put(b, sealed_domain, sizeof(sealed_domain))) != 0 ||
	    (r = sceau_buf_put(b, org, strlen(org) + 1)) != 0 ||
	    (r = sceau_buf_put(b, realm, strlen(realm) + 1)) != 0 ||
	    (r = sceau_buf_put_u32(b, index)) != 0 ||
	    (r = sceau_buf_put(b, user, strlen(user))) != 0)
		return r;
	return 0;
}

/* What a scan of the chain found for one workspace. */
struct key_scan {
	struct sceau_client *c;
	const char *realm;
	uint32_t want; /* a token user opens this index only */
	uint8_t checks[SCEAU_REALM_MEMBERS_MAX + 1][SCEAU_CERT_HASH_LEN];
	uint8_t have_check[SCEAU_REALM_MEMBERS_MAX + 1];
	int error;
};

/* A key wrapped to this user's card, unwrapped on it (one operation). */
static int
open_on_token(struct sceau_client *c, const struct sceau_cert_key *k,
    struct sceau_buf *out)
{
	uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN];
	int r;

	if (c->token == NULL) {
		sceau_message("this user's workspace keys open on its token");
		return SCEAU_ERR_TOKEN_NOT_LOGGED_IN;
	}
	if ((r = sceau_token_unwrap(c->token, k->sealed, k->sealed_len, key)) ==
	    0)
		r = sceau_buf_put(out, key, sizeof(key));
	sceau_memzero(key, sizeof(key));
	return r;
}

static int
open_sealed(struct key_scan *s, uint32_t index, const struct sceau_cert_key *k)
{
	struct sceau_client *c = s->c;
	struct sceau_buf *aad = NULL, *out = NULL;
	uint8_t check[SCEAU_CERT_HASH_LEN];
	int r;

	if (index == 0 || index > SCEAU_REALM_MEMBERS_MAX ||
	    !s->have_check[index])
		return SCEAU_ERR_CHAIN_INVALID;
	if ((aad = sceau_buf_new()) == NULL ||
	    (out = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (c->keys.user_key == NULL) {
		/* A token-backed user: the card unwraps (key check below). */
		if ((r = open_on_token(c, k, out)) != 0)
			goto out;
	} else if ((r = sealed_aad(c->info.org_id, s->realm, index,
	                c->info.user_id, aad)) != 0 ||
	    (r = sceau_box_open(c->keys.user_key, sceau_buf_ptr(aad),
	         sceau_buf_len(aad), k->sealed, k->sealed_len, out)) != 0) {
		goto out;
	}
	if (sceau_buf_len(out) != 32 ||
	    (r = key_check(sceau_buf_ptr(out), check)) != 0 ||
	    sceau_timingsafe_bcmp(check, s->checks[index], sizeof(check)) !=
	        0) {
		sceau_message("workspace %s: key %u does not match its check",
		    s->realm, index);
		r = SCEAU_ERR_DECRYPT_FAILED;
		goto out;
	}
	r = cache_add(c, s->realm, index, sceau_buf_ptr(out));
out:
	sceau_buf_free(aad);
	sceau_buf_free(out);
	return r;
}

/* Sealed keys of one certificate that are meant for this user. */
static int
scan_keys(struct key_scan *s, const struct sceau_cert *cert)
{
	struct sceau_cert_key k;
	size_t pos = 0;
	int got, r;

	while ((got = sceau_cert_keys_next(cert, &pos, &k)) == 1) {
		uint32_t index = cert->kind == SCEAU_CERT_REALM_KEY
		    ? cert->key_index
		    : k.key_index;

		if (cert->kind == SCEAU_CERT_REALM_KEY &&
		    strcmp(k.user_id, s->c->info.user_id) != 0)
			continue;
		if (cache_find(s->c, s->realm, index) != NULL ||
		    (s->c->keys.user_key == NULL && index != s->want))
			continue;
		if ((r = open_sealed(s, index, &k)) != 0)
			return r;
	}
	return got;
}

static int
scan_cb(void *arg, uint64_t index, const uint8_t *env, size_t n,
    const uint8_t *identity, size_t idn, uint64_t server_time)
{
	struct key_scan *s = arg;
	struct sceau_cert cert;
	int r;

	(void)index;
	(void)identity;
	(void)idn;
	(void)server_time;
	if (sceau_cert_decode_trusted(env, n, &cert) != 0)
		return SCEAU_ERR_STORE_CORRUPT;
	if (strcmp(cert.realm_id, s->realm) != 0 ||
	    (cert.kind != SCEAU_CERT_REALM_KEY &&
	        cert.kind != SCEAU_CERT_REALM_ROLE))
		return 0;
	if (cert.kind == SCEAU_CERT_REALM_KEY &&
	    cert.key_index <= SCEAU_REALM_MEMBERS_MAX) {
		memcpy(s->checks[cert.key_index], cert.key_check,
		    SCEAU_CERT_HASH_LEN);
		s->have_check[cert.key_index] = 1;
	}
	if (cert.kind == SCEAU_CERT_REALM_ROLE &&
	    strcmp(cert.user_id, s->c->info.user_id) != 0)
		return 0;
	if ((r = scan_keys(s, &cert)) < 0)
		return r;
	return 0;
}

int
sceau_client_realm_key(struct sceau_client *c, const char *realm_id,
    uint32_t index, uint8_t key[32])
{
	const uint8_t *k;
	struct key_scan *s;
	int r;

	memset(key, 0, 32);
	if ((k = cache_find(c, realm_id, index)) == NULL &&
	    c->remote.realm_key != NULL) {
		/* Unwrapped and checked by the process that holds the keys. */
		if ((r = c->remote.realm_key(
		         c->remote.arg, realm_id, index, key)) != 0 ||
		    (r = cache_add(c, realm_id, index, key)) != 0) {
			memset(key, 0, 32);
			return r;
		}
		return 0;
	}
	if (k == NULL) {
		if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
			return SCEAU_ERR_ALLOC;
		s->c = c;
		s->realm = realm_id;
		s->want = index;
		r = sceau_store_cert_foreach(c->store, 1, scan_cb, s);
		sceau_free(s);
		if (r != 0)
			return r;
		if ((k = cache_find(c, realm_id, index)) == NULL) {
			sceau_message("workspace %s: no key %u for this user",
			    realm_id, index);
			return SCEAU_ERR_FORBIDDEN;
		}
	}
	memcpy(key, k, 32);
	return 0;
}

/* ------------------------------------------------------------- acts */

/*
 * A token-backed user's key: the certificate of one of its devices bound
 * to the card its user certificate names (fingerprint, then the wrap its
 * token undoes).
 */
static int
wrap_to_card(struct sceau_client *c, const struct sceau_chain_user *u,
    const uint8_t key[32], struct sceau_buf **out)
{
	const struct sceau_chain_device *d;
	const uint8_t *der;
	struct sceau_cert l;
	size_t i, pos, len;
	int r;

	for (i = 0; i < sceau_chain_device_count(c->chain); i++) {
		d = sceau_chain_device_at(c->chain, i);
		if (!d->token_bound || strcmp(d->user_id, u->user_id) != 0 ||
		    sceau_timingsafe_bcmp(d->x509_fingerprint, u->enc_key,
		        SCEAU_CERT_HASH_LEN) != 0)
			continue;
		memset(&l, 0, sizeof(l));
		l.x509_list = d->x509_list;
		l.x509_list_len = d->x509_list_len;
		pos = 0;
		if (!sceau_cert_x509_next(&l, &pos, &der, &len))
			continue;
		if ((*out = sceau_buf_new()) == NULL)
			return SCEAU_ERR_ALLOC;
		if ((r = sceau_token_wrap_to_cert(der, len,
		         u->enc_key[SCEAU_CERT_HASH_LEN], key, *out)) != 0) {
			sceau_buf_free(*out);
			*out = NULL;
		}
		return r;
	}
	sceau_message("user %s: no device bound to its card", u->user_id);
	return SCEAU_ERR_NOT_FOUND;
}

/* Seals key (index) to user's encryption key into a new buffer. */
static int
seal_for(struct sceau_client *c, const char *realm, uint32_t index,
    const uint8_t key[32], const char *user_id, struct sceau_buf **out)
{
	const struct sceau_chain_user *u = sceau_chain_user(c->chain, user_id);
	struct sceau_buf *aad;
	int r;

	*out = NULL;
	if (u != NULL && strcmp(u->enc_alg, "x509") == 0)
		return wrap_to_card(c, u, key, out);
	if (u == NULL || u->enc_key_len != SCEAU_BOX_PUBLIC_LEN)
		return SCEAU_ERR_NOT_FOUND;
	if ((aad = sceau_buf_new()) == NULL ||
	    (*out = sceau_buf_new()) == NULL) {
		sceau_buf_free(aad);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = sealed_aad(c->info.org_id, realm, index, user_id, aad)) == 0)
		r = sceau_box_seal(u->enc_key, sceau_buf_ptr(aad),
		    sceau_buf_len(aad), key, 32, *out);
	sceau_buf_free(aad);
	if (r != 0) {
		sceau_buf_free(*out);
		*out = NULL;
	}
	return r;
}

/* Sealed keys for a certificate, and the buffers that hold them. */
struct sealed_set {
	struct sceau_cert_key *keys;
	struct sceau_buf **bufs;
	size_t n;
};

static void
sealed_set_free(struct sealed_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		sceau_buf_free(s->bufs[i]);
	sceau_free(s->bufs);
	sceau_free(s->keys);
	memset(s, 0, sizeof(*s));
}

static int
sealed_set_add(struct sealed_set *s, struct sceau_client *c, const char *realm,
    uint32_t index, const uint8_t key[32], const char *user_id,
    uint32_t entry_index)
{
	struct sceau_buf *b;
	void *p;
	int r;

	if ((r = seal_for(c, realm, index, key, user_id, &b)) != 0)
		return r;
	if ((p = sceau_reallocarray(s->bufs, s->n + 1, sizeof(*s->bufs))) ==
	    NULL) {
		sceau_buf_free(b);
		return SCEAU_ERR_ALLOC;
	}
	s->bufs = p;
	s->bufs[s->n] = b;
	if ((p = sceau_reallocarray(s->keys, s->n + 1, sizeof(*s->keys))) ==
	    NULL) {
		sceau_buf_free(b);
		return SCEAU_ERR_ALLOC;
	}
	s->keys = p;
	memset(&s->keys[s->n], 0, sizeof(s->keys[s->n]));
	(void)snprintf(s->keys[s->n].user_id, sizeof(s->keys[s->n].user_id),
	    "%s", user_id);
	s->keys[s->n].key_index = entry_index;
	s->keys[s->n].sealed = sceau_buf_ptr(b);
	s->keys[s->n].sealed_len = sceau_buf_len(b);
	s->n++;
	return 0;
}

/* The encrypted name of a workspace under key (index). */
static int
seal_name(struct sceau_client *c, const char *realm, uint32_t index,
    const uint8_t key[32], const char *name, struct sceau_buf *out)
{
	struct sceau_buf *aad;
	size_t n = strlen(name);
	uint8_t *p;
	int r;

	if (n == 0 || n > 512 || !sceau_name_valid(name))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((aad = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_put(aad, name_domain, sizeof(name_domain))) != 0 ||
	    (r = sceau_buf_put(
	         aad, c->info.org_id, strlen(c->info.org_id) + 1)) != 0 ||
	    (r = sceau_buf_put(aad, realm, strlen(realm))) != 0 ||
	    (r = sceau_buf_put_u32(aad, index)) != 0 ||
	    (r = sceau_buf_reserve(out,
	         SCEAU_AEAD_NONCE_LEN + n + SCEAU_AEAD_TAG_LEN, &p)) != 0 ||
	    (r = sceau_random_bytes(p, SCEAU_AEAD_NONCE_LEN)) != 0)
		goto out;
	r = sceau_aead_encrypt(NULL, key, p, sceau_buf_ptr(aad),
	    sceau_buf_len(aad), (const uint8_t *)name, n,
	    p + SCEAU_AEAD_NONCE_LEN, p + SCEAU_AEAD_NONCE_LEN + n);
out:
	sceau_buf_free(aad);
	return r;
}

int
sceau_client_realm_create(
    struct sceau_client *c, const char *name, char realm_id[SCEAU_ID_LEN + 1])
{
	struct sealed_set set = {NULL, NULL, 0};
	struct sceau_cert *cert = NULL;
	uint8_t key[32];
	int r;

	realm_id[0] = '\0';
	if (!sceau_name_valid(name))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_client_refresh(c, NULL)) != 0 ||
	    (r = sceau_cert_new_id(realm_id)) != 0 ||
	    (r = sceau_random_bytes(key, sizeof(key))) != 0 ||
	    (r = sealed_set_add(
	         &set, c, realm_id, 1, key, c->info.user_id, 0)) != 0 ||
	    (r = key_check(key, cert->key_check)) != 0)
		goto out;
	cert->kind = SCEAU_CERT_REALM_KEY;
	(void)snprintf(cert->realm_id, sizeof(cert->realm_id), "%s", realm_id);
	cert->key_index = 1;
	cert->n_keys = 1;
	cert->keys_in = set.keys;
	if ((r = sceau_client_submit(c, cert, NULL)) != 0 ||
	    (r = cache_add(c, realm_id, 1, key)) != 0)
		goto out;
	r = sceau_client_realm_rename(c, realm_id, name);
out:
	sceau_memzero(key, sizeof(key));
	sealed_set_free(&set);
	sceau_free(cert);
	if (r != 0 && r != SCEAU_ERR_INVALID_ARGUMENT)
		sceau_message("creating workspace \"%s\" failed", name);
	return r;
}

int
sceau_client_realm_rename(
    struct sceau_client *c, const char *realm_id, const char *name)
{
	const struct sceau_chain_realm *r;
	struct sceau_buf *ct = NULL;
	struct sceau_cert *cert = NULL;
	uint8_t key[32];
	int rc;

	if ((r = sceau_chain_realm(c->chain, realm_id)) == NULL)
		return SCEAU_ERR_NOT_FOUND;
	if ((ct = sceau_buf_new()) == NULL ||
	    (cert = sceau_calloc(1, sizeof(*cert))) == NULL) {
		rc = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((rc = sceau_client_realm_key(c, realm_id, r->key_count, key)) !=
	        0 ||
	    (rc = seal_name(c, realm_id, r->key_count, key, name, ct)) != 0)
		goto out;
	cert->kind = SCEAU_CERT_REALM_NAME;
	(void)snprintf(cert->realm_id, sizeof(cert->realm_id), "%s", realm_id);
	cert->key_index = r->key_count;
	cert->enc_name = sceau_buf_ptr(ct);
	cert->enc_name_len = sceau_buf_len(ct);
	rc = sceau_client_submit(c, cert, NULL);
out:
	sceau_memzero(key, sizeof(key));
	sceau_buf_free(ct);
	sceau_free(cert);
	return rc;
}

/* Every key 1..k of a workspace, sealed to user (a new member). */
static int
seal_all_keys(struct sceau_client *c, const struct sceau_chain_realm *r,
    const char *user_id, struct sealed_set *set)
{
	uint8_t key[32];
	uint32_t i;
	int rc = 0;

	for (i = 1; i <= r->key_count && rc == 0; i++) {
		if ((rc = sceau_client_realm_key(c, r->realm_id, i, key)) == 0)
			rc = sealed_set_add(
			    set, c, r->realm_id, i, key, user_id, i);
	}
	sceau_memzero(key, sizeof(key));
	return rc;
}

int
sceau_client_realm_share(struct sceau_client *c, const char *realm_id,
    const char *user_id, enum sceau_role role)
{
	struct sealed_set set = {NULL, NULL, 0};
	const struct sceau_chain_realm *r;
	char rule[SCEAU_POLICY_RULE_MAX];
	struct sceau_cert *cert;
	int rc;

	if ((rc = sceau_client_refresh(c, NULL)) != 0)
		return rc;
	if ((r = sceau_chain_realm(c->chain, realm_id)) == NULL)
		return SCEAU_ERR_NOT_FOUND;
	/* The chain checks the rest again; the mail domains only here. */
	if (role != SCEAU_ROLE_NONE &&
	    (rc = sceau_client_policy_refused(
	         sceau_client_policy_share(c, user_id, role, rule), rule)) != 0)
		return rc;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	/* Only someone who had no role receives the keys. */
	if (role != SCEAU_ROLE_NONE &&
	    sceau_chain_realm_role(c->chain, realm_id, user_id) ==
	        SCEAU_ROLE_NONE &&
	    (rc = seal_all_keys(c, r, user_id, &set)) != 0)
		goto out;
	cert->kind = SCEAU_CERT_REALM_ROLE;
	(void)snprintf(cert->realm_id, sizeof(cert->realm_id), "%s", realm_id);
	(void)snprintf(cert->user_id, sizeof(cert->user_id), "%s", user_id);
	cert->role = (uint8_t)role;
	cert->n_keys = (uint32_t)set.n;
	cert->keys_in = set.keys;
	rc = sceau_client_submit(c, cert, NULL);
out:
	sealed_set_free(&set);
	sceau_free(cert);
	return rc;
}

struct rotate_state {
	struct sceau_client *c;
	const char *realm;
	uint32_t index;
	const uint8_t *key;
	struct sealed_set set;
	int error;
};

static void
rotate_member(void *arg, const char *user_id, enum sceau_role role)
{
	struct rotate_state *s = arg;

	(void)role;
	if (s->error == 0)
		s->error = sealed_set_add(
		    &s->set, s->c, s->realm, s->index, s->key, user_id, 0);
}

int
sceau_client_realm_rotate(
    struct sceau_client *c, const char *realm_id, uint32_t *new_index)
{
	struct rotate_state s;
	const struct sceau_chain_realm *r;
	struct sceau_cert *cert;
	uint8_t key[32];
	int rc;

	memset(&s, 0, sizeof(s));
	if ((rc = sceau_client_refresh(c, NULL)) != 0)
		return rc;
	if ((r = sceau_chain_realm(c->chain, realm_id)) == NULL)
		return SCEAU_ERR_NOT_FOUND;
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	s.c = c;
	s.realm = realm_id;
	s.index = r->key_count + 1;
	s.key = key;
	if ((rc = sceau_random_bytes(key, sizeof(key))) != 0 ||
	    (rc = key_check(key, cert->key_check)) != 0)
		goto out;
	sceau_chain_realm_members(c->chain, realm_id, rotate_member, &s);
	if ((rc = s.error) != 0)
		goto out;
	cert->kind = SCEAU_CERT_REALM_KEY;
	(void)snprintf(cert->realm_id, sizeof(cert->realm_id), "%s", realm_id);
	cert->key_index = s.index;
	cert->n_keys = (uint32_t)s.set.n;
	cert->keys_in = s.set.keys;
	if ((rc = sceau_client_submit(c, cert, NULL)) != 0 ||
	    (rc = cache_add(c, realm_id, s.index, key)) != 0)
		goto out;
	if (new_index != NULL)
		*new_index = s.index;
out:
	sceau_memzero(key, sizeof(key));
	sealed_set_free(&s.set);
	sceau_free(cert);
	return rc;
}

int
sceau_client_realm_name(
    struct sceau_client *c, const char *realm_id, char *name, size_t size)
{
	const struct sceau_chain_realm *r;
	struct sceau_buf *env = NULL, *aad = NULL;
	struct sceau_cert cert;
	uint8_t key[32], *pt = NULL;
	size_t n;
	int rc;

	(void)snprintf(name, size, "%s", "");
	if ((r = sceau_chain_realm(c->chain, realm_id)) == NULL)
		return SCEAU_ERR_NOT_FOUND;
	if (r->name_index == 0)
		return SCEAU_ERR_NOT_FOUND;
	if ((env = sceau_buf_new()) == NULL ||
	    (aad = sceau_buf_new()) == NULL) {
		rc = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((rc = sceau_store_cert_get(
	         c->store, r->name_index, env, NULL, NULL)) != 0 ||
	    (rc = sceau_cert_decode_trusted(
	         sceau_buf_ptr(env), sceau_buf_len(env), &cert)) != 0 ||
	    (rc = sceau_client_realm_key(c, realm_id, cert.key_index, key)) !=
	        0)
		goto out;
	if (cert.enc_name_len < SCEAU_AEAD_NONCE_LEN + SCEAU_AEAD_TAG_LEN + 1 ||
	    (n = cert.enc_name_len - SCEAU_AEAD_NONCE_LEN -
	            SCEAU_AEAD_TAG_LEN) >= size) {
		rc = SCEAU_ERR_INVALID_FORMAT;
		goto out;
	}
	if ((pt = sceau_malloc(n + 1)) == NULL) {
		rc = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((rc = sceau_buf_put(aad, name_domain, sizeof(name_domain))) != 0 ||
	    (rc = sceau_buf_put(
	         aad, c->info.org_id, strlen(c->info.org_id) + 1)) != 0 ||
	    (rc = sceau_buf_put(aad, realm_id, strlen(realm_id))) != 0 ||
	    (rc = sceau_buf_put_u32(aad, cert.key_index)) != 0 ||
	    (rc = sceau_aead_decrypt(NULL, key, cert.enc_name,
	         sceau_buf_ptr(aad), sceau_buf_len(aad),
	         cert.enc_name + SCEAU_AEAD_NONCE_LEN, n,
	         cert.enc_name + SCEAU_AEAD_NONCE_LEN + n, pt)) != 0)
		goto out;
	pt[n] = '\0';
	if (!sceau_name_valid((char *)pt)) {
		rc = SCEAU_ERR_INVALID_FORMAT;
		goto out;
	}
	(void)snprintf(name, size, "%s", (char *)pt);
out:
	sceau_memzero(key, sizeof(key));
	sceau_free(pt);
	sceau_buf_free(env);
	sceau_buf_free(aad);
	return rc;
}
