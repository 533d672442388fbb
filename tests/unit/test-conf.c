/*
 * test-conf.c: configuration files: syntax, limits, unknown and repeated
 * keys, overrides, typed getters, and messages that name FILE:LINE.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "conf.h"
#include "errors.h"

static const char *const known[] = {
    "server.listen",
    "server.name",
    "server.count",
    "server.flag",
    "server.size",
    "server.delay",
    "db.path",
    NULL,
};

/* Parses text as file "t.conf" into *cp (created when NULL). */
static int
parse(const char *text, struct sceau_conf **cp)
{
	struct sceau_buf *b = sceau_buf_from(text, strlen(text));
	int r;

	assert_non_null(b);
	if (*cp == NULL)
		assert_int_equal(sceau_conf_new(known, cp), 0);
	sceau_message_clear();
	r = sceau_conf_load_buf(*cp, "t.conf", b);
	sceau_buf_free(b);
	return r;
}

/* The text must be refused, with a message holding what. */
static void
refused(const char *text, const char *what)
{
	struct sceau_conf *c = NULL;

	assert_int_equal(parse(text, &c), SCEAU_ERR_CONFIG);
	if (strstr(sceau_last_message(), what) == NULL)
		fail_msg("message '%s' lacks '%s'", sceau_last_message(), what);
	sceau_conf_free(c);
}

static void
test_syntax(void **state)
{
	struct sceau_conf *c = NULL;
	const char *s;
	char where[64];

	(void)state;
	assert_int_equal(parse("# comment\n\n  [server]  \r\n"
	                       "\tname =  a value # not a comment  \n"
	                       "listen=127.0.0.1:80\n"
	                       "[db]\n"
	                       "path =\n",
	                     &c),
	    0);
	assert_int_equal(
	    sceau_conf_get_string(c, "server", "name", NULL, &s), 0);
	assert_string_equal(s, "a value # not a comment");
	assert_int_equal(sceau_conf_get_string(c, "db", "path", "x", &s), 0);
	assert_string_equal(s, "");
	assert_int_equal(
	    sceau_conf_get_string(c, "server", "flag", "d", &s), 0);
	assert_string_equal(s, "d");
	assert_true(sceau_conf_has(c, "server", "listen"));
	assert_false(sceau_conf_has(c, "server", "flag"));
	sceau_conf_where(c, "server", "name", where, sizeof(where));
	assert_string_equal(where, "t.conf:4");
	sceau_conf_free(c);
}

static void
test_refusals(void **state)
{
	(void)state;
	refused("[server]\nnosuch = 1\n", "t.conf:2: unknown key 'nosuch'");
	refused("[nosuch]\n", "t.conf:1: unknown section [nosuch]");
	refused("name = x\n", "t.conf:1: key outside of a [section]");
	refused("[server]\nname = a\nname = b\n", "t.conf:3: 'name' set twice");
	refused("[server]\njust words\n", "t.conf:2: expected 'key = value'");
	refused("[server\n", "t.conf:1: section header");
	refused("[Server]\n", "invalid section name");
	refused("[server]\nName = x\n", "invalid key name");
	refused("[server]\n = x\n", "invalid key name");
	refused("[server]\nname = a\x01b\n", "control character");
	refused("[server]\nname = a\x7f\n", "control character");
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[server]\nname = a\0b\n";
	struct sceau_buf *b = sceau_buf_from(text, sizeof(text) - 1);
	struct sceau_conf *c = NULL;

	(void)state;
	assert_int_equal(sceau_conf_new(known, &c), 0);
	assert_int_equal(sceau_conf_load_buf(c, "t.conf", b), SCEAU_ERR_CONFIG);
	sceau_buf_free(b);
	sceau_conf_free(c);
}

static void
test_limits(void **state)
{
	struct sceau_conf *c = NULL;
	char *big;
	size_t n;

	(void)state;
	/* A line of exactly the limit passes; one more byte does not. */
	n = SCEAU_CONF_LINE_MAX + 64;
	assert_non_null(big = sceau_calloc(1, n));
	memcpy(big, "[server]\nname =", 15);
	memset(big + 15, ' ', SCEAU_CONF_LINE_MAX - 6 - 3000);
	memset(big + 15 + SCEAU_CONF_LINE_MAX - 6 - 3000, 'v', 3000);
	assert_int_equal(strlen(big), 9 + SCEAU_CONF_LINE_MAX);
	assert_int_equal(parse(big, &c), 0);
	sceau_conf_free(c);
	c = NULL;
	big[strlen(big)] = 'v';
	refused(big, "t.conf:2: line too long");
	/* A value over its limit, on a line within its own. */
	memset(big + 15, 0, n - 15);
	memset(big + 15, 'v', SCEAU_CONF_VALUE_MAX + 1);
	refused(big, "value too long");
	sceau_free(big);
	/* A file over the size limit. */
	n = SCEAU_CONF_FILE_MAX + 2;
	assert_non_null(big = sceau_calloc(1, n));
	memset(big, '\n', n - 1);
	refused(big, "larger than");
	sceau_free(big);
}

static void
test_failed_file_changes_nothing(void **state)
{
	struct sceau_conf *c = NULL;
	const char *s;

	(void)state;
	assert_int_equal(parse("[server]\nname = first\n", &c), 0);
	assert_int_equal(
	    parse("[server]\nname = second\nbad line\n", &c), SCEAU_ERR_CONFIG);
	assert_int_equal(
	    sceau_conf_get_string(c, "server", "name", NULL, &s), 0);
	assert_string_equal(s, "first");
	/* A later file replaces what an earlier one set. */
	assert_int_equal(parse("[server]\nname = second\n", &c), 0);
	assert_int_equal(
	    sceau_conf_get_string(c, "server", "name", NULL, &s), 0);
	assert_string_equal(s, "second");
	sceau_conf_free(c);
}

static void
test_overrides(void **state)
{
	struct sceau_conf *c = NULL;
	const char *s;
	char where[64];
	int64_t v;

	(void)state;
	assert_int_equal(parse("[server]\ncount = 3\n", &c), 0);
	assert_int_equal(
	    sceau_conf_set(c, "--count", "server", "count", "x"), 0);
	assert_int_equal(sceau_conf_get_int(c, "server", "count", 0, 9, 1, &v),
	    SCEAU_ERR_CONFIG);
	assert_non_null(strstr(sceau_last_message(), "--count: server.count"));
	assert_int_equal(
	    sceau_conf_set(c, "--name", "server", "name", "override"), 0);
	assert_int_equal(
	    sceau_conf_get_string(c, "server", "name", NULL, &s), 0);
	assert_string_equal(s, "override");
	sceau_conf_where(c, "server", "name", where, sizeof(where));
	assert_string_equal(where, "--name");
	assert_int_equal(sceau_conf_set(c, "--x", "server", "nosuch", "1"),
	    SCEAU_ERR_CONFIG);
	assert_int_equal(sceau_conf_set(c, "--x", "server", "name", "a\nb"),
	    SCEAU_ERR_CONFIG);
	sceau_conf_free(c);
}

static void
test_int_bool(void **state)
{
	struct sceau_conf *c = NULL;
	int64_t v;
	int b;

	(void)state;
	assert_int_equal(parse("[server]\ncount = -42\nflag = Yes\n", &c), 0);
	assert_int_equal(
	    sceau_conf_get_int(c, "server", "count", -100, 100, 0, &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(
	    sceau_conf_get_int(c, "server", "count", 0, 100, 7, &v),
	    SCEAU_ERR_CONFIG);
	assert_non_null(strstr(sceau_last_message(), "t.conf:2: server.count"));
	assert_int_equal(v, 7);
	assert_int_equal(sceau_conf_get_bool(c, "server", "flag", 0, &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(sceau_conf_get_bool(c, "db", "path", 1, &b), 0);
	assert_int_equal(b, 1);
	sceau_conf_free(c);
	c = NULL;
	assert_int_equal(parse("[server]\ncount = 99999999999999999999\n"
	                       "flag = maybe\n",
	                     &c),
	    0);
	assert_int_equal(sceau_conf_get_int(
	                     c, "server", "count", INT64_MIN, INT64_MAX, 0, &v),
	    SCEAU_ERR_CONFIG);
	assert_int_equal(
	    sceau_conf_get_bool(c, "server", "flag", 0, &b), SCEAU_ERR_CONFIG);
	sceau_conf_free(c);
	c = NULL;
	assert_int_equal(
	    parse("[server]\ncount = -9223372036854775808\n", &c), 0);
	assert_int_equal(sceau_conf_get_int(
	                     c, "server", "count", INT64_MIN, INT64_MAX, 0, &v),
	    0);
	assert_true(v == INT64_MIN);
	sceau_conf_free(c);
}

static void
test_size_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t size; /* 0: refused */
		uint64_t ms; /* 0: refused */
	} cases[] = {
	    {"10", 10, 10000},
	    {"10K", 10240, 0},
	    {"1m", 1048576, 60000},
	    {"2G", 2147483648ULL, 0},
	    {"5s", 0, 5000},
	    {"250ms", 0, 250},
	    {"2h", 0, 7200000},
	    {"7d", 0, 604800000},
	    {"1D", 0, 86400000},
	    {"1dd", 0, 0},
	    {"", 0, 0},
	    {"k", 0, 0},
	    {"1.5M", 0, 0},
	    {"-1", 0, 0},
	    {"1 M", 0, 0},
	    {"99999999999999999999", 0, 0},
	    {"18446744073709551615G", 0, 0},
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = sceau_conf_parse_size(cases[i].s, &v);

		if (cases[i].size == 0) {
			assert_int_equal(r, SCEAU_ERR_CONFIG);
		} else {
			assert_int_equal(r, 0);
			assert_true(v == cases[i].size);
		}
		r = sceau_conf_parse_duration(cases[i].s, &v);
		if (cases[i].ms == 0) {
			assert_int_equal(r, SCEAU_ERR_CONFIG);
		} else {
			assert_int_equal(r, 0);
			assert_true(v == cases[i].ms);
		}
	}
}

static void
test_date(void **state)
{
	static const struct {
		const char *s;
		uint64_t us; /* 0: refused */
	} cases[] = {
	    {"1970-01-02", 86400000000ULL},
	    {"2026-11-23T14:10", 1795443000000000ULL},
	    {"2026-11-23T14:10:02Z", 1795443002000000ULL},
	    {"2026-11-23 14:10:02", 1795443002000000ULL},
	    {"@60", 60000000ULL},
	    {"yesterday", 0},
	    {"2026-11-23T", 0},
	    {"2026-11-23x", 0},
	    {"@", 0},
	    {"@12a", 0},
	    {"@99999999999999999999", 0},
	};
	uint64_t us;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = sceau_conf_parse_date(cases[i].s, &us);

		if (cases[i].us == 0) {
			assert_int_equal(r, SCEAU_ERR_INVALID_ARGUMENT);
		} else {
			assert_int_equal(r, 0);
			assert_true(us == cases[i].us);
		}
	}
}

static void
test_size_duration_getters(void **state)
{
	struct sceau_conf *c = NULL;
	uint64_t v;

	(void)state;
	assert_int_equal(parse("[server]\nsize = 2M\ndelay = 90m\n", &c), 0);
	assert_int_equal(
	    sceau_conf_get_size(c, "server", "size", 1, 4 << 20, 5, &v), 0);
	assert_true(v == 2 << 20);
	assert_int_equal(
	    sceau_conf_get_size(c, "server", "size", 1, 1 << 20, 5, &v),
	    SCEAU_ERR_CONFIG);
	assert_true(v == 5);
	assert_non_null(strstr(sceau_last_message(), "t.conf:2: server.size"));
	assert_int_equal(
	    sceau_conf_get_duration(c, "server", "delay", 0, 3600000, 1, &v),
	    SCEAU_ERR_CONFIG);
	assert_non_null(strstr(sceau_last_message(), "t.conf:3: server.delay"));
	assert_int_equal(
	    sceau_conf_get_duration(c, "server", "delay", 0, 86400000, 1, &v),
	    0);
	assert_true(v == 5400000);
	assert_int_equal(
	    sceau_conf_get_duration(c, "db", "path", 0, 10, 7, &v), 0);
	assert_true(v == 7);
	sceau_conf_free(c);
}

static void
test_hostport(void **state)
{
	static const struct {
		const char *s;
		const char *host; /* NULL: refused */
		uint16_t port;
	} cases[] = {
	    {"127.0.0.1:8080", "127.0.0.1", 8080},
	    {"example.org:443", "example.org", 443},
	    {"[::1]:0", "::1", 0},
	    {"[2001:db8::1]:65535", "2001:db8::1", 65535},
	    {"host:65536", NULL, 0},
	    {"host", NULL, 0},
	    {":80", NULL, 0},
	    {"host:", NULL, 0},
	    {"host:8o", NULL, 0},
	    {"::1:80", NULL, 0},
	    {"[::1]80", NULL, 0},
	    {"[zz]:80", NULL, 0},
	    {"ho st:80", NULL, 0},
	    {"a/b:80", NULL, 0},
	};
	struct sceau_conf *c = NULL;
	char host[SCEAU_CONF_HOST_MAX + 1];
	uint16_t port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = sceau_conf_parse_hostport(
		    cases[i].s, host, sizeof(host), &port);

		if (cases[i].host == NULL) {
			if (r != SCEAU_ERR_CONFIG)
				fail_msg("'%s' accepted", cases[i].s);
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
	assert_int_equal(parse("[server]\nlisten = nope\n", &c), 0);
	assert_int_equal(sceau_conf_get_hostport(c, "server", "listen",
	                     "127.0.0.1:1", host, sizeof(host), &port),
	    SCEAU_ERR_CONFIG);
	assert_non_null(
	    strstr(sceau_last_message(), "t.conf:2: server.listen"));
	assert_int_equal(sceau_conf_get_hostport(c, "db", "path", "[::]:9",
	                     host, sizeof(host), &port),
	    0);
	assert_string_equal(host, "::");
	assert_int_equal(port, 9);
	sceau_conf_free(c);
}

static void
test_load_file(void **state)
{
	char path[] = "/tmp/test-conf.XXXXXX";
	struct sceau_conf *c = NULL;
	const char *s;
	int fd;

	(void)state;
	assert_int_equal(sceau_conf_new(known, &c), 0);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, "[db]\npath = /x\nbad\n", 19), 19);
	(void)close(fd);
	assert_int_equal(sceau_conf_load_file(c, path), SCEAU_ERR_CONFIG);
	assert_non_null(strstr(sceau_last_message(), ":3: expected"));
	assert_int_equal(truncate(path, 15), 0);
	assert_int_equal(sceau_conf_load_file(c, path), 0);
	assert_int_equal(sceau_conf_get_string(c, "db", "path", NULL, &s), 0);
	assert_string_equal(s, "/x");
	(void)unlink(path);
	assert_int_equal(sceau_conf_load_file(c, path), SCEAU_ERR_NOT_FOUND);
	sceau_conf_free(c);
}

static void
test_too_many_keys(void **state)
{
	static const char *const many[] = {"s.k", NULL};
	struct sceau_conf *c = NULL;
	unsigned int i;

	(void)state;
	assert_int_equal(sceau_conf_new(many, &c), 0);
	for (i = 0; i < SCEAU_CONF_ENTRIES_MAX - 1; i++)
		assert_int_equal(sceau_conf_set(c, "t", "s", "k", "v"), 0);
	/* Replacing never counts twice. */
	assert_int_equal(sceau_conf_set(c, "t", "s", "k", "w"), 0);
	sceau_conf_free(c);
	assert_int_equal(sceau_conf_new(NULL, &c), SCEAU_ERR_INVALID_ARGUMENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syntax),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_failed_file_changes_nothing),
	    cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_int_bool),
	    cmocka_unit_test(test_size_duration),
	    cmocka_unit_test(test_size_duration_getters),
	    cmocka_unit_test(test_hostport),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_too_many_keys),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
