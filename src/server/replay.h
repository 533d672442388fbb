/*
 * replay.h: the in-memory replay cache of signed requests.
 *
 * A key (derived from organization, device and nonce) is remembered until
 * its request would fall out of the clock window anyway; a second request
 * with the same key before then is a replay.  The cache is bounded: when
 * it is full of live entries it refuses new ones (fails closed) rather
 * than forget one, which would let a captured request through.
 *
 * Thread-safe.  Used by backends that keep the cache in the process (the
 * SQLite one); a shared-database backend keeps it in the database instead.
 */
#ifndef SCEAU_SRV_REPLAY_H
#define SCEAU_SRV_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "defs.h"

struct srv_replay;

/* New cache holding at most max_entries live keys (>= 1). */
int srv_replay_new(size_t max_entries, struct srv_replay **out) SCEAU_WUR;
void srv_replay_free(struct srv_replay *rc);

/*
 * Records key until expires_ms.  0, SCEAU_ERR_REPLAYED (key recorded and
 * not expired at now_ms), SCEAU_ERR_RATE_LIMITED (full of live keys) or
 * SCEAU_ERR_ALLOC.
 */
int srv_replay_check(struct srv_replay *rc,
    const uint8_t key[SRV_REPLAY_KEY_LEN], uint64_t expires_ms, uint64_t now_ms)
    SCEAU_WUR;

/* Slots in use (live or expired), for tests. */
size_t srv_replay_used(struct srv_replay *rc);

#endif /* SCEAU_SRV_REPLAY_H */
