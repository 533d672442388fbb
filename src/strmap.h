/*
 * strmap.h: a map from strings to pointers (open addressing, linear
 * probing), for the lookups of chain validation: users and devices by id.
 *
 * Keys and values are borrowed: the caller keeps both alive and unchanged
 * while they are in the map (the chain keeps each entry in its own
 * allocation, and the key is a field of the entry).  The
 * hash is seeded at random per process, so that ids chosen by an attacker
 * cannot be prepared to collide.
 */
#ifndef SCEAU_STRMAP_H
#define SCEAU_STRMAP_H

#include <stddef.h>

#include "defs.h"

struct sceau_strmap;

struct sceau_strmap *sceau_strmap_new(void);
void sceau_strmap_free(struct sceau_strmap *m);

/*
 * Makes room for n more entries, so that the next n sceau_strmap_put()
 * calls of new keys cannot fail: what lets a caller check, reserve, then
 * apply a change that cannot fail halfway.
 */
int sceau_strmap_reserve(struct sceau_strmap *m, size_t n) SCEAU_WUR;
/* Adds key -> value.  SCEAU_ERR_EXISTS if key is there, or _ALLOC. */
int sceau_strmap_put(struct sceau_strmap *m, const char *key, void *value)
    SCEAU_WUR;
/* The value of key, or NULL. */
void *sceau_strmap_get(const struct sceau_strmap *m, const char *key);
size_t sceau_strmap_count(const struct sceau_strmap *m);

#endif /* SCEAU_STRMAP_H */
