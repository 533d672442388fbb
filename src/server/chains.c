/*
 * chains.c: per-organization chain cache (see chains.h).
 *
 * Entries live in a fixed hash table of linked lists under one table
 * mutex, held only to find or add an entry; each entry has its own mutex
 * for its chain.  Entries are never removed, so a pointer to one stays
 * valid after the table mutex is released.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chains.h"
#include "errors.h"
#include "log.h"

#define CHAINS_BUCKETS 256
/* Certificates read per backend call while catching up. */
#define CHAINS_BATCH 1000

struct srv_chain_entry {
	struct srv_chain_entry *next;
	pthread_mutex_t lock;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_chain *chain;
	uint64_t last_time;
};

struct srv_chains {
	struct srv_backend *be;
	pthread_mutex_t lock;
	struct srv_chain_entry *buckets[CHAINS_BUCKETS];
};

int
srv_chains_new(struct srv_backend *be, struct srv_chains **out)
{
	struct srv_chains *cc;

	*out = NULL;
	if ((cc = sceau_calloc(1, sizeof(*cc))) == NULL)
		return SCEAU_ERR_ALLOC;
	if (pthread_mutex_init(&cc->lock, NULL) != 0) {
		sceau_free(cc);
		return SCEAU_ERR_SYSTEM;
	}
	cc->be = be;
	*out = cc;
	return 0;
}

void
srv_chains_free(struct srv_chains *cc)
{
	struct srv_chain_entry *e, *next;
	size_t i;

	if (cc == NULL)
		return;
	for (i = 0; i < CHAINS_BUCKETS; i++) {
		for (e = cc->buckets[i]; e != NULL; e = next) {
			next = e->next;
			sceau_chain_free(e->chain);
			(void)pthread_mutex_destroy(&e->lock);
			sceau_free(e);
		}
	}
	(void)pthread_mutex_destroy(&cc->lock);
	sceau_free(cc);
}

static size_t
chains_bucket(const char *org_id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *org_id != '\0'; org_id++)
		h = (h ^ (uint8_t)*org_id) * 16777619u;
	return h % CHAINS_BUCKETS;
}

static int
chains_entry(
    struct srv_chains *cc, const char *org_id, struct srv_chain_entry **out)
{
	struct srv_chain_entry *e;
	size_t b = chains_bucket(org_id);
	int r = 0;

	(void)pthread_mutex_lock(&cc->lock);
	for (e = cc->buckets[b]; e != NULL; e = e->next) {
		if (strcmp(e->org_id, org_id) == 0)
			break;
	}
	if (e == NULL) {
		if ((e = sceau_calloc(1, sizeof(*e))) == NULL) {
			r = SCEAU_ERR_ALLOC;
		} else if (pthread_mutex_init(&e->lock, NULL) != 0) {
			sceau_free(e);
			e = NULL;
			r = SCEAU_ERR_SYSTEM;
		} else {
			(void)snprintf(
			    e->org_id, sizeof(e->org_id), "%s", org_id);
			e->next = cc->buckets[b];
			cc->buckets[b] = e;
		}
	}
	(void)pthread_mutex_unlock(&cc->lock);
	*out = e;
	return r;
}

static void
chains_drop(struct srv_chain_entry *e)
{
	sceau_chain_free(e->chain);
	e->chain = NULL;
	e->last_time = 0;
}

/* Applies one stored certificate (already validated when stored). */
static int
chains_apply(void *arg, const struct srv_cert_row *row)
{
	struct srv_chain_entry *e = arg;
	int r;

	if (row->index != sceau_chain_last_index(e->chain) + 1) {
		sceau_message("organization %s: stored index %llu out of order",
		    e->org_id, (unsigned long long)row->index);
		return SCEAU_ERR_STORE_CORRUPT;
	}
	r = sceau_chain_append_trusted(
	    e->chain, row->envelope, row->envelope_len, row->server_time, NULL);
	if (r != 0) {
		error_r(r, "organization %s: stored certificate %llu refused",
		    e->org_id, (unsigned long long)row->index);
		return SCEAU_ERR_STORE_CORRUPT;
	}
	e->last_time = row->server_time;
	return 0;
}

static int
chains_catch_up(
    struct srv_chains *cc, struct srv_chain_entry *e, const struct srv_org *org)
{
	uint64_t last;
	int r;

	if (e->chain != NULL &&
	    memcmp(e->root_vk, org->root_vk, sizeof(e->root_vk)) != 0)
		chains_drop(e); /* the database was replaced */
	if (e->chain == NULL) {
		if ((r = sceau_chain_new(
		         org->org_id, org->root_vk, &e->chain)) != 0)
			return r;
		memcpy(e->root_vk, org->root_vk, sizeof(e->root_vk));
	}
	while ((last = sceau_chain_last_index(e->chain)) < org->last_index) {
		r = cc->be->ops->cert_list(cc->be, org->org_id, last + 1,
		    CHAINS_BATCH, chains_apply, e);
		if (r != 0)
			return r;
		/* Nothing new was read: the database lost certificates. */
		if (sceau_chain_last_index(e->chain) == last) {
			sceau_message("organization %s: certificate %llu "
			              "missing",
			    org->org_id, (unsigned long long)last + 1);
			return SCEAU_ERR_STORE_CORRUPT;
		}
	}
	return 0;
}

int
srv_chains_lock(
    struct srv_chains *cc, const struct srv_org *org, struct srv_chain_lock *lk)
{
	struct srv_chain_entry *e;
	int r;

	memset(lk, 0, sizeof(*lk));
	if ((r = chains_entry(cc, org->org_id, &e)) != 0)
		return r;
	(void)pthread_mutex_lock(&e->lock);
	if (!org->bootstrapped) {
		chains_drop(e);
	} else if ((r = chains_catch_up(cc, e, org)) != 0) {
		chains_drop(e);
		(void)pthread_mutex_unlock(&e->lock);
		return r;
	}
	lk->entry = e;
	lk->chain = e->chain;
	return 0;
}

void
srv_chains_unlock(struct srv_chain_lock *lk)
{
	if (lk->entry == NULL)
		return;
	(void)pthread_mutex_unlock(&lk->entry->lock);
	memset(lk, 0, sizeof(*lk));
}

void
srv_chains_invalidate(struct srv_chain_lock *lk)
{
	chains_drop(lk->entry);
	lk->chain = NULL;
}

uint64_t
srv_chains_last_time(const struct srv_chain_lock *lk)
{
	return lk->entry->last_time;
}

void
srv_chains_set_last_time(struct srv_chain_lock *lk, uint64_t t)
{
	lk->entry->last_time = t;
}
