/*
 * x509-internal.h: what the files of the x509 module share (x509.c:
 * certificates; x509-trust.c: trust and path validation; x509-fetch.c:
 * CRL fetching, the CRL cache, OCSP).  Not for other modules.
 */
#ifndef SCEAU_X509_INTERNAL_H
#define SCEAU_X509_INTERNAL_H

#include <stdint.h>

#include <openssl/x509.h>

#include "buf.h"
#include "x509.h"

struct sceau_x509 {
	X509 *x;
	uint8_t *der;
	size_t der_len;
};

struct sceau_x509_trust {
	X509_STORE *store; /* anchors and the CRLs given */
	STACK_OF(X509) * intermediates;
	size_t n_anchors, n_crls, n_urls;
	char *crl_urls[SCEAU_X509_CRLS_MAX];
	size_t crl_max;
	enum sceau_x509_crl_check crl_check;
	int crl_fetch;
	char *cache_dir; /* NULL: no cache */
	size_t cache_max;
	enum sceau_x509_ocsp_mode ocsp_mode;
	char *ocsp_url;
	int remote_fetch, soft_fail;
	int64_t crl_grace; /* s a CRL past its nextUpdate is taken; 0 none */
	int64_t when; /* 0: now */
	enum sceau_x509_eku eku;
	unsigned int usage;
};

/* One validation: what the verify callback and the fetchers share. */
struct x509_vstate {
	const struct sceau_x509_trust *t;
	struct sceau_x509_result *res;
	STACK_OF(X509) * chain; /* the path built, leaf first */
	STACK_OF(X509_CRL) * crls; /* fetched for this validation */
	int64_t now; /* the real time (freshness of CRLs and responses) */
	int64_t at; /* the validation time: t->when or now */
	/* Bit i: no CRL issued by chain[i] could be fetched. */
	uint32_t unreachable;
	int url_failed; /* a configured CRL URL could not be fetched */
	char fetch_error[SCEAU_X509_REASON_MAX + 1]; /* the last one's why */
	/* Why (bit i of unreachable). */
	char dp_error[SCEAU_X509_CHAIN_MAX][SCEAU_X509_REASON_MAX + 1];
	/* The revocation the callback saw (CRL): */
	int rev_seen, rev_reason, rev_later;
	int64_t rev_time;
	int crl_skipped_leaf;
	/* The CRL of the last time error (OpenSSL drops it after one). */
	X509_CRL *time_crl;
	int cache_state; /* 0: not looked at, 1: usable, -1: not */
};

/* Certificates: DER of at most SCEAU_X509_DER_MAX, parsed strictly. */
int x509_from_der(const uint8_t *der, size_t len, X509 **xp) SCEAU_WUR;
/* Each certificate of a PEM or DER buffer, to cb (which takes a ref). */
int x509_each_cert(
    const struct sceau_buf *b, int (*cb)(X509 *, void *), void *arg) SCEAU_WUR;
/* Each CRL of a PEM or DER buffer, each at most max bytes. */
int x509_each_crl(const struct sceau_buf *b, size_t max,
    int (*cb)(X509_CRL *, void *), void *arg) SCEAU_WUR;
/* A CRL in DER (or PEM) bytes, at most max bytes.  SCEAU_ERR_X509_FORMAT. */
int x509_crl_parse(const uint8_t *p, size_t n, size_t max, X509_CRL **cp)
    SCEAU_WUR;

/* Text of names, serials and times (see sceau_x509_subject()). */
void x509_name_text(const X509_NAME *name, char *out, size_t size);
void x509_serial_text(const ASN1_INTEGER *serial, char *out, size_t size);
int x509_time_unix(const ASN1_TIME *t, int64_t *out) SCEAU_WUR;
/* Subject, serial, fingerprint of x into rc. */
void x509_describe(X509 *x, struct sceau_x509_result_cert *rc);

/* Fetching: the CRLs of st's path into st->crls (x509-fetch.c). */
int x509_fetch_crls(struct x509_vstate *st) SCEAU_WUR;
/* OCSP for the leaf of st's path. */
int x509_ocsp_check(struct x509_vstate *st) SCEAU_WUR;
/* Records a refusal of the certificate x at depth d in st->res. */
int x509_refuse(struct x509_vstate *st, int code, int depth, X509 *x,
    const char *fmt, ...) SCEAU_PRINTF(5, 6);
/*
 * Why the CRL chain[depth] needs could not be fetched, or NULL when it
 * was not for that reason.
 */
const char *x509_crl_unreachable(const struct x509_vstate *st, int depth);
/* 1 when a revocation at rev_time for reason still leaves x valid at st->at. */
int x509_revoked_later(
    const struct x509_vstate *st, int64_t rev_time, int reason);

#endif /* SCEAU_X509_INTERNAL_H */
