/*
 * test-chain-policy.c: the organization policy in the chain
 * (doc/policy.md): who may publish it and what the chain refuses in it,
 * then each rule of the policy in force refusing what it must, allowing
 * what it must, and only from the policy's place in the chain on.
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
#include "policy.h"

/* An organization policy of org, version v, with body inside. */
static int
publish_as(struct world *w, struct actor *a, const char *org, uint32_t v,
    uint32_t cert_v, const char *body)
{
	char doc[2048];
	struct sceau_cert c;

	(void)snprintf(doc, sizeof(doc),
	    "<organization-policy xmlns=\"urn:sceau:policy:1\" "
	    "version=\"%u\" organization=\"%s\">%s</organization-policy>",
	    v, org, body);
	cfx_header(w, &c, SCEAU_CERT_ORG_POLICY, a->device_id);
	c.policy_version = cert_v;
	c.policy_doc = (const uint8_t *)doc;
	c.policy_doc_len = strlen(doc);
	return cfx_append(w, cfx_sign(&c, a->dev));
}

static int
publish(struct world *w, uint32_t v, const char *body)
{
	return publish_as(w, &w->admin, "acme", v, v, body);
}

static void
test_publish(void **state)
{
	struct world *w = *state;
	const struct sceau_policy *p;
	struct sceau_cert c;
	uint64_t index = 99;

	assert_null(sceau_chain_policy(w->chain, &index));
	assert_int_equal(index, 0);
	/* Only an admin publishes. */
	assert_int_equal(publish_as(w, &w->member, "acme", 1, 1, ""),
	    SCEAU_ERR_CHAIN_NOT_ALLOWED);
	/* Invalid documents: schema, organization, version. */
	assert_int_equal(publish(w, 1, "<sharing><bogus/></sharing>"),
	    SCEAU_ERR_POLICY_INVALID);
	assert_non_null(strstr(sceau_last_message(), "policy certificate"));
	assert_int_equal(publish_as(w, &w->admin, "other", 1, 1, ""),
	    SCEAU_ERR_POLICY_INVALID);
	assert_int_equal(publish_as(w, &w->admin, "acme", 1, 2, ""),
	    SCEAU_ERR_POLICY_INVALID);
	cfx_header(w, &c, SCEAU_CERT_ORG_POLICY, w->admin.device_id);
	c.policy_version = 1;
	c.policy_doc = (const uint8_t *)"<workstation-policy "
	                                "xmlns=\"urn:sceau:policy:1\" "
	                                "version=\"1\"/>";
	c.policy_doc_len = strlen((const char *)c.policy_doc);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_POLICY_INVALID);
	assert_null(sceau_chain_policy(w->chain, NULL));
	/* A valid one is in force from its certificate on. */
	assert_int_equal(publish(w, 1, ""), 0);
	assert_non_null(p = sceau_chain_policy(w->chain, &index));
	assert_int_equal(p->version, 1);
	assert_int_equal(index, sceau_chain_last_index(w->chain));
	/* The next one must take a higher version. */
	assert_int_equal(publish(w, 1, ""), SCEAU_ERR_POLICY_INVALID);
	assert_int_equal(publish(w, 2,
	                     "<sharing><externals>no</externals>"
	                     "</sharing>"),
	    0);
	assert_int_equal(sceau_chain_policy(w->chain, NULL)->version, 2);
	assert_int_equal(sceau_chain_policy(w->chain, NULL)->org.externals, 0);
}

static void
test_externals(void **state)
{
	struct world *w = *state;
	struct actor x;
	struct sceau_cert c;
	const char *self[] = {w->member.user_id};
	const uint32_t k1[] = {1};

	cfx_new_actor(&x, SCEAU_PROFILE_EXTERNAL);
	assert_int_equal(cfx_realm_key(w, &w->member, 1, self, 1), 0);
	/* Before the policy, an external may be added and shared with. */
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	assert_int_equal(publish(w, 1,
	                     "<sharing><externals>no</externals>"
	                     "</sharing>"),
	    0);
	/* From it on: no new external, no share with one. */
	sceau_sign_free(x.dev);
	cfx_new_actor(&x, SCEAU_PROFILE_EXTERNAL);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_non_null(strstr(
	    sceau_last_message(), "policy: sharing.externals=forbidden"));
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    SCEAU_ERR_POLICY_REFUSED);
	/* A member is still shared with. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    0);
	sceau_sign_free(x.dev);
}

static void
test_externals_profile_change(void **state)
{
	struct world *w = *state;
	struct sceau_cert c;

	assert_int_equal(publish(w, 1,
	                     "<sharing><externals>no</externals>"
	                     "</sharing>"),
	    0);
	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	c.profile = SCEAU_PROFILE_EXTERNAL;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_POLICY_REFUSED);
	/* Token required for admins: a member with a plain device stays. */
	assert_int_equal(publish(w, 2,
	                     "<devices><token-required>admins"
	                     "</token-required></devices>"),
	    0);
	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	c.profile = SCEAU_PROFILE_ADMIN;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_non_null(strstr(
	    sceau_last_message(), "policy: devices.token-required=admins"));
	/* Version 2 replaced version 1: externals are allowed again. */
	cfx_header(w, &c, SCEAU_CERT_USER_UPDATE, w->admin.device_id);
	(void)snprintf(c.user_id, sizeof(c.user_id), "%s", w->member.user_id);
	c.profile = SCEAU_PROFILE_EXTERNAL;
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
}

static void
test_ceiling_and_rules(void **state)
{
	struct world *w = *state;
	const char *self[] = {w->member.user_id};
	const uint32_t k1[] = {1};

	assert_int_equal(cfx_realm_key(w, &w->member, 1, self, 1), 0);
	assert_int_equal(
	    publish(w, 1,
	        "<sharing><ceiling profile=\"admin\" max=\"contributor\"/>"
	        "<rule from=\"member\" to=\"external\" allow=\"no\"/>"
	        "</sharing>"),
	    0);
	/* The ceiling of the target's profile. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_MANAGER, k1, 1),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_non_null(strstr(sceau_last_message(),
	    "policy: sharing.ceiling(admin)=contributor"));
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_CONTRIBUTOR, k1, 1),
	    0);
	/* Who shares with whom: a member not with an external. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->external.user_id,
	                     SCEAU_ROLE_READER, k1, 1),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_non_null(strstr(
	    sceau_last_message(), "policy: sharing.rule(member->external)=no"));
	/* Taking a role away is never refused. */
	assert_int_equal(cfx_realm_role(w, &w->member, w->admin2.user_id,
	                     SCEAU_ROLE_NONE, NULL, 0),
	    0);
}

static void
test_devices(void **state)
{
	struct world *w = *state;
	struct actor x;
	struct sceau_cert c;

	assert_int_equal(publish(w, 1,
	                     "<devices><token-required>everyone"
	                     "</token-required></devices>"),
	    0);
	cfx_new_actor(&x, SCEAU_PROFILE_MEMBER);
	(void)snprintf(x.user_id, sizeof(x.user_id), "%s", w->member.user_id);
	cfx_device_cert(w, &c, w->member.device_id, &x);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_non_null(strstr(
	    sceau_last_message(), "policy: devices.token-required=everyone"));
	/* One device per user: the member has one already. */
	assert_int_equal(publish(w, 2,
	                     "<devices><max-per-user>1"
	                     "</max-per-user></devices>"),
	    0);
	cfx_device_cert(w, &c, w->member.device_id, &x);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_non_null(
	    strstr(sceau_last_message(), "policy: devices.max-per-user=1"));
	/* Once the old one is revoked, the new one is allowed. */
	cfx_header(w, &c, SCEAU_CERT_DEVICE_REVOKE, w->admin.device_id);
	(void)snprintf(
	    c.device_id, sizeof(c.device_id), "%s", w->member.device_id);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	cfx_device_cert(w, &c, w->admin.device_id, &x);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)), 0);
	sceau_sign_free(x.dev);
}

/* The rules as decisions, without a chain (policy-rules.c). */
static void
test_rules_direct(void **state)
{
	static const char doc[] =
	    "<organization-policy xmlns=\"urn:sceau:policy:1\" version=\"1\" "
	    "organization=\"acme\"><sharing><domain>example.gouv.fr</domain>"
	    "</sharing><invitations><lifetime>2h</lifetime>"
	    "<domain>example.gouv.fr</domain></invitations><revocation>"
	    "<rotate>6h</rotate><x509-revokes-user>yes</x509-revokes-user>"
	    "</revocation></organization-policy>";
	char rule[SCEAU_POLICY_RULE_MAX];
	struct sceau_policy *p;

	(void)state;
	assert_int_equal(
	    sceau_policy_parse((const uint8_t *)doc, sizeof(doc) - 1, "t", &p),
	    0);
	assert_int_equal(sceau_policy_check_share(p, SCEAU_POLICY_MEMBER,
	                     SCEAU_POLICY_MEMBER, SCEAU_POLICY_READER,
	                     "a@example.gouv.fr", rule),
	    0);
	assert_int_equal(sceau_policy_check_share(p, SCEAU_POLICY_MEMBER,
	                     SCEAU_POLICY_MEMBER, SCEAU_POLICY_READER,
	                     "a@evil.example", rule),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_string_equal(rule, "sharing.domain=example.gouv.fr");
	/* The address unknown (the chain): the domain is not decided here. */
	assert_int_equal(
	    sceau_policy_check_share(p, SCEAU_POLICY_MEMBER,
	        SCEAU_POLICY_MEMBER, SCEAU_POLICY_READER, NULL, rule),
	    0);
	assert_int_equal(
	    sceau_policy_check_invitation(p, "b@EXAMPLE.gouv.fr", rule), 0);
	assert_int_equal(sceau_policy_check_invitation(
	                     p, "b@example.gouv.fr.evil.example", rule),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_int_equal(sceau_policy_invitation_lifetime(p, 7), 7200);
	assert_int_equal(sceau_policy_invitation_lifetime(NULL, 7), 7);
	assert_int_equal(sceau_policy_rotate_delay(p), 6 * 3600);
	assert_int_equal(sceau_policy_x509_revokes_user(p), 1);
	assert_int_equal(sceau_policy_x509_revokes_user(NULL), 0);
	/* No policy: everything allowed, by default. */
	assert_int_equal(
	    sceau_policy_check_profile(NULL, SCEAU_POLICY_EXTERNAL, rule), 0);
	assert_non_null(strstr(rule, "(default)"));
	sceau_policy_free(p);
}

static void
test_trusted_replay(void **state)
{
	struct world *w = *state;
	struct sceau_buf *env;
	struct sceau_cert c;
	struct actor x;

	assert_int_equal(publish(w, 1,
	                     "<sharing><externals>no</externals>"
	                     "</sharing>"),
	    0);
	/* Replaying stored certificates skips signatures, not the policy. */
	cfx_new_actor(&x, SCEAU_PROFILE_EXTERNAL);
	cfx_user_cert(w, &c, w->admin.device_id, x.user_id, x.profile);
	env = cfx_sign(&c, w->admin.dev);
	assert_int_equal(sceau_chain_append_trusted(w->chain,
	                     sceau_buf_ptr(env), sceau_buf_len(env), 0, NULL),
	    SCEAU_ERR_POLICY_REFUSED);
	assert_int_equal(
	    sceau_chain_check(w->chain, sceau_buf_ptr(env), sceau_buf_len(env)),
	    SCEAU_ERR_POLICY_REFUSED);
	sceau_buf_free(env);
	sceau_sign_free(x.dev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_publish, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_externals, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(test_externals_profile_change,
	        cfx_setup_changeable, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_ceiling_and_rules, cfx_setup, cfx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_devices, cfx_setup, cfx_teardown),
	    cmocka_unit_test(test_rules_direct),
	    cmocka_unit_test_setup_teardown(
	        test_trusted_replay, cfx_setup, cfx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("chain-policy", tests, NULL, NULL);
}
