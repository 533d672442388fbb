/*
 * test-json.c: the limits of sceau_json_parse, every getter's refusals, the
 * canonical dump, the builders, and allocation failures (json.c gives
 * jansson libsceau's allocator, so the torture reaches inside jansson).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "json.h"

static int
parse_lim(const char *s, size_t n, const struct sceau_json_limits *lim)
{
	json_t *j = (json_t *)1;
	int r;

	r = sceau_json_parse(s, n, lim, &j);
	if (r == 0)
		assert_non_null(j);
	else
		assert_null(j);
	json_decref(j);
	return r;
}

/* Parses a string literal (its length taken with sizeof: NULs count). */
#define PARSE(s, lim) parse_lim((s), sizeof(s) - 1, (lim))

/* n levels of nested arrays around a 1. */
static char *
nested(unsigned n)
{
	struct sceau_buf *b;
	unsigned i;
	char *s;

	assert_non_null(b = sceau_buf_new());
	for (i = 0; i < n; i++)
		assert_int_equal(sceau_buf_put(b, "[", 1), 0);
	assert_int_equal(sceau_buf_put(b, "1", 1), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(sceau_buf_put(b, "]", 1), 0);
	assert_non_null(s = sceau_buf_dup_cstring(b));
	sceau_buf_free(b);
	return s;
}

static void
test_parse_ok(void **state)
{
	struct sceau_buf *b;
	json_t *j;

	(void)state;
	assert_int_equal(PARSE("{}", NULL), 0);
	assert_int_equal(PARSE("[]", NULL), 0);
	assert_int_equal(
	    PARSE(" {\"a\": [1, 2.5, \"x\", true, null]}\n", NULL), 0);
	assert_int_equal(PARSE("{\"\\u00e9t\\u00e9\":\"\xc3\xa9\"}", NULL), 0);
	assert_non_null(b = sceau_buf_from("{\"k\":1}", 7));
	assert_int_equal(sceau_json_parse_buf(b, NULL, &j), 0);
	assert_true(json_is_object(j));
	/* Parsing does not consume. */
	assert_int_equal(sceau_buf_len(b), 7);
	json_decref(j);
	sceau_buf_free(b);
}

static void
test_parse_size(void **state)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;

	(void)state;
	lim.max_bytes = 7;
	assert_int_equal(PARSE("{\"a\":1}", &lim), 0);
	assert_int_equal(PARSE("{\"a\":12}", &lim), SCEAU_ERR_JSON_TOO_LARGE);
	assert_true(strstr(sceau_last_message(), "8 bytes") != NULL);
	lim.max_bytes = 0;
	assert_int_equal(PARSE("{}", &lim), SCEAU_ERR_JSON_TOO_LARGE);
}

static void
test_parse_depth(void **state)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;
	char *s;

	(void)state;
	lim.max_depth = 3;
	assert_int_equal(PARSE("[[[1]]]", &lim), 0);
	assert_int_equal(PARSE("[[[[1]]]]", &lim), SCEAU_ERR_JSON_TOO_DEEP);
	assert_int_equal(
	    PARSE("{\"a\":{\"b\":[{}]}}", &lim), SCEAU_ERR_JSON_TOO_DEEP);
	assert_int_equal(PARSE("{\"a\":{\"b\":[1]},\"c\":[[2]]}", &lim), 0);
	/* The deep branch may come after shallow ones. */
	assert_int_equal(
	    PARSE("[1,[2],[[3]],[[[4]]]]", &lim), SCEAU_ERR_JSON_TOO_DEEP);
	lim.max_depth = 1;
	assert_int_equal(PARSE("{\"a\":1,\"b\":\"[[[\"}", &lim), 0);
	assert_int_equal(PARSE("{\"a\":[]}", &lim), SCEAU_ERR_JSON_TOO_DEEP);

	/* The default limit, exactly and one more. */
	s = nested(16);
	assert_int_equal(parse_lim(s, strlen(s), NULL), 0);
	sceau_free(s);
	s = nested(17);
	assert_int_equal(
	    parse_lim(s, strlen(s), NULL), SCEAU_ERR_JSON_TOO_DEEP);
	sceau_free(s);
	/* Deeper than jansson goes: still "too deep", not a syntax error. */
	s = nested(5000);
	assert_int_equal(
	    parse_lim(s, strlen(s), NULL), SCEAU_ERR_JSON_TOO_DEEP);
	sceau_free(s);
}

static void
test_parse_strings(void **state)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;

	(void)state;
	lim.max_string = 5;
	assert_int_equal(PARSE("[\"abcde\"]", &lim), 0);
	assert_int_equal(PARSE("[\"abcdef\"]", &lim), SCEAU_ERR_LIMIT_EXCEEDED);
	assert_int_equal(PARSE("{\"abcde\":\"\"}", &lim), 0);
	assert_int_equal(
	    PARSE("{\"abcdef\":\"\"}", &lim), SCEAU_ERR_LIMIT_EXCEEDED);
	assert_true(strstr(sceau_last_message(), "key") != NULL);
	/* Bytes after unescaping: each \u00e9 is two bytes of UTF-8. */
	assert_int_equal(PARSE("[\"\\u00e9\\u00e9a\"]", &lim), 0);
	assert_int_equal(PARSE("[\"\\u00e9\\u00e9\\u00e9\"]", &lim),
	    SCEAU_ERR_LIMIT_EXCEEDED);
	lim.max_string = 0;
	assert_int_equal(PARSE("{\"\":\"\"}", &lim), 0);
	assert_int_equal(PARSE("[\"a\"]", &lim), SCEAU_ERR_LIMIT_EXCEEDED);
}

static void
test_parse_nodes(void **state)
{
	struct sceau_json_limits lim = SCEAU_JSON_LIMITS_DEFAULT;

	(void)state;
	lim.max_nodes = 4;
	assert_int_equal(PARSE("[1,2,3]", &lim), 0);
	assert_int_equal(PARSE("[1,2,3,4]", &lim), SCEAU_ERR_LIMIT_EXCEEDED);
	assert_int_equal(PARSE("{\"a\":{\"b\":[]}}", &lim), 0);
	assert_int_equal(PARSE("{\"a\":{\"b\":[null,null]}}", &lim),
	    SCEAU_ERR_LIMIT_EXCEEDED);
	lim.max_nodes = 1;
	assert_int_equal(PARSE("{}", &lim), 0);
	assert_int_equal(PARSE("[[]]", &lim), SCEAU_ERR_LIMIT_EXCEEDED);
}

static void
test_parse_refusals(void **state)
{
	(void)state;
	/* Duplicate keys, at the top and deeper. */
	assert_int_equal(
	    PARSE("{\"a\":1,\"a\":2}", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_true(strstr(sceau_last_message(), "duplicate") != NULL);
	assert_int_equal(PARSE("[{\"x\":{\"a\":1,\"b\":2,\"a\":1}}]", NULL),
	    SCEAU_ERR_JSON_SYNTAX);
	/* "\u00e9" and "é" are the same key. */
	assert_int_equal(PARSE("{\"\\u00e9\":1,\"\xc3\xa9\":2}", NULL),
	    SCEAU_ERR_JSON_SYNTAX);
	/* Trailing data. */
	assert_int_equal(PARSE("{} x", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("{}{}", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("[1]]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("{}\0", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("{} \n\t", NULL), 0);
	/* NUL, escaped or raw, in values and keys. */
	assert_int_equal(
	    PARSE("{\"a\":\"\\u0000\"}", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(
	    PARSE("{\"a\\u0000b\":1}", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(
	    PARSE("{\"a\":\"x\0y\"}", NULL), SCEAU_ERR_JSON_SYNTAX);
	/* Invalid UTF-8: bad continuation, overlong, surrogate, 0xff. */
	assert_int_equal(PARSE("[\"\xc3\x28\"]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("[\"\xc0\xaf\"]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(
	    PARSE("[\"\xed\xa0\x80\"]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("[\"\xff\"]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("{\"\xe9\":1}", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("[\"\\ud800\"]", NULL), SCEAU_ERR_JSON_SYNTAX);
	/* Not a document: empty, scalar, truncated. */
	assert_int_equal(PARSE("", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(parse_lim(NULL, 0, NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("1", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("\"x\"", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("null", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("{\"a\":", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("[1,]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(PARSE("[1e999]", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_int_equal(
	    PARSE("[99999999999999999999]", NULL), SCEAU_ERR_JSON_SYNTAX);
	/* Messages give the place, never the input. */
	assert_int_equal(
	    PARSE("{\"secret\":tru}", NULL), SCEAU_ERR_JSON_SYNTAX);
	assert_true(strstr(sceau_last_message(), "line 1") != NULL);
	assert_null(strstr(sceau_last_message(), "secret"));
}

/* The document the getters are tried on. */
static const char getter_doc[] =
    "{\"s\":\"hello\",\"i\":42,\"neg\":-5,\"t\":true,\"f\":false,"
    "\"n\":null,\"r\":1.5,\"a\":[1,2,3],\"o\":{\"x\":1},"
    "\"k\":\"Zm9vYmFy\",\"ku\":\"Zm9vYmE\",\"bad\":\"Zh==\","
    "\"big\":9223372036854775807}";

static int
getter_setup(void **state)
{
	json_t *j;

	if (sceau_json_parse(getter_doc, sizeof(getter_doc) - 1, NULL, &j) != 0)
		return -1;
	*state = j;
	return 0;
}

static int
getter_teardown(void **state)
{
	json_decref(*state);
	return 0;
}

/* Asserts r and that the message names the field. */
static void
assert_refused(int r, int want, const char *key)
{
	char field[64];

	assert_int_equal(r, want);
	(void)snprintf(field, sizeof(field), "field \"%s\"", key);
	assert_non_null(strstr(sceau_last_message(), field));
}

static void
test_get_string(void **state)
{
	const json_t *o = *state;
	const char *s = "default";
	json_t *t;

	assert_int_equal(sceau_json_get_string(o, "s", 5, &s), 0);
	assert_string_equal(s, "hello");
	assert_refused(
	    sceau_json_get_string(o, "s", 4, &s), SCEAU_ERR_JSON_VALUE, "s");
	assert_null(s);
	assert_refused(sceau_json_get_string(o, "zz", 10, &s),
	    SCEAU_ERR_JSON_MISSING, "zz");
	assert_refused(
	    sceau_json_get_string(o, "i", 10, &s), SCEAU_ERR_JSON_TYPE, "i");
	assert_refused(
	    sceau_json_get_string(o, "n", 10, &s), SCEAU_ERR_JSON_TYPE, "n");

	s = "default";
	assert_int_equal(sceau_json_get_string_opt(o, "zz", 10, &s), 0);
	assert_string_equal(s, "default");
	assert_int_equal(sceau_json_get_string_opt(o, "s", 10, &s), 0);
	assert_string_equal(s, "hello");
	assert_refused(sceau_json_get_string_opt(o, "a", 10, &s),
	    SCEAU_ERR_JSON_TYPE, "a");
	assert_refused(sceau_json_get_string_opt(o, "s", 1, &s),
	    SCEAU_ERR_JSON_VALUE, "s");

	/* A built tree can hold a NUL that a C string would hide. */
	assert_non_null(t = json_object());
	assert_int_equal(
	    json_object_set_new(t, "z", json_stringn("a\0b", 3)), 0);
	assert_refused(
	    sceau_json_get_string(t, "z", 10, &s), SCEAU_ERR_JSON_VALUE, "z");
	json_decref(t);
}

static void
test_get_choice(void **state)
{
	static const char *const one[] = {"hello", NULL};
	static const char *const three[] = {"a", "b", "c", NULL};
	const json_t *o = *state;
	size_t i = 7;

	assert_int_equal(sceau_json_get_choice(o, "s", one, &i), 0);
	assert_int_equal(i, 0);
	assert_refused(sceau_json_get_choice(o, "s", three, &i),
	    SCEAU_ERR_JSON_VALUE, "s");
	assert_non_null(strstr(sceau_last_message(), "\"a\", \"b\" or \"c\""));
	assert_int_equal(i, 0);
	assert_refused(sceau_json_get_choice(o, "zz", three, &i),
	    SCEAU_ERR_JSON_MISSING, "zz");
	assert_refused(
	    sceau_json_get_choice(o, "i", three, &i), SCEAU_ERR_JSON_TYPE, "i");
}

static void
test_get_int(void **state)
{
	const json_t *o = *state;
	int64_t v = 7;

	assert_int_equal(sceau_json_get_int(o, "i", 42, 42, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(sceau_json_get_int(o, "neg", -5, 0, &v), 0);
	assert_true(v == -5);
	assert_refused(
	    sceau_json_get_int(o, "i", 0, 41, &v), SCEAU_ERR_JSON_VALUE, "i");
	assert_int_equal(v, 0);
	assert_refused(
	    sceau_json_get_int(o, "i", 43, 100, &v), SCEAU_ERR_JSON_VALUE, "i");
	assert_refused(sceau_json_get_int(o, "neg", -4, 10, &v),
	    SCEAU_ERR_JSON_VALUE, "neg");
	assert_refused(
	    sceau_json_get_int(o, "r", 0, 10, &v), SCEAU_ERR_JSON_TYPE, "r");
	assert_refused(
	    sceau_json_get_int(o, "s", 0, 10, &v), SCEAU_ERR_JSON_TYPE, "s");
	assert_refused(
	    sceau_json_get_int(o, "t", 0, 10, &v), SCEAU_ERR_JSON_TYPE, "t");
	assert_refused(sceau_json_get_int(o, "zz", 0, 10, &v),
	    SCEAU_ERR_JSON_MISSING, "zz");
	assert_int_equal(
	    sceau_json_get_int(o, "big", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(
	    sceau_json_get_int(o, "i", 10, 0, &v), SCEAU_ERR_INVALID_ARGUMENT);

	v = 7;
	assert_int_equal(sceau_json_get_int_opt(o, "zz", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(sceau_json_get_int_opt(o, "i", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_refused(sceau_json_get_int_opt(o, "i", 0, 10, &v),
	    SCEAU_ERR_JSON_VALUE, "i");
	assert_refused(sceau_json_get_int_opt(o, "n", 0, 10, &v),
	    SCEAU_ERR_JSON_TYPE, "n");
}

static void
test_get_bool(void **state)
{
	const json_t *o = *state;
	int v = 5;

	assert_int_equal(sceau_json_get_bool(o, "t", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sceau_json_get_bool(o, "f", &v), 0);
	assert_int_equal(v, 0);
	assert_refused(
	    sceau_json_get_bool(o, "i", &v), SCEAU_ERR_JSON_TYPE, "i");
	assert_refused(
	    sceau_json_get_bool(o, "n", &v), SCEAU_ERR_JSON_TYPE, "n");
	assert_refused(
	    sceau_json_get_bool(o, "zz", &v), SCEAU_ERR_JSON_MISSING, "zz");
	v = 5;
	assert_int_equal(sceau_json_get_bool_opt(o, "zz", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(sceau_json_get_bool_opt(o, "t", &v), 0);
	assert_int_equal(v, 1);
	assert_refused(
	    sceau_json_get_bool_opt(o, "s", &v), SCEAU_ERR_JSON_TYPE, "s");
}

static void
test_get_containers(void **state)
{
	const json_t *o = *state;
	json_t *v;

	assert_int_equal(sceau_json_get_array(o, "a", 3, &v), 0);
	assert_int_equal(json_array_size(v), 3);
	assert_refused(
	    sceau_json_get_array(o, "a", 2, &v), SCEAU_ERR_JSON_VALUE, "a");
	assert_null(v);
	assert_refused(
	    sceau_json_get_array(o, "o", 10, &v), SCEAU_ERR_JSON_TYPE, "o");
	assert_refused(sceau_json_get_array(o, "zz", 10, &v),
	    SCEAU_ERR_JSON_MISSING, "zz");
	assert_int_equal(sceau_json_get_object(o, "o", &v), 0);
	assert_true(json_is_object(v));
	assert_refused(
	    sceau_json_get_object(o, "a", &v), SCEAU_ERR_JSON_TYPE, "a");
	assert_refused(
	    sceau_json_get_object(o, "zz", &v), SCEAU_ERR_JSON_MISSING, "zz");
	/* A field looked up in something that is not an object. */
	assert_int_equal(sceau_json_get_array(o, "a", 3, &v), 0);
	assert_refused(
	    sceau_json_get_object(v, "x", &v), SCEAU_ERR_JSON_TYPE, "x");
}

static void
test_get_b64(void **state)
{
	const json_t *o = *state;
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_put(b, "<", 1), 0);
	assert_int_equal(sceau_json_get_b64(o, "k", SCEAU_B64_STD, 6, b), 0);
	assert_int_equal(sceau_buf_cmp(b, 0, "<foobar", 7), 0);
	assert_int_equal(sceau_json_get_b64(o, "ku", SCEAU_B64_URL, 5, b), 0);
	assert_int_equal(sceau_buf_cmp(b, 0, "<foobarfooba", 12), 0);
	/* Too long: by the text's length, or only once decoded. */
	assert_refused(sceau_json_get_b64(o, "k", SCEAU_B64_STD, 2, b),
	    SCEAU_ERR_JSON_VALUE, "k");
	assert_refused(sceau_json_get_b64(o, "k", SCEAU_B64_STD, 5, b),
	    SCEAU_ERR_JSON_VALUE, "k");
	assert_refused(sceau_json_get_b64(o, "bad", SCEAU_B64_STD, 10, b),
	    SCEAU_ERR_BAD_BASE64, "bad");
	assert_non_null(strstr(sceau_last_message(), "trailing bits"));
	assert_refused(sceau_json_get_b64(o, "ku", SCEAU_B64_STD, 10, b),
	    SCEAU_ERR_BAD_BASE64, "ku");
	assert_refused(sceau_json_get_b64(o, "i", SCEAU_B64_STD, 10, b),
	    SCEAU_ERR_JSON_TYPE, "i");
	assert_refused(sceau_json_get_b64(o, "zz", SCEAU_B64_STD, 10, b),
	    SCEAU_ERR_JSON_MISSING, "zz");
	/* Refusals leave the buffer as it was. */
	assert_int_equal(sceau_buf_len(b), 12);
	sceau_buf_free(b);
	/* The output buffer's own refusal is named, not a stale message. */
	assert_non_null(b = sceau_buf_from("ro", 2));
	sceau_message("stale");
	assert_refused(sceau_json_get_b64(o, "k", SCEAU_B64_STD, 6, b),
	    SCEAU_ERR_BUFFER_READ_ONLY, "k");
	assert_null(strstr(sceau_last_message(), "stale"));
	sceau_buf_free(b);
}

static void
test_get_b64_fixed(void **state)
{
	const json_t *o = *state;
	uint8_t out[6];

	assert_int_equal(
	    sceau_json_get_b64_fixed(o, "k", SCEAU_B64_STD, out, 6), 0);
	assert_memory_equal(out, "foobar", 6);
	/* Length mismatch, as text or as bytes: the output is zeroed. */
	assert_refused(sceau_json_get_b64_fixed(o, "k", SCEAU_B64_STD, out, 3),
	    SCEAU_ERR_JSON_VALUE, "k");
	assert_memory_equal(out, "\0\0\0", 3);
	memset(out, 0xaa, sizeof(out));
	assert_refused(sceau_json_get_b64_fixed(o, "k", SCEAU_B64_STD, out, 5),
	    SCEAU_ERR_BAD_BASE64, "k");
	assert_memory_equal(out, "\0\0\0\0\0", 5);
	assert_refused(sceau_json_get_b64_fixed(o, "k", SCEAU_B64_URL, out, 5),
	    SCEAU_ERR_JSON_VALUE, "k");
	assert_int_equal(
	    sceau_json_get_b64_fixed(o, "ku", SCEAU_B64_URL, out, 5), 0);
	assert_memory_equal(out, "fooba", 5);
	assert_refused(
	    sceau_json_get_b64_fixed(o, "bad", SCEAU_B64_STD, out, 1),
	    SCEAU_ERR_BAD_BASE64, "bad");
	assert_refused(sceau_json_get_b64_fixed(o, "a", SCEAU_B64_STD, out, 1),
	    SCEAU_ERR_JSON_TYPE, "a");
	assert_refused(sceau_json_get_b64_fixed(o, "zz", SCEAU_B64_STD, out, 1),
	    SCEAU_ERR_JSON_MISSING, "zz");
}

static void
assert_dump(const json_t *j, const char *want)
{
	struct sceau_buf *b;

	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_json_dump(j, b), 0);
	assert_int_equal(sceau_buf_len(b), strlen(want));
	assert_memory_equal(sceau_buf_ptr(b), want, strlen(want));
	sceau_buf_free(b);
}

static void
test_dump(void **state)
{
	static const char in[] =
	    "{ \"b\" : 1, \"a\": [true, null, \"x\\/\"],"
	    " \"c\": {\"z\": 1, \"y\": {\"\xc3\xa9\": 2, \"e\": 0.5}}}";
	struct sceau_buf *b;
	json_t *j, *k;

	(void)state;
	assert_int_equal(sceau_json_parse(in, sizeof(in) - 1, NULL, &j), 0);
	assert_dump(j,
	    "{\"a\":[true,null,\"x/\"],\"b\":1,"
	    "\"c\":{\"y\":{\"e\":0.5,\"\xc3\xa9\":2},\"z\":1}}");
	/* Appends, and re-parses to a tree that dumps the same. */
	assert_non_null(b = sceau_buf_new());
	assert_int_equal(sceau_buf_put(b, "x", 1), 0);
	assert_int_equal(sceau_json_dump(j, b), 0);
	assert_int_equal(sceau_buf_consume(b, 1), 0);
	assert_int_equal(sceau_json_parse_buf(b, NULL, &k), 0);
	assert_true(json_equal(j, k));
	json_decref(k);
	/* A full buffer is refused and left as it was. */
	sceau_buf_reset(b);
	assert_int_equal(sceau_buf_set_max_size(b, 10), 0);
	assert_int_equal(sceau_buf_put(b, "x", 1), 0);
	assert_int_equal(sceau_json_dump(j, b), SCEAU_ERR_BUFFER_TOO_LARGE);
	assert_int_equal(sceau_buf_len(b), 1);
	json_decref(j);
	/* Only documents: a scalar is refused. */
	assert_non_null(j = json_integer(1));
	assert_int_equal(sceau_json_dump(j, b), SCEAU_ERR_INVALID_ARGUMENT);
	json_decref(j);
	assert_non_null(j = json_array());
	assert_dump(j, "[]");
	/* A tree broken by its builder: a cycle, then invalid UTF-8. */
	assert_non_null(k = json_array());
	assert_int_equal(json_array_append(j, k), 0);
	assert_int_equal(json_array_append(k, j), 0);
	assert_int_equal(sceau_json_dump(j, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(json_array_clear(k), 0);
	json_decref(k);
	assert_int_equal(json_array_clear(j), 0);
	assert_int_equal(
	    json_array_append_new(j, json_string_nocheck("\xff")), 0);
	assert_int_equal(sceau_json_dump(j, b), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_buf_len(b), 1);
	json_decref(j);
	sceau_buf_free(b);
}

static void
test_builders(void **state)
{
	json_t *o, *a;

	(void)state;
	assert_non_null(o = json_object());
	assert_int_equal(sceau_json_set_string(o, "s", "\xc3\xa9t\xc3\xa9"), 0);
	assert_int_equal(sceau_json_set_int(o, "i", INT64_MIN), 0);
	assert_int_equal(sceau_json_set_bool(o, "t", 7), 0);
	assert_int_equal(sceau_json_set_bool(o, "f", 0), 0);
	assert_int_equal(
	    sceau_json_set_b64(o, "k", "foobar", 6, SCEAU_B64_STD), 0);
	assert_int_equal(
	    sceau_json_set_b64(o, "u", "\xfb\xff", 2, SCEAU_B64_URL), 0);
	assert_int_equal(sceau_json_set_b64(o, "e", NULL, 0, SCEAU_B64_URL), 0);
	assert_int_equal(
	    sceau_json_set_string(o, "emoji", "\xf0\x9f\x94\x92"), 0);
	/* Setting a key again replaces it. */
	assert_int_equal(sceau_json_set_int(o, "i", -1), 0);
	assert_dump(o,
	    "{\"e\":\"\",\"emoji\":\"\xf0\x9f\x94\x92\",\"f\":false,"
	    "\"i\":-1,\"k\":\"Zm9vYmFy\",\"s\":\"\xc3\xa9t\xc3\xa9\","
	    "\"t\":true,\"u\":\"-_8\"}");

	/* Invalid UTF-8 in a key or a value, overlong, surrogate, too high. */
	assert_int_equal(sceau_json_set_string(o, "x", "\xc3\x28"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_json_set_string(o, "x", "\xc0\xaf"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_json_set_string(o, "x", "\xe0\x80\xaf"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_json_set_string(o, "x", "\xed\xa0\x80"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_json_set_string(o, "x", "\xf4\x90\x80\x80"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(sceau_json_set_string(o, "x", "\xe2\x82"),
	    SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_json_set_int(o, "\xff", 1), SCEAU_ERR_INVALID_ARGUMENT);
	assert_null(json_object_get(o, "x"));
	/* Only objects take fields. */
	assert_non_null(a = json_array());
	assert_int_equal(
	    sceau_json_set_int(a, "i", 1), SCEAU_ERR_INVALID_ARGUMENT);
	assert_int_equal(
	    sceau_json_set_string(o, "x", NULL), SCEAU_ERR_INVALID_ARGUMENT);
	json_decref(a);
	json_decref(o);
}

/* Allocation-failure torture: see test-encoding.c. */
static const char torture_doc[] =
    "{\"name\":\"a fairly long string so that buffers grow\",\"list\":"
    "[1,2,3,{\"x\":[true,false,null]},\"\\u00e9\"],\"key\":\"Zm9vYmFy\","
    "\"n\":{\"a\":{\"b\":{\"c\":1.25}}},\"z\":-7}";

static int
torture_parse_dump(int *called)
{
	struct sceau_buf *b = NULL;
	json_t *j = NULL;
	size_t want = 0; /* what b holds if the next step fails */
	int r;

	*called = 1;
	if ((r = sceau_json_parse(
	         torture_doc, sizeof(torture_doc) - 1, NULL, &j)) != 0)
		goto out;
	if ((b = sceau_buf_new()) == NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = sceau_json_get_b64(j, "key", SCEAU_B64_STD, 6, b)) != 0)
		goto out;
	want = 6;
	if ((r = sceau_json_set_b64(j, "key2", "foobar", 6, SCEAU_B64_URL)) !=
	        0 ||
	    (r = sceau_json_set_string(j, "s", "x")) != 0 ||
	    (r = sceau_json_dump(j, b)) != 0)
		goto out;
	r = 0;
out:
	/* Failures leave no partial output behind. */
	if (r != 0 && b != NULL)
		assert_int_equal(sceau_buf_len(b), want);
	sceau_buf_free(b);
	json_decref(j);
	return r;
}

static void
test_alloc_torture(void **state)
{
	int called = 0;
	long n;
	int r;

	(void)state;
	for (n = 0;; n++) {
		assert_true(n < 1000);
		sceau_alloc_fail_after(n);
		r = torture_parse_dump(&called);
		sceau_alloc_fail_after(-1);
		if (r == 0)
			break;
		assert_int_equal(r, SCEAU_ERR_ALLOC);
	}
	assert_true(called && n > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ok),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_depth),
	    cmocka_unit_test(test_parse_strings),
	    cmocka_unit_test(test_parse_nodes),
	    cmocka_unit_test(test_parse_refusals),
	    cmocka_unit_test_setup_teardown(
	        test_get_string, getter_setup, getter_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_get_choice, getter_setup, getter_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_get_int, getter_setup, getter_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_get_bool, getter_setup, getter_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_get_containers, getter_setup, getter_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_get_b64, getter_setup, getter_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_get_b64_fixed, getter_setup, getter_teardown),
	    cmocka_unit_test(test_dump),
	    cmocka_unit_test(test_builders),
	    cmocka_unit_test(test_alloc_torture),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
