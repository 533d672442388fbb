/*
 * testserver.h: a tiny HTTP/1.1 server for the client's unit tests.
 *
 * It listens on 127.0.0.1 (a port the kernel picks), in a thread of the
 * test, one connection at a time, keeping each connection open for more
 * requests until the response says to close it.  Every request is read
 * whole (headers and a Content-Length body), recorded, and answered with
 * the canned response in force, sent in parts with a delay before each
 * (to split lines across packets, or to be late).  With a certificate
 * and key, it speaks TLS.  It never connects anywhere.
 */
#ifndef SCEAU_TESTSERVER_H
#define SCEAU_TESTSERVER_H

#include <stddef.h>
#include <stdint.h>

#define TS_PARTS_MAX 16
#define TS_HEADERS_MAX 16384
#define TS_BODY_MAX 65536
#define TS_TARGET_MAX 8192

struct ts_part {
	const char *data; /* borrowed: must live until the server stops */
	size_t len;
	unsigned int delay_ms;
};

struct ts_response {
	struct ts_part part[TS_PARTS_MAX];
	size_t n;
	int close; /* close the connection once sent */
};

struct ts_request {
	char method[16];
	char target[TS_TARGET_MAX];
	char headers[TS_HEADERS_MAX]; /* "Name: value\r\n"... */
	unsigned char body[TS_BODY_MAX];
	size_t body_len;
};

struct ts_server;

/* Starts a server; cert and key (PEM files) for TLS, or both NULL. */
struct ts_server *ts_start(const char *cert, const char *key);
void ts_stop(struct ts_server *s);
uint16_t ts_port(const struct ts_server *s);

/* Sets the response to every following request (copied). */
void ts_set_response(struct ts_server *s, const struct ts_response *r);
/*
 * A whole response: status line, Content-Type (if ctype), Content-Length
 * and body, as one part.  The text is kept by the server.
 */
void ts_set_simple(
    struct ts_server *s, int status, const char *ctype, const char *body);

/* Requests and connections so far. */
unsigned int ts_requests(struct ts_server *s);
unsigned int ts_connections(struct ts_server *s);
/* Copies the last request received; -1 if none. */
int ts_last_request(struct ts_server *s, struct ts_request *out);
/* Value of header name (case-insensitive) of r into out; -1 if absent. */
int ts_header(
    const struct ts_request *r, const char *name, char *out, size_t n);

/*
 * Writes a self-signed certificate (P-256, CA:TRUE) for the given
 * subjectAltName ("IP:127.0.0.1,DNS:localhost") and its key to the files
 * cert and key.  0 or -1.
 */
int ts_make_cert(const char *san, const char *cert, const char *key);

#endif /* SCEAU_TESTSERVER_H */
