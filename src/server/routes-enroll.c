/*
 * routes-enroll.c: PKI enrollment (doc/enrollment.md).  An administrator
 * opens an enrollment link; a person whose smartcard certificate chains to
 * the organization's trust anchors submits a request signed on the card
 * (anonymous, with the link's token, rate-limited); administrators list
 * and decide; the requester polls with a secret only it holds.
 *
 * The server checks what it can before storing anything: the link, the
 * card's signature (before the payload is parsed), the email against the
 * certificate, the path to the anchors the organization's first
 * certificate names, and revocation as the [pki] configuration says.
 * Admins' clients check it all again before they sign anything.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "chain.h"
#include "chains.h"
#include "encoding.h"
#include "enroll.h"
#include "errors.h"
#include "hash.h"
#include "json.h"
#include "log.h"
#include "random.h"
#include "routes.h"
#include "secmem.h"
#include "x509.h"

#define ENROLL_TOKEN_BYTES 32
#define ENROLL_TOKEN_MAX 128
#define ENROLL_LINK_LIFETIME_DEFAULT (30ULL * 24 * 3600) /* seconds */
#define ENROLL_LINK_LIFETIME_MAX (365ULL * 24 * 3600)
#define ENROLL_FRESH_US (10ULL * 60 * 1000000) /* request timestamp skew */
#define ENROLL_WINDOW_US (60ULL * 1000000)
#define ENROLL_MAX_RECENT 20 /* requests per organization per minute */
#define ENROLL_MAX_PENDING 200
#define ENROLL_REASON_MAX 200

/* ------------------------------------------------------------ the link */

int
srv_route_enroll_link(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	uint8_t raw[ENROLL_TOKEN_BYTES], h[SCEAU_SHA256_LEN];
	int64_t lifetime = ENROLL_LINK_LIFETIME_DEFAULT;
	uint64_t expires;
	char *token = NULL, *link = NULL;
	json_t *body = NULL, *j = NULL;
	int r;

	if (args->caller->profile != SCEAU_PROFILE_ADMIN) {
		sceau_message("only an administrator opens enrollment");
		return SCEAU_ERR_FORBIDDEN;
	}
	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((r = sceau_json_get_int_opt(body, "lifetime", 60,
	         (int64_t)ENROLL_LINK_LIFETIME_MAX, &lifetime)) != 0) {
		r = srv_bad_request(r);
		goto out;
	}
	if ((r = sceau_random_bytes(raw, sizeof(raw))) != 0)
		goto out;
	token = sceau_enc_b64(raw, sizeof(raw), SCEAU_B64_URL);
	sceau_memzero(raw, sizeof(raw));
	if (token == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	expires = ctx->now_us() + (uint64_t)lifetime * 1000000;
	if ((r = sceau_hash_sha256(token, strlen(token), h)) != 0 ||
	    (r = ctx->be->ops->enroll_link_set(
	         ctx->be, args->org_id, h, expires)) != 0)
		goto out;
	if ((link = srv_link(&ctx->set, args->org_id, "enroll", token)) ==
	        NULL ||
	    (j = json_object()) == NULL ||
	    sceau_json_set_string(j, "token", token) != 0 ||
	    sceau_json_set_string(j, "link", link) != 0 ||
	    sceau_json_set_int(j, "expires", (int64_t)expires) != 0) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	info_f("organization %s: enrollment link opened by %s", args->org_id,
	    args->caller->device_id);
	r = srv_resp_json(resp, 201, j);
	j = NULL;
out:
	json_decref(j);
	json_decref(body);
	if (token != NULL)
		sceau_freezero(token, strlen(token) + 1);
	if (link != NULL)
		sceau_freezero(link, strlen(link) + 1);
	return r;
}

/* The link's token is the organization's, and not expired. */
static int
enroll_check_token(struct srv_ctx *ctx, const char *org_id, const char *token)
{
	uint8_t want[SCEAU_SHA256_LEN], got[SCEAU_SHA256_LEN];
	uint64_t expires = 0;
	int r;

	if ((r = ctx->be->ops->enroll_link_get(
	         ctx->be, org_id, want, &expires)) == SCEAU_ERR_NOT_FOUND) {
		sceau_message("organization %s takes no enrollment", org_id);
		return SCEAU_ERR_FORBIDDEN;
	}
	if (r != 0 || (r = sceau_hash_sha256(token, strlen(token), got)) != 0)
		return r;
	r = sceau_timingsafe_bcmp(want, got, sizeof(got)) == 0
	    ? 0
	    : SCEAU_ERR_FORBIDDEN;
	sceau_memzero(got, sizeof(got));
	if (r != 0) {
		sceau_message("this enrollment link is not (or no longer) the "
		              "organization's");
		return r;
	}
	if (ctx->now_us() >= expires) {
		sceau_message("the enrollment link has expired");
		return SCEAU_ERR_FORBIDDEN;
	}
	return 0;
}

/* ------------------------------------------------------ the PKI check */

/* A copy of the organization's trust anchors (its first certificate's). */
static int
enroll_anchors(struct srv_ctx *ctx, const char *org_id, struct sceau_buf *out)
{
	struct srv_chain_lock lk;
	struct srv_org org;
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = ctx->be->ops->org_get(ctx->be, org_id, &org)) != 0 ||
	    (r = srv_chains_lock(ctx->chains, &org, &lk)) != 0)
		return r;
	if (lk.chain == NULL || !sceau_chain_x509_anchors(lk.chain, &p, &n)) {
		srv_chains_unlock(&lk);
		sceau_message("organization %s has no PKI trust anchors: "
		              "enrollment needs them",
		    org_id);
		return SCEAU_ERR_FORBIDDEN;
	}
	r = sceau_buf_put(out, p, n);
	srv_chains_unlock(&lk);
	return r;
}

/*
 * The card's certificate: a path to the organization's anchors, valid
 * now, usable to sign and to unwrap, not revoked where the server checks.
 */
static int
enroll_check_pki(
    struct srv_ctx *ctx, const char *org_id, const struct sceau_enroll_env *e)
{
	struct sceau_x509_result *res = NULL;
	struct sceau_x509_trust *t = NULL;
	struct sceau_buf *anchors;
	int r;

	if ((anchors = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = enroll_anchors(ctx, org_id, anchors)) != 0 ||
	    (r = sceau_x509_list_trust(sceau_buf_ptr(anchors),
	         sceau_buf_len(anchors), e->x509_list, e->x509_list_len, &t)) !=
	        0)
		goto out;
	srv_pki_configure(ctx, t);
	sceau_x509_trust_set_usage(
	    t, SCEAU_X509_USAGE_SIGN | SCEAU_X509_USAGE_UNWRAP);
	if ((res = sceau_calloc(1, sizeof(*res))) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = sceau_x509_verify(t, e->leaf, e->leaf_len, NULL, NULL, 0, res);
out:
	sceau_free(res);
	sceau_x509_trust_free(t);
	sceau_buf_free(anchors);
	return r;
}

/* ------------------------------------------------------------- submit */

/* The request's signature, then its payload, then the PKI. */
static int
enroll_check_request(struct srv_ctx *ctx, const char *org_id,
    const struct sceau_buf *raw, struct sceau_enroll_env *e,
    struct sceau_enroll_req *rq)
{
	struct sceau_x509 *leaf = NULL;
	struct sceau_buf *tbs = NULL;
	uint64_t now = ctx->now_us();
	int r;

	if ((r = sceau_enroll_open(
	         sceau_buf_ptr(raw), sceau_buf_len(raw), e)) != 0) {
		sceau_message("request: malformed envelope");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((r = sceau_x509_parse_der(e->leaf, e->leaf_len, &leaf)) != 0) {
		sceau_message("request: the card's certificate is malformed");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((tbs = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	/* The signature first: nothing signed is parsed before. */
	if ((r = sceau_enroll_tbs(e->payload, e->payload_len, tbs)) != 0 ||
	    (r = sceau_x509_verify_signature(leaf, e->alg, sceau_buf_ptr(tbs),
	         sceau_buf_len(tbs), e->sig, e->sig_len)) != 0) {
		if (r != SCEAU_ERR_ALLOC)
			sceau_message("request: the card's signature does not "
			              "verify with its certificate");
		r = r == SCEAU_ERR_ALLOC ? r : SCEAU_ERR_AUTH_FAILED;
		goto out;
	}
	if ((r = sceau_enroll_decode(e, rq)) != 0) {
		sceau_message("request: malformed payload");
		r = SCEAU_ERR_BAD_REQUEST;
		goto out;
	}
	if (strcmp(rq->org_id, org_id) != 0 ||
	    rq->timestamp + ENROLL_FRESH_US < now ||
	    rq->timestamp > now + ENROLL_FRESH_US) {
		sceau_message("request: for another organization, or not "
		              "fresh (the clock is more than 10 minutes off)");
		r = SCEAU_ERR_BAD_REQUEST;
		goto out;
	}
	if (!sceau_x509_has_email(leaf, rq->email)) {
		sceau_message("request: %s is not an email of the card's "
		              "certificate",
		    rq->email);
		r = SCEAU_ERR_FORBIDDEN;
		goto out;
	}
	r = enroll_check_pki(ctx, org_id, e);
out:
	sceau_buf_free(tbs);
	sceau_x509_free(leaf);
	return r;
}

int
srv_route_enroll_submit(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	struct sceau_enroll_env e;
	struct sceau_enroll_req rq;
	struct srv_enroll_row row;
	struct sceau_buf *raw = NULL;
	const char *token;
	json_t *body = NULL, *j;
	int r;

	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((raw = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_json_get_string(
	         body, "token", ENROLL_TOKEN_MAX, &token)) != 0 ||
	    (r = sceau_json_get_b64(
	         body, "request", SCEAU_B64_STD, SCEAU_ENROLL_MAX, raw)) != 0) {
		r = srv_bad_request(r);
		goto out;
	}
	if ((r = srv_org_open_to_newcomers(ctx, args->org_id)) != 0 ||
	    (r = enroll_check_token(ctx, args->org_id, token)) != 0 ||
	    (r = enroll_check_request(ctx, args->org_id, raw, &e, &rq)) != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	if ((r = sceau_cert_new_id(row.id)) != 0)
		goto out;
	(void)snprintf(row.email, sizeof(row.email), "%s", rq.email);
	memcpy(row.user_id, rq.user_id, sizeof(row.user_id));
	memcpy(row.device_id, rq.device_id, sizeof(row.device_id));
	memcpy(row.poll_hash, rq.poll_hash, sizeof(row.poll_hash));
	row.request = sceau_buf_ptr(raw);
	row.request_len = sceau_buf_len(raw);
	if ((r = ctx->be->ops->enroll_put(ctx->be, args->org_id, &row,
	         ctx->now_us(), ENROLL_WINDOW_US, ENROLL_MAX_RECENT,
	         ENROLL_MAX_PENDING)) != 0)
		goto out;
	info_f("organization %s: enrollment request %s from %s", args->org_id,
	    row.id, rq.email);
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "request_id", row.id) != 0 ||
	    sceau_json_set_string(j, "status", "pending") != 0) {
		json_decref(j);
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = srv_resp_json(resp, 201, j);
out:
	sceau_buf_free(raw);
	json_decref(body);
	return r;
}

/* ------------------------------------------------ status, list, decide */

static const char *
enroll_status_name(enum srv_enroll_status s)
{
	switch (s) {
	case SRV_ENROLL_PENDING:
		return "pending";
	case SRV_ENROLL_ACCEPTED:
		return "accepted";
	case SRV_ENROLL_REJECTED:
		return "rejected";
	}
	return "unknown";
}

static json_t *
enroll_row_json(const struct srv_enroll_row *row, int with_request)
{
	json_t *j = json_object();

	if (j == NULL || sceau_json_set_string(j, "request_id", row->id) != 0 ||
	    sceau_json_set_int(j, "created", (int64_t)row->created_us) != 0 ||
	    sceau_json_set_string(
	        j, "status", enroll_status_name(row->status)) != 0 ||
	    sceau_json_set_string(j, "email", row->email) != 0 ||
	    sceau_json_set_string(j, "user_id", row->user_id) != 0 ||
	    sceau_json_set_string(j, "device_id", row->device_id) != 0 ||
	    sceau_json_set_string(j, "reason", row->reason) != 0 ||
	    (with_request &&
	        sceau_json_set_b64(j, "request", row->request, row->request_len,
	            SCEAU_B64_STD) != 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

struct status_ctx {
	uint8_t hash[SCEAU_SHA256_LEN];
	json_t *out;
	int ok;
};

static int
status_cb(void *arg, const struct srv_enroll_row *row)
{
	struct status_ctx *sc = arg;

	/* Only the holder of the secret learns anything of the request. */
	if (sceau_timingsafe_bcmp(row->poll_hash, sc->hash, SCEAU_SHA256_LEN) !=
	    0)
		return 0;
	sc->ok = 1;
	if ((sc->out = enroll_row_json(row, 0)) == NULL)
		return SCEAU_ERR_ALLOC;
	return 0;
}

int
srv_route_enroll_status(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	uint8_t secret[SCEAU_ENROLL_SECRET_LEN];
	struct status_ctx sc;
	const char *id;
	json_t *body = NULL;
	int r;

	memset(&sc, 0, sizeof(sc));
	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((r = sceau_json_get_string(
	         body, "request_id", SCEAU_ID_LEN, &id)) != 0 ||
	    (r = sceau_json_get_b64_fixed(
	         body, "secret", SCEAU_B64_STD, secret, sizeof(secret))) != 0 ||
	    !sceau_cert_id_valid(id)) {
		r = srv_bad_request(r != 0 ? r : SCEAU_ERR_BAD_REQUEST);
		goto out;
	}
	if ((r = sceau_hash_sha256(secret, sizeof(secret), sc.hash)) != 0)
		goto out;
	r = ctx->be->ops->enroll_get(ctx->be, args->org_id, id, status_cb, &sc);
	if (r == 0 && !sc.ok)
		r = SCEAU_ERR_NOT_FOUND;
	if (r == SCEAU_ERR_NOT_FOUND)
		sceau_message("no such request, or not yours");
	if (r == 0) {
		r = srv_resp_json(resp, 200, sc.out);
		sc.out = NULL;
	}
out:
	sceau_memzero(secret, sizeof(secret));
	json_decref(sc.out);
	json_decref(body);
	return r;
}

static int
list_cb(void *arg, const struct srv_enroll_row *row)
{
	json_t *o = enroll_row_json(row, 1);

	if (o == NULL || json_array_append_new((json_t *)arg, o) != 0)
		return SCEAU_ERR_ALLOC;
	return 0;
}

int
srv_route_enroll_list(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	json_t *arr, *j;
	int r;

	(void)req;
	if (args->caller->profile != SCEAU_PROFILE_ADMIN) {
		sceau_message("only an administrator sees enrollment requests");
		return SCEAU_ERR_FORBIDDEN;
	}
	if ((arr = json_array()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = ctx->be->ops->enroll_list(
	         ctx->be, args->org_id, list_cb, arr)) != 0) {
		json_decref(arr);
		return r;
	}
	if ((j = json_object()) == NULL ||
	    json_object_set_new(j, "requests", arr) != 0) {
		json_decref(j);
		return SCEAU_ERR_ALLOC;
	}
	return srv_resp_json(resp, 200, j);
}

struct decide_ctx {
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	uint8_t leaf_fp[SCEAU_CERT_HASH_LEN];
	enum srv_enroll_status status;
};

static int
decide_cb(void *arg, const struct srv_enroll_row *row)
{
	struct decide_ctx *dc = arg;
	struct sceau_enroll_env e;
	int r;

	memcpy(dc->user_id, row->user_id, sizeof(dc->user_id));
	memcpy(dc->device_id, row->device_id, sizeof(dc->device_id));
	dc->status = row->status;
	if ((r = sceau_enroll_open(row->request, row->request_len, &e)) != 0)
		return SCEAU_ERR_STORE_CORRUPT;
	return sceau_hash_sha256(e.leaf, e.leaf_len, dc->leaf_fp);
}

/* Accepting says the chain holds the request's device, bound to its card. */
static int
decide_check_chain(
    struct srv_ctx *ctx, const char *org_id, const struct decide_ctx *dc)
{
	const struct sceau_chain_device *d;
	struct srv_chain_lock lk;
	struct srv_org org;
	int r;

	if ((r = ctx->be->ops->org_get(ctx->be, org_id, &org)) != 0 ||
	    (r = srv_chains_lock(ctx->chains, &org, &lk)) != 0)
		return r;
	d = lk.chain != NULL ? sceau_chain_device(lk.chain, dc->device_id)
	                     : NULL;
	r = d != NULL && d->token_bound &&
	        strcmp(d->user_id, dc->user_id) == 0 &&
	        sceau_timingsafe_bcmp(
	            d->x509_fingerprint, dc->leaf_fp, SCEAU_CERT_HASH_LEN) == 0
	    ? 0
	    : SCEAU_ERR_CONFLICT;
	srv_chains_unlock(&lk);
	if (r != 0)
		sceau_message("accept the request by adding its user and "
		              "device, bound to its card, first");
	return r;
}

int
srv_route_enroll_decide(struct srv_ctx *ctx, const struct srv_request *req,
    const struct srv_route_args *args, struct srv_response *resp)
{
	const char *id = args->realm_id; /* the first id of the path */
	static const char *const decisions[] = {"accepted", "rejected", NULL};
	static const enum srv_enroll_status statuses[] = {
	    SRV_ENROLL_ACCEPTED, SRV_ENROLL_REJECTED};
	const char *reason = "";
	enum srv_enroll_status st;
	size_t k;
	struct decide_ctx dc;
	json_t *body = NULL, *j;
	int r;

	if (args->caller->profile != SCEAU_PROFILE_ADMIN) {
		sceau_message("only an administrator decides enrollment");
		return SCEAU_ERR_FORBIDDEN;
	}
	if ((r = srv_body_json(ctx, req, &body)) != 0)
		return r;
	if ((r = sceau_json_get_choice(body, "decision", decisions, &k)) != 0 ||
	    (r = sceau_json_get_string_opt(
	         body, "reason", ENROLL_REASON_MAX, &reason)) != 0) {
		r = srv_bad_request(r);
		goto out;
	}
	st = statuses[k];
	if (reason[0] != '\0' && !sceau_identity_name_valid(reason)) {
		sceau_message("reason: a text without control characters");
		r = SCEAU_ERR_BAD_REQUEST;
		goto out;
	}
	memset(&dc, 0, sizeof(dc));
	if ((r = ctx->be->ops->enroll_get(
	         ctx->be, args->org_id, id, decide_cb, &dc)) != 0 ||
	    (st == SRV_ENROLL_ACCEPTED &&
	        (r = decide_check_chain(ctx, args->org_id, &dc)) != 0) ||
	    (r = ctx->be->ops->enroll_decide(ctx->be, args->org_id, id, st,
	         args->caller->device_id, reason)) != 0)
		goto out;
	info_f("organization %s: enrollment request %s %s by %s", args->org_id,
	    id, decisions[k], args->caller->device_id);
	if ((j = json_object()) == NULL ||
	    sceau_json_set_string(j, "request_id", id) != 0 ||
	    sceau_json_set_string(j, "status", decisions[k]) != 0) {
		json_decref(j);
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = srv_resp_json(resp, 200, j);
out:
	json_decref(body);
	return r;
}
