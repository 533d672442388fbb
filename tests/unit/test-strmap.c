/*
 * test-strmap.c: the string map: put, get, duplicates, growth, and
 * reservation that makes later puts infallible.
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
#include "errors.h"
#include "strmap.h"

#define N 5000

static void
test_put_get(void **state)
{
	static char keys[N][16];
	struct sceau_strmap *m = sceau_strmap_new();
	size_t i;

	(void)state;
	assert_non_null(m);
	assert_null(sceau_strmap_get(m, "absent"));
	for (i = 0; i < N; i++) {
		(void)snprintf(keys[i], sizeof(keys[i]), "key-%zu", i);
		assert_int_equal(sceau_strmap_put(m, keys[i], &keys[i]), 0);
	}
	assert_int_equal(sceau_strmap_count(m), N);
	for (i = 0; i < N; i++)
		assert_ptr_equal(sceau_strmap_get(m, keys[i]), &keys[i]);
	assert_int_equal(sceau_strmap_put(m, "key-7", NULL), SCEAU_ERR_EXISTS);
	assert_null(sceau_strmap_get(m, "key-5000"));
	sceau_strmap_free(m);
}

static void
test_reserve_then_put_cannot_fail(void **state)
{
	struct sceau_strmap *m = sceau_strmap_new();
	static const char *const k[] = {
	    "a", "b", "c", "d", "e", "f", "g", "h", "i"};
	size_t i;

	(void)state;
	assert_int_equal(sceau_strmap_reserve(m, 9), 0);
	sceau_alloc_fail_after(0);
	for (i = 0; i < 9; i++)
		assert_int_equal(sceau_strmap_put(m, k[i], NULL), 0);
	sceau_alloc_fail_after(-1);
	assert_int_equal(sceau_strmap_count(m), 9);
	sceau_strmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_put_get),
	    cmocka_unit_test(test_reserve_then_put_cannot_fail),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
