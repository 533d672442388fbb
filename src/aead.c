/*
 * aead.c: AES-256-GCM through OpenSSL 3 EVP, and the chunked STREAM
 * construction on top of it (see aead.h for the stream layout).
 *
 * The cipher is fetched once per process.  A struct sceau_aead keeps its
 * EVP_CIPHER_CTX between messages and re-keys it in place, so the hot path
 * neither fetches nor allocates.  The expanded key of the last message
 * stays inside that context until the next message or sceau_aead_free(),
 * which wipes it (OpenSSL cleanses cipher contexts on free).
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "aead.h"
#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "kdf.h"
#include "log.h"
#include "random.h"
#include "secmem.h"

/* EVP takes int lengths: feed it at most 1 GiB per call. */
#define AEAD_UPDATE_MAX (1U << 30)

enum aead_state {
	AEAD_IDLE = 0,
	AEAD_ENCRYPTING,
	AEAD_DECRYPTING,
};

struct sceau_aead {
	EVP_CIPHER_CTX *ctx;
	int keyed; /* ctx holds the cipher: re-init without naming it */
	enum aead_state state;
};

static pthread_once_t aead_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aead_cipher;

static void
aead_fetch(void)
{
	aead_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	ERR_clear_error();
}

struct sceau_aead *
sceau_aead_new(void)
{
	struct sceau_aead *a;

	if (pthread_once(&aead_once, aead_fetch) != 0 || aead_cipher == NULL)
		return NULL;
	if ((a = sceau_calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		sceau_free(a);
		return NULL;
	}
	return a;
}

void
sceau_aead_free(struct sceau_aead *a)
{
	if (a == NULL)
		return;
	EVP_CIPHER_CTX_free(a->ctx);
	sceau_freezero(a, sizeof(*a));
}

/* Runs data through the cipher; out == NULL feeds additional data. */
static int
aead_feed(struct sceau_aead *a, uint8_t *out, const uint8_t *in, size_t n)
{
	size_t chunk;
	int outl;

	while (n > 0) {
		chunk = n > AEAD_UPDATE_MAX ? AEAD_UPDATE_MAX : n;
		if (EVP_CipherUpdate(a->ctx, out, &outl, in, (int)chunk) != 1 ||
		    outl < 0 || (size_t)outl != chunk)
			return SCEAU_ERR_CRYPTO;
		in += chunk;
		if (out != NULL)
			out += chunk;
		n -= chunk;
	}
	return 0;
}

static int
aead_start(struct sceau_aead *a, int enc, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen)
{
	/* Naming the cipher again would rebuild the provider context. */
	const EVP_CIPHER *c = a->keyed ? NULL : aead_cipher;

	a->state = AEAD_IDLE;
	if (key == NULL || nonce == NULL || (aad == NULL && aadlen != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (EVP_CipherInit_ex2(a->ctx, c, key, nonce, enc, NULL) != 1) {
		/* Start afresh next time, from a clean context. */
		EVP_CIPHER_CTX_reset(a->ctx);
		a->keyed = 0;
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	a->keyed = 1;
	if (aead_feed(a, NULL, aad, aadlen) != 0) {
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	a->state = enc ? AEAD_ENCRYPTING : AEAD_DECRYPTING;
	return 0;
}

static int
aead_update(struct sceau_aead *a, enum aead_state want, const uint8_t *in,
    size_t n, uint8_t *out)
{
	if (a->state != want)
		return SCEAU_ERR_STREAM_STATE;
	if (n > 0 && (in == NULL || out == NULL))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (aead_feed(a, out, in, n) != 0) {
		a->state = AEAD_IDLE;
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	return 0;
}

int
sceau_aead_encrypt_init(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen)
{
	return aead_start(a, 1, key, nonce, aad, aadlen);
}

int
sceau_aead_encrypt_update(
    struct sceau_aead *a, const uint8_t *in, size_t n, uint8_t *out)
{
	return aead_update(a, AEAD_ENCRYPTING, in, n, out);
}

int
sceau_aead_encrypt_final(struct sceau_aead *a, uint8_t *tag)
{
	uint8_t dummy[16];
	int outl = 0, r = SCEAU_ERR_CRYPTO;

	if (tag == NULL) {
		a->state = AEAD_IDLE;
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	memset(tag, 0, SCEAU_AEAD_TAG_LEN);
	if (a->state != AEAD_ENCRYPTING)
		return SCEAU_ERR_STREAM_STATE;
	a->state = AEAD_IDLE;
	if (EVP_EncryptFinal_ex(a->ctx, dummy, &outl) != 1 || outl != 0 ||
	    EVP_CIPHER_CTX_ctrl(
	        a->ctx, EVP_CTRL_AEAD_GET_TAG, SCEAU_AEAD_TAG_LEN, tag) != 1) {
		memset(tag, 0, SCEAU_AEAD_TAG_LEN);
		ERR_clear_error();
		goto out;
	}
	r = 0;
out:
	return r;
}

int
sceau_aead_decrypt_init(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen)
{
	return aead_start(a, 0, key, nonce, aad, aadlen);
}

int
sceau_aead_decrypt_update(
    struct sceau_aead *a, const uint8_t *in, size_t n, uint8_t *out)
{
	return aead_update(a, AEAD_DECRYPTING, in, n, out);
}

int
sceau_aead_decrypt_final(struct sceau_aead *a, const uint8_t *tag)
{
	uint8_t dummy[16];
	int outl = 0;

	if (a->state != AEAD_DECRYPTING)
		return SCEAU_ERR_STREAM_STATE;
	a->state = AEAD_IDLE;
	if (tag == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	/* EVP wants a writable pointer here, and only reads the tag. */
	if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG,
	        SCEAU_AEAD_TAG_LEN, (void *)(uintptr_t)tag) != 1) {
		ERR_clear_error();
		return SCEAU_ERR_CRYPTO;
	}
	/* The tag comparison itself is constant-time inside OpenSSL. */
	if (EVP_DecryptFinal_ex(a->ctx, dummy, &outl) != 1 || outl != 0) {
		ERR_clear_error();
		return SCEAU_ERR_DECRYPT_FAILED;
	}
	return 0;
}

int
sceau_aead_encrypt(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *pt,
    size_t n, uint8_t *ct, uint8_t *tag)
{
	struct sceau_aead *tmp = NULL;
	int r;

	if (tag == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	memset(tag, 0, SCEAU_AEAD_TAG_LEN);
	if (a == NULL && (a = tmp = sceau_aead_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_aead_encrypt_init(a, key, nonce, aad, aadlen)) != 0 ||
	    (r = sceau_aead_encrypt_update(a, pt, n, ct)) != 0 ||
	    (r = sceau_aead_encrypt_final(a, tag)) != 0) {
		a->state = AEAD_IDLE;
		if (ct != NULL)
			sceau_memzero(ct, n);
		goto out;
	}
	r = 0;
out:
	sceau_aead_free(tmp);
	return r;
}

int
sceau_aead_decrypt(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *ct,
    size_t n, const uint8_t *tag, uint8_t *pt)
{
	struct sceau_aead *tmp = NULL;
	int r;

	if (a == NULL && (a = tmp = sceau_aead_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_aead_decrypt_init(a, key, nonce, aad, aadlen)) != 0 ||
	    (r = sceau_aead_decrypt_update(a, ct, n, pt)) != 0 ||
	    (r = sceau_aead_decrypt_final(a, tag)) != 0) {
		a->state = AEAD_IDLE;
		/* Unauthenticated plaintext never reaches the caller. */
		if (pt != NULL)
			sceau_memzero(pt, n);
		goto out;
	}
	r = 0;
out:
	sceau_aead_free(tmp);
	return r;
}

/* ---------------------------------------------------------------------- */
/* Chunked stream. */

#define STREAM_VERSION 0x01
#define STREAM_SALT_LEN (SCEAU_AEAD_STREAM_HEADER_LEN - 1)
#define STREAM_INFO "sceau stream v1"
#define STREAM_FLAG_LAST 0x01

enum stream_dir {
	STREAM_PUSH = 1,
	STREAM_PULL,
};

struct sceau_aead_stream {
	struct sceau_aead *aead;
	uint8_t key[SCEAU_AEAD_KEY_LEN]; /* per-stream subkey */
	uint8_t *aad;
	size_t aadlen;
	uint64_t counter; /* index of the next chunk */
	enum stream_dir dir;
	int done; /* the last chunk was sealed or opened */
	int broken; /* a chunk failed: nothing more is accepted */
};

void
sceau_aead_stream_free(struct sceau_aead_stream *s)
{
	if (s == NULL)
		return;
	sceau_aead_free(s->aead);
	sceau_freezero(s->aad, s->aadlen);
	sceau_freezero(s, sizeof(*s));
}

static int
stream_new(enum stream_dir dir, const uint8_t *key, const uint8_t *salt,
    const void *aad, size_t aadlen, struct sceau_aead_stream **sp)
{
	struct sceau_aead_stream *s;
	int r = SCEAU_ERR_ALLOC;

	*sp = NULL;
	if ((s = sceau_calloc(1, sizeof(*s))) == NULL)
		return SCEAU_ERR_ALLOC;
	s->dir = dir;
	if (aadlen > 0) {
		if ((s->aad = sceau_malloc(aadlen)) == NULL)
			goto out;
		memcpy(s->aad, aad, aadlen);
		s->aadlen = aadlen;
	}
	if ((s->aead = sceau_aead_new()) == NULL)
		goto out;
	if ((r = sceau_kdf_hkdf_sha256(salt, STREAM_SALT_LEN, key,
	         SCEAU_AEAD_KEY_LEN, STREAM_INFO, sizeof(STREAM_INFO) - 1,
	         s->key, sizeof(s->key))) != 0)
		goto out;
	*sp = s;
	s = NULL;
	r = 0;
out:
	sceau_aead_stream_free(s);
	return r;
}

int
sceau_aead_stream_push_init(struct sceau_aead_stream **sp, const uint8_t *key,
    const void *aad, size_t aadlen,
    uint8_t header[SCEAU_AEAD_STREAM_HEADER_LEN])
{
	int r;

	*sp = NULL;
	memset(header, 0, SCEAU_AEAD_STREAM_HEADER_LEN);
	if (key == NULL || (aad == NULL && aadlen != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	header[0] = STREAM_VERSION;
	if ((r = sceau_random_bytes(header + 1, STREAM_SALT_LEN)) != 0 ||
	    (r = stream_new(STREAM_PUSH, key, header + 1, aad, aadlen, sp)) !=
	        0) {
		memset(header, 0, SCEAU_AEAD_STREAM_HEADER_LEN);
		return r;
	}
	return 0;
}

int
sceau_aead_stream_pull_init(struct sceau_aead_stream **sp, const uint8_t *key,
    const void *aad, size_t aadlen,
    const uint8_t header[SCEAU_AEAD_STREAM_HEADER_LEN])
{
	*sp = NULL;
	if (key == NULL || header == NULL || (aad == NULL && aadlen != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (header[0] != STREAM_VERSION)
		return SCEAU_ERR_INVALID_FORMAT;
	return stream_new(STREAM_PULL, key, header + 1, aad, aadlen, sp);
}

/* Nonce of a chunk: 11-byte big-endian index, then the last-chunk flag. */
static void
stream_nonce(uint64_t counter, int last, uint8_t nonce[SCEAU_AEAD_NONCE_LEN])
{
	int i;

	memset(nonce, 0, SCEAU_AEAD_NONCE_LEN);
	for (i = 10; i >= 3; i--) {
		nonce[i] = (uint8_t)counter;
		counter >>= 8;
	}
	nonce[11] = last ? STREAM_FLAG_LAST : 0;
}

int
sceau_aead_stream_push(struct sceau_aead_stream *s, const uint8_t *in, size_t n,
    int last, struct sceau_buf *out)
{
	uint8_t nonce[SCEAU_AEAD_NONCE_LEN], *dp;
	int r;

	if (s->dir != STREAM_PUSH || s->done || s->broken)
		return SCEAU_ERR_STREAM_STATE;
	if (n > SCEAU_AEAD_STREAM_CHUNK ||
	    (!last && n != SCEAU_AEAD_STREAM_CHUNK) || (in == NULL && n != 0))
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (s->counter == UINT64_MAX)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	/* Failing here leaves the stream as it was: the caller may retry. */
	if ((r = sceau_buf_reserve(out, n + SCEAU_AEAD_TAG_LEN, &dp)) != 0)
		return r;
	stream_nonce(s->counter, last, nonce);
	if ((r = sceau_aead_encrypt(s->aead, s->key, nonce, s->aad, s->aadlen,
	         in, n, dp, dp + n)) != 0) {
		s->broken = 1;
		sceau_memzero(dp, n + SCEAU_AEAD_TAG_LEN);
		(void)sceau_buf_consume_end(out, n + SCEAU_AEAD_TAG_LEN);
		return r;
	}
	s->counter++;
	s->done = last != 0;
	return 0;
}

static int
stream_open(struct sceau_aead_stream *s, const uint8_t *in, size_t ptlen,
    int last, uint8_t *dp)
{
	uint8_t nonce[SCEAU_AEAD_NONCE_LEN];

	stream_nonce(s->counter, last, nonce);
	return sceau_aead_decrypt(s->aead, s->key, nonce, s->aad, s->aadlen, in,
	    ptlen, in + ptlen, dp);
}

int
sceau_aead_stream_pull(struct sceau_aead_stream *s, const uint8_t *in, size_t n,
    int *lastp, struct sceau_buf *out)
{
	size_t ptlen;
	uint8_t empty[1], *dp = empty;
	int r, last = 1;

	*lastp = 0;
	if (s->dir != STREAM_PULL || s->done || s->broken)
		return SCEAU_ERR_STREAM_STATE;
	if (in == NULL || n < SCEAU_AEAD_TAG_LEN ||
	    n - SCEAU_AEAD_TAG_LEN > SCEAU_AEAD_STREAM_CHUNK) {
		s->broken = 1;
		return SCEAU_ERR_DECRYPT_FAILED;
	}
	ptlen = n - SCEAU_AEAD_TAG_LEN;
	/* An empty last chunk appends nothing (and may meet an empty out). */
	if (ptlen > 0 && (r = sceau_buf_reserve(out, ptlen, &dp)) != 0)
		return r;
	/*
	 * A short chunk can only be the last one.  A full chunk is normally
	 * not, but may be (when the length is a multiple of the chunk size):
	 * try it as a middle chunk first, then as the last (as age does).
	 */
	if (ptlen == SCEAU_AEAD_STREAM_CHUNK) {
		last = 0;
		if ((r = stream_open(s, in, ptlen, 0, dp)) ==
		    SCEAU_ERR_DECRYPT_FAILED) {
			last = 1;
			r = stream_open(s, in, ptlen, 1, dp);
		}
	} else
		r = stream_open(s, in, ptlen, 1, dp);
	if (r != 0) {
		/* sceau_aead_decrypt has wiped dp already. */
		s->broken = 1;
		(void)sceau_buf_consume_end(out, ptlen);
		return r;
	}
	s->counter++;
	s->done = last;
	*lastp = last;
	return 0;
}

int
sceau_aead_stream_pull_end(const struct sceau_aead_stream *s)
{
	if (s->dir != STREAM_PULL)
		return SCEAU_ERR_STREAM_STATE;
	return s->done ? 0 : SCEAU_ERR_STREAM_TRUNCATED;
}
