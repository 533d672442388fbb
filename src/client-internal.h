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
};

/*
 * Removes a device written on this computer (key file, store, keyring
 * key), best effort: when the act that wrote it failed.
 */
void client_device_forget(const char *org_id, const char *device_id);
/* Wipes and frees the cache of workspace keys. */
void client_realm_keys_free(struct sceau_client *c);

#endif /* SCEAU_CLIENT_INTERNAL_H */
