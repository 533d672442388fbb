/*
 * fuzz-request.c: sceau-server's dispatcher (src/server/router.c) with an
 * arbitrary request, without a socket.
 *
 * Input:
 *
 *   METHOD \n TARGET \n (NAME: VALUE \n)* \n BODY
 *
 * Headers the dispatcher reads: Authorization, Last-Event-ID.  More are
 * the harness's: "X-Fuzz-Sign: admin" replaces Authorization with a
 * valid signature of the request (method, target, body) by the first
 * device of organization "acme", so that inputs get past authentication
 * and reach the signed routes' parsers; "X-Fuzz-Vlobs: N" replaces the
 * body with N valid vlobs (ids 0...01 to N, version 1) of that device,
 * which no file of the corpus could hold (device ids are random);
 * "X-Fuzz-Setup: data" stores vlobs 0...01 and 0...02 and blocks
 * 0101...01 and 0202...02 first, so that reads find something.  Each
 * input runs against a fresh in-memory database (and in-memory packs)
 * holding "acme" (bootstrapped, with workspace FUZZ_REALM, key index 1)
 * and "beta" (not), with the admin token "fuzz-admin-token-0123456789"
 * and a fixed clock.
 *
 * Properties: the status is one of the protocol's; every reply but an
 * event stream or blocks is a JSON object, and an error reply's code is
 * a known error name whose status is the protocol's; an event stream
 * yields bytes; blocks come as whole frames; and the organization's
 * stored chain is intact afterwards.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "backend.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "fuzz.h"
#include "hash.h"
#include "json.h"
#include "request.h"
#include "router.h"
#include "server.h"
#include "srv-fixture.h"
#include "stream.h"

#define FUZZ_ADMIN "fuzz-admin-token-0123456789"
#define FUZZ_NOW_US 1800000000000000ULL
#define FUZZ_FIELD_MAX 4096
#define FUZZ_REALM "0123456789abcdef0123456789abcdef"
#define FUZZ_VLOBS_MAX 20

static uint64_t
fuzz_clock(void)
{
	return FUZZ_NOW_US;
}

/* The organization's keys and bootstrap, made once. */
static struct srvfx_org fuzz_fx;
static struct sceau_buf *fuzz_boot; /* bootstrap body, token below */
static struct sceau_buf *fuzz_realm; /* POST certificates: the workspace */
static const char fuzz_token[] = "fuzz-bootstrap-token";

static void
fuzz_init(void)
{
	char realm[] = FUZZ_REALM;

	if (fuzz_boot != NULL)
		return;
	fuzz_assert((fuzz_boot = sceau_buf_new()) != NULL);
	fuzz_assert((fuzz_realm = sceau_buf_new()) != NULL);
	fuzz_assert(srvfx_new("acme", fuzz_token, &fuzz_fx, fuzz_boot) == 0);
	fuzz_assert(srvfx_realm_create(
	                &fuzz_fx, &fuzz_fx.admin, realm, fuzz_realm) == 0);
}

struct fuzz_env {
	struct srv_backend *be;
	struct srv_ctx *ctx;
};

static void
fuzz_env_new(struct fuzz_env *e)
{
	struct srv_backend_config cfg = {
	    "sqlite", ":memory:", 1, 0, 0, 1000, NULL};
	struct srv_settings set;
	uint8_t h[SCEAU_SHA256_LEN];

	memset(&set, 0, sizeof(set));
	set.admin_enabled = 1;
	fuzz_assert(sceau_hash_sha256(
	                FUZZ_ADMIN, strlen(FUZZ_ADMIN), set.admin_hash) == 0);
	set.max_body = 65536;
	set.max_block_body = 4 << 20;
	set.clock_skew_ms = 300000;
	set.sse_ping_ms = 1000;
	set.link_port = 443;
	set.link_tls = 1;
	memcpy(set.link_host, "localhost", 10);
	fuzz_assert(srv_backend_open(&cfg, &e->be) == 0);
	fuzz_assert(srv_ctx_new(&set, e->be, &e->ctx) == 0);
	e->ctx->now_us = fuzz_clock;
	e->ctx->start_ms = FUZZ_NOW_US / 1000 - 60000;
	fuzz_assert(sceau_hash_sha256(fuzz_token, strlen(fuzz_token), h) == 0);
	fuzz_assert(e->be->ops->org_create(e->be, "acme", h, 1) == 0);
	fuzz_assert(e->be->ops->org_create(e->be, "beta", h, 2) == 0);
}

static void
fuzz_env_free(struct fuzz_env *e)
{
	srv_ctx_free(e->ctx);
	srv_backend_close(e->be);
}

/* A request as the admin device; its status. */
static int
fuzz_admin_call(struct fuzz_env *e, const char *method, const char *target,
    const struct sceau_buf *body)
{
	struct sceau_buf *auth = sceau_buf_new();
	struct srv_request rq;
	struct srv_response resp;
	int status;

	fuzz_assert(auth != NULL);
	fuzz_assert(srvfx_sign(&fuzz_fx, &fuzz_fx.admin, method, target,
	                sceau_buf_ptr(body), sceau_buf_len(body),
	                FUZZ_NOW_US / 1000, auth) == 0);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.target = target;
	rq.authorization = (const char *)sceau_buf_ptr(auth);
	rq.body = sceau_buf_ptr(body);
	rq.body_len = sceau_buf_len(body);
	srv_dispatch(e->ctx, &rq, &resp);
	status = resp.status;
	srv_resp_clear(&resp);
	sceau_buf_free(auth);
	return status;
}

/* Bootstraps "acme" through the dispatcher, as a client does, and
 * creates its workspace. */
static void
fuzz_bootstrap(struct fuzz_env *e)
{
	struct srv_request rq;
	struct srv_response resp;

	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.target = "/v1/acme/bootstrap";
	rq.body = sceau_buf_ptr(fuzz_boot);
	rq.body_len = sceau_buf_len(fuzz_boot);
	srv_dispatch(e->ctx, &rq, &resp);
	fuzz_assert(resp.status == 200);
	srv_resp_clear(&resp);
	fuzz_assert(fuzz_admin_call(
	                e, "POST", "/v1/acme/certificates", fuzz_realm) == 201);
}

/* {"vlobs": [...]}: n valid vlobs of the admin device, version 1. */
static void
fuzz_vlobs_body(size_t n, struct sceau_buf *body)
{
	struct sceau_buf *blob = sceau_buf_new();
	struct sceau_vlob_header h;
	char id[SCEAU_ID_LEN + 1];
	size_t i;

	fuzz_assert(blob != NULL);
	sceau_buf_reset(body);
	fuzz_assert(sceau_buf_putf(body, "{\"vlobs\":[") == 0);
	for (i = 1; i <= n; i++) {
		(void)snprintf(id, sizeof(id), "%032zx", i);
		srvfx_vlob_header(
		    &fuzz_fx, &fuzz_fx.admin, FUZZ_REALM, id, 1, 1, &h);
		sceau_buf_reset(blob);
		fuzz_assert(srvfx_vlob(&fuzz_fx.admin, &h, blob) == 0);
		fuzz_assert(sceau_buf_putf(body,
		                "%s{\"vlob_id\":\"%s\",\"version\":1,"
		                "\"blob\":\"",
		                i > 1 ? "," : "", id) == 0);
		fuzz_assert(sceau_enc_b64_put(body, sceau_buf_ptr(blob),
		                sceau_buf_len(blob), SCEAU_B64_STD) == 0);
		fuzz_assert(sceau_buf_putf(body, "\"}") == 0);
	}
	fuzz_assert(sceau_buf_putf(body, "]}") == 0);
	sceau_buf_free(blob);
}

/* Two vlobs and two blocks, for the reads of an input to find. */
static void
fuzz_setup_data(struct fuzz_env *e)
{
	static const char *const t = "/v1/acme/realms/" FUZZ_REALM;
	struct sceau_buf *b = sceau_buf_new();
	char target[128];
	uint8_t id[16], *p;
	int i;

	fuzz_assert(b != NULL);
	fuzz_vlobs_body(2, b);
	(void)snprintf(target, sizeof(target), "%s/vlobs", t);
	fuzz_assert(fuzz_admin_call(e, "POST", target, b) == 200);
	sceau_buf_reset(b);
	for (i = 1; i <= 2; i++) {
		memset(id, i, sizeof(id));
		fuzz_assert(sceau_buf_put(b, id, sizeof(id)) == 0);
		fuzz_assert(sceau_buf_put_u32(b, (uint32_t)(100 * i)) == 0);
		fuzz_assert(sceau_buf_reserve(b, (size_t)(100 * i), &p) == 0);
		memset(p, 'a' + i, (size_t)(100 * i));
	}
	(void)snprintf(target, sizeof(target), "%s/blocks", t);
	fuzz_assert(fuzz_admin_call(e, "POST", target, b) == 200);
	sceau_buf_free(b);
}

/* The input, split.  Strings point into a NUL-terminated copy. */
struct fuzz_input {
	char *copy;
	const char *method, *target, *auth, *last_id;
	int sign;
	int setup; /* X-Fuzz-Setup: data */
	size_t vlobs; /* X-Fuzz-Vlobs: N */
	const uint8_t *body;
	size_t body_len;
};

/* Cuts the next line off *p (at most FUZZ_FIELD_MAX), or NULL. */
static char *
fuzz_line(char **p, char *end)
{
	char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL || nl - s > FUZZ_FIELD_MAX)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return s;
}

static void
fuzz_header(struct fuzz_input *in, const char *h)
{
	if (strncmp(h, "Authorization: ", 15) == 0)
		in->auth = h + 15;
	else if (strncmp(h, "Last-Event-ID: ", 15) == 0)
		in->last_id = h + 15;
	else if (strcmp(h, "X-Fuzz-Sign: admin") == 0)
		in->sign = 1;
	else if (strcmp(h, "X-Fuzz-Setup: data") == 0)
		in->setup = 1;
	else if (strncmp(h, "X-Fuzz-Vlobs: ", 14) == 0)
		in->vlobs = SCEAU_MIN(
		    strtoul(h + 14, NULL, 10), (unsigned long)FUZZ_VLOBS_MAX);
}

static int
fuzz_split(const uint8_t *data, size_t size, struct fuzz_input *in)
{
	char *p, *end, *h;

	memset(in, 0, sizeof(*in));
	fuzz_assert((in->copy = sceau_malloc(size + 1)) != NULL);
	memcpy(in->copy, data, size);
	in->copy[size] = '\0';
	p = in->copy;
	end = in->copy + size;
	if ((in->method = fuzz_line(&p, end)) == NULL ||
	    (in->target = fuzz_line(&p, end)) == NULL)
		return -1;
	while ((h = fuzz_line(&p, end)) != NULL && h[0] != '\0')
		fuzz_header(in, h);
	in->body = (const uint8_t *)p;
	in->body_len = p < end ? (size_t)(end - p) : 0;
	return 0;
}

static void
fuzz_check_json(const struct srv_response *resp)
{
	const char *code;
	json_t *j = NULL;
	int r;

	fuzz_assert(resp->body != NULL);
	fuzz_assert(sceau_json_parse_buf(resp->body, NULL, &j) == 0);
	fuzz_assert(json_is_object(j));
	if (resp->status >= 400) {
		code = json_string_value(
		    json_object_get(json_object_get(j, "error"), "code"));
		fuzz_assert(code != NULL);
		r = sceau_err_from_name(code);
		fuzz_assert(r != 0);
		fuzz_assert(
		    resp->status == 405 || resp->status == srv_error_status(r));
		fuzz_assert(resp->error == r);
	}
	json_decref(j);
}

/* Blocks: whole frames, as many bytes as announced. */
static void
fuzz_check_binary(const struct srv_response *resp)
{
	struct srv_reader *rd = resp->reader;
	struct sceau_buf *all = sceau_buf_new();
	uint8_t buf[4096];
	const uint8_t *p;
	size_t off = 0, len;
	ssize_t n;

	fuzz_assert(resp->status == 200 && rd != NULL && all != NULL);
	while ((n = rd->read(rd->cls, buf, sizeof(buf))) > 0)
		fuzz_assert(sceau_buf_put(all, buf, (size_t)n) == 0);
	fuzz_assert(n == 0 && sceau_buf_len(all) == rd->size);
	p = sceau_buf_ptr(all);
	len = sceau_buf_len(all);
	while (off < len) {
		fuzz_assert(len - off >= 20);
		off += 20 +
		    ((size_t)p[off + 16] << 24 | (size_t)p[off + 17] << 16 |
		        (size_t)p[off + 18] << 8 | p[off + 19]);
	}
	fuzz_assert(off == len);
	sceau_buf_free(all);
}

static void
fuzz_check(const struct srv_response *resp)
{
	uint8_t buf[256];

	fuzz_assert(resp->status == 200 || resp->status == 201 ||
	    (resp->status >= 400 && resp->status <= 413) ||
	    resp->status == 429 || resp->status == 500);
	if (resp->kind == SRV_RESP_EVENTS) {
		fuzz_assert(resp->status == 200 && resp->stream != NULL);
		/* Events, or the opening ping: never a wait here. */
		fuzz_assert(
		    srv_stream_read(resp->stream, buf, sizeof(buf)) > 0);
		return;
	}
	if (resp->kind == SRV_RESP_BINARY) {
		fuzz_check_binary(resp);
		return;
	}
	fuzz_check_json(resp);
}

/* Whatever happened, "acme"'s chain is as the bootstrap stored it, or
 * longer. */
static void
fuzz_check_store(struct fuzz_env *e)
{
	struct srv_org o;

	fuzz_assert(e->be->ops->org_get(e->be, "acme", &o) == 0);
	fuzz_assert(o.bootstrapped && o.last_index >= 3);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct fuzz_env e;
	struct srv_request rq;
	struct srv_response resp;
	struct sceau_buf *auth = NULL, *vlobs = NULL;

	fuzz_init();
	if (fuzz_split(data, size, &in) != 0) {
		sceau_free(in.copy);
		return 0;
	}
	fuzz_env_new(&e);
	fuzz_bootstrap(&e);
	if (in.setup)
		fuzz_setup_data(&e);
	if (in.vlobs > 0) {
		fuzz_assert((vlobs = sceau_buf_new()) != NULL);
		fuzz_vlobs_body(in.vlobs, vlobs);
		in.body = sceau_buf_ptr(vlobs);
		in.body_len = sceau_buf_len(vlobs);
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = in.method;
	rq.target = in.target;
	rq.authorization = in.auth;
	rq.last_event_id = in.last_id;
	rq.body = in.body;
	rq.body_len = in.body_len;
	/* A method or target the signer refuses is sent unsigned. */
	if (in.sign && (auth = sceau_buf_new()) != NULL &&
	    srvfx_sign(&fuzz_fx, &fuzz_fx.admin, in.method, in.target, in.body,
	        in.body_len, FUZZ_NOW_US / 1000, auth) == 0)
		rq.authorization = (const char *)sceau_buf_ptr(auth);
	srv_dispatch(e.ctx, &rq, &resp);
	/* SCEAU_FUZZ_VERBOSE=1: show each reply (for writing seeds). */
	if (getenv("SCEAU_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%d %.*s\n", resp.status,
		    resp.body != NULL ? (int)sceau_buf_len(resp.body) : 0,
		    resp.body != NULL ? (const char *)sceau_buf_ptr(resp.body)
		                      : "");
	fuzz_check(&resp);
	srv_resp_clear(&resp);
	fuzz_check_store(&e);
	fuzz_env_free(&e);
	sceau_buf_free(auth);
	sceau_buf_free(vlobs);
	sceau_free(in.copy);
	return 0;
}
