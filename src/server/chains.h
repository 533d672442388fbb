/*
 * chains.h: the server's in-memory copy of each organization's validated
 * certificate chain, used to validate new certificates and to look up the
 * devices that sign requests.
 *
 * The database is the truth; the cache only follows it.  Each time an
 * entry is locked it is brought up to the database's last index (reading
 * only what it lacks), so several server processes on one database stay
 * correct: a process whose copy is behind catches up before it decides,
 * and when two processes race to append the same index, the database's
 * unique (organization, index) key picks the winner and the loser drops
 * its copy (srv_chains_invalidate) and rebuilds it on next use.
 *
 * One mutex per organization serializes its appends and lookups; lookups
 * copy what they need and unlock before any signature is verified.
 * Entries are kept for the life of the process (one per organization that
 * was used).
 */
#ifndef SCEAU_SRV_CHAINS_H
#define SCEAU_SRV_CHAINS_H

#include <stdint.h>

#include "backend.h"
#include "chain.h"
#include "defs.h"

struct srv_chains;
struct srv_chain_entry;

/* A locked entry, between srv_chains_lock() and srv_chains_unlock(). */
struct srv_chain_lock {
	struct srv_chain_entry *entry;
	/* The validated chain, NULL when the organization is not bootstrapped
	 * yet.  Only valid while locked. */
	struct sceau_chain *chain;
};

int srv_chains_new(struct srv_backend *be, struct srv_chains **out) SCEAU_WUR;
void srv_chains_free(struct srv_chains *cc);

/*
 * Locks org's entry and brings its chain up to at least org->last_index
 * (org as just read from the backend).  On failure nothing is locked:
 * SCEAU_ERR_STORE_CORRUPT if stored certificates do not validate.
 */
int srv_chains_lock(struct srv_chains *cc, const struct srv_org *org,
    struct srv_chain_lock *lk) SCEAU_WUR;
void srv_chains_unlock(struct srv_chain_lock *lk);

/*
 * Drops the locked chain, after a certificate was applied to it but not
 * stored: the next lock rebuilds it from the database.
 */
void srv_chains_invalidate(struct srv_chain_lock *lk);

/* Server time (microseconds) of the last certificate of the chain. */
uint64_t srv_chains_last_time(const struct srv_chain_lock *lk);
void srv_chains_set_last_time(struct srv_chain_lock *lk, uint64_t t);

#endif /* SCEAU_SRV_CHAINS_H */
