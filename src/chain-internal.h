/*
 * chain-internal.h: the chain's state and the check context, shared by
 * chain.c (organization records) and chain-realm.c (workspaces) only.
 */
#ifndef SCEAU_CHAIN_INTERNAL_H
#define SCEAU_CHAIN_INTERNAL_H

#include "chain.h"
#include "strmap.h"

struct chain_realm;

struct sceau_chain {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN];
	uint8_t org_flags;
	uint8_t *anchors; /* the ORG certificate's X.509 list, or NULL */
	size_t anchors_len;
	uint64_t last_index;
	uint8_t last_hash[SCEAU_CERT_HASH_LEN];
	uint64_t last_timestamp;
	uint64_t last_server_time;
	/* Entries live in their own allocations: maps borrow their ids. */
	struct sceau_chain_user **users;
	size_t nusers, capusers;
	struct sceau_chain_device **devices;
	size_t ndevices, capdevices;
	struct sceau_strmap *user_map;
	struct sceau_strmap *device_map;
	/* Workspaces (chain-realm.c). */
	struct chain_realm **realms;
	size_t nrealms, caprealms;
	struct sceau_strmap *realm_map;
	/* The organization policy in force (chain-policy.c), or NULL. */
	struct sceau_policy *policy;
	uint64_t policy_index, policy_time;
};

/* Context of the certificate being checked, for rules and messages. */
struct ctx {
	const struct sceau_chain *c;
	const struct sceau_cert *cert;
	const struct sceau_chain_device *author_dev; /* NULL: root */
	const struct sceau_chain_user *author_user; /* NULL: root */
	struct sceau_policy **policy; /* where a policy certificate's goes */
};

/* Sets the message "certificate N (kind): why" and returns code. */
int chain_refuse(const struct ctx *x, int code, const char *why);
int chain_author_is_admin(const struct ctx *x);

/*
 * The X.509 rules (chain-x509.c): token signatures, device bindings,
 * trust anchors.  Only for certificates whose signature is verified.
 */
int chain_x509_check(const struct ctx *x, const uint8_t *env, size_t n);

/*
 * Workspace certificates (chain-realm.c).  chain_realm_check() applies
 * the rules; chain_realm_prepare() makes every allocation the change
 * needs (so that chain_realm_apply() cannot fail) and returns it in
 * *pending; chain_realm_drop() frees what prepare made if the change is
 * not applied.
 */
int chain_realm_init(struct sceau_chain *c);
void chain_realm_free_all(struct sceau_chain *c);
int chain_realm_check(const struct ctx *x);
int chain_realm_prepare(
    struct sceau_chain *c, const struct sceau_cert *cert, void **pending);
void chain_realm_apply(
    struct sceau_chain *c, const struct sceau_cert *cert, void *pending);
void chain_realm_drop(void *pending);

/*
 * The organization policy (chain-policy.c): chain_policy_check() checks a
 * policy certificate and parses its document into *parsed, which
 * chain_policy_apply() puts in force (taking it); chain_policy_rules()
 * applies the policy in force to any other certificate.
 */
struct sceau_policy;
int chain_policy_check(const struct ctx *x, struct sceau_policy **parsed);
int chain_policy_rules(const struct ctx *x);
void chain_policy_apply(struct sceau_chain *c, const struct sceau_cert *cert,
    struct sceau_policy *parsed);

#endif /* SCEAU_CHAIN_INTERNAL_H */
