/*
 * secmem.c: locked, non-dumpable memory for keys; wiping; constant-time
 * comparison.
 *
 * Each allocation is its own mapping:
 *
 *   [ header page, read-only ][ data pages, locked ][ guard page, no access ]
 *
 * The pointer handed out is the first data page, so an overflow past the
 * data pages faults on the guard page and an underflow faults on the
 * read-only header.  Keys are few and small; a page or three each is a
 * fair price for that.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "errors.h"
#include "log.h"
#include "secmem.h"

#define SECMEM_MAGIC 0x7365636d656d2131ULL /* "secmem!1" */

/* OpenSSL secure heap: holds private keys inside EVP_PKEY objects. */
#define OPENSSL_SECURE_HEAP_SIZE (64 * 1024)
#define OPENSSL_SECURE_HEAP_MIN 32

struct secmem_header {
	uint64_t magic;
	size_t size; /* bytes requested */
	size_t total; /* bytes mapped */
	int locked;
};

static atomic_size_t stat_allocations;
static atomic_size_t stat_locked;
static atomic_size_t stat_bytes;

void
sceau_memzero(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

int
sceau_timingsafe_bcmp(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 0;
	return CRYPTO_memcmp(a, b, n) != 0;
}

static size_t
page_size(void)
{
	static size_t pz;

	if (pz == 0) {
		long v = sysconf(_SC_PAGESIZE);

		pz = v > 0 ? (size_t)v : 4096;
	}
	return pz;
}

void *
sceau_secmem_alloc(size_t n)
{
	size_t pz = page_size(), data, total;
	struct secmem_header *h;
	unsigned char *base;

	if (n == 0 || n > SIZE_MAX - 3 * pz)
		return NULL;
	data = (n + pz - 1) / pz * pz;
	total = data + 2 * pz;
	base = mmap(NULL, total, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	/* Keys must not reach a core file, nor a child after fork. */
	(void)madvise(base, total, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
	(void)madvise(base, total, MADV_WIPEONFORK);
#endif
	h = (struct secmem_header *)(void *)base;
	h->magic = SECMEM_MAGIC;
	h->size = n;
	h->total = total;
	h->locked = mlock(base + pz, data) == 0;
	if (!h->locked)
		debug_f("mlock of %zu bytes failed: %s", data, strerror(errno));
	if (mprotect(base + pz + data, pz, PROT_NONE) != 0 ||
	    mprotect(base, pz, PROT_READ) != 0) {
		(void)munmap(base, total);
		return NULL;
	}
	atomic_fetch_add(&stat_allocations, 1);
	atomic_fetch_add(&stat_bytes, n);
	if (h->locked)
		atomic_fetch_add(&stat_locked, 1);
	return base + pz;
}

static const struct secmem_header *
header_of(const void *p)
{
	size_t pz = page_size();
	const struct secmem_header *h;

	/* A pointer not from us is a memory-safety bug: stop here. */
	if (((uintptr_t)p % pz) != 0)
		abort();
	h = (const struct secmem_header *)(const void *)((const unsigned char *)
	                                                     p -
	    pz);
	if (h->magic != SECMEM_MAGIC)
		abort();
	return h;
}

size_t
sceau_secmem_size(const void *p)
{
	return p == NULL ? 0 : header_of(p)->size;
}

void
sceau_secmem_free(void *p)
{
	const struct secmem_header *h;
	unsigned char *base;
	size_t pz = page_size(), total, data, size;
	int locked;

	if (p == NULL)
		return;
	h = header_of(p);
	total = h->total;
	size = h->size;
	locked = h->locked;
	data = total - 2 * pz;
	base = (unsigned char *)p - pz;
	/* Wipe before unlocking, so the secret never reaches swap. */
	sceau_memzero(p, data);
	if (locked)
		(void)munlock(p, data);
	(void)munmap(base, total);
	atomic_fetch_sub(&stat_allocations, 1);
	atomic_fetch_sub(&stat_bytes, size);
	if (locked)
		atomic_fetch_sub(&stat_locked, 1);
}

void
sceau_secmem_stats(struct sceau_secmem_stats *st)
{
	st->allocations = atomic_load(&stat_allocations);
	st->locked = atomic_load(&stat_locked);
	st->bytes = atomic_load(&stat_bytes);
}

int
sceau_secmem_harden_process(void)
{
	struct rlimit rl = {0, 0};
	int r = 0;

	/* Deny core dumps: memory contains unencrypted private keys. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0) {
		error_f("setrlimit(RLIMIT_CORE): %s", strerror(errno));
		r = SCEAU_ERR_SYSTEM;
	}
	/* Also refuses ptrace attach from other processes of the same uid. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		error_f("prctl(PR_SET_DUMPABLE): %s", strerror(errno));
		r = SCEAU_ERR_SYSTEM;
	}
	if (!CRYPTO_secure_malloc_initialized() &&
	    CRYPTO_secure_malloc_init(
	        OPENSSL_SECURE_HEAP_SIZE, OPENSSL_SECURE_HEAP_MIN) == 0) {
		/* Not fatal: keys then sit in ordinary (non-dumped) memory. */
		warn_f("OpenSSL secure heap unavailable");
	}
	return r;
}
