/*
 * state.h: the agent's unlocked devices, one open struct sceau_client per
 * (organization, device), each with its background sync.  Locking a
 * device stops its sync and closes its client, which wipes its keys and
 * cached workspace keys and closes its token.  Every function may be
 * called from any thread.
 */
#ifndef SCEAU_AGENT_STATE_H
#define SCEAU_AGENT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "defs.h"
#include "protocol.h"

struct agent_state;

/*
 * New empty state.  opts (copied, with its strings borrowed: they must
 * outlive the state) is how clients open; idle_timeout_s is reported by
 * STATUS (the program enforces it).  NULL on ENOMEM.
 */
struct agent_state *agent_state_new(
    const struct sceau_client_opts *opts, uint32_t idle_timeout_s);
/* Locks every device and frees s; NULL is allowed. */
void agent_state_free(struct agent_state *s);

/*
 * Unlocks device (NULL or "": the only one) of org (the same) with the
 * protection kind (enum sceau_keyfile_protection) and secret[0..n)
 * (password, PIN, or nothing for the keyring); the key file's protection
 * must be kind (SCEAU_ERR_INVALID_ARGUMENT).  A device already unlocked
 * is success.  org_out and dev_out name the device.
 */
int agent_state_unlock(struct agent_state *s, const char *org,
    const char *device, int kind, const uint8_t *secret, size_t n,
    char org_out[SCEAU_ORG_ID_MAX + 1], char dev_out[SCEAU_ID_LEN + 1])
    SCEAU_WUR;

/*
 * Locks device of org ("" : the only unlocked one of org, or the only
 * one), or every device with all.  *count devices were locked.
 * SCEAU_ERR_AGENT_LOCKED when none matches.
 */
int agent_state_lock(struct agent_state *s, const char *org, const char *device,
    int all, uint32_t *count) SCEAU_WUR;
/* Locks everything (idle timeout, signals); the number locked. */
uint32_t agent_state_lock_all(struct agent_state *s);
/*
 * Locks the token-backed devices whose card is gone or logged out
 * (sceau_token_present); the number locked.
 */
uint32_t agent_state_lock_absent(struct agent_state *s);

/*
 * What the unlocked device (org, device) ("" as in agent_state_lock) does
 * for a client without keys, under the state's lock, its last use
 * stamped: sceau_client_sign_statement, _token_sign_statement and
 * sceau_client_realm_key.  SCEAU_ERR_AGENT_LOCKED, _AMBIGUOUS_DEVICE.
 */
int agent_state_sign(struct agent_state *s, const char *org, const char *device,
    const void *m, size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN]) SCEAU_WUR;
int agent_state_token_sign(struct agent_state *s, const char *org,
    const char *device, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig) SCEAU_WUR;
int agent_state_device_key(struct agent_state *s, const char *org,
    const char *device, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN]) SCEAU_WUR;
int agent_state_realm_key(struct agent_state *s, const char *org,
    const char *device, const char *realm, uint32_t index, uint8_t key[32])
    SCEAU_WUR;

/* Background sync of each device unlocked from now on (agent/bgsync.h). */
void agent_state_set_sync(struct agent_state *s, int on);
/* SYNC_STATUS of the matching devices ("": any): up to max entries. */
size_t agent_state_sync_status(struct agent_state *s, const char *org,
    const char *device, struct sceau_agent_sync_entry *e, size_t max);
/* Wakes the sync of the matching devices; how many. */
uint32_t agent_state_sync_wake(struct agent_state *s, const char *org,
    const char *device, const char *realm);

/* Up to max entries describing the unlocked devices; their count. */
size_t agent_state_list(
    struct agent_state *s, struct sceau_agent_entry *e, size_t max);
size_t agent_state_count(struct agent_state *s);
uint32_t agent_state_idle_timeout(const struct agent_state *s);
uint64_t agent_state_started(const struct agent_state *s);

#endif /* SCEAU_AGENT_STATE_H */
