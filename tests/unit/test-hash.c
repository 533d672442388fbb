/*
 * test-hash.c: SHA-256 and HMAC-SHA256 (src/hash.c) against FIPS 180-2
 * and RFC 4231 vectors, the streaming context, and tag verification.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "hash.h"
#include "testutil.h"

static void
check_sha256_block(const struct tu_block *b)
{
	struct sceau_hash_ctx *c;
	uint8_t want[SCEAU_SHA256_LEN], got[SCEAU_SHA256_LEN], *msg;
	unsigned long repeat = 1, i;
	size_t len, j;

	assert_non_null(msg = tu_vec_alloc(b, "msg", &len));
	assert_int_equal(tu_vec_fixed(b, "digest", want, sizeof(want)), 0);
	if (tu_vec_has(b, "repeat"))
		assert_int_equal(tu_vec_ulong(b, "repeat", &repeat), 0);
	assert_non_null(c = sceau_hash_ctx_new());
	for (i = 0; i < repeat; i++)
		assert_int_equal(sceau_hash_update(c, msg, len), 0);
	assert_int_equal(sceau_hash_final(c, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	if (repeat == 1) {
		assert_int_equal(sceau_hash_sha256(msg, len, got), 0);
		assert_memory_equal(got, want, sizeof(want));
		/* Byte by byte, through a reused context. */
		assert_int_equal(sceau_hash_init(c), 0);
		for (j = 0; j < len; j++)
			assert_int_equal(sceau_hash_update(c, msg + j, 1), 0);
		assert_int_equal(sceau_hash_final(c, got), 0);
		assert_memory_equal(got, want, sizeof(want));
	}
	sceau_hash_ctx_free(c);
	free(msg);
}

static void
test_sha256_vectors(void **state)
{
	struct tu_vectors *v;
	size_t i;

	(void)state;
	assert_non_null(v = tu_vectors_load("sha256.txt"));
	assert_int_equal(tu_vectors_count(v), 5);
	for (i = 0; i < tu_vectors_count(v); i++)
		check_sha256_block(tu_vectors_block(v, i));
	tu_vectors_free(v);
}

static void
test_sha256_args(void **state)
{
	struct sceau_hash_ctx *c;
	uint8_t md[SCEAU_SHA256_LEN], zero[SCEAU_SHA256_LEN] = {0};

	(void)state;
	memset(md, 0xaa, sizeof(md));
	assert_int_equal(
	    sceau_hash_sha256(NULL, 1, md), SCEAU_ERR_INVALID_ARGUMENT);
	assert_memory_equal(md, zero, sizeof(md));
	assert_int_equal(sceau_hash_sha256(NULL, 0, md), 0);

	/* Updates and finals need an _init after each _final. */
	assert_non_null(c = sceau_hash_ctx_new());
	assert_int_equal(sceau_hash_final(c, md), 0);
	assert_int_equal(
	    sceau_hash_update(c, "x", 1), SCEAU_ERR_INVALID_ARGUMENT);
	memset(md, 0xaa, sizeof(md));
	assert_int_equal(sceau_hash_final(c, md), SCEAU_ERR_INVALID_ARGUMENT);
	assert_memory_equal(md, zero, sizeof(md));
	assert_int_equal(sceau_hash_init(c), 0);
	assert_int_equal(
	    sceau_hash_update(c, NULL, 1), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_hash_update(c, NULL, 0), 0);
	sceau_hash_ctx_free(c);
	sceau_hash_ctx_free(NULL);
}

static void
check_hmac_block(const struct tu_block *b)
{
	uint8_t want[SCEAU_SHA256_LEN], got[SCEAU_SHA256_LEN], *key, *data;
	size_t klen, dlen, i;

	assert_non_null(key = tu_vec_alloc(b, "key", &klen));
	assert_non_null(data = tu_vec_alloc(b, "data", &dlen));
	assert_int_equal(tu_vec_fixed(b, "mac", want, sizeof(want)), 0);
	assert_int_equal(sceau_hash_hmac_sha256(key, klen, data, dlen, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(
	    sceau_hash_hmac_sha256_verify(key, klen, data, dlen, want), 0);
	/* Every bit of the tag counts. */
	for (i = 0; i < 8 * sizeof(want); i++) {
		tu_flip(want, i / 8, i % 8);
		assert_int_equal(
		    sceau_hash_hmac_sha256_verify(key, klen, data, dlen, want),
		    SCEAU_ERR_SIGNATURE_INVALID);
		tu_flip(want, i / 8, i % 8);
	}
	/* So does every byte of the data and of the key. */
	for (i = 0; i < dlen; i++) {
		tu_flip(data, i, 0);
		assert_int_equal(
		    sceau_hash_hmac_sha256_verify(key, klen, data, dlen, want),
		    SCEAU_ERR_SIGNATURE_INVALID);
		tu_flip(data, i, 0);
	}
	for (i = 0; i < klen; i++) {
		tu_flip(key, i, 7);
		assert_int_equal(
		    sceau_hash_hmac_sha256_verify(key, klen, data, dlen, want),
		    SCEAU_ERR_SIGNATURE_INVALID);
		tu_flip(key, i, 7);
	}
	assert_int_equal(
	    sceau_hash_hmac_sha256_verify(key, klen, data, dlen - 1, want),
	    SCEAU_ERR_SIGNATURE_INVALID);
	free(key);
	free(data);
}

static void
test_hmac_vectors(void **state)
{
	struct tu_vectors *v;
	size_t i;

	(void)state;
	assert_non_null(v = tu_vectors_load("hmac-sha256.txt"));
	assert_int_equal(tu_vectors_count(v), 6);
	for (i = 0; i < tu_vectors_count(v); i++)
		check_hmac_block(tu_vectors_block(v, i));
	tu_vectors_free(v);
}

static void
test_hmac_empty(void **state)
{
	/* HMAC-SHA256("", ""), from Python's hmac module. */
	static const uint8_t want[SCEAU_SHA256_LEN] = {
	    0xb6,
	    0x13,
	    0x67,
	    0x9a,
	    0x08,
	    0x14,
	    0xd9,
	    0xec,
	    0x77,
	    0x2f,
	    0x95,
	    0xd7,
	    0x78,
	    0xc3,
	    0x5f,
	    0xc5,
	    0xff,
	    0x16,
	    0x97,
	    0xc4,
	    0x93,
	    0x71,
	    0x56,
	    0x53,
	    0xc6,
	    0xc7,
	    0x12,
	    0x14,
	    0x42,
	    0x92,
	    0xc5,
	    0xad,
	};
	uint8_t got[SCEAU_SHA256_LEN], zero[SCEAU_SHA256_LEN] = {0};

	(void)state;
	assert_int_equal(sceau_hash_hmac_sha256(NULL, 0, NULL, 0, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(sceau_hash_hmac_sha256("", 0, "", 0, got), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(sceau_hash_hmac_sha256(NULL, 1, "", 0, got),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_memory_equal(got, zero, sizeof(got));
	assert_int_equal(sceau_hash_hmac_sha256_verify(NULL, 0, NULL, 1, want),
	    SCEAU_ERR_INVALID_ARGUMENT);
}

struct hash_thread {
	pthread_t t;
	int failures;
};

static void *
hash_thread_run(void *arg)
{
	static const uint8_t abc[SCEAU_SHA256_LEN] = {
	    0xba,
	    0x78,
	    0x16,
	    0xbf,
	    0x8f,
	    0x01,
	    0xcf,
	    0xea,
	    0x41,
	    0x41,
	    0x40,
	    0xde,
	    0x5d,
	    0xae,
	    0x22,
	    0x23,
	    0xb0,
	    0x03,
	    0x61,
	    0xa3,
	    0x96,
	    0x17,
	    0x7a,
	    0x9c,
	    0xb4,
	    0x10,
	    0xff,
	    0x61,
	    0xf2,
	    0x00,
	    0x15,
	    0xad,
	};
	struct hash_thread *h = arg;
	uint8_t md[SCEAU_SHA256_LEN];
	int i;

	for (i = 0; i < 200; i++) {
		if (sceau_hash_sha256("abc", 3, md) != 0 ||
		    memcmp(md, abc, sizeof(md)) != 0)
			h->failures++;
		if (sceau_hash_hmac_sha256("k", 1, "m", 1, md) != 0 ||
		    sceau_hash_hmac_sha256_verify("k", 1, "m", 1, md) != 0)
			h->failures++;
	}
	return NULL;
}

/* The first calls race to fetch the algorithms: pthread_once settles it. */
static void
test_hash_threads(void **state)
{
	struct hash_thread h[4];
	size_t i;

	(void)state;
	memset(h, 0, sizeof(h));
	for (i = 0; i < SCEAU_NELEM(h); i++)
		assert_int_equal(
		    pthread_create(&h[i].t, NULL, hash_thread_run, &h[i]), 0);
	for (i = 0; i < SCEAU_NELEM(h); i++) {
		assert_int_equal(pthread_join(h[i].t, NULL), 0);
		assert_int_equal(h[i].failures, 0);
	}
}

int
main(void)
{
	/* Threads first, while nothing is fetched yet. */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_threads),
	    cmocka_unit_test(test_sha256_vectors),
	    cmocka_unit_test(test_sha256_args),
	    cmocka_unit_test(test_hmac_vectors),
	    cmocka_unit_test(test_hmac_empty),
	};

	return TU_TAP_MAIN("hash", tests);
}
