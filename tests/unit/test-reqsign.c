/*
 * test-reqsign.c: request signatures: a signed request verifies, and any
 * change of method, path, organization, device, time, nonce or body, or a
 * malformed header, is refused.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "hash.h"
#include "reqsign.h"
#include "sign.h"

#define DEV "0123456789abcdef0123456789abcdef"

struct fx {
	struct sceau_signkey *key;
	uint8_t vk[32];
	uint8_t body[32];
	char *header;
};

static int
setup(void **state)
{
	struct fx *f = sceau_calloc(1, sizeof(*f));
	struct sceau_buf *b = sceau_buf_new();

	assert_int_equal(sceau_sign_generate(&f->key), 0);
	sceau_sign_public(f->key, f->vk);
	assert_int_equal(sceau_hash_sha256("{}", 2, f->body), 0);
	assert_int_equal(
	    sceau_reqsign_sign(f->key, "acme", DEV, "POST",
	        "/v1/acme/certificates?x=1", f->body, 1700000000123ULL, b),
	    0);
	assert_non_null(f->header = sceau_buf_dup_cstring(b));
	sceau_buf_free(b);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	sceau_sign_free(f->key);
	sceau_free(f->header);
	sceau_free(f);
	return 0;
}

static void
test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct sceau_reqsign rs;

	assert_int_equal(
	    strncmp(f->header, "SCEAU-Ed25519 org=\"acme\", device=\"", 34), 0);
	assert_int_equal(sceau_reqsign_parse(f->header, &rs), 0);
	assert_string_equal(rs.org_id, "acme");
	assert_string_equal(rs.device_id, DEV);
	assert_true(rs.ts_ms == 1700000000123ULL);
	assert_int_equal(sceau_reqsign_verify(&rs, f->vk, "POST",
	                     "/v1/acme/certificates?x=1", f->body),
	    0);
}

static void
test_changes_refused(void **state)
{
	struct fx *f = *state;
	struct sceau_reqsign rs, t;
	uint8_t body2[32];
	struct sceau_signkey *other;
	uint8_t vk2[32];

	assert_int_equal(sceau_reqsign_parse(f->header, &rs), 0);
	assert_int_equal(sceau_reqsign_verify(&rs, f->vk, "GET",
	                     "/v1/acme/certificates?x=1", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	assert_int_equal(sceau_reqsign_verify(&rs, f->vk, "POST",
	                     "/v1/acme/certificates?x=2", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	memcpy(body2, f->body, 32);
	body2[31] ^= 1;
	assert_int_equal(sceau_reqsign_verify(&rs, f->vk, "POST",
	                     "/v1/acme/certificates?x=1", body2),
	    SCEAU_ERR_AUTH_FAILED);
	t = rs;
	t.ts_ms++;
	assert_int_equal(sceau_reqsign_verify(&t, f->vk, "POST",
	                     "/v1/acme/certificates?x=1", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	t = rs;
	t.nonce[0] ^= 1;
	assert_int_equal(sceau_reqsign_verify(&t, f->vk, "POST",
	                     "/v1/acme/certificates?x=1", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	t = rs;
	t.org_id[0] = 'b';
	assert_int_equal(sceau_reqsign_verify(&t, f->vk, "POST",
	                     "/v1/acme/certificates?x=1", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	t = rs;
	t.device_id[0] = '1';
	assert_int_equal(sceau_reqsign_verify(&t, f->vk, "POST",
	                     "/v1/acme/certificates?x=1", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	assert_int_equal(sceau_sign_generate(&other), 0);
	sceau_sign_public(other, vk2);
	assert_int_equal(sceau_reqsign_verify(&rs, vk2, "POST",
	                     "/v1/acme/certificates?x=1", f->body),
	    SCEAU_ERR_AUTH_FAILED);
	sceau_sign_free(other);
}

static void
test_malformed_headers(void **state)
{
	struct fx *f = *state;
	struct sceau_reqsign rs;
	char h[1024];
	size_t n = strlen(f->header);
	static const char *const bad[] = {
	    "",
	    "Bearer abc",
	    "SCEAU-Ed25519 ",
	    "SCEAU-Ed25519 org=\"acme\"",
	    "SCEAU-Ed25519 device=\"" DEV "\", org=\"acme\", ts=\"1\", "
	    "nonce=\"AAAAAAAAAAAAAAAAAAAAAA\", sig=\"x\"",
	    "SCEAU-Ed25519 org=\"a/b\", device=\"" DEV "\", ts=\"1\", "
	    "nonce=\"AAAAAAAAAAAAAAAAAAAAAA\", sig=\"x\"",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    sceau_reqsign_parse(bad[i], &rs), SCEAU_ERR_AUTH_FAILED);
	assert_int_equal(sceau_reqsign_parse(NULL, &rs), SCEAU_ERR_AUTH_FAILED);
	/* Trailing garbage, a doubled space, a truncated signature. */
	(void)snprintf(h, sizeof(h), "%s ", f->header);
	assert_int_equal(sceau_reqsign_parse(h, &rs), SCEAU_ERR_AUTH_FAILED);
	(void)snprintf(h, sizeof(h), "%.*s", (int)(n - 2), f->header);
	assert_int_equal(sceau_reqsign_parse(h, &rs), SCEAU_ERR_AUTH_FAILED);
	(void)snprintf(h, sizeof(h), "%s", f->header);
	h[14] = ' ';
	assert_int_equal(sceau_reqsign_parse(h, &rs), SCEAU_ERR_AUTH_FAILED);
	/* A leading zero or a sign in the time is not the signed text. */
	(void)snprintf(h, sizeof(h), "%s", f->header);
	{
		char *ts = strstr(h, "ts=\"");

		assert_non_null(ts);
		ts[4] = '0';
		assert_int_equal(
		    sceau_reqsign_parse(h, &rs), SCEAU_ERR_AUTH_FAILED);
		ts[4] = '+';
		assert_int_equal(
		    sceau_reqsign_parse(h, &rs), SCEAU_ERR_AUTH_FAILED);
	}
}

static void
test_nonces_differ(void **state)
{
	struct fx *f = *state;
	struct sceau_buf *b = sceau_buf_new();
	struct sceau_reqsign a, c;
	char *h2;

	assert_int_equal(
	    sceau_reqsign_sign(f->key, "acme", DEV, "POST",
	        "/v1/acme/certificates?x=1", f->body, 1700000000123ULL, b),
	    0);
	assert_non_null(h2 = sceau_buf_dup_cstring(b));
	assert_int_equal(sceau_reqsign_parse(f->header, &a), 0);
	assert_int_equal(sceau_reqsign_parse(h2, &c), 0);
	assert_memory_not_equal(a.nonce, c.nonce, sizeof(a.nonce));
	sceau_free(h2);
	sceau_buf_free(b);
	/* ts 0 means now: a recent time. */
	b = sceau_buf_new();
	assert_int_equal(
	    sceau_reqsign_sign(f->key, "acme", DEV, "GET", "/", f->body, 0, b),
	    0);
	assert_non_null(h2 = sceau_buf_dup_cstring(b));
	assert_int_equal(sceau_reqsign_parse(h2, &c), 0);
	assert_true(c.ts_ms > 1700000000000ULL);
	sceau_free(h2);
	sceau_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_changes_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_malformed_headers, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_nonces_differ, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("reqsign", tests, NULL, NULL);
}
