/*
 * stream.h: an organization's server-sent event stream (GET events).
 *
 * Reading blocks until there is something to send: stored events after
 * the last one sent, or a ": ping" comment every sse_ping_ms so that
 * proxies and clients see the connection alive.  At each ping the
 * device's right to listen is checked again, so that a revoked device or
 * a frozen organization stops hearing events.  The stream ends when the
 * server shuts down.
 */
#ifndef SCEAU_SRV_STREAM_H
#define SCEAU_SRV_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cert.h"
#include "defs.h"

struct srv_ctx;
struct srv_stream;

/*
 * New stream of org_id's events with ids above after, for device_id.
 * ctx must outlive it.
 */
int srv_stream_new(struct srv_ctx *ctx, const char *org_id,
    const char *device_id, uint64_t after, struct srv_stream **out) SCEAU_WUR;
void srv_stream_free(struct srv_stream *s);

/*
 * Copies up to max bytes of the stream into buf, waiting until there are
 * some.  Returns the number of bytes (> 0), 0 at the end of the stream,
 * or a negative SCEAU_ERR_* code.
 */
ssize_t srv_stream_read(struct srv_stream *s, uint8_t *buf, size_t max);

/* Id of the last event put in the stream. */
uint64_t srv_stream_last_id(const struct srv_stream *s);

#endif /* SCEAU_SRV_STREAM_H */
