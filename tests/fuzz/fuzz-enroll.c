/*
 * fuzz-enroll.c: PKI enrollment requests (src/enroll.c), as the server
 * receives them from anyone who holds an enrollment link: the envelope,
 * then (as if its signature had verified) the payload.
 *
 * Properties: a refusal is a documented code and leaves the parts zeroed;
 * an accepted envelope's leaf is its list's first certificate and lies
 * inside the input; a decoded payload re-encodes to the same bytes and
 * names the leaf's fingerprint.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "enroll.h"
#include "errors.h"
#include "fuzz.h"
#include "hash.h"

static int
inside(const uint8_t *p, size_t n, const uint8_t *q, size_t m)
{
	return q >= p && m <= n && (size_t)(q - p) <= n - m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sceau_enroll_env e;
	struct sceau_enroll_req r;
	uint8_t fp[SCEAU_CERT_HASH_LEN];
	struct sceau_buf *b;
	int rc;

	rc = sceau_enroll_open(data, size, &e);
	if (rc != 0) {
		fuzz_assert(rc == SCEAU_ERR_INVALID_FORMAT ||
		    rc == SCEAU_ERR_TRAILING_DATA || rc == SCEAU_ERR_ALLOC);
		fuzz_assert(e.payload == NULL && e.leaf == NULL);
		return 0;
	}
	fuzz_assert(inside(data, size, e.leaf, e.leaf_len));
	fuzz_assert(inside(data, size, e.payload, e.payload_len));
	fuzz_assert(inside(data, size, e.sig, e.sig_len));
	fuzz_assert(e.alg[0] != '\0');
	rc = sceau_enroll_decode(&e, &r);
	if (rc != 0) {
		fuzz_assert(rc == SCEAU_ERR_INVALID_FORMAT ||
		    rc == SCEAU_ERR_TRAILING_DATA || rc == SCEAU_ERR_ALLOC);
		return 0;
	}
	fuzz_assert(sceau_hash_sha256(e.leaf, e.leaf_len, fp) == 0);
	fuzz_assert(memcmp(fp, r.leaf_fingerprint, sizeof(fp)) == 0);
	b = sceau_buf_new();
	fuzz_assert(b != NULL);
	fuzz_assert(sceau_enroll_encode_payload(&r, b) == 0);
	fuzz_assert(sceau_buf_len(b) == e.payload_len &&
	    memcmp(sceau_buf_ptr(b), e.payload, e.payload_len) == 0);
	sceau_buf_free(b);
	return 0;
}
