/*
 * routes-realms.c: workspaces: who may do what (the caller's role, read
 * from the organization's chain), the list of the caller's workspaces,
 * the versions of a vlob, the changes since a checkpoint and a
 * workspace's whole history (every version, with its blob).
 *
 * Roles come from the chain cache at each request: a certificate that
 * removes a member takes effect on its next request.  Replies that may
 * hold thousands of entries are written straight into their buffer
 * (ids, numbers): no JSON tree of them is built.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "chains.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "routes.h"

#define CHANGES_LIMIT_MAX 10000

int
srv_realm_access(struct srv_ctx *ctx, const struct srv_route_args *args,
    int write, struct srv_realm_access *out)
{
	const struct sceau_chain_realm *rm = NULL;
	struct srv_chain_lock lk;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = srv_chains_lock(ctx->chains, &args->caller->org, &lk)) != 0)
		return r;
	if (lk.chain != NULL &&
	    (rm = sceau_chain_realm(lk.chain, args->realm_id)) != NULL) {
		out->role = sceau_chain_realm_role(
		    lk.chain, args->realm_id, args->caller->user_id);
		out->key_count = rm->key_count;
	}
	srv_chains_unlock(&lk);
	if (rm == NULL) {
		sceau_message("no workspace %s", args->realm_id);
		return SCEAU_ERR_NOT_FOUND;
	}
	if (out->role == SCEAU_ROLE_NONE) {
		sceau_message("no role in workspace %s", args->realm_id);
		return SCEAU_ERR_FORBIDDEN;
	}
	if (write && !sceau_role_can_write(out->role)) {
		sceau_message("a %s of workspace %s may not write",
		    sceau_role_name(out->role), args->realm_id);
		return SCEAU_ERR_FORBIDDEN;
	}
	return 0;
}

/* ------------------------------------------------------ GET realms */

struct realm_item {
	char realm_id[SCEAU_ID_LEN + 1];
	enum sceau_role role;
	uint32_t key_count;
};

/* The workspaces where the caller has a role, copied under the lock. */
static int
realms_collect(struct srv_ctx *ctx, const struct srv_caller *caller,
    struct realm_item **out, size_t *n)
{
	const struct sceau_chain_realm *rm;
	struct srv_chain_lock lk;
	struct realm_item *items = NULL;
	enum sceau_role role;
	size_t i, count;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = srv_chains_lock(ctx->chains, &caller->org, &lk)) != 0)
		return r;
	count = lk.chain != NULL ? sceau_chain_realm_count(lk.chain) : 0;
	if (count > 0 && (items = sceau_calloc(count, sizeof(*items))) == NULL)
		r = SCEAU_ERR_ALLOC;
	for (i = 0; i < count && r == 0; i++) {
		rm = sceau_chain_realm_at(lk.chain, i);
		role = sceau_chain_realm_role(
		    lk.chain, rm->realm_id, caller->user_id);
		if (role == SCEAU_ROLE_NONE)
			continue;
		(void)snprintf(items[*n].realm_id, sizeof(items[*n].realm_id),
		    "%s", rm->realm_id);
		items[*n].role = role;
		items[*n].key_count = rm->key_count;
		(*n)++;
	}
	srv_chains_unlock(&lk);
	if (r != 0) {
		sceau_free(items);
		*n = 0;
		return r;
	}
	*out = items;
	return 0;
}

static int
realms_item_json(json_t *list, const struct realm_item *it, uint64_t cp)
{
	json_t *j;

	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "realm_id", it->realm_id) != 0 ||
	    sceau_json_set_string(j, "role", sceau_role_name(it->role)) != 0 ||
	    sceau_json_set_int(j, "checkpoint", (int64_t)cp) != 0 ||
	    sceau_json_set_int(j, "key_index", it->key_count) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return json_array_append_new(list, j) == 0 ? 0 : SCEAU_ERR_ALLOC;
}

int
srv_route_realms(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct realm_item *items = NULL;
	json_t *j = NULL, *list;
	uint64_t cp;
	size_t i, n;
	int r;

	(void)req;
	if ((r = realms_collect(ctx, args->caller, &items, &n)) != 0)
		return r;
	if ((j = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(j, "realms", list) != 0) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = ctx->be->ops->realm_checkpoint(
		         ctx->be, args->org_id, items[i].realm_id, &cp)) != 0 ||
		    (r = realms_item_json(list, &items[i], cp)) != 0)
			goto out;
	}
	r = srv_resp_json(resp, 200, j);
	j = NULL;
out:
	json_decref(j);
	sceau_free(items);
	return r;
}

/* ------------------------------------------------ versions, changes */

/* Ids read back from the database are checked before going in JSON. */
static int
realms_id_ok(const char *id)
{
	if (id == NULL || !sceau_cert_id_valid(id)) {
		sceau_message("database: a stored id is malformed");
		return SCEAU_ERR_STORE_CORRUPT;
	}
	return 0;
}

struct list_ctx {
	struct sceau_buf *out;
	size_t n;
};

static int
versions_put(void *arg, const struct srv_vlob_row *row)
{
	struct list_ctx *lc = arg;
	int r;

	if ((r = realms_id_ok(row->author)) != 0)
		return r;
	return sceau_buf_putf(lc->out,
	    "%s{\"version\":%llu,\"server_time\":%llu,\"author\":\"%s\","
	    "\"size\":%llu}",
	    lc->n++ > 0 ? "," : "", (unsigned long long)row->version,
	    (unsigned long long)row->server_time, row->author,
	    (unsigned long long)row->size);
}

int
srv_route_vlob_versions(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	struct list_ctx lc = {NULL, 0};
	int r;

	(void)req;
	if ((r = srv_realm_access(ctx, args, 0, &acc)) != 0)
		return r;
	if ((lc.out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_putf(lc.out, "{\"versions\":[")) != 0 ||
	    (r = ctx->be->ops->vlob_versions(ctx->be, args->org_id,
	         args->realm_id, args->vlob_id, versions_put, &lc)) != 0 ||
	    (r = sceau_buf_putf(lc.out, "]}\n")) != 0) {
		sceau_buf_free(lc.out);
		return r;
	}
	srv_resp_json_buf(resp, 200, lc.out);
	return 0;
}

static int
changes_put(void *arg, const struct srv_vlob_row *row)
{
	struct list_ctx *lc = arg;
	int r;

	if ((r = realms_id_ok(row->vlob_id)) != 0)
		return r;
	return sceau_buf_putf(lc->out,
	    "%s{\"vlob_id\":\"%s\",\"version\":%llu,\"checkpoint\":%llu}",
	    lc->n++ > 0 ? "," : "", row->vlob_id,
	    (unsigned long long)row->version,
	    (unsigned long long)row->checkpoint);
}

/* "since=C&limit=M", both optional, once each. */
static int
changes_query(const char *q, uint64_t *since, uint64_t *limit)
{
	const char *v;
	char name[8];
	size_t n;
	int r, seen_since = 0, seen_limit = 0;

	*since = 0;
	*limit = CHANGES_LIMIT_MAX;
	while ((r = srv_query_next(&q, name, sizeof(name), &v, &n)) == 0) {
		if (strcmp(name, "since") == 0 && !seen_since++)
			r = srv_query_u64("since", v, n, 0, INT64_MAX, since);
		else if (strcmp(name, "limit") == 0 && !seen_limit++)
			r = srv_query_u64(
			    "limit", v, n, 1, CHANGES_LIMIT_MAX, limit);
		else {
			sceau_message("query: expected since=C and limit=M");
			r = SCEAU_ERR_BAD_REQUEST;
		}
		if (r != 0)
			return r;
	}
	return r == 1 ? 0 : r;
}

int
srv_route_changes(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	struct list_ctx lc = {NULL, 0};
	uint64_t since, limit, cp;
	int r;

	(void)req;
	if ((r = srv_realm_access(ctx, args, 0, &acc)) != 0 ||
	    (r = changes_query(args->query, &since, &limit)) != 0)
		return r;
	if ((lc.out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_putf(lc.out, "{\"changes\":[")) != 0 ||
	    (r = ctx->be->ops->realm_changes(ctx->be, args->org_id,
	         args->realm_id, since, limit, changes_put, &lc, &cp)) != 0 ||
	    (r = sceau_buf_putf(lc.out, "],\"checkpoint\":%llu}\n",
	         (unsigned long long)cp)) != 0) {
		sceau_buf_free(lc.out);
		return r;
	}
	srv_resp_json_buf(resp, 200, lc.out);
	return 0;
}

/* ------------------------------------------------ GET .../history */

/* A reply of history holds about this many blob bytes (at least one). */
#define HISTORY_REPLY_BYTES (4UL * 1024 * 1024)

struct history_ctx {
	struct sceau_buf *out;
	size_t n;
	uint64_t bytes;
	uint64_t last; /* checkpoint of the last version put */
};

static int
history_put(void *arg, const struct srv_vlob_row *row)
{
	struct history_ctx *hc = arg;
	int r;

	if (hc->n > 0 && hc->bytes + row->size > HISTORY_REPLY_BYTES)
		return 1; /* the rest in the next reply */
	if ((r = realms_id_ok(row->vlob_id)) != 0 ||
	    (r = sceau_buf_putf(hc->out,
	         "%s{\"vlob_id\":\"%s\",\"version\":%llu,"
	         "\"checkpoint\":%llu,\"server_time\":%llu,\"blob\":\"",
	         hc->n > 0 ? "," : "", row->vlob_id,
	         (unsigned long long)row->version,
	         (unsigned long long)row->checkpoint,
	         (unsigned long long)row->server_time)) != 0 ||
	    (r = sceau_enc_b64_put(
	         hc->out, row->blob, (size_t)row->size, SCEAU_B64_STD)) != 0 ||
	    (r = sceau_buf_put(hc->out, "\"}", 2)) != 0)
		return r;
	hc->n++;
	hc->bytes += row->size;
	hc->last = row->checkpoint;
	return 0;
}

int
srv_route_history(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	struct history_ctx hc = {NULL, 0, 0, 0};
	uint64_t since, limit;
	int r, more;

	(void)req;
	if ((r = srv_realm_access(ctx, args, 0, &acc)) != 0 ||
	    (r = changes_query(args->query, &since, &limit)) != 0)
		return r;
	if ((hc.out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_putf(hc.out, "{\"versions\":[")) != 0 ||
	    (r = ctx->be->ops->vlob_history(ctx->be, args->org_id,
	         args->realm_id, since, limit, history_put, &hc)) < 0) {
		sceau_buf_free(hc.out);
		return r;
	}
	more = r == 1 || hc.n == limit;
	if ((r = sceau_buf_putf(hc.out, "],\"last\":%llu,\"more\":%s}\n",
	         (unsigned long long)(hc.n > 0 ? hc.last : since),
	         more ? "true" : "false")) != 0) {
		sceau_buf_free(hc.out);
		return r;
	}
	srv_resp_json_buf(resp, 200, hc.out);
	return 0;
}
