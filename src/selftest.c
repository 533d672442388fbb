/*
 * selftest.c: known-answer and tamper tests of the cryptography layer.
 *
 * The vectors are copied from their RFCs (noted beside each) and kept as
 * hex text so that they can be checked against the documents by eye.
 * The unit tests run the full sets from tests/vectors/; this is the
 * short list a user can run on an installed binary.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "aead.h"
#include "alloc.h"
#include "box.h"
#include "buf.h"
#include "errors.h"
#include "hash.h"
#include "kdf.h"
#include "secmem.h"
#include "selftest.h"
#include "sign.h"

/* Longest vector below, in bytes. */
#define ST_MAX 64

/* Decodes the hex text s, which must hold exactly n bytes. */
static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return SCEAU_ERR_INTERNAL;
	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= 'a' ? hi - 'a' + 10 : hi - '0';
		lo = lo >= 'a' ? lo - 'a' + 10 : lo - '0';
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return SCEAU_ERR_INTERNAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* 0 if got[0..n) equals the hex text want, else SCEAU_ERR_CRYPTO. */
static int
expect(const uint8_t *got, const char *want, size_t n)
{
	uint8_t w[ST_MAX];
	int r;

	if (n > sizeof(w))
		return SCEAU_ERR_INTERNAL;
	if ((r = unhex(want, w, n)) != 0)
		return r;
	return sceau_timingsafe_bcmp(got, w, n) == 0 ? 0 : SCEAU_ERR_CRYPTO;
}

/* A refusal with the expected code passes; an acceptance is a failure. */
static int
expect_refused(int r, int want)
{
	if (r == want)
		return 0;
	return r == 0 ? SCEAU_ERR_CRYPTO : r;
}

/* FIPS 180-2, appendix B.1; also through the streaming interface. */
static int
st_sha256(void)
{
	static const char want[] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	struct sceau_hash_ctx *c;
	uint8_t md[SCEAU_SHA256_LEN];
	int r;

	if ((r = sceau_hash_sha256("abc", 3, md)) != 0 ||
	    (r = expect(md, want, sizeof(md))) != 0)
		return r;
	if ((c = sceau_hash_ctx_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_hash_update(c, "a", 1)) == 0 &&
	    (r = sceau_hash_update(c, "bc", 2)) == 0 &&
	    (r = sceau_hash_final(c, md)) == 0)
		r = expect(md, want, sizeof(md));
	sceau_hash_ctx_free(c);
	return r;
}

/* RFC 4231 section 4.3 (test case 2). */
static const char hmac_key[] = "Jefe";
static const char hmac_data[] = "what do ya want for nothing?";
static const char hmac_want[] =
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

static int
st_hmac(void)
{
	uint8_t mac[SCEAU_SHA256_LEN];
	int r;

	if ((r = sceau_hash_hmac_sha256(hmac_key, 4, hmac_data, 28, mac)) !=
	        0 ||
	    (r = expect(mac, hmac_want, sizeof(mac))) != 0)
		return r;
	return sceau_hash_hmac_sha256_verify(hmac_key, 4, hmac_data, 28, mac);
}

static int
st_hmac_reject(void)
{
	uint8_t mac[SCEAU_SHA256_LEN];
	int r;

	if ((r = unhex(hmac_want, mac, sizeof(mac))) != 0)
		return r;
	mac[31] ^= 0x80;
	return expect_refused(
	    sceau_hash_hmac_sha256_verify(hmac_key, 4, hmac_data, 28, mac),
	    SCEAU_ERR_SIGNATURE_INVALID);
}

/* RFC 5869 appendix A.1 (test case 1). */
static int
st_hkdf(void)
{
	uint8_t ikm[22], salt[13], info[10], okm[42];
	int r;

	memset(ikm, 0x0b, sizeof(ikm));
	if ((r = unhex("000102030405060708090a0b0c", salt, sizeof(salt))) !=
	        0 ||
	    (r = unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof(info))) != 0 ||
	    (r = sceau_kdf_hkdf_sha256(salt, sizeof(salt), ikm, sizeof(ikm),
	         info, sizeof(info), okm, sizeof(okm))) != 0)
		return r;
	return expect(okm,
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865",
	    sizeof(okm));
}

/* McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16. */
struct gcm_vector {
	uint8_t key[32], nonce[12], aad[20], pt[60], ct[60], tag[16];
};

static int
gcm_vector(struct gcm_vector *v)
{
	int r;

	if ((r = unhex("feffe9928665731c6d6a8f9467308308"
	               "feffe9928665731c6d6a8f9467308308",
	         v->key, 32)) != 0 ||
	    (r = unhex("cafebabefacedbaddecaf888", v->nonce, 12)) != 0 ||
	    (r = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", v->aad,
	         20)) != 0 ||
	    (r = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da"
	               "2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf"
	               "5aa0de657"
	               "ba637b39",
	         v->pt, 60)) != 0 ||
	    (r = unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c9"
	               "7598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6"
	               "393ba7a0a"
	               "bcc9f662",
	         v->ct, 60)) != 0)
		return r;
	return unhex("76fc6ece0f4e1768cddf8853bb2d551b", v->tag, 16);
}

static int
st_gcm(void)
{
	struct gcm_vector v;
	uint8_t out[60], tag[16];
	int r;

	if ((r = gcm_vector(&v)) != 0 ||
	    (r = sceau_aead_encrypt(
	         NULL, v.key, v.nonce, v.aad, 20, v.pt, 60, out, tag)) != 0)
		goto out;
	if (sceau_timingsafe_bcmp(out, v.ct, 60) != 0 ||
	    sceau_timingsafe_bcmp(tag, v.tag, 16) != 0) {
		r = SCEAU_ERR_CRYPTO;
		goto out;
	}
	if ((r = sceau_aead_decrypt(
	         NULL, v.key, v.nonce, v.aad, 20, v.ct, 60, v.tag, out)) != 0)
		goto out;
	r = sceau_timingsafe_bcmp(out, v.pt, 60) == 0 ? 0 : SCEAU_ERR_CRYPTO;
out:
	sceau_memzero(&v, sizeof(v));
	sceau_memzero(out, sizeof(out));
	return r;
}

static int
st_gcm_reject(void)
{
	struct gcm_vector v;
	uint8_t out[60];
	int r;

	if ((r = gcm_vector(&v)) != 0)
		goto out;
	v.ct[7] ^= 0x01;
	if ((r = expect_refused(sceau_aead_decrypt(NULL, v.key, v.nonce, v.aad,
	                            20, v.ct, 60, v.tag, out),
	         SCEAU_ERR_DECRYPT_FAILED)) != 0)
		goto out;
	v.ct[7] ^= 0x01;
	v.tag[15] ^= 0x40;
	r = expect_refused(sceau_aead_decrypt(NULL, v.key, v.nonce, v.aad, 20,
	                       v.ct, 60, v.tag, out),
	    SCEAU_ERR_DECRYPT_FAILED);
out:
	sceau_memzero(&v, sizeof(v));
	sceau_memzero(out, sizeof(out));
	return r;
}

/* RFC 8032 section 7.1, TEST 1 (empty message). */
static const char ed_seed[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char ed_pk[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char ed_sig[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static int
st_ed25519(void)
{
	struct sceau_signkey *k = NULL;
	uint8_t seed[SCEAU_SIGN_SEED_LEN], pk[SCEAU_SIGN_PUBLIC_LEN];
	uint8_t sig[SCEAU_SIGN_SIG_LEN];
	int r;

	if ((r = unhex(ed_seed, seed, sizeof(seed))) != 0 ||
	    (r = sceau_sign_from_seed(seed, &k)) != 0)
		goto out;
	sceau_sign_public(k, pk);
	if ((r = expect(pk, ed_pk, sizeof(pk))) != 0 ||
	    (r = sceau_sign(k, NULL, 0, sig)) != 0 ||
	    (r = expect(sig, ed_sig, sizeof(sig))) != 0 ||
	    (r = sceau_sign_verify(pk, NULL, 0, sig)) != 0)
		goto out;
	r = 0;
out:
	sceau_memzero(seed, sizeof(seed));
	sceau_sign_free(k);
	return r;
}

static int
st_ed25519_reject(void)
{
	uint8_t pk[SCEAU_SIGN_PUBLIC_LEN], sig[SCEAU_SIGN_SIG_LEN];
	int r;

	if ((r = unhex(ed_pk, pk, sizeof(pk))) != 0 ||
	    (r = unhex(ed_sig, sig, sizeof(sig))) != 0)
		return r;
	sig[5] ^= 0x10;
	if ((r = expect_refused(sceau_sign_verify(pk, NULL, 0, sig),
	         SCEAU_ERR_SIGNATURE_INVALID)) != 0)
		return r;
	sig[5] ^= 0x10;
	/* The same signature on another message. */
	return expect_refused(
	    sceau_sign_verify(pk, "x", 1, sig), SCEAU_ERR_SIGNATURE_INVALID);
}

/* RFC 7748 section 6.1. */
static int
st_x25519(void)
{
	struct sceau_boxkey *a = NULL, *b = NULL;
	uint8_t sk[SCEAU_BOX_SECRET_LEN], pk[SCEAU_BOX_PUBLIC_LEN];
	uint8_t shared[32];
	int r;

	if ((r = unhex("77076d0a7318a57d3c16c17251b26645"
	               "df4c2f87ebc0992ab177fba51db92c2a",
	         sk, sizeof(sk))) != 0 ||
	    (r = sceau_box_from_secret(sk, &a)) != 0 ||
	    (r = unhex("5dab087e624a8a4b79e17f8b83800ee6"
	               "6f3bb1292618b6fd1c2f8b27ff88e0eb",
	         sk, sizeof(sk))) != 0 ||
	    (r = sceau_box_from_secret(sk, &b)) != 0)
		goto out;
	sceau_box_public(a, pk);
	if ((r = expect(pk,
	         "8520f0098930a754748b7ddcb43ef75a"
	         "0dbf3a0d26381af4eba4a98eaa9b4e6a",
	         sizeof(pk))) != 0 ||
	    (r = sceau_box_agree(b, pk, shared)) != 0 ||
	    (r = expect(shared,
	         "4a5d9d5ba4ce2de1728e3bf480350f25"
	         "e07e21c947d19e3376f09b3c1e161742",
	         sizeof(shared))) != 0)
		goto out;
	sceau_box_public(b, pk);
	if ((r = expect(pk,
	         "de9edb7d7b7dc1b4d35b61c2ece43537"
	         "3f8343c85b78674dadfc7e146f882b4f",
	         sizeof(pk))) != 0 ||
	    (r = sceau_box_agree(a, pk, shared)) != 0 ||
	    (r = expect(shared,
	         "4a5d9d5ba4ce2de1728e3bf480350f25"
	         "e07e21c947d19e3376f09b3c1e161742",
	         sizeof(shared))) != 0)
		goto out;
	r = 0;
out:
	sceau_memzero(sk, sizeof(sk));
	sceau_memzero(shared, sizeof(shared));
	sceau_box_free(a);
	sceau_box_free(b);
	return r;
}

/* RFC 9106 section 5.3 (with secret and associated data). */
static int
st_argon2id(void)
{
	static const struct sceau_kdf_argon2_params p = {
	    .t_cost = 3,
	    .m_cost_kib = 32,
	    .parallelism = 4,
	};
	uint8_t pw[32], salt[16], secret[8], ad[12], tag[32];
	int r;

	memset(pw, 0x01, sizeof(pw));
	memset(salt, 0x02, sizeof(salt));
	memset(secret, 0x03, sizeof(secret));
	memset(ad, 0x04, sizeof(ad));
	if ((r = sceau_kdf_argon2id(pw, sizeof(pw), salt, sizeof(salt), secret,
	         sizeof(secret), ad, sizeof(ad), &p, tag, sizeof(tag))) == 0)
		r = expect(tag,
		    "0d640df58d78766c08c037a34a8b53c9"
		    "d01ef0452d75b65eb52520e96b01e659",
		    sizeof(tag));
	sceau_memzero(tag, sizeof(tag));
	return r;
}

/* Seals "selftest" for a new key; opens it, or a tampered copy. */
static int
box_trip(size_t flip, int want)
{
	static const char msg[] = "selftest";
	struct sceau_boxkey *k = NULL;
	struct sceau_buf *c = NULL, *m = NULL;
	uint8_t pk[SCEAU_BOX_PUBLIC_LEN], *p;
	int r;

	if ((c = sceau_buf_new()) == NULL || (m = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_box_generate(&k)) != 0)
		goto out;
	sceau_box_public(k, pk);
	if ((r = sceau_box_seal(pk, "ad", 2, msg, 8, c)) != 0)
		goto out;
	if ((p = sceau_buf_mutable_ptr(c)) == NULL ||
	    flip >= sceau_buf_len(c)) {
		r = SCEAU_ERR_INTERNAL;
		goto out;
	}
	if (want != 0) {
		p[flip] ^= 0x01;
		r = expect_refused(
		    sceau_box_open(k, "ad", 2, p, sceau_buf_len(c), m), want);
		goto out;
	}
	if ((r = sceau_box_open(k, "ad", 2, p, sceau_buf_len(c), m)) != 0)
		goto out;
	r = sceau_buf_cmp(m, 0, msg, 8) == 0 && sceau_buf_len(m) == 8
	    ? 0
	    : SCEAU_ERR_CRYPTO;
out:
	sceau_buf_free(c);
	sceau_buf_free(m);
	sceau_box_free(k);
	return r;
}

static int
st_box(void)
{
	return box_trip(0, 0);
}

static int
st_box_reject(void)
{
	int r;

	/* A byte of the ephemeral key, of the ciphertext, of the tag. */
	if ((r = box_trip(1, SCEAU_ERR_DECRYPT_FAILED)) != 0 ||
	    (r = box_trip(SCEAU_BOX_OVERHEAD - 16, SCEAU_ERR_DECRYPT_FAILED)) !=
	        0 ||
	    (r = box_trip(SCEAU_BOX_OVERHEAD + 7, SCEAU_ERR_DECRYPT_FAILED)) !=
	        0)
		return r;
	return 0;
}

#define ST_STREAM_LEN (SCEAU_AEAD_STREAM_CHUNK + 100)

/* Seals ST_STREAM_LEN bytes in two chunks: header || chunk || chunk. */
static int
stream_seal(const uint8_t *key, const uint8_t *pt, struct sceau_buf *c)
{
	struct sceau_aead_stream *s = NULL;
	uint8_t *h;
	int r;

	if ((r = sceau_buf_reserve(c, SCEAU_AEAD_STREAM_HEADER_LEN, &h)) != 0 ||
	    (r = sceau_aead_stream_push_init(&s, key, "st", 2, h)) != 0 ||
	    (r = sceau_aead_stream_push(
	         s, pt, SCEAU_AEAD_STREAM_CHUNK, 0, c)) != 0 ||
	    (r = sceau_aead_stream_push(s, pt + SCEAU_AEAD_STREAM_CHUNK,
	         ST_STREAM_LEN - SCEAU_AEAD_STREAM_CHUNK, 1, c)) != 0)
		goto out;
	r = 0;
out:
	sceau_aead_stream_free(s);
	return r;
}

/* Opens header || chunk || chunk, stopping after the first chunk if
 * truncate is set; the plaintext goes to m. */
static int
stream_open(
    const uint8_t *key, const uint8_t *c, int truncate, struct sceau_buf *m)
{
	struct sceau_aead_stream *s = NULL;
	size_t full = SCEAU_AEAD_STREAM_CHUNK + SCEAU_AEAD_TAG_LEN;
	int r, last = 0;

	if ((r = sceau_aead_stream_pull_init(&s, key, "st", 2, c)) != 0)
		goto out;
	c += SCEAU_AEAD_STREAM_HEADER_LEN;
	if ((r = sceau_aead_stream_pull(s, c, full, &last, m)) != 0)
		goto out;
	if (!truncate &&
	    ((r = sceau_aead_stream_pull(s, c + full,
	          ST_STREAM_LEN - SCEAU_AEAD_STREAM_CHUNK + SCEAU_AEAD_TAG_LEN,
	          &last, m)) != 0))
		goto out;
	r = sceau_aead_stream_pull_end(s);
out:
	sceau_aead_stream_free(s);
	return r;
}

static int
stream_trip(int mode)
{
	struct sceau_buf *c = NULL, *m = NULL;
	uint8_t key[SCEAU_AEAD_KEY_LEN], *pt = NULL, *p;
	size_t i;
	int r;

	memset(key, 0x42, sizeof(key));
	if ((c = sceau_buf_new()) == NULL || (m = sceau_buf_new()) == NULL ||
	    (pt = sceau_malloc(ST_STREAM_LEN)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	for (i = 0; i < ST_STREAM_LEN; i++)
		pt[i] = (uint8_t)(i * 7);
	if ((r = stream_seal(key, pt, c)) != 0 ||
	    (p = sceau_buf_mutable_ptr(c)) == NULL) {
		r = r != 0 ? r : SCEAU_ERR_INTERNAL;
		goto out;
	}
	if (mode == 1) {
		/* A flipped bit in the second chunk. */
		p[sceau_buf_len(c) - 30] ^= 0x04;
		r = expect_refused(
		    stream_open(key, p, 0, m), SCEAU_ERR_DECRYPT_FAILED);
	} else if (mode == 2) {
		r = expect_refused(
		    stream_open(key, p, 1, m), SCEAU_ERR_STREAM_TRUNCATED);
	} else if ((r = stream_open(key, p, 0, m)) == 0) {
		r = sceau_buf_len(m) == ST_STREAM_LEN &&
		        sceau_buf_cmp(m, 0, pt, ST_STREAM_LEN) == 0
		    ? 0
		    : SCEAU_ERR_CRYPTO;
	}
out:
	sceau_memzero(key, sizeof(key));
	sceau_freezero(pt, ST_STREAM_LEN);
	sceau_buf_free(c);
	sceau_buf_free(m);
	return r;
}

static int
st_stream(void)
{
	return stream_trip(0);
}

static int
st_stream_reject(void)
{
	int r;

	if ((r = stream_trip(1)) != 0 || (r = stream_trip(2)) != 0)
		return r;
	return 0;
}

static const struct {
	const char *name;
	int (*run)(void);
} selftests[] = {
    {"sha256-kat", st_sha256},
    {"hmac-sha256-kat", st_hmac},
    {"hkdf-sha256-kat", st_hkdf},
    {"aes256gcm-kat", st_gcm},
    {"ed25519-kat", st_ed25519},
    {"x25519-kat", st_x25519},
    {"argon2id-kat", st_argon2id},
    {"box-roundtrip", st_box},
    {"stream-roundtrip", st_stream},
    {"hmac-sha256-reject", st_hmac_reject},
    {"aes256gcm-reject", st_gcm_reject},
    {"ed25519-reject", st_ed25519_reject},
    {"box-reject", st_box_reject},
    {"stream-reject", st_stream_reject},
};

unsigned int
sceau_selftest_count(void)
{
	return (unsigned int)SCEAU_NELEM(selftests);
}

int
sceau_selftest_run(sceau_selftest_report report, void *arg)
{
	size_t i;
	int r, first = 0;

	for (i = 0; i < SCEAU_NELEM(selftests); i++) {
		r = selftests[i].run();
		if (report != NULL)
			report(selftests[i].name, r, arg);
		if (r != 0 && first == 0)
			first = r;
	}
	return first;
}
