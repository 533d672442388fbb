/*
 * test-server-auth.c: sceau-server's authentication and the routes behind
 * it, through the dispatcher (no socket): the replay cache, the clock
 * window, malformed Authorization headers, signatures bound to method,
 * target and body, revocations and frozen organizations, the admin
 * token, bootstrap, certificates (append, conflict, identity blobs,
 * externals), whoami, the event stream, and two server processes sharing
 * one database.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "auth.h"
#include "backend.h"
#include "buf.h"
#include "errors.h"
#include "hash.h"
#include "json.h"
#include "replay.h"
#include "request.h"
#include "router.h"
#include "server.h"
#include "srv-fixture.h"
#include "stream.h"

#define ADMIN_TOKEN "test-admin-token-0123456789"
#define SKEW_MS 300000ULL

static uint64_t fake_us;

static uint64_t
fake_clock(void)
{
	return fake_us;
}

struct t {
	struct srv_backend *be;
	struct srv_ctx *ctx;
	struct srvfx_org fx;
	char token[128];
};

static void
t_settings(struct srv_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->admin_enabled = 1;
	assert_int_equal(sceau_hash_sha256(
	                     ADMIN_TOKEN, strlen(ADMIN_TOKEN), set->admin_hash),
	    0);
	set->max_body = 1 << 20;
	set->clock_skew_ms = SKEW_MS;
	set->sse_ping_ms = 1000;
	(void)snprintf(set->link_host, sizeof(set->link_host), "localhost");
	set->link_port = 8080;
}

static struct srv_ctx *
t_ctx(struct srv_backend *be)
{
	struct srv_settings set;
	struct srv_ctx *ctx;

	t_settings(&set);
	assert_int_equal(srv_ctx_new(&set, be, &ctx), 0);
	ctx->now_us = fake_clock;
	ctx->start_ms = fake_us / 1000 - 1000;
	return ctx;
}

static struct srv_backend *
t_backend(const char *path)
{
	struct srv_backend_config cfg = {
	    "sqlite", path, 2, 5000, 0, 100000, NULL};
	struct srv_backend *be;

	assert_int_equal(srv_backend_open(&cfg, &be), 0);
	return be;
}

/* Runs one request; returns the status, the JSON reply in *jp. */
static int
req(struct srv_ctx *ctx, const char *method, const char *target,
    const char *auth, const struct sceau_buf *body, json_t **jp)
{
	struct srv_request rq = {
	    method, target, auth, NULL, NULL, 0, NULL, NULL};
	struct srv_response resp;
	int status;

	if (body != NULL) {
		rq.body = sceau_buf_ptr(body);
		rq.body_len = sceau_buf_len(body);
	}
	srv_dispatch(ctx, &rq, &resp);
	status = resp.status;
	if (jp != NULL) {
		*jp = NULL;
		if (resp.body != NULL)
			assert_int_equal(
			    sceau_json_parse_buf(resp.body, NULL, jp), 0);
	}
	srv_resp_clear(&resp);
	return status;
}

/* The error code name of a reply ("" if none). */
static const char *
code_of(json_t *j)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(j, "error"), "code"));

	return s != NULL ? s : "";
}

/* Runs a request expecting an error; checks status and code. */
static void
expect_error(struct srv_ctx *ctx, const char *method, const char *target,
    const char *auth, const struct sceau_buf *body, int status,
    const char *code)
{
	json_t *j;
	int st = req(ctx, method, target, auth, body, &j);

	if (st != status || strcmp(code_of(j), code) != 0) {
		/* cmocka's TAP output drops fail_msg's text: say it here. */
		fprintf(stderr, "# %s %s: got %d %s, expected %d %s\n", method,
		    target, st, code_of(j), status, code);
		fail();
	}
	json_decref(j);
}

/* Signs a request by d of fx at ts_ms; returns the header (free it). */
static char *
sign_fx(const struct srvfx_org *fx, const struct srvfx_device *d,
    const char *method, const char *target, const struct sceau_buf *body,
    uint64_t ts_ms)
{
	struct sceau_buf *b = sceau_buf_new();
	char *s;

	assert_int_equal(srvfx_sign(fx, d, method, target,
	                     body != NULL ? sceau_buf_ptr(body) : NULL,
	                     body != NULL ? sceau_buf_len(body) : 0, ts_ms, b),
	    0);
	assert_non_null(s = sceau_strdup((const char *)sceau_buf_ptr(b)));
	sceau_buf_free(b);
	return s;
}

static char *
sign_at(struct t *t, const struct srvfx_device *d, const char *method,
    const char *target, const struct sceau_buf *body, uint64_t ts_ms)
{
	return sign_fx(&t->fx, d, method, target, body, ts_ms);
}

static char *
sign(struct t *t, const struct srvfx_device *d, const char *method,
    const char *target, const struct sceau_buf *body)
{
	return sign_at(t, d, method, target, body, fake_us / 1000);
}

/* Signed request by d; returns the status. */
static int
signed_req(struct t *t, const struct srvfx_device *d, const char *method,
    const char *target, const struct sceau_buf *body, json_t **jp)
{
	char *auth = sign(t, d, method, target, body);
	int st = req(t->ctx, method, target, auth, body, jp);

	sceau_free(auth);
	return st;
}

/* A request signed by d to ctx must fail with status and code. */
static void
expect_signed_error(struct t *t, struct srv_ctx *ctx,
    const struct srvfx_device *d, const char *method, const char *target,
    const struct sceau_buf *body, int status, const char *code)
{
	char *a = sign(t, d, method, target, body);

	expect_error(ctx, method, target, a, body, status, code);
	sceau_free(a);
}

static void
admin_create(struct t *t, const char *org)
{
	char body[128];
	struct sceau_buf *b;
	json_t *j;

	(void)snprintf(body, sizeof(body), "{\"org_id\":\"%s\"}", org);
	assert_non_null(b = sceau_buf_from(body, strlen(body)));
	assert_int_equal(req(t->ctx, "POST", "/v1/admin/organizations",
	                     "Bearer " ADMIN_TOKEN, b, &j),
	    201);
	(void)snprintf(t->token, sizeof(t->token), "%s",
	    json_string_value(json_object_get(j, "bootstrap_token")));
	json_decref(j);
	sceau_buf_free(b);
}

/* A bootstrapped organization "acme". */
static int
setup(void **state)
{
	struct t *t = sceau_calloc(1, sizeof(*t));
	struct sceau_buf *b = sceau_buf_new();
	json_t *j;

	fake_us = 1800000000000000ULL;
	t->be = t_backend(":memory:");
	t->ctx = t_ctx(t->be);
	admin_create(t, "acme");
	assert_int_equal(srvfx_new("acme", t->token, &t->fx, b), 0);
	assert_int_equal(
	    req(t->ctx, "POST", "/v1/acme/bootstrap", NULL, b, &j), 200);
	assert_int_equal(
	    json_integer_value(json_object_get(j, "last_index")), 3);
	json_decref(j);
	sceau_buf_free(b);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct t *t = *state;

	srv_ctx_free(t->ctx);
	srv_backend_close(t->be);
	srvfx_free(&t->fx);
	sceau_free(t);
	return 0;
}

/* ------------------------------------------------------- replay cache */

static void
test_replay_cache(void **state)
{
	struct srv_replay *rc;
	uint8_t k[SRV_REPLAY_KEY_LEN];
	uint32_t i;

	(void)state;
	assert_int_equal(srv_replay_new(1000, &rc), 0);
	memset(k, 7, sizeof(k));
	assert_int_equal(srv_replay_check(rc, k, 200, 100), 0);
	assert_int_equal(srv_replay_check(rc, k, 300, 150), SCEAU_ERR_REPLAYED);
	/* Expired: accepted again, and kept until the new expiry. */
	assert_int_equal(srv_replay_check(rc, k, 400, 200), 0);
	assert_int_equal(srv_replay_check(rc, k, 400, 399), SCEAU_ERR_REPLAYED);
	/* Full of live keys: refused, never forgotten. */
	for (i = 1; i < 1000; i++) {
		memcpy(k, &i, sizeof(i));
		assert_int_equal(srv_replay_check(rc, k, 1000, 300), 0);
	}
	memset(k, 9, sizeof(k));
	assert_int_equal(
	    srv_replay_check(rc, k, 1000, 300), SCEAU_ERR_RATE_LIMITED);
	/* Once they expire, room comes back and old slots are dropped. */
	assert_int_equal(srv_replay_check(rc, k, 3000, 2000), 0);
	i = 5;
	memcpy(k, &i, sizeof(i));
	assert_int_equal(srv_replay_check(rc, k, 3000, 2000), 0);
	assert_true(srv_replay_used(rc) <= 1000);
	srv_replay_free(rc);
	assert_int_equal(srv_replay_new(0, &rc), SCEAU_ERR_INVALID_ARGUMENT);
}

static void
test_replay_cache_churn(void **state)
{
	struct srv_replay *rc;
	uint8_t k[SRV_REPLAY_KEY_LEN];
	uint32_t i;

	(void)state;
	/* Many short-lived keys: the table stays bounded. */
	assert_int_equal(srv_replay_new(2000, &rc), 0);
	memset(k, 0, sizeof(k));
	for (i = 0; i < 100000; i++) {
		memcpy(k, &i, sizeof(i));
		memcpy(k + 8, &i, sizeof(i));
		assert_int_equal(srv_replay_check(rc, k, i + 100, i), 0);
	}
	assert_true(srv_replay_used(rc) <= 4096);
	srv_replay_free(rc);
}

/* ------------------------------------------------------------- device */

static void
test_good_request_and_replay(void **state)
{
	struct t *t = *state;
	char *auth = sign(t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL);
	json_t *j;

	assert_int_equal(
	    req(t->ctx, "GET", "/v1/acme/whoami", auth, NULL, &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "device_id")),
	    t->fx.admin.device_id);
	assert_string_equal(json_string_value(json_object_get(j, "user_id")),
	    t->fx.admin.user_id);
	assert_string_equal(
	    json_string_value(json_object_get(j, "profile")), "admin");
	assert_int_equal(
	    json_integer_value(json_object_get(j, "last_index")), 3);
	json_decref(j);
	/* The same request again, even a second later: a replay. */
	fake_us += 1000000;
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", auth, NULL, 401, "REPLAYED");
	sceau_free(auth);
	/* A new nonce is fine. */
	assert_int_equal(
	    signed_req(t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL, NULL),
	    200);
}

static void
test_clock_window(void **state)
{
	struct t *t = *state;
	uint64_t now = fake_us / 1000;
	char *a;

	a = sign_at(
	    t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL, now - SKEW_MS - 1);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 401, "CLOCK_SKEW");
	sceau_free(a);
	a = sign_at(
	    t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL, now + SKEW_MS + 1);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 401, "CLOCK_SKEW");
	sceau_free(a);
	/* Within the window, but before the server started. */
	a = sign_at(t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL,
	    t->ctx->start_ms - 1);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 401, "CLOCK_SKEW");
	sceau_free(a);
	/* The edges of the window pass. */
	a = sign_at(
	    t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL, now + SKEW_MS);
	assert_int_equal(
	    req(t->ctx, "GET", "/v1/acme/whoami", a, NULL, NULL), 200);
	sceau_free(a);
	a = sign_at(
	    t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL, t->ctx->start_ms);
	assert_int_equal(
	    req(t->ctx, "GET", "/v1/acme/whoami", a, NULL, NULL), 200);
	sceau_free(a);
}

static void
test_bad_headers(void **state)
{
	static const char *const bad[] = {
	    "",
	    "Bearer x",
	    "SCEAU-Ed25519",
	    "SCEAU-Ed25519 org=\"acme\"",
	    "SCEAU-Ed25519 org=\"acme\", device=\"x\", ts=\"1\", nonce=\"a\", "
	    "sig=\"b\"",
	    "SCEAU-Ed25519 org=acme, device=, ts=, nonce=, sig=",
	    "\x01\x02\x03",
	};
	struct t *t = *state;
	char *good, *mut;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(t->ctx, "GET", "/v1/acme/whoami", bad[i], NULL,
		    401, "AUTH_FAILED");
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", NULL, NULL, 401, "AUTH_FAILED");
	/* Every truncation of a good header is refused. */
	good = sign(t, &t->fx.admin, "GET", "/v1/acme/whoami", NULL);
	n = strlen(good);
	assert_non_null(mut = sceau_strdup(good));
	for (i = 0; i < n; i += 7) {
		memcpy(mut, good, n + 1);
		mut[i] = '\0';
		expect_error(t->ctx, "GET", "/v1/acme/whoami", mut, NULL, 401,
		    "AUTH_FAILED");
	}
	sceau_free(mut);
	/* Too long. */
	assert_non_null(mut = sceau_calloc(1, 4096));
	memset(mut, 'a', 4095);
	memcpy(mut, good, n);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", mut, NULL, 401, "AUTH_FAILED");
	sceau_free(mut);
	sceau_free(good);
}

static void
test_signature_binds_request(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b1 = sceau_buf_from("{\"a\":1}", 7);
	struct sceau_buf *b2 = sceau_buf_from("{\"a\":2}", 7);
	char *a;

	/* Another target, method or body. */
	a = sign(t, &t->fx.admin, "GET", "/v1/acme/certificates", NULL);
	expect_error(t->ctx, "GET", "/v1/acme/certificates?from=2", a, NULL,
	    401, "AUTH_FAILED");
	sceau_free(a);
	a = sign(t, &t->fx.admin, "GET", "/v1/acme/certificates", NULL);
	expect_error(t->ctx, "POST", "/v1/acme/certificates", a, NULL, 401,
	    "AUTH_FAILED");
	sceau_free(a);
	a = sign(t, &t->fx.admin, "POST", "/v1/acme/certificates", b1);
	expect_error(
	    t->ctx, "POST", "/v1/acme/certificates", a, b2, 401, "AUTH_FAILED");
	sceau_free(a);
	/* Signed for another organization's path. */
	a = sign(t, &t->fx.admin, "GET", "/v1/other/whoami", NULL);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 401, "AUTH_FAILED");
	sceau_free(a);
	sceau_buf_free(b1);
	sceau_buf_free(b2);
}

static void
test_unknown_device_and_org(void **state)
{
	struct t *t = *state;
	struct srvfx_device stranger;
	struct srvfx_org other;
	struct sceau_buf *b = sceau_buf_new();
	char *a;

	/* A device the organization never registered. */
	memset(&stranger, 0, sizeof(stranger));
	assert_int_equal(sceau_cert_new_id(stranger.device_id), 0);
	assert_int_equal(sceau_sign_generate(&stranger.key), 0);
	a = sign(t, &stranger, "GET", "/v1/acme/whoami", NULL);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 401, "AUTH_FAILED");
	sceau_free(a);
	/* The right id with the wrong key. */
	(void)snprintf(stranger.device_id, sizeof(stranger.device_id), "%s",
	    t->fx.admin.device_id);
	a = sign(t, &stranger, "GET", "/v1/acme/whoami", NULL);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 401, "AUTH_FAILED");
	sceau_free(a);
	srvfx_device_free(&stranger);
	/* No such organization; one that is not bootstrapped. */
	assert_int_equal(srvfx_new("ghost", "x", &other, b), 0);
	a = sign_fx(&other, &other.admin, "GET", "/v1/ghost/whoami", NULL,
	    fake_us / 1000);
	expect_error(
	    t->ctx, "GET", "/v1/ghost/whoami", a, NULL, 404, "ORG_UNKNOWN");
	sceau_free(a);
	admin_create(t, "ghost");
	a = sign_fx(&other, &other.admin, "GET", "/v1/ghost/whoami", NULL,
	    fake_us / 1000);
	expect_error(
	    t->ctx, "GET", "/v1/ghost/whoami", a, NULL, 401, "AUTH_FAILED");
	sceau_free(a);
	srvfx_free(&other);
	sceau_buf_free(b);
}

/* Posts a certificate body signed by d; returns the status. */
static int
post_cert(struct t *t, const struct srvfx_device *d, struct sceau_buf *body,
    json_t **jp)
{
	return signed_req(t, d, "POST", "/v1/acme/certificates", body, jp);
}

static void
test_revocations_and_freeze(void **state)
{
	struct t *t = *state;
	struct srvfx_device bob;
	struct sceau_buf *b = sceau_buf_new();
	char *a;

	assert_int_equal(
	    srvfx_new_user(&t->fx, &t->fx.admin, SCEAU_PROFILE_MEMBER, &bob, b),
	    0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	sceau_buf_reset(b);
	assert_int_equal(srvfx_new_device(&t->fx, &t->fx.admin, &bob, b), 0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	assert_int_equal(
	    signed_req(t, &bob, "GET", "/v1/acme/whoami", NULL, NULL), 200);
	/* Frozen: every device is refused; unfrozen: back. */
	assert_int_equal(
	    req(t->ctx, "POST", "/v1/admin/organizations/acme/freeze",
	        "Bearer " ADMIN_TOKEN, NULL, NULL),
	    200);
	a = sign(t, &bob, "GET", "/v1/acme/whoami", NULL);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 403, "ORG_FROZEN");
	sceau_free(a);
	assert_int_equal(
	    req(t->ctx, "POST", "/v1/admin/organizations/acme/unfreeze",
	        "Bearer " ADMIN_TOKEN, NULL, NULL),
	    200);
	/* The device revoked, then its user. */
	sceau_buf_reset(b);
	assert_int_equal(
	    srvfx_revoke_device(&t->fx, &t->fx.admin, bob.device_id, b), 0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	a = sign(t, &bob, "GET", "/v1/acme/whoami", NULL);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 403, "DEVICE_REVOKED");
	sceau_free(a);
	sceau_buf_free(b);
	srvfx_device_free(&bob);
}

static void
test_user_revoked(void **state)
{
	struct t *t = *state;
	struct srvfx_device eve;
	struct sceau_buf *b = sceau_buf_new();
	char *a;

	assert_int_equal(
	    srvfx_new_user(&t->fx, &t->fx.admin, SCEAU_PROFILE_MEMBER, &eve, b),
	    0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	sceau_buf_reset(b);
	assert_int_equal(srvfx_new_device(&t->fx, &t->fx.admin, &eve, b), 0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	sceau_buf_reset(b);
	assert_int_equal(
	    srvfx_revoke_user(&t->fx, &t->fx.admin, eve.user_id, b), 0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	a = sign(t, &eve, "GET", "/v1/acme/whoami", NULL);
	expect_error(
	    t->ctx, "GET", "/v1/acme/whoami", a, NULL, 403, "USER_REVOKED");
	sceau_free(a);
	sceau_buf_free(b);
	srvfx_device_free(&eve);
}

/* -------------------------------------------------------------- admin */

static void
test_admin_token(void **state)
{
	struct t *t = *state;
	json_t *j, *o;

	expect_error(t->ctx, "GET", "/v1/admin/organizations", NULL, NULL, 401,
	    "ADMIN_AUTH");
	expect_error(t->ctx, "GET", "/v1/admin/organizations",
	    "Bearer " ADMIN_TOKEN "x", NULL, 401, "ADMIN_AUTH");
	expect_error(t->ctx, "GET", "/v1/admin/organizations", "Bearer ", NULL,
	    401, "ADMIN_AUTH");
	expect_error(t->ctx, "GET", "/v1/admin/organizations",
	    "Basic " ADMIN_TOKEN, NULL, 401, "ADMIN_AUTH");
	assert_int_equal(req(t->ctx, "GET", "/v1/admin/organizations",
	                     "bearer  " ADMIN_TOKEN, NULL, &j),
	    200);
	o = json_array_get(json_object_get(j, "organizations"), 0);
	assert_string_equal(
	    json_string_value(json_object_get(o, "org_id")), "acme");
	assert_true(json_is_true(json_object_get(o, "bootstrapped")));
	json_decref(j);
	assert_int_equal(
	    req(t->ctx, "GET", "/v1/admin/organizations/acme/stats",
	        "Bearer " ADMIN_TOKEN, NULL, &j),
	    200);
	assert_int_equal(json_integer_value(json_object_get(j, "users")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "devices")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(j, "certificates")), 3);
	assert_true(
	    json_integer_value(json_object_get(j, "storage_bytes")) > 100);
	json_decref(j);
	/* No admin token configured: always refused. */
	t->ctx->set.admin_enabled = 0;
	expect_error(t->ctx, "GET", "/v1/admin/organizations",
	    "Bearer " ADMIN_TOKEN, NULL, 401, "ADMIN_AUTH");
}

/* ---------------------------------------------------------- bootstrap */

static void
test_bootstrap_refusals(void **state)
{
	struct t *t = *state;
	struct srvfx_org o2;
	struct sceau_buf *b = sceau_buf_new();
	char *p, orig;

	/* Already bootstrapped. */
	assert_int_equal(srvfx_new("acme", t->token, &o2, b), 0);
	expect_error(t->ctx, "POST", "/v1/acme/bootstrap", NULL, b, 409,
	    "ALREADY_BOOTSTRAPPED");
	srvfx_free(&o2);
	sceau_buf_reset(b);
	/* Wrong token, then a tampered certificate, then the right one. */
	admin_create(t, "beta");
	assert_int_equal(srvfx_new("beta", "wrong-token", &o2, b), 0);
	expect_error(t->ctx, "POST", "/v1/beta/bootstrap", NULL, b, 401,
	    "BOOTSTRAP_TOKEN");
	srvfx_free(&o2);
	sceau_buf_reset(b);
	assert_int_equal(srvfx_new("beta", t->token, &o2, b), 0);
	assert_non_null(p = strstr((char *)sceau_buf_mutable_ptr(b),
	                        "\"certificates\":[\"") +
	        40);
	orig = *p;
	*p = orig == 'A' ? 'B' : 'A';
	assert_true(
	    req(t->ctx, "POST", "/v1/beta/bootstrap", NULL, b, NULL) == 400);
	*p = orig;
	/* Signed for another organization. */
	expect_error(
	    t->ctx, "POST", "/v1/gamma/bootstrap", NULL, b, 404, "ORG_UNKNOWN");
	assert_int_equal(
	    req(t->ctx, "POST", "/v1/beta/bootstrap", NULL, b, NULL), 200);
	/* The token is consumed. */
	expect_error(t->ctx, "POST", "/v1/beta/bootstrap", NULL, b, 409,
	    "ALREADY_BOOTSTRAPPED");
	srvfx_free(&o2);
	sceau_buf_free(b);
}

/* ------------------------------------------------------- certificates */

static void
test_certificates(void **state)
{
	struct t *t = *state;
	struct srvfx_device ext;
	struct sceau_buf *b = sceau_buf_new(), *b2 = sceau_buf_new();
	json_t *j, *list;

	assert_int_equal(srvfx_new_user(&t->fx, &t->fx.admin,
	                     SCEAU_PROFILE_EXTERNAL, &ext, b),
	    0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, &j), 201);
	assert_int_equal(json_integer_value(json_object_get(j, "index")), 4);
	assert_true(json_integer_value(json_object_get(j, "server_time")) ==
	    (json_int_t)fake_us);
	json_decref(j);
	/* The same certificate again: its index is taken. */
	expect_signed_error(t, t->ctx, &t->fx.admin, "POST",
	    "/v1/acme/certificates", b, 409, "CONFLICT");
	assert_int_equal(srvfx_new_device(&t->fx, &t->fx.admin, &ext, b2), 0);
	assert_int_equal(post_cert(t, &t->fx.admin, b2, NULL), 201);
	/* Members see identities; externals do not. */
	assert_int_equal(signed_req(t, &t->fx.admin, "GET",
	                     "/v1/acme/certificates?from=2&limit=2", NULL, &j),
	    200);
	assert_int_equal(
	    json_integer_value(json_object_get(j, "last_index")), 5);
	list = json_object_get(j, "certificates");
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(json_integer_value(
	                     json_object_get(json_array_get(list, 0), "index")),
	    2);
	assert_true(json_is_string(
	    json_object_get(json_array_get(list, 0), "identity")));
	json_decref(j);
	assert_int_equal(
	    signed_req(t, &ext, "GET", "/v1/acme/certificates", NULL, &j), 200);
	list = json_object_get(j, "certificates");
	assert_int_equal(json_array_size(list), 5);
	assert_true(
	    json_is_null(json_object_get(json_array_get(list, 1), "identity")));
	json_decref(j);
	sceau_buf_free(b);
	sceau_buf_free(b2);
	srvfx_device_free(&ext);
}

static void
test_certificate_refusals(void **state)
{
	static const char *const queries[] = {
	    "?from=0",
	    "?limit=0",
	    "?limit=1001",
	    "?from=1&from=2",
	    "?from=x",
	    "?nosuch=1",
	    "?from=99999999999999999999",
	    "?from=1&",
	    "?from=-1",
	};
	struct t *t = *state;
	struct srvfx_device m;
	struct sceau_buf *b = sceau_buf_new(), *bad;
	char target[128], *p;
	size_t i;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char *a;

		(void)snprintf(target, sizeof(target),
		    "/v1/acme/certificates%s", queries[i]);
		a = sign(t, &t->fx.admin, "GET", target, NULL);
		expect_error(
		    t->ctx, "GET", target, a, NULL, 400, "BAD_REQUEST");
		sceau_free(a);
	}
	/* An identity blob that does not match the certificate's hash. */
	assert_int_equal(
	    srvfx_new_user(&t->fx, &t->fx.admin, SCEAU_PROFILE_MEMBER, &m, b),
	    0);
	bad = sceau_buf_dup(b);
	p = strstr((char *)sceau_buf_mutable_ptr(bad), "\"identity\":\"") + 13;
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(post_cert(t, &t->fx.admin, bad, NULL), 400);
	/* Nothing was stored, and the chain still takes the good one. */
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	sceau_buf_free(bad);
	/* Not a certificate at all; wrong types. */
	bad = sceau_buf_from("{\"certificate\":\"AAAA\"}", 22);
	assert_int_equal(post_cert(t, &t->fx.admin, bad, NULL), 400);
	sceau_buf_free(bad);
	bad = sceau_buf_from("{\"certificate\":5}", 17);
	expect_signed_error(t, t->ctx, &t->fx.admin, "POST",
	    "/v1/acme/certificates", bad, 400, "BAD_REQUEST");
	sceau_buf_free(bad);
	/* The chain goes on after the refusals. */
	sceau_buf_reset(b);
	assert_int_equal(srvfx_new_device(&t->fx, &t->fx.admin, &m, b), 0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	srvfx_device_free(&m);
	sceau_buf_free(b);
}

/* ------------------------------------------------------------- events */

static void
test_events(void **state)
{
	struct t *t = *state;
	struct srvfx_device m;
	struct srv_response resp;
	struct srv_request rq;
	struct sceau_buf *b = sceau_buf_new();
	char buf[512], *a;
	ssize_t n;

	a = sign(t, &t->fx.admin, "GET", "/v1/acme/events", NULL);
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.target = "/v1/acme/events";
	rq.authorization = a;
	rq.last_event_id = "1";
	srv_dispatch(t->ctx, &rq, &resp);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.kind, SRV_RESP_EVENTS);
	/* From event 1: the bootstrap's certificates 2 and 3. */
	n = srv_stream_read(resp.stream, (uint8_t *)buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf,
	    "id: 2\nevent: certificate\n"
	    "data: {\"index\":2}\n\n"));
	assert_non_null(strstr(buf, "data: {\"index\":3}\n\n"));
	/* Nothing new: a ping (the clock is fake, so it is due at once). */
	fake_us += 2000000;
	n = srv_stream_read(resp.stream, (uint8_t *)buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	assert_string_equal(buf, ": ping\n\n");
	/* A new certificate is an event. */
	assert_int_equal(
	    srvfx_new_user(&t->fx, &t->fx.admin, SCEAU_PROFILE_MEMBER, &m, b),
	    0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	n = srv_stream_read(resp.stream, (uint8_t *)buf, 4);
	assert_int_equal(n, 4);
	n = srv_stream_read(resp.stream, (uint8_t *)buf + 4, sizeof(buf) - 5);
	buf[4 + n] = '\0';
	assert_non_null(strstr(buf, "event: certificate\ndata: {\"index\":4}"));
	/* Shutdown ends the stream. */
	srv_ctx_stop(t->ctx);
	assert_int_equal(
	    srv_stream_read(resp.stream, (uint8_t *)buf, sizeof(buf)), 0);
	srv_resp_clear(&resp);
	sceau_free(a);
	/* A malformed Last-Event-ID. */
	a = sign(t, &t->fx.admin, "GET", "/v1/acme/events", NULL);
	rq.authorization = a;
	rq.last_event_id = "12x";
	srv_dispatch(t->ctx, &rq, &resp);
	assert_int_equal(resp.status, 400);
	srv_resp_clear(&resp);
	sceau_free(a);
	sceau_buf_free(b);
	srvfx_device_free(&m);
}

/* --------------------------------------------- two processes, one file */

static void
test_shared_database(void **state)
{
	struct t *t = *state;
	char path[64] = "/tmp/test-server-auth.XXXXXX", side[80];
	struct srv_backend *be2;
	struct srv_ctx *ctx2;
	struct srvfx_device m, n;
	struct sceau_buf *b = sceau_buf_new();
	int fd;

	/* Move the test to a file both "processes" open. */
	srv_ctx_free(t->ctx);
	srv_backend_close(t->be);
	srvfx_free(&t->fx);
	assert_true((fd = mkstemp(path)) >= 0);
	(void)close(fd);
	t->be = t_backend(path);
	t->ctx = t_ctx(t->be);
	admin_create(t, "acme");
	assert_int_equal(srvfx_new("acme", t->token, &t->fx, b), 0);
	assert_int_equal(
	    req(t->ctx, "POST", "/v1/acme/bootstrap", NULL, b, NULL), 200);
	be2 = t_backend(path);
	ctx2 = t_ctx(be2);
	/* Each server appends in turn: the other catches up first. */
	sceau_buf_reset(b);
	assert_int_equal(
	    srvfx_new_user(&t->fx, &t->fx.admin, SCEAU_PROFILE_MEMBER, &m, b),
	    0);
	assert_int_equal(post_cert(t, &t->fx.admin, b, NULL), 201);
	sceau_buf_reset(b);
	assert_int_equal(
	    srvfx_new_user(&t->fx, &t->fx.admin, SCEAU_PROFILE_MEMBER, &n, b),
	    0);
	{
		char *a =
		    sign(t, &t->fx.admin, "POST", "/v1/acme/certificates", b);

		assert_int_equal(
		    req(ctx2, "POST", "/v1/acme/certificates", a, b, NULL),
		    201);
		sceau_free(a);
	}
	/* The first server sees index 5 and refuses a second one. */
	expect_signed_error(t, t->ctx, &t->fx.admin, "POST",
	    "/v1/acme/certificates", b, 409, "CONFLICT");
	srv_ctx_free(ctx2);
	srv_backend_close(be2);
	srvfx_device_free(&m);
	srvfx_device_free(&n);
	sceau_buf_free(b);
	(void)unlink(path);
	(void)snprintf(side, sizeof(side), "%s-wal", path);
	(void)unlink(side);
	(void)snprintf(side, sizeof(side), "%s-shm", path);
	(void)unlink(side);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay_cache),
	    cmocka_unit_test(test_replay_cache_churn),
	    cmocka_unit_test_setup_teardown(
	        test_good_request_and_replay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clock_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_signature_binds_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unknown_device_and_org, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_revocations_and_freeze, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_revoked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_admin_token, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bootstrap_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_certificates, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_certificate_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_shared_database, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("server-auth", tests, NULL, NULL);
}
