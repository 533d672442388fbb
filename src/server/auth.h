/*
 * auth.h: who sends a request: the server's administrator (a bearer
 * token) or a device of an organization (a signed request, see
 * doc/protocol.md, "Authentication").
 */
#ifndef SCEAU_SRV_AUTH_H
#define SCEAU_SRV_AUTH_H

#include <stdint.h>

#include "backend.h"
#include "cert.h"
#include "defs.h"
#include "request.h"

struct srv_ctx;

/* The device that signed a request, once authenticated. */
struct srv_caller {
	struct srv_org org; /* as read while authenticating */
	char device_id[SCEAU_ID_LEN + 1];
	char user_id[SCEAU_ID_LEN + 1];
	enum sceau_profile profile;
};

/*
 * Checks "Bearer TOKEN" against the configured admin token: both are
 * hashed with SHA-256 and the hashes compared in constant time, so that
 * neither the token nor its length leaks through timing.
 * 0 or SCEAU_ERR_ADMIN_AUTH (also when no admin token is configured).
 */
int srv_auth_admin(const struct srv_ctx *ctx, const char *authorization)
    SCEAU_WUR;

/*
 * Authenticates a request to organization org_id (from the path), in
 * this order: header syntax and organization (SCEAU_ERR_AUTH_FAILED),
 * organization known (SCEAU_ERR_ORG_UNKNOWN), clock window and server
 * start (SCEAU_ERR_CLOCK_SKEW), device known and signature over method,
 * target, timestamp, nonce and the body's SHA-256 (SCEAU_ERR_AUTH_FAILED),
 * nonce not seen within the window (SCEAU_ERR_REPLAYED; recorded only
 * once the signature verified), then SCEAU_ERR_DEVICE_REVOKED,
 * SCEAU_ERR_USER_REVOKED, SCEAU_ERR_ORG_FROZEN.  Fills *out on success.
 */
int srv_auth_device(struct srv_ctx *ctx, const char *org_id,
    const struct srv_request *req, struct srv_caller *out) SCEAU_WUR;

/*
 * Everything srv_auth_device checks before the body is in: header,
 * organization, clock window, device known and allowed; not the
 * signature nor the nonce.  So that a large body is not received (into
 * the upload memory) for a request that is refused anyway.
 */
int srv_auth_precheck(struct srv_ctx *ctx, const char *org_id,
    const char *authorization) SCEAU_WUR;

/*
 * For long-lived requests (event streams): is device_id still allowed?
 * 0, SCEAU_ERR_DEVICE_REVOKED, SCEAU_ERR_USER_REVOKED, SCEAU_ERR_ORG_FROZEN,
 * SCEAU_ERR_AUTH_FAILED (device unknown) or a backend error.
 */
int srv_auth_recheck(
    struct srv_ctx *ctx, const char *org_id, const char *device_id) SCEAU_WUR;

#endif /* SCEAU_SRV_AUTH_H */
