/*
 * x509.h: X.509 certificates of the organization's PKI: parsing, the
 * details programs show, signatures made with a certificate's key, and
 * path validation with revocation (CRLs, OCSP) through OpenSSL's
 * X509_STORE.  doc/pki.md says what is checked and in which order.
 *
 * One validation code for every caller: the agent unlocking a token
 * device, the server and clients enrolling a PKI user, sceau-audit
 * checking history offline ("was it valid at that time?"), and the
 * policy, which later decides which checks are required through the
 * trust object's settings.
 *
 * Sizes are bounded: a certificate is at most SCEAU_X509_DER_MAX bytes, a
 * chain at most SCEAU_X509_CHAIN_MAX certificates, a CRL at most the
 * trust's CRL limit, an OCSP response at most SCEAU_X509_OCSP_MAX bytes.
 *
 * Network: CRLs and OCSP are fetched with the project's libcurl client
 * (http.h).  Plain HTTP, which is what CRL distribution points and OCSP
 * responders speak (what they serve is signed), goes to loopback hosts
 * only unless the trust allows other hosts.  URLs are only taken from
 * certificates that already chain to a trust anchor.
 *
 * Errors: SCEAU_ERR_X509_FORMAT for what does not parse, the PKI codes
 * (-600 .. -699, errors.h) for a refused certificate, with the
 * certificate and the reason in the result and in sceau_message().
 */
#ifndef SCEAU_X509_H
#define SCEAU_X509_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_X509_DER_MAX 16384 /* bytes of one certificate */
#define SCEAU_X509_CHAIN_MAX 8 /* certificates in a chain, anchor included */
#define SCEAU_X509_FILE_MAX (1024UL * 1024) /* a file of certificates */
#define SCEAU_X509_CERTS_MAX 64 /* anchors (or intermediates) of a trust */
#define SCEAU_X509_CRLS_MAX 64 /* CRL files, blobs and URLs of a trust */
#define SCEAU_X509_CRL_MAX_DEFAULT (4UL * 1024 * 1024) /* bytes of a CRL */
#define SCEAU_X509_CRL_MAX_LIMIT (64UL * 1024 * 1024) /* settable up to */
#define SCEAU_X509_CACHE_MAX_DEFAULT (64UL * 1024 * 1024) /* CRL cache */
#define SCEAU_X509_OCSP_MAX 65536 /* bytes of an OCSP response */
#define SCEAU_X509_OCSP_SKEW 300 /* seconds of clock skew allowed */
#define SCEAU_X509_TIMEOUT_MS 15000L /* one fetch, whole exchange */
#define SCEAU_X509_URL_MAX 1024
#define SCEAU_X509_NAME_MAX 511 /* a distinguished name, as text */
#define SCEAU_X509_SERIAL_MAX 80 /* hex digits of a serial number */
#define SCEAU_X509_EMAIL_MAX 254
#define SCEAU_X509_REASON_MAX 1023 /* text of why a certificate failed */
#define SCEAU_X509_FINGERPRINT_LEN 32 /* SHA-256 */

/* ------------------------------------------------------------------ */
/* One certificate. */

struct sceau_x509;

/*
 * Parses one DER certificate of at most SCEAU_X509_DER_MAX bytes (no
 * byte after it).  The caller owns *cp (sceau_x509_free).  0,
 * SCEAU_ERR_X509_FORMAT, SCEAU_ERR_FILE_TOO_LARGE or SCEAU_ERR_ALLOC.
 */
int sceau_x509_parse_der(const uint8_t *der, size_t len, struct sceau_x509 **cp)
    SCEAU_WUR SCEAU_NONNULL(3);
/* The first certificate of PEM text (len bytes, not NUL-terminated). */
int sceau_x509_parse_pem(const char *pem, size_t len, struct sceau_x509 **cp)
    SCEAU_WUR SCEAU_NONNULL(3);
/* The first certificate of a PEM or DER file (SCEAU_X509_FILE_MAX). */
int sceau_x509_load_file(const char *path, struct sceau_x509 **cp)
    SCEAU_WUR SCEAU_NONNULL(1, 2);
/* NULL is allowed. */
void sceau_x509_free(struct sceau_x509 *c);

/*
 * Every certificate of a PEM (or one DER) file, appended to out as an
 * X.509 list (cert.h: u32 count, then each DER as a string), at most
 * SCEAU_X509_BUNDLE_MAX of them: for anchors and intermediates carried
 * in certificates.  SCEAU_ERR_X509_FORMAT, _LIMIT_EXCEEDED, file errors.
 */
#define SCEAU_X509_BUNDLE_MAX 8
int sceau_x509_load_bundle(const char *path, struct sceau_buf *out)
    SCEAU_WUR SCEAU_NONNULL(1, 2);

/* The DER encoding, lent for c's lifetime. */
void sceau_x509_der(const struct sceau_x509 *c, const uint8_t **der,
    size_t *len) SCEAU_NONNULL(1, 2, 3);
/* SHA-256 of the DER encoding.  0 or SCEAU_ERR_CRYPTO. */
int sceau_x509_fingerprint(const struct sceau_x509 *c,
    uint8_t out[SCEAU_X509_FINGERPRINT_LEN]) SCEAU_WUR SCEAU_NONNULL(1, 2);

/*
 * Subject and issuer as one line of RFC 2253 text ("CN=alice,O=Example"),
 * UTF-8, control characters escaped, truncated with "..." to fit size
 * (at most SCEAU_X509_NAME_MAX + 1 is enough).  The serial number in
 * uppercase hex without separators.  The validity period in Unix
 * seconds.  0, SCEAU_ERR_X509_FORMAT or SCEAU_ERR_ALLOC.
 */
int sceau_x509_subject(const struct sceau_x509 *c, char *out, size_t size)
    SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_issuer(const struct sceau_x509 *c, char *out, size_t size)
    SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_serial(const struct sceau_x509 *c, char *out, size_t size)
    SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_validity(const struct sceau_x509 *c, int64_t *not_before,
    int64_t *not_after) SCEAU_WUR SCEAU_NONNULL(1, 2, 3);

/*
 * The certificate's email: the first SAN rfc822Name, else the first
 * smartcard UPN (SAN otherName 1.3.6.1.4.1.311.20.2.3), else the
 * subject's emailAddress; printable ASCII with one '@', at most
 * SCEAU_X509_EMAIL_MAX characters (others are skipped).  0, or
 * SCEAU_ERR_NOT_FOUND when it has none.
 */
int sceau_x509_email(const struct sceau_x509 *c,
    char out[SCEAU_X509_EMAIL_MAX + 1]) SCEAU_WUR SCEAU_NONNULL(1, 2);
/*
 * 1 when any of those addresses equals email (the domain without regard
 * to case, the local part exactly), else 0.
 */
int sceau_x509_has_email(const struct sceau_x509 *c, const char *email)
    SCEAU_NONNULL(1, 2);

enum sceau_x509_key_type {
	SCEAU_X509_KEY_OTHER = 0,
	SCEAU_X509_KEY_RSA = 1,
	SCEAU_X509_KEY_EC = 2,
};

struct sceau_x509_key_info {
	enum sceau_x509_key_type type;
	int bits; /* RSA modulus or EC field size */
	char curve[64]; /* EC: "P-256", "P-384", else OpenSSL's name */
	char description[80]; /* "RSA 3072", "EC P-256" */
};

/* The public key's type and size.  0 or SCEAU_ERR_X509_FORMAT. */
int sceau_x509_key_info(const struct sceau_x509 *c,
    struct sceau_x509_key_info *ki) SCEAU_WUR SCEAU_NONNULL(1, 2);

/*
 * Verifies sig over data[0..len) with the certificate's public key.  alg:
 *   "rsa-pss-sha256"     RSA-PSS, SHA-256, MGF1-SHA-256, salt 32 bytes;
 *   "ecdsa-p256-sha256"  ECDSA on P-256, SHA-256, DER signature;
 *   "ecdsa-p384-sha384"  ECDSA on P-384, SHA-384, DER signature.
 * The key must be of the algorithm's type (and curve).  0,
 * SCEAU_ERR_SIGNATURE_INVALID, SCEAU_ERR_NOT_SUPPORTED (unknown alg),
 * SCEAU_ERR_KEY_INVALID (key of another type), SCEAU_ERR_CRYPTO.
 */
int sceau_x509_verify_signature(const struct sceau_x509 *c, const char *alg,
    const void *data, size_t len, const uint8_t *sig, size_t siglen)
    SCEAU_WUR SCEAU_NONNULL(1, 2);

/* ------------------------------------------------------------------ */
/* What a certificate is validated against. */

struct sceau_x509_trust;

/* New trust with no anchor (nothing validates) and the defaults below. */
int sceau_x509_trust_new(struct sceau_x509_trust **tp)
    SCEAU_WUR SCEAU_NONNULL(1);
/* NULL is allowed. */
void sceau_x509_trust_free(struct sceau_x509_trust *t);

/*
 * Trust anchors (the organization's CAs) and intermediate certificates
 * (untrusted: they only help build paths), from a file holding one DER
 * certificate or one or more PEM certificates, or from DER bytes (copied).
 * At most SCEAU_X509_CERTS_MAX of each.  0, SCEAU_ERR_X509_FORMAT,
 * SCEAU_ERR_LIMIT_EXCEEDED, a file error, SCEAU_ERR_ALLOC.
 */
int sceau_x509_trust_add_anchors_file(
    struct sceau_x509_trust *t, const char *path) SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_trust_add_anchor_der(struct sceau_x509_trust *t,
    const uint8_t *der, size_t len) SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_trust_add_intermediates_file(
    struct sceau_x509_trust *t, const char *path) SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_trust_add_intermediate_der(struct sceau_x509_trust *t,
    const uint8_t *der, size_t len) SCEAU_WUR SCEAU_NONNULL(1, 2);

/*
 * CRLs: a file (one DER CRL, or one or more PEM CRLs), DER bytes
 * (copied), or a URL fetched at each validation (through the cache when
 * there is one).  Each CRL is at most the trust's CRL limit.  A URL is
 * http:// or https://, at most SCEAU_X509_URL_MAX characters.
 */
int sceau_x509_trust_add_crl_file(struct sceau_x509_trust *t, const char *path)
    SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_trust_add_crl_der(struct sceau_x509_trust *t, const uint8_t *der,
    size_t len) SCEAU_WUR SCEAU_NONNULL(1, 2);
int sceau_x509_trust_add_crl_url(struct sceau_x509_trust *t, const char *url)
    SCEAU_WUR SCEAU_NONNULL(1, 2);
/*
 * The CRL size limit (default SCEAU_X509_CRL_MAX_DEFAULT; 1 KiB to
 * SCEAU_X509_CRL_MAX_LIMIT), for the CRLs added after it and fetched.
 */
int sceau_x509_trust_set_crl_max(struct sceau_x509_trust *t, size_t max)
    SCEAU_WUR SCEAU_NONNULL(1);

enum sceau_x509_crl_check {
	/* ALL when the trust has a CRL, a CRL URL or fetches; else OFF */
	SCEAU_X509_CRL_CHECK_AUTO = 0,
	SCEAU_X509_CRL_CHECK_OFF = 1,
	SCEAU_X509_CRL_CHECK_LEAF = 2, /* the leaf's issuer's CRL */
	SCEAU_X509_CRL_CHECK_ALL = 3, /* a CRL for every certificate */
};
void sceau_x509_trust_set_crl_check(struct sceau_x509_trust *t,
    enum sceau_x509_crl_check mode) SCEAU_NONNULL(1);

/*
 * Fetching each certificate's CRL from its distribution points (http://
 * and https:// URIs), off by default.  cache_dir (may be NULL: no cache;
 * created with mode 0700 if missing) keeps each fetched CRL, whose
 * signature verified, until its nextUpdate; the files in it hold at most
 * cache_max bytes (0: SCEAU_X509_CACHE_MAX_DEFAULT), the oldest removed
 * first.  The string is copied.  0, SCEAU_ERR_INVALID_ARGUMENT, _ALLOC.
 */
int sceau_x509_trust_set_crl_fetch(struct sceau_x509_trust *t, int on,
    const char *cache_dir, size_t cache_max) SCEAU_WUR SCEAU_NONNULL(1);

enum sceau_x509_ocsp_mode {
	SCEAU_X509_OCSP_OFF = 0, /* default */
	SCEAU_X509_OCSP_AIA = 1, /* the responder the leaf names (AIA) */
	SCEAU_X509_OCSP_URL = 2, /* the configured responder */
};
/*
 * OCSP for the leaf: a request with a nonce, POSTed to the responder; its
 * response must be signed by the issuer or a responder it delegated to
 * (OCSPSigning), echo the nonce, and be current within
 * SCEAU_X509_OCSP_SKEW seconds.  url: for SCEAU_X509_OCSP_URL, copied;
 * else NULL.  0 or SCEAU_ERR_INVALID_ARGUMENT, _ALLOC.
 */
int sceau_x509_trust_set_ocsp(struct sceau_x509_trust *t,
    enum sceau_x509_ocsp_mode mode, const char *url) SCEAU_WUR SCEAU_NONNULL(1);

/*
 * 1: CRLs and OCSP may be fetched from hosts that are not loopback
 * (plain HTTP included: what they serve is signed).  Default 0.
 */
void sceau_x509_trust_set_remote_fetch(struct sceau_x509_trust *t, int on)
    SCEAU_NONNULL(1);

/*
 * Soft-fail: 1 accepts a certificate whose revocation source (CRL
 * distribution point, configured CRL URL, OCSP responder) could not be
 * reached, and says so in the result (revocation_skipped).  Default 0
 * (hard-fail: SCEAU_ERR_REVOCATION_UNREACHABLE).  Never accepted: a CRL
 * or response that arrived but is invalid, an "unknown" answer.
 */
void sceau_x509_trust_set_soft_fail(struct sceau_x509_trust *t, int on)
    SCEAU_NONNULL(1);

/*
 * How long a CRL whose nextUpdate has passed is still taken, in seconds
 * (0, the default: not at all, SCEAU_ERR_CRL_EXPIRED); the workstation
 * policy's <crl-max-age>.  Such a CRL still says what it revokes.
 */
void sceau_x509_trust_set_crl_grace(struct sceau_x509_trust *t, int64_t secs)
    SCEAU_NONNULL(1);

/*
 * Validation time in Unix seconds (0: now, the default).  At a given
 * time (audits), a certificate revoked after it was still valid then,
 * unless the reason was a key or CA compromise (what its key signed
 * before cannot be told apart), and CRLs issued after it are used.
 */
void sceau_x509_trust_set_time(struct sceau_x509_trust *t, int64_t when)
    SCEAU_NONNULL(1);

enum sceau_x509_eku {
	SCEAU_X509_EKU_NONE = 0, /* default: any extended key usage */
	SCEAU_X509_EKU_SMARTCARD_LOGON = 1, /* 1.3.6.1.4.1.311.20.2.2 */
	SCEAU_X509_EKU_CLIENT_AUTH = 2, /* TLS client (OpenSSL's purpose) */
};
/* The extended key usage the leaf must list. */
void sceau_x509_trust_set_eku(
    struct sceau_x509_trust *t, enum sceau_x509_eku eku) SCEAU_NONNULL(1);

/*
 * Key usage of the leaf: digitalSignature is always required; with
 * SCEAU_X509_USAGE_UNWRAP also keyEncipherment (RSA) or keyAgreement
 * (EC), for a token key that unwraps workspace keys.
 */
#define SCEAU_X509_USAGE_SIGN 0x1
#define SCEAU_X509_USAGE_UNWRAP 0x2
void sceau_x509_trust_set_usage(struct sceau_x509_trust *t, unsigned int usage)
    SCEAU_NONNULL(1);

/* ------------------------------------------------------------------ */
/* Validation. */

enum sceau_x509_rev_status {
	SCEAU_X509_REV_NOT_CHECKED = 0,
	SCEAU_X509_REV_GOOD = 1, /* checked: not revoked */
	SCEAU_X509_REV_REVOKED = 2,
	SCEAU_X509_REV_UNKNOWN = 3, /* OCSP: the responder does not know it */
	SCEAU_X509_REV_UNREACHABLE = 4, /* soft-failed or refused */
	SCEAU_X509_REV_REVOKED_LATER = 5, /* at the trust's time: not yet */
};

struct sceau_x509_result_cert {
	char subject[SCEAU_X509_NAME_MAX + 1];
	char serial[SCEAU_X509_SERIAL_MAX + 1];
	uint8_t fingerprint[SCEAU_X509_FINGERPRINT_LEN];
};

/* What a validation found; filled on success and on refusal. */
struct sceau_x509_result {
	int code; /* 0 (valid) or the error returned */
	/* The certificate at fault (depth 0 is the leaf; -1: none). */
	int depth;
	char subject[SCEAU_X509_NAME_MAX + 1];
	char serial[SCEAU_X509_SERIAL_MAX + 1];
	char reason[SCEAU_X509_REASON_MAX + 1]; /* English, one line */
	int openssl_error; /* X509_V_ERR_*, or 0 */
	/* A revocation (refused, or after the trust's time): */
	int revocation_reason; /* RFC 5280 CRLReason, -1 when none given */
	int64_t revocation_time; /* Unix seconds, 0 when not revoked */
	/* The path built, leaf first, anchor last (0 when none was). */
	size_t chain_len;
	struct sceau_x509_result_cert chain[SCEAU_X509_CHAIN_MAX];
	/* Revocation of the leaf by each source. */
	enum sceau_x509_rev_status crl_status, ocsp_status;
	int crl_checked_all; /* every certificate of the path had a CRL */
	int revocation_skipped; /* soft-fail let an unreachable source pass */
};

/*
 * Validates the DER certificate leaf against t, with chain[0..nchain)
 * (DER, untrusted intermediates, in any order; nchain may be 0 and chain
 * NULL) and t's intermediates.  In this order: parsing and sizes; the path
 * to an anchor (signatures, validity periods at t's time, basic
 * constraints, path length, key sizes of 112-bit security at least,
 * the purpose when t requires clientAuth); the leaf's usage (not a CA,
 * key usage, extended key usage); CRLs (per t's CRL check); OCSP.  The
 * first failure stops it.
 *
 * res (zeroed first) says which certificate failed and why, or, on
 * success, the path and the revocation checks made.  t is not changed:
 * several threads may validate with one trust.  Returns res->code: 0,
 * SCEAU_ERR_X509_FORMAT, _CERT_UNTRUSTED, _CERT_EXPIRED,
 * _CERT_NOT_YET_VALID, _CERT_REVOKED, _CERT_USAGE, _CERT_INVALID,
 * _CRL_MISSING, _CRL_EXPIRED, _CRL_INVALID, _REVOCATION_UNREACHABLE,
 * _REVOCATION_UNKNOWN, _OCSP_INVALID, SCEAU_ERR_LIMIT_EXCEEDED (too many
 * certificates), SCEAU_ERR_ALLOC, SCEAU_ERR_CRYPTO.  The same detail is
 * in sceau_message().
 */
int sceau_x509_verify(const struct sceau_x509_trust *t, const uint8_t *leaf,
    size_t leaf_len, const uint8_t *const *chain, const size_t *chain_lens,
    size_t nchain, struct sceau_x509_result *res)
    SCEAU_WUR SCEAU_NONNULL(1, 2, 7);

/* t (Unix seconds) as "YYYY-MM-DDTHH:MM:SSZ", or "@SECONDS". */
void sceau_x509_time_text(int64_t t, char out[32]);

/* RFC 5280 name of a CRL reason ("keyCompromise"), "unspecified" else. */
const char *sceau_x509_reason_name(int reason);
/* "good", "revoked"... of a status (for --json). */
const char *sceau_x509_rev_status_name(enum sceau_x509_rev_status s);

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_X509_H */
