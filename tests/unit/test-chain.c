/*
 * test-chain.c: certificates and chain validation.  Builds a real chain
 * (root, admin, member, external, their devices) and checks that every
 * rule of doc/certificates.md refuses what it must, leaving the chain
 * unchanged, and accepts what it must.
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
#include "hash.h"
#include "buf.h"
#include "cert.h"
#include "chain.h"
#include "errors.h"
#include "sign.h"

#include "chainfx.h"

static void
test_valid_chain(void **state)
{
	struct world *w = *state;
	const struct sceau_chain_user *u;
	const struct sceau_chain_device *d;

	assert_int_equal(sceau_chain_last_index(w->chain), 9);
	assert_int_equal(sceau_chain_user_count(w->chain), 4);
	assert_int_equal(sceau_chain_device_count(w->chain), 4);
	assert_non_null(u = sceau_chain_user(w->chain, w->external.user_id));
	assert_int_equal(u->profile, SCEAU_PROFILE_EXTERNAL);
	assert_int_equal(u->revoked_index, 0);
	assert_non_null(d = sceau_chain_device(w->chain, w->member.device_id));
	assert_string_equal(d->user_id, w->member.user_id);
	assert_null(sceau_chain_user(w->chain, "nobody"));
	assert_string_equal(
	    sceau_chain_user_at(w->chain, 0)->user_id, w->admin.user_id);
}

static void
test_root_only_at_bootstrap(void **state)
{
	struct world *w = *state;
	struct actor x;
	struct sceau_cert c;

	cfx_new_actor(&x, SCEAU_PROFILE_ADMIN);
	cfx_user_cert(w, &c, "", x.user_id, SCEAU_PROFILE_ADMIN);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->root)), SCEAU_ERR_CHAIN_NOT_ALLOWED);
	sceau_sign_free(x.dev);
}

static void
test_bootstrap_shape_and_root_key(void **state)
{
	struct world *w = *state;
	struct sceau_chain *saved = w->chain;
	struct sceau_signkey *other;
	struct sceau_cert c;

	/* A fresh chain pinned to the root key: another root is refused. */
	assert_int_equal(sceau_chain_new("acme", w->root_vk, &w->chain), 0);
	assert_int_equal(sceau_sign_generate(&other), 0);
	cfx_header(w, &c, SCEAU_CERT_ORG, "");
	sceau_sign_public(other, c.root_verify_key);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, other)), SCEAU_ERR_CERT_SIGNATURE);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->root)), SCEAU_ERR_CHAIN_ROOT);
	/* The first certificate must be the organization's. */
	cfx_user_cert(w, &c, "", w->admin.user_id, SCEAU_PROFILE_ADMIN);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->root)), SCEAU_ERR_CHAIN_INVALID);
	/* The first user must be an admin. */
	cfx_header(w, &c, SCEAU_CERT_ORG, "");
	memcpy(c.root_verify_key, w->root_vk, SCEAU_SIGN_PUBLIC_LEN);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)), 0);
	cfx_user_cert(w, &c, "", w->admin.user_id, SCEAU_PROFILE_MEMBER);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->root)), SCEAU_ERR_CHAIN_INVALID);
	sceau_sign_free(other);
	sceau_chain_free(w->chain);
	w->chain = saved;
}

static void
test_tampering(void **state)
{
	struct world *w = *state;
	struct sceau_buf *env;
	struct actor x;
	struct sceau_cert c;
	size_t i, n;

	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	env = cfx_sign(&c, w->admin.dev);
	n = sceau_buf_len(env);
	/* Every single flipped byte of the envelope is refused. */
	for (i = 0; i < n; i++) {
		struct sceau_buf *t = sceau_buf_dup(env);

		sceau_buf_mutable_ptr(t)[i] ^= 0x01;
		assert_int_not_equal(cfx_append(w, t), 0);
	}
	/* Truncated, or with a byte added, it is refused too. */
	{
		struct sceau_buf *t = sceau_buf_from(sceau_buf_ptr(env), n - 1);
		struct sceau_buf *u = sceau_buf_dup(env);

		assert_int_equal(cfx_append(w, t), SCEAU_ERR_CERT_FORMAT);
		assert_int_equal(sceau_buf_put_u8(u, 0), 0);
		assert_int_equal(cfx_append(w, u), SCEAU_ERR_CERT_FORMAT);
	}
	assert_int_equal(cfx_append(w, env), 0);
	sceau_sign_free(x.dev);
}

static void
test_signed_by_other_key(void **state)
{
	struct world *w = *state;
	struct actor x;
	struct sceau_cert c;

	/* Claims to be from the admin's device, signed by the member's key. */
	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CERT_SIGNATURE);
	/* An unknown author. */
	cfx_user_cert(w, &c, x.device_id, x.user_id, x.profile);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, x.dev)), SCEAU_ERR_CHAIN_AUTHOR);
	sceau_sign_free(x.dev);
}

static void
test_order_hash_time_org(void **state)
{
	struct world *w = *state;
	struct actor x;
	struct sceau_cert c;

	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	/* Skipped index (a certificate dropped), replayed index. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	c.index++;
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INDEX);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	c.index--;
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INDEX);
	/* Wrong previous hash. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	c.prev_hash[5] ^= 1;
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_HASH);
	/* Timestamp going backwards. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	c.timestamp = 1;
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_TIME);
	/* Another organization. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	(void)snprintf(c.org_id, sizeof(c.org_id), "other");
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_ORG);
	/* Server time must not go backwards either. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	{
		struct sceau_buf *b = cfx_sign(&c, w->admin.dev);

		assert_int_equal(sceau_chain_append(w->chain, sceau_buf_ptr(b),
		                     sceau_buf_len(b), 1000, NULL),
		    0);
		sceau_buf_free(b);
	}
	sceau_sign_free(x.dev);
	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	{
		struct sceau_buf *b = cfx_sign(&c, w->admin.dev);

		assert_int_equal(sceau_chain_append(w->chain, sceau_buf_ptr(b),
		                     sceau_buf_len(b), 999, NULL),
		    SCEAU_ERR_CHAIN_TIME);
		sceau_buf_free(b);
	}
	sceau_sign_free(x.dev);
}

static void
test_profiles(void **state)
{
	struct world *w = *state;
	struct actor x;
	struct sceau_cert c;

	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	/* A member or an external cannot add users... */
	cfx_user_cert(w, &c, w->member.device_id, x.user_id, x.profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	cfx_user_cert(w, &c, w->external.device_id, x.user_id, x.profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->external.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* ...nor revoke anyone. */
	cfx_header(w, &c, SCEAU_CERT_USER_REVOKE, w->member.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->external.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* A member may add a device of their own, not of someone else. */
	cfx_device_cert(w, &c, w->member.device_id, &x);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->external.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	cfx_device_cert(w, &c, w->member.device_id, &x);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)), 0);
	/* An id cannot be used twice. */
	cfx_user_cert(w, &c, w->admin.device_id, w->member.user_id, x.profile);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INVALID);
	sceau_sign_free(x.dev);
}

static void
test_revocation(void **state)
{
	struct world *w = *state;
	struct sceau_cert c;
	struct actor x;

	/* An admin cannot revoke themselves. */
	cfx_header(w, &c, SCEAU_CERT_USER_REVOKE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->admin.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* Revoke the member: its device goes with it. */
	cfx_header(w, &c, SCEAU_CERT_USER_REVOKE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	assert_int_not_equal(
	    sceau_chain_user(w->chain, w->member.user_id)->revoked_index, 0);
	assert_int_not_equal(
	    sceau_chain_device(w->chain, w->member.device_id)->revoked_index,
	    0);
	/* Twice is refused; so is anything the revoked member signs. */
	cfx_header(w, &c, SCEAU_CERT_USER_REVOKE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INVALID);
	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	cfx_device_cert(w, &c, w->member.device_id, &x);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CHAIN_AUTHOR_REVOKED);
	/* No device for a revoked user either. */
	cfx_device_cert(w, &c, w->admin.device_id, &x);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INVALID);
	/* Device revocation: not by itself; by an admin, yes. */
	cfx_header(w, &c, SCEAU_CERT_DEVICE_REVOKE, w->external.device_id);
	(void)snprintf(
	    c.device_id, sizeof(c.device_id), "%s", w->external.device_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->external.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	cfx_header(w, &c, SCEAU_CERT_DEVICE_REVOKE, w->admin2.device_id);
	(void)snprintf(
	    c.device_id, sizeof(c.device_id), "%s", w->external.device_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin2.dev)), 0);
	assert_int_equal(
	    sceau_chain_user(w->chain, w->external.user_id)->revoked_index, 0);
	sceau_sign_free(x.dev);
}

static void
test_profile_change_locked(void **state)
{
	struct world *w = *state;
	struct sceau_cert c;

	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	c.profile = SCEAU_PROFILE_ADMIN;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_PROFILE_LOCKED);
}

static void
test_profile_change_allowed(void **state)
{
	struct world *w = *state;
	struct sceau_cert c;

	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->member.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->external.user_id);
	c.profile = SCEAU_PROFILE_MEMBER;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->external.user_id);
	c.profile = SCEAU_PROFILE_MEMBER;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	assert_int_equal(
	    sceau_chain_user(w->chain, w->external.user_id)->profile,
	    SCEAU_PROFILE_MEMBER);
	/* The same profile again is not a change. */
	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->external.user_id);
	c.profile = SCEAU_PROFILE_MEMBER;
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INVALID);
}

static void
test_identity_blob(void **state)
{
	struct sceau_identity id, got;
	uint8_t h[SCEAU_CERT_HASH_LEN];
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	assert_int_equal(sceau_identity_init(&id, SCEAU_CERT_USER,
	                     "alice@example.org", "Alice Liddell"),
	    0);
	assert_int_equal(sceau_identity_hash(&id, h), 0);
	assert_int_equal(sceau_identity_encode(&id, b), 0);
	assert_int_equal(
	    sceau_identity_decode(sceau_buf_ptr(b), sceau_buf_len(b), h, &got),
	    0);
	assert_string_equal(got.email, "alice@example.org");
	assert_string_equal(got.name, "Alice Liddell");
	/* A changed byte no longer matches the certificate's hash. */
	sceau_buf_mutable_ptr(b)[20] ^= 1;
	assert_int_equal(
	    sceau_identity_decode(sceau_buf_ptr(b), sceau_buf_len(b), h, &got),
	    SCEAU_ERR_CHAIN_IDENTITY);
	sceau_buf_free(b);
	/* Bad emails and names are refused at the source. */
	assert_int_not_equal(
	    sceau_identity_init(&id, SCEAU_CERT_USER, "not-an-email", "x"), 0);
	assert_int_not_equal(
	    sceau_identity_init(&id, SCEAU_CERT_USER, "a@b.c", "line\nbreak"),
	    0);
	assert_int_not_equal(
	    sceau_identity_init(&id, SCEAU_CERT_DEVICE, "a@b.c", "laptop"), 0);
	assert_int_equal(
	    sceau_identity_init(&id, SCEAU_CERT_DEVICE, NULL, "laptop"), 0);
}

static void
test_trusted_replay(void **state)
{
	struct world *w = *state;
	struct sceau_chain *copy;
	struct sceau_cert c;
	struct sceau_buf *env;
	struct actor x;

	/* Replaying without signature checks still enforces the rules. */
	assert_int_equal(sceau_chain_new("acme", w->root_vk, &copy), 0);
	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	cfx_user_cert(w, &c, "", x.user_id, SCEAU_PROFILE_ADMIN);
	c.index = 1;
	memset(c.prev_hash, 0, sizeof(c.prev_hash));
	env = cfx_sign(&c, w->root);
	assert_int_equal(sceau_chain_append_trusted(copy, sceau_buf_ptr(env),
	                     sceau_buf_len(env), 0, NULL),
	    SCEAU_ERR_CHAIN_INVALID);
	sceau_buf_free(env);
	sceau_chain_free(copy);
	sceau_sign_free(x.dev);
}

/* A token signer for tests: a fixed algorithm name and bytes. */
static int
fake_token_signer(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	(void)arg;
	assert_true(n > sizeof("sceau-cert-token-v1"));
	assert_memory_equal(tbs, "sceau-cert-token-v1", 20);
	(void)snprintf(alg, SCEAU_CERT_TOKEN_ALG_MAX + 1, "ecdsa-p256-sha256");
	return sceau_buf_put(sig, "token signature bytes", 21);
}

/*
 * The X.509 extensions and the token signature: they round-trip, the
 * fingerprint is the leaf's, extensions on other kinds are refused, and
 * the chain refuses a token signature no device can vouch for.
 */
static void
test_x509_format(void **state)
{
	static const uint8_t leaf[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	static const uint8_t ca[] = {0x30, 0x03, 0x02, 0x01, 0x02};
	const uint8_t *ders[2] = {leaf, ca};
	const size_t lens[2] = {sizeof(leaf), sizeof(ca)};
	struct world *w = *state;
	struct sceau_buf *list = sceau_buf_new(), *env, *tbs = sceau_buf_new();
	struct sceau_cert c, d;
	uint8_t fp[32];
	const uint8_t *der;
	size_t pos = 0, len;
	struct actor x;

	assert_int_equal(sceau_cert_x509_encode(ders, lens, 2, list), 0);
	assert_int_equal(sceau_cert_x509_encode(ders, lens, 0, list),
	    SCEAU_ERR_INVALID_ARGUMENT);
	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	cfx_device_cert(w, &c, w->admin.device_id, &x);
	c.x509_list = sceau_buf_ptr(list);
	c.x509_list_len = sceau_buf_len(list);
	env = sceau_buf_new();
	assert_int_equal(sceau_cert_sign_token(
	                     &c, w->admin.dev, fake_token_signer, NULL, env),
	    0);
	assert_int_equal(sceau_cert_decode_trusted(
	                     sceau_buf_ptr(env), sceau_buf_len(env), &d),
	    0);
	assert_int_equal(d.n_extra_sigs, 1);
	assert_string_equal(d.token_sig_alg, "ecdsa-p256-sha256");
	assert_int_equal(d.token_sig_len, 21);
	assert_memory_equal(d.token_sig, "token signature bytes", 21);
	assert_int_equal(sceau_hash_sha256(leaf, sizeof(leaf), fp), 0);
	assert_memory_equal(d.x509_fingerprint, fp, 32);
	assert_int_equal(sceau_cert_x509_next(&d, &pos, &der, &len), 1);
	assert_int_equal(len, sizeof(leaf));
	assert_memory_equal(der, leaf, len);
	assert_int_equal(sceau_cert_x509_next(&d, &pos, &der, &len), 1);
	assert_memory_equal(der, ca, len);
	assert_int_equal(sceau_cert_x509_next(&d, &pos, &der, &len), 0);
	assert_int_equal(
	    sceau_cert_token_tbs(sceau_buf_ptr(env), sceau_buf_len(env), tbs),
	    0);
	assert_memory_equal(sceau_buf_ptr(tbs), "sceau-cert-token-v1", 20);
	/* No device of this chain is bound to a token: refused. */
	assert_int_equal(cfx_append(w, env), SCEAU_ERR_CERT_SIGNATURE);
	/*
	 * Without it, the binding is refused still: this organization names
	 * no PKI trust anchors (test-chain-x509.c has the PKI's cases).
	 */
	cfx_device_cert(w, &c, w->admin.device_id, &x);
	c.x509_list = sceau_buf_ptr(list);
	c.x509_list_len = sceau_buf_len(list);
	assert_int_equal(
	    cfx_append(w, cfx_sign(&c, w->admin.dev)), SCEAU_ERR_CHAIN_INVALID);
	/* An X.509 list on a user certificate cannot be signed. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	c.x509_list = sceau_buf_ptr(list);
	c.x509_list_len = sceau_buf_len(list);
	env = sceau_buf_new();
	assert_int_equal(
	    sceau_cert_sign(&c, w->admin.dev, env), SCEAU_ERR_INVALID_ARGUMENT);
	sceau_buf_free(env);
	sceau_buf_free(list);
	sceau_buf_free(tbs);
	sceau_sign_free(x.dev);
}

static void
test_ids(void **state)
{
	char id[SCEAU_ID_LEN + 1];

	(void)state;
	assert_int_equal(sceau_cert_new_id(id), 0);
	assert_true(sceau_cert_id_valid(id));
	assert_false(sceau_cert_id_valid("ABCDEF0123456789abcdef0123456789"));
	assert_false(sceau_cert_id_valid("abc"));
	assert_true(sceau_org_id_valid("Acme_Corp-2"));
	assert_false(sceau_org_id_valid(""));
	assert_false(sceau_org_id_valid("a/b"));
	assert_false(sceau_org_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                                "aaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_int_equal(
	    sceau_profile_from_name("external"), SCEAU_PROFILE_EXTERNAL);
	assert_int_equal(sceau_profile_from_name("root"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_valid_chain, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_root_only_at_bootstrap, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bootstrap_shape_and_root_key, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_tampering, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_signed_by_other_key, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_order_hash_time_org, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_profiles, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_revocation, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_profile_change_locked, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(test_profile_change_allowed,
	        cfx_setup_changeable, cfx_teardown),
	    cmocka_unit_test(test_identity_blob),
	    cmocka_unit_test_setup_teardown(
	        test_trusted_replay, cfx_setup, cfx_teardown),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test_setup_teardown(
	        test_x509_format, cfx_setup, cfx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("chain", tests, NULL, NULL);
}
