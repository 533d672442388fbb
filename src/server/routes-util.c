/*
 * routes-util.c: what the route handlers share: the JSON body with the
 * server's limits, base64 values, and input errors as BAD_REQUEST.
 */
#include "config.h"

#include <string.h>

#include "cert.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "routes.h"
#include "x509.h"
#include "secmem.h"

int
srv_bad_request(int r)
{
	switch (r) {
	case SCEAU_ERR_JSON_SYNTAX:
	case SCEAU_ERR_JSON_TOO_DEEP:
	case SCEAU_ERR_JSON_MISSING:
	case SCEAU_ERR_JSON_TYPE:
	case SCEAU_ERR_JSON_VALUE:
	case SCEAU_ERR_LIMIT_EXCEEDED:
	case SCEAU_ERR_BAD_BASE64:
	case SCEAU_ERR_BAD_HEX:
	case SCEAU_ERR_INVALID_FORMAT:
	case SCEAU_ERR_STRING_TOO_LARGE:
	case SCEAU_ERR_BUFFER_TOO_LARGE:
	case SCEAU_ERR_MESSAGE_INCOMPLETE:
	case SCEAU_ERR_TRAILING_DATA:
		return SCEAU_ERR_BAD_REQUEST;
	case SCEAU_ERR_JSON_TOO_LARGE:
		return SCEAU_ERR_TOO_LARGE;
	default:
		return r;
	}
}

int
srv_body_json(
    const struct srv_ctx *ctx, const struct srv_request *req, json_t **out)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;

	lim.max_bytes = ctx->set.max_body;
	return srv_body_json_lim(req, &lim, out);
}

int
srv_body_json_lim(const struct srv_request *req,
    const struct sceau_json_limits *lim, json_t **out)
{
	int r;

	*out = NULL;
	if (req->body_len == 0) {
		sceau_message("a JSON body is required");
		return SCEAU_ERR_BAD_REQUEST;
	}
	if ((r = sceau_json_parse(req->body, req->body_len, lim, out)) != 0)
		return srv_bad_request(r);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		sceau_message("the body must be a JSON object");
		return SCEAU_ERR_BAD_REQUEST;
	}
	return 0;
}

int
srv_b64_value(
    const json_t *v, size_t max, const char *what, struct sceau_buf *out)
{
	size_t len, before = sceau_buf_len(out);

	if (!json_is_string(v)) {
		sceau_message("%s: expected a base64 string", what);
		return SCEAU_ERR_BAD_REQUEST;
	}
	len = json_string_length(v);
	/* Checked on the text, before anything is decoded. */
	if (len > sceau_enc_b64_len(max, SCEAU_B64_STD)) {
		sceau_message("%s: longer than %zu bytes", what, max);
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (sceau_enc_b64_decode(
	        json_string_value(v), len, SCEAU_B64_STD, out) != 0) {
		sceau_message("%s: invalid base64", what);
		return SCEAU_ERR_BAD_REQUEST;
	}
	if (sceau_buf_len(out) - before > max) {
		(void)sceau_buf_consume_end(out, sceau_buf_len(out) - before);
		sceau_message("%s: longer than %zu bytes", what, max);
		return SCEAU_ERR_BAD_REQUEST;
	}
	return 0;
}

int
srv_identity_check(const struct sceau_cert *c, const struct sceau_buf *ident)
{
	struct sceau_identity id;
	int r;

	if (ident == NULL)
		return 0;
	if (c->kind != SCEAU_CERT_USER && c->kind != SCEAU_CERT_DEVICE) {
		sceau_message("certificate %llu (%s) has no identity data",
		    (unsigned long long)c->index,
		    sceau_cert_kind_name(c->kind));
		return SCEAU_ERR_BAD_REQUEST;
	}
	r = sceau_identity_decode(
	    sceau_buf_ptr(ident), sceau_buf_len(ident), c->identity_hash, &id);
	if (r == 0 && id.kind != c->kind)
		r = SCEAU_ERR_CHAIN_IDENTITY;
	sceau_memzero(&id, sizeof(id));
	if (r != 0) {
		sceau_message("certificate %llu: identity data does not match",
		    (unsigned long long)c->index);
		return r == SCEAU_ERR_ALLOC ? r : SCEAU_ERR_CHAIN_IDENTITY;
	}
	return 0;
}

int
srv_query_next(const char **q, char *name, size_t name_max, const char **value,
    size_t *value_len)
{
	const char *p = *q, *eq, *end;

	if (*p == '\0')
		return 1;
	end = p + strcspn(p, "&");
	eq = memchr(p, '=', (size_t)(end - p));
	if (eq == NULL || eq == p || (size_t)(eq - p) >= name_max ||
	    (*end == '&' && end[1] == '\0')) {
		sceau_message("malformed query string");
		return SCEAU_ERR_BAD_REQUEST;
	}
	memcpy(name, p, (size_t)(eq - p));
	name[eq - p] = '\0';
	*value = eq + 1;
	*value_len = (size_t)(end - eq - 1);
	*q = *end == '&' ? end + 1 : end;
	return 0;
}

int
srv_query_u64(const char *name, const char *v, size_t n, uint64_t min,
    uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n && n <= 19; i++) {
		if (v[i] < '0' || v[i] > '9')
			break;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (n == 0 || n > 19 || i < n || x < min || x > max) {
		sceau_message("query: %s must be a number from %llu to %llu",
		    name, (unsigned long long)min, (unsigned long long)max);
		return SCEAU_ERR_BAD_REQUEST;
	}
	*out = x;
	return 0;
}

char *
srv_link(const struct srv_settings *set, const char *org_id, const char *action,
    const char *token)
{
	struct sceau_buf *b;
	char *s = NULL;
	int v6 = strchr(set->link_host, ':') != NULL;

	if ((b = sceau_buf_new()) == NULL)
		return NULL;
	if (sceau_buf_putf(b, "sceau://%s%s%s:%u/%s?a=%s&p=%s%s", v6 ? "[" : "",
	        set->link_host, v6 ? "]" : "", (unsigned int)set->link_port,
	        org_id, action, token, set->link_tls ? "" : "&no_ssl=1") == 0)
		s = sceau_buf_dup_cstring(b);
	sceau_buf_free(b);
	return s;
}

int
srv_org_open_to_newcomers(struct srv_ctx *ctx, const char *org_id)
{
	struct srv_org org;
	int r;

	if ((r = ctx->be->ops->org_get(ctx->be, org_id, &org)) != 0)
		return r;
	if (!org.bootstrapped) {
		sceau_message("organization %s is not bootstrapped", org_id);
		return SCEAU_ERR_NOT_BOOTSTRAPPED;
	}
	if (org.frozen) {
		sceau_message("organization %s is frozen", org_id);
		return SCEAU_ERR_ORG_FROZEN;
	}
	return 0;
}

void
srv_pki_configure(const struct srv_ctx *ctx, struct sceau_x509_trust *t)
{
	const struct srv_settings *set = &ctx->set;

	/* Without a source, CRL_CHECK_AUTO checks nothing: say so plainly. */
	if (set->pki_crl_fetch &&
	    sceau_x509_trust_set_crl_fetch(t, 1, NULL, 0) != 0)
		sceau_message_clear();
	if (set->pki_ocsp != SCEAU_X509_OCSP_OFF &&
	    sceau_x509_trust_set_ocsp(t,
	        (enum sceau_x509_ocsp_mode)set->pki_ocsp,
	        set->pki_ocsp == SCEAU_X509_OCSP_URL ? set->pki_ocsp_url
	                                             : NULL) != 0)
		sceau_message_clear();
	sceau_x509_trust_set_soft_fail(t, set->pki_soft_fail);
	sceau_x509_trust_set_remote_fetch(t, set->pki_remote_fetch);
}
