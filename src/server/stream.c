/*
 * stream.c: server-sent events (see stream.h and doc/protocol.md).
 *
 * Waiting uses the backend's mark/wait pair: take a mark, read the
 * events, wait for anything stored after the mark.  An event stored
 * between the read and the wait moves the mark, so the wait returns at
 * once and nothing is missed, without polling.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "auth.h"
#include "buf.h"
#include "errors.h"
#include "log.h"
#include "request.h"
#include "server.h"
#include "stream.h"

/* Events read from the backend per call. */
#define STREAM_BATCH 100

struct srv_stream {
	struct srv_ctx *ctx;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char device_id[SCEAU_ID_LEN + 1];
	uint64_t last_id;
	uint64_t next_ping_ms; /* 0: send the opening comment first */
	struct sceau_buf *pending;
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
	if ((s->pending = sceau_buf_new()) == NULL) {
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
	sceau_free(s);
}

uint64_t
srv_stream_last_id(const struct srv_stream *s)
{
	return s->last_id;
}

static int
stream_put_event(void *arg, const struct srv_event_row *ev)
{
	struct srv_stream *s = arg;

	/* One line each: a newline would end the field early. */
	if (strpbrk(ev->kind, "\r\n") != NULL ||
	    strpbrk(ev->data, "\r\n") != NULL) {
		warn_f("event %llu skipped: multi-line field",
		    (unsigned long long)ev->id);
	} else if (sceau_buf_putf(s->pending,
	               "id: %llu\nevent: %s\ndata: %s\n\n",
	               (unsigned long long)ev->id, ev->kind, ev->data) != 0) {
		return SCEAU_ERR_ALLOC;
	}
	s->last_id = ev->id;
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
	uint64_t mark, now;
	int r;

	if (atomic_load(&s->ctx->stopping))
		return SCEAU_ERR_INTERRUPTED;
	mark = be->ops->event_mark(be);
	if ((r = be->ops->event_list(be, s->org_id, s->last_id, STREAM_BATCH,
	         stream_put_event, s)) != 0)
		return r;
	if (sceau_buf_len(s->pending) > 0)
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
