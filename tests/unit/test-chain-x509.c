/*
 * test-chain-x509.c: the chain's X.509 rules (src/chain-x509.c) over the
 * test PKI (tests/pki/make-pki.sh): an organization naming its anchors,
 * an admin device bound to alice's card (RSA) whose acts carry token
 * signatures (made here with alice's key, as the card would), a member's
 * device bound to erin's card (EC).  Refused: an act of a bound device
 * without a token signature, with another key's, with an altered one; a
 * token signature from an unbound device; a binding to another CA's
 * certificate; a binding when the organization names no anchors.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "alloc.h"
#include "buf.h"
#include "cert.h"
#include "chain.h"
#include "chainfx.h"
#include "errors.h"
#include "testutil.h"

static char pki[128], top_dir[64];

/* The DER of PKI file NAME.der. */
static struct sceau_buf *
der_of(const char *name)
{
	struct sceau_buf *b = sceau_buf_new();
	char path[256];

	assert_non_null(b);
	(void)snprintf(path, sizeof(path), "%s/%s.der", pki, name);
	assert_int_equal(sceau_buf_load_file(path, 1 << 16, b), 0);
	return b;
}

/* An X.509 list of the named certificates (leaf first). */
static struct sceau_buf *
list_of(const char *a, const char *b)
{
	struct sceau_buf *da = der_of(a), *db = b != NULL ? der_of(b) : NULL;
	struct sceau_buf *out = sceau_buf_new();
	const uint8_t *ders[2];
	size_t lens[2];

	ders[0] = sceau_buf_ptr(da);
	lens[0] = sceau_buf_len(da);
	if (db != NULL) {
		ders[1] = sceau_buf_ptr(db);
		lens[1] = sceau_buf_len(db);
	}
	assert_int_equal(
	    sceau_cert_x509_encode(ders, lens, db != NULL ? 2 : 1, out), 0);
	sceau_buf_free(da);
	sceau_buf_free(db);
	return out;
}

/* A host key standing for a card: NAME.key of the PKI. */
struct card {
	const char *key;
};

static int
card_sign(void *arg, const uint8_t *tbs, size_t n,
    char alg[SCEAU_CERT_TOKEN_ALG_MAX + 1], struct sceau_buf *sig)
{
	const struct card *cd = arg;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY *k;
	uint8_t out[1024];
	size_t outlen = sizeof(out);
	char path[256];
	FILE *f;
	int rsa, ok;

	(void)snprintf(path, sizeof(path), "%s/%s.key", pki, cd->key);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(k = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	(void)fclose(f);
	rsa = EVP_PKEY_base_id(k) == EVP_PKEY_RSA;
	ok = EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k) == 1 &&
	    (!rsa ||
	        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) ==
	                1 &&
	            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
	            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1)) &&
	    EVP_DigestSign(md, out, &outlen, tbs, n) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	assert_true(ok);
	(void)snprintf(alg, SCEAU_CERT_TOKEN_ALG_MAX + 1, "%s",
	    rsa ? "rsa-pss-sha256" : "ecdsa-p256-sha256");
	return sceau_buf_put(sig, out, outlen);
}

static struct sceau_buf *
sign_card(struct sceau_cert *c, const struct sceau_signkey *k, const char *key)
{
	struct sceau_buf *b = sceau_buf_new();
	struct card cd = {key};

	assert_non_null(b);
	assert_int_equal(sceau_cert_sign_token(c, k, card_sign, &cd, b), 0);
	return b;
}

static int
group_setup(void **state)
{
	const char *top = getenv("top_srcdir");
	char cmd[512];

	(void)state;
	(void)snprintf(top_dir, sizeof(top_dir), "/tmp/sceau-cx509.XXXXXX");
	if (mkdtemp(top_dir) == NULL)
		return -1;
	(void)snprintf(pki, sizeof(pki), "%s/pki", top_dir);
	(void)snprintf(cmd, sizeof(cmd),
	    "sh '%s/tests/pki/make-pki.sh' '%s' >/dev/null 2>&1",
	    top != NULL ? top : "../..", pki);
	return system(cmd) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char cmd[256];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* An organization with anchors (or none), its admin bound to alice. */
static struct world *
world_new(int anchors)
{
	struct world *w = sceau_calloc(1, sizeof(*w));
	struct sceau_buf *list = list_of("root", NULL),
	                 *alice = list_of("alice", "int");
	struct sceau_cert c;

	assert_non_null(w);
	w->ts = (uint64_t)time(NULL) * 1000000;
	assert_int_equal(sceau_sign_generate(&w->root), 0);
	sceau_sign_public(w->root, w->root_vk);
	assert_int_equal(sceau_chain_new("acme", w->root_vk, &w->chain), 0);
	cfx_new_actor(&w->admin, SCEAU_PROFILE_ADMIN);
	cfx_new_actor(&w->member, SCEAU_PROFILE_MEMBER);
	cfx_header(w, &c, SCEAU_CERT_ORG, "");
	memcpy(c.root_verify_key, w->root_vk, SCEAU_SIGN_PUBLIC_LEN);
	if (anchors) {
		c.x509_list = sceau_buf_ptr(list);
		c.x509_list_len = sceau_buf_len(list);
	}
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)), 0);
	cfx_user_cert(w, &c, "", w->admin.user_id, SCEAU_PROFILE_ADMIN);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)), 0);
	cfx_device_cert(w, &c, "", &w->admin);
	c.x509_list = sceau_buf_ptr(alice);
	c.x509_list_len = sceau_buf_len(alice);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->root)),
	    anchors ? 0 : SCEAU_ERR_CHAIN_INVALID);
	sceau_buf_free(list);
	sceau_buf_free(alice);
	return w;
}

static void
world_free(struct world *w)
{
	sceau_chain_free(w->chain);
	sceau_sign_free(w->root);
	sceau_sign_free(w->admin.dev);
	sceau_sign_free(w->member.dev);
	sceau_free(w);
}

static void
test_bound_admin(void **state)
{
	struct world *w = world_new(1);
	const struct sceau_chain_device *d;
	struct sceau_buf *env, *erin, *mallory;
	const uint8_t *p;
	struct sceau_cert c;
	size_t n, i;

	(void)state;
	assert_int_equal(sceau_chain_x509_anchors(w->chain, &p, &n), 1);
	d = sceau_chain_device(w->chain, w->admin.device_id);
	assert_non_null(d);
	assert_true(d->token_bound);
	/* The admin's act without its card: refused. */
	cfx_user_cert(
	    w, &c, w->admin.device_id, w->member.user_id, SCEAU_PROFILE_MEMBER);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->admin.dev)),
	    SCEAU_ERR_CERT_SIGNATURE);
	/* Signed with another person's key (dave, RSA too): refused. */
	assert_int_equal(cfx_append(w, sign_card(&c, w->admin.dev, "dave")),
	    SCEAU_ERR_CERT_SIGNATURE);
	/* Any altered byte of the token signature: refused. */
	env = sign_card(&c, w->admin.dev, "alice");
	n = sceau_buf_len(env);
	for (i = n - 8; i < n; i++) {
		struct sceau_buf *t = sceau_buf_dup(env);

		sceau_buf_mutable_ptr(t)[i] ^= 0x10;
		assert_int_not_equal(cfx_append(w, t), 0);
	}
	/* With alice's card: accepted. */
	assert_int_equal(cfx_append(w, env), 0);
	/* The member's device bound to another CA's card: refused. */
	cfx_device_cert(w, &c, w->admin.device_id, &w->member);
	mallory = list_of("mallory", "other-int");
	c.x509_list = sceau_buf_ptr(mallory);
	c.x509_list_len = sceau_buf_len(mallory);
	assert_int_equal(cfx_append(w, sign_card(&c, w->admin.dev, "alice")),
	    SCEAU_ERR_CHAIN_INVALID);
	/* Bound to erin's (EC), of the organization's PKI: accepted. */
	erin = list_of("erin", "int");
	c.x509_list = sceau_buf_ptr(erin);
	c.x509_list_len = sceau_buf_len(erin);
	assert_int_equal(
	    cfx_append(w, sign_card(&c, w->admin.dev, "alice")), 0);
	/* The member's acts now need erin's card (ECDSA): a device more. */
	cfx_new_actor(&w->admin2, SCEAU_PROFILE_MEMBER);
	memcpy(w->admin2.user_id, w->member.user_id, sizeof(w->admin2.user_id));
	cfx_device_cert(w, &c, w->member.device_id, &w->admin2);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)),
	    SCEAU_ERR_CERT_SIGNATURE);
	assert_int_equal(
	    cfx_append(w, sign_card(&c, w->member.dev, "erin")), 0);
	sceau_sign_free(w->admin2.dev);
	sceau_buf_free(erin);
	sceau_buf_free(mallory);
	world_free(w);
}

static void
test_unbound(void **state)
{
	struct world *w = world_new(0);
	const uint8_t *p;
	size_t n;

	(void)state;
	/* No anchors: the admin's binding was refused, nothing to check. */
	assert_int_equal(sceau_chain_x509_anchors(w->chain, &p, &n), 0);
	world_free(w);
}

static void
test_unbound_with_token_sig(void **state)
{
	struct world *w = world_new(1);
	struct sceau_cert c;

	(void)state;
	/* A member with an unbound device signs with a card: refused. */
	cfx_user_cert(
	    w, &c, w->admin.device_id, w->member.user_id, SCEAU_PROFILE_MEMBER);
	assert_int_equal(
	    cfx_append(w, sign_card(&c, w->admin.dev, "alice")), 0);
	cfx_device_cert(w, &c, w->admin.device_id, &w->member);
	assert_int_equal(
	    cfx_append(w, sign_card(&c, w->admin.dev, "alice")), 0);
	cfx_new_actor(&w->admin2, SCEAU_PROFILE_MEMBER);
	memcpy(w->admin2.user_id, w->member.user_id, sizeof(w->admin2.user_id));
	cfx_device_cert(w, &c, w->member.device_id, &w->admin2);
	assert_int_equal(cfx_append(w, sign_card(&c, w->member.dev, "erin")),
	    SCEAU_ERR_CERT_SIGNATURE);
	assert_int_equal(cfx_append(w, cfx_sign(&c, w->member.dev)), 0);
	sceau_sign_free(w->admin2.dev);
	world_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bound_admin),
	    cmocka_unit_test(test_unbound),
	    cmocka_unit_test(test_unbound_with_token_sig),
	};

	if (group_setup(NULL) != 0) {
		(void)printf("Bail out! tests/pki/make-pki.sh failed\n");
		return 1;
	}
	{
		int r = TU_TAP_MAIN("chain-x509", tests);

		(void)group_teardown(NULL);
		return r;
	}
}
