/*
 * test-secmem.c: locked memory, guard pages, wiping, constant-time
 * comparison, process hardening.
 */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "secmem.h"

static void
test_alloc_free(void **state)
{
	struct sceau_secmem_stats before, during, after;
	size_t sizes[] = {1, 32, 4095, 4096, 4097, 100000};
	size_t i, j;
	uint8_t *p;

	(void)state;
	sceau_secmem_stats(&before);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_non_null(p = sceau_secmem_alloc(sizes[i]));
		assert_int_equal(sceau_secmem_size(p), sizes[i]);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xa5, sizes[i]);
		sceau_secmem_stats(&during);
		assert_int_equal(during.allocations, before.allocations + 1);
		assert_int_equal(during.bytes, before.bytes + sizes[i]);
		sceau_secmem_free(p);
	}
	sceau_secmem_stats(&after);
	assert_int_equal(after.allocations, before.allocations);
	assert_int_equal(after.bytes, before.bytes);
	assert_null(sceau_secmem_alloc(0));
	assert_null(sceau_secmem_alloc(SIZE_MAX));
	sceau_secmem_free(NULL);
}

static void
test_locked(void **state)
{
	struct sceau_secmem_stats st;
	struct rlimit rl;
	void *p;

	(void)state;
	assert_non_null(p = sceau_secmem_alloc(64));
	sceau_secmem_stats(&st);
	/* With a non-zero memlock limit (the default is 8 MiB), it locks. */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur >= 65536)
		assert_int_equal(st.locked, st.allocations);
	sceau_secmem_free(p);
}

/* Runs fn in a child; returns 1 if the child died instead of exiting 0. */
static int
child_dies(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		(void)signal(SIGSEGV, SIG_DFL);
		(void)signal(SIGBUS, SIG_DFL);
		(void)signal(SIGABRT, SIG_DFL);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
overflow(void)
{
	volatile uint8_t *p = sceau_secmem_alloc(100);

	/* The data region ends at the page; the next page is a guard. */
	p[4096] = 1;
}

static void
underflow(void)
{
	volatile uint8_t *p = sceau_secmem_alloc(100);

	p[-1] = 1;
}

static void
foreign_free(void)
{
	static uint8_t x[8192] __attribute__((aligned(4096)));

	sceau_secmem_free(x);
}

static void
in_bounds(void)
{
	volatile uint8_t *p = sceau_secmem_alloc(100);

	p[4095] = 1; /* rounding to the page is usable, not a fault */
	sceau_secmem_free((void *)p);
}

static void
test_guards(void **state)
{
	(void)state;
	assert_true(child_dies(overflow));
	assert_true(child_dies(underflow));
	assert_true(child_dies(foreign_free));
	assert_false(child_dies(in_bounds));
}

static void
test_memzero(void **state)
{
	uint8_t b[64];

	(void)state;
	memset(b, 0xff, sizeof(b));
	sceau_memzero(b + 8, 48);
	assert_int_equal(b[7], 0xff);
	assert_int_equal(b[8], 0);
	assert_int_equal(b[55], 0);
	assert_int_equal(b[56], 0xff);
	sceau_memzero(NULL, 10);
}

static void
test_timingsafe(void **state)
{
	uint8_t a[32], b[32];
	size_t i;

	(void)state;
	memset(a, 7, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(sceau_timingsafe_bcmp(a, b, sizeof(a)), 0);
	assert_int_equal(sceau_timingsafe_bcmp(a, b, 0), 0);
	/* A difference at any position, in any bit, is seen. */
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(sceau_timingsafe_bcmp(a, b, sizeof(a)), 0);
		b[i] = a[i];
	}
}

static void
harden(void)
{
	struct rlimit rl;

	if (sceau_secmem_harden_process() != 0)
		_exit(2);
	if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0)
		_exit(3);
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		_exit(4);
}

static void
test_harden_process(void **state)
{
	(void)state;
	/* In a child: the test process itself stays dumpable. */
	assert_false(child_dies(harden));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_free),
	    cmocka_unit_test(test_locked),
	    cmocka_unit_test(test_guards),
	    cmocka_unit_test(test_memzero),
	    cmocka_unit_test(test_timingsafe),
	    cmocka_unit_test(test_harden_process),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("secmem", tests, NULL, NULL);
}
