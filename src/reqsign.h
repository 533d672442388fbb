/*
 * reqsign.h: device signatures of HTTP requests (doc/protocol.md,
 * "Authentication"): shared by the client, which signs, and the server,
 * which verifies.
 */
#ifndef SCEAU_REQSIGN_H
#define SCEAU_REQSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "sign.h"

#define SCEAU_REQSIGN_NONCE_LEN 16
#define SCEAU_REQSIGN_HEADER_MAX 512
/*
 * Longest request target (path and query) signed or accepted: a GET of
 * 1,000 vlob ids (33 characters each) fits.
 */
#define SCEAU_REQSIGN_TARGET_MAX 40000

/* The fields of an Authorization header. */
struct sceau_reqsign {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	char device_id[SCEAU_ID_LEN + 1];
	uint64_t ts_ms;
	uint8_t nonce[SCEAU_REQSIGN_NONCE_LEN];
	uint8_t sig[SCEAU_SIGN_SIG_LEN];
};

/*
 * Signs a request and appends the Authorization header's value (without
 * "Authorization: ") to out.  body_sha256 is SHA-256 of the body.
 * ts_ms 0 means "now".
 */
int sceau_reqsign_sign(const struct sceau_signkey *key, const char *org_id,
    const char *device_id, const char *method, const char *path_query,
    const uint8_t body_sha256[32], uint64_t ts_ms, struct sceau_buf *out)
    SCEAU_WUR;

/* Parses an Authorization header value.  SCEAU_ERR_AUTH_FAILED. */
int sceau_reqsign_parse(const char *header, struct sceau_reqsign *rs) SCEAU_WUR;

/*
 * Verifies a parsed signature with the device's verify key.
 * SCEAU_ERR_AUTH_FAILED.  (Clock window and replays: the server's part.)
 */
int sceau_reqsign_verify(const struct sceau_reqsign *rs,
    const uint8_t vk[SCEAU_SIGN_PUBLIC_LEN], const char *method,
    const char *path_query, const uint8_t body_sha256[32]) SCEAU_WUR;

/*
 * Reads who a request statement (the bytes sceau_reqsign_sign signs) is
 * from, for a signer that signs for another process (sceau-agent): tbs
 * must be a whole, well-formed statement.  SCEAU_ERR_INVALID_FORMAT.
 */
int sceau_reqsign_tbs_author(const uint8_t *tbs, size_t n,
    char org_id[SCEAU_ORG_ID_MAX + 1], char device_id[SCEAU_ID_LEN + 1])
    SCEAU_WUR;

#endif /* SCEAU_REQSIGN_H */
