/*
 * aead.h: AES-256-GCM through OpenSSL 3 EVP.
 *
 * Three forms:
 *  - one-shot, detached tag (block and manifest encryption);
 *  - incremental over one message, for a block read in pieces;
 *  - a chunked stream (the STREAM construction of Hoang, Reyhanitabar,
 *    Rogaway and Vizar, as used by age and libsodium's secretstream) for
 *    files of any length: per-stream subkey from HKDF, 64 KiB chunks, the
 *    nonce is a chunk counter plus a last-chunk flag, so truncation,
 *    reordering and extension are all detected.
 *
 * WARNING: a nonce must never repeat under one key.  Callers use a fresh
 * random key per block, or a random nonce (96 bits) for keys used a few
 * million times at most; the stream derives a fresh subkey per stream.
 */
#ifndef SCEAU_AEAD_H
#define SCEAU_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

#define SCEAU_AEAD_KEY_LEN 32
#define SCEAU_AEAD_NONCE_LEN 12
#define SCEAU_AEAD_TAG_LEN 16

/*
 * A reusable context (keeps the EVP_CIPHER_CTX and the fetched cipher
 * between calls: hot paths keep one per thread).  Not thread-safe.
 */
struct sceau_aead;
struct sceau_aead *sceau_aead_new(void);
void sceau_aead_free(struct sceau_aead *a);

/*
 * ct[0..n) and tag = AES-256-GCM(key, nonce, aad, pt[0..n)).  ct may equal
 * pt (in place).  a may be NULL (a temporary context is used).
 * 0 or SCEAU_ERR_CRYPTO.
 */
int sceau_aead_encrypt(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *pt,
    size_t n, uint8_t *ct, uint8_t *tag) SCEAU_WUR;

/*
 * pt[0..n) = decryption of ct[0..n), if and only if tag verifies.  On
 * failure pt is wiped and SCEAU_ERR_DECRYPT_FAILED is returned: no byte of
 * unauthenticated plaintext is ever handed out.  pt may equal ct.
 */
int sceau_aead_decrypt(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen, const uint8_t *ct,
    size_t n, const uint8_t *tag, uint8_t *pt) SCEAU_WUR;

/*
 * Incremental form over one message.  For decryption, WARNING: the output
 * of _update is unauthenticated until _decrypt_final returns 0; the caller
 * must not use it before, and must wipe it if _final fails.
 */
int sceau_aead_encrypt_init(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen) SCEAU_WUR;
int sceau_aead_encrypt_update(
    struct sceau_aead *a, const uint8_t *in, size_t n, uint8_t *out) SCEAU_WUR;
int sceau_aead_encrypt_final(struct sceau_aead *a, uint8_t *tag) SCEAU_WUR;
int sceau_aead_decrypt_init(struct sceau_aead *a, const uint8_t *key,
    const uint8_t *nonce, const void *aad, size_t aadlen) SCEAU_WUR;
int sceau_aead_decrypt_update(
    struct sceau_aead *a, const uint8_t *in, size_t n, uint8_t *out) SCEAU_WUR;
int sceau_aead_decrypt_final(struct sceau_aead *a, const uint8_t *tag)
    SCEAU_WUR;

/*
 * Chunked stream.  Layout: header (SCEAU_AEAD_STREAM_HEADER_LEN bytes:
 * version 0x01, 24-byte random salt), then chunks of at most
 * SCEAU_AEAD_STREAM_CHUNK plaintext bytes, each followed by its tag; every
 * chunk but the last is full.  Subkey = HKDF-SHA256(salt, key,
 * "sceau stream v1"); nonce of chunk i = 11-byte big-endian i || flag, flag
 * 0x01 on the last chunk.  The aad given at init binds the stream to its
 * context (a file name, a record id) and is authenticated in every chunk.
 */
#define SCEAU_AEAD_STREAM_HEADER_LEN 25
#define SCEAU_AEAD_STREAM_CHUNK 65536

struct sceau_aead_stream;
void sceau_aead_stream_free(struct sceau_aead_stream *s);

/* Starts a stream and writes its header to header[]. */
int sceau_aead_stream_push_init(struct sceau_aead_stream **sp,
    const uint8_t *key, const void *aad, size_t aadlen,
    uint8_t header[SCEAU_AEAD_STREAM_HEADER_LEN]) SCEAU_WUR;
/*
 * Seals one chunk of n <= SCEAU_AEAD_STREAM_CHUNK bytes (n must be exactly
 * the chunk size unless last) and appends n + SCEAU_AEAD_TAG_LEN bytes to
 * out.  After the last chunk the stream refuses more (STREAM_STATE).
 */
int sceau_aead_stream_push(struct sceau_aead_stream *s, const uint8_t *in,
    size_t n, int last, struct sceau_buf *out) SCEAU_WUR;

int sceau_aead_stream_pull_init(struct sceau_aead_stream **sp,
    const uint8_t *key, const void *aad, size_t aadlen,
    const uint8_t header[SCEAU_AEAD_STREAM_HEADER_LEN]) SCEAU_WUR;
/*
 * Opens one sealed chunk (n bytes including the tag).  A chunk that is not
 * full is only valid as the last one.  Appends the plaintext to out and
 * sets *lastp.  SCEAU_ERR_DECRYPT_FAILED for any altered, reordered or
 * misplaced chunk; SCEAU_ERR_STREAM_STATE after the last chunk, or after
 * any failed chunk (the stream is then dead).  On failure out is left as
 * it was.  For push and pull, in must not point into out (out may move
 * as it grows).
 */
int sceau_aead_stream_pull(struct sceau_aead_stream *s, const uint8_t *in,
    size_t n, int *lastp, struct sceau_buf *out) SCEAU_WUR;
/* At end of input: 0 if the last chunk was seen, else STREAM_TRUNCATED. */
int sceau_aead_stream_pull_end(const struct sceau_aead_stream *s) SCEAU_WUR;

#endif /* SCEAU_AEAD_H */
