/*
 * replay.c: the replay cache: an open-addressing hash table (linear
 * probing) of 16-byte keys with their expiry times.
 *
 * Keys are prefixes of SHA-256 outputs, so their first bytes are a
 * uniform hash already.  Nothing is deleted in place (deleting breaks
 * probe sequences): an expired slot is reused by a later insertion on the
 * same probe path, and when three quarters of the slots, or
 * max_entries of them, are in use the table is rebuilt with the live keys
 * only; if max_entries keys are still live, the new key is refused.  The
 * capacity grows up to twice max_entries, so the load stays under 3/4.
 * Rebuilds cost a pass over the table: they are rare until the cache is
 * nearly full of live keys, where every insertion pays one (an overload
 * that fails closed anyway).
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "defs.h"
#include "errors.h"
#include "replay.h"

#define REPLAY_MIN_SLOTS 4096

struct replay_slot {
	uint8_t key[SRV_REPLAY_KEY_LEN];
	uint64_t expires_ms; /* 0: empty */
};

struct srv_replay {
	pthread_mutex_t lock;
	struct replay_slot *slots;
	size_t cap; /* power of two */
	size_t max_cap;
	size_t used; /* non-empty slots, live or expired */
	size_t max_entries;
};

static size_t
replay_pow2(size_t n)
{
	size_t p = REPLAY_MIN_SLOTS;

	while (p < n)
		p <<= 1;
	return p;
}

int
srv_replay_new(size_t max_entries, struct srv_replay **out)
{
	struct srv_replay *rc;

	*out = NULL;
	if (max_entries == 0 || max_entries > ((size_t)1 << 40))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((rc = sceau_calloc(1, sizeof(*rc))) == NULL)
		return SCEAU_ERR_ALLOC;
	rc->max_entries = max_entries;
	rc->max_cap = replay_pow2(max_entries * 2);
	rc->cap = REPLAY_MIN_SLOTS;
	if ((rc->slots = sceau_calloc(rc->cap, sizeof(*rc->slots))) == NULL) {
		sceau_free(rc);
		return SCEAU_ERR_ALLOC;
	}
	if (pthread_mutex_init(&rc->lock, NULL) != 0) {
		sceau_free(rc->slots);
		sceau_free(rc);
		return SCEAU_ERR_SYSTEM;
	}
	*out = rc;
	return 0;
}

void
srv_replay_free(struct srv_replay *rc)
{
	if (rc == NULL)
		return;
	(void)pthread_mutex_destroy(&rc->lock);
	sceau_free(rc->slots);
	sceau_free(rc);
}

static size_t
replay_hash(const uint8_t key[SRV_REPLAY_KEY_LEN])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	return (size_t)h;
}

/* Inserts into a table known to hold no equal key and a free slot. */
static void
replay_put(struct replay_slot *slots, size_t cap, const uint8_t *key,
    uint64_t expires_ms)
{
	size_t i = replay_hash(key) & (cap - 1);

	while (slots[i].expires_ms != 0)
		i = (i + 1) & (cap - 1);
	memcpy(slots[i].key, key, SRV_REPLAY_KEY_LEN);
	slots[i].expires_ms = expires_ms;
}

/* Rebuilds with the live keys only; RATE_LIMITED if no room is left. */
static int
replay_rebuild(struct srv_replay *rc, uint64_t now_ms)
{
	struct replay_slot *ns;
	size_t i, live = 0, ncap;

	for (i = 0; i < rc->cap; i++) {
		if (rc->slots[i].expires_ms > now_ms)
			live++;
	}
	if (live >= rc->max_entries)
		return SCEAU_ERR_RATE_LIMITED;
	ncap = replay_pow2((live + 1) * 4);
	if (ncap > rc->max_cap)
		ncap = rc->max_cap;
	if ((ns = sceau_calloc(ncap, sizeof(*ns))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < rc->cap; i++) {
		if (rc->slots[i].expires_ms > now_ms)
			replay_put(ns, ncap, rc->slots[i].key,
			    rc->slots[i].expires_ms);
	}
	sceau_free(rc->slots);
	rc->slots = ns;
	rc->cap = ncap;
	rc->used = live;
	return 0;
}

static int
replay_check_locked(struct srv_replay *rc, const uint8_t *key,
    uint64_t expires_ms, uint64_t now_ms)
{
	struct replay_slot *s, *reuse = NULL;
	size_t i;
	int r;

	/* Past max_entries or three quarters of the table: drop the dead. */
	if (rc->used + 1 > SCEAU_MIN(rc->cap / 4 * 3, rc->max_entries) &&
	    (r = replay_rebuild(rc, now_ms)) != 0)
		return r;
	for (i = replay_hash(key) & (rc->cap - 1); rc->slots[i].expires_ms != 0;
	     i = (i + 1) & (rc->cap - 1)) {
		s = &rc->slots[i];
		if (memcmp(s->key, key, SRV_REPLAY_KEY_LEN) == 0) {
			if (s->expires_ms > now_ms)
				return SCEAU_ERR_REPLAYED;
			s->expires_ms = expires_ms;
			return 0;
		}
		if (reuse == NULL && s->expires_ms <= now_ms)
			reuse = s;
	}
	if (reuse == NULL) {
		reuse = &rc->slots[i];
		rc->used++;
	}
	memcpy(reuse->key, key, SRV_REPLAY_KEY_LEN);
	reuse->expires_ms = expires_ms;
	return 0;
}

int
srv_replay_check(struct srv_replay *rc, const uint8_t key[SRV_REPLAY_KEY_LEN],
    uint64_t expires_ms, uint64_t now_ms)
{
	int r;

	/* An entry that expires at once would never be found again. */
	if (expires_ms <= now_ms)
		expires_ms = now_ms + 1;
	(void)pthread_mutex_lock(&rc->lock);
	r = replay_check_locked(rc, key, expires_ms, now_ms);
	(void)pthread_mutex_unlock(&rc->lock);
	return r;
}

size_t
srv_replay_used(struct srv_replay *rc)
{
	size_t n;

	(void)pthread_mutex_lock(&rc->lock);
	n = rc->used;
	(void)pthread_mutex_unlock(&rc->lock);
	return n;
}
