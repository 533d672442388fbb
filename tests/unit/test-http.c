/*
 * test-http.c: the client transport (src/http.c, src/http-sse.c) against
 * the in-test server of testserver.c on 127.0.0.1: replies, error
 * mapping, limits, timeouts, refused connections, device signatures,
 * event streams, TLS verification, and plain HTTP refused to anything
 * but loopback before any connection.  Nothing connects anywhere but
 * 127.0.0.1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "hash.h"
#include "http.h"
#include "json.h"
#include "reqsign.h"
#include "sign.h"
#include "testserver.h"
#include "testutil.h"

#define ORG "acme"
#define DEV "0123456789abcdef0123456789abcdef"

struct fixture {
	struct ts_server *srv;
	struct sceau_http *h;
	char url[64];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sceau_http_opts o = {NULL, 0, 5000, 2000};

	if (f == NULL)
		return -1;
	f->srv = ts_start(NULL, NULL);
	(void)snprintf(
	    f->url, sizeof(f->url), "http://127.0.0.1:%u", ts_port(f->srv));
	if (sceau_http_new(f->url, &o, &f->h) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	sceau_http_free(f->h);
	ts_stop(f->srv);
	free(f);
	return 0;
}

static struct ts_request *
last_request(struct fixture *f)
{
	static struct ts_request r;

	assert_int_equal(ts_last_request(f->srv, &r), 0);
	return &r;
}

/* ------------------------------------------------------------------ */

static void
check_new(const char *url, const struct sceau_http_opts *o, int want)
{
	struct sceau_http *h = (struct sceau_http *)1;
	int r = sceau_http_new(url, o, &h);

	if (r != want)
		fail_msg("%s: %s, expected %s", url, sceau_errname(r),
		    sceau_errname(want));
	if (r != 0)
		assert_null(h);
	sceau_http_free(h);
}

static void
test_insecure_refused(void **state)
{
	struct sceau_http_opts allow = {NULL, 1, 0, 0};
	struct sceau_http_opts badca = {"/nonexistent/ca.pem", 0, 0, 0};
	struct sceau_http *h;

	(void)state;
	/* Refused before any connection: no handle is even made. */
	check_new("http://192.0.2.1", NULL, SCEAU_ERR_INSECURE_URL);
	check_new("http://192.0.2.1:6770/", NULL, SCEAU_ERR_INSECURE_URL);
	check_new("http://sceau.example.org", NULL, SCEAU_ERR_INSECURE_URL);
	check_new("http://localhost.example.org", NULL, SCEAU_ERR_INSECURE_URL);
	check_new("http://[2001:db8::1]", NULL, SCEAU_ERR_INSECURE_URL);
	check_new("http://[::ffff:127.0.0.1]", NULL, SCEAU_ERR_INSECURE_URL);
	check_new("http://128.0.0.1", NULL, SCEAU_ERR_INSECURE_URL);
	/* Loopback, and anything with allow_insecure_http. */
	check_new("http://127.0.0.1:1", NULL, 0);
	check_new("http://127.200.0.1", NULL, 0);
	check_new("http://localhost", NULL, 0);
	check_new("http://[::1]:8080", NULL, 0);
	check_new("http://192.0.2.1", &allow, 0);
	check_new("https://192.0.2.1", NULL, 0);
	/* Malformed URLs, bad options. */
	check_new("ftp://h", NULL, SCEAU_ERR_INVALID_ARGUMENT);
	check_new("https://h/v1", NULL, SCEAU_ERR_INVALID_ARGUMENT);
	check_new("https://h", &badca, SCEAU_ERR_CONFIG);
	assert_int_equal(
	    sceau_http_new(NULL, NULL, &h), SCEAU_ERR_INVALID_ARGUMENT);
	/* The base URL is canonical. */
	assert_int_equal(
	    sceau_http_new("HTTPS://Sceau.Example:8443/", NULL, &h), 0);
	assert_string_equal(
	    sceau_http_base_url(h), "https://sceau.example:8443");
	sceau_http_free(h);
	sceau_http_free(NULL);
}

static void
test_json_ok(void **state)
{
	struct fixture *f = *state;
	struct ts_request *r;
	json_t *resp = NULL;
	const char *s;
	char v[128];

	ts_set_simple(f->srv, 200, "application/json; charset=utf-8",
	    "{\"org_id\": \"acme\", \"last_index\": 3}");
	assert_int_equal(
	    sceau_http_json(f->h, "GET", "/v1/acme/whoami", NULL, &resp), 0);
	assert_non_null(resp);
	assert_int_equal(sceau_json_get_string(resp, "org_id", 64, &s), 0);
	assert_string_equal(s, "acme");
	json_decref(resp);
	r = last_request(f);
	assert_string_equal(r->method, "GET");
	assert_string_equal(r->target, "/v1/acme/whoami");
	assert_int_equal(ts_header(r, "Accept", v, sizeof(v)), 0);
	assert_string_equal(v, "application/json");
	assert_int_not_equal(ts_header(r, "Authorization", v, sizeof(v)), 0);
	assert_int_not_equal(ts_header(r, "Expect", v, sizeof(v)), 0);
	/* 204: no document. */
	ts_set_simple(f->srv, 204, NULL, "");
	resp = (json_t *)1;
	assert_int_equal(
	    sceau_http_json(f->h, "POST", "/v1/admin/x", NULL, &resp), 0);
	assert_null(resp);
}

static void
test_bodies(void **state)
{
	struct fixture *f = *state;
	struct sceau_buf *body, *resp;
	struct ts_request *r;
	json_t *req, *out = NULL;
	long status = 0;
	char v[128];

	ts_set_simple(f->srv, 201, "application/json", "{\"index\": 43}");
	assert_non_null(req = json_pack("{s:s}", "org_id", "acme"));
	assert_int_equal(
	    sceau_http_json(f->h, "POST", "/v1/admin/organizations", req, &out),
	    0);
	json_decref(out);
	json_decref(req);
	r = last_request(f);
	assert_string_equal(r->method, "POST");
	assert_int_equal(r->body_len, strlen("{\"org_id\":\"acme\"}"));
	assert_memory_equal(r->body, "{\"org_id\":\"acme\"}", r->body_len);
	assert_int_equal(ts_header(r, "Content-Type", v, sizeof(v)), 0);
	assert_string_equal(v, "application/json");
	/* A bare POST: empty body, no form content type. */
	assert_non_null(resp = sceau_buf_new());
	assert_int_equal(sceau_http_request(f->h, "POST",
	                     "/v1/admin/organizations/acme/freeze", NULL, NULL,
	                     resp, &status),
	    0);
	assert_int_equal(status, 201);
	assert_int_equal(sceau_buf_len(resp), 13);
	r = last_request(f);
	assert_int_equal(r->body_len, 0);
	assert_int_equal(ts_header(r, "Content-Length", v, sizeof(v)), 0);
	assert_string_equal(v, "0");
	assert_int_not_equal(ts_header(r, "Content-Type", v, sizeof(v)), 0);
	/* PUT with a body of another type; DELETE without. */
	assert_non_null(body = sceau_buf_new());
	assert_int_equal(sceau_buf_put(body, "abc", 3), 0);
	assert_int_equal(sceau_http_request(f->h, "PUT", "/v1/x", body,
	                     "application/octet-stream", NULL, &status),
	    0);
	r = last_request(f);
	assert_string_equal(r->method, "PUT");
	assert_int_equal(r->body_len, 3);
	assert_int_equal(ts_header(r, "Content-Type", v, sizeof(v)), 0);
	assert_string_equal(v, "application/octet-stream");
	assert_int_equal(sceau_http_request(f->h, "DELETE", "/v1/x", NULL, NULL,
	                     NULL, &status),
	    0);
	assert_string_equal(last_request(f)->method, "DELETE");
	assert_int_equal(last_request(f)->body_len, 0);
	sceau_buf_free(body);
	sceau_buf_free(resp);
}

static void
check_signature(struct fixture *f, const struct sceau_signkey *k,
    const char *method, const char *path)
{
	struct ts_request *r = last_request(f);
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN], digest[32];
	struct sceau_reqsign rs;
	char v[SCEAU_REQSIGN_HEADER_MAX + 1];

	assert_string_equal(r->method, method);
	assert_string_equal(r->target, path);
	assert_int_equal(ts_header(r, "Authorization", v, sizeof(v)), 0);
	assert_int_equal(strncmp(v, "SCEAU-Ed25519 ", 14), 0);
	assert_int_equal(sceau_reqsign_parse(v, &rs), 0);
	assert_string_equal(rs.org_id, ORG);
	assert_string_equal(rs.device_id, DEV);
	sceau_sign_public(k, pk);
	assert_int_equal(sceau_hash_sha256(r->body, r->body_len, digest), 0);
	assert_int_equal(
	    sceau_reqsign_verify(&rs, pk, method, path, digest), 0);
	/* Another path, method or body does not verify. */
	assert_int_equal(
	    sceau_reqsign_verify(&rs, pk, method, "/v1/other", digest),
	    SCEAU_ERR_AUTH_FAILED);
	assert_int_equal(sceau_reqsign_verify(&rs, pk, "DELETE", path, digest),
	    SCEAU_ERR_AUTH_FAILED);
	digest[0] ^= 1;
	assert_int_equal(sceau_reqsign_verify(&rs, pk, method, path, digest),
	    SCEAU_ERR_AUTH_FAILED);
}

static void
test_device_signature(void **state)
{
	struct fixture *f = *state;
	struct sceau_signkey *k;
	struct sceau_buf *body;
	json_t *req, *out = NULL;

	assert_int_equal(sceau_sign_generate(&k), 0);
	assert_int_equal(sceau_http_set_device(f->h, "a/b", DEV, k),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_http_set_device(f->h, ORG, "xyz", k),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_http_set_device(f->h, ORG, DEV, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_http_set_device(f->h, ORG, DEV, k), 0);
	ts_set_simple(f->srv, 200, "application/json", "{}");
	assert_int_equal(sceau_http_request(f->h, "GET",
	                     "/v1/acme/certificates?from=4&limit=10", NULL,
	                     NULL, NULL, NULL),
	    0);
	check_signature(f, k, "GET", "/v1/acme/certificates?from=4&limit=10");
	/* Dot segments are sent (and signed) as they are. */
	assert_int_equal(sceau_http_request(f->h, "GET", "/v1/acme/../x", NULL,
	                     NULL, NULL, NULL),
	    0);
	check_signature(f, k, "GET", "/v1/acme/../x");
	assert_non_null(req = json_pack("{s:s}", "certificate", "AAAA"));
	assert_int_equal(
	    sceau_http_json(f->h, "POST", "/v1/acme/certificates", req, &out),
	    0);
	check_signature(f, k, "POST", "/v1/acme/certificates");
	json_decref(req);
	json_decref(out);
	assert_non_null(body = sceau_buf_new());
	assert_int_equal(sceau_http_request(f->h, "POST", "/v1/acme/x", body,
	                     NULL, NULL, NULL),
	    0);
	check_signature(f, k, "POST", "/v1/acme/x");
	sceau_buf_free(body);
	/* Two requests never share a nonce. */
	sceau_http_clear_auth(f->h);
	assert_int_equal(sceau_http_request(f->h, "GET", "/v1/acme/whoami",
	                     NULL, NULL, NULL, NULL),
	    0);
	assert_int_not_equal(
	    ts_header(last_request(f), "Authorization", (char[8]){0}, 8), 0);
	sceau_sign_free(k);
}

static void
test_bearer(void **state)
{
	struct fixture *f = *state;
	char v[600], tok[SCEAU_HTTP_BEARER_MAX + 2];

	ts_set_simple(f->srv, 200, "application/json", "{}");
	assert_int_equal(sceau_http_set_bearer(f->h, "s3cr3t-T0k.en~+/=="), 0);
	assert_int_equal(sceau_http_request(f->h, "GET",
	                     "/v1/admin/organizations", NULL, NULL, NULL, NULL),
	    0);
	assert_int_equal(
	    ts_header(last_request(f), "Authorization", v, sizeof(v)), 0);
	assert_string_equal(v, "Bearer s3cr3t-T0k.en~+/==");
	assert_int_equal(
	    sceau_http_set_bearer(f->h, ""), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_set_bearer(f->h, "a b"), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_http_set_bearer(f->h, "ab\r\nX-Evil: 1"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_set_bearer(f->h, "a=b"), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_set_bearer(f->h, "=="), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_set_bearer(f->h, NULL), SCEAU_ERR_INVALID_ARGUMENT);
	memset(tok, 'a', sizeof(tok) - 1);
	tok[sizeof(tok) - 1] = '\0';
	assert_int_equal(
	    sceau_http_set_bearer(f->h, tok), SCEAU_ERR_INVALID_ARGUMENT);
	tok[SCEAU_HTTP_BEARER_MAX] = '\0';
	assert_int_equal(sceau_http_set_bearer(f->h, tok), 0);
	sceau_http_clear_auth(f->h);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, NULL, NULL),
	    0);
	assert_int_not_equal(
	    ts_header(last_request(f), "Authorization", v, sizeof(v)), 0);
}

struct error_case {
	int status;
	const char *ctype;
	const char *body;
	int want;
	const char *msg;
};

static const struct error_case error_cases[] = {
    {401, "application/json",
        "{\"error\": {\"code\": \"AUTH_FAILED\", \"message\": \"bad sig\"}}",
        SCEAU_ERR_AUTH_FAILED, "HTTP 401: bad sig"},
    {409, "application/json", "{\"error\": {\"code\": \"CONFLICT\"}}",
        SCEAU_ERR_CONFLICT, "HTTP 409"},
    {404, "application/json",
        "{\"error\": {\"code\": \"NOT_FOUND\", \"message\": \"no route\"}}",
        SCEAU_ERR_NOT_FOUND, "no route"},
    {400, "application/json",
        "{\"error\": {\"code\": \"SCEAU_ERR_CHAIN_HASH\", \"message\": "
        "\"x\"}}",
        SCEAU_ERR_CHAIN_HASH, "HTTP 400: x"},
    {403, "application/json",
        "{\"error\": {\"code\": \"DEVICE_REVOKED\", \"message\": "
        "\"device revoked\"}}",
        SCEAU_ERR_DEVICE_REVOKED, "device revoked"},
    /* Client-side codes from a server are not believed. */
    {400, "application/json",
        "{\"error\": {\"code\": \"WRONG_PASSWORD\", \"message\": \"ha\"}}",
        SCEAU_ERR_HTTP, "unknown error WRONG_PASSWORD"},
    {400, "application/json",
        "{\"error\": {\"code\": \"DECRYPT_FAILED\", \"message\": \"ha\"}}",
        SCEAU_ERR_HTTP, "DECRYPT_FAILED"},
    {400, "application/json",
        "{\"error\": {\"code\": \"TLS\", \"message\": \"ha\"}}", SCEAU_ERR_HTTP,
        "unknown error TLS"},
    {418, "application/json",
        "{\"error\": {\"code\": \"TEAPOT\", \"message\": \"short\"}}",
        SCEAU_ERR_HTTP, "unknown error TEAPOT: short"},
    /* The server's text reaches the user as printable ASCII only. */
    {400, "application/json",
        "{\"error\": {\"code\": \"BAD_REQUEST\", \"message\": "
        "\"a\\u001b[31mb\\u00e9\"}}",
        SCEAU_ERR_BAD_REQUEST, "HTTP 400: a?[31mb??"},
    /* No JSON error: by status. */
    {503, "text/html", "<html>busy</html>", SCEAU_ERR_SERVER_ERROR, "HTTP 503"},
    {429, NULL, "", SCEAU_ERR_RATE_LIMITED, "HTTP 429"},
    {500, "application/json", "{\"error\": {\"code\": \"SERVER_ERROR\"}}",
        SCEAU_ERR_SERVER_ERROR, "HTTP 500"},
    {500, "application/json", "{\"error\": \"oops\"}", SCEAU_ERR_HTTP,
        "HTTP 500"},
    {400, "application/json", "{\"error\": {\"code\": 3}}", SCEAU_ERR_HTTP,
        "HTTP 400"},
    {400, "application/json", "{not json", SCEAU_ERR_HTTP, "HTTP 400"},
    {302, "text/plain", "moved", SCEAU_ERR_HTTP, "HTTP 302"},
    {301, NULL, "", SCEAU_ERR_HTTP, "HTTP 301"},
};

static void
test_error_mapping(void **state)
{
	struct fixture *f = *state;
	struct sceau_buf *resp;
	size_t i;
	long status;
	int r;

	assert_non_null(resp = sceau_buf_new());
	for (i = 0; i < SCEAU_NELEM(error_cases); i++) {
		const struct error_case *c = &error_cases[i];

		ts_set_simple(f->srv, c->status, c->ctype, c->body);
		sceau_buf_reset(resp);
		assert_int_equal(sceau_buf_put(resp, "keep", 4), 0);
		r = sceau_http_request(
		    f->h, "GET", "/v1/acme/x", NULL, NULL, resp, &status);
		if (r != c->want)
			fail_msg("case %zu: %s, expected %s (%s)", i,
			    sceau_errname(r), sceau_errname(c->want),
			    sceau_last_message());
		if (strstr(sceau_last_message(), c->msg) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i,
			    sceau_last_message(), c->msg);
		assert_int_equal(status, c->status);
		/* The response buffer is left as it was. */
		assert_int_equal(sceau_buf_len(resp), 4);
	}
	sceau_buf_free(resp);
}

static void
set_chunked(struct fixture *f, size_t n)
{
	static char reply[8192];
	struct ts_response r;
	int k;

	assert_true(n < 4096);
	k = snprintf(reply, sizeof(reply),
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n%zx\r\n",
	    n);
	memset(reply + k, 'x', n);
	memcpy(reply + k + n, "\r\n0\r\n\r\n", 8);
	memset(&r, 0, sizeof(r));
	r.part[0].data = reply;
	r.part[0].len = (size_t)k + n + 7;
	r.n = 1;
	ts_set_response(f->srv, &r);
}

static void
test_size_limit(void **state)
{
	struct fixture *f = *state;
	static char big[2001];
	struct sceau_buf *resp;
	long status;

	memset(big, 'x', 2000);
	assert_non_null(resp = sceau_buf_new());
	ts_set_simple(f->srv, 200, "text/plain", big);
	sceau_http_set_response_max(f->h, 1000);
	/* Declared too large (Content-Length). */
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, resp, &status),
	    SCEAU_ERR_LIMIT_EXCEEDED);
	assert_non_null(strstr(sceau_last_message(), "1000 bytes"));
	assert_int_equal(sceau_buf_len(resp), 0);
	/* Found too large while receiving (chunked). */
	set_chunked(f, 1001);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, resp, &status),
	    SCEAU_ERR_LIMIT_EXCEEDED);
	assert_int_equal(sceau_buf_len(resp), 0);
	set_chunked(f, 1000);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, resp, &status),
	    0);
	assert_int_equal(sceau_buf_len(resp), 1000);
	/* The buffer's own limit counts too. */
	sceau_http_set_response_max(f->h, 0);
	sceau_buf_reset(resp);
	assert_int_equal(sceau_buf_set_max_size(resp, 999), 0);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, resp, &status),
	    SCEAU_ERR_LIMIT_EXCEEDED);
	assert_int_equal(sceau_buf_len(resp), 0);
	/* No buffer: the body is dropped, still within the limit. */
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, NULL, &status),
	    0);
	sceau_buf_free(resp);
}

static void
test_timeout(void **state)
{
	struct fixture *f = *state;
	struct sceau_http_opts o = {NULL, 0, 300, 300};
	static const char ok[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	struct ts_response r;
	struct sceau_http *h;
	long status;
	int rc;

	assert_int_equal(sceau_http_new(f->url, &o, &h), 0);
	memset(&r, 0, sizeof(r));
	r.part[0].data = ok;
	r.part[0].len = strlen(ok);
	r.part[0].delay_ms = 3000;
	r.n = 1;
	ts_set_response(f->srv, &r);
	rc = sceau_http_request(h, "GET", "/v1/x", NULL, NULL, NULL, &status);
	assert_int_equal(rc, SCEAU_ERR_TIMEOUT);
	assert_true(sceau_http_retryable(rc));
	assert_int_equal(status, 0);
	/* The handle works again afterwards. */
	ts_set_simple(f->srv, 200, "application/json", "{}");
	assert_int_equal(
	    sceau_http_request(h, "GET", "/v1/x", NULL, NULL, NULL, &status),
	    0);
	sceau_http_free(h);
}

static void
test_connect_refused(void **state)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct sceau_http *h;
	char url[64];
	int fd, r;

	(void)state;
	/* A port that was just free: nothing listens there. */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(close(fd), 0);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	    (unsigned)ntohs(a.sin_port));
	assert_int_equal(sceau_http_new(url, NULL, &h), 0);
	r = sceau_http_request(h, "GET", "/v1/x", NULL, NULL, NULL, NULL);
	assert_int_equal(r, SCEAU_ERR_CONNECT);
	assert_true(sceau_http_retryable(r));
	assert_non_null(strstr(sceau_last_message(), url));
	sceau_http_free(h);
}

static void
set_raw(struct fixture *f, const char *text, int close)
{
	struct ts_response r;

	memset(&r, 0, sizeof(r));
	r.part[0].data = text;
	r.part[0].len = strlen(text);
	r.n = 1;
	r.close = close;
	ts_set_response(f->srv, &r);
}

static void
test_malformed(void **state)
{
	struct fixture *f = *state;
	json_t *out = NULL;

	set_raw(f, "HELLO WORLD\r\n\r\n", 1);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, NULL, NULL),
	    SCEAU_ERR_PROTOCOL);
	/* Cut in the middle of the body. */
	set_raw(
	    f, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", 1);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, NULL, NULL),
	    SCEAU_ERR_CONNECT);
	/* Closed without a reply. */
	set_raw(f, "", 1);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", NULL, NULL, NULL, NULL),
	    SCEAU_ERR_CONNECT);
	/* JSON expected. */
	ts_set_simple(f->srv, 200, "text/plain", "{}");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, NULL, "{}");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, "application/jsonx", "{}");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, "application/json", "{\"a\": ");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, "application/json", "3");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, "application/json", "{\"a\": 1, \"a\": 2}");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	assert_null(out);
	ts_set_simple(f->srv, 200, "application/json", "[1, 2]");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out), 0);
	assert_true(json_is_array(out));
	json_decref(out);
}

static void
test_json_limits(void **state)
{
	struct fixture *f = *state;
	struct sceau_json_limits lim = {1024, 2, 16, 100};
	json_t *out = NULL;

	sceau_http_set_json_limits(f->h, &lim);
	ts_set_simple(f->srv, 200, "application/json", "{\"a\": {\"b\": {}}}");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, "application/json",
	    "{\"a\": \"01234567890123456789\"}");
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out),
	    SCEAU_ERR_PROTOCOL);
	sceau_http_set_json_limits(f->h, NULL);
	assert_int_equal(sceau_http_json(f->h, "GET", "/v1/x", NULL, &out), 0);
	json_decref(out);
}

static void
test_keepalive(void **state)
{
	struct fixture *f = *state;
	int i;

	ts_set_simple(f->srv, 200, "application/json", "{}");
	for (i = 0; i < 5; i++)
		assert_int_equal(sceau_http_request(f->h, "GET", "/v1/x", NULL,
		                     NULL, NULL, NULL),
		    0);
	assert_int_equal(ts_requests(f->srv), 5);
	assert_int_equal(ts_connections(f->srv), 1);
}

static void
test_request_checks(void **state)
{
	static const char *const bad[] = {"", "v1/x", "/v1/a b", "/v1/x#f",
	    "/v1/x\r\nX-Evil: 1", "/v1/\x01", "/v1/\xc3\xa9"};
	struct fixture *f = *state;
	struct sceau_buf *body;
	char path[SCEAU_HTTP_PATH_MAX + 2];
	size_t i;

	for (i = 0; i < SCEAU_NELEM(bad); i++)
		assert_int_equal(sceau_http_request(f->h, "GET", bad[i], NULL,
		                     NULL, NULL, NULL),
		    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_request(f->h, "GET", NULL, NULL, NULL, NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(
	    sceau_http_request(f->h, "GET", path, NULL, NULL, NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_request(f->h, "TRACE", "/v1/x", NULL, NULL, NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_request(f->h, "get", "/v1/x", NULL, NULL, NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_non_null(body = sceau_buf_new());
	assert_int_equal(
	    sceau_http_request(f->h, "GET", "/v1/x", body, NULL, NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_http_request(f->h, "POST", "/v1/x", body,
	                     "text/plain\r\nX-Evil: 1", NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	sceau_buf_free(body);
	assert_int_equal(
	    sceau_http_request(NULL, "GET", "/v1/x", NULL, NULL, NULL, NULL),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* Nothing reached the server. */
	assert_int_equal(ts_requests(f->srv), 0);
}

static void
test_retryable(void **state)
{
	(void)state;
	assert_true(sceau_http_retryable(SCEAU_ERR_CONNECT));
	assert_true(sceau_http_retryable(SCEAU_ERR_TIMEOUT));
	assert_true(sceau_http_retryable(SCEAU_ERR_RATE_LIMITED));
	assert_true(sceau_http_retryable(SCEAU_ERR_SERVER_ERROR));
	assert_false(sceau_http_retryable(0));
	assert_false(sceau_http_retryable(SCEAU_ERR_TLS));
	assert_false(sceau_http_retryable(SCEAU_ERR_PROTOCOL));
	assert_false(sceau_http_retryable(SCEAU_ERR_HTTP));
	assert_false(sceau_http_retryable(SCEAU_ERR_CONFLICT));
	assert_false(sceau_http_retryable(SCEAU_ERR_AUTH_FAILED));
	assert_false(sceau_http_retryable(SCEAU_ERR_INSECURE_URL));
	assert_false(sceau_http_retryable(SCEAU_ERR_LIMIT_EXCEEDED));
}

/* ------------------------------------------------------------------ */
/* Event streams. */

#define EV_MAX 16

struct events {
	size_t n;
	size_t stop_at; /* 0: never */
	int stop_code;
	char id[EV_MAX][SCEAU_HTTP_SSE_ID_MAX + 1];
	char type[EV_MAX][SCEAU_HTTP_SSE_TYPE_MAX + 1];
	char data[EV_MAX][256];
	size_t len[EV_MAX];
};

static int
collect(const struct sceau_http_event *ev, void *arg)
{
	struct events *e = arg;

	assert_true(e->n < EV_MAX);
	assert_true(ev->data_len < sizeof(e->data[0]));
	assert_int_equal(strlen(ev->data), ev->data_len);
	(void)snprintf(e->id[e->n], sizeof(e->id[0]), "%s", ev->id);
	(void)snprintf(e->type[e->n], sizeof(e->type[0]), "%s", ev->type);
	memcpy(e->data[e->n], ev->data, ev->data_len + 1);
	e->len[e->n] = ev->data_len;
	e->n++;
	return e->stop_at != 0 && e->n >= e->stop_at ? e->stop_code : 0;
}

static int
feed(struct sceau_http_sse *s, const char *text, int bytewise, struct events *e)
{
	size_t i, n = strlen(text);
	int r;

	if (!bytewise)
		return sceau_http_sse_feed(s, text, n, collect, e);
	for (i = 0; i < n; i++) {
		if ((r = sceau_http_sse_feed(s, text + i, 1, collect, e)) != 0)
			return r;
	}
	return 0;
}

static const char sse_stream[] = "\xef\xbb\xbf: welcome\r\n"
                                 "id: 1\r\n"
                                 "event: certificate\r\n"
                                 "data: {\"index\": 43}\r\n"
                                 "\r\n"
                                 "data:first\n"
                                 "data\n"
                                 "data:  third\n"
                                 "retry: 1000\n"
                                 "unknown: field\n"
                                 "\n"
                                 "id: 2\rdata: cr only\r\r"
                                 "event: lonely\n"
                                 "\n"
                                 "id\n"
                                 "data: after empty id\n\n"
                                 ": ping\n"
                                 "data: cut by the end";

static void
check_stream_events(const struct events *e)
{
	assert_int_equal(e->n, 4);
	assert_string_equal(e->id[0], "1");
	assert_string_equal(e->type[0], "certificate");
	assert_string_equal(e->data[0], "{\"index\": 43}");
	/* The id persists; type resets to "message"; one space stripped. */
	assert_string_equal(e->id[1], "1");
	assert_string_equal(e->type[1], "message");
	assert_string_equal(e->data[1], "first\n\n third");
	assert_string_equal(e->id[2], "2");
	assert_string_equal(e->data[2], "cr only");
	/* "event: lonely" without data is dropped; "id" alone clears it. */
	assert_string_equal(e->id[3], "");
	assert_string_equal(e->type[3], "message");
	assert_string_equal(e->data[3], "after empty id");
}

static void
test_sse_parser(void **state)
{
	struct sceau_http_sse *s;
	struct events *e = calloc(1, sizeof(*e));
	int bytewise;

	(void)state;
	assert_non_null(e);
	for (bytewise = 0; bytewise < 2; bytewise++) {
		memset(e, 0, sizeof(*e));
		assert_int_equal(sceau_http_sse_new("0", &s), 0);
		assert_int_equal(feed(s, sse_stream, bytewise, e), 0);
		check_stream_events(e);
		sceau_http_sse_free(s);
	}
	/* The resumed id is reported until the stream sets one. */
	memset(e, 0, sizeof(*e));
	assert_int_equal(sceau_http_sse_new("17", &s), 0);
	assert_int_equal(feed(s, "data: x\n\n", 0, e), 0);
	assert_string_equal(e->id[0], "17");
	/* A stop leaves the rest unread; an error code passes through. */
	e->stop_at = 2;
	e->stop_code = 1;
	assert_int_equal(feed(s, "data: a\n\ndata: b\n\ndata: c\n\n", 0, e), 1);
	assert_int_equal(e->n, 2);
	e->stop_at = 3;
	e->stop_code = SCEAU_ERR_STORE;
	assert_int_equal(feed(s, "data: d\n\n", 0, e), SCEAU_ERR_STORE);
	sceau_http_sse_free(s);
	sceau_http_sse_free(NULL);
	free(e);
}

static void
check_sse_refused(const char *prefix, size_t fill, char c, const char *why)
{
	struct sceau_http_sse *s;
	struct events e;
	char *big = malloc(fill + 1);
	int r;

	assert_non_null(big);
	memset(big, c, fill);
	big[fill] = '\0';
	memset(&e, 0, sizeof(e));
	assert_int_equal(sceau_http_sse_new(NULL, &s), 0);
	assert_int_equal(feed(s, prefix, 0, &e), 0);
	/* Refused as soon as seen: at once, or at the end of the line. */
	r = sceau_http_sse_feed(s, big, fill, collect, &e);
	if (r == 0)
		r = sceau_http_sse_feed(s, "\n", 1, collect, &e);
	assert_int_equal(r, SCEAU_ERR_PROTOCOL);
	assert_non_null(strstr(sceau_last_message(), why));
	/* Dead from then on. */
	assert_int_equal(
	    sceau_http_sse_feed(s, "\n\n", 2, collect, &e), SCEAU_ERR_PROTOCOL);
	assert_int_equal(e.n, 0);
	sceau_http_sse_free(s);
	free(big);
}

static void
test_sse_limits(void **state)
{
	struct sceau_http_sse *s;
	struct events e;
	char id[SCEAU_HTTP_SSE_ID_MAX + 2];
	char line[SCEAU_HTTP_SSE_LINE_MAX + 1];
	size_t i;

	(void)state;
	check_sse_refused("data: ", SCEAU_HTTP_SSE_LINE_MAX, 'x', "line");
	check_sse_refused("id: ", SCEAU_HTTP_SSE_ID_MAX + 1, 'x', "id");
	check_sse_refused("event: ", SCEAU_HTTP_SSE_TYPE_MAX + 1, 'x', "name");
	check_sse_refused("data: ", 10, '\0', "NUL");
	/* A line of exactly the limit is fine. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(sceau_http_sse_new(NULL, &s), 0);
	memset(line, 'x', sizeof(line));
	memcpy(line, ":", 1);
	assert_int_equal(
	    sceau_http_sse_feed(s, line, SCEAU_HTTP_SSE_LINE_MAX, collect, &e),
	    0);
	assert_int_equal(sceau_http_sse_feed(s, "\n", 1, collect, &e), 0);
	/* Data adds up across lines, to its own limit. */
	memcpy(line, "data:", 5);
	line[SCEAU_HTTP_SSE_LINE_MAX - 1] = '\n';
	for (i = 0; i < SCEAU_HTTP_SSE_DATA_MAX / SCEAU_HTTP_SSE_LINE_MAX; i++)
		assert_int_equal(sceau_http_sse_feed(s, line,
		                     SCEAU_HTTP_SSE_LINE_MAX, collect, &e),
		    0);
	assert_int_equal(
	    sceau_http_sse_feed(s, line, SCEAU_HTTP_SSE_LINE_MAX, collect, &e),
	    SCEAU_ERR_PROTOCOL);
	assert_non_null(strstr(sceau_last_message(), "data"));
	sceau_http_sse_free(s);
	memset(id, 'i', sizeof(id));
	id[sizeof(id) - 1] = '\0';
	assert_int_equal(
	    sceau_http_sse_new(id, &s), SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(s);
}

static const char sse_head[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Type: text/event-stream\r\n"
                               "Cache-Control: no-cache\r\n\r\n";

static void
set_stream(struct fixture *f, const char *const *parts, size_t n,
    unsigned int delay_ms, int close)
{
	struct ts_response r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.part[0].data = sse_head;
	r.part[0].len = strlen(sse_head);
	for (i = 0; i < n; i++) {
		r.part[i + 1].data = parts[i];
		r.part[i + 1].len = strlen(parts[i]);
		r.part[i + 1].delay_ms = delay_ms;
	}
	r.n = n + 1;
	r.close = close;
	ts_set_response(f->srv, &r);
}

static void
test_events(void **state)
{
	static const char *const parts[] = {": ping\n", "id: 5\nev",
	    "ent: certificate\r", "\ndata: {\"index\"", ": 5}\n\n",
	    "id: 6\ndata: a\ndata: b\n\n", "data: never read\n\n"};
	struct fixture *f = *state;
	struct ts_request *r;
	struct events *e = calloc(1, sizeof(*e));
	char v[64];

	assert_non_null(e);
	set_stream(f, parts, SCEAU_NELEM(parts), 30, 1);
	e->stop_at = 2;
	e->stop_code = 1;
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", "4", collect, e, 5000),
	    0);
	assert_int_equal(e->n, 2);
	assert_string_equal(e->id[0], "5");
	assert_string_equal(e->type[0], "certificate");
	assert_string_equal(e->data[0], "{\"index\": 5}");
	assert_string_equal(e->id[1], "6");
	assert_string_equal(e->data[1], "a\nb");
	r = last_request(f);
	assert_string_equal(r->target, "/v1/acme/events");
	assert_int_equal(ts_header(r, "Last-Event-ID", v, sizeof(v)), 0);
	assert_string_equal(v, "4");
	assert_int_equal(ts_header(r, "Accept", v, sizeof(v)), 0);
	assert_string_equal(v, "text/event-stream");
	/* The server ends the stream: SCEAU_ERR_CONNECT (reconnect). */
	memset(e, 0, sizeof(*e));
	set_stream(f, parts, 3, 0, 1);
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, collect, e, 5000),
	    SCEAU_ERR_CONNECT);
	assert_int_equal(
	    ts_header(last_request(f), "Last-Event-ID", v, sizeof(v)), -1);
	/* The callback's error passes through. */
	memset(e, 0, sizeof(*e));
	e->stop_at = 1;
	e->stop_code = SCEAU_ERR_CHAIN_FORK;
	set_stream(f, parts, SCEAU_NELEM(parts), 0, 1);
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", "", collect, e, 5000),
	    SCEAU_ERR_CHAIN_FORK);
	assert_int_equal(sceau_http_events(
	                     f->h, "/v1/acme/events", "a\nb", collect, e, 5000),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, NULL, e, 5000),
	    SCEAU_ERR_INVALID_ARGUMENT);
	free(e);
}

static void
test_events_timeouts(void **state)
{
	static const char *const pings[] = {": ping\n", ": ping\n", ": ping\n",
	    ": ping\n", ": ping\n", ": ping\n", ": ping\n", ": ping\n",
	    ": ping\n", ": ping\n", ": ping\n", ": ping\n", ": ping\n",
	    ": ping\n"};
	static const char *const silent[] = {"data: late\n\n"};
	struct fixture *f = *state;
	struct sceau_http_opts o = {NULL, 0, 300, 1000};
	struct sceau_http *h;
	struct events e;

	/* Pings keep the stream alive until the overall limit. */
	memset(&e, 0, sizeof(e));
	set_stream(f, pings, SCEAU_NELEM(pings), 100, 1);
	assert_int_equal(sceau_http_new(f->url, &o, &h), 0);
	assert_int_equal(
	    sceau_http_events(h, "/v1/acme/events", NULL, collect, &e, 700),
	    SCEAU_ERR_TIMEOUT);
	assert_int_equal(e.n, 0);
	/* Silence longer than opts.timeout_ms. */
	set_stream(f, silent, 1, 3000, 1);
	assert_int_equal(
	    sceau_http_events(h, "/v1/acme/events", NULL, collect, &e, 0),
	    SCEAU_ERR_TIMEOUT);
	assert_non_null(strstr(sceau_last_message(), "nothing from"));
	sceau_http_free(h);
}

static void
test_events_errors(void **state)
{
	struct fixture *f = *state;
	struct events e;
	static char longline[SCEAU_HTTP_SSE_LINE_MAX + 16];
	const char *parts[1] = {longline};

	memset(&e, 0, sizeof(e));
	ts_set_simple(f->srv, 401, "application/json",
	    "{\"error\": {\"code\": \"AUTH_FAILED\", \"message\": \"no\"}}");
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, collect, &e, 5000),
	    SCEAU_ERR_AUTH_FAILED);
	ts_set_simple(f->srv, 200, "text/plain", "data: x\n\n");
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, collect, &e, 5000),
	    SCEAU_ERR_PROTOCOL);
	ts_set_simple(f->srv, 200, "text/event-stream", "");
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, collect, &e, 5000),
	    SCEAU_ERR_CONNECT);
	ts_set_simple(f->srv, 200, "text/plain", "");
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, collect, &e, 5000),
	    SCEAU_ERR_PROTOCOL);
	memset(longline, 'x', sizeof(longline) - 1);
	memcpy(longline, "data: ", 6);
	set_stream(f, parts, 1, 0, 1);
	assert_int_equal(
	    sceau_http_events(f->h, "/v1/acme/events", NULL, collect, &e, 5000),
	    SCEAU_ERR_PROTOCOL);
	assert_non_null(strstr(sceau_last_message(), "line too long"));
	assert_int_equal(e.n, 0);
}

/* ------------------------------------------------------------------ */
/* TLS. */

struct tls_dir {
	char dir[64];
	char cert[96], key[96], other[96], otherkey[96], wrong[96],
	    wrongkey[96];
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
tls_files(struct tls_dir *t)
{
	memcpy(t->dir, "/tmp/sceau-test-http.XXXXXX", 28);
	assert_non_null(mkdtemp(t->dir));
	(void)snprintf(t->cert, sizeof(t->cert), "%s/cert.pem", t->dir);
	(void)snprintf(t->key, sizeof(t->key), "%s/key.pem", t->dir);
	(void)snprintf(t->other, sizeof(t->other), "%s/other.pem", t->dir);
	(void)snprintf(t->otherkey, sizeof(t->otherkey), "%s/okey.pem", t->dir);
	(void)snprintf(t->wrong, sizeof(t->wrong), "%s/wrong.pem", t->dir);
	(void)snprintf(t->wrongkey, sizeof(t->wrongkey), "%s/wkey.pem", t->dir);
	assert_int_equal(
	    ts_make_cert("IP:127.0.0.1,DNS:localhost", t->cert, t->key), 0);
	assert_int_equal(
	    ts_make_cert("IP:127.0.0.1", t->other, t->otherkey), 0);
	assert_int_equal(
	    ts_make_cert("DNS:other.example", t->wrong, t->wrongkey), 0);
}

static int
tls_get(uint16_t port, const char *ca, long *status)
{
	/* Generous: valgrind loads the system store slowly on a busy machine. */
	struct sceau_http_opts o = {ca, 0, 30000, 10000};
	struct sceau_http *h;
	char url[64];
	int r;

	(void)snprintf(url, sizeof(url), "https://127.0.0.1:%u", port);
	assert_int_equal(sceau_http_new(url, &o, &h), 0);
	r = sceau_http_request(h, "GET", "/v1/x", NULL, NULL, NULL, status);
	sceau_http_free(h);
	return r;
}

static void
test_tls(void **state)
{
	struct tls_dir t;
	struct ts_server *srv;
	long status = 0;
	int r;

	(void)state;
	tls_files(&t);
	srv = ts_start(t.cert, t.key);
	ts_set_simple(srv, 200, "application/json", "{}");
	assert_int_equal(tls_get(ts_port(srv), t.cert, &status), 0);
	assert_int_equal(status, 200);
	assert_int_equal(ts_requests(srv), 1);
	/* The system store does not know our test CA. */
	r = tls_get(ts_port(srv), NULL, &status);
	assert_int_equal(r, SCEAU_ERR_TLS);
	assert_false(sceau_http_retryable(r));
	assert_int_equal(status, 0);
	assert_true(strlen(sceau_last_message()) > strlen("https://"));
	/* Another CA. */
	assert_int_equal(
	    tls_get(ts_port(srv), t.other, &status), SCEAU_ERR_TLS);
	assert_int_equal(ts_requests(srv), 1);
	ts_stop(srv);
	/* The right CA, but a certificate for another name. */
	srv = ts_start(t.wrong, t.wrongkey);
	ts_set_simple(srv, 200, "application/json", "{}");
	assert_int_equal(
	    tls_get(ts_port(srv), t.wrong, &status), SCEAU_ERR_TLS);
	assert_int_equal(ts_requests(srv), 0);
	ts_stop(srv);
	(void)nftw(t.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* ------------------------------------------------------------------ */

static int
torture_json(void *arg)
{
	struct fixture *f = arg;
	json_t *req, *out = NULL;
	int r;

	if ((req = json_object()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_json_set_string(req, "certificate", "AAAA") != 0) {
		json_decref(req);
		return SCEAU_ERR_ALLOC;
	}
	r = sceau_http_json(f->h, "POST", "/v1/acme/certificates", req, &out);
	json_decref(req);
	json_decref(out);
	return r;
}

static int
torture_events(void *arg)
{
	struct fixture *f = arg;
	struct events e;

	memset(&e, 0, sizeof(e));
	e.stop_at = 1;
	e.stop_code = 1;
	return sceau_http_events(f->h, "/v1/acme/events", "3", collect, &e, 0);
}

static void
test_alloc_torture(void **state)
{
	static const char *const parts[] = {"data: 1\n\n"};
	struct fixture *f = *state;
	struct sceau_signkey *k;

	assert_int_equal(sceau_sign_generate(&k), 0);
	assert_int_equal(sceau_http_set_device(f->h, ORG, DEV, k), 0);
	ts_set_simple(f->srv, 201, "application/json", "{\"index\": 4}");
	(void)tu_alloc_torture(torture_json, f, 100);
	set_stream(f, parts, 1, 0, 1);
	(void)tu_alloc_torture(torture_events, f, 100);
	sceau_sign_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_insecure_refused),
	    cmocka_unit_test_setup_teardown(test_json_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bodies, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_device_signature, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bearer, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_error_mapping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	    cmocka_unit_test(test_connect_refused),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keepalive, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_request_checks, setup, teardown),
	    cmocka_unit_test(test_retryable),
	    cmocka_unit_test(test_sse_parser),
	    cmocka_unit_test(test_sse_limits),
	    cmocka_unit_test_setup_teardown(test_events, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_events_timeouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_events_errors, setup, teardown),
	    cmocka_unit_test(test_tls),
	    cmocka_unit_test_setup_teardown(
	        test_alloc_torture, setup, teardown),
	};

	/* A client gone while the server writes must not kill the test. */
	(void)signal(SIGPIPE, SIG_IGN);
	return TU_TAP_MAIN("http", tests);
}
