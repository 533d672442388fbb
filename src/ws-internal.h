/*
 * ws-internal.h: a workspace session's state, shared by ws*.c only.
 */
#ifndef SCEAU_WS_INTERNAL_H
#define SCEAU_WS_INTERNAL_H

#include "aead.h"
#include "blockcache.h"
#include "chain.h"
#include "strmap.h"
#include "ws.h"

/* A manifest loaded in this session; dirty until committed. */
struct ws_node {
	char id[SCEAU_ID_LEN +
	    1]; /* the map's key: stable while m is replaced */
	struct sceau_manifest *m;
	int dirty;
};

struct sceau_ws {
	struct sceau_client *c;
	char realm[SCEAU_ID_LEN + 1];
	enum sceau_role role;
	uint32_t key_index; /* the latest: new local versions use it */
	uint8_t *key; /* its key, in locked memory */
	struct sceau_aead *aead; /* reused for local manifests */
	struct ws_node **nodes; /* every loaded manifest */
	size_t n, cap;
	struct sceau_strmap *map; /* vlob id -> node (borrows node->id) */
	struct sceau_blockcache *bc; /* opened when first needed */
	uint64_t at; /* non-zero: read-only, as it was then (server time) */
};

/*
 * A past version of a vlob from the server: version (non-zero), else the
 * one current at server time at_us; verified and decrypted.
 */
int ws_fetch_remote(struct sceau_ws *w, const char *vlob_id, uint64_t version,
    uint64_t at_us, struct sceau_manifest **mp) SCEAU_WUR;

/* The node of vlob_id, loaded (or, for the root, made) if needed. */
int ws_node(struct sceau_ws *w, const char *vlob_id, struct ws_node **np)
    SCEAU_WUR;
/* Marks a node changed now. */
void ws_touch(struct ws_node *n);
/* Verifies, decrypts and decodes a remote vlob of this workspace. */
int ws_open_remote(struct sceau_ws *w, const char *vlob_id, const uint8_t *blob,
    size_t n, struct sceau_manifest **mp) SCEAU_WUR;
/* Adds a new manifest to the session, dirty. */
int ws_node_new(struct sceau_ws *w, struct sceau_manifest *m,
    struct ws_node **np) SCEAU_WUR;
/* Replaces a file node's blocks and size with content's; marks it changed. */
int ws_set_content(struct ws_node *n, const struct sceau_manifest *content)
    SCEAU_WUR;
/* The block cache of this device, opened on first use. */
int ws_blockcache(struct sceau_ws *w, struct sceau_blockcache **bcp) SCEAU_WUR;

#endif /* SCEAU_WS_INTERNAL_H */
