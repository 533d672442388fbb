/*
 * test-selftest.c: the crypto self-test (src/selftest.c) passes, reports
 * each test once by name, and reports failures (here, allocation
 * failures) with their code.
 */
#include "config.h"

#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "selftest.h"
#include "testutil.h"

#define MAX_REPORTS 64

struct reports {
	size_t n, failed;
	const char *name[MAX_REPORTS];
	int result[MAX_REPORTS];
};

static void
collect(const char *name, int result, void *arg)
{
	struct reports *r = arg;

	assert_non_null(name);
	assert_true(r->n < MAX_REPORTS);
	r->name[r->n] = name;
	r->result[r->n++] = result;
	if (result != 0)
		r->failed++;
}

static void
test_selftest_passes(void **state)
{
	static const char *const expected[] = {
	    "sha256-kat",
	    "hmac-sha256-kat",
	    "hkdf-sha256-kat",
	    "aes256gcm-kat",
	    "ed25519-kat",
	    "x25519-kat",
	    "argon2id-kat",
	    "box-roundtrip",
	    "stream-roundtrip",
	    "hmac-sha256-reject",
	    "aes256gcm-reject",
	    "ed25519-reject",
	    "box-reject",
	    "stream-reject",
	};
	struct reports r;
	size_t i, j;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(sceau_selftest_run(collect, &r), 0);
	assert_int_equal(r.n, sceau_selftest_count());
	assert_int_equal(r.n, SCEAU_NELEM(expected));
	for (i = 0; i < r.n; i++) {
		assert_string_equal(r.name[i], expected[i]);
		assert_int_equal(r.result[i], 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(r.name[i], r.name[j]);
	}
	/* No reporter is fine too. */
	assert_int_equal(sceau_selftest_run(NULL, NULL), 0);
}

/* Each allocation failing in turn: failures are reported, nothing leaks. */
static void
test_selftest_failures(void **state)
{
	struct reports r;
	unsigned long n;
	int rc;

	(void)state;
	for (n = 0;; n++) {
		memset(&r, 0, sizeof(r));
		sceau_alloc_fail_after((long)n);
		rc = sceau_selftest_run(collect, &r);
		sceau_alloc_fail_after(-1);
		assert_int_equal(r.n, sceau_selftest_count());
		if (rc == 0) {
			assert_int_equal(r.failed, 0);
			break;
		}
		/* The first failure's code is returned. */
		assert_true(r.failed > 0);
		assert_int_equal(rc, SCEAU_ERR_ALLOC);
		assert_true(n < 10000);
	}
	assert_true(n > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_selftest_passes),
	    cmocka_unit_test(test_selftest_failures),
	};

	return TU_TAP_MAIN("selftest", tests);
}
