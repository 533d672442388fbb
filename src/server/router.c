/*
 * router.c: matches a request to its route, authenticates it, runs the
 * handler and turns failures into error replies.
 *
 * The target is parsed here, from the bytes the client sent (the path
 * and query it signed): "/v1/" then at most ROUTER_SEGMENTS non-empty
 * segments separated by single slashes, then an optional "?query".  No
 * percent-decoding: no valid route, organization or object id needs it,
 * so a '%' simply matches nothing.  In a route's path, "*" is the
 * organization id and "#" an object id (32 lowercase hex digits): the
 * realm id, then the vlob id.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "accesslog.h"
#include "auth.h"
#include "cert.h"
#include "errors.h"
#include "log.h"
#include "router.h"
#include "routes.h"

#define ROUTER_SEGMENTS 6
#define ROUTER_SEGMENT_MAX 64

enum router_auth {
	ROUTE_ANONYMOUS,
	ROUTE_ADMIN,
	ROUTE_DEVICE,
};

/* What body a route takes. */
enum router_body {
	BODY_NONE = 0,
	BODY_JSON, /* up to server.max_body */
	BODY_VLOBS, /* JSON, up to SRV_VLOB_BODY_MAX */
	BODY_BLOCKS, /* frames, up to server.max_block_body */
};

struct route {
	const char *method;
	/* Segments after /v1/: "*" an organization id, "#" an object id. */
	const char *path[ROUTER_SEGMENTS];
	enum router_auth auth;
	enum router_body body;
	int has_query; /* a query string is accepted */
	srv_handler fn;
};

static const struct route routes[] = {
    {"GET", {"health"}, ROUTE_ANONYMOUS, BODY_NONE, 0, srv_route_health},
    {"POST", {"admin", "organizations"}, ROUTE_ADMIN, BODY_JSON, 0,
        srv_route_org_create},
    {"GET", {"admin", "organizations"}, ROUTE_ADMIN, BODY_NONE, 0,
        srv_route_org_list},
    {"POST", {"admin", "organizations", "*", "freeze"}, ROUTE_ADMIN, BODY_NONE,
        0, srv_route_org_freeze},
    {"POST", {"admin", "organizations", "*", "unfreeze"}, ROUTE_ADMIN,
        BODY_NONE, 0, srv_route_org_unfreeze},
    {"GET", {"admin", "organizations", "*", "stats"}, ROUTE_ADMIN, BODY_NONE, 0,
        srv_route_org_stats},
    {"POST", {"*", "bootstrap"}, ROUTE_ANONYMOUS, BODY_JSON, 0,
        srv_route_bootstrap},
    {"GET", {"*", "certificates"}, ROUTE_DEVICE, BODY_NONE, 1,
        srv_route_certs_get},
    {"POST", {"*", "certificates"}, ROUTE_DEVICE, BODY_JSON, 0,
        srv_route_certs_post},
    {"POST", {"*", "invitations"}, ROUTE_DEVICE, BODY_JSON, 0,
        srv_route_invite_create},
    {"GET", {"*", "invitations"}, ROUTE_DEVICE, BODY_NONE, 0,
        srv_route_invite_list},
    {"POST", {"*", "invitations", "#", "close"}, ROUTE_DEVICE, BODY_JSON, 0,
        srv_route_invite_close},
    {"POST", {"*", "invitations", "#", "exchange"}, ROUTE_DEVICE, BODY_JSON, 0,
        srv_route_invite_greet},
    {"POST", {"*", "claim"}, ROUTE_ANONYMOUS, BODY_JSON, 0,
        srv_route_invite_claim},
    {"POST", {"*", "enrollment"}, ROUTE_DEVICE, BODY_JSON, 0,
        srv_route_enroll_link},
    {"POST", {"*", "enroll"}, ROUTE_ANONYMOUS, BODY_JSON, 0,
        srv_route_enroll_submit},
    {"GET", {"*", "enroll"}, ROUTE_DEVICE, BODY_NONE, 0, srv_route_enroll_list},
    {"POST", {"*", "enroll", "status"}, ROUTE_ANONYMOUS, BODY_JSON, 0,
        srv_route_enroll_status},
    {"POST", {"*", "enroll", "#", "decide"}, ROUTE_DEVICE, BODY_JSON, 0,
        srv_route_enroll_decide},
    {"GET", {"*", "whoami"}, ROUTE_DEVICE, BODY_NONE, 0, srv_route_whoami},
    {"GET", {"*", "events"}, ROUTE_DEVICE, BODY_NONE, 0, srv_route_events},
    {"GET", {"*", "realms"}, ROUTE_DEVICE, BODY_NONE, 0, srv_route_realms},
    {"POST", {"*", "realms", "#", "vlobs"}, ROUTE_DEVICE, BODY_VLOBS, 0,
        srv_route_vlobs_post},
    {"GET", {"*", "realms", "#", "vlobs"}, ROUTE_DEVICE, BODY_NONE, 1,
        srv_route_vlobs_get},
    {"GET", {"*", "realms", "#", "vlobs", "#", "versions"}, ROUTE_DEVICE,
        BODY_NONE, 0, srv_route_vlob_versions},
    {"GET", {"*", "realms", "#", "changes"}, ROUTE_DEVICE, BODY_NONE, 1,
        srv_route_changes},
    {"GET", {"*", "realms", "#", "history"}, ROUTE_DEVICE, BODY_NONE, 1,
        srv_route_history},
    {"POST", {"*", "realms", "#", "blocks"}, ROUTE_DEVICE, BODY_BLOCKS, 0,
        srv_route_blocks_post},
    {"GET", {"*", "realms", "#", "blocks"}, ROUTE_DEVICE, BODY_NONE, 1,
        srv_route_blocks_get},
};

/* A parsed target. */
struct router_target {
	char seg[ROUTER_SEGMENTS][ROUTER_SEGMENT_MAX + 1];
	size_t nseg;
	const char *query; /* "" when none */
};

static int
router_parse(const char *target, struct router_target *t)
{
	const char *p, *q;
	size_t len;

	memset(t, 0, sizeof(*t));
	t->query = "";
	if (target == NULL || strncmp(target, "/v1/", 4) != 0 ||
	    strnlen(target, SRV_TARGET_MAX + 1) > SRV_TARGET_MAX)
		return SCEAU_ERR_NOT_FOUND;
	for (p = target + 4;; p = q + 1) {
		len = strcspn(p, "/?");
		if (len == 0 || len > ROUTER_SEGMENT_MAX ||
		    t->nseg == ROUTER_SEGMENTS)
			return SCEAU_ERR_NOT_FOUND;
		memcpy(t->seg[t->nseg++], p, len);
		q = p + len;
		if (*q == '?') {
			t->query = q + 1;
			return 0;
		}
		if (*q == '\0')
			return 0;
	}
}

/* 1 if the path of route matches t (the method aside). */
static int
router_path_match(const struct route *rt, const struct router_target *t)
{
	size_t i;

	for (i = 0; i < ROUTER_SEGMENTS; i++) {
		if (rt->path[i] == NULL)
			return i == t->nseg;
		if (i >= t->nseg)
			return 0;
		if (strcmp(rt->path[i], "*") != 0 &&
		    strcmp(rt->path[i], "#") != 0 &&
		    strcmp(rt->path[i], t->seg[i]) != 0)
			return 0;
	}
	return t->nseg == ROUTER_SEGMENTS;
}

/* The ids of a matched route: organization, realm, vlob (or NULL). */
static int
router_ids(const struct route *rt, const struct router_target *t,
    struct srv_route_args *args)
{
	const char **obj[2] = {&args->realm_id, &args->vlob_id};
	size_t i, k = 0;

	for (i = 0; i < t->nseg; i++) {
		if (strcmp(rt->path[i], "*") == 0) {
			args->org_id = t->seg[i];
			if (!sceau_org_id_valid(args->org_id)) {
				sceau_message("invalid organization id");
				return SCEAU_ERR_BAD_REQUEST;
			}
		} else if (strcmp(rt->path[i], "#") == 0 && k < 2) {
			*obj[k++] = t->seg[i];
			if (!sceau_cert_id_valid(t->seg[i])) {
				sceau_message(
				    "invalid id in the path: 32 lowercase "
				    "hex digits expected");
				return SCEAU_ERR_BAD_REQUEST;
			}
		}
	}
	return 0;
}

/* Largest body of route rt. */
static size_t
router_limit(const struct srv_ctx *ctx, const struct route *rt)
{
	switch (rt->body) {
	case BODY_JSON:
		return ctx->set.max_body;
	case BODY_VLOBS:
		return SCEAU_MAX(ctx->set.max_body, SRV_VLOB_BODY_MAX);
	case BODY_BLOCKS:
		return SCEAU_MAX(ctx->set.max_body, ctx->set.max_block_body);
	case BODY_NONE:
	default:
		return 0;
	}
}

/*
 * Finds the route; *allowp gets the Allow header's value when the path
 * exists for other methods only (SCEAU_ERR_NOT_SUPPORTED).
 */
static int
router_find(const char *method, const struct router_target *t,
    const struct route **out, const char **allowp)
{
	size_t i;
	int get = 0, post = 0;

	*out = NULL;
	*allowp = NULL;
	for (i = 0; i < SCEAU_NELEM(routes); i++) {
		if (!router_path_match(&routes[i], t))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			*out = &routes[i];
			return 0;
		}
		get |= strcmp(routes[i].method, "GET") == 0;
		post |= strcmp(routes[i].method, "POST") == 0;
	}
	if (!get && !post)
		return SCEAU_ERR_NOT_FOUND;
	*allowp = get && post ? "GET, POST" : get ? "GET" : "POST";
	return SCEAU_ERR_NOT_SUPPORTED;
}

int
srv_router_body_limit(const struct srv_ctx *ctx, const char *method,
    const char *target, size_t *limit)
{
	const struct route *rt;
	struct router_target t;
	const char *allow;
	int r;

	*limit = 0;
	if ((r = router_parse(target, &t)) != 0 ||
	    (r = router_find(method, &t, &rt, &allow)) != 0)
		return r;
	*limit = router_limit(ctx, rt);
	return 0;
}

int
srv_router_precheck(struct srv_ctx *ctx, const char *method, const char *target,
    const char *authorization)
{
	struct srv_route_args args = {NULL, NULL, NULL, "", NULL};
	const struct route *rt;
	struct router_target t;
	const char *allow;
	int r;

	if ((r = router_parse(target, &t)) != 0 ||
	    (r = router_find(method, &t, &rt, &allow)) != 0 ||
	    rt->auth != ROUTE_DEVICE)
		return 0; /* the dispatcher says what is wrong */
	if ((r = router_ids(rt, &t, &args)) != 0)
		return r;
	return srv_auth_precheck(ctx, args.org_id, authorization);
}

static int
router_check(const struct srv_ctx *ctx, const struct route *rt,
    const struct router_target *t, const struct srv_request *req,
    struct srv_route_args *args)
{
	int r;

	args->query = t->query;
	if ((r = router_ids(rt, t, args)) != 0)
		return r;
	if (!rt->has_query && t->query[0] != '\0') {
		sceau_message("this route takes no query string");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (req->body_len > router_limit(ctx, rt)) {
		sceau_message("body larger than this route accepts");
		return SCEAU_ERR_TOO_LARGE;
	}
	return 0;
}

/* Who an authenticated request came from, for the access log. */
struct router_who {
	uint8_t kind; /* 0: not authenticated; enum sceau_alog_kind */
	char org[SCEAU_ORG_ID_MAX + 1];
	char device[SCEAU_ID_LEN + 1];
};

static int
router_run(struct srv_ctx *ctx, const struct srv_request *req,
    struct srv_response *resp, struct router_who *who)
{
	struct srv_route_args args = {NULL, NULL, NULL, "", NULL};
	struct srv_caller caller;
	const struct route *rt;
	struct router_target t;
	int r;

	if ((r = router_parse(req->target, &t)) != 0 ||
	    (r = router_find(req->method, &t, &rt, &resp->allow)) != 0 ||
	    (r = router_check(ctx, rt, &t, req, &args)) != 0)
		return r;
	if (rt->auth == ROUTE_ADMIN) {
		if ((r = srv_auth_admin(ctx, req->authorization)) != 0)
			return r;
		who->kind = SCEAU_ALOG_ADMIN;
	}
	if (rt->auth == ROUTE_DEVICE) {
		if ((r = srv_auth_device(ctx, args.org_id, req, &caller)) != 0)
			return r;
		args.caller = &caller;
		who->kind = SCEAU_ALOG_REQUEST;
		(void)snprintf(
		    who->device, sizeof(who->device), "%s", caller.device_id);
	}
	if (args.org_id != NULL)
		(void)snprintf(who->org, sizeof(who->org), "%s", args.org_id);
	return rt->fn(ctx, req, &args, resp);
}

/*
 * One access-log record for an authenticated request, once its reply is
 * known: the path without the query (which may carry ids a log need not
 * keep), never a body.
 */
static void
router_log(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_response *resp, const struct router_who *who)
{
	struct sceau_alog_record rec;
	size_t n;

	if (ctx->alog == NULL || who->kind == 0)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.time_us = ctx->now_us();
	rec.kind = who->kind;
	(void)snprintf(rec.org, sizeof(rec.org), "%s", who->org);
	(void)snprintf(rec.device, sizeof(rec.device), "%s", who->device);
	(void)snprintf(rec.method, sizeof(rec.method), "%s", req->method);
	n = strcspn(req->target, "?");
	if (n > SCEAU_ALOG_ROUTE_MAX)
		n = SCEAU_ALOG_ROUTE_MAX;
	memcpy(rec.route, req->target, n);
	rec.status = (uint16_t)resp->status;
	(void)snprintf(rec.client, sizeof(rec.client), "%s",
	    req->client != NULL ? req->client : "");
	/* A failure is logged there; the reply stands. */
	if (srv_alog_append(ctx->alog, &rec) != 0)
		return;
}

/* The error reply of code r. */
static void
router_error(const struct srv_request *req, struct srv_response *resp, int r)
{
	if (r == SCEAU_ERR_NOT_SUPPORTED) {
		const char *allow = resp->allow;

		sceau_message("method not allowed (allowed: %s)", allow);
		srv_resp_error(resp, SCEAU_ERR_BAD_REQUEST);
		resp->status = 405;
		resp->allow = allow;
		return;
	}
	if (r == SCEAU_ERR_NOT_FOUND && sceau_last_message()[0] == '\0')
		sceau_message("no such route");
	if (srv_error_status(r) >= 500)
		error_r(r, "%s: %s", req->method, sceau_last_message());
	srv_resp_error(resp, r);
}

void
srv_dispatch(struct srv_ctx *ctx, const struct srv_request *req,
    struct srv_response *resp)
{
	struct router_who who;
	int r;

	memset(&who, 0, sizeof(who));
	srv_resp_init(resp);
	sceau_message_clear();
	r = router_run(ctx, req, resp, &who);
	if (r != 0)
		router_error(req, resp, r);
	router_log(ctx, req, resp, &who);
}
