/*
 * alloc.c: allocation wrappers with failure injection for tests.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "defs.h"
#include "secmem.h"

/* Injection state is process-wide; tests drive it from one thread. */
static long fail_countdown = -1;
static unsigned long alloc_counter;

void
sceau_alloc_fail_after(long n)
{
	fail_countdown = n;
}

unsigned long
sceau_alloc_count(void)
{
	return alloc_counter;
}

static int
inject_failure(void)
{
	alloc_counter++;
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown == 0)
		return 1;
	fail_countdown--;
	return 0;
}

void *
sceau_malloc(size_t n)
{
	if (inject_failure())
		return NULL;
	return malloc(n == 0 ? 1 : n);
}

void *
sceau_calloc(size_t nmemb, size_t size)
{
	if (inject_failure())
		return NULL;
	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	return calloc(nmemb, size);
}

void *
sceau_reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		return NULL;
	if (inject_failure())
		return NULL;
	return realloc(p, nmemb * size == 0 ? 1 : nmemb * size);
}

void *
sceau_recalloc(void *p, size_t oldn, size_t newn)
{
	void *n;

	if ((n = sceau_malloc(newn)) == NULL)
		return NULL;
	if (p != NULL)
		memcpy(n, p, SCEAU_MIN(oldn, newn));
	if (newn > oldn)
		memset((unsigned char *)n + oldn, 0, newn - oldn);
	sceau_freezero(p, oldn);
	return n;
}

char *
sceau_strdup(const char *s)
{
	return sceau_strndup(s, strlen(s));
}

char *
sceau_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d;

	if (len == SIZE_MAX || (d = sceau_malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void
sceau_free(void *p)
{
	free(p);
}

void
sceau_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	sceau_memzero(p, n);
	free(p);
}
