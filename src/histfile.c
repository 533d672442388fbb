/*
 * histfile.c: history export lines (histfile.h, doc/audit.md).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "cert.h"
#include "encoding.h"
#include "errors.h"
#include "histfile.h"
#include "json.h"
#include "log.h"

static const char *const hist_names[] = {
    "header", "certificate", "vlob", "crl", "ocsp", "end", NULL};

const char *
sceau_hist_type_name(enum sceau_hist_type t)
{
	if (t < SCEAU_HIST_HEADER || t > SCEAU_HIST_END)
		return "?";
	return hist_names[t - 1];
}

/* ------------------------------------------------------------ writing */

int
sceau_hist_line_header(struct sceau_buf *out, const char *org_id,
    const char *exported_by, uint64_t exported_at)
{
	if (!sceau_org_id_valid(org_id) ||
	    (strcmp(exported_by, "server") != 0 &&
	        !sceau_cert_id_valid(exported_by)))
		return SCEAU_ERR_INVALID_ARGUMENT;
	return sceau_buf_putf(out,
	    "{\"type\":\"header\",\"format\":\"" SCEAU_HIST_FORMAT
	    "\",\"version\":%d,\"organization\":\"%s\",\"exported_by\":\"%s\","
	    "\"exported_at\":%llu}\n",
	    SCEAU_HIST_VERSION, org_id, exported_by,
	    (unsigned long long)exported_at);
}

int
sceau_hist_line_cert(struct sceau_buf *out, uint64_t server_time,
    const uint8_t *env, size_t n, const uint8_t *identity, size_t ilen)
{
	int r;

	if ((r = sceau_buf_putf(out,
	         "{\"type\":\"certificate\",\"server_time\":%llu,"
	         "\"certificate\":\"",
	         (unsigned long long)server_time)) != 0 ||
	    (r = sceau_enc_b64_put(out, env, n, SCEAU_B64_STD)) != 0)
		return r;
	if (identity == NULL)
		return sceau_buf_put(out, "\",\"identity\":null}\n", 19);
	if ((r = sceau_buf_put(out, "\",\"identity\":\"", 14)) != 0 ||
	    (r = sceau_enc_b64_put(out, identity, ilen, SCEAU_B64_STD)) != 0)
		return r;
	return sceau_buf_put(out, "\"}\n", 3);
}

/* A vlob line up to its blob's first byte. */
static int
hist_vlob_head(struct sceau_buf *out, uint64_t checkpoint, uint64_t server_time)
{
	return sceau_buf_putf(out,
	    "{\"type\":\"vlob\",\"checkpoint\":%llu,\"server_time\":%llu,"
	    "\"blob\":\"",
	    (unsigned long long)checkpoint, (unsigned long long)server_time);
}

int
sceau_hist_line_vlob(struct sceau_buf *out, uint64_t checkpoint,
    uint64_t server_time, const uint8_t *blob, size_t n)
{
	int r;

	if ((r = hist_vlob_head(out, checkpoint, server_time)) != 0 ||
	    (r = sceau_enc_b64_put(out, blob, n, SCEAU_B64_STD)) != 0)
		return r;
	return sceau_buf_put(out, "\"}\n", 3);
}

int
sceau_hist_line_vlob_b64(struct sceau_buf *out, uint64_t checkpoint,
    uint64_t server_time, const char *b64, size_t n)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=";
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if (b64[i] == '\0' || strchr(alphabet, b64[i]) == NULL)
			return SCEAU_ERR_BAD_BASE64;
	if ((r = hist_vlob_head(out, checkpoint, server_time)) != 0 ||
	    (r = sceau_buf_put(out, b64, n)) != 0)
		return r;
	return sceau_buf_put(out, "\"}\n", 3);
}

int
sceau_hist_line_der(struct sceau_buf *out, enum sceau_hist_type type,
    const uint8_t *der, size_t n)
{
	int r;

	if (type != SCEAU_HIST_CRL && type != SCEAU_HIST_OCSP)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_putf(out, "{\"type\":\"%s\",\"der\":\"",
	         sceau_hist_type_name(type))) != 0 ||
	    (r = sceau_enc_b64_put(out, der, n, SCEAU_B64_STD)) != 0)
		return r;
	return sceau_buf_put(out, "\"}\n", 3);
}

int
sceau_hist_line_end(struct sceau_buf *out, uint64_t n_certs, uint64_t n_vlobs)
{
	return sceau_buf_putf(out,
	    "{\"type\":\"end\",\"certificates\":%llu,\"vlobs\":%llu}\n",
	    (unsigned long long)n_certs, (unsigned long long)n_vlobs);
}

int
sceau_hist_write(struct sceau_buf *line, FILE *f)
{
	size_t n = sceau_buf_len(line);

	if (n > 0 && fwrite(sceau_buf_ptr(line), 1, n, f) != n) {
		sceau_message("cannot write the export: %s", strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	sceau_buf_reset(line);
	return 0;
}

/* ------------------------------------------------------------ reading */

struct sceau_hist_reader {
	FILE *f;
	uint64_t line;
	char *text; /* the line, NUL-terminated */
	size_t cap;
	struct sceau_buf *data, *identity;
};

int
sceau_hist_reader_new(FILE *f, struct sceau_hist_reader **rp)
{
	struct sceau_hist_reader *r;

	*rp = NULL;
	if ((r = sceau_calloc(1, sizeof(*r))) == NULL)
		return SCEAU_ERR_ALLOC;
	r->f = f;
	r->cap = 64 * 1024;
	if ((r->text = sceau_malloc(r->cap)) == NULL ||
	    (r->data = sceau_buf_new()) == NULL ||
	    (r->identity = sceau_buf_new()) == NULL) {
		sceau_hist_reader_free(r);
		return SCEAU_ERR_ALLOC;
	}
	*rp = r;
	return 0;
}

void
sceau_hist_reader_free(struct sceau_hist_reader *r)
{
	if (r == NULL)
		return;
	sceau_free(r->text);
	sceau_buf_free(r->data);
	sceau_buf_free(r->identity);
	sceau_free(r);
}

/* Reads one line (without its '\n') into r->text: its length, or -1. */
static int
hist_getline(struct sceau_hist_reader *r, size_t *lenp)
{
	size_t len = 0, got, ncap;
	char *nt;

	for (;;) {
		if (fgets(r->text + len, (int)(r->cap - len), r->f) == NULL)
			break;
		got = strlen(r->text + len);
		len += got;
		if (len > 0 && r->text[len - 1] == '\n') {
			r->text[--len] = '\0';
			*lenp = len;
			return 1;
		}
		if (len + 1 < r->cap)
			continue; /* a NUL byte inside: the parser refuses */
		if (len >= SCEAU_HIST_LINE_MAX) {
			sceau_message("line %llu: longer than %lu bytes",
			    (unsigned long long)r->line, SCEAU_HIST_LINE_MAX);
			return SCEAU_ERR_LIMIT_EXCEEDED;
		}
		/* Room for the limit, its newline and the NUL at most. */
		ncap = SCEAU_MIN(r->cap * 2, SCEAU_HIST_LINE_MAX + 2);
		if ((nt = sceau_reallocarray(r->text, ncap, 1)) == NULL)
			return SCEAU_ERR_ALLOC;
		r->text = nt;
		r->cap = ncap;
	}
	if (ferror(r->f)) {
		sceau_message("reading line %llu: %s",
		    (unsigned long long)r->line, strerror(errno));
		return SCEAU_ERR_SYSTEM;
	}
	*lenp = len;
	return len > 0 ? 1 : 0; /* a last line without '\n' counts */
}

static int
hist_bad(const struct sceau_hist_reader *r, const char *why)
{
	sceau_message("line %llu: %s", (unsigned long long)r->line, why);
	return SCEAU_ERR_INVALID_FORMAT;
}

static int
hist_u64(const json_t *o, const char *key, uint64_t *out)
{
	int64_t v;
	int r;

	if ((r = sceau_json_get_int(o, key, 0, INT64_MAX, &v)) != 0)
		return r;
	*out = (uint64_t)v;
	return 0;
}

static int
hist_b64(const json_t *o, const char *key, struct sceau_buf *b, int opt,
    const uint8_t **p, size_t *n)
{
	const json_t *v = json_object_get(o, key);
	const char *s;

	sceau_buf_reset(b);
	*p = NULL;
	*n = 0;
	if (opt && (v == NULL || json_is_null(v)))
		return 0;
	if (!json_is_string(v))
		return SCEAU_ERR_JSON_TYPE;
	s = json_string_value(v);
	if (sceau_enc_b64_decode(s, json_string_length(v), SCEAU_B64_STD, b) !=
	    0)
		return SCEAU_ERR_BAD_BASE64;
	*p = sceau_buf_ptr(b);
	*n = sceau_buf_len(b);
	return 0;
}

static int
hist_header(const json_t *o, struct sceau_hist_item *it)
{
	const char *fmt, *org, *by;
	int64_t ver;
	int r;

	if ((r = sceau_json_get_string(o, "format", 32, &fmt)) != 0 ||
	    strcmp(fmt, SCEAU_HIST_FORMAT) != 0 ||
	    (r = sceau_json_get_int(o, "version", 1, 1000, &ver)) != 0 ||
	    ver != SCEAU_HIST_VERSION ||
	    (r = sceau_json_get_string(o, "organization", 64, &org)) != 0 ||
	    !sceau_org_id_valid(org) ||
	    (r = sceau_json_get_string(o, "exported_by", 32, &by)) != 0 ||
	    (r = hist_u64(o, "exported_at", &it->exported_at)) != 0)
		return r != 0 ? r : SCEAU_ERR_JSON_VALUE;
	(void)snprintf(it->org_id, sizeof(it->org_id), "%s", org);
	(void)snprintf(it->exported_by, sizeof(it->exported_by), "%s", by);
	return 0;
}

static int
hist_fields(
    struct sceau_hist_reader *r, const json_t *o, struct sceau_hist_item *it)
{
	switch (it->type) {
	case SCEAU_HIST_HEADER:
		return hist_header(o, it);
	case SCEAU_HIST_CERT: {
		int e = hist_u64(o, "server_time", &it->server_time);
		if (e == 0)
			e = hist_b64(o, "certificate", r->data, 0, &it->data,
			    &it->data_len);
		if (e == 0)
			e = hist_b64(o, "identity", r->identity, 1,
			    &it->identity, &it->identity_len);
		return e;
	}
	case SCEAU_HIST_VLOB: {
		int e = hist_u64(o, "server_time", &it->server_time);
		if (e == 0)
			e = hist_u64(o, "checkpoint", &it->checkpoint);
		if (e == 0)
			e = hist_b64(
			    o, "blob", r->data, 0, &it->data, &it->data_len);
		return e;
	}
	case SCEAU_HIST_CRL:
	case SCEAU_HIST_OCSP:
		return hist_b64(o, "der", r->data, 0, &it->data, &it->data_len);
	case SCEAU_HIST_END: {
		int e = hist_u64(o, "certificates", &it->n_certs);
		if (e == 0)
			e = hist_u64(o, "vlobs", &it->n_vlobs);
		return e;
	}
	}
	return SCEAU_ERR_INVALID_FORMAT;
}

int
sceau_hist_read(struct sceau_hist_reader *r, struct sceau_hist_item *it)
{
	struct sceau_json_limits lim = {
	    SCEAU_HIST_LINE_MAX, 2, SCEAU_HIST_LINE_MAX, 64};
	json_t *o = NULL;
	size_t len, t;
	int e;

	memset(it, 0, sizeof(*it));
	it->line = ++r->line;
	if ((e = hist_getline(r, &len)) <= 0)
		return e;
	if (sceau_json_parse(r->text, len, &lim, &o) != 0 || !json_is_object(o))
		e = hist_bad(r, "not a JSON object");
	else if (sceau_json_get_choice(o, "type", hist_names, &t) != 0)
		e = hist_bad(r, "unknown or missing type");
	else {
		it->type = (enum sceau_hist_type)(t + 1);
		if (hist_fields(r, o, it) != 0) {
			char why[64];
			(void)snprintf(why, sizeof(why), "malformed %s line",
			    sceau_hist_type_name(it->type));
			e = hist_bad(r, why);
		} else
			e = 1;
	}
	json_decref(o);
	return e;
}
