/*
 * enroll.h: PKI enrollment requests (doc/enrollment.md).  A person whose
 * smartcard certificate chains to the organization's CA asks to join; the
 * request is signed on the card, the server and the admins check it, and
 * an admin's acceptance creates the user and device.
 *
 * Envelope (binary, bounded, exact in length):
 *
 *   u8      version (1)
 *   string  X.509 list        the card's certificate, leaf first, and
 *                             intermediates (cert.h's X.509 list encoding)
 *   string  payload           the signed bytes (below)
 *   string  alg               "rsa-pss-sha256", "ecdsa-p256-sha256"...
 *   string  signature         on the card, over "sceau-enroll-v1\0" ||
 *                             payload, with the leaf's key
 *
 * Payload:
 *
 *   u8      version (1)
 *   string  organization id
 *   u64     timestamp         requester's clock, microseconds
 *   fixed32 leaf fingerprint  SHA-256 of the envelope's leaf
 *   string  email             must be the certificate's
 *   string  name              the person's name
 *   string  user id           drawn by the requester
 *   string  device id
 *   string  device label
 *   fixed32 device verify key Ed25519, the new device's
 *   fixed32 poll hash         SHA-256 of the requester's poll secret
 *   u8      wrap algorithm    the wrap the card undoes (tokens.md: 2..5)
 *
 * The signature is checked before the payload is parsed: the leaf comes
 * from the envelope's list (key material, not signed data), and the
 * payload names its fingerprint, so that a list swapped for another
 * certificate of the same key is refused.
 */
#ifndef SCEAU_ENROLL_H
#define SCEAU_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cert.h"
#include "defs.h"
#include "sign.h"

#define SCEAU_ENROLL_MAX (160 * 1024) /* bytes of an envelope */
#define SCEAU_ENROLL_SECRET_LEN 32

struct sceau_enroll_req {
	char org_id[SCEAU_ORG_ID_MAX + 1];
	uint64_t timestamp;
	uint8_t leaf_fingerprint[SCEAU_CERT_HASH_LEN];
	char email[SCEAU_EMAIL_MAX + 1];
	char name[SCEAU_NAME_MAX + 1];
	char user_id[SCEAU_ID_LEN + 1];
	char device_id[SCEAU_ID_LEN + 1];
	char label[SCEAU_NAME_MAX + 1];
	uint8_t device_vk[SCEAU_SIGN_PUBLIC_LEN];
	uint8_t poll_hash[SCEAU_CERT_HASH_LEN];
	uint8_t wrap_alg;
};

/* The parts of an envelope, lent from its bytes. */
struct sceau_enroll_env {
	const uint8_t *x509_list;
	size_t x509_list_len;
	const uint8_t *leaf; /* first of the list */
	size_t leaf_len;
	const uint8_t *payload;
	size_t payload_len;
	char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1];
	const uint8_t *sig;
	size_t sig_len;
};

/* Appends the payload of r to out (fields are checked). */
int sceau_enroll_encode_payload(
    const struct sceau_enroll_req *r, struct sceau_buf *out) SCEAU_WUR;
/* Appends "sceau-enroll-v1\0" || payload: what the card signs. */
int sceau_enroll_tbs(const uint8_t *payload, size_t n, struct sceau_buf *out)
    SCEAU_WUR;
/* Appends the envelope of (x509 list, payload, alg, sig) to out. */
int sceau_enroll_seal(const uint8_t *x509_list, size_t x509_len,
    const uint8_t *payload, size_t payload_len, const char *alg,
    const uint8_t *sig, size_t sig_len, struct sceau_buf *out) SCEAU_WUR;

/*
 * Parses an envelope (the list is checked, nothing else is parsed):
 * SCEAU_ERR_INVALID_FORMAT, SCEAU_ERR_TRAILING_DATA.
 */
int sceau_enroll_open(const uint8_t *p, size_t n, struct sceau_enroll_env *e)
    SCEAU_WUR;
/*
 * Once the caller has verified e's signature with e's leaf, parses the
 * payload into r and checks it names the leaf's fingerprint.
 */
int sceau_enroll_decode(
    const struct sceau_enroll_env *e, struct sceau_enroll_req *r) SCEAU_WUR;

#endif /* SCEAU_ENROLL_H */
