/*
 * test-kdf.c: HKDF-SHA256 (RFC 5869 vectors) and Argon2id (RFC 9106
 * vector), the Argon2 parameter bounds and their encoding (src/kdf.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "kdf.h"
#include "testutil.h"

static void
check_hkdf_block(const struct tu_block *b)
{
	uint8_t *ikm, *salt, *info, *want, got[255 * 32];
	size_t ikmlen, saltlen, infolen, len;

	assert_non_null(ikm = tu_vec_alloc(b, "ikm", &ikmlen));
	assert_non_null(salt = tu_vec_alloc(b, "salt", &saltlen));
	assert_non_null(info = tu_vec_alloc(b, "info", &infolen));
	assert_non_null(want = tu_vec_alloc(b, "okm", &len));
	assert_int_equal(sceau_kdf_hkdf_sha256(salt, saltlen, ikm, ikmlen, info,
	                     infolen, got, len),
	    0);
	assert_memory_equal(got, want, len);
	if (saltlen == 0) {
		/* No salt and an empty salt are the same (RFC 5869 2.2). */
		memset(got, 0, sizeof(got));
		assert_int_equal(sceau_kdf_hkdf_sha256(NULL, 0, ikm, ikmlen,
		                     infolen ? info : NULL, infolen, got, len),
		    0);
		assert_memory_equal(got, want, len);
	}
	/* A shorter output is a prefix of the longer one. */
	assert_int_equal(sceau_kdf_hkdf_sha256(
	                     salt, saltlen, ikm, ikmlen, info, infolen, got, 1),
	    0);
	assert_memory_equal(got, want, 1);
	free(ikm);
	free(salt);
	free(info);
	free(want);
}

static void
test_hkdf_vectors(void **state)
{
	struct tu_vectors *v;
	size_t i;

	(void)state;
	assert_non_null(v = tu_vectors_load("hkdf-sha256.txt"));
	assert_int_equal(tu_vectors_count(v), 3);
	for (i = 0; i < tu_vectors_count(v); i++)
		check_hkdf_block(tu_vectors_block(v, i));
	tu_vectors_free(v);
}

static void
test_hkdf_args(void **state)
{
	uint8_t out[255 * 32 + 1], ikm[16] = {1};

	(void)state;
	assert_int_equal(sceau_kdf_hkdf_sha256(
	                     NULL, 0, ikm, sizeof(ikm), NULL, 0, out, 255 * 32),
	    0);
	assert_int_equal(sceau_kdf_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL,
	                     0, out, 255 * 32 + 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_kdf_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, out, 0),
	    SCEAU_ERR_INVALID_ARGUMENT);
	memset(out, 0xaa, 32);
	assert_int_equal(
	    sceau_kdf_hkdf_sha256(NULL, 0, NULL, 0, NULL, 0, out, 32),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_true(out[0] == 0 && out[31] == 0);
	assert_int_equal(
	    sceau_kdf_hkdf_sha256(NULL, 1, ikm, sizeof(ikm), NULL, 0, out, 32),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_kdf_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 1, out, 32),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_kdf_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, NULL, 32),
	    SCEAU_ERR_INVALID_ARGUMENT);
}

struct argon2_vec {
	uint8_t *pw, *salt, *secret, *ad, *tag;
	size_t pwlen, saltlen, secretlen, adlen, taglen;
	struct sceau_kdf_argon2_params p;
};

static void
argon2_vec_load(const struct tu_block *b, struct argon2_vec *v)
{
	unsigned long t, m, p;

	assert_non_null(v->pw = tu_vec_alloc(b, "pw", &v->pwlen));
	assert_non_null(v->salt = tu_vec_alloc(b, "salt", &v->saltlen));
	assert_non_null(v->secret = tu_vec_alloc(b, "secret", &v->secretlen));
	assert_non_null(v->ad = tu_vec_alloc(b, "ad", &v->adlen));
	assert_non_null(v->tag = tu_vec_alloc(b, "tag", &v->taglen));
	assert_int_equal(tu_vec_ulong(b, "t", &t), 0);
	assert_int_equal(tu_vec_ulong(b, "m", &m), 0);
	assert_int_equal(tu_vec_ulong(b, "p", &p), 0);
	v->p.t_cost = (uint32_t)t;
	v->p.m_cost_kib = (uint32_t)m;
	v->p.parallelism = (uint32_t)p;
}

static void
argon2_vec_free(struct argon2_vec *v)
{
	free(v->pw);
	free(v->salt);
	free(v->secret);
	free(v->ad);
	free(v->tag);
}

static int
argon2_vec_run(const struct argon2_vec *v, uint8_t *out)
{
	return sceau_kdf_argon2id(v->pw, v->pwlen, v->salt, v->saltlen,
	    v->secretlen ? v->secret : NULL, v->secretlen,
	    v->adlen ? v->ad : NULL, v->adlen, &v->p, out, v->taglen);
}

static void
test_argon2id_vectors(void **state)
{
	struct tu_vectors *vs;
	struct argon2_vec v;
	uint8_t out[64];
	size_t i;

	(void)state;
	assert_non_null(vs = tu_vectors_load("argon2id.txt"));
	assert_int_equal(tu_vectors_count(vs), 2);
	for (i = 0; i < tu_vectors_count(vs); i++) {
		argon2_vec_load(tu_vectors_block(vs, i), &v);
		assert_true(v.taglen <= sizeof(out));
		assert_int_equal(argon2_vec_run(&v, out), 0);
		assert_memory_equal(out, v.tag, v.taglen);
		/* The secret and the associated data both count. */
		if (v.secretlen > 0) {
			tu_flip(v.secret, 0, 0);
			assert_int_equal(argon2_vec_run(&v, out), 0);
			assert_memory_not_equal(out, v.tag, v.taglen);
			tu_flip(v.secret, 0, 0);
		}
		if (v.adlen > 0) {
			tu_flip(v.ad, v.adlen - 1, 7);
			assert_int_equal(argon2_vec_run(&v, out), 0);
			assert_memory_not_equal(out, v.tag, v.taglen);
			tu_flip(v.ad, v.adlen - 1, 7);
		}
		argon2_vec_free(&v);
	}
	tu_vectors_free(vs);
}

static void
test_argon2_check(void **state)
{
	struct sceau_kdf_argon2_params d, p;
	static const struct {
		uint32_t t, m, p;
		int want;
	} cases[] = {
	    {1, SCEAU_KDF_ARGON2_M_MIN, 1, 0},
	    {SCEAU_KDF_ARGON2_T_MAX, SCEAU_KDF_ARGON2_M_MAX,
	        SCEAU_KDF_ARGON2_P_MAX, 0},
	    {0, 64, 1, SCEAU_ERR_KDF_PARAMS},
	    {SCEAU_KDF_ARGON2_T_MAX + 1, 64, 1, SCEAU_ERR_KDF_PARAMS},
	    {3, SCEAU_KDF_ARGON2_M_MIN - 1, 1, SCEAU_ERR_KDF_PARAMS},
	    {3, SCEAU_KDF_ARGON2_M_MAX + 1, 1, SCEAU_ERR_KDF_PARAMS},
	    {3, 0xffffffffU, 1, SCEAU_ERR_KDF_PARAMS},
	    {3, 64, 0, SCEAU_ERR_KDF_PARAMS},
	    {3, 64, SCEAU_KDF_ARGON2_P_MAX + 1, SCEAU_ERR_KDF_PARAMS},
	    /* Argon2 needs 8 KiB per lane. */
	    {3, 8 * 4, 4, 0},
	    {3, 8 * 4 - 1, 4, SCEAU_ERR_KDF_PARAMS},
	};
	size_t i;

	(void)state;
	sceau_kdf_argon2_default(&d);
	assert_int_equal(d.t_cost, SCEAU_KDF_ARGON2_T_DEFAULT);
	assert_int_equal(d.m_cost_kib, SCEAU_KDF_ARGON2_M_DEFAULT);
	assert_int_equal(d.parallelism, SCEAU_KDF_ARGON2_P_DEFAULT);
	assert_int_equal(sceau_kdf_argon2_check(&d), 0);
	for (i = 0; i < SCEAU_NELEM(cases); i++) {
		p.t_cost = cases[i].t;
		p.m_cost_kib = cases[i].m;
		p.parallelism = cases[i].p;
		assert_int_equal(sceau_kdf_argon2_check(&p), cases[i].want);
	}
}

/* Out-of-bounds parameters are refused before any work or allocation. */
static void
test_argon2_refuses(void **state)
{
	struct sceau_kdf_argon2_params p = {3, SCEAU_KDF_ARGON2_M_MAX + 1, 1};
	uint8_t salt[16] = {0}, out[32];
	unsigned long before;

	(void)state;
	memset(out, 0xaa, sizeof(out));
	before = sceau_alloc_count();
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, sizeof(salt), NULL,
	                     0, NULL, 0, &p, out, sizeof(out)),
	    SCEAU_ERR_KDF_PARAMS);
	assert_int_equal(sceau_alloc_count(), before);
	assert_true(out[0] == 0 && out[31] == 0);
	p.m_cost_kib = 64;
	p.t_cost = 0;
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, sizeof(salt), NULL,
	                     0, NULL, 0, &p, out, sizeof(out)),
	    SCEAU_ERR_KDF_PARAMS);
	p.t_cost = 1;
	p.parallelism = SCEAU_KDF_ARGON2_P_MAX + 1;
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, sizeof(salt), NULL,
	                     0, NULL, 0, &p, out, sizeof(out)),
	    SCEAU_ERR_KDF_PARAMS);
	p.parallelism = 1;
	/* Lengths libargon2 refuses are caller errors. */
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, 7, NULL, 0, NULL, 0,
	                     &p, out, sizeof(out)),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, sizeof(salt), NULL,
	                     0, NULL, 0, &p, out, 3),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_kdf_argon2id(NULL, 1, salt, sizeof(salt), NULL,
	                     0, NULL, 0, &p, out, sizeof(out)),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, sizeof(salt), NULL,
	                     1, NULL, 0, &p, out, sizeof(out)),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_kdf_argon2id("pw", 2, salt, sizeof(salt), NULL,
	                     0, NULL, 1, &p, out, sizeof(out)),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* An empty password is a password. */
	assert_int_equal(sceau_kdf_argon2id(NULL, 0, salt, sizeof(salt), NULL,
	                     0, NULL, 0, &p, out, sizeof(out)),
	    0);
}

static int
argon2_torture_run(void *arg)
{
	static const struct sceau_kdf_argon2_params p = {1, 64, 2};
	uint8_t *out = arg;

	return sceau_kdf_argon2id(
	    "pw", 2, "saltsalt", 8, NULL, 0, NULL, 0, &p, out, 32);
}

static void
test_argon2_alloc_failure(void **state)
{
	uint8_t out[32], zero[32] = {0};

	(void)state;
	sceau_alloc_fail_after(0);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(argon2_torture_run(out), SCEAU_ERR_ALLOC);
	sceau_alloc_fail_after(-1);
	assert_memory_equal(out, zero, sizeof(out));
	assert_true(tu_alloc_torture(argon2_torture_run, out, 10) >= 1);
}

static void
test_argon2_params_codec(void **state)
{
	static const uint8_t want[12] = {
	    0,
	    0,
	    0,
	    3,
	    0,
	    1,
	    0,
	    0,
	    0,
	    0,
	    0,
	    1,
	};
	struct sceau_kdf_argon2_params p, q;
	struct sceau_buf *b;

	(void)state;
	assert_non_null(b = sceau_buf_new());
	sceau_kdf_argon2_default(&p);
	assert_int_equal(sceau_kdf_argon2_params_put(b, &p), 0);
	assert_int_equal(sceau_buf_len(b), sizeof(want));
	assert_memory_equal(sceau_buf_ptr(b), want, sizeof(want));
	assert_int_equal(sceau_kdf_argon2_params_get(b, &q), 0);
	assert_memory_equal(&p, &q, sizeof(p));
	assert_int_equal(sceau_buf_len(b), 0);

	/* put refuses what get would refuse, and writes nothing. */
	p.t_cost = 0;
	assert_int_equal(
	    sceau_kdf_argon2_params_put(b, &p), SCEAU_ERR_KDF_PARAMS);
	assert_int_equal(sceau_buf_len(b), 0);

	/* Too short: nothing consumed. */
	assert_int_equal(sceau_buf_put(b, want, 11), 0);
	assert_int_equal(
	    sceau_kdf_argon2_params_get(b, &q), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(sceau_buf_len(b), 11);
	sceau_buf_free(b);
}

/* Each field out of bounds in the encoding is refused, buffer unchanged. */
static void
test_argon2_params_get_bounds(void **state)
{
	static const uint8_t bad[][12] = {
	    {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, /* t = 0 */
	    {0, 0, 0, 65, 0, 1, 0, 0, 0, 0, 0, 1}, /* t > max */
	    {0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 1}, /* m < min */
	    {0, 0, 0, 3, 0, 0x40, 0, 1, 0, 0, 0, 1}, /* m > max */
	    {0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1},
	    {0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0}, /* p = 0 */
	    {0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 0, 17}, /* p > max */
	    {0, 0, 0, 3, 0, 0, 0, 64, 0, 0, 0, 9}, /* m < 8 p */
	};
	struct sceau_kdf_argon2_params q;
	struct sceau_buf *b;
	size_t i;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(bad); i++) {
		assert_non_null(b = sceau_buf_from(bad[i], sizeof(bad[i])));
		memset(&q, 0xaa, sizeof(q));
		assert_int_equal(
		    sceau_kdf_argon2_params_get(b, &q), SCEAU_ERR_KDF_PARAMS);
		assert_int_equal(sceau_buf_len(b), sizeof(bad[i]));
		assert_int_equal(q.t_cost, 0);
		assert_int_equal(q.m_cost_kib, 0);
		assert_int_equal(q.parallelism, 0);
		sceau_buf_free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hkdf_vectors),
	    cmocka_unit_test(test_hkdf_args),
	    cmocka_unit_test(test_argon2id_vectors),
	    cmocka_unit_test(test_argon2_check),
	    cmocka_unit_test(test_argon2_refuses),
	    cmocka_unit_test(test_argon2_alloc_failure),
	    cmocka_unit_test(test_argon2_params_codec),
	    cmocka_unit_test(test_argon2_params_get_bounds),
	};

	return TU_TAP_MAIN("kdf", tests);
}
