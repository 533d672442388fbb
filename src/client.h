/*
 * client.h: a device of an organization, as a program uses it: unlocked
 * keys, the local store, the validated certificate chain and the server
 * connection.  Bootstrap of a new organization, fetching and validating
 * certificates (the server is not trusted: doc/certificates.md, "Client-
 * side defences"), and the acts that produce certificates.
 */
#ifndef SCEAU_CLIENT_H
#define SCEAU_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cert.h"
#include "chain.h"
#include "defs.h"
#include "http.h"
#include "keyfile.h"
#include "store.h"

struct sceau_client_opts {
	const char *ca_file; /* server TLS trust anchors; NULL: default */
	int allow_insecure_http; /* plain HTTP to a non-loopback server */
	/*
	 * How a card's X.509 certificate is checked when a token-backed
	 * device unlocks (doc/pki.md): CRLs fetched from its distribution
	 * points (cached in the data directory), OCSP (enum
	 * sceau_x509_ocsp_mode, ocsp_url for a configured responder),
	 * soft-fail when a source is unreachable, sources off loopback.
	 */
	int pki_no_crl_fetch;
	int pki_ocsp;
	const char *pki_ocsp_url;
	int pki_soft_fail;
	int pki_remote_fetch;
	/*
	 * Set by the workstation policy (wspolicy.h): a file of trust
	 * anchors used instead of the organization's (NULL: theirs), and
	 * how long a CRL past its next update is still taken (0: not).
	 */
	const char *pki_anchors_file;
	uint64_t pki_crl_max_age_s;
};

struct sceau_client;

/*
 * Unlocks the device of organization org (NULL: the only one) with id
 * device (NULL: the only one of org) and opens its store.  With a TOKEN
 * auth, the client takes auth->token (logged in): it keeps it to sign
 * and unwrap, and closes it, even when the open fails.  The chain is
 * rebuilt from the store; nothing is fetched.  The CA file given at
 * bootstrap is remembered and used unless opts->ca_file overrides it.
 */
int sceau_client_open(const char *org, const char *device,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts,
    struct sceau_client **cp) SCEAU_WUR;
void sceau_client_close(struct sceau_client *c);

/*
 * Opens a client on keys held in memory, for a device whose key file is
 * not on this computer (a recovery device at work): info says which
 * organization, server, user and device.  Its store lives in memory and
 * starts empty, so the first refresh fetches the whole chain and
 * validates it against info->root_verify_key; nothing is written on
 * disk.  The keys move into the client: *keys is emptied (and its keys
 * freed on failure) whatever the result.
 */
int sceau_client_open_keys(const struct sceau_keyfile_info *info,
    struct sceau_keyfile_keys *keys, const struct sceau_client_opts *opts,
    struct sceau_client **cp) SCEAU_WUR;

/*
 * How token-backed devices check their card's certificate as they
 * unlock (until workstation policy says it), from the environment: CRLs
 * fetched and checked unless SCEAU_PKI_CRL_FETCH=0;
 * SCEAU_PKI_OCSP=off|aia|URL (off); SCEAU_PKI_SOFT_FAIL=1 accepts
 * unreachable sources; SCEAU_PKI_REMOTE=1 fetches from hosts that are not
 * loopback.  Sets co's pki_* fields only.
 */
void sceau_client_pki_env(struct sceau_client_opts *co);

/*
 * Keys held by another process (sceau-agent), for a client opened with
 * sceau_client_open_remote: the device key signs through sign (the
 * signature is checked against the device's key in the chain), a
 * token-bound device's acts are signed on its token through token_sign
 * (the sceau_cert_token_signer contract), and workspace keys come from
 * realm_key.  Each gets arg.  The client never holds the user's key, the
 * device's seed or a token.
 */
struct sceau_client_remote {
	int (*sign)(void *arg, const void *m, size_t n,
	    uint8_t sig[SCEAU_SIGN_SIG_LEN]);
	int (*token_sign)(void *arg, const uint8_t *tbs, size_t n,
	    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig);
	int (*realm_key)(
	    void *arg, const char *realm_id, uint32_t index, uint8_t key[32]);
	void (*free)(void *arg); /* at sceau_client_close; may be NULL */
	/* May be NULL: local changes of realm_id were committed (sync them). */
	void (*changed)(void *arg, const char *realm_id);
	void *arg;
	/*
	 * The device's public key, as the holder of its private half says
	 * (has_device_vk): used until the chain, refreshed, names the
	 * device (a new device), and checked against the chain's after.
	 */
	uint8_t device_vk[SCEAU_SIGN_PUBLIC_LEN];
	int has_device_vk;
};

/*
 * Local changes of realm_id were committed to the store (sceau_ws_commit
 * says so): tells the keys' holder, which syncs them in the background.
 */
void sceau_client_local_change(struct sceau_client *c, const char *realm_id);

/*
 * Opens the device of org (NULL: the only one) with id device (NULL: the
 * only one of org) without unlocking its key file: its store and chain as
 * sceau_client_open does, its keys through rm (copied; rm->free(arg), if
 * set, runs when the client closes, or here on failure).  What needs the keys themselves (writing a key file:
 * recovery devices) fails with SCEAU_ERR_AGENT_HELD.
 */
int sceau_client_open_remote(const char *org, const char *device,
    const struct sceau_client_remote *rm, const struct sceau_client_opts *opts,
    struct sceau_client **cp) SCEAU_WUR;

/*
 * For a signer that signs for a client opened elsewhere with
 * sceau_client_open_remote (sceau-agent): signs tbs with this device's key
 * only when it is a request, certificate or vlob statement of this device
 * of this organization (reqsign.h, cert.h, manifest.h), and on the token
 * only a certificate's token statement of this device.  Anything else is
 * SCEAU_ERR_AGENT_REFUSED: the signer is no oracle for arbitrary bytes.
 */
int sceau_client_sign_statement(struct sceau_client *c, const uint8_t *tbs,
    size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;
int sceau_client_token_sign_statement(struct sceau_client *c,
    const uint8_t *tbs, size_t n, char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1],
    struct sceau_buf *sig) SCEAU_WUR;

struct sceau_bootstrap_params {
	const char *link; /* sceau://…?a=bootstrap_organization&p=… */
	const char *email; /* the first admin */
	const char *name;
	const char *device_label;
	const struct sceau_keyfile_auth *auth; /* protection of the key file */
	int allow_profile_change; /* organization setting, fixed forever */
	const char *root_key_out; /* write the root key there (0600), or NULL */
	/*
	 * The organization's PKI trust anchors (a PEM or DER file), or NULL:
	 * required for a token-backed first admin (auth->kind TOKEN, whose
	 * token, logged in, the bootstrap takes as sceau_client_open does).
	 * pki_intermediates: certificates between the card's and an anchor,
	 * carried in the device's binding (may be NULL).
	 */
	const char *pki_anchors;
	const char *pki_intermediates;
};

/*
 * Creates the organization's root key, first admin and first device,
 * registers them with the server (consuming the bootstrap token), writes
 * the device's key file and store, and returns the open client.  The root
 * key is wiped unless root_key_out asks to keep it offline.
 */
int sceau_client_bootstrap(const struct sceau_bootstrap_params *p,
    const struct sceau_client_opts *opts, struct sceau_client **cp) SCEAU_WUR;

/*
 * Fetches the certificates the store lacks, validates each against the
 * chain and stores it.  *added (may be NULL) counts new certificates.
 * SCEAU_ERR_CHAIN_FORK if the server's copy of our last certificate
 * differs, SCEAU_ERR_CHAIN_ROLLBACK if it claims fewer certificates,
 * SCEAU_ERR_CHAIN_* / CERT_* for a certificate that fails validation (the
 * valid ones before it are kept).
 */
int sceau_client_refresh(struct sceau_client *c, uint64_t *added) SCEAU_WUR;

/* Acts; each refreshes, signs a certificate, submits it, and refreshes. */
int sceau_client_revoke_user(struct sceau_client *c, const char *user_id)
    SCEAU_WUR;
int sceau_client_revoke_device(struct sceau_client *c, const char *device_id)
    SCEAU_WUR;
int sceau_client_set_profile(struct sceau_client *c, const char *user_id,
    enum sceau_profile p) SCEAU_WUR;

/*
 * Signs cert as the next certificate of the chain (the caller set the kind
 * and its fields; the header is filled here), submits it with its identity
 * blob (may be NULL), and on a conflict refreshes and signs again.  Ends
 * with a refresh, so the chain holds what the server stored.
 */
int sceau_client_submit(struct sceau_client *c, struct sceau_cert *cert,
    const struct sceau_buf *identity) SCEAU_WUR;

/*
 * Low level: posts a signed certificate as it is, without checking it
 * against the chain first (tests use it to prove the server checks too).
 * No refresh.
 */
int sceau_client_post_certificate(struct sceau_client *c,
    const struct sceau_buf *env, const struct sceau_buf *identity) SCEAU_WUR;

/*
 * A new member, as the greeter (an admin) learns it from the newcomer:
 * the newcomer made its keys and ids; only public keys travel.
 */
struct sceau_new_member {
	char user_id[SCEAU_ID_LEN + 1];
	const char *email;
	const char *name;
	enum sceau_profile profile;
	uint8_t enc_key[SCEAU_BOX_PUBLIC_LEN]; /* X25519 public key */
	char device_id[SCEAU_ID_LEN + 1];
	const char *device_label;
	uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN]; /* device's Ed25519 key */
	/*
	 * A token-backed member (PKI enrollment): its card's X.509 list
	 * (leaf first), bound to the device; enc_x509 is then the user's
	 * key (the leaf's fingerprint and the wrap its card undoes), and
	 * enc_key is unused.  NULL otherwise.
	 */
	const uint8_t *x509_list;
	size_t x509_list_len;
	uint8_t enc_x509[SCEAU_CERT_HASH_LEN + 1];
};

/* Admin act: the user and device certificates of a new member. */
int sceau_client_add_member(
    struct sceau_client *c, const struct sceau_new_member *m) SCEAU_WUR;
/* A new device of this device's own user. */
int sceau_client_add_device(struct sceau_client *c, const char *device_id,
    const char *label, const uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN])
    SCEAU_WUR;
/* The same, bound to a card's X.509 list (leaf first); list may be NULL. */
int sceau_client_add_device_bound(struct sceau_client *c, const char *device_id,
    const char *label, const uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN],
    const uint8_t *x509_list, size_t x509_list_len) SCEAU_WUR;

/*
 * Writes a new device on this computer: its key file (protected by auth)
 * and an empty store remembering the CA file of opts.  info says which
 * organization, server, user and device; the device then opens with
 * sceau_client_open() and fetches the chain from the server.  With storep,
 * the store is left open there instead of closed.
 */
int sceau_client_create_device(const struct sceau_keyfile_info *info,
    const struct sceau_signkey *device_key, const struct sceau_boxkey *user_key,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts,
    struct sceau_store **storep) SCEAU_WUR;

/*
 * Recovery devices (doc/recovery.md).
 *
 * sceau_client_export_recovery: creates a recovery device of this
 * device's user (a new device key, its certificate signed by this device)
 * and writes its recovery file at path, which must not exist
 * (SCEAU_ERR_EXISTS), sealed under a new passphrase (recovery.h).  label:
 * the recovery device's label (NULL: "recovery YYYY-MM-DD").  The
 * passphrase is written grouped, for the user to write down, to
 * passphrase (size >= SCEAU_RECOVERY_GROUPED_LEN + 1; the caller's locked
 * memory), and the recovery file's header to *info.  The file is written
 * before the certificate is submitted, and removed if the submission
 * fails.  SCEAU_ERR_NOT_SUPPORTED when the user's key is not in this
 * device's key file (a token holds it).
 */
int sceau_client_export_recovery(struct sceau_client *c, const char *path,
    const char *label, char *passphrase, size_t size,
    struct sceau_keyfile_info *info) SCEAU_WUR;

/*
 * Unlocks the recovery file at path with passphrase[0..n) as the user
 * typed it (recovery.h: case and separators do not matter).  *keys holds
 * the recovery device's and the user's keys (free with
 * sceau_keyfile_keys_free).  SCEAU_ERR_WRONG_PASSWORD (a mistyped or
 * wrong passphrase: the message says which), SCEAU_ERR_DECRYPT_FAILED (an
 * altered file), SCEAU_ERR_KEYFILE_FORMAT (not a recovery file), ...
 */
int sceau_client_recovery_open(const char *path, const char *passphrase,
    size_t n, struct sceau_keyfile_info *info, struct sceau_keyfile_keys *keys)
    SCEAU_WUR;

/*
 * Enrolls a new device of the recovery device's user on this computer:
 * acting as the recovery device (rinfo, rkeys from
 * sceau_client_recovery_open; the keys are taken, *rkeys is emptied), it
 * fetches the organization's chain and validates it against the root key
 * of the file, checks that the recovery device and its user are active
 * (SCEAU_ERR_DEVICE_REVOKED, SCEAU_ERR_USER_REVOKED), makes the new
 * device's key, writes its key file (protected by auth) and store, and
 * signs and submits its certificate as the recovery device.  label names
 * the new device.  *info receives the new device's header; it then opens
 * with sceau_client_open().  Nothing is left on disk when this fails,
 * and the recovery device stays usable.
 */
int sceau_client_recover(const struct sceau_keyfile_info *rinfo,
    struct sceau_keyfile_keys *rkeys, const char *label,
    const struct sceau_keyfile_auth *auth, const struct sceau_client_opts *opts,
    struct sceau_keyfile_info *info) SCEAU_WUR;

/*
 * Workspaces (doc/workspaces.md).  Keys are unwrapped from the chain with
 * this user's encryption key, checked, and cached in locked memory.
 */
/* The workspace key of index; SCEAU_ERR_FORBIDDEN if not ours. */
int sceau_client_realm_key(struct sceau_client *c, const char *realm_id,
    uint32_t index, uint8_t key[32]) SCEAU_WUR;
/* Creates a workspace (its key, then its name); this user is owner. */
int sceau_client_realm_create(struct sceau_client *c, const char *name,
    char realm_id[SCEAU_ID_LEN + 1]) SCEAU_WUR;
int sceau_client_realm_rename(
    struct sceau_client *c, const char *realm_id, const char *name) SCEAU_WUR;
/* Gives user role (SCEAU_ROLE_NONE: unshares); a new member gets keys. */
int sceau_client_realm_share(struct sceau_client *c, const char *realm_id,
    const char *user_id, enum sceau_role role) SCEAU_WUR;
/* A new workspace key, sealed to every active member. */
int sceau_client_realm_rotate(struct sceau_client *c, const char *realm_id,
    uint32_t *new_index) SCEAU_WUR;
/*
 * Rotation after a revocation (doc/workspaces.md): for each workspace
 * where this device's user is owner and whose latest key someone lost
 * the right to read (sceau_chain_realm_loss: unshared, revoked, a device
 * revoked), once the organization policy's delay since that loss has
 * passed at now_us (microseconds since 1970), a new key
 * (sceau_client_realm_rotate).  Works on the chain as it is: nothing
 * goes to the server unless a rotation is due.  When another owner
 * rotated first, the chain is read again and nothing more is done.
 * cb (may be NULL) hears of each rotation made (key_index set), failed
 * (result set) or not due yet (both 0, due_us ahead).  *next_us (may be
 * NULL): the earliest due time still ahead, 0 if none.  Returns 0 or the
 * first failure; the other workspaces are tried all the same.
 */
struct sceau_rotation {
	char realm_id[SCEAU_ID_LEN + 1];
	uint64_t cause_index; /* the certificate that took a reader away */
	uint64_t due_us; /* when the policy wants the new key */
	uint32_t key_index; /* the new key's index; 0: none made here */
	int result; /* 0, or why the rotation failed */
};
int sceau_client_rotate_due(struct sceau_client *c, uint64_t now_us,
    void (*cb)(void *arg, const struct sceau_rotation *rot), void *arg,
    uint64_t *next_us) SCEAU_WUR;
/* The workspace's current name, decrypted (SCEAU_ERR_NOT_FOUND: none). */
int sceau_client_realm_name(struct sceau_client *c, const char *realm_id,
    char *name, size_t size) SCEAU_WUR;

/*
 * The organization policy (doc/policy.md).  Publishing: doc[0..n) (name
 * for messages) must be a valid organization policy of this organization
 * with a version above the one in force; it is signed (on the token where
 * this device is token-backed) and stored as a certificate, whose index
 * *index receives.  SCEAU_ERR_POLICY_INVALID, or the chain's refusal
 * (only an admin publishes).
 */
int sceau_client_policy_publish(struct sceau_client *c, const uint8_t *doc,
    size_t n, const char *name, uint64_t *index) SCEAU_WUR;
/*
 * Whether this user may give role to user_id under the policy in force,
 * the mail domains included (sceau_policy_check_share: 0 or
 * SCEAU_ERR_POLICY_REFUSED, and the deciding rule).
 */
int sceau_client_policy_share(struct sceau_client *c, const char *user_id,
    enum sceau_role role, char rule[SCEAU_POLICY_RULE_MAX]) SCEAU_WUR;
/* r; when it is SCEAU_ERR_POLICY_REFUSED, sets the message "policy: RULE". */
int sceau_client_policy_refused(int r, const char *rule);

/* Accessors. */
/*
 * Exports the organization's history to f (src/histfile.h, doc/audit.md):
 * the certificates this device holds (refresh first), every version of
 * each workspace where its user has a role now, and the CRLs this
 * computer cached.  progress (may be NULL) is called after each page.
 */
struct sceau_client_history {
	uint64_t certificates, versions, crls;
	uint64_t realms, realms_skipped; /* skipped: no role now */
};
int sceau_client_export_history(struct sceau_client *c, FILE *f,
    struct sceau_client_history *st,
    void (*progress)(void *arg, const struct sceau_client_history *st),
    void *arg) SCEAU_WUR;

const struct sceau_chain *sceau_client_chain(const struct sceau_client *c);
const struct sceau_keyfile_info *sceau_client_info(
    const struct sceau_client *c);
struct sceau_http *sceau_client_http(struct sceau_client *c);
struct sceau_store *sceau_client_store(struct sceau_client *c);
/* The unlocked keys (device signing key, user encryption key). */
const struct sceau_keyfile_keys *sceau_client_keys(
    const struct sceau_client *c);
/* This device's own user in the chain (NULL before the first refresh). */
const struct sceau_chain_user *sceau_client_self(const struct sceau_client *c);

/*
 * The identity (email, name / label) of the user or device created by the
 * certificate at index, checked against its hash.  SCEAU_ERR_NOT_FOUND
 * when the server did not give it (an external does not see identities).
 */
int sceau_client_identity(struct sceau_client *c, uint64_t index,
    const uint8_t hash[SCEAU_CERT_HASH_LEN], struct sceau_identity *id)
    SCEAU_WUR;

/*
 * Finds a user by id, or by email (exact, case-insensitive), among the
 * users the chain knows.  SCEAU_ERR_NOT_FOUND.
 */
int sceau_client_find_user(struct sceau_client *c, const char *id_or_email,
    const struct sceau_chain_user **up) SCEAU_WUR;

/*
 * A token-backed device's card certificate, checked as it unlocks: the
 * device's binding names it, it chains to the organization's anchors, it
 * is valid now, usable to sign and unwrap, and not revoked (opts' CRL and
 * OCSP settings).  res (may be NULL) says which certificate failed and
 * why.  0 for a device without token.  SCEAU_ERR_CERT_*, _CRL_*,
 * _REVOCATION_*, SCEAU_ERR_KEY_INVALID (another card).
 */
struct sceau_x509_result;
int sceau_client_token_check(struct sceau_client *c,
    const struct sceau_client_opts *opts, struct sceau_x509_result *res)
    SCEAU_WUR;

/*
 * An X.509 revocation as a revocation in the organization (doc/pki.md,
 * "Revoked cards"): when the organization policy in force says
 * x509-revokes-user and this device's user is an active admin, checks
 * the card certificate of every active token-bound device of another
 * user (chain to the organization's anchors, CRLs and OCSP as opts say,
 * like an unlock) and revokes the user of each card found revoked
 * (SCEAU_ERR_CERT_REVOKED of the card itself: an unreachable source, an
 * expired certificate, a revoked intermediate are no such proof).  cb
 * (may be NULL) hears of each revocation made (result 0) or failed.
 * *checked (may be NULL): the cards checked (0 when the policy does not
 * ask for it).  Returns 0 or the first failure to revoke.
 */
struct sceau_x509_revocation {
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1]; /* whose card it was */
	char subject[512], serial[81]; /* its card certificate (x509.h) */
	int64_t revocation_time; /* by its CA, Unix seconds */
	int reason; /* RFC 5280 CRLReason, -1 when none given */
	int result; /* 0: revoked in the organization; else why not */
};
int sceau_client_x509_revocations(struct sceau_client *c,
    const struct sceau_client_opts *opts,
    void (*cb)(void *arg, const struct sceau_x509_revocation *rev), void *arg,
    size_t *checked) SCEAU_WUR;

/* The token of a token-backed device (NULL otherwise), owned by c. */
struct sceau_token;
struct sceau_token *sceau_client_token(const struct sceau_client *c);

/*
 * When the device last brought its records up to date with its server
 * (a refresh that succeeded), in Unix seconds; 0 when never recorded.
 */
int sceau_client_last_contact(struct sceau_client *c, uint64_t *secs) SCEAU_WUR;

/* Microseconds since 1970. */
uint64_t sceau_client_now_us(void);

#endif /* SCEAU_CLIENT_H */
