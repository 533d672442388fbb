/*
 * testutil.c: vector files, the TAP main and allocation torture for the
 * unit tests (see testutil.h for the vector file format).
 *
 * This file allocates with the C library, not sceau_malloc: the torture
 * tests count and fail the library's allocations only, and the harness
 * must keep working while they do.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "testutil.h"

/* Vector files are small; anything bigger is a mistake. */
#define TU_FILE_MAX (16 * 1024 * 1024)

struct tu_entry {
	char *key;
	char *val;
	size_t vlen;
};

struct tu_block {
	char where[96]; /* "FILE:LINE" */
	struct tu_entry *e;
	size_t n;
};

struct tu_vectors {
	struct tu_block *b;
	size_t n;
};

static void *
tu_xrealloc(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		abort();
	if ((p = realloc(p, nmemb * size == 0 ? 1 : nmemb * size)) == NULL) {
		(void)fprintf(stderr, "# testutil: out of memory\n");
		abort();
	}
	return p;
}

static char *
tu_read_file(const char *path, size_t *lenp)
{
	FILE *f;
	char *d = NULL;
	size_t len = 0, n;

	if ((f = fopen(path, "r")) == NULL) {
		(void)fprintf(stderr, "# %s: %s\n", path, strerror(errno));
		return NULL;
	}
	d = tu_xrealloc(NULL, 1, 65536 + 1);
	while ((n = fread(d + len, 1, 65536, f)) > 0) {
		len += n;
		if (len > TU_FILE_MAX) {
			(void)fprintf(stderr, "# %s: too large\n", path);
			free(d);
			(void)fclose(f);
			return NULL;
		}
		d = tu_xrealloc(d, 1, len + 65536 + 1);
	}
	if (ferror(f)) {
		(void)fprintf(stderr, "# %s: read error\n", path);
		free(d);
		d = NULL;
	} else {
		d[len] = '\0';
		*lenp = len;
	}
	(void)fclose(f);
	return d;
}

void
tu_vectors_free(struct tu_vectors *v)
{
	size_t i, j;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		for (j = 0; j < v->b[i].n; j++) {
			free(v->b[i].e[j].key);
			free(v->b[i].e[j].val);
		}
		free(v->b[i].e);
	}
	free(v->b);
	free(v);
}

static char *
tu_strndup(const char *s, size_t n)
{
	char *d = tu_xrealloc(NULL, 1, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static int
tu_is_key_char(int c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static const struct tu_entry *
tu_find(const struct tu_block *b, const char *key)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->e[i].key, key) == 0)
			return &b->e[i];
	return NULL;
}

/* Trims spaces at both ends of s[0..*np); returns the new start. */
static const char *
tu_trim(const char *s, size_t *np)
{
	size_t n = *np;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	*np = n;
	return s;
}

/* Appends s[0..n) to the value of the block's last entry. */
static void
tu_append(struct tu_entry *e, const char *s, size_t n)
{
	e->val = tu_xrealloc(e->val, 1, e->vlen + n + 1);
	memcpy(e->val + e->vlen, s, n);
	e->vlen += n;
	e->val[e->vlen] = '\0';
}

/* Parses "key = value" into a new entry of b.  0 or -1. */
static int
tu_parse_entry(struct tu_block *b, const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n), *key, *val;
	size_t klen, vlen, i;
	struct tu_entry *e;

	if (eq == NULL)
		return -1;
	klen = (size_t)(eq - line);
	vlen = n - klen - 1;
	key = tu_trim(line, &klen);
	val = tu_trim(eq + 1, &vlen);
	if (klen == 0)
		return -1;
	for (i = 0; i < klen; i++)
		if (!tu_is_key_char(key[i]))
			return -1;
	b->e = tu_xrealloc(b->e, b->n + 1, sizeof(*b->e));
	e = &b->e[b->n++];
	e->key = tu_strndup(key, klen);
	e->val = tu_strndup(val, vlen);
	e->vlen = vlen;
	/* A repeated key would make the vector ambiguous. */
	for (i = 0; i + 1 < b->n; i++)
		if (strcmp(b->e[i].key, e->key) == 0)
			return -1;
	return 0;
}

static struct tu_block *
tu_new_block(struct tu_vectors *v, const char *name, unsigned int lineno)
{
	struct tu_block *b;

	v->b = tu_xrealloc(v->b, v->n + 1, sizeof(*v->b));
	b = &v->b[v->n++];
	memset(b, 0, sizeof(*b));
	(void)snprintf(b->where, sizeof(b->where), "%s:%u", name, lineno);
	return b;
}

/* Parses one line; *bp is the open block (NULL between blocks). */
static int
tu_parse_line(struct tu_vectors *v, struct tu_block **bp, const char *name,
    unsigned int lineno, const char *line, size_t n)
{
	size_t tn = n;
	const char *t = tu_trim(line, &tn);

	if (tn == 0) {
		*bp = NULL; /* blank: the block ends */
		return 0;
	}
	if (t[0] == '#')
		return 0;
	if (isspace((unsigned char)line[0])) {
		/* Continuation of the previous value. */
		if (*bp == NULL || (*bp)->n == 0)
			return -1;
		tu_append(&(*bp)->e[(*bp)->n - 1], t, tn);
		return 0;
	}
	if (*bp == NULL)
		*bp = tu_new_block(v, name, lineno);
	return tu_parse_entry(*bp, line, n);
}

static struct tu_vectors *
tu_parse(const char *name, const char *d, size_t len)
{
	struct tu_vectors *v = tu_xrealloc(NULL, 1, sizeof(*v));
	struct tu_block *b = NULL;
	const char *p = d, *end = d + len, *nl;
	unsigned int lineno = 0;

	memset(v, 0, sizeof(*v));
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (tu_parse_line(v, &b, name, lineno, p, (size_t)(nl - p)) !=
		    0) {
			(void)fprintf(
			    stderr, "# %s:%u: malformed line\n", name, lineno);
			tu_vectors_free(v);
			return NULL;
		}
		p = nl + 1;
	}
	return v;
}

struct tu_vectors *
tu_vectors_load(const char *name)
{
	const char *top = getenv("top_srcdir");
	struct tu_vectors *v;
	char path[PATH_MAX], *d;
	size_t len = 0;
	int n;

	if (top == NULL || *top == '\0')
		top = ".";
	n = snprintf(path, sizeof(path), "%s/tests/vectors/%s", top, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	if ((d = tu_read_file(path, &len)) == NULL)
		return NULL;
	v = tu_parse(name, d, len);
	free(d);
	if (v != NULL && v->n == 0) {
		(void)fprintf(stderr, "# %s: no vectors\n", path);
		tu_vectors_free(v);
		v = NULL;
	}
	return v;
}

size_t
tu_vectors_count(const struct tu_vectors *v)
{
	return v->n;
}

const struct tu_block *
tu_vectors_block(const struct tu_vectors *v, size_t i)
{
	return i < v->n ? &v->b[i] : NULL;
}

const char *
tu_block_name(const struct tu_block *b)
{
	const struct tu_entry *e = tu_find(b, "name");

	return e != NULL ? e->val : b->where;
}

const char *
tu_vec_text(const struct tu_block *b, const char *key)
{
	const struct tu_entry *e = tu_find(b, key);

	return e != NULL ? e->val : NULL;
}

int
tu_vec_has(const struct tu_block *b, const char *key)
{
	return tu_find(b, key) != NULL;
}

static int
tu_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes "quoted text" into d (room for vlen bytes).  Length or -1. */
static long
tu_unquote(const char *s, size_t n, uint8_t *d)
{
	size_t i, o = 0;

	if (n < 2 || s[n - 1] != '"')
		return -1;
	for (i = 1; i < n - 1; i++) {
		if (s[i] == '"')
			return -1;
		if (s[i] != '\\') {
			d[o++] = (uint8_t)s[i];
			continue;
		}
		if (++i >= n - 1)
			return -1;
		if (s[i] == 'n')
			d[o++] = '\n';
		else if (s[i] == '"' || s[i] == '\\')
			d[o++] = (uint8_t)s[i];
		else
			return -1;
	}
	return (long)o;
}

static long
tu_unhex(const char *s, size_t n, uint8_t *d)
{
	size_t i;
	int hi, lo;

	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n; i += 2) {
		if ((hi = tu_hexval(s[i])) < 0 ||
		    (lo = tu_hexval(s[i + 1])) < 0)
			return -1;
		d[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

uint8_t *
tu_vec_alloc(const struct tu_block *b, const char *key, size_t *lenp)
{
	const struct tu_entry *e = tu_find(b, key);
	uint8_t *d;
	long n;

	*lenp = 0;
	if (e == NULL) {
		(void)fprintf(stderr, "# %s: no key \"%s\"\n", b->where, key);
		return NULL;
	}
	d = tu_xrealloc(NULL, 1, e->vlen + 1);
	if (e->vlen > 0 && e->val[0] == '"')
		n = tu_unquote(e->val, e->vlen, d);
	else
		n = tu_unhex(e->val, e->vlen, d);
	if (n < 0) {
		(void)fprintf(
		    stderr, "# %s: bad value for \"%s\"\n", b->where, key);
		free(d);
		return NULL;
	}
	*lenp = (size_t)n;
	return d;
}

int
tu_vec_hex(const struct tu_block *b, const char *key, struct sceau_buf *out)
{
	uint8_t *d;
	size_t len;
	int r;

	if ((d = tu_vec_alloc(b, key, &len)) == NULL)
		return -1;
	r = len == 0 ? 0 : sceau_buf_put(out, d, len);
	free(d);
	return r == 0 ? 0 : -1;
}

int
tu_vec_fixed(const struct tu_block *b, const char *key, void *out, size_t len)
{
	uint8_t *d;
	size_t n;

	if ((d = tu_vec_alloc(b, key, &n)) == NULL)
		return -1;
	if (n != len) {
		(void)fprintf(stderr, "# %s: \"%s\" has %zu bytes, not %zu\n",
		    b->where, key, n, len);
		free(d);
		return -1;
	}
	if (len > 0)
		memcpy(out, d, len);
	free(d);
	return 0;
}

int
tu_vec_ulong(const struct tu_block *b, const char *key, unsigned long *vp)
{
	const char *s = tu_vec_text(b, key);
	char *end;

	*vp = 0;
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*vp = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return 0;
}

int
tu_tap_main(const char *name, const struct CMUnitTest *tests, size_t count)
{
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests(name, tests, count, NULL, NULL);
}

unsigned long
tu_alloc_torture(int (*fn)(void *arg), void *arg, unsigned long max)
{
	unsigned long n;
	int r;

	for (n = 0; n < max; n++) {
		sceau_alloc_fail_after((long)n);
		r = fn(arg);
		sceau_alloc_fail_after(-1);
		if (r == 0)
			return n;
		if (r != SCEAU_ERR_ALLOC)
			fail_msg("allocation %lu failing gave %d (%s), not "
			         "SCEAU_ERR_ALLOC",
			    n, r, sceau_errname(r));
	}
	fail_msg("still failing after %lu allocation failures", max);
	return n;
}

void
tu_flip(void *p, size_t i, unsigned int bit)
{
	((uint8_t *)p)[i] ^= (uint8_t)(1U << (bit & 7));
}
