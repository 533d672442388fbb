/*
 * test-errors.c: the error space: every code is negative, in a documented
 * range, has its own name and message, and a line in man/sceau-errors.7
 * (as curl's test1477 keeps headers and man pages in sync).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"

static void
test_codes_negative_and_named(void **state)
{
	unsigned int i, n = sceau_err_count();

	(void)state;
	assert_true(n > 30);
	for (i = 0; i < n; i++) {
		int c = sceau_err_code(i);
		const char *name = sceau_errname(c);

		assert_true(c < 0);
		assert_true(c > -1100);
		assert_non_null(name);
		assert_int_equal(strncmp(name, "SCEAU_ERR_", 10), 0);
	}
	assert_int_equal(sceau_err_code(n), 0);
}

static void
test_codes_unique(void **state)
{
	unsigned int i, j, n = sceau_err_count();

	(void)state;
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++) {
			int a = sceau_err_code(i), b = sceau_err_code(j);

			assert_int_not_equal(a, b);
			assert_string_not_equal(
			    sceau_strerror(a), sceau_strerror(b));
			assert_string_not_equal(
			    sceau_errname(a), sceau_errname(b));
		}
	}
}

static void
test_success_and_unknown(void **state)
{
	(void)state;
	assert_string_equal(sceau_strerror(0), "success");
	assert_string_equal(sceau_errname(0), "SCEAU_OK");
	assert_string_equal(sceau_strerror(-99999), "unknown error");
	assert_null(sceau_errname(-99999));
	assert_null(sceau_errname(1));
	assert_string_equal(
	    sceau_strerror(SCEAU_ERR_ALLOC), "memory allocation failed");
}

static void
test_every_code_in_man_page(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[4096], needle[128];
	struct sceau_buf *b;
	char *page;
	unsigned int i;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/man/sceau-errors.7",
	    top != NULL ? top : ".");
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_load_file(path, 1 << 20, b), 0);
	assert_non_null(page = sceau_buf_dup_cstring(b));
	for (i = 0; i < sceau_err_count(); i++) {
		int c = sceau_err_code(i);

		/* ".It Dv SCEAU_ERR_NAME Pq \-N" */
		(void)snprintf(needle, sizeof(needle), ".It Dv %s Pq \\-%d\n",
		    sceau_errname(c), -c);
		if (strstr(page, needle) == NULL)
			fail_msg("man/sceau-errors.7 lacks: %s", needle);
	}
	sceau_free(page);
	sceau_buf_free(b);
}

static void
test_message_detail(void **state)
{
	char big[2000];

	(void)state;
	sceau_message_clear();
	assert_string_equal(sceau_last_message(), "");
	sceau_message("certificate %d: %s", 42, "hash chain broken");
	assert_string_equal(
	    sceau_last_message(), "certificate 42: hash chain broken");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sceau_message("%s", big);
	assert_int_equal(strlen(sceau_last_message()), 511);
	sceau_message_clear();
	assert_string_equal(sceau_last_message(), "");
}

/* A message made from the last one (no overlapping format). */
static void
test_message_of_message(void **state)
{
	(void)state;
	sceau_message("inner %d", 7);
	sceau_message("outer: %s", sceau_last_message());
	assert_string_equal(sceau_last_message(), "outer: inner 7");
	sceau_message("%s%s", sceau_last_message(), "!");
	assert_string_equal(sceau_last_message(), "outer: inner 7!");
	sceau_message_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_message_of_message),
	    cmocka_unit_test(test_codes_negative_and_named),
	    cmocka_unit_test(test_codes_unique),
	    cmocka_unit_test(test_success_and_unknown),
	    cmocka_unit_test(test_every_code_in_man_page),
	    cmocka_unit_test(test_message_detail),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
