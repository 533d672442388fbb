/*
 * routes-org.c: an organization's bootstrap (anonymous, with the
 * bootstrap token), who-am-I and event stream (signed by a device).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "errors.h"
#include "hash.h"
#include "json.h"
#include "log.h"
#include "routes.h"
#include "secmem.h"
#include "stream.h"

#define BOOT_NCERTS 3
#define BOOT_TOKEN_MAX 256

struct boot_input {
	const char *token; /* borrowed from the body */
	uint8_t root_vk[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_buf *cert[BOOT_NCERTS];
	struct sceau_buf *ident[BOOT_NCERTS]; /* NULL: none given */
};

static void
boot_input_clear(struct boot_input *in)
{
	size_t i;

	for (i = 0; i < BOOT_NCERTS; i++) {
		sceau_buf_free(in->cert[i]);
		sceau_buf_free(in->ident[i]);
	}
	memset(in, 0, sizeof(*in));
}

/* certificates[i] and identities[i] (a base64 string or null). */
static int
boot_parse_item(
    const json_t *certs, const json_t *idents, size_t i, struct boot_input *in)
{
	const json_t *id = json_array_get(idents, i);
	char what[32];
	int r;

	if ((in->cert[i] = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	(void)snprintf(what, sizeof(what), "certificates[%zu]", i);
	if ((r = srv_b64_value(json_array_get(certs, i), SCEAU_CERT_MAX, what,
	         in->cert[i])) != 0)
		return r;
	if (json_is_null(id))
		return 0;
	if ((in->ident[i] = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	(void)snprintf(what, sizeof(what), "identities[%zu]", i);
	return srv_b64_value(id, SCEAU_CERT_IDENTITY_MAX, what, in->ident[i]);
}

static int
boot_parse(const json_t *body, struct boot_input *in)
{
	json_t *certs, *idents;
	size_t i;
	int r;

	if ((r = sceau_json_get_string(
	         body, "token", BOOT_TOKEN_MAX, &in->token)) != 0 ||
	    (r = sceau_json_get_b64_fixed(body, "root_verify_key",
	         SCEAU_B64_STD, in->root_vk, sizeof(in->root_vk))) != 0 ||
	    (r = sceau_json_get_array(
	         body, "certificates", BOOT_NCERTS, &certs)) != 0 ||
	    (r = sceau_json_get_array(
	         body, "identities", BOOT_NCERTS, &idents)) != 0)
		return srv_bad_request(r);
	if (json_array_size(certs) != BOOT_NCERTS ||
	    json_array_size(idents) != BOOT_NCERTS) {
		sceau_message("certificates and identities: 3 items each");
		return SCEAU_ERR_BAD_REQUEST;
	}
	for (i = 0; i < BOOT_NCERTS; i++) {
		if ((r = boot_parse_item(certs, idents, i, in)) != 0)
			return r;
	}
	return 0;
}

/* The organization may be bootstrapped with this token. */
static int
boot_check_org(const struct srv_org *org, const char *token)
{
	uint8_t h[SCEAU_SHA256_LEN];
	int r;

	if (org->bootstrapped) {
		sceau_message("organization %s is bootstrapped", org->org_id);
		return SCEAU_ERR_ALREADY_BOOTSTRAPPED;
	}
	if (org->frozen) {
		sceau_message("organization %s is frozen", org->org_id);
		return SCEAU_ERR_ORG_FROZEN;
	}
	if ((r = sceau_hash_sha256(token, strlen(token), h)) != 0)
		return r;
	r = org->has_token &&
	        sceau_timingsafe_bcmp(h, org->token_hash, sizeof(h)) == 0
	    ? 0
	    : SCEAU_ERR_BOOTSTRAP_TOKEN;
	sceau_memzero(h, sizeof(h));
	if (r != 0)
		sceau_message("bootstrap token refused");
	return r;
}

/* The three certificates, by the chain rules, in a chain of their own. */
static int
boot_validate(
    const char *org_id, const struct boot_input *in, uint64_t server_time)
{
	static const enum sceau_cert_kind kinds[BOOT_NCERTS] = {
	    SCEAU_CERT_ORG, SCEAU_CERT_USER, SCEAU_CERT_DEVICE};
	struct sceau_chain *chain = NULL;
	struct sceau_cert c;
	size_t i;
	int r;

	if ((r = sceau_chain_new(org_id, in->root_vk, &chain)) != 0)
		return r;
	for (i = 0; i < BOOT_NCERTS; i++) {
		if ((r = sceau_chain_append(chain, sceau_buf_ptr(in->cert[i]),
		         sceau_buf_len(in->cert[i]), server_time, &c)) != 0)
			break;
		if (c.kind != kinds[i]) {
			sceau_message("certificate %zu must be of kind %s",
			    i + 1, sceau_cert_kind_name(kinds[i]));
			r = SCEAU_ERR_CHAIN_INVALID;
			break;
		}
		if ((r = srv_identity_check(&c, in->ident[i])) != 0)
			break;
	}
	sceau_chain_free(chain);
	return r;
}

static int
boot_store(struct srv_ctx *ctx, const char *org_id, const struct boot_input *in,
    uint64_t server_time)
{
	struct srv_cert_row rows[BOOT_NCERTS];
	uint8_t h[SCEAU_SHA256_LEN];
	size_t i;
	int r;

	memset(rows, 0, sizeof(rows));
	for (i = 0; i < BOOT_NCERTS; i++) {
		rows[i].index = i + 1;
		rows[i].envelope = sceau_buf_ptr(in->cert[i]);
		rows[i].envelope_len = sceau_buf_len(in->cert[i]);
		if (in->ident[i] != NULL) {
			rows[i].identity = sceau_buf_len(in->ident[i]) > 0
			    ? sceau_buf_ptr(in->ident[i])
			    : (const uint8_t *)"";
			rows[i].identity_len = sceau_buf_len(in->ident[i]);
		}
		rows[i].server_time = server_time;
	}
	if ((r = sceau_hash_sha256(in->token, strlen(in->token), h)) != 0)
		return r;
	/* The backend checks the token again, inside the transaction. */
	r = ctx->be->ops->bootstrap(
	    ctx->be, org_id, h, in->root_vk, rows, BOOT_NCERTS);
	if (r == SCEAU_ERR_BOOTSTRAP_TOKEN)
		sceau_message("bootstrap token refused");
	return r;
}

int
srv_route_bootstrap(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct boot_input in;
	struct srv_org org;
	uint64_t now = ctx->now_us();
	json_t *body = NULL, *j;
	int r;

	memset(&in, 0, sizeof(in));
	if ((r = srv_body_json(ctx, req, &body)) != 0 ||
	    (r = boot_parse(body, &in)) != 0 ||
	    (r = ctx->be->ops->org_get(ctx->be, args->org_id, &org)) != 0 ||
	    (r = boot_check_org(&org, in.token)) != 0 ||
	    (r = boot_validate(args->org_id, &in, now)) != 0 ||
	    (r = boot_store(ctx, args->org_id, &in, now)) != 0)
		goto out;
	info_f("organization %s bootstrapped", args->org_id);
	if ((j = json_object()) == NULL ||
	    sceau_json_set_int(j, "last_index", BOOT_NCERTS) != 0) {
		json_decref(j);
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = srv_resp_json(resp, 200, j);
out:
	boot_input_clear(&in);
	json_decref(body);
	return r;
}

int
srv_route_whoami(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	const struct srv_caller *c = args->caller;
	json_t *j;

	(void)ctx;
	(void)req;
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "org_id", c->org.org_id) != 0 ||
	    sceau_json_set_string(j, "device_id", c->device_id) != 0 ||
	    sceau_json_set_string(j, "user_id", c->user_id) != 0 ||
	    sceau_json_set_string(
	        j, "profile", sceau_profile_name(c->profile)) != 0 ||
	    sceau_json_set_int(j, "last_index", (int64_t)c->org.last_index) !=
	        0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

/* Last-Event-ID: a decimal event id. */
static int
events_parse_last(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i, n = strnlen(s, 21);

	if (n == 0 || n > 19) {
		sceau_message("Last-Event-ID: expected an event id");
		return SCEAU_ERR_BAD_REQUEST;
	}
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			sceau_message("Last-Event-ID: expected an event id");
			return SCEAU_ERR_BAD_REQUEST;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
srv_route_events(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct srv_stream *s;
	uint64_t after = 0;
	int r;

	/* Without Last-Event-ID, the stream starts with the next event. */
	if (req->last_event_id != NULL)
		r = events_parse_last(req->last_event_id, &after);
	else
		r = ctx->be->ops->event_last(ctx->be, args->org_id, &after);
	if (r != 0 ||
	    (r = srv_stream_new(
	         ctx, args->org_id, args->caller->device_id, after, &s)) != 0)
		return r;
	srv_resp_clear(resp);
	resp->status = 200;
	resp->kind = SRV_RESP_EVENTS;
	resp->stream = s;
	return 0;
}
