/*
 * sync-internal.h: shared by sync*.c only.
 */
#ifndef SCEAU_SYNC_INTERNAL_H
#define SCEAU_SYNC_INTERNAL_H

#include <stdint.h>

#include "client.h"
#include "manifest.h"
#include "sync.h"
#include "ws.h"

/*
 * "NAME (conflict, WHO, YYYY-MM-DD HH-MM)" (with ", N" from the second
 * attempt), shortened to stay a valid name.
 */
void sync_conflict_name(const char *name, const char *who, uint64_t now_us,
    int attempt, char out[SCEAU_NAME_MAX_BYTES + 1]);

/*
 * Three-way merge of a folder (or root): base may be NULL (no common
 * version).  *outp is a new manifest with theirs' identity.
 */
int sync_merge_folder(const struct sceau_manifest *base,
    const struct sceau_manifest *ours, const struct sceau_manifest *theirs,
    const char *who, uint64_t now, struct sceau_manifest **outp) SCEAU_WUR;

/* Pushes the blocks this device wrote and the server lacks. */
int sync_push_blocks(struct sceau_client *c, const char *realm_id,
    unsigned int connections, struct sceau_sync_stats *st) SCEAU_WUR;

/* One attempt of sceau_sync_realm(): no retry; st must not be NULL. */
int sync_once(struct sceau_client *c, const char *realm_id,
    const struct sceau_sync_opts *opts, struct sceau_sync_stats *st) SCEAU_WUR;

#endif /* SCEAU_SYNC_INTERNAL_H */
