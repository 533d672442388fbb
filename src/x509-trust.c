/*
 * x509-trust.c: the trust (anchors, intermediates, CRLs, revocation and
 * usage settings) and path validation with OpenSSL's X509_STORE.
 *
 * A validation runs X509_verify_cert() twice: first without revocation,
 * to build and check the path (a certificate that does not chain to an
 * anchor never makes us fetch the URLs it names); then, when CRLs are
 * checked, with the CRLs given and those fetched for that path.  OCSP
 * comes last.  The purpose and flags go on the X509_STORE_CTX, never on
 * the store: OCSP_basic_verify() uses the store for the responder's
 * certificate, which must not inherit a client purpose.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "log.h"
#include "x509-internal.h"
#include "x509.h"

#define X509_CRL_MAX_MIN 1024
/* 112-bit security: RSA 2048, P-224, SHA-224 at least (OpenSSL level 2). */
#define X509_AUTH_LEVEL 2

/* ------------------------------------------------------------------ */
/* The trust object. */

int
sceau_x509_trust_new(struct sceau_x509_trust **tp)
{
	struct sceau_x509_trust *t;

	*tp = NULL;
	if ((t = sceau_calloc(1, sizeof(*t))) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((t->store = X509_STORE_new()) == NULL ||
	    (t->intermediates = sk_X509_new_null()) == NULL) {
		sceau_x509_trust_free(t);
		return SCEAU_ERR_ALLOC;
	}
	t->crl_max = SCEAU_X509_CRL_MAX_DEFAULT;
	t->cache_max = SCEAU_X509_CACHE_MAX_DEFAULT;
	t->usage = SCEAU_X509_USAGE_SIGN;
	*tp = t;
	return 0;
}

void
sceau_x509_trust_free(struct sceau_x509_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	sk_X509_pop_free(t->intermediates, X509_free);
	for (i = 0; i < t->n_urls; i++)
		sceau_free(t->crl_urls[i]);
	sceau_free(t->cache_dir);
	sceau_free(t->ocsp_url);
	sceau_free(t);
}

static int
x509_add_anchor(X509 *x, void *arg)
{
	struct sceau_x509_trust *t = arg;
	char name[SCEAU_X509_NAME_MAX + 1];

	if (t->n_anchors >= SCEAU_X509_CERTS_MAX) {
		sceau_message(
		    "more than %d trust anchors", SCEAU_X509_CERTS_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	/* An anchor that is not a CA would let a leaf vouch for itself. */
	if (X509_check_ca(x) != 1) {
		x509_name_text(X509_get_subject_name(x), name, sizeof(name));
		sceau_message(
		    "trust anchor '%s' is not a CA certificate", name);
		return SCEAU_ERR_CERT_USAGE;
	}
	if (X509_STORE_add_cert(t->store, x) != 1) {
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	t->n_anchors++;
	return 0;
}

static int
x509_add_intermediate(X509 *x, void *arg)
{
	struct sceau_x509_trust *t = arg;

	if ((size_t)sk_X509_num(t->intermediates) >= SCEAU_X509_CERTS_MAX) {
		sceau_message("more than %d intermediate certificates",
		    SCEAU_X509_CERTS_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	if (X509_up_ref(x) != 1)
		return SCEAU_ERR_CRYPTO;
	if (sk_X509_push(t->intermediates, x) <= 0) {
		X509_free(x);
		return SCEAU_ERR_ALLOC;
	}
	return 0;
}

static int
x509_add_crl(X509_CRL *crl, void *arg)
{
	struct sceau_x509_trust *t = arg;

	if (t->n_crls + t->n_urls >= SCEAU_X509_CRLS_MAX) {
		sceau_message("more than %d CRLs", SCEAU_X509_CRLS_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	if (X509_STORE_add_crl(t->store, crl) != 1) {
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	t->n_crls++;
	return 0;
}

/* Loads path and gives its certificates (or CRLs: crls) to cb. */
static int
x509_load(struct sceau_x509_trust *t, const char *path, int crls,
    int (*cb)(X509 *, void *))
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	r = sceau_buf_load_file(
	    path, crls ? t->crl_max * 4 : SCEAU_X509_FILE_MAX, b);
	if (r == 0)
		r = crls ? x509_each_crl(b, t->crl_max, x509_add_crl, t)
		         : x509_each_cert(b, cb, t);
	sceau_buf_free(b);
	if (r != 0)
		sceau_message("%s: %s", path,
		    sceau_last_message()[0] != '\0' ? sceau_last_message()
		                                    : sceau_strerror(r));
	return r;
}

static int
x509_add_der(struct sceau_x509_trust *t, const uint8_t *der, size_t len,
    int (*cb)(X509 *, void *))
{
	X509 *x;
	int r;

	if ((r = x509_from_der(der, len, &x)) != 0)
		return r;
	r = cb(x, t);
	X509_free(x);
	return r;
}

int
sceau_x509_trust_add_anchors_file(struct sceau_x509_trust *t, const char *path)
{
	return x509_load(t, path, 0, x509_add_anchor);
}

int
sceau_x509_trust_add_anchor_der(
    struct sceau_x509_trust *t, const uint8_t *der, size_t len)
{
	return x509_add_der(t, der, len, x509_add_anchor);
}

int
sceau_x509_trust_add_intermediates_file(
    struct sceau_x509_trust *t, const char *path)
{
	return x509_load(t, path, 0, x509_add_intermediate);
}

int
sceau_x509_trust_add_intermediate_der(
    struct sceau_x509_trust *t, const uint8_t *der, size_t len)
{
	return x509_add_der(t, der, len, x509_add_intermediate);
}

int
sceau_x509_trust_add_crl_file(struct sceau_x509_trust *t, const char *path)
{
	return x509_load(t, path, 1, NULL);
}

int
sceau_x509_trust_add_crl_der(
    struct sceau_x509_trust *t, const uint8_t *der, size_t len)
{
	X509_CRL *crl;
	int r;

	if ((r = x509_crl_parse(der, len, t->crl_max, &crl)) != 0)
		return r;
	r = x509_add_crl(crl, t);
	X509_CRL_free(crl);
	return r;
}

/* An http:// or https:// URL of printable ASCII, bounded. */
static int
x509_url_ok(const char *url)
{
	size_t i, n = strnlen(url, SCEAU_X509_URL_MAX + 1);

	if (n > SCEAU_X509_URL_MAX ||
	    (strncasecmp(url, "http://", 7) != 0 &&
	        strncasecmp(url, "https://", 8) != 0))
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return 0;
	}
	return 1;
}

int
sceau_x509_trust_add_crl_url(struct sceau_x509_trust *t, const char *url)
{
	if (!x509_url_ok(url)) {
		sceau_message("CRL URL must be http:// or https://");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (t->n_crls + t->n_urls >= SCEAU_X509_CRLS_MAX) {
		sceau_message("more than %d CRLs", SCEAU_X509_CRLS_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	if ((t->crl_urls[t->n_urls] = sceau_strdup(url)) == NULL)
		return SCEAU_ERR_ALLOC;
	t->n_urls++;
	return 0;
}

int
sceau_x509_trust_set_crl_max(struct sceau_x509_trust *t, size_t max)
{
	if (max < X509_CRL_MAX_MIN || max > SCEAU_X509_CRL_MAX_LIMIT)
		return SCEAU_ERR_INVALID_ARGUMENT;
	t->crl_max = max;
	return 0;
}

void
sceau_x509_trust_set_crl_check(
    struct sceau_x509_trust *t, enum sceau_x509_crl_check mode)
{
	t->crl_check = mode;
}

int
sceau_x509_trust_set_crl_fetch(
    struct sceau_x509_trust *t, int on, const char *cache_dir, size_t cache_max)
{
	char *dir = NULL;

	if (cache_dir != NULL &&
	    (cache_dir[0] == '\0' || strlen(cache_dir) > 4000))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (cache_dir != NULL && (dir = sceau_strdup(cache_dir)) == NULL)
		return SCEAU_ERR_ALLOC;
	sceau_free(t->cache_dir);
	t->cache_dir = dir;
	t->crl_fetch = on != 0;
	t->cache_max = cache_max > 0 ? cache_max : SCEAU_X509_CACHE_MAX_DEFAULT;
	return 0;
}

int
sceau_x509_trust_set_ocsp(
    struct sceau_x509_trust *t, enum sceau_x509_ocsp_mode mode, const char *url)
{
	char *u = NULL;

	if (mode != SCEAU_X509_OCSP_OFF && mode != SCEAU_X509_OCSP_AIA &&
	    mode != SCEAU_X509_OCSP_URL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((mode == SCEAU_X509_OCSP_URL) != (url != NULL) ||
	    (url != NULL && !x509_url_ok(url))) {
		sceau_message("OCSP responder URL must be http:// or https://");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (url != NULL && (u = sceau_strdup(url)) == NULL)
		return SCEAU_ERR_ALLOC;
	sceau_free(t->ocsp_url);
	t->ocsp_url = u;
	t->ocsp_mode = mode;
	return 0;
}

void
sceau_x509_trust_set_remote_fetch(struct sceau_x509_trust *t, int on)
{
	t->remote_fetch = on != 0;
}

void
sceau_x509_trust_set_soft_fail(struct sceau_x509_trust *t, int on)
{
	t->soft_fail = on != 0;
}

void
sceau_x509_trust_set_crl_grace(struct sceau_x509_trust *t, int64_t secs)
{
	t->crl_grace = secs > 0 ? secs : 0;
}

void
sceau_x509_trust_set_time(struct sceau_x509_trust *t, int64_t when)
{
	t->when = when;
}

void
sceau_x509_trust_set_eku(struct sceau_x509_trust *t, enum sceau_x509_eku eku)
{
	t->eku = eku;
}

void
sceau_x509_trust_set_usage(struct sceau_x509_trust *t, unsigned int usage)
{
	t->usage = usage | SCEAU_X509_USAGE_SIGN;
}

/* The CRL check in force. */
static enum sceau_x509_crl_check
x509_crl_mode(const struct sceau_x509_trust *t)
{
	if (t->crl_check != SCEAU_X509_CRL_CHECK_AUTO)
		return t->crl_check;
	return t->n_crls > 0 || t->n_urls > 0 || t->crl_fetch
	    ? SCEAU_X509_CRL_CHECK_ALL
	    : SCEAU_X509_CRL_CHECK_OFF;
}

/* ------------------------------------------------------------------ */
/* Names of things. */

const char *
sceau_x509_reason_name(int reason)
{
	static const char *const names[] = {"unspecified", "keyCompromise",
	    "cACompromise", "affiliationChanged", "superseded",
	    "cessationOfOperation", "certificateHold", "unused",
	    "removeFromCRL", "privilegeWithdrawn", "aACompromise"};

	if (reason < 0 || (size_t)reason >= SCEAU_NELEM(names) || reason == 7)
		return "unspecified";
	return names[reason];
}

const char *
sceau_x509_rev_status_name(enum sceau_x509_rev_status s)
{
	switch (s) {
	case SCEAU_X509_REV_GOOD:
		return "good";
	case SCEAU_X509_REV_REVOKED:
		return "revoked";
	case SCEAU_X509_REV_UNKNOWN:
		return "unknown";
	case SCEAU_X509_REV_UNREACHABLE:
		return "unreachable";
	case SCEAU_X509_REV_REVOKED_LATER:
		return "revoked-later";
	case SCEAU_X509_REV_NOT_CHECKED:
		break;
	}
	return "not-checked";
}

/* ------------------------------------------------------------------ */
/* Refusals. */

/* snprintf() whose truncation is intended (names are cut with "..."). */
static void SCEAU_PRINTF(3, 4)
    x509_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

int
x509_refuse(
    struct x509_vstate *st, int code, int depth, X509 *x, const char *fmt, ...)
{
	struct sceau_x509_result *res = st->res;
	va_list ap;

	res->code = code;
	res->depth = depth;
	if (x != NULL) {
		x509_name_text(X509_get_subject_name(x), res->subject,
		    sizeof(res->subject));
		x509_serial_text(X509_get0_serialNumber(x), res->serial,
		    sizeof(res->serial));
	}
	va_start(ap, fmt);
	(void)vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	if (x != NULL)
		sceau_message("certificate '%s' (serial %s, depth %d): %s",
		    res->subject, res->serial, depth, res->reason);
	else
		sceau_message("%s", res->reason);
	return code;
}

int
x509_revoked_later(const struct x509_vstate *st, int64_t rev_time, int reason)
{
	/* What a compromised key signed before its revocation is suspect. */
	if (st->t->when == 0 || reason == 1 || reason == 2 || reason == 10)
		return 0;
	return rev_time > st->at;
}

/* ------------------------------------------------------------------ */
/* The verify callback: what OpenSSL reports, seen with our settings. */

static int x509_ex_index = -1;
static pthread_once_t x509_ex_once = PTHREAD_ONCE_INIT;

static void
x509_ex_init(void)
{
	x509_ex_index =
	    X509_STORE_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* The revocation entry of the current certificate in the current CRL. */
static void
x509_note_revocation(struct x509_vstate *st, X509_STORE_CTX *ctx)
{
	X509_CRL *crl = X509_STORE_CTX_get0_current_crl(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *e;

	st->rev_seen = 1;
	st->rev_reason = -1;
	st->rev_time = 0;
	/* After a CRL time check, OpenSSL forgets the CRL: we do not. */
	if (crl == NULL)
		crl = st->time_crl;
	if (crl == NULL || x == NULL ||
	    X509_CRL_get0_by_cert(crl, &rev, x) != 1)
		return;
	if (x509_time_unix(
	        X509_REVOKED_get0_revocationDate(rev), &st->rev_time) != 0)
		st->rev_time = 0;
	if ((e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL)) !=
	    NULL) {
		st->rev_reason = (int)ASN1_ENUMERATED_get(e);
		ASN1_ENUMERATED_free(e);
	}
	ERR_clear_error();
}

/*
 * A CRL past its nextUpdate, taken while the trust's grace lasts (the
 * validation time: a CRL is judged at the time it speaks for).
 */
static int
x509_crl_in_grace(const struct x509_vstate *st, X509_CRL *crl, int depth)
{
	int64_t next;

	if (st->t->crl_grace == 0 || crl == NULL ||
	    X509_CRL_get0_nextUpdate(crl) == NULL ||
	    x509_time_unix(X509_CRL_get0_nextUpdate(crl), &next) != 0 ||
	    st->at - next > st->t->crl_grace)
		return 0;
	warn_f("CRL for the certificate at depth %d is past its next update, "
	       "within the %lld s allowed",
	    depth, (long long)st->t->crl_grace);
	return 1;
}

static int
x509_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct x509_vstate *st = X509_STORE_CTX_get_ex_data(ctx, x509_ex_index);
	int err = X509_STORE_CTX_get_error(ctx),
	    depth = X509_STORE_CTX_get_error_depth(ctx);
	const char *why;

	if (ok || st == NULL)
		return ok;
	switch (err) {
	case X509_V_ERR_CERT_REVOKED:
		x509_note_revocation(st, ctx);
		if (!x509_revoked_later(st, st->rev_time, st->rev_reason))
			return 0;
		if (depth == 0)
			st->rev_later = 1;
		return 1;
	case X509_V_ERR_CRL_NOT_YET_VALID:
		/* At a past time, a later CRL speaks for it too. */
		st->time_crl = X509_STORE_CTX_get0_current_crl(ctx);
		return st->t->when != 0;
	case X509_V_ERR_CRL_HAS_EXPIRED:
		st->time_crl = X509_STORE_CTX_get0_current_crl(ctx);
		return x509_crl_in_grace(st, st->time_crl, depth);
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		if (!st->t->soft_fail ||
		    (why = x509_crl_unreachable(st, depth)) == NULL)
			return 0;
		st->res->revocation_skipped = 1;
		if (depth == 0)
			st->crl_skipped_leaf = 1;
		warn_f("revocation of certificate at depth %d not checked: %s",
		    depth, why);
		return 1;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Classifying OpenSSL's verdict. */

static const struct {
	int err;
	int code;
} x509_verr_codes[] = {
    {X509_V_ERR_CERT_HAS_EXPIRED, SCEAU_ERR_CERT_EXPIRED},
    {X509_V_ERR_CERT_NOT_YET_VALID, SCEAU_ERR_CERT_NOT_YET_VALID},
    {X509_V_ERR_CERT_REVOKED, SCEAU_ERR_CERT_REVOKED},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_UNTRUSTED, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_CERT_REJECTED, SCEAU_ERR_CERT_UNTRUSTED},
    {X509_V_ERR_INVALID_PURPOSE, SCEAU_ERR_CERT_USAGE},
    {X509_V_ERR_UNABLE_TO_GET_CRL, SCEAU_ERR_CRL_MISSING},
    {X509_V_ERR_CRL_HAS_EXPIRED, SCEAU_ERR_CRL_EXPIRED},
    {X509_V_ERR_CRL_NOT_YET_VALID, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_CRL_SIGNATURE_FAILURE, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_KEYUSAGE_NO_CRL_SIGN, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_DIFFERENT_CRL_SCOPE, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_CRL_PATH_VALIDATION_ERROR, SCEAU_ERR_CRL_INVALID},
    {X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, SCEAU_ERR_X509_FORMAT},
    {X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, SCEAU_ERR_X509_FORMAT},
};

/* Why, in words, for the errors whose details we know best. */
static void
x509_explain(const struct x509_vstate *st, X509 *x, int err, int code,
    char *out, size_t size)
{
	const char *why = X509_verify_cert_error_string(err);
	X509_CRL *crl = st->time_crl;
	char name[SCEAU_X509_NAME_MAX + 1], when[32];
	int64_t t = 0;

	name[0] = '\0';
	when[0] = '\0';
	if (x != NULL)
		x509_name_text(X509_get_issuer_name(x), name, sizeof(name));
	if (code == SCEAU_ERR_CERT_EXPIRED && x != NULL &&
	    x509_time_unix(X509_get0_notAfter(x), &t) == 0) {
		sceau_x509_time_text(t, when);
		x509_fmt(out, size, "expired on %s", when);
	} else if (code == SCEAU_ERR_CERT_NOT_YET_VALID && x != NULL &&
	    x509_time_unix(X509_get0_notBefore(x), &t) == 0) {
		sceau_x509_time_text(t, when);
		x509_fmt(out, size, "not valid before %s", when);
	} else if (code == SCEAU_ERR_CERT_REVOKED && st->rev_seen) {
		sceau_x509_time_text(st->rev_time, when);
		x509_fmt(out, size, "revoked on %s (%s), by the CRL of '%s'",
		    when, sceau_x509_reason_name(st->rev_reason), name);
	} else if (code == SCEAU_ERR_CERT_UNTRUSTED) {
		x509_fmt(out, size, "%s (issuer '%s')", why, name);
	} else if (code == SCEAU_ERR_CRL_MISSING) {
		x509_fmt(out, size, "no CRL of its issuer '%s'", name);
	} else if (code == SCEAU_ERR_CRL_EXPIRED && crl != NULL &&
	    x509_time_unix(X509_CRL_get0_nextUpdate(crl), &t) == 0) {
		sceau_x509_time_text(t, when);
		x509_fmt(out, size, "the CRL of its issuer '%s' expired on %s",
		    name, when);
	} else {
		x509_fmt(out, size, "%s", why);
	}
}

static int
x509_classify(struct x509_vstate *st, X509_STORE_CTX *ctx)
{
	int err = X509_STORE_CTX_get_error(ctx),
	    depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *x = X509_STORE_CTX_get_current_cert(ctx);
	char why[SCEAU_X509_REASON_MAX + 1];
	const char *unreachable;
	int code = SCEAU_ERR_CERT_INVALID;
	size_t i;

	for (i = 0; i < SCEAU_NELEM(x509_verr_codes); i++) {
		if (x509_verr_codes[i].err == err)
			code = x509_verr_codes[i].code;
	}
	if (err == X509_V_OK)
		code = SCEAU_ERR_CRYPTO;
	st->res->openssl_error = err;
	x509_explain(st, x, err, code, why, sizeof(why));
	if (code == SCEAU_ERR_CRL_MISSING &&
	    (unreachable = x509_crl_unreachable(st, depth)) != NULL) {
		code = SCEAU_ERR_REVOCATION_UNREACHABLE;
		x509_fmt(why, sizeof(why), "its CRL could not be fetched: %s",
		    unreachable);
	}
	if (code == SCEAU_ERR_CERT_REVOKED) {
		st->res->revocation_reason = st->rev_reason;
		st->res->revocation_time = st->rev_time;
		if (depth == 0)
			st->res->crl_status = SCEAU_X509_REV_REVOKED;
	}
	ERR_clear_error();
	return x509_refuse(st, code, depth, x, "%s", why);
}

/* ------------------------------------------------------------------ */
/* Validation. */

static int
x509_setup_ctx(struct x509_vstate *st, X509_STORE_CTX *ctx, int with_crls)
{
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	const struct sceau_x509_trust *t = st->t;
	enum sceau_x509_crl_check mode = x509_crl_mode(t);
	unsigned long flags =
	    X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT;

	if (with_crls && mode != SCEAU_X509_CRL_CHECK_OFF)
		flags |= X509_V_FLAG_CRL_CHECK;
	if (with_crls && mode == SCEAU_X509_CRL_CHECK_ALL)
		flags |= X509_V_FLAG_CRL_CHECK_ALL;
	if (X509_VERIFY_PARAM_set_flags(param, flags) != 1 ||
	    X509_STORE_CTX_set_ex_data(ctx, x509_ex_index, st) != 1)
		return SCEAU_ERR_CRYPTO;
	X509_VERIFY_PARAM_set_depth(param, SCEAU_X509_CHAIN_MAX - 2);
	X509_VERIFY_PARAM_set_auth_level(param, X509_AUTH_LEVEL);
	if (t->when != 0)
		X509_VERIFY_PARAM_set_time(param, (time_t)t->when);
	if (t->eku == SCEAU_X509_EKU_CLIENT_AUTH &&
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1)
		return SCEAU_ERR_CRYPTO;
	if (with_crls && st->crls != NULL)
		X509_STORE_CTX_set0_crls(ctx, st->crls);
	X509_STORE_CTX_set_verify_cb(ctx, x509_verify_cb);
	return 0;
}

/* One X509_verify_cert(); on success with !with_crls, keeps the path. */
static int
x509_run(struct x509_vstate *st, X509 *leaf, STACK_OF(X509) * untrusted,
    int with_crls)
{
	X509_STORE_CTX *ctx;
	int r;

	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (X509_STORE_CTX_init(ctx, st->t->store, leaf, untrusted) != 1) {
		r = SCEAU_ERR_CRYPTO;
		goto out;
	}
	if ((r = x509_setup_ctx(st, ctx, with_crls)) != 0)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		r = x509_classify(st, ctx);
		goto out;
	}
	if (!with_crls && (st->chain = X509_STORE_CTX_get1_chain(ctx)) == NULL)
		r = SCEAU_ERR_ALLOC;
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

/* Does the leaf's extended key usage list what t requires? */
static int
x509_eku_ok(const struct sceau_x509_trust *t, X509 *leaf)
{
	EXTENDED_KEY_USAGE *eku;
	int i, want, found = 0;

	if (t->eku == SCEAU_X509_EKU_NONE)
		return 1;
	want = t->eku == SCEAU_X509_EKU_SMARTCARD_LOGON ? NID_ms_smartcard_login
	                                                : NID_client_auth;
	if ((eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL)) ==
	    NULL) {
		ERR_clear_error();
		return 0;
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == want)
			found = 1;
	}
	EXTENDED_KEY_USAGE_free(eku);
	return found;
}

static int
x509_check_usage(struct x509_vstate *st, X509 *leaf)
{
	const struct sceau_x509_trust *t = st->t;
	uint32_t ku = X509_get_key_usage(leaf), need = KU_DIGITAL_SIGNATURE;
	int type = EVP_PKEY_get_base_id(X509_get0_pubkey(leaf));

	if (X509_check_ca(leaf) != 0)
		return x509_refuse(st, SCEAU_ERR_CERT_USAGE, 0, leaf,
		    "a CA certificate, not a person's or a device's");
	if ((t->usage & SCEAU_X509_USAGE_UNWRAP) != 0) {
		if (type == EVP_PKEY_RSA)
			need |= KU_KEY_ENCIPHERMENT;
		else if (type == EVP_PKEY_EC)
			need |= KU_KEY_AGREEMENT;
		else
			return x509_refuse(st, SCEAU_ERR_CERT_USAGE, 0, leaf,
			    "its key cannot unwrap keys");
	}
	if ((ku & need) != need)
		return x509_refuse(st, SCEAU_ERR_CERT_USAGE, 0, leaf,
		    "key usage lacks %s",
		    (ku & KU_DIGITAL_SIGNATURE) == 0 ? "digitalSignature"
		        : type == EVP_PKEY_RSA       ? "keyEncipherment"
		                                     : "keyAgreement");
	if (!x509_eku_ok(t, leaf))
		return x509_refuse(st, SCEAU_ERR_CERT_USAGE, 0, leaf,
		    "extended key usage lacks %s",
		    t->eku == SCEAU_X509_EKU_SMARTCARD_LOGON ? "smartcardLogon"
		                                             : "clientAuth");
	return 0;
}

/* The leaf, the untrusted certificates given and t's intermediates. */
static int
x509_inputs(struct x509_vstate *st, const uint8_t *leaf_der, size_t leaf_len,
    const uint8_t *const *chain, const size_t *lens, size_t n, X509 **leafp,
    STACK_OF(X509) * *untrustedp)
{
	STACK_OF(X509) * u;
	X509 *x;
	size_t i;
	int r;

	if ((r = x509_from_der(leaf_der, leaf_len, leafp)) != 0)
		return x509_refuse(st, r, 0, NULL, "the certificate: %s",
		    sceau_last_message());
	if (n > SCEAU_X509_CHAIN_MAX)
		return x509_refuse(st, SCEAU_ERR_LIMIT_EXCEEDED, -1, NULL,
		    "more than %d chain certificates", SCEAU_X509_CHAIN_MAX);
	if ((*untrustedp = u = sk_X509_dup(st->t->intermediates)) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < (size_t)sk_X509_num(u); i++) {
		if (X509_up_ref(sk_X509_value(u, (int)i)) != 1)
			return SCEAU_ERR_CRYPTO;
	}
	for (i = 0; i < n; i++) {
		if ((r = x509_from_der(chain[i], lens[i], &x)) != 0)
			return x509_refuse(st, r, -1, NULL,
			    "chain certificate %zu: %s", i + 1,
			    sceau_last_message());
		if (sk_X509_push(u, x) <= 0) {
			X509_free(x);
			return SCEAU_ERR_ALLOC;
		}
	}
	return 0;
}

/* After the checks: the path and the revocation statuses. */
static void
x509_fill_success(struct x509_vstate *st, int crl_checked)
{
	struct sceau_x509_result *res = st->res;
	enum sceau_x509_crl_check mode = x509_crl_mode(st->t);

	if (!crl_checked)
		return;
	if (st->crl_skipped_leaf)
		res->crl_status = SCEAU_X509_REV_UNREACHABLE;
	else if (st->rev_later)
		res->crl_status = SCEAU_X509_REV_REVOKED_LATER;
	else
		res->crl_status = SCEAU_X509_REV_GOOD;
	res->crl_checked_all =
	    mode == SCEAU_X509_CRL_CHECK_ALL && !res->revocation_skipped;
	if (st->rev_later) {
		res->revocation_reason = st->rev_reason;
		res->revocation_time = st->rev_time;
	}
}

static int
x509_validate(struct x509_vstate *st, X509 *leaf, STACK_OF(X509) * untrusted)
{
	const struct sceau_x509_trust *t = st->t;
	int r, crls = x509_crl_mode(t) != SCEAU_X509_CRL_CHECK_OFF;
	size_t i;

	if ((r = x509_run(st, leaf, untrusted, 0)) != 0)
		return r;
	st->res->chain_len = SCEAU_MIN(
	    (size_t)sk_X509_num(st->chain), (size_t)SCEAU_X509_CHAIN_MAX);
	for (i = 0; i < st->res->chain_len; i++)
		x509_describe(
		    sk_X509_value(st->chain, (int)i), &st->res->chain[i]);
	if ((r = x509_check_usage(st, leaf)) != 0)
		return r;
	if (crls && (t->crl_fetch || t->n_urls > 0) &&
	    (r = x509_fetch_crls(st)) != 0)
		return r;
	if (crls && (r = x509_run(st, leaf, untrusted, 1)) != 0)
		return r;
	x509_fill_success(st, crls);
	if (t->ocsp_mode != SCEAU_X509_OCSP_OFF &&
	    (r = x509_ocsp_check(st)) != 0)
		return r;
	return 0;
}

int
sceau_x509_verify(const struct sceau_x509_trust *t, const uint8_t *leaf_der,
    size_t leaf_len, const uint8_t *const *chain, const size_t *chain_lens,
    size_t nchain, struct sceau_x509_result *res)
{
	struct x509_vstate st;
	STACK_OF(X509) *untrusted = NULL;
	X509 *leaf = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	res->depth = -1;
	res->revocation_reason = -1;
	sceau_return_val_if_fail(
	    nchain == 0 || (chain != NULL && chain_lens != NULL),
	    (res->code = SCEAU_ERR_INVALID_ARGUMENT));
	memset(&st, 0, sizeof(st));
	st.t = t;
	st.res = res;
	st.now = (int64_t)time(NULL);
	st.at = t->when != 0 ? t->when : st.now;
	st.rev_reason = -1;
	if (pthread_once(&x509_ex_once, x509_ex_init) != 0 || x509_ex_index < 0)
		return (res->code = SCEAU_ERR_CRYPTO);
	if ((r = x509_inputs(&st, leaf_der, leaf_len, chain, chain_lens, nchain,
	         &leaf, &untrusted)) == 0)
		r = x509_validate(&st, leaf, untrusted);
	if (r != 0 && res->code == 0) {
		res->code = r;
		if (sceau_last_message()[0] != '\0')
			(void)snprintf(res->reason, sizeof(res->reason), "%s",
			    sceau_last_message());
	}
	sk_X509_pop_free(st.chain, X509_free);
	sk_X509_CRL_pop_free(st.crls, X509_CRL_free);
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	ERR_clear_error();
	return (res->code = r);
}
