/*
 * state.c: the agent's unlocked devices (doc/agent-protocol.md, UNLOCK
 * and LOCK).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "keyfile.h"
#include "paths.h"
#include "state.h"
#include "token.h"

struct agent_dev {
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
	struct sceau_client *client; /* NULL: a free slot */
	uint64_t unlocked_us;
	uint64_t used_us;
	unsigned long ops_at_unlock;
};

struct agent_state {
	struct sceau_client_opts opts;
	uint32_t idle_timeout_s;
	uint64_t started_us;
	struct agent_dev devs[SCEAU_AGENT_LIST_MAX];
};

struct agent_state *
agent_state_new(const struct sceau_client_opts *opts, uint32_t idle_timeout_s)
{
	struct agent_state *s = sceau_calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (opts != NULL)
		s->opts = *opts;
	s->idle_timeout_s = idle_timeout_s;
	s->started_us = sceau_client_now_us();
	return s;
}

static void
dev_lock(struct agent_dev *d)
{
	sceau_client_close(d->client);
	memset(d, 0, sizeof(*d));
}

uint32_t
agent_state_lock_all(struct agent_state *s)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++) {
		if (s->devs[i].client != NULL) {
			dev_lock(&s->devs[i]);
			n++;
		}
	}
	return n;
}

uint32_t
agent_state_lock_absent(struct agent_state *s)
{
	struct sceau_token *t;
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++) {
		if (s->devs[i].client == NULL ||
		    (t = sceau_client_token(s->devs[i].client)) == NULL ||
		    sceau_token_present(t) == 0)
			continue;
		dev_lock(&s->devs[i]);
		n++;
	}
	return n;
}

void
agent_state_free(struct agent_state *s)
{
	if (s == NULL)
		return;
	(void)agent_state_lock_all(s);
	sceau_free(s);
}

static int
matches(const struct agent_dev *d, const char *org, const char *device)
{
	return d->client != NULL &&
	    (org[0] == '\0' || strcmp(org, d->org) == 0) &&
	    (device[0] == '\0' || strcmp(device, d->device) == 0);
}

/* The one unlocked device matching; NULL with *r set otherwise. */
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

int
agent_state_find(struct agent_state *s, const char *org, const char *device,
    struct sceau_client **cp)
{
	struct agent_dev *d;
	int r;

	*cp = NULL;
	if ((d = find(s, org, device, &r)) == NULL) {
		if (r == SCEAU_ERR_AGENT_LOCKED)
			sceau_message("unlock it with \"sceau unlock\"");
		return r;
	}
	d->used_us = sceau_client_now_us();
	*cp = d->client;
	return 0;
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

int
agent_state_unlock(struct agent_state *s, const char *org, const char *device,
    int kind, const uint8_t *secret, size_t n,
    char org_out[SCEAU_ORG_ID_MAX + 1], char dev_out[SCEAU_ID_LEN + 1])
{
	struct sceau_paths_device pd;
	struct sceau_keyfile_auth auth;
	struct sceau_client *c = NULL;
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
	if (find(s, pd.org_id, pd.device_id, &r) != NULL)
		return 0;
	if ((d = free_slot(s)) == NULL)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	if ((r = make_auth(&pd, kind, secret, n, &auth)) != 0)
		return r;
	/* The client takes the token, even when the open fails. */
	if ((r = sceau_client_open(
	         pd.org_id, pd.device_id, &auth, &s->opts, &c)) != 0)
		return r;
	/* A card whose certificate is revoked or expired unlocks nothing. */
	if ((r = sceau_client_token_check(c, &s->opts, NULL)) != 0) {
		sceau_client_close(c);
		return r;
	}
	memcpy(d->org, pd.org_id, sizeof(d->org));
	memcpy(d->device, pd.device_id, sizeof(d->device));
	d->client = c;
	d->unlocked_us = d->used_us = sceau_client_now_us();
	d->ops_at_unlock = sceau_client_token(c) != NULL
	    ? sceau_token_ops(sceau_client_token(c))
	    : 0;
	return 0;
}

int
agent_state_lock(struct agent_state *s, const char *org, const char *device,
    int all, uint32_t *count)
{
	struct agent_dev *d;
	int r;

	*count = 0;
	if (all) {
		*count = agent_state_lock_all(s);
		return 0;
	}
	if ((d = find(s, org, device, &r)) == NULL)
		return r;
	dev_lock(d);
	*count = 1;
	return 0;
}

size_t
agent_state_list(
    const struct agent_state *s, struct sceau_agent_entry *e, size_t max)
{
	const struct sceau_keyfile_info *info;
	const struct agent_dev *d;
	struct sceau_token *t;
	size_t i, n = 0;

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
		n++;
	}
	return n;
}

size_t
agent_state_count(const struct agent_state *s)
{
	size_t i, n = 0;

	for (i = 0; i < SCEAU_AGENT_LIST_MAX; i++)
		n += s->devs[i].client != NULL;
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
