/*
 * test-store.c: the device's local store: creation (private), schema
 * migration, settings, certificates, transactions, corruption detected;
 * a store in memory.
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
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "errors.h"
#include "store.h"

struct fx {
	char dir[64];
	char path[128];
	struct sceau_store *s;
};

static int
setup(void **state)
{
	static struct fx f;

	(void)snprintf(f.dir, sizeof(f.dir), "/tmp/sceau-store.XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	(void)snprintf(f.path, sizeof(f.path), "%s/store.db", f.dir);
	assert_int_equal(sceau_store_open(f.path, &f.s), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sceau_store_close(f->s);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
test_created_private_and_migrated(void **state)
{
	struct fx *f = *state;
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(sceau_store_schema_version(f->s) >= 1);
	/* Reopening keeps the version and migrates nothing twice. */
	sceau_store_close(f->s);
	assert_int_equal(sceau_store_open(f->path, &f->s), 0);
	assert_true(sceau_store_schema_version(f->s) >= 1);
}

static void
test_meta(void **state)
{
	struct fx *f = *state;
	struct sceau_buf *b = sceau_buf_new();

	assert_int_equal(
	    sceau_store_meta_get(f->s, "x", b), SCEAU_ERR_NOT_FOUND);
	assert_int_equal(sceau_store_meta_set(f->s, "x", "abc", 3), 0);
	assert_int_equal(sceau_store_meta_set(f->s, "x", "abcd", 4), 0);
	assert_int_equal(sceau_store_meta_get(f->s, "x", b), 0);
	assert_int_equal(sceau_buf_len(b), 4);
	assert_memory_equal(sceau_buf_ptr(b), "abcd", 4);
	sceau_buf_reset(b);
	assert_int_equal(sceau_store_meta_set(f->s, "empty", "", 0), 0);
	assert_int_equal(sceau_store_meta_get(f->s, "empty", b), 0);
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
}

static int
count_cb(void *arg, uint64_t index, const uint8_t *env, size_t n,
    const uint8_t *id, size_t idn, uint64_t t)
{
	uint64_t *count = arg;

	(void)env;
	(void)id;
	(void)idn;
	assert_int_equal(n, 3);
	assert_int_equal(t, index * 10);
	(*count)++;
	return 0;
}

static void
test_certificates(void **state)
{
	struct fx *f = *state;
	struct sceau_buf *e = sceau_buf_new(), *i = sceau_buf_new();
	uint64_t last, t, count = 0;

	assert_int_equal(sceau_store_cert_last(f->s, &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(sceau_store_cert_put(
	                     f->s, 1, (const uint8_t *)"one", 3, NULL, 0, 10),
	    0);
	assert_int_equal(sceau_store_cert_put(f->s, 2, (const uint8_t *)"two",
	                     3, (const uint8_t *)"id", 2, 20),
	    0);
	/* An index is stored once. */
	assert_int_equal(sceau_store_cert_put(
	                     f->s, 2, (const uint8_t *)"xxx", 3, NULL, 0, 20),
	    SCEAU_ERR_STORE);
	assert_int_equal(sceau_store_cert_last(f->s, &last), 0);
	assert_int_equal(last, 2);
	assert_int_equal(sceau_store_cert_get(f->s, 2, e, i, &t), 0);
	assert_memory_equal(sceau_buf_ptr(e), "two", 3);
	assert_memory_equal(sceau_buf_ptr(i), "id", 2);
	assert_int_equal(t, 20);
	sceau_buf_reset(i);
	assert_int_equal(
	    sceau_store_cert_set_identity(f->s, 1, (const uint8_t *)"who", 3),
	    0);
	assert_int_equal(sceau_store_cert_get(f->s, 1, NULL, i, NULL), 0);
	assert_memory_equal(sceau_buf_ptr(i), "who", 3);
	assert_int_equal(
	    sceau_store_cert_get(f->s, 3, e, NULL, NULL), SCEAU_ERR_NOT_FOUND);
	assert_int_equal(
	    sceau_store_cert_foreach(f->s, 1, count_cb, &count), 0);
	assert_int_equal(count, 2);
	sceau_buf_free(e);
	sceau_buf_free(i);
}

static void
test_transactions(void **state)
{
	struct fx *f = *state;
	uint64_t last;

	assert_int_equal(sceau_store_begin(f->s), 0);
	assert_int_equal(sceau_store_begin(f->s), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_store_cert_put(
	                     f->s, 1, (const uint8_t *)"one", 3, NULL, 0, 1),
	    0);
	sceau_store_rollback(f->s);
	assert_int_equal(sceau_store_cert_last(f->s, &last), 0);
	assert_int_equal(last, 0);
	assert_int_equal(sceau_store_begin(f->s), 0);
	assert_int_equal(sceau_store_cert_put(
	                     f->s, 1, (const uint8_t *)"one", 3, NULL, 0, 1),
	    0);
	assert_int_equal(sceau_store_commit(f->s), 0);
	assert_int_equal(sceau_store_cert_last(f->s, &last), 0);
	assert_int_equal(last, 1);
	assert_int_equal(sceau_store_commit(f->s), SCEAU_ERR_INVALID_ARGUMENT);
}

static void
test_corrupt_file(void **state)
{
	struct fx *f = *state;
	struct sceau_store *s2;
	char path[160];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/garbage.db", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_true(fputs("this is not a database, not at all, really not; "
	                  "it has to be long enough for SQLite to read a "
	                  "header and notice",
	                fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(sceau_store_open(path, &s2), SCEAU_ERR_STORE_CORRUPT);
	assert_null(s2);
}

/* In memory: the same store, gone when closed, nothing in the folder. */
static void
test_memory(void **state)
{
	struct fx *f = *state;
	struct sceau_store *m, *m2;
	uint64_t last;
	char cmd[160], cwd[4096];

	/* From the test's folder: a file named ":memory:" would show. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(sceau_store_open_memory(&m), 0);
	assert_true(sceau_store_schema_version(m) >= 1);
	assert_int_equal(sceau_store_begin(m), 0);
	assert_int_equal(
	    sceau_store_cert_put(m, 1, (const uint8_t *)"one", 3, NULL, 0, 1),
	    0);
	assert_int_equal(sceau_store_commit(m), 0);
	assert_int_equal(sceau_store_cert_last(m, &last), 0);
	assert_int_equal(last, 1);
	/* Another one does not share it. */
	assert_int_equal(sceau_store_open_memory(&m2), 0);
	assert_int_equal(sceau_store_cert_last(m2, &last), 0);
	assert_int_equal(last, 0);
	sceau_store_close(m2);
	sceau_store_close(m);
	assert_int_equal(chdir(cwd), 0);
	/* The folder holds the file store (and its WAL) only. */
	(void)snprintf(
	    cmd, sizeof(cmd), "! ls -A '%s' | grep -qv '^store\\.db'", f->dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_created_private_and_migrated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_certificates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
