/*
 * chain.c: validation of an organization's certificate chain
 * (doc/certificates.md, "Validation rules").
 *
 * A certificate is checked completely before the state changes, and the
 * change itself cannot fail: room is reserved first.  So a refused
 * certificate leaves the chain exactly as it was.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "chain-internal.h"
#include "errors.h"
#include "policy.h"
#include "secmem.h"
#include "strmap.h"

/* The root key signs the bootstrap certificates: indices 1 to 3. */
#define BOOTSTRAP_LAST 3

int
sceau_chain_new(const char *org_id,
    const uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_chain **cp)
{
	struct sceau_chain *c;

	*cp = NULL;
	if (!sceau_org_id_valid(org_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL)
		return SCEAU_ERR_ALLOC;
	(void)snprintf(c->org_id, sizeof(c->org_id), "%s", org_id);
	memcpy(c->root_vk, root_vk, SCEAU_SIGN_PUBLIC_LEN);
	if ((c->user_map = sceau_strmap_new()) == NULL ||
	    (c->device_map = sceau_strmap_new()) == NULL ||
	    chain_realm_init(c) != 0) {
		sceau_chain_free(c);
		return SCEAU_ERR_ALLOC;
	}
	*cp = c;
	return 0;
}

void
sceau_chain_free(struct sceau_chain *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nusers; i++)
		sceau_free(c->users[i]);
	for (i = 0; i < c->ndevices; i++)
		sceau_free(c->devices[i]);
	sceau_free(c->users);
	sceau_free(c->devices);
	sceau_strmap_free(c->user_map);
	sceau_strmap_free(c->device_map);
	chain_realm_free_all(c);
	sceau_policy_free(c->policy);
	sceau_free(c->anchors);
	sceau_free(c);
}

int
sceau_chain_x509_anchors(
    const struct sceau_chain *c, const uint8_t **p, size_t *n)
{
	if (c->anchors == NULL)
		return 0;
	*p = c->anchors;
	*n = c->anchors_len;
	return 1;
}

const char *
sceau_chain_org_id(const struct sceau_chain *c)
{
	return c->org_id;
}

uint64_t
sceau_chain_last_index(const struct sceau_chain *c)
{
	return c->last_index;
}

const uint8_t *
sceau_chain_last_hash(const struct sceau_chain *c)
{
	return c->last_hash;
}

uint64_t
sceau_chain_last_timestamp(const struct sceau_chain *c)
{
	return c->last_timestamp;
}

uint8_t
sceau_chain_org_flags(const struct sceau_chain *c)
{
	return c->org_flags;
}

const struct sceau_chain_user *
sceau_chain_user(const struct sceau_chain *c, const char *user_id)
{
	return sceau_strmap_get(c->user_map, user_id);
}

int
sceau_chain_device_active_at(const struct sceau_chain_device *d, uint64_t ts)
{
	return d->created_time <= ts &&
	    (d->revoked_index == 0 || d->revoked_time > ts);
}

const struct sceau_chain_device *
sceau_chain_device(const struct sceau_chain *c, const char *device_id)
{
	return sceau_strmap_get(c->device_map, device_id);
}

size_t
sceau_chain_user_count(const struct sceau_chain *c)
{
	return c->nusers;
}

const struct sceau_chain_user *
sceau_chain_user_at(const struct sceau_chain *c, size_t i)
{
	return i < c->nusers ? c->users[i] : NULL;
}

size_t
sceau_chain_device_count(const struct sceau_chain *c)
{
	return c->ndevices;
}

const struct sceau_chain_device *
sceau_chain_device_at(const struct sceau_chain *c, size_t i)
{
	return i < c->ndevices ? c->devices[i] : NULL;
}

/* ------------------------------------------------------------- checks */

/* Context of the certificate being checked, for rules and messages. */

int
chain_refuse(const struct ctx *x, int code, const char *why)
{
	sceau_message("certificate %llu (%s): %s",
	    (unsigned long long)x->cert->index,
	    sceau_cert_kind_name(x->cert->kind), why);
	return code;
}

int
chain_author_is_admin(const struct ctx *x)
{
	return x->author_user != NULL &&
	    x->author_user->profile == SCEAU_PROFILE_ADMIN;
}

static int
check_position(const struct ctx *x, uint64_t server_time)
{
	const struct sceau_chain *c = x->c;
	const struct sceau_cert *cert = x->cert;
	char why[128];

	if (strcmp(cert->org_id, c->org_id) != 0)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_ORG, "of another organization");
	if (cert->index != c->last_index + 1) {
		(void)snprintf(why, sizeof(why),
		    "index %llu where %llu was due",
		    (unsigned long long)cert->index,
		    (unsigned long long)(c->last_index + 1));
		sceau_message("certificate %llu (%s): out of order: %s",
		    (unsigned long long)cert->index,
		    sceau_cert_kind_name(cert->kind), why);
		return SCEAU_ERR_CHAIN_INDEX;
	}
	if (sceau_timingsafe_bcmp(
	        cert->prev_hash, c->last_hash, SCEAU_CERT_HASH_LEN) != 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_HASH,
		    "its previous hash is not the hash of certificate before");
	if (cert->timestamp < c->last_timestamp)
		return chain_refuse(x, SCEAU_ERR_CHAIN_TIME,
		    "timestamp before the previous certificate's");
	if (server_time != 0 && server_time < c->last_server_time)
		return chain_refuse(x, SCEAU_ERR_CHAIN_TIME,
		    "server time before the previous certificate's");
	return 0;
}

static int check_user(const struct ctx *x);
static int check_device(const struct ctx *x);

/* The shape of the bootstrap: organization, its first admin, its device. */
static int
check_bootstrap(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;

	switch (cert->index) {
	case 1:
		if (cert->kind != SCEAU_CERT_ORG)
			return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
			    "the first certificate must be the organization's");
		if (sceau_timingsafe_bcmp(cert->root_verify_key, x->c->root_vk,
		        SCEAU_SIGN_PUBLIC_LEN) != 0)
			return chain_refuse(x, SCEAU_ERR_CHAIN_ROOT,
			    "declares another root key than the pinned one");
		if ((cert->org_flags & ~SCEAU_ORG_FLAG_PROFILE_CHANGE) != 0)
			return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
			    "unknown organization flags");
		return 0;
	case 2:
		if (cert->kind != SCEAU_CERT_USER ||
		    cert->profile != SCEAU_PROFILE_ADMIN)
			return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
			    "the second certificate must be the first admin");
		return check_user(x);
	default:
		if (cert->kind != SCEAU_CERT_DEVICE || x->c->nusers != 1 ||
		    strcmp(cert->user_id, x->c->users[0]->user_id) != 0)
			return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
			    "the third certificate must be the first admin's "
			    "device");
		return check_device(x);
	}
}

static int
check_user(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;

	if (x->author_dev != NULL && !chain_author_is_admin(x))
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an admin may add users");
	if (sceau_chain_user(x->c, cert->user_id) != NULL)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "user id already used");
	/*
	 * x25519: the key.  x509: the SHA-256 fingerprint of the token's
	 * certificate, then the wrap algorithm its token undoes (tokens.md).
	 */
	if (strcmp(cert->enc_alg, "x25519") == 0
	        ? cert->enc_key_len != 32
	        : strcmp(cert->enc_alg, "x509") != 0 ||
	            cert->enc_key_len != SCEAU_CERT_HASH_LEN + 1 ||
	            cert->enc_key[SCEAU_CERT_HASH_LEN] < 2 ||
	            cert->enc_key[SCEAU_CERT_HASH_LEN] > 5)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "unknown encryption key algorithm or size");
	return 0;
}

static int
check_device(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;
	const struct sceau_chain_user *u;

	if ((u = sceau_chain_user(x->c, cert->user_id)) == NULL)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID, "unknown user");
	if (u->revoked_index != 0)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "user was revoked");
	if (sceau_chain_device(x->c, cert->device_id) != NULL)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "device id already used");
	if (x->author_dev != NULL && !chain_author_is_admin(x) &&
	    strcmp(x->author_user->user_id, cert->user_id) != 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an admin or the user may add a device");
	return 0;
}

/* Shared by profile update and revocation: an admin acting on another. */
static int
check_user_target(const struct ctx *x, const struct sceau_chain_user **up)
{
	const struct sceau_cert *cert = x->cert;

	*up = NULL;
	if (!chain_author_is_admin(x))
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an admin may change or revoke users");
	if ((*up = sceau_chain_user(x->c, cert->user_id)) == NULL)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID, "unknown user");
	if ((*up)->revoked_index != 0)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "user already revoked");
	if (strcmp(cert->user_id, x->author_user->user_id) == 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "an admin cannot change or revoke their own user");
	return 0;
}

static int
check_user_update(const struct ctx *x)
{
	const struct sceau_chain_user *u;
	int r;

	if ((r = check_user_target(x, &u)) != 0)
		return r;
	if ((x->c->org_flags & SCEAU_ORG_FLAG_PROFILE_CHANGE) == 0)
		return chain_refuse(x, SCEAU_ERR_PROFILE_LOCKED,
		    "this organization does not allow profile changes");
	if (u->profile == x->cert->profile)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "the profile does not change");
	return 0;
}

static int
check_device_revoke(const struct ctx *x)
{
	const struct sceau_chain_device *d;

	if ((d = sceau_chain_device(x->c, x->cert->device_id)) == NULL)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "unknown device");
	if (d->revoked_index != 0)
		return chain_refuse(
		    x, SCEAU_ERR_CHAIN_INVALID, "device already revoked");
	if (strcmp(d->device_id, x->author_dev->device_id) == 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "a device cannot revoke itself");
	if (!chain_author_is_admin(x) &&
	    strcmp(d->user_id, x->author_user->user_id) != 0)
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an admin or the device's user may revoke it");
	return 0;
}

static int
check_act(const struct ctx *x)
{
	const struct sceau_cert *cert = x->cert;
	const struct sceau_chain_user *u;

	if (x->author_dev == NULL)
		return check_bootstrap(x);
	if (cert->kind == SCEAU_CERT_ORG)
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID,
		    "only the first certificate may be the organization's");
	switch (cert->kind) {
	case SCEAU_CERT_USER:
		return check_user(x);
	case SCEAU_CERT_DEVICE:
		return check_device(x);
	case SCEAU_CERT_USER_UPDATE:
		return check_user_update(x);
	case SCEAU_CERT_USER_REVOKE:
		return check_user_target(x, &u);
	case SCEAU_CERT_DEVICE_REVOKE:
		return check_device_revoke(x);
	case SCEAU_CERT_REALM_KEY:
	case SCEAU_CERT_REALM_ROLE:
	case SCEAU_CERT_REALM_NAME:
		return chain_realm_check(x);
	case SCEAU_CERT_ORG_POLICY:
		return chain_policy_check(x, x->policy);
	default:
		return chain_refuse(x, SCEAU_ERR_CHAIN_INVALID, "unknown kind");
	}
}

/* ------------------------------------------------------------ applying */

static int
reserve(struct sceau_chain *c)
{
	void *p;

	if (c->nusers == c->capusers) {
		size_t n = c->capusers == 0 ? 16 : c->capusers * 2;

		if ((p = sceau_reallocarray(c->users, n, sizeof(*c->users))) ==
		    NULL)
			return SCEAU_ERR_ALLOC;
		c->users = p;
		c->capusers = n;
	}
	if (c->ndevices == c->capdevices) {
		size_t n = c->capdevices == 0 ? 16 : c->capdevices * 2;

		if ((p = sceau_reallocarray(
		         c->devices, n, sizeof(*c->devices))) == NULL)
			return SCEAU_ERR_ALLOC;
		c->devices = p;
		c->capdevices = n;
	}
	if (sceau_strmap_reserve(c->user_map, 1) != 0 ||
	    sceau_strmap_reserve(c->device_map, 1) != 0)
		return SCEAU_ERR_ALLOC;
	return 0;
}

static struct sceau_chain_user *
user_mut(struct sceau_chain *c, const char *id)
{
	return sceau_strmap_get(c->user_map, id);
}

static struct sceau_chain_device *
device_mut(struct sceau_chain *c, const char *id)
{
	return sceau_strmap_get(c->device_map, id);
}

/*
 * Applies a checked certificate; new entries were allocated by the caller
 * and room reserved, so the map insertions cannot fail (if one did, the
 * state is untouched and the error is internal).
 */
static int
apply(struct sceau_chain *c, const struct sceau_cert *cert,
    struct sceau_chain_user *nu, struct sceau_chain_device *nd,
    uint8_t *anchors)
{
	size_t i;

	switch (cert->kind) {
	case SCEAU_CERT_ORG:
		c->org_flags = cert->org_flags;
		c->anchors = anchors;
		c->anchors_len = anchors != NULL ? cert->x509_list_len : 0;
		break;
	case SCEAU_CERT_USER:
		if (sceau_strmap_put(c->user_map, nu->user_id, nu) != 0)
			return SCEAU_ERR_INTERNAL;
		c->users[c->nusers++] = nu;
		break;
	case SCEAU_CERT_DEVICE:
		if (sceau_strmap_put(c->device_map, nd->device_id, nd) != 0)
			return SCEAU_ERR_INTERNAL;
		c->devices[c->ndevices++] = nd;
		break;
	case SCEAU_CERT_USER_UPDATE:
		user_mut(c, cert->user_id)->profile = cert->profile;
		break;
	case SCEAU_CERT_USER_REVOKE:
		user_mut(c, cert->user_id)->revoked_index = cert->index;
		user_mut(c, cert->user_id)->revoked_time = cert->timestamp;
		/* A revoked user's devices are revoked with it. */
		for (i = 0; i < c->ndevices; i++) {
			if (strcmp(c->devices[i]->user_id, cert->user_id) ==
			        0 &&
			    c->devices[i]->revoked_index == 0) {
				c->devices[i]->revoked_index = cert->index;
				c->devices[i]->revoked_time = cert->timestamp;
			}
		}
		break;
	case SCEAU_CERT_DEVICE_REVOKE:
		device_mut(c, cert->device_id)->revoked_index = cert->index;
		device_mut(c, cert->device_id)->revoked_time = cert->timestamp;
		break;
	default:
		break; /* workspaces: chain_realm_apply() */
	}
	return 0;
}

/* A new device entry, with room for its X.509 list after it. */
static int
new_device(const struct sceau_cert *cert, struct sceau_chain_device **ndp)
{
	struct sceau_chain_device *d;
	size_t extra = cert->x509_list != NULL ? cert->x509_list_len : 0;

	if ((d = sceau_calloc(1, sizeof(*d) + extra)) == NULL)
		return SCEAU_ERR_ALLOC;
	memcpy(d->device_id, cert->device_id, sizeof(cert->device_id));
	memcpy(d->user_id, cert->user_id, sizeof(cert->user_id));
	d->created_index = cert->index;
	d->created_time = cert->timestamp;
	memcpy(d->identity_hash, cert->identity_hash, SCEAU_CERT_HASH_LEN);
	memcpy(d->verify_key, cert->verify_key, SCEAU_SIGN_PUBLIC_LEN);
	if (extra > 0) {
		uint8_t *list = (uint8_t *)(d + 1);

		memcpy(list, cert->x509_list, extra);
		d->x509_list = list;
		d->x509_list_len = extra;
		d->token_bound = 1;
		memcpy(d->x509_fingerprint, cert->x509_fingerprint,
		    SCEAU_CERT_HASH_LEN);
	}
	*ndp = d;
	return 0;
}

static int
new_entries(const struct sceau_cert *cert, struct sceau_chain_user **nup,
    struct sceau_chain_device **ndp, uint8_t **anchors)
{
	*nup = NULL;
	*ndp = NULL;
	*anchors = NULL;
	if (cert->kind == SCEAU_CERT_ORG && cert->x509_list != NULL) {
		if ((*anchors = sceau_malloc(cert->x509_list_len)) == NULL)
			return SCEAU_ERR_ALLOC;
		memcpy(*anchors, cert->x509_list, cert->x509_list_len);
		return 0;
	}
	if (cert->kind == SCEAU_CERT_DEVICE)
		return new_device(cert, ndp);
	if (cert->kind == SCEAU_CERT_USER) {
		if ((*nup = sceau_calloc(1, sizeof(**nup))) == NULL)
			return SCEAU_ERR_ALLOC;
		memcpy((*nup)->user_id, cert->user_id, sizeof(cert->user_id));
		(*nup)->profile = cert->profile;
		(*nup)->created_index = cert->index;
		(*nup)->created_time = cert->timestamp;
		memcpy((*nup)->identity_hash, cert->identity_hash,
		    SCEAU_CERT_HASH_LEN);
		memcpy((*nup)->enc_alg, cert->enc_alg, sizeof(cert->enc_alg));
		memcpy((*nup)->enc_key, cert->enc_key, cert->enc_key_len);
		(*nup)->enc_key_len = cert->enc_key_len;
	}
	return 0;
}

/* ------------------------------------------------------------- append */

/* Finds the author's key and entries from the envelope's hint. */
static int
find_author(const struct sceau_chain *c, const char *hint, struct ctx *x,
    const uint8_t **vkp)
{
	if (hint[0] == '\0') {
		if (c->last_index >= BOOTSTRAP_LAST) {
			sceau_message(
			    "certificate %llu: signed by the root key, "
			    "which only signs the bootstrap",
			    (unsigned long long)(c->last_index + 1));
			return SCEAU_ERR_CHAIN_NOT_ALLOWED;
		}
		*vkp = c->root_vk;
		return 0;
	}
	if ((x->author_dev = sceau_chain_device(c, hint)) == NULL) {
		sceau_message("certificate %llu: author device %s is unknown",
		    (unsigned long long)(c->last_index + 1), hint);
		return SCEAU_ERR_CHAIN_AUTHOR;
	}
	x->author_user = sceau_chain_user(c, x->author_dev->user_id);
	*vkp = x->author_dev->verify_key;
	return 0;
}

static int
check_author_alive(const struct ctx *x)
{
	if (x->author_dev == NULL)
		return 0;
	if (x->author_dev->revoked_index != 0 ||
	    (x->author_user != NULL && x->author_user->revoked_index != 0))
		return chain_refuse(x, SCEAU_ERR_CHAIN_AUTHOR_REVOKED,
		    "its author was revoked before");
	return 0;
}

/* The author's rights, the act's rules, the policy, the X.509 rules. */
static int
check_rules(const struct ctx *x, const uint8_t *env, size_t n, int verify)
{
	int r;

	if ((r = check_author_alive(x)) == 0 && (r = check_act(x)) == 0 &&
	    (r = chain_policy_rules(x)) == 0 && verify)
		r = chain_x509_check(x, env, n);
	return r;
}

/*
 * Audits: a certificate that broke a rule is not applied, but the chain
 * moves past it (index, hash, times), so that what follows is checked.
 */
static void
move_past(
    struct sceau_chain *c, const struct sceau_cert *cert, uint64_t server_time)
{
	c->last_index = cert->index;
	memcpy(c->last_hash, cert->hash, SCEAU_CERT_HASH_LEN);
	c->last_timestamp = cert->timestamp;
	if (server_time != 0)
		c->last_server_time = server_time;
}

/*
 * verify: check the signature; apply_it: change the chain; violation:
 * NULL, or (audits, which apply) where a broken rule goes instead of
 * refusing.
 */
static int
chain_append(struct sceau_chain *c, const uint8_t *env, size_t n,
    uint64_t server_time, struct sceau_cert *out, int verify, int apply_it,
    int *violation)
{
	char hint[SCEAU_ID_LEN + 1];
	struct sceau_chain_user *nu = NULL;
	struct sceau_chain_device *nd = NULL;
	uint8_t *anchors = NULL;
	struct sceau_policy *policy = NULL;
	struct sceau_cert *cert;
	struct ctx x = {.c = c, .policy = &policy};
	void *pending = NULL;
	const uint8_t *vk = NULL;
	int r;

	if ((cert = sceau_malloc(sizeof(*cert))) == NULL)
		return SCEAU_ERR_ALLOC;
	x.cert = cert;
	if ((r = sceau_cert_author_hint(env, n, hint)) != 0 ||
	    (r = find_author(c, hint, &x, &vk)) != 0)
		goto out;
	r = verify ? sceau_cert_verify_decode(env, n, vk, cert)
	           : sceau_cert_decode_trusted(env, n, cert);
	if (r != 0) {
		/* Not parsed: name it by the position it was to take. */
		sceau_message("certificate %llu (author %s): %s",
		    (unsigned long long)(c->last_index + 1),
		    hint[0] == '\0' ? "root" : hint,
		    r == SCEAU_ERR_CERT_SIGNATURE
		        ? "signature does not verify with its author's key"
		        : "malformed");
		goto out;
	}
	if ((r = check_position(&x, server_time)) != 0) {
		/* Audits: what the misplaced certificate says it is. */
		if (violation != NULL && out != NULL)
			*out = *cert;
		goto out;
	}
	if ((r = check_rules(&x, env, n, verify)) != 0) {
		if (violation == NULL || r == SCEAU_ERR_ALLOC)
			goto out;
		*violation = r;
		move_past(c, cert, server_time);
		if (out != NULL)
			*out = *cert;
		r = 0;
		goto out;
	}
	if (!apply_it) {
		r = 0;
		goto out;
	}
	/* From here nothing may fail once the state starts to change. */
	if ((r = reserve(c)) != 0 ||
	    (r = new_entries(cert, &nu, &nd, &anchors)) != 0 ||
	    (r = chain_realm_prepare(c, cert, &pending)) != 0)
		goto out;
	if ((r = apply(c, cert, nu, nd, anchors)) != 0)
		goto out;
	chain_realm_apply(c, cert, pending);
	pending = NULL;
	if (cert->kind == SCEAU_CERT_ORG_POLICY) {
		chain_policy_apply(c, cert, policy);
		policy = NULL;
	}
	nu = NULL;
	nd = NULL;
	anchors = NULL;
	move_past(c, cert, server_time);
	if (out != NULL)
		*out = *cert;
	r = 0;
out:
	chain_realm_drop(pending);
	sceau_policy_free(policy);
	sceau_free(nu);
	sceau_free(nd);
	sceau_free(anchors);
	sceau_free(cert);
	return r;
}

int
sceau_chain_append(struct sceau_chain *c, const uint8_t *env, size_t n,
    uint64_t server_time, struct sceau_cert *out)
{
	return chain_append(c, env, n, server_time, out, 1, 1, NULL);
}

int
sceau_chain_append_trusted(struct sceau_chain *c, const uint8_t *env, size_t n,
    uint64_t server_time, struct sceau_cert *out)
{
	return chain_append(c, env, n, server_time, out, 0, 1, NULL);
}

int
sceau_chain_check(const struct sceau_chain *c, const uint8_t *env, size_t n)
{
	/* Nothing is applied, so the chain is not changed: cast is safe. */
	return chain_append(
	    (struct sceau_chain *)(uintptr_t)c, env, n, 0, NULL, 1, 0, NULL);
}

int
sceau_chain_append_audit(struct sceau_chain *c, const uint8_t *env, size_t n,
    uint64_t server_time, struct sceau_cert *out, int *violation)
{
	*violation = 0;
	return chain_append(c, env, n, server_time, out, 1, 1, violation);
}
