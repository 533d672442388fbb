/*
 * alloc.h: the allocator used by libsceau.
 *
 * Thin wrappers over the C library that every module uses instead of
 * malloc(3), so that the test suite can make the Nth allocation fail and
 * prove that each failure path cleans up (curl's "runtests.pl -t").
 * They return NULL on failure and never abort.
 */
#ifndef SCEAU_ALLOC_H
#define SCEAU_ALLOC_H

#include <stddef.h>

void *sceau_malloc(size_t n) __attribute__((malloc));
void *sceau_calloc(size_t nmemb, size_t size) __attribute__((malloc));
/* reallocarray(3): NULL on overflow of nmemb * size. */
void *sceau_reallocarray(void *p, size_t nmemb, size_t size);
/*
 * Like reallocarray, but the old block is wiped and freed (never left
 * behind by realloc's move) and the new tail is zeroed: for buffers that
 * may hold secrets.  oldn is the old size in bytes.
 */
void *sceau_recalloc(void *p, size_t oldn, size_t newn);
char *sceau_strdup(const char *s);
char *sceau_strndup(const char *s, size_t n);
void sceau_free(void *p);
/* Wipes n bytes at p, then frees p.  NULL is allowed. */
void sceau_freezero(void *p, size_t n);

/*
 * Test hook: after n more successful allocations, every allocation fails
 * until reset with n < 0.  sceau_alloc_count() counts allocations made.
 */
void sceau_alloc_fail_after(long n);
unsigned long sceau_alloc_count(void);

#endif /* SCEAU_ALLOC_H */
