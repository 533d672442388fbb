/*
 * http.c: the client transport on libcurl (http.h): requests signed by
 * the device, bounded replies, error mapping, server-sent events.
 *
 * Each request resets the easy handle's options (curl_easy_reset keeps
 * live connections) and sets them all again, so that nothing of one
 * request (a body pointer, a header list) survives into the next.
 * Headers live in list nodes and arrays of our own, wiped after the
 * request, rather than in curl_slist_append copies that would be freed
 * unwiped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alloc.h"
#include "buf.h"
#include "cert.h"
#include "errors.h"
#include "hash.h"
#include "http.h"
#include "json.h"
#include "link.h"
#include "log.h"
#include "reqsign.h"
#include "secmem.h"

#define HTTP_HEADERS_MAX 6
#define HTTP_METHOD_MAX 8
#define HTTP_CA_FILE_MAX 4096
#define HTTP_URL_MAX (SCEAU_LINK_MAX + SCEAU_HTTP_PATH_MAX)
#define HTTP_USER_AGENT PACKAGE_NAME "/" PACKAGE_VERSION

enum http_auth {
	HTTP_AUTH_NONE = 0,
	HTTP_AUTH_DEVICE,
	HTTP_AUTH_BEARER,
};

struct sceau_http {
	CURL *curl;
	char *base_url; /* canonical, no final '/' */
	struct sceau_link_server srv;
	char *ca_file;
	int loopback_only; /* plain HTTP: connect to loopback addresses only */
	long timeout_ms;
	long connect_timeout_ms;
	size_t response_max;
	struct sceau_json_limits json_limits;
	enum http_auth auth;
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char device_id[SCEAU_ID_LEN + 1];
	const struct sceau_signkey *key;
	char *bearer; /* sceau_malloc, wiped on free */
	size_t bearer_size;
	char content_type[SCEAU_HTTP_CONTENT_TYPE_MAX + 1]; /* last reply's */
	char errbuf[CURL_ERROR_SIZE];
	const volatile sig_atomic_t *cancel; /* set: stop transfers */
};

/* Request headers, in storage of our own. */
struct http_headers {
	struct curl_slist node[HTTP_HEADERS_MAX];
	size_t n;
	char auth[SCEAU_REQSIGN_HEADER_MAX + SCEAU_HTTP_BEARER_MAX + 32];
	char ctype[SCEAU_HTTP_CONTENT_TYPE_MAX + 32];
	char accept[64];
	char expect[16];
	char last_id[SCEAU_HTTP_SSE_ID_MAX + 32];
};

/* One request: its parameters, and its state for curl's callbacks. */
struct http_xfer {
	struct sceau_http *h;
	const char *method;
	const char *path;
	const struct sceau_buf *body;
	const char *content_type;
	struct sceau_buf *resp; /* where a 2xx body goes; may be NULL */
	size_t resp_start;
	size_t limit;
	size_t received;
	struct sceau_buf *err; /* an error reply's body */
	int decided; /* first byte seen: status known */
	int error_status; /* not 2xx */
	int err_overflow; /* error body over its limit */
	long status;
	int code; /* an error found in a callback */
	/* Event streams. */
	struct sceau_http_sse *sse;
	sceau_http_event_cb cb;
	void *cb_arg;
	const char *last_id;
	long total_ms;
	int stopped;
	uint64_t last_byte_ms;
	struct http_headers hd;
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_rc = CURLE_FAILED_INIT;

static void
http_global_init(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
sceau_http_global_init(void)
{
	if (pthread_once(&http_once, http_global_init) != 0 ||
	    http_init_rc != CURLE_OK) {
		sceau_message("libcurl initialization failed");
		return SCEAU_ERR_INTERNAL;
	}
	return 0;
}

static uint64_t
http_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Printable ASCII, no space, no CR or LF: safe in a header or a URL. */
static int
http_token_chars(const char *s, size_t n, const char *refused)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f ||
		    strchr(refused, s[i]) != NULL)
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Handles. */

static int
http_check_opts(const struct sceau_http_opts *o)
{
	if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (o->ca_file != NULL &&
	    (strnlen(o->ca_file, HTTP_CA_FILE_MAX + 1) > HTTP_CA_FILE_MAX ||
	        access(o->ca_file, R_OK) != 0)) {
		sceau_message("CA file %s: unreadable", o->ca_file);
		return SCEAU_ERR_CONFIG;
	}
	return 0;
}

static int
http_init_handle(struct sceau_http *h, const struct sceau_http_opts *o)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_link_base_url(&h->srv, b)) == 0 &&
	    (r = sceau_buf_put_u8(b, 0)) == 0 &&
	    (h->base_url = sceau_strdup((const char *)sceau_buf_ptr(b))) ==
	        NULL)
		r = SCEAU_ERR_ALLOC;
	sceau_buf_free(b);
	if (r != 0)
		return r;
	if (o->ca_file != NULL &&
	    (h->ca_file = sceau_strdup(o->ca_file)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((h->curl = curl_easy_init()) == NULL)
		return SCEAU_ERR_ALLOC;
	h->loopback_only = h->srv.no_ssl && !o->allow_insecure_http;
	h->timeout_ms =
	    o->timeout_ms > 0 ? o->timeout_ms : SCEAU_HTTP_TIMEOUT_DEFAULT_MS;
	h->connect_timeout_ms = o->connect_timeout_ms > 0
	    ? o->connect_timeout_ms
	    : SCEAU_HTTP_CONNECT_TIMEOUT_DEFAULT_MS;
	sceau_http_set_response_max(h, 0);
	sceau_http_set_json_limits(h, NULL);
	return 0;
}

int
sceau_http_new(const char *base_url, const struct sceau_http_opts *opts,
    struct sceau_http **hp)
{
	static const struct sceau_http_opts defaults = {NULL, 0, 0, 0};
	const struct sceau_http_opts *o = opts != NULL ? opts : &defaults;
	struct sceau_http *h;
	int r;

	*hp = NULL;
	if (base_url == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = http_check_opts(o)) != 0)
		return r;
	if ((h = sceau_calloc(1, sizeof(*h))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_link_url_parse(base_url, &h->srv)) != 0)
		goto fail;
	if (h->srv.no_ssl && !h->srv.loopback && !o->allow_insecure_http) {
		sceau_message("%s: plain HTTP is only allowed to loopback "
		              "(127.0.0.0/8, ::1, localhost); use https://",
		    h->srv.host);
		r = SCEAU_ERR_INSECURE_URL;
		goto fail;
	}
	if ((r = sceau_http_global_init()) != 0 ||
	    (r = http_init_handle(h, o)) != 0)
		goto fail;
	*hp = h;
	return 0;
fail:
	sceau_http_free(h);
	return r;
}

int
sceau_http_clone(const struct sceau_http *h, struct sceau_http **hp)
{
	struct sceau_http_opts o;
	struct sceau_http *n;
	int r;

	*hp = NULL;
	memset(&o, 0, sizeof(o));
	o.ca_file = h->ca_file;
	o.allow_insecure_http = h->srv.no_ssl && !h->loopback_only;
	o.timeout_ms = h->timeout_ms;
	o.connect_timeout_ms = h->connect_timeout_ms;
	if ((r = sceau_http_new(h->base_url, &o, &n)) != 0)
		return r;
	n->response_max = h->response_max;
	n->json_limits = h->json_limits;
	n->cancel = h->cancel;
	if (h->auth == HTTP_AUTH_DEVICE)
		r = sceau_http_set_device(n, h->org_id, h->device_id, h->key);
	else if (h->auth == HTTP_AUTH_BEARER)
		r = sceau_http_set_bearer(n, h->bearer);
	if (r != 0) {
		sceau_http_free(n);
		return r;
	}
	*hp = n;
	return 0;
}

static void
http_wipe_bearer(struct sceau_http *h)
{
	sceau_freezero(h->bearer, h->bearer_size);
	h->bearer = NULL;
	h->bearer_size = 0;
}

void
sceau_http_free(struct sceau_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	http_wipe_bearer(h);
	sceau_free(h->base_url);
	sceau_free(h->ca_file);
	sceau_memzero(h, sizeof(*h));
	sceau_free(h);
}

const char *
sceau_http_base_url(const struct sceau_http *h)
{
	return h->base_url;
}

void
sceau_http_clear_auth(struct sceau_http *h)
{
	http_wipe_bearer(h);
	h->auth = HTTP_AUTH_NONE;
	h->key = NULL;
	h->org_id[0] = '\0';
	h->device_id[0] = '\0';
}

int
sceau_http_set_device(struct sceau_http *h, const char *org,
    const char *device_id, const struct sceau_signkey *key)
{
	if (org == NULL || device_id == NULL || key == NULL ||
	    !sceau_org_id_valid(org) || !sceau_cert_id_valid(device_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	sceau_http_clear_auth(h);
	memcpy(h->org_id, org, strlen(org) + 1);
	memcpy(h->device_id, device_id, strlen(device_id) + 1);
	h->key = key;
	h->auth = HTTP_AUTH_DEVICE;
	return 0;
}

/* RFC 6750 b64token: [A-Za-z0-9-._~+/]+ then '='*. */
static int
http_bearer_ok(const char *t, size_t n)
{
	size_t i = 0;

	while (i < n && t[i] != '=') {
		if (strchr("-._~+/", t[i]) == NULL &&
		    !((t[i] >= 'a' && t[i] <= 'z') ||
		        (t[i] >= 'A' && t[i] <= 'Z') ||
		        (t[i] >= '0' && t[i] <= '9')))
			return 0;
		i++;
	}
	if (i == 0)
		return 0;
	while (i < n && t[i] == '=')
		i++;
	return i == n;
}

int
sceau_http_set_bearer(struct sceau_http *h, const char *token)
{
	size_t n;

	if (token == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	n = strnlen(token, SCEAU_HTTP_BEARER_MAX + 1);
	if (n > SCEAU_HTTP_BEARER_MAX || !http_bearer_ok(token, n)) {
		sceau_message("bearer token: 1 to %d characters of base64",
		    SCEAU_HTTP_BEARER_MAX);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	sceau_http_clear_auth(h);
	if ((h->bearer = sceau_malloc(n + 1)) == NULL)
		return SCEAU_ERR_ALLOC;
	memcpy(h->bearer, token, n + 1);
	h->bearer_size = n + 1;
	h->auth = HTTP_AUTH_BEARER;
	return 0;
}

void
sceau_http_set_response_max(struct sceau_http *h, size_t max)
{
	h->response_max = max > 0 ? max : SCEAU_HTTP_RESPONSE_MAX_DEFAULT;
}

void
sceau_http_set_json_limits(
    struct sceau_http *h, const struct sceau_json_limits *lim)
{
	static const struct sceau_json_limits def =
	    SCEAU_HTTP_JSON_LIMITS_DEFAULT;

	h->json_limits = lim != NULL ? *lim : def;
}

int
sceau_http_retryable(int r)
{
	return r == SCEAU_ERR_CONNECT || r == SCEAU_ERR_TIMEOUT ||
	    r == SCEAU_ERR_RATE_LIMITED || r == SCEAU_ERR_SERVER_ERROR;
}

/* ------------------------------------------------------------------ */
/* Building a request. */

static void
http_header_add(struct http_headers *hd, char *line)
{
	hd->node[hd->n].data = line;
	hd->node[hd->n].next = NULL;
	if (hd->n > 0)
		hd->node[hd->n - 1].next = &hd->node[hd->n];
	hd->n++;
}

static int
http_sign(struct http_xfer *x)
{
	static const uint8_t empty[1] = {0};
	const struct sceau_buf *b = x->body;
	uint8_t digest[SCEAU_SHA256_LEN];
	struct sceau_buf *v;
	int r, k;

	if ((r = sceau_hash_sha256(
	         b != NULL && sceau_buf_len(b) > 0 ? sceau_buf_ptr(b) : empty,
	         b != NULL ? sceau_buf_len(b) : 0, digest)) != 0)
		return r;
	if ((v = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_reqsign_sign(x->h->key, x->h->org_id, x->h->device_id,
	         x->method, x->path, digest, 0, v)) != 0)
		goto out;
	k = snprintf(x->hd.auth, sizeof(x->hd.auth), "Authorization: %.*s",
	    (int)sceau_buf_len(v), (const char *)sceau_buf_ptr(v));
	if (k < 0 || (size_t)k >= sizeof(x->hd.auth)) {
		r = SCEAU_ERR_INTERNAL;
		goto out;
	}
	http_header_add(&x->hd, x->hd.auth);
out:
	sceau_buf_free(v);
	return r;
}

static int
http_build_headers(struct http_xfer *x)
{
	struct http_headers *hd = &x->hd;
	const char *ct =
	    x->content_type != NULL ? x->content_type : "application/json";
	int r;

	(void)snprintf(hd->accept, sizeof(hd->accept), "Accept: %s",
	    x->sse != NULL ? "text/event-stream" : "application/json");
	http_header_add(hd, hd->accept);
	/* No "Expect: 100-continue" round trip. */
	(void)snprintf(hd->expect, sizeof(hd->expect), "Expect:");
	http_header_add(hd, hd->expect);
	/* An empty value removes curl's form content type of a bare POST. */
	(void)snprintf(hd->ctype, sizeof(hd->ctype), "Content-Type:%s%s",
	    x->body != NULL ? " " : "", x->body != NULL ? ct : "");
	http_header_add(hd, hd->ctype);
	if (x->last_id != NULL && x->last_id[0] != '\0') {
		(void)snprintf(hd->last_id, sizeof(hd->last_id),
		    "Last-Event-ID: %s", x->last_id);
		http_header_add(hd, hd->last_id);
	}
	if (x->h->auth == HTTP_AUTH_BEARER) {
		(void)snprintf(hd->auth, sizeof(hd->auth),
		    "Authorization: Bearer %s", x->h->bearer);
		http_header_add(hd, hd->auth);
	} else if (x->h->auth == HTTP_AUTH_DEVICE && (r = http_sign(x)) != 0) {
		return r;
	}
	return 0;
}

static int
http_check_request(const struct http_xfer *x)
{
	static const char *const methods[] = {
	    "GET", "POST", "PUT", "PATCH", "DELETE"};
	size_t i, n;

	for (i = 0; i < SCEAU_NELEM(methods); i++) {
		if (x->method != NULL && strcmp(x->method, methods[i]) == 0)
			break;
	}
	if (i == SCEAU_NELEM(methods) ||
	    (x->body != NULL && strcmp(x->method, "GET") == 0)) {
		sceau_message("HTTP method refused");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	n = x->path == NULL ? 0 : strnlen(x->path, SCEAU_HTTP_PATH_MAX + 1);
	if (n == 0 || n > SCEAU_HTTP_PATH_MAX || x->path[0] != '/' ||
	    !http_token_chars(x->path, n, "#")) {
		sceau_message("request path refused");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	n = x->content_type == NULL
	    ? 0
	    : strnlen(x->content_type, SCEAU_HTTP_CONTENT_TYPE_MAX + 1);
	if (n > SCEAU_HTTP_CONTENT_TYPE_MAX ||
	    (x->content_type != NULL &&
	        !http_token_chars(x->content_type, n, ""))) {
		sceau_message("content type refused");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* curl's callbacks. */

int
sceau_http_addr_loopback(int family, const void *addr, size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, addr, SCEAU_MIN(len, sizeof(ss)));
	if (family == AF_INET && len >= sizeof(sin)) {
		memcpy(&sin, &ss, sizeof(sin));
		return (ntohl(sin.sin_addr.s_addr) >> 24) == 127;
	}
	if (family == AF_INET6 && len >= sizeof(sin6)) {
		memcpy(&sin6, &ss, sizeof(sin6));
		return IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr) &&
		        sin6.sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

/* Plain HTTP: whatever the name resolved to, connect to loopback only. */
static curl_socket_t
http_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_xfer *x = arg;

	(void)purpose;
	if (x->h->loopback_only &&
	    !sceau_http_addr_loopback(a->family, &a->addr, a->addrlen)) {
		x->code = SCEAU_ERR_INSECURE_URL;
		sceau_message("%s resolved to an address that is not loopback: "
		              "refusing plain HTTP",
		    x->h->srv.host);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static int
http_ctype_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* At the first byte of a reply: where does its body go? */
static int
http_decide(struct http_xfer *x)
{
	char *ct = NULL;

	x->decided = 1;
	(void)curl_easy_getinfo(x->h->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status < 200 || x->status > 299) {
		x->error_status = 1;
		return 0;
	}
	if (x->sse != NULL &&
	    (curl_easy_getinfo(x->h->curl, CURLINFO_CONTENT_TYPE, &ct) !=
	            CURLE_OK ||
	        !http_ctype_is(ct, "text/event-stream"))) {
		sceau_message(
		    "%s: the reply is not an event stream", x->h->base_url);
		x->code = SCEAU_ERR_PROTOCOL;
		return -1;
	}
	return 0;
}

static size_t
http_keep_body(struct http_xfer *x, const char *p, size_t n)
{
	int r;

	if (n > x->limit - x->received) {
		sceau_message("%s: reply larger than %zu bytes", x->h->base_url,
		    x->limit);
		x->code = SCEAU_ERR_LIMIT_EXCEEDED;
		return 0;
	}
	x->received += n;
	if (x->resp != NULL && (r = sceau_buf_put(x->resp, p, n)) != 0) {
		x->code = r == SCEAU_ERR_BUFFER_TOO_LARGE
		    ? SCEAU_ERR_LIMIT_EXCEEDED
		    : r;
		return 0;
	}
	return n;
}

static size_t
http_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nmemb;
	int r;

	x->last_byte_ms = http_now_ms();
	if (!x->decided && http_decide(x) != 0)
		return 0;
	if (x->error_status) {
		if (sceau_buf_put(x->err, p, n) != 0) {
			x->err_overflow = 1;
			return 0;
		}
		return n;
	}
	if (x->sse == NULL)
		return http_keep_body(x, p, n);
	r = sceau_http_sse_feed(x->sse, p, n, x->cb, x->cb_arg);
	if (r > 0)
		x->stopped = 1;
	else if (r < 0)
		x->code = r;
	return r == 0 ? n : 0;
}

/* Event streams: give up after opts.timeout_ms without a byte. */
static int
http_xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct http_xfer *x = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (x->h->cancel != NULL && *x->h->cancel != 0) {
		x->code = SCEAU_ERR_INTERRUPTED;
		return 1;
	}
	if (x->sse == NULL ||
	    http_now_ms() - x->last_byte_ms < (uint64_t)x->h->timeout_ms)
		return 0;
	sceau_message("%s: nothing from the server for %ld ms", x->h->base_url,
	    x->h->timeout_ms);
	x->code = SCEAU_ERR_TIMEOUT;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Setting up curl. */

static int
http_setup_conn(struct http_xfer *x, const char *url)
{
	struct sceau_http *h = x->h;
	CURL *c = h->curl;
	int ok = 1;

	ok &= curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
	          h->srv.no_ssl ? "http" : "https") == CURLE_OK;
#else
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	          h->srv.no_ssl ? CURLPROTO_HTTP : CURLPROTO_HTTPS) == CURLE_OK;
#endif
	ok &= curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
	          (long)CURL_HTTP_VERSION_1_1) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) == CURLE_OK;
	ok &=
	    curl_easy_setopt(c, CURLOPT_USERAGENT, HTTP_USER_AGENT) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSLVERSION,
	          (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	if (h->ca_file != NULL) {
		/* The given anchors replace the system store. */
		ok &=
		    curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK;
	}
	if (h->srv.no_ssl) {
		/* Plain HTTP never goes through a proxy. */
		ok &= curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION,
		          http_opensocket) == CURLE_OK;
		ok &=
		    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x) == CURLE_OK;
	}
	ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	          h->connect_timeout_ms) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
	return ok ? 0 : SCEAU_ERR_INTERNAL;
}

static int
http_setup_xfer(struct http_xfer *x)
{
	CURL *c = x->h->curl;
	const struct sceau_buf *b = x->body;
	int ok = 1, post = strcmp(x->method, "GET") != 0;

	if (post) {
		ok &= curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		          (curl_off_t)(b != NULL ? sceau_buf_len(b) : 0)) ==
		    CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		          b != NULL && sceau_buf_len(b) > 0
		              ? sceau_buf_ptr(b)
		              : (const uint8_t *)"") == CURLE_OK;
	}
	if (post && strcmp(x->method, "POST") != 0)
		ok &= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method) ==
		    CURLE_OK;
	ok &=
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, &x->hd.node[0]) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	          (curl_off_t)x->limit) == CURLE_OK;
	if (x->sse != NULL)
		ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, x->total_ms) ==
		    CURLE_OK;
	else
		ok &= curl_easy_setopt(
		          c, CURLOPT_TIMEOUT_MS, x->h->timeout_ms) == CURLE_OK;
	/* Event streams watch silences; a cancel flag, every transfer. */
	if (x->sse != NULL || x->h->cancel != NULL) {
		ok &= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION,
		          http_xferinfo_cb) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_XFERINFODATA, x) == CURLE_OK;
	} else
		ok &= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L) == CURLE_OK;
	return ok ? 0 : SCEAU_ERR_INTERNAL;
}

void
sceau_http_set_cancel(struct sceau_http *h, const volatile sig_atomic_t *flag)
{
	h->cancel = flag;
}

/* ------------------------------------------------------------------ */
/* Reading the outcome. */

static const struct {
	CURLcode rc;
	int code;
} http_curl_codes[] = {
    {CURLE_OPERATION_TIMEDOUT, SCEAU_ERR_TIMEOUT},
    {CURLE_COULDNT_RESOLVE_HOST, SCEAU_ERR_CONNECT},
    {CURLE_COULDNT_RESOLVE_PROXY, SCEAU_ERR_CONNECT},
    {CURLE_COULDNT_CONNECT, SCEAU_ERR_CONNECT},
    {CURLE_SEND_ERROR, SCEAU_ERR_CONNECT},
    {CURLE_RECV_ERROR, SCEAU_ERR_CONNECT},
    {CURLE_GOT_NOTHING, SCEAU_ERR_CONNECT},
    {CURLE_PARTIAL_FILE, SCEAU_ERR_CONNECT},
    {CURLE_PEER_FAILED_VERIFICATION, SCEAU_ERR_TLS},
    {CURLE_SSL_CONNECT_ERROR, SCEAU_ERR_TLS},
    {CURLE_SSL_CERTPROBLEM, SCEAU_ERR_TLS},
    {CURLE_SSL_CIPHER, SCEAU_ERR_TLS},
    {CURLE_SSL_CACERT_BADFILE, SCEAU_ERR_TLS},
    {CURLE_SSL_CRL_BADFILE, SCEAU_ERR_TLS},
    {CURLE_SSL_ISSUER_ERROR, SCEAU_ERR_TLS},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, SCEAU_ERR_TLS},
    {CURLE_SSL_INVALIDCERTSTATUS, SCEAU_ERR_TLS},
    {CURLE_SSL_ENGINE_NOTFOUND, SCEAU_ERR_TLS},
    {CURLE_SSL_ENGINE_SETFAILED, SCEAU_ERR_TLS},
    {CURLE_SSL_ENGINE_INITFAILED, SCEAU_ERR_TLS},
    {CURLE_SSL_SHUTDOWN_FAILED, SCEAU_ERR_TLS},
    {CURLE_USE_SSL_FAILED, SCEAU_ERR_TLS},
    {CURLE_FILESIZE_EXCEEDED, SCEAU_ERR_LIMIT_EXCEEDED},
    {CURLE_OUT_OF_MEMORY, SCEAU_ERR_ALLOC},
    {CURLE_WEIRD_SERVER_REPLY, SCEAU_ERR_PROTOCOL},
    {CURLE_UNSUPPORTED_PROTOCOL, SCEAU_ERR_PROTOCOL},
    {CURLE_BAD_CONTENT_ENCODING, SCEAU_ERR_PROTOCOL},
    {CURLE_HTTP2, SCEAU_ERR_PROTOCOL},
    {CURLE_HTTP2_STREAM, SCEAU_ERR_PROTOCOL},
    {CURLE_TOO_MANY_REDIRECTS, SCEAU_ERR_PROTOCOL},
};

static int
http_curl_error(struct http_xfer *x, CURLcode rc)
{
	const char *why =
	    x->h->errbuf[0] != '\0' ? x->h->errbuf : curl_easy_strerror(rc);
	size_t i;
	int code = SCEAU_ERR_HTTP;

	for (i = 0; i < SCEAU_NELEM(http_curl_codes); i++) {
		if (http_curl_codes[i].rc == rc) {
			code = http_curl_codes[i].code;
			break;
		}
	}
	if (code == SCEAU_ERR_LIMIT_EXCEEDED)
		sceau_message("%s: reply larger than %zu bytes", x->h->base_url,
		    x->limit);
	else
		sceau_message("%s: %s", x->h->base_url, why);
	return code;
}

/* The codes a server may send us (see http.h). */
static int
http_server_code(const char *name)
{
	int c = sceau_err_from_name(name);

	if (c == SCEAU_ERR_NOT_FOUND || c == SCEAU_ERR_EXISTS ||
	    c == SCEAU_ERR_NOT_SUPPORTED || c == SCEAU_ERR_LIMIT_EXCEEDED)
		return c;
	if (c <= -300 && c >= -799)
		return c;
	return 0;
}

static int
http_status_code(long status)
{
	if (status == 429)
		return SCEAU_ERR_RATE_LIMITED;
	if (status >= 502 && status <= 504)
		return SCEAU_ERR_SERVER_ERROR;
	return SCEAU_ERR_HTTP;
}

/* The server's text, reduced to printable ASCII, for the user to read. */
static void
http_clean(const char *in, char out[SCEAU_HTTP_MESSAGE_MAX + 1])
{
	size_t i;

	for (i = 0; in != NULL && in[i] != '\0' && i < SCEAU_HTTP_MESSAGE_MAX;
	     i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static int
http_error_reply(struct http_xfer *x)
{
	struct sceau_json_limits lim = {SCEAU_HTTP_ERROR_BODY_MAX, 4, 4096, 64};
	char cname[SCEAU_HTTP_MESSAGE_MAX + 1],
	    cmsg[SCEAU_HTTP_MESSAGE_MAX + 1];
	const char *name = NULL, *msg = NULL;
	json_t *j = NULL, *e = NULL;
	int code;

	if (!x->err_overflow && sceau_buf_len(x->err) > 0 &&
	    sceau_json_parse_buf(x->err, &lim, &j) == 0 && json_is_object(j) &&
	    sceau_json_get_object(j, "error", &e) == 0 &&
	    sceau_json_get_string(e, "code", 64, &name) == 0 &&
	    sceau_json_get_string_opt(e, "message", 4096, &msg) == 0) {
		code = http_server_code(name);
	} else {
		name = NULL;
		msg = NULL;
		code = 0;
	}
	http_clean(name, cname);
	http_clean(msg, cmsg);
	if (code == 0 && name != NULL)
		sceau_message("%s: HTTP %ld, unknown error %s: %s",
		    x->h->base_url, x->status, cname, cmsg);
	else
		sceau_message("%s: HTTP %ld%s%s", x->h->base_url, x->status,
		    msg != NULL ? ": " : "", cmsg);
	if (code == 0)
		code =
		    name != NULL ? SCEAU_ERR_HTTP : http_status_code(x->status);
	json_decref(j);
	return code;
}

static void
http_save_ctype(struct sceau_http *h)
{
	char *ct = NULL;

	h->content_type[0] = '\0';
	if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct) ==
	        CURLE_OK &&
	    ct != NULL)
		(void)snprintf(
		    h->content_type, sizeof(h->content_type), "%s", ct);
}

static int
http_finish(struct http_xfer *x, CURLcode rc)
{
	long status = 0;

	(void)curl_easy_getinfo(x->h->curl, CURLINFO_RESPONSE_CODE, &status);
	x->status = status;
	http_save_ctype(x->h);
	if (x->stopped)
		return 0;
	if (x->code != 0)
		return x->code;
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && x->err_overflow))
		return http_curl_error(x, rc);
	if (status < 200 || status > 299)
		return http_error_reply(x);
	if (x->sse == NULL)
		return 0;
	if (!http_ctype_is(x->h->content_type, "text/event-stream")) {
		sceau_message(
		    "%s: the reply is not an event stream", x->h->base_url);
		return SCEAU_ERR_PROTOCOL;
	}
	sceau_message("%s: event stream closed by the server", x->h->base_url);
	return SCEAU_ERR_CONNECT;
}

static void
http_log(const struct http_xfer *x, int r)
{
	/* The path only up to its query, which may hold what is not ours. */
	debug_f("%s %.*s: HTTP %ld%s%s", x->method, (int)strcspn(x->path, "?"),
	    x->path, x->status, r != 0 ? ", " : "",
	    r != 0 ? sceau_errname(r) : "");
}

static int
http_perform(struct http_xfer *x)
{
	struct sceau_http *h = x->h;
	char url[HTTP_URL_MAX + 1];
	CURLcode rc;
	int r, k;

	h->errbuf[0] = '\0';
	h->content_type[0] = '\0';
	x->resp_start = x->resp != NULL ? sceau_buf_len(x->resp) : 0;
	x->limit = h->response_max;
	if (x->resp != NULL)
		x->limit = SCEAU_MIN(x->limit, sceau_buf_avail(x->resp));
	if ((r = http_check_request(x)) != 0)
		return r;
	k = snprintf(url, sizeof(url), "%s%s", h->base_url, x->path);
	if (k < 0 || (size_t)k >= sizeof(url))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((x->err = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_set_max_size(x->err, SCEAU_HTTP_ERROR_BODY_MAX)) !=
	        0 ||
	    (r = http_build_headers(x)) != 0)
		goto out;
	curl_easy_reset(h->curl);
	if ((r = http_setup_conn(x, url)) != 0 || (r = http_setup_xfer(x)) != 0)
		goto out;
	x->last_byte_ms = http_now_ms();
	rc = curl_easy_perform(h->curl);
	r = http_finish(x, rc);
	http_log(x, r);
out:
	/* Drop every pointer into this frame before it goes. */
	curl_easy_reset(h->curl);
	if (r != 0 && x->resp != NULL && sceau_buf_len(x->resp) > x->resp_start)
		(void)sceau_buf_consume_end(
		    x->resp, sceau_buf_len(x->resp) - x->resp_start);
	sceau_memzero(&x->hd, sizeof(x->hd));
	sceau_buf_free(x->err);
	x->err = NULL;
	return r;
}

/* ------------------------------------------------------------------ */
/* Entry points. */

int
sceau_http_request(struct sceau_http *h, const char *method, const char *path,
    const struct sceau_buf *body, const char *content_type,
    struct sceau_buf *resp, long *status)
{
	struct http_xfer x;
	int r;

	if (status != NULL)
		*status = 0;
	if (h == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	memset(&x, 0, sizeof(x));
	x.h = h;
	x.method = method;
	x.path = path;
	x.body = body;
	x.content_type = content_type;
	x.resp = resp;
	r = http_perform(&x);
	if (status != NULL)
		*status = x.status;
	return r;
}

static int
http_json_reply(
    struct sceau_http *h, const struct sceau_buf *out, json_t **resp)
{
	int r;

	if (!http_ctype_is(h->content_type, "application/json")) {
		sceau_message("%s: the reply is not JSON", h->base_url);
		return SCEAU_ERR_PROTOCOL;
	}
	/* The parser's message stays. */
	if ((r = sceau_json_parse_buf(out, &h->json_limits, resp)) != 0)
		return r == SCEAU_ERR_ALLOC ? r : SCEAU_ERR_PROTOCOL;
	if (!json_is_object(*resp) && !json_is_array(*resp)) {
		json_decref(*resp);
		*resp = NULL;
		sceau_message(
		    "%s: the reply is not a JSON object", h->base_url);
		return SCEAU_ERR_PROTOCOL;
	}
	return 0;
}

int
sceau_http_json(struct sceau_http *h, const char *method, const char *path,
    const json_t *req, json_t **resp)
{
	struct sceau_buf *body = NULL, *out = NULL;
	long status = 0;
	int r;

	*resp = NULL;
	if (h == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((out = sceau_buf_new()) == NULL ||
	    (req != NULL && (body = sceau_buf_new()) == NULL)) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (req != NULL && (r = sceau_json_dump(req, body)) != 0)
		goto out;
	if ((r = sceau_http_request(
	         h, method, path, body, "application/json", out, &status)) != 0)
		goto out;
	r = status == 204 ? 0 : http_json_reply(h, out, resp);
out:
	sceau_buf_free(body);
	sceau_buf_free(out);
	return r;
}

int
sceau_http_events(struct sceau_http *h, const char *path,
    const char *last_event_id, sceau_http_event_cb cb, void *arg,
    long timeout_ms)
{
	struct http_xfer x;
	size_t n;
	int r;

	if (h == NULL || cb == NULL || timeout_ms < 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	n = last_event_id == NULL
	    ? 0
	    : strnlen(last_event_id, SCEAU_HTTP_SSE_ID_MAX + 1);
	if (n > SCEAU_HTTP_SSE_ID_MAX ||
	    !http_token_chars(last_event_id, n, "")) {
		sceau_message("event id refused");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	memset(&x, 0, sizeof(x));
	x.h = h;
	x.method = "GET";
	x.path = path;
	x.cb = cb;
	x.cb_arg = arg;
	x.last_id = last_event_id;
	x.total_ms = timeout_ms;
	if ((r = sceau_http_sse_new(last_event_id, &x.sse)) != 0)
		return r;
	r = http_perform(&x);
	sceau_http_sse_free(x.sse);
	return r;
}
