/*
 * strmap.c: string-keyed map, open addressing with linear probing.
 * Entries are never removed (chains only grow), which keeps probing simple.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "errors.h"
#include "random.h"
#include "strmap.h"

struct slot {
	const char *key; /* NULL: empty; borrowed */
	void *value;
};

struct sceau_strmap {
	struct slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t count; /* keys stored */
	uint64_t seed;
};

struct sceau_strmap *
sceau_strmap_new(void)
{
	struct sceau_strmap *m;

	if ((m = sceau_calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (sceau_random_bytes(&m->seed, sizeof(m->seed)) != 0) {
		sceau_free(m);
		return NULL;
	}
	return m;
}

void
sceau_strmap_free(struct sceau_strmap *m)
{
	if (m == NULL)
		return;
	sceau_free(m->slots);
	sceau_free(m);
}

/* FNV-1a 64 with a random offset, finished by a 64-bit mixer. */
static uint64_t
hash(const struct sceau_strmap *m, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ m->seed;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct slot *
find(const struct sceau_strmap *m, const char *key)
{
	size_t i, mask;

	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	for (i = (size_t)hash(m, key) & mask;; i = (i + 1) & mask) {
		if (m->slots[i].key == NULL ||
		    strcmp(m->slots[i].key, key) == 0)
			return &m->slots[i];
	}
}

static int
grow(struct sceau_strmap *m, size_t newcap)
{
	struct slot *old = m->slots, *s;
	size_t oldcap = m->cap, i;

	if ((m->slots = sceau_calloc(newcap, sizeof(*m->slots))) == NULL) {
		m->slots = old;
		return SCEAU_ERR_ALLOC;
	}
	m->cap = newcap;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = find(m, old[i].key);
		*s = old[i];
	}
	sceau_free(old);
	return 0;
}

int
sceau_strmap_reserve(struct sceau_strmap *m, size_t n)
{
	size_t want, cap;

	if (n > SIZE_MAX / 4 - m->count)
		return SCEAU_ERR_LIMIT_EXCEEDED;
	/* Keep the load factor at or below 1/2. */
	want = (m->count + n) * 2;
	if (want <= m->cap)
		return 0;
	for (cap = m->cap == 0 ? 16 : m->cap; cap < want; cap *= 2)
		;
	return grow(m, cap);
}

int
sceau_strmap_put(struct sceau_strmap *m, const char *key, void *value)
{
	struct slot *s;
	int r;

	if ((s = find(m, key)) != NULL && s->key != NULL)
		return SCEAU_ERR_EXISTS;
	if ((r = sceau_strmap_reserve(m, 1)) != 0)
		return r;
	s = find(m, key);
	s->key = key;
	s->value = value;
	m->count++;
	return 0;
}

void *
sceau_strmap_get(const struct sceau_strmap *m, const char *key)
{
	const struct slot *s = find(m, key);

	return s == NULL || s->key == NULL ? NULL : s->value;
}

size_t
sceau_strmap_count(const struct sceau_strmap *m)
{
	return m->count;
}
