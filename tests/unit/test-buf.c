/*
 * test-buf.c: the bounded buffer: limits, typed get/put, strings with
 * limits, views, consumption, files, and allocation-failure torture.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc.h"
#include "buf.h"
#include "buf-internal.h"
#include "errors.h"

static void
test_ints_roundtrip(void **state)
{
	struct sceau_buf *b = sceau_buf_new();
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	static const uint8_t want[] = {0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
	    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

	(void)state;
	assert_non_null(b);
	assert_int_equal(sceau_buf_put_u8(b, 0xab), 0);
	assert_int_equal(sceau_buf_put_u16(b, 0x1234), 0);
	assert_int_equal(sceau_buf_put_u32(b, 0xdeadbeef), 0);
	assert_int_equal(sceau_buf_put_u64(b, 0x0102030405060708ULL), 0);
	/* Big-endian on the wire. */
	assert_int_equal(sceau_buf_len(b), sizeof(want));
	assert_memory_equal(sceau_buf_ptr(b), want, sizeof(want));
	assert_int_equal(sceau_buf_get_u8(b, &u8), 0);
	assert_int_equal(sceau_buf_get_u16(b, &u16), 0);
	assert_int_equal(sceau_buf_get_u32(b, &u32), 0);
	assert_int_equal(sceau_buf_get_u64(b, &u64), 0);
	assert_int_equal(u8, 0xab);
	assert_int_equal(u16, 0x1234);
	assert_int_equal(u32, 0xdeadbeef);
	assert_true(u64 == 0x0102030405060708ULL);
	assert_int_equal(sceau_buf_len(b), 0);
	/* Reading past the end: incomplete, value zeroed, nothing consumed. */
	assert_int_equal(sceau_buf_put_u8(b, 7), 0);
	u32 = 99;
	assert_int_equal(
	    sceau_buf_get_u32(b, &u32), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(u32, 0);
	assert_int_equal(sceau_buf_len(b), 1);
	assert_int_equal(
	    sceau_buf_get_u64(b, &u64), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(
	    sceau_buf_get_u16(b, &u16), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(sceau_buf_len(b), 1);
	sceau_buf_free(b);
}

static void
test_strings_and_limits(void **state)
{
	struct sceau_buf *b = sceau_buf_new();
	const uint8_t *p;
	uint8_t *v, fixed[4];
	char *s;
	size_t len;

	(void)state;
	assert_int_equal(sceau_buf_put_cstring(b, "hello"), 0);
	assert_int_equal(sceau_buf_put_string(b, "", 0), 0);
	assert_int_equal(sceau_buf_put_string(b, "a\0b", 3), 0);
	assert_int_equal(sceau_buf_put_string(b, "wxyz", 4), 0);
	/* A string longer than the caller's limit is refused untouched. */
	assert_int_equal(
	    sceau_buf_get_cstring(b, 4, &s, &len), SCEAU_ERR_STRING_TOO_LARGE);
	assert_null(s);
	assert_int_equal(sceau_buf_len(b), 9 + 4 + 7 + 8);
	assert_int_equal(sceau_buf_get_cstring(b, 5, &s, &len), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	sceau_free(s);
	assert_int_equal(sceau_buf_get_string_direct(b, 10, &p, &len), 0);
	assert_int_equal(len, 0);
	/* A cstring must not hold a NUL; a string may. */
	assert_int_equal(
	    sceau_buf_get_cstring(b, 10, &s, NULL), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_buf_get_string(b, 10, &v, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(v, "a\0b", 4);
	sceau_freezero(v, len + 1);
	/* Fixed-size: exactly the size asked, neither more nor less. */
	assert_int_equal(
	    sceau_buf_get_fixed(b, fixed, 3), SCEAU_ERR_STRING_TOO_LARGE);
	assert_int_equal(sceau_buf_get_fixed(b, fixed, 4), 0);
	assert_memory_equal(fixed, "wxyz", 4);
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
}

static void
test_string_truncated_and_huge(void **state)
{
	static const uint8_t trunc[] = {0, 0, 0, 5, 'a', 'b'};
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'a'};
	static const uint8_t fixedshort[] = {0, 0, 0, 2, 'a', 'b'};
	struct sceau_buf *b;
	const uint8_t *p;
	uint8_t out[4];
	size_t len;

	(void)state;
	b = sceau_buf_from(trunc, sizeof(trunc));
	assert_int_equal(sceau_buf_get_string_direct(b, 100, &p, &len),
	    SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(sceau_buf_len(b), sizeof(trunc));
	sceau_buf_free(b);
	b = sceau_buf_from(huge, sizeof(huge));
	/* The length is checked against the limit before anything else. */
	assert_int_equal(sceau_buf_get_string_direct(b, SIZE_MAX, &p, &len),
	    SCEAU_ERR_STRING_TOO_LARGE);
	sceau_buf_free(b);
	b = sceau_buf_from(fixedshort, sizeof(fixedshort));
	assert_int_equal(
	    sceau_buf_get_fixed(b, out, 4), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_buf_len(b), sizeof(fixedshort));
	sceau_buf_free(b);
}

static void
test_max_size(void **state)
{
	struct sceau_buf *b = sceau_buf_new();
	uint8_t *p;

	(void)state;
	assert_int_equal(sceau_buf_max_size(b), SCEAU_BUF_SIZE_MAX);
	assert_int_equal(sceau_buf_set_max_size(b, SCEAU_BUF_SIZE_MAX + 1),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_set_max_size(b, 10), 0);
	assert_int_equal(sceau_buf_avail(b), 10);
	assert_int_equal(sceau_buf_put(b, "0123456789", 10), 0);
	assert_int_equal(sceau_buf_put_u8(b, 1), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_len(b), 10);
	/* Overflow-safe: a huge reservation is refused, not wrapped. */
	assert_int_equal(
	    sceau_buf_check_reserve(b, SIZE_MAX), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(
	    sceau_buf_reserve(b, SIZE_MAX - 5, &p), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_null(p);
	/* Consumed space is reclaimed. */
	assert_int_equal(sceau_buf_consume(b, 4), 0);
	assert_int_equal(sceau_buf_avail(b), 4);
	assert_int_equal(sceau_buf_put(b, "abcd", 4), 0);
	assert_memory_equal(sceau_buf_ptr(b), "456789abcd", 10);
	/* Cannot shrink below the contents; can shrink to them. */
	assert_int_equal(
	    sceau_buf_set_max_size(b, 9), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_set_max_size(b, 10), 0);
	sceau_buf_reset(b);
	assert_int_equal(sceau_buf_set_max_size(b, 0), 0);
	assert_int_equal(sceau_buf_put_u8(b, 1), SCEAU_ERR_BUFFER_TOO_LARGE);
	sceau_buf_free(b);
}

static void
test_hard_max(void **state)
{
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	assert_int_equal(sceau_buf_check_reserve(b, SCEAU_BUF_SIZE_MAX), 0);
	assert_int_equal(sceau_buf_check_reserve(b, SCEAU_BUF_SIZE_MAX + 1),
	    SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_null(sceau_buf_from("x", SCEAU_BUF_SIZE_MAX + 1));
	sceau_buf_free(b);
}

static void
test_consume(void **state)
{
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	assert_int_equal(sceau_buf_put(b, "abcdef", 6), 0);
	assert_int_equal(sceau_buf_consume(b, 7), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(
	    sceau_buf_consume_end(b, 7), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(sceau_buf_consume(b, 2), 0);
	assert_int_equal(sceau_buf_consume_end(b, 1), 0);
	assert_int_equal(sceau_buf_len(b), 3);
	assert_memory_equal(sceau_buf_ptr(b), "cde", 3);
	assert_int_equal(sceau_buf_get(b, NULL, 3), 0);
	assert_int_equal(sceau_buf_len(b), 0);
	assert_int_equal(sceau_buf_consume(b, 0), 0);
	sceau_buf_free(b);
}

static void
test_readonly(void **state)
{
	static const char data[] = "readonly";
	struct sceau_buf *b = sceau_buf_from(data, 8);
	uint8_t c;

	(void)state;
	assert_int_equal(sceau_buf_put_u8(b, 1), SCEAU_ERR_BUFFER_READ_ONLY);
	assert_null(sceau_buf_mutable_ptr(b));
	assert_int_equal(sceau_buf_avail(b), 0);
	assert_int_equal(sceau_buf_get_u8(b, &c), 0);
	assert_int_equal(c, 'r');
	assert_int_equal(sceau_buf_len(b), 7);
	sceau_buf_reset(b);
	assert_int_equal(sceau_buf_len(b), 0);
	assert_memory_equal(data, "readonly", 8);
	sceau_buf_free(b);
}

static void
test_views(void **state)
{
	struct sceau_buf *b = sceau_buf_new(), *v, *s, *s2;
	uint32_t x;

	(void)state;
	assert_int_equal(sceau_buf_put_u32(b, 1), 0);
	assert_int_equal(sceau_buf_put_string(b, "\0\0\0\x07tail", 8), 0);
	assert_int_equal(sceau_buf_put_u32(b, 2), 0);
	assert_non_null(v = sceau_buf_fromb(b));
	/* While a view exists, the parent is read-only but readable. */
	assert_int_equal(sceau_buf_put_u8(b, 1), SCEAU_ERR_BUFFER_READ_ONLY);
	assert_null(sceau_buf_mutable_ptr(b));
	assert_int_equal(sceau_buf_len(v), sceau_buf_len(b));
	assert_int_equal(sceau_buf_get_u32(v, &x), 0);
	assert_int_equal(x, 1);
	assert_int_equal(sceau_buf_froms(v, &s), 0);
	assert_int_equal(sceau_buf_len(s), 8);
	assert_int_equal(sceau_buf_get_u32(s, &x), 0);
	assert_int_equal(x, 7);
	assert_int_equal(sceau_buf_get_u32(v, &x), 0);
	assert_int_equal(x, 2);
	/* A nested view fails cleanly on a bad length ("tail" = 1.9 GB). */
	assert_int_equal(sceau_buf_froms(s, &s2), SCEAU_ERR_STRING_TOO_LARGE);
	assert_null(s2);
	assert_int_equal(sceau_buf_len(s), 4);
	/* Free the parent first: the views keep it alive. */
	sceau_buf_free(b);
	sceau_buf_free(v);
	assert_memory_equal(sceau_buf_ptr(s), "tail", 4);
	sceau_buf_free(s);

	/* Once the views are gone the parent is writable again. */
	b = sceau_buf_new();
	assert_int_equal(sceau_buf_put_u8(b, 1), 0);
	v = sceau_buf_fromb(b);
	sceau_buf_free(v);
	assert_int_equal(sceau_buf_put_u8(b, 2), 0);
	assert_int_equal(sceau_buf_len(b), 2);
	sceau_buf_free(b);
}

static void
test_putf_dup_cmp(void **state)
{
	struct sceau_buf *a = sceau_buf_new(), *b;
	char *s;

	(void)state;
	assert_int_equal(sceau_buf_putf(a, "%s-%d", "x", 42), 0);
	assert_int_equal(sceau_buf_putf(a, "%s", ""), 0);
	assert_int_equal(sceau_buf_len(a), 4);
	assert_non_null(s = sceau_buf_dup_cstring(a));
	assert_string_equal(s, "x-42");
	sceau_free(s);
	assert_non_null(b = sceau_buf_dup(a));
	assert_int_equal(sceau_buf_equals(a, b), 0);
	assert_int_equal(sceau_buf_cmp(a, 2, "42", 2), 0);
	assert_int_not_equal(sceau_buf_cmp(a, 2, "43", 2), 0);
	assert_int_equal(
	    sceau_buf_cmp(a, 3, "42", 2), SCEAU_ERR_MESSAGE_INCOMPLETE);
	assert_int_equal(sceau_buf_put_u8(b, 0), 0);
	assert_int_not_equal(sceau_buf_equals(a, b), 0);
	assert_null(sceau_buf_dup_cstring(b)); /* holds a NUL */
	/* A buffer cannot be appended to itself (the copy would read freed
	 * memory when it grows). */
	assert_int_equal(sceau_buf_putb(b, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_buf_put(b, sceau_buf_ptr(b) + 1, 2),
	    SCEAU_ERR_INVALID_ARGUMENT);
	sceau_buf_free(a);
	sceau_buf_free(b);
}

static void
test_growth_keeps_data(void **state)
{
	struct sceau_buf *b = sceau_buf_new();
	uint32_t i, v;

	(void)state;
	for (i = 0; i < 100000; i++)
		assert_int_equal(sceau_buf_put_u32(b, i), 0);
	for (i = 0; i < 100000; i++) {
		assert_int_equal(sceau_buf_get_u32(b, &v), 0);
		assert_int_equal(v, i);
		/* Interleave writes so packing happens mid-stream. */
		if (i % 1000 == 0)
			assert_int_equal(sceau_buf_put_u32(b, 0xffffffff), 0);
	}
	assert_int_equal(sceau_buf_len(b), 400);
	sceau_buf_free(b);
}

static void
test_files(void **state)
{
	char dir[] = "/tmp/sceau-test-buf.XXXXXX", path[256];
	struct sceau_buf *b = sceau_buf_new(), *c = sceau_buf_new();
	struct stat st;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/f", dir);
	for (i = 0; i < 70000; i++)
		assert_int_equal(sceau_buf_put_u8(b, (uint8_t)i), 0);
	assert_int_equal(sceau_buf_write_file_atomic(path, 0600, b), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sceau_buf_load_file(path, 70000, c), 0);
	assert_int_equal(sceau_buf_equals(b, c), 0);
	/* One byte over the limit: refused, and c left as it was. */
	sceau_buf_reset(c);
	assert_int_equal(sceau_buf_put_u8(c, 9), 0);
	assert_int_equal(
	    sceau_buf_load_file(path, 69999, c), SCEAU_ERR_FILE_TOO_LARGE);
	assert_int_equal(sceau_buf_len(c), 1);
	/* Replacing keeps the mode asked for, whatever the umask. */
	assert_int_equal(sceau_buf_write_file_atomic(path, 0640, c), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(st.st_size, 1);
	/* A new file only: the existing one is left as it was. */
	assert_int_equal(
	    sceau_buf_write_file_new(path, 0600, b), SCEAU_ERR_EXISTS);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(st.st_size, 1);
	(void)snprintf(path, sizeof(path), "%s/new", dir);
	assert_int_equal(sceau_buf_write_file_new(path, 0600, c), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 1);
	(void)snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(sceau_buf_load_file(path, 10, c), SCEAU_ERR_NOT_FOUND);
	(void)snprintf(path, sizeof(path), "%s/nodir/f", dir);
	assert_int_not_equal(sceau_buf_write_file_atomic(path, 0600, b), 0);
	assert_int_not_equal(sceau_buf_write_file_new(path, 0600, b), 0);
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	sceau_buf_free(b);
	sceau_buf_free(c);
}

/* One sequence of operations, for allocation-failure torture. */
static int
buf_workout(void)
{
	struct sceau_buf *b = NULL, *v = NULL, *s = NULL;
	char *cs = NULL;
	int r, i;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	for (i = 0; i < 50; i++) {
		if ((r = sceau_buf_put_cstring(b, "a fairly long string")) != 0)
			goto out;
	}
	if ((r = sceau_buf_putf(b, "%d", 12345)) != 0)
		goto out;
	if ((v = sceau_buf_fromb(b)) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_buf_froms(v, &s)) != 0)
		goto out;
	if ((r = sceau_buf_get_cstring(v, 100, &cs, NULL)) != 0)
		goto out;
	r = 0;
out:
	sceau_free(cs);
	sceau_buf_free(s);
	sceau_buf_free(v);
	sceau_buf_free(b);
	return r;
}

static void
test_alloc_torture(void **state)
{
	long n;
	int r;

	(void)state;
	for (n = 0; n < 10000; n++) {
		sceau_alloc_fail_after(n);
		r = buf_workout();
		sceau_alloc_fail_after(-1);
		if (r == 0)
			break;
		assert_int_equal(r, SCEAU_ERR_ALLOC);
	}
	assert_true(n > 3); /* failures were really injected */
	assert_int_equal(buf_workout(), 0);
}

static void
test_sanity_aborts_on_corruption(void **state)
{
	struct sceau_buf *b = sceau_buf_new();
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(sceau_buf_put_u32(b, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Simulate corruption: a read offset past the end. */
		b->off = b->size + 1;
		(void)sceau_buf_len(b);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	sceau_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ints_roundtrip),
	    cmocka_unit_test(test_strings_and_limits),
	    cmocka_unit_test(test_string_truncated_and_huge),
	    cmocka_unit_test(test_max_size),
	    cmocka_unit_test(test_hard_max),
	    cmocka_unit_test(test_consume),
	    cmocka_unit_test(test_readonly),
	    cmocka_unit_test(test_views),
	    cmocka_unit_test(test_putf_dup_cmp),
	    cmocka_unit_test(test_growth_keeps_data),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_alloc_torture),
	    cmocka_unit_test(test_sanity_aborts_on_corruption),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
