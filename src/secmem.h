/*
 * secmem.h: memory for secrets.
 *
 * WARNING: everything that holds a key, a PIN, a password or plaintext
 * must be wiped when its scope ends, on every path.  Long-lived keys live in
 * sceau_secmem_alloc() memory: locked (never swapped), excluded from core
 * dumps, surrounded by guard pages, wiped before release.
 */
#ifndef SCEAU_SECMEM_H
#define SCEAU_SECMEM_H

#include <stddef.h>

#include "defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Wipes n bytes at p in a way the compiler cannot elide. */
void sceau_memzero(void *p, size_t n);

/*
 * Compares n bytes in constant time (with respect to the contents).
 * Returns 0 when equal, non-zero otherwise: use for MACs, tags, tokens.
 */
int sceau_timingsafe_bcmp(const void *a, const void *b, size_t n) SCEAU_WUR;

/*
 * Allocates n bytes (n > 0) of zeroed memory in their own mapping: guard
 * page after the data, MADV_DONTDUMP, and mlock(2).  Returns NULL when the
 * mapping fails.  If mlock fails (RLIMIT_MEMLOCK), the memory is still
 * returned and still excluded from dumps; sceau_secmem_stats() says how
 * many allocations could not be locked.  Free with sceau_secmem_free().
 */
void *sceau_secmem_alloc(size_t n) __attribute__((malloc));

/* Wipes, unlocks and unmaps memory from sceau_secmem_alloc(); NULL is ok. */
void sceau_secmem_free(void *p);

/* Size given to sceau_secmem_alloc() for p. */
size_t sceau_secmem_size(const void *p);

struct sceau_secmem_stats {
	size_t allocations; /* live allocations */
	size_t locked; /* of which mlock succeeded */
	size_t bytes; /* bytes requested by live allocations */
};
void sceau_secmem_stats(struct sceau_secmem_stats *st);

/*
 * Process hardening for programs that hold keys (the agent, the CLI while
 * it holds an unlocked device): no core dumps (RLIMIT_CORE 0), not
 * dumpable and not ptrace-attachable by the same uid (PR_SET_DUMPABLE 0),
 * and OpenSSL's secure heap so that private keys inside OpenSSL objects are
 * locked too.  Returns 0 or SCEAU_ERR_SYSTEM; programs decide if fatal.
 */
int sceau_secmem_harden_process(void) SCEAU_WUR;

#ifdef __cplusplus
}
#endif
#endif /* SCEAU_SECMEM_H */
