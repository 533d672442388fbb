/*
 * sync.h: synchronization of a workspace with the server
 * (doc/workspaces.md, "Local store and sync").
 *
 * A sync pulls the changes since the workspace's checkpoint (each vlob
 * verified, decrypted and checked before it is kept), pushes the blocks
 * this device wrote, then its changed manifests as new versions; versions
 * someone else wrote first are merged (folders) or kept side by side
 * (files: "NAME (conflict, USER, DATE)"), and pushed again.  Interrupted at
 * any point, it resumes: what the server acknowledged is recorded, what it
 * did not is sent again.
 */
#ifndef SCEAU_SYNC_H
#define SCEAU_SYNC_H

#include <stdint.h>

#include "client.h"
#include "defs.h"
#include "ws.h"

struct sceau_sync_stats {
	uint64_t blocks_up, bytes_up;
	uint64_t vlobs_up, vlobs_down;
	uint64_t merges, conflict_copies;
};

struct sceau_sync_opts {
	const struct sceau_ws_progress *progress; /* may be NULL */
	unsigned int connections; /* parallel block uploads; 0: 2 */
};

/* Syncs one workspace.  stats (may be NULL) counts what moved. */
int sceau_sync_realm(struct sceau_client *c, const char *realm_id,
    const struct sceau_sync_opts *opts, struct sceau_sync_stats *stats)
    SCEAU_WUR;

/*
 * A block source for sceau_ws_export() that fetches blocks from the
 * server, many per request, in the order export announces them.  Free
 * with sceau_sync_source_free().
 */
int sceau_sync_source_new(struct sceau_client *c, const char *realm_id,
    struct sceau_ws_source *src) SCEAU_WUR;
void sceau_sync_source_free(struct sceau_ws_source *src);

#endif /* SCEAU_SYNC_H */
