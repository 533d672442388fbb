/*
 * test-manifest.c: vlobs (sign, verify, seal, open: every clear field is
 * covered, a wrong key or author is refused) and manifests (round trips,
 * and every invariant the decoder checks).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "errors.h"
#include "manifest.h"
#include "random.h"

#define ORG "acme"
#define REALM "0123456789abcdef0123456789abcdef"
#define VLOB "fedcba9876543210fedcba9876543210"
#define DEV "00112233445566778899aabbccddeeff"

struct fx {
	struct sceau_signkey *sk;
	uint8_t vk[32];
	uint8_t key[32];
	struct sceau_vlob_header h;
	struct sceau_buf *blob;
};

static int
setup(void **state)
{
	static struct fx f;
	static const char pt[] = "a manifest, or anything";

	memset(&f, 0, sizeof(f));
	assert_int_equal(sceau_sign_generate(&f.sk), 0);
	sceau_sign_public(f.sk, f.vk);
	assert_int_equal(sceau_random_bytes(f.key, 32), 0);
	(void)snprintf(f.h.org_id, sizeof(f.h.org_id), ORG);
	(void)snprintf(f.h.realm_id, sizeof(f.h.realm_id), REALM);
	(void)snprintf(f.h.vlob_id, sizeof(f.h.vlob_id), VLOB);
	(void)snprintf(f.h.author, sizeof(f.h.author), DEV);
	f.h.version = 3;
	f.h.timestamp = 1700000000000000ULL;
	f.h.key_index = 2;
	assert_non_null(f.blob = sceau_buf_new());
	assert_int_equal(sceau_vlob_seal(&f.h, f.key, (const uint8_t *)pt,
	                     sizeof(pt), f.sk, f.blob),
	    0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	sceau_sign_free(f->sk);
	sceau_buf_free(f->blob);
	return 0;
}

static void
test_vlob_roundtrip(void **state)
{
	struct fx *f = *state;
	struct sceau_vlob_header h;
	struct sceau_buf *out = sceau_buf_new();

	assert_int_equal(sceau_vlob_parse(sceau_buf_ptr(f->blob),
	                     sceau_buf_len(f->blob), &h),
	    0);
	assert_string_equal(h.vlob_id, VLOB);
	assert_int_equal(h.version, 3);
	assert_int_equal(h.key_index, 2);
	assert_string_equal(h.author, DEV);
	assert_int_equal(sceau_vlob_open(sceau_buf_ptr(f->blob),
	                     sceau_buf_len(f->blob), f->vk, f->key, &h, out),
	    0);
	assert_string_equal(
	    (const char *)sceau_buf_ptr(out), "a manifest, or anything");
	sceau_buf_free(out);
}

static void
test_vlob_tampering(void **state)
{
	struct fx *f = *state;
	struct sceau_vlob_header h;
	struct sceau_buf *out = sceau_buf_new();
	uint8_t key2[32];
	size_t i, n = sceau_buf_len(f->blob);

	/* Any flipped byte: refused, and nothing comes out. */
	for (i = 0; i < n; i++) {
		struct sceau_buf *t = sceau_buf_dup(f->blob);

		sceau_buf_mutable_ptr(t)[i] ^= 0x01;
		assert_int_not_equal(sceau_vlob_open(sceau_buf_ptr(t), n, f->vk,
		                         f->key, &h, out),
		    0);
		assert_int_equal(sceau_buf_len(out), 0);
		sceau_buf_free(t);
	}
	/* Another author's key; another workspace key. */
	memcpy(key2, f->key, 32);
	key2[0] ^= 1;
	assert_int_equal(
	    sceau_vlob_open(sceau_buf_ptr(f->blob), n, key2, f->key, &h, out),
	    SCEAU_ERR_SIGNATURE_INVALID);
	assert_int_equal(
	    sceau_vlob_open(sceau_buf_ptr(f->blob), n, f->vk, key2, &h, out),
	    SCEAU_ERR_DECRYPT_FAILED);
	assert_int_equal(sceau_buf_len(out), 0);
	/* Truncated, extended. */
	assert_int_equal(sceau_vlob_parse(sceau_buf_ptr(f->blob), n - 1, &h),
	    SCEAU_ERR_INVALID_FORMAT);
	{
		struct sceau_buf *t = sceau_buf_dup(f->blob);

		assert_int_equal(sceau_buf_put_u8(t, 0), 0);
		assert_int_equal(sceau_vlob_parse(sceau_buf_ptr(t), n + 1, &h),
		    SCEAU_ERR_INVALID_FORMAT);
		sceau_buf_free(t);
	}
	sceau_buf_free(out);
}

static struct sceau_manifest *
sample_folder(void)
{
	struct sceau_manifest *m;

	m = sceau_manifest_new(SCEAU_MANIFEST_FOLDER, VLOB, REALM, 42);
	assert_non_null(m);
	assert_int_equal(
	    sceau_manifest_add_entry(m, "zeta.txt", DEV, SCEAU_MANIFEST_FILE),
	    0);
	assert_int_equal(
	    sceau_manifest_add_entry(m, "alpha", REALM, SCEAU_MANIFEST_FOLDER),
	    0);
	assert_int_equal(
	    sceau_manifest_add_entry(m, "Été ☀", VLOB, SCEAU_MANIFEST_FILE), 0);
	return m;
}

static void
test_folder(void **state)
{
	struct sceau_manifest *m = sample_folder(), *d = NULL;
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	assert_int_equal(
	    sceau_manifest_add_entry(m, "alpha", DEV, SCEAU_MANIFEST_FILE),
	    SCEAU_ERR_EXISTS);
	assert_int_equal(
	    sceau_manifest_add_entry(m, "a/b", DEV, SCEAU_MANIFEST_FILE),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_manifest_add_entry(m, "..", DEV, SCEAU_MANIFEST_FILE),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_string_equal(m->entries[0].name, "alpha");
	assert_int_equal(sceau_manifest_encode(m, b), 0);
	assert_int_equal(
	    sceau_manifest_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d), 0);
	assert_int_equal(d->n_entries, 3);
	assert_non_null(sceau_manifest_find(d, "Été ☀"));
	assert_string_equal(sceau_manifest_find(d, "zeta.txt")->child_id, DEV);
	assert_int_equal(sceau_manifest_remove_entry(d, "alpha"), 0);
	assert_int_equal(
	    sceau_manifest_remove_entry(d, "alpha"), SCEAU_ERR_NOT_FOUND);
	assert_null(sceau_manifest_find(d, "alpha"));
	sceau_manifest_free(d);
	/* Entries out of order are not canonical: refused. */
	{
		struct sceau_manifest *x = sample_folder();

		memcpy(x->entries[0].name, "zz", sizeof("zz"));
		sceau_buf_reset(b);
		assert_int_equal(sceau_manifest_encode(x, b), 0);
		assert_int_equal(sceau_manifest_decode(
		                     sceau_buf_ptr(b), sceau_buf_len(b), &d),
		    SCEAU_ERR_INVALID_FORMAT);
		sceau_manifest_free(x);
	}
	sceau_buf_free(b);
	sceau_manifest_free(m);
}

static void
test_file(void **state)
{
	struct sceau_manifest *m, *d = NULL, *c;
	struct sceau_buf *b = sceau_buf_new();
	struct sceau_block_desc k;

	(void)state;
	m = sceau_manifest_new(SCEAU_MANIFEST_FILE, VLOB, REALM, 1);
	memset(&k, 0, sizeof(k));
	k.size = SCEAU_BLOCK_SIZE;
	k.ct_size = k.size + SCEAU_BLOCK_OVERHEAD;
	k.key[0] = 7;
	assert_int_equal(sceau_manifest_add_block(m, &k), 0);
	k.offset = SCEAU_BLOCK_SIZE;
	k.size = 10;
	k.ct_size = 10 + SCEAU_BLOCK_OVERHEAD;
	assert_int_equal(sceau_manifest_add_block(m, &k), 0);
	m->size = SCEAU_BLOCK_SIZE + 10;
	assert_int_equal(sceau_manifest_encode(m, b), 0);
	assert_int_equal(
	    sceau_manifest_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d), 0);
	assert_int_equal(d->n_blocks, 2);
	assert_int_equal(d->blocks[0].key[0], 7);
	assert_true(d->size == SCEAU_BLOCK_SIZE + 10);
	assert_non_null(c = sceau_manifest_dup(d));
	assert_int_equal(c->n_blocks, 2);
	sceau_manifest_free(c);
	sceau_manifest_free(d);
	/* Sizes that do not add up, a gap, a wrong ciphertext size. */
	m->size++;
	sceau_buf_reset(b);
	assert_int_equal(sceau_manifest_encode(m, b), 0);
	assert_int_equal(
	    sceau_manifest_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d),
	    SCEAU_ERR_INVALID_FORMAT);
	m->size--;
	m->blocks[1].offset++;
	sceau_buf_reset(b);
	assert_int_equal(sceau_manifest_encode(m, b), 0);
	assert_int_equal(
	    sceau_manifest_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d),
	    SCEAU_ERR_INVALID_FORMAT);
	m->blocks[1].offset--;
	m->blocks[1].ct_size++;
	sceau_buf_reset(b);
	assert_int_equal(sceau_manifest_encode(m, b), 0);
	assert_int_equal(
	    sceau_manifest_decode(sceau_buf_ptr(b), sceau_buf_len(b), &d),
	    SCEAU_ERR_INVALID_FORMAT);
	sceau_buf_free(b);
	sceau_manifest_free(m);
}

static void
test_new_checks(void **state)
{
	(void)state;
	assert_null(sceau_manifest_new(SCEAU_MANIFEST_ROOT, REALM, VLOB, 0));
	assert_null(sceau_manifest_new(SCEAU_MANIFEST_FOLDER, VLOB, "", 0));
	assert_null(sceau_manifest_new(SCEAU_MANIFEST_FILE, "x", REALM, 0));
	assert_true(sceau_name_valid("report (final).pdf"));
	assert_false(sceau_name_valid(""));
	assert_false(sceau_name_valid("."));
	assert_false(sceau_name_valid("\xff\xfe"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_vlob_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_vlob_tampering, setup, teardown),
	    cmocka_unit_test(test_folder),
	    cmocka_unit_test(test_file),
	    cmocka_unit_test(test_new_checks),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
