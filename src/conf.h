/*
 * conf.h: configuration files: INI style, strict.
 *
 *   # a comment (whole lines only: '#' inside a value is part of it)
 *   [section]
 *   key = value
 *
 * Sections and keys are [a-z0-9_-]+.  The value is the rest of the line
 * with surrounding blanks removed; it may be empty.  The caller declares
 * every key a file may set (known, "section.key"): an unknown section or
 * key is an error, as is a key set twice in one file, so that a typo never
 * passes silently.  Files are parsed through struct sceau_buf with limits
 * on the file size, line length, key and value lengths and the number of
 * entries.
 *
 * Errors are SCEAU_ERR_CONFIG (or the file's load error), with a message
 * (sceau_message) naming FILE:LINE and the key, never quoting the value
 * (values may be secrets).  Getters return the default when the key is
 * absent, and check the value's form and range when it is present.
 */
#ifndef SCEAU_CONF_H
#define SCEAU_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCEAU_CONF_FILE_MAX (1024UL * 1024) /* bytes in a file */
#define SCEAU_CONF_LINE_MAX 4096 /* bytes in a line */
#define SCEAU_CONF_NAME_MAX 64 /* section or key name */
#define SCEAU_CONF_VALUE_MAX 4000 /* bytes in a value */
#define SCEAU_CONF_ENTRIES_MAX 512 /* keys set in all */
#define SCEAU_CONF_HOST_MAX 255 /* host of host:port */

struct sceau_conf;

/*
 * New empty configuration accepting the keys of known, a NULL-terminated
 * array of "section.key" strings that must outlive it.  0 or
 * SCEAU_ERR_ALLOC / SCEAU_ERR_INVALID_ARGUMENT.
 */
int sceau_conf_new(const char *const *known, struct sceau_conf **cp) SCEAU_WUR;

/* Wipes the values (they may hold secrets) and frees c; NULL is allowed. */
void sceau_conf_free(struct sceau_conf *c);

/*
 * Parses the file at path (at most SCEAU_CONF_FILE_MAX bytes) into c.
 * On failure c is unchanged.
 */
int sceau_conf_load_file(struct sceau_conf *c, const char *path) SCEAU_WUR;

/*
 * Parses b's unread data (not consumed) as a file named name (for
 * messages).  On failure c is unchanged.
 */
int sceau_conf_load_buf(struct sceau_conf *c, const char *name,
    const struct sceau_buf *b) SCEAU_WUR;

/*
 * Sets section.key to value, replacing what a file set (command-line
 * overrides); origin names it in messages ("--listen").  Same checks as a
 * file line.
 */
int sceau_conf_set(struct sceau_conf *c, const char *origin,
    const char *section, const char *key, const char *value) SCEAU_WUR;

/* 1 if section.key was set. */
int sceau_conf_has(
    const struct sceau_conf *c, const char *section, const char *key);

/*
 * Where section.key was set, as "FILE:LINE" or the origin given to
 * sceau_conf_set(), into out[0..n) ("" when unset).  For messages.
 */
void sceau_conf_where(const struct sceau_conf *c, const char *section,
    const char *key, char *out, size_t n);

/* The value as set (borrowed from c), or def when unset. */
int sceau_conf_get_string(const struct sceau_conf *c, const char *section,
    const char *key, const char *def, const char **out) SCEAU_WUR;

/* Decimal integer in [min, max]. */
int sceau_conf_get_int(const struct sceau_conf *c, const char *section,
    const char *key, int64_t min, int64_t max, int64_t def, int64_t *out)
    SCEAU_WUR;

/* yes/no, true/false, on/off, 1/0 (case-insensitive): 1 or 0. */
int sceau_conf_get_bool(const struct sceau_conf *c, const char *section,
    const char *key, int def, int *out) SCEAU_WUR;

/*
 * Size in bytes: a decimal number with an optional suffix K, M or G
 * (powers of 1024, case-insensitive), in [min, max].
 */
int sceau_conf_get_size(const struct sceau_conf *c, const char *section,
    const char *key, uint64_t min, uint64_t max, uint64_t def, uint64_t *out)
    SCEAU_WUR;

/*
 * Duration: a decimal number with an optional suffix ms, s, m, h or d
 * (no suffix: seconds), returned in milliseconds, in [min_ms, max_ms].
 */
int sceau_conf_get_duration(const struct sceau_conf *c, const char *section,
    const char *key, uint64_t min_ms, uint64_t max_ms, uint64_t def_ms,
    uint64_t *out_ms) SCEAU_WUR;

/*
 * "HOST:PORT" or "[IPV6]:PORT": host (without brackets, at most
 * SCEAU_CONF_HOST_MAX bytes, letters, digits, '.', '-', and ':' inside
 * brackets) into host[0..hostlen), port in [0, 65535].  def is parsed the
 * same way when the key is unset.
 */
int sceau_conf_get_hostport(const struct sceau_conf *c, const char *section,
    const char *key, const char *def, char *host, size_t hostlen,
    uint16_t *port) SCEAU_WUR;

/* The same parsers on a string, for values from elsewhere. */
int sceau_conf_parse_size(const char *s, uint64_t *out) SCEAU_WUR;
int sceau_conf_parse_duration(const char *s, uint64_t *out_ms) SCEAU_WUR;
/*
 * A date: "YYYY-MM-DD[THH:MM[:SS]][Z]" (UTC) or "@SECONDS", in
 * microseconds since 1970.  SCEAU_ERR_INVALID_ARGUMENT.
 */
int sceau_conf_parse_date(const char *s, uint64_t *us) SCEAU_WUR;
int sceau_conf_parse_hostport(
    const char *s, char *host, size_t hostlen, uint16_t *port) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_CONF_H */
