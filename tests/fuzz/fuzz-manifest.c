/*
 * fuzz-manifest.c: workspace records (src/manifest.c, manifest-codec.c).
 * The input is tried as a manifest plaintext (what a member decrypts),
 * as a signed vlob blob (parse, verify and open with fixed keys), and as
 * a mask XORed over a valid sealed vlob, so that the fuzzer starts from
 * a record that verifies.
 * Properties: a manifest that decodes re-encodes to the same bytes
 * (encodings are canonical) and passes its invariants again; of the
 * sealed vlob's mutations only the untouched one verifies; what parses
 * without verification names the same fields once verified; a blob
 * verifies exactly when it opens (only the test key signs, always under
 * the test workspace key).
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "errors.h"
#include "fuzz.h"
#include "manifest.h"
#include "sign.h"

static const uint8_t sign_seed[32] = {7, 7, 7, 7, 1, 2, 3};
static const uint8_t ws_key[32] = {42, 43, 44, 45};

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "00000000000000000000000000000001"
#define ID_C "00000000000000000000000000000002"

static void
check_manifest(const uint8_t *data, size_t size)
{
	struct sceau_manifest *m = NULL, *m2 = NULL, *d = NULL;
	struct sceau_buf *b;
	size_t i;

	if (sceau_manifest_decode(data, size, &m) != 0) {
		fuzz_assert(m == NULL);
		return;
	}
	fuzz_assert((b = sceau_buf_new()) != NULL);
	fuzz_assert(sceau_manifest_encode(m, b) == 0);
	fuzz_assert(sceau_buf_len(b) == size);
	fuzz_assert(memcmp(sceau_buf_ptr(b), data, size) == 0);
	fuzz_assert(sceau_manifest_decode(
	                sceau_buf_ptr(b), sceau_buf_len(b), &m2) == 0);
	fuzz_assert(m2->type == m->type && m2->n_entries == m->n_entries &&
	    m2->n_blocks == m->n_blocks && m2->size == m->size);
	/* Entries are sorted and unique; every name is valid. */
	for (i = 0; i < m->n_entries; i++) {
		fuzz_assert(sceau_name_valid(m->entries[i].name));
		fuzz_assert(i == 0 ||
		    strcmp(m->entries[i - 1].name, m->entries[i].name) < 0);
		fuzz_assert(sceau_manifest_find(m, m->entries[i].name) ==
		    &m->entries[i]);
	}
	/* Blocks tile the file. */
	for (i = 0; i < m->n_blocks; i++) {
		fuzz_assert(m->blocks[i].ct_size ==
		    m->blocks[i].size + SCEAU_BLOCK_OVERHEAD);
		fuzz_assert(i == 0 ||
		    m->blocks[i].offset ==
		        m->blocks[i - 1].offset + m->blocks[i - 1].size);
	}
	fuzz_assert((d = sceau_manifest_dup(m)) != NULL);
	sceau_buf_reset(b);
	fuzz_assert(sceau_manifest_encode(d, b) == 0);
	fuzz_assert(sceau_buf_len(b) == size);
	sceau_buf_free(b);
	sceau_manifest_free(d);
	sceau_manifest_free(m2);
	sceau_manifest_free(m);
}

/* A valid sealed vlob (a folder with two entries), made once. */
static const struct sceau_buf *
sealed(uint8_t vk[SCEAU_SIGN_PUBLIC_LEN])
{
	static struct sceau_buf *blob;
	static uint8_t pub[SCEAU_SIGN_PUBLIC_LEN];
	struct sceau_vlob_header h;
	struct sceau_signkey *sk;
	struct sceau_manifest *m;
	struct sceau_buf *pt;

	if (blob == NULL) {
		fuzz_assert(sceau_sign_from_seed(sign_seed, &sk) == 0);
		sceau_sign_public(sk, pub);
		fuzz_assert((m = sceau_manifest_new(SCEAU_MANIFEST_FOLDER, ID_A,
		                 ID_B, 1000)) != NULL);
		fuzz_assert(sceau_manifest_add_entry(m, "notes.txt", ID_C,
		                SCEAU_MANIFEST_FILE) == 0);
		fuzz_assert(sceau_manifest_add_entry(
		                m, "sub", ID_B, SCEAU_MANIFEST_FOLDER) == 0);
		fuzz_assert((pt = sceau_buf_new()) != NULL);
		fuzz_assert(sceau_manifest_encode(m, pt) == 0);
		memset(&h, 0, sizeof(h));
		memcpy(h.org_id, "acme", 5);
		memcpy(h.realm_id, ID_B, sizeof(h.realm_id));
		memcpy(h.vlob_id, ID_A, sizeof(h.vlob_id));
		h.version = 3;
		h.timestamp = 1000;
		memcpy(h.author, ID_C, sizeof(h.author));
		h.key_index = 1;
		fuzz_assert((blob = sceau_buf_new()) != NULL);
		fuzz_assert(sceau_vlob_seal(&h, ws_key, sceau_buf_ptr(pt),
		                sceau_buf_len(pt), sk, blob) == 0);
		sceau_buf_free(pt);
		sceau_manifest_free(m);
		sceau_sign_free(sk);
	}
	memcpy(vk, pub, sizeof(pub));
	return blob;
}

/* Any blob: parse, verify, open; both views agree. */
static int
check_vlob(const uint8_t *data, size_t size, const uint8_t *vk)
{
	struct sceau_vlob_header p, v, o;
	struct sceau_buf *pt;
	int parsed, verified, opened;

	parsed = sceau_vlob_parse(data, size, &p) == 0;
	verified = sceau_vlob_verify(data, size, vk, &v) == 0;
	fuzz_assert(!verified || parsed);
	if (verified) {
		fuzz_assert(strcmp(p.vlob_id, v.vlob_id) == 0 &&
		    strcmp(p.realm_id, v.realm_id) == 0 &&
		    strcmp(p.org_id, v.org_id) == 0 &&
		    strcmp(p.author, v.author) == 0 && p.version == v.version &&
		    p.key_index == v.key_index &&
		    p.ciphertext_len == v.ciphertext_len);
	}
	fuzz_assert((pt = sceau_buf_new()) != NULL);
	opened = sceau_vlob_open(data, size, vk, ws_key, &o, pt) == 0;
	/* Only vk's holder signs, and always with ws_key: both or none. */
	fuzz_assert(opened == verified);
	if (opened)
		check_manifest(sceau_buf_ptr(pt), sceau_buf_len(pt));
	sceau_buf_free(pt);
	return verified;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t vk[SCEAU_SIGN_PUBLIC_LEN];
	const struct sceau_buf *good = sealed(vk);
	uint8_t *m;
	size_t i, n = sceau_buf_len(good);
	int zero = 1;

	check_manifest(data, size);
	(void)check_vlob(data, size, vk);
	/* The input as a mask over the good blob (cut to its length). */
	fuzz_assert((m = malloc(n)) != NULL);
	memcpy(m, sceau_buf_ptr(good), n);
	for (i = 0; i < size && i < n; i++) {
		m[i] ^= data[i];
		zero &= data[i] == 0;
	}
	fuzz_assert(check_vlob(m, n, vk) == zero);
	free(m);
	return 0;
}
