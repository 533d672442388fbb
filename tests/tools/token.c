/*
 * token.c: sceau-test-token, a test tool: runs the token layer
 * (pkcs11/token.h) against the key pair a PKCS#11 URI names, on whatever
 * module the URI loads, and prints one TAP line per check ("ok - ..." or
 * "not ok - ...", no numbers: the calling script numbers them).
 *
 *   sceau-test-token URI PIN-FILE
 *
 * Checks: the certificate and its key type; the key refuses to sign
 * before login; login with the first line of PIN-FILE; a signature made
 * on the token verifies with the certificate (sceau_token_verify) and not
 * over other data; a key wrapped on the host to the certificate (the
 * default wrap: ECDH for EC, RSA-OAEP with SHA-256 for RSA) unwraps on the
 * token to the same key, and for RSA the SHA-1 OAEP wrap too; an altered
 * wrap is refused; each use of the key counts one token operation.  Exit
 * 0 when every check passed, 1 otherwise, 2 on usage errors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "buf.h"
#include "errors.h"
#include "secmem.h"
#include "token.h"

static int failed;

static void
check(int ok, const char *what, int r)
{
	if (ok) {
		(void)printf("ok - %s\n", what);
		return;
	}
	failed++;
	(void)printf("not ok - %s\n", what);
	(void)printf("# %s: %s (%s)\n", what,
	    sceau_errname(r) != NULL ? sceau_errname(r) : "0",
	    sceau_last_message());
}

/* The first line of path into pin (wiped by the caller); its length. */
static size_t
read_pin(const char *path, char *pin, size_t max)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f == NULL)
		return 0;
	if (fgets(pin, (int)max, f) != NULL)
		n = strcspn(pin, "\r\n");
	(void)fclose(f);
	return n;
}

/* Signs on the token, verifies on the host. */
static void
check_sign(struct sceau_token *t, const uint8_t *der, size_t len)
{
	static const char msg[] = "an act of the organization";
	struct sceau_buf *sig = sceau_buf_new();
	unsigned long ops = sceau_token_ops(t);
	const char *alg = NULL;
	int r;

	if (sig == NULL)
		exit(1);
	r = sceau_token_sign(t, msg, sizeof(msg) - 1, sig, &alg);
	check(r == 0 && alg != NULL &&
	        strcmp(alg, sceau_token_sig_alg(sceau_token_key_type(t))) == 0,
	    "the token signs", r);
	check(sceau_token_ops(t) == ops + 1, "one operation per signature", 0);
	if (r != 0) {
		sceau_buf_free(sig);
		return;
	}
	(void)printf("# signature %s, %zu bytes\n", alg, sceau_buf_len(sig));
	r = sceau_token_verify(der, len, alg, msg, sizeof(msg) - 1,
	    sceau_buf_ptr(sig), sceau_buf_len(sig));
	check(r == 0, "the signature verifies with the certificate", r);
	r = sceau_token_verify(der, len, alg, msg, sizeof(msg) - 2,
	    sceau_buf_ptr(sig), sceau_buf_len(sig));
	check(r == SCEAU_ERR_SIGNATURE_INVALID, "not over other data", r);
	sceau_buf_free(sig);
}

/*
 * Wraps a random key to the certificate with alg (0: the default), then
 * unwraps it on the token; with alter, a bit of the blob is flipped first
 * and the unwrap must fail.
 */
static void
check_unwrap(
    struct sceau_token *t, const uint8_t *der, size_t len, int alg, int alter)
{
	uint8_t key[SCEAU_TOKEN_WRAP_KEY_LEN], got[SCEAU_TOKEN_WRAP_KEY_LEN];
	struct sceau_buf *blob = sceau_buf_new();
	unsigned long ops = sceau_token_ops(t);
	char what[128];
	uint8_t *p;
	int r;

	if (blob == NULL || RAND_bytes(key, sizeof(key)) != 1 ||
	    sceau_token_wrap_to_cert(der, len, alg, key, blob) != 0)
		exit(1);
	alg = *sceau_buf_ptr(blob);
	p = sceau_buf_mutable_ptr(blob);
	if (alter)
		p[sceau_buf_len(blob) - 1] ^= 0x01;
	r = sceau_token_unwrap(t, p, sceau_buf_len(blob), got);
	(void)snprintf(what, sizeof(what), "%s: %s",
	    sceau_token_wrap_alg_name(alg),
	    alter ? "an altered wrap is refused"
	          : "the token unwraps the key wrapped to its certificate");
	if (alter)
		check(r == SCEAU_ERR_DECRYPT_FAILED, what, r);
	else
		check(
		    r == 0 && sceau_timingsafe_bcmp(got, key, sizeof(key)) == 0,
		    what, r);
	(void)snprintf(what, sizeof(what), "%s: one operation",
	    sceau_token_wrap_alg_name(alg));
	check(sceau_token_ops(t) == ops + 1, what, 0);
	sceau_memzero(key, sizeof(key));
	sceau_memzero(got, sizeof(got));
	sceau_buf_free(blob);
}

static void
run(struct sceau_token *t, const char *pin_file)
{
	enum sceau_token_key_type type;
	struct sceau_buf *sig;
	const uint8_t *der;
	char pin[SCEAU_TOKEN_PIN_MAX + 2];
	size_t len, pinlen;
	int r;

	r = sceau_token_certificate(t, &der, &len);
	check(r == 0, "the certificate is found without login", r);
	if (r != 0)
		return;
	type = sceau_token_key_type(t);
	check(type != SCEAU_TOKEN_KEY_NONE, "its key type is supported", 0);
	(void)printf("# key %s\n", sceau_token_key_type_name(type));
	if ((sig = sceau_buf_new()) == NULL)
		exit(1);
	r = sceau_token_sign(t, "m", 1, sig, NULL);
	check(r != 0, "before login, the key does not sign", r);
	(void)printf("# before login: %s\n", sceau_errname(r));
	sceau_buf_free(sig);
	pinlen = read_pin(pin_file, pin, sizeof(pin));
	r = sceau_token_login(t, pin, pinlen);
	sceau_memzero(pin, sizeof(pin));
	check(r == 0, "login with the PIN", r);
	if (r != 0)
		return;
	check_sign(t, der, len);
	check_unwrap(t, der, len, 0, 0);
	if (type == SCEAU_TOKEN_KEY_RSA)
		check_unwrap(t, der, len, SCEAU_TOKEN_WRAP_RSA_OAEP_SHA1, 0);
	check_unwrap(t, der, len, 0, 1);
}

int
main(int argc, char **argv)
{
	struct sceau_token *t;
	int r;

	if (argc != 3) {
		(void)fprintf(stderr, "usage: sceau-test-token URI PIN-FILE\n");
		return 2;
	}
	r = sceau_token_open(argv[1], &t);
	check(r == 0, "the URI opens a token", r);
	if (r != 0)
		return 1;
	(void)printf("# token \"%s\", model \"%s\"\n",
	    sceau_token_info(t)->label, sceau_token_info(t)->model);
	run(t, argv[2]);
	(void)printf("# %lu token operations\n", sceau_token_ops(t));
	sceau_token_close(t);
	return failed == 0 ? 0 : 1;
}
