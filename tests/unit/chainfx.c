/*
 * chainfx.c: the test organization of chainfx.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "box.h"
#include "chainfx.h"
#include "errors.h"

/* Fills the common header of the next certificate. */
void
cfx_header(struct world *w, struct sceau_cert *c, enum sceau_cert_kind kind,
    const char *author)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	(void)snprintf(c->org_id, sizeof(c->org_id), "acme");
	c->index = sceau_chain_last_index(w->chain) + 1;
	memcpy(
	    c->prev_hash, sceau_chain_last_hash(w->chain), SCEAU_CERT_HASH_LEN);
	c->timestamp = ++w->ts;
	(void)snprintf(c->author, sizeof(c->author), "%s", author);
}

/* Signs c with key into a new buffer. */
struct sceau_buf *
cfx_sign(struct sceau_cert *c, const struct sceau_signkey *key)
{
	struct sceau_buf *b = sceau_buf_new();

	assert_non_null(b);
	assert_int_equal(sceau_cert_sign(c, key, b), 0);
	return b;
}

/* Appends; returns the code, and checks a refusal changed nothing. */
int
cfx_append(struct world *w, struct sceau_buf *env)
{
	uint64_t before = sceau_chain_last_index(w->chain);
	size_t nu = sceau_chain_user_count(w->chain);
	size_t nd = sceau_chain_device_count(w->chain);
	int r;

	r = sceau_chain_append(
	    w->chain, sceau_buf_ptr(env), sceau_buf_len(env), 0, NULL);
	if (r != 0) {
		assert_int_equal(sceau_chain_last_index(w->chain), before);
		assert_int_equal(sceau_chain_user_count(w->chain), nu);
		assert_int_equal(sceau_chain_device_count(w->chain), nd);
	}
	sceau_buf_free(env);
	return r;
}

void
cfx_user_cert(struct world *w, struct sceau_cert *c, const char *author,
    const char *user_id, enum sceau_profile p)
{
	struct sceau_boxkey *bk;

	cfx_header(w, c, SCEAU_CERT_USER, author);
	(void)snprintf(c->user_id, sizeof(c->user_id), "%s", user_id);
	c->profile = p;
	(void)snprintf(c->enc_alg, sizeof(c->enc_alg), "x25519");
	assert_int_equal(sceau_box_generate(&bk), 0);
	sceau_box_public(bk, c->enc_key);
	c->enc_key_len = 32;
	sceau_box_free(bk);
}

void
cfx_device_cert(
    struct world *w, struct sceau_cert *c, const char *author, struct actor *a)
{
	cfx_header(w, c, SCEAU_CERT_DEVICE, author);
	(void)snprintf(c->device_id, sizeof(c->device_id), "%s", a->device_id);
	(void)snprintf(c->user_id, sizeof(c->user_id), "%s", a->user_id);
	sceau_sign_public(a->dev, c->verify_key);
}

void
cfx_new_actor(struct actor *a, enum sceau_profile p)
{
	assert_int_equal(sceau_cert_new_id(a->user_id), 0);
	assert_int_equal(sceau_cert_new_id(a->device_id), 0);
	assert_int_equal(sceau_sign_generate(&a->dev), 0);
	a->profile = p;
}

/* Root-signed bootstrap: organization, first admin, first device. */
static void
cfx_bootstrap(struct world *w, uint8_t flags)
{
	struct sceau_cert c;

	cfx_header(w, &c, SCEAU_CERT_ORG, "");
	memcpy(c.root_verify_key, w->root_vk, SCEAU_SIGN_PUBLIC_LEN);
	c.org_flags = flags;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)), 0);
	cfx_user_cert(w, &c, "", w->admin.user_id, SCEAU_PROFILE_ADMIN);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)), 0);
	cfx_device_cert(w, &c, "", &w->admin);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)), 0);
}

/* An admin adds actor a (user and device). */
static void
cfx_add_actor(struct world *w, struct actor *a)
{
	struct sceau_cert c;

	cfx_user_cert(w, &c, w->admin.device_id, a->user_id, a->profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	cfx_device_cert(w, &c, w->admin.device_id, a);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
}

static int
cfx_setup_flags(void **state, uint8_t flags)
{
	struct world *w = sceau_calloc(1, sizeof(*w));

	assert_non_null(w);
	assert_int_equal(sceau_sign_generate(&w->root), 0);
	sceau_sign_public(w->root, w->root_vk);
	assert_int_equal(sceau_chain_new("acme", w->root_vk, &w->chain), 0);
	cfx_new_actor(&w->admin, SCEAU_PROFILE_ADMIN);
	cfx_new_actor(&w->member, SCEAU_PROFILE_MEMBER);
	cfx_new_actor(&w->external, SCEAU_PROFILE_EXTERNAL);
	cfx_new_actor(&w->admin2, SCEAU_PROFILE_ADMIN);
	cfx_bootstrap(w, flags);
	cfx_add_actor(w, &w->member);
	cfx_add_actor(w, &w->external);
	cfx_add_actor(w, &w->admin2);
	*state = w;
	return 0;
}

int
cfx_setup(void **state)
{
	return cfx_setup_flags(state, 0);
}

int
cfx_setup_changeable(void **state)
{
	return cfx_setup_flags(state, SCEAU_ORG_FLAG_PROFILE_CHANGE);
}

int
cfx_teardown(void **state)
{
	struct world *w = *state;

	sceau_chain_free(w->chain);
	sceau_sign_free(w->root);
	sceau_sign_free(w->admin.dev);
	sceau_sign_free(w->member.dev);
	sceau_sign_free(w->external.dev);
	sceau_sign_free(w->admin2.dev);
	sceau_free(w);
	return 0;
}

static const uint8_t fake_sealed[93] = {1, 2, 3};

/* A realm key certificate by a, sealed to the users listed. */
int
cfx_realm_key(struct world *w, struct actor *a, uint32_t index,
    const char *const *users, size_t n)
{
	struct sceau_cert_key keys[8];
	struct sceau_cert c;
	size_t i;

	cfx_header(w, &c, SCEAU_CERT_REALM_KEY, a->device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", CFX_REALM);
	c.key_index = index;
	memset(keys, 0, sizeof(keys));
	for (i = 0; i < n; i++) {
		(void)snprintf(
		    keys[i].user_id, sizeof(keys[i].user_id), "%s", users[i]);
		keys[i].sealed = fake_sealed;
		keys[i].sealed_len = sizeof(fake_sealed);
	}
	c.n_keys = (uint32_t)n;
	c.keys_in = keys;
	return cfx_append(w, cfx_sign(&c, a->dev));
}

/* A realm role certificate by a for user, with key indices idx[0..n). */
int
cfx_realm_role(struct world *w, struct actor *a, const char *user,
    enum sceau_role role, const uint32_t *idx, size_t n)
{
	struct sceau_cert_key keys[8];
	struct sceau_cert c;
	size_t i;

	cfx_header(w, &c, SCEAU_CERT_REALM_ROLE, a->device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", CFX_REALM);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", user);
	c.role = (uint8_t)role;
	memset(keys, 0, sizeof(keys));
	for (i = 0; i < n; i++) {
		keys[i].key_index = idx[i];
		keys[i].sealed = fake_sealed;
		keys[i].sealed_len = sizeof(fake_sealed);
	}
	c.n_keys = (uint32_t)n;
	c.keys_in = keys;
	return cfx_append(w, cfx_sign(&c, a->dev));
}
