/*
 * testutil.h: helpers shared by the unit tests: known-answer vector files,
 * the TAP main, allocation-failure torture.
 *
 * Vector files live in tests/vectors/ (found through $top_srcdir, "." by
 * default).  Format:
 *
 *   # a comment
 *   name = TEST 1            <- "name" is free text, shown in messages
 *   key = 00ff10             <- hex (upper or lower case), may be empty
 *   msg = "quoted text"      <- ASCII; \" \\ and \n are understood
 *   long = 0011...
 *       2233...              <- indented lines continue the value above
 *
 * Blocks of "key = value" lines are separated by blank lines.  A key is
 * [A-Za-z0-9_-]+ and appears at most once per block.
 */
#ifndef SCEAU_TESTUTIL_H
#define SCEAU_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "buf.h"

struct tu_vectors;
struct tu_block;

/*
 * Loads tests/vectors/NAME.  Returns NULL (after printing why on stderr)
 * if the file cannot be read or is malformed.  Free with tu_vectors_free.
 */
struct tu_vectors *tu_vectors_load(const char *name);
void tu_vectors_free(struct tu_vectors *v);
size_t tu_vectors_count(const struct tu_vectors *v);
/* Block i in file order, or NULL past the end. */
const struct tu_block *tu_vectors_block(const struct tu_vectors *v, size_t i);

/* Value of "name" if present, else "FILE:LINE" of the block's start. */
const char *tu_block_name(const struct tu_block *b);

/* Raw text of key's value (continuations joined), or NULL if absent. */
const char *tu_vec_text(const struct tu_block *b, const char *key);
int tu_vec_has(const struct tu_block *b, const char *key);

/*
 * Decodes key's value (hex, or "quoted text") and appends the bytes to
 * out.  0, or -1 if absent or malformed (with a message on stderr).
 */
int tu_vec_hex(
    const struct tu_block *b, const char *key, struct sceau_buf *out);
/* Same, into out[0..len): the value must hold exactly len bytes. */
int tu_vec_fixed(
    const struct tu_block *b, const char *key, void *out, size_t len);
/*
 * Same, into a new allocation (free with free(3); never NULL on success,
 * even for an empty value).  *lenp gets the length.
 */
uint8_t *tu_vec_alloc(const struct tu_block *b, const char *key, size_t *lenp);
/* Decimal value of key.  0, or -1 if absent or not a number. */
int tu_vec_ulong(const struct tu_block *b, const char *key, unsigned long *vp);

/*
 * Runs one cmocka group with TAP output (automake's tap-driver.sh reads
 * it).  A program must run exactly one group: each group prints its own
 * plan, and two plans break the driver.  Returns the number of failures.
 */
int tu_tap_main(const char *name, const struct CMUnitTest *tests, size_t count);
#define TU_TAP_MAIN(name, tests)                                               \
	tu_tap_main((name), (tests), sizeof(tests) / sizeof((tests)[0]))

/*
 * Allocation-failure torture (curl's "runtests.pl -t"): calls fn(arg)
 * with the allocator failing at allocation n, for n = 0, 1, ... until fn
 * returns 0.  Each failing run must return SCEAU_ERR_ALLOC (the test
 * fails otherwise) and clean up after itself (ASan and valgrind catch
 * leaks).  Gives up (failing the test) after max runs.  Returns the
 * number of runs that failed.
 */
unsigned long tu_alloc_torture(
    int (*fn)(void *arg), void *arg, unsigned long max);

/* Flips bit `bit` (0..7) of byte i of p. */
void tu_flip(void *p, size_t i, unsigned int bit);

#endif /* SCEAU_TESTUTIL_H */
