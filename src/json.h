/*
 * json.h: JSON on jansson, with limits.
 *
 * Every document from outside is parsed with sceau_json_parse(), which
 * enforces a size, nesting depth, string length and node count, rejects
 * duplicate keys and NUL characters, and requires one complete value.
 * Getters check presence, type and range and name the field in the
 * thread's error message (sceau_message) when they refuse.
 */
#ifndef SCEAU_JSON_H
#define SCEAU_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "defs.h"
#include "encoding.h"

struct sceau_json_limits {
	size_t max_bytes; /* whole document */
	unsigned max_depth; /* nesting of arrays and objects; 1 = flat */
	size_t max_string; /* bytes in any string, keys included */
	size_t max_nodes; /* values in the whole document */
};

/* 1 MiB, depth 16, strings of 64 KiB, 100,000 values. */
#define SCEAU_JSON_LIMITS_DEFAULT                                              \
	{                                                                      \
		1048576, 16, 65536, 100000                                     \
	}

/*
 * Parses p[0..n) into *out (a new reference; json_decref it).  lim may be
 * NULL for the defaults.  SCEAU_ERR_JSON_TOO_LARGE, _JSON_TOO_DEEP,
 * _JSON_SYNTAX, or SCEAU_ERR_LIMIT_EXCEEDED (strings, nodes).
 */
int sceau_json_parse(const void *p, size_t n,
    const struct sceau_json_limits *lim, json_t **out) SCEAU_WUR;
int sceau_json_parse_buf(const struct sceau_buf *b,
    const struct sceau_json_limits *lim, json_t **out) SCEAU_WUR;

/* Appends the compact form of j (keys sorted) to out. */
int sceau_json_dump(const json_t *j, struct sceau_buf *out);

/*
 * Field getters on an object o.  A missing field is SCEAU_ERR_JSON_MISSING
 * (the _opt forms return 0 and leave the default instead), a wrong type
 * SCEAU_ERR_JSON_TYPE, a value out of range SCEAU_ERR_JSON_VALUE.
 * Strings are borrowed from o.
 */
int sceau_json_get_string(const json_t *o, const char *key, size_t maxlen,
    const char **out) SCEAU_WUR;
int sceau_json_get_string_opt(const json_t *o, const char *key, size_t maxlen,
    const char **out) SCEAU_WUR;
/*
 * A string that must be one of names (NULL-ended): its index in *out.  Any
 * other string is SCEAU_ERR_JSON_VALUE, the message listing the choices.
 */
int sceau_json_get_choice(const json_t *o, const char *key,
    const char *const *names, size_t *out) SCEAU_WUR;
int sceau_json_get_int(const json_t *o, const char *key, int64_t min,
    int64_t max, int64_t *out) SCEAU_WUR;
int sceau_json_get_int_opt(const json_t *o, const char *key, int64_t min,
    int64_t max, int64_t *out) SCEAU_WUR;
int sceau_json_get_bool(const json_t *o, const char *key, int *out) SCEAU_WUR;
int sceau_json_get_bool_opt(const json_t *o, const char *key, int *out)
    SCEAU_WUR;
/* Borrowed array / object with at most maxcount elements. */
int sceau_json_get_array(
    const json_t *o, const char *key, size_t maxcount, json_t **out) SCEAU_WUR;
int sceau_json_get_object(const json_t *o, const char *key, json_t **out)
    SCEAU_WUR;
/* Base64 field decoded (at most maxlen bytes) and appended to out. */
int sceau_json_get_b64(const json_t *o, const char *key,
    enum sceau_b64_variant v, size_t maxlen, struct sceau_buf *out) SCEAU_WUR;
/* Base64 field that must decode to exactly n bytes. */
int sceau_json_get_b64_fixed(const json_t *o, const char *key,
    enum sceau_b64_variant v, uint8_t *out, size_t n) SCEAU_WUR;

/* Builders: set o[key] (0 or SCEAU_ERR_ALLOC). */
int sceau_json_set_string(json_t *o, const char *key, const char *s);
int sceau_json_set_int(json_t *o, const char *key, int64_t v);
int sceau_json_set_bool(json_t *o, const char *key, int v);
int sceau_json_set_b64(json_t *o, const char *key, const void *p, size_t n,
    enum sceau_b64_variant v);

#endif /* SCEAU_JSON_H */
