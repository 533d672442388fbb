/*
 * auth.c: administrator tokens and signed device requests.
 *
 * What a device check needs from the chain (verify key, user, revocation)
 * is copied under the organization's lock, and the signature is verified
 * after unlocking, so that verifications of one organization run in
 * parallel.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "chains.h"
#include "errors.h"
#include "hash.h"
#include "log.h"
#include "reqsign.h"
#include "secmem.h"
#include "server.h"

/* Longest admin token looked at (longer ones are refused unread). */
#define AUTH_ADMIN_TOKEN_MAX 1024

int
srv_auth_admin(const struct srv_ctx *ctx, const char *authorization)
{
	uint8_t h[SCEAU_SHA256_LEN];
	const char *tok;
	size_t n;
	int r = SCEAU_ERR_ADMIN_AUTH;

	if (!ctx->set.admin_enabled) {
		sceau_message("no admin token is configured");
		return SCEAU_ERR_ADMIN_AUTH;
	}
	if (authorization == NULL ||
	    strncasecmp(authorization, "Bearer ", 7) != 0) {
		sceau_message("expected Authorization: Bearer TOKEN");
		return SCEAU_ERR_ADMIN_AUTH;
	}
	for (tok = authorization + 7; *tok == ' '; tok++)
		;
	n = strnlen(tok, AUTH_ADMIN_TOKEN_MAX + 1);
	if (n == 0 || n > AUTH_ADMIN_TOKEN_MAX)
		goto out;
	if (sceau_hash_sha256(tok, n, h) != 0)
		goto out;
	if (sceau_timingsafe_bcmp(h, ctx->set.admin_hash, sizeof(h)) == 0)
		r = 0;
out:
	sceau_memzero(h, sizeof(h));
	if (r != 0)
		sceau_message("admin token refused");
	return r;
}

/* What a device check needs, copied from the chain. */
struct auth_device {
	char user_id[SCEAU_ID_LEN + 1];
	uint8_t verify_key[SCEAU_SIGN_PUBLIC_LEN];
	int device_revoked;
	int user_revoked;
	enum sceau_profile profile;
};

static int
auth_lookup(struct srv_ctx *ctx, const struct srv_org *org,
    const char *device_id, struct auth_device *d)
{
	const struct sceau_chain_device *dev;
	const struct sceau_chain_user *user;
	struct srv_chain_lock lk;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = srv_chains_lock(ctx->chains, org, &lk)) != 0)
		return r;
	if (lk.chain == NULL ||
	    (dev = sceau_chain_device(lk.chain, device_id)) == NULL ||
	    (user = sceau_chain_user(lk.chain, dev->user_id)) == NULL) {
		srv_chains_unlock(&lk);
		sceau_message("unknown device");
		return SCEAU_ERR_AUTH_FAILED;
	}
	(void)snprintf(d->user_id, sizeof(d->user_id), "%s", dev->user_id);
	memcpy(d->verify_key, dev->verify_key, sizeof(d->verify_key));
	d->device_revoked = dev->revoked_index != 0;
	d->user_revoked = user->revoked_index != 0;
	d->profile = user->profile;
	srv_chains_unlock(&lk);
	return 0;
}

/* Revocations, then the organization's state. */
static int
auth_allowed(const struct srv_org *org, const struct auth_device *d)
{
	/* The user first: revoking a user revokes its devices too. */
	if (d->user_revoked) {
		sceau_message("user revoked");
		return SCEAU_ERR_USER_REVOKED;
	}
	if (d->device_revoked) {
		sceau_message("device revoked");
		return SCEAU_ERR_DEVICE_REVOKED;
	}
	if (org->frozen) {
		sceau_message("organization frozen");
		return SCEAU_ERR_ORG_FROZEN;
	}
	return 0;
}

static int
auth_clock(const struct srv_ctx *ctx, uint64_t ts_ms, uint64_t now_ms)
{
	uint64_t skew = ctx->set.clock_skew_ms;

	if (ts_ms > now_ms + skew || ts_ms + skew < now_ms) {
		sceau_message("request time is %s the server's by more than "
		              "%llu s",
		    ts_ms > now_ms ? "ahead of" : "behind",
		    (unsigned long long)(skew / 1000));
		return SCEAU_ERR_CLOCK_SKEW;
	}
	/* The replay cache starts empty: older requests cannot be checked. */
	if (ts_ms < ctx->start_ms) {
		sceau_message("request signed before the server started");
		return SCEAU_ERR_CLOCK_SKEW;
	}
	return 0;
}

/* Replay key: SHA-256 of organization, device and nonce, truncated. */
static int
auth_replay(
    struct srv_ctx *ctx, const struct sceau_reqsign *rs, uint64_t now_ms)
{
	uint8_t buf[16 + SCEAU_ORG_ID_MAX + SCEAU_ID_LEN + 2 +
	    SCEAU_REQSIGN_NONCE_LEN];
	uint8_t h[SCEAU_SHA256_LEN];
	size_t n = 0, lo = strlen(rs->org_id), ld = strlen(rs->device_id);
	int r;

	memcpy(buf, "sceau-replay-v1", 16); /* with its NUL */
	n = 16;
	memcpy(buf + n, rs->org_id, lo + 1);
	n += lo + 1;
	memcpy(buf + n, rs->device_id, ld + 1);
	n += ld + 1;
	memcpy(buf + n, rs->nonce, sizeof(rs->nonce));
	n += sizeof(rs->nonce);
	if ((r = sceau_hash_sha256(buf, n, h)) != 0)
		return r;
	/* Kept as long as the clock window would let the request through. */
	r = ctx->be->ops->replay_check(
	    ctx->be, h, rs->ts_ms + ctx->set.clock_skew_ms + 1, now_ms);
	if (r == SCEAU_ERR_REPLAYED)
		sceau_message("nonce already used");
	else if (r == SCEAU_ERR_RATE_LIMITED)
		sceau_message("replay cache full: try again later");
	return r;
}

static int
auth_parse(
    const char *org_id, const char *authorization, struct sceau_reqsign *rs)
{
	if (authorization == NULL) {
		sceau_message("missing Authorization header");
		return SCEAU_ERR_AUTH_FAILED;
	}
	if (strnlen(authorization, SCEAU_REQSIGN_HEADER_MAX + 1) >
	        SCEAU_REQSIGN_HEADER_MAX ||
	    sceau_reqsign_parse(authorization, rs) != 0) {
		sceau_message("malformed Authorization header");
		return SCEAU_ERR_AUTH_FAILED;
	}
	if (strcmp(rs->org_id, org_id) != 0) {
		sceau_message("signature is for another organization");
		return SCEAU_ERR_AUTH_FAILED;
	}
	return 0;
}

static int
auth_org(struct srv_ctx *ctx, const char *org_id, struct srv_org *org)
{
	int r;

	if ((r = ctx->be->ops->org_get(ctx->be, org_id, org)) != 0)
		return r;
	if (!org->bootstrapped) {
		sceau_message("organization not bootstrapped: unknown device");
		return SCEAU_ERR_AUTH_FAILED;
	}
	return 0;
}

int
srv_auth_device(struct srv_ctx *ctx, const char *org_id,
    const struct srv_request *req, struct srv_caller *out)
{
	struct sceau_reqsign rs;
	struct auth_device d;
	uint8_t body_hash[SCEAU_SHA256_LEN];
	uint64_t now_ms = ctx->now_us() / 1000;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = auth_parse(org_id, req->authorization, &rs)) != 0 ||
	    (r = auth_org(ctx, org_id, &out->org)) != 0 ||
	    (r = auth_clock(ctx, rs.ts_ms, now_ms)) != 0 ||
	    (r = auth_lookup(ctx, &out->org, rs.device_id, &d)) != 0)
		return r;
	/* Hashed as it came in when the HTTP layer could: once only. */
	if (req->body_sha256 != NULL)
		memcpy(body_hash, req->body_sha256, sizeof(body_hash));
	else if ((r = sceau_hash_sha256(
	              req->body != NULL ? req->body : (const uint8_t *)"",
	              req->body_len, body_hash)) != 0)
		return r;
	if (sceau_reqsign_verify(
	        &rs, d.verify_key, req->method, req->target, body_hash) != 0) {
		sceau_message("signature does not verify");
		return SCEAU_ERR_AUTH_FAILED;
	}
	if ((r = auth_replay(ctx, &rs, now_ms)) != 0 ||
	    (r = auth_allowed(&out->org, &d)) != 0)
		return r;
	(void)snprintf(
	    out->device_id, sizeof(out->device_id), "%s", rs.device_id);
	(void)snprintf(out->user_id, sizeof(out->user_id), "%s", d.user_id);
	out->profile = d.profile;
	return 0;
}

int
srv_auth_precheck(
    struct srv_ctx *ctx, const char *org_id, const char *authorization)
{
	struct sceau_reqsign rs;
	struct auth_device d;
	struct srv_org org;
	int r;

	if ((r = auth_parse(org_id, authorization, &rs)) != 0 ||
	    (r = auth_org(ctx, org_id, &org)) != 0 ||
	    (r = auth_clock(ctx, rs.ts_ms, ctx->now_us() / 1000)) != 0 ||
	    (r = auth_lookup(ctx, &org, rs.device_id, &d)) != 0)
		return r;
	return auth_allowed(&org, &d);
}

int
srv_auth_recheck(struct srv_ctx *ctx, const char *org_id, const char *device_id)
{
	struct srv_org org;
	struct auth_device d;
	int r;

	if ((r = auth_org(ctx, org_id, &org)) != 0 ||
	    (r = auth_lookup(ctx, &org, device_id, &d)) != 0)
		return r;
	return auth_allowed(&org, &d);
}
