/*
 * router.h: the request dispatcher of sceau-server.
 *
 * It takes a complete request in memory and fills a response in memory
 * (no socket), so that the fuzz target and the unit tests drive every
 * route exactly as the HTTP layer does.  Routes: doc/protocol.md.
 */
#ifndef SCEAU_SRV_ROUTER_H
#define SCEAU_SRV_ROUTER_H

#include <stddef.h>

#include "request.h"
#include "server.h"

/*
 * Largest body the route of method and target accepts (0: none) into
 * *limit, so that the HTTP layer refuses a larger one (413) before
 * storing it.  Returns 0, or the dispatcher's refusal when no route
 * matches (SCEAU_ERR_NOT_FOUND, SCEAU_ERR_NOT_SUPPORTED: wrong method).
 */
int srv_router_body_limit(const struct srv_ctx *ctx, const char *method,
    const char *target, size_t *limit);

/*
 * Before a large body is received: the checks of a signed request that
 * need no body (srv_auth_precheck).  0 when the request may go on (or is
 * not a device route), else the code to refuse it with (a message set).
 */
int srv_router_precheck(struct srv_ctx *ctx, const char *method,
    const char *target, const char *authorization) SCEAU_WUR;

/*
 * Runs the request and fills resp (initialized here; free it with
 * srv_resp_clear).  Never fails: errors become error replies.
 */
void srv_dispatch(struct srv_ctx *ctx, const struct srv_request *req,
    struct srv_response *resp);

#endif /* SCEAU_SRV_ROUTER_H */
