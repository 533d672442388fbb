/*
 * ws.c: a workspace as files and folders, on the local state
 * (doc/workspaces.md, "Local store and sync").
 *
 * Manifests are loaded once per session and kept in memory; changes mark
 * them dirty and are written together at commit, after the blocks they
 * name are durable, so an import of thousands of files costs one
 * transaction per batch, not one per file.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "aead.h"
#include "alloc.h"
#include "errors.h"
#include "paths.h"
#include "random.h"
#include "secmem.h"
#include "strmap.h"
#include "ws-internal.h"
#include "ws.h"

static const char local_domain[] = "sceau-local-v1";

struct sceau_client *
sceau_ws_client(struct sceau_ws *w)
{
	return w->c;
}

const char *
sceau_ws_realm(const struct sceau_ws *w)
{
	return w->realm;
}

/* AAD of a local manifest: it belongs to this workspace and vlob. */
static int
local_aad(const struct sceau_ws *w, const char *vlob_id, struct sceau_buf *b)
{
	const char *org = sceau_client_info(w->c)->org_id;
	int r;

	if ((r = sceau_buf_put(b, local_domain, sizeof(local_domain))) != 0 ||
	    (r = sceau_buf_put(b, org, strlen(org) + 1)) != 0 ||
	    (r = sceau_buf_put(b, w->realm, strlen(w->realm) + 1)) != 0 ||
	    (r = sceau_buf_put(b, vlob_id, strlen(vlob_id))) != 0)
		return r;
	return 0;
}

/* Seals a manifest for the local store under the latest key. */
static int
seal_local(
    struct sceau_ws *w, const struct sceau_manifest *m, struct sceau_buf *out)
{
	struct sceau_buf *pt = NULL, *aad = NULL;
	uint8_t *p;
	size_t n;
	int r;

	if ((pt = sceau_buf_new()) == NULL || (aad = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_manifest_encode(m, pt)) != 0 ||
	    (r = local_aad(w, m->vlob_id, aad)) != 0)
		goto out;
	n = sceau_buf_len(pt);
	if ((r = sceau_buf_reserve(out,
	         SCEAU_AEAD_NONCE_LEN + n + SCEAU_AEAD_TAG_LEN, &p)) != 0 ||
	    (r = sceau_random_bytes(p, SCEAU_AEAD_NONCE_LEN)) != 0)
		goto out;
	r = sceau_aead_encrypt(w->aead, w->key, p, sceau_buf_ptr(aad),
	    sceau_buf_len(aad), sceau_buf_ptr(pt), n, p + SCEAU_AEAD_NONCE_LEN,
	    p + SCEAU_AEAD_NONCE_LEN + n);
out:
	sceau_buf_free(pt); /* wiped on free: it held block keys */
	sceau_buf_free(aad);
	return r;
}

static int
unseal_local(struct sceau_ws *w, const char *vlob_id, uint32_t key_index,
    const struct sceau_buf *sealed, struct sceau_buf *out)
{
	struct sceau_buf *aad;
	const uint8_t *p = sceau_buf_ptr(sealed);
	size_t len = sceau_buf_len(sealed), n;
	uint8_t key[32], *pt;
	int r;

	if (len < SCEAU_AEAD_NONCE_LEN + SCEAU_AEAD_TAG_LEN)
		return SCEAU_ERR_STORE_CORRUPT;
	n = len - SCEAU_AEAD_NONCE_LEN - SCEAU_AEAD_TAG_LEN;
	if ((aad = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_client_realm_key(w->c, w->realm, key_index, key)) != 0 ||
	    (r = local_aad(w, vlob_id, aad)) != 0 ||
	    (r = sceau_buf_reserve(out, n, &pt)) != 0)
		goto out;
	if ((r = sceau_aead_decrypt(w->aead, key, p, sceau_buf_ptr(aad),
	         sceau_buf_len(aad), p + SCEAU_AEAD_NONCE_LEN, n,
	         p + SCEAU_AEAD_NONCE_LEN + n, pt)) != 0) {
		sceau_message(
		    "local store: manifest %s does not decrypt", vlob_id);
		r = SCEAU_ERR_STORE_CORRUPT;
	}
out:
	sceau_memzero(key, sizeof(key));
	sceau_buf_free(aad);
	return r;
}

/* ------------------------------------------------------------- nodes */

static int
node_add(struct sceau_ws *w, struct sceau_manifest *m, int dirty,
    struct ws_node **np)
{
	struct ws_node *n;
	void *p;

	if (w->n == w->cap) {
		size_t cap = w->cap == 0 ? 64 : w->cap * 2;

		if ((p = sceau_reallocarray(
		         w->nodes, cap, sizeof(*w->nodes))) == NULL)
			return SCEAU_ERR_ALLOC;
		w->nodes = p;
		w->cap = cap;
	}
	if ((n = sceau_calloc(1, sizeof(*n))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_strmap_reserve(w->map, 1) != 0) {
		sceau_free(n);
		return SCEAU_ERR_ALLOC;
	}
	memcpy(n->id, m->vlob_id, sizeof(n->id));
	n->m = m;
	n->dirty = dirty;
	if (sceau_strmap_put(w->map, n->id, n) != 0) {
		sceau_free(n);
		return SCEAU_ERR_INTERNAL;
	}
	w->nodes[w->n++] = n;
	*np = n;
	return 0;
}

/* Decodes a manifest and checks it belongs where it was found. */
static int
decode_checked(
    const char *vlob_id, const struct sceau_buf *pt, struct sceau_manifest **mp)
{
	int r;

	if ((r = sceau_manifest_decode(
	         sceau_buf_ptr(pt), sceau_buf_len(pt), mp)) != 0)
		return r;
	if (strcmp((*mp)->vlob_id, vlob_id) != 0) {
		sceau_message(
		    "manifest %s claims to be %s", vlob_id, (*mp)->vlob_id);
		sceau_manifest_free(*mp);
		*mp = NULL;
		return SCEAU_ERR_DECRYPT_FAILED;
	}
	return 0;
}

/* Checks, decrypts and decodes; vk NULL: verified before (the store). */
static int
open_vlob(struct sceau_ws *w, const char *vlob_id, const uint8_t *blob,
    size_t n, const uint8_t *vk, struct sceau_manifest **mp)
{
	struct sceau_vlob_header h;
	struct sceau_buf *pt;
	uint8_t key[32];
	int r;

	if ((r = sceau_vlob_parse(blob, n, &h)) != 0)
		return r;
	if (strcmp(h.vlob_id, vlob_id) != 0 ||
	    strcmp(h.realm_id, w->realm) != 0) {
		sceau_message("vlob %s: served in place of another", vlob_id);
		return SCEAU_ERR_DECRYPT_FAILED;
	}
	if ((pt = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_client_realm_key(w->c, w->realm, h.key_index, key)) == 0)
		r = vk != NULL ? sceau_vlob_open(blob, n, vk, key, &h, pt)
		               : sceau_vlob_open_verified(blob, n, key, &h, pt);
	if (r == 0)
		r = decode_checked(vlob_id, pt, mp);
	sceau_memzero(key, sizeof(key));
	sceau_buf_free(pt);
	return r;
}

int
ws_open_remote(struct sceau_ws *w, const char *vlob_id, const uint8_t *blob,
    size_t n, struct sceau_manifest **mp)
{
	const struct sceau_chain_device *d;
	struct sceau_vlob_header h;

	*mp = NULL;
	if (sceau_vlob_parse(blob, n, &h) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((d = sceau_chain_device(sceau_client_chain(w->c), h.author)) ==
	    NULL) {
		sceau_message("vlob %s: author %s unknown", vlob_id, h.author);
		return SCEAU_ERR_SIGNATURE_INVALID;
	}
	/* Its author could write then: a live device, a writer's role. */
	if (!sceau_chain_device_active_at(d, h.timestamp) ||
	    !sceau_role_can_write(sceau_chain_realm_role_at(
	        sceau_client_chain(w->c), w->realm, d->user_id, h.timestamp))) {
		sceau_message("vlob %s version %llu: signed by device %s, "
		              "which could not write in this workspace then",
		    vlob_id, (unsigned long long)h.version, h.author);
		return SCEAU_ERR_CHAIN_NOT_ALLOWED;
	}
	return open_vlob(w, vlob_id, blob, n, d->verify_key, mp);
}

/* Loads a manifest from the store: the local version, else the remote. */
static int
node_load(struct sceau_ws *w, const char *vlob_id, struct ws_node **np)
{
	struct sceau_store_vlob v;
	struct sceau_manifest *m = NULL;
	struct sceau_buf *remote = NULL, *local = NULL, *pt = NULL;
	int r;

	memset(&v, 0, sizeof(v));
	if ((remote = sceau_buf_new()) == NULL ||
	    (local = sceau_buf_new()) == NULL ||
	    (pt = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	v.remote_blob = remote;
	v.local = local;
	if ((r = sceau_store_vlob_get(
	         sceau_client_store(w->c), w->realm, vlob_id, &v)) != 0)
		goto out;
	if (v.has_local) {
		if ((r = unseal_local(
		         w, vlob_id, v.local_key_index, local, pt)) != 0 ||
		    (r = decode_checked(vlob_id, pt, &m)) != 0)
			goto out;
	} else if (v.has_remote) {
		/* Verified when it was kept: decrypting authenticates it. */
		if ((r = open_vlob(w, vlob_id, sceau_buf_ptr(remote),
		         sceau_buf_len(remote), NULL, &m)) != 0)
			goto out;
	} else {
		r = SCEAU_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = node_add(w, m, 0, np)) == 0)
		m = NULL;
out:
	sceau_manifest_free(m);
	sceau_buf_free(remote);
	sceau_buf_free(local);
	sceau_buf_free(pt);
	return r;
}

int
ws_node(struct sceau_ws *w, const char *vlob_id, struct ws_node **np)
{
	struct ws_node *n;
	struct sceau_manifest *m;
	int r;

	*np = NULL;
	if (w->map == NULL)
		return SCEAU_ERR_ALLOC;
	n = sceau_strmap_get(w->map, vlob_id);
	if (n != NULL) {
		*np = n;
		return 0;
	}
	if (w->at != 0) {
		/* The past: from the server, nothing from the local state. */
		if ((r = ws_fetch_remote(w, vlob_id, 0, w->at, &m)) != 0)
			return r;
		if ((r = node_add(w, m, 0, np)) != 0)
			sceau_manifest_free(m);
		return r;
	}
	r = node_load(w, vlob_id, np);
	if (r != SCEAU_ERR_NOT_FOUND || strcmp(vlob_id, w->realm) != 0)
		return r;
	/* No root yet, here or on the server as far as we know: an empty
	 * one, written only if something is added to it. */
	if ((m = sceau_manifest_new(SCEAU_MANIFEST_ROOT, w->realm, NULL,
	         sceau_client_now_us())) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = node_add(w, m, 0, np)) != 0)
		sceau_manifest_free(m);
	return r;
}

int
sceau_ws_manifest(
    struct sceau_ws *w, const char *vlob_id, const struct sceau_manifest **mp)
{
	struct ws_node *n;
	int r;

	*mp = NULL;
	if ((r = ws_node(w, vlob_id, &n)) != 0)
		return r;
	*mp = n->m;
	return 0;
}

int
ws_node_new(struct sceau_ws *w, struct sceau_manifest *m, struct ws_node **np)
{
	return node_add(w, m, 1, np);
}

int
ws_blockcache(struct sceau_ws *w, struct sceau_blockcache **bcp)
{
	const struct sceau_keyfile_info *info = sceau_client_info(w->c);
	char dir[SCEAU_PATHS_MAX];
	int r;

	*bcp = NULL;
	if (w->bc == NULL &&
	    ((r = sceau_paths_device_file(info->org_id, info->device_id,
	          SCEAU_PATHS_BLOCKS_DIR, 1, dir)) != 0 ||
	        (r = sceau_blockcache_open(dir, NULL, &w->bc)) != 0))
		return r;
	*bcp = w->bc;
	return 0;
}

void
ws_touch(struct ws_node *n)
{
	n->dirty = 1;
	n->m->updated = sceau_client_now_us();
}

/* ---------------------------------------------------------- sessions */

int
sceau_ws_open(
    struct sceau_client *c, const char *realm_id, struct sceau_ws **wp)
{
	const struct sceau_chain_realm *r;
	struct sceau_ws *w;
	int rc;

	*wp = NULL;
	if ((r = sceau_chain_realm(sceau_client_chain(c), realm_id)) == NULL)
		return SCEAU_ERR_NOT_FOUND;
	if ((w = sceau_calloc(1, sizeof(*w))) == NULL)
		return SCEAU_ERR_ALLOC;
	w->c = c;
	(void)snprintf(w->realm, sizeof(w->realm), "%s", realm_id);
	w->role = sceau_chain_realm_role(
	    sceau_client_chain(c), realm_id, sceau_client_info(c)->user_id);
	w->key_index = r->key_count;
	if ((w->key = sceau_secmem_alloc(32)) == NULL ||
	    (w->map = sceau_strmap_new()) == NULL ||
	    (w->aead = sceau_aead_new()) == NULL) {
		rc = SCEAU_ERR_ALLOC;
		goto fail;
	}
	if (w->role == SCEAU_ROLE_NONE) {
		rc = SCEAU_ERR_FORBIDDEN;
		sceau_message(
		    "workspace %s: this user has no role in it", realm_id);
		goto fail;
	}
	if ((rc = sceau_client_realm_key(c, realm_id, w->key_index, w->key)) !=
	    0)
		goto fail;
	*wp = w;
	return 0;
fail:
	sceau_ws_abort(w);
	return rc;
}

int
sceau_ws_open_at(struct sceau_client *c, const char *realm_id, uint64_t at_us,
    struct sceau_ws **wp)
{
	int r;

	if ((r = sceau_ws_open(c, realm_id, wp)) != 0)
		return r;
	(*wp)->at = at_us;
	return 0;
}

void
sceau_ws_discard(struct sceau_ws *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		sceau_manifest_free(w->nodes[i]->m);
		sceau_free(w->nodes[i]);
	}
	w->n = 0;
	/* The map borrowed the freed ids: a fresh one. */
	sceau_strmap_free(w->map);
	w->map = sceau_strmap_new();
}

void
sceau_ws_abort(struct sceau_ws *w)
{
	if (w == NULL)
		return;
	sceau_ws_discard(w);
	sceau_free(w->nodes);
	sceau_strmap_free(w->map);
	sceau_secmem_free(w->key);
	sceau_aead_free(w->aead);
	if (w->bc != NULL) {
		sceau_blockcache_abort(w->bc);
		sceau_blockcache_close(w->bc);
	}
	sceau_free(w);
}

int
sceau_ws_close(struct sceau_ws *w)
{
	int r;

	if (w == NULL)
		return 0;
	r = sceau_ws_commit(w);
	sceau_ws_abort(w);
	return r;
}

int
sceau_ws_commit(struct sceau_ws *w)
{
	struct sceau_store *st = sceau_client_store(w->c);
	struct sceau_buf *sealed;
	size_t i;
	int r, wrote = 0;

	/* Blocks first: a manifest must never name a block not on disk. */
	if (w->bc != NULL && sceau_blockcache_in_batch(w->bc) &&
	    (r = sceau_blockcache_commit(w->bc)) != 0)
		return r;
	if ((sealed = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_store_begin(st)) != 0)
		goto out;
	for (i = 0; i < w->n && r == 0; i++) {
		struct ws_node *n = w->nodes[i];

		if (!n->dirty)
			continue;
		sceau_buf_reset(sealed);
		if ((r = seal_local(w, n->m, sealed)) == 0)
			r = sceau_store_vlob_set_local(st, w->realm,
			    n->m->vlob_id, sceau_buf_ptr(sealed),
			    sceau_buf_len(sealed), w->key_index);
	}
	if (r != 0) {
		sceau_store_rollback(st);
		goto out;
	}
	if ((r = sceau_store_commit(st)) != 0)
		goto out;
	for (i = 0; i < w->n; i++) {
		wrote |= w->nodes[i]->dirty;
		w->nodes[i]->dirty = 0;
	}
	if (wrote)
		sceau_client_local_change(w->c, w->realm);
out:
	sceau_buf_free(sealed);
	return r;
}
