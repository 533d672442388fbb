/*
 * request.c: responses and error replies (doc/protocol.md, "Errors").
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "defs.h"
#include "errors.h"
#include "json.h"
#include "request.h"
#include "stream.h"

void
srv_resp_init(struct srv_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 500;
}

void
srv_reader_free(struct srv_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->free != NULL)
		rd->free(rd->cls);
	sceau_free(rd);
}

void
srv_resp_clear(struct srv_response *resp)
{
	sceau_buf_free(resp->body);
	srv_stream_free(resp->stream);
	srv_reader_free(resp->reader);
	srv_resp_init(resp);
}

void
srv_resp_json_buf(struct srv_response *resp, int status, struct sceau_buf *b)
{
	srv_resp_clear(resp);
	resp->body = b;
	resp->kind = SRV_RESP_JSON;
	resp->status = status;
}

void
srv_resp_binary(struct srv_response *resp, struct srv_reader *rd)
{
	srv_resp_clear(resp);
	resp->reader = rd;
	resp->kind = SRV_RESP_BINARY;
	resp->status = 200;
}

int
srv_resp_json(struct srv_response *resp, int status, json_t *j)
{
	struct sceau_buf *b = NULL;
	int r;

	if (j == NULL)
		return SCEAU_ERR_ALLOC;
	if ((b = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_json_dump(j, b)) != 0 ||
	    (r = sceau_buf_put_u8(b, '\n')) != 0)
		goto out;
	sceau_buf_free(resp->body);
	resp->body = b;
	b = NULL;
	resp->kind = SRV_RESP_JSON;
	resp->status = status;
	r = 0;
out:
	sceau_buf_free(b);
	json_decref(j);
	return r;
}

/* doc/protocol.md, "Errors": the status of each code a reply may carry. */
static const struct {
	int code;
	int status;
} srv_statuses[] = {
    {SCEAU_ERR_BAD_REQUEST, 400},
    {SCEAU_ERR_CERT_FORMAT, 400},
    {SCEAU_ERR_CERT_SIGNATURE, 400},
    {SCEAU_ERR_CHAIN_INDEX, 400},
    {SCEAU_ERR_CHAIN_HASH, 400},
    {SCEAU_ERR_CHAIN_TIME, 400},
    {SCEAU_ERR_CHAIN_AUTHOR, 400},
    {SCEAU_ERR_CHAIN_AUTHOR_REVOKED, 400},
    {SCEAU_ERR_CHAIN_NOT_ALLOWED, 400},
    {SCEAU_ERR_CHAIN_INVALID, 400},
    {SCEAU_ERR_CHAIN_ORG, 400},
    {SCEAU_ERR_CHAIN_ROOT, 400},
    {SCEAU_ERR_CHAIN_IDENTITY, 400},
    {SCEAU_ERR_PROFILE_LOCKED, 400},
    {SCEAU_ERR_POLICY_INVALID, 400},
    {SCEAU_ERR_POLICY_REFUSED, 403},
    {SCEAU_ERR_AUTH_FAILED, 401},
    {SCEAU_ERR_REPLAYED, 401},
    {SCEAU_ERR_CLOCK_SKEW, 401},
    {SCEAU_ERR_ADMIN_AUTH, 401},
    {SCEAU_ERR_BOOTSTRAP_TOKEN, 401},
    {SCEAU_ERR_DEVICE_REVOKED, 403},
    {SCEAU_ERR_USER_REVOKED, 403},
    {SCEAU_ERR_ORG_FROZEN, 403},
    {SCEAU_ERR_FORBIDDEN, 403},
    {SCEAU_ERR_ORG_UNKNOWN, 404},
    {SCEAU_ERR_NOT_FOUND, 404},
    {SCEAU_ERR_CONFLICT, 409},
    {SCEAU_ERR_ALREADY_BOOTSTRAPPED, 409},
    {SCEAU_ERR_NOT_BOOTSTRAPPED, 409},
    {SCEAU_ERR_EXISTS, 409},
    {SCEAU_ERR_INVITATION_UNKNOWN, 404},
    {SCEAU_ERR_INVITATION_EXPIRED, 410},
    {SCEAU_ERR_INVITATION_CLOSED, 410},
    {SCEAU_ERR_TOO_LARGE, 413},
    {SCEAU_ERR_RATE_LIMITED, 429},
};

int
srv_error_status(int r)
{
	size_t i;

	for (i = 0; i < SCEAU_NELEM(srv_statuses); i++) {
		if (srv_statuses[i].code == r)
			return srv_statuses[i].status;
	}
	/* X.509: a certificate refused (which and why in the message). */
	if (r == SCEAU_ERR_REVOCATION_UNREACHABLE)
		return 503;
	if (r <= SCEAU_ERR_X509_FORMAT && r >= SCEAU_ERR_OCSP_INVALID)
		return r == SCEAU_ERR_X509_FORMAT ? 400 : 403;
	return 500;
}

const char *
srv_error_text(int r)
{
	switch (r) {
#define SRV_X_TEXT(name, value, msg)                                           \
	case value:                                                            \
		return msg;
		SCEAU_ERROR_LIST(SRV_X_TEXT)
#undef SRV_X_TEXT
	default:
		return "server error";
	}
}

/* Codes a handler may return as they are; others become SERVER_ERROR. */
static int
srv_error_public(int r)
{
	return srv_error_status(r) != 500;
}

void
srv_resp_error(struct srv_response *resp, int r)
{
	const char *msg = sceau_last_message(), *name;
	json_t *j, *e;

	if (!srv_error_public(r))
		r = SCEAU_ERR_SERVER_ERROR;
	if (r == SCEAU_ERR_SERVER_ERROR || msg[0] == '\0')
		msg = srv_error_text(r);
	srv_resp_clear(resp);
	resp->error = r;
	resp->status = srv_error_status(r);
	name = sceau_errname(r);
	j = json_object();
	e = json_object();
	if (j == NULL || e == NULL || name == NULL ||
	    sceau_json_set_string(e, "code", name + strlen("SCEAU_ERR_")) !=
	        0 ||
	    sceau_json_set_string(e, "message", msg) != 0) {
		/* Out of memory: the status alone says what happened. */
		json_decref(e);
		json_decref(j);
		return;
	}
	/* json_object_set_new takes e's reference even when it fails. */
	if (json_object_set_new(j, "error", e) != 0) {
		json_decref(j);
		return;
	}
	if (srv_resp_json(resp, resp->status, j) != 0)
		resp->status = srv_error_status(r);
}
