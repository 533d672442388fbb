/*
 * bgsync.h: the agent's background sync (doc/agent-protocol.md, section 5):
 * one thread per unlocked device runs the sync engine's automatic mode
 * (sceau_sync_watch) on a client of its own, whose keys it asks of the
 * agent's state by name, like any other client.  It pushes local changes
 * when woken (a command changed something) and at least every interval,
 * pulls what the server's events name, waits longer and longer while the
 * server is away, and keeps each workspace's state for SYNC_STATUS.
 */
#ifndef SCEAU_AGENT_BGSYNC_H
#define SCEAU_AGENT_BGSYNC_H

#include <stddef.h>

#include "client.h"
#include "defs.h"
#include "protocol.h"

struct agent_state;
struct agent_sync;

/*
 * Starts the sync of device of org (both named, as unlocked in s);
 * opts (copied; its strings must outlive the sync).  The thread opens
 * its own client; a failure to do so shows in the status.
 */
int agent_sync_start(struct agent_state *s, const char *org, const char *device,
    const struct sceau_client_opts *opts, struct agent_sync **yp) SCEAU_WUR;
/* Stops the thread (waits for it) and frees y; NULL is allowed. */
void agent_sync_stop(struct agent_sync *y);
/* Local changes were made: sync now (realm_id NULL or "": any). */
void agent_sync_wake(struct agent_sync *y, const char *realm_id);
/* Appends up to max - *n entries (the device, then its workspaces). */
void agent_sync_status(struct agent_sync *y, struct sceau_agent_sync_entry *e,
    size_t max, size_t *n);

#endif /* SCEAU_AGENT_BGSYNC_H */
