/*
 * conf.c: strict INI-style configuration files (see conf.h).
 *
 * A file is loaded whole into a bounded buffer, then read line by line:
 * each line is checked against the line limit before it is looked at, and
 * names and values against theirs before they are copied.  A file is
 * parsed into a scratch list first and merged only when all of it is
 * valid, so that a bad file leaves the configuration as it was.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "buf.h"
#include "conf.h"
#include "errors.h"

struct conf_entry {
	char section[SCEAU_CONF_NAME_MAX + 1];
	char key[SCEAU_CONF_NAME_MAX + 1];
	char *value; /* NUL-terminated; wiped when freed */
	size_t value_len;
	char *origin; /* file name or command-line origin */
	unsigned long line; /* 0: not from a file */
};

struct sceau_conf {
	const char *const *known;
	struct conf_entry *entries;
	size_t n;
};

/* ------------------------------------------------------------ entries */

static void
entry_clear(struct conf_entry *e)
{
	if (e->value != NULL)
		sceau_freezero(e->value, e->value_len + 1);
	sceau_free(e->origin);
	memset(e, 0, sizeof(*e));
}

static void
entries_free(struct conf_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		entry_clear(&v[i]);
	sceau_free(v);
}

int
sceau_conf_new(const char *const *known, struct sceau_conf **cp)
{
	struct sceau_conf *c;

	*cp = NULL;
	if (known == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if ((c = sceau_calloc(1, sizeof(*c))) == NULL)
		return SCEAU_ERR_ALLOC;
	/* Fixed capacity: the entry limit is small, and no move ever wipes. */
	c->entries = sceau_calloc(SCEAU_CONF_ENTRIES_MAX, sizeof(*c->entries));
	if (c->entries == NULL) {
		sceau_free(c);
		return SCEAU_ERR_ALLOC;
	}
	c->known = known;
	*cp = c;
	return 0;
}

void
sceau_conf_free(struct sceau_conf *c)
{
	if (c == NULL)
		return;
	entries_free(c->entries, c->n);
	sceau_free(c);
}

static struct conf_entry *
conf_find(
    const struct conf_entry *v, size_t n, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].section, section) == 0 &&
		    strcmp(v[i].key, key) == 0)
			return (struct conf_entry *)&v[i];
	}
	return NULL;
}

static int
conf_known_section(const struct sceau_conf *c, const char *section)
{
	size_t i, len = strlen(section);

	for (i = 0; c->known[i] != NULL; i++) {
		if (strncmp(c->known[i], section, len) == 0 &&
		    c->known[i][len] == '.')
			return 1;
	}
	return 0;
}

static int
conf_known_key(const struct sceau_conf *c, const char *section, const char *key)
{
	size_t i, len = strlen(section);

	for (i = 0; c->known[i] != NULL; i++) {
		if (strncmp(c->known[i], section, len) == 0 &&
		    c->known[i][len] == '.' &&
		    strcmp(c->known[i] + len + 1, key) == 0)
			return 1;
	}
	return 0;
}

/* "FILE:LINE: " or "ORIGIN: " into out, for messages. */
static void
conf_place(const char *origin, unsigned long line, char *out, size_t n)
{
	if (line > 0)
		(void)snprintf(out, n, "%s:%lu", origin, line);
	else
		(void)snprintf(out, n, "%s", origin);
}

/* --------------------------------------------------------- line syntax */

static int
conf_name_char(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	    ch == '_' || ch == '-';
}

/* Copies the name p[0..n) into out if it is a valid name. */
static int
conf_name(const char *p, size_t n, char out[SCEAU_CONF_NAME_MAX + 1])
{
	size_t i;

	if (n == 0 || n > SCEAU_CONF_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (!conf_name_char((unsigned char)p[i]))
			return -1;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int
conf_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* Trims blanks at both ends of p[0..*n), returning the new start. */
static const char *
conf_trim(const char *p, size_t *n)
{
	while (*n > 0 && conf_blank((unsigned char)p[0])) {
		p++;
		(*n)--;
	}
	while (*n > 0 && conf_blank((unsigned char)p[*n - 1]))
		(*n)--;
	return p;
}

/* Control characters (tab aside) and NUL are refused anywhere. */
static int
conf_line_clean(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 0;
	}
	return 1;
}

/* State of one file being parsed. */
struct conf_parse {
	const struct sceau_conf *c;
	const char *name;
	unsigned long line;
	char section[SCEAU_CONF_NAME_MAX + 1];
	struct conf_entry *v; /* scratch entries of this file */
	size_t n;
};

static int
conf_error(const struct conf_parse *p, const char *what)
{
	sceau_message("%s:%lu: %s", p->name, p->line, what);
	return SCEAU_ERR_CONFIG;
}

static int
conf_section_line(struct conf_parse *p, const char *s, size_t n)
{
	char name[SCEAU_CONF_NAME_MAX + 1];

	if (n < 2 || s[n - 1] != ']')
		return conf_error(p, "section header must be [name]");
	n -= 2;
	s = conf_trim(s + 1, &n);
	if (conf_name(s, n, name) != 0)
		return conf_error(p, "invalid section name");
	if (!conf_known_section(p->c, name)) {
		sceau_message(
		    "%s:%lu: unknown section [%s]", p->name, p->line, name);
		return SCEAU_ERR_CONFIG;
	}
	memcpy(p->section, name, sizeof(name));
	return 0;
}

static int
conf_entry_set(struct conf_entry *e, const char *section, const char *key,
    const char *value, size_t vlen, const char *origin, unsigned long line)
{
	char *v, *o;

	if ((v = sceau_strndup(value, vlen)) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((o = sceau_strdup(origin)) == NULL) {
		sceau_freezero(v, vlen + 1);
		return SCEAU_ERR_ALLOC;
	}
	entry_clear(e);
	(void)snprintf(e->section, sizeof(e->section), "%s", section);
	(void)snprintf(e->key, sizeof(e->key), "%s", key);
	e->value = v;
	e->value_len = vlen;
	e->origin = o;
	e->line = line;
	return 0;
}

static int
conf_key_line(struct conf_parse *p, const char *line, size_t n)
{
	char key[SCEAU_CONF_NAME_MAX + 1];
	const char *eq, *k, *val;
	size_t klen, vlen;

	if ((eq = memchr(line, '=', n)) == NULL)
		return conf_error(p, "expected 'key = value'");
	klen = (size_t)(eq - line);
	k = conf_trim(line, &klen);
	if (conf_name(k, klen, key) != 0)
		return conf_error(p, "invalid key name");
	if (p->section[0] == '\0')
		return conf_error(p, "key outside of a [section]");
	if (!conf_known_key(p->c, p->section, key)) {
		sceau_message("%s:%lu: unknown key '%s' in [%s]", p->name,
		    p->line, key, p->section);
		return SCEAU_ERR_CONFIG;
	}
	if (conf_find(p->v, p->n, p->section, key) != NULL) {
		sceau_message("%s:%lu: '%s' set twice in [%s]", p->name,
		    p->line, key, p->section);
		return SCEAU_ERR_CONFIG;
	}
	val = eq + 1;
	vlen = n - (size_t)(val - line);
	val = conf_trim(val, &vlen);
	if (vlen > SCEAU_CONF_VALUE_MAX)
		return conf_error(p, "value too long");
	if (p->n >= SCEAU_CONF_ENTRIES_MAX)
		return conf_error(p, "too many keys");
	return conf_entry_set(
	    &p->v[p->n++], p->section, key, val, vlen, p->name, p->line);
}

static int
conf_line(struct conf_parse *p, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (!conf_line_clean(s, n))
		return conf_error(p, "control character or NUL byte");
	s = conf_trim(s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	if (s[0] == '[')
		return conf_section_line(p, s, n);
	return conf_key_line(p, s, n);
}

/* Moves the scratch entries into c, replacing keys c already has. */
static void
conf_merge(struct sceau_conf *c, struct conf_parse *p)
{
	struct conf_entry *e;
	size_t i;

	for (i = 0; i < p->n; i++) {
		e = conf_find(c->entries, c->n, p->v[i].section, p->v[i].key);
		if (e == NULL)
			e = &c->entries[c->n++];
		else
			entry_clear(e);
		*e = p->v[i];
		memset(&p->v[i], 0, sizeof(p->v[i]));
	}
	p->n = 0;
}

/* Entries that c does not have yet, to check the total before merging. */
static size_t
conf_new_count(const struct sceau_conf *c, const struct conf_parse *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		if (conf_find(c->entries, c->n, p->v[i].section, p->v[i].key) ==
		    NULL)
			k++;
	}
	return k;
}

static int
conf_parse_lines(struct conf_parse *p, struct sceau_buf *b)
{
	const char *s, *nl;
	size_t len, n;
	int r;

	while ((len = sceau_buf_len(b)) > 0) {
		p->line++;
		s = (const char *)sceau_buf_ptr(b);
		/* Look no further than one byte past the longest line. */
		nl = memchr(s, '\n', SCEAU_MIN(len, SCEAU_CONF_LINE_MAX + 1));
		n = nl != NULL ? (size_t)(nl - s) : len;
		if (n > SCEAU_CONF_LINE_MAX)
			return conf_error(p, "line too long");
		if ((r = conf_line(p, s, n)) != 0)
			return r;
		if ((r = sceau_buf_consume(b, nl != NULL ? n + 1 : n)) != 0)
			return r;
	}
	return 0;
}

int
sceau_conf_load_buf(
    struct sceau_conf *c, const char *name, const struct sceau_buf *b)
{
	struct conf_parse p;
	struct sceau_buf *view = NULL;
	int r;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.name = name;
	if (sceau_buf_len(b) > SCEAU_CONF_FILE_MAX) {
		sceau_message("%s: larger than %lu bytes", name,
		    (unsigned long)SCEAU_CONF_FILE_MAX);
		return SCEAU_ERR_CONFIG;
	}
	if ((p.v = sceau_calloc(SCEAU_CONF_ENTRIES_MAX, sizeof(*p.v))) ==
	        NULL ||
	    (view = sceau_buf_from(sceau_buf_ptr(b), sceau_buf_len(b))) ==
	        NULL) {
		r = SCEAU_ERR_ALLOC;
		goto out;
	}
	if ((r = conf_parse_lines(&p, view)) != 0)
		goto out;
	if (c->n + conf_new_count(c, &p) > SCEAU_CONF_ENTRIES_MAX) {
		sceau_message("%s: too many keys", name);
		r = SCEAU_ERR_CONFIG;
		goto out;
	}
	conf_merge(c, &p);
	r = 0;
out:
	sceau_buf_free(view);
	entries_free(p.v, p.n);
	return r;
}

int
sceau_conf_load_file(struct sceau_conf *c, const char *path)
{
	struct sceau_buf *b;
	int r;

	if ((b = sceau_buf_new()) == NULL)
		return SCEAU_ERR_ALLOC;
	if ((r = sceau_buf_load_file(path, SCEAU_CONF_FILE_MAX, b)) == 0)
		r = sceau_conf_load_buf(c, path, b);
	sceau_buf_free(b);
	return r;
}

int
sceau_conf_set(struct sceau_conf *c, const char *origin, const char *section,
    const char *key, const char *value)
{
	struct conf_entry *e;
	size_t vlen = strlen(value);

	if (!conf_known_key(c, section, key)) {
		sceau_message("%s: unknown key %s.%s", origin, section, key);
		return SCEAU_ERR_CONFIG;
	}
	if (vlen > SCEAU_CONF_VALUE_MAX || !conf_line_clean(value, vlen)) {
		sceau_message(
		    "%s: value too long or with control characters", origin);
		return SCEAU_ERR_CONFIG;
	}
	if ((e = conf_find(c->entries, c->n, section, key)) == NULL) {
		if (c->n >= SCEAU_CONF_ENTRIES_MAX) {
			sceau_message("%s: too many keys", origin);
			return SCEAU_ERR_CONFIG;
		}
		e = &c->entries[c->n];
		if (conf_entry_set(e, section, key, value, vlen, origin, 0) !=
		    0)
			return SCEAU_ERR_ALLOC;
		c->n++;
		return 0;
	}
	return conf_entry_set(e, section, key, value, vlen, origin, 0);
}

/* ------------------------------------------------------------- getters */

int
sceau_conf_has(const struct sceau_conf *c, const char *section, const char *key)
{
	return conf_find(c->entries, c->n, section, key) != NULL;
}

void
sceau_conf_where(const struct sceau_conf *c, const char *section,
    const char *key, char *out, size_t n)
{
	const struct conf_entry *e = conf_find(c->entries, c->n, section, key);

	if (n == 0)
		return;
	out[0] = '\0';
	if (e != NULL)
		conf_place(e->origin, e->line, out, n);
}

/* Message for a value refused by a getter: "PLACE: section.key: what". */
static int
conf_bad(const struct conf_entry *e, const char *what)
{
	char place[512];

	conf_place(e->origin, e->line, place, sizeof(place));
	sceau_message("%s: %s.%s: %s", place, e->section, e->key, what);
	return SCEAU_ERR_CONFIG;
}

int
sceau_conf_get_string(const struct sceau_conf *c, const char *section,
    const char *key, const char *def, const char **out)
{
	const struct conf_entry *e = conf_find(c->entries, c->n, section, key);

	*out = e != NULL ? e->value : def;
	return 0;
}

/* Unsigned decimal digits s[0..n): 0, or -1 if malformed or too large. */
static int
conf_digits(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
sceau_conf_get_int(const struct sceau_conf *c, const char *section,
    const char *key, int64_t min, int64_t max, int64_t def, int64_t *out)
{
	const struct conf_entry *e = conf_find(c->entries, c->n, section, key);
	char what[96];
	const char *s;
	uint64_t u;
	int neg;

	*out = def;
	if (e == NULL)
		return 0;
	s = e->value;
	neg = s[0] == '-';
	if (conf_digits(s + neg, strlen(s + neg), &u) != 0 ||
	    u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return conf_bad(e, "expected an integer");
	/* u <= INT64_MAX + 1 when negative: negate without overflow. */
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	if (*out < min || *out > max) {
		*out = def;
		(void)snprintf(what, sizeof(what),
		    "must be between %lld and %lld", (long long)min,
		    (long long)max);
		return conf_bad(e, what);
	}
	return 0;
}

int
sceau_conf_get_bool(const struct sceau_conf *c, const char *section,
    const char *key, int def, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	const struct conf_entry *e = conf_find(c->entries, c->n, section, key);
	size_t i;

	*out = def;
	if (e == NULL)
		return 0;
	for (i = 0; i < SCEAU_NELEM(yes); i++) {
		if (strcasecmp(e->value, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(e->value, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return conf_bad(e, "expected yes or no");
}

/* Splits s into digits and a suffix; value * multiplier of the suffix. */
static int
conf_scaled(const char *s, const char *const *suffixes, const uint64_t *mult,
    size_t nsuffix, uint64_t *out)
{
	size_t n = 0, i;
	uint64_t v;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (conf_digits(s, n, &v) != 0)
		return -1;
	for (i = 0; i < nsuffix; i++) {
		if (strcasecmp(s + n, suffixes[i]) == 0)
			break;
	}
	if (i == nsuffix)
		return -1;
	if (mult[i] != 0 && v > UINT64_MAX / mult[i])
		return -1;
	*out = v * mult[i];
	return 0;
}

int
sceau_conf_parse_size(const char *s, uint64_t *out)
{
	static const char *const sfx[] = {"", "k", "m", "g"};
	static const uint64_t mult[] = {1, 1ULL << 10, 1ULL << 20, 1ULL << 30};

	*out = 0;
	return conf_scaled(s, sfx, mult, SCEAU_NELEM(sfx), out) == 0
	    ? 0
	    : SCEAU_ERR_CONFIG;
}

int
sceau_conf_parse_duration(const char *s, uint64_t *out_ms)
{
	static const char *const sfx[] = {"", "ms", "s", "m", "h", "d"};
	static const uint64_t mult[] = {
	    1000, 1, 1000, 60000, 3600000, 86400000};

	*out_ms = 0;
	return conf_scaled(s, sfx, mult, SCEAU_NELEM(sfx), out_ms) == 0
	    ? 0
	    : SCEAU_ERR_CONFIG;
}

/* Shared by the size and duration getters: parse, then check the range. */
static int
conf_get_scaled(const struct sceau_conf *c, const char *section,
    const char *key, uint64_t min, uint64_t max, uint64_t def, uint64_t *out,
    int (*parse)(const char *, uint64_t *), const char *what)
{
	const struct conf_entry *e = conf_find(c->entries, c->n, section, key);
	uint64_t v;

	*out = def;
	if (e == NULL)
		return 0;
	if (parse(e->value, &v) != 0)
		return conf_bad(e, what);
	if (v < min || v > max) {
		char msg[128];

		(void)snprintf(msg, sizeof(msg), "out of range [%llu, %llu]%s",
		    (unsigned long long)min, (unsigned long long)max,
		    parse == sceau_conf_parse_duration ? " milliseconds"
		                                       : " bytes");
		return conf_bad(e, msg);
	}
	*out = v;
	return 0;
}

int
sceau_conf_get_size(const struct sceau_conf *c, const char *section,
    const char *key, uint64_t min, uint64_t max, uint64_t def, uint64_t *out)
{
	return conf_get_scaled(c, section, key, min, max, def, out,
	    sceau_conf_parse_size, "expected a size such as 512K, 10M or 1G");
}

int
sceau_conf_get_duration(const struct sceau_conf *c, const char *section,
    const char *key, uint64_t min_ms, uint64_t max_ms, uint64_t def_ms,
    uint64_t *out_ms)
{
	return conf_get_scaled(c, section, key, min_ms, max_ms, def_ms, out_ms,
	    sceau_conf_parse_duration,
	    "expected a duration such as 500ms, 30s, 5m, 1h or 7d");
}

static int
conf_host_char(int ch, int bracketed)
{
	if (bracketed)
		return isxdigit(ch) || ch == ':' || ch == '.';
	return isalnum(ch) || ch == '.' || ch == '-';
}

int
sceau_conf_parse_hostport(
    const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *h = s, *colon;
	size_t n, i;
	uint64_t p;
	int br = s[0] == '[';

	*port = 0;
	if (hostlen > 0)
		host[0] = '\0';
	if (br) {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return SCEAU_ERR_CONFIG;
		h = s + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return SCEAU_ERR_CONFIG;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n > SCEAU_CONF_HOST_MAX || n >= hostlen)
		return SCEAU_ERR_CONFIG;
	for (i = 0; i < n; i++) {
		if (!conf_host_char((unsigned char)h[i], br))
			return SCEAU_ERR_CONFIG;
	}
	if (conf_digits(colon + 1, strlen(colon + 1), &p) != 0 || p > 65535)
		return SCEAU_ERR_CONFIG;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)p;
	return 0;
}

int
sceau_conf_get_hostport(const struct sceau_conf *c, const char *section,
    const char *key, const char *def, char *host, size_t hostlen,
    uint16_t *port)
{
	const struct conf_entry *e = conf_find(c->entries, c->n, section, key);

	if (e == NULL) {
		if (sceau_conf_parse_hostport(def, host, hostlen, port) != 0) {
			sceau_message("%s.%s: invalid default", section, key);
			return SCEAU_ERR_CONFIG;
		}
		return 0;
	}
	if (sceau_conf_parse_hostport(e->value, host, hostlen, port) != 0)
		return conf_bad(e, "expected HOST:PORT or [IPV6]:PORT");
	return 0;
}

int
sceau_conf_parse_date(const char *s, uint64_t *us)
{
	struct tm tm;
	const char *end;
	char *e;
	unsigned long long v;

	*us = 0;
	if (s[0] == '@') {
		errno = 0;
		v = strtoull(s + 1, &e, 10);
		if (errno != 0 || e == s + 1 || *e != '\0' ||
		    v > UINT64_MAX / 1000000)
			return SCEAU_ERR_INVALID_ARGUMENT;
		*us = (uint64_t)v * 1000000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (*end == 'T' || *end == ' ') {
		const char *t = end + 1;

		if ((end = strptime(t, "%H:%M:%S", &tm)) == NULL &&
		    (end = strptime(t, "%H:%M", &tm)) == NULL)
			return SCEAU_ERR_INVALID_ARGUMENT;
	}
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return SCEAU_ERR_INVALID_ARGUMENT;
	*us = (uint64_t)timegm(&tm) * 1000000;
	return 0;
}
