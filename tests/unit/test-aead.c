/*
 * test-aead.c: AES-256-GCM (McGrew-Viega test cases 13-18) in its three
 * forms, tampering, and the chunked stream: layout, round trips,
 * truncation, reordering, duplication, extension, altered header, and
 * allocation failures (src/aead.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aead.h"
#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "kdf.h"
#include "testutil.h"

#define CHUNK SCEAU_AEAD_STREAM_CHUNK
#define TAG SCEAU_AEAD_TAG_LEN
#define HDR SCEAU_AEAD_STREAM_HEADER_LEN

struct gcm_vec {
	uint8_t key[32];
	uint8_t *iv, *aad, *pt, *ct, *tag;
	size_t ivlen, aadlen, n, ctlen, taglen;
};

static void
gcm_load(const struct tu_block *b, struct gcm_vec *v)
{
	assert_int_equal(tu_vec_fixed(b, "key", v->key, 32), 0);
	assert_non_null(v->iv = tu_vec_alloc(b, "iv", &v->ivlen));
	assert_non_null(v->aad = tu_vec_alloc(b, "aad", &v->aadlen));
	assert_non_null(v->pt = tu_vec_alloc(b, "pt", &v->n));
	assert_non_null(v->ct = tu_vec_alloc(b, "ct", &v->ctlen));
	assert_non_null(v->tag = tu_vec_alloc(b, "tag", &v->taglen));
	assert_int_equal(v->ctlen, v->n);
	assert_int_equal(v->taglen, TAG);
}

static void
gcm_free(struct gcm_vec *v)
{
	free(v->iv);
	free(v->aad);
	free(v->pt);
	free(v->ct);
	free(v->tag);
}

/* One-shot, with a temporary and with a reused context, and in place. */
static void
gcm_check_oneshot(struct sceau_aead *a, const struct gcm_vec *v)
{
	uint8_t out[64], tag[TAG];

	assert_true(v->n <= sizeof(out));
	assert_int_equal(sceau_aead_encrypt(NULL, v->key, v->iv, v->aad,
	                     v->aadlen, v->pt, v->n, out, tag),
	    0);
	assert_memory_equal(out, v->ct, v->n);
	assert_memory_equal(tag, v->tag, TAG);
	memset(out, 0, sizeof(out));
	assert_int_equal(sceau_aead_encrypt(a, v->key, v->iv, v->aad, v->aadlen,
	                     v->pt, v->n, out, tag),
	    0);
	assert_memory_equal(out, v->ct, v->n);
	assert_memory_equal(tag, v->tag, TAG);
	assert_int_equal(sceau_aead_decrypt(a, v->key, v->iv, v->aad, v->aadlen,
	                     v->ct, v->n, v->tag, out),
	    0);
	assert_memory_equal(out, v->pt, v->n);
	assert_int_equal(sceau_aead_decrypt(NULL, v->key, v->iv, v->aad,
	                     v->aadlen, v->ct, v->n, v->tag, out),
	    0);
	assert_memory_equal(out, v->pt, v->n);
	/* In place. */
	memcpy(out, v->pt, v->n);
	assert_int_equal(sceau_aead_encrypt(a, v->key, v->iv, v->aad, v->aadlen,
	                     out, v->n, out, tag),
	    0);
	assert_memory_equal(out, v->ct, v->n);
	assert_int_equal(sceau_aead_decrypt(a, v->key, v->iv, v->aad, v->aadlen,
	                     out, v->n, tag, out),
	    0);
	assert_memory_equal(out, v->pt, v->n);
}

/* Incremental, the message cut at `cut`. */
static void
gcm_check_incremental(struct sceau_aead *a, const struct gcm_vec *v, size_t cut)
{
	uint8_t out[64], tag[TAG];

	if (cut > v->n)
		cut = v->n;
	assert_int_equal(
	    sceau_aead_encrypt_init(a, v->key, v->iv, v->aad, v->aadlen), 0);
	assert_int_equal(sceau_aead_encrypt_update(a, v->pt, cut, out), 0);
	assert_int_equal(
	    sceau_aead_encrypt_update(a, v->pt + cut, v->n - cut, out + cut),
	    0);
	assert_int_equal(sceau_aead_encrypt_final(a, tag), 0);
	assert_memory_equal(out, v->ct, v->n);
	assert_memory_equal(tag, v->tag, TAG);
	assert_int_equal(
	    sceau_aead_decrypt_init(a, v->key, v->iv, v->aad, v->aadlen), 0);
	assert_int_equal(sceau_aead_decrypt_update(a, v->ct, cut, out), 0);
	assert_int_equal(
	    sceau_aead_decrypt_update(a, v->ct + cut, v->n - cut, out + cut),
	    0);
	assert_int_equal(sceau_aead_decrypt_final(a, v->tag), 0);
	assert_memory_equal(out, v->pt, v->n);
}

/*
 * Test cases 17 and 18 have IVs of 8 and 60 bytes, which sceau's API
 * (96-bit nonces only) cannot take: check them against EVP, so that the
 * vector file stays verified as a whole.
 */
static void
gcm_check_evp(const struct gcm_vec *v)
{
	EVP_CIPHER_CTX *c;
	uint8_t out[64], tag[TAG];
	int len;

	assert_non_null(c = EVP_CIPHER_CTX_new());
	assert_int_equal(
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(
	                     c, EVP_CTRL_AEAD_SET_IVLEN, (int)v->ivlen, NULL),
	    1);
	assert_int_equal(EVP_EncryptInit_ex(c, NULL, NULL, v->key, v->iv), 1);
	assert_int_equal(
	    EVP_EncryptUpdate(c, NULL, &len, v->aad, (int)v->aadlen), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out, &len, v->pt, (int)v->n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + len, &len), 1);
	assert_int_equal(
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG, tag), 1);
	assert_memory_equal(out, v->ct, v->n);
	assert_memory_equal(tag, v->tag, TAG);
	EVP_CIPHER_CTX_free(c);
}

static void
test_gcm_vectors(void **state)
{
	struct sceau_aead *a;
	struct tu_vectors *vs;
	struct gcm_vec v;
	size_t i, evp = 0;

	(void)state;
	assert_non_null(vs = tu_vectors_load("aes256gcm.txt"));
	assert_int_equal(tu_vectors_count(vs), 6);
	assert_non_null(a = sceau_aead_new());
	for (i = 0; i < tu_vectors_count(vs); i++) {
		gcm_load(tu_vectors_block(vs, i), &v);
		if (v.ivlen != SCEAU_AEAD_NONCE_LEN) {
			gcm_check_evp(&v);
			evp++;
		} else {
			gcm_check_oneshot(a, &v);
			gcm_check_incremental(a, &v, 0);
			gcm_check_incremental(a, &v, 1);
			gcm_check_incremental(a, &v, 17);
			gcm_check_incremental(a, &v, v.n);
		}
		gcm_free(&v);
	}
	assert_int_equal(evp, 2);
	sceau_aead_free(a);
	tu_vectors_free(vs);
}

/* Loads GCM test case 16 (it has additional data). */
static void
gcm_load16(struct tu_vectors **vsp, struct gcm_vec *v)
{
	assert_non_null(*vsp = tu_vectors_load("aes256gcm.txt"));
	gcm_load(tu_vectors_block(*vsp, 3), v);
	assert_int_equal(v->aadlen, 20);
	assert_int_equal(v->n, 60);
}

/* Decryption must fail with DECRYPT_FAILED and leave pt all zero. */
static void
gcm_expect_refused(
    struct sceau_aead *a, const struct gcm_vec *v, size_t aadlen, size_t n)
{
	uint8_t out[64], zero[64] = {0};

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(sceau_aead_decrypt(a, v->key, v->iv, v->aad, aadlen,
	                     v->ct, n, v->tag, out),
	    SCEAU_ERR_DECRYPT_FAILED);
	assert_memory_equal(out, zero, n);
}

static void
test_gcm_tamper(void **state)
{
	struct tu_vectors *vs;
	struct sceau_aead *a;
	struct gcm_vec v;
	size_t i;

	(void)state;
	gcm_load16(&vs, &v);
	assert_non_null(a = sceau_aead_new());
	for (i = 0; i < 8 * v.n; i++) {
		tu_flip(v.ct, i / 8, i % 8);
		gcm_expect_refused(a, &v, v.aadlen, v.n);
		tu_flip(v.ct, i / 8, i % 8);
	}
	for (i = 0; i < 8 * TAG; i++) {
		tu_flip(v.tag, i / 8, i % 8);
		gcm_expect_refused(a, &v, v.aadlen, v.n);
		tu_flip(v.tag, i / 8, i % 8);
	}
	for (i = 0; i < 8 * SCEAU_AEAD_NONCE_LEN; i++) {
		tu_flip(v.iv, i / 8, i % 8);
		gcm_expect_refused(a, &v, v.aadlen, v.n);
		tu_flip(v.iv, i / 8, i % 8);
	}
	for (i = 0; i < 8 * v.aadlen; i++) {
		tu_flip(v.aad, i / 8, i % 8);
		gcm_expect_refused(a, &v, v.aadlen, v.n);
		tu_flip(v.aad, i / 8, i % 8);
	}
	for (i = 0; i < 8 * 32; i += 7) {
		tu_flip(v.key, i / 8, i % 8);
		gcm_expect_refused(a, &v, v.aadlen, v.n);
		tu_flip(v.key, i / 8, i % 8);
	}
	/* Cut additional data, cut ciphertext, no additional data. */
	gcm_expect_refused(a, &v, v.aadlen - 1, v.n);
	gcm_expect_refused(a, &v, 0, v.n);
	gcm_expect_refused(NULL, &v, v.aadlen, v.n - 1);
	/* The context is still good after all those failures. */
	gcm_check_oneshot(a, &v);
	sceau_aead_free(a);
	gcm_free(&v);
	tu_vectors_free(vs);
}

static void
test_gcm_incremental_tamper(void **state)
{
	struct tu_vectors *vs;
	struct sceau_aead *a;
	struct gcm_vec v;
	uint8_t out[64];

	(void)state;
	gcm_load16(&vs, &v);
	assert_non_null(a = sceau_aead_new());
	tu_flip(v.tag, 0, 0);
	assert_int_equal(
	    sceau_aead_decrypt_init(a, v.key, v.iv, v.aad, v.aadlen), 0);
	assert_int_equal(sceau_aead_decrypt_update(a, v.ct, v.n, out), 0);
	assert_int_equal(
	    sceau_aead_decrypt_final(a, v.tag), SCEAU_ERR_DECRYPT_FAILED);
	tu_flip(v.tag, 0, 0);
	tu_flip(v.ct, 59, 3);
	assert_int_equal(
	    sceau_aead_decrypt_init(a, v.key, v.iv, v.aad, v.aadlen), 0);
	assert_int_equal(sceau_aead_decrypt_update(a, v.ct, v.n, out), 0);
	assert_int_equal(
	    sceau_aead_decrypt_final(a, v.tag), SCEAU_ERR_DECRYPT_FAILED);
	sceau_aead_free(a);
	gcm_free(&v);
	tu_vectors_free(vs);
}

/* Calls out of order are refused, and do not corrupt the context. */
static void
test_gcm_state(void **state)
{
	struct tu_vectors *vs;
	struct sceau_aead *a;
	struct gcm_vec v;
	uint8_t out[64], tag[TAG];

	(void)state;
	gcm_load16(&vs, &v);
	assert_non_null(a = sceau_aead_new());
	assert_int_equal(
	    sceau_aead_encrypt_update(a, v.pt, 1, out), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(
	    sceau_aead_encrypt_final(a, tag), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(
	    sceau_aead_decrypt_final(a, v.tag), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_aead_encrypt_init(a, v.key, v.iv, NULL, 0), 0);
	assert_int_equal(
	    sceau_aead_decrypt_update(a, v.ct, 1, out), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(
	    sceau_aead_decrypt_final(a, v.tag), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_aead_encrypt_final(a, tag), 0);
	assert_int_equal(
	    sceau_aead_encrypt_final(a, tag), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_aead_decrypt_init(a, v.key, v.iv, NULL, 0), 0);
	assert_int_equal(
	    sceau_aead_encrypt_update(a, v.pt, 1, out), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_aead_decrypt_init(a, v.key, v.iv, NULL, 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_aead_decrypt_update(a, v.ct, 1, out), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_aead_encrypt(a, v.key, v.iv, v.aad, v.aadlen,
	                     NULL, 1, out, tag),
	    SCEAU_ERR_INVALID_ARGUMENT);
	gcm_check_oneshot(a, &v);
	sceau_aead_free(a);
	sceau_aead_free(NULL);
	gcm_free(&v);
	tu_vectors_free(vs);
}

/* One context for many keys gives what a fresh context gives. */
static void
test_gcm_reuse(void **state)
{
	struct sceau_aead *a;
	uint8_t key[32], nonce[12] = {0}, pt[100], c1[100], c2[100];
	uint8_t t1[TAG], t2[TAG];
	int i;

	(void)state;
	assert_non_null(a = sceau_aead_new());
	for (i = 0; i < 16; i++) {
		memset(key, i, sizeof(key));
		memset(pt, 0x30 + i, sizeof(pt));
		nonce[0] = (uint8_t)i;
		assert_int_equal(sceau_aead_encrypt(a, key, nonce, "ad", 2, pt,
		                     sizeof(pt) - (size_t)i, c1, t1),
		    0);
		assert_int_equal(sceau_aead_encrypt(NULL, key, nonce, "ad", 2,
		                     pt, sizeof(pt) - (size_t)i, c2, t2),
		    0);
		assert_memory_equal(c1, c2, sizeof(pt) - (size_t)i);
		assert_memory_equal(t1, t2, TAG);
	}
	sceau_aead_free(a);
}

/* ------------------------------------------------------------------ */
/* Stream. */

struct sealed {
	uint8_t header[HDR];
	size_t nchunks;
	uint8_t *chunk[8];
	size_t len[8];
};

static uint8_t stream_key[32] = {
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    26,
    27,
    28,
    29,
    30,
    31,
    32,
};

static uint8_t *
pattern(size_t n)
{
	uint8_t *p = malloc(n == 0 ? 1 : n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + (i >> 8));
	return p;
}

/* Seals n bytes of pt, keeping each sealed chunk apart. */
static void
seal(const uint8_t *pt, size_t n, const char *aad, struct sealed *s)
{
	struct sceau_aead_stream *st;
	struct sceau_buf *out;
	size_t off = 0, take;
	int last;

	memset(s, 0, sizeof(*s));
	assert_int_equal(sceau_aead_stream_push_init(
	                     &st, stream_key, aad, strlen(aad), s->header),
	    0);
	assert_non_null(out = sceau_buf_new());
	do {
		take = n - off > CHUNK ? CHUNK : n - off;
		last = off + take == n;
		assert_true(s->nchunks < SCEAU_NELEM(s->chunk));
		assert_int_equal(
		    sceau_aead_stream_push(st, pt + off, take, last, out), 0);
		assert_int_equal(sceau_buf_len(out), take + TAG);
		s->len[s->nchunks] = take + TAG;
		s->chunk[s->nchunks] = malloc(take + TAG);
		assert_non_null(s->chunk[s->nchunks]);
		memcpy(s->chunk[s->nchunks++], sceau_buf_ptr(out), take + TAG);
		sceau_buf_reset(out);
		off += take;
	} while (!last);
	sceau_buf_free(out);
	sceau_aead_stream_free(st);
}

static void
sealed_free(struct sealed *s)
{
	size_t i;

	for (i = 0; i < s->nchunks; i++)
		free(s->chunk[i]);
}

/*
 * Opens chunks order[0..count) of s (indexes into s->chunk) and returns
 * the first error, or pull_end's answer.  The plaintext goes to out.
 */
static int
open_chunks(const struct sealed *s, const char *aad, const size_t *order,
    size_t count, struct sceau_buf *out)
{
	struct sceau_aead_stream *st;
	size_t i;
	int r, last = 0;

	if ((r = sceau_aead_stream_pull_init(
	         &st, stream_key, aad, strlen(aad), s->header)) != 0)
		return r;
	for (i = 0; i < count; i++) {
		if ((r = sceau_aead_stream_pull(st, s->chunk[order[i]],
		         s->len[order[i]], &last, out)) != 0)
			goto out;
		assert_int_equal(last, order[i] == s->nchunks - 1);
	}
	r = sceau_aead_stream_pull_end(st);
out:
	sceau_aead_stream_free(st);
	return r;
}

static int
open_all(const struct sealed *s, const char *aad, struct sceau_buf *out)
{
	size_t order[8], i;

	for (i = 0; i < s->nchunks; i++)
		order[i] = i;
	return open_chunks(s, aad, order, s->nchunks, out);
}

static void
test_stream_roundtrip(void **state)
{
	static const size_t sizes[] = {
	    0,
	    1,
	    100,
	    CHUNK - 1,
	    CHUNK,
	    CHUNK + 1,
	    2 * CHUNK,
	    3 * CHUNK + 5,
	};
	struct sceau_buf *out;
	struct sealed s;
	uint8_t *pt;
	size_t i;

	(void)state;
	for (i = 0; i < SCEAU_NELEM(sizes); i++) {
		pt = pattern(sizes[i]);
		seal(pt, sizes[i], "file.txt", &s);
		assert_int_equal(s.header[0], 0x01);
		/* Every chunk but the last is full; an empty input still
		 * has its (empty) last chunk. */
		assert_int_equal(s.nchunks,
		    sizes[i] == 0 ? 1 : (sizes[i] + CHUNK - 1) / CHUNK);
		assert_non_null(out = sceau_buf_new());
		assert_int_equal(open_all(&s, "file.txt", out), 0);
		assert_int_equal(sceau_buf_len(out), sizes[i]);
		if (sizes[i] > 0)
			assert_memory_equal(sceau_buf_ptr(out), pt, sizes[i]);
		sceau_buf_free(out);
		sealed_free(&s);
		free(pt);
	}
}

/*
 * The layout is exactly the one aead.h specifies: rebuild each chunk from
 * the primitives (HKDF subkey, counter || flag nonce, init aad).
 */
static void
test_stream_layout(void **state)
{
	uint8_t subkey[32], nonce[12], ct[CHUNK], tag[TAG], *pt;
	size_t i, n = CHUNK + 10, off;
	struct sealed s;

	(void)state;
	pt = pattern(n);
	seal(pt, n, "ctx", &s);
	assert_int_equal(s.nchunks, 2);
	assert_int_equal(sceau_kdf_hkdf_sha256(s.header + 1, HDR - 1,
	                     stream_key, 32, "sceau stream v1", 15, subkey, 32),
	    0);
	for (i = 0, off = 0; i < s.nchunks; i++) {
		memset(nonce, 0, sizeof(nonce));
		nonce[10] = (uint8_t)i;
		nonce[11] = i + 1 == s.nchunks ? 0x01 : 0x00;
		assert_int_equal(sceau_aead_encrypt(NULL, subkey, nonce, "ctx",
		                     3, pt + off, s.len[i] - TAG, ct, tag),
		    0);
		assert_memory_equal(s.chunk[i], ct, s.len[i] - TAG);
		assert_memory_equal(s.chunk[i] + s.len[i] - TAG, tag, TAG);
		off += s.len[i] - TAG;
	}
	sealed_free(&s);
	free(pt);
}

static void
test_stream_truncated(void **state)
{
	static const size_t order[] = {0, 1, 2};
	struct sceau_buf *out;
	struct sealed s;
	uint8_t *pt;

	(void)state;
	assert_non_null(out = sceau_buf_new());
	/* 3 chunks, the last short: drop the last, or the last two. */
	pt = pattern(2 * CHUNK + 7);
	seal(pt, 2 * CHUNK + 7, "", &s);
	assert_int_equal(
	    open_chunks(&s, "", order, 2, out), SCEAU_ERR_STREAM_TRUNCATED);
	assert_int_equal(
	    open_chunks(&s, "", order, 1, out), SCEAU_ERR_STREAM_TRUNCATED);
	assert_int_equal(
	    open_chunks(&s, "", order, 0, out), SCEAU_ERR_STREAM_TRUNCATED);
	sealed_free(&s);
	free(pt);
	/* Exactly 2 full chunks: the first alone is not a whole stream. */
	pt = pattern(2 * CHUNK);
	seal(pt, 2 * CHUNK, "", &s);
	assert_int_equal(s.nchunks, 2);
	assert_int_equal(
	    open_chunks(&s, "", order, 1, out), SCEAU_ERR_STREAM_TRUNCATED);
	/* Nor is the last chunk cut short. */
	s.len[1] -= 1;
	assert_int_equal(
	    open_chunks(&s, "", order, 2, out), SCEAU_ERR_DECRYPT_FAILED);
	s.len[1] = TAG - 1;
	assert_int_equal(
	    open_chunks(&s, "", order, 2, out), SCEAU_ERR_DECRYPT_FAILED);
	sealed_free(&s);
	free(pt);
	sceau_buf_free(out);
}

static void
test_stream_reordered(void **state)
{
	static const size_t swapped[] = {1, 0, 2}, rotated[] = {2, 0, 1};
	static const size_t dup[] = {0, 0, 1, 2}, skip[] = {0, 2};
	struct sceau_buf *out;
	struct sealed s;
	uint8_t *pt;

	(void)state;
	pt = pattern(2 * CHUNK + 7);
	seal(pt, 2 * CHUNK + 7, "a", &s);
	assert_non_null(out = sceau_buf_new());
	assert_int_equal(
	    open_chunks(&s, "a", swapped, 3, out), SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(
	    open_chunks(&s, "a", rotated, 3, out), SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(sceau_buf_len(out), 0);
	/* A duplicated chunk: the copy fails (after the original). */
	assert_int_equal(
	    open_chunks(&s, "a", dup, 4, out), SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(sceau_buf_len(out), CHUNK);
	sceau_buf_reset(out);
	assert_int_equal(
	    open_chunks(&s, "a", skip, 2, out), SCEAU_ERR_DECRYPT_FAILED);
	sceau_buf_free(out);
	sealed_free(&s);
	free(pt);
}

/* Nothing is accepted after the last chunk. */
static void
test_stream_extended(void **state)
{
	struct sceau_aead_stream *st;
	struct sceau_buf *out;
	struct sealed s, t;
	uint8_t *pt;
	int last;

	(void)state;
	pt = pattern(CHUNK + 3);
	seal(pt, CHUNK + 3, "", &s);
	seal(pt, CHUNK + 3, "", &t);
	assert_non_null(out = sceau_buf_new());
	assert_int_equal(
	    sceau_aead_stream_pull_init(&st, stream_key, "", 0, s.header), 0);
	assert_int_equal(
	    sceau_aead_stream_pull(st, s.chunk[0], s.len[0], &last, out), 0);
	assert_int_equal(last, 0);
	assert_int_equal(
	    sceau_aead_stream_pull(st, s.chunk[1], s.len[1], &last, out), 0);
	assert_int_equal(last, 1);
	assert_int_equal(sceau_aead_stream_pull_end(st), 0);
	assert_int_equal(
	    sceau_aead_stream_pull(st, s.chunk[1], s.len[1], &last, out),
	    SCEAU_ERR_STREAM_STATE);
	assert_int_equal(last, 0);
	assert_int_equal(
	    sceau_aead_stream_pull(st, t.chunk[0], t.len[0], &last, out),
	    SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_buf_len(out), CHUNK + 3);
	sceau_aead_stream_free(st);
	sceau_buf_free(out);
	sealed_free(&s);
	sealed_free(&t);
	free(pt);
}

static void
test_stream_header(void **state)
{
	struct sceau_aead_stream *st;
	struct sceau_buf *out;
	struct sealed s;
	size_t i;
	uint8_t *pt;

	(void)state;
	pt = pattern(50);
	seal(pt, 50, "h", &s);
	assert_non_null(out = sceau_buf_new());
	/* Another version byte: refused at once. */
	for (i = 0; i < 8; i++) {
		tu_flip(s.header, 0, (unsigned int)i);
		st = (struct sceau_aead_stream *)1;
		assert_int_equal(sceau_aead_stream_pull_init(
		                     &st, stream_key, "h", 1, s.header),
		    SCEAU_ERR_INVALID_FORMAT);
		assert_null(st);
		tu_flip(s.header, 0, (unsigned int)i);
	}
	/* Another salt: another subkey, so the first chunk fails. */
	for (i = 8; i < 8 * HDR; i++) {
		tu_flip(s.header, i / 8, i % 8);
		assert_int_equal(
		    open_all(&s, "h", out), SCEAU_ERR_DECRYPT_FAILED);
		tu_flip(s.header, i / 8, i % 8);
	}
	assert_int_equal(sceau_buf_len(out), 0);
	/* Another key or context. */
	stream_key[0] ^= 1;
	assert_int_equal(open_all(&s, "h", out), SCEAU_ERR_DECRYPT_FAILED);
	stream_key[0] ^= 1;
	assert_int_equal(open_all(&s, "H", out), SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(open_all(&s, "", out), SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(open_all(&s, "h", out), 0);
	sceau_buf_free(out);
	sealed_free(&s);
	free(pt);
}

static void
test_stream_tamper(void **state)
{
	struct sceau_buf *out;
	struct sealed s;
	size_t c, i;
	uint8_t *pt;

	(void)state;
	pt = pattern(CHUNK + 40);
	seal(pt, CHUNK + 40, "t", &s);
	assert_non_null(out = sceau_buf_new());
	for (c = 0; c < s.nchunks; c++) {
		/* Some bits of the ciphertext, and every bit of the tag. */
		for (i = 0; i < 8 * s.len[c];
		     i += i < 8 * (s.len[c] - TAG) ? 4093 : 1) {
			tu_flip(s.chunk[c], i / 8, i % 8);
			assert_int_equal(
			    open_all(&s, "t", out), SCEAU_ERR_DECRYPT_FAILED);
			tu_flip(s.chunk[c], i / 8, i % 8);
			/* Only the chunks before the altered one came out. */
			assert_int_equal(sceau_buf_len(out), c * CHUNK);
			sceau_buf_reset(out);
		}
	}
	sceau_buf_free(out);
	sealed_free(&s);
	free(pt);
}

/* After a failure the stream refuses everything, even good chunks. */
static void
test_stream_broken(void **state)
{
	struct sceau_aead_stream *st;
	struct sceau_buf *out;
	struct sealed s;
	uint8_t *pt;
	int last;

	(void)state;
	pt = pattern(10);
	seal(pt, 10, "", &s);
	assert_non_null(out = sceau_buf_new());
	assert_int_equal(
	    sceau_aead_stream_pull_init(&st, stream_key, "", 0, s.header), 0);
	tu_flip(s.chunk[0], 3, 3);
	assert_int_equal(
	    sceau_aead_stream_pull(st, s.chunk[0], s.len[0], &last, out),
	    SCEAU_ERR_DECRYPT_FAILED);
	tu_flip(s.chunk[0], 3, 3);
	assert_int_equal(
	    sceau_aead_stream_pull(st, s.chunk[0], s.len[0], &last, out),
	    SCEAU_ERR_STREAM_STATE);
	assert_int_equal(
	    sceau_aead_stream_pull_end(st), SCEAU_ERR_STREAM_TRUNCATED);
	assert_int_equal(sceau_buf_len(out), 0);
	sceau_aead_stream_free(st);
	/* A chunk longer than any chunk. */
	assert_int_equal(
	    sceau_aead_stream_pull_init(&st, stream_key, "", 0, s.header), 0);
	assert_int_equal(
	    sceau_aead_stream_pull(st, pt, CHUNK + TAG + 1, &last, out),
	    SCEAU_ERR_DECRYPT_FAILED);
	sceau_aead_stream_free(st);
	sceau_buf_free(out);
	sealed_free(&s);
	free(pt);
}

static void
test_stream_push_misuse(void **state)
{
	struct sceau_aead_stream *st;
	struct sceau_buf *out;
	uint8_t header[HDR], *pt;
	int last;

	(void)state;
	pt = pattern(CHUNK + 1);
	assert_non_null(out = sceau_buf_new());
	assert_int_equal(
	    sceau_aead_stream_push_init(&st, stream_key, NULL, 0, header), 0);
	/* Only the last chunk may be short; none may be longer. */
	assert_int_equal(sceau_aead_stream_push(st, pt, CHUNK - 1, 0, out),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_aead_stream_push(st, pt, CHUNK + 1, 1, out),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_buf_len(out), 0);
	assert_int_equal(sceau_aead_stream_push(st, pt, CHUNK, 0, out), 0);
	assert_int_equal(sceau_aead_stream_push(st, pt, 5, 1, out), 0);
	assert_int_equal(
	    sceau_aead_stream_push(st, pt, 5, 1, out), SCEAU_ERR_STREAM_STATE);
	assert_int_equal(sceau_buf_len(out), CHUNK + 5 + 2 * TAG);
	/* A push stream does not pull, nor the reverse. */
	assert_int_equal(
	    sceau_aead_stream_pull(st, sceau_buf_ptr(out), 20, &last, out),
	    SCEAU_ERR_STREAM_STATE);
	assert_int_equal(
	    sceau_aead_stream_pull_end(st), SCEAU_ERR_STREAM_STATE);
	sceau_aead_stream_free(st);
	assert_int_equal(
	    sceau_aead_stream_pull_init(&st, stream_key, NULL, 0, header), 0);
	assert_int_equal(
	    sceau_aead_stream_push(st, pt, 5, 1, out), SCEAU_ERR_STREAM_STATE);
	sceau_aead_stream_free(st);
	sceau_aead_stream_free(NULL);
	sceau_buf_free(out);
	free(pt);
}

/* A full output buffer: the chunk is refused, the stream goes on. */
static void
test_stream_out_full(void **state)
{
	struct sceau_aead_stream *st;
	struct sceau_buf *out;
	uint8_t header[HDR], *pt;

	(void)state;
	pt = pattern(CHUNK);
	assert_non_null(out = sceau_buf_new());
	assert_int_equal(sceau_buf_set_max_size(out, CHUNK), 0);
	assert_int_equal(
	    sceau_aead_stream_push_init(&st, stream_key, "x", 1, header), 0);
	assert_int_equal(sceau_aead_stream_push(st, pt, CHUNK, 0, out),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_len(out), 0);
	assert_int_equal(sceau_buf_set_max_size(out, CHUNK + TAG), 0);
	assert_int_equal(sceau_aead_stream_push(st, pt, CHUNK, 0, out), 0);
	sceau_aead_stream_free(st);
	sceau_buf_free(out);
	free(pt);
}

struct torture {
	uint8_t *pt;
	size_t n;
	struct sceau_buf *sealed; /* header || chunks */
};

/* Seals t->n bytes into a new buffer (kept on success). */
static int
torture_push(void *arg)
{
	struct torture *t = arg;
	struct sceau_aead_stream *st = NULL;
	struct sceau_buf *out;
	uint8_t *h;
	size_t off = 0, take;
	int r, last;

	if ((out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_reserve(out, HDR, &h)) != 0 ||
	    (r = sceau_aead_stream_push_init(&st, stream_key, "aad", 3, h)) !=
	        0)
		goto out;
	do {
		take = t->n - off > CHUNK ? CHUNK : t->n - off;
		last = off + take == t->n;
		if ((r = sceau_aead_stream_push(
		         st, t->pt + off, take, last, out)) != 0)
			goto out;
		off += take;
	} while (!last);
	t->sealed = out;
	out = NULL;
out:
	sceau_aead_stream_free(st);
	sceau_buf_free(out);
	return r;
}

static int
torture_pull(void *arg)
{
	struct torture *t = arg;
	struct sceau_aead_stream *st = NULL;
	struct sceau_buf *out;
	const uint8_t *p = sceau_buf_ptr(t->sealed) + HDR;
	size_t left = sceau_buf_len(t->sealed) - HDR, take;
	int r, last = 0;

	if ((out = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_aead_stream_pull_init(
	         &st, stream_key, "aad", 3, sceau_buf_ptr(t->sealed))) != 0)
		goto out;
	while (left > 0) {
		take = left > CHUNK + TAG ? CHUNK + TAG : left;
		if ((r = sceau_aead_stream_pull(st, p, take, &last, out)) != 0)
			goto out;
		p += take;
		left -= take;
	}
	if ((r = sceau_aead_stream_pull_end(st)) != 0)
		goto out;
	assert_int_equal(sceau_buf_len(out), t->n);
	assert_memory_equal(sceau_buf_ptr(out), t->pt, t->n);
out:
	sceau_aead_stream_free(st);
	sceau_buf_free(out);
	return r;
}

static void
test_stream_alloc_failure(void **state)
{
	struct torture t;

	(void)state;
	t.n = 2 * CHUNK + 100;
	t.pt = pattern(t.n);
	t.sealed = NULL;
	assert_true(tu_alloc_torture(torture_push, &t, 100) > 0);
	assert_non_null(t.sealed);
	assert_true(tu_alloc_torture(torture_pull, &t, 100) > 0);
	sceau_buf_free(t.sealed);
	free(t.pt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gcm_vectors),
	    cmocka_unit_test(test_gcm_tamper),
	    cmocka_unit_test(test_gcm_incremental_tamper),
	    cmocka_unit_test(test_gcm_state),
	    cmocka_unit_test(test_gcm_reuse),
	    cmocka_unit_test(test_stream_roundtrip),
	    cmocka_unit_test(test_stream_layout),
	    cmocka_unit_test(test_stream_truncated),
	    cmocka_unit_test(test_stream_reordered),
	    cmocka_unit_test(test_stream_extended),
	    cmocka_unit_test(test_stream_header),
	    cmocka_unit_test(test_stream_tamper),
	    cmocka_unit_test(test_stream_broken),
	    cmocka_unit_test(test_stream_push_misuse),
	    cmocka_unit_test(test_stream_out_full),
	    cmocka_unit_test(test_stream_alloc_failure),
	};

	return TU_TAP_MAIN("aead", tests);
}
