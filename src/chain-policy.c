/*
 * chain-policy.c: the organization policy in the chain (doc/policy.md,
 * doc/certificates.md): its certificates, and the rules of the policy in
 * force applied to each later certificate.  The chain is validated in
 * order, so the policy a certificate is checked against is the one in
 * force at its place in the chain: on every client, on the server before
 * it stores the certificate, and in sceau-audit.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "chain-internal.h"
#include "errors.h"
#include "policy.h"

_Static_assert(SCEAU_CERT_POLICY_MAX == SCEAU_POLICY_MAX,
    "a policy certificate carries a whole policy document");

const struct sceau_policy *
sceau_chain_policy(const struct sceau_chain *c, uint64_t *index)
{
	if (index != NULL)
		*index = c->policy_index;
	return c->policy;
}

enum sceau_policy_profile
sceau_policy_profile_of(enum sceau_profile p)
{
	return p == SCEAU_PROFILE_ADMIN ? SCEAU_POLICY_ADMIN
	    : p == SCEAU_PROFILE_MEMBER ? SCEAU_POLICY_MEMBER
	                                : SCEAU_POLICY_EXTERNAL;
}

enum sceau_policy_role
sceau_policy_role_of(enum sceau_role r)
{
	switch (r) {
	case SCEAU_ROLE_OWNER:
		return SCEAU_POLICY_OWNER;
	case SCEAU_ROLE_MANAGER:
		return SCEAU_POLICY_MANAGER;
	case SCEAU_ROLE_CONTRIBUTOR:
		return SCEAU_POLICY_CONTRIBUTOR;
	case SCEAU_ROLE_READER:
		return SCEAU_POLICY_READER;
	default:
		return SCEAU_POLICY_ROLE_UNSET;
	}
}

/* "policy: RULE" as the refusal of certificate x. */
static int
refuse_rule(const struct ctx *x, const char *rule)
{
	char why[SCEAU_POLICY_RULE_MAX + 16];

	(void)snprintf(why, sizeof(why), "policy: %s", rule);
	return chain_refuse(x, SCEAU_ERR_POLICY_REFUSED, why);
}

/*
 * A policy certificate: by an admin, a valid organization policy of this
 * organization, of a version above the one in force.  The parsed policy
 * goes to *parsed for the apply step.
 */
int
chain_policy_check(const struct ctx *x, struct sceau_policy **parsed)
{
	const struct sceau_cert *cert = x->cert;
	struct sceau_policy *p = NULL;
	char name[64], why[256];
	int r;

	*parsed = NULL;
	if (!chain_author_is_admin(x))
		return chain_refuse(x, SCEAU_ERR_CHAIN_NOT_ALLOWED,
		    "only an admin may publish the organization's policy");
	(void)snprintf(name, sizeof(name), "policy certificate %llu",
	    (unsigned long long)cert->index);
	/* The signature verified: only now is the document parsed. */
	if ((r = sceau_policy_parse(
	         cert->policy_doc, cert->policy_doc_len, name, &p)) != 0) {
		if (r == SCEAU_ERR_ALLOC)
			return r;
		/* Keep the parser's "NAME:LINE: what" in the message. */
		(void)snprintf(why, sizeof(why), "%s", sceau_last_message());
		return chain_refuse(x, SCEAU_ERR_POLICY_INVALID, why);
	}
	if (p->kind != SCEAU_POLICY_ORGANIZATION)
		r = chain_refuse(
		    x, SCEAU_ERR_POLICY_INVALID, "not an organization policy");
	else if (strcmp(p->org.org_id, x->c->org_id) != 0)
		r = chain_refuse(x, SCEAU_ERR_POLICY_INVALID,
		    "a policy of another organization");
	else if (p->version != cert->policy_version)
		r = chain_refuse(x, SCEAU_ERR_POLICY_INVALID,
		    "its version differs from its document's");
	else if (x->c->policy != NULL && p->version <= x->c->policy->version)
		r = chain_refuse(x, SCEAU_ERR_POLICY_INVALID,
		    "its version is not above the policy in force");
	if (r != 0) {
		sceau_policy_free(p);
		return r;
	}
	*parsed = p;
	return 0;
}

static unsigned int
active_devices(const struct sceau_chain *c, const char *user_id)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < c->ndevices; i++)
		n += c->devices[i]->revoked_index == 0 &&
		    strcmp(c->devices[i]->user_id, user_id) == 0;
	return n;
}

/* Every active device of user_id is token-bound. */
static int
all_devices_token(const struct sceau_chain *c, const char *user_id)
{
	size_t i;

	for (i = 0; i < c->ndevices; i++)
		if (c->devices[i]->revoked_index == 0 &&
		    strcmp(c->devices[i]->user_id, user_id) == 0 &&
		    !c->devices[i]->token_bound)
			return 0;
	return 1;
}

static int
rules_user_update(const struct ctx *x, const struct sceau_policy *p,
    char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_cert *cert = x->cert;
	enum sceau_policy_profile to = sceau_policy_profile_of(cert->profile);

	if (sceau_policy_check_profile(p, to, rule) != 0)
		return refuse_rule(x, rule);
	/* A new admin must already meet the admins' device rule. */
	if (to == SCEAU_POLICY_ADMIN &&
	    !all_devices_token(x->c, cert->user_id) &&
	    sceau_policy_check_device(p, to, 0, 0, rule) != 0)
		return refuse_rule(x, rule);
	return 0;
}

static int
rules_role(const struct ctx *x, const struct sceau_policy *p,
    char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_chain_user *target;

	/* check_act found the target and the author's user. */
	target = sceau_chain_user(x->c, x->cert->user_id);
	if (target == NULL || x->author_user == NULL)
		return 0;
	if (sceau_policy_check_share(p,
	        sceau_policy_profile_of(x->author_user->profile),
	        sceau_policy_profile_of(target->profile),
	        sceau_policy_role_of((enum sceau_role)x->cert->role), NULL,
	        rule) != 0)
		return refuse_rule(x, rule);
	return 0;
}

int
chain_policy_rules(const struct ctx *x)
{
	const struct sceau_policy *p = x->c->policy;
	const struct sceau_cert *cert = x->cert;
	const struct sceau_chain_user *u;
	char rule[SCEAU_POLICY_RULE_MAX];

	if (p == NULL)
		return 0;
	switch (cert->kind) {
	case SCEAU_CERT_USER:
		if (sceau_policy_check_profile(
		        p, sceau_policy_profile_of(cert->profile), rule) != 0)
			return refuse_rule(x, rule);
		return 0;
	case SCEAU_CERT_USER_UPDATE:
		return rules_user_update(x, p, rule);
	case SCEAU_CERT_DEVICE:
		if ((u = sceau_chain_user(x->c, cert->user_id)) == NULL)
			return 0; /* check_act refused it */
		if (sceau_policy_check_device(p,
		        sceau_policy_profile_of(u->profile),
		        cert->x509_list != NULL,
		        active_devices(x->c, cert->user_id), rule) != 0)
			return refuse_rule(x, rule);
		return 0;
	case SCEAU_CERT_REALM_ROLE:
		return rules_role(x, p, rule);
	default:
		/* Revocations, keys, names, policies: never refused by it. */
		return 0;
	}
}

void
chain_policy_apply(struct sceau_chain *c, const struct sceau_cert *cert,
    struct sceau_policy *parsed)
{
	sceau_policy_free(c->policy);
	c->policy = parsed;
	c->policy_index = cert->index;
	c->policy_time = cert->timestamp;
}
