/*
 * fuzz-request.c: sceau-server's dispatcher (src/server/router.c) with an
 * arbitrary request, without a socket.
 *
 * Input:
 *
 *   METHOD \n TARGET \n (NAME: VALUE \n)* \n BODY
 *
 * Headers the dispatcher reads: Authorization, Last-Event-ID.  One more
 * is the harness's: "X-Fuzz-Sign: admin" replaces Authorization with a
 * valid signature of the request (method, target, body) by the first
 * device of organization "acme", so that inputs get past authentication
 * and reach the signed routes' parsers.  Each input runs against a fresh
 * in-memory database holding "acme" (bootstrapped) and "beta" (not), with
 * the admin token "fuzz-admin-token-0123456789" and a fixed clock.
 *
 * Properties: the status is one of the protocol's; every reply but an
 * event stream is a JSON object, and an error reply's code is a known
 * error name whose status is the protocol's; an event stream yields
 * bytes; and the organization's stored chain is intact afterwards.
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

static uint64_t
fuzz_clock(void)
{
	return FUZZ_NOW_US;
}

/* The organization's keys and bootstrap, made once. */
static struct srvfx_org fuzz_fx;
static struct sceau_buf *fuzz_boot; /* bootstrap body, token below */
static const char fuzz_token[] = "fuzz-bootstrap-token";

static void
fuzz_init(void)
{
	if (fuzz_boot != NULL)
		return;
	fuzz_assert((fuzz_boot = sceau_buf_new()) != NULL);
	fuzz_assert(srvfx_new("acme", fuzz_token, &fuzz_fx, fuzz_boot) == 0);
}

struct fuzz_env {
	struct srv_backend *be;
	struct srv_ctx *ctx;
};

static void
fuzz_env_new(struct fuzz_env *e)
{
	struct srv_backend_config cfg = {"sqlite", ":memory:", 1, 0, 0, 1000};
	struct srv_settings set;
	uint8_t h[SCEAU_SHA256_LEN];

	memset(&set, 0, sizeof(set));
	set.admin_enabled = 1;
	fuzz_assert(sceau_hash_sha256(
	                FUZZ_ADMIN, strlen(FUZZ_ADMIN), set.admin_hash) == 0);
	set.max_body = 65536;
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

/* Bootstraps "acme" through the dispatcher, as a client does. */
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
}

/* The input, split.  Strings point into a NUL-terminated copy. */
struct fuzz_input {
	char *copy;
	const char *method, *target, *auth, *last_id;
	int sign;
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
	struct sceau_buf *auth = NULL;

	fuzz_init();
	if (fuzz_split(data, size, &in) != 0) {
		sceau_free(in.copy);
		return 0;
	}
	fuzz_env_new(&e);
	fuzz_bootstrap(&e);
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
	sceau_free(in.copy);
	return 0;
}
