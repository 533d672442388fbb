/*
 * stream.c: server-sent events (see stream.h and doc/protocol.md).
 *
 * Waiting uses the backend's mark/wait pair: take a mark, read the
 * events, wait for anything stored after the mark.  An event stored
 * between the read and the wait moves the mark, so the wait returns at
 * once and nothing is missed, without polling.
 *
 * Events of a workspace ("vlob") go only to devices whose user has a role
 * in it when the event is sent: the events read are kept aside, the roles
 * looked up in the chain cache once per batch (never while the backend
 * lends its rows: the chain may need the database too), then the events
 * the device may see are written out.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "auth.h"
#include "buf.h"
#include "chain.h"
#include "chains.h"
#include "errors.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "stream.h"

/* Events read from the backend per call. */
#define STREAM_BATCH 100

/* An event read, before the roles are checked. */
struct stream_ev {
	uint64_t id;
	char realm_id[SCEAU_ID_LEN + 1]; /* "" for everyone */
	int allowed;
	size_t off; /* its text in batch */
};

struct srv_stream {
	struct srv_ctx *ctx;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char device_id[SCEAU_ID_LEN + 1];
	uint64_t last_id;
	uint64_t next_ping_ms; /* 0: send the opening comment first */
	struct sceau_buf *pending;
	/* The batch being read: events and their text. */
	struct stream_ev ev[STREAM_BATCH];
	size_t nev;
	struct sceau_buf *batch;
	int ended;
};

static uint64_t
stream_now_ms(const struct srv_stream *s)
{
	return s->ctx->now_us() / 1000;
}

int
srv_stream_new(struct srv_ctx *ctx, const char *org_id, const char *device_id,
    uint64_t after, struct srv_stream **out)
{
	struct srv_stream *s;

	*out = NULL;
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((s->pending = sceau_buf_new()) == NULL ||
	    (s->batch = sceau_buf_new()) == NULL) {
		sceau_buf_free(s->pending);
		sceau_free(s);
		return SCEAU_ERR_ALLOC;
	}
	s->ctx = ctx;
	(void)snprintf(s->org_id, sizeof(s->org_id), "%s", org_id);
	(void)snprintf(s->device_id, sizeof(s->device_id), "%s", device_id);
	s->last_id = after;
	*out = s;
	return 0;
}

void
srv_stream_free(struct srv_stream *s)
{
	if (s == NULL)
		return;
	sceau_buf_free(s->pending);
	sceau_buf_free(s->batch);
	sceau_free(s);
}

uint64_t
srv_stream_last_id(const struct srv_stream *s)
{
	return s->last_id;
}

/* Keeps an event of the batch aside (its text NUL-terminated). */
static int
stream_keep_event(void *arg, const struct srv_event_row *ev)
{
	struct srv_stream *s = arg;
	struct stream_ev *e;

	if (s->nev == STREAM_BATCH)
		return SCEAU_ERR_INTERNAL;
	e = &s->ev[s->nev];
	e->id = ev->id;
	e->allowed = 1;
	e->off = sceau_buf_len(s->batch);
	(void)snprintf(e->realm_id, sizeof(e->realm_id), "%s",
	    ev->realm_id != NULL ? ev->realm_id : "");
	s->last_id = ev->id;
	/* One line each: a newline would end the field early. */
	if (strpbrk(ev->kind, "\r\n") != NULL ||
	    strpbrk(ev->data, "\r\n") != NULL) {
		warn_f("event %llu skipped: multi-line field",
		    (unsigned long long)ev->id);
		return 0;
	}
	if (sceau_buf_putf(s->batch, "id: %llu\nevent: %s\ndata: %s\n\n",
	        (unsigned long long)ev->id, ev->kind, ev->data) != 0 ||
	    sceau_buf_put_u8(s->batch, '\0') != 0)
		return SCEAU_ERR_ALLOC;
	s->nev++;
	return 0;
}

/* Workspace events: is the device's user a member now? */
static int
stream_filter(struct srv_stream *s)
{
	const struct sceau_chain_device *dev;
	struct srv_chain_lock lk;
	struct srv_org org;
	size_t i;
	int r;

	for (i = 0; i < s->nev && s->ev[i].realm_id[0] == '\0'; i++)
		;
	if (i == s->nev)
		return 0;
	if ((r = s->ctx->be->ops->org_get(s->ctx->be, s->org_id, &org)) != 0 ||
	    (r = srv_chains_lock(s->ctx->chains, &org, &lk)) != 0)
		return r;
	dev = lk.chain != NULL ? sceau_chain_device(lk.chain, s->device_id)
	                       : NULL;
	for (; i < s->nev; i++) {
		if (s->ev[i].realm_id[0] != '\0')
			s->ev[i].allowed = dev != NULL &&
			    sceau_chain_realm_role(lk.chain, s->ev[i].realm_id,
			        dev->user_id) != SCEAU_ROLE_NONE;
	}
	srv_chains_unlock(&lk);
	return 0;
}

/* Reads the next batch of events into pending (those the device may see). */
static int
stream_read_batch(struct srv_stream *s)
{
	struct srv_backend *be = s->ctx->be;
	const char *text;
	size_t i;
	int r;

	s->nev = 0;
	sceau_buf_reset(s->batch);
	if ((r = be->ops->event_list(be, s->org_id, s->last_id, STREAM_BATCH,
	         stream_keep_event, s)) != 0 ||
	    (r = stream_filter(s)) != 0)
		return r;
	for (i = 0; i < s->nev; i++) {
		if (!s->ev[i].allowed)
			continue;
		text = (const char *)sceau_buf_ptr(s->batch) + s->ev[i].off;
		if ((r = sceau_buf_put(s->pending, text, strlen(text))) != 0)
			return r;
	}
	return 0;
}

/* Sends what is pending; returns the bytes copied (0 if none). */
static size_t
stream_drain(struct srv_stream *s, uint8_t *buf, size_t max)
{
	size_t n = SCEAU_MIN(max, sceau_buf_len(s->pending));

	if (n == 0)
		return 0;
	memcpy(buf, sceau_buf_ptr(s->pending), n);
	(void)sceau_buf_consume(s->pending, n);
	return n;
}

/* The ping: also the moment to check that the device may still listen. */
static int
stream_ping(struct srv_stream *s, uint64_t now)
{
	int r;

	if (s->next_ping_ms != 0 &&
	    (r = srv_auth_recheck(s->ctx, s->org_id, s->device_id)) != 0) {
		info_f("event stream of device %s ended: %s", s->device_id,
		    srv_error_text(r));
		return r;
	}
	s->next_ping_ms = now + s->ctx->set.sse_ping_ms;
	return sceau_buf_putf(s->pending, ": ping\n\n");
}

/* One round: read events, else ping or wait.  0 to loop, else the end. */
static int
stream_fill(struct srv_stream *s)
{
	struct srv_backend *be = s->ctx->be;
	uint64_t mark, now, before;
	int r;

	if (atomic_load(&s->ctx->stopping))
		return SCEAU_ERR_INTERRUPTED;
	mark = be->ops->event_mark(be);
	before = s->last_id;
	if ((r = stream_read_batch(s)) != 0)
		return r;
	/* Events none of which this device may see: read on at once. */
	if (sceau_buf_len(s->pending) > 0 || s->last_id != before)
		return 0;
	now = stream_now_ms(s);
	if (now >= s->next_ping_ms)
		return stream_ping(s, now);
	r = be->ops->event_wait(be, mark, s->next_ping_ms - now);
	return r == SCEAU_ERR_TIMEOUT ? 0 : r;
}

ssize_t
srv_stream_read(struct srv_stream *s, uint8_t *buf, size_t max)
{
	size_t n;
	int r;

	if (max == 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	for (;;) {
		if ((n = stream_drain(s, buf, max)) > 0)
			return (ssize_t)n;
		if (s->ended)
			return 0;
		if ((r = stream_fill(s)) == SCEAU_ERR_INTERRUPTED) {
			s->ended = 1;
		} else if (r != 0) {
			/* Refused, or the database failed: end, cleanly. */
			if (srv_error_status(r) >= 500)
				error_r(r, "event stream of %s", s->org_id);
			s->ended = 1;
		}
	}
}
