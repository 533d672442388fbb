/*
 * routes-admin.c: the server administrator's routes (Bearer admin token):
 * create, list, freeze and unfreeze organizations, and their statistics.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chains.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "json.h"
#include "log.h"
#include "random.h"
#include "routes.h"
#include "secmem.h"

#define BOOTSTRAP_TOKEN_BYTES 32

int
srv_route_health(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	json_t *j = json_object();

	(void)ctx;
	(void)req;
	(void)args;
	if (j == NULL || sceau_json_set_string(j, "status", "ok") != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

static int
admin_created(const struct srv_ctx *ctx, const char *org_id, const char *token,
    struct srv_response *resp)
{
	char *link;
	json_t *j;
	int r = SCEAU_ERR_ALLOC;

	if ((link = srv_link(
	         &ctx->set, org_id, "bootstrap_organization", token)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((j = json_object()) != NULL &&
	    sceau_json_set_string(j, "org_id", org_id) == 0 &&
	    sceau_json_set_string(j, "bootstrap_token", token) == 0 &&
	    sceau_json_set_string(j, "bootstrap_link", link) == 0) {
		r = srv_resp_json(resp, 201, j);
		j = NULL;
	}
	json_decref(j);
	sceau_freezero(link, strlen(link) + 1);
	return r;
}

int
srv_route_org_create(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	uint8_t raw[BOOTSTRAP_TOKEN_BYTES], hash[SCEAU_SHA256_LEN];
	const char *org_id;
	char *token = NULL;
	json_t *body = NULL;
	int r;

	(void)args;
	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((r = sceau_json_get_string(
	         body, "org_id", SCEAU_ORG_ID_MAX, &org_id)) != 0) {
		r = srv_bad_request(r);
		goto out;
	}
	if (!sceau_org_id_valid(org_id)) {
		sceau_message("org_id: 1 to 64 characters of [A-Za-z0-9_-]");
		r = SCEAU_ERR_BAD_REQUEST;
		goto out;
	}
	if ((r = sceau_random_bytes(raw, sizeof(raw))) != 0)
		goto out;
	if ((token = sceau_enc_b64(raw, sizeof(raw), SCEAU_B64_URL)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	/* Only the token's hash is stored: a database leak gives no token. */
	if ((r = sceau_hash_sha256(token, strlen(token), hash)) != 0 ||
	    (r = ctx->be->ops->org_create(
	         ctx->be, org_id, hash, ctx->now_us())) != 0)
		goto out;
	info_f("organization %s created", org_id);
	r = admin_created(ctx, org_id, token, resp);
out:
	sceau_memzero(raw, sizeof(raw));
	if (token != NULL)
		sceau_freezero(token, strlen(token) + 1);
	json_decref(body);
	return r;
}

static int
admin_list_one(void *arg, const struct srv_org *o)
{
	json_t *list = arg, *j;

	if ((j = json_object()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_json_set_string(j, "org_id", o->org_id) != 0 ||
	    sceau_json_set_int(j, "created", (int64_t)o->created_us) != 0 ||
	    sceau_json_set_bool(j, "bootstrapped", o->bootstrapped) != 0 ||
	    sceau_json_set_bool(j, "frozen", o->frozen) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return json_array_append_new(list, j) == 0 ? 0 : SCEAU_ERR_ALLOC;
}

int
srv_route_org_list(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	json_t *j, *list;
	int r;

	(void)req;
	(void)args;
	if ((j = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(j, "organizations", list) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = ctx->be->ops->org_list(ctx->be, admin_list_one, list)) != 0) {
		json_decref(j);
		return r;
	}
	return srv_resp_json(resp, 200, j);
}

static int
admin_freeze(struct srv_ctx *ctx, const char *org_id, int frozen,
    struct srv_response *resp)
{
	json_t *j;
	int r;

	if ((r = ctx->be->ops->org_set_frozen(ctx->be, org_id, frozen)) != 0)
		return r;
	info_f("organization %s %s", org_id, frozen ? "frozen" : "unfrozen");
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "org_id", org_id) != 0 ||
	    sceau_json_set_bool(j, "frozen", frozen) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

int
srv_route_org_freeze(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	(void)req;
	return admin_freeze(ctx, args->org_id, 1, resp);
}

int
srv_route_org_unfreeze(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	(void)req;
	return admin_freeze(ctx, args->org_id, 0, resp);
}

struct admin_counts {
	int64_t users, active_users, devices, active_devices;
};

/* Users and devices from the validated chain (the records' meaning). */
static int
admin_count(
    struct srv_ctx *ctx, const struct srv_org *org, struct admin_counts *n)
{
	struct srv_chain_lock lk;
	size_t i;
	int r;

	memset(n, 0, sizeof(*n));
	if (!org->bootstrapped)
		return 0;
	if ((r = srv_chains_lock(ctx->chains, org, &lk)) != 0)
		return r;
	if (lk.chain != NULL) {
		n->users = (int64_t)sceau_chain_user_count(lk.chain);
		for (i = 0; i < (size_t)n->users; i++)
			n->active_users +=
			    sceau_chain_user_at(lk.chain, i)->revoked_index ==
			    0;
		n->devices = (int64_t)sceau_chain_device_count(lk.chain);
		for (i = 0; i < (size_t)n->devices; i++)
			n->active_devices +=
			    sceau_chain_device_at(lk.chain, i)->revoked_index ==
			    0;
	}
	srv_chains_unlock(&lk);
	return 0;
}

int
srv_route_org_stats(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_org_usage use;
	struct admin_counts n;
	struct srv_org org;
	json_t *j;
	int r;

	(void)req;
	if ((r = ctx->be->ops->org_get(ctx->be, args->org_id, &org)) != 0 ||
	    (r = admin_count(ctx, &org, &n)) != 0 ||
	    (r = ctx->be->ops->org_usage(ctx->be, args->org_id, &use)) != 0)
		return r;
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "org_id", org.org_id) != 0 ||
	    sceau_json_set_int(j, "users", n.users) != 0 ||
	    sceau_json_set_int(j, "active_users", n.active_users) != 0 ||
	    sceau_json_set_int(j, "devices", n.devices) != 0 ||
	    sceau_json_set_int(j, "active_devices", n.active_devices) != 0 ||
	    sceau_json_set_int(j, "certificates", (int64_t)use.certificates) !=
	        0 ||
	    sceau_json_set_int(
	        j, "storage_bytes", (int64_t)use.storage_bytes) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}
