/*
 * random.h: the CSPRNG (OpenSSL's RAND_bytes, seeded by the kernel).
 */
#ifndef SCEAU_RANDOM_H
#define SCEAU_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

/* Fills p with n random bytes.  0 or SCEAU_ERR_RANDOM (p is then wiped). */
int sceau_random_bytes(void *p, size_t n) SCEAU_WUR;

/*
 * Uniform random integer in [0, upper) without modulo bias; upper > 0.
 * 0 or SCEAU_ERR_RANDOM / SCEAU_ERR_INVALID_ARGUMENT.
 */
int sceau_random_uniform(uint32_t upper, uint32_t *out) SCEAU_WUR;

#endif /* SCEAU_RANDOM_H */
