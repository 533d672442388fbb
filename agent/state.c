/*
 * state.c: the agent's unlocked devices (doc/agent-protocol.md, UNLOCK
 * and LOCK), shared by the main thread (requests) and the sync threads
 * (their clients' keys): one mutex guards the table and every use of an
 * unlocked client.  A device is locked in two steps: taken out of the
 * table under the mutex, then its sync thread stopped and its client
 * closed (keys wiped, card logged out) without it, since a sync thread
 * may be waiting for the mutex to ask for a signature.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "keyfile.h"
#include "paths.h"
#include "secmem.h"
#include "state.h"
#include "bgsync.h"
#include "token.h"
#include "wspolicy.h"

struct agent_dev {
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
	struct sceau_client *client; /* NULL: a free slot */
	struct agent_sync *sync; /* NULL: no background sync */
	uint64_t unlocked_us;
	uint64_t used_us;
	unsigned long ops_at_unlock;
};

struct agent_state {
	pthread_mutex_t mu;
	struct sceau_client_opts opts;
	uint32_t idle_timeout_s;
	uint64_t started_us;
	int sync;
	struct agent_dev devs[SCEAU_AGENT_LIST_MAX];
};

struct agent_state *
agent_state_new(const struct sceau_client_opts *opts, uint32_t idle_timeout_s)
{
	struct agent_state *s = sceau_calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		sceau_free(s);
		return NULL;
	}
	if (opts != NULL)
		s->opts = *opts;
	s->idle_timeout_s = idle_timeout_s;
	s->started_us = sceau_client_now_us();
	return s;
}

void
agent_state_set_sync(struct agent_state *s, int on)
{
	s->sync = on;
}

/* Stops a device taken out of the table: its sync, then its client. */
static void
dev_close(struct agent_dev *d)
{
	agent_sync_stop(d->sync);
	sceau_client_close(d->client);
	sceau_memzero(d, sizeof(*d));
}

/* Takes the devices keep() selects out of the table; their number. */
static uint32_t
take_out(struct agent_state *s, int (*keep)(struct agent_dev *, void *),
    void *arg, struct agent_dev *out)
{
	uint32_t n = 0;
	size_t i;

	(void)pthread_mutex_lock(&s->mu);
	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++) {
		if (s->devs[i].client == NULL || keep(&s->devs[i], arg))
			continue;
		out[n++] = s->devs[i];
		memset(&s->devs[i], 0, sizeof(s->devs[i]));
	}
	(void)pthread_mutex_unlock(&s->mu);
	return n;
}

static uint32_t
close_all(struct agent_dev *out, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		dev_close(&out[i]);
	return n;
}

static int
keep_none(struct agent_dev *d, void *arg)
{
	(void)d;
	(void)arg;
	return 0;
}

uint32_t
agent_state_lock_all(struct agent_state *s)
{
	struct agent_dev out[SCEAU_AGENT_LIST_MAX];

	return close_all(out, take_out(s, keep_none, NULL, out));
}

static int
keep_present(struct agent_dev *d, void *arg)
{
	struct sceau_token *t = sceau_client_token(d->client);

	(void)arg;
	return t == NULL || sceau_token_present(t) == 0;
}

uint32_t
agent_state_lock_absent(struct agent_state *s)
{
	struct agent_dev out[SCEAU_AGENT_LIST_MAX];

	return close_all(out, take_out(s, keep_present, NULL, out));
}

void
agent_state_free(struct agent_state *s)
{
	if (s == NULL)
		return;
	(void)agent_state_lock_all(s);
	(void)pthread_mutex_destroy(&s->mu);
	sceau_free(s);
}

static int
matches(const struct agent_dev *d, const char *org, const char *device)
{
	return d->client != NULL &&
	    (org[0] == '\0' || strcmp(org, d->org) == 0) &&
	    (device[0] == '\0' || strcmp(device, d->device) == 0);
}

/* The one unlocked device matching; NULL with *r set otherwise (mu held). */
static struct agent_dev *
find(struct agent_state *s, const char *org, const char *device, int *r)
{
	struct agent_dev *found = NULL;
	size_t i;

	*r = SCEAU_ERR_AGENT_LOCKED;
	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++) {
		if (!matches(&s->devs[i], org, device))
			continue;
		if (found != NULL) {
			*r = SCEAU_ERR_AMBIGUOUS_DEVICE;
			return NULL;
		}
		found = &s->devs[i];
	}
	if (found != NULL)
		*r = 0;
	return found;
}

/* Finds and stamps the device (mu held). */
static struct agent_dev *
use(struct agent_state *s, const char *org, const char *device, int *r)
{
	struct agent_dev *d = find(s, org, device, r);

	if (d == NULL) {
		if (*r == SCEAU_ERR_AGENT_LOCKED)
			sceau_message("unlock it with \"sceau unlock\"");
		return NULL;
	}
	d->used_us = sceau_client_now_us();
	return d;
}

int
agent_state_sign(struct agent_state *s, const char *org, const char *device,
    const void *m, size_t n, uint8_t sig[SCEAU_SIGN_SIG_LEN])
{
	struct agent_dev *d;
	int r;

	(void)pthread_mutex_lock(&s->mu);
	if ((d = use(s, org, device, &r)) != NULL)
		r = sceau_client_sign_statement(d->client, m, n, sig);
	(void)pthread_mutex_unlock(&s->mu);
	return r;
}

int
agent_state_token_sign(struct agent_state *s, const char *org,
    const char *device, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	struct agent_dev *d;
	int r;

	(void)pthread_mutex_lock(&s->mu);
	if ((d = use(s, org, device, &r)) != NULL)
		r = sceau_client_token_sign_statement(
		    d->client, tbs, n, alg, sig);
	(void)pthread_mutex_unlock(&s->mu);
	return r;
}

int
agent_state_device_key(struct agent_state *s, const char *org,
    const char *device, uint8_t pk[SCEAU_SIGN_PUBLIC_LEN])
{
	struct agent_dev *d;
	int r;

	(void)pthread_mutex_lock(&s->mu);
	if ((d = find(s, org, device, &r)) != NULL)
		sceau_sign_public(sceau_client_keys(d->client)->device_key, pk);
	(void)pthread_mutex_unlock(&s->mu);
	return r;
}

int
agent_state_realm_key(struct agent_state *s, const char *org,
    const char *device, const char *realm, uint32_t index, uint8_t key[32])
{
	struct agent_dev *d;
	int r;

	if (realm == NULL || realm[0] == '\0')
		return SCEAU_ERR_INVALID_ARGUMENT;
	(void)pthread_mutex_lock(&s->mu);
	if ((d = use(s, org, device, &r)) != NULL)
		r = sceau_client_realm_key(d->client, realm, index, key);
	(void)pthread_mutex_unlock(&s->mu);
	return r;
}

/* What unlocks the key file of d: checked against kind, token opened. */
static int
make_auth(const struct sceau_paths_device *d, int kind, const uint8_t *secret,
    size_t n, struct sceau_keyfile_auth *auth)
{
	struct sceau_keyfile_info info;
	char path[SCEAU_PATHS_MAX];
	struct sceau_token *t = NULL;
	int r;

	memset(auth, 0, sizeof(*auth));
	if ((r = sceau_paths_device_file(d->org_id, d->device_id,
	         SCEAU_PATHS_KEY_FILE, 0, path)) != 0 ||
	    (r = sceau_keyfile_read_info(path, &info)) != 0)
		return r;
	/* The workstation policy's servers, organizations, methods. */
	if ((r = sceau_wspolicy_device(&info)) != 0)
		return r;
	if ((int)info.protection != kind) {
		sceau_message("the device is protected by its %s",
		    sceau_keyfile_protection_name(info.protection));
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	auth->kind = info.protection;
	if (kind == SCEAU_KEYFILE_PASSWORD) {
		auth->password = (const char *)secret;
		auth->password_len = n;
	} else if (kind == SCEAU_KEYFILE_TOKEN) {
		if ((r = sceau_token_open(info.token_uri, &t)) != 0)
			return r;
		if ((r = sceau_token_login(t, n > 0 ? secret : NULL, n)) != 0) {
			sceau_token_close(t);
			return r;
		}
		auth->token = t;
	}
	return 0;
}

static struct agent_dev *
free_slot(struct agent_state *s)
{
	size_t i;

	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++)
		if (s->devs[i].client == NULL)
			return &s->devs[i];
	return NULL;
}

/* Opens device pd into slot d (mu held). */
static int
open_into(struct agent_state *s, const struct sceau_paths_device *pd,
    struct agent_dev *d, int kind, const uint8_t *secret, size_t n)
{
	struct sceau_keyfile_auth auth;
	struct sceau_client *c = NULL;
	int r;

	if ((r = make_auth(pd, kind, secret, n, &auth)) != 0)
		return r;
	/* The client takes the token, even when the open fails. */
	if ((r = sceau_client_open(
	         pd->org_id, pd->device_id, &auth, &s->opts, &c)) != 0)
		return r;
	/* A card whose certificate is revoked or expired unlocks nothing. */
	if ((r = sceau_client_token_check(c, &s->opts, NULL)) != 0) {
		sceau_client_close(c);
		return r;
	}
	memcpy(d->org, pd->org_id, sizeof(d->org));
	memcpy(d->device, pd->device_id, sizeof(d->device));
	d->client = c;
	d->unlocked_us = d->used_us = sceau_client_now_us();
	d->ops_at_unlock = sceau_client_token(c) != NULL
	    ? sceau_token_ops(sceau_client_token(c))
	    : 0;
	if (s->sync &&
	    agent_sync_start(s, d->org, d->device, &s->opts, &d->sync) != 0)
		d->sync = NULL; /* the device works; only its sync waits */
	return 0;
}

int
agent_state_unlock(struct agent_state *s, const char *org, const char *device,
    int kind, const uint8_t *secret, size_t n,
    char org_out[SCEAU_ORG_ID_MAX + 1], char dev_out[SCEAU_ID_LEN + 1])
{
	struct sceau_paths_device pd;
	struct agent_dev *d;
	int r;

	org_out[0] = dev_out[0] = '\0';
	if ((r = sceau_paths_find_device(
	         org != NULL && org[0] != '\0' ? org : NULL,
	         device != NULL && device[0] != '\0' ? device : NULL, &pd)) !=
	    0)
		return r;
	memcpy(org_out, pd.org_id, sizeof(pd.org_id));
	memcpy(dev_out, pd.device_id, sizeof(pd.device_id));
	(void)pthread_mutex_lock(&s->mu);
	if (find(s, pd.org_id, pd.device_id, &r) != NULL)
		r = 0;
	else if ((d = free_slot(s)) == NULL)
		r = SCEAU_ERR_LIMIT_EXCEEDED;
	else
		r = open_into(s, &pd, d, kind, secret, n);
	(void)pthread_mutex_unlock(&s->mu);
	return r;
}

struct lock_sel {
	const char *org, *device;
};

static int
keep_unselected(struct agent_dev *d, void *arg)
{
	const struct lock_sel *sel = arg;

	return !matches(d, sel->org, sel->device);
}

int
agent_state_lock(struct agent_state *s, const char *org, const char *device,
    int all, uint32_t *count)
{
	struct agent_dev out[SCEAU_AGENT_LIST_MAX];
	struct lock_sel sel = {org, device};
	int r;

	*count = 0;
	if (all) {
		*count = agent_state_lock_all(s);
		return 0;
	}
	/* Exactly one device: ambiguity is refused before anything moves. */
	(void)pthread_mutex_lock(&s->mu);
	(void)find(s, org, device, &r);
	(void)pthread_mutex_unlock(&s->mu);
	if (r != 0)
		return r;
	*count = close_all(out, take_out(s, keep_unselected, &sel, out));
	return *count > 0 ? 0 : SCEAU_ERR_AGENT_LOCKED;
}

size_t
agent_state_list(struct agent_state *s, struct sceau_agent_entry *e, size_t max)
{
	const struct sceau_keyfile_info *info;
	const struct agent_dev *d;
	struct sceau_token *t;
	size_t i, n = 0;

	(void)pthread_mutex_lock(&s->mu);
	for (i = 0; i < SCEAU_AGENT_LIST_MAX && n < max; i++) {
		d = &s->devs[i];
		if (d->client == NULL)
			continue;
		info = sceau_client_info(d->client);
		memset(&e[n], 0, sizeof(e[n]));
		memcpy(e[n].org, d->org, sizeof(e[n].org));
		memcpy(e[n].device, d->device, sizeof(e[n].device));
		memcpy(e[n].user, info->user_id, sizeof(e[n].user));
		(void)snprintf(
		    e[n].label, sizeof(e[n].label), "%s", info->device_label);
		e[n].protection = (uint8_t)info->protection;
		e[n].unlocked_us = d->unlocked_us;
		e[n].used_us = d->used_us;
		t = sceau_client_token(d->client);
		e[n].token_ops =
		    t != NULL ? sceau_token_ops(t) - d->ops_at_unlock : 0;
		sceau_sign_public(
		    sceau_client_keys(d->client)->device_key, e[n].verify_key);
		n++;
	}
	(void)pthread_mutex_unlock(&s->mu);
	return n;
}

size_t
agent_state_sync_status(struct agent_state *s, const char *org,
    const char *device, struct sceau_agent_sync_entry *e, size_t max)
{
	size_t i, n = 0;

	(void)pthread_mutex_lock(&s->mu);
	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++)
		if (matches(&s->devs[i], org, device) &&
		    s->devs[i].sync != NULL)
			agent_sync_status(s->devs[i].sync, e, max, &n);
	(void)pthread_mutex_unlock(&s->mu);
	return n;
}

uint32_t
agent_state_sync_wake(struct agent_state *s, const char *org,
    const char *device, const char *realm)
{
	uint32_t n = 0;
	size_t i;

	(void)pthread_mutex_lock(&s->mu);
	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++) {
		if (!matches(&s->devs[i], org, device) ||
		    s->devs[i].sync == NULL)
			continue;
		agent_sync_wake(s->devs[i].sync, realm);
		n++;
	}
	(void)pthread_mutex_unlock(&s->mu);
	return n;
}

size_t
agent_state_count(struct agent_state *s)
{
	size_t i, n = 0;

	(void)pthread_mutex_lock(&s->mu);
	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++)
		n += s->devs[i].client != NULL;
	(void)pthread_mutex_unlock(&s->mu);
	return n;
}

uint32_t
agent_state_idle_timeout(const struct agent_state *s)
{
	return s->idle_timeout_s;
}

uint64_t
agent_state_started(const struct agent_state *s)
{
	return s->started_us;
}
