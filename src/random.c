/*
 * random.c: the CSPRNG.
 */
#include "config.h"

#include <stdint.h>

#include <openssl/rand.h>

#include "errors.h"
#include "random.h"
#include "secmem.h"

int
sceau_random_bytes(void *p, size_t n)
{
	unsigned char *d = p;

	/* RAND_bytes takes an int: feed it at most 1 GiB per call. */
	while (n > 0) {
		int chunk = n > (1U << 30) ? (1 << 30) : (int)n;

		if (RAND_bytes(d, chunk) != 1) {
			sceau_memzero(p, (size_t)(d - (unsigned char *)p) + n);
			return SCEAU_ERR_RANDOM;
		}
		d += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

int
sceau_random_uniform(uint32_t upper, uint32_t *out)
{
	uint32_t v, min;
	int r;

	*out = 0;
	if (upper == 0)
		return SCEAU_ERR_INVALID_ARGUMENT;
	if (upper == 1)
		return 0;
	/* Reject values below 2^32 mod upper: what is left is uniform. */
	min = (uint32_t)(-upper) % upper;
	do {
		if ((r = sceau_random_bytes(&v, sizeof(v))) != 0)
			return r;
	} while (v < min);
	*out = v % upper;
	return 0;
}
