/*
 * chain.h: validation of an organization's certificate chain.
 *
 * The same code runs on clients, on the server (before it stores a
 * certificate) and in sceau-audit.  A chain holds the validated state:
 * users (profile, revocation), devices (verify key, revocation), the last
 * index, hash and timestamps.  Rules: doc/certificates.md.
 */
#ifndef SCEAU_CHAIN_H
#define SCEAU_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "defs.h"
#include "policy.h"

struct sceau_chain;

struct sceau_chain_user {
	char user_id[SCEAU_ID_LEN + 1];
	enum sceau_profile profile;
	uint64_t created_index;
	uint64_t revoked_index; /* 0: not revoked */
	uint64_t created_time, revoked_time; /* their certificates' */
	uint8_t identity_hash[SCEAU_CERT_HASH_LEN];
	char enc_alg[16];
	uint8_t enc_key[SCEAU_ENC_KEY_MAX];
	size_t enc_key_len;
};

struct sceau_chain_device {
	char device_id[SCEAU_ID_LEN + 1];
	char user_id[SCEAU_ID_LEN + 1];
	uint64_t created_index;
	uint64_t revoked_index; /* 0: not revoked */
	uint64_t created_time, revoked_time; /* their certificates' */
	uint8_t identity_hash[SCEAU_CERT_HASH_LEN];
	uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN];
	/*
	 * Token-backed: the X.509 certificate its token holds (an X.509
	 * list, leaf first: cert.h), owned by the chain like the entry:
	 * copy it out before the chain may change.
	 */
	int token_bound;
	uint8_t x509_fingerprint[SCEAU_CERT_HASH_LEN];
	const uint8_t *x509_list;
	size_t x509_list_len;
};

/*
 * New empty chain of organization org_id whose root verify key is
 * root_vk (the certificate at index 1 must carry the same key).
 */
int sceau_chain_new(const char *org_id,
    const uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN], struct sceau_chain **cp)
    SCEAU_WUR;
void sceau_chain_free(struct sceau_chain *c);

/*
 * Validates the next certificate (envelope env[0..n)) with every rule and,
 * if it passes, applies it.  server_time (microseconds, 0 if unknown) must
 * not go backwards.  On success, *out (if not NULL) receives the decoded
 * certificate.  On failure the chain is unchanged, a SCEAU_ERR_CERT_* or
 * SCEAU_ERR_CHAIN_* code is returned and sceau_message() says which index
 * and which rule.
 */
int sceau_chain_append(struct sceau_chain *c, const uint8_t *env, size_t n,
    uint64_t server_time, struct sceau_cert *out) SCEAU_WUR;

/*
 * Same, without verifying the signature: for replaying certificates this
 * process's own store already validated.  Every other rule still applies.
 */
int sceau_chain_append_trusted(struct sceau_chain *c, const uint8_t *env,
    size_t n, uint64_t server_time, struct sceau_cert *out) SCEAU_WUR;

/*
 * For audits (sceau-audit verify): as sceau_chain_append(), but a
 * certificate that is well formed, signed by its author and in its place
 * (organization, index, previous hash, times), and that breaks a rule
 * (its author's rights or revocation, the policy in force, its X.509
 * binding) is not applied: the chain only moves past it, so that the
 * certificates after it are still checked.  Then *violation receives
 * the rule's code and sceau_message() names it; *out is still filled.
 * Returns 0 (appended or moved past, *violation says which), or the
 * error after which the chain cannot go on; for a certificate whose
 * signature verified but that is out of its place (SCEAU_ERR_CHAIN_*:
 * index, hash, time, organization), *out is filled too.
 */
int sceau_chain_append_audit(struct sceau_chain *c, const uint8_t *env,
    size_t n, uint64_t server_time, struct sceau_cert *out, int *violation)
    SCEAU_WUR;

/*
 * Checks that env would be accepted as the next certificate, changing
 * nothing (a client checks its own act before sending it).
 */
int sceau_chain_check(const struct sceau_chain *c, const uint8_t *env, size_t n)
    SCEAU_WUR;

const char *sceau_chain_org_id(const struct sceau_chain *c);
uint64_t sceau_chain_last_index(const struct sceau_chain *c);
/* SHA-256 of the last envelope (zeros when empty). */
const uint8_t *sceau_chain_last_hash(const struct sceau_chain *c);
uint64_t sceau_chain_last_timestamp(const struct sceau_chain *c);
/* Organization flags (SCEAU_ORG_FLAG_*) from the certificate at index 1. */
uint8_t sceau_chain_org_flags(const struct sceau_chain *c);

/*
 * The organization's PKI trust anchors (an X.509 list, from its first
 * certificate): 1 and (*p, *n) lent from the chain, or 0 when it has none.
 */
int sceau_chain_x509_anchors(
    const struct sceau_chain *c, const uint8_t **p, size_t *n);

/*
 * A new X.509 trust of the certificates of two X.509 lists (as
 * sceau_cert_x509_next() reads them): anchors, and a card's list whose
 * first certificate, the card's own, it skips and whose others are
 * intermediates.  Usage, time, CRL and OCSP are the caller's to set.
 * On failure *tp is NULL.
 */
struct sceau_x509_trust;
int sceau_x509_list_trust(const uint8_t *anchors, size_t anchors_len,
    const uint8_t *list, size_t list_len, struct sceau_x509_trust **tp)
    SCEAU_WUR;

/*
 * The organization policy in force (policy.h, "organization"): the last
 * one published in the chain, or NULL when none was; *index (if not NULL)
 * receives its certificate's index (0 when none).  Valid until the next
 * append.  The chain applies its rules to every certificate after it.
 */
const struct sceau_policy *sceau_chain_policy(
    const struct sceau_chain *c, uint64_t *index);

/* Lookups: NULL when unknown.  Pointers stay valid until the next append. */
const struct sceau_chain_user *sceau_chain_user(
    const struct sceau_chain *c, const char *user_id);
const struct sceau_chain_device *sceau_chain_device(
    const struct sceau_chain *c, const char *device_id);

/*
 * Workspaces (realms), from the realm certificates (doc/workspaces.md).
 * Roles: SCEAU_ROLE_*; NONE when the user has no role, was unshared, or
 * the realm is unknown.  A revoked user keeps its last role in the state
 * (for history) but sceau_chain_realm_role() reports NONE for it.
 */
enum sceau_role {
	SCEAU_ROLE_NONE = 0,
	SCEAU_ROLE_OWNER = 1,
	SCEAU_ROLE_MANAGER = 2,
	SCEAU_ROLE_CONTRIBUTOR = 3,
	SCEAU_ROLE_READER = 4,
};

struct sceau_chain_realm {
	char realm_id[SCEAU_ID_LEN + 1];
	uint64_t created_index;
	uint32_t key_count; /* latest key index */
	uint64_t name_index; /* certificate of its latest name, 0 if none */
	uint64_t key_index, key_time; /* the latest key's certificate */
};

const char *sceau_role_name(enum sceau_role r); /* "owner", ... "none" */
enum sceau_role sceau_role_from_name(const char *s); /* NONE if unknown */
/* 1 if the role may write (owner, manager, contributor). */
int sceau_role_can_write(enum sceau_role r);

const struct sceau_chain_realm *sceau_chain_realm(
    const struct sceau_chain *c, const char *realm_id);
size_t sceau_chain_realm_count(const struct sceau_chain *c);
const struct sceau_chain_realm *sceau_chain_realm_at(
    const struct sceau_chain *c, size_t i);
/*
 * 1 if device d could sign at time ts (microseconds): its certificate's
 * time is not after ts, and it was not revoked by then.
 */
int sceau_chain_device_active_at(
    const struct sceau_chain_device *d, uint64_t ts);
/*
 * The role user_id held in realm_id at time ts, as the role certificates'
 * times say: NONE if it had none then, or was revoked by then.
 */
enum sceau_role sceau_chain_realm_role_at(const struct sceau_chain *c,
    const char *realm_id, const char *user_id, uint64_t ts);
/* The current role of user_id in realm_id (NONE if revoked or none). */
enum sceau_role sceau_chain_realm_role(
    const struct sceau_chain *c, const char *realm_id, const char *user_id);
/*
 * Members with a role (revoked users excluded), in the order they were
 * given their first role: calls cb(arg, user_id, role) for each.
 */
void sceau_chain_realm_members(const struct sceau_chain *c,
    const char *realm_id,
    void (*cb)(void *arg, const char *user_id, enum sceau_role role),
    void *arg);

/*
 * Whether someone who could read realm_id under its latest key lost that
 * right after the key was made: a member unshared, a member revoked, a
 * device of a member revoked (its user then a member).  1 and the
 * earliest such certificate (index, time) in *l, or 0 (*l zeroed): the
 * latest key is read by present members only.  A rotation clears it.
 */
struct sceau_chain_loss {
	uint64_t index; /* 0: none */
	uint64_t time; /* its certificate's timestamp, microseconds */
};
int sceau_chain_realm_loss(const struct sceau_chain *c, const char *realm_id,
    struct sceau_chain_loss *l);

/* The chain's profiles and roles as the policy names them. */
enum sceau_policy_profile sceau_policy_profile_of(enum sceau_profile p);
enum sceau_policy_role sceau_policy_role_of(enum sceau_role r);

/* Iteration in order of creation: i in [0, count). */
size_t sceau_chain_user_count(const struct sceau_chain *c);
const struct sceau_chain_user *sceau_chain_user_at(
    const struct sceau_chain *c, size_t i);
size_t sceau_chain_device_count(const struct sceau_chain *c);
const struct sceau_chain_device *sceau_chain_device_at(
    const struct sceau_chain *c, size_t i);

#endif /* SCEAU_CHAIN_H */
