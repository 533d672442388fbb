/*
 * test-sign.c: Ed25519 (src/sign.c) against RFC 8032 section 7.1, and
 * the refusal of altered signatures, messages and keys.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "secmem.h"
#include "sign.h"
#include "testutil.h"

struct ed_vec {
	uint8_t seed[32], pk[32], sig[64];
	uint8_t *msg;
	size_t n;
};

static void
ed_load(const struct tu_block *b, struct ed_vec *v)
{
	assert_int_equal(tu_vec_fixed(b, "seed", v->seed, 32), 0);
	assert_int_equal(tu_vec_fixed(b, "pk", v->pk, 32), 0);
	assert_int_equal(tu_vec_fixed(b, "sig", v->sig, 64), 0);
	assert_non_null(v->msg = tu_vec_alloc(b, "msg", &v->n));
}

static void
check_ed_block(const struct tu_block *b)
{
	struct sceau_signkey *k;
	struct sceau_verifykey *vk;
	struct ed_vec v;
	uint8_t pk[32], seed[32], sig[64];

	ed_load(b, &v);
	assert_int_equal(sceau_sign_from_seed(v.seed, &k), 0);
	sceau_sign_public(k, pk);
	assert_memory_equal(pk, v.pk, 32);
	sceau_sign_seed(k, seed);
	assert_memory_equal(seed, v.seed, 32);
	assert_int_equal(sceau_sign(k, v.msg, v.n, sig), 0);
	assert_memory_equal(sig, v.sig, 64);
	assert_int_equal(sceau_sign_verify(v.pk, v.msg, v.n, v.sig), 0);
	assert_int_equal(sceau_verifykey_new(v.pk, &vk), 0);
	sceau_verifykey_public(vk, pk);
	assert_memory_equal(pk, v.pk, 32);
	assert_int_equal(sceau_verifykey_verify(vk, v.msg, v.n, v.sig), 0);
	sceau_verifykey_free(vk);
	sceau_sign_free(k);
	free(v.msg);
}

static void
test_ed25519_vectors(void **state)
{
	struct tu_vectors *vs;
	size_t i;

	(void)state;
	assert_non_null(vs = tu_vectors_load("ed25519.txt"));
	assert_int_equal(tu_vectors_count(vs), 5);
	for (i = 0; i < tu_vectors_count(vs); i++)
		check_ed_block(tu_vectors_block(vs, i));
	tu_vectors_free(vs);
}

/* Both verification paths must refuse. */
static void
expect_invalid(struct sceau_verifykey *vk, const uint8_t *pk, const uint8_t *m,
    size_t n, const uint8_t *sig)
{
	assert_int_equal(
	    sceau_sign_verify(pk, m, n, sig), SCEAU_ERR_SIGNATURE_INVALID);
	assert_int_equal(
	    sceau_verifykey_verify(vk, m, n, sig), SCEAU_ERR_SIGNATURE_INVALID);
}

static void
test_ed25519_tamper(void **state)
{
	struct sceau_verifykey *vk;
	struct tu_vectors *vs;
	struct ed_vec v;
	size_t i, blk;

	(void)state;
	assert_non_null(vs = tu_vectors_load("ed25519.txt"));
	for (blk = 0; blk < tu_vectors_count(vs); blk++) {
		ed_load(tu_vectors_block(vs, blk), &v);
		assert_int_equal(sceau_verifykey_new(v.pk, &vk), 0);
		/* Every bit of the first signature, some of the others. */
		for (i = 0; i < 8 * sizeof(v.sig); i += blk == 0 ? 1 : 7) {
			tu_flip(v.sig, i / 8, i % 8);
			expect_invalid(vk, v.pk, v.msg, v.n, v.sig);
			tu_flip(v.sig, i / 8, i % 8);
		}
		for (i = 0; i<8 * v.n; i += v.n> 64 ? 61 : 1) {
			tu_flip(v.msg, i / 8, i % 8);
			expect_invalid(vk, v.pk, v.msg, v.n, v.sig);
			tu_flip(v.msg, i / 8, i % 8);
		}
		/* One byte more, one byte less. */
		if (v.n > 0)
			expect_invalid(vk, v.pk, v.msg, v.n - 1, v.sig);
		v.msg = realloc(v.msg, v.n + 1);
		assert_non_null(v.msg);
		v.msg[v.n] = 0;
		expect_invalid(vk, v.pk, v.msg, v.n + 1, v.sig);
		sceau_verifykey_free(vk);
		/* Another public key (some bits give no point at all). */
		for (i = 0; i < 8 * sizeof(v.pk); i += 5) {
			tu_flip(v.pk, i / 8, i % 8);
			assert_int_equal(
			    sceau_sign_verify(v.pk, v.msg, v.n, v.sig),
			    SCEAU_ERR_SIGNATURE_INVALID);
			tu_flip(v.pk, i / 8, i % 8);
		}
		assert_int_equal(sceau_sign_verify(v.pk, v.msg, v.n, v.sig), 0);
		free(v.msg);
	}
	tu_vectors_free(vs);
}

/*
 * S and S + L verify the same equation: a verifier that does not check
 * S < L (RFC 8032 5.1.7) accepts a second signature for the same message.
 */
static void
test_ed25519_malleability(void **state)
{
	static const uint8_t L[32] = {
	    0xed,
	    0xd3,
	    0xf5,
	    0x5c,
	    0x1a,
	    0x63,
	    0x12,
	    0x58,
	    0xd6,
	    0x9c,
	    0xf7,
	    0xa2,
	    0xde,
	    0xf9,
	    0xde,
	    0x14,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x10,
	};
	struct tu_vectors *vs;
	struct ed_vec v;
	unsigned int carry = 0, i;

	(void)state;
	assert_non_null(vs = tu_vectors_load("ed25519.txt"));
	ed_load(tu_vectors_block(vs, 0), &v);
	for (i = 0; i < 32; i++) {
		carry += (unsigned int)v.sig[32 + i] + L[i];
		v.sig[32 + i] = (uint8_t)carry;
		carry >>= 8;
	}
	assert_int_equal(carry, 0);
	assert_int_equal(sceau_sign_verify(v.pk, v.msg, v.n, v.sig),
	    SCEAU_ERR_SIGNATURE_INVALID);
	free(v.msg);
	tu_vectors_free(vs);
}

static void
test_ed25519_generate(void **state)
{
	struct sceau_signkey *a, *b, *c;
	uint8_t pa[32], pb[32], pc[32], seed[32], sig[64];
	struct sceau_secmem_stats st0, st1;

	(void)state;
	sceau_secmem_stats(&st0);
	assert_int_equal(sceau_sign_generate(&a), 0);
	assert_int_equal(sceau_sign_generate(&b), 0);
	sceau_secmem_stats(&st1);
	/* The seeds live in secmem. */
	assert_int_equal(st1.allocations, st0.allocations + 2);
	sceau_sign_public(a, pa);
	sceau_sign_public(b, pb);
	assert_memory_not_equal(pa, pb, 32);
	assert_int_equal(sceau_sign(a, "hello", 5, sig), 0);
	assert_int_equal(sceau_sign_verify(pa, "hello", 5, sig), 0);
	assert_int_equal(sceau_sign_verify(pb, "hello", 5, sig),
	    SCEAU_ERR_SIGNATURE_INVALID);
	/* A key saved as its seed comes back whole. */
	sceau_sign_seed(a, seed);
	assert_int_equal(sceau_sign_from_seed(seed, &c), 0);
	sceau_sign_public(c, pc);
	assert_memory_equal(pa, pc, 32);
	sceau_sign_free(a);
	sceau_sign_free(b);
	sceau_sign_free(c);
	sceau_sign_free(NULL);
	sceau_verifykey_free(NULL);
	sceau_secmem_stats(&st1);
	assert_int_equal(st1.allocations, st0.allocations);
}

static void
test_ed25519_args(void **state)
{
	struct sceau_signkey *k = (struct sceau_signkey *)1;
	struct sceau_verifykey *vk = (struct sceau_verifykey *)1;
	uint8_t sig[64], zero[64] = {0}, pk[32];

	(void)state;
	assert_int_equal(
	    sceau_sign_from_seed(NULL, &k), SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(k);
	assert_int_equal(
	    sceau_verifykey_new(NULL, &vk), SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(vk);
	assert_int_equal(sceau_sign_generate(&k), 0);
	memset(sig, 0xaa, sizeof(sig));
	assert_int_equal(
	    sceau_sign(k, NULL, 1, sig), SCEAU_ERR_INVALID_ARGUMENT);
	assert_memory_equal(sig, zero, sizeof(sig));
	/* NULL and "" are the same empty message. */
	assert_int_equal(sceau_sign(k, NULL, 0, sig), 0);
	sceau_sign_public(k, pk);
	assert_int_equal(sceau_sign_verify(pk, "", 0, sig), 0);
	assert_int_equal(
	    sceau_sign_verify(pk, NULL, 1, sig), SCEAU_ERR_INVALID_ARGUMENT);
	sceau_sign_free(k);
}

static int
torture_sign(void *arg)
{
	struct sceau_signkey *k = NULL;
	struct sceau_verifykey *vk = NULL;
	uint8_t pk[32], sig[64];
	int r;

	(void)arg;
	if ((r = sceau_sign_generate(&k)) != 0 ||
	    (r = sceau_sign(k, "m", 1, sig)) != 0)
		goto out;
	sceau_sign_public(k, pk);
	if ((r = sceau_verifykey_new(pk, &vk)) != 0 ||
	    (r = sceau_verifykey_verify(vk, "m", 1, sig)) != 0)
		goto out;
out:
	sceau_verifykey_free(vk);
	sceau_sign_free(k);
	return r;
}

static void
test_ed25519_alloc_failure(void **state)
{
	(void)state;
	assert_true(tu_alloc_torture(torture_sign, NULL, 20) >= 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ed25519_vectors),
	    cmocka_unit_test(test_ed25519_tamper),
	    cmocka_unit_test(test_ed25519_malleability),
	    cmocka_unit_test(test_ed25519_generate),
	    cmocka_unit_test(test_ed25519_args),
	    cmocka_unit_test(test_ed25519_alloc_failure),
	};

	return TU_TAP_MAIN("sign", tests);
}
