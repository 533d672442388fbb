/*
 * client-internal.h: the state of a client, shared by the client*.c files
 * only.  Everything else uses client.h.
 */
#ifndef SCEAU_CLIENT_INTERNAL_H
#define SCEAU_CLIENT_INTERNAL_H

#include "client.h"

struct client_realm_key; /* client-realm.c: unwrapped workspace keys */

struct sceau_client {
	struct sceau_keyfile_info info;
	struct sceau_keyfile_keys keys;
	struct sceau_store *store;
	struct sceau_chain *chain;
	struct sceau_http *http;
	struct client_realm_key *realm_keys; /* cache, in locked memory */
	struct sceau_token *token; /* token-backed device: logged in, owned */
	struct sceau_client_remote remote; /* sign NULL: keys are local */
};

/*
 * A token signer for sceau_cert_sign_token() (arg: the client), when this
 * device is token-bound; NULL otherwise.  SCEAU_ERR_TOKEN_NOT_LOGGED_IN
 * through *r when the device is bound and no token is open.
 */
sceau_cert_token_signer client_token_signer(struct sceau_client *c, int *r);

/* Wipes and frees the cache of workspace keys. */
void client_realm_keys_free(struct sceau_client *c);

/*
 * Removes what sceau_client_create_device wrote for a device (its key
 * file, store and keyring key), when the server never heard of it.
 */
void client_forget_device(const char *org_id, const char *device_id);

/*
 * A trust of anchors (an X.509 list; opts->pki_anchors_file, the
 * workstation policy's, replaces them) with the intermediates of list
 * (after its leaf), usage sign and unwrap, and opts' revocation checks
 * (CRLs cached in the data directory).
 */
struct sceau_x509_trust;
int client_pki_trust(const uint8_t *anchors, size_t anchors_len,
    const uint8_t *list, size_t list_len, const struct sceau_client_opts *opts,
    struct sceau_x509_trust **tp);

/*
 * The X.509 list a device is bound to: the card's certificate, then the
 * certificates of the file intermediates (may be NULL), appended to out.
 */
struct sceau_token;
int client_card_list(
    struct sceau_token *t, const char *intermediates, struct sceau_buf *out);

#endif /* SCEAU_CLIENT_INTERNAL_H */
