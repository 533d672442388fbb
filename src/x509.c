/*
 * x509.c: X.509 certificates: strict parsing, the details programs show
 * (names, serial, validity, email, key), and signatures verified with a
 * certificate's key.  Path validation is in x509-trust.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "hash.h"
#include "x509-internal.h"
#include "x509.h"

#define X509_SIG_MAX 1024 /* bytes of a signature we verify */
#define X509_RSA_BITS_MIN 2048

/* ------------------------------------------------------------------ */
/* Parsing. */

int
x509_from_der(const uint8_t *der, size_t len, X509 **xp)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	X509 *x;
	int n;

	*xp = NULL;
	if (len > SCEAU_X509_DER_MAX) {
		sceau_message("certificate of %zu bytes (at most %d)", len,
		    SCEAU_X509_DER_MAX);
		return SCEAU_ERR_FILE_TOO_LARGE;
	}
	if (len == 0 || (x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		sceau_message("not a DER X.509 certificate");
		return SCEAU_ERR_X509_FORMAT;
	}
	/* One encoding per certificate: DER exactly, nothing after it. */
	n = i2d_X509(x, &enc);
	if (p != der + len || n < 0 || (size_t)n != len ||
	    memcmp(enc, der, len) != 0) {
		OPENSSL_free(enc);
		X509_free(x);
		ERR_clear_error();
		sceau_message("certificate is not in canonical DER");
		return SCEAU_ERR_X509_FORMAT;
	}
	OPENSSL_free(enc);
	*xp = x;
	return 0;
}

/* Wraps x (whose reference is taken) with its DER encoding. */
static int
x509_wrap(X509 *x, struct sceau_x509 **cp)
{
	struct sceau_x509 *c;
	unsigned char *enc = NULL;
	int n;

	*cp = NULL;
	if ((n = i2d_X509(x, &enc)) <= 0) {
		X509_free(x);
		ERR_clear_error();
		return SCEAU_ERR_X509_FORMAT;
	}
	if (n > SCEAU_X509_DER_MAX) {
		OPENSSL_free(enc);
		X509_free(x);
		sceau_message("certificate of %d bytes (at most %d)", n,
		    SCEAU_X509_DER_MAX);
		return SCEAU_ERR_FILE_TOO_LARGE;
	}
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL ||
	    (c->der = sceau_malloc((size_t)n)) == NULL) {
		sceau_free(c);
		OPENSSL_free(enc);
		X509_free(x);
		return SCEAU_ERR_ALLOC;
	}
	memcpy(c->der, enc, (size_t)n);
	c->der_len = (size_t)n;
	c->x = x;
	OPENSSL_free(enc);
	*cp = c;
	return 0;
}

int
sceau_x509_parse_der(const uint8_t *der, size_t len, struct sceau_x509 **cp)
{
	X509 *x;
	int r;

	*cp = NULL;
	sceau_return_val_if_fail(
	    der != NULL || len == 0, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = x509_from_der(der, len, &x)) != 0)
		return r;
	return x509_wrap(x, cp);
}

static int
x509_is_pem(const uint8_t *p, size_t n)
{
	static const char tag[] = "-----BEGIN ";
	size_t i;

	for (i = 0; n >= sizeof(tag) - 1 && i <= n - (sizeof(tag) - 1); i++) {
		if (memcmp(p + i, tag, sizeof(tag) - 1) == 0)
			return 1;
	}
	return 0;
}

int
sceau_x509_parse_pem(const char *pem, size_t len, struct sceau_x509 **cp)
{
	BIO *bio;
	X509 *x;

	*cp = NULL;
	sceau_return_val_if_fail(pem != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (len > SCEAU_X509_FILE_MAX)
		return SCEAU_ERR_FILE_TOO_LARGE;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return SCEAU_ERR_ALLOC;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (x == NULL) {
		sceau_message("no PEM certificate found");
		return SCEAU_ERR_X509_FORMAT;
	}
	return x509_wrap(x, cp);
}

static int
x509_take_first(X509 *x, void *arg)
{
	X509 **first = arg;

	if (*first != NULL)
		return 0;
	if (X509_up_ref(x) != 1)
		return SCEAU_ERR_CRYPTO;
	*first = x;
	return 0;
}

int
sceau_x509_load_file(const char *path, struct sceau_x509 **cp)
{
	struct sceau_buf *b;
	X509 *x = NULL;
	int r;

	*cp = NULL;
	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_load_file(path, SCEAU_X509_FILE_MAX, b)) != 0) {
		sceau_buf_free(b);
		return r;
	}
	r = x509_each_cert(b, x509_take_first, &x);
	sceau_buf_free(b);
	if (r != 0) {
		X509_free(x);
		return r;
	}
	return x509_wrap(x, cp);
}

void
sceau_x509_free(struct sceau_x509 *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	sceau_free(c->der);
	sceau_free(c);
}

/*
 * The certificates (cert_cb) or the CRLs (crl_cb) of PEM text, each at
 * most max bytes in DER.  A malformed PEM block fails it all.
 */
static int
x509_each_pem(const uint8_t *p, size_t n, size_t max,
    int (*cert_cb)(X509 *, void *), int (*crl_cb)(X509_CRL *, void *),
    void *arg)
{
	STACK_OF(X509_INFO) * infos;
	const X509_INFO *xi;
	size_t count = 0;
	BIO *bio;
	int i, len, r = 0;

	if (n > INT32_MAX || (bio = BIO_new_mem_buf(p, (int)n)) == NULL)
		return SCEAU_ERR_ALLOC;
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	for (i = 0; r == 0 && infos != NULL && i < sk_X509_INFO_num(infos);
	     i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (cert_cb != NULL && xi->x509 == NULL)
			continue;
		if (crl_cb != NULL && xi->crl == NULL)
			continue;
		count++;
		len = cert_cb != NULL ? i2d_X509(xi->x509, NULL)
		                      : i2d_X509_CRL(xi->crl, NULL);
		if (len < 0 || (size_t)len > max) {
			sceau_message("PEM object %zu: larger than %zu bytes",
			    count, max);
			r = SCEAU_ERR_FILE_TOO_LARGE;
		} else {
			r = cert_cb != NULL ? cert_cb(xi->x509, arg)
			                    : crl_cb(xi->crl, arg);
		}
	}
	if (infos == NULL) {
		sceau_message("malformed PEM");
		r = SCEAU_ERR_X509_FORMAT;
	} else if (r == 0 && count == 0) {
		sceau_message(
		    "no PEM %s found", cert_cb != NULL ? "certificate" : "CRL");
		r = SCEAU_ERR_X509_FORMAT;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	return r;
}

/* PEM certificates one by one, or the buffer as one DER certificate. */
int
x509_each_cert(const struct sceau_buf *b, int (*cb)(X509 *, void *), void *arg)
{
	const uint8_t *p = sceau_buf_ptr(b);
	size_t n = sceau_buf_len(b);
	X509 *x;
	int r;

	if (n == 0) {
		sceau_message("empty certificate file");
		return SCEAU_ERR_X509_FORMAT;
	}
	if (x509_is_pem(p, n))
		return x509_each_pem(p, n, SCEAU_X509_DER_MAX, cb, NULL, arg);
	if ((r = x509_from_der(p, n, &x)) != 0)
		return r;
	r = cb(x, arg);
	X509_free(x);
	return r;
}

int
x509_crl_parse(const uint8_t *p, size_t n, size_t max, X509_CRL **cp)
{
	const unsigned char *q = p;
	X509_CRL *crl = NULL;
	BIO *bio;

	*cp = NULL;
	if (n > max) {
		sceau_message("CRL of %zu bytes (at most %zu)", n, max);
		return SCEAU_ERR_FILE_TOO_LARGE;
	}
	if (x509_is_pem(p, n)) {
		if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
			return SCEAU_ERR_ALLOC;
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else if (n > 0) {
		crl = d2i_X509_CRL(NULL, &q, (long)n);
		if (crl != NULL && q != p + n) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	if (crl == NULL) {
		sceau_message("not a CRL (DER or PEM)");
		return SCEAU_ERR_X509_FORMAT;
	}
	*cp = crl;
	return 0;
}

int
x509_each_crl(const struct sceau_buf *b, size_t max,
    int (*cb)(X509_CRL *, void *), void *arg)
{
	const uint8_t *p = sceau_buf_ptr(b);
	size_t n = sceau_buf_len(b);
	X509_CRL *crl;
	int r;

	if (n > 0 && x509_is_pem(p, n))
		return x509_each_pem(p, n, max, NULL, cb, arg);
	if ((r = x509_crl_parse(p, n, max, &crl)) != 0)
		return r;
	r = cb(crl, arg);
	X509_CRL_free(crl);
	return r;
}

/* ------------------------------------------------------------------ */
/* Details. */

void
sceau_x509_der(const struct sceau_x509 *c, const uint8_t **der, size_t *len)
{
	*der = c->der;
	*len = c->der_len;
}

int
sceau_x509_fingerprint(
    const struct sceau_x509 *c, uint8_t out[SCEAU_X509_FINGERPRINT_LEN])
{
	return sceau_hash_sha256(c->der, c->der_len, out);
}

/* Copies src (n bytes) into out, ending with "..." when cut. */
static void
x509_copy_text(const char *src, size_t n, char *out, size_t size)
{
	if (size == 0)
		return;
	if (n < size) {
		memcpy(out, src, n);
		out[n] = '\0';
		return;
	}
	memcpy(out, src, size - 1);
	out[size - 1] = '\0';
	if (size > 4)
		memcpy(out + size - 4, "...", 4);
}

void
x509_name_text(const X509_NAME *name, char *out, size_t size)
{
	/* RFC 2253, UTF-8 kept as is, control characters escaped. */
	const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *bio;
	char *p = NULL;
	long n;

	if (size > 0)
		out[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, flags) >= 0 &&
	    (n = BIO_get_mem_data(bio, &p)) >= 0 && p != NULL)
		x509_copy_text(p, (size_t)n, out, size);
	BIO_free(bio);
	ERR_clear_error();
}

void
x509_serial_text(const ASN1_INTEGER *serial, char *out, size_t size)
{
	BIGNUM *bn;
	char *hex = NULL;

	if (size > 0)
		out[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(serial, NULL)) != NULL &&
	    (hex = BN_bn2hex(bn)) != NULL)
		x509_copy_text(hex, strlen(hex), out, size);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t
x509_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
x509_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	*out = 0;
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return SCEAU_ERR_X509_FORMAT;
	}
	*out = x509_days_from_civil((int64_t)tm.tm_year + 1900,
	           (int64_t)tm.tm_mon + 1, tm.tm_mday) *
	        86400 +
	    (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return 0;
}

void
sceau_x509_time_text(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(out, 32, "@%lld", (long long)t);
}

void
x509_describe(X509 *x, struct sceau_x509_result_cert *rc)
{
	unsigned int n = 0;

	x509_name_text(
	    X509_get_subject_name(x), rc->subject, sizeof(rc->subject));
	x509_serial_text(
	    X509_get0_serialNumber(x), rc->serial, sizeof(rc->serial));
	if (X509_digest(x, EVP_sha256(), rc->fingerprint, &n) != 1 ||
	    n != SCEAU_X509_FINGERPRINT_LEN)
		memset(rc->fingerprint, 0, sizeof(rc->fingerprint));
	ERR_clear_error();
}

int
sceau_x509_subject(const struct sceau_x509 *c, char *out, size_t size)
{
	sceau_return_val_if_fail(size > 0, SCEAU_ERR_INVALID_ARGUMENT);
	x509_name_text(X509_get_subject_name(c->x), out, size);
	return out[0] != '\0' ? 0 : SCEAU_ERR_X509_FORMAT;
}

int
sceau_x509_issuer(const struct sceau_x509 *c, char *out, size_t size)
{
	sceau_return_val_if_fail(size > 0, SCEAU_ERR_INVALID_ARGUMENT);
	x509_name_text(X509_get_issuer_name(c->x), out, size);
	return out[0] != '\0' ? 0 : SCEAU_ERR_X509_FORMAT;
}

int
sceau_x509_serial(const struct sceau_x509 *c, char *out, size_t size)
{
	sceau_return_val_if_fail(size > 0, SCEAU_ERR_INVALID_ARGUMENT);
	x509_serial_text(X509_get0_serialNumber(c->x), out, size);
	return out[0] != '\0' ? 0 : SCEAU_ERR_X509_FORMAT;
}

int
sceau_x509_validity(
    const struct sceau_x509 *c, int64_t *not_before, int64_t *not_after)
{
	int r;

	*not_after = 0;
	if ((r = x509_time_unix(X509_get0_notBefore(c->x), not_before)) != 0)
		return r;
	return x509_time_unix(X509_get0_notAfter(c->x), not_after);
}

/* ------------------------------------------------------------------ */
/* Email addresses. */

/* An address we show and compare: printable ASCII, one '@' inside. */
static int
x509_email_ok(const unsigned char *p, int n)
{
	int i, at = -1;

	if (n <= 0 || n > SCEAU_X509_EMAIL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return 0;
		if (p[i] == '@') {
			if (at >= 0)
				return 0;
			at = i;
		}
	}
	return at > 0 && at < n - 1;
}

typedef int (*x509_email_cb)(const char *email, void *arg);

static int
x509_email_give(const ASN1_STRING *s, x509_email_cb cb, void *arg)
{
	char buf[SCEAU_X509_EMAIL_MAX + 1];
	int n = ASN1_STRING_length(s);

	if (!x509_email_ok(ASN1_STRING_get0_data(s), n))
		return 0;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)n);
	buf[n] = '\0';
	return cb(buf, arg);
}

/* The subject alternative names of type type (GEN_EMAIL or the UPN). */
static int
x509_san_emails(X509 *x, int upn, x509_email_cb cb, void *arg)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	int i, r = 0;

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL) {
		ERR_clear_error();
		return 0;
	}
	for (i = 0; r == 0 && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (!upn && g->type == GEN_EMAIL)
			r = x509_email_give(g->d.rfc822Name, cb, arg);
		else if (upn && g->type == GEN_OTHERNAME &&
		    OBJ_obj2nid(g->d.otherName->type_id) == NID_ms_upn &&
		    g->d.otherName->value->type == V_ASN1_UTF8STRING)
			r = x509_email_give(
			    g->d.otherName->value->value.utf8string, cb, arg);
	}
	GENERAL_NAMES_free(gens);
	return r;
}

/* Every address, in order: SAN rfc822Name, UPN, subject emailAddress. */
static int
x509_each_email(X509 *x, x509_email_cb cb, void *arg)
{
	const X509_NAME *name = X509_get_subject_name(x);
	int r, i = -1;

	if ((r = x509_san_emails(x, 0, cb, arg)) != 0 ||
	    (r = x509_san_emails(x, 1, cb, arg)) != 0)
		return r;
	while ((i = X509_NAME_get_index_by_NID(
	            name, NID_pkcs9_emailAddress, i)) >= 0) {
		if ((r = x509_email_give(
		         X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)),
		         cb, arg)) != 0)
			return r;
	}
	return 0;
}

static int
x509_first_email(const char *email, void *arg)
{
	char *out = arg;

	memcpy(out, email, strlen(email) + 1);
	return 1;
}

int
sceau_x509_email(const struct sceau_x509 *c, char out[SCEAU_X509_EMAIL_MAX + 1])
{
	out[0] = '\0';
	if (x509_each_email(c->x, x509_first_email, out) == 1)
		return 0;
	return SCEAU_ERR_NOT_FOUND;
}

static int
x509_same_email(const char *email, void *arg)
{
	const char *want = arg, *at = strrchr(email, '@'),
	           *wat = strrchr(want, '@');

	if (at == NULL || wat == NULL || at - email != wat - want)
		return 0;
	/* The local part exactly (RFC 5321), the domain in any case. */
	return memcmp(email, want, (size_t)(at - email)) == 0 &&
	    strcasecmp(at, wat) == 0;
}

int
sceau_x509_has_email(const struct sceau_x509 *c, const char *email)
{
	return x509_each_email(c->x, x509_same_email, (void *)email) == 1;
}

/* ------------------------------------------------------------------ */
/* Keys and signatures. */

static void
x509_curve_name(EVP_PKEY *pk, char *out, size_t size)
{
	static const struct {
		const char *ossl, *nist;
	} names[] = {
	    {"prime256v1", "P-256"},
	    {"secp384r1", "P-384"},
	    {"secp521r1", "P-521"},
	};
	char group[64];
	size_t i, n = 0;

	out[0] = '\0';
	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	        group, sizeof(group), &n) != 1) {
		ERR_clear_error();
		return;
	}
	for (i = 0; i < SCEAU_NELEM(names); i++) {
		if (strcmp(group, names[i].ossl) == 0) {
			(void)snprintf(out, size, "%s", names[i].nist);
			return;
		}
	}
	(void)snprintf(out, size, "%s", group);
}

int
sceau_x509_key_info(const struct sceau_x509 *c, struct sceau_x509_key_info *ki)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->x);

	memset(ki, 0, sizeof(*ki));
	if (pk == NULL) {
		ERR_clear_error();
		return SCEAU_ERR_X509_FORMAT;
	}
	ki->bits = EVP_PKEY_get_bits(pk);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		ki->type = SCEAU_X509_KEY_RSA;
		(void)snprintf(ki->description, sizeof(ki->description),
		    "RSA %d", ki->bits);
		break;
	case EVP_PKEY_EC:
		ki->type = SCEAU_X509_KEY_EC;
		x509_curve_name(pk, ki->curve, sizeof(ki->curve));
		(void)snprintf(ki->description, sizeof(ki->description),
		    "EC %s", ki->curve);
		break;
	default:
		ki->type = SCEAU_X509_KEY_OTHER;
		(void)snprintf(ki->description, sizeof(ki->description), "%s",
		    OBJ_nid2sn(EVP_PKEY_get_base_id(pk)));
		break;
	}
	return 0;
}

struct x509_sigalg {
	const char *name;
	enum sceau_x509_key_type type;
	const char *curve; /* EC: the curve the key must be on */
	const char *digest;
};

static const struct x509_sigalg x509_sigalgs[] = {
    {"rsa-pss-sha256", SCEAU_X509_KEY_RSA, NULL, "SHA256"},
    {"ecdsa-p256-sha256", SCEAU_X509_KEY_EC, "P-256", "SHA256"},
    {"ecdsa-p384-sha384", SCEAU_X509_KEY_EC, "P-384", "SHA384"},
};

/* Is c's key right for alg?  0 or SCEAU_ERR_KEY_INVALID. */
static int
x509_key_fits(const struct sceau_x509 *c, const struct x509_sigalg *a)
{
	struct sceau_x509_key_info ki;

	if (sceau_x509_key_info(c, &ki) != 0 || ki.type != a->type ||
	    (a->curve != NULL && strcmp(ki.curve, a->curve) != 0) ||
	    (a->type == SCEAU_X509_KEY_RSA && ki.bits < X509_RSA_BITS_MIN)) {
		sceau_message("the certificate's key (%s) cannot verify %s",
		    ki.description, a->name);
		return SCEAU_ERR_KEY_INVALID;
	}
	return 0;
}

int
sceau_x509_verify_signature(const struct sceau_x509 *c, const char *alg,
    const void *data, size_t len, const uint8_t *sig, size_t siglen)
{
	static const uint8_t empty[1];
	const struct x509_sigalg *a = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	size_t i;
	int r, ok = 0;

	sceau_return_val_if_fail(
	    data != NULL || len == 0, SCEAU_ERR_INVALID_ARGUMENT);
	for (i = 0; i < SCEAU_NELEM(x509_sigalgs); i++) {
		if (strcmp(alg, x509_sigalgs[i].name) == 0)
			a = &x509_sigalgs[i];
	}
	if (a == NULL) {
		sceau_message("unknown signature algorithm");
		return SCEAU_ERR_NOT_SUPPORTED;
	}
	if ((r = x509_key_fits(c, a)) != 0)
		return r;
	if (sig == NULL || siglen == 0 || siglen > X509_SIG_MAX)
		return SCEAU_ERR_SIGNATURE_INVALID;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if (EVP_DigestVerifyInit_ex(md, &pctx, a->digest, NULL, NULL,
	        X509_get0_pubkey(c->x), NULL) != 1 ||
	    (a->type == SCEAU_X509_KEY_RSA &&
	        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <=
	                0 ||
	            EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->digest, NULL) <=
	                0 ||
	            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) <= 0))) {
		r = SCEAU_ERR_CRYPTO;
		goto out;
	}
	ok = EVP_DigestVerify(md, sig, siglen, len > 0 ? data : empty, len);
	r = ok == 1 ? 0 : SCEAU_ERR_SIGNATURE_INVALID;
out:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return r;
}

/* One more certificate of a file, as a DER string of an X.509 list. */
struct bundle {
	struct sceau_buf *ders;
	uint32_t n;
};

static int
x509_bundle_add(X509 *x, void *arg)
{
	struct bundle *bd = arg;
	unsigned char *der = NULL;
	int len, r;

	if (bd->n == SCEAU_X509_BUNDLE_MAX) {
		sceau_message("more than %d certificates in the file",
		    SCEAU_X509_BUNDLE_MAX);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	if ((len = i2d_X509(x, &der)) <= 0)
		return SCEAU_ERR_CRYPTO;
	r = sceau_buf_put_string(bd->ders, der, (size_t)len);
	OPENSSL_free(der);
	if (r == 0)
		bd->n++;
	return r;
}

int
sceau_x509_load_bundle(const char *path, struct sceau_buf *out)
{
	struct bundle bd = {NULL, 0};
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL ||
	    (bd.ders = sceau_buf_new()) == NULL) {
		sceau_buf_free(b);
		return SCEAU_ERR_ALLOC;
	}
	if ((r = sceau_buf_load_file(path, SCEAU_X509_FILE_MAX, b)) == 0 &&
	    (r = x509_each_cert(b, x509_bundle_add, &bd)) == 0 &&
	    (r = sceau_buf_put_u32(out, bd.n)) == 0)
		r = sceau_buf_putb(out, bd.ders);
	sceau_buf_free(bd.ders);
	sceau_buf_free(b);
	return r;
}
