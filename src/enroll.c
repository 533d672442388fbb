/*
 * enroll.c: PKI enrollment requests, encoding and parsing (enroll.h).
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "enroll.h"
#include "errors.h"
#include "hash.h"
#include "secmem.h"

#define ENVELOPE_VERSION 1
#define PAYLOAD_VERSION 1

static const char tbs_domain[] = "sceau-enroll-v1";

static int
req_valid(const struct sceau_enroll_req *r)
{
	return sceau_org_id_valid(r->org_id) &&
	    sceau_identity_email_valid(r->email) &&
	    sceau_identity_name_valid(r->name) &&
	    sceau_identity_name_valid(r->label) &&
	    sceau_cert_id_valid(r->user_id) &&
	    sceau_cert_id_valid(r->device_id);
}

int
sceau_enroll_encode_payload(
    const struct sceau_enroll_req *r, struct sceau_buf *out)
{
	int e;

	if (!req_valid(r))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((e = sceau_buf_put_u8(out, PAYLOAD_VERSION)) != 0 ||
	    (e = sceau_buf_put_cstring(out, r->org_id)) != 0 ||
	    (e = sceau_buf_put_u64(out, r->timestamp)) != 0 ||
	    (e = sceau_buf_put_string(
	         out, r->leaf_fingerprint, SCEAU_CERT_HASH_LEN)) != 0 ||
	    (e = sceau_buf_put_cstring(out, r->email)) != 0 ||
	    (e = sceau_buf_put_cstring(out, r->name)) != 0 ||
	    (e = sceau_buf_put_cstring(out, r->user_id)) != 0 ||
	    (e = sceau_buf_put_cstring(out, r->device_id)) != 0 ||
	    (e = sceau_buf_put_cstring(out, r->label)) != 0 ||
	    (e = sceau_buf_put_string(
	         out, r->device_vk, SCEAU_SIGN_PUBLIC_LEN)) != 0)
		return e;
	if ((e = sceau_buf_put_string(
	         out, r->poll_hash, SCEAU_CERT_HASH_LEN)) != 0)
		return e;
	return sceau_buf_put_u8(out, r->wrap_alg);
}

int
sceau_enroll_tbs(const uint8_t *payload, size_t n, struct sceau_buf *out)
{
	int r;

	if ((r = sceau_buf_put(out, tbs_domain, sizeof(tbs_domain))) != 0)
		return r;
	return sceau_buf_put(out, payload, n);
}

int
sceau_enroll_seal(const uint8_t *x509_list, size_t x509_len,
    const uint8_t *payload, size_t payload_len, const char *alg,
    const uint8_t *sig, size_t sig_len, struct sceau_buf *out)
{
	size_t alen = strlen(alg);
	int r;

	if (alen == 0 || alen > SCEAU_CERT_TOKEN_ALG_MAX || sig_len == 0 ||
	    sig_len > SCEAU_CERT_TOKEN_SIG_MAX)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_put_u8(out, ENVELOPE_VERSION)) != 0 ||
	    (r = sceau_buf_put_string(out, x509_list, x509_len)) != 0 ||
	    (r = sceau_buf_put_string(out, payload, payload_len)) != 0 ||
	    (r = sceau_buf_put_cstring(out, alg)) != 0 ||
	    (r = sceau_buf_put_string(out, sig, sig_len)) != 0)
		return r;
	return sceau_buf_len(out) > SCEAU_ENROLL_MAX ? SCEAU_ERR_LIMIT_EXCEEDED
	                                             : 0;
}

/* The X.509 list's first certificate, the list being well formed. */
static int
list_leaf(const uint8_t *p, size_t n, const uint8_t **leaf, size_t *leaf_len)
{
	struct sceau_cert c;
	size_t pos = 0, len;
	const uint8_t *der;
	uint32_t count = 0;
	struct sceau_buf *b;
	int r = 0;

	/* Check the shape with the buffer, then walk with the cert helper. */
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u32(b, &count) != 0 || count == 0 ||
	    count > SCEAU_CERT_X509_MAX)
		r = SCEAU_ERR_INVALID_FORMAT;
	while (r == 0 && count-- > 0) {
		if (sceau_buf_get_string_direct(
		        b, SCEAU_CERT_X509_DER_MAX, &der, &len) != 0 ||
		    len == 0)
			r = SCEAU_ERR_INVALID_FORMAT;
	}
	if (r == 0 && sceau_buf_len(b) != 0)
		r = SCEAU_ERR_INVALID_FORMAT;
	sceau_buf_free(b);
	if (r != 0)
		return r;
	memset(&c, 0, sizeof(c));
	c.x509_list = p;
	c.x509_list_len = n;
	if (!sceau_cert_x509_next(&c, &pos, leaf, leaf_len))
		return SCEAU_ERR_INVALID_FORMAT;
	return 0;
}

int
sceau_enroll_open(const uint8_t *p, size_t n, struct sceau_enroll_env *e)
{
	struct sceau_buf *b;
	const uint8_t *alg;
	size_t alen;
	uint8_t ver;
	int r = SCEAU_ERR_INVALID_FORMAT;

	memset(e, 0, sizeof(*e));
	if (n > SCEAU_ENROLL_MAX)
		return SCEAU_ERR_INVALID_FORMAT;
	if ((b = sceau_buf_from(p, n)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u8(b, &ver) != 0 || ver != ENVELOPE_VERSION ||
	    sceau_buf_get_string_direct(
	        b, SCEAU_ENROLL_MAX, &e->x509_list, &e->x509_list_len) != 0 ||
	    sceau_buf_get_string_direct(
	        b, SCEAU_ENROLL_MAX, &e->payload, &e->payload_len) != 0 ||
	    sceau_buf_get_string_direct(
	        b, SCEAU_CERT_TOKEN_ALG_MAX, &alg, &alen) != 0 ||
	    alen == 0 || memchr(alg, '\0', alen) != NULL ||
	    sceau_buf_get_string_direct(
	        b, SCEAU_CERT_TOKEN_SIG_MAX, &e->sig, &e->sig_len) != 0 ||
	    e->sig_len == 0)
		goto out;
	if (sceau_buf_len(b) != 0) {
		r = SCEAU_ERR_TRAILING_DATA;
		goto out;
	}
	memcpy(e->alg, alg, alen);
	e->alg[alen] = '\0';
	r = list_leaf(e->x509_list, e->x509_list_len, &e->leaf, &e->leaf_len);
out:
	sceau_buf_free(b);
	if (r != 0)
		memset(e, 0, sizeof(*e));
	return r;
}

/* A length-prefixed text of at most max bytes into dst[max + 1]. */
static int
get_text(struct sceau_buf *b, char *dst, size_t max)
{
	char *s = NULL;
	size_t n;

	if (sceau_buf_get_cstring(b, max, &s, &n) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	memcpy(dst, s, n + 1);
	sceau_free(s);
	return 0;
}

static int
get_fixed32(struct sceau_buf *b, uint8_t out[32])
{
	return sceau_buf_get_fixed(b, out, 32) != 0 ? SCEAU_ERR_INVALID_FORMAT
	                                            : 0;
}

int
sceau_enroll_decode(
    const struct sceau_enroll_env *e, struct sceau_enroll_req *r)
{
	uint8_t fp[SCEAU_CERT_HASH_LEN], ver;
	struct sceau_buf *b;
	int rc = SCEAU_ERR_INVALID_FORMAT;

	memset(r, 0, sizeof(*r));
	if ((b = sceau_buf_from(e->payload, e->payload_len)) == NULL)
		return SCEAU_ERR_ALLOC;
	if (sceau_buf_get_u8(b, &ver) != 0 || ver != PAYLOAD_VERSION ||
	    get_text(b, r->org_id, SCEAU_ORG_ID_MAX) != 0 ||
	    sceau_buf_get_u64(b, &r->timestamp) != 0 ||
	    get_fixed32(b, r->leaf_fingerprint) != 0 ||
	    get_text(b, r->email, SCEAU_EMAIL_MAX) != 0 ||
	    get_text(b, r->name, SCEAU_NAME_MAX) != 0 ||
	    get_text(b, r->user_id, SCEAU_ID_LEN) != 0 ||
	    get_text(b, r->device_id, SCEAU_ID_LEN) != 0 ||
	    get_text(b, r->label, SCEAU_NAME_MAX) != 0 ||
	    get_fixed32(b, r->device_vk) != 0 ||
	    get_fixed32(b, r->poll_hash) != 0 ||
	    sceau_buf_get_u8(b, &r->wrap_alg) != 0)
		goto out;
	if (sceau_buf_len(b) != 0) {
		rc = SCEAU_ERR_TRAILING_DATA;
		goto out;
	}
	if (!req_valid(r))
		goto out;
	/* The payload names the leaf it was signed for. */
	if ((rc = sceau_hash_sha256(e->leaf, e->leaf_len, fp)) != 0)
		goto out;
	rc = sceau_timingsafe_bcmp(fp, r->leaf_fingerprint, sizeof(fp)) == 0
	    ? 0
	    : SCEAU_ERR_INVALID_FORMAT;
out:
	sceau_buf_free(b);
	if (rc != 0)
		memset(r, 0, sizeof(*r));
	return rc;
}
