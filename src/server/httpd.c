/*
 * httpd.c: libmicrohttpd glue (see httpd.h).
 *
 * A request's state is created by the URI log callback, which sees the
 * request target exactly as sent (the access handler gets it with the
 * query cut off and percent-decoded, which is not what the client
 * signed), and freed by the completion callback, which writes the access
 * log line.  The number of requests in progress is counted between the
 * two, for a graceful shutdown.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "httpd.h"
#include "log.h"
#include "random.h"
#include "request.h"
#include "router.h"
#include "stream.h"
#include "upload.h"

#define HTTP_BACKLOG 128
#define HTTP_SSE_BLOCK 4096
#define HTTP_METHOD_MAX 16
/*
 * Per connection: request line and headers (a GET of 1,000 ids is a
 * 33 KB target) and the receive buffer, whose size sets how much of a
 * body each call hands over.
 */
#define HTTP_CONN_MEMORY (256 * 1024)
/* JSON replies up to this are copied to libmicrohttpd, larger streamed. */
#define HTTP_COPY_MAX (64 * 1024)
/* Binary replies (blocks) are read from packs in pieces this large. */
#define HTTP_BINARY_BLOCK (256 * 1024)
/*
 * A body refused for its size (or sent to no route) is read and dropped
 * up to this much before the reply, so that a reverse proxy that sends
 * the whole body first still gets the 413 (a reply before the body is
 * read makes nginx see a reset connection: 502).  Announced larger, it is
 * refused at once; sent larger (chunked), the connection is closed.
 */
#define HTTP_DRAIN_MAX (16UL * 1024 * 1024)

struct srv_http {
	struct srv_ctx *ctx;
	struct srv_http_config cfg;
	struct MHD_Daemon *daemon;
	int fd; /* listening socket until the daemon owns it */
	int quiesced;
	char address[SCEAU_CONF_HOST_MAX + 16];
	uint16_t port;
	atomic_uint inflight;
	struct srv_upload *upload; /* large bodies */
};

/* One request, from its request line to its completion. */
struct http_req {
	struct srv_http *h;
	char *target; /* as sent */
	char method[HTTP_METHOD_MAX + 1];
	char log_ctx[32]; /* "req=ID" */
	char id[17];
	char client[SRV_ADDR_MAX];
	struct sceau_buf *body; /* small bodies */
	uint8_t *up; /* large bodies: in the upload region */
	size_t up_cap, up_len;
	int pooled; /* the body goes to up */
	struct sceau_hash_ctx *hash; /* of the body, as it comes */
	uint8_t sha[SCEAU_SHA256_LEN];
	size_t limit;
	int started;
	int too_large;
	int refused; /* an error to reply once the body is dropped */
	char refused_msg[160];
	int discard; /* the body is read and dropped */
	size_t dropped;
	int status;
	uint64_t t0_us;
};

static uint64_t
http_mono_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ------------------------------------------------- request life cycle */

static void
http_req_free(struct http_req *rq)
{
	if (rq == NULL)
		return;
	sceau_buf_free(rq->body);
	srv_upload_put(rq->h->upload, rq->up, rq->up_cap);
	sceau_hash_ctx_free(rq->hash);
	sceau_free(rq->target);
	sceau_free(rq);
}

static void *
http_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct srv_http *h = cls;
	struct http_req *rq;
	uint8_t id[8];

	(void)conn;
	if ((rq = sceau_calloc(1, sizeof(*rq))) == NULL)
		return NULL;
	rq->h = h;
	if ((rq->target = sceau_strdup(uri)) == NULL ||
	    (rq->body = sceau_buf_new()) == NULL ||
	    sceau_random_bytes(id, sizeof(id)) != 0) {
		http_req_free(rq);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(id); i++)
		(void)snprintf(rq->id + 2 * i, 3, "%02x", id[i]);
	(void)snprintf(rq->log_ctx, sizeof(rq->log_ctx), "req=%s", rq->id);
	rq->t0_us = http_mono_us();
	atomic_fetch_add(&h->inflight, 1);
	return rq;
}

static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct srv_http *h = cls;
	struct http_req *rq = *con_cls;
	uint64_t us;

	(void)conn;
	if (rq == NULL)
		return;
	*con_cls = NULL;
	sceau_log_set_context(rq->log_ctx);
	us = http_mono_us() - rq->t0_us;
	info_f("%s %.200s %d %llu.%03llums client=%s%s", rq->method, rq->target,
	    rq->status, (unsigned long long)(us / 1000),
	    (unsigned long long)(us % 1000), rq->client,
	    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK          ? ""
	        : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timed out)"
	        : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? " (shutdown)"
	                                                        : " (aborted)");
	sceau_log_set_context(NULL);
	http_req_free(rq);
	atomic_fetch_sub(&h->inflight, 1);
}

/* ----------------------------------------------------------- replies */

static ssize_t
http_sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n;

	(void)pos;
	n = srv_stream_read(cls, (uint8_t *)buf, max);
	if (n > 0)
		return n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
	              : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
http_sse_free(void *cls)
{
	srv_stream_free(cls);
}

/* A large JSON reply, sent from its buffer without a copy of it all. */
static ssize_t
http_buf_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct sceau_buf *b = cls;
	size_t len = sceau_buf_len(b), n;

	if (pos >= len)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = SCEAU_MIN(max, len - (size_t)pos);
	memcpy(buf, sceau_buf_ptr(b) + pos, n);
	return (ssize_t)n;
}

static void
http_buf_free(void *cls)
{
	sceau_buf_free(cls);
}

static ssize_t
http_bin_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct srv_reader *rd = cls;
	ssize_t n;

	if (pos >= rd->size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = rd->read(rd->cls, (uint8_t *)buf, max);
	/* Short or failed: cut the connection, the client sees it. */
	return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
http_bin_free(void *cls)
{
	srv_reader_free(cls);
}

static struct MHD_Response *
http_binary(struct srv_response *resp)
{
	struct MHD_Response *m;

	m = MHD_create_response_from_callback(resp->reader->size,
	    HTTP_BINARY_BLOCK, http_bin_read, resp->reader, http_bin_free);
	if (m == NULL)
		return NULL;
	resp->reader = NULL; /* the response owns it now */
	(void)MHD_add_response_header(
	    m, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	(void)MHD_add_response_header(
	    m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return m;
}

static struct MHD_Response *
http_json(struct srv_response *resp)
{
	size_t len = resp->body != NULL ? sceau_buf_len(resp->body) : 0;
	struct MHD_Response *m;

	if (len > HTTP_COPY_MAX) {
		m = MHD_create_response_from_callback(len, HTTP_COPY_MAX,
		    http_buf_read, resp->body, http_buf_free);
		if (m != NULL)
			resp->body = NULL; /* the response owns it now */
	} else {
		m = MHD_create_response_from_buffer(len,
		    len > 0 ? (void *)sceau_buf_ptr(resp->body) : NULL,
		    MHD_RESPMEM_MUST_COPY);
	}
	if (m == NULL)
		return NULL;
	(void)MHD_add_response_header(
	    m, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	(void)MHD_add_response_header(
	    m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (resp->allow != NULL)
		(void)MHD_add_response_header(
		    m, MHD_HTTP_HEADER_ALLOW, resp->allow);
	return m;
}

static struct MHD_Response *
http_response(struct srv_response *resp)
{
	struct MHD_Response *m;

	if (resp->kind == SRV_RESP_BINARY)
		return http_binary(resp);
	if (resp->kind == SRV_RESP_EVENTS) {
		m = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
		    HTTP_SSE_BLOCK, http_sse_read, resp->stream, http_sse_free);
		if (m == NULL)
			return NULL;
		resp->stream = NULL; /* the response owns it now */
		(void)MHD_add_response_header(
		    m, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
		(void)MHD_add_response_header(
		    m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		/* nginx: pass events on at once, do not buffer them. */
		(void)MHD_add_response_header(m, "X-Accel-Buffering", "no");
		return m;
	}
	return http_json(resp);
}

static enum MHD_Result
http_queue(
    struct http_req *rq, struct MHD_Connection *conn, struct srv_response *resp)
{
	struct MHD_Response *m;
	enum MHD_Result ret;

	rq->status = resp->status;
	if ((m = http_response(resp)) == NULL) {
		srv_resp_clear(resp);
		return MHD_NO;
	}
	(void)MHD_add_response_header(m, "X-Request-Id", rq->id);
	/* Shutting down: let keep-alive clients go. */
	if (atomic_load(&rq->h->ctx->stopping))
		(void)MHD_add_response_header(
		    m, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, (unsigned int)resp->status, m);
	MHD_destroy_response(m);
	srv_resp_clear(resp);
	return ret;
}

static enum MHD_Result
http_queue_error(
    struct http_req *rq, struct MHD_Connection *conn, int r, const char *msg)
{
	struct srv_response resp;

	srv_resp_init(&resp);
	sceau_message("%s", msg);
	srv_resp_error(&resp, r);
	return http_queue(rq, conn, &resp);
}

/* ----------------------------------------------------- access handler */

static void
http_client(struct http_req *rq, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	const char *xff;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	xff = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, "X-Forwarded-For");
	srv_proxy_client(&rq->h->cfg.proxies,
	    ci != NULL ? ci->client_addr : NULL, xff, rq->client,
	    sizeof(rq->client));
}

/*
 * A route with a large body (blocks, vlobs): a place for it in the upload
 * region, of its announced length (the route's limit when unknown).  No
 * room in time: the body is dropped and the request refused.
 */
static enum MHD_Result
http_reserve(struct http_req *rq, struct MHD_Connection *conn, size_t need)
{
	struct srv_http *h = rq->h;
	int r;

	rq->pooled = 1;
	if (need == 0)
		return MHD_YES;
	/* Refused anyway (unknown device, clock...): no room taken. */
	r = srv_router_precheck(h->ctx, rq->method, rq->target,
	    MHD_lookup_connection_value(
	        conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
	if (r == 0) {
		r = srv_upload_get(h->upload, need,
		    (uint64_t)h->cfg.connection_timeout_s * 1000,
		    &h->ctx->stopping, &rq->up);
		if (r == 0) {
			rq->up_cap = need;
			return MHD_YES;
		}
		if (r != SCEAU_ERR_TOO_LARGE)
			r = SCEAU_ERR_RATE_LIMITED;
	}
	/* A copy: the reply sets the thread's message from it. */
	(void)snprintf(rq->refused_msg, sizeof(rq->refused_msg), "%s",
	    sceau_last_message());
	if (need > HTTP_DRAIN_MAX)
		return http_queue_error(rq, conn, r, rq->refused_msg);
	rq->refused = r;
	rq->discard = 1;
	return MHD_YES;
}

/* First call: headers are in; refuse a body known to be too large. */
static enum MHD_Result
http_first(struct http_req *rq, struct MHD_Connection *conn, const char *method)
{
	const char *cl;
	char *end;
	unsigned long long n = 0;

	rq->started = 1;
	(void)snprintf(rq->method, sizeof(rq->method), "%s", method);
	http_client(rq, conn);
	/* No route: the dispatcher says so (404, 405) once the body is in. */
	if (srv_router_body_limit(rq->h->ctx, method, rq->target, &rq->limit) !=
	    0)
		rq->discard = 1;
	(void)sceau_buf_set_max_size(rq->body, rq->limit);
	cl = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (rq->discard)
		return MHD_YES;
	if (cl != NULL) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno != 0 || *end != '\0')
			cl = NULL; /* libmicrohttpd refuses it anyway */
	}
	if (cl != NULL && n > rq->limit) {
		if (n > HTTP_DRAIN_MAX)
			return http_queue_error(rq, conn, SCEAU_ERR_TOO_LARGE,
			    "body larger than this route accepts");
		rq->too_large = rq->discard = 1;
		return MHD_YES;
	}
	if (rq->limit > rq->h->ctx->set.max_body)
		return http_reserve(
		    rq, conn, cl != NULL ? (size_t)n : rq->limit);
	return MHD_YES;
}

/* Keeps n more bytes of the body; -1 when past the limit. */
static int
http_keep(struct http_req *rq, const char *data, size_t n)
{
	if (rq->pooled) {
		if (n > rq->up_cap - rq->up_len)
			return -1;
		memcpy(rq->up + rq->up_len, data, n);
		rq->up_len += n;
	} else if (sceau_buf_put(rq->body, data, n) != 0) {
		return -1;
	}
	/* Hashed now, while it is in the cache: auth needs it, once. */
	if (rq->hash == NULL) {
		if ((rq->hash = sceau_hash_ctx_new()) == NULL ||
		    sceau_hash_init(rq->hash) != 0) {
			sceau_hash_ctx_free(rq->hash);
			rq->hash = NULL;
			return -2;
		}
	}
	return sceau_hash_update(rq->hash, data, n) == 0 ? 0 : -2;
}

/* MHD_NO (close the connection) once too much was dropped. */
static enum MHD_Result
http_body(struct http_req *rq, const char *data, size_t n)
{
	int k = 0;

	if (!rq->discard && (k = http_keep(rq, data, n)) == 0)
		return MHD_YES;
	if (!rq->discard) {
		/* Past the limit (or out of memory): read on, dropping. */
		if (k == -1)
			rq->too_large = 1;
		else
			rq->refused = SCEAU_ERR_ALLOC;
		rq->discard = 1;
		sceau_buf_reset(rq->body);
	}
	rq->dropped += n;
	if (rq->dropped > HTTP_DRAIN_MAX) {
		rq->status = 413;
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result
http_finish(struct http_req *rq, struct MHD_Connection *conn)
{
	struct srv_request req;
	struct srv_response resp;

	if (rq->too_large)
		return http_queue_error(rq, conn, SCEAU_ERR_TOO_LARGE,
		    "body larger than this route accepts");
	if (rq->refused != 0)
		return http_queue_error(rq, conn, rq->refused,
		    rq->refused_msg[0] != '\0' ? rq->refused_msg
		                               : "body refused");
	memset(&req, 0, sizeof(req));
	req.method = rq->method;
	req.target = rq->target;
	req.authorization = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req.last_event_id =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
	req.client = rq->client;
	/* A dropped body is none (only unrouted requests get here). */
	if (rq->discard) {
		req.body = NULL;
		req.body_len = 0;
	} else if (rq->pooled) {
		req.body = rq->up;
		req.body_len = rq->up_len;
	} else {
		req.body = sceau_buf_ptr(rq->body);
		req.body_len = sceau_buf_len(rq->body);
	}
	if (rq->hash != NULL && !rq->discard &&
	    sceau_hash_final(rq->hash, rq->sha) == 0)
		req.body_sha256 = rq->sha;
	srv_dispatch(rq->h->ctx, &req, &resp);
	return http_queue(rq, conn, &resp);
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_req *rq = *con_cls;
	size_t n;

	(void)cls;
	(void)url;
	(void)version;
	if (rq == NULL)
		return MHD_NO; /* out of memory when the request began */
	sceau_log_set_context(rq->log_ctx);
	if (!rq->started)
		return http_first(rq, conn, method);
	if (*upload_data_size > 0) {
		n = *upload_data_size;
		*upload_data_size = 0;
		return http_body(rq, upload_data, n);
	}
	return http_finish(rq, conn);
}

/* libmicrohttpd's own messages, into our log. */
static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	warn_f("libmicrohttpd: %s", line);
}

/* ------------------------------------------------------------- start */

static int
http_bind(const struct addrinfo *ai, int *fdp)
{
	int fd, one = 1;

	*fdp = -1;
	fd = socket(
	    ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -1;
	/* A restart must not wait for TIME_WAIT connections to go. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, HTTP_BACKLOG) != 0) {
		int e = errno;

		(void)close(fd);
		errno = e;
		return -1;
	}
	*fdp = fd;
	return 0;
}

static int
http_listen(struct srv_http *h)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int rc, e = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	(void)snprintf(port, sizeof(port), "%u", (unsigned int)h->cfg.port);
	if ((rc = getaddrinfo(h->cfg.host, port, &hints, &res)) != 0) {
		sceau_message(
		    "listen %s:%s: %s", h->cfg.host, port, gai_strerror(rc));
		return SCEAU_ERR_CONFIG;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (http_bind(ai, &h->fd) == 0)
			break;
		e = errno;
	}
	freeaddrinfo(res);
	if (h->fd < 0) {
		sceau_message(
		    "listen %s:%s: %s", h->cfg.host, port, strerror(e));
		return SCEAU_ERR_SYSTEM;
	}
	return 0;
}

static void
http_set_address(struct srv_http *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[64], serv[8]; /* numeric forms */
	int v6;

	if (getsockname(h->fd, (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv,
	        sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		(void)snprintf(h->address, sizeof(h->address), "%s:%u",
		    h->cfg.host, (unsigned int)h->cfg.port);
		h->port = h->cfg.port;
		return;
	}
	v6 = strchr(host, ':') != NULL;
	h->port = (uint16_t)strtoul(serv, NULL, 10);
	(void)snprintf(h->address, sizeof(h->address), "%s%s%s:%s",
	    v6 ? "[" : "", host, v6 ? "]" : "", serv);
}

static int
http_daemon(struct srv_http *h)
{
	struct MHD_OptionItem tls[] = {
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)h->cfg.tls_key_pem},
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)h->cfg.tls_cert_pem},
	    {MHD_OPTION_END, 0, NULL},
	};
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG;

	if (h->cfg.tls_key_pem != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			sceau_message("libmicrohttpd was built without TLS");
			return SCEAU_ERR_NOT_SUPPORTED;
		}
		flags |= MHD_USE_TLS;
	} else {
		tls[0].option = MHD_OPTION_END;
	}
	/* The logger first, so that it gets the messages about the rest. */
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_access, h,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, h,
	    MHD_OPTION_LISTEN_SOCKET, h->fd, MHD_OPTION_URI_LOG_CALLBACK,
	    http_uri, h, MHD_OPTION_NOTIFY_COMPLETED, http_completed, h,
	    MHD_OPTION_CONNECTION_LIMIT, h->cfg.max_connections,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, h->cfg.connection_timeout_s,
	    MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		sceau_message("cannot start the HTTP server%s",
		    h->cfg.tls_key_pem != NULL ? " (TLS key or certificate "
		                                 "refused?)"
		                               : "");
		return SCEAU_ERR_CONFIG;
	}
	return 0;
}

int
srv_http_listen(const struct srv_http_config *cfg, struct srv_http **out)
{
	struct srv_http *h;
	int r;

	*out = NULL;
	if ((h = sceau_calloc(1, sizeof(*h))) == NULL)
		return SCEAU_ERR_ALLOC;
	h->cfg = *cfg;
	h->fd = -1;
	atomic_init(&h->inflight, 0);
	if ((r = srv_upload_new(cfg->upload_memory, &h->upload)) != 0 ||
	    (r = http_listen(h)) != 0) {
		srv_upload_free(h->upload);
		sceau_free(h);
		return r;
	}
	http_set_address(h);
	*out = h;
	return 0;
}

int
srv_http_serve(struct srv_http *h, struct srv_ctx *ctx)
{
	int r;

	h->ctx = ctx;
	if ((r = http_daemon(h)) != 0)
		return r;
	/* The daemon owns the socket now, and closes it when it stops. */
	h->fd = -1;
	/* The PEM strings were read by the daemon's start: not kept. */
	h->cfg.tls_key_pem = h->cfg.tls_cert_pem = NULL;
	return 0;
}

uint16_t
srv_http_port(const struct srv_http *h)
{
	return h->port;
}

void
srv_http_address(const struct srv_http *h, char *out, size_t n)
{
	(void)snprintf(out, n, "%s", h->address);
}

void
srv_http_quiesce(struct srv_http *h)
{
	MHD_socket fd;

	if (h->quiesced)
		return;
	/* The listening socket comes back to us: closing it refuses new
	 * connections at once instead of leaving them in the backlog. */
	fd = MHD_quiesce_daemon(h->daemon);
	if (fd != MHD_INVALID_SOCKET)
		(void)close(fd);
	h->quiesced = 1;
}

unsigned int
srv_http_drain(struct srv_http *h, uint64_t timeout_ms)
{
	struct timespec pause = {0, 20 * 1000000L};
	uint64_t end = http_mono_us() + timeout_ms * 1000;
	unsigned int n;

	while ((n = atomic_load(&h->inflight)) > 0 && http_mono_us() < end)
		(void)nanosleep(&pause, NULL);
	return n;
}

void
srv_http_stop(struct srv_http *h)
{
	if (h == NULL)
		return;
	if (h->daemon != NULL)
		MHD_stop_daemon(h->daemon);
	else if (h->fd >= 0)
		(void)close(h->fd);
	srv_upload_free(h->upload);
	sceau_free(h);
}
