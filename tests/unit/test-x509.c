/*
 * test-x509.c: X.509 certificates and path validation (src/x509*.c)
 * over the test PKI (tests/pki/make-pki.sh): parsing and details; alice
 * valid with both CRLs; carol revoked (named, with her reason); only the
 * issuing CA's CRL with every certificate checked; an expired CRL;
 * mallory of another CA; a time after expiry and before issue; wrong
 * usages; a revocation after an audit's time; CRLs from the cache with no
 * network, and an unreachable distribution point or responder (hard and
 * soft fail); RSA-PSS and ECDSA signatures made by OpenSSL with the
 * users' keys, and altered ones refused.
 *
 * The PKI's URLs name port 1 of 127.0.0.1, where nothing listens: every
 * fetch fails at once, on loopback.  Fetching that works is in
 * tests/integration/pki.sh.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "alloc.h"
#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "hash.h"
#include "testutil.h"
#include "x509.h"

#define PORT "1"

struct fx {
	char dir[64];
	char pki[96];
};

static struct fx fx;

static void
path_of(char *out, size_t size, const char *name)
{
	(void)snprintf(out, size, "%s/%s", fx.pki, name);
}

/* The bytes of a file of the PKI (free with sceau_buf_free). */
static struct sceau_buf *
load(const char *name)
{
	struct sceau_buf *b = sceau_buf_new();
	char path[256];

	assert_non_null(b);
	path_of(path, sizeof(path), name);
	assert_int_equal(sceau_buf_load_file(path, 1 << 20, b), 0);
	return b;
}

static int
group_setup(void **state)
{
	const char *top = getenv("top_srcdir");
	char cmd[1024];

	(void)state;
	(void)snprintf(fx.dir, sizeof(fx.dir), "/tmp/sceau-x509.XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	(void)snprintf(fx.pki, sizeof(fx.pki), "%s/pki", fx.dir);
	/*
	 * The PKI, then erin revoked a second later (superseded), in a CRL
	 * of her own: a revocation after her certificate's start.
	 */
	(void)snprintf(cmd, sizeof(cmd),
	    "SCEAU_PKI_PORT=" PORT " sh '%s/tests/pki/make-pki.sh' '%s' && "
	    "cd '%s' && sleep 1 && export UEMAIL=x && "
	    "openssl ca -batch -config openssl.cnf -name CA_int -revoke "
	    "erin.crt -crl_reason superseded >/dev/null 2>&1 && "
	    "openssl ca -batch -config openssl.cnf -name CA_int -gencrl "
	    "-out erin.crl >/dev/null 2>&1",
	    top != NULL ? top : ".", fx.pki, fx.pki);
	if (system(cmd) != 0) {
		(void)fprintf(stderr, "making the test PKI failed\n");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A trust with root.crt and the given CRL files (NULL-terminated). */
static struct sceau_x509_trust *
trust_with(const char *crl, ...)
{
	struct sceau_x509_trust *t;
	char path[256];
	va_list ap;

	assert_int_equal(sceau_x509_trust_new(&t), 0);
	path_of(path, sizeof(path), "root.crt");
	assert_int_equal(sceau_x509_trust_add_anchors_file(t, path), 0);
	va_start(ap, crl);
	for (; crl != NULL; crl = va_arg(ap, const char *)) {
		path_of(path, sizeof(path), crl);
		assert_int_equal(sceau_x509_trust_add_crl_file(t, path), 0);
	}
	va_end(ap);
	return t;
}

/* Validates NAME.der with int.der as the untrusted chain. */
static int
verify(const struct sceau_x509_trust *t, const char *name,
    struct sceau_x509_result *res)
{
	struct sceau_buf *leaf, *in = load("int.der");
	const uint8_t *chain[1];
	size_t lens[1];
	char file[64];
	int r;

	(void)snprintf(file, sizeof(file), "%s.der", name);
	leaf = load(file);
	chain[0] = sceau_buf_ptr(in);
	lens[0] = sceau_buf_len(in);
	r = sceau_x509_verify(
	    t, sceau_buf_ptr(leaf), sceau_buf_len(leaf), chain, lens, 1, res);
	if (r != res->code)
		fail_msg("returned %d, result says %d", r, res->code);
	if (r != 0)
		print_message("# %s: %s (%s)\n", name, sceau_errname(r),
		    sceau_last_message());
	sceau_buf_free(leaf);
	sceau_buf_free(in);
	return r;
}

static struct sceau_x509 *
cert(const char *name)
{
	struct sceau_x509 *c;
	char path[256];

	path_of(path, sizeof(path), name);
	assert_int_equal(sceau_x509_load_file(path, &c), 0);
	return c;
}

/* ------------------------------------------------------------------ */

static void
test_details(void **state)
{
	struct sceau_x509 *a = cert("alice.crt"), *b = cert("bob.der"),
	                  *root = cert("root.der"), *m = cert("mallory.der");
	struct sceau_buf *der = load("alice.der");
	char text[SCEAU_X509_NAME_MAX + 1], email[SCEAU_X509_EMAIL_MAX + 1];
	uint8_t fp[32], want[32];
	struct sceau_x509_key_info ki;
	const uint8_t *p;
	int64_t nb, na;
	size_t n;

	(void)state;
	sceau_x509_der(a, &p, &n);
	assert_int_equal(n, sceau_buf_len(der));
	assert_memory_equal(p, sceau_buf_ptr(der), n);
	assert_int_equal(sceau_x509_fingerprint(a, fp), 0);
	assert_int_equal(sceau_hash_sha256(p, n, want), 0);
	assert_memory_equal(fp, want, 32);
	assert_int_equal(sceau_x509_subject(a, text, sizeof(text)), 0);
	assert_string_equal(
	    text, "emailAddress=alice@example.org,CN=alice,O=Example Test Org");
	assert_int_equal(sceau_x509_issuer(a, text, sizeof(text)), 0);
	assert_string_equal(
	    text, "CN=Example Test Issuing CA,O=Example Test Org");
	/* Cut to fit, visibly. */
	assert_int_equal(sceau_x509_subject(a, text, 12), 0);
	assert_string_equal(text, "emailAdd...");
	assert_int_equal(sceau_x509_serial(a, text, sizeof(text)), 0);
	assert_string_equal(text, "1001");
	assert_int_equal(sceau_x509_validity(a, &nb, &na), 0);
	assert_true(nb <= (int64_t)time(NULL) + 5 && na > nb + 800 * 86400LL);
	assert_int_equal(sceau_x509_email(a, email), 0);
	assert_string_equal(email, "alice@example.org");
	assert_int_equal(sceau_x509_has_email(a, "alice@EXAMPLE.org"), 1);
	assert_int_equal(sceau_x509_has_email(a, "Alice@example.org"), 0);
	assert_int_equal(sceau_x509_has_email(a, "bob@example.org"), 0);
	assert_int_equal(sceau_x509_email(root, email), SCEAU_ERR_NOT_FOUND);
	assert_int_equal(sceau_x509_email(m, email), 0);
	assert_string_equal(email, "mallory@example.org");
	assert_int_equal(sceau_x509_key_info(a, &ki), 0);
	assert_int_equal(ki.type, SCEAU_X509_KEY_RSA);
	assert_int_equal(ki.bits, 3072);
	assert_string_equal(ki.description, "RSA 3072");
	assert_int_equal(sceau_x509_key_info(b, &ki), 0);
	assert_int_equal(ki.type, SCEAU_X509_KEY_EC);
	assert_string_equal(ki.curve, "P-256");
	assert_int_equal(sceau_x509_key_info(root, &ki), 0);
	assert_string_equal(ki.description, "EC P-384");
	sceau_x509_free(a);
	sceau_x509_free(b);
	sceau_x509_free(root);
	sceau_x509_free(m);
	sceau_buf_free(der);
}

static void
test_parse_refused(void **state)
{
	struct sceau_buf *der = load("alice.der"), *pem = load("alice.crt");
	struct sceau_x509 *c = NULL;
	uint8_t *big;
	size_t n = sceau_buf_len(der);

	(void)state;
	assert_int_equal(sceau_x509_parse_der(sceau_buf_ptr(der), n, &c), 0);
	sceau_x509_free(c);
	assert_int_equal(sceau_x509_parse_pem((const char *)sceau_buf_ptr(pem),
	                     sceau_buf_len(pem), &c),
	    0);
	sceau_x509_free(c);
	/* Cut, with a byte after it, altered length, garbage: refused. */
	big = calloc(1, SCEAU_X509_DER_MAX + 1);
	assert_non_null(big);
	memcpy(big, sceau_buf_ptr(der), n);
	assert_int_equal(
	    sceau_x509_parse_der(big, n - 1, &c), SCEAU_ERR_X509_FORMAT);
	assert_null(c);
	assert_int_equal(
	    sceau_x509_parse_der(big, n + 1, &c), SCEAU_ERR_X509_FORMAT);
	big[3] ^= 1;
	assert_int_equal(
	    sceau_x509_parse_der(big, n, &c), SCEAU_ERR_X509_FORMAT);
	assert_int_equal(
	    sceau_x509_parse_der(big, 0, &c), SCEAU_ERR_X509_FORMAT);
	assert_int_equal(sceau_x509_parse_der(big, SCEAU_X509_DER_MAX + 1, &c),
	    SCEAU_ERR_FILE_TOO_LARGE);
	assert_int_equal(
	    sceau_x509_parse_pem("junk", 4, &c), SCEAU_ERR_X509_FORMAT);
	free(big);
	sceau_buf_free(der);
	sceau_buf_free(pem);
}

static int
parse_once(void *arg)
{
	struct sceau_buf *der = arg;
	struct sceau_x509 *c;
	int r;

	r = sceau_x509_parse_der(sceau_buf_ptr(der), sceau_buf_len(der), &c);
	sceau_x509_free(c);
	return r;
}

static void
test_parse_alloc_failure(void **state)
{
	struct sceau_buf *der = load("bob.der");

	(void)state;
	assert_true(tu_alloc_torture(parse_once, der, 10) > 0);
	sceau_buf_free(der);
}

/* ------------------------------------------------------------------ */

static void
test_alice_valid(void **state)
{
	struct sceau_x509_trust *t = trust_with("root.crl", "int.crl", NULL);
	struct sceau_x509_result res;

	(void)state;
	assert_int_equal(verify(t, "alice", &res), 0);
	assert_int_equal(res.depth, -1);
	assert_int_equal(res.chain_len, 3);
	assert_non_null(strstr(res.chain[0].subject, "CN=alice"));
	assert_non_null(strstr(res.chain[1].subject, "Issuing CA"));
	assert_non_null(strstr(res.chain[2].subject, "Root CA"));
	assert_string_equal(res.chain[0].serial, "1001");
	assert_int_equal(res.crl_status, SCEAU_X509_REV_GOOD);
	assert_int_equal(res.crl_checked_all, 1);
	assert_int_equal(res.ocsp_status, SCEAU_X509_REV_NOT_CHECKED);
	assert_int_equal(res.revocation_skipped, 0);
	/* The EC users too, with the usage of a token that unwraps. */
	sceau_x509_trust_set_usage(t, SCEAU_X509_USAGE_UNWRAP);
	sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_SMARTCARD_LOGON);
	assert_int_equal(verify(t, "bob", &res), 0);
	assert_int_equal(verify(t, "dave", &res), 0);
	sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_CLIENT_AUTH);
	assert_int_equal(verify(t, "alice", &res), 0);
	sceau_x509_trust_free(t);
}

static void
test_intermediates(void **state)
{
	struct sceau_x509_trust *t = trust_with(NULL);
	struct sceau_buf *leaf = load("alice.der"), *in = load("int.der");
	struct sceau_x509_result res;
	char path[256];

	(void)state;
	/* Without the issuing CA: no path. */
	assert_int_equal(sceau_x509_verify(t, sceau_buf_ptr(leaf),
	                     sceau_buf_len(leaf), NULL, NULL, 0, &res),
	    SCEAU_ERR_CERT_UNTRUSTED);
	assert_int_equal(res.depth, 0);
	assert_non_null(strstr(res.reason, "Issuing CA"));
	/* With it from the trust: a path, and no CRL check asked. */
	assert_int_equal(sceau_x509_trust_add_intermediate_der(
	                     t, sceau_buf_ptr(in), sceau_buf_len(in)),
	    0);
	assert_int_equal(sceau_x509_verify(t, sceau_buf_ptr(leaf),
	                     sceau_buf_len(leaf), NULL, NULL, 0, &res),
	    0);
	assert_int_equal(res.chain_len, 3);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_NOT_CHECKED);
	sceau_x509_trust_free(t);
	/* From a file; an anchor that is not a CA is refused. */
	t = trust_with(NULL);
	path_of(path, sizeof(path), "chain.pem");
	assert_int_equal(sceau_x509_trust_add_intermediates_file(t, path), 0);
	assert_int_equal(verify(t, "erin", &res), 0);
	path_of(path, sizeof(path), "bob.crt");
	assert_int_equal(
	    sceau_x509_trust_add_anchors_file(t, path), SCEAU_ERR_CERT_USAGE);
	sceau_x509_trust_free(t);
	sceau_buf_free(leaf);
	sceau_buf_free(in);
}

static void
test_carol_revoked(void **state)
{
	struct sceau_x509_trust *t = trust_with("crls.pem", NULL);
	struct sceau_x509_result res;

	(void)state;
	assert_int_equal(verify(t, "carol", &res), SCEAU_ERR_CERT_REVOKED);
	assert_int_equal(res.depth, 0);
	assert_non_null(strstr(res.subject, "CN=carol"));
	assert_string_equal(res.serial, "1003");
	assert_int_equal(res.revocation_reason, 1);
	assert_true(res.revocation_time > 0);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_REVOKED);
	assert_non_null(strstr(res.reason, "keyCompromise"));
	assert_non_null(strstr(sceau_last_message(), "CN=carol"));
	assert_non_null(strstr(sceau_last_message(), "keyCompromise"));
	assert_string_equal(sceau_x509_reason_name(1), "keyCompromise");
	sceau_x509_trust_free(t);
}

/* CRLs given as bytes, within the trust's CRL size limit. */
static void
test_crl_der(void **state)
{
	struct sceau_buf *root = load("root-crl.der"),
	                 *in = load("int-crl.der");
	struct sceau_x509_trust *t = trust_with(NULL);
	struct sceau_x509_result res;
	uint8_t big[1025];

	(void)state;
	assert_int_equal(
	    sceau_x509_trust_set_crl_max(t, 1023), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_x509_trust_set_crl_max(t, SCEAU_X509_CRL_MAX_LIMIT + 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_x509_trust_set_crl_max(t, 1024), 0);
	memset(big, 0x30, sizeof(big));
	assert_int_equal(sceau_x509_trust_add_crl_der(t, big, sizeof(big)),
	    SCEAU_ERR_FILE_TOO_LARGE);
	assert_int_equal(sceau_x509_trust_add_crl_der(
	                     t, sceau_buf_ptr(in), sceau_buf_len(in) - 1),
	    SCEAU_ERR_X509_FORMAT);
	assert_int_equal(sceau_x509_trust_add_crl_der(
	                     t, sceau_buf_ptr(root), sceau_buf_len(root)),
	    0);
	assert_int_equal(sceau_x509_trust_add_crl_der(
	                     t, sceau_buf_ptr(in), sceau_buf_len(in)),
	    0);
	assert_int_equal(verify(t, "alice", &res), 0);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_GOOD);
	assert_int_equal(verify(t, "carol", &res), SCEAU_ERR_CERT_REVOKED);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_REVOKED);
	sceau_x509_trust_free(t);
	sceau_buf_free(root);
	sceau_buf_free(in);
}

static void
test_crl_missing_for_intermediate(void **state)
{
	struct sceau_x509_trust *t = trust_with("int.crl", NULL);
	struct sceau_x509_result res;

	(void)state;
	assert_int_equal(verify(t, "alice", &res), SCEAU_ERR_CRL_MISSING);
	assert_int_equal(res.depth, 1);
	assert_non_null(strstr(res.subject, "Issuing CA"));
	assert_non_null(strstr(res.reason, "Root CA"));
	/* The leaf alone needs int.crl only. */
	sceau_x509_trust_set_crl_check(t, SCEAU_X509_CRL_CHECK_LEAF);
	assert_int_equal(verify(t, "alice", &res), 0);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_GOOD);
	assert_int_equal(res.crl_checked_all, 0);
	/* No CRL at all, yet asked for. */
	sceau_x509_trust_free(t);
	t = trust_with(NULL);
	sceau_x509_trust_set_crl_check(t, SCEAU_X509_CRL_CHECK_ALL);
	assert_int_equal(verify(t, "alice", &res), SCEAU_ERR_CRL_MISSING);
	assert_int_equal(res.depth, 0);
	sceau_x509_trust_free(t);
}

static void
test_crl_expired(void **state)
{
	struct sceau_x509_trust *t =
	    trust_with("root.crl", "expired.crl", NULL);
	struct sceau_x509_result res;

	(void)state;
	assert_int_equal(verify(t, "alice", &res), SCEAU_ERR_CRL_EXPIRED);
	assert_int_equal(res.depth, 0);
	assert_non_null(strstr(res.reason, "2020-02-01"));
	sceau_x509_trust_free(t);
}

static void
test_other_ca_untrusted(void **state)
{
	struct sceau_x509_trust *t = trust_with("crls.pem", NULL);
	struct sceau_buf *leaf = load("mallory.der"),
	                 *oi = load("other-int.der"),
	                 *orr = load("other-root.der");
	const uint8_t *chain[2] = {sceau_buf_ptr(oi), sceau_buf_ptr(orr)};
	size_t lens[2] = {sceau_buf_len(oi), sceau_buf_len(orr)};
	struct sceau_x509_result res;

	(void)state;
	assert_int_equal(sceau_x509_verify(t, sceau_buf_ptr(leaf),
	                     sceau_buf_len(leaf), chain, lens, 2, &res),
	    SCEAU_ERR_CERT_UNTRUSTED);
	assert_int_equal(res.depth, 2);
	assert_non_null(strstr(res.subject, "Other Test Root CA"));
	assert_int_equal(res.chain_len, 0);
	/* Too many chain certificates: refused before anything. */
	assert_int_equal(
	    sceau_x509_verify(t, sceau_buf_ptr(leaf), sceau_buf_len(leaf),
	        chain, lens, SCEAU_X509_CHAIN_MAX + 1, &res),
	    SCEAU_ERR_LIMIT_EXCEEDED);
	/* A malformed chain certificate. */
	lens[0]--;
	assert_int_equal(sceau_x509_verify(t, sceau_buf_ptr(leaf),
	                     sceau_buf_len(leaf), chain, lens, 1, &res),
	    SCEAU_ERR_X509_FORMAT);
	sceau_x509_trust_free(t);
	sceau_buf_free(leaf);
	sceau_buf_free(oi);
	sceau_buf_free(orr);
}

static void
test_times(void **state)
{
	struct sceau_x509_trust *t = trust_with(NULL);
	struct sceau_x509_result res;
	struct sceau_x509 *a = cert("alice.der");
	int64_t nb, na;

	(void)state;
	assert_int_equal(sceau_x509_validity(a, &nb, &na), 0);
	sceau_x509_trust_set_time(t, na + 86400);
	assert_int_equal(verify(t, "alice", &res), SCEAU_ERR_CERT_EXPIRED);
	assert_int_equal(res.depth, 0);
	assert_non_null(strstr(res.reason, "expired on"));
	sceau_x509_trust_set_time(t, nb - 86400);
	assert_int_equal(
	    verify(t, "alice", &res), SCEAU_ERR_CERT_NOT_YET_VALID);
	sceau_x509_trust_set_time(t, nb + 60);
	assert_int_equal(verify(t, "alice", &res), 0);
	sceau_x509_free(a);
	sceau_x509_trust_free(t);
}

static void
test_usage(void **state)
{
	struct sceau_x509_trust *t = trust_with(NULL);
	struct sceau_x509_result res;

	(void)state;
	/* The OCSP responder's certificate is no person's. */
	assert_int_equal(verify(t, "ocsp", &res), 0);
	sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_SMARTCARD_LOGON);
	assert_int_equal(verify(t, "ocsp", &res), SCEAU_ERR_CERT_USAGE);
	assert_non_null(strstr(res.reason, "smartcardLogon"));
	sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_CLIENT_AUTH);
	assert_int_equal(verify(t, "ocsp", &res), SCEAU_ERR_CERT_USAGE);
	assert_int_equal(res.depth, 0);
	sceau_x509_trust_set_eku(t, SCEAU_X509_EKU_NONE);
	sceau_x509_trust_set_usage(t, SCEAU_X509_USAGE_UNWRAP);
	assert_int_equal(verify(t, "ocsp", &res), SCEAU_ERR_CERT_USAGE);
	assert_non_null(strstr(res.reason, "keyAgreement"));
	/* A CA is nobody's token. */
	assert_int_equal(verify(t, "int", &res), SCEAU_ERR_CERT_USAGE);
	sceau_x509_trust_free(t);
}

static void
test_revoked_after_audit_time(void **state)
{
	struct sceau_x509_trust *t = trust_with("root.crl", "erin.crl", NULL);
	struct sceau_x509 *e = cert("erin.der"), *c = cert("carol.der");
	struct sceau_x509_result res;
	int64_t nb, na;

	(void)state;
	assert_int_equal(verify(t, "erin", &res), SCEAU_ERR_CERT_REVOKED);
	assert_int_equal(res.revocation_reason, 4);
	/* At her certificate's start she was not yet revoked. */
	assert_int_equal(sceau_x509_validity(e, &nb, &na), 0);
	sceau_x509_trust_set_time(t, nb);
	assert_int_equal(verify(t, "erin", &res), 0);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_REVOKED_LATER);
	assert_int_equal(res.revocation_reason, 4);
	assert_true(res.revocation_time > nb);
	/* A key compromise taints what came before it too. */
	assert_int_equal(sceau_x509_validity(c, &nb, &na), 0);
	sceau_x509_trust_set_time(t, nb);
	assert_int_equal(verify(t, "carol", &res), SCEAU_ERR_CERT_REVOKED);
	sceau_x509_free(e);
	sceau_x509_free(c);
	sceau_x509_trust_free(t);
}

/* ------------------------------------------------------------------ */

/* Puts the PKI's file name in cache dir under url's name. */
static void
cache_put(const char *dir, const char *url, const char *name)
{
	uint8_t d[32];
	char hex[65], path[512];
	struct sceau_buf *b = load(name);

	assert_int_equal(sceau_hash_sha256(url, strlen(url), d), 0);
	sceau_enc_hex_fixed(d, 32, hex);
	(void)snprintf(path, sizeof(path), "%s/%s.crl", dir, hex);
	assert_int_equal(sceau_buf_write_file_atomic(path, 0600, b), 0);
	sceau_buf_free(b);
}

static void
test_crl_cache_offline(void **state)
{
	struct sceau_x509_trust *t = trust_with(NULL);
	struct sceau_x509_result res;
	char dir[256];
	struct stat sb;

	(void)state;
	(void)snprintf(dir, sizeof(dir), "%s/cache", fx.dir);
	assert_int_equal(sceau_x509_trust_set_crl_fetch(t, 1, dir, 0), 0);
	/* Nothing cached, nothing listening: unreachable, named. */
	assert_int_equal(
	    verify(t, "alice", &res), SCEAU_ERR_REVOCATION_UNREACHABLE);
	assert_int_equal(res.depth, 0);
	assert_non_null(
	    strstr(res.reason, "http://127.0.0.1:" PORT "/int.crl"));
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Both CRLs in the cache: used, no network needed. */
	cache_put(dir, "http://127.0.0.1:" PORT "/int.crl", "int.crl");
	cache_put(dir, "http://127.0.0.1:" PORT "/root.crl", "root.crl");
	assert_int_equal(verify(t, "alice", &res), 0);
	assert_int_equal(res.crl_checked_all, 1);
	assert_int_equal(verify(t, "carol", &res), SCEAU_ERR_CERT_REVOKED);
	/* A stale one is not: the root's CRL unreachable, at depth 1. */
	cache_put(dir, "http://127.0.0.1:" PORT "/int.crl", "expired.crl");
	assert_int_equal(
	    verify(t, "alice", &res), SCEAU_ERR_REVOCATION_UNREACHABLE);
	assert_int_equal(res.depth, 0);
	/* One signed by another CA is not either. */
	cache_put(dir, "http://127.0.0.1:" PORT "/int.crl", "root.crl");
	assert_int_equal(
	    verify(t, "alice", &res), SCEAU_ERR_REVOCATION_UNREACHABLE);
	/* Soft-fail: accepted, and said. */
	sceau_x509_trust_set_soft_fail(t, 1);
	assert_int_equal(verify(t, "alice", &res), 0);
	assert_int_equal(res.revocation_skipped, 1);
	assert_int_equal(res.crl_status, SCEAU_X509_REV_UNREACHABLE);
	assert_int_equal(res.crl_checked_all, 0);
	/* Still refused when a CRL that is there says so. */
	cache_put(dir, "http://127.0.0.1:" PORT "/int.crl", "int.crl");
	assert_int_equal(verify(t, "carol", &res), SCEAU_ERR_CERT_REVOKED);
	/* A cache that is not private is not used. */
	assert_int_equal(chmod(dir, 0777), 0);
	sceau_x509_trust_set_soft_fail(t, 0);
	assert_int_equal(
	    verify(t, "alice", &res), SCEAU_ERR_REVOCATION_UNREACHABLE);
	assert_int_equal(chmod(dir, 0700), 0);
	sceau_x509_trust_free(t);
}

static void
test_ocsp_unreachable(void **state)
{
	struct sceau_x509_trust *t = trust_with(NULL);
	struct sceau_x509_result res;

	(void)state;
	assert_int_equal(
	    sceau_x509_trust_set_ocsp(t, SCEAU_X509_OCSP_AIA, NULL), 0);
	assert_int_equal(
	    verify(t, "bob", &res), SCEAU_ERR_REVOCATION_UNREACHABLE);
	assert_int_equal(res.ocsp_status, SCEAU_X509_REV_UNREACHABLE);
	assert_non_null(strstr(res.reason, "OCSP"));
	sceau_x509_trust_set_soft_fail(t, 1);
	assert_int_equal(verify(t, "bob", &res), 0);
	assert_int_equal(res.revocation_skipped, 1);
	assert_int_equal(res.ocsp_status, SCEAU_X509_REV_UNREACHABLE);
	/* A configured responder instead; only http(s). */
	assert_int_equal(sceau_x509_trust_set_ocsp(
	                     t, SCEAU_X509_OCSP_URL, "ftp://127.0.0.1/"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_x509_trust_set_ocsp(t, SCEAU_X509_OCSP_URL,
	                     "http://127.0.0.1:" PORT "/ocsp"),
	    0);
	assert_int_equal(verify(t, "alice", &res), 0);
	assert_int_equal(res.ocsp_status, SCEAU_X509_REV_UNREACHABLE);
	sceau_x509_trust_free(t);
}

static void
test_ocsp_no_responder(void **state)
{
	struct sceau_x509_trust *t;
	struct sceau_buf *leaf = load("mallory.der"),
	                 *oi = load("other-int.der");
	const uint8_t *chain[1] = {sceau_buf_ptr(oi)};
	size_t lens[1] = {sceau_buf_len(oi)};
	struct sceau_x509_result res;
	char path[256];

	(void)state;
	/* mallory's CA names no responder: refused, even in soft-fail. */
	assert_int_equal(sceau_x509_trust_new(&t), 0);
	path_of(path, sizeof(path), "other-root.crt");
	assert_int_equal(sceau_x509_trust_add_anchors_file(t, path), 0);
	assert_int_equal(
	    sceau_x509_trust_set_ocsp(t, SCEAU_X509_OCSP_AIA, NULL), 0);
	sceau_x509_trust_set_soft_fail(t, 1);
	assert_int_equal(sceau_x509_verify(t, sceau_buf_ptr(leaf),
	                     sceau_buf_len(leaf), chain, lens, 1, &res),
	    SCEAU_ERR_REVOCATION_UNREACHABLE);
	assert_non_null(strstr(res.reason, "no OCSP responder"));
	assert_non_null(strstr(res.subject, "CN=mallory"));
	sceau_x509_trust_free(t);
	sceau_buf_free(leaf);
	sceau_buf_free(oi);
}

/* ------------------------------------------------------------------ */

/* Signs data with the PKI's key name: PSS (salt) or ECDSA with md. */
static size_t
sign_with(const char *name, const char *md, int salt, const void *data,
    size_t n, uint8_t *sig, size_t size)
{
	char path[256];
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY *pk;
	FILE *f;
	size_t len = size;

	path_of(path, sizeof(path), name);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(pk = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	(void)fclose(f);
	assert_int_equal(
	    EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, pk, NULL), 1);
	if (salt > 0) {
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING),
		    1);
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 1);
	}
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, data, n), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return len;
}

static void
check_sig(const char *certname, const char *keyname, const char *alg,
    const char *md, int salt)
{
	static const char msg[] = "sceau-cert-token-v1 test message";
	struct sceau_x509 *c = cert(certname);
	uint8_t sig[1024];
	size_t n =
	    sign_with(keyname, md, salt, msg, sizeof(msg), sig, sizeof(sig));
	char alt[sizeof(msg)];
	size_t i;

	assert_int_equal(
	    sceau_x509_verify_signature(c, alg, msg, sizeof(msg), sig, n), 0);
	/* Every altered byte of the signature, and of the message. */
	for (i = 0; i < n; i += 7) {
		tu_flip(sig, i, (unsigned int)i);
		assert_int_equal(sceau_x509_verify_signature(
		                     c, alg, msg, sizeof(msg), sig, n),
		    SCEAU_ERR_SIGNATURE_INVALID);
		tu_flip(sig, i, (unsigned int)i);
	}
	memcpy(alt, msg, sizeof(msg));
	alt[3] ^= 0x20;
	assert_int_equal(
	    sceau_x509_verify_signature(c, alg, alt, sizeof(alt), sig, n),
	    SCEAU_ERR_SIGNATURE_INVALID);
	assert_int_equal(
	    sceau_x509_verify_signature(c, alg, msg, sizeof(msg), sig, n - 1),
	    SCEAU_ERR_SIGNATURE_INVALID);
	assert_int_equal(
	    sceau_x509_verify_signature(c, alg, msg, sizeof(msg), sig, 0),
	    SCEAU_ERR_SIGNATURE_INVALID);
	sceau_x509_free(c);
}

static void
test_signatures(void **state)
{
	static const char msg[] = "data";
	struct sceau_x509 *a = cert("alice.der"), *b = cert("bob.der");
	uint8_t sig[1024];
	size_t n;

	(void)state;
	check_sig("alice.der", "alice.key", "rsa-pss-sha256", "SHA256", 32);
	check_sig("dave.der", "dave.key", "rsa-pss-sha256", "SHA256", 32);
	check_sig("bob.der", "bob.key", "ecdsa-p256-sha256", "SHA256", 0);
	check_sig("root.der", "root.key", "ecdsa-p384-sha384", "SHA384", 0);
	/* PSS with another salt length, or PKCS#1 v1.5: refused. */
	n = sign_with("alice.key", "SHA256", 20, msg, 4, sig, sizeof(sig));
	assert_int_equal(
	    sceau_x509_verify_signature(a, "rsa-pss-sha256", msg, 4, sig, n),
	    SCEAU_ERR_SIGNATURE_INVALID);
	/* Another key's signature; a key of the wrong type or curve. */
	n = sign_with("carol.key", "SHA256", 0, msg, 4, sig, sizeof(sig));
	assert_int_equal(
	    sceau_x509_verify_signature(b, "ecdsa-p256-sha256", msg, 4, sig, n),
	    SCEAU_ERR_SIGNATURE_INVALID);
	assert_int_equal(
	    sceau_x509_verify_signature(b, "ecdsa-p384-sha384", msg, 4, sig, n),
	    SCEAU_ERR_KEY_INVALID);
	assert_int_equal(
	    sceau_x509_verify_signature(a, "ecdsa-p256-sha256", msg, 4, sig, n),
	    SCEAU_ERR_KEY_INVALID);
	assert_int_equal(
	    sceau_x509_verify_signature(b, "rsa-pss-sha256", msg, 4, sig, n),
	    SCEAU_ERR_KEY_INVALID);
	assert_int_equal(
	    sceau_x509_verify_signature(b, "ed25519", msg, 4, sig, n),
	    SCEAU_ERR_NOT_SUPPORTED);
	sceau_x509_free(a);
	sceau_x509_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_details),
	    cmocka_unit_test(test_parse_refused),
	    cmocka_unit_test(test_parse_alloc_failure),
	    cmocka_unit_test(test_alice_valid),
	    cmocka_unit_test(test_intermediates),
	    cmocka_unit_test(test_carol_revoked),
	    cmocka_unit_test(test_crl_der),
	    cmocka_unit_test(test_crl_missing_for_intermediate),
	    cmocka_unit_test(test_crl_expired),
	    cmocka_unit_test(test_other_ca_untrusted),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_revoked_after_audit_time),
	    cmocka_unit_test(test_crl_cache_offline),
	    cmocka_unit_test(test_ocsp_unreachable),
	    cmocka_unit_test(test_ocsp_no_responder),
	    cmocka_unit_test(test_signatures),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name(
	    "x509", tests, group_setup, group_teardown);
}
