/*
 * client-policy.c: the organization policy on the client (doc/policy.md):
 * publishing it as a certificate, and the checks the client makes before
 * it acts where the chain cannot (mail domains, which certificates do not
 * carry).  The chain applies every other rule to the client's own
 * certificates before they are sent (sceau_client_submit), as it does to
 * everyone's when they are fetched.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "client-internal.h"
#include "errors.h"
#include "policy.h"

int
sceau_client_policy_publish(struct sceau_client *c, const uint8_t *doc,
    size_t n, const char *name, uint64_t *index)
{
	const struct sceau_policy *cur;
	struct sceau_policy *p = NULL;
	struct sceau_cert *cert = NULL;
	int r;

	if ((r = sceau_policy_parse(doc, n, name, &p)) != 0)
		return r;
	if (p->kind != SCEAU_POLICY_ORGANIZATION) {
		sceau_message("%s: not an organization policy",
		    name != NULL ? name : "policy");
		r = SCEAU_ERR_POLICY_INVALID;
		goto out;
	}
	if ((r = sceau_client_refresh(c, NULL)) != 0)
		goto out;
	if (strcmp(p->org.org_id, sceau_chain_org_id(c->chain)) != 0) {
		sceau_message("%s: a policy of organization %s, not %s",
		    name != NULL ? name : "policy", p->org.org_id,
		    sceau_chain_org_id(c->chain));
		r = SCEAU_ERR_POLICY_INVALID;
		goto out;
	}
	if ((cur = sceau_chain_policy(c->chain, NULL)) != NULL &&
	    p->version <= cur->version) {
		sceau_message("%s: version %u, and version %u is in force: a "
		              "new policy takes a higher version",
		    name != NULL ? name : "policy", p->version, cur->version);
		r = SCEAU_ERR_POLICY_INVALID;
		goto out;
	}
	if ((cert = sceau_calloc(1, sizeof(*cert))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	cert->kind = SCEAU_CERT_ORG_POLICY;
	cert->policy_version = p->version;
	cert->policy_doc = doc;
	cert->policy_doc_len = n;
	if ((r = sceau_client_submit(c, cert, NULL)) == 0 && index != NULL)
		(void)sceau_chain_policy(c->chain, index);
out:
	sceau_free(cert);
	sceau_policy_free(p);
	return r;
}

/* The address of user u, or "" when this device cannot see it. */
static void
user_email(struct sceau_client *c, const struct sceau_chain_user *u,
    char email[SCEAU_EMAIL_MAX + 1])
{
	struct sceau_identity id;

	email[0] = '\0';
	if (sceau_client_identity(c, u->created_index, u->identity_hash, &id) ==
	    0)
		(void)snprintf(email, SCEAU_EMAIL_MAX + 1, "%s", id.email);
}

int
sceau_client_policy_share(struct sceau_client *c, const char *user_id,
    enum sceau_role role, char rule[SCEAU_POLICY_RULE_MAX])
{
	const struct sceau_chain_user *self = sceau_client_self(c), *target;
	char email[SCEAU_EMAIL_MAX + 1];

	if ((target = sceau_chain_user(c->chain, user_id)) == NULL ||
	    self == NULL) {
		(void)snprintf(
		    rule, SCEAU_POLICY_RULE_MAX, "%s", "unknown user");
		return SCEAU_ERR_NOT_FOUND;
	}
	user_email(c, target, email);
	return sceau_policy_check_share(sceau_chain_policy(c->chain, NULL),
	    sceau_policy_profile_of(self->profile),
	    sceau_policy_profile_of(target->profile),
	    sceau_policy_role_of(role), email[0] != '\0' ? email : NULL, rule);
}

int
sceau_client_policy_refused(int r, const char *rule)
{
	if (r == SCEAU_ERR_POLICY_REFUSED)
		sceau_message("policy: %s", rule);
	return r;
}
