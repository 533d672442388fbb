/*
 * request.h: a request and its response, in memory.
 *
 * The HTTP layer (http.c) fills a struct srv_request from the connection
 * and turns the struct srv_response the dispatcher returns into bytes on
 * the wire; nothing in between sees a socket.
 */
#ifndef SCEAU_SRV_REQUEST_H
#define SCEAU_SRV_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "buf.h"
#include "defs.h"
#include "reqsign.h"

/* Longest request target accepted: the longest a client signs. */
#define SRV_TARGET_MAX SCEAU_REQSIGN_TARGET_MAX

struct srv_request {
	const char *method; /* "GET", "POST"... */
	const char *target; /* path and query exactly as sent */
	const char *authorization; /* NULL when absent */
	const char *last_event_id; /* NULL when absent */
	const uint8_t *body; /* may be NULL when body_len is 0 */
	size_t body_len;
	/* SHA-256 of the body when the HTTP layer hashed it as it came in
	 * (NULL: the dispatcher hashes it). */
	const uint8_t *body_sha256;
	/* The client's address (proxy.h), for the access log; NULL: unknown. */
	const char *client;
};

enum srv_resp_kind {
	SRV_RESP_JSON = 0, /* body holds a JSON document */
	SRV_RESP_EVENTS, /* stream holds a server-sent event stream */
	SRV_RESP_BINARY, /* reader produces application/octet-stream */
};

struct srv_stream;

/*
 * A binary reply produced as it is sent (blocks read from packs), so that
 * it is never whole in memory.  read fills buf with up to max bytes and
 * returns how many (> 0), 0 at the end, or a negative SCEAU_ERR_* code
 * (the connection is then cut: the client sees a short reply).
 */
struct srv_reader {
	uint64_t size; /* bytes in all */
	ssize_t (*read)(void *cls, uint8_t *buf, size_t max);
	void (*free)(void *cls);
	void *cls;
};

struct srv_response {
	int status;
	enum srv_resp_kind kind;
	struct sceau_buf *body; /* owned */
	struct srv_stream *stream; /* owned; SRV_RESP_EVENTS */
	struct srv_reader *reader; /* owned; SRV_RESP_BINARY */
	int error; /* the SCEAU_ERR_* code of an error reply, for logs */
	const char *allow; /* static; the Allow header of a 405 */
};

void srv_resp_init(struct srv_response *resp);
/* Frees what resp owns and sets it back to its initial state. */
void srv_resp_clear(struct srv_response *resp);

/* Sets a JSON reply from j (the reference is taken, even on failure). */
int srv_resp_json(struct srv_response *resp, int status, json_t *j) SCEAU_WUR;

/* Sets a JSON reply whose text is b (taken, even on failure). */
void srv_resp_json_buf(
    struct srv_response *resp, int status, struct sceau_buf *b);

/* Sets a binary reply read from rd (taken: freed with the response). */
void srv_resp_binary(struct srv_response *resp, struct srv_reader *rd);

/* Frees a reader (its cls with it); NULL is allowed. */
void srv_reader_free(struct srv_reader *rd);

/*
 * Sets the error reply of code r: status from srv_error_status(), body
 * {"error": {"code": NAME, "message": TEXT}}.  TEXT is the thread's
 * detail message (sceau_message) for a 4xx, when there is one, else the
 * code's English message; 5xx replies never carry details.
 */
void srv_resp_error(struct srv_response *resp, int r);

/* HTTP status for an error code (doc/protocol.md); 500 when unknown. */
int srv_error_status(int r);
/* The code's untranslated message ("device revoked"). */
const char *srv_error_text(int r);

#endif /* SCEAU_SRV_REQUEST_H */
