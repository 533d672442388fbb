/*
 * test-log.c: log lines carry level, place and the error's message, obey
 * the level, and stay on one line.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "log.h"

static char last[2048];
static int nlines;

static void
capture(enum sceau_log_level level, const char *line, void *arg)
{
	(void)level;
	(void)arg;
	(void)snprintf(last, sizeof(last), "%s", line);
	nlines++;
}

static int
setup(void **state)
{
	(void)state;
	sceau_log_init("test-log", SCEAU_LOG_INFO);
	sceau_log_set_handler(capture, NULL);
	nlines = 0;
	last[0] = '\0';
	return 0;
}

static void
test_error_line(void **state)
{
	int line;

	(void)state;
	line = __LINE__ + 1;
	error_r(SCEAU_ERR_DECRYPT_FAILED, "open block %d", 3);
	assert_int_equal(nlines, 1);
	assert_non_null(strstr(last, "test-log["));
	assert_non_null(strstr(last, ": error: "));
	assert_non_null(strstr(last, "test-log.c:"));
	assert_non_null(strstr(last, "test_error_line"));
	assert_non_null(strstr(last, "open block 3: decryption failed"));
	{
		char where[64];

		(void)snprintf(where, sizeof(where), "test-log.c:%d ", line);
		assert_non_null(strstr(last, where));
	}
}

static void
test_levels(void **state)
{
	(void)state;
	debug_f("hidden");
	assert_int_equal(nlines, 0);
	info_f("shown");
	assert_int_equal(nlines, 1);
	sceau_log_set_level(SCEAU_LOG_QUIET);
	error_f("hidden too");
	assert_int_equal(nlines, 1);
	sceau_log_set_level(SCEAU_LOG_TRACE);
	trace_f("now shown");
	assert_int_equal(nlines, 2);
	assert_int_equal(sceau_log_get_level(), SCEAU_LOG_TRACE);
	assert_int_equal(sceau_log_level_from_name("debug"), SCEAU_LOG_DEBUG);
	assert_int_equal(sceau_log_level_from_name("quiet"), SCEAU_LOG_QUIET);
	assert_int_equal(sceau_log_level_from_name("loud"), -1);
}

static void
test_one_line_and_context(void **state)
{
	(void)state;
	sceau_log_set_context("req=42");
	warn_f("evil\ninjected line\r");
	assert_null(strchr(last, '\n'));
	assert_null(strchr(last, '\r'));
	assert_non_null(strstr(last, "warning: req=42 "));
	sceau_log_set_context(NULL);
	warn_f("x");
	assert_null(strstr(last, "req=42"));
}

static void
test_long_message_truncated(void **state)
{
	char big[4000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	error_r(SCEAU_ERR_ALLOC, "%s", big);
	assert_int_equal(nlines, 1);
	assert_true(strlen(last) < 1024);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_error_line, setup),
	    cmocka_unit_test_setup(test_levels, setup),
	    cmocka_unit_test_setup(test_one_line_and_context, setup),
	    cmocka_unit_test_setup(test_long_message_truncated, setup),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
