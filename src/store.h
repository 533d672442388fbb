/*
 * store.h: the device's local store, one SQLite file per device
 * (DATA/devices/ORG/DEVICE/store.db): its validated copy of the
 * organization's certificates, and (later) the encrypted data cache and the
 * journal of local changes.  It holds ciphertext and signed records only.
 *
 * The schema is versioned (table schema_version) and migrated forward at
 * open, in one transaction.  Journal mode WAL with synchronous=FULL: what
 * the store acknowledged survives a power cut.
 */
#ifndef SCEAU_STORE_H
#define SCEAU_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

struct sceau_store;

/* Opens (creating, mode 0600) and migrates.  SCEAU_ERR_STORE[_CORRUPT]. */
int sceau_store_open(const char *path, struct sceau_store **sp) SCEAU_WUR;
/*
 * A store in memory, gone when closed: for a client that must leave
 * nothing on disk (a recovery device at work, client.h).
 */
int sceau_store_open_memory(struct sceau_store **sp) SCEAU_WUR;
void sceau_store_close(struct sceau_store *s);

/* Schema version after migration (for tests and diagnostics). */
int sceau_store_schema_version(struct sceau_store *s);

/* Transactions (nesting is refused: SCEAU_ERR_INVALID_ARGUMENT). */
int sceau_store_begin(struct sceau_store *s) SCEAU_WUR;
int sceau_store_commit(struct sceau_store *s) SCEAU_WUR;
void sceau_store_rollback(struct sceau_store *s);

/* Small key/value settings.  get: SCEAU_ERR_NOT_FOUND when absent. */
int sceau_store_meta_set(
    struct sceau_store *s, const char *key, const void *v, size_t n) SCEAU_WUR;
int sceau_store_meta_get(
    struct sceau_store *s, const char *key, struct sceau_buf *out) SCEAU_WUR;

/* Certificates, in index order.  The identity blob may be NULL. */
int sceau_store_cert_put(struct sceau_store *s, uint64_t index,
    const uint8_t *env, size_t n, const uint8_t *identity, size_t idn,
    uint64_t server_time) SCEAU_WUR;
/* Sets the identity blob of a stored certificate (learnt later). */
int sceau_store_cert_set_identity(struct sceau_store *s, uint64_t index,
    const uint8_t *identity, size_t idn) SCEAU_WUR;
/* Index of the last certificate, 0 when none. */
int sceau_store_cert_last(struct sceau_store *s, uint64_t *index) SCEAU_WUR;
/*
 * Reads certificate index: envelope appended to env, identity (if any) to
 * identity (may be NULL), server time to *server_time (may be NULL).
 * SCEAU_ERR_NOT_FOUND.
 */
int sceau_store_cert_get(struct sceau_store *s, uint64_t index,
    struct sceau_buf *env, struct sceau_buf *identity, uint64_t *server_time)
    SCEAU_WUR;

/*
 * Calls cb for every certificate from index from on, in order; stops at
 * the first non-zero return of cb and returns it.
 */
typedef int (*sceau_store_cert_cb)(void *arg, uint64_t index,
    const uint8_t *env, size_t n, const uint8_t *identity, size_t idn,
    uint64_t server_time);
int sceau_store_cert_foreach(struct sceau_store *s, uint64_t from,
    sceau_store_cert_cb cb, void *arg) SCEAU_WUR;

/* ----------------------------------------------------------- workspaces */

/* A workspace's checkpoint (0 when never synced). */
int sceau_store_realm_checkpoint(struct sceau_store *s, const char *realm_id,
    uint64_t *checkpoint) SCEAU_WUR;
int sceau_store_realm_set_checkpoint(
    struct sceau_store *s, const char *realm_id, uint64_t checkpoint) SCEAU_WUR;

/*
 * One vlob as this device knows it.  The caller sets remote_blob and local
 * to buffers (or NULL) before sceau_store_vlob_get() appends to them.
 */
struct sceau_store_vlob {
	uint64_t remote_version; /* 0: the server has no version yet */
	struct sceau_buf *remote_blob;
	struct sceau_buf *local; /* manifest sealed under the workspace key */
	uint32_t local_key_index;
	int has_remote, has_local, dirty;
};

/* SCEAU_ERR_NOT_FOUND when this device never saw the vlob. */
int sceau_store_vlob_get(struct sceau_store *s, const char *realm_id,
    const char *vlob_id, struct sceau_store_vlob *v) SCEAU_WUR;
/* Records a local change (dirty until pushed); the remote part stays. */
int sceau_store_vlob_set_local(struct sceau_store *s, const char *realm_id,
    const char *vlob_id, const uint8_t *sealed, size_t n, uint32_t key_index)
    SCEAU_WUR;
/*
 * Records a remote version.  clean: the local change is gone (pushed, or
 * replaced by the remote one); otherwise it stays, and stays dirty.
 */
int sceau_store_vlob_set_remote(struct sceau_store *s, const char *realm_id,
    const char *vlob_id, uint64_t version, const uint8_t *blob, size_t n,
    int clean) SCEAU_WUR;
/* Calls cb for each dirty vlob of the workspace; stops at non-zero. */
typedef int (*sceau_store_vlob_cb)(void *arg, const char *vlob_id);
int sceau_store_vlob_dirty(struct sceau_store *s, const char *realm_id,
    sceau_store_vlob_cb cb, void *arg) SCEAU_WUR;

#endif /* SCEAU_STORE_H */
