/*
 * ws.h: a workspace as files and folders, on this device's local state.
 *
 * Every operation works offline: it reads the local version of each
 * manifest (or the latest remote one this device validated) and writes
 * local versions, which sync pushes later.  Changes stay in memory until
 * sceau_ws_commit() writes them, with their blocks, in one transaction;
 * sceau_ws_close() commits.  Paths are "/a/b/c" inside the workspace.
 */
#ifndef SCEAU_WS_H
#define SCEAU_WS_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "defs.h"
#include "manifest.h"

struct sceau_ws;

/* Opens workspace realm_id of the client (this user must have a role). */
int sceau_ws_open(struct sceau_client *c, const char *realm_id,
    struct sceau_ws **wp) SCEAU_WUR;
/* Commits pending changes (errors are returned), then frees. */
int sceau_ws_close(struct sceau_ws *w);
void sceau_ws_abort(struct sceau_ws *w); /* drops pending changes */

/* Writes pending changes: blocks first (durable), then manifests. */
int sceau_ws_commit(struct sceau_ws *w) SCEAU_WUR;

struct sceau_client *sceau_ws_client(struct sceau_ws *w);
const char *sceau_ws_realm(const struct sceau_ws *w);

/*
 * The manifest at path (borrowed: valid until the next call that changes
 * the workspace).  SCEAU_ERR_NOT_FOUND, SCEAU_ERR_INVALID_ARGUMENT (bad
 * path, or a file where a folder is needed).
 */
int sceau_ws_lookup(struct sceau_ws *w, const char *path,
    const struct sceau_manifest **mp) SCEAU_WUR;
/* The manifest of vlob id (borrowed). */
int sceau_ws_manifest(struct sceau_ws *w, const char *vlob_id,
    const struct sceau_manifest **mp) SCEAU_WUR;

int sceau_ws_mkdir(struct sceau_ws *w, const char *path, int parents) SCEAU_WUR;
/* Removes a file, or a folder (else SCEAU_ERR_NOT_EMPTY unless recursive). */
int sceau_ws_rm(struct sceau_ws *w, const char *path, int recursive) SCEAU_WUR;
/* Moves or renames; into dst if dst is an existing folder. */
int sceau_ws_mv(struct sceau_ws *w, const char *src, const char *dst) SCEAU_WUR;

/*
 * Creates or replaces the file at path with manifest m's blocks and size
 * (the blocks must already be in the block cache's current batch or
 * stored).  Takes m's content; the caller keeps and frees m.
 */
int sceau_ws_put_file(struct sceau_ws *w, const char *path,
    const struct sceau_manifest *content) SCEAU_WUR;

/*
 * Encrypts the content of the regular file open on fd (read with pread,
 * from offset 0 to its size; fd stays the caller's) into blocks, through
 * the same pipeline as import, and makes it the content of the existing
 * file vlob_id, wherever it is (a file renamed while open keeps its id).
 * The blocks are durable when this returns; the manifest change waits
 * for sceau_ws_commit().  SCEAU_ERR_FORBIDDEN for a reader or the past.
 */
int sceau_ws_write_fd(struct sceau_ws *w, const char *vlob_id, int fd)
    SCEAU_WUR;

/*
 * Sets the modification time (microseconds) of the file or folder
 * vlob_id, as utimens(2) asks; committed with the next commit.
 */
int sceau_ws_set_mtime(struct sceau_ws *w, const char *vlob_id, uint64_t us)
    SCEAU_WUR;

/* Forgets uncommitted changes (the next reads come from the store). */
void sceau_ws_discard(struct sceau_ws *w);

/* Progress of long operations: called after each file. */
struct sceau_ws_progress {
	void (*cb)(void *arg, const char *path, uint64_t files, uint64_t bytes);
	void *arg;
};

struct sceau_ws_import_stats {
	uint64_t files, folders, bytes;
	uint64_t skipped; /* links, devices, sockets: not imported */
};

/*
 * Imports the local file or tree src as dst (a file replaces the file
 * there; a folder merges into the folder there), then commits.  On
 * failure nothing of this import is recorded.
 */
int sceau_ws_import(struct sceau_ws *w, const char *src, const char *dst,
    const struct sceau_ws_progress *progress,
    struct sceau_ws_import_stats *stats) SCEAU_WUR;

/*
 * Where export reads a block's ciphertext.  fetch has the contract of
 * sceau_pipeline_source (pipeline.h); enqueue (may be NULL) is told, in
 * order, of every block that export will fetch, before it does, so that a
 * network source can fetch many at once.
 */
struct sceau_ws_source {
	int (*fetch)(void *arg, const struct sceau_block_desc *d, uint8_t *dst,
	    size_t cap, size_t *lenp);
	int (*enqueue)(void *arg, const struct sceau_block_desc *d, size_t n);
	void *arg;
};
/*
 * Writes the file or tree at path to dst ("-": standard output), reading
 * blocks through src.  A block that does not decrypt fails with
 * SCEAU_ERR_DECRYPT_FAILED naming it.
 */
int sceau_ws_export(struct sceau_ws *w, const char *path, const char *dst,
    const struct sceau_ws_source *src) SCEAU_WUR;
/* A source that reads this device's block cache. */
int sceau_ws_cache_source(struct sceau_ws *w, struct sceau_ws_source *src)
    SCEAU_WUR;

/*
 * Keeps block d, fetched from the server (its ciphertext ct[0..n),
 * checked by the caller: its tag verified), in this device's cache,
 * marked uploaded, so that it reads offline from now on.
 */
int sceau_ws_cache_block(struct sceau_ws *w, const struct sceau_block_desc *d,
    const uint8_t *ct, size_t n) SCEAU_WUR;

/* 1 if this device's cache holds block id, 0 if not, or an error. */
int sceau_ws_block_cached(
    struct sceau_ws *w, const uint8_t id[SCEAU_BLOCK_ID_LEN]);

/*
 * The workspace as it was at server time at_us (microseconds), read-only,
 * from the server (which keeps every version).
 */
int sceau_ws_open_at(struct sceau_client *c, const char *realm_id,
    uint64_t at_us, struct sceau_ws **wp) SCEAU_WUR;

/* One version of a vlob, as the server lists it. */
struct sceau_ws_version {
	uint64_t version;
	uint64_t server_time; /* microseconds */
	char author[SCEAU_ID_LEN + 1];
	uint64_t size; /* bytes of the encoded vlob */
};
/* The versions of the file or folder at path, oldest first (free *out). */
int sceau_ws_history(struct sceau_ws *w, const char *path,
    struct sceau_ws_version **out, size_t *n) SCEAU_WUR;
/*
 * Makes a past version the next one: version N of path, or its version at
 * server time at_us (version 0).  A path that no longer exists is brought
 * back from its folder as it was at at_us.
 */
int sceau_ws_restore(struct sceau_ws *w, const char *path, uint64_t version,
    uint64_t at_us) SCEAU_WUR;

/* Splits "/a/b/c" into parent "/a/b" and name "c" (in the caller's arrays). */
int sceau_ws_split(const char *path, char *parent, size_t psize, char *name,
    size_t nsize) SCEAU_WUR;

#endif /* SCEAU_WS_H */
