/*
 * routes.h: the handlers behind the router, one group per file
 * (routes-admin.c, routes-org.c, routes-certs.c, routes-realms.c,
 * routes-vlobs.c, routes-blocks.c), and what they share.
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
#include "chain.h"
#include "json.h"
#include "request.h"
#include "server.h"

/* Vlob bodies (POST .../vlobs): doc/protocol.md. */
#define SRV_VLOB_BODY_MAX (16UL * 1024 * 1024)
#define SRV_VLOBS_MAX 1000
/* Blocks: ids per GET; blocks per POST. */
#define SRV_BLOCK_IDS_MAX 256
#define SRV_BLOCKS_PER_POST 10000

struct srv_route_args {
	const char *org_id; /* valid organization id, or NULL */
	const char *realm_id; /* valid realm id (32 hex), or NULL */
	const char *vlob_id; /* valid vlob id (32 hex), or NULL */
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
int srv_route_realms(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_vlobs_post(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_vlobs_get(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_vlob_versions(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_changes(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_history(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *);
int srv_route_blocks_post(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_blocks_get(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;

/* The caller's standing in a workspace, from the chain. */
struct srv_realm_access {
	enum sceau_role role;
	uint32_t key_count; /* the latest key index */
};

/*
 * The caller's role in args->realm_id: SCEAU_ERR_NOT_FOUND (no
 * certificate created it), SCEAU_ERR_FORBIDDEN (no role; or, with write,
 * a role that may not write).
 */
int srv_realm_access(struct srv_ctx *ctx, const struct srv_route_args *args,
    int write, struct srv_realm_access *out) SCEAU_WUR;

/*
 * The request body as a JSON object, parsed with the server's limits.
 * SCEAU_ERR_BAD_REQUEST (with the reason) or SCEAU_ERR_TOO_LARGE.
 */
int srv_body_json(const struct srv_ctx *ctx, const struct srv_request *req,
    json_t **out) SCEAU_WUR;
/* The same with limits of its own. */
int srv_body_json_lim(const struct srv_request *req,
    const struct sceau_json_limits *lim, json_t **out) SCEAU_WUR;

/*
 * Query strings: the next "NAME=VALUE" of *q (advanced past it and its
 * '&').  name and value point into q, value_len bytes long; 0, 1 at the
 * end, or SCEAU_ERR_BAD_REQUEST.
 */
int srv_query_next(const char **q, char *name, size_t name_max,
    const char **value, size_t *value_len) SCEAU_WUR;
/* A decimal query value in [min, max].  SCEAU_ERR_BAD_REQUEST. */
int srv_query_u64(const char *name, const char *v, size_t n, uint64_t min,
    uint64_t max, uint64_t *out) SCEAU_WUR;

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

/*
 * "sceau://HOST:PORT/ORG?a=ACTION&p=TOKEN[&no_ssl=1]" with the public
 * host and port of the settings (link.h); free with sceau_freezero.
 * NULL on ENOMEM.
 */
char *srv_link(const struct srv_settings *set, const char *org_id,
    const char *action, const char *token);

/* Invitations and their code exchange (routes-invites.c). */
int srv_route_invite_create(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_invite_list(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_invite_close(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_invite_greet(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_invite_claim(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;

/* PKI enrollment (routes-enroll.c). */
int srv_route_enroll_link(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_enroll_submit(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_enroll_status(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_enroll_list(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;
int srv_route_enroll_decide(struct srv_ctx *, const struct srv_request *,
    const struct srv_route_args *, struct srv_response *) SCEAU_WUR;

/*
 * The organization takes newcomers (claimers, enrollment requests):
 * it exists, is bootstrapped and not frozen.
 */
int srv_org_open_to_newcomers(struct srv_ctx *ctx, const char *org_id)
    SCEAU_WUR;

/* Applies the server's [pki] revocation settings to a trust. */
struct sceau_x509_trust;
void srv_pki_configure(const struct srv_ctx *ctx, struct sceau_x509_trust *t);

#endif /* SCEAU_SRV_ROUTES_H */
