/*
 * bgsync.c: the agent's background sync, one thread per unlocked device.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "http.h"
#include "log.h"
#include "state.h"
#include "store.h"
#include "bgsync.h"
#include "sync.h"
#include "token.h"
#include "x509.h"

#define SYNC_REALMS_MAX 256 /* workspaces whose state is kept per device */
#define SYNC_INTERVAL_S 30 /* a pass over every workspace at least */
#define SYNC_BACKOFF_MAX_S 60
#define SYNC_RESTART_MS 5000 /* after the watch itself failed */
#define SYNC_WOKE_MAX 32 /* workspaces named by wakes; past it, all */
#define ROTATE_RETRY_S 300 /* after a failed key rotation */
#define PASS_MAX_MS 3600000L /* the longest wait w.pass asks for */
#define X509_INTERVAL_S 600 /* cards checked for revocation at most so often */

struct agent_sync {
	struct agent_state *st;
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
	struct sceau_client_opts opts;
	pthread_t thread;
	struct sceau_client *c; /* the thread's own, without keys */
	volatile sig_atomic_t stop, wake;
	pthread_mutex_t mu; /* guards what follows */
	/* What woke the thread: these workspaces, or every one (all). */
	char woke[SYNC_WOKE_MAX][SCEAU_ID_LEN + 1];
	size_t nwoke;
	int woke_all;
	struct sceau_agent_sync_entry dev; /* realm "": the device */
	struct sceau_agent_sync_entry realms[SYNC_REALMS_MAX];
	size_t n;
	uint64_t rotate_after_us; /* no rotation tried before (a failure) */
	uint64_t x509_interval_us; /* between two checks of the cards */
	uint64_t x509_next_us; /* the next check of the cards */
};

/* ------------------------------------------------------------ the keys */

static int
y_sign(void *arg, const void *m, size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	struct agent_sync *y = arg;

	return agent_state_sign(y->st, y->org, y->device, m, n, sig);
}

static int
y_token_sign(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	struct agent_sync *y = arg;

	return agent_state_token_sign(
	    y->st, y->org, y->device, tbs, n, alg, sig);
}

static int
y_realm_key(void *arg, const char *realm_id, uint32_t index, uint8_t key[32])
{
	struct agent_sync *y = arg;

	return agent_state_realm_key(
	    y->st, y->org, y->device, realm_id, index, key);
}

/* ----------------------------------------------------------- the state */

/* The entry of realm (added if new and room is left); y->mu held. */
static struct sceau_agent_sync_entry *
realm_entry(struct agent_sync *y, const char *realm)
{
	struct sceau_agent_sync_entry *e;
	size_t i;

	for (i = 0; i < y->n; i++)
		if (strcmp(y->realms[i].realm, realm) == 0)
			return &y->realms[i];
	if (y->n == SYNC_REALMS_MAX)
		return NULL;
	e = &y->realms[y->n++];
	*e = y->dev;
	(void)snprintf(e->realm, sizeof(e->realm), "%s", realm);
	e->state = SCEAU_AGENT_SYNC_STARTING;
	e->pending = 0;
	e->error = 0;
	e->last_us = 0;
	return e;
}

static int
count_cb(void *arg, const char *vlob_id)
{
	(void)vlob_id;
	(*(uint32_t *)arg)++;
	return 0;
}

/* Local changes of realm not sent yet. */
static uint32_t
pending_of(struct sceau_client *c, const char *realm)
{
	uint32_t n = 0;

	if (sceau_store_vlob_dirty(
	        sceau_client_store(c), realm, count_cb, &n) != 0)
		return 0;
	return n;
}

static void
set_state(struct sceau_agent_sync_entry *e, int r, uint32_t pending)
{
	e->error = r;
	e->pending = pending;
	if (r == 0)
		e->state = pending > 0 ? SCEAU_AGENT_SYNC_PENDING
		                       : SCEAU_AGENT_SYNC_UP_TO_DATE;
	else if (sceau_http_retryable(r))
		e->state = SCEAU_AGENT_SYNC_OFFLINE;
	else
		e->state = SCEAU_AGENT_SYNC_ERROR;
	e->last_us = sceau_client_now_us();
}

/* After each workspace's sync, or with realm NULL when offline. */
static int
on_report(void *arg, const char *realm, int r,
    const struct sceau_sync_stats *st, double secs)
{
	struct agent_sync *y = arg;
	struct sceau_agent_sync_entry *e;
	uint32_t pending = realm != NULL ? pending_of(y->c, realm) : 0;
	size_t i;

	(void)secs;
	(void)pthread_mutex_lock(&y->mu);
	if (realm == NULL) {
		set_state(&y->dev, r, 0);
		for (i = 0; i < y->n; i++) {
			y->realms[i].state = SCEAU_AGENT_SYNC_OFFLINE;
			y->realms[i].error = r;
		}
	} else {
		if ((e = realm_entry(y, realm)) != NULL)
			set_state(e, r, pending);
		if (r == 0 || sceau_http_retryable(r) == 0)
			set_state(&y->dev, 0, 0);
		if (st != NULL && (st->vlobs_up > 0 || st->vlobs_down > 0))
			debug_f("sync %s/%s: %llu up, %llu down", y->org, realm,
			    (unsigned long long)st->vlobs_up,
			    (unsigned long long)st->vlobs_down);
	}
	(void)pthread_mutex_unlock(&y->mu);
	return 0;
}

static void
set_device_error(struct agent_sync *y, int r)
{
	(void)pthread_mutex_lock(&y->mu);
	set_state(&y->dev, r, 0);
	(void)pthread_mutex_unlock(&y->mu);
}

/* ------------------------------------------------ after each pass */

/* A key rotation made, failed, or waiting for the policy's delay. */
static void
on_rotation(void *arg, const struct sceau_rotation *rot)
{
	struct agent_sync *y = arg;

	if (rot->result != 0)
		warn_f("%s/%s: rotating the key of workspace %s (certificate "
		       "%llu took a reader away) failed: %s; trying again in "
		       "%d s",
		    y->org, y->device, rot->realm_id,
		    (unsigned long long)rot->cause_index,
		    sceau_strerror(rot->result), ROTATE_RETRY_S);
	else if (rot->key_index != 0)
		info_f("%s/%s: workspace %s now uses key %u (certificate %llu "
		       "took a reader away)",
		    y->org, y->device, rot->realm_id, rot->key_index,
		    (unsigned long long)rot->cause_index);
	else
		debug_f("%s/%s: workspace %s: its key rotates in %llu ms",
		    y->org, y->device, rot->realm_id,
		    (unsigned long long)((rot->due_us -
		                             SCEAU_MIN(rot->due_us,
		                                 sceau_client_now_us())) /
		        1000u));
}

/* 1 when this device's user is an admin under a policy that asks it. */
static int
x509_may_apply(const struct agent_sync *y)
{
	const struct sceau_chain_user *self = sceau_client_self(y->c);

	return self != NULL && self->profile == SCEAU_PROFILE_ADMIN &&
	    sceau_policy_x509_revokes_user(
	        sceau_chain_policy(sceau_client_chain(y->c), NULL));
}

/* A card its CA revoked, and its user revoked here (or not). */
static void
on_x509_revocation(void *arg, const struct sceau_x509_revocation *rev)
{
	struct agent_sync *y = arg;

	if (rev->result != 0)
		warn_f("%s/%s: the card of device %s (%s, serial %s) is "
		       "revoked by its CA, but revoking user %s failed: %s",
		    y->org, y->device, rev->device_id, rev->subject,
		    rev->serial, rev->user_id, sceau_strerror(rev->result));
	else
		info_f("%s/%s: user %s revoked in the organization: the card "
		       "of device %s (%s, serial %s) is revoked by its CA "
		       "(%s), and the organization policy says "
		       "x509-revokes-user",
		    y->org, y->device, rev->user_id, rev->device_id,
		    rev->subject, rev->serial,
		    sceau_x509_reason_name(rev->reason));
}

/*
 * The cards of the organization checked against their CA's revocations,
 * when the policy asks it of admins: at most every x509_interval_us,
 * whatever comes of it (a failure is said, and waits for the next turn).
 */
static void
check_cards(struct agent_sync *y, uint64_t now)
{
	size_t n = 0;

	if (now < y->x509_next_us || !x509_may_apply(y))
		return;
	y->x509_next_us = now + y->x509_interval_us;
	if (sceau_client_x509_revocations(
	        y->c, &y->opts, on_x509_revocation, y, &n) != 0)
		sceau_message_clear(); /* said by on_x509_revocation */
	debug_f(
	    "%s/%s: %zu cards checked for revocation", y->org, y->device, n);
}

/*
 * After each pass (the chain read again): the keys of the workspaces
 * this user owns that someone lost access to, once the policy's delay has
 * passed.  Nothing goes to the server unless one is due.  Returns when to
 * be called again (a rotation to come), or -1.
 */
static long
y_pass(void *arg)
{
	struct agent_sync *y = arg;
	uint64_t now = sceau_client_now_us(), next = 0;
	long ms = -1;

	/* First: a user it revokes has keys to rotate next. */
	check_cards(y, now);
	if (now >= y->rotate_after_us) {
		if (sceau_client_rotate_due(y->c, now, on_rotation, y, &next) !=
		    0) {
			/* Said by on_rotation; not again at every pass. */
			sceau_message_clear();
			y->rotate_after_us = now + ROTATE_RETRY_S * 1000000ull;
			next = y->rotate_after_us;
		}
	} else
		next = y->rotate_after_us;
	/* The next check of the cards, when the policy asks for them. */
	if (x509_may_apply(y) && (next == 0 || y->x509_next_us < next))
		next = y->x509_next_us;
	if (next > now)
		ms = (long)SCEAU_MIN(
		    (next - now) / 1000u, (uint64_t)PASS_MAX_MS);
	return ms;
}

/* ---------------------------------------------------------- the thread */

/*
 * Seconds between two checks of the cards: SCEAU_AGENT_X509_INTERVAL
 * (1 to 86400; tests make it short), else X509_INTERVAL_S.
 */
static uint64_t
x509_interval_s(void)
{
	const char *v = getenv("SCEAU_AGENT_X509_INTERVAL");
	unsigned long long n;
	char *end;

	if (v == NULL || v[0] < '0' || v[0] > '9')
		return X509_INTERVAL_S;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end != '\0' || errno != 0 || n < 1 || n > 86400)
		return X509_INTERVAL_S;
	return n;
}

static size_t take_woke(void *arg, char (*ids)[SCEAU_ID_LEN + 1], size_t max);

static void *
sync_main(void *arg)
{
	struct agent_sync *y = arg;
	struct sceau_client_remote rm;
	struct sceau_sync_opts o;
	struct sceau_sync_watch w;
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN];
	int r;

	memset(&rm, 0, sizeof(rm));
	if ((r = agent_state_device_key(y->st, y->org, y->device, vk)) != 0) {
		set_device_error(y, r);
		return NULL;
	}
	y->x509_interval_us = x509_interval_s() * 1000000ull;
	memcpy(rm.device_vk, vk, sizeof(vk));
	rm.has_device_vk = 1;
	rm.sign = y_sign;
	rm.token_sign = y_token_sign;
	rm.realm_key = y_realm_key;
	rm.arg = y;
	if ((r = sceau_client_open_remote(
	         y->org, y->device, &rm, &y->opts, &y->c)) != 0) {
		warn_f("sync of %s/%s cannot start: %s", y->org, y->device,
		    sceau_strerror(r));
		set_device_error(y, r);
		return NULL;
	}
	while (!y->stop) {
		memset(&o, 0, sizeof(o));
		o.stop = &y->stop;
		memset(&w, 0, sizeof(w));
		w.interval_s = SYNC_INTERVAL_S;
		w.backoff_max_s = SYNC_BACKOFF_MAX_S;
		w.report = on_report;
		w.arg = y;
		w.wake = &y->wake;
		w.woken = take_woke;
		w.pass = y_pass;
		y->wake = 0;
		r = sceau_sync_watch(y->c, &o, &w);
		if (y->stop)
			break;
		/* The device revoked, the organization gone: say so, retry. */
		warn_f("sync of %s/%s stopped: %s", y->org, y->device,
		    sceau_strerror(r));
		set_device_error(y, r != 0 ? r : SCEAU_ERR_INTERNAL);
		(void)sceau_sync_sleep(SYNC_RESTART_MS, &y->stop);
	}
	sceau_client_close(y->c);
	y->c = NULL;
	return NULL;
}

int
agent_sync_start(struct agent_state *s, const char *org, const char *device,
    const struct sceau_client_opts *opts, struct agent_sync **yp)
{
	struct agent_sync *y;

	*yp = NULL;
	if ((y = sceau_calloc(1, sizeof(*y))) == NULL)
		return SCEAU_ERR_ALLOC;
	y->st = s;
	(void)snprintf(y->org, sizeof(y->org), "%s", org);
	(void)snprintf(y->device, sizeof(y->device), "%s", device);
	if (opts != NULL)
		y->opts = *opts;
	memcpy(y->dev.org, y->org, sizeof(y->dev.org));
	memcpy(y->dev.device, y->device, sizeof(y->dev.device));
	y->dev.state = SCEAU_AGENT_SYNC_STARTING;
	if (pthread_mutex_init(&y->mu, NULL) != 0) {
		sceau_free(y);
		return SCEAU_ERR_SYSTEM;
	}
	if (pthread_create(&y->thread, NULL, sync_main, y) != 0) {
		(void)pthread_mutex_destroy(&y->mu);
		sceau_free(y);
		return SCEAU_ERR_SYSTEM;
	}
	*yp = y;
	return 0;
}

void
agent_sync_stop(struct agent_sync *y)
{
	if (y == NULL)
		return;
	y->stop = 1;
	y->wake = 1; /* a watch that listens stops listening */
	(void)pthread_join(y->thread, NULL);
	(void)pthread_mutex_destroy(&y->mu);
	sceau_free(y);
}

/* Remembers what woke the thread (y->mu held). */
static void
note_woke(struct agent_sync *y, const char *realm_id)
{
	size_t i;

	if (realm_id == NULL || realm_id[0] == '\0' ||
	    y->nwoke == SYNC_WOKE_MAX) {
		y->woke_all = 1;
		return;
	}
	for (i = 0; i < y->nwoke; i++)
		if (strcmp(y->woke[i], realm_id) == 0)
			return;
	(void)snprintf(y->woke[y->nwoke++], sizeof(y->woke[0]), "%s", realm_id);
}

/* The watch's question after a wake: which workspaces (0: all). */
static size_t
take_woke(void *arg, char (*ids)[SCEAU_ID_LEN + 1], size_t max)
{
	struct agent_sync *y = arg;
	size_t i, n = 0;

	(void)pthread_mutex_lock(&y->mu);
	if (!y->woke_all && y->nwoke <= max) {
		for (i = 0; i < y->nwoke; i++)
			memcpy(ids[i], y->woke[i], sizeof(y->woke[i]));
		n = y->nwoke;
	}
	y->nwoke = 0;
	y->woke_all = 0;
	(void)pthread_mutex_unlock(&y->mu);
	return n;
}

void
agent_sync_wake(struct agent_sync *y, const char *realm_id)
{
	struct sceau_agent_sync_entry *e;

	(void)pthread_mutex_lock(&y->mu);
	note_woke(y, realm_id);
	if (realm_id != NULL && realm_id[0] != '\0' &&
	    (e = realm_entry(y, realm_id)) != NULL &&
	    e->state != SCEAU_AGENT_SYNC_ERROR) {
		e->state = SCEAU_AGENT_SYNC_PENDING;
		if (e->pending == 0)
			e->pending = 1;
	}
	(void)pthread_mutex_unlock(&y->mu);
	y->wake = 1;
}

void
agent_sync_status(struct agent_sync *y, struct sceau_agent_sync_entry *e,
    size_t max, size_t *n)
{
	size_t i;

	(void)pthread_mutex_lock(&y->mu);
	if (*n < max)
		e[(*n)++] = y->dev;
	for (i = 0; i < y->n && *n < max; i++)
		e[(*n)++] = y->realms[i];
	(void)pthread_mutex_unlock(&y->mu);
}
