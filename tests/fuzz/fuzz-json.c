/*
 * fuzz-json.c: sceau_json_parse with tight limits, then every getter on
 * every field, then the canonical dump.
 *
 * Properties: a refusal is one of the documented codes and yields no tree;
 * an accepted document dumps, the dump parses under the same limits (size
 * aside: "1e2" grows to "100.0") to an equal tree, and dumping that tree
 * gives the same bytes; each getter agrees with the field's jansson type.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "encoding.h"
#include "errors.h"
#include "fuzz.h"
#include "json.h"

static const struct sceau_json_limits fuzz_limits = {65536, 8, 256, 2048};

/* Fields looked at per object: enough to reach all of a corpus file. */
#define FUZZ_MAX_FIELDS 64

static void
fuzz_get_string(const json_t *o, const char *key, const json_t *v)
{
	const char *s = "default";
	size_t len;
	int r;

	r = sceau_json_get_string(o, key, 16, &s);
	if (!json_is_string(v)) {
		fuzz_assert(r == SCEAU_ERR_JSON_TYPE && s == NULL);
		fuzz_assert(sceau_json_get_string_opt(o, key, 16, &s) ==
		    SCEAU_ERR_JSON_TYPE);
		return;
	}
	len = json_string_length(v);
	fuzz_assert((r == 0) == (len <= 16));
	fuzz_assert(r == 0 || r == SCEAU_ERR_JSON_VALUE);
	if (r == 0)
		fuzz_assert(strlen(s) == len);
	fuzz_assert(sceau_json_get_string_opt(o, key, SIZE_MAX, &s) == 0);
}

static void
fuzz_get_int(const json_t *o, const char *key, const json_t *v)
{
	int64_t x = 7;
	int r;

	r = sceau_json_get_int(o, key, -1000, 1000, &x);
	if (!json_is_integer(v)) {
		fuzz_assert(r == SCEAU_ERR_JSON_TYPE && x == 0);
		return;
	}
	if (json_integer_value(v) >= -1000 && json_integer_value(v) <= 1000)
		fuzz_assert(r == 0 && x == json_integer_value(v));
	else
		fuzz_assert(r == SCEAU_ERR_JSON_VALUE);
	fuzz_assert(
	    sceau_json_get_int_opt(o, key, INT64_MIN, INT64_MAX, &x) == 0);
	fuzz_assert(x == json_integer_value(v));
}

static void
fuzz_get_other(const json_t *o, const char *key, const json_t *v)
{
	json_t *c;
	int b = 5, r;

	r = sceau_json_get_bool(o, key, &b);
	fuzz_assert(json_is_boolean(v) ? r == 0 && b == json_is_true(v)
	                               : r == SCEAU_ERR_JSON_TYPE);
	r = sceau_json_get_bool_opt(o, key, &b);
	fuzz_assert((r == 0) == (json_is_boolean(v) != 0));
	r = sceau_json_get_array(o, key, 4, &c);
	if (!json_is_array(v))
		fuzz_assert(r == SCEAU_ERR_JSON_TYPE && c == NULL);
	else
		fuzz_assert(json_array_size(v) <= 4
		        ? r == 0 && c == v
		        : r == SCEAU_ERR_JSON_VALUE);
	r = sceau_json_get_object(o, key, &c);
	fuzz_assert(
	    json_is_object(v) ? r == 0 && c == v : r == SCEAU_ERR_JSON_TYPE);
}

/* A base64 field that decodes must re-encode to the same text. */
static void
fuzz_get_b64(const json_t *o, const char *key, const json_t *v)
{
	enum sceau_b64_variant var;
	struct sceau_buf *b, *e;
	uint8_t fixed[32];
	int r, i;

	if ((b = sceau_buf_new()) == NULL || (e = sceau_buf_new()) == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		var = i == 0 ? SCEAU_B64_STD : SCEAU_B64_URL;
		sceau_buf_reset(b);
		sceau_buf_reset(e);
		r = sceau_json_get_b64(o, key, var, 1024, b);
		if (!json_is_string(v)) {
			fuzz_assert(r == SCEAU_ERR_JSON_TYPE);
			continue;
		}
		if (r != 0) {
			fuzz_assert(sceau_buf_len(b) == 0);
			continue;
		}
		fuzz_assert(sceau_enc_b64_put(e, sceau_buf_ptr(b),
		                sceau_buf_len(b), var) == 0);
		fuzz_assert(sceau_buf_cmp(e, 0, json_string_value(v),
		                json_string_length(v)) == 0);
		if (sceau_buf_len(b) <= sizeof(fixed)) {
			fuzz_assert(sceau_json_get_b64_fixed(o, key, var, fixed,
			                sceau_buf_len(b)) == 0);
			fuzz_assert(
			    sceau_buf_cmp(b, 0, fixed, sceau_buf_len(b)) == 0);
		}
	}
	sceau_buf_free(b);
	sceau_buf_free(e);
}

static void
fuzz_getters(const json_t *j)
{
	const char *key, *s = "default";
	unsigned int n = 0;
	int64_t x = 7;
	json_t *v;

	if (!json_is_object(j)) {
		fuzz_assert(sceau_json_get_string(j, "a", 10, &s) ==
		    SCEAU_ERR_JSON_TYPE);
		return;
	}
	/* A key no document holds: NUL is refused by the parser. */
	fuzz_assert(
	    sceau_json_get_int(j, "\x01", 0, 1, &x) == SCEAU_ERR_JSON_MISSING);
	fuzz_assert(sceau_json_get_int_opt(j, "\x01", 0, 1, &x) == 0);
	fuzz_assert(x == 0);
	json_object_foreach((json_t *)j, key, v)
	{
		if (n++ == FUZZ_MAX_FIELDS)
			break;
		fuzz_get_string(j, key, v);
		fuzz_get_int(j, key, v);
		fuzz_get_other(j, key, v);
		fuzz_get_b64(j, key, v);
		/* Each object is visited once: the node limit bounds this. */
		if (json_is_object(v))
			fuzz_getters(v);
	}
}

/* Dump, parse the dump, dump again: same tree, same bytes. */
static void
fuzz_dump(const json_t *j)
{
	struct sceau_json_limits lim = fuzz_limits;
	struct sceau_buf *d1, *d2;
	json_t *k = NULL;

	if ((d1 = sceau_buf_new()) == NULL || (d2 = sceau_buf_new()) == NULL)
		abort();
	fuzz_assert(sceau_json_dump(j, d1) == 0);
	lim.max_bytes = SCEAU_BUF_SIZE_MAX;
	fuzz_assert(sceau_json_parse_buf(d1, &lim, &k) == 0);
	fuzz_assert(json_equal(j, k));
	fuzz_assert(sceau_json_dump(k, d2) == 0);
	fuzz_assert(sceau_buf_equals(d1, d2) == 0);
	json_decref(k);
	sceau_buf_free(d1);
	sceau_buf_free(d2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = (json_t *)1;
	int r;

	r = sceau_json_parse(data, size, &fuzz_limits, &j);
	if (r != 0) {
		fuzz_assert(j == NULL);
		fuzz_assert(r == SCEAU_ERR_JSON_SYNTAX ||
		    r == SCEAU_ERR_JSON_TOO_DEEP ||
		    r == SCEAU_ERR_JSON_TOO_LARGE ||
		    r == SCEAU_ERR_LIMIT_EXCEEDED || r == SCEAU_ERR_ALLOC);
		return 0;
	}
	fuzz_assert(json_is_object(j) || json_is_array(j));
	fuzz_getters(j);
	fuzz_dump(j);
	json_decref(j);
	return 0;
}
