/*
 * test-box.c: X25519 (RFC 7748 vectors) and sealed boxes (src/box.c):
 * layout, round trips, every altered byte, wrong recipient, short input,
 * unknown alg, low-order points, allocation failures.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aead.h"
#include "alloc.h"
#include "box.h"
#include "buf.h"
#include "errors.h"
#include "kdf.h"
#include "secmem.h"
#include "testutil.h"

static const uint8_t zero32[32];

static void
x25519_scalar_mult(const uint8_t *scalar, const uint8_t *u, uint8_t *out)
{
	struct sceau_boxkey *k;

	assert_int_equal(sceau_box_from_secret(scalar, &k), 0);
	assert_int_equal(sceau_box_agree(k, u, out), 0);
	sceau_box_free(k);
}

static void
check_x25519_block(const struct tu_block *b)
{
	uint8_t s[32], u[32], want[32], got[32], t[32];
	unsigned long n, i;
	struct sceau_boxkey *k;

	if (tu_vec_has(b, "scalar")) {
		assert_int_equal(tu_vec_fixed(b, "scalar", s, 32), 0);
		assert_int_equal(tu_vec_fixed(b, "u", u, 32), 0);
		assert_int_equal(tu_vec_fixed(b, "out", want, 32), 0);
		x25519_scalar_mult(s, u, got);
		assert_memory_equal(got, want, 32);
	} else if (tu_vec_has(b, "iterations")) {
		assert_int_equal(tu_vec_ulong(b, "iterations", &n), 0);
		assert_int_equal(tu_vec_fixed(b, "out", want, 32), 0);
		memset(s, 0, 32);
		s[0] = 9;
		memcpy(u, s, 32);
		for (i = 0; i < n; i++) {
			x25519_scalar_mult(s, u, t);
			memcpy(u, s, 32);
			memcpy(s, t, 32);
		}
		assert_memory_equal(s, want, 32);
	} else if (tu_vec_has(b, "low_order")) {
		/* Every secret meets this point at zero: refused. */
		assert_int_equal(tu_vec_fixed(b, "low_order", u, 32), 0);
		assert_int_equal(sceau_box_generate(&k), 0);
		memset(got, 0xaa, 32);
		assert_int_equal(
		    sceau_box_agree(k, u, got), SCEAU_ERR_KEY_INVALID);
		assert_memory_equal(got, zero32, 32);
		sceau_box_free(k);
	} else {
		fail_msg("%s: unknown block", tu_block_name(b));
	}
}

static void
check_dh_block(const struct tu_block *b)
{
	struct sceau_boxkey *a, *bob;
	uint8_t ask[32], apk[32], bsk[32], bpk[32], shared[32], got[32];

	assert_int_equal(tu_vec_fixed(b, "alice_sk", ask, 32), 0);
	assert_int_equal(tu_vec_fixed(b, "alice_pk", apk, 32), 0);
	assert_int_equal(tu_vec_fixed(b, "bob_sk", bsk, 32), 0);
	assert_int_equal(tu_vec_fixed(b, "bob_pk", bpk, 32), 0);
	assert_int_equal(tu_vec_fixed(b, "shared", shared, 32), 0);
	assert_int_equal(sceau_box_from_secret(ask, &a), 0);
	assert_int_equal(sceau_box_from_secret(bsk, &bob), 0);
	sceau_box_public(a, got);
	assert_memory_equal(got, apk, 32);
	sceau_box_public(bob, got);
	assert_memory_equal(got, bpk, 32);
	sceau_box_secret(a, got);
	assert_memory_equal(got, ask, 32);
	assert_int_equal(sceau_box_agree(a, bpk, got), 0);
	assert_memory_equal(got, shared, 32);
	assert_int_equal(sceau_box_agree(bob, apk, got), 0);
	assert_memory_equal(got, shared, 32);
	sceau_box_free(a);
	sceau_box_free(bob);
}

static void
test_x25519_vectors(void **state)
{
	const struct tu_block *b;
	struct tu_vectors *vs;
	size_t i;

	(void)state;
	assert_non_null(vs = tu_vectors_load("x25519.txt"));
	assert_int_equal(tu_vectors_count(vs), 8);
	for (i = 0; i < tu_vectors_count(vs); i++) {
		b = tu_vectors_block(vs, i);
		if (tu_vec_has(b, "alice_sk"))
			check_dh_block(b);
		else
			check_x25519_block(b);
	}
	tu_vectors_free(vs);
}

/* A recipient, and a box for it of n pattern bytes. */
struct fixture {
	struct sceau_boxkey *k;
	uint8_t pk[32];
	uint8_t *m;
	size_t n;
	struct sceau_buf *box;
};

static void
fixture_make(struct fixture *f, size_t n, const char *aad)
{
	size_t i;

	assert_int_equal(sceau_box_generate(&f->k), 0);
	sceau_box_public(f->k, f->pk);
	f->n = n;
	assert_non_null(f->m = malloc(n + 1));
	for (i = 0; i < n; i++)
		f->m[i] = (uint8_t)(i * 13 + 7);
	assert_non_null(f->box = sceau_buf_new());
	assert_int_equal(
	    sceau_box_seal(f->pk, aad, strlen(aad), f->m, n, f->box), 0);
	assert_int_equal(sceau_buf_len(f->box), n + SCEAU_BOX_OVERHEAD);
}

static void
fixture_free(struct fixture *f)
{
	sceau_box_free(f->k);
	sceau_buf_free(f->box);
	free(f->m);
}

/* Opens c[0..n) and expects `want`; out must stay as it was on failure. */
static void
expect_open(const struct sceau_boxkey *k, const char *aad, const void *c,
    size_t n, int want)
{
	struct sceau_buf *out;

	assert_non_null(out = sceau_buf_new());
	assert_int_equal(sceau_buf_put(out, "keep", 4), 0);
	assert_int_equal(sceau_box_open(k, aad, strlen(aad), c, n, out), want);
	if (want != 0) {
		assert_int_equal(sceau_buf_len(out), 4);
		assert_memory_equal(sceau_buf_ptr(out), "keep", 4);
	}
	sceau_buf_free(out);
}

static void
test_box_roundtrip(void **state)
{
	static const size_t sizes[] = {0, 1, 31, 1000, 70000};
	struct sceau_buf *out;
	struct fixture f;
	size_t i;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(sizes); i++) {
		fixture_make(&f, sizes[i], i % 2 ? "context" : "");
		assert_int_equal(sceau_buf_ptr(f.box)[0], SCEAU_BOX_ALG_X25519);
		assert_non_null(out = sceau_buf_new());
		assert_int_equal(
		    sceau_box_open(f.k, i % 2 ? "context" : "", i % 2 ? 7 : 0,
		        sceau_buf_ptr(f.box), sceau_buf_len(f.box), out),
		    0);
		assert_int_equal(sceau_buf_len(out), sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(sceau_buf_ptr(out), f.m, sizes[i]);
		sceau_buf_free(out);
		fixture_free(&f);
	}
}

/*
 * The layout is exactly box.h's: open a box by hand from the primitives
 * (X25519 with the ephemeral key, HKDF with salt epk || pk, GCM).
 */
static void
test_box_layout(void **state)
{
	static const char info[] = "sceau box v1 x25519";
	uint8_t shared[32], salt[64], key[32], pt[40];
	const uint8_t *c;
	struct fixture f;

	(void)state;
	fixture_make(&f, 40, "aad");
	c = sceau_buf_ptr(f.box);
	assert_int_equal(c[0], 0x01);
	assert_int_equal(sceau_box_agree(f.k, c + 1, shared), 0);
	memcpy(salt, c + 1, 32);
	memcpy(salt + 32, f.pk, 32);
	assert_int_equal(sceau_kdf_hkdf_sha256(salt, 64, shared, 32, info,
	                     sizeof(info) - 1, key, 32),
	    0);
	assert_int_equal(sceau_aead_decrypt(NULL, key, c + 33, "aad", 3, c + 45,
	                     40, c + 45 + 40, pt),
	    0);
	assert_memory_equal(pt, f.m, 40);
	fixture_free(&f);
}

static void
test_box_tamper(void **state)
{
	struct fixture f;
	uint8_t *c;
	size_t i, n;

	(void)state;
	fixture_make(&f, 20, "aad");
	n = sceau_buf_len(f.box);
	assert_non_null(c = sceau_buf_mutable_ptr(f.box));
	expect_open(f.k, "aad", c, n, 0);
	/* Every byte: alg, ephemeral key, nonce, ciphertext, tag. */
	for (i = 0; i < n; i++) {
		tu_flip(c, i, (unsigned int)i % 8);
		expect_open(f.k, "aad", c, n,
		    i == 0 ? SCEAU_ERR_INVALID_FORMAT
		           : SCEAU_ERR_DECRYPT_FAILED);
		tu_flip(c, i, (unsigned int)i % 8);
	}
	/* Other or missing additional data; cut or extended box. */
	expect_open(f.k, "aab", c, n, SCEAU_ERR_DECRYPT_FAILED);
	expect_open(f.k, "", c, n, SCEAU_ERR_DECRYPT_FAILED);
	expect_open(f.k, "aad", c, n - 1, SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(sceau_buf_put_u8(f.box, 0), 0);
	assert_non_null(c = sceau_buf_mutable_ptr(f.box));
	expect_open(f.k, "aad", c, n + 1, SCEAU_ERR_DECRYPT_FAILED);
	expect_open(f.k, "aad", c, n, 0);
	fixture_free(&f);
}

static void
test_box_wrong_recipient(void **state)
{
	struct sceau_boxkey *other;
	struct fixture f;

	(void)state;
	fixture_make(&f, 10, "");
	assert_int_equal(sceau_box_generate(&other), 0);
	expect_open(other, "", sceau_buf_ptr(f.box), sceau_buf_len(f.box),
	    SCEAU_ERR_DECRYPT_FAILED);
	sceau_box_free(other);
	fixture_free(&f);
}

static void
test_box_format(void **state)
{
	static const uint8_t algs[] = {0x00, 0x02, 0x03, 0x80, 0xff};
	struct fixture f;
	uint8_t *c;
	size_t i;

	(void)state;
	fixture_make(&f, 0, "");
	assert_int_equal(sceau_buf_len(f.box), SCEAU_BOX_OVERHEAD);
	assert_non_null(c = sceau_buf_mutable_ptr(f.box));
	expect_open(f.k, "", c, SCEAU_BOX_OVERHEAD, 0);
	/* Too short, whatever it holds. */
	for (i = 0; i < SCEAU_BOX_OVERHEAD; i++)
		expect_open(f.k, "", c, i, SCEAU_ERR_INVALID_FORMAT);
	expect_open(f.k, "", NULL, 0, SCEAU_ERR_INVALID_FORMAT);
	/* Unknown algorithms. */
	for (i = 0; i < SCEAU_NELEM(algs); i++) {
		c[0] = algs[i];
		expect_open(
		    f.k, "", c, SCEAU_BOX_OVERHEAD, SCEAU_ERR_INVALID_FORMAT);
	}
	c[0] = SCEAU_BOX_ALG_X25519;
	/* A low-order ephemeral key is an altered box. */
	memset(c + 1, 0, 32);
	expect_open(f.k, "", c, SCEAU_BOX_OVERHEAD, SCEAU_ERR_DECRYPT_FAILED);
	fixture_free(&f);
}

static void
test_box_seal_refused(void **state)
{
	uint8_t low[32] = {1}, pk[32];
	struct sceau_boxkey *k;
	struct sceau_buf *out;

	(void)state;
	assert_non_null(out = sceau_buf_new());
	assert_int_equal(sceau_buf_put(out, "keep", 4), 0);
	/* A low-order recipient key would give a known box key. */
	assert_int_equal(
	    sceau_box_seal(low, NULL, 0, "m", 1, out), SCEAU_ERR_KEY_INVALID);
	assert_int_equal(sceau_buf_len(out), 4);
	/* No room in out: nothing written. */
	assert_int_equal(sceau_box_generate(&k), 0);
	sceau_box_public(k, pk);
	assert_int_equal(
	    sceau_buf_set_max_size(out, SCEAU_BOX_OVERHEAD + 4), 0);
	assert_int_equal(sceau_box_seal(pk, NULL, 0, "m", 1, out),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_len(out), 4);
	assert_int_equal(sceau_box_seal(pk, NULL, 0, "m", 0, out), 0);
	assert_int_equal(sceau_box_seal(NULL, NULL, 0, "m", 1, out),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_box_seal(pk, NULL, 1, "m", 1, out),
	    SCEAU_ERR_INVALID_ARGUMENT);
	sceau_box_free(k);
	sceau_box_free(NULL);
	sceau_buf_free(out);
}

static void
test_box_keys(void **state)
{
	struct sceau_boxkey *a, *b, *k = (struct sceau_boxkey *)1;
	struct sceau_secmem_stats st0, st1;
	uint8_t sk[32], pa[32], pb[32], s1[32], s2[32];

	(void)state;
	assert_int_equal(
	    sceau_box_from_secret(NULL, &k), SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(k);
	sceau_secmem_stats(&st0);
	assert_int_equal(sceau_box_generate(&a), 0);
	sceau_secmem_stats(&st1);
	assert_int_equal(st1.allocations, st0.allocations + 1);
	sceau_box_secret(a, sk);
	assert_int_equal(sceau_box_from_secret(sk, &b), 0);
	sceau_box_public(a, pa);
	sceau_box_public(b, pb);
	assert_memory_equal(pa, pb, 32);
	assert_int_equal(sceau_box_agree(a, pb, s1), 0);
	assert_int_equal(sceau_box_agree(b, pa, s2), 0);
	assert_memory_equal(s1, s2, 32);
	sceau_box_free(a);
	sceau_box_free(b);
	sceau_secmem_stats(&st1);
	assert_int_equal(st1.allocations, st0.allocations);
}

struct torture {
	struct sceau_boxkey *k;
	uint8_t pk[32];
	struct sceau_buf *box;
};

static int
torture_seal(void *arg)
{
	struct torture *t = arg;
	struct sceau_buf *out;
	int r;

	if ((out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_box_seal(t->pk, "ad", 2, "secret message", 14, out)) !=
	    0) {
		sceau_buf_free(out);
		return r;
	}
	t->box = out;
	return 0;
}

static int
torture_open(void *arg)
{
	struct torture *t = arg;
	struct sceau_buf *out;
	int r;

	if ((out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_box_open(t->k, "ad", 2, sceau_buf_ptr(t->box),
	         sceau_buf_len(t->box), out)) == 0) {
		assert_int_equal(sceau_buf_len(out), 14);
		assert_memory_equal(sceau_buf_ptr(out), "secret message", 14);
	}
	sceau_buf_free(out);
	return r;
}

/* A key made under allocation failure: all or nothing. */
static int
torture_generate(void *arg)
{
	struct sceau_boxkey *k = NULL;
	int r;

	(void)arg;
	r = sceau_box_generate(&k);
	assert_true((r == 0) == (k != NULL));
	sceau_box_free(k);
	return r;
}

static void
test_box_alloc_failure(void **state)
{
	struct torture t;

	(void)state;
	assert_int_equal(sceau_box_generate(&t.k), 0);
	sceau_box_public(t.k, t.pk);
	t.box = NULL;
	assert_true(tu_alloc_torture(torture_seal, &t, 50) >= 2);
	assert_non_null(t.box);
	assert_true(tu_alloc_torture(torture_open, &t, 50) >= 2);
	assert_true(tu_alloc_torture(torture_generate, NULL, 50) >= 1);
	sceau_buf_free(t.box);
	sceau_box_free(t.k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x25519_vectors),
	    cmocka_unit_test(test_box_roundtrip),
	    cmocka_unit_test(test_box_layout),
	    cmocka_unit_test(test_box_tamper),
	    cmocka_unit_test(test_box_wrong_recipient),
	    cmocka_unit_test(test_box_format),
	    cmocka_unit_test(test_box_seal_refused),
	    cmocka_unit_test(test_box_keys),
	    cmocka_unit_test(test_box_alloc_failure),
	};

	return TU_TAP_MAIN("box", tests);
}
