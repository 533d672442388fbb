/*
 * dispatch.c: requests to the agent's state (doc/agent-protocol.md,
 * section 3).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "dispatch.h"
#include "errors.h"
#include "protocol.h"
#include "secmem.h"
#include "token.h"

static int
do_hello(const struct sceau_agent_msg *q, struct sceau_agent_msg *a)
{
	if (q->version != SCEAU_AGENT_VERSION) {
		sceau_message(
		    "this agent speaks version %u", SCEAU_AGENT_VERSION);
		return SCEAU_ERR_AGENT_VERSION;
	}
	a->version = SCEAU_AGENT_VERSION;
	(void)snprintf(a->name, sizeof(a->name), "%s %s", PACKAGE, VERSION);
	return 0;
}

static int
do_unlock(struct agent_state *s, const struct sceau_agent_msg *q,
    struct sceau_agent_msg *a)
{
	return agent_state_unlock(s, q->org, q->device, q->auth, q->secret,
	    q->secret_len, a->org, a->device);
}

static int
do_list(struct agent_state *s, struct sceau_agent_msg *a)
{
	a->entries = sceau_calloc(SCEAU_AGENT_LIST_MAX, sizeof(*a->entries));
	if (a->entries == NULL)
		return SCEAU_ERR_ALLOC;
	a->nentries = agent_state_list(s, a->entries, SCEAU_AGENT_LIST_MAX);
	return 0;
}

/* SIGN: a statement of this device, signed with its key. */
static int
do_sign(struct agent_state *s, const struct sceau_agent_msg *q,
    struct sceau_agent_msg *a, struct sceau_buf *out)
{
	uint8_t *sig;
	int r;

	if ((r = sceau_buf_reserve(out, SCEAU_SIGN_SIG_LEN, &sig)) != 0 ||
	    (r = agent_state_sign(
	         s, q->org, q->device, q->data, q->data_len, sig)) != 0)
		return r;
	a->data = sceau_buf_ptr(out);
	a->data_len = sceau_buf_len(out);
	return 0;
}

/* SIGN_TOKEN: a certificate's token statement, signed on the card. */
static int
do_sign_token(struct agent_state *s, const struct sceau_agent_msg *q,
    struct sceau_agent_msg *a, struct sceau_buf *out)
{
	int r;

	if ((r = agent_state_token_sign(
	         s, q->org, q->device, q->data, q->data_len, a->alg, out)) != 0)
		return r;
	a->data = sceau_buf_ptr(out);
	a->data_len = sceau_buf_len(out);
	return 0;
}

static int
do_sync_status(struct agent_state *s, const struct sceau_agent_msg *q,
    struct sceau_agent_msg *a)
{
	a->sync = sceau_calloc(SCEAU_AGENT_SYNC_MAX, sizeof(*a->sync));
	if (a->sync == NULL)
		return SCEAU_ERR_ALLOC;
	a->nsync = agent_state_sync_status(
	    s, q->org, q->device, a->sync, SCEAU_AGENT_SYNC_MAX);
	return 0;
}

static void
do_status(struct agent_state *s, struct sceau_agent_msg *a)
{
	a->version = SCEAU_AGENT_VERSION;
	a->pid = (uint64_t)getpid();
	a->started_us = agent_state_started(s);
	a->idle_timeout_s = agent_state_idle_timeout(s);
	a->count = (uint32_t)agent_state_count(s);
	a->token_ops = sceau_token_ops_total();
}

/* Acts on q; fills a (its type set by the caller). */
static int
act(struct agent_state *s, const struct sceau_agent_msg *q,
    struct sceau_agent_msg *a, struct sceau_buf *scratch)
{
	switch (q->type) {
	case SCEAU_AGENT_HELLO:
		return do_hello(q, a);
	case SCEAU_AGENT_UNLOCK:
		return do_unlock(s, q, a);
	case SCEAU_AGENT_LOCK:
		return agent_state_lock(s, q->org, q->device,
		    (q->flags & SCEAU_AGENT_LOCK_ALL) != 0, &a->count);
	case SCEAU_AGENT_LIST:
		return do_list(s, a);
	case SCEAU_AGENT_SIGN:
		return do_sign(s, q, a, scratch);
	case SCEAU_AGENT_SIGN_TOKEN:
		return do_sign_token(s, q, a, scratch);
	case SCEAU_AGENT_REALM_KEY:
		return agent_state_realm_key(
		    s, q->org, q->device, q->realm, q->index, a->key);
	case SCEAU_AGENT_SYNC_STATUS:
		return do_sync_status(s, q, a);
	case SCEAU_AGENT_SYNC_NOW:
		a->count =
		    agent_state_sync_wake(s, q->org, q->device, q->realm);
		return 0;
	case SCEAU_AGENT_STATUS:
		do_status(s, a);
		return 0;
	default:
		/* Replies and FAILURE are not requests. */
		return SCEAU_ERR_INVALID_FORMAT;
	}
}

static int
failure(int code, struct sceau_buf *reply)
{
	struct sceau_agent_msg f;
	int r;

	memset(&f, 0, sizeof(f));
	f.type = SCEAU_AGENT_FAILURE;
	f.code = code < 0 && code >= -0xffff ? code : SCEAU_ERR_INTERNAL;
	(void)snprintf(
	    f.message, sizeof(f.message), "%s", sceau_last_message());
	r = sceau_agent_encode(&f, reply);
	sceau_agent_msg_clear(&f);
	return r;
}

int
agent_dispatch(struct agent_state *s, const uint8_t *req, size_t n,
    struct sceau_buf *reply)
{
	struct sceau_agent_msg q, a;
	struct sceau_buf *scratch;
	int r;

	memset(&a, 0, sizeof(a));
	sceau_message_clear();
	if ((scratch = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_agent_decode(req, n, &q)) == 0 &&
	    (q.type & SCEAU_AGENT_REPLY) != 0)
		r = SCEAU_ERR_INVALID_FORMAT;
	if (r == 0) {
		a.type = q.type | SCEAU_AGENT_REPLY;
		r = act(s, &q, &a, scratch);
	}
	if (r == 0)
		r = sceau_agent_encode(&a, reply);
	if (r != 0)
		r = failure(r, reply);
	sceau_agent_msg_clear(&q);
	sceau_agent_msg_clear(&a);
	sceau_buf_free(scratch);
	return r;
}
