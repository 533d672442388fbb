/*
 * reqsign.c: device signatures of HTTP requests (doc/protocol.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "random.h"
#include "reqsign.h"

#define SCHEME "SCEAU-Ed25519 "
#define NONCE_B64_LEN 22 /* 16 bytes, base64url, no padding */
#define SIG_B64_LEN 86 /* 64 bytes */
#define TS_DIGITS_MAX 15 /* milliseconds: good until the year 33658 */
#define METHOD_MAX 16

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The string to sign, see doc/protocol.md. */
static int
put_tbs(struct sceau_buf *b, const char *method, const char *path_query,
    const char *org_id, const char *device_id, uint64_t ts_ms,
    const char *nonce_b64, const uint8_t body_sha256[32])
{
	int r;

	if (strlen(method) > METHOD_MAX ||
	    strlen(path_query) > SCEAU_REQSIGN_TARGET_MAX ||
	    strchr(method, '\n') != NULL || strchr(path_query, '\n') != NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((r = sceau_buf_putf(b,
	         "sceau-request-v1\n%s\n%s\n%s\n%s\n%llu\n%s\n", method,
	         path_query, org_id, device_id, (unsigned long long)ts_ms,
	         nonce_b64)) != 0 ||
	    (r = sceau_enc_hex_put(b, body_sha256, 32)) != 0)
		return r;
	return 0;
}

int
sceau_reqsign_sign(const struct sceau_signkey *key, const char *org_id,
    const char *device_id, const char *method, const char *path_query,
    const uint8_t body_sha256[32], uint64_t ts_ms, struct sceau_buf *out)
{
	uint8_t nonce[SCEAU_REQSIGN_NONCE_LEN], sig[SCEAU_SIGN_SIG_LEN];
	char *nonce_b64 = NULL, *sig_b64 = NULL;
	struct sceau_buf *tbs = NULL;
	int r;

	if (!sceau_org_id_valid(org_id) || !sceau_cert_id_valid(device_id))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (ts_ms == 0)
		ts_ms = now_ms();
	if ((r = sceau_random_bytes(nonce, sizeof(nonce))) != 0)
		return r;
	if ((tbs = sceau_buf_new()) == NULL ||
	    (nonce_b64 = sceau_enc_b64(nonce, sizeof(nonce), SCEAU_B64_URL)) ==
	        NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = put_tbs(tbs, method, path_query, org_id, device_id, ts_ms,
	         nonce_b64, body_sha256)) != 0 ||
	    (r = sceau_sign(
	         key, sceau_buf_ptr(tbs), sceau_buf_len(tbs), sig)) != 0)
		goto out;
	if ((sig_b64 = sceau_enc_b64(sig, sizeof(sig), SCEAU_B64_URL)) ==
	    NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	r = sceau_buf_putf(out,
	    SCHEME "org=\"%s\", device=\"%s\", ts=\"%llu\", nonce=\"%s\", "
	           "sig=\"%s\"",
	    org_id, device_id, (unsigned long long)ts_ms, nonce_b64, sig_b64);
out:
	sceau_free(nonce_b64);
	sceau_free(sig_b64);
	sceau_buf_free(tbs);
	return r;
}

/*
 * The next line of tbs at *pos (without its newline) into [*p, *p + *len):
 * 1 to max bytes, no NUL.  The last line (the body hash) has no newline.
 */
static int
tbs_line(const uint8_t *tbs, size_t n, size_t *pos, size_t max, int last,
    const char **p, size_t *len)
{
	const uint8_t *nl;
	size_t avail = n - *pos;

	*p = (const char *)tbs + *pos;
	if (last) {
		*len = avail;
	} else {
		if ((nl = memchr(tbs + *pos, '\n', avail)) == NULL)
			return SCEAU_ERR_INVALID_FORMAT;
		*len = (size_t)(nl - (tbs + *pos));
	}
	if (*len == 0 || *len > max || memchr(*p, '\0', *len) != NULL)
		return SCEAU_ERR_INVALID_FORMAT;
	*pos += *len + (last ? 0 : 1);
	return 0;
}

int
sceau_reqsign_tbs_author(const uint8_t *tbs, size_t n,
    char org_id[SCEAU_ORG_ID_MAX + 1], char device_id[SCEAU_ID_LEN + 1])
{
	static const char head[] = "sceau-request-v1\n";
	static const size_t max[] = {METHOD_MAX, SCEAU_REQSIGN_TARGET_MAX,
	    SCEAU_ORG_ID_MAX, SCEAU_ID_LEN, TS_DIGITS_MAX, NONCE_B64_LEN, 64};
	const char *f[7];
	size_t len[7], pos = sizeof(head) - 1, i;

	org_id[0] = device_id[0] = '\0';
	if (n < pos || memcmp(tbs, head, pos) != 0)
		return SCEAU_ERR_INVALID_FORMAT;
	for (i = 0; i < 7; i++)
		if (tbs_line(tbs, n, &pos, max[i], i == 6, &f[i], &len[i]) != 0)
			return SCEAU_ERR_INVALID_FORMAT;
	/* The fields are not NUL-terminated: bounded loops, no str*(). */
	if (len[6] != 64)
		return SCEAU_ERR_INVALID_FORMAT;
	for (i = 0; i < len[4]; i++)
		if (f[4][i] < '0' || f[4][i] > '9')
			return SCEAU_ERR_INVALID_FORMAT;
	for (i = 0; i < 64; i++)
		if ((f[6][i] < '0' || f[6][i] > '9') &&
		    (f[6][i] < 'a' || f[6][i] > 'f'))
			return SCEAU_ERR_INVALID_FORMAT;
	memcpy(org_id, f[2], len[2]);
	org_id[len[2]] = '\0';
	memcpy(device_id, f[3], len[3]);
	device_id[len[3]] = '\0';
	if (!sceau_org_id_valid(org_id) || !sceau_cert_id_valid(device_id)) {
		org_id[0] = device_id[0] = '\0';
		return SCEAU_ERR_INVALID_FORMAT;
	}
	return 0;
}

/*
 * Reads `name="value"` at *sp into val (at most max bytes), then the
 * separator sep ("" at the end).  The format is strict: one space after
 * each comma, fields in the documented order.
 */
static int
take_field(
    const char **sp, const char *name, char *val, size_t max, const char *sep)
{
	const char *s = *sp, *end;
	size_t nlen = strlen(name), vlen;

	if (strncmp(s, name, nlen) != 0 || s[nlen] != '=' || s[nlen + 1] != '"')
		return SCEAU_ERR_AUTH_FAILED;
	s += nlen + 2;
	if ((end = strchr(s, '"')) == NULL)
		return SCEAU_ERR_AUTH_FAILED;
	vlen = (size_t)(end - s);
	if (vlen == 0 || vlen > max)
		return SCEAU_ERR_AUTH_FAILED;
	memcpy(val, s, vlen);
	val[vlen] = '\0';
	s = end + 1;
	if (strncmp(s, sep, strlen(sep)) != 0)
		return SCEAU_ERR_AUTH_FAILED;
	*sp = s + strlen(sep);
	return 0;
}

static int
parse_ts(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i, n = strlen(s);

	*out = 0;
	if (n == 0 || n > TS_DIGITS_MAX || (n > 1 && s[0] == '0'))
		return SCEAU_ERR_AUTH_FAILED;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SCEAU_ERR_AUTH_FAILED;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
sceau_reqsign_parse(const char *header, struct sceau_reqsign *rs)
{
	char ts[TS_DIGITS_MAX + 1], nonce[NONCE_B64_LEN + 1];
	char sig[SIG_B64_LEN + 1];
	const char *s = header;

	memset(rs, 0, sizeof(*rs));
	if (header == NULL || strlen(header) > SCEAU_REQSIGN_HEADER_MAX ||
	    strncmp(s, SCHEME, strlen(SCHEME)) != 0)
		goto bad;
	s += strlen(SCHEME);
	if (take_field(&s, "org", rs->org_id, SCEAU_ORG_ID_MAX, ", ") != 0 ||
	    take_field(&s, "device", rs->device_id, SCEAU_ID_LEN, ", ") != 0 ||
	    take_field(&s, "ts", ts, TS_DIGITS_MAX, ", ") != 0 ||
	    take_field(&s, "nonce", nonce, NONCE_B64_LEN, ", ") != 0 ||
	    take_field(&s, "sig", sig, SIG_B64_LEN, "") != 0 || *s != '\0')
		goto bad;
	if (!sceau_org_id_valid(rs->org_id) ||
	    !sceau_cert_id_valid(rs->device_id) ||
	    parse_ts(ts, &rs->ts_ms) != 0 ||
	    sceau_enc_b64_decode_fixed(
	        nonce, SCEAU_B64_URL, rs->nonce, sizeof(rs->nonce)) != 0 ||
	    sceau_enc_b64_decode_fixed(
	        sig, SCEAU_B64_URL, rs->sig, sizeof(rs->sig)) != 0)
		goto bad;
	return 0;
bad:
	memset(rs, 0, sizeof(*rs));
	sceau_message("malformed Authorization header");
	return SCEAU_ERR_AUTH_FAILED;
}

int
sceau_reqsign_verify(const struct sceau_reqsign *rs,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], const char *method,
    const char *path_query, const uint8_t body_sha256[32])
{
	struct sceau_buf *tbs = NULL;
	char *nonce_b64 = NULL;
	int r;

	if ((tbs = sceau_buf_new()) == NULL ||
	    (nonce_b64 = sceau_enc_b64(
	         rs->nonce, sizeof(rs->nonce), SCEAU_B64_URL)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = put_tbs(tbs, method, path_query, rs->org_id, rs->device_id,
	         rs->ts_ms, nonce_b64, body_sha256)) != 0) {
		r = SCEAU_ERR_AUTH_FAILED;
		goto out;
	}
	if (sceau_sign_verify(
	        vk, sceau_buf_ptr(tbs), sceau_buf_len(tbs), rs->sig) != 0) {
		sceau_message("request signature does not verify");
		r = SCEAU_ERR_AUTH_FAILED;
		goto out;
	}
	r = 0;
out:
	sceau_free(nonce_b64);
	sceau_buf_free(tbs);
	return r;
}
