/*
 * test-histfile.c: history export lines (src/histfile.c): what the
 * writers produce reads back field for field; malformed lines are named
 * and the reading goes on after them; a line past the limit stops it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "histfile.h"
#include "testutil.h"

#define ORG "acme"
#define DEV "0123456789abcdef0123456789abcdef"

/* A reader over the bytes of b. */
static FILE *
open_buf(const struct sceau_buf *b)
{
	FILE *f = fmemopen(
	    (void *)(uintptr_t)sceau_buf_ptr(b), sceau_buf_len(b), "r");

	assert_non_null(f);
	return f;
}

static void
test_roundtrip(void **state)
{
	static const uint8_t env[] = {1, 2, 3, 0, 255}, id[] = {9, 8},
	                     blob[] = {7, 7, 7, 7}, der[] = {0x30, 0x03, 1};
	struct sceau_buf *b = sceau_buf_new();
	struct sceau_hist_reader *r;
	struct sceau_hist_item it;
	FILE *f;

	(void)state;
	assert_non_null(b);
	assert_int_equal(sceau_hist_line_header(b, ORG, DEV, 42), 0);
	assert_int_equal(
	    sceau_hist_line_cert(b, 100, env, sizeof(env), id, sizeof(id)), 0);
	assert_int_equal(
	    sceau_hist_line_cert(b, 101, env, sizeof(env), NULL, 0), 0);
	assert_int_equal(
	    sceau_hist_line_vlob(b, 5, 102, blob, sizeof(blob)), 0);
	assert_int_equal(
	    sceau_hist_line_der(b, SCEAU_HIST_CRL, der, sizeof(der)), 0);
	assert_int_equal(sceau_hist_line_vlob_b64(b, 6, 103, "BwcHBw==", 8), 0);
	assert_int_equal(sceau_hist_line_end(b, 2, 2), 0);
	f = open_buf(b);
	assert_int_equal(sceau_hist_reader_new(f, &r), 0);
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_HEADER);
	assert_string_equal(it.org_id, ORG);
	assert_string_equal(it.exported_by, DEV);
	assert_int_equal(it.exported_at, 42);
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_CERT);
	assert_int_equal(it.line, 2);
	assert_int_equal(it.server_time, 100);
	assert_int_equal(it.data_len, sizeof(env));
	assert_memory_equal(it.data, env, sizeof(env));
	assert_int_equal(it.identity_len, sizeof(id));
	assert_memory_equal(it.identity, id, sizeof(id));
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_null(it.identity);
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_VLOB);
	assert_int_equal(it.checkpoint, 5);
	assert_int_equal(it.server_time, 102);
	assert_memory_equal(it.data, blob, sizeof(blob));
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_CRL);
	assert_memory_equal(it.data, der, sizeof(der));
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_VLOB);
	assert_int_equal(it.checkpoint, 6);
	assert_memory_equal(it.data, blob, sizeof(blob));
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_END);
	assert_int_equal(it.n_certs, 2);
	assert_int_equal(it.n_vlobs, 2);
	assert_int_equal(sceau_hist_read(r, &it), 0);
	sceau_hist_reader_free(r);
	(void)fclose(f);
	sceau_buf_free(b);
}

static void
test_writer_refuses(void **state)
{
	struct sceau_buf *b = sceau_buf_new();

	(void)state;
	assert_non_null(b);
	assert_int_equal(sceau_hist_line_header(b, "no spaces", DEV, 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_hist_line_header(b, ORG, "\"quote", 1),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_hist_line_der(b, SCEAU_HIST_VLOB, NULL, 0),
	    SCEAU_ERR_INVALID_ARGUMENT);
	/* A server's blob that would end the line's string: refused. */
	assert_int_equal(sceau_hist_line_vlob_b64(b, 1, 1, "AA\"}", 4),
	    SCEAU_ERR_BAD_BASE64);
	assert_int_equal(sceau_buf_len(b), 0);
	sceau_buf_free(b);
}

static void
test_malformed(void **state)
{
	static const char text[] =
	    "{\"type\":\"header\",\"format\":\"sceau-history\",\"version\":1,"
	    "\"organization\":\"acme\",\"exported_by\":\"server\","
	    "\"exported_at\":1}\n"
	    "not json\n"
	    "{\"type\":\"bogus\"}\n"
	    "{\"type\":\"vlob\",\"checkpoint\":1,\"server_time\":2,"
	    "\"blob\":\"not base64!\"}\n"
	    "{\"type\":\"certificate\",\"server_time\":-1,"
	    "\"certificate\":\"AA==\"}\n"
	    "{\"type\":\"end\",\"certificates\":0,\"vlobs\":0}";
	struct sceau_buf *b = sceau_buf_new();
	struct sceau_hist_reader *r;
	struct sceau_hist_item it;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(b);
	assert_int_equal(sceau_buf_put(b, text, sizeof(text) - 1), 0);
	f = open_buf(b);
	assert_int_equal(sceau_hist_reader_new(f, &r), 0);
	assert_int_equal(sceau_hist_read(r, &it), 1);
	for (i = 2; i <= 5; i++) {
		assert_int_equal(
		    sceau_hist_read(r, &it), SCEAU_ERR_INVALID_FORMAT);
		assert_int_equal(it.line, i);
	}
	/* The last line has no newline: it still counts. */
	assert_int_equal(sceau_hist_read(r, &it), 1);
	assert_int_equal(it.type, SCEAU_HIST_END);
	assert_int_equal(sceau_hist_read(r, &it), 0);
	sceau_hist_reader_free(r);
	(void)fclose(f);
	sceau_buf_free(b);
}

static void
test_too_long(void **state)
{
	struct sceau_buf *b = sceau_buf_new();
	struct sceau_hist_reader *r;
	struct sceau_hist_item it;
	uint8_t *p;
	FILE *f;

	(void)state;
	assert_non_null(b);
	assert_int_equal(
	    sceau_buf_set_max_size(b, SCEAU_HIST_LINE_MAX + 16), 0);
	assert_int_equal(sceau_buf_reserve(b, SCEAU_HIST_LINE_MAX + 2, &p), 0);
	memset(p, 'x', SCEAU_HIST_LINE_MAX + 1);
	p[SCEAU_HIST_LINE_MAX + 1] = '\n';
	f = open_buf(b);
	assert_int_equal(sceau_hist_reader_new(f, &r), 0);
	assert_int_equal(sceau_hist_read(r, &it), SCEAU_ERR_LIMIT_EXCEEDED);
	sceau_hist_reader_free(r);
	(void)fclose(f);
	/* At the limit exactly: read (then refused as JSON). */
	sceau_buf_reset(b);
	assert_int_equal(sceau_buf_reserve(b, SCEAU_HIST_LINE_MAX + 1, &p), 0);
	memset(p, 'x', SCEAU_HIST_LINE_MAX);
	p[SCEAU_HIST_LINE_MAX] = '\n';
	f = open_buf(b);
	assert_int_equal(sceau_hist_reader_new(f, &r), 0);
	assert_int_equal(sceau_hist_read(r, &it), SCEAU_ERR_INVALID_FORMAT);
	assert_int_equal(sceau_hist_read(r, &it), 0);
	sceau_hist_reader_free(r);
	(void)fclose(f);
	sceau_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_writer_refuses),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_too_long),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("histfile", tests, NULL, NULL);
}
