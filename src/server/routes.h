/*
 * routes.h: the handlers behind the router, one group per file
 * (routes-admin.c, routes-org.c, routes-certs.c), and what they share.
 *
 * A handler returns 0 after filling resp, or a SCEAU_ERR_* code that the
 * router turns into the error reply (with the thread's message for a
 * 4xx).  Authentication has already succeeded when it runs.
 */
#ifndef SCEAU_SRV_ROUTES_H
#define SCEAU_SRV_ROUTES_H

#include <jansson.h>

#include "auth.h"
#include "buf.h"
#include "cert.h"
#include "request.h"
#include "server.h"

struct srv_route_args {
	const char *org_id; /* valid organization id, or NULL */
	const char *query; /* after '?', "" when none */
	const struct srv_caller *caller; /* device routes */
};

typedef int (*srv_handler)(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp);

int srv_route_health(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_org_create(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_org_list(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_org_freeze(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_org_unfreeze(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_org_stats(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_bootstrap(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_whoami(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_events(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_certs_get(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_certs_post(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;

/*
 * The request body as a JSON object, parsed with the server's limits.
 * SCEAU_ERR_BAD_REQUEST (with the reason) or SCEAU_ERR_TOO_LARGE.
 */
int srv_body_json(const struct srv_ctx *ctx, const struct srv_request *req,
    json_t **out) SCEAU_WUR;

/* Input errors (JSON fields, base64...) become SCEAU_ERR_BAD_REQUEST. */
int srv_bad_request(int r);

/*
 * Decodes the base64 (standard, padded) JSON string v of at most max
 * bytes, appending them to out.  what names it in the message.
 */
int srv_b64_value(const json_t *v, size_t max, const char *what,
    struct sceau_buf *out) SCEAU_WUR;

/*
 * Checks an identity blob (NULL: none given) against certificate c:
 * only user and device certificates have one, and it must hash to the
 * certificate's identity hash.  SCEAU_ERR_BAD_REQUEST or
 * SCEAU_ERR_CHAIN_IDENTITY.
 */
int srv_identity_check(
    const struct sceau_cert *c, const struct sceau_buf *ident) SCEAU_WUR;

#endif /* SCEAU_SRV_ROUTES_H */
