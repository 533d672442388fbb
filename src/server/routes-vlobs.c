/*
 * routes-vlobs.c: storing and reading vlob versions (doc/protocol.md,
 * "Vlobs").
 *
 * The server cannot read a vlob (it is encrypted) and does not verify its
 * signature (clients do, with the chain), but it checks where the vlob
 * claims to belong, in clear, before storing it: this organization,
 * workspace, vlob id and version, the calling device as author, the
 * workspace's latest key.  A vlob that fails refuses the whole request.
 *
 * Memory: a POST body is up to 16 MiB of JSON; each blob is decoded into
 * one buffer and its JSON item freed at once, so the peak is the body,
 * its tree and the decoded blobs (less than the tree).  Bodies larger
 * than server.max_body are parsed one at a time (ctx->heavy).  Replies
 * of GET are written straight into their buffer and stop after
 * VLOBS_REPLY_BYTES of blobs; the ids not read come back in "more".
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "routes.h"

/* Blob bytes in one GET reply (one vlob at least, whatever its size). */
#define VLOBS_REPLY_BYTES (4UL * 1024 * 1024)
#define VLOBS_STOP 1 /* vlob_get callback: the reply is full */

/* One vlob of a POST, before it goes to the backend. */
struct vput {
	char vlob_id[SCEAU_ID_LEN + 1];
	uint64_t version;
	size_t off, len; /* in the decoded blobs */
};

/* ------------------------------------------------------------- POST */

static int
vput_parse_item(json_t *o, size_t i, struct vput *v, struct sceau_buf *blobs)
{
	const char *id;
	int64_t version;
	char what[48];
	int r;

	if (!json_is_object(o)) {
		sceau_message("vlobs[%zu]: expected an object", i);
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((r = sceau_json_get_string(o, "vlob_id", SCEAU_ID_LEN, &id)) != 0 ||
	    (r = sceau_json_get_int(o, "version", 1, INT64_MAX, &version)) != 0)
		return srv_bad_request(r);
	if (!sceau_cert_id_valid(id)) {
		sceau_message("vlobs[%zu].vlob_id: 32 lowercase hex digits", i);
		return SCEAU_ERR_BAD_REQUEST;
	}
	(void)snprintf(v->vlob_id, sizeof(v->vlob_id), "%s", id);
	v->version = (uint64_t)version;
	v->off = sceau_buf_len(blobs);
	(void)snprintf(what, sizeof(what), "vlobs[%zu].blob", i);
	if ((r = srv_b64_value(
	         json_object_get(o, "blob"), SCEAU_VLOB_MAX, what, blobs)) != 0)
		return r;
	v->len = sceau_buf_len(blobs) - v->off;
	return 0;
}

/* The items of {"vlobs": [...]}, their blobs decoded into blobs. */
static int
vput_parse(json_t *body, struct vput **out, size_t *n, struct sceau_buf *blobs)
{
	json_t *arr;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = sceau_json_get_array(body, "vlobs", SRV_VLOBS_MAX, &arr)) != 0)
		return srv_bad_request(r);
	if (json_array_size(arr) == 0) {
		sceau_message("vlobs: at least one");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((*out = sceau_calloc(json_array_size(arr), sizeof(**out))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < json_array_size(arr); i++) {
		if ((r = vput_parse_item(
		         json_array_get(arr, i), i, &(*out)[i], blobs)) != 0)
			return r;
		/* Decoded: its text is no longer needed. */
		(void)json_array_set_new(arr, i, json_null());
		(*n)++;
	}
	return 0;
}

/* Where the vlob says it belongs, against where it is sent. */
static int
vput_check(const struct srv_route_args *args,
    const struct srv_realm_access *acc, const struct vput *v,
    const uint8_t *blob)
{
	struct sceau_vlob_header h;
	const char *why = NULL;

	if (sceau_vlob_parse(blob, v->len, &h) != 0)
		why = "malformed";
	else if (strcmp(h.org_id, args->org_id) != 0)
		why = "it names another organization";
	else if (strcmp(h.realm_id, args->realm_id) != 0)
		why = "it names another workspace";
	else if (strcmp(h.vlob_id, v->vlob_id) != 0)
		why = "it names another vlob";
	else if (h.version != v->version)
		why = "it holds another version";
	else if (strcmp(h.author, args->caller->device_id) != 0)
		why = "its author is not the calling device";
	else if (h.key_index != acc->key_count)
		why = "not encrypted with the workspace's latest key";
	if (why == NULL)
		return 0;
	sceau_message("vlob %s version %llu: %s", v->vlob_id,
	    (unsigned long long)v->version, why);
	return SCEAU_ERR_BAD_REQUEST;
}

static int
vput_reply(const struct srv_vlob_put *items, size_t n, uint64_t cp,
    struct srv_response *resp)
{
	struct sceau_buf *b = sceau_buf_new();
	size_t i;
	int r = 0;

	if (b == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_buf_putf(b, "{\"results\":[");
	for (i = 0; i < n && r == 0; i++) {
		if (items[i].stored)
			r = sceau_buf_putf(b,
			    "%s{\"vlob_id\":\"%s\",\"status\":\"ok\","
			    "\"version\":%llu,\"checkpoint\":%llu}",
			    i > 0 ? "," : "", items[i].vlob_id,
			    (unsigned long long)items[i].version,
			    (unsigned long long)items[i].checkpoint);
		else
			r = sceau_buf_putf(b,
			    "%s{\"vlob_id\":\"%s\",\"status\":\"conflict\","
			    "\"current_version\":%llu}",
			    i > 0 ? "," : "", items[i].vlob_id,
			    (unsigned long long)items[i].current_version);
	}
	if (r == 0)
		r = sceau_buf_putf(
		    b, "],\"checkpoint\":%llu}\n", (unsigned long long)cp);
	if (r != 0) {
		sceau_buf_free(b);
		return r;
	}
	srv_resp_json_buf(resp, 200, b);
	return 0;
}

static int
vput_store(struct srv_ctx *ctx, const struct srv_route_args *args,
    const struct srv_realm_access *acc, const struct vput *v, size_t n,
    const struct sceau_buf *blobs, struct srv_response *resp)
{
	struct srv_vlob_put *items;
	const uint8_t *base = sceau_buf_ptr(blobs);
	uint64_t cp;
	size_t i;
	int r = 0;

	if ((items = sceau_calloc(n, sizeof(*items))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < n && r == 0; i++) {
		r = vput_check(args, acc, &v[i], base + v[i].off);
		items[i].vlob_id = v[i].vlob_id;
		items[i].version = v[i].version;
		items[i].author = args->caller->device_id;
		items[i].blob = base + v[i].off;
		items[i].blob_len = v[i].len;
	}
	if (r == 0 &&
	    (r = ctx->be->ops->vlob_put_batch(ctx->be, args->org_id,
	         args->realm_id, items, n, ctx->now_us(), &cp)) == 0)
		r = vput_reply(items, n, cp, resp);
	sceau_free(items);
	return r;
}

static int
vput_run(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, const struct srv_realm_access *acc,
    struct srv_response *resp)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;
	struct sceau_buf *blobs = sceau_buf_new();
	struct vput *v = NULL;
	json_t *body = NULL;
	size_t n = 0;
	int r;

	if (blobs == NULL)
		return SCEAU_ERR_ALLOC;
	lim.max_bytes = SCEAU_MAX(ctx->set.max_body, SRV_VLOB_BODY_MAX);
	lim.max_string = sceau_enc_b64_len(SCEAU_VLOB_MAX, SCEAU_B64_STD);
	lim.max_nodes = 10 * SRV_VLOBS_MAX + 10;
	if ((r = srv_body_json_lim(req, &lim, &body)) == 0 &&
	    (r = vput_parse(body, &v, &n, blobs)) == 0) {
		json_decref(body);
		body = NULL;
		r = vput_store(ctx, args, acc, v, n, blobs, resp);
	}
	json_decref(body);
	sceau_free(v);
	sceau_buf_free(blobs);
	return r;
}

int
srv_route_vlobs_post(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	int r, heavy = req->body_len > ctx->set.max_body;

	if ((r = srv_realm_access(ctx, args, 1, &acc)) != 0)
		return r;
	/* A large body's tree is as large again: one at a time. */
	if (heavy)
		(void)pthread_mutex_lock(&ctx->heavy);
	r = vput_run(ctx, req, args, &acc, resp);
	if (heavy)
		(void)pthread_mutex_unlock(&ctx->heavy);
	return r;
}

/* -------------------------------------------------------------- GET */

struct vget_query {
	char (*ids)[SCEAU_ID_LEN + 1];
	const char **idp; /* pointers to ids, for the backend */
	size_t n;
	enum srv_vlob_which which;
	uint64_t arg;
};

/* "ID,ID,..." into q->ids. */
static int
vget_ids(const char *v, size_t len, struct vget_query *q)
{
	size_t i, n = 1, k;

	for (i = 0; i < len; i++)
		n += v[i] == ',';
	if (len == 0 || n > SRV_VLOBS_MAX) {
		sceau_message("query: ids: 1 to %d vlob ids", SRV_VLOBS_MAX);
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((q->ids = sceau_calloc(n, sizeof(*q->ids))) == NULL ||
	    (q->idp = sceau_calloc(n, sizeof(*q->idp))) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < n; i++) {
		k = strcspn(v, ",&");
		if (k != SCEAU_ID_LEN)
			break;
		memcpy(q->ids[i], v, k);
		if (!sceau_cert_id_valid(q->ids[i]))
			break;
		q->idp[i] = q->ids[i];
		v += k + 1;
	}
	if (i < n) {
		sceau_message("query: ids: 32 lowercase hex digits each");
		return SCEAU_ERR_BAD_REQUEST;
	}
	q->n = n;
	return 0;
}

static int
vget_param(const char *name, const char *v, size_t len, struct vget_query *q)
{
	int r;

	if (strcmp(name, "ids") == 0 && q->ids == NULL)
		return vget_ids(v, len, q);
	if (q->which != SRV_VLOB_LATEST) {
		sceau_message("query: version and at exclude each other");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (strcmp(name, "version") == 0) {
		r = srv_query_u64("version", v, len, 1, INT64_MAX, &q->arg);
		q->which = SRV_VLOB_VERSION;
	} else if (strcmp(name, "at") == 0) {
		r = srv_query_u64("at", v, len, 0, INT64_MAX, &q->arg);
		q->which = SRV_VLOB_AT;
	} else {
		sceau_message("query: expected ids=, version= or at=");
		r = SCEAU_ERR_BAD_REQUEST;
	}
	return r;
}

static int
vget_query(const char *qs, struct vget_query *q)
{
	const char *v;
	char name[8];
	size_t len;
	int r;

	while ((r = srv_query_next(&qs, name, sizeof(name), &v, &len)) == 0) {
		if ((r = vget_param(name, v, len, q)) != 0)
			return r;
	}
	if (r != 1)
		return r;
	if (q->ids == NULL) {
		sceau_message("query: ids= is required");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (q->which == SRV_VLOB_VERSION && q->n != 1) {
		sceau_message("query: version= takes one id");
		return SCEAU_ERR_BAD_REQUEST;
	}
	return 0;
}

struct vget_reply {
	struct sceau_buf *out;
	uint8_t *missing; /* per id */
	size_t nvlobs;
	size_t stop; /* ids from here were not read */
	uint64_t blob_bytes;
};

static int
vget_put(void *arg, size_t i, const struct srv_vlob_row *row)
{
	struct vget_reply *vr = arg;
	int r;

	if (row == NULL) {
		vr->missing[i] = 1;
		return 0;
	}
	if (vr->nvlobs > 0 && vr->blob_bytes + row->size > VLOBS_REPLY_BYTES) {
		vr->stop = i;
		return VLOBS_STOP;
	}
	vr->blob_bytes += row->size;
	if ((r = sceau_buf_putf(vr->out,
	         "%s{\"vlob_id\":\"%s\",\"version\":%llu,\"server_time\":%llu,"
	         "\"blob\":\"",
	         vr->nvlobs++ > 0 ? "," : "", row->vlob_id,
	         (unsigned long long)row->version,
	         (unsigned long long)row->server_time)) != 0 ||
	    (r = sceau_enc_b64_put(
	         vr->out, row->blob, (size_t)row->size, SCEAU_B64_STD)) != 0)
		return r;
	return sceau_buf_put(vr->out, "\"}", 2);
}

/* "missing": ids not found before the stop; "more": ids not read. */
static int
vget_tail(const struct vget_query *q, const struct vget_reply *vr)
{
	size_t i, k = 0;
	int r;

	if ((r = sceau_buf_putf(vr->out, "],\"missing\":[")) != 0)
		return r;
	for (i = 0; i < vr->stop && r == 0; i++) {
		if (vr->missing[i])
			r = sceau_buf_putf(
			    vr->out, "%s\"%s\"", k++ > 0 ? "," : "", q->ids[i]);
	}
	if (r == 0 && vr->stop < q->n)
		r = sceau_buf_putf(vr->out, "],\"more\":[");
	for (i = vr->stop; i < q->n && r == 0; i++)
		r = sceau_buf_putf(
		    vr->out, "%s\"%s\"", i > vr->stop ? "," : "", q->ids[i]);
	if (r == 0)
		r = sceau_buf_putf(vr->out, "]}\n");
	return r;
}

static int
vget_run(struct srv_ctx *ctx, const struct srv_route_args *args,
    const struct vget_query *q, struct srv_response *resp)
{
	struct vget_reply vr;
	int r;

	memset(&vr, 0, sizeof(vr));
	vr.stop = q->n;
	if ((vr.out = sceau_buf_new()) == NULL ||
	    (vr.missing = sceau_calloc(q->n, 1)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_buf_putf(vr.out, "{\"vlobs\":[")) != 0)
		goto out;
	r = ctx->be->ops->vlob_get(ctx->be, args->org_id, args->realm_id,
	    q->idp, q->n, q->which, q->arg, vget_put, &vr);
	if ((r != 0 && r != VLOBS_STOP) || (r = vget_tail(q, &vr)) != 0)
		goto out;
	srv_resp_json_buf(resp, 200, vr.out);
	vr.out = NULL;
out:
	sceau_buf_free(vr.out);
	sceau_free(vr.missing);
	return r;
}

int
srv_route_vlobs_get(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_realm_access acc;
	struct vget_query q;
	int r;

	(void)req;
	memset(&q, 0, sizeof(q));
	if ((r = srv_realm_access(ctx, args, 0, &acc)) == 0 &&
	    (r = vget_query(args->query, &q)) == 0)
		r = vget_run(ctx, args, &q, resp);
	sceau_free(q.ids);
	sceau_free(q.idp);
	return r;
}
