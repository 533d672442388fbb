/*
 * client-x509rev.c: an X.509 revocation becomes a revocation in the
 * organization (doc/pki.md, "Revoked cards"): where the organization
 * policy says <x509-revokes-user>yes</x509-revokes-user>, an admin's
 * client checks the card certificate of every active token-bound device
 * and revokes the user of any card its CA revoked.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "client-internal.h"
#include "client.h"
#include "errors.h"
#include "policy.h"
#include "x509.h"

/*
 * Checks the card of device d: 1 when its CA revoked it (*res says when
 * and why), 0 when it is not known revoked (valid, or a check that could
 * not conclude: an unreachable source is no revocation).
 */
static int
card_revoked(struct sceau_client *c, const struct sceau_chain_device *d,
    const struct sceau_client_opts *opts, struct sceau_x509_result *res)
{
	struct sceau_x509_trust *t = NULL;
	const uint8_t *anchors, *der;
	size_t n, len;
	int r;

	if (!sceau_chain_x509_anchors(c->chain, &anchors, &n) ||
	    !sceau_cert_x509_leaf(d->x509_list, d->x509_list_len, &der, &len))
		return 0;
	if ((r = client_pki_trust(
	         anchors, n, d->x509_list, d->x509_list_len, opts, &t)) == 0)
		r = sceau_x509_verify(t, der, len, NULL, NULL, 0, res);
	sceau_x509_trust_free(t);
	return r == SCEAU_ERR_CERT_REVOKED && res->depth == 0;
}

/* 1 when this device's user is an admin and the policy asks for it. */
static int
x509_revokes(const struct sceau_client *c)
{
	const struct sceau_chain_user *self = sceau_client_self(c);

	return self != NULL && self->revoked_index == 0 &&
	    self->profile == SCEAU_PROFILE_ADMIN &&
	    sceau_policy_x509_revokes_user(sceau_chain_policy(c->chain, NULL));
}

int
sceau_client_x509_revocations(struct sceau_client *c,
    const struct sceau_client_opts *opts,
    void (*cb)(void *arg, const struct sceau_x509_revocation *rev), void *arg,
    size_t *checked)
{
	const struct sceau_chain_device *d;
	const struct sceau_chain_user *u;
	struct sceau_x509_revocation rev;
	struct sceau_x509_result *res;
	size_t i;
	int r, first = 0;

	if (checked != NULL)
		*checked = 0;
	if (!x509_revokes(c))
		return 0;
	if ((res = sceau_calloc(1, sizeof(*res))) == NULL)
		return SCEAU_ERR_ALLOC;
	/* A revocation refreshes the chain: look each device up again. */
	for (i = 0; i < sceau_chain_device_count(c->chain); i++) {
		d = sceau_chain_device_at(c->chain, i);
		if (!d->token_bound || d->revoked_index != 0 ||
		    (u = sceau_chain_user(c->chain, d->user_id)) == NULL ||
		    u->revoked_index != 0 ||
		    strcmp(u->user_id, c->info.user_id) == 0)
			continue;
		if (checked != NULL)
			(*checked)++;
		if (!card_revoked(c, d, opts, res))
			continue;
		memset(&rev, 0, sizeof(rev));
		(void)snprintf(
		    rev.user_id, sizeof(rev.user_id), "%s", d->user_id);
		(void)snprintf(
		    rev.device_id, sizeof(rev.device_id), "%s", d->device_id);
		(void)snprintf(
		    rev.subject, sizeof(rev.subject), "%s", res->subject);
		(void)snprintf(
		    rev.serial, sizeof(rev.serial), "%s", res->serial);
		rev.revocation_time = res->revocation_time;
		rev.reason = res->revocation_reason;
		if ((r = sceau_client_revoke_user(c, rev.user_id)) != 0 &&
		    first == 0)
			first = r;
		rev.result = r;
		if (cb != NULL)
			cb(arg, &rev);
	}
	sceau_free(res);
	return first;
}
