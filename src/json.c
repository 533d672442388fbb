/*
 * json.c: JSON on jansson, with limits, typed getters and canonical output.
 *
 * Parsing: the size is checked before jansson sees a byte; jansson then
 * rejects duplicate keys, NUL characters (\u0000), invalid UTF-8 and
 * trailing data; the tree is walked afterwards for depth, string length
 * (keys included) and node count.  The top level must be an object or an
 * array (no JSON_DECODE_ANY): every document we exchange is one, and a bare
 * scalar where a document is expected is a confusion worth refusing.
 *
 * The walk recurses, once per level of nesting, after checking the depth
 * limit; jansson itself refuses more than JSON_PARSER_MAX_DEPTH (2048)
 * levels, so the recursion is bounded whatever limit a caller passes.
 *
 * jansson allocates through libsceau (installed once, on first use): its
 * parser reports an allocation failure as a syntax error, or not at all,
 * so a failed allocation is noted here to be reported as SCEAU_ERR_ALLOC;
 * the allocation-failure tests reach inside jansson; and what jansson
 * frees is wiped, since documents carry wrapped keys and tokens.
 *
 * Messages (sceau_message) name fields, types, lengths and ranges but never
 * quote the input, which may hold secrets: jansson's own error text is not
 * used for that reason.
 */
#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "buf.h"
#include "defs.h"
#include "encoding.h"
#include "errors.h"
#include "json.h"
#include "secmem.h"

static const struct sceau_json_limits json_default_limits =
    SCEAU_JSON_LIMITS_DEFAULT;

/* Never JSON_DECODE_ANY, JSON_ALLOW_NUL or JSON_DISABLE_EOF_CHECK. */
#define JSON_LOAD_FLAGS JSON_REJECT_DUPLICATES
/* Canonical form: compact, keys sorted, so equal trees dump equal. */
#define JSON_DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* --------------------------------------------------------- allocation */

static _Thread_local int json_alloc_failed;
static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void *
json_alloc(size_t n)
{
	void *p;

	if ((p = sceau_malloc(n)) == NULL)
		json_alloc_failed = 1;
	return p;
}

static void
json_free(void *p)
{
	if (p != NULL)
		sceau_memzero(p, malloc_usable_size(p));
	sceau_free(p);
}

static void
json_init_once(void)
{
	json_set_alloc_funcs(json_alloc, json_free);
}

static void
json_init(void)
{
	(void)pthread_once(&json_once, json_init_once);
}

/* ------------------------------------------------------------ parsing */

static const char *
json_error_text(enum json_error_code code)
{
	switch (code) {
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_premature_end_of_input:
		return "unexpected end of input";
	case json_error_end_of_input_expected:
		return "data after the end of the document";
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return "NUL character";
	case json_error_duplicate_key:
		return "duplicate object key";
	case json_error_numeric_overflow:
		return "number out of range";
	case json_error_wrong_type:
		return "top level is not an object or an array";
	default:
		return "syntax error";
	}
}

static int
json_parse_error(const json_error_t *err)
{
	enum json_error_code code = json_error_code(err);

	if (code == json_error_out_of_memory)
		return SCEAU_ERR_ALLOC;
	if (code == json_error_stack_overflow) {
		sceau_message("JSON: nested deeper than the parser allows");
		return SCEAU_ERR_JSON_TOO_DEEP;
	}
	sceau_message("JSON: %s at line %d, column %d", json_error_text(code),
	    err->line, err->column);
	return SCEAU_ERR_JSON_SYNTAX;
}

struct json_walk {
	const struct sceau_json_limits *lim;
	size_t nodes;
};

static int json_walk_value(json_t *j, unsigned depth, struct json_walk *w);

static int
json_check_string(size_t len, const struct json_walk *w, const char *what)
{
	if (len > w->lim->max_string) {
		sceau_message("JSON: %s of %zu bytes exceeds the limit of %zu",
		    what, len, w->lim->max_string);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	return 0;
}

static int
json_walk_array(json_t *j, unsigned depth, struct json_walk *w)
{
	size_t i;
	int r;

	for (i = 0; i < json_array_size(j); i++) {
		if ((r = json_walk_value(json_array_get(j, i), depth, w)) != 0)
			return r;
	}
	return 0;
}

static int
json_walk_object(json_t *j, unsigned depth, struct json_walk *w)
{
	void *it;
	int r;

	for (it = json_object_iter(j); it != NULL;
	     it = json_object_iter_next(j, it)) {
		if ((r = json_check_string(
		         json_object_iter_key_len(it), w, "key")) != 0 ||
		    (r = json_walk_value(
		         json_object_iter_value(it), depth, w)) != 0)
			return r;
	}
	return 0;
}

/* j sits at nesting level depth: 0 for the top, 1 inside it, and so on. */
static int
json_walk_value(json_t *j, unsigned depth, struct json_walk *w)
{
	if (w->nodes >= w->lim->max_nodes) {
		sceau_message("JSON: more than %zu values", w->lim->max_nodes);
		return SCEAU_ERR_LIMIT_EXCEEDED;
	}
	w->nodes++;
	switch (json_typeof(j)) {
	case JSON_STRING:
		return json_check_string(json_string_length(j), w, "string");
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (depth >= w->lim->max_depth) {
			sceau_message("JSON: nested deeper than %u levels",
			    w->lim->max_depth);
			return SCEAU_ERR_JSON_TOO_DEEP;
		}
		if (json_is_array(j))
			return json_walk_array(j, depth + 1, w);
		return json_walk_object(j, depth + 1, w);
	default:
		return 0;
	}
}

int
sceau_json_parse(
    const void *p, size_t n, const struct sceau_json_limits *lim, json_t **out)
{
	struct json_walk w = {NULL, 0};
	json_error_t err;
	json_t *j = NULL;
	int r;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = NULL;
	sceau_return_val_if_fail(
	    p != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	w.lim = lim != NULL ? lim : &json_default_limits;
	if (n > w.lim->max_bytes) {
		sceau_message("JSON: document of %zu bytes, limit %zu", n,
		    w.lim->max_bytes);
		return SCEAU_ERR_JSON_TOO_LARGE;
	}
	json_init();
	memset(&err, 0, sizeof(err));
	json_alloc_failed = 0;
	j = json_loadb(p != NULL ? p : "", n, JSON_LOAD_FLAGS, &err);
	if (json_alloc_failed) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if (j == NULL) {
		r = json_parse_error(&err);
		goto out;
	}
	if ((r = json_walk_value(j, 0, &w)) != 0)
		goto out;
	*out = j;
	j = NULL;
	r = 0;
out:
	json_decref(j);
	return r;
}

int
sceau_json_parse_buf(const struct sceau_buf *b,
    const struct sceau_json_limits *lim, json_t **out)
{
	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = NULL;
	sceau_return_val_if_fail(b != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	return sceau_json_parse(sceau_buf_ptr(b), sceau_buf_len(b), lim, out);
}

/* ------------------------------------------------------------ dumping */

struct json_dump_ctx {
	struct sceau_buf *out;
	size_t added;
	int r;
};

static int
json_dump_cb(const char *buffer, size_t size, void *data)
{
	struct json_dump_ctx *ctx = data;
	int r;

	if ((r = sceau_buf_put(ctx->out, buffer, size)) != 0) {
		ctx->r = r;
		return -1;
	}
	ctx->added += size;
	return 0;
}

int
sceau_json_dump(const json_t *j, struct sceau_buf *out)
{
	struct json_dump_ctx ctx = {out, 0, 0};
	uint8_t *p;
	int r;

	sceau_return_val_if_fail(
	    j != NULL && out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(
	    json_is_object(j) || json_is_array(j), SCEAU_ERR_INVALID_ARGUMENT);
	json_init();
	json_alloc_failed = 0;
	if (json_dump_callback(j, json_dump_cb, &ctx, JSON_DUMP_FLAGS) == 0)
		return 0;
	/*
	 * Besides memory and our buffer, jansson refuses only a tree the
	 * caller broke: a reference cycle, or bad UTF-8 set with _nocheck.
	 */
	if (ctx.r != 0)
		r = ctx.r;
	else if (json_alloc_failed)
		r = SCEAU_ERR_ALLOC;
	else
		r = SCEAU_ERR_INVALID_ARGUMENT;
	/* Leave out as it was: the text written so far may hold secrets. */
	if (ctx.added > 0) {
		if ((p = sceau_buf_mutable_ptr(out)) != NULL)
			sceau_memzero(
			    p + sceau_buf_len(out) - ctx.added, ctx.added);
		if (sceau_buf_consume_end(out, ctx.added) != 0)
			r = SCEAU_ERR_INTERNAL;
	}
	return r;
}

/* ------------------------------------------------------------ getters */

static const char *
json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/*
 * Finds o[key] and checks its type (JSON_TRUE stands for both booleans).
 * A missing field is an error unless opt, in which case *vp stays NULL and
 * 0 is returned.  null is a wrong type, not an absence: one spelling only.
 */
static int
json_field(const json_t *o, const char *key, int opt, json_type want,
    const char *wantname, json_t **vp)
{
	json_t *v;

	*vp = NULL;
	if (!json_is_object(o)) {
		sceau_message("field \"%s\": looked up in %s, not an object",
		    key, json_type_name(o));
		return SCEAU_ERR_JSON_TYPE;
	}
	if ((v = json_object_get(o, key)) == NULL) {
		if (opt)
			return 0;
		sceau_message("field \"%s\": missing", key);
		return SCEAU_ERR_JSON_MISSING;
	}
	if (json_typeof(v) != want &&
	    !(want == JSON_TRUE && json_is_boolean(v))) {
		sceau_message("field \"%s\": expected %s, got %s", key,
		    wantname, json_type_name(v));
		return SCEAU_ERR_JSON_TYPE;
	}
	*vp = v;
	return 0;
}

static int
json_string_field(
    const json_t *o, const char *key, int opt, size_t maxlen, const char **out)
{
	const char *s;
	json_t *v;
	size_t len;
	int r;

	if ((r = json_field(o, key, opt, JSON_STRING, "a string", &v)) != 0 ||
	    v == NULL)
		return r;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > maxlen) {
		sceau_message(
		    "field \"%s\": %zu bytes, more than %zu", key, len, maxlen);
		return SCEAU_ERR_JSON_VALUE;
	}
	/* Built trees may hold NULs; a C string would silently stop there. */
	if (len > 0 && memchr(s, '\0', len) != NULL) {
		sceau_message("field \"%s\": contains a NUL character", key);
		return SCEAU_ERR_JSON_VALUE;
	}
	*out = s;
	return 0;
}

int
sceau_json_get_string(
    const json_t *o, const char *key, size_t maxlen, const char **out)
{
	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = NULL;
	sceau_return_val_if_fail(
	    o != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	return json_string_field(o, key, 0, maxlen, out);
}

int
sceau_json_get_string_opt(
    const json_t *o, const char *key, size_t maxlen, const char **out)
{
	sceau_return_val_if_fail(o != NULL && key != NULL && out != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	return json_string_field(o, key, 1, maxlen, out);
}

int
sceau_json_get_choice(
    const json_t *o, const char *key, const char *const *names, size_t *out)
{
	char list[160];
	const char *s;
	size_t i, pos = 0;
	int r;

	sceau_return_val_if_fail(
	    names != NULL && out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = sceau_json_get_string(o, key, sizeof(list), &s)) != 0)
		return r;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; names[i] != NULL && pos < sizeof(list); i++) {
		r = snprintf(list + pos, sizeof(list) - pos, "%s\"%s\"",
		    i == 0                     ? ""
		        : names[i + 1] == NULL ? " or "
		                               : ", ",
		    names[i]);
		pos += r > 0 ? (size_t)r : 0;
	}
	sceau_message("field \"%s\": %s", key, list);
	return SCEAU_ERR_JSON_VALUE;
}

static int
json_int_field(const json_t *o, const char *key, int opt, int64_t min,
    int64_t max, int64_t *out)
{
	json_int_t x;
	json_t *v;
	int r;

	sceau_return_val_if_fail(min <= max, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = json_field(o, key, opt, JSON_INTEGER, "an integer", &v)) !=
	        0 ||
	    v == NULL)
		return r;
	x = json_integer_value(v);
	if (x < min || x > max) {
		sceau_message("field \"%s\": %lld is out of range [%lld, %lld]",
		    key, (long long)x, (long long)min, (long long)max);
		return SCEAU_ERR_JSON_VALUE;
	}
	*out = (int64_t)x;
	return 0;
}

int
sceau_json_get_int(
    const json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = 0;
	sceau_return_val_if_fail(
	    o != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	return json_int_field(o, key, 0, min, max, out);
}

int
sceau_json_get_int_opt(
    const json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	sceau_return_val_if_fail(o != NULL && key != NULL && out != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	return json_int_field(o, key, 1, min, max, out);
}

static int
json_bool_field(const json_t *o, const char *key, int opt, int *out)
{
	json_t *v;
	int r;

	if ((r = json_field(o, key, opt, JSON_TRUE, "a boolean", &v)) != 0 ||
	    v == NULL)
		return r;
	*out = json_is_true(v);
	return 0;
}

int
sceau_json_get_bool(const json_t *o, const char *key, int *out)
{
	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = 0;
	sceau_return_val_if_fail(
	    o != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	return json_bool_field(o, key, 0, out);
}

int
sceau_json_get_bool_opt(const json_t *o, const char *key, int *out)
{
	sceau_return_val_if_fail(o != NULL && key != NULL && out != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	return json_bool_field(o, key, 1, out);
}

int
sceau_json_get_array(
    const json_t *o, const char *key, size_t maxcount, json_t **out)
{
	json_t *v;
	int r;

	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = NULL;
	sceau_return_val_if_fail(
	    o != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = json_field(o, key, 0, JSON_ARRAY, "an array", &v)) != 0)
		return r;
	if (json_array_size(v) > maxcount) {
		sceau_message("field \"%s\": %zu elements, more than %zu", key,
		    json_array_size(v), maxcount);
		return SCEAU_ERR_JSON_VALUE;
	}
	*out = v;
	return 0;
}

int
sceau_json_get_object(const json_t *o, const char *key, json_t **out)
{
	sceau_return_val_if_fail(out != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	*out = NULL;
	sceau_return_val_if_fail(
	    o != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	return json_field(o, key, 0, JSON_OBJECT, "an object", out);
}

/*
 * Puts the field's name in front of the decoder's message, cleared before
 * the decoder ran; failures of the output buffer leave none, so the
 * code's own text stands in.
 */
static void
json_prefix_message(const char *key, int r)
{
	char detail[256];

	(void)snprintf(detail, sizeof(detail), "%s", sceau_last_message());
	sceau_message("field \"%s\": %s", key,
	    detail[0] != '\0' ? detail : sceau_strerror(r));
}

int
sceau_json_get_b64(const json_t *o, const char *key, enum sceau_b64_variant v,
    size_t maxlen, struct sceau_buf *out)
{
	size_t before, maxtext;
	json_t *s;
	uint8_t *p;
	int r;

	sceau_return_val_if_fail(o != NULL && key != NULL && out != NULL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(v == SCEAU_B64_STD || v == SCEAU_B64_URL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = json_field(o, key, 0, JSON_STRING, "a string", &s)) != 0)
		return r;
	/* Refuse by the text's length before decoding anything. */
	maxtext = sceau_enc_b64_len(maxlen, v);
	if (json_string_length(s) > maxtext) {
		sceau_message(
		    "field \"%s\": more than %zu bytes of base64", key, maxlen);
		return SCEAU_ERR_JSON_VALUE;
	}
	before = sceau_buf_len(out);
	sceau_message_clear();
	if ((r = sceau_enc_b64_decode(
	         json_string_value(s), json_string_length(s), v, out)) != 0) {
		json_prefix_message(key, r);
		return r;
	}
	/* The text fit; its last group may still decode past maxlen. */
	if (sceau_buf_len(out) - before > maxlen) {
		if ((p = sceau_buf_mutable_ptr(out)) != NULL)
			sceau_memzero(p + before, sceau_buf_len(out) - before);
		if (sceau_buf_consume_end(out, sceau_buf_len(out) - before) !=
		    0)
			return SCEAU_ERR_INTERNAL;
		sceau_message(
		    "field \"%s\": more than %zu bytes of base64", key, maxlen);
		return SCEAU_ERR_JSON_VALUE;
	}
	return 0;
}

int
sceau_json_get_b64_fixed(const json_t *o, const char *key,
    enum sceau_b64_variant v, uint8_t *out, size_t n)
{
	json_t *s;
	int r;

	sceau_return_val_if_fail(
	    out != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	if (n > 0)
		memset(out, 0, n);
	sceau_return_val_if_fail(
	    o != NULL && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(v == SCEAU_B64_STD || v == SCEAU_B64_URL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	if ((r = json_field(o, key, 0, JSON_STRING, "a string", &s)) != 0)
		return r;
	if (json_string_length(s) != sceau_enc_b64_len(n, v)) {
		sceau_message("field \"%s\": %zu characters, expected %zu", key,
		    json_string_length(s), sceau_enc_b64_len(n, v));
		return SCEAU_ERR_JSON_VALUE;
	}
	sceau_message_clear();
	if ((r = sceau_enc_b64_decode_fixed(json_string_value(s), v, out, n)) !=
	    0)
		json_prefix_message(key, r);
	return r;
}

/* ----------------------------------------------------------- builders */

/* Sets o[key] = v, taking v's reference in every case. */
static int
json_set(json_t *o, const char *key, json_t *v)
{
	if (v == NULL)
		return SCEAU_ERR_ALLOC;
	if (json_object_set_new_nocheck(o, key, v) != 0)
		return SCEAU_ERR_ALLOC;
	return 0;
}

/* Preconditions shared by the builders. */
static int
json_set_check(const json_t *o, const char *key)
{
	sceau_return_val_if_fail(
	    json_is_object(o) && key != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	json_init();
	if (!sceau_enc_utf8_valid(key)) {
		sceau_message("JSON: key is not valid UTF-8");
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return 0;
}

int
sceau_json_set_string(json_t *o, const char *key, const char *s)
{
	int r;

	if ((r = json_set_check(o, key)) != 0)
		return r;
	sceau_return_val_if_fail(s != NULL, SCEAU_ERR_INVALID_ARGUMENT);
	if (!sceau_enc_utf8_valid(s)) {
		sceau_message("field \"%s\": value is not valid UTF-8", key);
		return SCEAU_ERR_INVALID_ARGUMENT;
	}
	return json_set(o, key, json_string_nocheck(s));
}

int
sceau_json_set_int(json_t *o, const char *key, int64_t v)
{
	int r;

	if ((r = json_set_check(o, key)) != 0)
		return r;
	return json_set(o, key, json_integer((json_int_t)v));
}

int
sceau_json_set_bool(json_t *o, const char *key, int v)
{
	int r;

	if ((r = json_set_check(o, key)) != 0)
		return r;
	return json_set(o, key, json_boolean(v));
}

int
sceau_json_set_b64(json_t *o, const char *key, const void *p, size_t n,
    enum sceau_b64_variant v)
{
	json_t *j;
	char *s;
	int r;

	if ((r = json_set_check(o, key)) != 0)
		return r;
	sceau_return_val_if_fail(
	    p != NULL || n == 0, SCEAU_ERR_INVALID_ARGUMENT);
	sceau_return_val_if_fail(v == SCEAU_B64_STD || v == SCEAU_B64_URL,
	    SCEAU_ERR_INVALID_ARGUMENT);
	if ((s = sceau_enc_b64(p, n, v)) == NULL)
		return SCEAU_ERR_ALLOC;
	j = json_string_nocheck(s);
	/* The text may encode a key: wipe our copy. */
	sceau_freezero(s, strlen(s) + 1);
	return json_set(o, key, j);
}
