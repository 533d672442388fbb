/*
 * fuzz.h: the libFuzzer entry point every target defines, and the check
 * targets use.  Under -fsanitize=fuzzer libFuzzer calls the entry point;
 * otherwise main.c replays files through it, so that make check runs the
 * corpora without clang.
 */
#ifndef SCEAU_FUZZ_H
#define SCEAU_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A broken property is a crash, so that both libFuzzer and the replay
 * notice it (assert(3) would vanish under NDEBUG).
 */
#define fuzz_assert(e)                                                         \
	do {                                                                   \
		if (!(e)) {                                                    \
			fprintf(stderr, "%s:%d: property failed: %s\n",        \
			    __FILE__, __LINE__, #e);                           \
			abort();                                               \
		}                                                              \
	} while (0)

#endif /* SCEAU_FUZZ_H */
