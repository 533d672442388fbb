/*
 * dispatch.h: the agent's dispatcher: one request body in, one reply body
 * out, no I/O (so that it is fuzzed: tests/fuzz/fuzz-agent.c).
 */
#ifndef SCEAU_AGENT_DISPATCH_H
#define SCEAU_AGENT_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"
#include "state.h"

/*
 * Decodes the request req[0..n) (a frame's body), acts on s and appends
 * the reply body to reply: the request's reply, or FAILURE with the
 * error code and sceau_last_message().  Returns 0 when a reply was
 * appended (even FAILURE), or SCEAU_ERR_ALLOC when none could be: the
 * caller then closes the connection.  The caller wipes req.
 */
int agent_dispatch(struct agent_state *s, const uint8_t *req, size_t n,
    struct sceau_buf *reply) SCEAU_WUR;

#endif /* SCEAU_AGENT_DISPATCH_H */
