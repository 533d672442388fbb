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

#include <signal.h>
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
	/*
	 * After a failure that may go away (server unreachable, busy,
	 * timing out: sceau_http_retryable()), tries again up to retries
	 * times, waiting backoff_ms (0: 500), then twice as long each time,
	 * up to 30 s.  What an attempt sent is not sent again.
	 */
	unsigned int retries;
	unsigned int backoff_ms;
	/* Told before each wait (may be NULL): the error, attempt from 1. */
	void (*retrying)(void *arg, const char *realm_id, int r,
	    unsigned int attempt, unsigned int wait_ms);
	void *retrying_arg;
	/* Non-zero (set by a signal handler): stop, SCEAU_ERR_INTERRUPTED. */
	const volatile sig_atomic_t *stop;
};

/*
 * Syncs one workspace.  stats (may be NULL) counts what moved, over every
 * attempt.
 */
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

/*
 * The automatic mode: syncs, then listens to the server's events and
 * syncs a workspace again when someone changed it (a vlob event), every
 * workspace when the organization's records changed (roles, keys, new
 * workspaces), and every workspace every interval_s (changes made here
 * by other processes, events missed while not listening).  An unreachable
 * server is tried again after a wait that doubles up to backoff_max_s.
 */
struct sceau_sync_watch {
	const char *realm_id; /* NULL: every workspace of the user */
	unsigned int interval_s; /* 0: 30 */
	unsigned int backoff_max_s; /* 0: 60 */
	/*
	 * Called after each workspace's sync with its result (0 or an error)
	 * and what moved, and with realm_id and st NULL when the server is
	 * away (result: why) before the watch waits; non-zero stops the
	 * watch, which returns it.
	 */
	int (*report)(void *arg, const char *realm_id, int result,
	    const struct sceau_sync_stats *st, double seconds);
	void *arg;
	/*
	 * May be NULL.  Set by another thread (local changes were made):
	 * the watch stops listening, clears it and syncs every workspace.
	 * Set it with opts->stop too, to stop a watch that is listening.
	 */
	volatile sig_atomic_t *wake;
	/*
	 * May be NULL.  After a wake: the workspaces to sync (their ids into
	 * ids, at most max), taken from what woke the watch; 0 means every
	 * workspace.  Called from the watch's thread.
	 */
	size_t (*woken)(void *arg, char (*ids)[SCEAU_ID_LEN + 1], size_t max);
	/*
	 * May be NULL.  Called after each pass that read the chain (the
	 * server reachable), and again when the time it asked for comes:
	 * work of the caller's that follows the chain (key rotations).
	 * Returns in how many milliseconds to be called again without a
	 * pass (a rotation the policy lets wait), or a negative number
	 * for at the next pass only.  Called from the watch's thread.
	 */
	long (*pass)(void *arg);
};

/*
 * Runs until *opts->stop is set (then 0) or report() asks to stop, or an
 * error no wait can mend (the device revoked, the organization gone).
 * opts->retries does not apply: the watch waits and tries again forever.
 */
int sceau_sync_watch(struct sceau_client *c, const struct sceau_sync_opts *opts,
    const struct sceau_sync_watch *w) SCEAU_WUR;

/*
 * Waits ms milliseconds, waking every 100 ms to look at *stop (may be
 * NULL); SCEAU_ERR_INTERRUPTED when it was set.
 */
int sceau_sync_sleep(unsigned int ms, const volatile sig_atomic_t *stop);

#endif /* SCEAU_SYNC_H */
