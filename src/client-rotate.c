/*
 * client-rotate.c: rotation of workspace keys after a revocation
 * (doc/workspaces.md, "Rotation after a revocation"): an owner's client
 * makes a new key for every workspace whose latest key someone lost the
 * right to read, once the organization policy's delay has passed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "client-internal.h"
#include "client.h"
#include "errors.h"
#include "policy.h"

/* Rotations tried when another owner's act got in first. */
#define ROTATE_TRIES 3

/*
 * 1 when realm's key is to rotate by this user (an owner): rot gets the
 * certificate that took a reader away and when the policy wants the key.
 */
static int
rotation_wanted(
    const struct sceau_client *c, const char *realm, struct sceau_rotation *rot)
{
	const struct sceau_chain *ch = c->chain;
	struct sceau_chain_loss l;
	uint64_t delay, delay_us;

	if (sceau_chain_realm_role(ch, realm, c->info.user_id) !=
	        SCEAU_ROLE_OWNER ||
	    !sceau_chain_realm_loss(ch, realm, &l))
		return 0;
	delay = sceau_policy_rotate_delay(sceau_chain_policy(ch, NULL));
	delay_us =
	    delay > UINT64_MAX / 1000000u ? UINT64_MAX : delay * 1000000u;
	rot->cause_index = l.index;
	rot->due_us =
	    l.time > UINT64_MAX - delay_us ? UINT64_MAX : l.time + delay_us;
	return 1;
}

/*
 * Rotates rot's workspace.  When that fails, the chain is read again:
 * if the rotation is no longer wanted, another owner made it first (its
 * certificate took the index: a conflict, then a refusal of ours), and
 * that is no error (0, key_index 0).  If it still is, a refusal may come
 * from members changed meanwhile: tried again, ROTATE_TRIES times.
 */
static int
rotate_one(struct sceau_client *c, struct sceau_rotation *rot)
{
	struct sceau_rotation again;
	int r = 0, rr, tries;

	for (tries = 0; tries < ROTATE_TRIES; tries++) {
		rot->key_index = 0;
		r = sceau_client_realm_rotate(
		    c, rot->realm_id, &rot->key_index);
		if (r == 0)
			return 0;
		rot->key_index = 0;
		if ((rr = sceau_client_refresh(c, NULL)) != 0)
			return r;
		memset(&again, 0, sizeof(again));
		if (!rotation_wanted(c, rot->realm_id, &again)) {
			sceau_message_clear();
			return 0;
		}
		/* The chain refused ours (submit says INVALID_ARGUMENT). */
		if (r != SCEAU_ERR_CONFLICT && r != SCEAU_ERR_CHAIN_INVALID &&
		    r != SCEAU_ERR_INVALID_ARGUMENT)
			return r;
	}
	return r;
}

int
sceau_client_rotate_due(struct sceau_client *c, uint64_t now_us,
    void (*cb)(void *arg, const struct sceau_rotation *rot), void *arg,
    uint64_t *next_us)
{
	struct sceau_rotation rot;
	size_t i;
	int r, first = 0;

	if (next_us != NULL)
		*next_us = 0;
	for (i = 0; i < sceau_chain_realm_count(c->chain); i++) {
		/* A rotation refreshes the chain: copy the id out of it. */
		memset(&rot, 0, sizeof(rot));
		(void)snprintf(rot.realm_id, sizeof(rot.realm_id), "%s",
		    sceau_chain_realm_at(c->chain, i)->realm_id);
		if (!rotation_wanted(c, rot.realm_id, &rot))
			continue;
		if (rot.due_us > now_us) {
			if (next_us != NULL &&
			    (*next_us == 0 || rot.due_us < *next_us))
				*next_us = rot.due_us;
			if (cb != NULL)
				cb(arg, &rot);
			continue;
		}
		r = rotate_one(c, &rot);
		rot.result = r;
		if (r != 0) {
			sceau_message("workspace %s: rotating its key failed",
			    rot.realm_id);
			if (first == 0)
				first = r;
		}
		if (cb != NULL && (r != 0 || rot.key_index != 0))
			cb(arg, &rot);
	}
	return first;
}
