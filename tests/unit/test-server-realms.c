/*
 * test-server-realms.c: sceau-server's workspaces through the dispatcher
 * (no socket): roles from the chain (readers cannot write, strangers
 * cannot read, unknown workspaces), vlob versions and conflicts, blobs
 * that lie about where they belong, reads by version and by time,
 * versions and changes, block framing and re-uploads, events for members
 * only, storage accounting, and packs and index surviving a restart.
 */
#include "config.h"

#include <dirent.h>
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
#include "backend.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "json.h"
#include "request.h"
#include "router.h"
#include "server.h"
#include "srv-fixture.h"
#include "stream.h"

#define ADMIN_TOKEN "test-admin-token-0123456789"
#define VLOB_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define VLOB_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define VLOB_C "cccccccccccccccccccccccccccccccc"
#define NO_REALM "00000000000000000000000000000000"

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
	struct srvfx_device member, reader, outsider;
	char realm[SCEAU_ID_LEN + 1];
	char token[128];
	char dir[64]; /* persistence test: database and packs */
};

static struct srv_backend *
t_backend(const char *path, const char *blocks_dir)
{
	struct srv_backend_config cfg = {
	    "sqlite", path, 2, 5000, 0, 100000, blocks_dir};
	struct srv_backend *be;

	assert_int_equal(srv_backend_open(&cfg, &be), 0);
	return be;
}

static struct srv_ctx *
t_ctx(struct srv_backend *be)
{
	struct srv_settings set;
	struct srv_ctx *ctx;

	memset(&set, 0, sizeof(set));
	set.admin_enabled = 1;
	assert_int_equal(
	    sceau_hash_sha256(ADMIN_TOKEN, strlen(ADMIN_TOKEN), set.admin_hash),
	    0);
	set.max_body = 1 << 20;
	set.max_block_body = 16 << 20;
	set.clock_skew_ms = 300000;
	set.sse_ping_ms = 1000;
	(void)snprintf(set.link_host, sizeof(set.link_host), "localhost");
	set.link_port = 8080;
	assert_int_equal(srv_ctx_new(&set, be, &ctx), 0);
	ctx->now_us = fake_clock;
	ctx->start_ms = fake_us / 1000 - 1000;
	return ctx;
}

/* ---------------------------------------------------------- requests */

/* A reply: status, JSON (or NULL), binary bytes (or NULL). */
struct reply {
	int status;
	json_t *j;
	struct sceau_buf *bin;
};

static void
reply_clear(struct reply *rp)
{
	json_decref(rp->j);
	sceau_buf_free(rp->bin);
	memset(rp, 0, sizeof(*rp));
}

static void
reply_take(struct srv_response *resp, struct reply *rp)
{
	uint8_t buf[100000];
	ssize_t n;

	memset(rp, 0, sizeof(*rp));
	rp->status = resp->status;
	if (resp->kind == SRV_RESP_BINARY) {
		assert_non_null(rp->bin = sceau_buf_new());
		while ((n = resp->reader->read(
		            resp->reader->cls, buf, sizeof(buf))) > 0)
			assert_int_equal(
			    sceau_buf_put(rp->bin, buf, (size_t)n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(sceau_buf_len(rp->bin), resp->reader->size);
	} else if (resp->body != NULL) {
		assert_int_equal(
		    sceau_json_parse_buf(resp->body, NULL, &rp->j), 0);
	}
	srv_resp_clear(resp);
}

/* A request signed by d (NULL: unsigned); the reply in rp. */
static void
call(struct t *t, const struct srvfx_device *d, const char *method,
    const char *target, const void *body, size_t len, struct reply *rp)
{
	struct srv_request rq = {
	    method, target, NULL, NULL, body, len, NULL, NULL};
	struct srv_response resp;
	struct sceau_buf *auth = sceau_buf_new();

	assert_non_null(auth);
	if (d != NULL) {
		assert_int_equal(srvfx_sign(&t->fx, d, method, target, body,
		                     len, fake_us / 1000, auth),
		    0);
		rq.authorization = (const char *)sceau_buf_ptr(auth);
	}
	srv_dispatch(t->ctx, &rq, &resp);
	reply_take(&resp, rp);
	sceau_buf_free(auth);
}

static void
admin_call(struct t *t, const char *method, const char *target,
    const char *body, struct reply *rp)
{
	struct srv_request rq = {method, target, "Bearer " ADMIN_TOKEN, NULL,
	    (const uint8_t *)body, body != NULL ? strlen(body) : 0, NULL, NULL};
	struct srv_response resp;

	srv_dispatch(t->ctx, &rq, &resp);
	reply_take(&resp, rp);
}

static const char *
code_of(const struct reply *rp)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(rp->j, "error"), "code"));

	return s != NULL ? s : "";
}

/* The status (and error code) of a signed request. */
static void
expect(struct t *t, const struct srvfx_device *d, const char *method,
    const char *target, const struct sceau_buf *body, int status,
    const char *code)
{
	struct reply rp;

	call(t, d, method, target, body != NULL ? sceau_buf_ptr(body) : NULL,
	    body != NULL ? sceau_buf_len(body) : 0, &rp);
	if (rp.status != status || strcmp(code_of(&rp), code) != 0) {
		fprintf(stderr, "# %s %s: got %d %s, expected %d %s\n", method,
		    target, rp.status, code_of(&rp), status, code);
		if (rp.j != NULL)
			fprintf(stderr, "# %s\n",
			    json_string_value(json_object_get(
			        json_object_get(rp.j, "error"), "message")));
		fail();
	}
	reply_clear(&rp);
}

static void
post_cert(struct t *t, struct sceau_buf *b)
{
	expect(t, &t->fx.admin, "POST", "/v1/acme/certificates", b, 201, "");
	sceau_buf_reset(b);
}

static void
path(char *out, size_t n, const struct t *t, const char *rest)
{
	(void)snprintf(out, n, "/v1/acme/realms/%s/%s", t->realm, rest);
}

/* --------------------------------------------------------- the world */

/* Users: member (contributor), reader, outsider (no role). */
static void
t_people(struct t *t, struct sceau_buf *b)
{
	struct srvfx_device *who[] = {&t->member, &t->reader, &t->outsider};
	size_t i;

	for (i = 0; i < SCEAU_NELEM(who); i++) {
		assert_int_equal(srvfx_new_user(&t->fx, &t->fx.admin,
		                     SCEAU_PROFILE_MEMBER, who[i], b),
		    0);
		post_cert(t, b);
		assert_int_equal(
		    srvfx_new_device(&t->fx, &t->fx.admin, who[i], b), 0);
		post_cert(t, b);
	}
	assert_int_equal(
	    srvfx_realm_create(&t->fx, &t->fx.admin, t->realm, b), 0);
	post_cert(t, b);
	assert_int_equal(srvfx_realm_role(&t->fx, &t->fx.admin, t->realm,
	                     t->member.user_id, SCEAU_ROLE_CONTRIBUTOR, 1, b),
	    0);
	post_cert(t, b);
	assert_int_equal(srvfx_realm_role(&t->fx, &t->fx.admin, t->realm,
	                     t->reader.user_id, SCEAU_ROLE_READER, 1, b),
	    0);
	post_cert(t, b);
}

static void
t_open(struct t *t, const char *db, const char *blocks)
{
	struct sceau_buf *b = sceau_buf_new();
	struct reply rp;
	char body[64];

	t->be = t_backend(db, blocks);
	t->ctx = t_ctx(t->be);
	(void)snprintf(body, sizeof(body), "{\"org_id\":\"acme\"}");
	admin_call(t, "POST", "/v1/admin/organizations", body, &rp);
	assert_int_equal(rp.status, 201);
	(void)snprintf(t->token, sizeof(t->token), "%s",
	    json_string_value(json_object_get(rp.j, "bootstrap_token")));
	reply_clear(&rp);
	assert_int_equal(srvfx_new("acme", t->token, &t->fx, b), 0);
	call(t, NULL, "POST", "/v1/acme/bootstrap", sceau_buf_ptr(b),
	    sceau_buf_len(b), &rp);
	assert_int_equal(rp.status, 200);
	reply_clear(&rp);
	sceau_buf_reset(b);
	t_people(t, b);
	sceau_buf_free(b);
}

static int
setup(void **state)
{
	struct t *t = sceau_calloc(1, sizeof(*t));

	fake_us = 1800000000000000ULL;
	t_open(t, ":memory:", NULL);
	*state = t;
	return 0;
}

static void
t_rmdir(const char *dir)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) != 0)
			t_rmdir(p);
	}
	(void)closedir(d);
	(void)rmdir(dir);
}

static int
teardown(void **state)
{
	struct t *t = *state;

	srv_ctx_free(t->ctx);
	srv_backend_close(t->be);
	srvfx_device_free(&t->member);
	srvfx_device_free(&t->reader);
	srvfx_device_free(&t->outsider);
	srvfx_free(&t->fx);
	if (t->dir[0] != '\0')
		t_rmdir(t->dir);
	sceau_free(t);
	return 0;
}

/* ------------------------------------------------------------ bodies */

/* {"vlobs": [...]} with one item per (vlob id, version, blob). */
static void
vlobs_body(struct sceau_buf *body, const char *const *ids,
    const uint64_t *versions, struct sceau_buf *const *blobs, size_t n)
{
	size_t i;

	sceau_buf_reset(body);
	assert_int_equal(sceau_buf_putf(body, "{\"vlobs\":["), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(sceau_buf_putf(body,
		                     "%s{\"vlob_id\":\"%s\",\"version\":%llu,"
		                     "\"blob\":\"",
		                     i > 0 ? "," : "", ids[i],
		                     (unsigned long long)versions[i]),
		    0);
		assert_int_equal(
		    sceau_enc_b64_put(body, sceau_buf_ptr(blobs[i]),
		        sceau_buf_len(blobs[i]), SCEAU_B64_STD),
		    0);
		assert_int_equal(sceau_buf_putf(body, "\"}"), 0);
	}
	assert_int_equal(sceau_buf_putf(body, "]}"), 0);
}

/* A vlob of d (key index k) as the body of a POST of one vlob. */
static void
one_vlob(struct t *t, const struct srvfx_device *d, const char *id,
    uint64_t version, uint32_t k, struct sceau_buf *body)
{
	struct sceau_vlob_header h;
	struct sceau_buf *blob = sceau_buf_new();

	srvfx_vlob_header(&t->fx, d, t->realm, id, version, k, &h);
	assert_int_equal(srvfx_vlob(d, &h, blob), 0);
	vlobs_body(body, &id, &version, &blob, 1);
	sceau_buf_free(blob);
}

/* POSTs one vlob; returns the reply's status. */
static int
post_vlob(struct t *t, const struct srvfx_device *d, const char *id,
    uint64_t version, struct reply *rp)
{
	struct sceau_buf *body = sceau_buf_new();
	char target[128];

	one_vlob(t, d, id, version, 1, body);
	path(target, sizeof(target), t, "vlobs");
	call(
	    t, d, "POST", target, sceau_buf_ptr(body), sceau_buf_len(body), rp);
	sceau_buf_free(body);
	return rp->status;
}

static json_t *
result(const struct reply *rp, size_t i)
{
	return json_array_get(json_object_get(rp->j, "results"), i);
}

static int64_t
jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

/* Frames of blocks: id i has bytes (c, len). */
static void
frame(struct sceau_buf *b, uint8_t id, uint8_t c, uint32_t len)
{
	uint8_t bid[SRV_BLOCK_ID_LEN], *p;

	memset(bid, id, sizeof(bid));
	assert_int_equal(sceau_buf_put(b, bid, sizeof(bid)), 0);
	assert_int_equal(sceau_buf_put_u32(b, len), 0);
	if (len == 0)
		return;
	assert_int_equal(sceau_buf_reserve(b, len, &p), 0);
	memset(p, c, len);
}

/* ------------------------------------------------------------- roles */

static void
test_realms_list(void **state)
{
	struct t *t = *state;
	struct reply rp;
	json_t *r0;

	call(t, &t->fx.admin, "GET", "/v1/acme/realms", NULL, 0, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(json_array_size(json_object_get(rp.j, "realms")), 1);
	r0 = json_array_get(json_object_get(rp.j, "realms"), 0);
	assert_string_equal(jstr(r0, "realm_id"), t->realm);
	assert_string_equal(jstr(r0, "role"), "owner");
	assert_int_equal(jint(r0, "checkpoint"), 0);
	assert_int_equal(jint(r0, "key_index"), 1);
	reply_clear(&rp);
	call(t, &t->reader, "GET", "/v1/acme/realms", NULL, 0, &rp);
	r0 = json_array_get(json_object_get(rp.j, "realms"), 0);
	assert_string_equal(jstr(r0, "role"), "reader");
	reply_clear(&rp);
	call(t, &t->outsider, "GET", "/v1/acme/realms", NULL, 0, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(json_array_size(json_object_get(rp.j, "realms")), 0);
	reply_clear(&rp);
	/* After a vlob, the checkpoint moves. */
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 1, &rp), 200);
	reply_clear(&rp);
	call(t, &t->member, "GET", "/v1/acme/realms", NULL, 0, &rp);
	r0 = json_array_get(json_object_get(rp.j, "realms"), 0);
	assert_string_equal(jstr(r0, "role"), "contributor");
	assert_int_equal(jint(r0, "checkpoint"), 1);
	reply_clear(&rp);
}

static void
test_roles(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b = sceau_buf_new();
	char target[128];

	path(target, sizeof(target), t, "vlobs");
	one_vlob(t, &t->reader, VLOB_A, 1, 1, b);
	expect(t, &t->reader, "POST", target, b, 403, "FORBIDDEN");
	one_vlob(t, &t->outsider, VLOB_A, 1, 1, b);
	expect(t, &t->outsider, "POST", target, b, 403, "FORBIDDEN");
	path(target, sizeof(target), t, "vlobs?ids=" VLOB_A);
	expect(t, &t->outsider, "GET", target, NULL, 403, "FORBIDDEN");
	expect(t, &t->reader, "GET", target, NULL, 200, "");
	path(target, sizeof(target), t, "changes");
	expect(t, &t->outsider, "GET", target, NULL, 403, "FORBIDDEN");
	path(target, sizeof(target), t, "blocks?ids=" VLOB_A);
	expect(t, &t->outsider, "GET", target, NULL, 403, "FORBIDDEN");
	expect(t, &t->fx.admin, "GET",
	    "/v1/acme/realms/" NO_REALM "/vlobs?ids=" VLOB_A, NULL, 404,
	    "NOT_FOUND");
	expect(t, &t->fx.admin, "GET", "/v1/acme/realms/NOTHEX/changes", NULL,
	    400, "BAD_REQUEST");
	expect(t, &t->fx.admin, "GET",
	    "/v1/acme/realms/" NO_REALM "/vlobs/xyz/versions", NULL, 400,
	    "BAD_REQUEST");
	expect(t, &t->fx.admin, "DELETE", "/v1/acme/realms", NULL, 405,
	    "BAD_REQUEST");
	/* Unsigned: refused before anything else. */
	expect(t, NULL, "GET", "/v1/acme/realms", NULL, 401, "AUTH_FAILED");
	/* The reader is removed: it reads no more. */
	sceau_buf_reset(b);
	assert_int_equal(srvfx_realm_role(&t->fx, &t->fx.admin, t->realm,
	                     t->reader.user_id, SCEAU_ROLE_NONE, 0, b),
	    0);
	post_cert(t, b);
	path(target, sizeof(target), t, "vlobs?ids=" VLOB_A);
	expect(t, &t->reader, "GET", target, NULL, 403, "FORBIDDEN");
	sceau_buf_free(b);
}

/* ----------------------------------------------------------- vlobs */

static void
test_vlob_versions(void **state)
{
	struct t *t = *state;
	struct sceau_buf *body = sceau_buf_new(), *blob[3];
	struct sceau_vlob_header h;
	const char *ids[3] = {VLOB_B, VLOB_A, VLOB_B};
	uint64_t vers[3] = {1, 5, 2};
	char target[128];
	struct reply rp;
	size_t i;

	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 1, &rp), 200);
	assert_string_equal(jstr(result(&rp, 0), "status"), "ok");
	assert_int_equal(jint(result(&rp, 0), "checkpoint"), 1);
	assert_int_equal(jint(rp.j, "checkpoint"), 1);
	reply_clear(&rp);
	/* The same version again: a conflict, with the current one. */
	assert_int_equal(post_vlob(t, &t->fx.admin, VLOB_A, 1, &rp), 200);
	assert_string_equal(jstr(result(&rp, 0), "status"), "conflict");
	assert_int_equal(jint(result(&rp, 0), "current_version"), 1);
	reply_clear(&rp);
	assert_int_equal(post_vlob(t, &t->fx.admin, VLOB_A, 2, &rp), 200);
	assert_int_equal(jint(result(&rp, 0), "checkpoint"), 2);
	reply_clear(&rp);
	/* A batch: B v1 and v2 pass, A v5 is a conflict (current 2). */
	for (i = 0; i < 3; i++) {
		assert_non_null(blob[i] = sceau_buf_new());
		srvfx_vlob_header(
		    &t->fx, &t->member, t->realm, ids[i], vers[i], 1, &h);
		assert_int_equal(srvfx_vlob(&t->member, &h, blob[i]), 0);
	}
	vlobs_body(body, ids, vers, blob, 3);
	path(target, sizeof(target), t, "vlobs");
	call(t, &t->member, "POST", target, sceau_buf_ptr(body),
	    sceau_buf_len(body), &rp);
	assert_int_equal(rp.status, 200);
	assert_string_equal(jstr(result(&rp, 0), "status"), "ok");
	assert_int_equal(jint(result(&rp, 0), "checkpoint"), 3);
	assert_string_equal(jstr(result(&rp, 1), "status"), "conflict");
	assert_int_equal(jint(result(&rp, 1), "current_version"), 2);
	assert_string_equal(jstr(result(&rp, 2), "status"), "ok");
	assert_int_equal(jint(result(&rp, 2), "version"), 2);
	assert_int_equal(jint(rp.j, "checkpoint"), 4);
	reply_clear(&rp);
	for (i = 0; i < 3; i++)
		sceau_buf_free(blob[i]);
	sceau_buf_free(body);
}

/* A vlob of d whose header is changed by how, posted as id version 1. */
static void
expect_refused(struct t *t, const struct srvfx_device *d, int how)
{
	struct sceau_buf *body = sceau_buf_new(), *blob = sceau_buf_new();
	struct sceau_vlob_header h;
	const char *id = VLOB_C;
	uint64_t v = 1;
	char target[128];

	srvfx_vlob_header(&t->fx, d, t->realm, id, 1, 1, &h);
	if (how == 1)
		h.org_id[0] = 'b';
	else if (how == 2)
		h.realm_id[0] = h.realm_id[0] == 'f' ? 'e' : 'f';
	else if (how == 3)
		h.vlob_id[0] = 'd';
	else if (how == 4)
		h.version = 2;
	else if (how == 5)
		(void)snprintf(
		    h.author, sizeof(h.author), "%s", t->fx.admin.device_id);
	else if (how == 6)
		h.key_index = 2;
	assert_int_equal(srvfx_vlob(d, &h, blob), 0);
	if (how == 7)
		(void)sceau_buf_consume_end(blob, 10); /* malformed */
	vlobs_body(body, &id, &v, &blob, 1);
	path(target, sizeof(target), t, "vlobs");
	expect(t, d, "POST", target, body, 400, "BAD_REQUEST");
	sceau_buf_free(blob);
	sceau_buf_free(body);
}

static void
test_vlob_refusals(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b = sceau_buf_new();
	const char *all[3];
	char target[128];
	struct reply rp;
	int how;

	for (how = 1; how <= 7; how++)
		expect_refused(t, &t->member, how);
	path(target, sizeof(target), t, "vlobs");
	assert_int_equal(sceau_buf_putf(b, "{\"vlobs\":[]}"), 0);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	sceau_buf_reset(b);
	assert_int_equal(sceau_buf_putf(b,
	                     "{\"vlobs\":[{\"vlob_id\":\"%s\",\"version\":1,"
	                     "\"blob\":\"!!\"}]}",
	                     VLOB_A),
	    0);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	sceau_buf_reset(b);
	assert_int_equal(sceau_buf_putf(b,
	                     "{\"vlobs\":[{\"vlob_id\":\"A\","
	                     "\"version\":1,\"blob\":\"\"}]}"),
	    0);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	/* Nothing of all that was stored. */
	path(target, sizeof(target), t, "changes");
	call(t, &t->member, "GET", target, NULL, 0, &rp);
	assert_int_equal(jint(rp.j, "checkpoint"), 0);
	reply_clear(&rp);
	/* A rotation (to every member): key 1 is refused from now on. */
	sceau_buf_reset(b);
	all[0] = t->fx.admin.user_id;
	all[1] = t->member.user_id;
	all[2] = t->reader.user_id;
	assert_int_equal(
	    srvfx_realm_rotate(&t->fx, &t->fx.admin, t->realm, 2, all, 3, b),
	    0);
	post_cert(t, b);
	expect_refused(t, &t->member, 0);
	one_vlob(t, &t->member, VLOB_C, 1, 2, b);
	path(target, sizeof(target), t, "vlobs");
	expect(t, &t->member, "POST", target, b, 200, "");
	sceau_buf_free(b);
}

/* GET target by d: 200 and the JSON. */
static json_t *
get_json(struct t *t, const struct srvfx_device *d, const char *rest)
{
	char target[40000];
	struct reply rp;
	json_t *j;

	path(target, sizeof(target), t, rest);
	call(t, d, "GET", target, NULL, 0, &rp);
	if (rp.status != 200)
		fprintf(stderr, "# GET %s: %d %s\n", target, rp.status,
		    code_of(&rp));
	assert_int_equal(rp.status, 200);
	j = json_incref(rp.j);
	reply_clear(&rp);
	return j;
}

static void
test_vlob_reads(void **state)
{
	struct t *t = *state;
	uint64_t t1, t2;
	struct reply rp;
	char q[256];
	json_t *j, *v;

	t1 = fake_us;
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 1, &rp), 200);
	reply_clear(&rp);
	fake_us += 1000000;
	t2 = fake_us;
	assert_int_equal(post_vlob(t, &t->fx.admin, VLOB_A, 2, &rp), 200);
	reply_clear(&rp);
	/* Latest; a missing id. */
	j = get_json(t, &t->reader, "vlobs?ids=" VLOB_A "," VLOB_B);
	v = json_array_get(json_object_get(j, "vlobs"), 0);
	assert_string_equal(jstr(v, "vlob_id"), VLOB_A);
	assert_int_equal(jint(v, "version"), 2);
	assert_int_equal(jint(v, "server_time"), (int64_t)t2);
	assert_true(strlen(jstr(v, "blob")) > 100);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(j, "missing"), 0)),
	    VLOB_B);
	assert_null(json_object_get(j, "more"));
	json_decref(j);
	/* By version, by time. */
	j = get_json(t, &t->reader, "vlobs?ids=" VLOB_A "&version=1");
	assert_int_equal(
	    jint(json_array_get(json_object_get(j, "vlobs"), 0), "version"), 1);
	json_decref(j);
	(void)snprintf(q, sizeof(q), "vlobs?ids=%s&at=%llu", VLOB_A,
	    (unsigned long long)(t2 - 1));
	j = get_json(t, &t->reader, q);
	v = json_array_get(json_object_get(j, "vlobs"), 0);
	assert_int_equal(jint(v, "version"), 1);
	assert_int_equal(jint(v, "server_time"), (int64_t)t1);
	json_decref(j);
	(void)snprintf(q, sizeof(q), "vlobs?at=%llu&ids=%s",
	    (unsigned long long)(t1 - 1), VLOB_A);
	j = get_json(t, &t->reader, q);
	assert_int_equal(json_array_size(json_object_get(j, "vlobs")), 0);
	assert_int_equal(json_array_size(json_object_get(j, "missing")), 1);
	json_decref(j);
	j = get_json(t, &t->reader, "vlobs?ids=" VLOB_A "&version=3");
	assert_int_equal(json_array_size(json_object_get(j, "missing")), 1);
	json_decref(j);
	/* Versions, oldest first. */
	j = get_json(t, &t->reader, "vlobs/" VLOB_A "/versions");
	v = json_object_get(j, "versions");
	assert_int_equal(json_array_size(v), 2);
	assert_int_equal(jint(json_array_get(v, 0), "version"), 1);
	assert_string_equal(
	    jstr(json_array_get(v, 0), "author"), t->member.device_id);
	assert_string_equal(
	    jstr(json_array_get(v, 1), "author"), t->fx.admin.device_id);
	assert_true(jint(json_array_get(v, 1), "size") > 100);
	json_decref(j);
}

static void
test_vlob_queries(void **state)
{
	struct t *t = *state;
	static const char *const bad[] = {
	    "vlobs",
	    "vlobs?ids=",
	    "vlobs?ids=" VLOB_A "," VLOB_B "&version=1",
	    "vlobs?ids=" VLOB_A "&version=1&at=5",
	    "vlobs?ids=" VLOB_A "&version=0",
	    "vlobs?ids=" VLOB_A ",",
	    "vlobs?ids=ABCDEFABCDEFABCDEFABCDEFABCDEFAB",
	    "vlobs?ids=" VLOB_A "&color=red",
	    "vlobs?ids=" VLOB_A "&",
	    "changes?limit=0",
	    "changes?limit=10001",
	    "changes?since=-1",
	    "changes?since=1&since=2",
	    "blocks",
	    "blocks?ids=zz",
	    "blocks?ids=" VLOB_A "&x=1",
	};
	char target[20000], *p;
	size_t i;

	for (i = 0; i < SCEAU_NELEM(bad); i++) {
		path(target, sizeof(target), t, bad[i]);
		expect(t, &t->member, "GET", target, NULL, 400, "BAD_REQUEST");
	}
	expect(t, &t->member, "GET",
	    "/v1/acme/realms/" NO_REALM "/vlobs/" VLOB_A "/versions", NULL, 404,
	    "NOT_FOUND");
	path(target, sizeof(target), t, "vlobs/" VLOB_A "/versions");
	expect(t, &t->member, "GET", target, NULL, 404, "NOT_FOUND");
	/* 257 block ids: too many. */
	path(target, sizeof(target), t, "blocks?ids=");
	p = target + strlen(target);
	for (i = 0; i < 257; i++) {
		memcpy(p, VLOB_A ",", 33);
		p += 33;
	}
	p[-1] = '\0';
	expect(t, &t->member, "GET", target, NULL, 400, "BAD_REQUEST");
}

static void
test_changes(void **state)
{
	struct t *t = *state;
	const char *ids[3] = {VLOB_A, VLOB_B, VLOB_C};
	struct reply rp;
	json_t *j, *c;
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(post_vlob(t, &t->member, ids[i], 1, &rp), 200);
		reply_clear(&rp);
	}
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 2, &rp), 200);
	reply_clear(&rp);
	/* A changed last: B (2), C (3), A v2 (4). */
	j = get_json(t, &t->reader, "changes?since=1");
	c = json_object_get(j, "changes");
	assert_int_equal(jint(j, "checkpoint"), 4);
	assert_int_equal(json_array_size(c), 3);
	assert_string_equal(jstr(json_array_get(c, 0), "vlob_id"), VLOB_B);
	assert_string_equal(jstr(json_array_get(c, 2), "vlob_id"), VLOB_A);
	assert_int_equal(jint(json_array_get(c, 2), "version"), 2);
	assert_int_equal(jint(json_array_get(c, 2), "checkpoint"), 4);
	json_decref(j);
	j = get_json(t, &t->reader, "changes?limit=1&since=0");
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 1);
	assert_int_equal(jint(j, "checkpoint"), 4);
	json_decref(j);
	j = get_json(t, &t->reader, "changes?since=4");
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 0);
	json_decref(j);
}

/* ----------------------------------------------------------- blocks */

static void
post_blocks(struct t *t, const struct srvfx_device *d,
    const struct sceau_buf *b, int64_t stored, int64_t existing)
{
	char target[128];
	struct reply rp;

	path(target, sizeof(target), t, "blocks");
	call(t, d, "POST", target, sceau_buf_ptr(b), sceau_buf_len(b), &rp);
	if (rp.status != 200)
		fprintf(
		    stderr, "# POST blocks: %d %s\n", rp.status, code_of(&rp));
	assert_int_equal(rp.status, 200);
	assert_int_equal(jint(rp.j, "stored"), stored);
	assert_int_equal(jint(rp.j, "existing"), existing);
	reply_clear(&rp);
}

static void
test_blocks(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b = sceau_buf_new(), *want = sceau_buf_new();
	char target[256];
	struct reply rp;

	frame(b, 1, 'a', 1000);
	frame(b, 2, 'b', 1 << 20);
	frame(b, 3, 'c', 1);
	post_blocks(t, &t->member, b, 3, 0);
	post_blocks(t, &t->fx.admin, b, 0, 3);
	/* Read back, in the order asked. */
	frame(want, 3, 'c', 1);
	frame(want, 1, 'a', 1000);
	frame(want, 2, 'b', 1 << 20);
	path(target, sizeof(target), t,
	    "blocks?ids=03030303030303030303030303030303,"
	    "01010101010101010101010101010101,"
	    "02020202020202020202020202020202");
	call(t, &t->reader, "GET", target, NULL, 0, &rp);
	assert_int_equal(rp.status, 200);
	assert_non_null(rp.bin);
	assert_int_equal(sceau_buf_equals(rp.bin, want), 0);
	reply_clear(&rp);
	/* One missing: 404 naming it. */
	path(target, sizeof(target), t,
	    "blocks?ids=01010101010101010101010101010101,"
	    "09090909090909090909090909090909");
	call(t, &t->reader, "GET", target, NULL, 0, &rp);
	assert_int_equal(rp.status, 404);
	assert_non_null(strstr(json_string_value(json_object_get(
	                           json_object_get(rp.j, "error"), "message")),
	    "09090909090909090909090909090909"));
	reply_clear(&rp);
	/* Re-upload with one new: stored 1, existing 1. */
	sceau_buf_reset(b);
	frame(b, 1, 'a', 1000);
	frame(b, 4, 'd', 10);
	post_blocks(t, &t->member, b, 1, 1);
	sceau_buf_free(b);
	sceau_buf_free(want);
}

/* Before a large body: the checks that need none. */
static void
test_precheck(void **state)
{
	struct t *t = *state;
	struct sceau_buf *auth = sceau_buf_new();
	char target[128];

	path(target, sizeof(target), t, "blocks");
	assert_int_equal(srv_router_precheck(t->ctx, "POST", target, NULL),
	    SCEAU_ERR_AUTH_FAILED);
	assert_int_equal(srvfx_sign(&t->fx, &t->member, "POST", target, "x", 1,
	                     fake_us / 1000, auth),
	    0);
	assert_int_equal(srv_router_precheck(t->ctx, "POST", target,
	                     (const char *)sceau_buf_ptr(auth)),
	    0);
	/* Anonymous routes and unknown ones are left to the dispatcher. */
	assert_int_equal(
	    srv_router_precheck(t->ctx, "GET", "/v1/health", NULL), 0);
	assert_int_equal(srv_router_precheck(t->ctx, "GET", "/nope", NULL), 0);
	/* Signed long ago: refused before the body. */
	sceau_buf_reset(auth);
	assert_int_equal(srvfx_sign(&t->fx, &t->member, "POST", target, "x", 1,
	                     fake_us / 1000 - 3600000, auth),
	    0);
	assert_int_equal(srv_router_precheck(t->ctx, "POST", target,
	                     (const char *)sceau_buf_ptr(auth)),
	    SCEAU_ERR_CLOCK_SKEW);
	sceau_buf_free(auth);
}

static void
test_block_refusals(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b = sceau_buf_new();
	char target[128];
	uint8_t junk[19] = {0};
	size_t i;

	path(target, sizeof(target), t, "blocks");
	frame(b, 1, 'a', 100);
	post_blocks(t, &t->member, b, 1, 0);
	expect(t, &t->reader, "POST", target, b, 403, "FORBIDDEN");
	/* Same id, other bytes: a conflict, and nothing stored. */
	sceau_buf_reset(b);
	frame(b, 5, 'e', 10);
	frame(b, 1, 'x', 100);
	expect(t, &t->member, "POST", target, b, 409, "CONFLICT");
	/* Twice in one body: same bytes once; other bytes a conflict. */
	sceau_buf_reset(b);
	frame(b, 6, 'f', 10);
	frame(b, 6, 'f', 10);
	frame(b, 5, 'e', 10);
	post_blocks(t, &t->member, b, 2, 1);
	sceau_buf_reset(b);
	frame(b, 7, 'f', 10);
	frame(b, 7, 'g', 10);
	expect(t, &t->member, "POST", target, b, 409, "CONFLICT");
	/* Framing. */
	sceau_buf_reset(b);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	frame(b, 8, 'h', 10);
	assert_int_equal(sceau_buf_put(b, junk, sizeof(junk)), 0);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	sceau_buf_reset(b);
	frame(b, 8, 'h', 10);
	(void)sceau_buf_consume_end(b, 1);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	sceau_buf_reset(b);
	frame(b, 8, 'h', 0);
	expect(t, &t->member, "POST", target, b, 400, "BAD_REQUEST");
	sceau_buf_reset(b);
	frame(b, 8, 'h', (1 << 20) + 1);
	expect(t, &t->member, "POST", target, b, 413, "TOO_LARGE");
	sceau_buf_reset(b);
	for (i = 0; i <= 10000; i++)
		frame(b, (uint8_t)i, 'i', 1);
	expect(t, &t->member, "POST", target, b, 413, "TOO_LARGE");
	sceau_buf_free(b);
}

/* ----------------------------------------------------------- events */

static struct srv_stream *
open_stream(struct t *t, const struct srvfx_device *d, const char *last)
{
	struct srv_request rq = {
	    "GET", "/v1/acme/events", NULL, last, NULL, 0, NULL, NULL};
	struct srv_response resp;
	struct sceau_buf *auth = sceau_buf_new();
	struct srv_stream *s;

	assert_int_equal(srvfx_sign(&t->fx, d, "GET", "/v1/acme/events", NULL,
	                     0, fake_us / 1000, auth),
	    0);
	rq.authorization = (const char *)sceau_buf_ptr(auth);
	srv_dispatch(t->ctx, &rq, &resp);
	assert_int_equal(resp.status, 200);
	s = resp.stream;
	resp.stream = NULL;
	srv_resp_clear(&resp);
	sceau_buf_free(auth);
	return s;
}

/* Everything the stream has now (the fake clock makes pings due). */
static void
drain(struct srv_stream *s, char *buf, size_t max)
{
	ssize_t n;
	size_t k = 0;

	/* Events, then a ping once nothing is left: read to the ping. */
	do {
		fake_us += 2000000;
		n = srv_stream_read(s, (uint8_t *)buf + k, max - 1 - k);
		assert_true(n > 0);
		k += (size_t)n;
		buf[k] = '\0';
	} while (strstr(buf, ": ping\n\n") == NULL && k < max - 1);
}

static void
test_events(void **state)
{
	struct t *t = *state;
	struct srv_stream *sm, *so;
	struct reply rp;
	char buf[8192], want[256];

	sm = open_stream(t, &t->member, "0");
	so = open_stream(t, &t->outsider, "0");
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 1, &rp), 200);
	reply_clear(&rp);
	drain(sm, buf, sizeof(buf));
	(void)snprintf(want, sizeof(want),
	    "event: vlob\ndata: {\"realm_id\":\"%s\",\"vlob_id\":\"%s\","
	    "\"version\":1,\"checkpoint\":1}\n\n",
	    t->realm, VLOB_A);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "event: certificate"));
	drain(so, buf, sizeof(buf));
	assert_null(strstr(buf, "event: vlob"));
	assert_non_null(strstr(buf, "event: certificate"));
	srv_stream_free(sm);
	srv_stream_free(so);
}

/* ------------------------------------------------------ accounting */

static int64_t
storage(struct t *t)
{
	struct reply rp;
	int64_t n;

	admin_call(t, "GET", "/v1/admin/organizations/acme/stats", NULL, &rp);
	assert_int_equal(rp.status, 200);
	n = jint(rp.j, "storage_bytes");
	reply_clear(&rp);
	return n;
}

static void
test_storage(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b = sceau_buf_new();
	int64_t s0, s1;
	struct reply rp;
	json_t *j;

	s0 = storage(t);
	assert_true(s0 > 1000); /* certificates */
	frame(b, 1, 'a', 5000);
	frame(b, 2, 'b', 7000);
	post_blocks(t, &t->member, b, 2, 0);
	assert_int_equal(storage(t), s0 + 12000);
	post_blocks(t, &t->member, b, 0, 2);
	assert_int_equal(storage(t), s0 + 12000);
	s1 = storage(t);
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 1, &rp), 200);
	reply_clear(&rp);
	j = get_json(t, &t->member, "vlobs/" VLOB_A "/versions");
	assert_int_equal(storage(t),
	    s1 +
	        jint(
	            json_array_get(json_object_get(j, "versions"), 0), "size"));
	json_decref(j);
	sceau_buf_free(b);
}

/* --------------------------------------------------- batches, restart */

/* Appends ",XX...XX" (the id of block byte x) to target. */
static void
id_param(char *target, size_t n, uint8_t x, int first)
{
	size_t k;

	if (!first)
		(void)snprintf(
		    target + strlen(target), n - strlen(target), ",");
	for (k = 0; k < SRV_BLOCK_ID_LEN; k++)
		(void)snprintf(
		    target + strlen(target), n - strlen(target), "%02x", x);
}

/* 16 blocks of 1 MiB in two batches, read back in one GET. */
static void
test_large_batch(void **state)
{
	struct t *t = *state;
	struct sceau_buf *b = sceau_buf_new();
	char target[1024];
	struct reply rp;
	size_t i;

	for (i = 0; i < 15; i++)
		frame(b, (uint8_t)(0x10 + i), (uint8_t)i, 1 << 20);
	post_blocks(t, &t->member, b, 15, 0);
	frame(b, 0x1f, 'z', 1 << 20);
	(void)sceau_buf_consume(
	    b, sceau_buf_len(b) - (SRV_BLOCK_FRAME_HEADER + (1 << 20)));
	post_blocks(t, &t->member, b, 1, 0);
	path(target, sizeof(target), t, "blocks?ids=");
	for (i = 0; i < 16; i++)
		id_param(target, sizeof(target), (uint8_t)(0x10 + i), i == 0);
	call(t, &t->reader, "GET", target, NULL, 0, &rp);
	assert_int_equal(rp.status, 200);
	assert_int_equal(
	    sceau_buf_len(rp.bin), 16 * (SRV_BLOCK_FRAME_HEADER + (1 << 20)));
	for (i = 0; i < 16; i++)
		assert_int_equal(
		    sceau_buf_ptr(
		        rp.bin)[i * (SRV_BLOCK_FRAME_HEADER + (1 << 20)) +
		        SRV_BLOCK_FRAME_HEADER + 77],
		    i < 15 ? i : 'z');
	reply_clear(&rp);
	sceau_buf_free(b);
}

/* Count the pack files in dir/acme. */
static int
count_packs(const struct t *t)
{
	char p[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)snprintf(p, sizeof(p), "%s/blocks/acme", t->dir);
	assert_non_null(d = opendir(p));
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".pack") != NULL;
	(void)closedir(d);
	return n;
}

static void
test_restart(void **state)
{
	struct t *t = sceau_calloc(1, sizeof(*t));
	struct sceau_buf *b = sceau_buf_new(), *want = sceau_buf_new();
	char db[128], blocks[128], target[256];
	struct reply rp;
	json_t *j;

	(void)state;
	fake_us = 1800000000000000ULL;
	(void)snprintf(t->dir, sizeof(t->dir), "/tmp/sceau-realms-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	(void)snprintf(db, sizeof(db), "%s/server.db", t->dir);
	(void)snprintf(blocks, sizeof(blocks), "%s/blocks", t->dir);
	t_open(t, db, blocks);
	frame(b, 1, 'a', 3000);
	frame(b, 2, 'b', 4000);
	post_blocks(t, &t->member, b, 2, 0);
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 1, &rp), 200);
	reply_clear(&rp);
	assert_int_equal(count_packs(t), 1);
	/* Stop, start again on the same files. */
	srv_ctx_free(t->ctx);
	srv_backend_close(t->be);
	fake_us += 5000000;
	t->be = t_backend(db, blocks);
	t->ctx = t_ctx(t->be);
	path(target, sizeof(target), t,
	    "blocks?ids=02020202020202020202020202020202,"
	    "01010101010101010101010101010101");
	call(t, &t->reader, "GET", target, NULL, 0, &rp);
	assert_int_equal(rp.status, 200);
	frame(want, 2, 'b', 4000);
	frame(want, 1, 'a', 3000);
	assert_int_equal(sceau_buf_equals(rp.bin, want), 0);
	reply_clear(&rp);
	j = get_json(t, &t->reader, "changes");
	assert_int_equal(jint(j, "checkpoint"), 1);
	json_decref(j);
	/* Known blocks are known; new ones go to a pack of this run. */
	post_blocks(t, &t->member, b, 0, 2);
	sceau_buf_reset(b);
	frame(b, 3, 'c', 10);
	post_blocks(t, &t->member, b, 1, 0);
	assert_int_equal(count_packs(t), 2);
	assert_int_equal(post_vlob(t, &t->member, VLOB_A, 2, &rp), 200);
	assert_int_equal(jint(result(&rp, 0), "checkpoint"), 2);
	reply_clear(&rp);
	sceau_buf_free(b);
	sceau_buf_free(want);
	*state = t;
	(void)teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_realms_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_vlob_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_vlob_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vlob_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vlob_queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_block_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_precheck, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_storage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_batch, setup, teardown),
	    cmocka_unit_test(test_restart),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("server-realms", tests, NULL, NULL);
}
