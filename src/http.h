/*
 * http.h: the client transport to sceau-server, on libcurl.
 *
 * One struct sceau_http per server and per thread (not thread-safe): it
 * keeps one curl easy handle, so that successive requests reuse the
 * connection (keep-alive).  libcurl is initialized once per process, on
 * first use; it is never cleaned up (other threads may still use it).
 *
 * Security rules, enforced here:
 *  - plain http:// is refused (SCEAU_ERR_INSECURE_URL, before any
 *    connection) unless the host is a loopback literal (127.0.0.0/8, ::1)
 *    or "localhost", or opts->allow_insecure_http is set.  For loopback
 *    hosts, every address curl connects to is checked to be loopback too
 *    (so "localhost" cannot resolve elsewhere), and proxies are not used;
 *  - TLS: the server's certificate and name are always verified, against
 *    the system store or, when given, opts->ca_file alone; TLS 1.2 at
 *    least; failures are SCEAU_ERR_TLS with curl's reason;
 *  - redirects are not followed; paths are sent exactly as signed;
 *  - every reply is bounded (SCEAU_HTTP_RESPONSE_MAX_DEFAULT unless
 *    changed, and never more than the response buffer's own limit),
 *    while it is received;
 *  - Authorization headers and tokens are never logged; the bearer token
 *    is wiped when replaced or freed (curl's internal copy of the request
 *    is curl's).
 *
 * Errors: connection failures SCEAU_ERR_CONNECT, timeouts
 * SCEAU_ERR_TIMEOUT, malformed replies SCEAU_ERR_PROTOCOL, a reply over
 * the limit SCEAU_ERR_LIMIT_EXCEEDED.  An HTTP error status with a JSON
 * error body {"error": {"code", "message"}} (doc/protocol.md) is mapped
 * back with sceau_err_from_name(), accepting only the codes a server may
 * send: the ranges -300 to -799 (server refusals, organization records,
 * tokens, PKI, policy) and NOT_FOUND, EXISTS, NOT_SUPPORTED,
 * LIMIT_EXCEEDED.  Any other code, including the client-side ones a
 * server has no business sending (a hostile server must not make us
 * report a wrong password or detected tampering), is SCEAU_ERR_HTTP.
 * Without a JSON error body: 429 is SCEAU_ERR_RATE_LIMITED, 502 to 504
 * (proxies) SCEAU_ERR_SERVER_ERROR, anything else SCEAU_ERR_HTTP.  The
 * server's message, reduced to printable ASCII, goes to sceau_message().
 *
 * Retries are never made here: sceau_http_retryable() tells callers
 * which errors are worth one.
 */
#ifndef SCEAU_HTTP_H
#define SCEAU_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "defs.h"
#include "json.h"
#include "reqsign.h"
#include "sign.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_HTTP_TIMEOUT_DEFAULT_MS 60000L
#define SCEAU_HTTP_CONNECT_TIMEOUT_DEFAULT_MS 10000L
#define SCEAU_HTTP_RESPONSE_MAX_DEFAULT (16UL * 1024 * 1024)
#define SCEAU_HTTP_ERROR_BODY_MAX 65536 /* error replies kept to map */
#define SCEAU_HTTP_PATH_MAX SCEAU_REQSIGN_TARGET_MAX /* path and query */
#define SCEAU_HTTP_BEARER_MAX 512
#define SCEAU_HTTP_CONTENT_TYPE_MAX 128
#define SCEAU_HTTP_MESSAGE_MAX 200 /* server message kept */

/*
 * JSON limits of replies: the default document size follows the
 * response limit, and strings must hold a base64 certificate envelope.
 */
#define SCEAU_HTTP_JSON_LIMITS_DEFAULT                                         \
	{                                                                      \
		SCEAU_HTTP_RESPONSE_MAX_DEFAULT, 16, 131072, 1000000           \
	}

/* Event streams (server-sent events). */
#define SCEAU_HTTP_SSE_LINE_MAX 65536 /* one line */
#define SCEAU_HTTP_SSE_DATA_MAX 262144 /* one event's data */
#define SCEAU_HTTP_SSE_TYPE_MAX 64 /* event name */
#define SCEAU_HTTP_SSE_ID_MAX 256 /* event id */

struct sceau_http;

struct sceau_http_opts {
	const char *ca_file; /* PEM trust anchors; NULL: system store */
	int allow_insecure_http; /* plain HTTP to any host (tests, proxies) */
	long timeout_ms; /* 0: default.  Requests: whole exchange;
	                            event streams: longest silence */
	long connect_timeout_ms; /* 0: default */
};

/*
 * Initializes libcurl, once per process whoever calls first (the client
 * transport, the server's mail): every user of libcurl calls this before
 * its first handle.  Thread-safe.  0 or SCEAU_ERR_INTERNAL.
 */
int sceau_http_global_init(void) SCEAU_WUR;

/*
 * 1 if the socket address addr (len bytes, of family AF_INET or AF_INET6)
 * is loopback: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104; else 0.  For the
 * plain-text connections that must stay on this machine.
 */
int sceau_http_addr_loopback(int family, const void *addr, size_t len);

/*
 * New client of the server at base_url (link.h: "https://HOST[:PORT]").
 * opts may be NULL (defaults).  Strings are copied.  0,
 * SCEAU_ERR_INVALID_ARGUMENT (bad URL), SCEAU_ERR_INSECURE_URL,
 * SCEAU_ERR_CONFIG (unreadable ca_file), SCEAU_ERR_ALLOC.
 */
int sceau_http_new(const char *base_url, const struct sceau_http_opts *opts,
    struct sceau_http **hp) SCEAU_WUR;
/* Wipes and frees h; NULL is allowed. */
void sceau_http_free(struct sceau_http *h);
/*
 * A second client like h (server, options, authorization, cancel flag),
 * with a connection of its own: one per thread.  The device key stays
 * borrowed from h's owner.
 */
int sceau_http_clone(const struct sceau_http *h, struct sceau_http **hp)
    SCEAU_WUR;
/* The canonical base URL ("https://HOST:PORT"), owned by h. */
const char *sceau_http_base_url(const struct sceau_http *h);

/*
 * Signs every following request as org's device device_id with key
 * (doc/protocol.md, "Devices").  key is borrowed: it must outlive h or
 * the next set_device / set_bearer / clear_auth.  Replaces a bearer.
 */
int sceau_http_set_device(struct sceau_http *h, const char *org,
    const char *device_id, const struct sceau_signkey *key) SCEAU_WUR;
/*
 * Sends "Authorization: Bearer TOKEN" (admin routes).  The token (1 to
 * SCEAU_HTTP_BEARER_MAX characters of RFC 6750 token68) is copied.
 * Replaces device signing.
 */
int sceau_http_set_bearer(struct sceau_http *h, const char *token) SCEAU_WUR;
/* No Authorization header (anonymous routes). */
void sceau_http_clear_auth(struct sceau_http *h);

/*
 * While *flag is non-zero (a signal handler sets it), transfers stop within
 * about a second with SCEAU_ERR_INTERRUPTED.  NULL: no such flag.
 */
void sceau_http_set_cancel(
    struct sceau_http *h, const volatile sig_atomic_t *flag);

/* Reply size limit of the following requests (0: the default). */
void sceau_http_set_response_max(struct sceau_http *h, size_t max);
/* JSON limits of sceau_http_json() replies (NULL: the default). */
void sceau_http_set_json_limits(
    struct sceau_http *h, const struct sceau_json_limits *lim);

/*
 * One request.  method: GET, POST, PUT, PATCH or DELETE.  path: the path
 * and query under the base URL, starting with '/', printable ASCII
 * without space or '#', at most SCEAU_HTTP_PATH_MAX; signed and sent as
 * is.  body may be NULL (no body; not allowed with GET); content_type
 * describes it (NULL: application/json).
 *
 * A 2xx reply's body is appended to resp (which may be NULL to drop it),
 * within the limit.  *status (may be NULL) gets the HTTP status whenever
 * a reply arrived, 0 otherwise.  Returns 0 for a 2xx reply; otherwise an
 * error code (see above), and resp is left as it was.
 */
int sceau_http_request(struct sceau_http *h, const char *method,
    const char *path, const struct sceau_buf *body, const char *content_type,
    struct sceau_buf *resp, long *status) SCEAU_WUR;

/*
 * JSON exchange: req (may be NULL: no body) is sent as application/json;
 * the reply must be application/json holding an object or an array,
 * parsed with the handle's JSON limits into *resp (a new reference), or
 * be 204 (then *resp is NULL).  Malformed replies: SCEAU_ERR_PROTOCOL.
 */
int sceau_http_json(struct sceau_http *h, const char *method, const char *path,
    const json_t *req, json_t **resp) SCEAU_WUR;

/*
 * 1 when r may go away if the same request is made again later:
 * SCEAU_ERR_CONNECT, _TIMEOUT, _RATE_LIMITED, _SERVER_ERROR.
 */
int sceau_http_retryable(int r);

/*
 * One event.  Strings are NUL-terminated and lent for the callback's
 * duration.  id is the last event id seen on the stream (RFC: it persists
 * across events without an id line; "" when none), type is "message"
 * unless an event line named it, data is the data lines joined with '\n'.
 */
struct sceau_http_event {
	const char *id;
	const char *type;
	const char *data;
	size_t data_len;
};

/*
 * Event callback: return 0 to continue, 1 to stop (the stream function
 * then returns 0), or a negative error code to stop with that error.
 */
typedef int (*sceau_http_event_cb)(
    const struct sceau_http_event *ev, void *arg);

/*
 * Streams GET path as text/event-stream, calling cb for each event,
 * sending Last-Event-ID when last_event_id is not NULL or "".  Returns
 * 0 when cb asked to stop, SCEAU_ERR_TIMEOUT after timeout_ms (0: no
 * limit) or after opts.timeout_ms without a byte (the server sends a
 * comment every 15 seconds), SCEAU_ERR_CONNECT when the stream ends or
 * breaks, SCEAU_ERR_PROTOCOL for a malformed stream (a line or an event
 * over the SCEAU_HTTP_SSE_ limits, a NUL byte, a reply that is not an
 * event stream), or the error a refusal maps to.
 */
int sceau_http_events(struct sceau_http *h, const char *path,
    const char *last_event_id, sceau_http_event_cb cb, void *arg,
    long timeout_ms) SCEAU_WUR;

/*
 * The event stream parser (WHATWG HTML, "server-sent events") on its
 * own, for sceau_http_events() and the fuzz target.  Lines end with
 * CRLF, LF or CR; a leading BOM is skipped; "retry" and unknown fields
 * are ignored; an event with no data line is not dispatched; an event cut
 * by the end of the stream is dropped.
 *
 * sceau_http_sse_new: last_id (may be NULL) is the id the stream resumes
 * from.  sceau_http_sse_feed: parses n more bytes and calls cb for each
 * complete event; returns 0, 1 when cb asked to stop, cb's negative code,
 * or SCEAU_ERR_PROTOCOL (then the parser is dead: every later feed fails).
 */
struct sceau_http_sse;
int sceau_http_sse_new(const char *last_id, struct sceau_http_sse **sp)
    SCEAU_WUR;
void sceau_http_sse_free(struct sceau_http_sse *s);
int sceau_http_sse_feed(struct sceau_http_sse *s, const void *p, size_t n,
    sceau_http_event_cb cb, void *arg) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_HTTP_H */
