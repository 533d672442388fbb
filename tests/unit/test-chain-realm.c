/*
 * test-chain-realm.c: workspace certificates: creation, sharing by role,
 * keys for new members, rotation, names, and every refusal of
 * doc/workspaces.md ("Rules"), each leaving the chain unchanged.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chainfx.h"
#include "errors.h"

#define REALM CFX_REALM

static int
realm_name(struct world *w, struct actor *a, uint32_t index)
{
	static const uint8_t ct[40] = {9};
	struct sceau_cert c;

	cfx_header(w, &c, SCEAU_CERT_REALM_NAME, a->device_id);
	(void)snprintf(c.realm_id, sizeof(c.realm_id), "%s", REALM);
	c.key_index = index;
	c.enc_name = ct;
	c.enc_name_len = sizeof(ct);
	return cfx_append(w, cfx_sign(&c, a->dev));
}

static enum sceau_role
role(struct world *w, struct actor *a)
{
	return sceau_chain_realm_role(w->chain, REALM, a->user_id);
}

static void
test_create(void **state)
{
	struct world *w = *state;
	const char *ext[] = {w->external.user_id};
	const char *other[] = {w->admin.user_id};
	const char *self[] = {w->member.user_id};
	const struct sceau_chain_realm *r;

	assert_int_equal(cfx_realm_key(w, &w->external, 1, ext, 1),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	assert_int_equal(
	    cfx_realm_key(w, &w->member, 2, self, 1), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(
	    cfx_realm_key(w, &w->member, 1, other, 1), SCEAU_ERR_CHAIN_INVALID);
	assert_null(sceau_chain_realm(w->chain, REALM));
	assert_int_equal(cfx_realm_key(w, &w->member, 1, self, 1), 0);
	assert_non_null(r = sceau_chain_realm(w->chain, REALM));
	assert_int_equal(r->key_count, 1);
	assert_int_equal(role(w, &w->member), SCEAU_ROLE_OWNER);
	assert_int_equal(role(w, &w->admin), SCEAU_ROLE_NONE);
	assert_int_equal(sceau_chain_realm_count(w->chain), 1);
}

static int
setup_realm(void **state)
{
	struct world *w;
	const char *self[1];

	assert_int_equal(cfx_setup(state), 0);
	w = *state;
	self[0] = w->member.user_id;
	assert_int_equal(cfx_realm_key(w, &w->member, 1, self, 1), 0);
	return 0;
}

static void
test_share(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1}, k11[] = {1, 1}, k2[] = {2};

	/* A new member gets every key, exactly once. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_MANAGER, NULL, 0),
	    SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_MANAGER, k11, 2),
	    SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_MANAGER, k2, 1),
	    SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_MANAGER, k1, 1),
	    0);
	assert_int_equal(role(w, &w->admin), SCEAU_ROLE_MANAGER);
	/* An external is at most contributor. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_MANAGER, k1, 1),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* A manager shares as contributor or reader only. */
	assert_int_equal(cfx_realm_role(w, &w->admin, w->admin2.user_id,
	                     SCEAU_ROLE_MANAGER, k1, 1),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	assert_int_equal(cfx_realm_role(w, &w->admin, w->external.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, k1, 1),
	    0);
	assert_int_equal(cfx_realm_role(w, &w->admin, w->member.user_id,
	                     SCEAU_ROLE_READER, NULL, 0),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* A contributor or reader shares nothing. */
	assert_int_equal(cfx_realm_role(w, &w->external, w->admin2.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* Nobody changes their own role; a change carries no key. */
	assert_int_equal(cfx_realm_role(w, &w->admin, w->admin.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, NULL, 0),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, NULL, 0),
	    0);
	assert_int_equal(role(w, &w->external), SCEAU_ROLE_READER);
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, NULL, 0),
	    SCEAU_ERR_CHAIN_INVALID);
	/* Unsharing. */
	assert_int_equal(cfx_realm_role(w, &w->admin, w->external.user_id,
	                     SCEAU_ROLE_NONE, NULL, 0),
	    0);
	assert_int_equal(role(w, &w->external), SCEAU_ROLE_NONE);
	assert_false(sceau_role_can_write(role(w, &w->external)));
	assert_true(sceau_role_can_write(SCEAU_ROLE_CONTRIBUTOR));
}

struct count {
	size_t n;
};

static void
count_member(void *arg, const char *user_id, enum sceau_role r)
{
	struct count *c = arg;

	(void)user_id;
	assert_int_not_equal(r, SCEAU_ROLE_NONE);
	c->n++;
}

static void
test_rotation(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1}, k12[] = {1, 2};
	const char *both[2], *one[1], *twice[2];
	struct count cnt = {0};

	both[0] = w->member.user_id;
	both[1] = w->admin.user_id;
	one[0] = w->member.user_id;
	twice[0] = twice[1] = w->member.user_id;
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, k1, 1),
	    0);
	/* Only an owner rotates, to every member, once each, next index. */
	assert_int_equal(cfx_realm_key(w, &w->admin, 2, both, 2),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	assert_int_equal(
	    cfx_realm_key(w, &w->member, 2, one, 1), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(
	    cfx_realm_key(w, &w->member, 2, twice, 2), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(
	    cfx_realm_key(w, &w->member, 3, both, 2), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_key(w, &w->member, 2, both, 2), 0);
	assert_int_equal(sceau_chain_realm(w->chain, REALM)->key_count, 2);
	/* A new member now needs both keys. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_READER, k12, 2),
	    0);
	sceau_chain_realm_members(w->chain, REALM, count_member, &cnt);
	assert_int_equal(cnt.n, 3);
}

static void
test_revoked_member(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1};
	const char *both[2], *one[1];
	struct sceau_cert c;

	both[0] = w->member.user_id;
	both[1] = w->external.user_id;
	one[0] = w->member.user_id;
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, k1, 1),
	    0);
	cfx_header(w, &c, SCEAU_CERT_USER_REVOKE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->external.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	/* A revoked user holds no role, and the new key skips it. */
	assert_int_equal(role(w, &w->external), SCEAU_ROLE_NONE);
	assert_int_equal(
	    cfx_realm_key(w, &w->member, 2, both, 2), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(cfx_realm_key(w, &w->member, 2, one, 1), 0);
	/* And cannot be given a role again. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, NULL, 0),
	    SCEAU_ERR_CHAIN_INVALID);
}

/* The index of the workspace's earliest loss of a reader, 0 if none. */
static uint64_t
loss(struct world *w)
{
	struct sceau_chain_loss l;
	int got = sceau_chain_realm_loss(w->chain, REALM, &l);

	assert_int_equal(got, l.index != 0);
	return l.index;
}

static int
revoke(struct world *w, enum sceau_cert_kind kind, const char *id)
{
	struct sceau_cert c;

	cfx_header(w, &c, kind, w->admin.device_id);
	if (kind == SCEAU_CERT_USER_REVOKE)
		(void)snprintf(c.user_id, sizeof(c.user_id), "%s", id);
	else
		(void)snprintf(c.device_id, sizeof(c.device_id), "%s", id);
	return cfx_append(w, cfx_sign(&c, w->admin.dev));
}

static void
test_loss(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1}, k12[] = {1, 2}, k123[] = {1, 2, 3};
	struct sceau_chain_loss l;
	const char *one[1];
	uint64_t at;

	one[0] = w->member.user_id;
	assert_int_equal(loss(w), 0);
	assert_int_equal(
	    sceau_chain_realm_loss(w->chain, "nosuchrealm", &l), 0);
	/* A share takes nothing away; an unshare does. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, k1, 1),
	    0);
	assert_int_equal(loss(w), 0);
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_NONE, NULL, 0),
	    0);
	at = sceau_chain_last_index(w->chain);
	assert_int_equal(loss(w), at);
	/* A rotation clears it. */
	assert_int_equal(cfx_realm_key(w, &w->member, 2, one, 1), 0);
	assert_int_equal(loss(w), 0);
	/* The device of a former member: nothing; of a member: a loss. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_READER, k12, 2),
	    0);
	assert_int_equal(
	    revoke(w, SCEAU_CERT_DEVICE_REVOKE, w->external.device_id), 0);
	assert_int_equal(loss(w), 0);
	assert_int_equal(
	    revoke(w, SCEAU_CERT_DEVICE_REVOKE, w->admin2.device_id), 0);
	at = sceau_chain_last_index(w->chain);
	assert_int_equal(loss(w), at);
	/* The earliest one counts. */
	assert_int_equal(
	    revoke(w, SCEAU_CERT_USER_REVOKE, w->admin2.user_id), 0);
	assert_int_equal(loss(w), at);
	/* A new key to the members left; then a member revoked. */
	assert_int_equal(cfx_realm_key(w, &w->member, 3, one, 1), 0);
	assert_int_equal(loss(w), 0);
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, k123, 3),
	    0);
	assert_int_equal(loss(w), 0);
	assert_int_equal(
	    revoke(w, SCEAU_CERT_USER_REVOKE, w->external.user_id), 0);
	at = sceau_chain_last_index(w->chain);
	assert_int_equal(loss(w), at);
	assert_int_equal(sceau_chain_realm_loss(w->chain, REALM, &l), 1);
	assert_int_equal(l.time, w->ts);
}

static void
test_name(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1};

	assert_int_equal(realm_name(w, &w->member, 2), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(realm_name(w, &w->member, 1), 0);
	assert_int_not_equal(sceau_chain_realm(w->chain, REALM)->name_index, 0);
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, k1, 1),
	    0);
	assert_int_equal(
	    realm_name(w, &w->admin, 1), SCEAU_ERR_CHAIN_NOT_ALLOWED);
	assert_int_equal(
	    realm_name(w, &w->admin2, 1), SCEAU_ERR_CHAIN_NOT_ALLOWED);
}

static void
test_unknown_realm(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1};

	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(realm_name(w, &w->member, 1), SCEAU_ERR_CHAIN_INVALID);
	assert_int_equal(
	    sceau_chain_realm_role(w->chain, REALM, w->member.user_id),
	    SCEAU_ROLE_NONE);
}

/* Roles and devices as they were at a time: what a vlob's signer could do. */
static void
test_history(void **state)
{
	struct world *w = *state;
	static const uint32_t k1[] = {1};
	const struct sceau_chain_device *d;
	struct sceau_cert c;
	uint64_t t_created, t_reader, t_writer, t_gone, t_revoked;

	t_created = w->ts; /* setup_realm: the member created it */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    0);
	t_reader = w->ts;
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, NULL, 0),
	    0);
	t_writer = w->ts;
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin.user_id,
	                     SCEAU_ROLE_NONE, NULL, 0),
	    0);
	t_gone = w->ts;
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->member.user_id, t_created),
	    SCEAU_ROLE_OWNER);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->member.user_id, t_created - 1),
	    SCEAU_ROLE_NONE);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->admin.user_id, t_reader - 1),
	    SCEAU_ROLE_NONE);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->admin.user_id, t_reader),
	    SCEAU_ROLE_READER);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->admin.user_id, t_writer),
	    SCEAU_ROLE_CONTRIBUTOR);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->admin.user_id, t_gone),
	    SCEAU_ROLE_NONE);
	assert_int_equal(sceau_chain_realm_role_at(w->chain, "nosuchrealm",
	                     w->admin.user_id, t_writer),
	    SCEAU_ROLE_NONE);
	/* A device: active from its certificate until its revocation. */
	d = sceau_chain_device(w->chain, w->member.device_id);
	assert_non_null(d);
	assert_true(sceau_chain_device_active_at(d, d->created_time));
	assert_false(sceau_chain_device_active_at(d, d->created_time - 1));
	cfx_header(w, &c, SCEAU_CERT_DEVICE_REVOKE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	(void)snprintf(
	    c.device_id, sizeof(c.device_id), "%s", w->member.device_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	t_revoked = w->ts;
	d = sceau_chain_device(w->chain, w->member.device_id);
	assert_true(sceau_chain_device_active_at(d, t_revoked - 1));
	assert_false(sceau_chain_device_active_at(d, t_revoked));
	/* A revoked user had its roles until then, none after. */
	cfx_header(w, &c, SCEAU_CERT_USER_REVOKE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->member.user_id, w->ts - 1),
	    SCEAU_ROLE_OWNER);
	assert_int_equal(sceau_chain_realm_role_at(
	                     w->chain, REALM, w->member.user_id, w->ts),
	    SCEAU_ROLE_NONE);
}

static void
test_role_names(void **state)
{
	(void)state;
	assert_string_equal(sceau_role_name(SCEAU_ROLE_MANAGER), "manager");
	assert_int_equal(sceau_role_from_name("reader"), SCEAU_ROLE_READER);
	assert_int_equal(sceau_role_from_name("god"), SCEAU_ROLE_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_create, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_share, setup_realm, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rotation, setup_realm, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_revoked_member, setup_realm, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_loss, setup_realm, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_name, setup_realm, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unknown_realm, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_history, setup_realm, cfx_teardown),
	    cmocka_unit_test(test_role_names),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("chain-realm", tests, NULL, NULL);
}
