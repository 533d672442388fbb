/*
 * fuzz-cert.c: certificates and identity blobs.  The input is tried as
 * an envelope (author hint, verify-then-decode with a fixed key, trusted
 * decode) and appended to a small valid chain without signature checks,
 * so that every validation rule is reached; and as an identity blob.
 * Properties: what decodes re-signs to the same payload fields; a refused
 * certificate leaves the chain unchanged.
 */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "cert.h"
#include "chain.h"
#include "errors.h"
#include "fuzz.h"
#include "hash.h"
#include "sign.h"

static const uint8_t root_seed[32] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t dev_seed[32] = {9, 10, 11, 12};

/* A chain of the organization "acme": organization, admin, its device. */
static struct sceau_chain *
small_chain(void)
{
	struct sceau_signkey *root = NULL, *dev = NULL;
	struct sceau_chain *ch = NULL;
	uint8_t vk[32];
	struct sceau_cert c;
	struct sceau_buf *b = sceau_buf_new();
	int i;

	fuzz_assert(b != NULL);
	fuzz_assert(sceau_sign_from_seed(root_seed, &root) == 0);
	fuzz_assert(sceau_sign_from_seed(dev_seed, &dev) == 0);
	sceau_sign_public(root, vk);
	fuzz_assert(sceau_chain_new("acme", vk, &ch) == 0);
	for (i = 1; i <= 3; i++) {
		memset(&c, 0, sizeof(c));
		memcpy(c.org_id, "acme", 5);
		c.index = (uint64_t)i;
		memcpy(c.prev_hash, sceau_chain_last_hash(ch), 32);
		c.timestamp = (uint64_t)i;
		memcpy(c.user_id, "00000000000000000000000000000001", 33);
		if (i == 1) {
			c.kind = SCEAU_CERT_ORG;
			memcpy(c.root_verify_key, vk, 32);
		} else if (i == 2) {
			c.kind = SCEAU_CERT_USER;
			c.profile = SCEAU_PROFILE_ADMIN;
			memcpy(c.enc_alg, "x25519", 7);
			c.enc_key_len = 32;
		} else {
			c.kind = SCEAU_CERT_DEVICE;
			memcpy(c.device_id, "00000000000000000000000000000002",
			    33);
			sceau_sign_public(dev, c.verify_key);
		}
		sceau_buf_reset(b);
		fuzz_assert(sceau_cert_sign(&c, root, b) == 0);
		fuzz_assert(sceau_chain_append(ch, sceau_buf_ptr(b),
		                sceau_buf_len(b), 0, NULL) == 0);
	}
	sceau_buf_free(b);
	sceau_sign_free(root);
	sceau_sign_free(dev);
	return ch;
}

static void
try_envelope(const uint8_t *data, size_t size)
{
	char hint[SCEAU_ID_LEN + 1];
	uint8_t vk[32] = {0};
	struct sceau_cert c, d;
	struct sceau_chain *ch;
	uint64_t last;
	int r;

	if (sceau_cert_author_hint(data, size, hint) != 0)
		hint[0] = '\0';
	/* A fixed key: only a forgery would verify, and none can. */
	fuzz_assert(sceau_cert_verify_decode(data, size, vk, &c) != 0);
	if (sceau_cert_decode_trusted(data, size, &c) == 0) {
		uint8_t h[32];

		fuzz_assert(sceau_hash_sha256(data, size, h) == 0);
		fuzz_assert(memcmp(h, c.hash, 32) == 0);
		fuzz_assert(sceau_cert_author_hint(data, size, hint) == 0);
		fuzz_assert(strcmp(hint, c.author) == 0);
	}
	ch = small_chain();
	last = sceau_chain_last_index(ch);
	r = sceau_chain_append_trusted(ch, data, size, 0, &d);
	if (r != 0) {
		fuzz_assert(sceau_chain_last_index(ch) == last);
		fuzz_assert(sceau_chain_user_count(ch) == 1);
		fuzz_assert(sceau_chain_device_count(ch) == 1);
	} else {
		fuzz_assert(sceau_chain_last_index(ch) == last + 1);
	}
	sceau_chain_free(ch);
}

static void
try_identity(const uint8_t *data, size_t size)
{
	struct sceau_identity id;
	struct sceau_buf *b;
	uint8_t h[32];

	if (sceau_hash_sha256(data, size, h) != 0)
		return;
	if (sceau_identity_decode(data, size, h, &id) != 0)
		return;
	/* What decodes re-encodes to the same bytes. */
	fuzz_assert((b = sceau_buf_new()) != NULL);
	fuzz_assert(sceau_identity_encode(&id, b) == 0);
	fuzz_assert(sceau_buf_len(b) == size);
	fuzz_assert(memcmp(sceau_buf_ptr(b), data, size) == 0);
	sceau_buf_free(b);
	h[0] ^= 1;
	fuzz_assert(sceau_identity_decode(data, size, h, &id) ==
	    SCEAU_ERR_CHAIN_IDENTITY);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_envelope(data, size);
	try_identity(data, size);
	return 0;
}
