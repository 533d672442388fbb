/*
 * test-token.c: the token layer (pkcs11/) against real SoftHSM2 tokens
 * through real p11-kit: the test PKI and its tokens are made by
 * tests/pki/make-pki.sh and make-tokens.sh in a temporary directory, plus
 * a P-384 token (the root CA's key) and a token to lock.
 *
 * Covered: opening by URI (path, name, every registered module), wrong
 * URIs, the module allow-list, login and wrong PINs, the certificate,
 * key types, signatures checked by OpenSSL, wrapping on the host and
 * unwrapping on the token for RSA (SHA-1 OAEP: SoftHSM 2.6.1 has no
 * other) and EC P-256/P-384, altered blobs, the operation counters,
 * listing.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "buf.h"
#include "errors.h"
#include "keyfile.h"
#include "sign.h"
#include "testutil.h"
#include "token-internal.h"
#include "token.h"

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"
#define PIN "123456"

static char dir[64];

static void run(const char *fmt, ...) SCEAU_PRINTF(1, 2);

static void
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "test-token: failed: %s\n", cmd);
		exit(1);
	}
}

/*
 * The PKI, the users' tokens, and three more: "p384" (the root CA's key
 * and certificate), "locktest" (empty) and "gone" (erin's key; deleted).
 */
static void
fixture_make(void)
{
	const char *top = getenv("top_srcdir");
	char path[256];

	if (top == NULL)
		top = ".";
	(void)snprintf(dir, sizeof(dir), "/tmp/sceau-token.XXXXXX");
	if (mkdtemp(dir) == NULL)
		exit(1);
	run("sh '%s/tests/pki/make-pki.sh' '%s/pki' >/dev/null", top, dir);
	run("sh '%s/tests/pki/make-tokens.sh' '%s/pki' '%s/tok' >/dev/null",
	    top, dir, dir);
	(void)snprintf(path, sizeof(path), "%s/tok/softhsm2.conf", dir);
	(void)setenv("SOFTHSM2_CONF", path, 1);
	run("softhsm2-util --init-token --free --label p384 --so-pin 12345678 "
	    "--pin 123456 >/dev/null && pkcs11-tool --module %s "
	    "--token-label p384 --login --pin 123456 --write-object "
	    "'%s/pki/root.key' --type privkey --id 01 --label root "
	    "--usage-sign --usage-derive >/dev/null && pkcs11-tool --module %s "
	    "--token-label p384 --login --pin 123456 --write-object "
	    "'%s/pki/root.der' --type cert --id 01 --label root >/dev/null",
	    SOFTHSM, dir, SOFTHSM, dir);
	run("softhsm2-util --init-token --free --label locktest --so-pin "
	    "12345678 --pin 123456 >/dev/null");
	run("softhsm2-util --init-token --free --label gone --so-pin 12345678 "
	    "--pin 123456 >/dev/null && pkcs11-tool --module %s "
	    "--token-label gone --login --pin 123456 --write-object "
	    "'%s/pki/erin.key' --type privkey --id 01 --label gone "
	    "--usage-sign --usage-derive >/dev/null && pkcs11-tool --module %s "
	    "--token-label gone --login --pin 123456 --write-object "
	    "'%s/pki/erin.der' --type cert --id 01 --label gone >/dev/null",
	    SOFTHSM, dir, SOFTHSM, dir);
}

static void
fixture_remove(void)
{
	run("rm -rf '%s'", dir);
}

static void
uri_of(char *out, size_t size, const char *token)
{
	(void)snprintf(
	    out, size, "pkcs11:token=%s?module-path=%s", token, SOFTHSM);
}

static struct sceau_token *
open_token(const char *label)
{
	struct sceau_token *t;
	char uri[256];
	int r;

	uri_of(uri, sizeof(uri), label);
	r = sceau_token_open(uri, &t);
	if (r != 0)
		fail_msg("open %s: %s (%s)", uri, sceau_errname(r),
		    sceau_last_message());
	return t;
}

static void
login(struct sceau_token *t)
{
	assert_int_equal(sceau_token_login(t, PIN, strlen(PIN)), 0);
}

/* A file of the PKI, whole. */
static struct sceau_buf *
pki_file(const char *name)
{
	struct sceau_buf *b;
	char path[256];

	(void)snprintf(path, sizeof(path), "%s/pki/%s", dir, name);
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_load_file(path, 1 << 20, b), 0);
	return b;
}

static void
test_open(void **state)
{
	static const char *const users[] = {"alice", "bob", "p384"};
	static const char *const certs[] = {"alice.der", "bob.der", "root.der"};
	static const enum sceau_token_key_type types[] = {SCEAU_TOKEN_KEY_RSA,
	    SCEAU_TOKEN_KEY_EC_P256, SCEAU_TOKEN_KEY_EC_P384};
	const struct sceau_token_info *info;
	struct sceau_token *t;
	struct sceau_buf *want;
	const uint8_t *der;
	size_t i, len;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(users); i++) {
		t = open_token(users[i]);
		info = sceau_token_info(t);
		assert_string_equal(info->label, users[i]);
		assert_string_equal(info->manufacturer, "SoftHSM project");
		assert_string_equal(info->model, "SoftHSM v2");
		assert_string_equal(info->module, SOFTHSM);
		assert_int_equal(info->pin_state, SCEAU_TOKEN_PIN_OK);
		assert_non_null(strstr(info->uri, "pkcs11:"));
		assert_non_null(strstr(info->uri, users[i]));
		/* The certificate is readable before login. */
		assert_int_equal(sceau_token_certificate(t, &der, &len), 0);
		want = pki_file(certs[i]);
		assert_int_equal(len, sceau_buf_len(want));
		assert_memory_equal(der, sceau_buf_ptr(want), len);
		assert_int_equal(sceau_token_key_type(t), types[i]);
		assert_int_equal(sceau_token_ops(t), 0);
		sceau_buf_free(want);
		sceau_token_close(t);
	}
	sceau_token_close(NULL);
}

/* The URI's own module, by p11-kit name, and every registered one. */
static void
test_open_by_name(void **state)
{
	static const char *const uris[] = {
	    "pkcs11:token=bob?module-name=softhsm2",
	    "pkcs11:token=bob;id=%01",
	    "pkcs11:token=bob;object=bob;type=cert",
	    "pkcs11:manufacturer=SoftHSM%20project;token=bob",
	};
	struct sceau_token *t;
	const uint8_t *der;
	size_t i, len;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(uris); i++) {
		assert_int_equal(sceau_token_open(uris[i], &t), 0);
		assert_string_equal(sceau_token_info(t)->label, "bob");
		assert_int_equal(sceau_token_certificate(t, &der, &len), 0);
		sceau_token_close(t);
	}
	/* The listed URI opens the same token again. */
	t = open_token("erin");
	assert_non_null(strstr(sceau_token_info(t)->uri, "module-path="));
	{
		struct sceau_token *t2;

		assert_int_equal(
		    sceau_token_open(sceau_token_info(t)->uri, &t2), 0);
		assert_string_equal(sceau_token_info(t2)->label, "erin");
		sceau_token_close(t2);
	}
	sceau_token_close(t);
}

static void
expect_open(const char *uri, int want)
{
	struct sceau_token *t = (struct sceau_token *)1;
	int r;

	sceau_message_clear();
	r = sceau_token_open(uri, &t);
	if (r != want)
		fail_msg("%s: %s, expected %s (%s)", uri, sceau_errname(r),
		    sceau_errname(want), sceau_last_message());
	assert_null(t);
	assert_true(sceau_last_message()[0] != '\0');
}

static void
test_open_refused(void **state)
{
	(void)state;
	expect_open("pkcs11:token=nobody?module-path=" SOFTHSM,
	    SCEAU_ERR_TOKEN_NOT_FOUND);
	expect_open("pkcs11:token=alice;serial=0000?module-name=softhsm2",
	    SCEAU_ERR_TOKEN_NOT_FOUND);
	expect_open("pkcs11:model=SoftHSM%20v2?module-name=softhsm2",
	    SCEAU_ERR_TOKEN_AMBIGUOUS);
	expect_open("https://example.org/", SCEAU_ERR_TOKEN_URI);
	expect_open("pkcs11:token=alice;id=%zz", SCEAU_ERR_TOKEN_URI);
	expect_open("pkcs11:token=alice?pin-value=123456&module-name=softhsm2",
	    SCEAU_ERR_TOKEN_URI);
	expect_open("pkcs11:token=alice?pin-source=file:/etc/passwd",
	    SCEAU_ERR_TOKEN_URI);
	expect_open("pkcs11:token=alice;x-unknown=1", SCEAU_ERR_TOKEN_URI);
	expect_open("pkcs11:token=alice?module-name=no-such-module",
	    SCEAU_ERR_TOKEN_MODULE);
	/* Modules outside the allow-list are never loaded. */
	expect_open("pkcs11:token=alice?module-path="
	            "/usr/lib/x86_64-linux-gnu/libsoftokn3.so",
	    SCEAU_ERR_TOKEN_MODULE_REFUSED);
	expect_open("pkcs11:token=alice?module-path=/tmp/../bin/sh",
	    SCEAU_ERR_TOKEN_MODULE_REFUSED);
	expect_open("pkcs11:token=alice?module-path=libsofthsm2.so",
	    SCEAU_ERR_TOKEN_MODULE_REFUSED);
	expect_open("pkcs11:token=alice?module-path=/no/such/module.so",
	    SCEAU_ERR_TOKEN_MODULE_REFUSED);
}

/* A copy of SoftHSM elsewhere: refused, then allowed by the variable. */
static void
test_allow_list(void **state)
{
	char copy[256], link[256], uri[512], env[600];
	struct sceau_token *t;

	(void)state;
	(void)snprintf(copy, sizeof(copy), "%s/copy.so", dir);
	(void)snprintf(link, sizeof(link), "%s/link.so", dir);
	run("cp " SOFTHSM " '%s'", copy);
	assert_int_equal(symlink(SOFTHSM, link), 0);
	(void)unsetenv("SCEAU_PKCS11_ALLOW");
	assert_int_equal(sceau_token_module_allowed(SOFTHSM), 0);
	/* A link is judged by what it points to. */
	assert_int_equal(sceau_token_module_allowed(link), 0);
	assert_int_equal(
	    sceau_token_module_allowed(copy), SCEAU_ERR_TOKEN_MODULE_REFUSED);
	(void)snprintf(
	    uri, sizeof(uri), "pkcs11:token=bob?module-path=%s", copy);
	expect_open(uri, SCEAU_ERR_TOKEN_MODULE_REFUSED);
	(void)snprintf(env, sizeof(env), "/nowhere.so::relative.so:%s", copy);
	(void)setenv("SCEAU_PKCS11_ALLOW", env, 1);
	assert_int_equal(sceau_token_module_allowed(copy), 0);
	assert_int_equal(sceau_token_module_allowed("relative.so"),
	    SCEAU_ERR_TOKEN_MODULE_REFUSED);
	assert_int_equal(sceau_token_open(uri, &t), 0);
	assert_string_equal(sceau_token_info(t)->module, copy);
	sceau_token_close(t);
	(void)unsetenv("SCEAU_PKCS11_ALLOW");
}

static void
test_login(void **state)
{
	unsigned long total = sceau_token_ops_total();
	struct sceau_token *t;
	struct sceau_buf *sig;

	(void)state;
	t = open_token("alice");
	assert_non_null(sig = sceau_buf_new());
	/* Before login, the private key is out of reach. */
	assert_int_equal(
	    sceau_token_find_key(t), SCEAU_ERR_TOKEN_NOT_LOGGED_IN);
	assert_int_equal(sceau_token_sign(t, "m", 1, sig, NULL),
	    SCEAU_ERR_TOKEN_NOT_LOGGED_IN);
	assert_int_equal(sceau_token_ops(t), 0);
	assert_int_equal(
	    sceau_token_login(t, "654321", 6), SCEAU_ERR_WRONG_PIN);
	assert_int_equal(sceau_token_ops(t), 1);
	assert_int_equal(sceau_token_login(t, "", 0), SCEAU_ERR_WRONG_PIN);
	assert_int_equal(
	    sceau_token_login(t, NULL, 0), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_token_ops(t), 1);
	login(t);
	assert_int_equal(sceau_token_find_key(t), 0);
	/* Logging in twice is harmless. */
	login(t);
	assert_int_equal(sceau_token_ops(t), 3);
	assert_int_equal(sceau_token_ops_total(), total + 3);
	sceau_buf_free(sig);
	sceau_token_close(t);
}

/* What SoftHSM cannot show: locked PINs, removed tokens. */
static void
test_rv_errors(void **state)
{
	static const struct {
		CK_RV rv;
		int want;
	} cases[] = {
	    {CKR_OK, 0},
	    {CKR_PIN_INCORRECT, SCEAU_ERR_WRONG_PIN},
	    {CKR_PIN_LOCKED, SCEAU_ERR_PIN_LOCKED},
	    {CKR_DEVICE_REMOVED, SCEAU_ERR_TOKEN_ABSENT},
	    {CKR_TOKEN_NOT_PRESENT, SCEAU_ERR_TOKEN_ABSENT},
	    {CKR_SESSION_HANDLE_INVALID, SCEAU_ERR_TOKEN_ABSENT},
	    {CKR_USER_NOT_LOGGED_IN, SCEAU_ERR_TOKEN_NOT_LOGGED_IN},
	    {CKR_ARGUMENTS_BAD, SCEAU_ERR_TOKEN_MECHANISM},
	    {CKR_ENCRYPTED_DATA_INVALID, SCEAU_ERR_DECRYPT_FAILED},
	    {CKR_GENERAL_ERROR, SCEAU_ERR_TOKEN_FAILURE},
	    {CKR_DEVICE_ERROR, SCEAU_ERR_TOKEN_FAILURE},
	};
	const char *names[4];
	size_t i;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(cases); i++)
		assert_int_equal(
		    token_rv_error(cases[i].rv, "C_Op"), cases[i].want);
	(void)token_rv_error(CKR_PIN_LOCKED, "C_Login");
	assert_string_equal(sceau_last_message(),
	    "C_Login: The password or PIN is locked (CKR 0xa4)");
	assert_int_equal(token_pin_state(0), SCEAU_TOKEN_PIN_OK);
	assert_string_equal(
	    sceau_token_pin_state_name(SCEAU_TOKEN_PIN_FINAL_TRY), "final-try");
	assert_int_equal(
	    sceau_token_flag_names(
	        CKF_LOGIN_REQUIRED | CKF_USER_PIN_LOCKED, names, 4),
	    2);
	assert_string_equal(names[0], "login-required");
	assert_string_equal(names[1], "user-pin-locked");
	assert_int_equal(sceau_token_flag_names(~0UL, names, 4), 4);
	assert_string_equal(
	    sceau_token_wrap_alg_name(SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1),
	    "rsa-oaep-sha1");
	assert_null(sceau_token_wrap_alg_name(0x01));
	assert_int_equal(
	    token_pin_state(CKF_USER_PIN_COUNT_LOW), SCEAU_TOKEN_PIN_COUNT_LOW);
	assert_int_equal(
	    token_pin_state(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY),
	    SCEAU_TOKEN_PIN_FINAL_TRY);
	assert_int_equal(
	    token_pin_state(CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY),
	    SCEAU_TOKEN_PIN_LOCKED);
}

/*
 * What SoftHSM 2.6.1 does with wrong PINs (seen here): it sets
 * CKF_USER_PIN_COUNT_LOW after the first one, never sets _FINAL_TRY or
 * _LOCKED, never locks, and clears the flag at the next good login.  So
 * the tries-left report is "few tries left", and PIN_LOCKED cannot be
 * reached on SoftHSM: test_rv_errors checks the mapping instead.
 */
/* A token with neither certificate nor key. */
static void
test_no_pair(void **state)
{
	struct sceau_token *t;
	const uint8_t *der = (const uint8_t *)"x";
	size_t len = 1;

	(void)state;
	t = open_token("locktest");
	assert_int_equal(
	    sceau_token_certificate(t, &der, &len), SCEAU_ERR_TOKEN_NO_CERT);
	assert_null(der);
	assert_int_equal(len, 0);
	assert_int_equal(sceau_token_key_type(t), SCEAU_TOKEN_KEY_NONE);
	login(t);
	assert_int_equal(sceau_token_find_key(t), SCEAU_ERR_TOKEN_NO_KEY);
	assert_int_equal(sceau_token_key_type(t), SCEAU_TOKEN_KEY_NONE);
	sceau_token_close(t);
}

static void
test_wrong_pins(void **state)
{
	struct sceau_token *t;
	int i;

	(void)state;
	t = open_token("locktest");
	assert_int_equal(sceau_token_info(t)->pin_state, SCEAU_TOKEN_PIN_OK);
	for (i = 0; i < 12; i++) {
		sceau_message_clear();
		assert_int_equal(
		    sceau_token_login(t, "000000", 6), SCEAU_ERR_WRONG_PIN);
		assert_int_equal(
		    sceau_token_info(t)->pin_state, SCEAU_TOKEN_PIN_COUNT_LOW);
		assert_string_equal(sceau_last_message(),
		    "few tries left before the PIN locks");
	}
	assert_int_equal(sceau_token_ops(t), 12);
	login(t);
	assert_int_equal(sceau_token_info(t)->pin_state, SCEAU_TOKEN_PIN_OK);
	sceau_token_close(t);
}

/* OpenSSL's own verification against the certificate's key. */
static int
openssl_verify(const struct sceau_buf *cert, enum sceau_token_key_type type,
    const void *m, size_t n, const struct sceau_buf *sig)
{
	const unsigned char *p = sceau_buf_ptr(cert);
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md;
	X509 *x;
	int ok;

	assert_non_null(x = d2i_X509(NULL, &p, (long)sceau_buf_len(cert)));
	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(
	    EVP_DigestVerifyInit(md, &pctx,
	        type == SCEAU_TOKEN_KEY_EC_P384 ? EVP_sha384() : EVP_sha256(),
	        NULL, X509_get0_pubkey(x)),
	    1);
	if (type == SCEAU_TOKEN_KEY_RSA) {
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING),
		    1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
		assert_int_equal(
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
	}
	ok = EVP_DigestVerify(
	         md, sceau_buf_ptr(sig), sceau_buf_len(sig), m, n) == 1;
	EVP_MD_CTX_free(md);
	X509_free(x);
	return ok;
}

static void
check_sign(const char *label, const char *certfile, const char *want_alg)
{
	static const char msg[] = "a certificate of the organization";
	struct sceau_buf *sig, *cert;
	enum sceau_token_key_type type;
	struct sceau_token *t;
	const char *alg;
	unsigned long ops;

	t = open_token(label);
	login(t);
	ops = sceau_token_ops(t);
	type = sceau_token_key_type(t);
	assert_non_null(sig = sceau_buf_new());
	cert = pki_file(certfile);
	assert_int_equal(
	    sceau_token_sign(t, msg, sizeof(msg) - 1, sig, &alg), 0);
	assert_string_equal(alg, want_alg);
	assert_string_equal(alg, sceau_token_sig_alg(type));
	assert_int_equal(sceau_token_ops(t), ops + 1);
	assert_true(openssl_verify(cert, type, msg, sizeof(msg) - 1, sig));
	assert_false(openssl_verify(cert, type, msg, sizeof(msg) - 2, sig));
	assert_int_equal(
	    sceau_token_verify(sceau_buf_ptr(cert), sceau_buf_len(cert), alg,
	        msg, sizeof(msg) - 1, sceau_buf_ptr(sig), sceau_buf_len(sig)),
	    0);
	assert_int_equal(
	    sceau_token_verify(sceau_buf_ptr(cert), sceau_buf_len(cert), alg,
	        msg, sizeof(msg) - 2, sceau_buf_ptr(sig), sceau_buf_len(sig)),
	    SCEAU_ERR_SIGNATURE_INVALID);
	assert_int_equal(
	    sceau_token_verify(sceau_buf_ptr(cert), sceau_buf_len(cert),
	        "rsa-pss-sha256x", msg, sizeof(msg) - 1, sceau_buf_ptr(sig),
	        sceau_buf_len(sig)),
	    SCEAU_ERR_SIGNATURE_INVALID);
	/* RSA-PSS is randomized; so is ECDSA: two signatures differ. */
	sceau_buf_reset(sig);
	assert_int_equal(sceau_token_sign(t, "", 0, sig, NULL), 0);
	assert_true(openssl_verify(cert, type, "", 0, sig));
	sceau_buf_free(cert);
	sceau_buf_free(sig);
	sceau_token_close(t);
}

static void
test_sign(void **state)
{
	(void)state;
	check_sign("alice", "alice.der", "rsa-pss-sha256");
	check_sign("dave", "dave.der", "rsa-pss-sha256");
	check_sign("bob", "bob.der", "ecdsa-p256-sha256");
	check_sign("p384", "root.der", "ecdsa-p384-sha384");
}

/*
 * Wraps a key to certfile on the host; unwraps it on the token.  Blobs
 * of another key type never reach the token, nor does a mechanism the
 * token refuses at C_DecryptInit: no operation counted then.
 */
static void
check_unwrap(const char *label, const char *certfile, int alg, int want)
{
	unsigned long cost = want == SCEAU_ERR_INVALID_FORMAT ||
	        want == SCEAU_ERR_TOKEN_MECHANISM
	    ? 0
	    : 1;
	uint8_t key[32], got[32];
	struct sceau_buf *cert, *blob;
	struct sceau_token *t;
	unsigned long ops;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	cert = pki_file(certfile);
	assert_non_null(blob = sceau_buf_new());
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert), alg, key, blob),
	    0);
	t = open_token(label);
	assert_int_equal(sceau_token_unwrap(
	                     t, sceau_buf_ptr(blob), sceau_buf_len(blob), got),
	    SCEAU_ERR_TOKEN_NOT_LOGGED_IN);
	login(t);
	ops = sceau_token_ops(t);
	memset(got, 0xaa, sizeof(got));
	assert_int_equal(sceau_token_unwrap(
	                     t, sceau_buf_ptr(blob), sceau_buf_len(blob), got),
	    want);
	assert_int_equal(sceau_token_ops(t), ops + cost);
	if (want == 0)
		assert_memory_equal(got, key, sizeof(key));
	else
		assert_memory_equal(got, (uint8_t[32]){0}, sizeof(got));
	sceau_buf_free(blob);
	sceau_buf_free(cert);
	sceau_token_close(t);
}

static void
test_unwrap(void **state)
{
	(void)state;
	check_unwrap("bob", "bob.der", 0, 0);
	check_unwrap("erin", "erin.der", SCEAU_TOKEN_WRAP_ECDH_P256, 0);
	check_unwrap("p384", "root.der", 0, 0);
	check_unwrap("alice", "alice.der", SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1, 0);
	check_unwrap("dave", "dave.der", SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1, 0);
	/* SoftHSM 2.6.1 does OAEP with SHA-1 only. */
	check_unwrap("alice", "alice.der", 0, SCEAU_ERR_TOKEN_MECHANISM);
	/* Wrapped for someone else. */
	check_unwrap("bob", "erin.der", 0, SCEAU_ERR_DECRYPT_FAILED);
	check_unwrap("dave", "alice.der", SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1,
	    SCEAU_ERR_DECRYPT_FAILED);
	/* A blob of another key type. */
	check_unwrap("bob", "alice.der", 0, SCEAU_ERR_INVALID_FORMAT);
	check_unwrap("alice", "bob.der", 0, SCEAU_ERR_INVALID_FORMAT);
	check_unwrap("bob", "root.der", 0, SCEAU_ERR_INVALID_FORMAT);
}

static void
test_oaep_probe(void **state)
{
	struct sceau_token *t;
	int alg;

	(void)state;
	t = open_token("alice");
	login(t);
	assert_int_equal(sceau_token_oaep_probe(t, &alg), 0);
	assert_int_equal(alg, SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1);
	/* Login, then SHA-1 (SHA-256 was refused at C_DecryptInit). */
	assert_int_equal(sceau_token_ops(t), 2);
	sceau_token_close(t);
	t = open_token("bob");
	login(t);
	assert_int_equal(sceau_token_oaep_probe(t, &alg), 0);
	assert_int_equal(alg, SCEAU_TOKEN_WRAP_ECDH_P256);
	assert_int_equal(sceau_token_ops(t), 1);
	sceau_token_close(t);
}

/* Every byte of a blob altered, for one token. */
static void
tamper(const char *label, const char *certfile, int alg)
{
	uint8_t key[32] = {1, 2, 3}, got[32];
	struct sceau_buf *cert, *blob;
	struct sceau_token *t;
	size_t i, n, step;
	unsigned int bit;
	uint8_t *b;
	int r;

	cert = pki_file(certfile);
	assert_non_null(blob = sceau_buf_new());
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert), alg, key, blob),
	    0);
	n = sceau_buf_len(blob);
	assert_non_null(b = sceau_buf_mutable_ptr(blob));
	t = open_token(label);
	login(t);
	/* RSA ciphertexts are long: every 7th byte is enough. */
	step = alg == SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1 ? 7 : 1;
	for (i = 0; i < n; i += step) {
		/* The alg byte: 0x04 and 0x05 are both RSA; 0x1x is none. */
		bit = i == 0 ? 4 : (unsigned int)i % 8;
		tu_flip(b, i, bit);
		r = sceau_token_unwrap(t, b, n, got);
		tu_flip(b, i, bit);
		if (i == 0)
			assert_int_equal(r, SCEAU_ERR_INVALID_FORMAT);
		else if (r != SCEAU_ERR_DECRYPT_FAILED)
			fail_msg("%s: byte %zu altered: %s (%s)", label, i,
			    sceau_errname(r), sceau_last_message());
	}
	/* Cut, extended, empty. */
	assert_int_equal(
	    sceau_token_unwrap(t, b, n - 1, got), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_buf_put_u8(blob, 0), 0);
	assert_non_null(b = sceau_buf_mutable_ptr(blob));
	assert_int_equal(
	    sceau_token_unwrap(t, b, n + 1, got), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(
	    sceau_token_unwrap(t, b, 0, got), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(
	    sceau_token_unwrap(t, NULL, 0, got), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_token_unwrap(t, b, n, got), 0);
	assert_memory_equal(got, key, 32);
	sceau_buf_free(blob);
	sceau_buf_free(cert);
	sceau_token_close(t);
}

static void
test_unwrap_tamper(void **state)
{
	(void)state;
	tamper("bob", "bob.der", SCEAU_TOKEN_WRAP_ECDH_P256);
	tamper("alice", "alice.der", SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1);
}

/* An ephemeral point off the curve never reaches the token. */
static void
test_unwrap_bad_point(void **state)
{
	uint8_t key[32] = {0}, got[32];
	struct sceau_buf *cert, *blob;
	struct sceau_token *t;
	unsigned long ops;
	uint8_t *b;

	(void)state;
	cert = pki_file("bob.der");
	assert_non_null(blob = sceau_buf_new());
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert), 0, key, blob),
	    0);
	assert_int_equal(sceau_buf_len(blob), 1 + 65 + 12 + 32 + 16);
	assert_non_null(b = sceau_buf_mutable_ptr(blob));
	t = open_token("bob");
	login(t);
	ops = sceau_token_ops(t);
	b[1] = 0x02; /* compressed form */
	assert_int_equal(sceau_token_unwrap(t, b, sceau_buf_len(blob), got),
	    SCEAU_ERR_DECRYPT_FAILED);
	b[1] = 0x04;
	memset(b + 2, 0, 64); /* (0, 0) is on no curve of ours */
	assert_int_equal(sceau_token_unwrap(t, b, sceau_buf_len(blob), got),
	    SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(sceau_token_ops(t), ops);
	sceau_buf_free(blob);
	sceau_buf_free(cert);
	sceau_token_close(t);
}

static void
test_wrap_host(void **state)
{
	uint8_t key[32] = {9};
	struct sceau_buf *cert, *blob, *crl;
	enum sceau_token_key_type type;
	unsigned int bits;

	(void)state;
	cert = pki_file("alice.der");
	crl = pki_file("int.crl");
	assert_non_null(blob = sceau_buf_new());
	assert_int_equal(sceau_token_cert_key_type(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert), &type, &bits),
	    0);
	assert_int_equal(type, SCEAU_TOKEN_KEY_RSA);
	assert_int_equal(bits, 3072);
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert), 0, key, blob),
	    0);
	assert_int_equal(sceau_buf_len(blob), 1 + 384);
	assert_int_equal(
	    sceau_buf_ptr(blob)[0], SCEAU_TOKEN_WRAP_RSA_OAEP_SHA256);
	/* An alg that does not suit the key; not a certificate. */
	assert_int_equal(
	    sceau_token_wrap_to_cert(sceau_buf_ptr(cert), sceau_buf_len(cert),
	        SCEAU_TOKEN_WRAP_ECDH_P256, key, blob),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(crl),
	                     sceau_buf_len(crl), 0, key, blob),
	    SCEAU_ERR_CERT_FORMAT);
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert) - 1, 0, key, blob),
	    SCEAU_ERR_CERT_FORMAT);
	assert_int_equal(sceau_buf_len(blob), 1 + 384);
	assert_string_equal(sceau_token_key_type_name(type), "rsa");
	assert_null(sceau_token_key_type_name(SCEAU_TOKEN_KEY_NONE));
	assert_null(sceau_token_sig_alg(SCEAU_TOKEN_KEY_NONE));
	sceau_buf_free(crl);
	sceau_buf_free(blob);
	sceau_buf_free(cert);
}

/* Several handles on one token; the counters add up. */
static void
test_ops(void **state)
{
	struct sceau_token *a, *b;
	struct sceau_buf *sig;
	unsigned long total = sceau_token_ops_total();

	(void)state;
	a = open_token("carol");
	b = open_token("carol");
	assert_non_null(sig = sceau_buf_new());
	login(a);
	/* Login is per token: the second handle is logged in too. */
	assert_int_equal(sceau_token_sign(b, "x", 1, sig, NULL), 0);
	assert_int_equal(sceau_token_ops(a), 1);
	assert_int_equal(sceau_token_ops(b), 1);
	assert_int_equal(sceau_token_ops_total(), total + 2);
	sceau_token_close(a);
	/* Closing one handle leaves the module to the other. */
	assert_int_equal(sceau_token_sign(b, "y", 1, sig, NULL), 0);
	sceau_token_close(b);
	assert_int_equal(sceau_token_ops_total(), total + 3);
	assert_int_equal(sceau_token_ops(NULL), 0);
	sceau_buf_free(sig);
}

/*
 * Key files protected by a token (src/keyfile.c): the file key wrapped to
 * the card's certificate, unwrapped on it (one operation), for an RSA card
 * (SHA-1 OAEP on SoftHSM 2.6.1) and an EC card; another card is refused,
 * an altered wrapped key too.
 */
static void
check_keyfile_token(const char *label, const char *other)
{
	struct sceau_keyfile_info info, got;
	struct sceau_keyfile_keys keys;
	struct sceau_keyfile_auth auth;
	struct sceau_signkey *dev;
	struct sceau_token *t, *o;
	uint8_t pk1[32], pk2[32];
	struct sceau_buf *f;
	unsigned long ops;
	char uri[256];
	size_t i;

	t = open_token(label);
	o = open_token(other);
	login(t);
	login(o);
	uri_of(uri, sizeof(uri), label);
	memset(&info, 0, sizeof(info));
	(void)snprintf(
	    info.server_url, sizeof(info.server_url), "https://127.0.0.1:1");
	(void)snprintf(info.org_id, sizeof(info.org_id), "acme");
	memset(info.user_id, 'a', SCEAU_ID_LEN);
	memset(info.device_id, 'b', SCEAU_ID_LEN);
	info.created = 1;
	assert_int_equal(sceau_sign_generate(&dev), 0);
	memset(&auth, 0, sizeof(auth));
	auth.kind = SCEAU_KEYFILE_TOKEN;
	auth.token = t;
	auth.token_uri = uri;
	assert_non_null(f = sceau_buf_new());
	/* No user X25519 key: a token-backed user's key is the card's. */
	assert_int_equal(sceau_keyfile_encode(&info, dev, NULL, &auth, f), 0);
	assert_int_equal(
	    sceau_keyfile_decode_info(sceau_buf_ptr(f), sceau_buf_len(f), &got),
	    0);
	assert_int_equal(got.protection, SCEAU_KEYFILE_TOKEN);
	assert_string_equal(got.token_uri, uri);
	ops = sceau_token_ops(t);
	assert_int_equal(sceau_keyfile_decode(sceau_buf_ptr(f),
	                     sceau_buf_len(f), &auth, &got, &keys),
	    0);
	assert_int_equal(sceau_token_ops(t), ops + 1);
	assert_null(keys.user_key);
	sceau_sign_public(dev, pk1);
	sceau_sign_public(keys.device_key, pk2);
	assert_memory_equal(pk1, pk2, 32);
	sceau_keyfile_keys_free(&keys);
	/* Another card: refused before any unwrap. */
	auth.token = o;
	assert_int_equal(sceau_keyfile_decode(sceau_buf_ptr(f),
	                     sceau_buf_len(f), &auth, &got, &keys),
	    SCEAU_ERR_KEY_INVALID);
	/* The last bytes of the header (the wrapped key) altered. */
	auth.token = t;
	for (i = 0; i < 4; i++) {
		struct sceau_buf *g = sceau_buf_dup(f);
		uint32_t hlen;
		const uint8_t *p = sceau_buf_ptr(g);

		hlen = ((uint32_t)p[9] << 24) | ((uint32_t)p[10] << 16) |
		    ((uint32_t)p[11] << 8) | p[12];
		sceau_buf_mutable_ptr(g)[13 + hlen - 1 - i * 7] ^= 0x20;
		assert_int_not_equal(sceau_keyfile_decode(sceau_buf_ptr(g),
		                         sceau_buf_len(g), &auth, &got, &keys),
		    0);
		sceau_buf_free(g);
	}
	sceau_buf_free(f);
	sceau_sign_free(dev);
	sceau_token_close(t);
	sceau_token_close(o);
}

static void
test_keyfile_token(void **state)
{
	(void)state;
	check_keyfile_token("alice", "dave");
	check_keyfile_token("erin", "bob");
}

static void
test_list(void **state)
{
	struct sceau_token_list *l;
	const struct sceau_token_module *m;
	size_t i, tokens = 0, empty = 0;

	(void)state;
	assert_int_equal(sceau_token_list("softhsm2", &l), 0);
	assert_int_equal(l->nmodules, 1);
	m = &l->modules[0];
	assert_string_equal(m->name, "softhsm2");
	assert_string_equal(m->manufacturer, "SoftHSM");
	assert_false(m->failed);
	for (i = 0; i < m->nslots; i++) {
		if (!m->slots[i].token_initialized) {
			empty++;
			continue;
		}
		tokens++;
		assert_non_null(
		    strstr(m->slots[i].info.uri, "module-name=softhsm2"));
	}
	/* Six users, p384, locktest, gone, and SoftHSM's spare slot. */
	assert_int_equal(tokens, 9);
	assert_int_equal(empty, 1);
	sceau_token_list_free(l);
	assert_int_equal(sceau_token_list(SOFTHSM, &l), 0);
	assert_int_equal(l->nmodules, 1);
	assert_string_equal(l->modules[0].name, SOFTHSM);
	sceau_token_list_free(l);
	assert_int_equal(
	    sceau_token_list("/bin/sh", &l), SCEAU_ERR_TOKEN_MODULE_REFUSED);
	assert_null(l);
	/* Every registered module: SoftHSM among them. */
	assert_int_equal(sceau_token_list(NULL, &l), 0);
	for (i = 0; i < l->nmodules; i++)
		if (strcmp(l->modules[i].name, "softhsm2") == 0)
			break;
	assert_true(i < l->nmodules);
	sceau_token_list_free(l);
	sceau_token_list_free(NULL);
}

/*
 * A token deleted under an open handle: the closest SoftHSM comes to a
 * card pulled out (it then answers CKR_OBJECT_HANDLE_INVALID, and a look
 * at the slot tells the token is gone).
 */
static void
test_removed(void **state)
{
	struct sceau_buf *sig, *cert, *blob;
	uint8_t key[32] = {5}, got[32];
	struct sceau_token *t;

	(void)state;
	t = open_token("gone");
	login(t);
	assert_non_null(sig = sceau_buf_new());
	assert_non_null(blob = sceau_buf_new());
	cert = pki_file("erin.der");
	assert_int_equal(sceau_token_wrap_to_cert(sceau_buf_ptr(cert),
	                     sceau_buf_len(cert), 0, key, blob),
	    0);
	assert_int_equal(sceau_token_sign(t, "x", 1, sig, NULL), 0);
	run("softhsm2-util --delete-token --token gone >/dev/null");
	assert_int_equal(
	    sceau_token_sign(t, "x", 1, sig, NULL), SCEAU_ERR_TOKEN_ABSENT);
	assert_non_null(strstr(sceau_last_message(), "\"gone\" is gone"));
	assert_int_equal(sceau_token_unwrap(
	                     t, sceau_buf_ptr(blob), sceau_buf_len(blob), got),
	    SCEAU_ERR_TOKEN_ABSENT);
	sceau_buf_free(cert);
	sceau_buf_free(blob);
	sceau_buf_free(sig);
	sceau_token_close(t);
	expect_open("pkcs11:token=gone?module-name=softhsm2",
	    SCEAU_ERR_TOKEN_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open),
	    cmocka_unit_test(test_open_by_name),
	    cmocka_unit_test(test_open_refused),
	    cmocka_unit_test(test_allow_list),
	    cmocka_unit_test(test_login),
	    cmocka_unit_test(test_no_pair),
	    cmocka_unit_test(test_wrong_pins),
	    cmocka_unit_test(test_rv_errors),
	    cmocka_unit_test(test_sign),
	    cmocka_unit_test(test_unwrap),
	    cmocka_unit_test(test_oaep_probe),
	    cmocka_unit_test(test_unwrap_tamper),
	    cmocka_unit_test(test_unwrap_bad_point),
	    cmocka_unit_test(test_wrap_host),
	    cmocka_unit_test(test_ops),
	    cmocka_unit_test(test_keyfile_token),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_removed),
	};
	int failed;

	fixture_make();
	failed = TU_TAP_MAIN("token", tests);
	fixture_remove();
	return failed;
}
