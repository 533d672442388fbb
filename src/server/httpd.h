/*
 * httpd.h: sceau-server's HTTP/1.1 front end, on libmicrohttpd.
 *
 * Threading: one thread per client connection
 * (MHD_USE_THREAD_PER_CONNECTION, with an internal thread accepting).
 * Event streams are long-lived responses whose content callback blocks
 * until there is something to send; that is simple and correct with a
 * thread per connection, where it would stall every other client of a
 * shared event loop.  The number of connections, hence of threads, is
 * bounded by server.max_connections.
 *
 * Each request gets an id (logged with each of its lines, and returned in
 * X-Request-Id), its body is read only up to its route's limit (413
 * otherwise, refused from Content-Length before reading when it can),
 * hashed as it arrives (the signature covers its SHA-256), and it is
 * handed to the dispatcher (router.h) in memory.  Bodies of the routes
 * that take more than server.max_body (blocks, vlobs) go into the upload
 * region (upload.h), which bounds the memory of all of them together.
 * Large replies are streamed: JSON from its buffer, blocks from packs.
 */
#ifndef SCEAU_SRV_HTTPD_H
#define SCEAU_SRV_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "defs.h"
#include "proxy.h"
#include "server.h"

struct srv_http_config {
	char host[SCEAU_CONF_HOST_MAX + 1];
	uint16_t port; /* 0: any free port */
	/* TLS (PEM in memory), or both NULL for plain HTTP. */
	const char *tls_cert_pem;
	const char *tls_key_pem;
	unsigned int max_connections;
	unsigned int connection_timeout_s;
	struct srv_proxies proxies;
	/* Memory for bodies larger than server.max_body (upload.h). */
	size_t upload_memory;
};

struct srv_http;

/*
 * Listens on cfg's address (cfg is copied).  Nothing is served until
 * srv_http_serve().  SCEAU_ERR_SYSTEM or SCEAU_ERR_CONFIG (cannot
 * listen, with a message).  Free with srv_http_stop().
 */
int srv_http_listen(const struct srv_http_config *cfg, struct srv_http **out)
    SCEAU_WUR;

/* The address and port actually listened on (the port when 0 was asked). */
void srv_http_address(const struct srv_http *h, char *out, size_t n);
uint16_t srv_http_port(const struct srv_http *h);

/*
 * Starts serving ctx (which must outlive h) in libmicrohttpd's threads.
 * The PEM strings of the configuration may be wiped once this returns.
 * SCEAU_ERR_NOT_SUPPORTED (no TLS in libmicrohttpd), SCEAU_ERR_CONFIG
 * (the daemon did not start).
 */
int srv_http_serve(struct srv_http *h, struct srv_ctx *ctx) SCEAU_WUR;

/* Stops accepting connections; requests already received go on. */
void srv_http_quiesce(struct srv_http *h);

/*
 * Waits until no request is in progress, at most timeout_ms.  Returns the
 * number still in progress (0: all done).
 */
unsigned int srv_http_drain(struct srv_http *h, uint64_t timeout_ms);

/* Stops the daemon (if serving), closing every connection; frees h. */
void srv_http_stop(struct srv_http *h);

#endif /* SCEAU_SRV_HTTPD_H */
